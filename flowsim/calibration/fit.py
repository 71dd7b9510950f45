"""Calibration against seizure data: ABC-SMC, or a fast point estimate for workshops.

A calibration set-up (``calibration/*.yaml``) names a scenario, a seizure CSV
(:mod:`flowsim.calibration.seizure_data`), free parameters with uniform or log-uniform priors, the
summary statistics to match and the periods held out for validation.

**Distance.** Sum of the root-mean-square errors of the chosen statistics over the fitting
rows: ``counts`` compares each row's seizures on a log scale, ``log(1+sim) - log(1+obs)``,
divided by the row's noise scale (``count_scale: noise``, the default): the spread of that
row's log count over ``noise_runs`` simulations at the centre of the priors (seeds differ,
parameters do not), combined with an assumed reporting error ``noise_floor``,
``sqrt(sd^2 + floor^2)``. A national total of hundreds of seizures then weighs more than a
border post's handful, whose count moves by chance more than with any parameter; with equal
weights (``count_scale: none``) those noisy rows drown the informative ones and the
posterior stays wide. The noise runs are the first simulations of a calibration, cached
like the others, and their scales are written to ``noise-scales.csv``;
``category_mix`` compares, per country and period, the share of each weapon category
among seized weapons, in units of 0.1; ``traced_share`` compares tracing success
(successes / requests, 000 ¶33) in units of 0.1; ``seized_traced_share`` compares, on rows
with a ``traced_share`` (SDG indicator 16.4.2), successes per weapon seized in that country
and period (``tracing.csv``'s traced share) in units of 0.1.

**ABC-SMC** (Beaumont et al. 2009, with adaptive tolerances; the engine is
:mod:`flowsim.calibration.abc_smc`, checked against an exact posterior by
:mod:`flowsim.calibration.toy`): generation 0 draws particles from the prior; each later
generation's tolerance is a quantile of the previous distances, and proposals are previous
particles (drawn by weight) moved by a Gaussian kernel with twice their weighted covariance,
in the prior's own scale (log for log-uniform), accepted if their distance is within
tolerance. Proposals are drawn in the main process from seeds fixed by (seed, generation,
batch) and evaluated in parallel with the experiment runner (joblib or Dask), so results do
not depend on the number of workers. Every evaluation is appended to ``evaluations.jsonl``
as it completes and each finished generation is saved, so an interrupted calibration
resumes without repeating work. The summary reports, per parameter, the posterior-to-prior
90% width ratio and the posterior correlations, with warnings in words when a parameter is
not identified or two are confounded (:mod:`flowsim.calibration.posterior`).

**Derived parameters.** A free parameter may set a scenario value (``path``) or only carry
a ``name`` used in ``derived`` expressions, so a set-up can estimate what its data identify:
a total stockpile leakage and a theft/insider split rather than each rate, when seizures
respond to the sum.

**Point mode** minimises the same distance with ``scipy.optimize.differential_evolution``
over the prior ranges, every candidate run with the same seeds (common random numbers);
its evaluations are cached the same way. It reports a point: the estimate, its distance
(the mean over those seeds) and the spread over them; no posterior.

**Coverage.** Predictive runs (posterior draws, or the point with new seeds) give a 90%
band per data row; when fewer than 70% of fitting or held-out observations fall inside it,
the command says so and ``fit.png`` is marked.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from flowsim.calibration.abc_smc import abc_smc
from flowsim.calibration.posterior import (
    coverage_warnings,
    identifiability,
    identifiability_warnings,
    weighted_quantile,
)
from flowsim.calibration.seizure_data import (
    SeizureRow,
    load_seizures,
    simulated_counts,
    simulated_seized_traced_share,
    simulated_traced_share,
)
from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.scenario import CATEGORIES, Scenario, scenario_from_data
from flowsim.inputs.schema import MAX_STEPS, build, load_yaml, param, probability, to_plain
from flowsim.model.flow_model import FlowModel
from flowsim.studies.experiment import check_path_range, load_scenario_beside, scenario_for_sample
from flowsim.studies.runner import derive_seed, run_parallel
from flowsim.studies.store import JsonLines, claim_folder, fingerprint

STATISTICS = ("counts", "category_mix", "traced_share", "seized_traced_share")
COUNT_SCALES = ("noise", "none")
NOISE_STREAM = 555              # seed stream of the noise runs (predictive runs use 7777)
SHARE_UNIT = 0.1


@dataclass(kw_only=True)
class FreeParameter:
    """A scenario value to estimate, with its prior."""

    path: str | None = param(None, "Dotted path into the scenario, lists selected by id, "
                             "that this parameter sets; omit it for a parameter used only in "
                             "`derived` expressions (then give a `name`).")
    name: str | None = param(None, "Name used in outputs and in `derived` expressions "
                             "(default: the path).")
    prior: str = param("uniform", "Prior distribution over the range.",
                       choices=("uniform", "loguniform"))
    range: list[float] = param(doc="[low, high].")


@dataclass(kw_only=True)
class AbcSettings:
    """ABC-SMC settings."""

    particles: int = param(40, "Particles per generation.", lo=4, hi=100_000)
    generations: int = param(4, "Generations after the prior one.", lo=0, hi=100)
    quantile: float = probability(0.5, "Tolerance = this quantile of the last distances.")
    max_simulations: int = param(2000, "Budget of simulations per generation.", lo=1)
    min_acceptance: float = probability(0.02, "Stop when a generation's acceptance rate "
                                        "falls below this.")
    max_total_simulations: int | None = param(None, "Stop after the generation in which the "
                                              "total number of simulations reaches this "
                                              "(none: no total budget).", lo=1)


@dataclass(kw_only=True)
class PointSettings:
    """Differential-evolution settings for the fast point estimate."""

    popsize: int = param(6, "Population size multiplier (per free parameter).", lo=2)
    maxiter: int = param(8, "Generations of differential evolution.", lo=1)
    replications: int = param(2, "Seeds per candidate (the same for all candidates).", lo=1)


@dataclass(kw_only=True)
class CalibrationSpec:
    """A flowsim calibration set-up."""

    name: str = param(doc="Short name; outputs go to calibration-results/<name>/ by default.")
    description: str = param("", "What is fitted to what.")
    scenario: str = param(doc="Scenario file, relative to this file.")
    data: str = param(doc="Seizure CSV, relative to this file (format: docs/calibration.md).")
    start_year: int | None = param(None, "Calendar year of step 1, for year periods.")
    horizon: int | None = param(None, "Steps per simulation (default: the last data step).",
                                lo=1, hi=MAX_STEPS)
    parameters: list[FreeParameter] = param(doc="Free parameters.")
    derived: dict[str, str] = param(factory=dict, doc="Scenario values computed from the free "
                                    "parameters: dotted path -> arithmetic expression in the "
                                    "parameters' names (+ - * / ** and parentheses), e.g. "
                                    "`mechanisms.theft: leakage * theft_share`. Lets a set-up "
                                    "estimate what its data identify (a total rate and a "
                                    "split) rather than each rate.")
    statistics: list[str] = param(factory=lambda: list(STATISTICS),
                                  doc="Summary statistics matched.",
                                  choices=STATISTICS)
    holdout_periods: list[str] = param(factory=list, doc="Periods (as written in the data) "
                                       "held out for validation, not fitted.")
    method: str = param("abc", "abc (posterior) or point (fast estimate).",
                        choices=("abc", "point"))
    seed: int = param(1, "Master seed.", lo=0)
    abc: AbcSettings = param(factory=AbcSettings, doc="ABC-SMC settings.")
    point: PointSettings = param(factory=PointSettings, doc="Point-estimate settings.")
    predictive_runs: int = param(20, "Posterior predictive simulations for the fit report.",
                                 lo=1)
    count_scale: str = param("noise", "How each row's `counts` error is scaled: `noise` "
                             "divides it by the row's simulation noise (see Distance), "
                             "`none` weighs every row alike.", choices=COUNT_SCALES)
    noise_runs: int = param(16, "Simulations at the priors' centre that measure each row's "
                            "noise (`count_scale: noise`).", lo=2, hi=10_000)
    noise_floor: float = param(0.15, "Reporting error of a return on the log scale, added "
                               "to each row's simulation noise (assumption: the seeds give "
                               "no figure; it is also `flowsim synthesize`'s default noise).",
                               lo=0.01, hi=10)


@dataclass
class Calibration:
    spec: CalibrationSpec
    file: str
    scenario_data: dict
    scenario: Scenario
    rows: list[SeizureRow]
    fit: list[int]          # indices of fitting rows
    holdout: list[int]      # indices of held-out rows
    scales: list[float] | None = None   # per-row noise scale of the counts error (prepare)

    @property
    def horizon(self) -> int:
        return self.spec.horizon or max(r.last_step for r in self.rows)

    @property
    def names(self) -> list[str]:
        """The free parameters' names (their paths unless named)."""
        return [p.name or p.path for p in self.spec.parameters]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds in the prior's own scale (log for log-uniform)."""
        lo = [math.log(p.range[0]) if p.prior == "loguniform" else p.range[0]
              for p in self.spec.parameters]
        hi = [math.log(p.range[1]) if p.prior == "loguniform" else p.range[1]
              for p in self.spec.parameters]
        return np.array(lo), np.array(hi)

    def to_theta(self, z: np.ndarray) -> list[float]:
        return [float(math.exp(v)) if p.prior == "loguniform" else float(v)
                for p, v in zip(self.spec.parameters, z, strict=True)]

    def to_z(self, theta: list[float]) -> np.ndarray:
        return np.array([math.log(v) if p.prior == "loguniform" else v
                         for p, v in zip(self.spec.parameters, theta, strict=True)])

    def scenario_values(self, theta: list[float]) -> dict[str, float]:
        """Scenario path -> value set by these parameter values (derived ones included)."""
        named = dict(zip(self.names, theta, strict=True))
        values = {p.path: v for p, v in zip(self.spec.parameters, theta, strict=True)
                  if p.path}
        for path, expression in self.spec.derived.items():
            values[path] = evaluate_expression(expression, named)
        return values

    def data_for(self, theta: list[float]) -> dict:
        return scenario_for_sample(self.scenario_data, self.scenario_values(theta), self.file)

    def distance(self, sim: dict, which: list[int]) -> float:
        return distance(self.spec.statistics, self.rows, sim, which, self.scales)

    def simulator(self):
        """The function each simulation runs (the module's ``simulate``, looked up when
        called, so the fault tests can slow it down)."""
        return simulate

    def write(self, fitted: dict, out: Path, run_opts: dict, progress: Progress,
              progress_bar) -> dict:
        """Write the outputs of a finished fit into ``out``; return the summary."""
        return write_outputs(self, fitted, out, run_opts, progress, progress_bar)

    def noise_jobs(self) -> list[tuple[str, list[float], int]]:
        """The noise runs: ``noise_runs`` seeds at the centre of the priors."""
        lo, hi = self.bounds()
        centre = self.to_theta((lo + hi) / 2)
        return [(f"noise{i}", centre, derive_seed(self.spec.seed, NOISE_STREAM, i))
                for i in range(self.spec.noise_runs)]

    def set_scales(self, counts: np.ndarray) -> None:
        """Row scales from the noise runs' counts (runs x rows); ``count_scale: none``
        keeps equal weights."""
        if self.spec.count_scale == "noise":
            sd = np.log1p(np.asarray(counts, dtype=float)).std(axis=0, ddof=1)
            self.scales = np.sqrt(sd ** 2 + self.spec.noise_floor ** 2).tolist()

    def prepare(self, progress: Progress | None = None, run_opts: dict | None = None,
                progress_bar=None) -> None:
        """Run the noise runs (cached in ``progress`` and in parallel when given; in this
        process otherwise, as the benchmark scripts do) and set the row scales."""
        if self.spec.count_scale != "noise":
            return
        jobs = self.noise_jobs()
        if progress is None:
            counts = [simulate(self.data_for(theta), seed, self.horizon, self.rows)["counts"]
                      for _, theta, seed in jobs]
        else:
            with progress_bar(len(jobs), "noise runs", "run") as bar:
                sims = evaluate(self, progress, jobs, run_opts or {}, bar)
            counts = [sims[k]["counts"] for k, _, _ in jobs]
        self.set_scales(np.array(counts))


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
              ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
              ast.Pow: lambda a, b: a ** b}
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
                  ast.USub, ast.UAdd, *_OPERATORS)


