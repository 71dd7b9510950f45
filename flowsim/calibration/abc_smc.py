"""The ABC-SMC engine, independent of what is simulated.

Beaumont et al. (2009) population Monte Carlo ABC with adaptive tolerances, on a box prior
that is uniform in its own scale (a log-uniform prior is uniform in log space, so the
calibration layer hands the engine log-transformed bounds). Generation 0 draws particles
from the prior; each later generation's tolerance is a quantile of the previous accepted
distances; the run ends after ``generations``, when a generation's acceptance falls below
``min_acceptance`` or it cannot fill its particles within ``max_simulations``, or after the
generation in which the total reaches ``max_total_simulations`` (when set). Proposals are
previous particles drawn by weight and moved by a Gaussian kernel
with twice their weighted covariance, redrawn (ancestor included) until they fall inside the
prior's box, and accepted when their distance is within the tolerance. Importance weights
are prior / sum_j w_j K(z | z_j); the prior is constant on the box, and redrawing the
ancestor on rejection makes the proposal density proportional to that mixture on the box,
so the weights need no truncation correction.

What is simulated is a plug-in: ``evaluate(jobs)`` receives ``(key, z, seed)`` triples and
returns ``{key: distance}``. The calibration layer (:mod:`flowsim.calibration.fit`) plugs in
the flow model, evaluated in parallel and cached on disk; :mod:`flowsim.calibration.toy`
plugs in Poisson counts whose posterior is known exactly, which is how this code is tested.
Proposals are drawn in the calling process from seeds fixed by (seed, generation, batch),
and each proposal's simulation seed by (seed, generation, batch, index), so results do not
depend on how many workers evaluate them or in which order they finish.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, Protocol

import numpy as np

from flowsim.seeds import derive_seed

Jobs = list[tuple[str, np.ndarray, int]]


class Settings(Protocol):
    particles: int
    generations: int
    quantile: float
    max_simulations: int
    min_acceptance: float
    max_total_simulations: int | None


class MemoryStore:
    """Finished generations kept in memory (the calibration layer keeps them on disk)."""

    def __init__(self) -> None:
        self.saved: dict[int, dict] = {}

    def load(self, g: int) -> dict | None:
        return self.saved.get(g)

    def save(self, g: int, population: dict) -> None:
        self.saved[g] = population


def _no_bar(_total, _desc, _unit="it"):
    class Bar:
        def update(self, _n=1):
            pass

    return nullcontext(Bar())


def abc_smc(lo: np.ndarray, hi: np.ndarray, evaluate: Callable[[Jobs], dict[str, float]],
            settings: Settings, seed: int, *, store: Any = None,
            progress_bar: Callable | None = None) -> dict:
    """Run ABC-SMC; return ``{"population": last generation, "history": diagnostics}``.

    A population is ``{"z": particles (box scale), "weights", "distances", "diagnostics"}``.
    ``store`` (``load(g)``/``save(g, population)``) lets an interrupted run resume. Raises
    ValueError when no particle at all was accepted.
    """
    s = settings
    store = store if store is not None else MemoryStore()
    progress_bar = progress_bar or _no_bar
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    dim = len(lo)
    history = []
    population: dict | None = None
    for g in range(s.generations + 1):
        saved = store.load(g)
        if saved is not None:
            population = saved
            history.append(population["diagnostics"])
            if population["diagnostics"]["stopped"]:
                break
            continue
        eps = (math.inf if population is None
               else float(np.quantile(population["distances"], s.quantile)))
        accepted_z, accepted_d, sims, batch = [], [], 0, 0
        with progress_bar(s.particles, f"ABC generation {g}", "particle") as bar:
            while len(accepted_z) < s.particles and sims < s.max_simulations:
                rng = np.random.default_rng([seed, g, batch])
                n = min(s.particles, s.max_simulations - sims)
                zs = (lo + (hi - lo) * rng.random((n, dim)) if population is None
                      else _perturb(population, n, lo, hi, rng))
                jobs = [(f"g{g}b{batch}i{i}", z, derive_seed(seed, g, batch, i))
                        for i, z in enumerate(zs)]
                distances = evaluate(jobs)
                for (key, _, _), z in zip(jobs, zs, strict=True):
                    d = distances[key]
                    if d <= eps and len(accepted_z) < s.particles:
                        accepted_z.append(z)
                        accepted_d.append(d)
                        bar.update(1)
                sims += n
                batch += 1
        if not accepted_z:
            break
        z = np.array(accepted_z)
        weights = np.ones(len(z)) if population is None else _weights(z, population)
        weights /= weights.sum()
        acceptance = len(accepted_z) / sims
        diag = {"generation": g, "epsilon": eps if math.isfinite(eps) else None,
                "accepted": len(accepted_z), "simulations": sims, "acceptance": acceptance,
                "ess": 1.0 / float(np.sum(weights ** 2)),
                "median_distance": float(np.median(accepted_d)),
                "stopped": (acceptance < s.min_acceptance or len(accepted_z) < s.particles
                            or (s.max_total_simulations is not None
                                and sum(h["simulations"] for h in history) + sims
                                >= s.max_total_simulations))}
        population = {"z": z.tolist(), "weights": weights.tolist(),
                      "distances": accepted_d, "diagnostics": diag}
        store.save(g, population)
        history.append(diag)
        if diag["stopped"]:
            break
    if population is None:
        raise ValueError("no particle was accepted")
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
    """Importance weights for a prior uniform on the box and a Gaussian kernel."""
    z_old, w_old = np.array(population["z"]), np.array(population["weights"])
    cov = _kernel_cov(population)
    inv = np.linalg.inv(cov)
    diff = z_new[:, None, :] - z_old[None, :, :]
    k = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
    return 1.0 / (k @ w_old)
