"""Unusual and bad input found by trying flowsim as a new user would (issue 10): each either
runs cleanly or is refused at load time with one paragraph naming the file and key path."""

from __future__ import annotations

import dataclasses
import typing

import numpy as np
import pandas as pd
import pytest

from flowsim.errors import InputError
from flowsim.inputs.scenario import Scenario, scenario_from_data
from flowsim.inputs.schema import COUNT_MAX, MAX_STEPS, upper_bound
from flowsim.model.flow_model import FlowModel
from flowsim.model.lots import split
from tests.conftest import ROOT, SCENARIOS, interrupt_after, write_yaml

TABLES = ("flows", "stocks", "seizures", "borders", "tracing", "prices", "end_users", "summary")


def quiet_world(**market) -> dict:
    """Two countries, weapons in a stockpile, no traffickers; the market as given."""
    return {"name": "quiet", "simulation": {"steps": 6, "seed": 2},
            "countries": [{"id": "A", "stockpiles": [{"id": "army", "holdings": {
                "rifles": 5000, "ammunition": 20000}, "security": 0.1}],
                "markets": [{"id": "m", **market}]},
                {"id": "B"}],
            "borders": [{"id": "ab", "between": ["A", "B"], "crossings": [{"id": "x"}]}]}


@pytest.mark.parametrize("market", [{"demand": {}}, {"demand": {"rifles": 100}}],
                         ids=["empty-demand", "demand-no-traffickers"])
def test_nothing_to_traffic_runs_and_reports_zeros(tmp_path, run_cli, market):
    """Zero traffickers or `demand: {}` used to die writing borders.csv (IndexError)."""
    out = tmp_path / "out"
    code, stdout, err = run_cli("run", write_yaml(tmp_path, quiet_world(**market)), "--out", out,
                                "--no-plots")
    assert code == 0, err
    tables = {name: pd.read_csv(out / f"{name}.csv") for name in TABLES}
    assert tables["borders"].empty and list(tables["borders"].columns)[:3] == [
        "step", "border", "crossing"]
    flows = tables["flows"]
    assert flows[flows["flow"] == "trafficked"]["count"].sum() == 0
    if not market["demand"]:
        assert flows[flows["flow"] == "delivered"]["count"].sum() == 0
    assert flows[flows["flow"] == "diverted"]["count"].sum() > 0   # leakage still happens
    assert "TOTAL" in stdout


@pytest.mark.parametrize("holding", [10**12, 10**20, COUNT_MAX + 1])
def test_counts_beyond_the_bound_are_refused_at_load_time(tmp_path, run_cli, holding):
    data = quiet_world()
    data["countries"][0]["stockpiles"][0]["holdings"]["rifles"] = holding
    path = write_yaml(tmp_path, data)
    for command in ("validate", "run"):
        code, _, err = run_cli(command, path, "--out", tmp_path / "o") if command == "run" \
            else run_cli(command, path)
        assert code == 2 and "Traceback" not in err
        assert err.startswith(f"error: {path}: countries[0].stockpiles[0].holdings.rifles: "
                              "expected a value of at most 10,000,000,000")
    assert not (tmp_path / "o").exists()


def test_counts_at_the_bound_run_and_conserve_weapons():
    """A stockpile at the bound is drawn from (surplus destruction, transfers, trafficking)
    although numpy's hypergeometric draws stop below 10^9."""
    data = quiet_world(demand={"rifles": 10**9})
    a = data["countries"][0]
    a["stockpiles"][0].update(holdings={"rifles": COUNT_MAX, "ammunition": COUNT_MAX},
                              surplus_share=0.5, owner="military")
    a["stockpiles"].append({"id": "maker", "owner": "manufacturer",
                            "holdings": {"rifles": COUNT_MAX}})
    a["controls"] = {"surplus_destruction": 1.0}
    data["transfers"] = [{"from_stockpile": "maker", "to_country": "A",
                          "per_year": {"rifles": COUNT_MAX}}]
    data["traffickers"] = [{"id": "t", "count": 5, "base": "A", "mode": "bulk",
                            "capacity": COUNT_MAX}]
    model = FlowModel(scenario_from_data(data, "<test>"))
    for _ in range(3):
        model.step()
        stocks, produced = model.conservation()
        assert (stocks == produced).all()
    assert model.destroyed.sum() > 10**9          # the large draws happened


def test_split_of_large_populations_is_exact_in_counts_and_unbiased():
    rng = np.random.default_rng(5)
    counts = [6 * 10**9, 3 * 10**9, 10**9, 7]
    draws = np.array([split(counts, 10**6, rng) for _ in range(200)])
    assert (draws.sum(axis=1) == 10**6).all() and (draws <= counts).all()
    share = draws.mean(axis=0) / 10**6
    # hypergeometric means 0.6, 0.3, 0.1; the sd of each mean is about 0.5/sqrt(2e8)
    assert np.allclose(share[:3], [0.6, 0.3, 0.1], atol=2e-4)
    assert split([2 * 10**9, 5], 2 * 10**9 + 5, rng) == [2 * 10**9, 5]   # take all


