"""Headline outcomes of a finished run, as plain numbers.

These are what experiments compare and calibration matches. Counts are weapons
(handguns, rifles, light weapons); ammunition is reported separately in rounds.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from flowsim.inputs.experiment import OUTCOMES  # noqa: F401  (defined with the format)
from flowsim.model.flow_model import FlowModel
from flowsim.model.lots import AMMUNITION


def run_totals(model: FlowModel, first_step: int = 1, last_step: int | None = None
               ) -> dict[str, float]:
    """Totals of the headline outcomes over steps ``first_step..last_step`` (inclusive)."""
    last = model.steps if last_step is None else last_step
    flows: dict[str, int] = defaultdict(int)
    rounds = 0
    for row in model.ledger.flow_counts:
        if first_step <= row.step <= last:
            if row.category != AMMUNITION:
                flows[row.flow] += row.count
            elif row.flow == "delivered":
                rounds += row.count
    seized_tr = requests = traced = 0
    for t in model.ledger.tracing_rows:
        if first_step <= t.step <= last:
            seized_tr += t.seized
            requests += t.requests
            traced += t.successes
    end_users = sum(sum(m.holdings.totals[:AMMUNITION]) for m in model.market_list)
    return {
        "diverted": flows["diverted"],
        "trafficked": flows["trafficked"],
        "seized": flows["seized_border"] + flows["seized_inland"],
        "seized_border": flows["seized_border"],
        "seized_inland": flows["seized_inland"],
        "delivered": flows["delivered"],
        "destroyed": flows["destroyed"],
        "traced_share": traced / seized_tr if seized_tr else 0.0,
        "tracing_requests": requests,
        "end_user_stock": end_users,
        "rounds_delivered": rounds,
    }


def series(model: FlowModel, flow: str) -> np.ndarray:
    """Weapons per step for one flow (index 0 is step 1)."""
    out = np.zeros(model.steps, dtype=np.int64)
    for r in model.ledger.flow_counts:
        if r.flow == flow and r.category != AMMUNITION:
            out[r.step - 1] += r.count
    return out



def route_totals(model: FlowModel, first_step: int = 1, last_step: int | None = None
                 ) -> dict[str, dict[str, list[int]]]:
    """Weapons passed and seized (ammunition excluded) per crossing, per border, per
    directed country pair ("FROM>TO") and per crossing and direction ("CROSSING:FROM>TO"),
    each as ``[passed, seized]``: where traffic went.

    Every crossing of the scenario is listed, with zeros where nothing crossed, so runs of
    different options compare key by key."""
    last = model.steps if last_step is None else last_step
    net = model.network
    ids = model.country_ids
    out: dict[str, dict[str, list[int]]] = {"crossings": {}, "borders": {}, "pairs": {},
                                            "directed": {}}
    keys = []
    for d in range(net.n):
        border, crossing = net.label(d)
        pair = f"{ids[net.src[d]]}>{ids[net.dst[d]]}"
        keys.append((("crossings", crossing), ("borders", border), ("pairs", pair),
                     ("directed", f"{crossing}:{pair}")))
        for level, key in keys[-1]:
            out[level].setdefault(key, [0, 0])
    for row in model.ledger.border_rows:
        if first_step <= row.step <= last:
            for level, key in keys[row.directed]:
                out[level][key][0] += int(row.weapons_passed)
                out[level][key][1] += int(row.weapons_seized)
    return out
