"""Rebuild every package data file from the raw inputs in ``data/sources/``.

    python scripts/build_data.py            # rebuild src/ot_billing_rules/_data/
    python scripts/build_data.py --check    # rebuild in a temp dir, compare, exit 1 on change
    python scripts/build_data.py --from-cms DIR [--dry-run] [--changelog FILE]
                                            # import a CMS quarter (scripts/_from_cms.py)

Before building, every input is checked against its sha256 pin in
``data/sources/SHA256SUMS`` (the ``sha256sum`` format, so ``sha256sum -c``
reads it too); a file that is missing, changed, unpinned or not listed with
its sha256 in ``data/sources/SOURCES.md`` stops the build, naming the file.
The builders (``build_*.py`` beside this script) then run in this process
and write into a fresh temporary directory, which holds the whole ``_data/``
including ``manifest.json``. ``--check`` compares that directory byte for
byte with the committed ``_data/`` and names every file that differs;
without it the built files replace the committed ones.

Nothing outside the repository is read unless ``--sources``, ``--root`` or
``--from-cms`` names it. ``--root`` points every default path at another
checkout (or a copy of one). ``--from-cms DIR`` recognises the CMS files in
``DIR`` with the package's readers, prints what they change against the
committed ``_data/`` and a drafted CHANGELOG "Data" entry, then copies them
into ``data/sources/``, pins them and rebuilds; with ``--dry-run`` it writes
nothing (see ``scripts/_from_cms.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath

import build_activities
import build_codes
import build_evaluations
import build_fees
import build_ncci
import build_payers
import build_telehealth
import build_thresholds

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
DATA_DIR = ROOT / "src" / "ot_billing_rules" / "_data"
PINS = "SHA256SUMS"
NOTES = "SOURCES.md"
# Order does not matter for the bytes written (the manifest is sorted), but a
# fixed order keeps error messages stable.
BUILDERS = (
    build_codes,
    build_evaluations,
    build_thresholds,
    build_ncci,
    build_activities,
    build_fees,
    build_payers,
    build_telehealth,
)
PIN_LINE = re.compile(r"([0-9a-f]{64})  (\S.*)")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pin_errors(sources: Path) -> list[str]:
    """Return one message per input that does not match its pin (empty when all do)."""
    pins_path = sources / PINS
    if not pins_path.is_file():
        return [f"{pins_path}: pin file missing"]
    notes_path = sources / NOTES
    notes = notes_path.read_text("utf-8") if notes_path.is_file() else ""
    errors: list[str] = []
    pinned: set[str] = set()
    for number, line in enumerate(pins_path.read_text("utf-8").splitlines(), 1):
        match = PIN_LINE.fullmatch(line)
        name = match.group(2) if match else ""
        rel = PurePosixPath(name)
        # A pin may only name a file inside the sources directory.
        if not match or rel.is_absolute() or ".." in rel.parts or name in pinned:
            errors.append(f"{PINS} line {number}: not '<sha256>  <relative path>': {line!r}")
            continue
        pinned.add(name)
        path = sources / rel
        if not path.is_file():
            errors.append(f"{name}: pinned but missing")
        elif _sha256(path) != match.group(1):
            errors.append(f"{name}: sha256 {_sha256(path)} does not match pin {match.group(1)}")
        elif name not in notes or match.group(1) not in notes:
            errors.append(f"{name}: not listed with its sha256 in {NOTES}")
    for path in sorted(sources.rglob("*")):
        name = path.relative_to(sources).as_posix()
        if path.is_file() and name not in pinned and name not in (PINS, NOTES):
            errors.append(f"{name}: not pinned in {PINS}")
    return errors


def build(sources: Path, dest: Path) -> None:
    """Run every builder, reading ``sources`` and writing into the empty ``dest``."""
    for builder in BUILDERS:
        builder.build(sources, dest)


def _is_data(path: Path) -> bool:
    # _data is also the package that loads the files: its Python code is not built data.
    return path.is_file() and path.suffix != ".py"


def differences(built: Path, committed: Path) -> list[str]:
    """Return one message per file that differs between two ``_data`` directories."""
    new = {p.name for p in built.iterdir() if _is_data(p)}
    old = {p.name for p in committed.iterdir() if _is_data(p)} if committed.is_dir() else set()
    out = [f"{name}: built but not committed" for name in sorted(new - old)]
    out += [f"{name}: committed but no builder writes it" for name in sorted(old - new)]
    out += [
        f"{name}: committed file differs from the rebuild"
        for name in sorted(new & old)
        if (built / name).read_bytes() != (committed / name).read_bytes()
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check", action="store_true", help="rebuild in a temporary directory and compare"
    )
    parser.add_argument("--sources", type=Path, default=None, help="raw inputs (data/sources)")
    parser.add_argument("--data", type=Path, default=None, help="the _data directory")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the repository (default: this one)"
    )
    parser.add_argument("--from-cms", type=Path, metavar="DIR", help="import the CMS files in DIR")
    parser.add_argument("--dry-run", action="store_true", help="with --from-cms: write nothing")
    parser.add_argument("--changelog", type=Path, help="with --from-cms: write the drafted entry")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    sources = (args.sources or root / "data" / "sources").resolve()
    data = (args.data or root / "src" / "ot_billing_rules" / "_data").resolve()
    if args.from_cms is not None:
        code = import_cms(args.from_cms, sources, data, args.dry_run, args.changelog)
        if code or args.dry_run:
            return code
    elif args.dry_run or args.changelog:
        parser.error("--dry-run and --changelog go with --from-cms")
    errors = pin_errors(sources)
    if errors:
        for message in errors:
            print(f"build_data: pin mismatch: {message}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="build_data-") as tmp:
        built = Path(tmp)
        build(sources, built)
        changed = differences(built, data)
        if args.check:
            for message in changed:
                print(f"build_data: {message}", file=sys.stderr)
            if changed:
                print("build_data: run `python scripts/build_data.py` and commit", file=sys.stderr)
                return 1
            print(f"build_data: {data} matches a rebuild from {sources}")
            return 0
        data.mkdir(parents=True, exist_ok=True)
        for path in sorted(built.iterdir()):
            shutil.copyfile(path, data / path.name)
        for path in sorted(data.iterdir()):
            if _is_data(path) and not (built / path.name).exists():
                path.unlink()
        for message in changed:
            print(f"build_data: {message}")
        print(f"build_data: {len(changed)} change(s) written to {data}")
    return 0


def import_cms(
    folder: Path, sources: Path, data: Path, dry_run: bool, changelog: Path | None
) -> int:
    """Print the diff and CHANGELOG draft of a CMS quarter; copy and pin it unless ``dry_run``."""
    from datetime import date

    import _from_cms

    from ot_billing_rules.errors import OTBillingError

    try:
        found = _from_cms.detect_all(folder)
        summary = _from_cms.summarize(found, sources, data)
        keep = _from_cms.bundled_codes(data) | _from_cms._catalog(sources)
        copies = _from_cms.plan_copies(found, keep)
        _from_cms.check_copies(copies, sources)
    except OTBillingError as exc:
        print(f"build_data: --from-cms: {exc}", file=sys.stderr)
        return 2
    for line in summary.lines:
        print(f"build_data: {line}")
    verb = "would copy" if dry_run else "copying"
    for rel, raw in sorted(copies.items()):
        print(f"build_data: {verb} data/sources/{rel} ({len(raw)} bytes)")
    for note in summary.notes:
        print(f"build_data: note: {note}")
    entry = _from_cms.changelog_entry(summary, date.today())
    print("build_data: drafted CHANGELOG entry:\n" + entry)
    # Staged first: a quarter that would not build (one MUE table of two, say)
    # stops here, and data/sources/ is left as it was.
    problem = _staged_build(copies, sources, folder.name)
    if problem:
        print(
            f"build_data: --from-cms: the imported files do not build: {problem}", file=sys.stderr
        )
        print("build_data: nothing was written", file=sys.stderr)
        return 2
    if changelog is not None:
        changelog.write_text(entry, "utf-8")
    if not dry_run:
        _from_cms.write_copies(copies, sources, folder.name, date.today())
    return 0


def _staged_build(copies: dict[str, bytes], sources: Path, origin: str) -> str:
    """Pin and build the sources plus ``copies`` in a temporary copy; the error, or ``""``."""
    from datetime import date

    import _from_cms

    with tempfile.TemporaryDirectory(prefix="build_data-stage-") as tmp:
        staged, built = Path(tmp) / "sources", Path(tmp) / "data"
        shutil.copytree(sources, staged)
        built.mkdir()
        _from_cms.write_copies(copies, staged, origin, date.today())
        errors = pin_errors(staged)
        if errors:
            return "; ".join(errors)
        try:
            build(staged, built)
        except SystemExit as exc:
            return str(exc.code)
    return ""


if __name__ == "__main__":
    sys.exit(main())
