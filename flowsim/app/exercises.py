"""Starting settings of the guided exercises in ``docs/workshop.md``, offered by the app's
exercise menu. Each is the shipped teaching scenario plus lever settings and, for the
funded-programme exercise, an intervention (:mod:`flowsim.inputs.interventions`) whose
funding stops; the embargo exercise adds an arms embargo (:mod:`flowsim.inputs.embargoes`,
000 ¶28). The baseline comparison runs the scenario without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flowsim.app.levers import Key


@dataclass(frozen=True)
class Exercise:
    key: str
    title: str
    scenario: str                                  # shipped scenario name
    settings: dict[Key, float] = field(default_factory=dict)
    programme: tuple[dict, ...] = ()               # interventions, as in a scenario YAML
    embargoes: tuple[dict, ...] = ()               # embargoes, as in a scenario YAML
    observe: str = ""


#: What exercise 4 shows; tests/test_channels.py checks it over ten seeds at step 60.
EMBARGO_OBSERVE = ("Delivered stays below the baseline's: the embargo makes smuggling into "
                   "Meridia dearer, and its monitoring seizes more of the weapons brought in "
                   "breach of it at Meridia's crossings.")


def _pssm_programme(half_life: float) -> tuple[dict, ...]:
    """Exercise 3's programme: PSSM for Estria's state stockpiles, funded for 36 months."""
    return ({"type": "stockpile_security", "name": "PSSM programme",
             "targets": {"countries": ["EST"]}, "strength": 0.8, "start": 0,
             "duration": 36, "ramp_up": 6, "half_life": half_life},)


EXERCISES = (
    Exercise(
        "1", "1. Harden one border: displacement", "teaching",
        settings={("crossing", "south-post", "inspection_rate"): 0.8,
                  ("crossing", "south-post", "detection_probability"): 0.9,
                  ("crossing", "south-post", "corruption"): 0.02},
        observe="Seizures at south-post jump, then south-post goes quiet and the flow "
                "moves to unofficial crossings, above all the bush paths; Delivered barely "
                "moves compared with the baseline."),
    Exercise(
        "2a", "2a. Secure Estria's stockpiles", "teaching",
        settings={("country", "EST", "pssm"): 0.8},
        observe="Diversion in Estria falls at the source: fewer weapons to traffic at all."),
    Exercise(
        "2b", "2b. Harden Estria's borders instead", "teaching",
        settings={("crossing", "east-post", "inspection_rate"): 0.6,
                  ("crossing", "east-river", "inspection_rate"): 0.4,
                  ("crossing", "bush-paths", "inspection_rate"): 0.4},
        observe="Diversion is unchanged; more is seized at Estria's exits, but part "
                "reaches end users by other crossings."),
    Exercise(
        "3a", "3a. Funded programme stops after 3 years", "teaching",
        programme=_pssm_programme(half_life=0),
        observe="Diversion in Estria falls while funded, then returns to the baseline "
                "level within months of step 36."),
    Exercise(
        "3b", "3b. Same programme, sustained by the state", "teaching",
        programme=_pssm_programme(half_life=36),
        observe="After step 36 the effect fades slowly (half-life 36 months) instead of "
                "stopping: compare the diverted counter with 3a."),
    Exercise(
        "4", "4. A monitored arms embargo on Meridia", "teaching",
        settings={("country", "MER", "embargo_monitoring"): 0.3},
        embargoes=({"target": "MER"},),
        observe=EMBARGO_OBSERVE),
)

BY_KEY = {e.key: e for e in EXERCISES}
