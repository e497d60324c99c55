"""Record package-data files in ``manifest.json`` of the output directory.

Each builder calls :func:`record` for every file it writes, so the manifest
always names a file's source, its release and its sha256. The output
directory is a parameter: ``scripts/build_data.py`` builds into the package's
``_data/`` or, for ``--check``, into a temporary directory.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "manifest.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record(out: Path, name: str, *, source: str, release: str, notice: str | None = None) -> None:
    """Add or replace the manifest entry for ``out/name`` in ``out/manifest.json``."""
    path = out / MANIFEST
    manifest = json.loads(path.read_text("utf-8")) if path.exists() else {"files": {}}
    entry = {"source": source, "release": release, "sha256": sha256(out / name)}
    if notice:
        entry["notice"] = notice
    manifest["files"][name] = entry
    releases = sorted({f"{k.split('.')[0]}@{v['release']}" for k, v in manifest["files"].items()})
    manifest["version"] = hashlib.sha256(
        "|".join(f"{k}:{v['sha256']}" for k, v in sorted(manifest["files"].items())).encode()
    ).hexdigest()[:12]
    manifest["releases"] = releases
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
