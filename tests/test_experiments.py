"""Interventions, experiments, the parallel runner, resuming, and the donor report."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from flowsim.errors import InputError
from flowsim.inputs.embargoes import Embargo
from flowsim.inputs.interventions import TYPES, Intervention, parse_interventions
from flowsim.inputs.scenario import load_scenario
from flowsim.model.flow_model import FlowModel
from flowsim.outputs.metrics import run_totals
from flowsim.studies import experiment as experiment_module
from flowsim.studies.experiment import load_experiment, read_runs
from tests.conftest import SCENARIOS, interrupt_after, tiny_experiment, write_experiment

TEACHING = load_scenario(SCENARIOS / "teaching.yaml")

EXPERIMENT = tiny_experiment()


def one(data: dict, scenario=None) -> Intervention:
    (iv,) = parse_interventions([data], scenario or TEACHING, "<test>", "interventions")
    return iv


# --- interventions -----------------------------------------------------------------------
def test_effect_ramps_holds_and_decays_after_funding():
    iv = one({"type": "training", "targets": {"countries": ["TRA"]}, "start": 10,
              "duration": 20, "ramp_up": 4, "half_life": 5})
    assert iv.effect(10) == 0.0
    assert iv.effect(12) == pytest.approx(0.5)
    assert iv.effect(14) == iv.effect(30) == 1.0
    assert iv.effect(35) == pytest.approx(0.5)
    assert iv.effect(40) == pytest.approx(0.25)
    stops = one({"type": "training", "targets": {"countries": ["TRA"]}, "duration": 6,
                 "half_life": 0})
    lasts = one({"type": "training", "targets": {"countries": ["TRA"]}, "duration": 6,
                 "half_life": None})
    assert stops.effect(7) == 0.0 and lasts.effect(100) == 1.0


def test_cost_counts_only_funded_steps_within_horizon():
    iv = one({"type": "tracing", "targets": {"countries": ["MER"]}, "start": 12,
              "duration": 24, "cost": {"one_off": 100, "per_year": 1200}})
    assert iv.total_cost(120, 12) == 100 + 1200 * 2
    assert iv.total_cost(24, 12) == 100 + 1200 * 1
    assert iv.total_cost(12, 12) == 0


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_every_intervention_type_moves_its_parameters_in_the_documented_direction(kind):
    crossing_level = "countries" not in TYPES[kind].targets or kind in (
        "border_inspection", "anti_corruption")
    targets = {"borders": ["est-tra"]} if crossing_level else {"countries": ["EST"]}
    if kind == "anti_corruption":           # crossings and depots (001 ¶11; 004 ¶25)
        targets["stockpiles"] = ["est-army"]
    base = TEACHING
    if kind == "embargo_monitoring":            # monitors an embargo: put EST under one
        base = copy.deepcopy(TEACHING)
        base.embargoes = [Embargo(target="EST")]
    iv = one({"type": kind, "targets": targets, "strength": 0.5, "ramp_up": 0}, base)
    model = FlowModel(base, interventions=[iv])
    model.step()
    (bound,) = model.schedule.bindings
    assert {name for _, name, _, _ in bound} == {lv.name for lv in TYPES[kind].levers}
    for obj, name, how, base in bound:
        now = getattr(obj, name)
        if how == "lower":
            assert now == pytest.approx(base * 0.5)
        elif how == "raise":
            assert now == pytest.approx(base + 0.5 * (1 - base))
        else:
            assert now == pytest.approx(base + 0.5)


def test_interventions_are_applied_from_baseline_each_step():
    iv = one({"type": "anti_corruption", "targets": {"crossings": ["east-post"]},
              "strength": 0.5, "ramp_up": 0, "duration": 2, "half_life": 0})
    model = FlowModel(TEACHING, interventions=[iv])
    crossing = next(b for b in model.borders if b.crossing_id == "east-post")
    model.step()
    assert crossing.corruption == pytest.approx(0.4 * 0.5)
    model.step()
    assert crossing.corruption == pytest.approx(0.4 * 0.5)      # not compounded
    model.step()
    assert crossing.corruption == pytest.approx(0.4)            # funding ended, no half-life


def test_stockpile_security_programme_reduces_diversion_and_fades_without_funding():
    def diverted(ivs, steps):
        return np.mean([run_totals(FlowModel(TEACHING, seed=s, interventions=ivs).run(steps))
                        ["diverted"] for s in (1, 2, 3)])

    funded = one({"type": "stockpile_security", "targets": {"countries": ["EST"]},
                  "strength": 0.9, "ramp_up": 0})
    assert diverted([funded], 36) < 0.9 * diverted([], 36)
    short = one({"type": "stockpile_security", "targets": {"countries": ["EST"]},
                 "strength": 0.9, "ramp_up": 0, "duration": 6, "half_life": 3})
    model = FlowModel(TEACHING, interventions=[short])
    model.run(6)
    funded_level = model.stockpile_list[2].effective_security()
    model.run(18)
    assert model.stockpile_list[2].effective_security() < funded_level


# --- experiment validation -----------------------------------------------------------------
BAD = [
    (lambda d: d["options"][0]["interventions"][0]["targets"].update(countries=["ESTT"]),
     "options[0].interventions[0].targets.countries[0]", "did you mean 'EST'"),
    (lambda d: d["options"][1]["interventions"][0].update(type="border_inspectoin"),
     "options[1].interventions[0].type", "did you mean 'border_inspection'"),
    (lambda d: d["options"][1]["interventions"][0].update(targets={"stockpiles": ["est-army"]}),
     "options[1].interventions[0].targets.stockpiles", "targets borders or crossings"),
    (lambda d: d["uncertain"]["parameters"][0].update(path="mechanisms.theftt"),
     "uncertain.parameters[0].path", "unknown key 'theftt'"),
    (lambda d: d["uncertain"]["parameters"][1].update(range=[0.2, 1.5]),
     "uncertain.parameters[1].path", "between 0 and 1"),
    (lambda d: d["uncertain"]["parameters"][0].update(range=[0.3, 0.1]),
     "uncertain.parameters[0].range", "low <= high"),
    (lambda d: d.update(outcomes=["delivred"]), "outcomes[0]", "did you mean 'delivered'"),
    (lambda d: d.update(scenario="nowhere.yaml"), "scenario", "not found"),
    (lambda d: d["options"][1].update(name="secure-est"), "options[1].name", "duplicate"),
    (lambda d: d.update(replications=0), "replications", "at least 1"),
]


@pytest.mark.parametrize(("mutate", "path", "fragment"), BAD, ids=[b[1] for b in BAD])
def test_bad_experiment_gives_clear_error(tmp_path, run_cli, mutate, path, fragment):
    data = json.loads(json.dumps(EXPERIMENT))
    mutate(data)
    file = write_experiment(tmp_path, data)
    code, _, err = run_cli("experiment", file, "--out", tmp_path / "res")
    assert code == 2
    assert f"{file}: {path}: " in err and fragment in err
    assert "Traceback" not in err
    assert not (tmp_path / "res").exists()


# --- running, determinism, resuming ----------------------------------------------------------
def records(results) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in read_runs(results))


def test_results_identical_whatever_jobs_and_common_random_numbers(tmp_path, run_cli):
    file = write_experiment(tmp_path)
    assert run_cli("experiment", file, "--out", tmp_path / "a", "--no-report")[0] == 0
    assert run_cli("experiment", file, "--out", tmp_path / "b", "--jobs", 2,
                   "--no-report")[0] == 0
    a = records(tmp_path / "a")
    assert len(a) == 3 * 2 * 2
    assert a == records(tmp_path / "b")
    runs = read_runs(tmp_path / "a")
    seeds = {}
    for r in runs:
        seeds.setdefault((r["sample"], r["replication"]), set()).add(r["seed"])
    assert all(len(s) == 1 for s in seeds.values())            # same seed for every option
    assert len({next(iter(s)) for s in seeds.values()}) == len(seeds)


def test_dask_backend_gives_the_same_results(tmp_path, run_cli):
    distributed = pytest.importorskip("dask.distributed")
    file = write_experiment(tmp_path)
    run_cli("experiment", file, "--out", tmp_path / "local", "--no-report")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code, _, err = run_cli("experiment", file, "--out", tmp_path / "dask", "--backend",
                               "dask", "--address", cluster.scheduler_address, "--no-report")
    assert code == 0, err
    assert records(tmp_path / "dask") == records(tmp_path / "local")


def test_dask_backend_without_address_is_a_clear_error(tmp_path, run_cli):
    code, _, err = run_cli("experiment", write_experiment(tmp_path), "--out", tmp_path / "r",
                           "--backend", "dask")
    assert code == 2 and "--address" in err


def test_interrupted_experiment_resumes_without_repeating_or_losing_runs(tmp_path, run_cli,
                                                                          monkeypatch):
    file = write_experiment(tmp_path)
    run_cli("experiment", file, "--out", tmp_path / "full", "--no-report")
    original = interrupt_after(monkeypatch, experiment_module.ResultsStore, "append", 5)
    code, _, err = run_cli("experiment", file, "--out", tmp_path / "part", "--no-report")
    assert code == 130 and "resume" in err
    assert len(read_runs(tmp_path / "part")) == 5
    with open(tmp_path / "part" / "runs.jsonl", "a") as f:   # a run torn mid-write
        f.write('{"option": "posts", "sam')
    monkeypatch.setattr(experiment_module.ResultsStore, "append", original)
    code, out, _ = run_cli("experiment", file, "--out", tmp_path / "part", "--no-report")
    assert code == 0 and "5 already done" in out
    assert records(tmp_path / "part") == records(tmp_path / "full")


def test_results_folder_of_another_experiment_is_refused(tmp_path, run_cli):
    file = write_experiment(tmp_path)
    run_cli("experiment", file, "--out", tmp_path / "r", "--no-report")
    other = json.loads(json.dumps(EXPERIMENT))
    other["replications"] = 3
    code, _, err = run_cli("experiment", write_experiment(tmp_path, other, "other.yaml"),
                           "--out", tmp_path / "r", "--no-report")
    assert code == 2 and "different study" in err


# --- the report ------------------------------------------------------------------------------
def test_report_compares_options_against_baseline(tmp_path, run_cli):
    file = write_experiment(tmp_path)
    code, out, _ = run_cli("experiment", file, "--out", tmp_path / "r")
    assert code == 0
    report = tmp_path / "r" / "report"
    html = (report / "report.html").read_text()
    pngs = sorted(p.name for p in report.glob("*.png"))
    assert pngs == ["cost_effectiveness.png", "displacement_1.png", "outcomes.png",
                    "timeseries.png"]                    # posts acts on a border: displacement
    assert html.count("data:image/png;base64,") == len(pngs) and "secure-est" in html
    table = pd.read_csv(report / "summary.csv").set_index("option")
    runs = pd.DataFrame([{"option": r["option"], "sample": r["sample"],
                          "replication": r["replication"], **r["totals"]}
                         for r in read_runs(tmp_path / "r")])
    wide = runs.pivot_table(index=["sample", "replication"], columns="option",
                            values="delivered")
    kept = wide["baseline"] - wide["secure-est"]
    assert table.loc["secure-est", "kept_mean"] == pytest.approx(kept.mean())
    assert table.loc["secure-est", "kept_per_usd_million"] == pytest.approx(kept.mean() / 1.0)
    assert table.loc["posts", "cost_usd"] == pytest.approx(500_000)
    assert table.loc["posts", "p_beats_baseline"] == pytest.approx(
        (wide["baseline"] > wide["posts"]).mean())              # over all paired runs
    # ranks only among options told apart from the baseline, with enough paired runs
    from flowsim.studies.report import BETTER, MIN_PAIRED_RUNS

    rankable = table[(table["standing"] == BETTER) & (table["paired_runs"] >= MIN_PAIRED_RUNS)]
    assert set(table["rank"].dropna()) == set(range(1, len(rankable) + 1))
    assert table.loc[table["kept_lo"] <= 0, "rank"].isna().all()
    assert "Kept per USD 1M" in out
    code2, out2, _ = run_cli("report", tmp_path / "r")
    assert code2 == 0 and out2.strip() and "secure-est" in out2


def test_report_on_a_folder_without_results_is_a_clear_error(tmp_path, run_cli):
    code, _, err = run_cli("report", tmp_path)
    assert code == 2 and "manifest.json" in err


def test_shipped_experiments_load_with_equal_budgets():
    from tests.conftest import ROOT

    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        exp = load_experiment(path)
        assert len(exp.options) >= 3, path
    donor = load_experiment(ROOT / "experiments" / "donor-comparison.yaml")
    costs = {k: v for k, v in donor.costs().items() if k != "baseline"}
    assert len(costs) >= 3 and len(set(costs.values())) == 1     # equal budget


def test_invalid_intervention_in_scenario_is_reported(tmp_path, run_cli):
    data = yaml.safe_load((SCENARIOS / "teaching.yaml").read_text())
    data["interventions"] = [{"type": "tracing", "targets": {"crossings": ["north-post"]}}]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = run_cli("validate", path)
    assert code == 2 and "interventions[0].targets.crossings" in err


def test_scenario_interventions_apply_in_plain_runs():
    data = yaml.safe_load((SCENARIOS / "teaching.yaml").read_text())
    data["interventions"] = [{"type": "stockpile_security", "targets": {"stockpiles": [
        "est-army", "est-cache"]}, "strength": 0.9, "ramp_up": 0}]
    from flowsim.inputs.scenario import scenario_from_data

    treated = scenario_from_data(data, "<t>")
    a = run_totals(FlowModel(TEACHING, seed=2).run(24))["diverted"]
    b = run_totals(FlowModel(treated, seed=2).run(24))["diverted"]
    assert b < a
    with pytest.raises(InputError):
        parse_interventions([{"type": "tracing"}], TEACHING, "<t>", "x")
