"""Weapons as lots: counts with attributes, never one Python object per weapon.

A :class:`LotBook` maps a :data:`LotKey` (category, diversion mechanism, origin country,
origin stockpile, marked, recorded) to a count. Books merge by adding counts under the
same key and split by drawing counts (binomial or hypergeometric), so a stockpile of
millions costs no more than one of hundreds and bookkeeping stays exact in integers.
Keys are kept per category with running totals, so the questions asked most often
("how many rifles?", "take 20 rifles") do not scan the other categories.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from flowsim.inputs.scenario import CATEGORIES

#: Ways weapons enter the illicit realm (000 ¶6; 001 ¶11; 004 ¶25-26; 003), and
#: ``pre_existing``: illicit holdings end users already have at the start, of unknown origin;
#: ``store_leakage``: seized or collected weapons leaking again from the authorities' stores
#: (disposal, a stage of diversion in 000 ¶6; 000 ¶71);
#: ``assembled``: assembled at destination from parts sold online (flowsim.model.online);
#: ``brokered``: released by a broker's deal with forged end-user documents (model.brokers).
MECHANISMS = ("theft", "loss", "insider", "battlefield_capture", "civilian_leakage",
              "transfer_fraud", "reexport", "craft", "conversion", "printed", "pre_existing",
              "store_leakage", "assembled", "brokered")
#: Mechanisms whose weapons are not industrially made (000 ¶33: ~90% of seized are).
NOT_INDUSTRIAL = ("craft", "conversion", "printed")
N_CAT = len(CATEGORIES)
AMMUNITION = CATEGORIES.index("ammunition")     # counted in rounds; not traced
NO_STOCKPILE = -1
_VECTOR_FROM = 12   # lots above which thin() draws with one vectorised call
_SCALAR_UP_TO = 5   # groups up to which split() draws group by group
_HYPERGEOMETRIC_MAX = 10**9   # numpy's hypergeometric draws need smaller populations


def split(counts: list[int], n: int, rng: np.random.Generator) -> list[int]:
    """Draw ``n`` items without replacement from groups of ``counts`` items: how many come
    from each group (multivariate hypergeometric, exact; ``n`` at most ``sum(counts)``).

    A few groups are drawn one after another with scalar hypergeometric draws (each group
    given what is left); many groups with numpy's vectorised draw, whose per-call
    overhead is the larger cost for a few.
    """
    left = sum(counts)
    if left >= _HYPERGEOMETRIC_MAX:
        return _split_large(counts, n, rng)
    if len(counts) > _SCALAR_UP_TO:
        return rng.multivariate_hypergeometric(
            np.array(counts, dtype=np.int64), n, method="marginals").tolist()
    hypergeometric, out = rng.hypergeometric, []
    for c in counts:
        left -= c
        if n and c:
            got = hypergeometric(c, left, n) if left else n     # a scalar draw is an int
            n -= got
            out.append(got)
        else:
            out.append(0)
    return out


def _split_large(counts: list[int], n: int, rng: np.random.Generator) -> list[int]:
    """:func:`split` for populations numpy cannot draw hypergeometrically (10^9 or more):
    group by group, a binomial draw with the group's share of what is left, kept within
    what the group holds and what the other groups can give. Same mean; the variance lacks
    only the finite-population factor (N - n) / (N - 1), negligible at such sizes. Exact
    in counts: the draws sum to ``n``."""
    left, out = sum(counts), []
    for c in counts:
        rest = left - c
        if not n or not c:
            got = 0
        elif not rest:
            got = n
        else:
            got = min(c, max(n - rest, int(rng.binomial(n, c / left))))
        out.append(got)
        n -= got
        left = rest
    return out


class LotKey(NamedTuple):
    category: int
    mechanism: int
    origin_country: int
    origin_stockpile: int  # NO_STOCKPILE for illicitly produced weapons
    marked: bool
    recorded: bool


def _move_lots(source: dict[LotKey, int], keys: list[LotKey], counts: list[int],
               drawn: list[int], target: dict[LotKey, int]) -> int:
    """Move ``drawn[i]`` of the ``counts[i]`` weapons of lot ``keys[i]`` from ``source`` to
    ``target`` (one category's lot tables; a lot emptied is removed); return how many moved.
    The one loop behind thinning and taking."""
    moved = 0
    for key, have, n in zip(keys, counts, drawn, strict=True):
        if n:
            if left := have - n:
                source[key] = left
            else:
                del source[key]
            target[key] = n
            moved += n
    return moved


class LotBook:
    """A set of lots: counts of weapons keyed by their attributes."""

    __slots__ = ("cats", "totals")

    def __init__(self) -> None:
        self.cats: list[dict[LotKey, int]] = [{}, {}, {}, {}]
        self.totals = [0, 0, 0, 0]

    def __bool__(self) -> bool:
        t = self.totals
        return bool(t[0] or t[1] or t[2] or t[3])

    def __iter__(self) -> Iterator[tuple[LotKey, int]]:
        for d in self.cats:
            yield from d.items()

    def add(self, key: LotKey, n: int) -> None:
        if n > 0:
            d = self.cats[key.category]
            d[key] = d.get(key, 0) + int(n)
            self.totals[key.category] += int(n)

    def absorb(self, other: LotBook, copy: bool = False) -> None:
        """Move all of ``other``'s lots into this book, leaving ``other`` empty (new lot
        tables). With ``copy``, a table this book would take over whole
        (:meth:`add_lots`) is copied instead, so ``other``'s old tables stay as they are
        for whoever else keeps them (:class:`flowsim.model.cases.CaseBatch`)."""
        for k, n_other in enumerate(other.totals):
            if n_other:
                lots = other.cats[k]
                self.add_lots(k, dict(lots) if copy and not self.cats[k] else lots, n_other)
                other.cats[k] = {}
                other.totals[k] = 0

    def add_lots(self, category: int, lots: dict[LotKey, int], total: int) -> None:
        """Add ``lots`` (of ``category``, ``total`` weapons; the dict may be kept) to this
        book."""
        mine = self.cats[category]
        if not mine:
            self.cats[category] = lots
        else:
            get = mine.get
            for key, n in lots.items():
                mine[key] = get(key, 0) + n
        self.totals[category] += total

    def total(self) -> int:
        return sum(self.totals)

    def by_category(self) -> np.ndarray:
        return np.array(self.totals, dtype=np.int64)

    def _move(self, keys: list[LotKey], counts: list[int], drawn: list[int], out: LotBook,
              sizes: list[tuple[int, int]]) -> None:
        """Move ``drawn[i]`` of the ``counts[i]`` weapons of ``keys[i]`` from this book to
        ``out`` (empty); the lists hold ``sizes``' (category, number of lots) in turn."""
        if len(sizes) == 1:                 # one category: no slices to copy
            k = sizes[0][0]
            moved = _move_lots(self.cats[k], keys, counts, drawn, out.cats[k])
            self.totals[k] -= moved
            out.totals[k] += moved
            return
        start = 0
        for k, size in sizes:
            end = start + size
            moved = _move_lots(self.cats[k], keys[start:end], counts[start:end],
                               drawn[start:end], out.cats[k])
            self.totals[k] -= moved
            out.totals[k] += moved
            start = end

    def thin(self, p: float, rng: np.random.Generator) -> LotBook:
        """Remove each weapon independently with probability ``p``; return the removed lots."""
        out = LotBook()
        total = sum(self.totals)
        if p <= 0 or not total:
            return out
        if p >= 1:
            return self.pop_all()
        # Fast path, exact: nothing is removed with probability (1 - p) ** total. Otherwise
        # draw Binomial(count, p) for every lot until something is removed (rejection gives
        # the law conditional on a removal). One vectorised draw for many lots, scalar
        # draws for a few (numpy's per-call overhead is the larger cost there).
        if rng.random() < (1.0 - p) ** total:
            return out
        keys, counts, sizes = [], [], []
        for k, d in enumerate(self.cats):
            if d:
                keys.extend(d)
                counts.extend(d.values())
                sizes.append((k, len(d)))
        if len(counts) > _VECTOR_FROM:
            counts_array = np.array(counts, dtype=np.int64)
            while True:
                drawn = rng.binomial(counts_array, p).tolist()
                if any(drawn):
                    break
        else:
            binomial = rng.binomial
            while True:
                drawn = [binomial(n, p) for n in counts]
                if any(drawn):
                    break
        self._move(keys, counts, drawn, out, sizes)
        return out

    def take(self, n: int, rng: np.random.Generator, category: int) -> LotBook:
        """Remove ``n`` weapons of ``category`` drawn at random; return them."""
        out = LotBook()
        lots, taken = self.take_lots(n, rng, category)
        if taken:
            out.cats[category] = lots
            out.totals[category] = taken
        return out

    def take_lots(self, n: int, rng: np.random.Generator, category: int
                  ) -> tuple[dict[LotKey, int], int]:
        """:meth:`take` without the book around the lots: ``(lots, weapons taken)`` (the
        hot paths, loading a cargo and a market's purchase, want the lots)."""
        have_total = self.totals[category]
        if n <= 0 or not have_total:
            return {}, 0
        d = self.cats[category]
        if n >= have_total:                 # everything: hand the whole lot table over
            self.cats[category] = {}
            self.totals[category] = 0
            return d, have_total
        if len(d) == 1:
            (key, have), = d.items()
            d[key] = have - n
            got = {key: n}
        else:
            counts = list(d.values())
            got = {}
            _move_lots(d, list(d), counts, split(counts, n, rng), got)
        self.totals[category] -= n         # split() draws exactly n
        return got, n

    def pop_all(self) -> LotBook:
        out = LotBook()
        out.cats, out.totals = self.cats, self.totals
        self.cats, self.totals = [{} for _ in range(N_CAT)], [0] * N_CAT
        return out