def expression_names(expression: str) -> set[str]:
    """Names an arithmetic expression uses; ValueError if it is not plain arithmetic."""
    tree = ast.parse(expression, mode="eval")
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(node, _ALLOWED_NODES):
            raise ValueError(f"'{ast.unparse(node)}' is not allowed (only numbers, parameter "
                             "names, + - * / ** and parentheses)")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ValueError(f"'{node.value!r}' is not a number")
    return names


def evaluate_expression(expression: str, values: dict[str, float]) -> float:
    """Value of an arithmetic expression (see :func:`expression_names`) in ``values``."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand) if isinstance(node.op, ast.USub) else ev(node.operand)
        return _OPERATORS[type(node.op)](ev(node.left), ev(node.right))

    return float(ev(ast.parse(expression, mode="eval")))


def check_parameters(parameters: list[FreeParameter], scenario_data: dict, file: str,
                     derived: dict[str, str] | None = None) -> None:
    """Each free parameter has a path or a name, once; its range is [low, high] (low > 0 for
    log-uniform) and both ends give a valid scenario; so do the ``derived`` expressions'
    extremes over the parameters' ranges; raises InputError."""
    seen: set[str] = set()
    for i, p in enumerate(parameters):
        where = f"parameters[{i}]"
        if not (p.path or p.name):
            raise InputError(file, where, "expected a path (the scenario value it sets) or a "
                             "name (for a parameter used in derived expressions)")
        label = p.name or p.path
        if label in seen:
            raise InputError(file, where, f"duplicate parameter '{label}'")
        seen.add(label)
        if len(p.range) != 2 or not p.range[0] < p.range[1]:
            raise InputError(file, f"{where}.range", f"expected [low, high] with low < high, "
                             f"got {p.range}")
        if p.prior == "loguniform" and p.range[0] <= 0:
            raise InputError(file, f"{where}.range", "a loguniform prior needs low > 0")
        if p.path:
            check_path_range(scenario_data, p.path, p.range, file, f"{where}.path")
    by_name = {p.name or p.path: p for p in parameters}
    for path, expression in (derived or {}).items():
        where = f"derived.{path}"
        try:
            names = expression_names(expression)
        except (SyntaxError, ValueError) as exc:
            raise InputError(file, where, f"expected an arithmetic expression in the "
                             f"parameters' names, got '{expression}': {exc}") from None
        for n in sorted(names - set(by_name)):
            raise InputError(file, where, f"unknown parameter '{n}'"
                             f"{did_you_mean(n, by_name)}; parameters: "
                             f"{', '.join(by_name)}")
        corners = itertools.product(*[by_name[n].range for n in sorted(names)])
        values = sorted({evaluate_expression(expression, dict(zip(sorted(names), c,
                                                                   strict=True)))
                         for c in corners})
        check_path_range(scenario_data, path, [values[0], values[-1]], file, where)


