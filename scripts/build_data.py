"""Rebuild every package data file from the raw inputs in ``data/sources/``.

    python scripts/build_data.py            # rebuild src/ot_billing_rules/_data/
    python scripts/build_data.py --check    # rebuild in a temp dir, compare, exit 1 on change

Before building, every input is checked against its sha256 pin in
``data/sources/SHA256SUMS`` (the ``sha256sum`` format, so ``sha256sum -c``
reads it too); a file that is missing, changed, unpinned or not listed with
its sha256 in ``data/sources/SOURCES.md`` stops the build, naming the file.
The builders (``build_*.py`` beside this script) then run in this process
and write into a fresh temporary directory, which holds the whole ``_data/``
including ``manifest.json``. ``--check`` compares that directory byte for
byte with the committed ``_data/`` and names every file that differs;
without it the built files replace the committed ones.

Nothing outside the repository is read unless ``--sources`` names it.
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
    parser.add_argument("--sources", type=Path, default=SOURCES, help="raw inputs (data/sources)")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the _data directory")
    args = parser.parse_args(argv)
    sources, data = args.sources.resolve(), args.data.resolve()
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


if __name__ == "__main__":
    sys.exit(main())
