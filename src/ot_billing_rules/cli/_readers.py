"""Readers behind ``ot-billing audit``: a file (or standard input) as a stream of visits.

Memory stays flat in the number of visits: the input is read in chunks and
each visit is handed on as soon as it is complete. Every reader makes a
checking pass before the visits are audited, so a broken file (not UTF-8,
not JSON, a bad CSV header) is refused before anything reaches standard
output; standard input is therefore spooled to a temporary file first (disk,
not memory). A visit that cannot be read is a typed error in the stream in
its place, or, with ``fail_fast``, refused by the checking pass.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Generator, Iterator, Mapping
from decimal import Decimal
from typing import IO, Any, NoReturn

from ..errors import DataFileError, OTBillingError
from ..readers import ROW_COLUMNS, NotGroupedError, group_rows
from ..visit import Visit
from ._payer_map import PayerMap

_CHUNK = 1 << 16
_REQUIRED = ("visit_id", "date_of_service", "code")


class Source:
    """A seekable binary input and the name errors give it."""

    def __init__(self, fh: IO[bytes], name: str, *, stdin: bool = False) -> None:
        self.fh = fh
        self.name = name
        self.stdin = stdin

    @contextlib.contextmanager
    def text(self) -> Iterator[io.TextIOWrapper]:
        """The input from its start as UTF-8 text (a leading byte-order mark dropped)."""
        self.fh.seek(0)
        wrapper = io.TextIOWrapper(self.fh, encoding="utf-8-sig", newline="")
        try:
            yield wrapper
        finally:
            # Keep the file open for the next pass (if it is still open: a
            # pass abandoned on a closed pipe may end after the file's close).
            with contextlib.suppress(ValueError):
                wrapper.detach()

    def sniff(self) -> str:
        """``"json"`` when the first character (past a BOM and blanks) is ``{`` or ``[``."""
        self.fh.seek(0)
        head = self.fh.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
        return "json" if head[:1] in (b"{", b"[") else "csv"


@contextlib.contextmanager
def open_source(name: str) -> Iterator[Source]:
    """Open ``name`` for reading; ``-`` is standard input, spooled to a temporary file."""
    if name != "-":
        with open(name, "rb") as fh:
            yield Source(fh, name)
        return
    stdin = getattr(sys.stdin, "buffer", None)
    if stdin is None:
        raise DataFileError("standard input is closed", path="<stdin>")
    with tempfile.TemporaryFile() as tmp:
        shutil.copyfileobj(stdin, tmp)
        yield Source(tmp, "<stdin>", stdin=True)


def check_utf8(src: Source) -> None:
    """Refuse input that is not UTF-8, naming the first bad byte and its line."""
    src.fh.seek(0)
    carry, offset, lines = b"", 0, 1
    while chunk := src.fh.read(_CHUNK):
        data = carry + chunk
        cut = _safe_end(data)
        data, carry = data[:cut], data[cut:]
        _decode(data, offset, lines, src.name)
        offset += len(data)
        lines += data.count(b"\n")
    if carry:
        _decode(carry, offset, lines, src.name)


def _safe_end(data: bytes) -> int:
    # A chunk may end inside a multi-byte character: keep its lead bytes for the next.
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return len(data)
        if byte >= 0xC0:
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(data) - back if need > back else len(data)
    return len(data)


def _decode(data: bytes, offset: int, lines: int, name: str) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"wrong encoding: byte 0x{data[exc.start]:02x} at offset {offset + exc.start} "
            "is not UTF-8; save the file as UTF-8",
            path=name,
            line=lines + data.count(b"\n", 0, exc.start),
        ) from None


# -- CSV ---------------------------------------------------------------------


def csv_visits(
    src: Source, *, fail_fast: bool = True, payers: PayerMap | None = None
) -> Generator[Visit | DataFileError, None, None]:
    """Check the whole CSV, then return its visits as a stream (for the audit pass).

    A visit whose rows cannot be read is a :class:`DataFileError` in the
    stream in its place; with ``fail_fast`` the first one is raised by the
    checking pass instead. A broken file (header, quoting, cell counts) is
    always raised before any visit is returned.
    """
    grouped = True
    first_error: DataFileError | None = None
    count = 0
    with contextlib.closing(_csv_items(src, grouped=True, payers=payers)) as items:
        for item in items:
            if isinstance(item, NotGroupedError):
                grouped = False
                break
            if isinstance(item, DataFileError):
                first_error = first_error or item
            count += 1
    if not grouped:
        # Interleaved visits: every visit is held (compactly) until the end of the file.
        count = 0
        for item in _csv_items(src, grouped=False, payers=payers):
            if isinstance(item, DataFileError) and fail_fast:
                raise item
            count += 1
    elif first_error is not None and fail_fast:
        raise first_error
    if not count:
        raise DataFileError("no visit rows", path=src.name)
    return _csv_items(src, grouped=grouped, payers=payers)


def _csv_items(
    src: Source, *, grouped: bool, payers: PayerMap | None = None
) -> Generator[Visit | DataFileError, None, None]:
    with src.text() as text:
        rows = _csv_rows(text, src.name)
        if payers is None:
            yield from group_rows(rows, src.name, grouped=grouped)
            return
        csv_pass = payers.csv()
        for item in group_rows(csv_pass.rows(rows), src.name, grouped=grouped):
            yield csv_pass.resolve(item, src.name)


class _CSVError(csv.Error):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _csv_rows(text: IO[str], name: str) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        yield from _rows(text, name)
    except csv.Error as exc:
        line = exc.line if isinstance(exc, _CSVError) else None
        raise DataFileError(f"malformed CSV ({exc})", path=name, line=line) from None


def _rows(text: IO[str], name: str) -> Iterator[tuple[int, dict[str, str]]]:
    # strict: an unterminated quote is an error, not a cell that runs to the end.
    reader = csv.reader(text, strict=True)
    header = _next(reader) or []
    _check_header(header, name)
    width = len(header)
    while (cells := _next(reader)) is not None:
        if not cells:
            continue  # a blank line
        if len(cells) != width:
            more = "more" if len(cells) > width else "fewer"
            raise DataFileError(
                f"{more} cells than header columns ({len(cells)}, header has {width})",
                path=name,
                line=reader.line_num,
            )
        yield reader.line_num, dict(zip(header, cells, strict=True))


def _next(reader: Any) -> list[str] | None:
    try:
        return next(reader)  # type: ignore[no-any-return]
    except StopIteration:
        return None
    except csv.Error as exc:
        raise _CSVError(str(exc), reader.line_num) from None


def _check_header(header: list[str], name: str) -> None:
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise DataFileError(
            f"column(s) {', '.join(map(repr, repeated))} appear more than once in the header",
            path=name,
            line=1,
        )
    unknown = [c for c in header if c not in ROW_COLUMNS]
    if unknown:
        raise DataFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; valid: {', '.join(ROW_COLUMNS)}",
            path=name,
            line=1,
        )
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise DataFileError(f"missing column(s) {', '.join(missing)}", path=name, line=1)


# -- JSON --------------------------------------------------------------------


def json_visits(
    src: Source, *, fail_fast: bool = True, payers: PayerMap | None = None
) -> tuple[Generator[Visit | DataFileError, None, None], bool]:
    """Check the whole JSON, then return its visits as a stream, and whether it was one object.

    A visit object that is not a valid visit is a :class:`DataFileError` in
    the stream in its place; with ``fail_fast`` the first one is raised by
    the checking pass instead. Text that is not JSON is always raised before
    any visit is returned.
    """
    single = False
    for kind, item in _json_visits(src, payers):
        single = kind
        if fail_fast and isinstance(item, DataFileError):
            raise item
    return (v for _, v in _json_visits(src, payers)), single


def _json_visits(
    src: Source, payers: PayerMap | None = None
) -> Iterator[tuple[bool, Visit | DataFileError]]:
    with src.text() as text:
        stream = _JSONStream(text, src.name)
        single = stream.peek() != "["
        items = _one(stream) if single else _array(stream)
        for n, item in enumerate(items, 1):
            try:
                visit = Visit.from_dict(item if payers is None else payers.json_item(item))
            except OTBillingError as exc:
                where = "" if single else f"visit {n}: "
                yield single, DataFileError(f"{where}{exc}", path=src.name, visit_id=_id_of(item))
                continue
            yield single, visit


def _id_of(item: object) -> str | None:
    # The error joins back to the claim when the object names its visit.
    vid = item.get("visit_id") if isinstance(item, Mapping) else None
    return (vid.strip() or None) if isinstance(vid, str) else None


def _one(stream: _JSONStream) -> Iterator[Any]:
    data = stream.value()
    stream.end()
    if not isinstance(data, Mapping):
        stream.fail("expected a visit object or a non-empty list of visits")
    yield data


def _array(stream: _JSONStream) -> Iterator[Any]:
    stream.take("[")
    if stream.peek() == "]":
        stream.fail("expected a visit object or a non-empty list of visits")
    while True:
        yield stream.value()
        if stream.peek() == ",":
            stream.take(",")
            continue
        stream.take("]", "Expecting ',' delimiter")
        stream.end()
        return


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a repeated key would
    # silently drop the first value, so refuse it.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(Exception):
    pass


_DECODER = json.JSONDecoder(parse_float=Decimal, object_pairs_hook=_unique_keys)


class _JSONStream:
    """Values of a JSON text read a chunk at a time (one visit at a time in memory)."""

    def __init__(self, text: IO[str], name: str) -> None:
        self.text = text
        self.name = name
        self.buf = ""
        self.pos = 0
        self.line = 1  # the line of buf[0]
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.line += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character, or ``""`` at the end."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos : self.pos + 1]

    def take(self, char: str, why: str = "") -> None:
        if self.peek() != char:
            self.fail(f"not valid JSON: {why or f'Expecting {char!r}'}")
        self.pos += 1

    def end(self) -> None:
        if self.peek():
            self.fail("not valid JSON: Extra data")

    def fail(self, message: str) -> NoReturn:
        line = self.line + self.buf.count("\n", 0, self.pos)
        raise DataFileError(message, path=self.name, line=line)

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                data, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue  # the value may run on into the next chunk
                raise DataFileError(
                    f"not valid JSON: {exc.msg}", path=self.name, line=self.line + exc.lineno - 1
                ) from None
            except _DuplicateKey as exc:
                self.fail(f"key {exc.args[0]!r} appears twice in one JSON object")
            except RecursionError:
                self.fail("JSON nested too deeply to be a visit file")
            except ValueError as exc:  # e.g. an integer past Python's digit limit
                self.fail(f"not readable JSON ({' '.join(str(exc).split())})")
            # A number or literal that ends the chunk may go on in the next one.
            if end == len(self.buf) and self._more():
                continue
            self.pos = end
            return data