def setup_copy(setup: str | Path, out: str | Path, **changes: Any) -> Path:
    """Write ``out``: the calibration set-up ``setup`` with top-level keys replaced by
    ``changes`` (e.g. ``seed=4`` or ``data="other.csv"``) and its file paths (scenario, data,
    patterns) made absolute, so the copy works from any folder; return ``out``."""
    setup = Path(setup)
    spec = {**yaml.safe_load(setup.read_text()), **changes}
    for key in ("scenario", "data", "patterns"):
        if key in spec:
            spec[key] = str((setup.parent / spec[key]).resolve())
    out = Path(out)
    out.write_text(yaml.safe_dump(spec, sort_keys=False))
    return out


def load_calibration(path: str | Path) -> Calibration:
    """Read and check a calibration set-up, its scenario and its data; raises InputError."""
    path = Path(path)
    file = str(path)
    raw = load_yaml(path)
    from flowsim.calibration import pattern_targets

    if pattern_targets.is_pattern_setup(raw):           # seed patterns as the data
        return pattern_targets.load_pattern_calibration(path, raw)
    spec = build(CalibrationSpec, raw, file)
    if not spec.parameters:
        raise InputError(file, "parameters", "expected at least one free parameter")
    scenario_data, scenario = load_scenario_beside(path, spec.scenario)
    check_parameters(spec.parameters, scenario_data, file, spec.derived)
    rows = load_seizures(path.parent / spec.data, scenario, spec.start_year)
    periods = {r.period for r in rows}
    for i, period in enumerate(spec.holdout_periods):
        if period not in periods:
            raise InputError(file, f"holdout_periods[{i}]", f"period '{period}' does not occur "
                             f"in the data{did_you_mean(period, periods)}")
    holdout = [i for i, r in enumerate(rows) if r.period in spec.holdout_periods]
    fit = [i for i in range(len(rows)) if i not in set(holdout)]
    if not fit:
        raise InputError(file, "holdout_periods", "every data row is held out; nothing to fit")
    cal = Calibration(spec, file, scenario_data, scenario, rows, fit, holdout)
    if spec.horizon is not None and spec.horizon < max(r.last_step for r in rows):
        raise InputError(file, "horizon", f"the data run to step "
                         f"{max(r.last_step for r in rows)}; horizon {spec.horizon} is shorter")
    return cal


