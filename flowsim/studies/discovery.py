"""Scenario discovery on an experiment's sampled futures, with EMA Workbench.

In which futures does an option fail? Every experiment (and sensitivity study) runs each
option in the same sampled futures with the same seeds, so for each future we know the
option's outcome and the baseline's. This module marks the futures where a condition holds
and asks PRIM (``ema_workbench.analysis.prim``, Friedman & Fisher's patient rule induction
as used for scenario discovery by Bryant & Lempert) for the boxes of parameter ranges where
those futures concentrate, with their coverage (share of all marked futures inside the box),
density (share of futures inside the box that are marked) and the peeling trajectory (the
coverage-density trade-off as the box shrinks). Feature scoring with extra trees
(``ema_workbench.analysis.feature_scoring``) ranks the uncertain parameters by how much they
explain each outcome of the option, and the condition itself.

Conditions (``--when``), on one outcome of one option, per future (the mean over its
replications):

* ``fails``: the option does not beat the baseline in that future, paired: the option's
  mean over the future's replications is not strictly better than the baseline's mean over
  the same replications (same seeds). Better is lower for outcomes that count harm reaching
  or circulating among end users (``diverted``, ``trafficked``, ``delivered``,
  ``end_user_stock``, ``rounds_delivered``) and higher for enforcement outcomes
  (``seized``, ``seized_border``, ``seized_inland``, ``destroyed``, ``traced_share``,
  ``tracing_requests``). A tie is a failure: the option made no difference.
* ``below X`` / ``above X``: the option's outcome is strictly below / above X.

The reference is ``docs/exploratory.md``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.errors import InputError
from flowsim.inputs.experiment import BASELINE
from flowsim.io import AtomicDir
from flowsim.outputs.figures import new_figure, save_figure
from flowsim.studies.report import (
    figure_html,
    frames,
    load_records,
    write_section,
)

LOWER_IS_BETTER = frozenset({"diverted", "trafficked", "delivered", "end_user_stock",
                             "rounds_delivered"})
MIN_COVERAGE = 0.5      # the box shown is the densest on the trajectory with this coverage
SEED = 0                # extra trees' random state: the same scores on every call


@dataclass
class Discovery:
    """What :func:`discover` found: the marked futures, PRIM boxes and feature scores."""

    option: str
    outcome: str
    when: str
    futures: int
    marked: int
    boxes: pd.DataFrame = field(default_factory=pd.DataFrame)      # one row per restriction
    box_stats: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per box
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)  # peeling, all boxes
    features: pd.DataFrame = field(default_factory=pd.DataFrame)   # parameter x target
    folder: Path | None = None
    note: str = ""

    def text(self) -> str:
        lines = [f"{self.option}: '{self.outcome} {self.when}' holds in {self.marked} of "
                 f"{self.futures} sampled futures ({self.marked / self.futures:.0%})."]
        if self.note:
            lines.append(self.note)
        for _, st in self.box_stats.iterrows():
            b = int(st["box"])
            lines.append(f"\nBox {b}: coverage {st['coverage']:.0%} (of the futures where it "
                         f"holds, the share inside), density {st['density']:.0%} (of the "
                         f"futures inside, the share where it holds), mass "
                         f"{st['mass']:.0%}, {int(st['res_dim'])} restricted parameters")
            rows = self.boxes[self.boxes["box"] == b]
            for _, r in rows.iterrows():
                lines.append(f"  {r['parameter']:<44} {r['min']:.4g} .. {r['max']:.4g}   "
                             f"(sampled {r['range_min']:.4g} .. {r['range_max']:.4g})")
        if not self.features.empty:
            lines.append("\nFeature scores (extra trees; share of importance, per target)")
            lines.append(self.features.to_string(float_format=lambda v: f"{v:.3f}"))
        if self.folder is not None:
            png = ", tradeoff.png" if not self.trajectory.empty else ""
            lines.append(f"\nOutputs in {self.folder}/ (boxes.csv, peeling.csv, "
                         f"features.csv{png}); a section in the experiment report")
        return "\n".join(lines)


def quiet_import() -> None:
    """Import ema_workbench without its warning about optional evaluators (ipyparallel)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ema_workbench  # noqa: F401


