"""Lots: splitting books draws exactly the law it claims, and never loses or makes weapons."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.model.lots import LotBook, LotKey


def book_of(counts: list[int], category: int = 1) -> tuple[LotBook, list[LotKey]]:
    book, keys = LotBook(), []
    for i, n in enumerate(counts):
        key = LotKey(category, i % 3, 0, i, bool(i % 2), True)
        book.add(key, n)
        keys.append(key)
    return book, keys


def counts_of(book: LotBook, keys: list[LotKey]) -> np.ndarray:
    d = {k: n for k, n in book}
    return np.array([d.get(k, 0) for k in keys])


@pytest.mark.parametrize("n_lots", [3, 40])          # scalar and vectorised draws
def test_thin_removes_each_weapon_with_probability_p(n_lots):
    rng = np.random.default_rng(5)
    counts = [5 + 7 * i for i in range(n_lots)]
    p, reps = 0.03, 3000
    removed = np.zeros(n_lots)
    for _ in range(reps):
        book, keys = book_of(counts)
        out = book.thin(p, rng)
        got = counts_of(out, keys)
        assert np.array_equal(got + counts_of(book, keys), counts)      # nothing lost
        assert out.totals[1] == got.sum() and book.totals[1] == sum(counts) - got.sum()
        removed += got
    mean, expect = removed / reps, p * np.array(counts)
    se = np.sqrt(np.array(counts) * p * (1 - p) / reps)
    assert np.all(np.abs(mean - expect) < 5 * se + 1e-9)


def test_thin_of_a_small_book_keeps_everything_with_the_right_probability():
    rng = np.random.default_rng(8)
    p, reps = 0.05, 20000
    kept_all = sum(not book_of([2, 3])[0].thin(p, rng) for _ in range(reps))
    expect = (1 - p) ** 5
    assert abs(kept_all / reps - expect) < 5 * np.sqrt(expect * (1 - expect) / reps)


@pytest.mark.parametrize(("counts", "n"), [([30, 50, 20], 25), ([3000, 9000, 30000], 4000),
                                           ([5, 40, 1, 60, 33, 7, 90, 12], 100)])   # many lots
def test_take_draws_n_without_replacement(counts, n):
    rng = np.random.default_rng(2)
    reps, taken = 2000, np.zeros(len(counts))
    for _ in range(reps):
        book, keys = book_of(counts)
        out = book.take(n, rng, category=1)
        got = counts_of(out, keys)
        assert got.sum() == n == out.totals[1]
        assert np.array_equal(got + counts_of(book, keys), counts)
        taken += got
    total = sum(counts)
    share = np.array(counts) / total
    expect = n * share
    var = n * share * (1 - share) * (total - n) / (total - 1)        # hypergeometric
    assert np.all(np.abs(taken / reps - expect) < 5 * np.sqrt(var / reps))


def test_take_of_everything_and_of_another_category():
    rng = np.random.default_rng(0)
    book, keys = book_of([4, 6])
    assert not book.take(3, rng, category=0)                  # no handguns in the book
    out = book.take(50, rng, category=1)                     # more than there is
    assert out.totals[1] == 10 and not book


def test_absorb_moves_everything_and_adds_up():
    a, keys = book_of([6, 7])
    b, _ = book_of([10, 20])
    a.absorb(b)
    assert not b and b.totals == [0, 0, 0, 0]
    assert list(counts_of(a, keys)) == [16, 27]
    assert a.totals[1] == 43
    empty = LotBook()
    empty.absorb(a)                                  # into an empty book: handed over whole
    assert not a and list(counts_of(empty, keys)) == [16, 27]