# --- simulation and distance --------------------------------------------------------------
def simulate(scenario_data: dict, seed: int, horizon: int, rows: list[SeizureRow],
             key: Any = None) -> dict:
    """Run one simulation and return its statistics for every data row."""
    model = FlowModel(scenario_from_data(scenario_data, "<calibration>"), seed=seed)
    model.run(horizon)
    return {"key": key, "counts": simulated_counts(model, rows),
            "traced": [simulated_traced_share(model, r) if r.tracing_requests else None
                       for r in rows],
            "seized_traced": [simulated_seized_traced_share(model, r)
                              if r.traced_share is not None else None for r in rows]}


def _mix(rows: list[SeizureRow], counts: list[float], which: list[int]) -> dict:
    groups: dict[tuple, dict[str, float]] = {}
    for i in which:
        r = rows[i]
        if r.category in CATEGORIES and r.category != "ammunition" and r.place == "any":
            groups.setdefault((r.country, r.period), {})[r.category] = counts[i]
    return {k: v for k, v in groups.items() if len(v) >= 2}


def distance(statistics: list[str], rows: list[SeizureRow], sim: dict, which: list[int],
             scales: list[float] | None = None) -> float:
    """The distance of one simulation's statistics to the data rows ``which``; ``scales``
    divides each row's counts error (None: equal weights)."""
    total = 0.0
    if "counts" in statistics and which:
        err = [(math.log1p(sim["counts"][i]) - math.log1p(rows[i].count))
               / (scales[i] if scales else 1.0) for i in which]
        total += math.sqrt(sum(e * e for e in err) / len(err))
    if "category_mix" in statistics:
        obs = _mix(rows, [r.count for r in rows], which)
        got = _mix(rows, sim["counts"], which)
        errs = []
        for k, o in obs.items():
            so, ss = sum(o.values()), sum(got[k].values())
            for cat in o:
                errs.append((o[cat] / so if so else 0) - (got[k][cat] / ss if ss else 0))
        if errs:
            total += math.sqrt(sum(e * e for e in errs) / len(errs)) / SHARE_UNIT
    if "traced_share" in statistics:
        errs = []
        for i in which:
            r = rows[i]
            if r.tracing_requests:
                s = sim["traced"][i]
                errs.append((r.tracing_successes or 0) / r.tracing_requests - (s or 0.0))
        if errs:
            total += math.sqrt(sum(e * e for e in errs) / len(errs)) / SHARE_UNIT
    if "seized_traced_share" in statistics:
        got = sim.get("seized_traced") or [None] * len(rows)
        errs = [rows[i].traced_share - (got[i] or 0.0) for i in which
                if rows[i].traced_share is not None]
        if errs:
            total += math.sqrt(sum(e * e for e in errs) / len(errs)) / SHARE_UNIT
    return total