def test_every_number_in_the_formats_has_a_finite_upper_bound():
    """Keys added later get the default bound; a scalar type the bound misses fails here."""
    from flowsim.inputs.calibration import CalibrationSpec, PatternCalibrationSpec
    from flowsim.inputs.experiment import ExperimentSpec

    seen, todo, unbounded = set(), [Scenario, ExperimentSpec, CalibrationSpec,
                                    PatternCalibrationSpec], []
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for f in dataclasses.fields(cls):
            tp = typing.get_type_hints(cls)[f.name]
            for arg in (tp, *typing.get_args(tp)):
                for leaf in (arg, *typing.get_args(arg)):
                    if dataclasses.is_dataclass(leaf):
                        todo.append(leaf)
                    elif leaf in (int, float) and upper_bound(leaf, f.metadata) is None:
                        unbounded.append(f"{cls.__name__}.{f.name}")
    assert len(seen) > 15 and not unbounded
    doc = (ROOT / "docs" / "scenario-reference.md").read_text()
    assert "| `rifles` | a whole number | `0` | Rifles, carbines, assault rifles, sub-machine " \
           "guns. Range [0, 10,000,000,000]. |" in doc


def test_steps_option_obeys_the_formats_cap(tmp_path, run_cli):
    out = tmp_path / "out"
    code, _, err = run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 10**9, "--out", out)
    assert code == 2
    assert err.startswith(f"error: --steps: expected a value of at most {MAX_STEPS:,}")
    assert not out.exists()
    from flowsim.outputs.run import run_scenario

    with pytest.raises(InputError, match="at most 100,000"):
        run_scenario(SCENARIOS / "teaching.yaml", steps=MAX_STEPS + 1)


def test_interrupted_single_run_says_it_was_not_saved(tmp_path, run_cli, monkeypatch):
    """A single run is not resumable, so the message must not promise a resume."""
    interrupt_after(monkeypatch, FlowModel, "step", 2)
    out = tmp_path / "out"
    code, _, err = run_cli("run", SCENARIOS / "teaching.yaml", "--out", out)
    assert code == 130
    assert "not saved" in err and "start it over" in err and "resume" not in err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(("content", "fragment"), [
    (b"", "the file is empty"),
    (b"# only a comment\n\n", "the file is empty"),
    (b"\x7fELF\x02\x01\x01\x00\x00\xff\xfe\x00", "is not a text file"),
    (b"name: x\x00\x00\x01", "is a binary file"),
])
def test_empty_and_binary_files_get_a_plain_message(tmp_path, run_cli, content, fragment):
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    code, _, err = run_cli("validate", path)
    assert code == 2 and err.startswith(f"error: {path}: {fragment}")
    assert "codec" not in err and "required key" not in err


def test_validate_recognises_experiment_and_calibration_files(tmp_path, run_cli):
    exp, cal = ROOT / "experiments" / "sustainability.yaml", ROOT / "calibration" / "teaching.yaml"
    code, out, err = run_cli("validate", exp, cal, SCENARIOS / "teaching.yaml")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"ok: {exp}: experiment 'sustainability'")
    assert "36 runs" in lines[0]
    assert lines[1].startswith(f"ok: {cal}: calibration 'teaching'")
    assert "free parameters" in lines[1]
    # and checks them: a bad key deep in an experiment is found
    import yaml

    data = yaml.safe_load(exp.read_text())
    data["scenario"] = str(SCENARIOS / "regional.yaml")
    data["horizon"] = 10**9
    bad = write_yaml(tmp_path, data, "exp.yaml")
    code, _, err = run_cli("validate", bad)
    assert code == 2 and err.startswith(f"error: {bad}: horizon: expected a value of at most")


def test_seizure_data_range_message_reads_plainly(tmp_path):
    from flowsim.calibration.seizure_data import load_seizures
    from tests.test_calibration import TEACHING, write_csv

    row = {"country": "MER", "period": "1-12", "place": "inland", "category": "handguns",
           "count": 3, "marked_share": "1.5"}
    path = write_csv(tmp_path / "s.csv", [row], [*row])
    with pytest.raises(InputError) as info:
        load_seizures(path, TEACHING)
    assert "expected a value between 0 and 1, got 1.5" in str(info.value)


def test_both_calibration_set_ups_bound_the_horizon_alike(tmp_path):
    """The shared base gives pattern set-ups the seizure set-ups' MAX_STEPS bound (before,
    a patterns set-up accepted any horizon and failed later, in the model)."""
    import yaml

    from flowsim.inputs.calibration import load_setup
    from flowsim.inputs.schema import MAX_STEPS

    for name in ("regional.yaml", "regional-patterns.yaml"):
        setup = yaml.safe_load((ROOT / "calibration" / name).read_text())
        for key in ("scenario", "data", "patterns"):
            if key in setup:
                setup[key] = str(ROOT / "calibration" / setup[key])
        setup["horizon"] = MAX_STEPS + 1
        path = tmp_path / name
        path.write_text(yaml.safe_dump(setup))
        with pytest.raises(InputError) as err:
            load_setup(path)
        assert err.value.path == "horizon" and f"{MAX_STEPS:,}" in err.value.message


