"""Seizure data loading, the calibration distance, ABC-SMC and point estimation, resuming."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
import yaml

from flowsim.calibration import fit as calibration_module
from flowsim.calibration.fit import distance, load_calibration, simulate
from flowsim.calibration.seizure_data import load_seizures
from flowsim.errors import InputError
from flowsim.inputs.scenario import CATEGORIES, load_scenario, scenario_from_data
from flowsim.model.flow_model import FlowModel
from tests.conftest import ROOT, SCENARIOS, interrupt_after

TEACHING = load_scenario(SCENARIOS / "teaching.yaml")
TRUE_THEFT = 0.02
STEPS = 24


def observed_rows(seed: int = 9) -> list[dict]:
    """Exact seizure returns from one model run at the true theft rate (no noise)."""
    data = yaml.safe_load((SCENARIOS / "teaching.yaml").read_text())
    data["mechanisms"] = {"theft": TRUE_THEFT}
    model = FlowModel(scenario_from_data(data, "<truth>"), seed=seed).run(STEPS)
    agg: dict[tuple, int] = {}
    for step, c, place, _pt, cat, n, *_ in model.ledger.seizure_rows:
        if CATEGORIES[cat] == "ammunition":
            continue
        period = "1-12" if step <= 12 else "13-24"
        for key in ((model.country_ids[c], period, "any", CATEGORIES[cat]),
                    (model.country_ids[c], period, place, "weapons")):
            agg[key] = agg.get(key, 0) + n
    tracing = {}
    for step, c, _s, _m, req, ok in model.ledger.tracing_rows:
        key = (model.country_ids[c], "1-12" if step <= 12 else "13-24")
        t = tracing.setdefault(key, [0, 0])
        t[0], t[1] = t[0] + req, t[1] + ok
    rows = []
    for (country, period, place, category), n in sorted(agg.items()):
        row = {"country": country, "period": period, "place": place, "category": category,
               "count": n}
        if category == "rifles" and place == "any" and tracing.get((country, period), [0])[0]:
            row["tracing_requests"], row["tracing_successes"] = tracing[(country, period)]
        rows.append(row)
    return rows


def write_csv(path, rows, columns=None):
    columns = columns or ["country", "period", "place", "category", "count",
                          "tracing_requests", "tracing_successes"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def setup(tmp_path, **overrides):
    write_csv(tmp_path / "seizures.csv", observed_rows())
    spec = {"name": "t", "scenario": str(SCENARIOS / "teaching.yaml"), "data": "seizures.csv",
            "parameters": [{"path": "mechanisms.theft", "prior": "loguniform",
                            "range": [0.002, 0.2]}],
            "holdout_periods": ["13-24"], "seed": 2,
            "abc": {"particles": 8, "generations": 2, "max_simulations": 40},
            "point": {"popsize": 3, "maxiter": 2, "replications": 1},
            "predictive_runs": 4}
    spec.update(overrides)
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


# --- seizure data ----------------------------------------------------------------------------
BAD_ROWS = [
    ({"country": "MERR"}, "column country", "did you mean 'MER'"),
    ({"place": "south-pots"}, "column place", "did you mean 'south-post'"),
    ({"place": "north-post"}, "column place", "not 'inland', 'any' or a crossing on a border"),
    ({"count": "-4"}, "column count", "non-negative"),
    ({"count": "many"}, "column count", "expected a whole number"),
    ({"category": "rifle"}, "column category", "did you mean 'rifles'"),
    ({"period": "2019"}, "column period", "no start_year"),
    ({"period": "12-1"}, "column period", "1 <= a <= b"),
    ({"tracing_requests": "2", "tracing_successes": "5"}, "column tracing_successes",
     "no more successes"),
]


@pytest.mark.parametrize(("change", "where", "fragment"), BAD_ROWS,
                         ids=[b[1] + ":" + next(iter(b[0])) for b in BAD_ROWS])
def test_bad_seizure_rows_give_file_line_and_column(tmp_path, change, where, fragment):
    good = {"country": "MER", "period": "1-12", "place": "south-post", "category": "weapons",
            "count": "5", "tracing_requests": "", "tracing_successes": ""}
    path = write_csv(tmp_path / "s.csv", [good, {**good, "period": "13-24", **change}])
    with pytest.raises(InputError) as info:
        load_seizures(path, TEACHING)
    assert f"{path}: line 3, {where}: " in str(info.value) and fragment in str(info.value)


def test_overlapping_periods_and_missing_columns(tmp_path):
    row = {"country": "MER", "period": "1-12", "place": "inland", "category": "handguns",
           "count": 3}
    path = write_csv(tmp_path / "o.csv", [row, {**row, "period": "10-20"}])
    with pytest.raises(InputError, match="overlaps line 2"):
        load_seizures(path, TEACHING)
    path = write_csv(tmp_path / "m.csv", [row], ["country", "period", "place", "count"])
    with pytest.raises(InputError, match="missing column.*category"):
        load_seizures(path, TEACHING)
    path = write_csv(tmp_path / "u.csv", [{**row, "cuont": 1}], [*row, "cuont"])
    with pytest.raises(InputError, match="did you mean 'count'"):
        load_seizures(path, TEACHING)


def test_years_map_to_steps_with_start_year(tmp_path):
    row = {"country": "MER", "period": "2016", "place": "inland", "category": "rifles",
           "count": 3}
    (parsed,) = load_seizures(write_csv(tmp_path / "y.csv", [row]), TEACHING, start_year=2015)
    assert (parsed.first_step, parsed.last_step) == (13, 24)


def test_shipped_seizure_data_and_setups_load():
    for name in ("teaching", "regional"):
        cal = load_calibration(ROOT / "calibration" / f"{name}.yaml")
        assert cal.fit and cal.holdout


# --- distance and simulation ------------------------------------------------------------------
def test_distance_is_zero_for_the_truth_with_its_seed_and_grows_away_from_it(tmp_path):
    cal = load_calibration(setup(tmp_path))
    everything = list(range(len(cal.rows)))

    def at(theft, seed=9):
        sim = simulate(cal.data_for([theft]), seed, STEPS, cal.rows)
        return distance(["counts", "category_mix", "traced_share"], cal.rows, sim, everything)

    assert at(TRUE_THEFT) == pytest.approx(0.0)
    assert at(0.2) > at(TRUE_THEFT) and at(0.002) > at(TRUE_THEFT)


def test_distance_counts_term_is_rms_log_error():
    from flowsim.calibration.seizure_data import SeizureRow

    rows = [SeizureRow(2, "MER", "1-12", 1, 12, "inland", "rifles", 9),
            SeizureRow(3, "MER", "13-24", 13, 24, "inland", "rifles", 0)]
    sim = {"counts": [9, 0], "traced": [None, None]}
    assert distance(["counts"], rows, sim, [0, 1]) == 0
    sim = {"counts": [99, 0], "traced": [None, None]}     # log(100) - log(10) = log(10)
    assert distance(["counts"], rows, sim, [0, 1]) == pytest.approx(
        (2.302585 ** 2 / 2) ** 0.5, rel=1e-5)


def test_bad_calibration_setups_are_reported(tmp_path, run_cli):
    cases = [({"statistics": ["cuonts"]}, "statistics[0]", "did you mean 'counts'"),
             ({"holdout_periods": ["25-36"]}, "holdout_periods[0]", "does not occur"),
             ({"parameters": [{"path": "mechanisms.thef", "range": [0.01, 0.1]}]},
              "parameters[0].path", "unknown key 'thef'"),
             ({"parameters": [{"path": "mechanisms.theft", "prior": "loguniform",
                               "range": [0.0, 0.1]}]}, "parameters[0].range", "low > 0"),
             ({"data": "nope.csv"}, "", "file not found")]
    for overrides, path, fragment in cases:
        file = setup(tmp_path, **overrides)
        code, _, err = run_cli("calibrate", file, "--out", tmp_path / "out")
        assert code == 2, err
        assert fragment in err and "Traceback" not in err
        if path:
            assert f"{file}: {path}: " in err


# --- ABC-SMC and point estimates -----------------------------------------------------------------
def test_abc_concentrates_near_the_truth_and_writes_outputs(tmp_path, run_cli):
    file = setup(tmp_path)
    code, out, err = run_cli("calibrate", file, "--out", tmp_path / "abc")
    assert code == 0, err
    res = tmp_path / "abc"
    for name in ("posterior.csv", "fit.csv", "fit.png", "posterior.png", "diagnostics.csv",
                 "diagnostics.png", "fitted-scenario.yaml", "summary.json"):
        assert (res / name).exists(), name
    diag = pd.read_csv(res / "diagnostics.csv")
    assert diag["median_distance"].iloc[-1] < diag["median_distance"].iloc[0]
    summary = json.loads((res / "summary.json").read_text())
    median = summary["parameters"]["mechanisms.theft"]["median"]
    assert 0.005 < median < 0.08          # the prior spans 0.002-0.2 (100-fold)
    fit = pd.read_csv(res / "fit.csv")
    assert set(fit["set"]) == {"fit", "holdout"}
    fitted = load_scenario(res / "fitted-scenario.yaml")
    assert fitted.mechanisms.theft == pytest.approx(median)


def test_abc_is_identical_whatever_jobs_and_resumes_after_interruption(tmp_path, run_cli,
                                                                        monkeypatch):
    file = setup(tmp_path)
    assert run_cli("calibrate", file, "--out", tmp_path / "one")[0] == 0
    assert run_cli("calibrate", file, "--out", tmp_path / "two", "--jobs", 2)[0] == 0
    one = (tmp_path / "one" / "posterior.csv").read_text()
    assert one == (tmp_path / "two" / "posterior.csv").read_text()

    original = interrupt_after(monkeypatch, calibration_module.Progress, "append", 11)
    code, _, err = run_cli("calibrate", file, "--out", tmp_path / "resumed")
    assert code == 130 and "resume" in err
    monkeypatch.setattr(calibration_module.Progress, "append", original)
    simulated = {"n": 0}
    real_simulate = calibration_module.simulate

    def counting(*args, **kwargs):
        simulated["n"] += 1
        return real_simulate(*args, **kwargs)

    monkeypatch.setattr(calibration_module, "simulate", counting)
    code, out, _ = run_cli("calibrate", file, "--out", tmp_path / "resumed")
    assert code == 0 and "11 simulations already done" in out
    total = len((tmp_path / "one" / "evaluations.jsonl").read_text().splitlines())
    assert simulated["n"] == total - 11                  # nothing finished is run again
    assert (tmp_path / "resumed" / "posterior.csv").read_text() == one


def test_point_estimate_mode(tmp_path, run_cli):
    file = setup(tmp_path)
    code, out, err = run_cli("calibrate", file, "--method", "point", "--out", tmp_path / "p")
    assert code == 0, err
    post = pd.read_csv(tmp_path / "p" / "posterior.csv")
    assert len(post) == 1
    assert 0.002 <= post["mechanisms.theft"].iloc[0] <= 0.2
    assert (tmp_path / "p" / "fit.png").exists()


def test_calibration_refuses_the_folder_of_another_calibration(tmp_path, run_cli):
    out = tmp_path / "out"
    first = setup(tmp_path, abc={"particles": 4, "generations": 0, "max_simulations": 4},
                  predictive_runs=1)
    assert run_cli("calibrate", first, "--out", out)[0] == 0
    other = setup(tmp_path, seed=3, abc={"particles": 4, "generations": 0,
                                         "max_simulations": 4})
    code, _, err = run_cli("calibrate", other, "--out", out)
    assert code == 2 and "different study" in err
