"""Readers for the NCCI files users download from CMS.

Layouts (as observed in the CMS NCCI PTP and MUE files, up to the 2026 releases):

- PTP ``ccipra-*`` / ``ccioph-*`` ``.txt``: Latin-1, TAB-separated, never
  quoted; an AMA notice, a title line and a header wrapped over several lines
  come first (6 lines in recent releases — never relied on: data starts at
  the first line whose field 1 is a code and field 4 an 8-digit date). Seven
  fields: column 1, column 2, prior-1996 flag (empty or ``*``), effective
  ``YYYYMMDD``, deletion ``YYYYMMDD`` or ``*``, modifier indicator 0/1/9,
  rationale.
- MUE ``MCR_MUE_*Services_Eff_MM-DD-YYYY.csv``: Latin-1 CSV; a quoted notice
  record, then a header whose first cell holds a line break and whose second
  cell names the setting; four cells per row, the MAI cell a digit, a space and
  a label (``3 Date of Service Edit: Clinical``).
- Either, or both, inside the CMS ``.zip``.

Medicaid NCCI files (CMS "Medicaid NCCI Edit Files" page; SMD #10-017,
Enclosure B lists how they differ from Medicare's): zips named
``medicaid-ncci-q1-2026-ptp-edits-practitioner-services.zip`` and
``...-mue-edits-practitioner-services.zip``; older MUE members
``MCD-MUE-PRA-v...``. The PTP table has the Medicare layout, dates included.
The MUE table has three cells per row (``HCPCS/CPT Code``, ``MUE Values``,
``MUE Rationale``): no adjudication indicator and no effective date, so its
release is the quarter in the file name. A table is Medicaid when its names
say ``medicaid`` or ``MCD-``, or (MUE) its header has no adjudication column.
Only the comma-separated three-cell MUE layout is read; no other Medicaid
layout is documented, and a file in another one is refused.

The readers stream (one row at a time) and are strict about data: any row that
does not fit raises :class:`~ot_billing_rules.errors.DataFileError` with the
file and line. Zip members that are neither table (read-me files, change
reports, the ``.xlsx`` twins) are passed over; a zip holding no table is an
error.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from os import PathLike, fspath
from pathlib import PurePath
from typing import IO

from .._coerce import require_int
from ..errors import DataFileError, InvalidInputError, InvalidTypeError
from ..terms import Setting
from ._models import MUE, EditSource

#: Largest zip member read (uncompressed bytes). A national PTP part is a few
#: hundred MB; anything past this is refused rather than inflated.
DEFAULT_MAX_MEMBER_BYTES = 2 * 1024**3

_CODE = re.compile(r"[0-9A-Z]{5}")
_DATE8 = re.compile(r"[0-9]{8}")
_MAI = re.compile(r"([123])(?:\s.*)?", re.DOTALL)
_QUARTER = re.compile(r"(20[0-9]{2})[-_ ]?q([1-4])", re.IGNORECASE)
#: The Medicaid zips put the quarter first: ``medicaid-ncci-q1-2026-...``.
_QUARTER_FIRST = re.compile(r"(?<![0-9a-z])q([1-4])[-_ ]?(20[0-9]{2})", re.IGNORECASE)
_MEDICAID_NAME = re.compile(r"medicaid|(?<![a-z])mcd[-_]", re.IGNORECASE)
_MUE_EFF = re.compile(r"eff[-_ ]?([01][0-9])[-_]([0-3][0-9])[-_]((?:19|20)[0-9]{2})", re.IGNORECASE)
_PTP_STEM = re.compile(r"(cci(?:pra|oph)-v[0-9]+r[0-9]+)", re.IGNORECASE)
_PTP_PART = re.compile(r"cci(?:pra|oph)-v([0-9]+)r([0-9]+)(?:-f([0-9]+))?", re.IGNORECASE)
_PREAMBLE_LIMIT = 60

#: Longest line read (characters). A PTP row is under 200 characters and the
#: MUE notice record a few thousand; a member with no line break at all must
#: not be buffered whole, so reading stops here with an error.
MAX_LINE_CHARS = 1 << 20

#: Largest MUE value accepted: far above any CMS value, far below what SQLite
#: can store (a 64-bit integer).
MAX_MUE_VALUE = 10**9 - 1

#: What zipfile raises for a damaged archive or member: bad headers or CRC,
#: corrupt deflate data (zlib.error), a compression method or encryption it
#: cannot read (NotImplementedError, RuntimeError), a truncated stream.
_ZIP_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    KeyError,
    ValueError,
    OSError,
)

PTPRow = tuple[str, str, bool, int, "int | None", str, str]
MUERow = tuple[str, int, "str | None", str]


class CMSTable:
    """One PTP or MUE table found among the user's paths (internal)."""

    def __init__(
        self,
        name: str,
        kind: str,
        setting: Setting,
        release: str,
        release_date: date | None,
        opener: Callable[[], io.BufferedReader],
        program: str = "medicare",
    ) -> None:
        self.name = name
        self.program = program
        self.kind = kind
        self.setting = setting
        self.release = release
        self.release_date = release_date
        self._open = opener
        self.rows = 0
        self.max_effective: int | None = None
        self.version, self.part = ptp_version(name) if kind == "ptp" else (None, None)

    def source(self) -> EditSource:
        """Provenance, once the rows have been read.

        A PTP release is named by the file name first: the quarter of the
        zip (``2024q3``) gives its date, the ``ccipra-v302r0`` stem its
        label. A bare ``.txt`` names no quarter; its release date is then,
        as a fallback only, the latest effective date in the file (new edits
        start on the first day of the quarter they ship in).
        """
        when = self.release_date
        if when is None and self.kind == "ptp" and self.max_effective is not None:
            m = self.max_effective
            when = date(m // 10000, m // 100 % 100, m % 100)
        return EditSource(self.name, self.kind, self.setting, self.release, when, self.rows)

    def ptp_rows(self) -> Iterator[PTPRow]:
        """Yield ``(col1, col2, prior_1996, effective, deletion, indicator, rationale)``;
        dates as ``YYYYMMDD`` ints, deletion ``None`` when live."""
        with self._open() as raw:
            yield from _parse_ptp(self, _text(raw, self.name, newline=None))

    def mue_rows(self) -> Iterator[MUERow]:
        """Yield ``(code, value, mai, rationale)``; ``mai`` is ``None`` in the
        Medicaid layout, which has no adjudication indicator."""
        with self._open() as raw:
            yield from _parse_mue(self, _text(raw, self.name, newline=""))


def read_cms_files(
    paths: Iterable[str | PathLike[str]],
    *,
    setting: Setting | None,
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
) -> Iterator[CMSTable]:
    """Yield every table in ``paths`` (files or zips), kind and setting detected."""
    # Checked here, not at the first zip: a bad limit must fail even when the
    # paths hold no zip, and must never reach a size comparison untyped.
    require_int(max_member_bytes, field="max_member_bytes", minimum=1)
    for p in paths:
        if not isinstance(p, (str, PathLike)):
            raise InvalidTypeError(
                f"path must be a str or os.PathLike, not {type(p).__name__} {p!r}",
                value=p,
                field="paths",
            )
        path = fspath(p)
        if "\x00" in str(path):
            raise InvalidInputError(
                f"path {path!r} holds a NUL character; give the path of a CMS .txt, .csv or .zip",
                value=path,
                field="paths",
            )
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic.startswith(b"PK\x03\x04") or path.lower().endswith(".zip"):
            yield from _zip_tables(path, setting, max_member_bytes)
        else:
            if PurePath(path).suffix.lower() not in (".txt", ".csv"):
                raise DataFileError(
                    "expected a CMS PTP .txt, an MUE .csv or a CMS .zip (export .xlsx "
                    "tables as .txt/.csv)",
                    path=path,
                )
            table = _detect(path, PurePath(path).name, "", setting, _file_opener(path))
            if table is None:
                raise DataFileError(
                    "not a CMS PTP or MUE file: the name has no ccipra/ccioph/MCR_MUE "
                    "pattern and no PTP ('Column 1', 'Column 2') or MUE ('... MUE Values') "
                    "header was found",
                    path=path,
                )
            yield table


def _file_opener(path: str) -> Callable[[], io.BufferedReader]:
    def opener() -> io.BufferedReader:
        return open(path, "rb")

    return opener


def _zip_tables(path: str, setting: Setting | None, limit: int) -> Iterator[CMSTable]:
    shared = _Archive(path)
    archive = shared.get()
    found = 0
    with shared:
        outer = PurePath(path).name
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            inner = PurePath(info.filename).name
            if info.is_dir() or PurePath(inner).suffix.lower() not in (".txt", ".csv"):
                continue
            if "change" in inner.lower():
                continue  # the change reports repeat rows in another layout
            label = f"{path}!{info.filename}"
            if info.file_size > limit:
                raise DataFileError(
                    f"zip member expands to {info.file_size} bytes, above the "
                    f"{limit}-byte limit (max_member_bytes)",
                    path=label,
                )

            try:
                table = _detect(label, inner, outer, setting, _member(shared, info, limit))
            except zipfile.BadZipFile as exc:
                raise DataFileError(f"damaged zip member ({exc})", path=label) from None
            if table is not None:
                found += 1
                yield table
    if not found:
        raise DataFileError("the zip holds no PTP .txt or MUE .csv table", path=path)


class _Archive:
    """One open zip shared by all its members.

    Opening a zip reads its whole central directory, so reopening it per
    member made thousands of small members cost quadratic time. The archive
    stays open while the generator that found the tables runs; a table read
    after that reopens it once.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None

    def get(self) -> zipfile.ZipFile:
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except _ZIP_DAMAGE as exc:
                raise DataFileError(f"not a readable zip archive ({exc})", path=self.path) from None
        return self._zip

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def _member(shared: _Archive, info: zipfile.ZipInfo, limit: int) -> Callable[[], io.BufferedReader]:
    label = f"{shared.path}!{info.filename}"

    def opener() -> io.BufferedReader:
        try:
            member = shared.get().open(info)
        except _ZIP_DAMAGE as exc:
            raise DataFileError(f"damaged zip member ({exc})", path=label) from None
        return _guarded(member, limit, label)

    return opener


class _Guarded(io.RawIOBase):
    """A zip member stream that stops at ``limit`` bytes and turns zip damage
    into :class:`DataFileError`."""

    def __init__(self, inner: IO[bytes], limit: int, label: str) -> None:
        self._inner, self._left, self._label = inner, limit, label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(min(len(buffer), self._left + 1))
        except _ZIP_DAMAGE as exc:
            raise DataFileError(f"damaged zip member ({exc})", path=self._label) from None
        if len(data) > self._left:
            raise DataFileError("zip member expands past the size limit", path=self._label)
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def _guarded(inner: IO[bytes], limit: int, label: str) -> io.BufferedReader:
    return io.BufferedReader(_Guarded(inner, limit, label), 1 << 16)


def _lines(text: IO[str], label: str, start: int = 0) -> Iterator[str]:
    """Yield the lines of ``text``, refusing one longer than :data:`MAX_LINE_CHARS`.

    ``readline`` with a limit reads at most that much, so a member with no
    line break costs one bounded buffer, not its whole size.
    """
    lineno = start
    while True:
        line = text.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        lineno += 1
        if len(line) > MAX_LINE_CHARS:
            raise DataFileError(
                f"a line longer than {MAX_LINE_CHARS} characters: not a CMS table "
                "(PTP rows and MUE rows are short lines)",
                path=label,
                line=lineno,
            )
        yield line


def _text(buffered: io.BufferedReader, label: str, *, newline: str | None) -> IO[str]:
    head = buffered.peek(4096)[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise DataFileError(
            "wrong encoding: the file holds UTF-16 or binary data; CMS tables are "
            "Latin-1/ASCII text (export the table as .txt/.csv, not UTF-16)",
            path=label,
        )
    if head.startswith(b"\xef\xbb\xbf"):
        buffered.read(3)
    return io.TextIOWrapper(buffered, encoding="latin-1", newline=newline)


def _detect(
    label: str,
    inner: str,
    outer: str,
    forced: Setting | None,
    opener: Callable[[], io.BufferedReader],
) -> CMSTable | None:
    """Decide a table's kind, setting and release from its names, then its header."""
    names = f"{inner} {outer}".lower()
    kind: str | None = None
    setting: Setting | None = None
    program = "medicaid" if _MEDICAID_NAME.search(names) else "medicare"
    medicaid_ptp = program == "medicaid" and "ptp" in names
    if "ccipra" in names or "practitioner-ptp" in names:
        kind, setting = "ptp", Setting.PRACTITIONER
    elif "ccioph" in names or "hospital-ptp" in names:
        kind, setting = "ptp", Setting.OUTPATIENT_HOSPITAL
    elif medicaid_ptp and "practitioner" in names:
        kind, setting = "ptp", Setting.PRACTITIONER
    elif medicaid_ptp and "hospital" in names:
        kind, setting = "ptp", Setting.OUTPATIENT_HOSPITAL
    elif "mue" in names:
        kind = "mue"
        setting = _mue_setting_from_name(names, label)
    with opener() as raw:
        head = _head(_text(raw, label, newline=None), label)
    sniffed_kind, sniffed_setting = _sniff(head, label)
    if sniffed_kind == "mue" and _three_cell_mue(head):
        program = "medicaid"
    if sniffed_kind is None and kind is None:
        return None
    if sniffed_kind is not None and kind is not None and sniffed_kind != kind:
        raise DataFileError(
            f"the name says a {kind.upper()} table but the header is a "
            f"{sniffed_kind.upper()} table",
            path=label,
        )
    kind = kind or sniffed_kind
    # For MUE tables the header names the setting; it wins over the name.
    setting = forced or sniffed_setting or setting
    if setting is None:
        raise DataFileError(
            "cannot tell the setting: the file name has no ccipra (practitioner) or "
            "ccioph (outpatient hospital) in it; pass setting='practitioner' or "
            "'outpatient_hospital'",
            path=label,
        )
    assert kind is not None
    release, when = _release(inner, outer, kind)
    return CMSTable(label, kind, setting, release, when, opener, program)


def _three_cell_mue(head: list[str]) -> bool:
    """Whether the MUE header is the Medicaid one: no adjudication column."""
    joined = " ".join("".join(head).split()).lower()
    return "mue values" in joined and "adjudication" not in joined


def _mue_setting_from_name(names: str, label: str) -> Setting | None:
    flat = names.replace("_", "").replace("-", "").replace(" ", "")
    if "dme" in flat:
        raise DataFileError(
            "DME supplier MUE tables are not supported (settings: practitioner, "
            "outpatient_hospital)",
            path=label,
        )
    if "outpatienthospital" in flat or "hospital" in flat or "mcdmueoph" in flat:
        return Setting.OUTPATIENT_HOSPITAL
    if "practitioner" in flat or "mcdmuepra" in flat:
        return Setting.PRACTITIONER
    return None


def _head(text: IO[str], label: str) -> list[str]:
    return list(itertools.islice(_lines(text, label), _PREAMBLE_LIMIT))


def _sniff(head: list[str], label: str) -> tuple[str | None, Setting | None]:
    joined = "".join(head)
    if "MUE Values" in joined or "MUE Adjudication" in joined:
        flat = " ".join(joined.split()).lower()
        if "dme supplier services mue" in flat:
            raise DataFileError(
                "DME supplier MUE tables are not supported (settings: practitioner, "
                "outpatient_hospital)",
                path=label,
            )
        if "outpatient hospital services mue" in flat:
            return "mue", Setting.OUTPATIENT_HOSPITAL
        if "practitioner services mue" in flat:
            return "mue", Setting.PRACTITIONER
        return "mue", None
    for line in head:
        fields = [f.strip().lower() for f in line.split("\t")]
        if fields[:2] == ["column 1", "column 2"] or fields[0].startswith("column1/column2"):
            return "ptp", None
    return None, None


def _release(inner: str, outer: str, kind: str) -> tuple[str, date | None]:
    for name in (inner, outer):
        m = _MUE_EFF.search(name)
        if m:
            when = _valid_date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
            if when is not None:
                return when.isoformat(), when
    for name in (outer, inner):
        q = _QUARTER.search(name)
        if q:
            when = date(int(q.group(1)), 3 * int(q.group(2)) - 2, 1)
            return when.isoformat(), when
        q = _QUARTER_FIRST.search(name)
        if q:
            when = date(int(q.group(2)), 3 * int(q.group(1)) - 2, 1)
            return when.isoformat(), when
    stem = _PTP_STEM.search(inner) or _PTP_STEM.search(outer)
    if stem:
        return stem.group(1).lower(), None
    return PurePath(inner).stem, None


def ptp_version(name: str) -> tuple[tuple[int, int] | None, int | None]:
    """The PTP release version and part a file name carries.

    ``ccipra-v302r0-f2.txt`` is version 30.2 revision 0, part 2 of 4:
    ``((302, 0), 2)``. The parts of one version are one release; a higher
    version or revision is a newer release. ``(None, None)`` when the name
    does not say (a file renamed by the user).
    """
    # The member's own name first, then the zip's (``outer.zip!inner.TXT``);
    # never a folder's.
    m = None
    for piece in reversed(name.split("!", 1)):
        m = _PTP_PART.search(re.split(r"[/\\]", piece)[-1])
        if m:
            break
    if m is None:
        return None, None
    part = int(m.group(3)) if m.group(3) else None
    return (int(m.group(1)), int(m.group(2))), part


def _valid_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


class _Dates:
    """``YYYYMMDD`` text to int, each distinct string checked once."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, text: str) -> int | None:
        hit = self._seen.get(text)
        if hit is not None:
            return hit
        if not _DATE8.fullmatch(text):
            return None
        y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
        if _valid_date(y, m, d) is None or not 1900 <= y <= 2199:
            return None
        self._seen[text] = value = int(text)
        return value


def _parse_ptp(table: CMSTable, text: IO[str]) -> Iterator[PTPRow]:
    dates = _Dates()
    started = False
    name = table.name
    code = _CODE.fullmatch
    rows = 0
    newest = 0
    for lineno, line in enumerate(_lines(text, name), 1):
        line = line.rstrip("\r\n")
        fields = line.split("\t")
        if not started:
            if len(fields) >= 4 and code(fields[0]) and _DATE8.fullmatch(fields[3]):
                started = True
            else:
                first = fields[0].strip()
                if first and " " not in first and any(ch.isdigit() for ch in first):
                    raise DataFileError(
                        f"bad PTP row {line[:60]!r}: field 1 {first!r} is not a 5-character code",
                        path=name,
                        line=lineno,
                    )
                if lineno >= _PREAMBLE_LIMIT:
                    break
                continue
        if not line.strip():
            continue
        if len(fields) != 7:
            raise DataFileError(
                f"expected 7 TAB-separated fields (column 1, column 2, prior-1996 flag, "
                f"effective, deletion, modifier indicator, rationale), found {len(fields)}: "
                f"{line[:80]!r}",
                path=name,
                line=lineno,
            )
        c1, c2, prior, eff_text, del_text, ind, why = fields
        if not code(c1) or not code(c2):
            bad = c1 if not code(c1) else c2
            raise DataFileError(
                f"{bad!r} is not a 5-character CPT/HCPCS code", path=name, line=lineno
            )
        if prior not in ("", "*"):
            raise DataFileError(
                f"prior-1996 flag {prior!r} must be empty or '*'", path=name, line=lineno
            )
        eff = dates(eff_text)
        if eff is None:
            raise DataFileError(
                f"effective date {eff_text!r} is not a valid YYYYMMDD date", path=name, line=lineno
            )
        if del_text == "*":
            dele = None
        else:
            dele = dates(del_text)
            if dele is None:
                raise DataFileError(
                    f"deletion date {del_text!r} is not a valid YYYYMMDD date or '*'",
                    path=name,
                    line=lineno,
                )
            if dele < eff:
                raise DataFileError(
                    f"deletion date {del_text} is before the effective date {eff_text}",
                    path=name,
                    line=lineno,
                )
        if ind not in ("0", "1", "9"):
            raise DataFileError(
                f"modifier indicator {ind!r} is not 0, 1 or 9", path=name, line=lineno
            )
        why = why.strip()
        if not why:
            raise DataFileError("the PTP edit rationale is empty", path=name, line=lineno)
        rows += 1
        if eff > newest:
            newest = eff
        yield (c1, c2, prior == "*", eff, dele, ind, why)
    if not rows:
        raise DataFileError(
            "no PTP edit rows found (expected TAB-separated rows such as "
            "'97150<TAB>97530<TAB><TAB>20200101<TAB>*<TAB>1<TAB>...')",
            path=name,
        )
    table.rows = rows
    table.max_effective = newest


def _parse_mue(table: CMSTable, text: IO[str]) -> Iterator[MUERow]:
    name = table.name
    reader = csv.reader(_lines(text, name))
    header = False
    width = 4
    seen: set[str] = set()
    rows = 0
    try:
        for rec in reader:
            lineno = reader.line_num
            if not header:
                if len(rec) >= 2 and "HCPCS" in rec[0].upper() and "MUE" in rec[1].upper():
                    header = True
                    # Medicaid: code, value, rationale (no adjudication column).
                    if not any("ADJUDICATION" in cell.upper() for cell in rec):
                        width = 3
                elif rec and _CODE.fullmatch(rec[0].strip()):
                    raise DataFileError(
                        "MUE data row before the header row ('HCPCS/CPT Code', "
                        "'... MUE Values', 'MUE Adjudication Indicator', 'MUE Rationale')",
                        path=name,
                        line=lineno,
                    )
                elif lineno >= _PREAMBLE_LIMIT:
                    break
                continue
            if not any(cell.strip() for cell in rec):
                continue
            if len(rec) != width:
                cells = (
                    "code, MUE value, adjudication indicator, rationale"
                    if width == 4
                    else "code, MUE value, rationale: the Medicaid layout"
                )
                raise DataFileError(
                    f"expected {width} cells ({cells}), found {len(rec)}: {','.join(rec)[:80]!r}",
                    path=name,
                    line=lineno,
                )
            if width == 4:
                code_text, value_text, mai_text, why = (cell.strip() for cell in rec)
            else:
                code_text, value_text, why = (cell.strip() for cell in rec)
                mai_text = ""
            if not _CODE.fullmatch(code_text):
                raise DataFileError(
                    f"{code_text!r} is not a 5-character CPT/HCPCS code", path=name, line=lineno
                )
            if not value_text.isdigit() or not value_text.isascii():
                raise DataFileError(
                    f"MUE value {value_text!r} for {code_text} is not a whole number >= 0",
                    path=name,
                    line=lineno,
                )
            if len(value_text.lstrip("0")) > len(str(MAX_MUE_VALUE)):
                shown = value_text if len(value_text) <= 30 else value_text[:30] + "..."
                raise DataFileError(
                    f"MUE value {shown} for {code_text} is above the largest accepted "
                    f"value {MAX_MUE_VALUE}",
                    path=name,
                    line=lineno,
                )
            mai = _MAI.fullmatch(mai_text) if width == 4 else None
            if width == 4 and not mai:
                raise DataFileError(
                    f"MUE adjudication indicator {mai_text!r} for {code_text} is not 1, 2 or 3 "
                    "(e.g. '3 Date of Service Edit: Clinical')",
                    path=name,
                    line=lineno,
                )
            if code_text in seen:
                raise DataFileError(
                    f"{code_text} appears twice in one MUE table", path=name, line=lineno
                )
            seen.add(code_text)
            rows += 1
            yield (code_text, int(value_text), mai.group(1) if mai else None, why)
    except csv.Error as exc:
        raise DataFileError(f"malformed CSV ({exc})", path=name, line=reader.line_num) from None
    if not header:
        raise DataFileError(
            "no MUE header row found ('HCPCS/CPT Code', '... Services MUE Values', ...)",
            path=name,
        )
    if not rows:
        raise DataFileError("the MUE table has a header but no rows", path=name)
    table.rows = rows


def check_duplicate_mues(mues: Iterable[MUE]) -> None:
    """Refuse two rows for one code, setting and release (two copies of a table)."""
    seen: set[tuple[Setting, str, date | None]] = set()
    for m in mues:
        key = (m.setting, m.code, m.effective)
        if key in seen:
            raise DataFileError(
                f"{m.code} has two MUE rows for {m.setting.value} in release "
                f"{m.effective.isoformat() if m.effective else 'unknown'}: "
                "the same MUE table was given twice",
                path="(MUE tables)",
            )
        seen.add(key)