# --- on-disk progress ---------------------------------------------------------------------
class Progress:
    """Evaluations (appended as they complete) and finished generations of one calibration."""

    def __init__(self, out: Path, cal: Calibration):
        self.dir = out
        claim_folder(out, {"name": cal.spec.name, "fingerprint": fingerprint(
            {"spec": to_plain(cal.spec), "scenario": cal.scenario_data,
             "rows": [r.__dict__ for r in cal.rows]})})
        self.evaluations = JsonLines(out / "evaluations.jsonl")
        self.cache: dict[str, dict] = {rec["key"]: rec for rec in self.evaluations.read()}

    def append(self, rec: dict) -> None:
        self.cache[rec["key"]] = rec
        self.evaluations.append(rec)

    def generation_path(self, g: int) -> Path:
        return self.dir / f"generation-{g}.json"


def evaluate(cal: Calibration, progress: Progress, jobs: list[tuple[str, list[float], int]],
             run_opts: dict, bar=None) -> dict[str, dict]:
    """Simulate (key, theta, seed) jobs not yet in the cache, in parallel; return all."""
    todo = [j for j in jobs if j[0] not in progress.cache]
    args = [(cal.data_for(theta), seed, cal.horizon, cal.rows, key) for key, theta, seed in todo]
    thetas = {key: theta for key, theta, _ in todo}
    for sim in run_parallel(cal.simulator(), args, **run_opts):
        rec = {"key": sim["key"], "theta": thetas[sim["key"]], "counts": sim["counts"],
               "traced": sim["traced"], "seized_traced": sim.get("seized_traced"),
               "distance": cal.distance(sim, cal.fit)}
        progress.append(rec)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.update(len(jobs) - len(todo))
    return {key: progress.cache[key] for key, _, _ in jobs}


# --- ABC-SMC --------------------------------------------------------------------------------
class _DiskGenerations:
    """Finished ABC generations saved as generation-G.json, for resuming."""

    def __init__(self, progress: Progress):
        self.progress = progress

    def load(self, g: int) -> dict | None:
        path = self.progress.generation_path(g)
        return json.loads(path.read_text()) if path.exists() else None

    def save(self, g: int, population: dict) -> None:
        path = self.progress.generation_path(g)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(population))
        tmp.replace(path)


def run_abc(cal: Calibration, progress: Progress, run_opts: dict, progress_bar) -> dict:
    """ABC-SMC (:mod:`flowsim.calibration.abc_smc`) with the flow model as simulator."""
    lo, hi = cal.bounds()

    def distances(jobs) -> dict[str, float]:
        sims = evaluate(cal, progress, [(key, cal.to_theta(z), seed) for key, z, seed in jobs],
                        run_opts)
        return {key: rec["distance"] for key, rec in sims.items()}

    try:
        fitted = abc_smc(lo, hi, distances, cal.spec.abc, cal.spec.seed,
                         store=_DiskGenerations(progress), progress_bar=progress_bar)
    except ValueError:
        raise InputError(cal.file, "abc", "no particle was accepted; widen the priors or "
                         "raise max_simulations") from None
    fitted["method"] = "abc"
    return fitted


