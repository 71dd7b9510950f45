"""Append-only records on disk for long studies that must survive interruption.

Experiments and calibrations append one JSON line per finished simulation, synced to disk
before the next is stored, so an interrupted study loses no finished work. A folder is
claimed by a manifest holding the study's fingerprint, so a study never resumes into the
results of a different one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flowsim.errors import InputError
from flowsim.io import fingerprint  # noqa: F401  (importable from here, as before)


def claim_folder(folder: Path, manifest: dict) -> None:
    """Create ``folder/manifest.json`` or check it belongs to the same study.

    ``manifest`` must hold ``name`` and ``fingerprint``; it is written atomically.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.json"
    if path.exists():
        old = json.loads(path.read_text())
        if old.get("fingerprint") != manifest["fingerprint"]:
            raise InputError(str(path), "fingerprint",
                             f"this folder holds results of a different study "
                             f"('{old.get('name')}', fingerprint {old.get('fingerprint')}, "
                             f"now {manifest['fingerprint']}); choose another folder with "
                             "--out DIR, or remove this one to start over")
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str))
    tmp.replace(path)


class JsonLines:
    """A JSON-lines file appended one synced record at a time."""

    def __init__(self, path: Path):
        self.path = path
        self._repair_tail()

    def _repair_tail(self) -> None:
        """Drop a partly written last line (interrupted while appending)."""
        if self.path.exists():
            raw = self.path.read_bytes()
            if raw and not raw.endswith(b"\n"):
                self.path.write_bytes(raw[: raw.rfind(b"\n") + 1])

    def read(self) -> list[dict]:
        return read_json_lines(self.path)

    def append(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:      # e.g. a full disk: say which file could not be written
            exc.filename = exc.filename or str(self.path)
            raise


def read_json_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue          # a torn last line, removed before the next append
    return out
