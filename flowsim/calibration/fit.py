"""Calibration against seizure data: ABC-SMC, or a fast point estimate for workshops.

A calibration set-up (``calibration/*.yaml``) names a scenario, a seizure CSV
(:mod:`flowsim.calibration.seizure_data`), free parameters with uniform or log-uniform priors, the
summary statistics to match and the periods held out for validation.

**Distance.** Sum of the root-mean-square errors of the chosen statistics over the fitting
rows: ``counts`` compares each row's seizures on a log scale, ``log(1+sim) - log(1+obs)``;
``category_mix`` compares, per country and period, the share of each weapon category
among seized weapons, in units of 0.1; ``traced_share`` compares tracing success
(successes / requests, 000 ¶33) in units of 0.1.

**ABC-SMC** (Beaumont et al. 2009, with adaptive tolerances): generation 0 draws particles
from the prior; each later generation's tolerance is a quantile of the previous
distances, and proposals are previous particles (drawn by weight) moved by a Gaussian
kernel with twice their weighted covariance, in the prior's own scale (log for
log-uniform), accepted if their distance is within tolerance. Proposals are drawn in the
main process from seeds fixed by (seed, generation, batch) and evaluated in parallel with
the experiment runner (joblib or Dask), so results do not depend on the number of workers.
Every evaluation is appended to ``evaluations.jsonl`` as it completes and each finished
generation is saved, so an interrupted calibration resumes without repeating work.

**Point mode** minimises the same distance with ``scipy.optimize.differential_evolution``
over the prior ranges, every candidate run with the same seeds (common random numbers);
its evaluations are cached the same way.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from flowsim.calibration.seizure_data import (
    SeizureRow,
    load_seizures,
    simulated_counts,
    simulated_traced_share,
)
from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.scenario import CATEGORIES, Scenario, scenario_from_data
from flowsim.inputs.schema import MAX_STEPS, build, load_yaml, param, probability, to_plain
from flowsim.model.flow_model import FlowModel
from flowsim.studies.experiment import check_path_range, load_scenario_beside, scenario_for_sample
from flowsim.studies.runner import run_parallel
from flowsim.studies.store import JsonLines, claim_folder, fingerprint

STATISTICS = ("counts", "category_mix", "traced_share")
SHARE_UNIT = 0.1


@dataclass(kw_only=True)
class FreeParameter:
    """A scenario value to estimate, with its prior."""

    path: str = param(doc="Dotted path into the scenario, lists selected by id.")
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


@dataclass
class Calibration:
    spec: CalibrationSpec
    file: str
    scenario_data: dict
    scenario: Scenario
    rows: list[SeizureRow]
    fit: list[int]          # indices of fitting rows
    holdout: list[int]      # indices of held-out rows

    @property
    def horizon(self) -> int:
        return self.spec.horizon or max(r.last_step for r in self.rows)

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.spec.parameters]

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

    def data_for(self, theta: list[float]) -> dict:
        return scenario_for_sample(self.scenario_data, dict(zip(self.paths, theta,
                                                                strict=True)), self.file)

    def distance(self, sim: dict, which: list[int]) -> float:
        return distance(self.spec.statistics, self.rows, sim, which)


def check_parameters(parameters: list[FreeParameter], scenario_data: dict, file: str) -> None:
    """Each free parameter's range is [low, high] (low > 0 for log-uniform) and both ends
    give a valid scenario; raises InputError."""
    for i, p in enumerate(parameters):
        where = f"parameters[{i}]"
        if len(p.range) != 2 or not p.range[0] < p.range[1]:
            raise InputError(file, f"{where}.range", f"expected [low, high] with low < high, "
                             f"got {p.range}")
        if p.prior == "loguniform" and p.range[0] <= 0:
            raise InputError(file, f"{where}.range", "a loguniform prior needs low > 0")
        check_path_range(scenario_data, p.path, p.range, file, f"{where}.path")


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
    check_parameters(spec.parameters, scenario_data, file)
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
                       for r in rows]}


def _mix(rows: list[SeizureRow], counts: list[float], which: list[int]) -> dict:
    groups: dict[tuple, dict[str, float]] = {}
    for i in which:
        r = rows[i]
        if r.category in CATEGORIES and r.category != "ammunition" and r.place == "any":
            groups.setdefault((r.country, r.period), {})[r.category] = counts[i]
    return {k: v for k, v in groups.items() if len(v) >= 2}


def distance(statistics: list[str], rows: list[SeizureRow], sim: dict, which: list[int]
             ) -> float:
    total = 0.0
    if "counts" in statistics and which:
        err = [math.log1p(sim["counts"][i]) - math.log1p(rows[i].count) for i in which]
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
    for sim in run_parallel(getattr(cal, "simulate", simulate), args, **run_opts):
        rec = {"key": sim["key"], "theta": thetas[sim["key"]], "counts": sim["counts"],
               "traced": sim["traced"], "distance": cal.distance(sim, cal.fit)}
        progress.append(rec)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.update(len(jobs) - len(todo))
    return {key: progress.cache[key] for key, _, _ in jobs}


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1, dtype=np.uint32)[0])


# --- ABC-SMC --------------------------------------------------------------------------------
def run_abc(cal: Calibration, progress: Progress, run_opts: dict, progress_bar) -> dict:
    s = cal.spec.abc
    lo, hi = cal.bounds()
    dim = len(lo)
    history = []
    population: dict | None = None
    for g in range(s.generations + 1):
        saved = progress.generation_path(g)
        if saved.exists():
            population = json.loads(saved.read_text())
            history.append(population["diagnostics"])
            if population["diagnostics"]["stopped"]:
                break
            continue
        eps = (math.inf if population is None
               else float(np.quantile(population["distances"], s.quantile)))
        accepted_z, accepted_d, sims, batch = [], [], 0, 0
        with progress_bar(s.particles, f"ABC generation {g}", "particle") as bar:
            while len(accepted_z) < s.particles and sims < s.max_simulations:
                rng = np.random.default_rng([cal.spec.seed, g, batch])
                n = min(s.particles, s.max_simulations - sims)
                zs = (lo + (hi - lo) * rng.random((n, dim)) if population is None
                      else _perturb(population, n, lo, hi, rng))
                jobs = [(f"g{g}b{batch}i{i}", cal.to_theta(z), _seed(cal.spec.seed, g, batch, i))
                        for i, z in enumerate(zs)]
                results = evaluate(cal, progress, jobs, run_opts)
                for (key, _, _), z in zip(jobs, zs, strict=True):
                    d = results[key]["distance"]
                    if d <= eps and len(accepted_z) < s.particles:
                        accepted_z.append(z)
                        accepted_d.append(d)
                        bar.update(1)
                sims += n
                batch += 1
        if not accepted_z:
            break
        z = np.array(accepted_z)
        weights = (np.ones(len(z)) if population is None
                   else _weights(z, population))
        weights /= weights.sum()
        acceptance = len(accepted_z) / sims
        ess = 1.0 / float(np.sum(weights ** 2))
        theta = np.array([cal.to_theta(row) for row in z])
        mean = (weights[:, None] * theta).sum(axis=0)
        sd = np.sqrt((weights[:, None] * (theta - mean) ** 2).sum(axis=0))
        diag = {"generation": g, "epsilon": eps if math.isfinite(eps) else None,
                "accepted": len(accepted_z), "simulations": sims, "acceptance": acceptance,
                "ess": ess, "median_distance": float(np.median(accepted_d)),
                "mean": mean.tolist(), "sd": sd.tolist(),
                "stopped": acceptance < s.min_acceptance or len(accepted_z) < s.particles}
        population = {"z": z.tolist(), "weights": weights.tolist(),
                      "distances": accepted_d, "diagnostics": diag}
        tmp = saved.with_suffix(".tmp")
        tmp.write_text(json.dumps(population))
        tmp.replace(saved)
        history.append(diag)
        if diag["stopped"]:
            break
    if population is None:
        raise InputError(cal.file, "abc", "no particle was accepted; widen the priors or "
                         "raise max_simulations")
    return {"population": population, "history": history}


def _kernel_cov(population: dict) -> np.ndarray:
    z, w = np.array(population["z"]), np.array(population["weights"])
    mean = (w[:, None] * z).sum(axis=0)
    cov = 2.0 * ((w[:, None] * (z - mean)).T @ (z - mean))
    return cov + np.eye(len(mean)) * 1e-12


def _perturb(population: dict, n: int, lo, hi, rng: np.random.Generator) -> np.ndarray:
    z, w = np.array(population["z"]), np.array(population["weights"])
    cov = _kernel_cov(population)
    out = []
    while len(out) < n:
        j = rng.choice(len(z), p=w)
        cand = rng.multivariate_normal(z[j], cov)
        if np.all(cand >= lo) and np.all(cand <= hi):      # prior support
            out.append(cand)
    return np.array(out)


def _weights(z_new: np.ndarray, population: dict) -> np.ndarray:
    """Importance weights for a uniform prior (in its own scale) and a Gaussian kernel."""
    z_old, w_old = np.array(population["z"]), np.array(population["weights"])
    cov = _kernel_cov(population)
    inv = np.linalg.inv(cov)
    diff = z_new[:, None, :] - z_old[None, :, :]
    k = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
    return 1.0 / (k @ w_old)


# --- point estimate -------------------------------------------------------------------------
def run_point(cal: Calibration, progress: Progress, run_opts: dict, progress_bar) -> dict:
    from scipy.optimize import differential_evolution

    s = cal.spec.point
    lo, hi = cal.bounds()
    seeds = [_seed(cal.spec.seed, 999, r) for r in range(s.replications)]
    trace: list[float] = []

    def objective(xs: np.ndarray) -> np.ndarray:
        xs = np.atleast_2d(xs.T)               # (candidates, dim)
        jobs = []
        for x in xs:
            theta = cal.to_theta(x)
            tag = ",".join(f"{v:.12g}" for v in theta)
            jobs += [(f"p[{tag}]r{r}", theta, seed) for r, seed in enumerate(seeds)]
        with progress_bar(len(jobs), "differential evolution", "run") as bar:
            res = evaluate(cal, progress, jobs, run_opts, bar)
        d = np.array([res[k]["distance"] for k, _, _ in jobs]).reshape(len(xs), len(seeds))
        out = d.mean(axis=1)
        trace.append(float(out.min()))
        return out

    result = differential_evolution(objective, list(zip(lo, hi, strict=True)),
                                    popsize=s.popsize, maxiter=s.maxiter, seed=cal.spec.seed,
                                    vectorized=True, updating="deferred", polish=False,
                                    tol=0, init="latinhypercube")
    z = np.array([result.x])
    history = [{"generation": i, "best_distance": v} for i, v in enumerate(trace)]
    return {"population": {"z": z.tolist(), "weights": [1.0], "distances": [float(result.fun)],
                           "diagnostics": {}}, "history": history}


# --- outputs ----------------------------------------------------------------------------------
def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cw = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cw, q * cw[-1])])


def write_outputs(cal: Calibration, fitted: dict, out: Path, run_opts: dict,
                  progress: Progress, progress_bar) -> dict:
    """Posterior samples, fitted scenario, fit report with predictive bands, diagnostics."""
    import pandas as pd

    from flowsim.calibration.plots import plot_diagnostics, plot_fit, plot_marginals
    from flowsim.outputs.tables import AtomicDir

    pop = fitted["population"]
    z, w = np.array(pop["z"]), np.array(pop["weights"])
    theta = np.array([cal.to_theta(row) for row in z])
    medians = [weighted_quantile(theta[:, k], w, 0.5) for k in range(theta.shape[1])]
    rng = np.random.default_rng([cal.spec.seed, 7777])
    draws = rng.choice(len(theta), size=cal.spec.predictive_runs, p=w / w.sum())
    jobs = [(f"pred{i}", theta[j].tolist(), _seed(cal.spec.seed, 7777, i))
            for i, j in enumerate(draws)]
    with progress_bar(len(jobs), "posterior predictive", "run") as bar:
        sims = evaluate(cal, progress, jobs, run_opts, bar)
    counts = np.array([sims[k]["counts"] for k, _, _ in jobs], dtype=float)
    lo, med, hi = np.percentile(counts, [5, 50, 95], axis=0)
    fit_table = pd.DataFrame({
        "country": [r.country for r in cal.rows], "period": [r.period for r in cal.rows],
        "place": [r.place for r in cal.rows], "category": [r.category for r in cal.rows],
        "set": ["holdout" if i in cal.holdout else "fit" for i in range(len(cal.rows))],
        "observed": [r.count for r in cal.rows], "simulated_p05": lo,
        "simulated_median": med, "simulated_p95": hi})
    fit_table["inside_band"] = ((fit_table["observed"] >= fit_table["simulated_p05"])
                                & (fit_table["observed"] <= fit_table["simulated_p95"]))
    pred = [{"counts": c.tolist(), "traced": sims[k]["traced"]}
            for c, (k, _, _) in zip(counts, jobs, strict=True)]
    summary = {
        "method": cal.spec.method,
        "parameters": {p: {"median": m, "p05": weighted_quantile(theta[:, k], w, 0.05),
                           "p95": weighted_quantile(theta[:, k], w, 0.95)}
                       for k, (p, m) in enumerate(zip(cal.paths, medians, strict=True))},
        "distance_fit": float(np.mean([cal.distance(s, cal.fit) for s in pred])),
        "distance_holdout": (float(np.mean([cal.distance(s, cal.holdout) for s in pred]))
                             if cal.holdout else None),
        "coverage_fit": float(fit_table.loc[fit_table["set"] == "fit", "inside_band"].mean()),
        "coverage_holdout": (float(fit_table.loc[fit_table["set"] == "holdout",
                                                 "inside_band"].mean())
                             if cal.holdout else None),
    }
    fitted_data = cal.data_for(medians)
    scenario_from_data(fitted_data, "<fitted>")          # the fitted scenario must be valid
    header = (f"# Fitted by `flowsim calibrate` ({cal.spec.method}) from {cal.file}:\n"
              + "".join(f"#   {p} = {m:.6g} (posterior median)\n"
                        for p, m in zip(cal.paths, medians, strict=True)))
    posterior = pd.DataFrame(theta, columns=cal.paths)
    posterior["weight"] = w / w.sum()
    posterior["distance"] = pop["distances"]
    with AtomicDir(out) as stage:
        posterior.to_csv(stage.path("posterior.csv"), index=False)
        fit_table.to_csv(stage.path("fit.csv"), index=False)
        pd.DataFrame(fitted["history"]).to_csv(stage.path("diagnostics.csv"), index=False)
        stage.path("fitted-scenario.yaml").write_text(
            header + yaml.safe_dump(fitted_data, sort_keys=False))
        stage.path("summary.json").write_text(json.dumps(summary, indent=2))
        plot_fit(fit_table, stage.path("fit.png"))
        plot_marginals(cal, theta, w, stage.path("posterior.png"))
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
        "`posterior.csv` (samples and weights), `fitted-scenario.yaml` (posterior medians), "
        "`fit.csv` and `fit.png` (observed vs simulated seizures with 90% predictive bands on "
        "fitting and held-out rows), `posterior.png` (marginals), `diagnostics.csv` and "
        "`diagnostics.png` (tolerance, acceptance, effective sample size per generation), "
        "`summary.json`.", "",
        "## Method", "", (__doc__ or "").split("\n\n", 1)[1].strip(), "",
        "## Seizure data format", "", (seizure_data.__doc__ or "").split("\n\n", 1)[1].strip(),
        "", reference(CalibrationSpec, "calibration set-up (top level)"),
        pattern_calibration_reference(),
    ])


def calibrate(calibration: str | Path, *, method: str | None = None, jobs: int = 1,
              backend: str = "joblib", address: str | None = None,
              out: str | Path | None = None, echo=print) -> dict:
    """Fit a calibration set-up's free parameters to its data; return the summary.

    ``method`` (``"abc"`` or ``"point"``) overrides the set-up's. Simulations are cached in
    ``OUT`` (default ``calibration-results/<name>``) as they finish, so calling this again
    with the same ``out`` resumes. Writes ``posterior.csv``, ``fitted-scenario.yaml``,
    ``fit.csv``, ``summary.json`` and the plots there; returns the contents of
    ``summary.json``. ``echo`` receives one-line messages (``None``: silent).
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

    run = run_abc if cal.spec.method == "abc" else run_point
    fitted = run(cal, progress, run_opts, bar)
    summary = getattr(cal, "write_outputs", write_outputs)(cal, fitted, out, run_opts,
                                                           progress, bar)
    summary["out"] = str(out)
    return summary
