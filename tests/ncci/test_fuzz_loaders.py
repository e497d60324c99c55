"""Fuzzing the CMS file loaders (issue 8).

``EditSet.from_cms_files`` and ``import_cms_files`` read files users download
from CMS. Whatever the bytes — random, or a valid PTP ``.txt`` / MUE ``.csv``
(``tests/fixtures/cms/``, ``tests/fixtures/cms_samples/``) with bytes flipped,
inserted or deleted, truncated, re-encoded, or wrapped in a zip — they must
either load or raise :class:`~ot_billing_rules.DataFileError` naming the file.
Nothing else may escape, no example may hang (each is small and has a
deadline), and a zip member past the size limit is refused before it is
inflated.
"""

from __future__ import annotations

import io
import os
import sqlite3
import tempfile
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "cms_samples"
PTP_NAME = "ccipra-v302r0-f1.txt"
MUE_NAME = "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"


def _bases() -> list[tuple[str, bytes]]:
    found = [
        (PTP_NAME, (FIX / PTP_NAME).read_bytes()),
        (MUE_NAME, (FIX / MUE_NAME).read_bytes()),
        ("ccioph-v302r0-f1.txt", (FIX / "ccioph-v302r0-f1.txt").read_bytes()),
    ]
    for name, stored in (
        ("ccipra-v322r0-f1.txt", "ccipra-v322r0-f1.head.txt"),
        (
            "MCR_MUE_PractitionerServices_Eff_07-01-2026.csv",
            "MCR_MUE_PractitionerServices_Eff_07-01-2026.head.csv",
        ),
    ):
        if (SAMPLES / stored).exists():
            found.append((name, (SAMPLES / stored).read_bytes()))
    return found


