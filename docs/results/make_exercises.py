"""What the workshop guide's "What to observe" sentences rest on: the rule of each change
word and, for each sentence, the change over ten seeds (flowsim/app/claims.py; the same
runs tests/test_exercises.py checks)."""

from __future__ import annotations

from flowsim.app.claims import CHANGES, SEEDS, check_all
from flowsim.app.exercises import BY_KEY


def generate() -> str:
    verdicts = check_all()
    used = sorted({v.claim.change for vs in verdicts.values() for v in vs})
    lines = ["| change word | holds when (paired runs, same seed) |", "|---|---|"]
    lines += [f"| {w} | {CHANGES[w].rule_text} |" for w in used]
    lines += ["", f"| exercise | sentence | rule | compared with | change of the mean over "
              f"seeds {SEEDS[0]}-{SEEDS[-1]} | holds |", "|---|---|---|---|---|---|"]
    for key, vs in verdicts.items():
        for v in vs:
            c = v.claim
            first, last = c.steps or (1, BY_KEY[key].steps)
            window = f"months {first}-{last}"
            against = "baseline" if c.against == "baseline" else f"exercise {c.against}"
            lines.append(f"| {key} | {c.text} ({window}) | {c.change} | {against} | "
                         f"{v.summary()} | {'yes' if v.holds else '**no**'} |")
    return "\n".join(lines) + "\n"
