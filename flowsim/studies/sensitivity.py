"""Global sensitivity analysis of an experiment's uncertain parameters, with SALib.

Which uncertain assumptions drive an outcome, and which ones an option's effect depends on?
The sample design comes from SALib (Saltelli's scheme on a scrambled Sobol' sequence,
``SALib.sample.sobol``, or Morris trajectories, ``SALib.sample.morris``) and the indices
from ``SALib.analyze.sobol`` (first-order S1, total ST, optionally second-order S2, each
with a bootstrap 95% confidence interval) or ``SALib.analyze.morris`` (mu*, its interval,
sigma). flowsim adds what SALib lacks: every row of the design is one sampled future, run
for every option through the experiment runner and results store (resumable, joblib or
Dask), with common random numbers: run seeds depend only on the replication, not on the
row or the option, so the differences between rows are differences the parameters make
and the differences between options are differences the options make.

For each option the analysis covers each outcome and, against the baseline, the weapons
kept from end users (the baseline's deliveries minus the option's, paired on the same row
and seed), so a donor sees which assumptions an option's effect hinges on.

The statistics (:func:`design`, :func:`analyse`) take no simulation: a plain Python
function of the parameters goes through the same code (:func:`function_sensitivity`),
which is how the Ishigami test checks the indices against their analytic values.
The reference is ``docs/exploratory.md``.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim import log
from flowsim.errors import InputError
from flowsim.inputs.schema import apply_overrides, build, origin, param, to_plain
from flowsim.io import (
    AtomicDir,
    fingerprint,
)
from flowsim.outputs.figures import new_figure, save_figure
from flowsim.outputs.metrics import OUTCOMES
from flowsim.seeds import derive_seed
from flowsim.studies.experiment import (
    BASELINE,
    Experiment,
    UncertainParameter,
    check_path_range,
    load_experiment,
    run_task,
)
from flowsim.studies.report import figure_html, write_section
from flowsim.studies.runner import run_parallel

METHODS = ("sobol", "morris")
KEPT = "kept_from_end_users"
CONF_LEVEL = 0.95
RESAMPLES = 200


@dataclass(kw_only=True)
class SensitivitySpec:
    """Global sensitivity analysis of an experiment (`sensitivity:` block, all optional)."""

    method: str = param("sobol", "sobol (first-order and total indices) or morris "
                        "(elementary effects, cheaper screening).", choices=METHODS)
    samples: int = param(64, "N: base samples (Sobol, a power of 2) or trajectories "
                         "(Morris). Sobol runs N x (D+2) futures, N x (2D+2) with second "
                         "order; Morris N x (D+1).", lo=2, hi=1_000_000)
    second_order: bool = param(False, "Also compute second-order Sobol indices.")
    levels: int = param(4, "Morris grid levels.", lo=2, hi=100)
    replications: int = param(1, "Runs per option and future (the mean is analysed); seeds "
                              "depend only on the replication.", lo=1, hi=1000)
    parameters: list[UncertainParameter] = param(factory=list, doc="Parameters and ranges "
                                                 "(default: the experiment's `uncertain` "
                                                 "parameters).")
    outcomes: list[str] = param(factory=list, doc="Outcomes analysed (default: the "
                                "experiment's).", choices=OUTCOMES)
    options: list[str] = param(factory=list, doc="Options analysed besides the baseline "
                               "(default: all).")


# --- the statistics, independent of the simulation ------------------------------------------
@dataclass
class Design:
    """A SALib sample design: the problem, the settings and the sample matrix X."""

    method: str
    problem: dict
    n: int
    second_order: bool
    levels: int
    seed: int
    X: np.ndarray

    @property
    def names(self) -> list[str]:
        return list(self.problem["names"])

    def run_formula(self) -> str:
        """How the number of rows follows from N and D, e.g. 'N·(D+2) = 64·8 = 512'."""
        d = self.problem["num_vars"]
        if self.method == "morris":
            return f"N·(D+1) = {self.n}·{d + 1} = {len(self.X)}"
        if self.second_order:
            return f"N·(2D+2) = {self.n}·{2 * d + 2} = {len(self.X)}"
        return f"N·(D+2) = {self.n}·{d + 2} = {len(self.X)}"


def design(parameters: Mapping[str, tuple[float, float]], *, method: str = "sobol",
           n: int = 64, seed: int = 1, second_order: bool = False, levels: int = 4,
           where: str = "--samples") -> Design:
    """SALib sample design over ``parameters`` (name -> (low, high)); deterministic in seed."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in METHODS:
        raise InputError("--method", "", f"expected one of {', '.join(METHODS)}, got "
                         f"'{method}'")
    if not parameters:
        raise InputError(where, "", "no uncertain parameters to analyse")
    problem = {"num_vars": len(parameters), "names": list(parameters),
               "bounds": [[float(lo), float(hi)] for lo, hi in parameters.values()]}
    if method == "sobol":
        if n < 2 or n & (n - 1):
            raise InputError(where, "", f"Sobol sampling needs N a power of 2 (its "
                             f"convergence properties hold only then), got {n}")
        X = sobol_sample.sample(problem, n, calc_second_order=second_order, seed=seed)
    else:
        X = morris_sample.sample(problem, n, num_levels=levels, seed=seed)
    return Design(method, problem, n, second_order, levels, seed, X)


