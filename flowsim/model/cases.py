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

from flowsim.model.lots import AMMUNITION, LotBook, LotKey, split

#: At most this many individual cases per split: the rest joins the last case (a guard for
#: extreme inputs, e.g. millions of weapons seized from one market in a step; the shipped
#: scenarios make a few hundred cases per split at most).
MAX_CASES = 5000
#: Up to this many weapons are dealt by a random permutation; above, case by case with
#: hypergeometric draws, whose cost does not grow with the number of weapons.
PERMUTE_UP_TO = 200_000


def case_sizes(weapons: int, mean: float, rng: np.random.Generator) -> list[int]:
    """Sizes of the cases ``weapons`` weapons fall into: geometric with mean ``mean``
    (support 1, 2, ...), the last case cut to what is left (or, past :data:`MAX_CASES`
    cases, given what is left); they sum to ``weapons``."""
    if weapons <= 1:
        return [weapons] if weapons == 1 else []
    if mean <= 1.0 and weapons <= MAX_CASES:
        return [1] * weapons
    p = min(1.0, 1.0 / mean)
    n = min(int(weapons * p * 1.25) + 8, MAX_CASES)
    while True:
        drawn = rng.geometric(p, size=n)
        cum = np.cumsum(drawn)
        if cum[-1] >= weapons or n == MAX_CASES:
            break
        n = min(2 * n, MAX_CASES)               # rare: draw again, more
    if cum[-1] < weapons:                        # the cap: the last case takes the rest
        sizes = drawn.tolist()
        sizes[-1] += weapons - int(cum[-1])
        return sizes
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
    weapons = t[0] + t[1] + t[2]
    sizes = case_sizes(weapons, mean, rng)
    if len(sizes) <= 1:                                   # one case: the whole book
        keys = w_keys + a_keys
        return sizes or [0], [0] * len(keys), keys, w_counts + list(
            cats[AMMUNITION].values())
    if weapons <= PERMUTE_UP_TO:
        case, keys, counts_out = _deal(w_keys, w_counts, sizes, rng)
    else:
        case, keys, counts_out = _deal_by_case(w_keys, w_counts, sizes, rng)
    if a_keys:                  # each ammunition lot to one case, chosen by weapons held
        cum = np.cumsum(sizes)
        case.extend(np.searchsorted(cum, rng.random(len(a_keys)) * cum[-1],
                                    side="right").tolist())
        keys.extend(a_keys)
        counts_out.extend(cats[AMMUNITION].values())
    return sizes, case, keys, counts_out


def _deal(w_keys: list[LotKey], w_counts: list[int], sizes: list[int],
          rng: np.random.Generator) -> tuple[list[int], list[LotKey], list[int]]:
    """Deal the weapons to the cases: a random permutation of the lot labels, cut in
    ``sizes``; one row per (case, lot) with weapons."""
    k, n_lots = len(sizes), len(w_keys)
    labels = rng.permutation(np.repeat(np.arange(n_lots), w_counts))
    tally = np.bincount(np.repeat(np.arange(0, k * n_lots, n_lots), sizes) + labels,
                        minlength=k * n_lots)
    found = np.flatnonzero(tally)
    keys = [w_keys[i] for i in (found % n_lots).tolist()]
    return (found // n_lots).tolist(), keys, tally[found].tolist()


def _deal_by_case(w_keys: list[LotKey], w_counts: list[int], sizes: list[int],
                  rng: np.random.Generator) -> tuple[list[int], list[LotKey], list[int]]:
    """:func:`_deal` for many weapons: each case draws its size from what is left
    (multivariate hypergeometric, :func:`flowsim.model.lots.split`): the same law."""
    left = list(w_counts)
    case: list[int] = []
    keys: list[LotKey] = []
    counts: list[int] = []
    for c, size in enumerate(sizes):
        for i, m in enumerate(split(left, size, rng)):
            if m:
                left[i] -= m
                case.append(c)
                keys.append(w_keys[i])
                counts.append(m)
    return case, keys, counts


def split_rounds(rounds: int, sizes: list[int], rng: np.random.Generator) -> list[int]:
    """Rounds shared among cases in proportion to their weapons (multinomial)."""
    if not rounds:
        return [0] * len(sizes)
    if len(sizes) == 1:
        return [rounds]
    return rng.multinomial(rounds, np.array(sizes, dtype=float) / sum(sizes)).tolist()