# --- point estimate -------------------------------------------------------------------------
def run_point(cal: Calibration, progress: Progress, run_opts: dict, progress_bar) -> dict:
    """Differential evolution on the mean distance over a few fixed seeds."""
    from scipy.optimize import differential_evolution

    s = cal.spec.point
    lo, hi = cal.bounds()
    seeds = [derive_seed(cal.spec.seed, 999, r) for r in range(s.replications)]
    running_best: list[float] = []

    def jobs_for(x: np.ndarray) -> list[tuple[str, list[float], int]]:
        theta = cal.to_theta(x)
        tag = ",".join(f"{v:.12g}" for v in theta)
        return [(f"p[{tag}]r{r}", theta, seed) for r, seed in enumerate(seeds)]

    def objective(xs: np.ndarray) -> np.ndarray:
        xs = np.atleast_2d(xs.T)               # (candidates, dim)
        jobs = [j for x in xs for j in jobs_for(x)]
        with progress_bar(len(jobs), "differential evolution", "run") as bar:
            res = evaluate(cal, progress, jobs, run_opts, bar)
        d = np.array([res[k]["distance"] for k, _, _ in jobs]).reshape(len(xs), len(seeds))
        out = d.mean(axis=1)
        best = float(out.min())
        running_best.append(min(best, running_best[-1]) if running_best else best)
        return out

    result = differential_evolution(objective, list(zip(lo, hi, strict=True)),
                                    popsize=s.popsize, maxiter=s.maxiter, seed=cal.spec.seed,
                                    vectorized=True, updating="deferred", polish=False,
                                    tol=0, init="latinhypercube")
    at_best = evaluate(cal, progress, jobs_for(result.x), run_opts)
    recs = list(at_best.values())
    return {"method": "point", "z": list(map(float, result.x)),
            "distance": float(np.mean([r["distance"] for r in recs])),
            "replication_distances": [r["distance"] for r in recs],
            "holdout_distances": ([cal.distance(r, cal.holdout) for r in recs]
                                  if cal.holdout else []),
            "history": [{"round": i, "best_distance": v} for i, v in enumerate(running_best)]}


# --- outputs ----------------------------------------------------------------------------------
def _predictive(cal: Calibration, thetas: list[list[float]], progress: Progress, run_opts: dict,
                progress_bar) -> tuple[np.ndarray, list[dict]]:
    recs = runs_at(cal, thetas, progress, run_opts, progress_bar)
    return np.array([r["counts"] for r in recs], dtype=float), recs


def runs_at(cal: Calibration, thetas: list[list[float]], progress: Progress, run_opts: dict,
            progress_bar, tag: str = "pred", stream: int = 7777,
            label: str = "predictive runs") -> list[dict]:
    """Cached records of one simulation per parameter vector, keyed ``TAG<i>`` with seeds
    from the set-up's seed and ``stream`` (so predictive runs and other runs never share)."""
    jobs = [(f"{tag}{i}", theta, derive_seed(cal.spec.seed, stream, i))
            for i, theta in enumerate(thetas)]
    with progress_bar(len(jobs), label, "run") as bar:
        sims = evaluate(cal, progress, jobs, run_opts, bar)
    return [sims[k] for k, _, _ in jobs]


def _fit_table(cal: Calibration, counts: np.ndarray):
    import pandas as pd

    lo, med, hi = np.percentile(counts, [5, 50, 95], axis=0)
    table = pd.DataFrame({
        "country": [r.country for r in cal.rows], "period": [r.period for r in cal.rows],
        "place": [r.place for r in cal.rows], "category": [r.category for r in cal.rows],
        "set": ["holdout" if i in cal.holdout else "fit" for i in range(len(cal.rows))],
        "observed": [r.count for r in cal.rows], "simulated_p05": lo,
        "simulated_median": med, "simulated_p95": hi})
    table["inside_band"] = ((table["observed"] >= table["simulated_p05"])
                            & (table["observed"] <= table["simulated_p95"]))
    return table


