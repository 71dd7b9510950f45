"""The case study's seizure data (calibration/americas-seizures.csv) from the CIDE yearly table.

Reads ``mexico-confrontations-by-year.csv`` (built by ``build_mexico_confrontations.py``)
and writes it in flowsim's seizure-data format (docs/calibration.md): Mexico's weapons seized
in armed confrontations per year (long guns + small arms, category ``weapons``), place
``any``. Years 2008 to
2011 with ``start_year`` 2008; 2011 runs January-November, so its period is steps 37-47
(not the whole year). 2007 is left out: the case study starts in 2008.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from _common import DATA, arguments, write_csv

OUT = "americas-seizures.csv"
START_YEAR = 2008


def period(year: int, last_date: str) -> str:
    first = (year - START_YEAR) * 12 + 1
    last_month = int(last_date[5:7])
    return str(year) if last_month == 12 else f"{first}-{first + last_month - 1}"


def build(raw: bytes) -> list[list]:
    rows = []
    for r in csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")):
        year = int(r["year"])
        if year < START_YEAR:
            continue
        p = period(year, r["last_date"])
        rows.append(["MEX", p, "any", "weapons", r["weapons"]])
    return rows


def main() -> None:
    args = arguments(__doc__, "../mexico-confrontations-by-year.csv", [OUT])
    out_dir = args.out_dir if args.out_dir != DATA else Path(DATA).parent
    write_csv(out_dir / OUT, ["country", "period", "place", "category", "count"],
              build(args.raw.read_bytes()))


if __name__ == "__main__":
    main()