def parse_when(when: str) -> tuple[str, float | None]:
    """'fails' -> ('fails', None); 'below 3' -> ('below', 3.0); else InputError."""
    text = " ".join(str(when).split()).lower()
    if text == "fails":
        return "fails", None
    m = re.fullmatch(r"(below|above) ([-+0-9.eE_,]+)", text)
    if m:
        try:
            return m.group(1), float(m.group(2).replace(",", "").replace("_", ""))
        except ValueError:
            pass
    raise InputError("--when", "", f"expected 'fails', 'below X' or 'above X' (X a number), "
                     f"got '{when}'")


def per_future(manifest: dict, runs: pd.DataFrame, option: str, outcome: str,
               when: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """(parameters of each future, whether the condition holds there, the option's
    outcomes per future): futures are the experiment's samples, averaged over replications."""
    kind, x = parse_when(when)
    options = list(manifest["options"])
    if option not in options:
        raise InputError("--option", "", f"unknown option '{option}'; the results hold: "
                         f"{', '.join(options)}")
    outcomes = list(manifest["outcomes"])
    if outcome not in runs.columns:
        raise InputError("--outcome", "", f"unknown outcome '{outcome}'; expected one of: "
                         f"{', '.join(outcomes)}")
    samples = manifest.get("samples") or [{}]
    params = pd.DataFrame(samples)
    params = params.loc[:, params.nunique() > 1] if len(params) else params
    if params.empty:
        raise InputError(str(manifest.get("experiment_file", "")), "uncertain",
                         "scenario discovery needs sampled futures: the experiment has no "
                         "uncertain parameters (or only one future)")
    key = ["sample", "replication"]
    own = runs[runs["option"] == option]
    means = own.groupby("sample")[[c for c in runs.columns
                                   if c not in ("option", *key)]].mean()
    if kind == "fails":
        if option == BASELINE:
            raise InputError("--when", "", "'fails' compares an option with the baseline; "
                             "choose an option other than the baseline, or use 'below X' / "
                             "'above X'")
        base = runs[runs["option"] == BASELINE].set_index(key)[outcome]
        both = own.set_index(key)[[outcome]].join(base.rename("base"), how="inner")
        per = both.groupby(level="sample").mean()
        if outcome in LOWER_IS_BETTER:
            holds = ~(per[outcome] < per["base"])
        else:
            holds = ~(per[outcome] > per["base"])
    elif kind == "below":
        holds = means[outcome] < x
    else:
        holds = means[outcome] > x
    index = holds.index.intersection(means.index)
    return (params.iloc[index.to_numpy()].reset_index(drop=True),
            holds.loc[index].reset_index(drop=True).astype(bool),
            means.loc[index, [o for o in outcomes if o in means]].reset_index(drop=True))


def prim_boxes(x: pd.DataFrame, y: np.ndarray, n_boxes: int
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list]:
    """Up to ``n_boxes`` PRIM boxes: (restrictions, box stats, peeling trajectories, boxes).

    Each box is selected on its peeling trajectory at the densest point with coverage of at
    least MIN_COVERAGE (PRIM's own default, the last point, trades most coverage away)."""
    quiet_import()
    from ema_workbench.analysis import prim

    algo = prim.Prim(x, y.astype(int), peel_alpha=0.1, mass_min=0.05)
    restrictions, stats, trajectories, found = [], [], [], []
    for b in range(n_boxes):
        box = algo.find_box()
        if box is None:
            break
        pt = box.peeling_trajectory
        ok = pt[pt["coverage"] >= MIN_COVERAGE]
        i = int(ok["density"].idxmax()) if len(ok) else len(pt) - 1
        box.select(i)
        if box.density <= 0:
            break
        lim, init = box.box_lim, algo.box_init
        stats.append({"box": b + 1, "point": i, "coverage": box.coverage,
                      "density": box.density, "mass": box.mass, "res_dim": box.res_dim})
        for name in x.columns:
            lo, hi = float(lim[name].iloc[0]), float(lim[name].iloc[1])
            if (lo, hi) != (float(init[name].iloc[0]), float(init[name].iloc[1])):
                restrictions.append({"box": b + 1, "parameter": name, "min": lo, "max": hi,
                                     "range_min": float(init[name].iloc[0]),
                                     "range_max": float(init[name].iloc[1])})
        trajectories.append(pt.assign(box=b + 1))
        found.append(box)
    cols = ["box", "parameter", "min", "max", "range_min", "range_max"]
    return (pd.DataFrame(restrictions, columns=cols), pd.DataFrame(stats),
            pd.concat(trajectories, ignore_index=True) if trajectories else pd.DataFrame(),
            found)


def feature_scores(x: pd.DataFrame, targets: dict[str, np.ndarray]) -> pd.DataFrame:
    """Extra-trees feature scores of the parameters against each target (regression; a
    boolean target is scored as a 0/1 variable)."""
    quiet_import()
    from ema_workbench.analysis import feature_scoring
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    useful = {k: np.asarray(v, dtype=float) for k, v in targets.items()
              if np.ptp(np.asarray(v, dtype=float)) > 0}
    if not useful or len(x) < 4:
        return pd.DataFrame()
    scores = feature_scoring.get_feature_scores_all(
        x, useful, alg="extra trees", mode=RuleInductionType.REGRESSION, random_state=SEED)
    scores = scores.loc[list(x.columns), list(useful)]
    scores.index.name = "parameter"
    return scores


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")


def plot_tradeoff(trajectory: pd.DataFrame, stats: pd.DataFrame, path: Path) -> Path:
    """Coverage against density along each box's peeling trajectory; the chosen points
    marked."""
    fig, ax = new_figure(figsize=(6, 4.5))
    for b, part in trajectory.groupby("box"):
        sc = ax.scatter(part["coverage"], part["density"], c=part["res_dim"], cmap="viridis",
                        s=18, marker="os^"[(int(b) - 1) % 3], label=f"box {b}")
        st = stats[stats["box"] == b].iloc[0]
        ax.scatter([st["coverage"]], [st["density"]], s=120, facecolors="none",
                   edgecolors="red", lw=1.5)
    fig.colorbar(sc, ax=ax, label="restricted parameters")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("PRIM peeling trade-off (circled: box shown)", fontsize=10)
    save_figure(fig, path, 100, tight=True)
    return path


def discover(results_dir: str | Path, *, option: str, outcome: str = "delivered",
             when: str = "fails", boxes: int = 2, write: bool = True) -> Discovery:
    """Scenario discovery on an experiment's (or sensitivity study's) results folder.

    Writes ``RESULTS/discovery/<option>-<outcome>-<when>/`` (boxes.csv, peeling.csv,
    features.csv, tradeoff.png) and a report section, then rewrites the report."""
    results_dir = Path(results_dir)
    manifest, records = load_records(results_dir)
    runs, _ = frames(records)
    x, holds, outcomes = per_future(manifest, runs, option, outcome, when)
    y = holds.to_numpy()
    result = Discovery(option, outcome, " ".join(when.split()), len(y), int(y.sum()))
    if 0 < y.sum() < len(y):
        result.boxes, result.box_stats, result.trajectory, _ = prim_boxes(x, y, boxes)
        if result.box_stats.empty:
            result.note = "PRIM found no box denser than the whole sample."
    else:
        result.note = ("No PRIM box: the condition holds in " + ("every" if y.all() else "no")
                       + " sampled future.")
    targets = {f"{outcome} {result.when}": y, **{c: outcomes[c].to_numpy() for c in outcomes}}
    result.features = feature_scores(x, targets)
    if write:
        _write(results_dir, result)
        from flowsim.studies.report import write_report

        write_report(results_dir, records)
    return result


def _write(results_dir: Path, result: Discovery) -> None:
    slug = _slug(f"{result.option}-{result.outcome}-{result.when}")
    folder = results_dir / "discovery" / slug
    pngs = []
    with AtomicDir(folder) as stage:
        result.boxes.to_csv(stage.path("boxes.csv"), index=False)
        result.box_stats.to_csv(stage.path("box_stats.csv"), index=False)
        result.trajectory.to_csv(stage.path("peeling.csv"), index=False)
        result.features.to_csv(stage.path("features.csv"))
        if not result.trajectory.empty:
            pngs.append(plot_tradeoff(result.trajectory, result.box_stats,
                                      stage.path("tradeoff.png")))
        body = (f"<section><h2>Scenario discovery: {html.escape(result.option)}, "
                f"{html.escape(result.outcome)} {html.escape(result.when)}</h2>"
                f"<pre>{html.escape(result.text())}</pre>"
                + "".join(figure_html(p, "PRIM trade-off") for p in pngs) + "</section>")
    result.folder = folder
    write_section(results_dir, f"discovery-{slug}", body)
