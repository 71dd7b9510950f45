"""Applying events and interventions to a running model: each step, every targeted parameter
is reset to its baseline, then the events in force (:mod:`flowsim.inputs.events`) and the
active interventions are applied in order.

What an intervention *is* (type, targets, timing, strength, cost) is the input format's
business (:mod:`flowsim.inputs.interventions`, which also says what each type moves and
cites the seeds); this module binds those levers to the model's objects.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from flowsim.inputs.events import EVENT_TYPES, Event
from flowsim.inputs.interventions import TYPES, Intervention, Lever

if TYPE_CHECKING:
    from flowsim.model.flow_model import FlowModel


def _apply(value: float, how: str, amount: float) -> float:
    if how == "set":
        return amount
    if how == "raise":
        return value + amount * (1.0 - value)
    if how == "lower":
        return value * (1.0 - amount)
    return value + amount


class _Conflict:
    """One country's conflict intensity as an attribute, for the bindings (the model keeps
    intensities in an array that the stockpiles read every step)."""

    def __init__(self, model: FlowModel, country: int):
        self.model, self.country = model, country

    @property
    def intensity(self) -> float:
        return float(self.model.conflict[self.country])

    @intensity.setter
    def intensity(self, value: float) -> None:
        self.model.conflict[self.country] = value


class Schedule:
    """Applies a scenario's events and a list of interventions to a model, step by step."""

    def __init__(self, model: FlowModel, interventions: list[Intervention]):
        self.items = interventions
        self.model = model
        index = model.scenario.country_index()
        by_id = {a.spec.id: a for a in model.stockpile_list}
        self.bindings: list[list[tuple[Any, str, str, float]]] = []
        for iv in interventions:
            objs: list[tuple[Any, str, str, float]] = []
            for lever in TYPES[iv.type].levers:
                for obj in self._objects(iv, lever, index, by_id):
                    objs.append((obj, lever.name, lever.how, getattr(obj, lever.name)))
            self.bindings.append(objs)
        self.events = model.scenario.events
        self.event_bindings = [self._event_objects(ev, index) for ev in self.events]

    def _event_objects(self, ev: Event, index: dict) -> list[tuple[Any, str, str, float]]:
        """What an event moves (:data:`flowsim.inputs.events.EVENT_TYPES`), with baselines."""
        m, kind = self.model, EVENT_TYPES[ev.type]
        countries = {index[c] for c in ev.countries}
        if kind.level == "country":
            objs: list[Any] = [m.controls[c] for c in sorted(countries)]
        elif kind.level == "conflict":
            objs = [_Conflict(m, c) for c in sorted(countries)]
        else:                                  # crossings into and out of the countries
            objs = [b for b in m.borders if b.country in countries
                    or int(m.network.src[b.directed]) in countries]
        return [(o, kind.name, kind.how, getattr(o, kind.name)) for o in objs]

    def _objects(self, iv: Intervention, lever: Lever, index: dict, by_id: dict) -> list:
        m, t = self.model, iv.targets
        countries = [index[c] for c in t.countries]
        if lever.level == "country":
            return [m.controls[c] for c in countries]
        if lever.level == "stockpile":
            chosen = [by_id[s] for s in t.stockpiles]
            chosen += [a for a in m.stockpile_list if a.country in countries
                       and a.spec.owner != "civilian_licensed"]
            return list(dict.fromkeys(chosen))
        chosen = [b for b in m.borders if b.crossing_id in t.crossings
                  or b.border_id in t.borders or b.country in countries]
        return chosen

    def apply(self, step: int) -> None:
        """Reset targeted parameters to their baselines, then apply the events in force,
        then active interventions."""
        for objs in self.bindings:
            for obj, name, _how, base in objs:
                setattr(obj, name, base)
        for objs in self.event_bindings:
            for obj, name, _how, base in objs:
                setattr(obj, name, base)
        for ev, objs in zip(self.events, self.event_bindings, strict=True):
            if ev.active(step):
                for obj, name, how, _base in objs:
                    setattr(obj, name, min(_apply(getattr(obj, name), how, ev.size),
                                           math.inf if how == "add" else 1.0))
        for iv, objs in zip(self.items, self.bindings, strict=True):
            amount = iv.effect(step) * iv.strength
            if amount <= 0:
                continue
            for obj, name, how, _base in objs:
                setattr(obj, name, min(_apply(getattr(obj, name), how, amount),
                                       math.inf if how == "add" else 1.0))
