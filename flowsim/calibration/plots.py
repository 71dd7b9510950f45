"""Plots of a calibration: observed vs simulated seizures, posterior marginals, convergence.

Figures are made without pyplot (:mod:`flowsim.outputs.figures`), so no backend is chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flowsim.outputs.figures import new_figure, save_figure


def plot_fit(table: pd.DataFrame, path, warnings: list[str] | None = None) -> None:
    """Observed vs simulated seizures per data row: median and 90% band, fit and held-out.

    ``warnings`` (poor coverage) are printed in red across the plot and in its title."""
    fig, ax = new_figure(figsize=(7, 6))
    for name, colour in (("fit", "#2166ac"), ("holdout", "#b2182b")):
        t = table[table["set"] == name]
        if t.empty:
            continue
        y = t["simulated_median"] + 1
        err = np.vstack([t["simulated_median"] - t["simulated_p05"],
                         t["simulated_p95"] - t["simulated_median"]])
        ax.errorbar(t["observed"] + 1, y, yerr=err, fmt="o", ms=4, alpha=0.8, color=colour,
                    label=f"{name} rows ({t['inside_band'].mean():.0%} inside band)")
    top = max(table["observed"].max(), table["simulated_p95"].max()) + 2
    ax.plot([1, top], [1, top], color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("observed seizures + 1")
    ax.set_ylabel("simulated seizures + 1 (median, 90% band)")
    ax.set_title("Observed vs simulated seizures"
                 + ("\nWARNING: poor coverage, see below" if warnings else ""),
                 color="#b2182b" if warnings else "black")
    ax.legend(frameon=False)
    if warnings:
        import textwrap

        text = "\n".join(textwrap.fill(w, 80) for w in warnings)
        ax.text(0.02, 0.98, text, transform=ax.transAxes, va="top", fontsize=7,
                color="#b2182b", bbox={"facecolor": "white", "edgecolor": "#b2182b"})
    save_figure(fig, path, 110, tight=True)


def plot_marginals(cal, theta: np.ndarray, weights: np.ndarray, path) -> None:
    k = theta.shape[1]
    fig, axes = new_figure(1, k, figsize=(4 * k, 3.4), squeeze=False)
    for j, (ax, p) in enumerate(zip(axes[0], cal.spec.parameters, strict=True)):
        bins = (np.geomspace(*p.range, 20) if p.prior == "loguniform"
                else np.linspace(*p.range, 20))
        ax.hist(theta[:, j], bins=bins, weights=weights, color="#92c5de", edgecolor="#2166ac")
        if p.prior == "loguniform":
            ax.set_xscale("log")
        ax.set_title(cal.names[j], fontsize=9)
        ax.set_xlim(*p.range)
        ax.set_yticks([])
    fig.suptitle("Posterior marginals (x axis spans the prior range)")
    save_figure(fig, path, 110, tight=True)


def plot_diagnostics(history: list[dict], method: str, path) -> None:
    fig, ax = new_figure(figsize=(7, 4))
    h = pd.DataFrame(history)
    if method == "abc" and len(h):
        ax.plot(h["generation"], h["median_distance"], "o-", label="median accepted distance")
        if h["epsilon"].notna().any():
            ax.plot(h["generation"], h["epsilon"], "s--", label="tolerance")
        ax2 = ax.twinx()
        ax2.plot(h["generation"], h["acceptance"], "^:", color="#b2182b", label="acceptance")
        ax2.set_ylabel("acceptance rate")
        ax2.legend(loc="upper center", frameon=False)
        ax.set_xlabel("generation")
    elif len(h):
        ax.plot(h["round"], h["best_distance"], "o-", label="best distance so far")
        ax.set_xlabel("differential-evolution generation")
    ax.set_ylabel("distance")
    ax.set_title("Convergence")
    ax.legend(loc="upper right", frameon=False)
    save_figure(fig, path, 110, tight=True)
