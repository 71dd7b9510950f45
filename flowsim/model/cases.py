"""Seizure cases: how the weapons police take inland in a step fall into individual cases.

Every seizure is a *case* (a record, not an agent; 000 ¶34 counts legal grounds "in ...
cases"). A trafficker's shipment seized at a crossing or inland is one case. Weapons taken
from end users and local illicit sellers in a step are drawn together (one thinning of the
holdings, :meth:`flowsim.model.agents.RegulatorAgent.police_and_collect`) and then cut into
individual cases here: case sizes in weapons are geometric on 1, 2, 3, ... with a mean set
per kind of holder (``behaviour.end_user_case_size``, ``seller_case_size``,
``surrender_size``; assumptions: the seeds give no case sizes), the last case taking what
is left; the weapons are dealt to the cases at random (a random permutation), and each lot
of ammunition goes whole to one case, chosen with probability proportional to its weapons
(so the rows stay as many as the lots). Lots stay lots: a case holds counts of lot keys,
never one object per weapon.
"""

from __future__ import annotations

import numpy as np

from flowsim.model.lots import AMMUNITION, LotBook, LotKey


def case_sizes(weapons: int, mean: float, rng: np.random.Generator) -> list[int]:
    """Sizes of the cases ``weapons`` weapons fall into: geometric with mean ``mean``
    (support 1, 2, ...), the last case cut to what is left; they sum to ``weapons``."""
    if weapons <= 1:
        return [weapons] if weapons == 1 else []
    if mean <= 1.0:
        return [1] * weapons
    p = 1.0 / mean
    n = int(weapons * p * 1.25) + 8
    while True:
        drawn = rng.geometric(p, size=n)
        cum = np.cumsum(drawn)
        if cum[-1] >= weapons:
            break
        n *= 2                                  # rare: draw again, more
    k = int(np.searchsorted(cum, weapons))     # first case reaching the total
    sizes = drawn[:k + 1].tolist()
    sizes[k] = weapons - (int(cum[k - 1]) if k else 0)
    return sizes


def split_cases(book: LotBook, mean: float, rng: np.random.Generator
                ) -> tuple[list[int], list[int], list[LotKey], list[int]]:
    """Cut a seized book into cases. Returns ``(sizes, case, keys, counts)``: each case's
    size in weapons, and one row per (case, lot) with the case's index, the lot key and its
    count (weapons, or rounds for ammunition). A book with no weapons is one case."""
    cats = book.cats
    w_keys = [*cats[0], *cats[1], *cats[2]]
    w_counts = [*cats[0].values(), *cats[1].values(), *cats[2].values()]
    a_keys = list(cats[AMMUNITION])
    t = book.totals
    sizes = case_sizes(t[0] + t[1] + t[2], mean, rng)
    if len(sizes) <= 1:                                   # one case: the whole book
        keys = w_keys + a_keys
        return sizes or [0], [0] * len(keys), keys, w_counts + list(
            cats[AMMUNITION].values())
    k, n_lots = len(sizes), len(w_keys)
    # deal the weapons to the cases: a random permutation of the lot labels, cut in sizes
    labels = rng.permutation(np.repeat(np.arange(n_lots), w_counts))
    tally = np.bincount(np.repeat(np.arange(0, k * n_lots, n_lots), sizes) + labels,
                        minlength=k * n_lots)
    found = np.flatnonzero(tally)
    case = (found // n_lots).tolist()
    keys = [w_keys[i] for i in (found % n_lots).tolist()]
    counts_out = tally[found].tolist()
    if a_keys:                  # each ammunition lot to one case, chosen by weapons held
        cum = np.cumsum(sizes)
        case.extend(np.searchsorted(cum, rng.random(len(a_keys)) * cum[-1],
                                    side="right").tolist())
        keys.extend(a_keys)
        counts_out.extend(cats[AMMUNITION].values())
    return sizes, case, keys, counts_out


def split_rounds(rounds: int, sizes: list[int], rng: np.random.Generator) -> list[int]:
    """Rounds shared among cases in proportion to their weapons (multinomial)."""
    if not rounds:
        return [0] * len(sizes)
    if len(sizes) == 1:
        return [rounds]
    return rng.multinomial(rounds, np.array(sizes, dtype=float) / sum(sizes)).tolist()
