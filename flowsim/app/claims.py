"""What the workshop guide says the exercises show, as data a test can check.

Every bullet under "What to observe" in ``docs/workshop.md`` is made of :class:`Claim`
texts declared beside the exercise (:mod:`flowsim.app.exercises`). A claim names an outcome
(a headline flow of :func:`flowsim.outputs.metrics.run_totals`, or weapons passed or seized
at named crossings from :func:`~flowsim.outputs.metrics.route_totals`), a window of steps
(months), what it is compared with (the baseline: the same scenario and seed without the
exercise's settings; or another exercise) and a change word from :data:`CHANGES`. Each
change word has one numeric rule over paired runs (same seed for the exercise and what it
is compared with), stated in :data:`CHANGES` and quoted in the guide:

* a direction ("rises", "falls") holds when the mean paired difference over the seeds is
  more than two standard errors from zero in that direction — the runs, not one lucky
  seed, show it;
* a size word bounds the change of the mean: "slightly" within 10%, "clearly" at least 10%,
  "barely moves" within 5% either way, "more than doubles" at least 2 times,
  "almost stops" at most a fifth of the comparison; "does not fall" means the direction
  rule for "falls" does not hold.

:func:`check` runs an exercise and its comparison over seeds and returns a
:class:`Verdict` per claim; ``tests/test_exercises.py`` asserts each holds over ten seeds
and that the reversed claim fails, and ``docs/results/make_exercises.py`` writes the
measured figures into the guide. The model is illustrative (teaching scenario); the claims
describe what it robustly does, including the backfire of exercise 1 (traffic moving to
weaker crossings: ant trade and displacement, 000 ¶9, ¶58).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from flowsim.outputs.metrics import route_totals, run_totals

#: Outcomes of :func:`run_totals` a claim may name (weapons).
FLOWS = ("diverted", "trafficked", "seized", "delivered")
#: Outcomes at named crossings: weapons that crossed, and weapons seized there.
AT_CROSSINGS = {"passed at": 0, "seized at": 1}


@dataclass(frozen=True)
class Change:
    """A change word of the guide and its rule (``rule(diff_mean, diff_se, ratio)``)."""

    words: str
    rule_text: str
    rule: Callable[[float, float, float], bool]
    reverse: str
    says: tuple[str, ...] = ()      # other words a claim's text may use for it

    def in_words(self, text: str) -> bool:
        """Whether ``text`` says this change (its words, or one of ``says``)."""
        return (all(w.rstrip("s") in text for w in self.words.split())
                or any(w in text for w in self.says))


def _up(d: float, se: float) -> bool:
    return d > 2 * se and d > 0


def _down(d: float, se: float) -> bool:
    return d < -2 * se and d < 0


#: Change word -> rule. ``d``: mean paired difference (exercise - comparison) over the
#: seeds; ``se``: its standard error; ``r``: ratio of the means (exercise / comparison).
CHANGES: dict[str, Change] = {c.words: c for c in (
    Change("rises", "the mean paired difference over the seeds is above zero by more than "
           "two standard errors", lambda d, se, r: _up(d, se), "falls",
           ("more than in the",)),
    Change("falls", "the mean paired difference over the seeds is below zero by more than "
           "two standard errors", lambda d, se, r: _down(d, se), "rises",
           ("fewer",)),
    Change("rises slightly", "rises, and by at most 10% of the comparison's mean",
           lambda d, se, r: _up(d, se) and r <= 1.10, "falls slightly"),
    Change("falls slightly", "falls, and by at most 10% of the comparison's mean",
           lambda d, se, r: _down(d, se) and r >= 0.90, "rises slightly"),
    Change("rises clearly", "rises, and by at least 10% of the comparison's mean",
           lambda d, se, r: _up(d, se) and r >= 1.10, "falls clearly"),
    Change("falls clearly", "falls, and by at least 10% of the comparison's mean",
           lambda d, se, r: _down(d, se) and r <= 0.90, "rises clearly"),
    Change("barely moves", "the means differ by at most 5% either way",
           lambda d, se, r: 0.95 <= r <= 1.05, "moves clearly"),
    Change("moves clearly", "the means differ by at least 10% either way",
           lambda d, se, r: r <= 0.90 or r >= 1.10, "barely moves"),
    Change("does not fall", "the mean paired difference over the seeds is not below zero "
           "by more than two standard errors", lambda d, se, r: not _down(d, se), "falls"),
    Change("more than doubles", "rises, to at least twice the comparison's mean",
           lambda d, se, r: _up(d, se) and r >= 2.0, "falls"),
    Change("almost stops", "falls, to at most a fifth of the comparison's mean",
           lambda d, se, r: _down(d, se) and r <= 0.2, "rises"),
)}


@dataclass(frozen=True)
class Claim:
    """One checkable sentence of the guide.

    Args:
        text: the words as they appear in the guide's "What to observe" bullets.
        outcome: one of :data:`FLOWS`, or "passed at" / "seized at" with ``crossings``.
        change: a key of :data:`CHANGES` (the rule the text's words stand for).
        crossings: crossing ids whose weapons are summed (for "passed at"/"seized at").
        steps: first and last step (month) of the window, inclusive; default the
            exercise's whole run.
        against: "baseline", or the key of another exercise run with the same seeds.
    """

    text: str
    outcome: str
    change: str
    crossings: tuple[str, ...] = ()
    steps: tuple[int, int] | None = None
    against: str = "baseline"

    def reversed(self) -> Claim:
        """The same claim with the opposite change (a test shows it fails)."""
        return Claim(self.text, self.outcome, CHANGES[self.change].reverse, self.crossings,
                     self.steps, self.against)

    def measure(self, model, horizon: int) -> float:
        first, last = self.steps or (1, horizon)
        if self.outcome in FLOWS:
            return float(run_totals(model, first, last)[self.outcome])
        where = route_totals(model, first, last)["crossings"]
        return float(sum(where[c][AT_CROSSINGS[self.outcome]] for c in self.crossings))


@dataclass(frozen=True)
class Verdict:
    """A claim measured over seeds: the paired values and whether its rule holds."""

    claim: Claim
    values: tuple[float, ...]           # the exercise, per seed
    compared: tuple[float, ...]         # the baseline (or other exercise), per seed

    @property
    def diff_mean(self) -> float:
        return float(np.mean(np.subtract(self.values, self.compared)))

    @property
    def diff_se(self) -> float:
        d = np.subtract(self.values, self.compared)
        return float(np.std(d, ddof=1) / math.sqrt(len(d))) if len(d) > 1 else math.inf

    @property
    def ratio(self) -> float:
        base = float(np.mean(self.compared))
        return float(np.mean(self.values)) / base if base else math.inf

    @property
    def holds(self) -> bool:
        return CHANGES[self.claim.change].rule(self.diff_mean, self.diff_se, self.ratio)

    def summary(self) -> str:
        """Plain words: the change of the mean and how many seeds went which way."""
        d = np.subtract(self.values, self.compared)
        up, down = int((d > 0).sum()), int((d < 0).sum())
        change = (f"{self.ratio:.2g} times" if self.ratio >= 2 or self.ratio <= 0.5 else
                  f"{100 * (self.ratio - 1):+.0f}%")
        if change in ("+0%", "-0%"):
            change = f"{100 * (self.ratio - 1):+.1f}%"
        return f"{change}; higher in {up}, lower in {down} of {len(d)} seeds"


def check(exercise, claims: Iterable[Claim], seeds: Iterable[int],
          run: Callable[[object, int], object]) -> list[Verdict]:
    """Measure ``claims`` of ``exercise`` over ``seeds``.

    ``run(exercise, seed, baseline)`` returns a finished model: the exercise's run, or
    (``baseline=True``) its scenario without the exercise's settings, run at least as long
    as the exercise. Another exercise named by ``against`` is run as itself.
    """
    from flowsim.app.exercises import BY_KEY

    seeds = list(seeds)
    out = []
    for claim in claims:
        base = claim.against == "baseline"
        other = exercise if base else BY_KEY[claim.against]
        values = tuple(claim.measure(run(exercise, s, False), exercise.steps) for s in seeds)
        compared = tuple(claim.measure(run(other, s, base), exercise.steps) for s in seeds)
        out.append(Verdict(claim, values, compared))
    return out


def runner(scenario_for: Callable[[str], object]) -> Callable[..., object]:
    """A caching ``run`` for :func:`check`: each exercise once per seed, and each
    scenario's baseline once per seed, as long as its longest exercise."""
    from flowsim.app.exercises import EXERCISES
    from flowsim.app.session import Setup

    cache: dict[tuple[str, int], object] = {}

    def run(exercise, seed: int, baseline: bool):
        key = (f"baseline of {exercise.scenario}" if baseline else exercise.key, seed)
        if key not in cache:
            setup = Setup(scenario_for(exercise.scenario), exercise.scenario)
            steps = max(e.steps for e in EXERCISES if e.scenario == exercise.scenario)
            if not baseline:
                setup.use_exercise(exercise)
                steps = exercise.steps
            cache[key] = setup.flow_model(seed).run(steps)
        return cache[key]

    return run


#: The seeds the guide's sentences are checked over.
SEEDS = tuple(range(1, 11))


def check_all(seeds: Iterable[int] = SEEDS) -> dict[str, list[Verdict]]:
    """Every exercise's claims over ``seeds`` (exercise key -> verdicts), with the shipped
    scenarios."""
    from functools import cache

    from flowsim.app.exercises import EXERCISES
    from flowsim.app.session import shipped_scenarios
    from flowsim.inputs.scenario import load_scenario

    shipped = shipped_scenarios()
    run = runner(cache(lambda name: load_scenario(shipped[name])))
    seeds = list(seeds)
    return {ex.key: check(ex, ex.claims, seeds, run) for ex in EXERCISES}
