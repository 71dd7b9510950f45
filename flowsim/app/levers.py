"""The workshop levers: the controls a participant moves in the app, per country, per
crossing and per trafficking mode, and how a change reaches a scenario or a running model.

A setting is a mapping ``{(level, target id, field): value}``. :func:`apply_to_scenario`
writes settings into a copy of a scenario (what Reset and the baseline comparison use);
:func:`apply_to_model` changes a running model from its next step, through the same public
attributes the interventions move (:mod:`flowsim.model.schedule`): a country's ``controls``
and a crossing's ``inspection_rate``, ``detection_probability`` and ``corruption``.
Trafficker numbers change the agents themselves, so they apply on Reset only.

What each lever means and its source is the scenario format's documentation
(:class:`flowsim.inputs.scenario.Controls`, :class:`~flowsim.inputs.scenario.Crossing`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowsim.inputs.scenario import MODES, Scenario

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel

Key = tuple[str, str, str]          # (level, target id, field)


@dataclass(frozen=True)
class Lever:
    """One slider: a field at a level, its label, range and whether it needs a Reset."""

    level: str          # country, crossing or mode
    field: str
    label: str
    hi: float = 1.0
    step: float = 0.01
    on_reset: bool = False


#: Per country; each is a :class:`~flowsim.inputs.scenario.Controls` field (record-keeping
#: and marking are the national programmes, shares of state-held weapons per year; inland
#: policing is the share of illicit weapons in the country seized per year).
COUNTRY_LEVERS = (
    Lever("country", "pssm", "Stockpile security"),
    Lever("country", "ammunition_pssm", "Ammunition security"),
    Lever("country", "record_keeping_programme", "Record-keeping"),
    Lever("country", "marking_programme", "Marking"),
    Lever("country", "tracing_capacity", "Tracing capacity"),
    Lever("country", "tracing_cooperation", "Tracing cooperation"),
    Lever("country", "licensing", "Civilian licensing"),
    Lever("country", "inland_policing", "Inland policing"),
    Lever("country", "mobile_inspection", "Mobile inspection", hi=1.0),
    Lever("country", "embargo_monitoring", "Embargo monitoring (if under embargo)"),
    Lever("country", "postal_cyber_policing", "Postal and cyber policing (online sales)"),
    Lever("country", "parts_marking", "Marking of parts sold online"),
    Lever("country", "brokering_controls", "Brokering controls"),
)
CROSSING_LEVERS = (
    Lever("crossing", "inspection_rate", "Inspection rate"),
    Lever("crossing", "detection_probability", "Detection"),
    Lever("crossing", "corruption", "Corruption"),
)
MODE_LEVER = Lever("mode", "count", "Traffickers", hi=200, step=1, on_reset=True)


def country_value(scenario: Scenario, country: str, field: str) -> float:
    c = next(c for c in scenario.countries if c.id == country)
    return float(getattr(c.controls, field))


def crossing_value(scenario: Scenario, crossing: str, field: str) -> float:
    return float(getattr(_crossing(scenario, crossing), field))


def mode_count(scenario: Scenario, mode: str) -> int:
    return sum(t.count for t in scenario.traffickers if t.mode == mode)


def modes(scenario: Scenario) -> list[str]:
    """Trafficking modes the scenario's groups use, in the format's order."""
    used = {t.mode for t in scenario.traffickers}
    return [m for m in MODES if m in used]


def baseline_value(scenario: Scenario, key: Key) -> float:
    level, target, field = key
    if level == "country":
        return country_value(scenario, target, field)
    if level == "crossing":
        return crossing_value(scenario, target, field)
    return float(mode_count(scenario, target))


def _crossing(scenario: Scenario, crossing: str):
    return next(x for b in scenario.borders for x in b.crossings if x.id == crossing)


def apply_to_scenario(scenario: Scenario, settings: dict[Key, float]) -> Scenario:
    """A copy of ``scenario`` with ``settings`` written in (``scenario`` is not modified)."""
    s = copy.deepcopy(scenario)
    for (level, target, field), value in settings.items():
        if level == "country":
            c = next(c for c in s.countries if c.id == target)
            setattr(c.controls, field, float(value))
        elif level == "crossing":
            setattr(_crossing(s, target), field, float(value))
        elif level == "mode":
            _set_mode_count(s, target, int(round(value)))
    return s


def _set_mode_count(s: Scenario, mode: str, total: int) -> None:
    """Share ``total`` traffickers among the mode's groups in proportion to their counts
    (largest remainders), so a group of 20 and one of 10 stay two to one."""
    groups = [t for t in s.traffickers if t.mode == mode]
    before = sum(t.count for t in groups)
    if not groups:
        return
    weights = [t.count / before if before else 1 / len(groups) for t in groups]
    exact = [w * total for w in weights]
    counts = [int(e) for e in exact]
    order = sorted(range(len(groups)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[:total - sum(counts)]:
        counts[i] += 1
    for t, n in zip(groups, counts, strict=True):
        t.count = n


def apply_to_model(model: FlowModel, key: Key, value: float) -> bool:
    """Change a running model from its next step. Returns False when the lever needs a
    Reset (trafficker numbers)."""
    level, target, field = key
    if level == "country":
        ci = model.country_ids.index(target)
        setattr(model.controls[ci], field, float(value))
        return True
    if level == "crossing":
        for border in model.borders:             # both directions of the crossing
            if border.crossing_id == target:
                setattr(border, field, float(value))
        return True
    return False
