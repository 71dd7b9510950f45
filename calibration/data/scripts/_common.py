"""Shared by the build scripts: paths beside this folder and deterministic CSV writing.

Each ``build_*.py`` script rebuilds one or more tidy CSVs in ``calibration/data/`` from a raw
extract in ``calibration/data/raw/``; ``tests/test_real_data.py`` runs every script on the
shipped raw extract and compares its output with the shipped CSV, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent
RAW = DATA / "raw"


def arguments(doc: str, raw: str, outputs: list[str]) -> argparse.Namespace:
    """``SCRIPT [--raw FILE] [--out-dir DIR]``: defaults are the shipped raw file and
    ``calibration/data/``; the outputs keep their names in ``--out-dir``."""
    p = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    p.add_argument("--raw", type=Path, default=RAW / raw, help="raw extract to read")
    p.add_argument("--out-dir", type=Path, default=DATA,
                   help=f"folder to write {', '.join(outputs)} into")
    return p.parse_args()


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """Write with LF line endings and values as given (numbers formatted by the caller)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def number(value: float) -> str:
    """A whole number without a decimal point, others with up to 6 significant digits."""
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"
