"""Events over time (issue #22): each event type moves its outcome in the right direction
while it lasts, and an event of size zero, or none at all, changes nothing."""

from __future__ import annotations

import copy

import pytest

from flowsim.model.flow_model import FlowModel
from flowsim.outputs.tables import all_tables
from tests.conftest import TEACHING, scenario, write_yaml

STEPS = 30
WINDOW = (6, 20)               # event on steps 6..25 (start 6, duration 20)


def _flows(events=None, seeds=(1, 2)):
    """Flows of a few seeds (events added to the teaching scenario)."""
    out = []
    for seed in seeds:
        data = copy.deepcopy(TEACHING)
        if events is not None:
            data["events"] = events
        out.append(all_tables(FlowModel(scenario(data, steps=STEPS, seed=seed)).run()))
    return out


def _total(runs, flow, country, mechanism=None, steps=None):
    total = 0
    for t in runs:
        f = t["flows"]
        keep = (f["flow"] == flow) & (f["country"] == country) & (f["category"] != "ammunition")
        if mechanism:
            keep &= f["mechanism"] == mechanism
        if steps:
            keep &= f["step"].between(*steps)
        total += int(f.loc[keep, "count"].sum())
    return total


@pytest.fixture(scope="module")
def baseline():
    return _flows()


def _event(kind, countries, size):
    return [{"type": kind, "countries": countries, "start": WINDOW[0], "duration": WINDOW[1],
             "size": size}]


IN_WINDOW = (WINDOW[0], WINDOW[0] + WINDOW[1] - 1)


@pytest.mark.parametrize(("kind", "country", "size", "flow", "mechanism", "direction"), [
    ("enforcement_campaign", "MER", 0.8, "seized_inland", None, +1),
    ("collection_drive", "MER", 0.5, "collected", None, +1),
    ("conflict", "EST", 0.0, "diverted", "battlefield_capture", -1),       # conflict ends
    ("conflict", "TRA", 1.0, "diverted", "battlefield_capture", +1),       # conflict starts
    ("border_closure", "MER", 0.9, "seized_border", None, +1),
])
def test_each_event_moves_its_outcome_while_it_lasts(baseline, kind, country, size, flow,
                                                     mechanism, direction):
    runs = _flows(_event(kind, [country], size))
    before = _total(baseline, flow, country, mechanism, IN_WINDOW)
    during = _total(runs, flow, country, mechanism, IN_WINDOW)
    assert (during - before) * direction > 0, (before, during)
    # before the event nothing differs at all (same seed, same draws)
    for a, b in zip(baseline, runs, strict=True):
        fa, fb = a["flows"], b["flows"]
        assert fa[fa["step"] < WINDOW[0]].equals(fb[fb["step"] < WINDOW[0]])


def test_conflict_event_ends_and_the_country_returns_to_its_intensity():
    data = copy.deepcopy(TEACHING)
    data["events"] = _event("conflict", ["TRA"], 1.0)
    model = FlowModel(scenario(data, steps=STEPS, seed=1))
    tra = model.scenario.country_index()["TRA"]
    seen = []
    for _ in range(STEPS):
        model.step()
        seen.append(float(model.conflict[tra]))
    assert seen[WINDOW[0] - 2] == 0.0 and seen[WINDOW[0] - 1] == 1.0      # steps 5 and 6
    assert seen[IN_WINDOW[1] - 1] == 1.0 and seen[IN_WINDOW[1]] == 0.0    # last, then over


@pytest.mark.parametrize("kind", ["enforcement_campaign", "collection_drive",
                                  "border_closure"])
def test_an_event_of_size_zero_changes_nothing(baseline, kind):
    runs = _flows(_event(kind, ["MER", "EST"], 0.0))
    for a, b in zip(baseline, runs, strict=True):
        for name in ("flows", "seizures", "cases", "prices"):
            assert a[name].equals(b[name]), name


def test_no_events_and_an_empty_list_are_the_same(baseline):
    for a, b in zip(baseline, _flows([]), strict=True):
        assert a["flows"].equals(b["flows"])


@pytest.mark.parametrize(("event", "where", "fragment"), [
    ({"type": "riot", "countries": ["MER"], "start": 1, "duration": 2, "size": 0.5},
     "events[0].type", "enforcement_campaign"),
    ({"type": "conflict", "countries": ["MERR"], "start": 1, "duration": 2, "size": 0.5},
     "events[0].countries[0]", "did you mean 'MER'"),
    ({"type": "conflict", "countries": [], "start": 1, "duration": 2, "size": 0.5},
     "events[0].countries", "at least one"),
    ({"type": "conflict", "countries": ["MER"], "start": 0, "duration": 2, "size": 0.5},
     "events[0].start", ""),
    ({"type": "conflict", "countries": ["MER"], "start": 1, "duration": 0, "size": 0.5},
     "events[0].duration", ""),
    ({"type": "conflict", "countries": ["MER"], "start": 1, "duration": 2, "size": 1.5},
     "events[0].size", ""),
    ({"type": "conflict", "countries": ["MER"], "start": 1, "size": 0.5},
     "events[0].duration", "required"),
    ({"type": "conflict", "countries": ["MER"], "start": 1, "duration": 2, "size": 0.5,
      "strength": 1}, "events[0].strength", "unknown key"),
])
def test_bad_events_exit_2_naming_the_key(tmp_path, run_cli, event, where, fragment):
    data = copy.deepcopy(TEACHING)
    data["events"] = [event]
    path = write_yaml(tmp_path, data)
    code, _, err = run_cli("run", path, "--out", tmp_path / "o")
    assert code == 2 and "Traceback" not in err
    assert f"{path}: {where}" in err and fragment in err
    assert len(err.strip().splitlines()) <= 3
    assert not (tmp_path / "o" / "run.json").exists()