BASES = _bases()
# OT_FUZZ_EXAMPLES raises the count for a long local hunt; the suite keeps it small.
EXAMPLES = int(os.environ.get("OT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)


def test_bases_load() -> None:
    # The starting points are valid, so what the mutations find is the mutation's doing.
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in BASES:
            path = Path(tmp) / name
            path.write_bytes(data)
            assert ob.EditSet.from_cms_files(path).counts()


def _load(name: str, data: bytes, **kwargs: object) -> ob.EditSet | None:
    """Write ``data`` as ``name`` and load it; ``None`` when refused with a DataFileError."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return ob.EditSet.from_cms_files(path, **kwargs)  # type: ignore[arg-type]
        except ob.DataFileError as exc:
            assert str(path) in str(exc) or exc.path == "(MUE tables)"
            assert "\n" not in exc.path
            return None


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(BASES))
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup_line", "swap_sep"]))
        at = draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[at] = draw(st.integers(0, 255))
        elif op == "insert":
            buf[at:at] = draw(
                st.sampled_from([b"\t", b",", b'"', b"\n", b"\r", b"\x00", b"*", b"9", b"\xff"])
                | st.binary(max_size=8)
            )
        elif op == "delete":
            del buf[at : at + draw(st.integers(1, 16))]
        elif op == "truncate":
            del buf[at:]
        elif op == "dup_line":
            end = buf.find(b"\n", at)
            start = buf.rfind(b"\n", 0, at) + 1
            if end != -1:
                buf[end + 1 : end + 1] = buf[start : end + 1]
        else:
            buf = bytearray(
                bytes(buf).replace(b"\t", b",", 1) if at % 2 else bytes(buf).replace(b",", b"\t", 1)
            )
    return name, bytes(buf)


@FUZZ
@given(
    st.sampled_from([PTP_NAME, MUE_NAME, "ccioph-v1r0-f1.txt", "table.csv"]),
    st.binary(max_size=600),
)
def test_random_bytes_load_or_raise_data_file_error(name: str, data: bytes) -> None:
    _load(name, data)


@FUZZ
@given(mutated())
def test_mutated_cms_files_load_or_raise_data_file_error(case: tuple[str, bytes]) -> None:
    name, data = case
    edits = _load(name, data)
    if edits is not None:
        # Whatever loaded is well-formed data, usable by the checker.
        for edit in edits.iter_ptp():
            assert edit.deletion is None or edit.deletion >= edit.effective
        ob.check_bundling(["97150:GO", "97530:GO"], on="2024-07-01", edits=edits)


@FUZZ
@given(
    st.sampled_from(BASES),
    st.sampled_from(["utf-16", "utf-16-le", "utf-32", "utf-8-sig", "utf-8", "cp1252"]),
)
def test_reencoded_files(base: tuple[str, bytes], encoding: str) -> None:
    name, data = base
    text = data.decode("latin-1")
    edits = _load(name, text.encode(encoding, errors="replace"))
    if encoding.startswith(("utf-16", "utf-32")):
        assert edits is None  # refused as the wrong encoding, never read as garbage rows


@st.composite
def zipped(draw: st.DrawFn) -> bytes:
    members = draw(st.lists(st.one_of(mutated(), st.sampled_from(BASES)), min_size=1, max_size=3))
    out = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(out, "w", method) as z:
        for n, (name, data) in enumerate(members):
            z.writestr(f"{n}/{name}", data)
        if draw(st.booleans()):
            z.writestr("README.pdf", b"%PDF")
    raw = bytearray(out.getvalue())
    for _ in range(draw(st.integers(0, 3))):  # damage the archive itself
        at = draw(st.integers(0, len(raw) - 1))
        raw[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        del raw[draw(st.integers(0, len(raw))) :]
    return bytes(raw)


@FUZZ
@given(zipped(), st.sampled_from([None, 64, 4096]))
def test_zips_of_mutated_files(data: bytes, limit: int | None) -> None:
    _load(
        "medicare-ncci-2024q3-practitioner-ptp-edits-ccipra-v302r0-f1.zip",
        data,
        max_member_bytes=limit,
    )


@settings(max_examples=15, deadline=timedelta(seconds=3))
@given(mutated())
def test_import_is_all_or_nothing(case: tuple[str, bytes]) -> None:
    """A bad file leaves an existing store exactly as it was (one transaction)."""
    name, data = case
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        ob.import_cms_files(FIX / "ccioph-v302r0-f1.txt", db)
        before = _dump(db)
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            ob.import_cms_files(path, db)
        except ob.DataFileError:
            assert _dump(db) == before
        else:
            assert ob.EditSet.open(db).counts()["ptp"] + ob.EditSet.open(db).counts()["mue"] > 0


def _dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


# -- zip bombs --------------------------------------------------------------------------------


def test_member_declared_past_limit_is_refused_without_inflating(tmp_path: Path) -> None:
    # 64 MiB of one byte deflates to ~64 KiB; its declared size alone must stop it.
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(PTP_NAME, b"0" * (64 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ob.DataFileError, match="above the 1048576-byte limit") as info:
            ob.EditSet.from_cms_files(bomb, max_member_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.path.endswith(f"bomb.zip!{PTP_NAME}")
    assert peak < 8 * 1024 * 1024


def test_member_lying_about_its_size_is_refused(tmp_path: Path) -> None:
    # The headers claim 1,000 bytes; the data inflates to ~2.6 MB. The reader
    # must not trust the claim and must not hand back rows from a damaged member.
    liar = tmp_path / "liar.zip"
    body = b"97150\t97530\t\t20200101\t*\t1\tMutually exclusive procedures\r\n" * 40_000
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(PTP_NAME, body)
    raw = bytearray(liar.read_bytes())
    small = (1000).to_bytes(4, "little")
    local, central = raw.find(b"PK\x03\x04"), raw.find(b"PK\x01\x02")
    raw[local + 22 : local + 26] = small  # local header: uncompressed size
    raw[central + 24 : central + 28] = small  # central directory: uncompressed size
    liar.write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        with pytest.raises(ob.DataFileError) as info:
            ob.EditSet.from_cms_files(liar, max_member_bytes=100_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "liar.zip" in str(info.value)
    assert peak < 16 * 1024 * 1024


def test_many_members_each_under_the_limit_still_load(tmp_path: Path) -> None:
    # The limit is per member: a zip with a PTP and an MUE table under it loads.
    both = tmp_path / "both.zip"
    with zipfile.ZipFile(both, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(FIX / PTP_NAME, PTP_NAME)
        z.write(FIX / MUE_NAME, MUE_NAME)
    edits = ob.EditSet.from_cms_files(both, max_member_bytes=1024)
    assert {s.kind for s in edits.sources} == {"ptp", "mue"}
