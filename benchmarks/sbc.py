"""Simulation-based calibration (Talts et al. 2018) of ABC-SMC on the teaching set-up.

    nice .venv/bin/python benchmarks/sbc.py [--datasets 48] [--draws 23] [--jobs 2] [--write]

For each of ``--datasets`` replications: draw true values from the set-up's prior, make a
data set with ``flowsim synthesize`` (same rows, same log-normal reporting noise as the
shipped data), run the ABC-SMC engine on it with the shipped set-up's own settings and
distance (its noise scales are measured once: they depend on the set-up, not on the data),
draw ``--draws`` values from the weighted posterior and record the rank of the truth among
them (0..draws). If the procedure returns the right posterior, every rank is equally
likely; a U shape means intervals too narrow (overconfident), a hump means too wide.
Uniformity is tested per parameter with a chi-square test on 6 bins, and the share of
true values inside the posterior's 90% interval (weighted 5% and 95% quantiles) is counted:
about 90% for a calibrated posterior, more for a conservative one, less for an
overconfident one.

With ``--write`` the Markdown section and the rank histograms (docs/sbc-ranks.png) go into
docs/results/sbc.md, which docs/calibration.md quotes between ``<!-- results:sbc -->`` markers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BINS = 6


def one_replication(i: int, draws: int, tmp: str, scales: list[float] | None) -> dict:
    from flowsim.calibration.abc_smc import abc_smc
    from flowsim.calibration.fit import load_calibration, setup_copy, simulate
    from flowsim.calibration.posterior import weighted_quantile
    from flowsim.calibration.synthesize import synthesize

    setup = ROOT / "calibration" / "teaching.yaml"
    file = setup_copy(setup, Path(tmp) / f"sbc-{i}.yaml")
    cal = load_calibration(file)
    lo, hi = cal.bounds()
    rng = np.random.default_rng([2018, i])
    truth_z = lo + (hi - lo) * rng.random(len(lo))
    truth = dict(zip(cal.names, cal.to_theta(truth_z), strict=True))
    data = Path(tmp) / f"sbc-{i}.csv"
    synthesize(file, truth, seed=10_000 + i, out=data)
    cal = load_calibration(setup_copy(setup, file, data=str(data)))
    cal.scales = scales         # the set-up's noise scales: they depend on it, not on data

    def evaluate(jobs):
        return {key: cal.distance(simulate(cal.data_for(cal.to_theta(z)), s, cal.horizon,
                                           cal.rows), cal.fit) for key, z, s in jobs}

    res = abc_smc(lo, hi, evaluate, cal.spec.abc, 500 + i)
    z = np.array(res["population"]["z"])
    w = np.array(res["population"]["weights"])
    picks = rng.choice(len(z), size=draws, p=w / w.sum())
    ranks = [int(np.sum(z[picks, k] < truth_z[k])) for k in range(len(lo))]
    inside = [bool(weighted_quantile(z[:, k], w, 0.05) <= truth_z[k]
                   <= weighted_quantile(z[:, k], w, 0.95)) for k in range(len(lo))]
    return {"names": cal.names, "ranks": ranks, "inside": inside,
            "simulations": sum(h["simulations"] for h in res["history"])}


def shape(counts: np.ndarray, p: float, mean_rank: float, draws: int) -> str:
    """The rank histogram in words: what a departure from uniform says of the intervals."""
    if p >= 0.05:
        return "consistent with uniform"
    expected = counts.sum() / len(counts)
    edges = counts[0] + counts[-1]
    if edges <= 1.2 * expected:
        return "hump: too few truths in the tails, so intervals too wide (conservative)"
    if edges >= 2.8 * expected:
        return "U shape: too many truths in the tails, so intervals too narrow (overconfident)"
    return ("skewed: truths mostly above the posterior (estimates too low)"
            if mean_rank > draws / 2 else
            "skewed: truths mostly below the posterior (estimates too high)")


def main() -> None:
    from joblib import Parallel, delayed
    from scipy.stats import chisquare

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=int, default=48)
    ap.add_argument("--draws", type=int, default=23)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    from flowsim.calibration.fit import load_calibration

    t = time.perf_counter()
    cal = load_calibration(ROOT / "calibration" / "teaching.yaml")
    cal.prepare()
    with tempfile.TemporaryDirectory() as tmp:
        results = Parallel(n_jobs=args.jobs)(delayed(one_replication)(i, args.draws, tmp,
                                                                      cal.scales)
                                             for i in range(args.datasets))
    wall = time.perf_counter() - t
    abc = cal.spec.abc
    names = results[0]["names"]
    ranks = np.array([r["ranks"] for r in results])
    edges = np.linspace(0, args.draws + 1, BINS + 1)
    lines = ["### Simulation-based calibration (teaching set-up)", "",
             f"Written by `benchmarks/sbc.py`: {args.datasets} synthetic data sets with true "
             f"values drawn from the prior, {args.draws} posterior draws each (ranks "
             f"0-{args.draws}), ABC-SMC with the shipped set-up's settings ({abc.particles} "
             f"particles, {abc.generations} generations after the prior one, at most "
             f"{abc.max_simulations} simulations per generation) and distance (noise "
             f"scales); "
             f"{np.mean([r['simulations'] for r in results]):.0f} simulations per data set, "
             f"{wall / 60:.0f} min with {args.jobs} workers. Uniform ranks mean the "
             "posterior is calibrated; chi-square test on "
             f"{BINS} bins.", "",
             "| parameter | rank counts per bin (low to high) | chi-square p-value | "
             "mean rank / expected | truths inside the 90% interval | shape |",
             "|---|---|---|---|---|---|"]
    inside = np.array([r["inside"] for r in results])
    for k, n in enumerate(names):
        counts, _ = np.histogram(ranks[:, k], bins=edges)
        p = chisquare(counts).pvalue
        mean = ranks[:, k].mean()
        lines.append(f"| {n} | {' '.join(str(c) for c in counts)} | {p:.3f} | "
                     f"{mean:.1f} / {args.draws / 2:.1f} | "
                     f"{inside[:, k].sum()} of {len(inside)} ({inside[:, k].mean():.0%}) | "
                     f"{shape(counts, p, mean, args.draws)} |")
    lines += ["", "![SBC rank histograms](sbc-ranks.png)", ""]
    text = "\n".join(lines)
    print(text)
    if args.write:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3), squeeze=False)
        for k, (ax, n) in enumerate(zip(axes[0], names, strict=True)):
            ax.hist(ranks[:, k], bins=edges, color="#92c5de", edgecolor="#2166ac")
            ax.axhline(args.datasets / BINS, color="grey", ls="--", label="uniform")
            ax.set_title(n, fontsize=9)
            ax.set_xlabel("rank of the truth among posterior draws")
        axes[0][0].legend(frameon=False)
        fig.tight_layout()
        fig.savefig(ROOT / "docs" / "sbc-ranks.png", dpi=100)
        sys.path.insert(0, str(ROOT / "docs" / "results"))
        from generate import publish

        publish("sbc", text + "\n")     # quoted in docs/calibration.md


if __name__ == "__main__":
    main()
