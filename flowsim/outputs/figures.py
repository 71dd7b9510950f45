"""Figures without pyplot: a new figure and the one save helper every report uses.

Library code never selects a matplotlib backend or touches pyplot's global state: a
:class:`matplotlib.figure.Figure` made here belongs to no backend and renders to a file by
itself, so importing flowsim in a notebook leaves the notebook's inline backend as it was.
The command line and the workshop app are the only places that choose a backend. No seed
paragraph: plotting plumbing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float],
               **subplots: Any) -> tuple[Figure, Any]:
    """A figure and its axes (``Figure.subplots`` arguments: ``squeeze``, ``sharex``, ...),
    as ``plt.subplots`` would give, without registering it with pyplot."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **subplots)


def save_figure(fig: Figure, path: str | Path, dpi: int, tight: bool = False) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) and release its memory."""
    if tight:
        fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    fig.clear()
    return Path(path)
