"""The calibration methods: ABC-SMC and the fast point estimate (see
:mod:`flowsim.calibration.fit` for what each does). Both evaluate candidates with
:func:`flowsim.calibration.evaluation.evaluate`, so every simulation is cached and an
interrupted calibration resumes; seeds depend on the set-up's seed alone, so results do not
depend on the number of workers.
"""

from __future__ import annotations

import json

import numpy as np

from flowsim.calibration.abc_smc import abc_smc
from flowsim.calibration.evaluation import Progress, evaluate
from flowsim.errors import InputError
from flowsim.inputs.calibration import CalibrationSetup
from flowsim.seeds import derive_seed


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


def run_abc(cal: CalibrationSetup, progress: Progress, run_opts: dict, progress_bar) -> dict:
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
def run_point(cal: CalibrationSetup, progress: Progress, run_opts: dict, progress_bar) -> dict:
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


