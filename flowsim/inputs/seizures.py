"""Observed seizure data: the CSV format calibration matches, and its validating loader (in
the input layer: checking a table needs the scenario, never the model; what the model seized
is :mod:`flowsim.calibration.seizure_data`).

The format follows what States report to UNODC's Illicit Arms Flows Questionnaire (seizures
by country, year, place and weapon type; 000 ¶43) and the SDG 16.4.2 tracing indicator
(000 ¶32-33). One row per (country, period, place, category):

| column | required | meaning |
|---|---|---|
| country | yes | country id in the scenario (the seizing country) |
| period | yes | a year (`2019`, needs `start_year`) or steps `13-24` (inclusive) |
| place | yes | a crossing on a border of that country, `inland`, or `any` (all) |
| category | yes | handguns, rifles, light_weapons, ammunition, or `weapons` (all but ammunition) |
| count | yes | weapons (rounds for ammunition) seized, a whole number >= 0 |
| marked_share | no | share of the seized weapons that were marked, 0..1 |
| tracing_requests | no | tracing requests issued for them |
| tracing_successes | no | requests that identified the origin (<= requests) |
| origin_country | no | origin where known (informative; not matched) |
| traced_share | no | share of seized weapons whose origin was traced, 0..1 (SDG 16.4.2) |

Periods of rows with the same country, place and category must not overlap, and must end
within the simulated steps: the scenario's `simulation.steps`, or the set-up's `horizon`
when it gives one. A data file may be at most 5 MB (checked before it is read).
``traced_share`` (e.g. from ``calibration/data/sdg-16-4-2-traced-share.csv``) is matched by
the ``seized_traced_share`` statistic against the model's ``tracing.csv`` successes per
weapon seized in that country and period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.realdata import open_csv, require_columns
from flowsim.inputs.scenario import CATEGORIES, Scenario
from flowsim.inputs.schema import COUNT_MAX

REQUIRED = ("country", "period", "place", "category", "count")
OPTIONAL = ("marked_share", "tracing_requests", "tracing_successes", "origin_country",
            "traced_share")
ALL_WEAPONS = "weapons"


@dataclass(frozen=True)
class SeizureRow:
    line: int               # line in the file, for messages
    country: str
    period: str
    first_step: int
    last_step: int
    place: str              # crossing id, "inland" or "any"
    category: str           # a category or "weapons"
    count: int
    marked_share: float | None = None
    tracing_requests: int | None = None
    tracing_successes: int | None = None
    origin_country: str | None = None
    traced_share: float | None = None

    @property
    def label(self) -> str:
        return f"{self.country} {self.period} {self.place} {self.category}"


def parse_period(text: str, start_year: int | None, steps_per_year: int, file: str,
                 where: str) -> tuple[int, int]:
    text = text.strip()
    if "-" in text:
        a, _, b = text.partition("-")
        try:
            first, last = int(a), int(b)
        except ValueError:
            raise InputError(file, where, f"expected a year or a step range like '13-24', got "
                             f"'{text}'") from None
        if not 1 <= first <= last:
            raise InputError(file, where, f"expected a step range 'a-b' with 1 <= a <= b, "
                             f"got '{text}'")
        return first, last
    try:
        year = int(text)
    except ValueError:
        raise InputError(file, where, f"expected a year or a step range like '13-24', got "
                         f"'{text}'") from None
    if start_year is None:
        raise InputError(file, where, f"period '{text}' is a year, but the calibration set-up "
                         "gives no start_year (the calendar year of step 1)")
    if year < start_year:
        raise InputError(file, where, f"year {year} is before start_year {start_year}")
    first = (year - start_year) * steps_per_year + 1
    return first, first + steps_per_year - 1


def _number(text: str, kind: type, file: str, where: str, lo: float = 0.0,
            hi: float | None = None) -> float:
    if hi is None and kind is int:
        hi = COUNT_MAX          # the bound every count in flowsim's formats has
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise InputError(file, where, f"expected {what}, got '{text}'") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(file, where, f"expected a finite number, got '{text}'")
    if value < lo or (hi is not None and value > hi):
        rng = (f"a non-negative whole number of at most {hi:,}" if kind is int
               else f"a value between {lo:g} and {hi:g}" if hi is not None
               else f"a value of at least {lo:g}")
        raise InputError(file, where, f"expected {rng}, got {text}")
    return value


def load_seizures(path: str | Path, scenario: Scenario, start_year: int | None = None,
                  horizon: int | None = None) -> list[SeizureRow]:
    """Read and check a seizure CSV against a scenario; raises InputError. Periods must end
    by ``horizon`` (default: the scenario's ``simulation.steps``): simulations run to the
    last data step, so a period past it would silently stretch every one of them."""
    path = Path(path)
    file = str(path)
    reader, header = open_csv(path)
    require_columns(file, header, REQUIRED, f"columns {', '.join(REQUIRED)} and optionally "
                    f"{', '.join(OPTIONAL)}")
    for h in header:
        if h not in REQUIRED + OPTIONAL:
            raise InputError(file, "header", f"unknown column '{h}'"
                             f"{did_you_mean(h, REQUIRED + OPTIONAL)}")
    countries = {c.id: c for c in scenario.countries}
    crossings_of: dict[str, set[str]] = {c: set() for c in countries}
    for b in scenario.borders:
        for x in b.crossings:
            for cid in b.between:
                crossings_of[cid].add(x.id)
    spy = scenario.simulation.steps_per_year
    rows: list[SeizureRow] = []
    for n, raw in enumerate(reader, start=2):
        raw = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}

        def where(col: str, n: int = n) -> str:
            return f"line {n}, column {col}"

        country = raw["country"]
        if country not in countries:
            raise InputError(file, where("country"), f"unknown country '{country}'"
                             f"{did_you_mean(country, countries)}; the scenario defines "
                             f"{', '.join(sorted(countries))}")
        place = raw["place"]
        if place not in ("inland", "any") and place not in crossings_of[country]:
            known = sorted(crossings_of[country])
            raise InputError(file, where("place"), f"'{place}' is not 'inland', 'any' or a "
                             f"crossing on a border of {country}{did_you_mean(place, known)}; "
                             f"its crossings: {', '.join(known) or 'none'}")
        category = raw["category"]
        if category not in (*CATEGORIES, ALL_WEAPONS):
            raise InputError(file, where("category"), f"unknown category '{category}'"
                             f"{did_you_mean(category, (*CATEGORIES, ALL_WEAPONS))}; expected "
                             f"one of {', '.join((*CATEGORIES, ALL_WEAPONS))}")
        first, last = parse_period(raw["period"], start_year, spy, file, where("period"))
        end = horizon or scenario.simulation.steps
        if last > end:
            whose = (f"the set-up's horizon ({end} steps)" if horizon else
                     f"the scenario's horizon (simulation.steps = {end} "
                     f"{scenario.simulation.step_length} steps)")
            raise InputError(file, where("period"), f"period '{raw['period']}' covers steps "
                             f"{first}-{last}, past {whose}; expected periods within steps "
                             f"1-{end} (or set the calibration set-up's `horizon` to simulate "
                             "longer)")
        count = int(_number(raw["count"], int, file, where("count")))
        opt: dict = {}
        if raw.get("marked_share"):
            opt["marked_share"] = _number(raw["marked_share"], float, file,
                                          where("marked_share"), 0, 1)
        for col in ("tracing_requests", "tracing_successes"):
            if raw.get(col):
                opt[col] = int(_number(raw[col], int, file, where(col)))
        if raw.get("traced_share"):
            opt["traced_share"] = _number(raw["traced_share"], float, file,
                                          where("traced_share"), 0, 1)
        if opt.get("tracing_successes", 0) > opt.get("tracing_requests", math.inf):
            raise InputError(file, where("tracing_successes"), "expected no more successes "
                             "than tracing_requests")
        if raw.get("origin_country"):
            if raw["origin_country"] not in countries:
                raise InputError(file, where("origin_country"), f"unknown country "
                                 f"'{raw['origin_country']}'"
                                 f"{did_you_mean(raw['origin_country'], countries)}")
            opt["origin_country"] = raw["origin_country"]
        rows.append(SeizureRow(n, country, raw["period"], first, last, place, category, count,
                               **opt))
    if not rows:
        raise InputError(file, "", "no data rows")
    _check_overlaps(rows, file)
    return rows


def _check_overlaps(rows: list[SeizureRow], file: str) -> None:
    by_key: dict[tuple, list[SeizureRow]] = {}
    for r in rows:
        by_key.setdefault((r.country, r.place, r.category), []).append(r)
    for group in by_key.values():
        group.sort(key=lambda r: r.first_step)
        for a, b in zip(group, group[1:], strict=False):
            if b.first_step <= a.last_step:
                raise InputError(file, f"line {b.line}, column period",
                                 f"period '{b.period}' (steps {b.first_step}-{b.last_step}) "
                                 f"overlaps line {a.line}'s '{a.period}' (steps "
                                 f"{a.first_step}-{a.last_step}) for {a.country} / {a.place}"
                                 f" / {a.category}")
