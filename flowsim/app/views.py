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
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from flowsim.model.flow_model import FlowModel
from flowsim.outputs.network import fixed_scale
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


def network_svg(model: FlowModel, fixed: bool = True) -> str:
    """The network as inline SVG; each country and crossing carries a ``<title>`` with its
    figures (shown by the browser on hover) and a ``data-figures`` attribute. Crossings are
    named on the drawing; with ``fixed`` the width scale is the scenario's
    (:func:`~flowsim.outputs.network.fixed_scale`), the same at every step."""
    width, height = network_figsize(model, 5.2)
    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot()
    tips = draw_network(ax, model, _borders(model), names=True, font=9,
                        scale=fixed_scale(model.scenario) if fixed else None)
    ax.set_title(f"Weapons crossing borders in the last year ({model.sim.step_length} "
                 f"{model.steps})", fontsize=10)
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
    for r in model.ledger.flow_rows:
        if r.category != AMMUNITION:
            name = "seized" if r.flow.startswith("seized") else r.flow
            if name in FLOW_COLOURS:
                totals[(r.step, name)] += r.count
    return pd.DataFrame([[totals.get((s, f), 0) for f in FLOW_NAMES]
                         for s in range(1, model.steps + 1)],
                        index=range(1, model.steps + 1), columns=list(FLOW_NAMES))


def seizures_by_place(model: FlowModel) -> pd.Series:
    """Weapons seized so far by "country / place" (crossing id or inland)."""
    by: dict[str, int] = defaultdict(int)
    for r in model.ledger.seizure_rows:
        if r.category != AMMUNITION:
            by[f"{model.country_ids[r.country]} / {r.place}"] += r.count
    return pd.Series(by, dtype="int64")


def price_lines(model: FlowModel) -> dict[tuple[int, int], tuple[list[int], list[float]]]:
    """(market index, category) -> (steps, prices), weapons only."""
    out: dict[tuple[int, int], tuple[list[int], list[float]]] = {}
    for r in model.ledger.price_rows:
        if r.category != AMMUNITION:
            steps, prices = out.setdefault((r.market, r.category), ([], []))
            steps.append(r.step)
            prices.append(r.price)
    return out


class Charts:
    """Flows over time, seizures by place and prices of a run (and its baseline, dashed
    lines and grey bars), as one figure kept between redraws: each redraw only replaces
    the data, because building axes and their ticks was most of a redraw's cost."""

    def __init__(self, model: FlowModel, baseline: FlowModel | None):
        self.model, self.baseline = model, baseline
        self.fig = fig = Figure(figsize=(10, 6.6))
        grid = fig.subplots(2, 2)
        self.axes = ax1, ax2, ax3 = grid[0, 0], grid[0, 1], grid[1, 0]
        key = grid[1, 1]
        key.axis("off")
        runs = [(RUN, model, "-", 1.5)] + ([(BASE, baseline, "--", 1.2)] if baseline else [])
        self.flows = [(ax1.plot([], [], color=colour, lw=lw, ls=ls,
                                label=name if run == RUN else None)[0], mod, name)
                      for run, mod, ls, lw in runs for name, colour in FLOW_COLOURS.items()]
        unit = model.sim.step_length
        ax1.set_title("Flows over time" + (" (dashed: baseline)" if baseline else ""),
                      fontsize=12)
        ax1.set_xlabel(unit, fontsize=10)
        ax1.set_ylabel(f"weapons per {unit}", fontsize=10)
        ax1.legend(fontsize=9, frameon=False, ncol=2, loc="upper left")   # "best" is slow
        ax2.set_title("Seizures by place (weapons, so far)", fontsize=12)
        if baseline is not None:
            ax2.legend(handles=[Patch(color="#2166ac", label=RUN),
                                Patch(color="#b0b0b0", label=BASE)],
                       fontsize=9, frameon=False, loc="lower right")
        wanted = [(i, k) for i, mk in enumerate(model.market_list) for k in range(AMMUNITION)
                  if mk.demand[k] > 0]
        self.prices = []
        self.places: list[str] | None = None
        for n, (i, k) in enumerate(wanted):
            label = f"{model.market_list[i].spec.id} {CATEGORY_NAMES[k]}"
            for run, mod, ls, lw in runs:
                line = ax3.plot([], [], lw=lw - 0.3, ls=ls, color=f"C{n % 10}",
                                label=label if run == RUN else None)[0]
                self.prices.append((line, mod, (i, k)))
        ax3.set_title("Illicit market prices", fontsize=12)
        ax3.set_xlabel(unit, fontsize=10)
        ax3.set_ylabel("USD per weapon", fontsize=10)
        if wanted:                 # the prices' key in its own panel, readable
            key.legend(*ax3.get_legend_handles_labels(), fontsize=9, frameon=False,
                       ncol=2 if len(wanted) > 6 else 1, loc="center",
                       title="Prices (dashed: baseline)" if baseline else "Prices",
                       title_fontsize=10)
        for ax in self.axes:
            ax.tick_params(labelsize=9)
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=ax is not ax2))
            if ax is not ax2:
                ax.yaxis.set_major_locator(MaxNLocator(4))
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.08, top=0.95, wspace=0.45,
                            hspace=0.35)

    def update(self) -> Figure:
        """The figure with the runs' data as they are now."""
        ax1, ax2, ax3 = self.axes
        series = {id(m): flow_series(m) for m in (self.model, self.baseline) if m is not None}
        for line, mod, name in self.flows:
            df = series[id(mod)]
            line.set_data(df.index, df[name])
        prices = {id(m): price_lines(m) for m in (self.model, self.baseline) if m is not None}
        for line, mod, key in self.prices:
            line.set_data(*prices[id(mod)].get(key, ([], [])))
        for ax in (ax1, ax3):
            ax.relim()
            ax.autoscale_view()
        for bars in list(ax2.containers):
            bars.remove()
        s_now = seizures_by_place(self.model)
        s_base = (seizures_by_place(self.baseline) if self.baseline is not None
                  else pd.Series(dtype="int64"))
        places = (list(s_now.add(s_base, fill_value=0).sort_values().tail(10).index)
                  if len(s_now) or len(s_base) else [])
        ypos = list(range(len(places)))
        h = 0.4 if self.baseline is not None else 0.8
        shift = h / 2 if self.baseline is not None else 0.0
        ax2.barh([y + shift for y in ypos], [int(s_now.get(p, 0)) for p in places],
                 height=h, color="#2166ac")
        if self.baseline is not None:
            ax2.barh([y - shift for y in ypos], [int(s_base.get(p, 0)) for p in places],
                     height=h, color="#b0b0b0")
        if places != self.places:          # new tick objects only when places change
            ax2.set_yticks(ypos, places, fontsize=9)
            self.places = places
        ax2.relim()
        ax2.autoscale_view()
        return self.fig


def charts_figure(model: FlowModel, baseline: FlowModel | None) -> Figure:
    """The charts of a run (see :class:`Charts`), drawn once."""
    return Charts(model, baseline).update()
