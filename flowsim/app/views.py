"""What the workshop app draws, from a run's public state (its ledger rows and output
tables): the network with this year's flows (an SVG whose countries and crossings show
their figures on hover) and the charts of flows over time, seizures by place and prices,
each with the baseline beside it when comparing.

Drawn with matplotlib on the server, so the page needs no chart library from the
internet (a classroom network may have none). The network is the same drawing as the
run's ``network.png`` (:func:`flowsim.outputs.plots.draw_network`). Kept apart from the
Solara components (:mod:`flowsim.app.page`) so a drawing can be checked without a browser.
"""

from __future__ import annotations

import html
import io
import re
from collections import defaultdict

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from flowsim.model.flow_model import FlowModel
from flowsim.outputs.plots import FLOW_COLOURS, draw_network, network_figsize
from flowsim.outputs.tables import borders_table

RUN, BASE = "your run", "baseline"
FLOW_NAMES = tuple(FLOW_COLOURS)
AMMUNITION = 3
CATEGORY_NAMES = ("handguns", "rifles", "light weapons")


def _borders(model: FlowModel) -> pd.DataFrame:
    if model.ledger.border_rows:
        return borders_table(model)
    return pd.DataFrame(columns=["step", "crossing", "from_country", "weapons_passed",
                                 "weapons_seized", "parcels", "inspected"])


def network_svg(model: FlowModel) -> str:
    """The network as inline SVG; each country and crossing carries a ``<title>`` with its
    figures (shown by the browser on hover) and a ``data-figures`` attribute."""
    width, height = network_figsize(model, 6.6)
    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot()
    tips = draw_network(ax, model, _borders(model))
    ax.set_title(f"Weapons crossing borders in the last year (step {model.steps})",
                 fontsize=10)
    # room for the title and the legend below (tight_layout measures every text: slow)
    fig.subplots_adjust(left=0.01, right=0.99, top=1 - 0.35 / height, bottom=1.0 / height)
    svg = to_svg(fig)

    def titled(match: re.Match) -> str:
        gid = match.group(1)
        tip = html.escape(tips[gid], quote=True)
        return f'<g id="{gid}" class="fs-hover" data-figures="{tip}"><title>{tip}</title>'

    return re.sub(r'<g id="((?:country|crossing)-[^"]+)">', titled, svg)


def to_svg(fig: Figure) -> str:
    """Inline SVG that scales to its panel; text stays text (fonts are the browser's),
    which is also several times faster to write than glyphs as paths."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                  r'<svg\1 style="width: 100%; height: auto"', svg, count=1)


def flow_series(model: FlowModel) -> pd.DataFrame:
    """Weapons per step (rows, 1..steps) for the headline flows (columns)."""
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for step, _c, flow, _m, cat, n in model.ledger.flow_rows:
        if cat != AMMUNITION:
            name = "seized" if flow.startswith("seized") else flow
            if name in FLOW_COLOURS:
                totals[(step, name)] += n
    return pd.DataFrame([[totals.get((s, f), 0) for f in FLOW_NAMES]
                         for s in range(1, model.steps + 1)],
                        index=range(1, model.steps + 1), columns=list(FLOW_NAMES))


def seizures_by_place(model: FlowModel) -> pd.Series:
    """Weapons seized so far by "country / place" (crossing id or inland)."""
    by: dict[str, int] = defaultdict(int)
    for r in model.ledger.seizure_rows:
        if r[4] != AMMUNITION:
            by[f"{model.country_ids[r[1]]} / {r[2]}"] += r[5]
    return pd.Series(by, dtype="int64")


def price_series(model: FlowModel) -> pd.DataFrame:
    """Price per step (rows) by "market category" (columns), weapons only."""
    markets = model.market_list
    rows = [(s, f"{markets[m].spec.id} {CATEGORY_NAMES[k]}", p)
            for s, m, k, p, _b, _d in model.ledger.price_rows if k != AMMUNITION]
    df = pd.DataFrame(rows, columns=["step", "market", "price"])
    return df.pivot_table(index="step", columns="market", values="price") if len(df) else df


def charts_figure(model: FlowModel, baseline: FlowModel | None) -> Figure:
    """Flows over time, seizures by place and prices; the baseline dashed (lines) or grey
    (bars) when comparing."""
    fig = Figure(figsize=(14, 3.6))
    ax1, ax2, ax3 = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 1, 1]})
    now = flow_series(model)
    base = flow_series(baseline) if baseline is not None else None
    for name, colour in FLOW_COLOURS.items():
        ax1.plot(now.index, now[name], color=colour, lw=1.5, label=name)
        if base is not None:
            ax1.plot(base.index, base[name], color=colour, lw=1.2, ls="--", alpha=0.8)
    ax1.set_title("Flows over time" + (" (dashed: baseline)" if base is not None else ""),
                  fontsize=10)
    ax1.set_xlabel(f"step ({model.sim.step_length})", fontsize=8)
    ax1.set_ylabel("weapons per step", fontsize=8)
    ax1.legend(fontsize=7, frameon=False, ncol=4, loc="upper left")   # "best" is slow

    s_now = seizures_by_place(model)
    s_base = seizures_by_place(baseline) if baseline is not None else pd.Series(dtype="int64")
    places = (s_now.add(s_base, fill_value=0).sort_values().tail(10).index
              if len(s_now) or len(s_base) else [])
    ypos = range(len(places))
    h = 0.4 if baseline is not None else 0.8
    ax2.barh([y + (h / 2 if baseline is not None else 0) for y in ypos],
             [int(s_now.get(p, 0)) for p in places], height=h, color="#2166ac",
             label=RUN)
    if baseline is not None:
        ax2.barh([y - h / 2 for y in ypos], [int(s_base.get(p, 0)) for p in places],
                 height=h, color="#b0b0b0", label=BASE)
        ax2.legend(fontsize=7, frameon=False, loc="lower right")
    ax2.set_yticks(list(ypos), list(places), fontsize=7)
    ax2.set_title("Seizures by place (weapons, so far)", fontsize=10)

    p_now = price_series(model)
    p_base = price_series(baseline) if baseline is not None else None
    colours = [f"C{i}" for i in range(10)]
    for i, col in enumerate(p_now.columns if len(p_now) else []):
        ax3.plot(p_now.index, p_now[col], lw=1.2, color=colours[i % 10], label=col)
        if p_base is not None and col in p_base:
            ax3.plot(p_base.index, p_base[col], lw=1.0, ls="--", color=colours[i % 10])
    ax3.set_title("Illicit market prices, USD", fontsize=10)
    if len(p_now):
        ax3.legend(fontsize=6, frameon=False, ncol=2, loc="upper left")
    for ax in (ax1, ax2, ax3):
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=ax is not ax2))  # ticks are slow
        if ax is not ax2:
            ax.yaxis.set_major_locator(MaxNLocator(4))
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.13, top=0.91, wspace=0.32)
    return fig