def write_outputs(cal: Calibration, fitted: dict, out: Path, run_opts: dict,
                  progress: Progress, progress_bar) -> dict:
    """ABC: posterior samples, identifiability, fitted scenario (medians), fit with predictive
    bands, diagnostics. Point: the estimate, its distance and its replications' spread."""
    import pandas as pd

    from flowsim.calibration.plots import plot_diagnostics, plot_fit, plot_marginals
    from flowsim.outputs.tables import AtomicDir

    point = fitted["method"] == "point"
    n_pred = cal.spec.predictive_runs
    if point:
        best = cal.to_theta(np.array(fitted["z"]))
        counts, pred = _predictive(cal, [best] * n_pred, progress, run_opts, progress_bar)
        chosen = best
        parameters = {n: {"estimate": v} for n, v in zip(cal.names, best, strict=True)}
        reps = fitted["replication_distances"]
        summary = {"method": "point", "parameters": parameters,
                   "distance_fit": fitted["distance"],
                   "distance_fit_replications": {"values": reps,
                                                 "min": min(reps), "max": max(reps),
                                                 "sd": float(np.std(reps))},
                   "distance_holdout": (float(np.mean(fitted["holdout_distances"]))
                                        if cal.holdout else None)}
    else:
        pop = fitted["population"]
        z, w = np.array(pop["z"]), np.array(pop["weights"])
        w = w / w.sum()
        theta = np.array([cal.to_theta(row) for row in z])
        draws = np.random.default_rng([cal.spec.seed, 7777]).choice(len(theta), size=n_pred,
                                                                     p=w)
        counts, pred = _predictive(cal, [theta[j].tolist() for j in draws], progress,
                                   run_opts, progress_bar)
        lo, hi = cal.bounds()
        ident = identifiability(cal.names, z, w, lo, hi)
        chosen = [weighted_quantile(theta[:, k], w, 0.5) for k in range(theta.shape[1])]
        parameters = {n: {"median": chosen[k], "p05": weighted_quantile(theta[:, k], w, 0.05),
                          "p95": weighted_quantile(theta[:, k], w, 0.95),
                          "width_ratio": ident["width_ratio"][n]}
                      for k, n in enumerate(cal.names)}
        summary = {"method": "abc", "parameters": parameters,
                   "correlation": ident["correlation"],
                   "distance_fit": float(np.mean([s["distance"] for s in pred])),  # to cal.fit
                   "distance_holdout": (float(np.mean([cal.distance(s, cal.holdout)
                                                       for s in pred]))
                                        if cal.holdout else None),
                   "simulations": sum(h["simulations"] for h in fitted["history"])}
    fit_table = _fit_table(cal, counts)
    summary["coverage_fit"] = float(fit_table.loc[fit_table["set"] == "fit",
                                                  "inside_band"].mean())
    summary["coverage_holdout"] = (float(fit_table.loc[fit_table["set"] == "holdout",
                                                       "inside_band"].mean())
                                   if cal.holdout else None)
    coverage = coverage_warnings(summary["coverage_fit"], summary["coverage_holdout"])
    summary["warnings"] = (coverage if point
                           else identifiability_warnings({"width_ratio": {
                               n: v["width_ratio"] for n, v in parameters.items()},
                               "correlation": summary["correlation"]}) + coverage)
    fitted_data = cal.data_for(chosen)
    scenario_from_data(fitted_data, "<fitted>")          # the fitted scenario must be valid
    what = "point estimate" if point else "posterior median"
    header = (f"# Fitted by `flowsim calibrate` ({cal.spec.method}) from {cal.file}:\n"
              + "".join(f"#   {n} = {v:.6g} ({what})\n"
                        for n, v in zip(cal.names, chosen, strict=True))
              + "".join(f"#   sets {p} = {v:.6g}\n"
                        for p, v in cal.scenario_values(chosen).items()))
    with AtomicDir(out) as stage:
        if point:
            pd.DataFrame({"parameter": cal.names, "estimate": chosen}).to_csv(
                stage.path("estimate.csv"), index=False)
        else:
            posterior = pd.DataFrame(theta, columns=cal.names)
            for path in cal.spec.derived:
                posterior[path] = [cal.scenario_values(list(t))[path] for t in theta]
            posterior["weight"] = w
            posterior["distance"] = pop["distances"]
            posterior.to_csv(stage.path("posterior.csv"), index=False)
            plot_marginals(cal, theta, w, stage.path("posterior.png"))
        fit_table.to_csv(stage.path("fit.csv"), index=False)
        if cal.scales:
            fit_table[["country", "period", "place", "category", "set"]].assign(
                noise_scale=cal.scales).to_csv(stage.path("noise-scales.csv"), index=False)
        pd.DataFrame(fitted["history"]).to_csv(stage.path("diagnostics.csv"), index=False)
        stage.path("fitted-scenario.yaml").write_text(
            header + yaml.safe_dump(fitted_data, sort_keys=False))
        stage.path("summary.json").write_text(json.dumps(summary, indent=2))
        plot_fit(fit_table, stage.path("fit.png"), coverage)
        plot_diagnostics(fitted["history"], cal.spec.method, stage.path("diagnostics.png"))
    return summary

def calibration_reference() -> str:
    """Markdown reference: the seizure data format, the distance, the set-up keys."""
    from flowsim.calibration import seizure_data
    from flowsim.calibration.pattern_targets import pattern_calibration_reference
    from flowsim.inputs.schema import reference

    return "\n".join([
        "# Calibration reference", "",
        "`flowsim calibrate CALIBRATION [--jobs N] [--out DIR] [--method abc|point] "
        "[--backend dask --address HOST:PORT]` fits a scenario's free parameters to observed "
        "seizures. Re-running the same command resumes an interrupted calibration. Outputs: "
        "`summary.json` (estimates, width ratios, correlations, distances, coverage, "
        "warnings), `fitted-scenario.yaml` (posterior medians or the point estimate), "
        "`fit.csv` and `fit.png` (observed vs simulated seizures with 90% predictive bands on "
        "fitting and held-out rows), `diagnostics.csv` and `diagnostics.png` (ABC: tolerance, "
        "acceptance, effective sample size per generation; point: best distance so far); "
        "ABC adds `posterior.csv` (samples and weights) and `posterior.png` (marginals), "
        "the point method `estimate.csv`; `noise-scales.csv` gives each data row's noise "
        "scale (`count_scale: noise`). `flowsim synthesize CALIBRATION --truth "
        "NAME=VALUE ... [--seed N] --out FILE.csv` writes data shaped like the set-up's from "
        "known values (and `FILE.truth.json`), to check a set-up recovers them.", "",
        "## Method", "", (__doc__ or "").split("\n\n", 1)[1].strip(), "",
        "## Seizure data format", "", (seizure_data.__doc__ or "").split("\n\n", 1)[1].strip(),
        "", reference(CalibrationSpec, "calibration set-up (top level)"),
        pattern_calibration_reference(), "",
        VALIDATION,
    ])


