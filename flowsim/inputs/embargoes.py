"""The scenario's ``embargoes:`` list: arms embargoes on countries, and what they change.

Transfers "in violation of an existing Security Council arms embargo" are illicit (000 ¶13);
violating an embargo is a form of illicit international transfer (000 ¶9); embargoes "can
help to eliminate the supply of small arms and light weapons to unauthorized recipients",
and their effectiveness depends on monitoring and information-sharing between groups of
experts and peace operations (000 ¶28-29); violations are "well documented" in Africa
(000 ¶64); States committed to comply with them (000 ¶102).

An embargo targets a country, from a start step to an end step, for all categories or some.
While it is in force (:mod:`flowsim.model.embargoes`): authorized transfers of the covered
categories to the target stop; moving weapons into the target illicitly costs more (the
travel cost of every crossing into it is multiplied by ``1 + cost_increase``) and is
riskier (``extra_inspection`` plus the target's ``controls.embargo_monitoring`` is added to
the inspection rate at those crossings); every covered weapon trafficked across them is a
breach, recorded in the flows. ``cost_increase`` and ``extra_inspection`` are assumptions:
no seed gives a magnitude. The ``embargo_monitoring`` intervention type (a panel of experts,
cargo inspections) raises ``controls.embargo_monitoring``.

Only countries can be targeted: an embargo on an armed group is written as one on the
country where it is supplied (a limitation: the model does not tell an embargoed group's
deliveries from other end users' in the same country).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowsim.errors import InputError, did_you_mean
from flowsim.inputs.schema import MAX_STEPS, param, probability

if TYPE_CHECKING:
    from flowsim.inputs.scenario import Scenario


@dataclass(kw_only=True)
class Embargo:
    """An arms embargo on a country (000 ¶9, ¶13, ¶28-29)."""

    target: str = param(doc="Id of the country under embargo.", source="000 ¶9, ¶13, ¶28")
    start: int = param(0, "Step after which it is in force (0 = from the first step).",
                       lo=0, hi=MAX_STEPS)
    end: int | None = param(None, "Last step it is in force (null = to the end of the run); "
                            "after start.", lo=1, hi=MAX_STEPS)
    categories: list[str] = param(
        factory=list, doc="Categories it covers, from handguns, rifles, light_weapons, "
        "ammunition (empty = all arms and ammunition).")
    cost_increase: float = param(
        1.0, "While in force, the travel cost of every crossing into the target is "
        "multiplied by 1 + cost_increase (concealment, detours, middlemen).", lo=0, hi=100,
        source="000 ¶9, ¶28 (supply to embargoed recipients moves to illicit channels)",
        assumption=True)
    extra_inspection: float = probability(
        0.02, "Inspection rate added at every crossing into the target while in force "
        "(vigilance of neighbours and peace operations), before any embargo monitoring "
        "(controls.embargo_monitoring).", "000 ¶28", assumption=True)

    def in_force(self, step: int) -> bool:
        """In force at model step ``step`` (1-based): after ``start``, up to ``end``."""
        return step > self.start and (self.end is None or step <= self.end)


def check_embargoes(s: Scenario, file: str) -> None:
    """Known target countries and categories, and an end after the start."""
    from flowsim.inputs.scenario import CATEGORIES

    countries = s.country_index()
    for i, e in enumerate(s.embargoes):
        path = f"embargoes[{i}]"
        if e.target not in countries:
            raise InputError(file, f"{path}.target", f"refers to undefined country "
                             f"'{e.target}'{did_you_mean(e.target, countries)}; defined: "
                             f"{', '.join(sorted(countries))}")
        for j, cat in enumerate(e.categories):
            if cat not in CATEGORIES:
                raise InputError(file, f"{path}.categories[{j}]", f"expected one of "
                                 f"{', '.join(CATEGORIES)}, got '{cat}'"
                                 f"{did_you_mean(cat, CATEGORIES)}")
        if e.end is not None and e.end <= e.start:
            raise InputError(file, f"{path}.end", f"expected a step after start ({e.start}), "
                             f"got {e.end}")
