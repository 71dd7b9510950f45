"""What the model seized, matched to observed seizure-data rows (for calibration).

The seizure CSV format and its loader are :mod:`flowsim.inputs.seizures` (re-exported
here); this module counts a finished run's seizures and tracing outcomes per data row, in
the shape States report them (000 ¶32-33, ¶43).
"""

from __future__ import annotations

from flowsim.inputs.scenario import CATEGORIES
from flowsim.inputs.seizures import (  # noqa: F401  (re-exported: old import paths)
    ALL_WEAPONS,
    OPTIONAL,
    REQUIRED,
    SeizureRow,
    load_seizures,
    parse_period,
)


def simulated_counts(model, rows: list[SeizureRow], marked_only: bool = False) -> list[int]:
    """The model's seizures matching each data row (only marked weapons if ``marked_only``)."""
    index = {cid: i for i, cid in enumerate(model.country_ids)}
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    # aggregate events once: (step, country, place, category) -> count
    agg: dict[tuple, int] = {}
    for s in model.ledger.seizure_rows:
        if marked_only and not s.marked:
            continue
        key = (s.step, s.country, s.place, s.category)
        agg[key] = agg.get(key, 0) + s.count
    out = []
    for r in rows:
        c = index[r.country]
        cats = ({cat_index[r.category]} if r.category != ALL_WEAPONS
                else {i for i, name in enumerate(CATEGORIES) if name != "ammunition"})
        total = 0
        for (step, country, place, cat), n in agg.items():
            if (country == c and cat in cats and r.first_step <= step <= r.last_step
                    and (r.place == "any" or place == r.place)):
                total += n
        out.append(total)
    return out


def simulated_tracing(model, row: SeizureRow) -> tuple[int, int]:
    """Simulated tracing requests and successes for the row's country and period."""
    c = model.country_ids.index(row.country)
    req = ok = 0
    for t in model.ledger.tracing_rows:
        if t.country == c and row.first_step <= t.step <= row.last_step:
            req, ok = req + t.requests, ok + t.successes
    return req, ok


def simulated_traced_share(model, row: SeizureRow) -> float | None:
    """Simulated tracing successes / requests for the row's country and period."""
    req, ok = simulated_tracing(model, row)
    return ok / req if req else None


def simulated_seized_traced_share(model, row: SeizureRow) -> float | None:
    """Simulated tracing successes / weapons seized for the row's country and period: the
    SDG 16.4.2 idea, as ``tracing.csv``'s ``traced_share`` (None when nothing was seized)."""
    c = model.country_ids.index(row.country)
    seized = ok = 0
    for t in model.ledger.tracing_rows:
        if t.country == c and row.first_step <= t.step <= row.last_step:
            seized, ok = seized + t.seized, ok + t.successes
    return ok / seized if seized else None


def simulated_event_sizes(model, country: str, first_step: int, last_step: int) -> list[int]:
    """Weapons (not ammunition) seized per seizure case in ``country`` between the steps:
    the model's seizure records grouped by ``case_id`` (one case per trafficker shipment
    stopped, per individual possession case), the comparable of an event-level data set's
    sizes."""
    c = model.country_ids.index(country)
    ammo = CATEGORIES.index("ammunition")
    events: dict[int, int] = {}
    for s in model.ledger.seizure_rows:
        if s.country == c and s.category != ammo and first_step <= s.step <= last_step:
            events[s.case_id] = events.get(s.case_id, 0) + s.count
    return sorted(n for n in events.values() if n > 0)
