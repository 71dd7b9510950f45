"""Small Arms Survey civilian holdings, end of 2017 (Karp 2018) -> civilian-firearms-2017.csv.

Raw: ``raw/sas-civilian-firearms-2017.csv``, the file ``raw_data/gun_ownership_2017.csv`` of
``gecheline/firearmStats`` at commit 7abef330525a9a2f4ba669371b050c80c043a9b2, byte for byte
(Mac Roman text, CRLF line endings; columns Country, Firearms, Population, Firearms/100).

Transformations: decode Mac Roman; add ISO 3166-1 alpha-3 codes (pycountry lookup of the
name, else the explicit table NAMES below; sub-national or unrecognised entities such as
"Scotland" or "Somaliland" get no code and keep their row); write counts as whole numbers;
a per-100 value that is not a number (Taiwan's "<0.1") is left empty and kept verbatim in
``per_100_note``. Rows keep the source's order.
"""

from __future__ import annotations

import csv
import io

import pycountry
from _common import arguments, number, write_csv

OUT = "civilian-firearms-2017.csv"

#: Survey names pycountry does not look up, and their ISO3 code ("" = no ISO 3166-1 code:
#: a sub-national or disputed entity the Survey lists separately).
NAMES = {
    "Cabo Verde (Cape Verde)": "CPV", "Channel Islands": "", "China, Macao SAR": "MAC",
    "Congo, Republic of": "COG", "Côte d'Ivoire (Ivory Coast)": "CIV",
    "Cyprus, Rep. of": "CYP", "Democratic Republic of Congo": "COD",
    "England and Wales": "", "Falkland Islands": "FLK", "Holy See": "VAT",
    "Hong Kong SAR, China": "HKG", "Korea, DPR (North)": "PRK",
    "Korea, Republic of (South)": "KOR", "Kosovo": "",
    "Lao, People's Democratic Republic": "LAO", "Micronesia, Fed. Sts.": "FSM",
    "Northern Ireland": "", "Palestinian Territories": "PSE", "Puntland": "",
    "Saint Martin (France)": "MAF", "São Tomé and Principe": "STP", "Scotland": "",
    "Sint Maarten (Netherlands)": "SXM", "Somaliland": "", "Swaziland": "SWZ",
    "Taiwan (Rep. of China)": "TWN", "Tanzania, United Republic of Africa": "TZA",
    "Timor-Leste (East Timor)": "TLS", "Turkey": "TUR", "Virgin Islands (U.K.)": "VGB",
    "Virgin Islands (U.S.)": "VIR",
}


def iso3(name: str) -> str:
    if name in NAMES:
        return NAMES[name]
    try:
        return pycountry.countries.lookup(name).alpha_3
    except LookupError:
        raise SystemExit(f"no ISO3 code for '{name}': add it to NAMES") from None


def build(raw: bytes) -> list[list[str]]:
    rows = []
    for r in csv.DictReader(io.StringIO(raw.decode("mac_roman"), newline="")):
        per100 = r["Firearms/100"].strip()
        try:
            value, note = number(float(per100)), ""
        except ValueError:
            value, note = "", per100
        rows.append([iso3(r["Country"]), r["Country"], number(float(r["Firearms"])),
                     number(float(r["Population"])), value, note])
    return rows


def main() -> None:
    args = arguments(__doc__, "sas-civilian-firearms-2017.csv", [OUT])
    write_csv(args.out_dir / OUT, ["iso3", "country", "civilian_firearms", "population",
                                   "firearms_per_100", "per_100_note"],
              build(args.raw.read_bytes()))


if __name__ == "__main__":
    main()
