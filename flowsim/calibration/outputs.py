"""What a finished seizure calibration writes: posterior or estimate, predictive bands and
coverage, the fitted scenario, diagnostics; and the calibration reference page
(``flowsim schema calibration``). Posterior predictive checks: 90% bands per data row
(coverage warnings in :mod:`flowsim.calibration.posterior`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from flowsim.calibration.evaluation import Calibration, Progress, runs_at
from flowsim.calibration.posterior import (
    coverage_warnings,
    identifiability,
    identifiability_warnings,
    weighted_quantile,
)
from flowsim.inputs.calibration import CalibrationSetup
from flowsim.inputs.scenario import scenario_from_data
from flowsim.io import AtomicDir


# --- outputs ----------------------------------------------------------------------------------
@dataclass
class FittedValues:
    """What a finished fit chose: the values (point estimate or weighted posterior median)
    and their summary; for ABC also the posterior samples, their prior-scale coordinates,
    normalised weights and distances."""

    chosen: list[float]
    parameters: dict[str, dict[str, float]]
    theta: np.ndarray | None = None
    z: np.ndarray | None = None
    weights: np.ndarray | None = None
    distances: list[float] | None = None


def fitted_values(cal: CalibrationSetup, fitted: dict) -> FittedValues:
    """The fitted values of either method, for either kind of set-up."""
    if fitted["method"] == "point":
        chosen = cal.to_theta(np.array(fitted["z"]))
        return FittedValues(chosen, {n: {"estimate": v}
                                     for n, v in zip(cal.names, chosen, strict=True)})
    pop = fitted["population"]
    z, w = np.array(pop["z"]), np.array(pop["weights"])
    w = w / w.sum()
    theta = np.array([cal.to_theta(row) for row in z])
    chosen = [weighted_quantile(theta[:, k], w, 0.5) for k in range(theta.shape[1])]
    parameters = {n: {"median": chosen[k], "p05": weighted_quantile(theta[:, k], w, 0.05),
                      "p95": weighted_quantile(theta[:, k], w, 0.95)}
                  for k, n in enumerate(cal.names)}
    return FittedValues(chosen, parameters, theta, z, w, pop["distances"])


def write_fitted_values(stage: AtomicDir, cal: CalibrationSetup, fit: FittedValues) -> None:
    """``estimate.csv`` (point) or ``posterior.csv`` (ABC: samples, the derived scenario
    values they set, weights and distances)."""
    import pandas as pd

    if fit.theta is None:
        pd.DataFrame({"parameter": cal.names, "estimate": fit.chosen}).to_csv(
            stage.path("estimate.csv"), index=False)
        return
    posterior = pd.DataFrame(fit.theta, columns=cal.names)
    for path in cal.spec.derived:
        posterior[path] = [cal.scenario_values(list(t))[path] for t in fit.theta]
    posterior["weight"] = fit.weights
    posterior["distance"] = fit.distances
    posterior.to_csv(stage.path("posterior.csv"), index=False)


def _predictive(cal: Calibration, thetas: list[list[float]], progress: Progress, run_opts: dict,
                progress_bar) -> tuple[np.ndarray, list[dict]]:
    recs = runs_at(cal, thetas, progress, run_opts, progress_bar)
    return np.array([r["counts"] for r in recs], dtype=float), recs


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

    point = fitted["method"] == "point"
    n_pred = cal.spec.predictive_runs
    fit = fitted_values(cal, fitted)
    chosen, parameters, theta, w = fit.chosen, fit.parameters, fit.theta, fit.weights
    if point:
        counts, pred = _predictive(cal, [chosen] * n_pred, progress, run_opts, progress_bar)
        reps = fitted["replication_distances"]
        summary = {"method": "point", "parameters": parameters,
                   "distance_fit": fitted["distance"],
                   "distance_fit_replications": {"values": reps,
                                                 "min": min(reps), "max": max(reps),
                                                 "sd": float(np.std(reps))},
                   "distance_holdout": (float(np.mean(fitted["holdout_distances"]))
                                        if cal.holdout else None)}
    else:
        draws = np.random.default_rng([cal.spec.seed, 7777]).choice(len(theta), size=n_pred,
                                                                     p=w)
        counts, pred = _predictive(cal, [theta[j].tolist() for j in draws], progress,
                                   run_opts, progress_bar)
        lo, hi = cal.bounds()
        ident = identifiability(cal.names, fit.z, w, lo, hi)
        for n in cal.names:
            parameters[n]["width_ratio"] = ident["width_ratio"][n]
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
        write_fitted_values(stage, cal, fit)
        if not point:
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
    from flowsim.calibration import fit
    from flowsim.calibration.pattern_targets import pattern_calibration_reference
    from flowsim.inputs import seizures
    from flowsim.inputs.calibration import CalibrationSpec
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
        OUTPUT_FOLDERS, "",
        "## Method", "", (fit.__doc__ or "").split("\n\n", 1)[1].strip(), "",
        "## Seizure data format", "", (seizures.__doc__ or "").split("\n\n", 1)[1].strip(),
        "", reference(CalibrationSpec, "calibration set-up (top level)"),
        pattern_calibration_reference(), "",
        POINT_METHOD, "",
        VALIDATION,
    ])


OUTPUT_FOLDERS = """**Output folder (`--out DIR`).** Without `--out`, outputs go to
`calibration-results/<name>-<method>/`, so the ABC and the point fit of one set-up keep
their own folders (`calibration-results/teaching-abc/` and
`calibration-results/teaching-point/`). The folder also holds every finished simulation:
running the same command again resumes there. A folder belongs to one set-up: a set-up
whose settings, scenario or data changed is refused there ("holds results of a different
study"); choose another folder with `--out DIR` (e.g. `--out calibration-results/try-2`), or
remove the old one to start over."""

POINT_METHOD = """## The point method: what it is for, and when not to trust it

`--method point` is for workshops and first looks: in about a minute it finds one set of
values that brings the simulated seizures close to the data, and writes a fitted scenario
participants can run at once. It is not an estimate to report:

- **It gives no uncertainty.** It returns the best point differential evolution found with
  a small population and few iterations (`point.popsize`, `point.maxiter`), each candidate
  run with the same few seeds (`point.replications`). The spread it prints is the
  spread over those seeds at the estimate, not over the values the data allow.
- **Confounded parameters are not separated.** When the data respond to a sum (e.g. two
  leakage rates feeding the same seizures), many combinations fit equally well; the point
  method picks one of them, which can be far from the truth while the fit looks good.
  The ABC posterior shows such a trade-off as a wide interval and a strong correlation
  (its warnings name the parameters); a point estimate hides it.
- **Its warnings mean what they say.** When the command ends with a coverage warning
  (fewer than 70% of observations inside the 90% band of runs at the estimate), the point
  does not reproduce the data it was fitted to, or the held-out periods: do not use its
  fitted scenario for predictions, comparisons of options or any figure you report.

Use ABC-SMC (the default method) for anything reported, and check a set-up with `flowsim
synthesize` (data made from known values) before trusting either method on real returns."""


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