VALIDATION = """## Validation: is the ABC-SMC right?

Three checks, each written by a script (re-run them to refresh the figures between the
markers; `flowsim schema calibration` prints this page with the blocks empty).
The teaching figures depend on the model and the set-up: re-run both scripts with `--write`
after changing either (the toy problem depends on neither).

1. **An exact posterior.** `tests/test_calibration.py::test_abc_engine_matches_an_exact_posterior`
   runs the engine on Poisson counts with a flat prior (:mod:`flowsim.calibration.toy`),
   whose posterior is a truncated gamma: the posterior mean must be within 0.25 posterior
   sd and the sd within 15% of the exact ones (Monte Carlo error with ~370 effective
   particles is about 0.05 sd and 4%). Replacing the importance weights by equal weights
   makes it fail (sd 22% off).
2. **Simulation-based calibration** (Talts et al. 2018) on the teaching set-up, with its
   own settings and distance: `benchmarks/sbc.py`. Reading it: a flat histogram and about
   90% of truths inside the 90% intervals mean calibrated intervals; a hump and more than
   90% mean intervals wider than the exact posterior's (conservative: ABC's final tolerance
   is above zero, which widens the posterior); a U shape and fewer than 90% would mean
   overconfident intervals, the dangerous direction.
3. **Side by side with pyabc** at the same simulation budget: `benchmarks/abc_vs_pyabc.py`
   (`pip install -e '.[benchmark]'`).

<!-- results:sbc -->
<!-- /results:sbc -->

<!-- results:abc-vs-pyabc -->
<!-- /results:abc-vs-pyabc -->

**Budget.** The regional set-up uses 100 particles so that each end of a 90% interval rests
on about five weighted particles; `benchmarks/calibration_budget.py` measures its time on 2
workers, with the machine's reference loop, and runs it again with other master seeds to
show how far the posterior moves with the ABC's own randomness. For more particles or bigger
scenarios use `--backend dask --address HOST:PORT`: results are the same whatever the
number of workers.

<!-- results:calibration-budget -->
<!-- /results:calibration-budget -->
"""


def calibrate(calibration: str | Path, *, method: str | None = None, jobs: int = 1,
              backend: str = "joblib", address: str | None = None,
              out: str | Path | None = None, echo=print) -> dict:
    """Fit a calibration set-up's free parameters to its data; return the summary.

    ``method`` (``"abc"`` or ``"point"``) overrides the set-up's. Simulations are cached in
    ``OUT`` (default ``calibration-results/<name>``) as they finish, so calling this again
    with the same ``out`` resumes. Writes ``summary.json``, ``fitted-scenario.yaml``,
    ``fit.csv``, the plots and ``posterior.csv`` (ABC) or ``estimate.csv`` (point) there;
    returns the contents of ``summary.json`` (ABC: per-parameter median, 5%/95%, width
    ratio, and correlations; point: the estimate, its distance and the replications'
    spread; both: coverage and ``warnings``). ``echo`` receives one-line messages
    (``None``: silent).
    """
    from flowsim.progress import progress_bar

    say = echo or (lambda _text: None)
    cal = load_calibration(calibration)
    if method:
        cal.spec.method = method
    out = Path(out) if out else Path("calibration-results") / cal.spec.name
    progress = Progress(out, cal)
    run_opts = {"jobs": jobs, "backend": backend, "address": address}
    say(f"{cal.spec.name}: {cal.spec.method} on {len(cal.spec.parameters)} parameters, "
        f"{len(cal.fit)} fitting and {len(cal.holdout)} held-out data rows, "
        f"{cal.horizon} steps per simulation"
        + (f"; {len(progress.cache)} simulations already done, resuming"
           if progress.cache else ""))

    def bar(total, desc, unit="it"):
        return progress_bar(total, desc, unit, quiet=echo is None)

    cal.prepare(progress, run_opts, bar)
    run = run_abc if cal.spec.method == "abc" else run_point
    fitted = run(cal, progress, run_opts, bar)
    summary = cal.write(fitted, out, run_opts, progress, bar)
    summary["out"] = str(out)
    return summary
