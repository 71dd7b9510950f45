"""What a calibration learned: identifiability and coverage checks, in numbers and words.

**Identifiability.** For each free parameter, the width of its posterior 90% interval
divided by the prior's 90% width, both in the prior's own scale (log for log-uniform
priors): near 1 the data taught nothing and the estimate repeats the prior; at most 0.5 is
the bar the shipped set-ups meet. Posterior correlations (same scale) show confounding: when
two parameters move together along a ridge, seizure counts identify a combination (for
example theft plus insider theft), not each; the remedy is to estimate the combination and
a split (``derived`` in the set-up) and keep the split only if the data identify it.

**Coverage.** The share of observed rows inside the simulated 90% predictive band; about 90%
is expected of a model that fits. Below :data:`MIN_COVERAGE`, on fitting or held-out rows,
the command says so and the fit plot is marked.
"""

from __future__ import annotations

import numpy as np

NOT_IDENTIFIED = 0.8        # posterior/prior 90% width ratio above which nothing was learned
WEAKLY_IDENTIFIED = 0.5     # ... above which the bar of the shipped set-ups is missed
CONFOUNDED = 0.7            # |posterior correlation| at or above which two are confounded
MIN_COVERAGE = 0.7          # share of observations inside the 90% band below which we warn


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cw = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cw, q * cw[-1])])


def identifiability(names: list[str], z: np.ndarray, weights: np.ndarray, lo: np.ndarray,
                    hi: np.ndarray) -> dict:
    """Width ratios and correlations of weighted samples ``z`` on a box prior [lo, hi]."""
    w = weights / weights.sum()
    ratios = {}
    for k, name in enumerate(names):
        width = weighted_quantile(z[:, k], w, 0.95) - weighted_quantile(z[:, k], w, 0.05)
        ratios[name] = float(width / (0.9 * (hi[k] - lo[k])))
    mean = (w[:, None] * z).sum(axis=0)
    cov = (w[:, None] * (z - mean)).T @ (z - mean)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    corr = np.nan_to_num(corr)
    return {"width_ratio": ratios,
            "correlation": {a: {b: float(corr[i, j]) for j, b in enumerate(names)}
                            for i, a in enumerate(names)}}


def identifiability_warnings(ident: dict) -> list[str]:
    """Plain-word warnings for unidentified parameters and confounded pairs."""
    out = []
    for name, r in ident["width_ratio"].items():
        if r > NOT_IDENTIFIED:
            out.append(f"{name} is not identified by the data: its 90% interval is {r:.0%} "
                       "as wide as the prior's, so its estimate mostly repeats the prior.")
        elif r > WEAKLY_IDENTIFIED:
            out.append(f"{name} is only weakly identified: its 90% interval is {r:.0%} as "
                       "wide as the prior's (more than half).")
    names = list(ident["correlation"])
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            c = ident["correlation"][a][b]
            if abs(c) >= CONFOUNDED:
                out.append(f"{a} and {b} are confounded (posterior correlation {c:+.2f}): the "
                           "data pin down a combination of the two, not each; estimate their "
                           "total and a split instead (`derived` in the set-up) and fix the "
                           "split if the data do not identify it.")
    return out


def coverage_warnings(coverage_fit: float, coverage_holdout: float | None) -> list[str]:
    """Plain-word warnings when too few observations fall inside the 90% band."""
    out = []
    for label, cov in (("fitting", coverage_fit), ("held-out", coverage_holdout)):
        if cov is not None and cov < MIN_COVERAGE:
            out.append(f"only {cov:.0%} of {label} observations fall inside the simulated 90% "
                       "band (about 90% expected): the model does not reproduce these data "
                       "well; do not trust its predictions for them.")
    return out
