"""Weapons as lots: counts with attributes, never one Python object per weapon.

A :class:`LotBook` maps a :data:`LotKey` (category, diversion mechanism, origin country,
origin stockpile, marked, recorded) to a count. Books merge by adding counts under the
same key and split by drawing counts (binomial or hypergeometric), so a stockpile of
millions costs no more than one of hundreds and bookkeeping stays exact in integers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from flowsim.scenario import CATEGORIES

#: Ways weapons enter the illicit realm (000 ¶6; 001 ¶11; 004 ¶25-26; 003).
MECHANISMS = ("theft", "loss", "insider", "battlefield_capture", "civilian_leakage",
              "transfer_fraud", "reexport", "craft", "conversion", "printed")
#: Mechanisms that create weapons (illicit production) rather than divert existing ones.
PRODUCTION_MECHANISMS = ("craft", "conversion", "printed")
N_CAT = len(CATEGORIES)
NO_STOCKPILE = -1


class LotKey(NamedTuple):
    category: int
    mechanism: int
    origin_country: int
    origin_stockpile: int  # NO_STOCKPILE for illicitly produced weapons
    marked: bool
    recorded: bool


class LotBook:
    """A set of lots: counts of weapons keyed by their attributes."""

    __slots__ = ("counts",)

    def __init__(self, counts: dict[LotKey, int] | None = None):
        self.counts: dict[LotKey, int] = counts if counts is not None else {}

    def __len__(self) -> int:
        return len(self.counts)

    def __bool__(self) -> bool:
        return bool(self.counts)

    def __iter__(self) -> Iterator[tuple[LotKey, int]]:
        return iter(self.counts.items())

    def add(self, key: LotKey, n: int) -> None:
        if n > 0:
            self.counts[key] = self.counts.get(key, 0) + int(n)

    def merge(self, other: LotBook) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n

    def total(self) -> int:
        return sum(self.counts.values())

    def by_category(self) -> np.ndarray:
        out = np.zeros(N_CAT, dtype=np.int64)
        for key, n in self.counts.items():
            out[key.category] += n
        return out

    def value(self, prices: np.ndarray) -> float:
        return float(sum(prices[k.category] * n for k, n in self.counts.items()))

    def _remove(self, keys: list[LotKey], drawn: np.ndarray) -> LotBook:
        out = LotBook()
        for key, d in zip(keys, drawn.tolist(), strict=True):
            if d:
                left = self.counts[key] - d
                if left:
                    self.counts[key] = left
                else:
                    del self.counts[key]
                out.counts[key] = d
        return out

    def thin(self, p: float, rng: np.random.Generator) -> LotBook:
        """Remove each weapon independently with probability ``p``; return the removed lots."""
        if p <= 0 or not self.counts:
            return LotBook()
        if p >= 1:
            out, self.counts = LotBook(self.counts), {}
            return out
        keys = list(self.counts)
        drawn = rng.binomial(np.fromiter(self.counts.values(), np.int64, len(keys)), p)
        return self._remove(keys, drawn)

    def take(self, n: int, rng: np.random.Generator, category: int | None = None) -> LotBook:
        """Remove ``n`` weapons drawn at random (of one category if given); return them."""
        keys = [k for k in self.counts if category is None or k.category == category]
        if n <= 0 or not keys:
            return LotBook()
        have = np.fromiter((self.counts[k] for k in keys), np.int64, len(keys))
        total = int(have.sum())
        if n >= total:
            return self._remove(keys, have)
        if len(keys) == 1:
            return self._remove(keys, np.array([n]))
        return self._remove(keys, rng.multivariate_hypergeometric(have, n))

    def pop_all(self) -> LotBook:
        out, self.counts = LotBook(self.counts), {}
        return out
