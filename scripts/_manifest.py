"""Record package-data files in ``src/ot_billing_rules/_data/manifest.json``.

Each build script calls :func:`record` for every file it writes, so the
manifest always names a file's source, its release and its sha256.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "src" / "ot_billing_rules" / "_data"
MANIFEST = DATA_DIR / "manifest.json"
SHARED_DATA = ROOT.parent / "shared" / "data"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record(name: str, *, source: str, release: str, notice: str | None = None) -> None:
    """Add or replace the manifest entry for ``_data/name``."""
    manifest = json.loads(MANIFEST.read_text("utf-8")) if MANIFEST.exists() else {"files": {}}
    entry = {"source": source, "release": release, "sha256": sha256(DATA_DIR / name)}
    if notice:
        entry["notice"] = notice
    manifest["files"][name] = entry
    releases = sorted({f"{k.split('.')[0]}@{v['release']}" for k, v in manifest["files"].items()})
    manifest["version"] = hashlib.sha256(
        "|".join(f"{k}:{v['sha256']}" for k, v in sorted(manifest["files"].items())).encode()
    ).hexdigest()[:12]
    manifest["releases"] = releases
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
