"""The seed-patterns format: figures from the seed documents that a run's outputs can be
compared with (pattern-oriented validation).

A patterns file (``calibration/seed-patterns.yaml``) lists patterns. Each names a figure in
the seeds (statement and citation, e.g. ``000 ¶33``), the **statistic** that computes the
comparable quantity from a run's output tables (one of :data:`STATISTICS`, documented
below: a fixed formula over named tables, not free code), the seed's figure (``target``),
the acceptable ``range`` and why that range, and where it applies: a mapping of scenario
names to the countries whose outputs are pooled (an empty list means every country).
A scenario not named there gets "not applicable"; a scenario named there *declares* the
pattern applicable, and ``flowsim patterns --strict`` fails if it then turns out not
applicable (too few events, or an output the model does not write).

Each pattern states the **basis** the seed's figure is on and is computed on it: ``basis``
``weapons`` (shares of weapons, as "two thirds of firearms", 000 ¶34) or ``cases`` (shares
of seizure cases, as "9 per cent of cases", 000 ¶34: rows of ``cases.csv``, seizures only,
firearms cases only); ``pooling`` ``pooled`` (one ratio over the countries, as the
aggregate of national reports, 000 ¶32) or ``country_mean`` (the ratio per country, then
the mean over the countries with a non-zero denominator, as "countries on average",
000 ¶33-34; the denominator judged against ``min_denominator`` is still the total).

Each pattern has a **role**: ``fit`` (used by ``flowsim calibrate``), ``validate`` (held
out: never used for fitting; the validation count quotes only these) or ``consistency``
(follows from the inputs by construction, e.g. disposition shares from defaults derived
from the same 000 ¶32 counts: a check that the inputs say what they cite, not a test of
the model). A figure the seeds give that no pattern compares is listed under
``not_compared`` with the reason (an outcome the model lacks, or a basis no output
expresses), so that each figure in the seeds is either compared or excluded in the open.

``flowsim patterns`` (:mod:`flowsim.studies.patterns`) computes each applicable
statistic over replications; a pattern **holds** when the mean over replications lies in
its range. ``flowsim calibrate`` can fit a scenario to a patterns file
(:mod:`flowsim.calibration.pattern_targets`).

Print this reference with ``python -m flowsim.inputs.patterns`` (it is
``docs/patterns.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.schema import build, check_kind, load_yaml, param, reference


@dataclass(frozen=True)
class Statistic:
    """A named statistic: a pooled ratio ``numerator / denominator`` over named tables."""

    name: str
    tables: tuple[str, ...]
    numerator: str
    denominator: str
    cases: str = ""             # its numerator on the cases basis ("": weapons only)


#: Every statistic a pattern can name. Shares pool the pattern's countries (ratio of sums,
#: not mean of ratios) over the steps ``from_step``..end of the run; weapons exclude
#: ammunition throughout.
STATISTICS: dict[str, Statistic] = {s.name: s for s in (
    Statistic("border_seizure_share", ("seizures",),
              "weapons seized with place_type = border",
              "weapons seized (all places) in the countries",
              cases="seizure cases with place_type = border"),
    Statistic("industrial_share_seized", ("seizures",),
              "weapons seized whose mechanism is not craft, conversion or printed "
              "(industrially made)",
              "weapons seized"),
    Statistic("marked_share_seized", ("seizures",),
              "weapons seized with marked = true", "weapons seized"),
    Statistic("illicit_possession_ground_share", ("seizures",),
              "weapons seized with legal_ground = illicit_possession", "weapons seized",
              cases="seizure cases with legal_ground = illicit_possession"),
    Statistic("trafficking_ground_share", ("seizures",),
              "weapons seized with legal_ground = trafficking", "weapons seized",
              cases="seizure cases with legal_ground = trafficking"),
    Statistic("trace_success", ("disposition",),
              "traced_domestic + traced_foreign", "trace_requests (rows of the pattern's "
              "source)"),
    Statistic("trace_success_domestic", ("disposition",),
              "traced_domestic", "trace_requests (rows of the pattern's source)"),
    Statistic("trace_success_foreign", ("disposition",),
              "traced_foreign", "trace_requests (rows of the pattern's source)"),
    Statistic("trace_requests_per_weapon", ("disposition",),
              "trace_requests", "count (rows of the pattern's source)"),
    Statistic("disposition_marked_share", ("disposition",),
              "marked", "count (rows of the pattern's source)"),
    Statistic("disposition_recorded_share", ("disposition",),
              "recorded", "count (rows of the pattern's source)"),
    Statistic("disposition_destroyed_share", ("disposition",),
              "destroyed", "count (rows of the pattern's source)"),
    Statistic("disposition_no_action_share", ("disposition",),
              "no_action", "count (rows of the pattern's source)"),
    Statistic("military_surplus_share", ("scenario",),
              "surplus weapons (holdings x surplus_share) of military stockpiles at step 0",
              "weapons held by military stockpiles at step 0"),
    Statistic("surplus_destroyed_per_collected", ("flows",),
              "weapons destroyed with mechanism = none (state surplus)",
              "weapons with flow = collected"),
)}

SOURCES = ("seized", "collected", "any")
BASES = ("weapons", "cases")
POOLINGS = ("pooled", "country_mean")
ROLES = ("fit", "validate", "consistency")


@dataclass(kw_only=True)
class Pattern:
    """One figure from the seed documents and how a run is compared with it."""

    id: str = param(doc="Short unique name.")
    statement: str = param(doc="What the seed says, in words.")
    citation: str = param(doc="Seed file prefix and paragraph, e.g. '000 ¶33'.")
    statistic: str = param(doc="How the figure is computed from a run's outputs (see the "
                           "statistics table).", choices=tuple(STATISTICS))
    source: str = param("any", "For disposition statistics: which weapons' disposition rows "
                        "(seized, collected or any).", choices=SOURCES)
    role: str = param(doc="fit (used by flowsim calibrate), validate (held out, never "
                      "fitted) or consistency (follows from the inputs by construction).",
                      choices=ROLES)
    basis: str = param(doc="What the seed's share counts: weapons, or seizure cases "
                       "(cases.csv).", choices=BASES)
    pooling: str = param(doc="pooled (one ratio over the countries) or country_mean (mean of "
                         "the countries' ratios: the seed's 'on average').", choices=POOLINGS)
    tests: str = param("", "What a hold tells: the mechanism a validate pattern tests, the "
                       "parameter a fit pattern targets, or the input a consistency check "
                       "follows from.")
    target: float = param(doc="The seed's figure, as a ratio.", lo=0)
    range: list[float] = param(doc="[low, high]: the acceptable range of the model's mean.")
    range_reason: str = param(doc="Why that range.")
    applies_to: dict[str, list[str]] = param(
        doc="Scenario name -> country ids whose outputs are pooled ([] = all countries). "
            "Scenarios not named: not applicable.")
    from_step: int = param(1, "First step counted (a burn-in before it is ignored).", lo=1)
    min_denominator: float = param(
        1.0, "Below this mean denominator over replications the pattern is not applicable "
        "(too few events to compare).", lo=0)


@dataclass(kw_only=True)
class NotCompared:
    """A figure in the seeds that no pattern compares, and why (so that every figure the
    seeds give is either a pattern or has a stated reason)."""

    figure: str = param(doc="The seed's figure or wording.")
    citation: str = param(doc="Seed file prefix and paragraph, e.g. '000 ¶35'.")
    reason: str = param(doc="Why no pattern compares it: what the outputs lack, or why the "
                        "seed's basis differs from any the outputs can express.")


@dataclass(kw_only=True)
class PatternFile:
    """A file of seed patterns (pattern-oriented validation)."""

    description: str = param("", "What these patterns are.")
    patterns: list[Pattern] = param(doc="The patterns.")
    not_compared: list[NotCompared] = param(
        doc="Seed figures no pattern compares, each with the reason.", factory=list)


def patterns_from_data(data: object, file: str) -> PatternFile:
    """Build and check a patterns file's data; raises InputError with file and key path."""
    check_kind(data, "patterns", file)
    spec = build(PatternFile, data, file)
    if not spec.patterns:
        raise InputError(file, "patterns", "expected at least one pattern")
    seen: set[str] = set()
    for i, p in enumerate(spec.patterns):
        where = f"patterns[{i}]"
        if p.id in seen:
            raise InputError(file, f"{where}.id", f"duplicate pattern id '{p.id}'")
        seen.add(p.id)
        if len(p.range) != 2 or not 0 <= p.range[0] <= p.range[1]:
            raise InputError(file, f"{where}.range", f"expected [low, high] with "
                             f"0 <= low <= high, got {p.range}")
        if not p.range[0] <= p.target <= p.range[1]:
            raise InputError(file, f"{where}.target", f"expected the target inside the range "
                             f"{p.range}, got {p.target:g}")
        if p.basis == "cases" and not STATISTICS[p.statistic].cases:
            raise InputError(file, f"{where}.basis", f"expected 'weapons': statistic "
                             f"'{p.statistic}' has no cases basis (the statistics with one: "
                             f"{', '.join(s.name for s in STATISTICS.values() if s.cases)})")
        if not p.applies_to:
            raise InputError(file, f"{where}.applies_to", "expected at least one scenario")
    return spec