def analyse(d: Design, Y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Indices of each parameter for outputs ``Y`` (one per row of ``d.X``), ranked.

    Sobol: S1, S1_conf, ST, ST_conf (conf: half-width of the 95% bootstrap interval), and a
    second table of S2 pairs when the design has second order. Morris: mu_star,
    mu_star_conf, sigma, mu. A constant output has no variance to apportion: its indices
    are NaN."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    Y = np.asarray(Y, dtype=float)
    names = d.names
    if d.method == "sobol":
        cols, key = ["S1", "S1_conf", "ST", "ST_conf"], "ST"
        method, args = sobol_analyze.analyze, {"Y": Y, "calc_second_order": d.second_order}
    else:
        cols, key = ["mu_star", "mu_star_conf", "sigma", "mu"], "mu_star"
        method, args = morris_analyze.analyze, {"X": d.X, "Y": Y, "num_levels": d.levels}
    s2 = None
    if np.ptp(Y) == 0:
        res = {c: np.full(len(names), np.nan) for c in cols}
    else:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")       # SALib's notes on sample sizes
            res = method(d.problem, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                         seed=d.seed, **args)
        if d.method == "sobol" and d.second_order:
            pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
            s2 = pd.DataFrame({
                "parameter": [names[i] for i, _ in pairs],
                "with": [names[j] for _, j in pairs],
                "S2": [res["S2"][i, j] for i, j in pairs],
                "S2_conf": [res["S2_conf"][i, j] for i, j in pairs]})
    table = pd.DataFrame({"parameter": names,
                          **{c: np.asarray(res[c], dtype=float) for c in cols}})
    table = table.sort_values(key, ascending=False, na_position="last", kind="stable")
    table.insert(1, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True), s2


def _evaluate_row(func: Callable[..., float], index: int, row: np.ndarray) -> tuple[int, float]:
    return index, float(func(*row))


def function_sensitivity(func: Callable[..., float],
                         parameters: Mapping[str, tuple[float, float]], *,
                         method: str = "sobol", n: int = 64, seed: int = 1,
                         second_order: bool = False, levels: int = 4, jobs: int = 1,
                         backend: str = "joblib", address: str | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame | None, Design]:
    """Sensitivity of a plain function ``func(*values)`` in place of the simulation: the same
    design, runner and analysis as :func:`run_sensitivity`. Returns (indices, S2, design)."""
    d = design(parameters, method=method, n=n, seed=seed, second_order=second_order,
               levels=levels)
    Y = np.empty(len(d.X))
    for index, value in run_parallel(_evaluate_row, ((func, i, row) for i, row in
                                                     enumerate(d.X)),
                                     jobs=jobs, backend=backend, address=address):
        Y[index] = value
    table, s2 = analyse(d, Y)
    return table, s2, d


# --- an experiment's sensitivity study ------------------------------------------------------
@dataclass(kw_only=True)
class SensitivityExperiment(Experiment):
    """An experiment whose sampled futures are the rows of a SALib design.

    Seeds depend only on the replication (common random numbers across rows and options)."""

    design: Design
    settings: dict
    warnings: list[str] = dataclasses.field(default_factory=list)

    def run_seed(self, sample: int, replication: int) -> int:
        return derive_seed(self.spec.seed, replication)

    def fingerprint(self) -> str:
        return fingerprint({"spec": to_plain(self.spec), "scenario": self.scenario_data,
                            "sensitivity": self.settings})


#: Sobol designs with fewer base samples than this get a warning (assumption: a judgement,
#: not a rule from the literature; SALib's own quick-start example uses N = 1024).
SMALL_SOBOL_N = 32


def sample_size_warnings(d: Design, where: str) -> list[str]:
    """Plain-language warnings about a design too small for its indices to mean much."""
    if d.method != "sobol" or d.n >= SMALL_SOBOL_N:
        return []
    return [f"{where}: N = {d.n} base samples is small for Sobol indices. Each index is "
            f"estimated from N pairs of runs; with fewer than {SMALL_SOBOL_N} the indices and "
            "SALib's bootstrap intervals are mostly sampling noise (indices below 0 or above "
            "1, rankings that change with the seed). SALib's own example uses N = 1024. Use "
            "a small N to try a set-up out, not to rank parameters."]


def load_sensitivity(path: str | Path, *, method: str | None = None,
                     samples: int | None = None, second_order: bool | None = None
                     ) -> SensitivityExperiment:
    """Read an experiment file and its `sensitivity:` block (command-line values override
    the block's); raises InputError."""
    exp = load_experiment(path)
    file = exp.file
    sens = build(SensitivitySpec, exp.spec.sensitivity or {}, file, "sensitivity")
    origins = apply_overrides(sens, {"method": (method, "--method"),
                                     "samples": (samples, "--samples"),
                                     "second_order": (second_order, "--second-order")})
    where = "sensitivity.parameters"
    params = sens.parameters
    if not params and exp.spec.uncertain is not None:
        params, where = exp.spec.uncertain.parameters, "uncertain.parameters"
    if not params:
        raise InputError(file, "sensitivity.parameters", "expected uncertain parameters with "
                         "ranges, in a `sensitivity:` block or under `uncertain:`")
    ranges: dict[str, tuple[float, float]] = {}
    for i, p in enumerate(params):
        if len(p.range) != 2 or not p.range[0] < p.range[1]:
            raise InputError(file, f"{where}[{i}].range", f"expected [low, high] with low < "
                             f"high, got {p.range}")
        if p.path in ranges:
            raise InputError(file, f"{where}[{i}].path", f"'{p.path}' is listed twice")
        check_path_range(exp.scenario_data, p.path, p.range, file, f"{where}[{i}].path")
        ranges[p.path] = (p.range[0], p.range[1])
    unknown = [o for o in sens.options if o not in exp.options or o == BASELINE]
    if unknown:
        raise InputError(file, "sensitivity.options", f"unknown option '{unknown[0]}'; "
                         f"expected some of: {', '.join(list(exp.options)[1:])}")
    options = {name: ivs for name, ivs in exp.options.items()
               if name == BASELINE or not sens.options or name in sens.options}
    flag, key = origin(origins, "samples", file, "sensitivity.samples")
    d = design(ranges, method=sens.method, n=sens.samples, seed=exp.spec.seed,
               second_order=sens.second_order, levels=sens.levels,
               where=f"{flag}: {key}" if key else flag)
    spec = dataclasses.replace(exp.spec, replications=sens.replications,
                               outcomes=sens.outcomes or exp.spec.outcomes)
    rows = [{name: float(v) for name, v in zip(d.names, row, strict=True)} for row in d.X]
    return SensitivityExperiment(spec=spec, file=file, scenario_data=exp.scenario_data,
                                 scenario=exp.scenario, baseline=exp.baseline,
                                 options=options, samples=rows, design=d,
                                 settings=to_plain(sens),
                                 warnings=sample_size_warnings(d, flag if not key else
                                                               "sensitivity.samples"))


def outputs_by_row(exp: Experiment, runs: list[dict]) -> dict[str, dict[str, np.ndarray]]:
    """option -> outcome -> one value per sampled row (mean over replications), and for each
    option but the baseline, KEPT: the baseline's deliveries minus the option's, paired."""
    n, reps = len(exp.samples), exp.spec.replications
    names = list(exp.spec.outcomes) + [o for o in ("delivered",) if o not in exp.spec.outcomes]
    cube = {o: {m: np.full((n, reps), np.nan) for m in names} for o in exp.options}
    for r in runs:
        if r["option"] in cube and r["sample"] < n and r["replication"] < reps:
            for m in names:
                cube[r["option"]][m][r["sample"], r["replication"]] = r["totals"][m]
    missing = [o for o, by in cube.items() if np.isnan(by["delivered"]).any()]
    if missing:
        raise InputError("runs.jsonl", "", f"runs of option '{missing[0]}' are missing; run "
                         "the study again to finish it")
    out: dict[str, dict[str, np.ndarray]] = {}
    base = cube[BASELINE]["delivered"]
    for option, by in cube.items():
        out[option] = {m: by[m].mean(axis=1) for m in exp.spec.outcomes}
        if option != BASELINE:
            out[option][KEPT] = (base - by["delivered"]).mean(axis=1)
    return out


def analyse_study(exp: SensitivityExperiment, runs: list[dict]
                  ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Ranked indices for every option and outcome (one long table), and S2 if asked."""
    tables, pairs = [], []
    for option, by in outputs_by_row(exp, runs).items():
        for outcome, Y in by.items():
            table, s2 = analyse(exp.design, Y)
            tables.append(table.assign(option=option, outcome=outcome))
            if s2 is not None:
                pairs.append(s2.assign(option=option, outcome=outcome))
    front = ["option", "outcome"]
    table = pd.concat(tables, ignore_index=True)
    table = table[front + [c for c in table.columns if c not in front]]
    s2 = pd.concat(pairs, ignore_index=True) if pairs else None
    return table, s2


def run_sensitivity(experiment: str | Path, *, method: str | None = None,
                    samples: int | None = None, second_order: bool | None = None,
                    jobs: int = 1, backend: str = "joblib", address: str | None = None,
                    out: str | Path | None = None, report: bool = True,
                    echo: Callable[[str], None] | None = log.info,
                    task: Callable[..., dict] = run_task) -> tuple[Path, pd.DataFrame]:
    """Run (or resume) the sensitivity study of an experiment file and analyse it.

    Writes ``OUT/sensitivity/indices.csv`` (and ``second_order.csv``), ``sensitivity.png``,
    a report section, and (``report=True``) the experiment report with that section.
    Returns (results folder, indices table)."""
    from flowsim.studies.study import run_stored

    say = echo or (lambda _text: None)
    exp = load_sensitivity(experiment, method=method, samples=samples,
                           second_order=second_order)
    d = exp.design
    for warning in exp.warnings:
        say(f"warning: {warning}")
    out = Path(out) if out else Path("results") / f"{exp.spec.name}-sensitivity"
    n_opt, reps = len(exp.options), exp.spec.replications
    say(f"{exp.spec.name}: {d.method} on {d.problem['num_vars']} parameters, "
        f"{d.run_formula()} futures x {n_opt} options x {reps} replication"
        f"{'s' if reps > 1 else ''} = {len(exp.tasks())} runs of {exp.horizon} steps")
    store = run_stored(exp, out, jobs=jobs, backend=backend, address=address, echo=echo,
                       task=task)
    records = store.runs.read()
    table, s2 = analyse_study(exp, records)
    write_outputs(out, exp, table, s2)
    if report:
        from flowsim.studies.report import write_report

        write_report(out, records)
    return out, table


# --- outputs --------------------------------------------------------------------------------
def display(table: pd.DataFrame, method: str, top: int | None = None) -> str:
    """The ranked table as text, one block per option and outcome."""
    def ci(v, c):
        return "" if pd.isna(v) else f"{v:6.3f} ± {c:.3f}"

    blocks = []
    for (option, outcome), part in table.groupby(["option", "outcome"], sort=False):
        part = part.head(top) if top else part
        if method == "sobol":
            shown = pd.DataFrame({"rank": part["rank"], "parameter": part["parameter"],
                                  "S1 ± 95% CI": [ci(v, c) for v, c in
                                                  zip(part["S1"], part["S1_conf"], strict=True)],
                                  "ST ± 95% CI": [ci(v, c) for v, c in
                                                  zip(part["ST"], part["ST_conf"], strict=True)]})
        else:
            shown = pd.DataFrame({"rank": part["rank"], "parameter": part["parameter"],
                                  "mu* ± 95% CI": [ci(v, c) for v, c in zip(
                                      part["mu_star"], part["mu_star_conf"], strict=True)],
                                  "sigma": part["sigma"].map(lambda v: f"{v:.4g}")})
        blocks.append(f"{option} — {outcome.replace('_', ' ')}\n"
                      + shown.to_string(index=False))
    return "\n\n".join(blocks)


def plot(table: pd.DataFrame, method: str, path: Path) -> Path:
    """One panel per option and outcome: the indices with their 95% intervals."""
    groups = list(table.groupby(["option", "outcome"], sort=False))
    options = list(dict.fromkeys(o for (o, _), _ in groups))
    outcomes = list(dict.fromkeys(m for (_, m), _ in groups))
    fig, axes = new_figure(len(options), len(outcomes), squeeze=False,
                             figsize=(3.6 * len(outcomes) + 2, 0.9 + 0.32 * len(options)
                                      * (table["parameter"].nunique() + 1)))
    bars = (("S1", "S1_conf", "first order"), ("ST", "ST_conf", "total")) \
        if method == "sobol" else (("mu_star", "mu_star_conf", "mu*"),)
    for ax in axes.flat:
        ax.set_visible(False)
    for (option, outcome), part in groups:
        ax = axes[options.index(option), outcomes.index(outcome)]
        ax.set_visible(True)
        part = part.iloc[::-1]
        y = np.arange(len(part))
        h = 0.8 / len(bars)
        for k, (col, conf, label) in enumerate(bars):
            ax.barh(y + (k - (len(bars) - 1) / 2) * h, part[col].fillna(0), height=h,
                    xerr=part[conf].fillna(0), capsize=2, label=label)
        ax.set_yticks(y, [p.split(".", 1)[-1] if len(p) > 28 else p
                          for p in part["parameter"]], fontsize=7)
        ax.set_title(f"{option}: {outcome.replace('_', ' ')}", fontsize=8)
        ax.axvline(0, color="grey", lw=0.6)
        ax.grid(alpha=0.3, axis="x")
        ax.tick_params(axis="x", labelsize=7)
    axes.flat[0].legend(frameon=False, fontsize=7)
    fig.suptitle("Sobol indices (95% bootstrap intervals)" if method == "sobol" else
                 "Morris elementary effects: mu* (95% interval)", fontsize=10)
    save_figure(fig, path, 100, tight=True)
    return path


def write_outputs(out: Path, exp: SensitivityExperiment, table: pd.DataFrame,
                  s2: pd.DataFrame | None) -> Path:
    d = exp.design
    with AtomicDir(Path(out) / "sensitivity") as stage:
        table.to_csv(stage.path("indices.csv"), index=False)
        if s2 is not None:
            s2.to_csv(stage.path("second_order.csv"), index=False)
        stage.path("design.json").write_text(json.dumps({
            "method": d.method, "N": d.n, "second_order": d.second_order, "levels": d.levels,
            "seed": d.seed, "problem": d.problem, "rows": len(d.X),
            "replications": exp.spec.replications, "settings": exp.settings}, indent=2))
        png = plot(table, d.method, stage.path("sensitivity.png"))
        section = section_html(exp, table, png)
    write_section(out, "sensitivity", section)
    return Path(out) / "sensitivity"


def section_html(exp: SensitivityExperiment, table: pd.DataFrame, png: Path) -> str:
    d = exp.design
    what = ("first-order (S1: share of the outcome's variance due to the parameter alone) "
            "and total (ST: including its interactions) Sobol indices" if d.method == "sobol"
            else "Morris elementary effects (mu*: mean absolute change of the outcome from "
            "moving the parameter one grid step, scaled to its whole range; sigma: their "
            "spread, high for interactions and non-linear effects)")
    shown = table.copy()
    for c in shown.columns:
        if shown[c].dtype.kind == "f":
            shown[c] = shown[c].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    return (f"<section><h2>Global sensitivity ({d.method})</h2>"
            f"<p class=\"note\">{len(d.X)} sampled futures ({d.run_formula()}) x "
            f"{len(exp.options)} options x {exp.spec.replications} replications, common "
            f"random numbers. Shown: {what}, with 95% bootstrap intervals (±), per option and "
            f"outcome; '{KEPT.replace('_', ' ')}' is the baseline's deliveries minus the "
            f"option's in the same future and seed, so its indices tell which assumptions the "
            f"option's effect depends on. Parameters are ranked by "
            f"{'ST' if d.method == 'sobol' else 'mu*'}.</p>"
            f"{figure_html(png, 'sensitivity indices')}"
            f"{shown.to_html(index=False, escape=True)}</section>")


def spec_reference() -> str:
    from flowsim.inputs.schema import reference

    return reference(SensitivitySpec, "sensitivity")

