"""Starting settings of the guided exercises in ``docs/workshop.md``, offered by the app's
exercise menu, and what the guide says each shows. Each is the shipped teaching scenario
plus lever settings and, for the funded-programme exercise, an intervention
(:mod:`flowsim.inputs.interventions`) whose funding stops; the embargo exercise adds an
arms embargo (:mod:`flowsim.inputs.embargoes`, 000 ¶28). The baseline comparison runs the
scenario without them.

An exercise's ``claims`` (:class:`flowsim.app.claims.Claim`) are the "What to observe"
sentences of the guide, as data: ``tests/test_exercises.py`` runs each exercise and its
baseline over ten seeds and checks every claim's rule, and that each guide bullet is made
of claim texts. Change a claim and the guide together. Exercise 1's claims describe a
backfire (000 ¶9 ant trade, ¶58 border controls): hardening the main post moves traffic to
the weaker unofficial crossings into Meridia, so total seizures fall and deliveries rise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flowsim.app.claims import Claim
from flowsim.app.levers import Key


@dataclass(frozen=True)
class Exercise:
    key: str
    title: str
    scenario: str                                  # shipped scenario name
    settings: dict[Key, float] = field(default_factory=dict)
    programme: tuple[dict, ...] = ()               # interventions, as in a scenario YAML
    embargoes: tuple[dict, ...] = ()               # embargoes, as in a scenario YAML
    steps: int = 60                                # how long the guide says to run it
    claims: tuple[Claim, ...] = ()                 # the guide's "What to observe"

    @property
    def observe(self) -> str:
        """What to watch for, in the guide's words (shown in the app)."""
        return " ".join(c.text[0].upper() + c.text[1:].replace("**", "") + "."
                        for c in self.claims)


def _pssm_programme(half_life: float) -> tuple[dict, ...]:
    """Exercise 3's programme: PSSM for Estria's state stockpiles, funded for 36 months."""
    return ({"type": "stockpile_security", "name": "PSSM programme",
             "targets": {"countries": ["EST"]}, "strength": 0.8, "start": 0,
             "duration": 36, "ramp_up": 6, "half_life": half_life},)


_SOUTH = "south-post"
_INTO_MERIDIA_UNOFFICIAL = ("south-desert", "bush-paths")
_INTO_MERIDIA = (_SOUTH, *_INTO_MERIDIA_UNOFFICIAL)
_ESTRIA_EXITS = ("east-post", "east-river", "bush-paths")

#: What exercise 4 shows (checked over ten seeds by tests/test_exercises.py)
EMBARGO_CLAIMS = (
    Claim("**Delivered** falls: the embargo makes smuggling into Meridia dearer",
          "delivered", "falls"),
    Claim("the weapons seized at the crossings into Meridia (south-post, south-desert and "
          "the bush paths) rise: its monitoring seizes more of the weapons brought in breach "
          "of it", "seized at", "rises", _INTO_MERIDIA),
)

EXERCISES = (
    Exercise(
        "1", "1. Harden one border: displacement", "teaching",
        settings={("crossing", _SOUTH, "inspection_rate"): 0.8,
                  ("crossing", _SOUTH, "detection_probability"): 0.9,
                  ("crossing", _SOUTH, "corruption"): 0.02},
        claims=(
            Claim("in the first year, what is seized at south-post does not fall",
                  "seized at", "does not fall", (_SOUTH,), steps=(1, 12)),
            Claim("over the five years, traffic through south-post almost stops",
                  "passed at", "almost stops", (_SOUTH,)),
            Claim("the unofficial crossings into Meridia (south-desert and the bush paths) "
                  "carry more than in the baseline", "passed at", "rises",
                  _INTO_MERIDIA_UNOFFICIAL),
            Claim("**Seized** in total falls slightly", "seized", "falls slightly"),
            Claim("**Delivered** barely moves", "delivered", "barely moves"),
            Claim("what reaches Meridia's end users does not fall", "delivered",
                  "does not fall"),
        )),
    Exercise(
        "2a", "2a. Secure Estria's stockpiles", "teaching",
        settings={("country", "EST", "pssm"): 0.8},
        claims=(
            Claim("in the first year, **Diverted** already falls clearly", "diverted",
                  "falls clearly", steps=(1, 12)),
            Claim("over the five years **Trafficked** falls clearly", "trafficked",
                  "falls clearly"),
            Claim("**Seized** falls clearly", "seized", "falls clearly"),
            Claim("**Delivered** falls clearly", "delivered", "falls clearly"),
        )),
    Exercise(
        "2b", "2b. Harden Estria's borders instead", "teaching",
        settings={("crossing", "east-post", "inspection_rate"): 0.6,
                  ("crossing", "east-river", "inspection_rate"): 0.4,
                  ("crossing", "bush-paths", "inspection_rate"): 0.4},
        claims=(
            Claim("**Diverted** barely moves", "diverted", "barely moves"),
            Claim("the weapons seized at Estria's exits (east-post, east-river, bush "
                  "paths) more than double", "seized at", "more than doubles",
                  _ESTRIA_EXITS),
            Claim("fewer weapons pass Estria's exits", "passed at", "falls",
                  _ESTRIA_EXITS),
            Claim("**Seized** in total rises", "seized", "rises"),
            Claim("**Delivered** barely moves", "delivered", "barely moves"),
        )),
    Exercise(
        "3a", "3a. Funded programme stops after 3 years", "teaching",
        programme=_pssm_programme(half_life=0), steps=96,
        claims=(
            Claim("while funded (steps 7-36), **Diverted** falls clearly", "diverted",
                  "falls clearly", steps=(7, 36)),
            Claim("from step 43 to 96, diversion is back at the baseline level: "
                  "**Diverted** barely moves", "diverted", "barely moves", steps=(43, 96)),
        )),
    Exercise(
        "3b", "3b. Same programme, sustained by the state", "teaching",
        programme=_pssm_programme(half_life=36), steps=96,
        claims=(
            Claim("from step 43 to 96, **Diverted** still falls compared with the "
                  "baseline", "diverted", "falls", steps=(43, 96)),
            Claim("after eight years, **Diverted** falls compared with 3a",
                  "diverted", "falls", against="3a"),
            Claim("after eight years, **Delivered** falls compared with 3a",
                  "delivered", "falls", against="3a"),
        )),
    Exercise(
        "4", "4. A monitored arms embargo on Meridia", "teaching",
        settings={("country", "MER", "embargo_monitoring"): 0.3},
        embargoes=({"target": "MER"},),
        claims=EMBARGO_CLAIMS),
)

BY_KEY = {e.key: e for e in EXERCISES}