def load_patterns(path: str | Path) -> PatternFile:
    """Read and check a patterns file; raises InputError naming the file and key path."""
    return patterns_from_data(load_yaml(path), str(path))


def check_countries(spec: PatternFile, scenario_name: str, countries: set[str],
                    file: str) -> None:
    """Every country a pattern names for ``scenario_name`` must exist in that scenario."""
    for i, p in enumerate(spec.patterns):
        for j, c in enumerate(p.applies_to.get(scenario_name, [])):
            if c not in countries:
                raise InputError(file, f"patterns[{i}].applies_to.{scenario_name}[{j}]",
                                 f"unknown country '{c}' in scenario '{scenario_name}'"
                                 f"{did_you_mean(c, countries)}")


def is_patterns_data(data: object) -> bool:
    """Whether YAML data looks like a patterns file (its top-level keys), for ``validate``."""
    return isinstance(data, dict) and "patterns" in data and "scenario" not in data


def patterns_reference() -> str:
    """Markdown reference: the patterns file format and every statistic."""
    lines = ["# Seed patterns reference", "", (__doc__ or "").split("\n\n", 1)[1].strip(), "",
             "## Statistics", "",
             "Each is a ratio over the pattern's countries and steps (weapons, not "
             "ammunition), pooled or averaged over countries as the pattern's `pooling` "
             "says. On the cases basis the denominator is the seizure cases with at least one "
             "firearm (`cases.csv`, agency not collection).", "",
             "| statistic | tables | numerator | denominator | numerator on the cases basis |",
             "|---|---|---|---|---|"]
    lines += [f"| `{s.name}` | {', '.join(f'`{t}`' for t in s.tables)} | {s.numerator} | "
              f"{s.denominator} | {s.cases or '(weapons only)'} |"
              for s in STATISTICS.values()]
    return ("\n".join(lines) + "\n\n" + shipped_by_role()
            + reference(PatternFile, "patterns file (top level)"))