@pytest.mark.parametrize("kind", ["scenario", "experiment", "calibration", "seizure data"])
def test_input_files_above_the_size_limit_are_refused_before_parsing(tmp_path, run_cli,
                                                                     monkeypatch, kind):
    """A 50 MB YAML took 108 s and 624 MB to refuse (issue #20.7): every file the command
    line reads is checked against MAX_INPUT_BYTES first, and never parsed."""
    from flowsim.inputs import schema
    from tests.test_calibration import setup

    def parse_nothing(*args, **kwargs):
        raise AssertionError("a file above the limit was parsed")

    big = b"# padding\n" * (schema.MAX_INPUT_BYTES // 10 + 1)
    if kind == "seizure data":
        file = setup(tmp_path)
        target = tmp_path / "seizures.csv"
        target.write_bytes(target.read_bytes() + big)
        monkeypatch.setattr("csv.DictReader", parse_nothing)
    else:
        source = {"scenario": SCENARIOS / "teaching.yaml",
                  "experiment": ROOT / "experiments" / "sustainability.yaml",
                  "calibration": ROOT / "calibration" / "teaching.yaml"}[kind]
        file = target = tmp_path / source.name
        target.write_bytes(source.read_bytes() + big)
        monkeypatch.setattr(schema.yaml, "load", parse_nothing)
    code, _, err = run_cli("validate", file)
    assert code == 2, err
    size = target.stat().st_size
    assert err.startswith(f"error: {target}: the file is {size:,} bytes; expected at most "
                          f"{schema.MAX_INPUT_BYTES:,} bytes (5 MB)")


@pytest.mark.parametrize(("text", "value"), [("1e300", 1e300), ("2E+3", 2000.0),
                                             ("-1.5e-3", -1.5e-3), ("1_000.5", 1000.5),
                                             (".inf", float("inf")), ("3", 3), ("1e", "1e"),
                                             ("0x1F", 31), ("e300", "e300")])
def test_yaml_numbers_include_exponents_without_a_dot(text, value):
    """YAML 1.1 (PyYAML) reads 1e300 as a string; flowsim's loader reads it as YAML 1.2
    does, a number, for every key (issue #20.8)."""
    from flowsim.inputs.schema import parse_yaml

    parsed = parse_yaml(f"x: {text}\n", "<test>")["x"]
    assert parsed == value and type(parsed) is type(value)


def test_capital_written_1e5_is_a_number(tmp_path, run_cli, teaching_data):
    teaching_data["traffickers"][0]["capital"] = "CAPITAL"
    text = __import__("yaml").safe_dump(teaching_data).replace("CAPITAL", "1e5")
    path = write_yaml(tmp_path, text)
    code, out, err = run_cli("validate", path)
    assert code == 0, err
    from flowsim.inputs.scenario import load_scenario

    assert load_scenario(path).traffickers[0].capital == 1e5


@pytest.mark.parametrize(("command", "file", "kind", "right"), [
    ("run", "experiments/sustainability.yaml", "an experiment", "flowsim experiment"),
    ("run", "calibration/teaching.yaml", "a calibration set-up", "flowsim calibrate"),
    ("run", "calibration/seed-patterns.yaml", "a seed-patterns file", "flowsim patterns"),
    ("experiment", "scenarios/teaching.yaml", "a scenario", "flowsim run"),
    ("sensitivity", "calibration/teaching.yaml", "a calibration set-up", "flowsim calibrate"),
    ("calibrate", "experiments/sustainability.yaml", "an experiment", "flowsim experiment"),
    ("calibrate", "scenarios/teaching.yaml", "a scenario", "flowsim run"),
])
def test_a_file_given_to_the_wrong_command_names_the_right_one(run_cli, command, file, kind,
                                                               right):
    """`flowsim run EXPERIMENT` said "unknown key 'scenario'" (issue #20.8)."""
    code, out, err = run_cli(command, ROOT / file)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {ROOT / file}: this is {kind} file, not ")
    assert f"`{right} " in err and "unknown key" not in err


def test_validate_says_what_each_command_runs(run_cli):
    """validate said "3 runs" for experiments/sensitivity.yaml, where `flowsim sensitivity`
    runs 768 (issue #20.8): it names each command and its runs."""
    from flowsim.studies.experiment import load_experiment
    from flowsim.studies.sensitivity import load_sensitivity

    file = ROOT / "experiments" / "sensitivity.yaml"
    code, out, err = run_cli("validate", file)
    assert code == 0, err
    runs = len(load_experiment(file).tasks())
    study = len(load_sensitivity(file).tasks())
    assert runs != study
    assert "`flowsim experiment` runs " in out and f"= {runs} runs" in out
    assert "`flowsim sensitivity` runs " in out and f"= {study} runs" in out
    code, out, _ = run_cli("validate", ROOT / "calibration" / "teaching.yaml")
    assert code == 0 and "`flowsim calibrate` runs " in out
