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
never one object per weapon. The random draws are made in the step (:meth:`CaseBatch.draw`,
in the model's stream); the rest of the cut, fixed by them (:meth:`DrawnCases.cut`), when
the cases are first read (:class:`flowsim.model.ledger.Ledger`).
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate, chain, repeat

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
    # a few dozen draws at most, as a rule: plain lists cost less than numpy calls here
    while True:
        drawn = rng.geometric(p, size=n).tolist()
        cum = list(accumulate(drawn))
        if cum[-1] >= weapons or n == MAX_CASES:
            break
        n = min(2 * n, MAX_CASES)               # rare: draw again, more
    if cum[-1] < weapons:                        # the cap: the last case takes the rest
        drawn[-1] += weapons - cum[-1]
        return drawn
    k = bisect_left(cum, weapons)               # first case reaching the total
    sizes = drawn[:k + 1]
    sizes[k] = weapons - (cum[k - 1] if k else 0)
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
        #: per book: its four lot tables (kept, not copied), its weapons, the case size mean
        self.books: list[tuple[tuple[dict, ...], int, float]] = []
        self.totals = [0, 0, 0, 0]       # weapons (rounds) queued, by category

    def __len__(self) -> int:
        return len(self.books)

    def add(self, book: LotBook, mean: float) -> None:
        """Queue ``book``, cut with case size mean ``mean``. Its lot tables are kept as they
        are, not copied: the caller may empty the book (give it new tables) but must not
        change them, nor let another book take them over (``LotBook.absorb(..., copy=True)``)."""
        cats, t, mine = book.cats, book.totals, self.totals
        mine[0] += t[0]
        mine[1] += t[1]
        mine[2] += t[2]
        mine[3] += t[3]
        self.books.append(((cats[0], cats[1], cats[2], cats[3]), t[0] + t[1] + t[2], mean))

    def split(self, rng: np.random.Generator, start: int = 0
              ) -> tuple[list[int], list[int], list[int], list[LotKey], list[int]]:
        """Cut every queued book and empty the queue. Returns ``(sizes, book_of, case,
        keys, counts)``: every case's size and the index of its book, in book order, and
        one row per (case, lot) with the case's number: ``start`` plus its index among all
        cases (the ledger numbers its cases on from the ones it has)."""
        return self.draw(rng, start).cut()

    def draw(self, rng: np.random.Generator, start: int = 0, grounds: bool = False
             ) -> DrawnCases:
        """Make every random draw the cut of the queued books needs, in the order
        :meth:`split` makes them, and empty the queue; :meth:`DrawnCases.cut` does the
        rest, which is deterministic, when the cases are read (the model's ledger keeps
        them until then: a run whose cases nobody reads does not pay for cutting them).
        With ``grounds``, one uniform draw per case follows, for its legal ground."""
        books, self.books, self.totals = self.books, [], [0, 0, 0, 0]
        weapons = [b[1] for b in books]
        sizes_of = _sizes_many(weapons, [b[2] for b in books], rng)
        n_dealt = n_ammo = 0
        big = []
        for i, sizes in enumerate(sizes_of):
            if len(sizes) > 1:
                if weapons[i] <= PERMUTE_UP_TO:
                    n_dealt += weapons[i]
                else:
                    big.append(i)
            n_ammo += len(books[i][0][AMMUNITION])
        n_cases = sum(map(len, sizes_of)) if grounds else 0
        if big:        # the deal (uniforms), the big books (hypergeometric), then the rest
            u_deal = rng.random(n_dealt)
            cut_big = [_deal_by_case(*_lot_lists(books[i][0])[:2], sizes_of[i], rng)
                       for i in big]
            u = rng.random(n_ammo + n_cases)
        else:          # consecutive uniforms: one call draws the same numbers as three
            u = rng.random(n_dealt + n_ammo + n_cases)
            u_deal, u = u[:n_dealt], u[n_dealt:]
            cut_big = []
        return DrawnCases([b[0] for b in books], weapons, sizes_of, start, u_deal, big,
                          cut_big, u[:n_ammo], u[n_ammo:].tolist() if grounds else None)


def _lot_lists(tables: tuple[dict, ...]) -> tuple[list, list, list, list]:
    """A book's weapon lots (keys, counts) and rounds (keys, counts) from its lot tables."""
    a, b, c, rounds = tables
    return ([*a, *b, *c], [*a.values(), *b.values(), *c.values()], list(rounds),
            list(rounds.values()))


class DrawnCases:
    """A batch of seized books with the random draws of their cut made
    (:meth:`CaseBatch.draw`): :meth:`cut` works the cases out from them, the same cut as
    :meth:`CaseBatch.split` makes at once. ``books`` holds each book's four lot tables,
    ``grounds`` one uniform per case (or None) for the caller's legal ground."""

    __slots__ = ("books", "weapons", "sizes_of", "start", "u_deal", "big", "cut_big",
                 "u_ammo", "grounds")

    def __init__(self, books: list[tuple], weapons: list[int], sizes_of: list[list[int]],
                 start: int, u_deal: np.ndarray, big: list[int], cut_big: list[tuple],
                 u_ammo: np.ndarray, grounds: list[float] | None) -> None:
        self.books, self.weapons, self.sizes_of, self.start = books, weapons, sizes_of, start
        self.u_deal, self.big, self.cut_big = u_deal, big, cut_big
        self.u_ammo, self.grounds = u_ammo, grounds

    def cut(self) -> tuple[list[int], list[int], list[int], list[LotKey], list[int]]:
        """``(sizes, book_of, case, keys, counts)``, as :meth:`CaseBatch.split` returns."""
        books = [_lot_lists(tables) for tables in self.books]
        weapons, sizes_of, start = self.weapons, self.sizes_of, self.start
        n_cases = [len(s) for s in sizes_of]
        first = list(accumulate(n_cases, initial=start))       # each book's first case
        sizes = list(chain.from_iterable(sizes_of))
        book_of = list(chain.from_iterable(map(repeat, range(len(books)), n_cases)))
        case: list[int] = []
        keys: list[LotKey] = []
        counts: list[int] = []
        # the weapons: books cut into one case take their lots whole; the others are dealt
        dealt = []
        for i, n in enumerate(n_cases):
            if n == 1:
                w_keys = books[i][0]
                case.extend(repeat(first[i], len(w_keys)))
                keys.extend(w_keys)
                counts.extend(books[i][1])
            elif weapons[i] <= PERMUTE_UP_TO:
                dealt.append(i)
        ammo = [i for i, b in enumerate(books) if b[2]]
        if dealt or ammo:
            sizes_arr = np.fromiter(sizes, np.int64, len(sizes))
        if dealt:
            # every dealt weapon's case, in the order the shuffled weapons fill the cases:
            # all cases in order, each repeated by its size (by none outside dealt books)
            is_dealt = np.zeros(len(books), dtype=bool)
            is_dealt[dealt] = True
            case_ids = np.arange(start, start + len(sizes)).repeat(
                sizes_arr * is_dealt.repeat(n_cases))
            c, k, n = _deal_many([books[i] for i in dealt], [weapons[i] for i in dealt],
                                 case_ids, self.u_deal)
            case += c
            keys += k
            counts += n
        for i, (c, k, n) in zip(self.big, self.cut_big, strict=True):
            case.extend([first[i] + x for x in c])         # c counts from 0 in the book
            keys += k
            counts += n
        # the ammunition: each lot whole to one case of its book, chosen by weapons held
        if ammo:
            before = list(accumulate(weapons, initial=0))          # weapons of earlier books
            # per lot of rounds: its book's weapons, weapons before it, first and last case
            held, earlier, lo, hi = np.array(
                [(weapons[i], before[i], first[i], first[i + 1] - 1) for i in ammo]
            ).repeat([len(books[i][2]) for i in ammo], axis=0).T
            at = earlier + self.u_ammo * held
            chosen = sizes_arr.cumsum().searchsorted(at, side="right") + start
            # a draw rounded to the book's edge (floats, huge earlier books) stays in the
            # book, at the case the exact draw would have reached; a book with no weapons
            # has one case (first == last), which the clipping then gives every lot
            case += np.minimum(np.maximum(chosen, lo), hi).tolist()
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
    drawn = rng.geometric(np.array(p).repeat(n))
    # each book's cut, as case_sizes makes it: cum holds the draws' running total over all
    # books (strictly increasing, the draws being 1 or more), so the first draw of a book's
    # own that reaches its weapons (a bisection within its draws) is where it is cut
    drawn_l, cum = drawn.tolist(), drawn.cumsum().tolist()
    start = 0
    for i, end in zip(geo, accumulate(n), strict=True):
        before = cum[start - 1] if start else 0           # drawn before this book's draws
        k = bisect_left(cum, before + weapons[i], start, end)
        if k == end:                                       # fell short: draw again, alone
            out[i] = case_sizes(weapons[i], means[i], rng)
        else:
            sizes = drawn_l[start:k + 1]
            sizes[-1] = weapons[i] - (cum[k - 1] - before if k > start else 0)
            out[i] = sizes
        start = end
    return out


def _deal_many(books: list[tuple], weapons: list[int], case_ids: np.ndarray,
               u: np.ndarray) -> tuple[list[int], list[LotKey], list[int]]:
    """Deal each book's weapons (``book[0]`` lot keys, ``book[1]`` counts, ``weapons`` in
    all) to its cases: a random permutation of its lot labels (sorting on ``u``, one
    uniform draw per weapon, within book index), the shuffled weapons going in turn to the
    cases in ``case_ids`` (one entry per weapon, book after book), tallied into one row
    per (case, lot) with weapons, in order of case, then lot."""
    w_keys = list(chain.from_iterable(b[0] for b in books))
    n_lots = len(w_keys)
    labels = np.arange(n_lots).repeat(list(chain.from_iterable(b[1] for b in books)))
    # the weapons in order of book, then of u, ties in input order: np.lexsort((u, book)).
    # Cheaper, the same order from one stable sort: on u alone for one book; else on an
    # integer key, numpy's uniform draws being whole multiples of 2**-53 (u * 2**53 is an
    # exact integer below 2**53), with the book index in the bits above (books below 2**10
    # keep the key under 2**63)
    if len(books) == 1:
        order = u.argsort(kind="stable")
    elif len(books) < 2**10:
        book_u = (u * 2.0**53).astype(np.int64)
        book_u |= np.arange(len(books)).repeat(weapons) << 53
        order = book_u.argsort(kind="stable")
    else:
        order = np.lexsort((u, np.arange(len(books)).repeat(weapons)))
    # np.unique(key, return_counts=True), spelled out (its overhead counts at this size):
    # sort, then each run of equal keys is one row, counted by where the runs end. The keys
    # are nearly sorted already (in case order, shuffled only within cases), which a stable
    # sort (timsort) handles several times faster than the quicksort np.unique uses (the
    # sorted integers are the same whatever the algorithm)
    key = case_ids * n_lots + labels[order]
    key.sort(kind="stable")
    last = np.empty(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=last[:-1])
    last[-1] = True
    ends = last.nonzero()[0]
    tally = ends - np.concatenate(([-1], ends[:-1]))
    case, lot = np.divmod(key[ends], n_lots)
    return case.tolist(), [w_keys[i] for i in lot.tolist()], tally.tolist()


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
    # the shares as np.array(sizes, dtype=float) / sum(sizes) would give them, bit for bit
    # (each size and the total made a float, then divided), without building an array
    total = float(sum(sizes))
    return rng.multinomial(rounds, [float(s) / total for s in sizes]).tolist()