SHIPPED = Path(__file__).resolve().parents[2] / "calibration" / "seed-patterns.yaml"
_ROLE_TITLES = {
    "validate": "Validation (held out: never fitted, no input derived from the figure)",
    "fit": "Fitted (targets of `flowsim calibrate`; holding them is not evidence)",
    "consistency": "Consistency checks (follow from the inputs by construction)",
}


def shipped_by_role() -> str:
    """The shipped patterns (calibration/seed-patterns.yaml), listed by role."""
    if not SHIPPED.exists():
        return ""
    spec = load_patterns(SHIPPED)
    out = ["## The shipped patterns, by role", "",
           "Roles and bases as `calibration/seed-patterns.yaml` declares them (its header "
           "says why each pattern has its role). `flowsim patterns` prints one count per "
           "role; reports quote only the validation count.", ""]
    for role, title in _ROLE_TITLES.items():
        out += [f"### {title}", "", "| pattern | source | basis | seed figure [range] | "
                "what it tests |", "|---|---|---|---|---|"]
        out += [f"| `{p.id}` | {p.citation} | {p.basis}, {p.pooling.replace('_', ' ')} | "
                f"{p.target:g} [{p.range[0]:g}, {p.range[1]:g}] | {p.tests} |"
                for p in spec.patterns if p.role == role]
        out.append("")
    if spec.not_compared:
        out += ["### Seed figures not compared, and why", "",
                "Every further figure the seeds give was examined (issue #22); these are not "
                "patterns, for the reason given (`not_compared` in the file).", "",
                "| seed figure | source | why not compared |", "|---|---|---|"]
        out += [f"| {n.figure} | {n.citation} | {n.reason} |" for n in spec.not_compared]
        out.append("")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(patterns_reference())
