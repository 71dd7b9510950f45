"""An analytic toy for the ABC-SMC engine: Poisson counts with a known exact posterior.

Observed: ``n`` counts ``x_i ~ Poisson(rate)``. Prior: ``rate`` uniform on ``[low, high]``.
The posterior is then a gamma distribution with shape ``sum(x) + 1`` and rate ``n``,
truncated to ``[low, high]``; its mean and standard deviation are computed exactly here.
The sum of the counts is sufficient, so ABC with the distance ``|sum(sim) - sum(obs)|`` at
tolerance 0 samples the exact posterior: any gap between :func:`run_toy`'s result and
:func:`exact_posterior` is an error of the engine (weights, kernel, tolerance schedule).
:func:`run_toy` goes through :func:`flowsim.calibration.abc_smc.abc_smc`, the same code
``flowsim calibrate`` uses, with only the simulator swapped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowsim.calibration.abc_smc import abc_smc


@dataclass
class ToySettings:
    particles: int = 400
    generations: int = 8
    quantile: float = 0.3
    max_simulations: int = 40_000
    min_acceptance: float = 0.001
    max_total_simulations: int | None = None


@dataclass
class Toy:
    observed: np.ndarray
    low: float = 0.0
    high: float = 20.0

    @classmethod
    def make(cls, rate: float = 3.0, n: int = 6, seed: int = 1, low: float = 0.0,
             high: float = 20.0) -> Toy:
        return cls(np.random.default_rng(seed).poisson(rate, n), low, high)

    def simulate(self, rate: float, seed: int) -> np.ndarray:
        return np.random.default_rng(seed).poisson(rate, len(self.observed))

    def distance(self, simulated: np.ndarray) -> float:
        return float(abs(int(simulated.sum()) - int(self.observed.sum())))

    def evaluate(self, jobs) -> dict[str, float]:
        """The engine's plug-in: ``(key, z, seed)`` -> distance; here z is the rate."""
        return {key: self.distance(self.simulate(float(z[0]), seed)) for key, z, seed in jobs}


def exact_posterior(toy: Toy) -> tuple[float, float]:
    """Mean and standard deviation of the truncated-gamma posterior."""
    from scipy import stats

    post = stats.gamma(a=int(toy.observed.sum()) + 1, scale=1.0 / len(toy.observed))
    mass = post.cdf(toy.high) - post.cdf(toy.low)
    grid = np.linspace(toy.low, toy.high, 200_001)
    dens = post.pdf(grid) / mass
    step = grid[1] - grid[0]
    mean = float(np.sum(grid * dens) * step)
    var = float(np.sum((grid - mean) ** 2 * dens) * step)
    return mean, var ** 0.5


def run_toy(toy: Toy, settings: ToySettings | None = None, seed: int = 1) -> dict:
    """ABC-SMC on the toy: posterior mean and sd, simulations used, the last tolerance."""
    settings = settings or ToySettings()
    out = abc_smc(np.array([toy.low]), np.array([toy.high]), toy.evaluate, settings, seed)
    pop = out["population"]
    z, w = np.array(pop["z"])[:, 0], np.array(pop["weights"])
    mean = float(np.sum(w * z))
    sd = float(np.sqrt(np.sum(w * (z - mean) ** 2)))
    return {"mean": mean, "sd": sd, "simulations": sum(h["simulations"] for h in out["history"]),
            "epsilon": out["history"][-1]["epsilon"], "ess": out["history"][-1]["ess"],
            "generations": len(out["history"])}
