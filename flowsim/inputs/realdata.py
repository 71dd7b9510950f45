"""Public real-world tables shipped in ``calibration/data/`` and their validating loaders.

Each table is a tidy CSV with a provenance sidecar (``calibration/data/datapackage.json``:
source repository, path and commit or publication, retrieval date, licence or terms,
attribution, transformations, caveats) and a script that rebuilds it from a raw extract
(``calibration/data/scripts/``). The loaders here read a table into a typed
:class:`pandas.DataFrame` and raise :class:`~flowsim.errors.InputError` — one paragraph
naming the file, the line and column, what was expected and what was found — for a
missing column, a value that is not a number (the Small Arms Survey writes "<0.1"), an
empty required value or an unknown ISO 3166-1 alpha-3 country code.

ISO codes are checked with ``pycountry`` (the ISO 3166 database, maintained with each
ISO release) rather than a hand-kept list.

The tables and what they measure (seizures and traced shares measure enforcement and
reporting as much as flows; the seeds say the same of seizure data, 000 ¶43):

- :func:`load_civilian_firearms`: Small Arms Survey civilian holdings, end of 2017.
- :func:`load_traced_shares`: SDG indicator 16.4.2 (VC_ARM_SZTRACE), the share of seized,
  found or surrendered arms whose origin was traced (000 ¶32-33 give the global picture).
- :func:`load_confrontations_by_year` and :func:`load_event_sizes`: weapons seized in
  armed confrontations in Mexico, 2007-2011 (CIDE-PPD), per year and per event.
- :func:`load_arms_seized_nigeria`: Nigeria's national 16.4.2 series, 2019-2023.

Imports nothing from the model or any layer above it.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.schema import read_input

#: Where the shipped tables live (a source checkout or an editable install).
DATA_DIR = Path(__file__).resolve().parents[2] / "calibration" / "data"


# --- ISO 3166-1 alpha-3 ------------------------------------------------------------------
@functools.cache
def iso3_codes() -> dict[str, str]:
    """ISO3 code -> common (or official short) name, from pycountry."""
    import pycountry

    return {c.alpha_3: getattr(c, "common_name", None) or c.name
            for c in pycountry.countries}


def check_iso3(code: str, file: str, where: str) -> str:
    """``code`` if it is an ISO 3166-1 alpha-3 code; InputError otherwise."""
    codes = iso3_codes()
    if code not in codes:
        hint = did_you_mean(code.upper(), codes) if code.upper() not in codes else \
            f" (codes are upper case: '{code.upper()}')"
        raise InputError(file, where, f"expected an ISO 3166-1 alpha-3 country code (three "
                         f"capital letters such as MEX or USA), got '{code}'{hint}")
    return code


# --- typed columns -----------------------------------------------------------------------
def _integer(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError
    return int(value)


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError
    return value


def _boolean(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError
    return text.lower() == "true"


KINDS: dict[str, tuple[Callable[[str], Any], str]] = {
    "integer": (_integer, "a whole number"),
    "number": (_number, "a finite number"),
    "boolean": (_boolean, "true or false"),
    "string": (str, "text"),
    "iso3": (str, "an ISO 3166-1 alpha-3 country code"),
}


def read_csv_text(path: Path) -> str:
    """A CSV file's text (UTF-8, a byte-order mark dropped); InputError if it is missing,
    larger than :data:`~flowsim.inputs.schema.MAX_INPUT_BYTES` (checked before reading) or
    not UTF-8."""
    return read_input(path, "a CSV file", encoding="utf-8-sig")


def open_csv(path: Path) -> tuple[csv.DictReader, list[str]]:
    """A reader over a CSV file's rows and its header (names stripped); InputError if the
    file is missing or not UTF-8."""
    reader = csv.DictReader(read_csv_text(path).splitlines())
    return reader, [h.strip() for h in (reader.fieldnames or [])]


def require_columns(file: str, header: list[str], required: list[str], expected: str
                    ) -> None:
    """InputError naming the columns of ``required`` missing from ``header`` (with a "did
    you mean" and the columns found); ``expected`` says what the file should have."""
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(file, "header", f"missing column(s) {', '.join(missing)}"
                         f"{did_you_mean(missing[0], header)}; expected {expected}, found "
                         f"{', '.join(header) or 'none'}")


def read_table(path: str | Path, columns: dict[str, str],
               optional: frozenset[str] = frozenset(), lo: dict[str, float] | None = None
               ) -> pd.DataFrame:
    """Read a CSV whose ``columns`` (name -> kind in :data:`KINDS`) must all be present;
    values in ``optional`` columns may be empty (NaN / None); ``lo`` gives lower bounds.
    Extra columns are ignored. Raises InputError naming file, line and column."""
    path = Path(path)
    file = str(path)
    reader, header = open_csv(path)
    require_columns(file, header, list(columns), f"columns {', '.join(columns)}")
    data: dict[str, list] = {c: [] for c in columns}
    for n, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        for col, kind in columns.items():
            value = row.get(col, "")
            where = f"line {n}, column {col}"
            if value == "":
                if col not in optional:
                    raise InputError(file, where, f"expected {KINDS[kind][1]}, found an "
                                     "empty value")
                data[col].append(None)
                continue
            parse, what = KINDS[kind]
            try:
                parsed = parse(value)
            except ValueError:
                raise InputError(file, where, f"expected {what}, found '{value}'"
                                 + (" (a bound, not a number: write the value or leave it "
                                    "empty)" if value[:1] in "<>" else "")) from None
            if kind == "iso3":
                check_iso3(parsed, file, where)
            bound = (lo or {}).get(col)
            if bound is not None and parsed < bound:
                raise InputError(file, where, f"expected a value of at least {bound:g}, "
                                 f"found {value}")
            data[col].append(parsed)
    if not data or not next(iter(data.values())):
        raise InputError(file, "", "no data rows")
    df = pd.DataFrame(data)
    for col, kind in columns.items():
        if kind == "integer" and col not in optional:
            df[col] = df[col].astype("int64")
        elif kind == "number":
            df[col] = df[col].astype("float64")
    return df


# --- the shipped tables --------------------------------------------------------------------
def load_civilian_firearms(path: str | Path | None = None) -> pd.DataFrame:
    """Small Arms Survey civilian holdings, end of 2017: iso3 (None for entities without
    a code), country, civilian_firearms, population, firearms_per_100 (NaN when the source
    gives a bound such as "<0.1")."""
    return read_table(path or DATA_DIR / "civilian-firearms-2017.csv",
                      {"iso3": "iso3", "country": "string", "civilian_firearms": "integer",
                       "population": "integer", "firearms_per_100": "number"},
                      optional=frozenset({"iso3", "firearms_per_100"}),
                      lo={"civilian_firearms": 0, "population": 0, "firearms_per_100": 0})


def load_traced_shares(path: str | Path | None = None) -> pd.DataFrame:
    """SDG 16.4.2 traced shares: iso3, country, year, traced_share (0..1), years_averaged."""
    df = read_table(path or DATA_DIR / "sdg-16-4-2-traced-share.csv",
                    {"iso3": "iso3", "country": "string", "year": "integer",
                     "traced_share": "number", "years_averaged": "integer"},
                    lo={"traced_share": 0, "years_averaged": 1})
    over = df.index[df["traced_share"] > 1]
    if len(over):
        raise InputError(str(path or DATA_DIR / "sdg-16-4-2-traced-share.csv"),
                         f"line {over[0] + 2}, column traced_share",
                         f"expected a share between 0 and 1, found "
                         f"{df['traced_share'][over[0]]:g} (a percentage?)")
    return df


def load_confrontations_by_year(path: str | Path | None = None) -> pd.DataFrame:
    """Weapons seized in armed confrontations in Mexico per year: year, events,
    events_with_weapons, long_guns, small_arms, weapons."""
    return read_table(path or DATA_DIR / "mexico-confrontations-by-year.csv",
                      {c: "integer" for c in ("year", "events", "events_with_weapons",
                                              "long_guns", "small_arms", "weapons")},
                      lo={"events": 0, "long_guns": 0, "small_arms": 0, "weapons": 0})


def load_event_sizes(path: str | Path | None = None) -> pd.DataFrame:
    """Events seizing exactly ``weapons`` weapons, per year: year, weapons (>= 1), events."""
    return read_table(path or DATA_DIR / "mexico-confrontation-event-sizes.csv",
                      {"year": "integer", "weapons": "integer", "events": "integer"},
                      lo={"weapons": 1, "events": 0})


def load_arms_seized_nigeria(path: str | Path | None = None) -> pd.DataFrame:
    """Nigeria's arms seized per year: year, total, small_arms, light_weapons (the parts do
    not add up to the total; kept as published)."""
    return read_table(path or DATA_DIR / "nigeria-arms-seized.csv",
                      {c: "integer" for c in ("year", "total", "small_arms",
                                              "light_weapons")},
                      lo={"total": 0, "small_arms": 0, "light_weapons": 0})


def event_size_sample(sizes: pd.DataFrame, years: list[int] | None = None) -> list[int]:
    """The event sizes of a frequency table (one entry per event), for ``years`` or all."""
    rows = sizes if years is None else sizes[sizes["year"].isin(years)]
    return [int(w) for w, n in zip(rows["weapons"], rows["events"], strict=True)
            for _ in range(int(n))]


# --- scenario skeletons for real countries (flowsim new-scenario) ------------------------
PLACEHOLDER = "PLACEHOLDER"


def parse_countries(text: str, where: str = "--countries") -> list[str]:
    """A comma-separated list of ISO3 codes, each known and given once; InputError else."""
    codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes:
        raise InputError(where, "", "expected comma-separated ISO 3166-1 alpha-3 country "
                         "codes such as USA,MEX,GTM, got none")
    seen: set[str] = set()
    for i, code in enumerate(codes):
        check_iso3(code, where, f"country {i + 1}")
        if code in seen:
            raise InputError(where, f"country {i + 1}", f"'{code}' is given twice")
        seen.add(code)
    return codes


def scenario_skeleton(codes: list[str], name: str = "real-countries",
                      holdings_path: str | Path | None = None) -> str:
    """A scenario YAML (text, with comments) for real countries: ISO3 ids, names, civilian
    holdings from the Small Arms Survey table, a border between each country and the next
    in the order given, and every value no table gives marked PLACEHOLDER."""
    table = load_civilian_firearms(holdings_path)
    by_code = {r.iso3: r for r in table.itertuples() if r.iso3}
    names = iso3_codes()
    lines = [
        f"# {name}.yaml - scenario skeleton for {', '.join(codes)}, written by "
        "`flowsim new-scenario`.",
        "# From tables: country ids (ISO 3166-1 alpha-3) and names; civilian firearms "
        "holdings at the end of",
        "#   2017 from the Small Arms Survey (Karp 2018; calibration/data/"
        "civilian-firearms-2017.csv, see",
        "#   docs/real-data.md for the source and attribution to print).",
        f"# {PLACEHOLDER} marks every value no shipped table gives (the split of holdings by "
        "weapon type,",
        "#   state stockpiles, illicit demand, borders and crossings, traffickers, controls): "
        "replace each from",
        "#   national data or label it an assumption before drawing conclusions. Controls "
        "and behaviour not",
        "#   written take the defaults of docs/scenario-reference.md.",
        f"name: {name}",
        "description: >",
        f"  Skeleton for {', '.join(codes)}: civilian holdings from the Small Arms Survey "
        f"(2017); everything else {PLACEHOLDER}.",
        "simulation: {steps: 60, step_length: month, seed: 1}   "
        f"# {PLACEHOLDER}: horizon and step",
        "countries:",
    ]
    for code in codes:
        row = by_code.get(code)
        label = row.country if row is not None else names[code]
        lines += [f"  - id: {code}", f"    name: {_yaml_text(label)}", "    stockpiles:"]
        if row is not None:
            n = int(row.civilian_firearms)
            lines += [f"      - id: {code.lower()}-civilians",
                      "        owner: civilian_licensed",
                      f"        # Small Arms Survey (Karp 2018): {n:,} civilian-held "
                      "firearms at the end of 2017.",
                      f"        # {PLACEHOLDER}: the split by type (half handguns, half "
                      "rifles here; the table gives none).",
                      f"        holdings: {{handguns: {n // 2}, rifles: {n - n // 2}}}"]
        else:
            lines += [f"      - id: {code.lower()}-civilians",
                      "        owner: civilian_licensed",
                      f"        # {PLACEHOLDER}: the Small Arms Survey table has no row for "
                      f"{code}; set holdings.",
                      "        holdings: {handguns: 0, rifles: 0}"]
        lines += [f"      # {PLACEHOLDER}: state stockpiles (military, police) with holdings, "
                  "security, marking, records.",
                  "    markets:",
                  f"      - id: {code.lower()}-market",
                  "        kind: criminal_market",
                  f"        demand: {{handguns: 0, rifles: 0}}   # {PLACEHOLDER}: illicit "
                  "weapons wanted per year",
                  f"    controls: {{}}   # {PLACEHOLDER}: defaults (docs/scenario-reference.md)"]
    lines.append(f"borders:   # {PLACEHOLDER}: each country and the next in the order given")
    for a, b in zip(codes, codes[1:], strict=False):
        lines += [f"  - id: {a.lower()}-{b.lower()}",
                  f"    between: [{a}, {b}]",
                  f"    crossings:   # {PLACEHOLDER}: official posts and unofficial paths, "
                  "their inspection and detection",
                  f"      - {{id: {a.lower()}-{b.lower()}-post, official: true}}"]
    if len(codes) < 2:
        lines[-1] = "borders: []"
    lines.append(f"traffickers: []   # {PLACEHOLDER}: trafficker groups (base, mode, count)")
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    """A YAML scalar for a name (quoted when it holds characters YAML reads otherwise)."""
    import yaml

    return yaml.safe_dump(text, default_style=None).strip().removesuffix("\n...").strip()
