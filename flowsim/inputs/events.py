"""Events over time: what happens to a country that nobody funds as an intervention.

A scenario's ``events:`` list makes rates change over time, so national series are not
smooth trends: an **enforcement campaign** (police sweeps: inland policing up), an
**amnesty / collection drive** (collection up; 000 ¶69; 001 ¶41), a **conflict** starting
or ending (conflict intensity set: battlefield capture from state stockpiles follows it,
000 ¶6, ¶8) and a **border closure** (inspection at every crossing into and out of the
country up; 000 ¶58). Each event has countries, a ``start`` step (1 = the first step), a
``duration`` in steps and a ``size``; it is in force on steps ``start`` to ``start +
duration - 1`` and the parameters go back to their values when it ends.

Each step the schedule (:mod:`flowsim.model.schedule`) recomputes every parameter an event
or an intervention targets from its baseline, applies the events in force, then the
interventions. :data:`EVENT_TYPES` is the one place that says which parameter each type
moves and how (``raise``: ``value + size x (1 - value)``; ``add``: ``value + size``;
``set``: ``size``). Sizes and timings are the scenario author's: the seeds describe such
events but give no magnitudes (assumptions, to set from national data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.schema import MAX_STEPS, param, probability

if TYPE_CHECKING:
    from flowsim.inputs.scenario import Scenario


@dataclass(frozen=True)
class EventType:
    level: str        # "country" (a Controls field), "crossing" (BorderAgent) or "conflict"
    name: str         # attribute moved
    how: str          # raise, add or set
    source: str
    doc: str


EVENT_TYPES: dict[str, EventType] = {
    "enforcement_campaign": EventType(
        "country", "inland_policing", "raise", "000 ¶34; 004 ¶25 (seizures mostly inland)",
        "Police campaign: raises controls.inland_policing by size x (1 - value)."),
    "collection_drive": EventType(
        "country", "collection", "add", "000 ¶32, ¶69; 001 ¶41 (amnesties, collection, DDR)",
        "Amnesty or collection drive: adds size to controls.collection (per year)."),
    "conflict": EventType(
        "conflict", "intensity", "set", "000 ¶6, ¶8 (battlefield capture)",
        "Conflict onset (size > 0) or end (size 0): conflict intensity is size while it "
        "lasts; it moves battlefield capture from state stockpiles (markets' demand keeps "
        "the scenario's conflict_intensity)."),
    "border_closure": EventType(
        "crossing", "inspection_rate", "raise", "000 ¶58 (border and customs controls)",
        "Border closure: raises the inspection rate of every crossing into and out of the "
        "countries by size x (1 - value)."),
}


@dataclass(kw_only=True)
class Event:
    """Something that happens to countries for a while (not funded: no cost)."""

    type: str = param(doc="What happens (see the event types).", choices=tuple(EVENT_TYPES))
    countries: list[str] = param(doc="Country ids it happens in.")
    start: int = param(doc="First step it is in force (1 = the first step).", lo=1,
                       hi=MAX_STEPS)
    duration: int = param(doc="Steps it lasts.", lo=1, hi=MAX_STEPS)
    size: float = probability(doc="How large (see the type): share of the gap to 1 closed, "
                              "amount added, or the value set.")

    def active(self, step: int) -> bool:
        return self.start <= step < self.start + self.duration


def check_events(events: list[Event], scenario: Scenario, file: str) -> None:
    """Every event names at least one country, and only countries of the scenario."""
    known = {c.id for c in scenario.countries}
    for i, ev in enumerate(events):
        if not ev.countries:
            raise InputError(file, f"events[{i}].countries", "expected at least one country id")
        for j, cid in enumerate(ev.countries):
            if cid not in known:
                raise InputError(file, f"events[{i}].countries[{j}]", f"refers to undefined "
                                 f"country '{cid}'{did_you_mean(cid, known)}")


def event_reference() -> str:
    """Markdown table of event types and the parameter each moves."""
    lines = ["| type | moves | source | meaning |", "|---|---|---|---|"]
    for name, t in EVENT_TYPES.items():
        lines.append(f"| `{name}` | {t.level} `{t.name}` ({t.how}) | {t.source} | {t.doc} |")
    return "\n".join(lines)
