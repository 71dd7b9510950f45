"""Seizure data loading, the calibration distance, ABC-SMC and point estimation, resuming."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from flowsim.calibration import evaluation as calibration_module
from flowsim.calibration.fit import distance, load_calibration, simulate
from flowsim.calibration.posterior import (
    coverage_warnings,
    identifiability,
    identifiability_warnings,
)
from flowsim.calibration.seizure_data import load_seizures
from flowsim.calibration.synthesize import synthesize
from flowsim.calibration.toy import Toy, exact_posterior, run_toy
from flowsim.errors import InputError
from flowsim.inputs.scenario import CATEGORIES, load_scenario
from flowsim.model.flow_model import FlowModel
from flowsim.seeds import derive_seed
from tests.conftest import ROOT, SCENARIOS, interrupt_after

TEACHING = load_scenario(SCENARIOS / "teaching.yaml")
STEPS = 24
# One free parameter: the total diversion rate, as a multiplier of five base rates (the
# split between mechanisms fixed). Prior log-uniform on [0.1, 10] (median 1); the truth
# sits well away from that median.
NAME = "diversion"
BASE_RATES = {"theft": 0.01, "loss": 0.004, "insider": 0.015, "battlefield_capture": 0.08,
              "civilian_leakage": 0.02}
DERIVED = {f"mechanisms.{k}": f"{v} * diversion" for k, v in BASE_RATES.items()}
TRUTH = 2.5


def shape_rows(seed: int = 9) -> list[dict]:
    """The rows of a seizure return (counts to be replaced by ``flowsim synthesize``)."""
    model = FlowModel(TEACHING, seed=seed).run(STEPS)
    keys: set[tuple] = set()
    traced = set()
    for step, c, place, _pt, cat, _n, *_ in model.ledger.seizure_rows:
        if CATEGORIES[cat] == "ammunition":
            continue
        period = "1-12" if step <= 12 else "13-24"
        keys |= {(model.country_ids[c], period, "any", CATEGORIES[cat]),
                 (model.country_ids[c], period, place, "weapons")}
    for step, c, _s, _m, req, _ok in model.ledger.tracing_rows:
        if req:
            traced.add((model.country_ids[c], "1-12" if step <= 12 else "13-24"))
    rows = []
    for country, period, place, category in sorted(keys):
        row = {"country": country, "period": period, "place": place, "category": category,
               "count": 1}
        if category == "rifles" and place == "any" and (country, period) in traced:
            row["tracing_requests"], row["tracing_successes"] = 1, 0
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


def setup(tmp_path, truth: float = TRUTH, scenario: Path | None = None, **overrides):
    """A one-parameter set-up whose data ``flowsim synthesize`` made at ``truth`` (on the
    shipped teaching scenario unless ``scenario`` is given)."""
    write_csv(tmp_path / "seizures.csv", shape_rows())
    spec = {"name": "t", "scenario": str(scenario or SCENARIOS / "teaching.yaml"),
            "data": "seizures.csv",
            "parameters": [{"name": NAME, "prior": "loguniform", "range": [0.1, 10]}],
            "derived": DERIVED, "statistics": ["counts"], "holdout_periods": ["13-24"],
            "seed": 2,
            "abc": {"particles": 8, "generations": 2, "max_simulations": 40},
            "point": {"popsize": 3, "maxiter": 2, "replications": 2},
            "predictive_runs": 4}
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump(spec))
    synthesize(path, {NAME: truth}, seed=9, out=tmp_path / "seizures.csv")
    path.write_text(yaml.safe_dump({**spec, **overrides}))
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
    with pytest.raises(InputError, match="missing column.*category.*found country, period, "
                       "place, count"):
        load_seizures(path, TEACHING)
    path = write_csv(tmp_path / "t.csv", [{**row, "categroy": "rifles"}],
                     ["country", "period", "place", "categroy", "count"])
    with pytest.raises(InputError, match="missing column.*category.*did you mean 'categroy'"):
        load_seizures(path, TEACHING)
    path = write_csv(tmp_path / "u.csv", [{**row, "cuont": 1}], [*row, "cuont"])
    with pytest.raises(InputError, match="did you mean 'count'"):
        load_seizures(path, TEACHING)


def test_periods_past_the_scenarios_horizon_are_refused(tmp_path, run_cli):
    """Periods 500-512 in a 120-step scenario passed validate and stretched every
    calibration simulation to 512 steps (issue #20.6)."""
    file = setup(tmp_path)
    rows = list(csv.DictReader((tmp_path / "seizures.csv").open()))
    rows[-1]["period"] = "500-512"
    write_csv(tmp_path / "seizures.csv", rows)
    for command in ("validate", "calibrate"):
        code, _, err = run_cli(command, file, *(["--out", tmp_path / "o"]
                                                if command == "calibrate" else []))
        assert code == 2, err
        assert err.startswith(f"error: {tmp_path / 'seizures.csv'}: line {len(rows) + 1}, "
                              "column period: ")
        assert "'500-512'" in err and "steps 1-120" in err and "horizon" in err
        assert len(err.strip().splitlines()) == 1
    # a set-up that asks for a longer horizon may use data that far
    file.write_text(file.read_text() + "horizon: 512\n")
    assert run_cli("validate", file)[0] == 0


def test_years_map_to_steps_with_start_year(tmp_path):
    row = {"country": "MER", "period": "2016", "place": "inland", "category": "rifles",
           "count": 3}
    (parsed,) = load_seizures(write_csv(tmp_path / "y.csv", [row]), TEACHING, start_year=2015)
    assert (parsed.first_step, parsed.last_step) == (13, 24)


@pytest.mark.slow        # the shipped ABC budget: about 1,300 simulations on 2 workers
def test_shipped_teaching_setup_recovers_its_truth(tmp_path, run_cli):
    """The shipped set-up, its shipped data (made at the truth in .truth.json) and its own
    budget: every 90% interval holds the truth and is at most half the prior's width."""
    truth = json.loads((ROOT / "calibration" / "teaching-seizures.truth.json").read_text())
    code, _, err = run_cli("calibrate", ROOT / "calibration" / "teaching.yaml", "--jobs", "2",
                           "--out", tmp_path / "t")
    assert code == 0, err
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    for name, value in truth["true_parameters"].items():
        got = summary["parameters"][name]
        assert got["p05"] <= value <= got["p95"], (name, got)
        assert got["width_ratio"] <= 0.5, (name, got)
    assert summary["warnings"] == []


def test_setup_copy_changes_keys_and_keeps_file_paths_working(tmp_path):
    from flowsim.calibration.fit import setup_copy

    original = load_calibration(ROOT / "calibration" / "teaching.yaml")
    (tmp_path / "elsewhere").mkdir()
    copy = load_calibration(setup_copy(ROOT / "calibration" / "teaching.yaml",
                                       tmp_path / "elsewhere" / "c.yaml", seed=42))
    assert copy.spec.seed == 42 and original.spec.seed != 42
    assert copy.rows == original.rows and copy.scenario_data == original.scenario_data
    write_csv(tmp_path / "other.csv", shape_rows())      # other data, other periods
    other = setup_copy(ROOT / "calibration" / "teaching.yaml", tmp_path / "o.yaml",
                       data=str(tmp_path / "other.csv"), holdout_periods=["13-24"])
    assert len(load_calibration(other).rows) == len(shape_rows())


def test_shipped_seizure_data_and_setups_load():
    for name in ("teaching", "regional"):
        cal = load_calibration(ROOT / "calibration" / f"{name}.yaml")
        assert cal.fit and cal.holdout


# --- distance and simulation ------------------------------------------------------------------
def test_distance_is_smallest_near_the_truth_on_fresh_seeds(tmp_path):
    """Other seeds than the data's: the distance must still point at the truth.

    Transfer diversion is switched off: it is not part of the fitted multiplier, and since
    issue #21 it diverts whole consignments now and then, whose noise in 24 months of
    seizure counts (distance at the truth 1.2 against 0.8 without, over these three seeds)
    hides the signal this test is about."""
    data = yaml.safe_load((SCENARIOS / "teaching.yaml").read_text())
    data.setdefault("mechanisms", {}).update(transfer_fraud=0.0, reexport=0.0)
    scenario = tmp_path / "teaching-no-transfer-diversion.yaml"
    scenario.write_text(yaml.safe_dump(data))
    cal = load_calibration(setup(tmp_path, scenario=scenario, holdout_periods=[]))

    def at(value):
        return sum(cal.distance(simulate(cal.data_for([value]), seed, STEPS, cal.rows),
                                cal.fit) for seed in (31, 32, 33)) / 3

    near = at(TRUTH)
    assert near < at(TRUTH / 4) - 0.2 and near < at(TRUTH * 4) - 0.2


def test_distance_counts_term_is_rms_log_error():
    from flowsim.calibration.seizure_data import SeizureRow

    rows = [SeizureRow(2, "MER", "1-12", 1, 12, "inland", "rifles", 9),
            SeizureRow(3, "MER", "13-24", 13, 24, "inland", "rifles", 0)]
    sim = {"counts": [9, 0], "traced": [None, None]}
    assert distance(["counts"], rows, sim, [0, 1]) == 0
    sim = {"counts": [99, 0], "traced": [None, None]}     # log(100) - log(10) = log(10)
    assert distance(["counts"], rows, sim, [0, 1]) == pytest.approx(
        (2.302585 ** 2 / 2) ** 0.5, rel=1e-5)


def test_noise_scales_weigh_each_rows_error_by_its_noise(tmp_path):
    from flowsim.calibration.seizure_data import SeizureRow

    rows = [SeizureRow(2, "MER", "1-12", 1, 12, "inland", "rifles", 9),
            SeizureRow(3, "MER", "13-24", 13, 24, "inland", "rifles", 9)]
    sim = {"counts": [99, 99], "traced": [None, None]}       # log(100) - log(10) per row
    # the noisy second row (scale 4) counts a quarter as much as the first (scale 1)
    assert distance(["counts"], rows, sim, [0, 1], [1.0, 4.0]) == pytest.approx(
        ((2.302585 ** 2 + (2.302585 / 4) ** 2) / 2) ** 0.5, rel=1e-5)
    # scales come from the noise runs' spread of log counts plus the reporting floor
    cal = load_calibration(setup(tmp_path))
    runs = np.array([[0, 9] * 4, [3, 9] * 4, [8, 9] * 4])[:, :len(cal.rows)]
    cal.set_scales(runs)
    sd = np.std(np.log1p([0, 3, 8]), ddof=1)
    assert cal.scales[0] == pytest.approx(math.hypot(sd, 0.15))
    assert cal.scales[1] == pytest.approx(0.15)               # no spread: the floor alone
    cal.spec.count_scale, cal.scales = "none", None
    cal.set_scales(runs)
    assert cal.scales is None


def test_noise_runs_are_cached_and_written(tmp_path, run_cli):
    file = setup(tmp_path)
    code, _, err = run_cli("calibrate", file, "--method", "point", "--out", tmp_path / "p")
    assert code == 0, err
    cal = load_calibration(file)
    runs = [json.loads(line) for line in
            (tmp_path / "p" / "evaluations.jsonl").read_text().splitlines()]
    noise = [r for r in runs if r["key"].startswith("noise")]
    assert len(noise) == cal.spec.noise_runs
    lo, hi = cal.bounds()
    assert all(r["theta"] == pytest.approx(cal.to_theta((lo + hi) / 2)) for r in noise)
    cal.set_scales(np.array([r["counts"] for r in noise]))
    written = pd.read_csv(tmp_path / "p" / "noise-scales.csv")
    assert written["noise_scale"].tolist() == pytest.approx(cal.scales)
    assert len({r["counts"][0] for r in noise}) > 1          # the seeds differ


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
def test_abc_recovers_a_truth_away_from_the_prior_median(tmp_path, run_cli):
    file = setup(tmp_path, abc={"particles": 20, "generations": 3, "max_simulations": 60},
                 predictive_runs=8, holdout_periods=[])
    code, out, err = run_cli("calibrate", file, "--out", tmp_path / "abc")
    assert code == 0, err
    res = tmp_path / "abc"
    summary = json.loads((res / "summary.json").read_text())
    p = summary["parameters"][NAME]
    assert p["p05"] <= TRUTH <= p["p95"]
    # the 90% interval is at most half the prior's on the log scale
    prior_width = 0.9 * math.log(10 / 0.1)
    assert math.log(p["p95"] / p["p05"]) <= 0.5 * prior_width
    assert p["width_ratio"] == pytest.approx(math.log(p["p95"] / p["p05"]) / prior_width)
    assert "width vs prior" in out and "not identified" not in out
    fitted = load_scenario(res / "fitted-scenario.yaml")
    assert fitted.mechanisms.theft == pytest.approx(0.01 * p["median"])
    assert fitted.mechanisms.battlefield_capture == pytest.approx(0.08 * p["median"])
    for name in ("posterior.csv", "posterior.png", "diagnostics.png", "fit.png"):
        assert (res / name).stat().st_size > 0, name


def test_abc_engine_matches_an_exact_posterior():
    """Poisson counts, flat prior: the posterior is a truncated gamma, known exactly. The
    engine (the code `flowsim calibrate` runs, with the toy simulator plugged in) must get
    its mean within 0.25 posterior sd and its sd within 15% (Monte Carlo error with ~370
    effective particles is about 0.05 sd and 4%)."""
    for seed in (1, 2):
        toy = Toy.make(rate=3.0, n=6, seed=seed)
        mean, sd = exact_posterior(toy)
        got = run_toy(toy, seed=seed)
        assert got["epsilon"] == 0            # exact matching of the sufficient statistic
        assert abs(got["mean"] - mean) < 0.25 * sd, (got, mean, sd)
        assert abs(got["sd"] / sd - 1) < 0.15, (got, mean, sd)


def test_abc_engine_stops_after_the_generation_that_reaches_the_total_budget():
    from flowsim.calibration.abc_smc import MemoryStore, abc_smc
    from flowsim.calibration.toy import ToySettings

    toy = Toy.make(rate=3.0, n=6, seed=1)
    settings = ToySettings(particles=50, generations=20, max_total_simulations=400)
    store = MemoryStore()
    out = abc_smc(np.array([toy.low]), np.array([toy.high]), toy.evaluate, settings, 4,
                  store=store)
    sims = [h["simulations"] for h in out["history"]]
    assert sum(sims) >= 400 > sum(sims[:-1])             # the last generation crossed it
    assert out["history"][-1]["stopped"] and len(sims) < 21
    # interrupted before its last generation, a resumed run counts the saved generations'
    # simulations towards the budget and stops where the uninterrupted one did
    partial = MemoryStore()
    partial.saved = {g: pop for g, pop in store.saved.items() if g < len(sims) - 1}
    again = abc_smc(np.array([toy.low]), np.array([toy.high]), toy.evaluate, settings, 4,
                    store=partial)
    assert again["history"] == out["history"]


def test_identifiability_warns_in_words():
    rng = np.random.default_rng(0)
    lo, hi = np.zeros(3), np.ones(3)
    a = rng.random(500)                                   # spans its prior: not identified
    b = 0.5 + 0.05 * rng.standard_normal(500)             # narrow: identified
    c = np.clip(b + 0.01 * rng.standard_normal(500), 0, 1)  # moves with b: confounded
    ident = identifiability(["a", "b", "c"], np.c_[a, b, c], np.ones(500), lo, hi)
    assert ident["width_ratio"]["a"] > 0.8 and ident["width_ratio"]["b"] < 0.25
    assert ident["correlation"]["b"]["c"] > 0.9
    text = " ".join(identifiability_warnings(ident))
    assert "a is not identified" in text and "b and c are confounded" in text
    assert "b is" not in text and "a and" not in text
    assert coverage_warnings(0.95, 0.43) == [coverage_warnings(0.43, None)[0].replace(
        "fitting", "held-out")]
    assert coverage_warnings(0.75, 0.9) == []


def test_poor_coverage_is_reported_plainly(tmp_path, run_cli):
    file = setup(tmp_path, abc={"particles": 4, "generations": 0, "max_simulations": 4})
    rows = list(csv.DictReader((tmp_path / "seizures.csv").open()))
    for row in rows:
        if row["period"] == "13-24":
            row["count"] = str(int(row["count"]) * 40 + 50)    # held-out data the model misses
    write_csv(tmp_path / "seizures.csv", rows, list(rows[0]))
    code, out, err = run_cli("calibrate", file, "--out", tmp_path / "c")
    assert code == 0, err
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert summary["coverage_holdout"] < 0.7
    assert "WARNING: only" in out and "held-out observations" in out
    assert any("held-out" in w for w in summary["warnings"])


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


def test_point_estimate_reports_a_point_and_its_own_distance(tmp_path, run_cli):
    file = setup(tmp_path)
    code, out, err = run_cli("calibrate", file, "--method", "point", "--out", tmp_path / "p")
    assert code == 0, err
    res = tmp_path / "p"
    assert not (res / "posterior.csv").exists() and not (res / "posterior.png").exists()
    summary = json.loads((res / "summary.json").read_text())
    estimate = summary["parameters"][NAME]
    assert set(estimate) == {"estimate"}
    assert "median" not in out and "point estimate" in out
    # the reported fit is the chosen point's distance: rerun it at the replication seeds
    cal = load_calibration(file)
    cal.scales = pd.read_csv(res / "noise-scales.csv")["noise_scale"].tolist()
    seeds = [derive_seed(2, 999, r) for r in range(2)]
    again = [cal.distance(simulate(cal.data_for([estimate["estimate"]]), s, STEPS, cal.rows),
                          cal.fit) for s in seeds]
    assert summary["distance_fit"] == pytest.approx(np.mean(again))
    assert summary["distance_fit_replications"]["values"] == pytest.approx(again)
    # the diagnostic is the running best, ending at the chosen point's distance
    diag = pd.read_csv(res / "diagnostics.csv")
    assert (diag["best_distance"].diff().dropna() <= 0).all()
    assert diag["best_distance"].iloc[-1] == pytest.approx(summary["distance_fit"])
    assert len(diag) == 3                                # initial population + 2 generations


def test_calibration_refuses_the_folder_of_another_calibration(tmp_path, run_cli):
    out = tmp_path / "out"
    first = setup(tmp_path, abc={"particles": 4, "generations": 0, "max_simulations": 4},
                  predictive_runs=1)
    assert run_cli("calibrate", first, "--out", out)[0] == 0
    other = setup(tmp_path, seed=3, abc={"particles": 4, "generations": 0,
                                         "max_simulations": 4})
    code, _, err = run_cli("calibrate", other, "--out", out)
    assert code == 2 and "different study" in err and "--out DIR" in err


def test_abc_and_point_fits_of_one_setup_get_their_own_default_folders(tmp_path, run_cli,
                                                                       monkeypatch):
    """The README runs both methods on one set-up; the second was refused (issue #20.2)."""
    file = setup(tmp_path, abc={"particles": 4, "generations": 0, "max_simulations": 4},
                 predictive_runs=1)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("calibrate", file)
    assert code == 0, err
    code, out_point, err = run_cli("calibrate", file, "--method", "point")
    assert code == 0, err
    folders = tmp_path / "calibration-results"
    assert json.loads((folders / "t-abc" / "summary.json").read_text())["method"] == "abc"
    assert json.loads((folders / "t-point" / "summary.json").read_text())["method"] == "point"
    assert "calibration-results/t-abc/" in out and "calibration-results/t-point/" in out_point


# --- synthetic data and derived parameters ------------------------------------------------------
def test_synthesize_writes_data_shaped_like_the_setups_from_the_truth(tmp_path, run_cli):
    file = setup(tmp_path)
    shape = load_calibration(file).rows
    args = ("synthesize", file, "--truth", f"{NAME}=0.3", "--seed", 4)
    assert run_cli(*args, "--out", tmp_path / "low.csv")[0] == 0
    assert run_cli(*args[:3], f"{NAME}=3", *args[4:], "--out", tmp_path / "high.csv")[0] == 0
    assert run_cli(*args, "--out", tmp_path / "again.csv")[0] == 0
    low, high = (load_seizures(tmp_path / f"{n}.csv", TEACHING) for n in ("low", "high"))
    assert [r.label for r in low] == [r.label for r in shape]       # same rows
    assert sum(r.count for r in high) > 2 * sum(r.count for r in low)  # the truth matters
    assert (tmp_path / "low.csv").read_text() == (tmp_path / "again.csv").read_text()
    truth = json.loads((tmp_path / "low.truth.json").read_text())
    assert truth["true_parameters"] == {NAME: 0.3} and truth["seed"] == 4
    assert truth["scenario_values"]["mechanisms.theft"] == pytest.approx(0.003)
    for bad, fragment in ((f"{NAME[:-1]}=1", "did you mean 'diversion'"),
                          (f"{NAME}=50", "inside the prior range"),
                          (f"{NAME}", "NAME=VALUE")):
        code, _, err = run_cli("synthesize", file, "--truth", bad, "--out", tmp_path / "x.csv")
        assert code == 2 and fragment in err and "Traceback" not in err, err
    assert not (tmp_path / "x.csv").exists()


def test_derived_expressions_are_checked(tmp_path, run_cli):
    for derived, fragment in (({"mechanisms.theft": "diversoin * 0.01"}, "did you mean"),
                              ({"mechanisms.theft": "__import__('os')"}, "not allowed"),
                              ({"mechanisms.theft": "diversion * 0.5"}, "invalid scenario"),
                              ({"mechanisms.thef": "diversion"}, "unknown key 'thef'")):
        file = setup(tmp_path, derived=derived)
        code, _, err = run_cli("calibrate", file, "--out", tmp_path / "o")
        assert code == 2 and "derived." in err and fragment in err, err
