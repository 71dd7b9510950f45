"""Nigeria's SDG 16.4.2 series, arms seized 2019-2023 (NBS) -> nigeria-arms-seized.csv.

Raw: ``raw/nbs-nigeria-indicator-16-4-2.csv``, the file ``data/indicator_16-4-2.csv`` of
``NBS-Nigeria/open-sdg-data`` at commit 7ab4ed86625ef88c6a64546929dab711c607c77c, byte for
byte (CRLF line endings; columns Year, Series, Arms class, Value).

Transformations: one row per year with the three classes as columns (``total`` = "Arms
Seized", ``small_arms``, ``light_weapons``), plus ``parts_sum`` (small arms + light weapons)
and ``parts_match_total`` (whether it equals the total; it does not in any year: the source
does not say why, and nothing here corrects it).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from _common import arguments, write_csv

OUT = "nigeria-arms-seized.csv"
CLASSES = {"Arms Seized": "total", "Small Arms Seized": "small_arms",
           "Light Weapons Seized": "light_weapons"}


def build(raw: bytes) -> list[list]:
    years: dict[int, dict[str, int]] = defaultdict(dict)
    for r in csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")):
        years[int(r["Year"])][CLASSES[r["Arms class"]]] = int(r["Value"])
    rows = []
    for year, v in sorted(years.items()):
        parts = v["small_arms"] + v["light_weapons"]
        rows.append([year, v["total"], v["small_arms"], v["light_weapons"], parts,
                     str(parts == v["total"]).lower()])
    return rows


def main() -> None:
    args = arguments(__doc__, "nbs-nigeria-indicator-16-4-2.csv", [OUT])
    write_csv(args.out_dir / OUT, ["year", "total", "small_arms", "light_weapons",
                                   "parts_sum", "parts_match_total"],
              build(args.raw.read_bytes()))


if __name__ == "__main__":
    main()
