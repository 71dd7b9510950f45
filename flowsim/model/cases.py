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

from itertools import accumulate

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
    batch = CaseBatch()
    batch.add(book, mean)
    sizes, _, case, keys, counts = batch.split(rng)
    return sizes, case, keys, counts


class CaseBatch:
    """Seized books waiting to be cut into cases, all at once: the step's inland
    possession seizures of every country (:meth:`flowsim.model.flow_model.FlowModel
    .record_possession`). One book or many, the law is :func:`split_cases`'s; cutting them
    together costs a handful of array operations per step instead of per seizure."""

    def __init__(self) -> None:
        self.books: list[tuple[list[LotKey], list[int], list[LotKey], list[int], float]] = []

    def __len__(self) -> int:
        return len(self.books)

    def add(self, book: LotBook, mean: float) -> None:
        """Queue ``book`` (read now: the caller may empty it afterwards), cut with case
        size mean ``mean``."""
        cats = book.cats
        self.books.append(([*cats[0], *cats[1], *cats[2]],
                           [*cats[0].values(), *cats[1].values(), *cats[2].values()],
                           list(cats[AMMUNITION]), list(cats[AMMUNITION].values()), mean))

    def split(self, rng: np.random.Generator
              ) -> tuple[list[int], list[int], list[int], list[LotKey], list[int]]:
        """Cut every queued book and empty the queue. Returns ``(sizes, book_of, case,
        keys, counts)``: every case's size and the index of its book, in book order, and
        one row per (case, lot) with the case's index among all cases."""
        books, self.books = self.books, []
        weapons = [sum(b[1]) for b in books]
        sizes_of = _sizes_many(weapons, [b[4] for b in books], rng)
        sizes = [x for s in sizes_of for x in s]
        book_of = [i for i, s in enumerate(sizes_of) for _ in s]
        first = list(accumulate((len(s) for s in sizes_of), initial=0))
        case: list[int] = []
        keys: list[LotKey] = []
        counts: list[int] = []
        # the weapons: books cut into one case take their lots whole; the others are dealt
        dealt, big = [], []
        for i, s in enumerate(sizes_of):
            if len(s) == 1:
                w_keys = books[i][0]
                case.extend([first[i]] * len(w_keys))
                keys.extend(w_keys)
                counts.extend(books[i][1])
            elif weapons[i] <= PERMUTE_UP_TO:
                dealt.append(i)
            else:
                big.append(i)
        if dealt:
            c, k, n = _deal_many([books[i] for i in dealt], [sizes_of[i] for i in dealt],
                                 [first[i] for i in dealt], rng)
            case += c
            keys += k
            counts += n
        for i in big:
            c, k, n = _deal_by_case(books[i][0], books[i][1], sizes_of[i], rng)
            case.extend([first[i] + x for x in c])
            keys += k
            counts += n
        # the ammunition: each lot whole to one case of its book, chosen by weapons held
        ammo = [i for i, b in enumerate(books) if b[2]]
        if ammo:
            n_lots = [len(books[i][2]) for i in ammo]
            held = np.repeat([weapons[i] for i in ammo], n_lots)
            before = np.cumsum(weapons) - weapons                 # weapons of earlier books
            at = np.repeat(before[ammo], n_lots) + rng.random(len(held)) * held
            chosen = np.searchsorted(np.cumsum(sizes), at, side="right")
            # a draw rounded to the book's edge (floats, huge earlier books) stays in the
            # book, at the case the exact draw would have reached; a book with no weapons
            # has one case (first == last), which np.clip then gives every lot
            lo = np.repeat([first[i] for i in ammo], n_lots)
            hi = np.repeat([first[i + 1] - 1 for i in ammo], n_lots)
            case += np.clip(chosen, lo, hi).tolist()
            for i in ammo:
                keys += books[i][2]
                counts += books[i][3]
        return sizes, book_of, case, keys, counts


def _sizes_many(weapons: list[int], means: list[float], rng: np.random.Generator
                ) -> list[list[int]]:
    """:func:`case_sizes` for several books (one empty case for a book with no weapons),
    the geometric sizes of all drawn in one call: a book whose draws fall short of its
    weapons (rare) draws again on its own, as :func:`case_sizes` does."""
    out: list[list[int]] = [[]] * len(weapons)
    geo, p, n = [], [], []
    for i, (w, mean) in enumerate(zip(weapons, means, strict=True)):
        if w <= 1:
            out[i] = [w]
        elif mean <= 1.0 and w <= MAX_CASES:
            out[i] = [1] * w
        else:
            geo.append(i)
            p.append(min(1.0, 1.0 / mean))
            n.append(min(int(w * p[-1] * 1.25) + 8, MAX_CASES))
    if not geo:
        return out
    drawn = rng.geometric(np.repeat(p, n))
    cum = np.cumsum(drawn)
    ends = np.cumsum(n)
    base = np.concatenate(([0], cum[ends[:-1] - 1]))      # drawn before each book's draws
    target = base + np.array([weapons[i] for i in geo])
    reach = np.searchsorted(cum, target).tolist()          # first draw reaching its total
    drawn_l, cum_l, base_l, ends_l = drawn.tolist(), cum.tolist(), base.tolist(), ends.tolist()
    start = 0
    for j, i in enumerate(geo):
        k, end = reach[j], ends_l[j]
        if k >= end:                                       # fell short: draw again, alone
            out[i] = case_sizes(weapons[i], means[i], rng)
        else:
            sizes = drawn_l[start:k + 1]
            sizes[-1] = weapons[i] - (cum_l[k - 1] - base_l[j] if k > start else 0)
            out[i] = sizes
        start = end
    return out


def _deal_many(books: list[tuple], sizes: list[list[int]],
               first: list[int], rng: np.random.Generator
               ) -> tuple[list[int], list[LotKey], list[int]]:
    """Deal each book's weapons (``book[0]`` lot keys, ``book[1]`` counts) to its cases: a
    random permutation of its lot labels (sorting on a uniform draw within book index) cut in
    its ``sizes``, tallied into one row per (case, lot) with weapons; ``first`` is each
    book's first case index."""
    w_keys = [k for b in books for k in b[0]]
    w_counts = [n for b in books for n in b[1]]
    weapons = [sum(s) for s in sizes]
    n_lots = len(w_keys)
    labels = np.repeat(np.arange(n_lots), w_counts)     # weapons in book order
    order = np.lexsort((rng.random(len(labels)), np.repeat(np.arange(len(books)), weapons)))
    case_ids = np.repeat([c for f, s in zip(first, sizes, strict=True)
                          for c in range(f, f + len(s))],
                         [x for s in sizes for x in s])
    found, tally = np.unique(case_ids * n_lots + labels[order], return_counts=True)
    keys = [w_keys[i] for i in (found % n_lots).tolist()]
    return (found // n_lots).tolist(), keys, tally.tolist()


def _deal_by_case(w_keys: list[LotKey], w_counts: list[int], sizes: list[int],
                  rng: np.random.Generator) -> tuple[list[int], list[LotKey], list[int]]:
    """:func:`_deal_many` for a book of many weapons: each case draws its size from what is left
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
