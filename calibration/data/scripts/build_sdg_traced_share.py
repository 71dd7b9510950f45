"""SDG 16.4.2 traced shares (VC_ARM_SZTRACE 2026.Q3.G.01) -> sdg-16-4-2-traced-share.csv.

Raw: ``raw/sdg-16-4-2-vc-arm-sztrace-2026Q3G01-extract.json``: the ``meta`` block of
``src/data/firearmsTracing.json`` in ``beepboop2025/narcoscope`` at commit
0ab1c9b3b410005af3d6c5978d916e8711f6e927, verbatim, and its records for the countries of
North America, Central America and the Caribbean that report (13 of about 100 records;
the United States, Guatemala, Honduras and Belize have none in this release).

Transformations: one row per record; the percentage is kept as given (``traced_percent``)
and as a share (``traced_share`` = percent / 100); ``years_averaged`` is 2 when a footnote
says the value is a two-year average ("2016-2017 average based on available data"), else
1; the footnote is kept verbatim.
"""

from __future__ import annotations

import json
import re

from _common import arguments, number, write_csv

OUT = "sdg-16-4-2-traced-share.csv"
AVERAGE = re.compile(r"^(\d{4})-(\d{4}) average")


def build(raw: bytes) -> list[list[str]]:
    doc = json.loads(raw)
    release = doc["meta"]["release"]
    rows = []
    for r in doc["records"]:
        notes = r["footnotes"]
        averaged = 2 if any(AVERAGE.match(n) for n in notes) else 1
        rows.append([r["iso3"], r["country"], str(r["year"]), number(r["valuePercent"]),
                     number(round(r["valuePercent"] / 100, 6)), str(averaged), r["source"],
                     release, "; ".join(notes)])
    return rows


def main() -> None:
    args = arguments(__doc__, "sdg-16-4-2-vc-arm-sztrace-2026Q3G01-extract.json", [OUT])
    write_csv(args.out_dir / OUT, ["iso3", "country", "year", "traced_percent",
                                   "traced_share", "years_averaged", "data_source", "release",
                                   "footnote"], build(args.raw.read_bytes()))


if __name__ == "__main__":
    main()
