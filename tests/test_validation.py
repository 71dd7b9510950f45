"""Every class of scenario error gives one clear message (file, key path, expectation) and
exit code 2 with no traceback; random mutations never escape as other exceptions."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsim.errors import InputError
from flowsim.inputs.scenario import scenario_from_data
from tests.conftest import TEACHING, write_yaml


def broken(mutate) -> dict:
    data = copy.deepcopy(TEACHING)
    mutate(data)
    return data


def _set(path, value):
    def mutate(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _drop(path):
    def mutate(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


CASES = [
    # (mutation, key path in message, fragments the message must contain)
    (_set(["countries", 1, "stockpiles", 0, "securty"], 0.5),
     "countries[1].stockpiles[0].securty", ["unknown key 'securty'", "did you mean 'security'"]),
    (_set(["simulation", "stepz"], 3), "simulation.stepz", ["did you mean 'steps'"]),
    (_set(["simulation", "steps"], "ten"), "simulation.steps",
     ["expected a whole number", "str 'ten'"]),
    (_set(["countries", 0, "stockpiles", 0, "official"], True),
     "countries[0].stockpiles[0].official", ["unknown key"]),
    (_set(["countries", 1, "stockpiles", 0, "security"], 1.5),
     "countries[1].stockpiles[0].security", ["expected a probability between 0 and 1", "1.5"]),
    (_set(["borders", 0, "crossings", 0, "corruption"], -0.1),
     "borders[0].crossings[0].corruption", ["between 0 and 1"]),
    (_set(["countries", 1, "stockpiles", 0, "holdings", "rifles"], -5),
     "countries[1].stockpiles[0].holdings.rifles", ["expected a non-negative count", "-5"]),
    (_set(["traffickers", 0, "count"], -1), "traffickers[0].count", ["non-negative"]),
    (_set(["traffickers", 0, "mode"], "bulc"), "traffickers[0].mode",
     ["expected one of ant, bulk, postal", "did you mean 'bulk'"]),
    (_set(["borders", 0, "between"], ["NOR", "ATLANTIS"]), "borders[0].between[1]",
     ["undefined country 'ATLANTIS'"]),
    (_set(["traffickers", 1, "base"], "NORR"), "traffickers[1].base",
     ["undefined country 'NORR'", "did you mean 'NOR'"]),
    (_set(["transfers", 0, "from_stockpile"], "nor-factroy"), "transfers[0].from_stockpile",
     ["undefined stockpile", "did you mean 'nor-factory'"]),
    (_set(["transfers", 0, "to_country"], "XX"), "transfers[0].to_country",
     ["undefined country 'XX'"]),
    (_drop(["countries", 0, "id"]), "countries[0].id", ["required key is missing"]),
    (_set(["countries", 1, "id"], "NOR"), "countries[1].id", ["duplicate country id 'NOR'"]),
    (_set(["countries", 0, "stockpiles"], {"id": "x"}), "countries[0].stockpiles",
     ["expected a list"]),
    (_set(["borders", 0, "crossings", 0, "official"], "yes please"),
     "borders[0].crossings[0].official", ["expected true or false"]),
]


@pytest.mark.parametrize(("mutate", "path", "fragments"), CASES,
                         ids=[c[1] for c in CASES])
def test_validation_error_names_file_path_and_expectation(tmp_path, run_cli, mutate, path,
                                                          fragments):
    file = write_yaml(tmp_path, broken(mutate))
    code, out, err = run_cli("validate", file)
    assert code == 2
    assert f"{file}: {path}: " in err
    for fragment in fragments:
        assert fragment in err
    assert "Traceback" not in err
    assert err.count("\n") == 1          # one paragraph


def test_disconnected_demand_is_reported(tmp_path, run_cli):
    data = copy.deepcopy(TEACHING)
    data["countries"].append({"id": "ISL", "markets": [{"id": "isl-gangs",
                                                          "demand": {"handguns": 10}}]})
    file = write_yaml(tmp_path, data)
    code, _, err = run_cli("validate", file)
    assert code == 2
    assert "countries[4].markets[0]" in err
    assert "no route reaches it" in err


def test_malformed_yaml_reports_line_and_column(tmp_path, run_cli):
    file = write_yaml(tmp_path, "name: x\ncountries:\n  - id: A\n    stockpiles: [\n")
    code, _, err = run_cli("run", file, "--out", tmp_path / "out")
    assert code == 2
    assert "malformed YAML at line" in err and "column" in err
    assert not (tmp_path / "out").exists()


def test_missing_file_is_reported(tmp_path, run_cli):
    code, _, err = run_cli("validate", tmp_path / "nope.yaml")
    assert code == 2 and "file not found" in err


def test_top_level_must_be_a_mapping(tmp_path, run_cli):
    code, _, err = run_cli("validate", write_yaml(tmp_path, "- just\n- a list\n"))
    assert code == 2 and "expected a mapping" in err


def test_real_process_exit_code_and_no_traceback(tmp_path):
    file = write_yaml(tmp_path, broken(_set(["simulation", "steps"], -3)))
    proc = subprocess.run([sys.executable, "-m", "flowsim.cli", "run", str(file)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "simulation.steps" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


# --- random mutations ------------------------------------------------------------------
def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


ALL_PATHS = [p for p in _paths(TEACHING) if p]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**12),
                   st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                   st.lists(st.integers(), max_size=3),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["set", "drop", "key"]),
                          VALUES), min_size=1, max_size=3))
def test_random_mutations_load_or_raise_input_error(mutations):
    data = copy.deepcopy(TEACHING)
    for path, action, value in mutations:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            if action == "set":
                node[path[-1]] = value
            elif action == "drop":
                del node[path[-1]]
            elif isinstance(node[path[-1]], dict):
                node[path[-1]][str(value)[:6] or "k"] = 1
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    try:
        scenario_from_data(data, "<fuzz>")
    except InputError as exc:
        assert str(exc).startswith("<fuzz>: ")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_text_loads_or_raises_input_error(text):
    from flowsim.inputs.scenario import Scenario, scenario_from_text

    try:
        assert isinstance(scenario_from_text(text, "<text>"), Scenario)
    except InputError as exc:
        assert str(exc).startswith("<text>: ")


def test_yaml_is_loaded_safely(tmp_path, run_cli):
    marker = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n"
    code, _, err = run_cli("validate", write_yaml(tmp_path, text))
    assert code == 2 and "malformed YAML" in err
    assert not marker.exists()          # the command in the file was not run
    yaml.unsafe_load(text)              # the payload is live: an unsafe loader runs it
    assert marker.exists()


# --- the input layer stands alone -------------------------------------------------------------
@pytest.mark.parametrize(("file", "kind"), [
    ("scenarios/regional.yaml", "'regional'"),
    ("experiments/donor-comparison.yaml", "experiment"),
    ("calibration/regional.yaml", "calibration"),
    ("calibration/regional-patterns.yaml", "calibration"),
    ("calibration/seed-patterns.yaml", "seed patterns"),
])
def test_validating_any_file_kind_imports_nothing_from_the_model(file, kind):
    """`flowsim validate` of every format reads it in the input layer: fails if a loader (or
    anything it imports) pulls in the model, e.g. the experiment format back in studies."""
    from tests.conftest import ROOT

    code = ("import sys, flowsim.inputs; from flowsim.cli import _validate_one; "
            f"summary = _validate_one({file!r}); "
            "loaded = sorted(m for m in sys.modules if m.startswith(('flowsim.model', "
            "'flowsim.outputs', 'flowsim.studies', 'flowsim.calibration', 'mesa'))); "
            "print(summary); print(loaded)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    summary, loaded = done.stdout.strip().splitlines()
    assert kind in summary
    assert loaded == "[]", f"validating {file} imported {loaded}"
