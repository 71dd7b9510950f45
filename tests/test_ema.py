"""EMA Workbench interop: the export loads with ema_workbench.load_results and matches the
runs; flowsim.ema's ReplicatorModel runs the experiments' simulation; the docs example runs."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from flowsim.studies.experiment import (
    load_experiment,
    read_runs,
    run_task,
    scenario_for_sample,
)
from tests.conftest import (
    ROOT,
    posts,
    secure_est,
    tiny_experiment,
    uncertain,
    write_experiment,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench import load_results

EXPERIMENT = tiny_experiment(
    name="tiny-ema", horizon=5, seed=9, outcomes=["delivered", "seized"],
    options=[posts(0.6, 600_000, ramp_up=0), secure_est()],
    uncertain=uncertain(3, [0.005, 0.04], [0.1, 0.6]))


@pytest.fixture
def experiment_file(tmp_path):
    return write_experiment(tmp_path, EXPERIMENT)


def test_export_loads_in_ema_workbench_and_matches_the_runs(tmp_path, run_cli,
                                                            experiment_file):
    assert run_cli("experiment", experiment_file, "--out", tmp_path / "r",
                   "--no-report")[0] == 0
    code, out, err = run_cli("export", tmp_path / "r", "--format", "ema",
                             tmp_path / "x" / "tiny.tar.gz")
    assert code == 0, err
    experiments, outcomes = load_results(str(tmp_path / "x" / "tiny.tar.gz"))
    runs = read_runs(tmp_path / "r")
    assert len(experiments) == len(runs) == 3 * 3 * 2
    samples = load_experiment(experiment_file).samples
    by_key = {(r["option"], str(r["sample"]), r["replication"]): r for r in runs}
    for i, row in experiments.iterrows():
        run = by_key[(row["policy"], str(row["scenario"]), int(row["replication"]))]
        assert row["mechanisms.theft"] == pytest.approx(samples[run["sample"]]
                                                        ["mechanisms.theft"])
        assert outcomes["delivered"][i] == run["totals"]["delivered"]
        assert outcomes["seized"][i] == run["totals"]["seized"]
        assert list(outcomes["delivered_series"][i]) == run["series"]["delivered"]
    assert set(experiments["model"]) == {"flowsim"}
    assert "wrote 18 experiments" in out and "replaced" not in out
    code, again, _ = run_cli("export", tmp_path / "r", tmp_path / "x" / "tiny.tar.gz")
    assert code == 0 and f"replaced the earlier {tmp_path / 'x' / 'tiny.tar.gz'}" in again


def test_export_needs_a_tar_gz_name(tmp_path, run_cli, experiment_file):
    run_cli("experiment", experiment_file, "--out", tmp_path / "r", "--no-report")
    code, _, err = run_cli("export", tmp_path / "r", "--format", "ema", tmp_path / "x.zip")
    assert code == 2 and ".tar.gz" in err and not (tmp_path / "x.zip").exists()


def test_replicator_model_runs_the_experiments_simulation(experiment_file):
    """A lever at an option's strength reproduces that option's run; at 0 the baseline's."""
    from flowsim.ema import COST, ema_model

    model = ema_model(experiment_file)
    assert [u.name for u in model.uncertainties] == [
        "mechanisms_theft", "countries_EST_stockpiles_est_army_security"]
    assert [lever.name for lever in model.levers] == ["posts_border_inspection",
                                                      "secure_est_stockpile_security"]
    seeds = [r["seed"] for r in model.replications]
    assert len(set(seeds)) == 2
    exp = load_experiment(experiment_file)
    values = {"mechanisms.theft": 0.03, "countries.EST.stockpiles.est-army.security": 0.2}
    data = scenario_for_sample(exp.scenario_data, values, exp.file)
    function = model.function
    kwargs = {"mechanisms_theft": 0.03, "countries_EST_stockpiles_est_army_security": 0.2}
    posts = function(seed=seeds[1], posts_border_inspection=0.6,
                     secure_est_stockpile_security=0.0, **kwargs)
    direct = run_task(data, exp.options["posts"], seeds[1], exp.horizon, ("posts", 0, 1))
    assert posts["delivered"] == direct["totals"]["delivered"]
    assert posts["seized"] == direct["totals"]["seized"]
    assert posts[COST] == pytest.approx(600_000 * 5 / 12)
    off = function(seed=seeds[0], posts_border_inspection=0.0,
                   secure_est_stockpile_security=0.0, **kwargs)
    base = run_task(data, exp.options["baseline"], seeds[0], exp.horizon, ("baseline", 0, 0))
    assert off["seized"] == base["totals"]["seized"] and off[COST] == 0


def test_docs_example_runs_at_a_tiny_size(monkeypatch, capsys):
    """The ReplicatorModel example in docs/exploratory.md, smaller and on one process."""
    doc = (ROOT / "docs" / "exploratory.md").read_text()
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", doc, re.S)
                  if "ema_model(" in b]
    small = (example.replace("scenarios=32, policies=4", "scenarios=6, policies=1")
             .replace("replications=2", "replications=1")
             .replace("MultiprocessingEvaluator(model, n_processes=2)",
                      "SequentialEvaluator(model)")
             .replace("import MultiprocessingEvaluator", "import SequentialEvaluator"))
    assert small.count("scenarios=6") == 1 and "SequentialEvaluator(model)" in small
    monkeypatch.chdir(ROOT)
    import flowsim.ema as ema

    original = ema.load_experiment
    monkeypatch.setattr(ema, "load_experiment", lambda path: _short(original(path)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(small, "docs/exploratory.md", "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    assert "mechanisms_theft" in out and "pssm_karvania_stockpile_security" in out
    assert "coverage" in out and "behaviour_price_elasticity" in out


def _short(exp):
    """The shipped experiment over 6 steps instead of 48 (the test's time budget)."""
    exp.spec.horizon = 6
    return exp


def test_identifiers_are_unique_python_names():
    from flowsim.ema import identifier

    taken: set[str] = set()
    names = [identifier(t, taken) for t in ("a.b-c", "a_b_c", "1x", "")]
    assert names == ["a_b_c", "a_b_c_2", "p_1x", "p"]
    assert all(n.isidentifier() for n in names)
    assert np.unique(names).size == len(names)
