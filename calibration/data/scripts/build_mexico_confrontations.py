"""Arms seized in armed confrontations in Mexico, Dec 2006-Nov 2011 (CIDE-PPD) -> two CSVs.

Raw: ``raw/cide-confrontations-2006-2011-extract.csv``: the columns event.id, date,
long.guns.seized and small.arms.seized of
``week_05/datachallenge1/data/processed/ConfrontationsData_170209.csv`` in
``marco-morales/QMSS-GR5069_Spring2017`` at commit a846aaa75f84c22a30928243fa495a4ea29ef211
(all 3,835 events, values verbatim), a cleaned copy of the CIDE Drug Policy Programme's
release (A-E.xlsx) made by that repository's script.

Outputs:
- ``mexico-confrontations-by-year.csv``: per calendar year, the first and last event date,
  the events, the events in which at least one weapon was seized, and long guns, small
  arms and weapons (their sum) seized. 2011 runs to November only.
- ``mexico-confrontation-event-sizes.csv``: per year, how many events seized exactly
  ``weapons`` weapons (long guns + small arms), for events seizing at least one: the
  distribution of seizure sizes per event.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict

from _common import arguments, write_csv

BY_YEAR = "mexico-confrontations-by-year.csv"
SIZES = "mexico-confrontation-event-sizes.csv"


def whole(text: str) -> int:
    value = float(text)
    if not value.is_integer() or value < 0:
        raise SystemExit(f"expected a whole number of weapons, got '{text}'")
    return int(value)


def build(raw: bytes) -> tuple[list[list], list[list]]:
    years: dict[str, dict] = defaultdict(lambda: {"dates": [], "events": 0, "with": 0,
                                                  "long": 0, "small": 0})
    sizes: dict[str, Counter] = defaultdict(Counter)
    for r in csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")):
        year = r["date"][:4]
        long_guns, small = whole(r["long.guns.seized"]), whole(r["small.arms.seized"])
        y = years[year]
        y["dates"].append(r["date"])
        y["events"] += 1
        y["long"] += long_guns
        y["small"] += small
        if long_guns + small:
            y["with"] += 1
            sizes[year][long_guns + small] += 1
    by_year = [[year, min(y["dates"]), max(y["dates"]), y["events"], y["with"], y["long"],
                y["small"], y["long"] + y["small"]] for year, y in sorted(years.items())]
    dist = [[year, size, n] for year in sorted(sizes) for size, n in sorted(sizes[year].items())]
    return by_year, dist


def main() -> None:
    args = arguments(__doc__, "cide-confrontations-2006-2011-extract.csv", [BY_YEAR, SIZES])
    by_year, dist = build(args.raw.read_bytes())
    write_csv(args.out_dir / BY_YEAR, ["year", "first_date", "last_date", "events",
                                       "events_with_weapons", "long_guns", "small_arms",
                                       "weapons"], by_year)
    write_csv(args.out_dir / SIZES, ["year", "weapons", "events"], dist)


if __name__ == "__main__":
    main()
