"""Small file utilities every layer may use: atomic output folders and stable hashes.

:class:`AtomicDir` stages a command's output files and moves them into place only when all
were written, so an interrupted or failed command never leaves half-written results (the
project's rule for every output). :func:`fingerprint` is a short stable hash of plain data,
used to tell whether a results folder or a generated document belongs to the same inputs.
No seed paragraph: these are software utilities, not model content.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path


def fingerprint(data: object) -> str:
    """Short stable hash of plain data (dicts hashed with sorted keys)."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class AtomicDir:
    """Stage files in a hidden folder inside ``out``; move them in only on :meth:`commit`.

    A run that fails or is interrupted removes the staging folder and leaves ``out`` as it
    was: no half-written result files. Each file is moved into place with ``os.replace``,
    and ``run.json`` (or the last file staged) goes last. ``stale`` names glob patterns of
    earlier outputs: files in ``out`` matching them that this commit did not write are
    removed before ``run.json`` goes in, so an earlier run's plots do not linger beside a
    ``--no-plots`` run's tables (other files in ``out`` are left alone).
    """

    def __init__(self, out: str | Path, stale: tuple[str, ...] = ()):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.out))
        self._names: list[str] = []
        self.stale = stale

    def path(self, name: str) -> Path:
        self._names.append(name)
        return self.stage / name

    def commit(self) -> None:
        for name in [n for n in self._names if n != "run.json"]:
            os.replace(self.stage / name, self.out / name)
        for pattern in self.stale:
            for old in self.out.glob(pattern):
                if old.is_file() and old.name not in self._names:
                    old.unlink()
        if "run.json" in self._names:
            os.replace(self.stage / "run.json", self.out / "run.json")
        shutil.rmtree(self.stage, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    def __enter__(self) -> AtomicDir:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
