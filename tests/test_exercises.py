"""The workshop guide tells the truth: every "What to observe" sentence of
docs/workshop.md is a claim declared with its exercise (flowsim/app/exercises.py), and
each claim's rule holds over ten seeds of the exercise against its baseline; the reversed
claim fails on the same runs. This is the test to re-run after any model change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowsim.app.claims import CHANGES, Claim, Verdict, check_all
from flowsim.app.exercises import EXERCISES

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "workshop.md"


@pytest.fixture(scope="module")
def verdicts() -> dict[str, list[Verdict]]:
    return check_all()


def _reversed(v: Verdict) -> Verdict:
    return Verdict(v.claim.reversed(), v.values, v.compared)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.key)
def test_every_claim_of_the_guide_holds_over_ten_seeds(ex, verdicts):
    assert len(ex.claims) >= 2
    failed = [f"{v.claim.text!r} ({v.claim.change}): {v.summary()}"
              for v in verdicts[ex.key] if not v.holds]
    assert not failed, "the guide says what the model does not show:\n" + "\n".join(failed)
    assert all(len(v.values) >= 10 for v in verdicts[ex.key])


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.key)
def test_a_reversed_claim_fails_on_the_same_runs(ex, verdicts):
    for v in verdicts[ex.key]:
        assert not _reversed(v).holds, (v.claim.text, v.claim.reversed().change, v.summary())


def test_exercise_one_says_backfire_and_many_times_would_be_false(verdicts):
    """Seizures at south-post do not fall in the first year, but do not rise "many times
    over", and Delivered does not fall: claims saying otherwise fail."""
    by_text = {v.claim.text: v for v in verdicts["1"]}
    seized = by_text["in the first year, what is seized at south-post does not fall"]
    assert seized.holds
    many = Verdict(Claim("many times", "seized at", "more than doubles", ("south-post",)),
                   tuple(x / 2 for x in seized.values), seized.compared)
    assert not many.holds             # half the rise is not "more than doubles"
    delivered = by_text["what reaches Meridia's end users does not fall"]
    falls = Verdict(Claim("falls", "delivered", "falls"), delivered.values,
                    delivered.compared)
    assert delivered.holds and not falls.holds


@pytest.mark.parametrize(("change", "values", "compared", "holds"), [
    ("rises", (12, 9, 12, 9), (10, 10, 10, 10), False),       # mean +0.5, within 2 s.e.
    ("rises", (12, 11, 12, 11), (10, 10, 10, 10), True),
    ("falls", (12, 11, 12, 11), (10, 10, 10, 10), False),
    ("rises slightly", (13, 13, 13, 13.1), (10, 10, 10, 10), False),   # +30%: not slight
    ("rises clearly", (13, 13, 13, 13.1), (10, 10, 10, 10), True),
    ("barely moves", (104, 104, 104, 104), (100, 100, 100, 100), True),
    ("barely moves", (106, 106, 106, 106), (100, 100, 100, 100), False),
    ("more than doubles", (19, 19, 19, 19.5), (10, 10, 10, 10), False),
    ("almost stops", (3, 2, 1, 2), (10, 10, 10, 10), True),
    ("almost stops", (3, 2, 4, 2.5), (10, 10, 10, 10), False),    # less than a fifth off
    ("does not fall", (9.9, 10.1, 9.9, 10.1), (10, 10, 10, 10), True),
    ("does not fall", (9, 9.1, 9, 9.1), (10, 10, 10, 10), False),
])
def test_change_words_follow_their_stated_rules(change, values, compared, holds):
    v = Verdict(Claim("x", "delivered", change), values, compared)
    assert v.holds is holds


def _observe_sections(text: str) -> dict[str, str]:
    """Exercise number -> the bullets under its "What to observe"."""
    out = {}
    for m in re.finditer(r"^## Exercise (\d)\.(.*?)(?=^## )", text, re.S | re.M):
        after = m.group(2).split("**What to observe**", 1)[-1]
        block = re.search(r"^(- .*?)\n\n", after, re.S | re.M)
        out[m.group(1)] = block.group(1) if block else ""
    return out


def test_guide_bullets_are_exactly_the_declared_claims():
    """Each claim's text is in its exercise's "What to observe" (one line break allowed
    anywhere), each bullet there carries at least one claim, the claim's words carry its
    change word, and every change word's rule is stated in the guide."""
    text = GUIDE.read_text()
    sections = _observe_sections(text)
    flat = {k: " ".join(s.split()) for k, s in sections.items()}
    for ex in EXERCISES:
        section = flat[ex.key[0]]
        for c in ex.claims:
            assert c.text in section, (ex.key, c.text)
            assert CHANGES[c.change].in_words(c.text), (c.text, c.change)
    for number, bullets in sections.items():
        claims = [c.text for ex in EXERCISES if ex.key[0] == number for c in ex.claims]
        for bullet in re.split(r"\n- ", "\n" + bullets.strip())[1:]:
            flat_bullet = " ".join(bullet.split())
            if flat_bullet.startswith("Compare the two runs"):     # an instruction
                continue
            assert any(c in flat_bullet for c in claims), f"unchecked bullet: {bullet}"
    for change in {c.change for ex in EXERCISES for c in ex.claims}:
        assert CHANGES[change].rule_text in " ".join(text.split()), change


def test_the_guide_fails_when_a_claim_text_is_reversed():
    """Editing the guide's words (not the data) is caught too."""
    text = GUIDE.read_text().replace("traffic through south-post almost stops",
                                     "traffic through south-post rises")
    section = " ".join(_observe_sections(text)["1"].split())
    claim = next(c for c in EXERCISES[0].claims if c.outcome == "passed at"
                 and c.crossings == ("south-post",))
    assert claim.text not in section
