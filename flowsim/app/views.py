"""What the workshop app draws, as Altair charts built from a run's public state (its
ledger rows and output tables): the network with this year's flows, flows over time,
seizures by place and prices, each with the baseline beside it when comparing.

Kept apart from the Solara components (:mod:`flowsim.app.page`) so that a chart can be
built and checked without a browser.
"""

from __future__ import annotations

from collections import defaultdict

import altair as alt
import pandas as pd

from flowsim.model.flow_model import FlowModel
from flowsim.outputs.network import crossing_flows, layout, offset_segment
from flowsim.outputs.tables import borders_table

RUN, BASE = "your run", "baseline"
FLOW_NAMES = ("diverted", "trafficked", "seized", "delivered")
FLOW_COLOURS = ["#b2182b", "#ef8a62", "#2166ac", "#1b1b1b"]
AMMUNITION = 3


def network_data(model: FlowModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(countries, crossings) over the last year of steps: positions, flows, seizures and
    the figures shown on hover."""
    sc = model.scenario
    pos = layout(sc)
    since = max(0, model.steps - model.sim.steps_per_year)
    borders = (borders_table(model) if model.ledger.border_rows
               else pd.DataFrame(columns=["step", "crossing", "from_country"]))
    edges = crossing_flows(sc, borders, since)
    per_country: dict[str, dict[str, int]] = {c: defaultdict(int) for c in model.country_ids}
    for step, country, flow, _mech, cat, n in model.ledger.flow_rows:
        if step > since and cat != AMMUNITION:
            name = "seized" if flow.startswith("seized") else flow
            per_country[model.country_ids[country]][name] += n
    nodes = pd.DataFrame([{
        "id": c.id, "name": c.label, "x": pos[c.id][0], "y": pos[c.id][1],
        **{f: per_country[c.id][f] for f in FLOW_NAMES}} for c in sc.countries])
    if len(edges):
        seg = [offset_segment(pos[r.a], pos[r.b], r.index, r.of) for r in edges.itertuples()]
        edges["x"], edges["y"] = [s[0][0] for s in seg], [s[0][1] for s in seg]
        edges["x2"], edges["y2"] = [s[1][0] for s in seg], [s[1][1] for s in seg]
        edges["mx"] = (edges["x"] + edges["x2"]) / 2
        edges["my"] = (edges["y"] + edges["y2"]) / 2
        edges["kind"] = ["official post" if o else "unofficial path" for o in edges["official"]]
        edges["route"] = edges["a"] + " - " + edges["b"]
    return nodes, edges


def network_chart(model: FlowModel, width: int = 460, height: int = 380) -> alt.LayerChart:
    """Countries at fixed positions; crossings as lines whose width is the weapons that
    crossed in the last year (numbers on the main flows, a width legend), seizures as
    crosses sized by weapons seized; hovering shows a country's or crossing's figures."""
    nodes, edges = network_data(model)
    axis = alt.Axis(title=None, labels=False, ticks=False, domain=False, grid=False)
    x = alt.X("x:Q", axis=axis, scale=alt.Scale(domain=[-0.12, 1.12]))
    y = alt.Y("y:Q", axis=axis, scale=alt.Scale(domain=[-0.12, 1.12]))
    top = max(1, int(edges["passed"].max()) if len(edges) else 1)
    layers = []
    if len(edges):
        layers.append(alt.Chart(edges).mark_rule(color="#cccccc", strokeWidth=1).encode(
            x=x, y=y, x2="x2:Q", y2="y2:Q"))
        moving = edges[edges["passed"] > 0]
        if len(moving):
            layers.append(alt.Chart(moving).mark_rule(color="#b2182b", opacity=0.75).encode(
                x=x, y=y, x2="x2:Q", y2="y2:Q",
                strokeWidth=alt.StrokeWidth(
                    "passed:Q", scale=alt.Scale(domain=[0, top], range=[1, 14]),
                    legend=alt.Legend(title="weapons crossed, last year", orient="bottom")),
                tooltip=[alt.Tooltip("crossing:N"), alt.Tooltip("route:N"),
                         alt.Tooltip("kind:N"),
                         alt.Tooltip("weapons_passed_ab:Q", title="passed a -> b"),
                         alt.Tooltip("weapons_passed_ba:Q", title="passed b -> a"),
                         alt.Tooltip("seized:Q", title="weapons seized"),
                         alt.Tooltip("parcels_ab:Q", title="parcels a -> b"),
                         alt.Tooltip("inspected_ab:Q", title="inspected a -> b")]))
            main = moving.nlargest(6, "passed")
            layers.append(alt.Chart(main).mark_text(fontSize=11, fontWeight="bold", dy=-8,
                                                    color="#67001f").encode(
                x=alt.X("mx:Q", axis=axis, scale=alt.Scale(domain=[-0.12, 1.12])),
                y=alt.Y("my:Q", axis=axis, scale=alt.Scale(domain=[-0.12, 1.12])),
                text=alt.Text("passed:Q", format=",")))
        seized = edges[edges["seized"] > 0]
        if len(seized):
            layers.append(alt.Chart(seized).mark_point(shape="cross", filled=True,
                                                       color="#2166ac").encode(
                x=alt.X("mx:Q", axis=axis, scale=alt.Scale(domain=[-0.12, 1.12])),
                y=alt.Y("my:Q", axis=axis, scale=alt.Scale(domain=[-0.12, 1.12])),
                size=alt.Size("seized:Q", scale=alt.Scale(range=[60, 500]),
                              legend=alt.Legend(title="seized at crossing, last year",
                                                orient="bottom")),
                tooltip=[alt.Tooltip("crossing:N"), alt.Tooltip("seized:Q",
                                                                title="weapons seized")]))
    country_tip = [alt.Tooltip("name:N", title="country"),
                   *[alt.Tooltip(f"{f}:Q", title=f"{f}, last year") for f in FLOW_NAMES]]
    layers.append(alt.Chart(nodes).mark_circle(size=700, color="#fddbc7", stroke="#444",
                                               strokeWidth=1, opacity=1).encode(
        x=x, y=y, tooltip=country_tip))
    layers.append(alt.Chart(nodes).mark_text(fontSize=11).encode(x=x, y=y, text="id:N",
                                                                 tooltip=country_tip))
    return alt.layer(*layers).properties(
        width=width, height=height,
        title=f"Flows across borders in the last year (step {model.steps})",
    ).configure_view(strokeWidth=0)


def flow_series(model: FlowModel, run: str) -> pd.DataFrame:
    """Weapons per step for the headline flows: step, flow, count, run."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for step, _c, flow, _m, cat, n in model.ledger.flow_rows:
        if cat != AMMUNITION:
            name = "seized" if flow.startswith("seized") else flow
            if name in FLOW_NAMES:
                totals[(step, name)] += n
    rows = [(s, f, totals.get((s, f), 0), run) for s in range(1, model.steps + 1)
            for f in FLOW_NAMES]
    return pd.DataFrame(rows, columns=["step", "flow", "count", "run"])


def flows_chart(model: FlowModel, baseline: FlowModel | None) -> alt.Chart:
    df = flow_series(model, RUN)
    if baseline is not None:
        df = pd.concat([df, flow_series(baseline, BASE)])
    return alt.Chart(df).mark_line().encode(
        x=alt.X("step:Q", title=f"step ({model.sim.step_length})"),
        y=alt.Y("count:Q", title="weapons per step"),
        color=alt.Color("flow:N", scale=alt.Scale(domain=list(FLOW_NAMES),
                                                  range=FLOW_COLOURS)),
        strokeDash=alt.StrokeDash("run:N", scale=alt.Scale(domain=[RUN, BASE],
                                                           range=[[1, 0], [5, 3]])),
        tooltip=["step:Q", "flow:N", "run:N", "count:Q"],
    ).properties(width=420, height=200, title="Flows over time")


def seizures_by_place(model: FlowModel, run: str) -> pd.DataFrame:
    by: dict[str, int] = defaultdict(int)
    for r in model.ledger.seizure_rows:
        if r[4] != AMMUNITION:
            by[f"{model.country_ids[r[1]]} / {r[2]}"] += r[5]
    return pd.DataFrame([(k, v, run) for k, v in by.items()],
                        columns=["place", "weapons", "run"])


def seizures_chart(model: FlowModel, baseline: FlowModel | None) -> alt.Chart:
    df = seizures_by_place(model, RUN)
    if baseline is not None:
        df = pd.concat([df, seizures_by_place(baseline, BASE)])
    if not len(df):
        df = pd.DataFrame({"place": ["none yet"], "weapons": [0], "run": [RUN]})
    return alt.Chart(df).mark_bar().encode(
        y=alt.Y("place:N", sort="-x", title=None),
        x=alt.X("weapons:Q", title="weapons seized so far"),
        yOffset="run:N",
        color=alt.Color("run:N", scale=alt.Scale(domain=[RUN, BASE],
                                                 range=["#2166ac", "#b0b0b0"])),
        tooltip=["place:N", "run:N", "weapons:Q"],
    ).properties(width=420, height=220, title="Seizures by place")


def price_series(model: FlowModel, run: str) -> pd.DataFrame:
    markets = model.market_list
    rows = [(s, f"{markets[m].spec.id} {('handguns', 'rifles', 'light weapons')[k]}", p, run)
            for s, m, k, p, _b, _d in model.ledger.price_rows if k != AMMUNITION]
    return pd.DataFrame(rows, columns=["step", "market", "price", "run"])


def prices_chart(model: FlowModel, baseline: FlowModel | None) -> alt.Chart:
    df = price_series(model, RUN)
    if baseline is not None:
        df = pd.concat([df, price_series(baseline, BASE)])
    return alt.Chart(df).mark_line().encode(
        x=alt.X("step:Q"), y=alt.Y("price:Q", title="price, USD"),
        color=alt.Color("market:N", title="market"),
        strokeDash=alt.StrokeDash("run:N", scale=alt.Scale(domain=[RUN, BASE],
                                                           range=[[1, 0], [5, 3]])),
        tooltip=["step:Q", "market:N", "run:N", alt.Tooltip("price:Q", format=",.0f")],
    ).properties(width=420, height=200, title="Illicit market prices")
