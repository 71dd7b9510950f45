"""The country network as a picture needs it: where each country sits, and each crossing's
flow of weapons over a recent window, drawn by ``network.png`` (:mod:`.plots`) and by the
workshop app alike.

Positions come from the scenario's optional ``position: [x, y]`` per country; otherwise a
Kamada-Kawai layout, which has no random start, so a scenario is drawn the same way every
time. Flows are read from the ``borders`` table (:mod:`.tables`).
"""

from __future__ import annotations

import functools

import networkx as nx
import pandas as pd

from flowsim.inputs.scenario import Scenario


def layout(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Country id -> (x, y) in [0, 1] x [0, 1]: the scenario's positions if every country
    has one, else a deterministic automatic layout (computed once per network: the app
    redraws every step)."""
    return dict(_layout(tuple(c.id for c in scenario.countries),
                        tuple(tuple(b.between) for b in scenario.borders),
                        tuple(tuple(c.position) if c.position else None
                              for c in scenario.countries)))


@functools.lru_cache(maxsize=32)
def _layout(ids: tuple[str, ...], edges: tuple[tuple[str, str], ...],
            positions: tuple) -> tuple[tuple[str, tuple[float, float]], ...]:
    if ids and all(positions):
        raw = {c: (float(p[0]), float(p[1])) for c, p in zip(ids, positions, strict=True)}
    else:
        g = nx.Graph()
        g.add_nodes_from(ids)
        g.add_edges_from(edges)
        if len(g) == 1:
            raw = {n: (0.5, 0.5) for n in g}
        elif len(g) == 2:
            raw = {n: tuple(p) for n, p in nx.circular_layout(g).items()}
        else:        # starts from the circular layout: no randomness
            raw = {n: tuple(p) for n, p in nx.kamada_kawai_layout(g).items()}
    xs = [p[0] for p in raw.values()]
    ys = [p[1] for p in raw.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    return tuple((n, ((x - min(xs)) / span, (y - min(ys)) / span)) for n, (x, y) in raw.items())


def crossing_flows(scenario: Scenario, borders: pd.DataFrame, since_step: int
                   ) -> pd.DataFrame:
    """One row per crossing of the scenario: border, crossing, the two countries (a, b as
    the border lists them), official, and over steps > ``since_step``: weapons passed and
    seized in each direction and in total, parcels and inspected parcels."""
    rows = []
    recent = borders[borders["step"] > since_step] if len(borders) else borders
    sums = (recent.groupby(["crossing", "from_country"])[
        ["weapons_passed", "weapons_seized", "parcels", "inspected"]].sum()
        if len(recent) else None)
    for b in scenario.borders:
        a, c = b.between
        for i, x in enumerate(b.crossings):
            row = {"border": b.id, "crossing": x.id, "a": a, "b": c, "official": x.official,
                   "index": i, "of": len(b.crossings)}
            for frm, tag in ((a, "ab"), (c, "ba")):
                got = (sums.loc[(x.id, frm)] if sums is not None and (x.id, frm) in sums.index
                       else None)
                for col in ("weapons_passed", "weapons_seized", "parcels", "inspected"):
                    row[f"{col}_{tag}"] = int(got[col]) if got is not None else 0
            row["passed"] = row["weapons_passed_ab"] + row["weapons_passed_ba"]
            row["seized"] = row["weapons_seized_ab"] + row["weapons_seized_ba"]
            rows.append(row)
    return pd.DataFrame(rows)


def offset_segment(p: tuple[float, float], q: tuple[float, float], index: int, of: int,
                   gap: float = 0.05) -> tuple[tuple[float, float], tuple[float, float]]:
    """The segment p-q shifted sideways so that a border's crossings are drawn side by side
    (crossing ``index`` of ``of``)."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    shift = (index - (of - 1) / 2) * gap
    nx_, ny_ = -dy / length * shift, dx / length * shift
    return (p[0] + nx_, p[1] + ny_), (q[0] + nx_, q[1] + ny_)


def fixed_scale(scenario) -> int:
    """A width scale for the whole run, from the scenario's size: half the yearly demand of
    all its end-user markets (weapons), rounded up to 1, 2 or 5 times a power of ten. A
    year's flow through one crossing rarely exceeds it (an assumption of the drawing, not of
    the model: wider flows are drawn at the widest width)."""
    demand = sum(sum(getattr(m.demand, k, 0.0) for k in ("handguns", "rifles", "light_weapons"))
                 for c in scenario.countries for m in c.markets)
    half = max(1.0, demand / 2)
    magnitude = 10 ** (len(str(int(half))) - 1)
    return int(next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= half))


def nice_scale(top: float) -> list[int]:
    """Two or three round numbers up to ``top`` for a width legend (e.g. 1000 -> 100, 500,
    1000)."""
    if top <= 0:
        return []
    magnitude = 10 ** (len(str(int(top))) - 1)
    first = int(top // magnitude * magnitude) or int(top)
    out = sorted({max(1, first // 10), max(1, first // 2), first})
    return out
