"""`flowsim run` writes complete outputs, or none at all when interrupted or failing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flowsim.model import flow_model as model_module
from flowsim.outputs import plots
from tests.conftest import SCENARIOS

EXPECTED = {"flows.csv", "stocks.csv", "seizures.csv", "cases.csv", "borders.csv", "tracing.csv",
            "prices.csv", "summary.csv", "end_users.csv", "run.json", "flows.png", "network.png",
            "seizures.png", "prices.png", "disposition.csv"}


def test_run_writes_tables_plots_and_summary(tmp_path, run_cli):
    out = tmp_path / "out"
    code, stdout, _ = run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 12, "--seed", 3,
                              "--out", out)
    assert code == 0
    assert {p.name for p in out.iterdir()} == EXPECTED
    assert "By country" in stdout and "By diversion mechanism" in stdout
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 3 and meta["steps"] == 12 and meta["conserved"]
    stocks = pd.read_csv(out / "stocks.csv")
    totals = stocks.groupby(["step", "category"])["count"].sum().unstack()
    flows = pd.read_csv(out / "flows.csv")
    produced = (flows[flows["flow"] == "produced"].groupby("category")["count"].sum()
                .reindex(totals.columns, fill_value=0))
    # conservation visible in the written tables: stock totals grow only by production
    assert ((totals.iloc[-1] - totals.iloc[0]) == produced).all()
    summary = pd.read_csv(out / "summary.csv")
    assert summary["diverted"].sum() > 0
    # end-user stock per country matches the end_users state of stocks.csv at the last step
    held = pd.read_csv(out / "end_users.csv")
    last = held[held["step"] == 12].groupby("category")["count"].sum()
    state = stocks[(stocks["step"] == 12) & (stocks["state"] == "end_users")]
    assert (state.set_index("category")["count"].reindex(last.index) == last).all()


def test_interrupted_run_leaves_no_outputs(tmp_path, run_cli, monkeypatch):
    out = tmp_path / "out"
    original = model_module.FlowModel.step

    def step(self):
        if self.steps >= 4:
            raise KeyboardInterrupt
        original(self)

    monkeypatch.setattr(model_module.FlowModel, "step", step)
    code, _, err = run_cli("run", SCENARIOS / "teaching.yaml", "--out", out)
    assert code == 130
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_failure_while_writing_leaves_previous_outputs_untouched(tmp_path, run_cli,
                                                                  monkeypatch):
    out = tmp_path / "out"
    assert run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 6, "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken_plot(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "plot_prices", broken_plot)
    code, _, _ = run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 9, "--out", out)
    assert code == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before   # no staging left


@pytest.mark.parametrize("name", ["teaching.yaml", "regional.yaml", "large.yaml"])
def test_every_shipped_scenario_validates(run_cli, name):
    code, out, _ = run_cli("validate", SCENARIOS / name)
    assert code == 0 and out.startswith("ok: ")


@pytest.mark.parametrize(("args", "fragment"), [
    (["run", "scenarios/teaching.yaml", "--steps", "0"], "--steps"),
    (["run", "scenarios/teaching.yaml", "--seed", "-3"], "--seed"),
    (["experiment", "experiments/sustainability.yaml", "--jobs", "0"], "--jobs"),
    (["calibrate", "calibration/teaching.yaml", "--jobs", "-5"], "--jobs"),
])
def test_bad_numbers_on_the_command_line(run_cli, args, fragment):
    code, _, err = run_cli(*args)
    assert code == 2 and err.startswith(f"error: {fragment}")


def test_output_folder_that_is_a_file_is_a_clear_error(tmp_path, run_cli):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    code, _, err = run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 2, "--out", blocker)
    assert code == 2 and err.startswith("error: cannot read or write") and str(blocker) in err


COMMANDS_WITH_JOBS = [("experiment", "experiments/sustainability.yaml"),
                      ("calibrate", "calibration/teaching.yaml"),
                      ("sensitivity", "experiments/sensitivity.yaml"),
                      ("patterns", "scenarios/teaching.yaml")]


@pytest.mark.parametrize(("command", "file"), COMMANDS_WITH_JOBS)
@pytest.mark.parametrize(("asked", "used", "noted"), [("1000", 2, True), ("-1", 2, False),
                                                      ("2", 2, False), ("1", 1, False)])
def test_jobs_is_capped_at_the_available_cores(run_cli, monkeypatch, command, file, asked,
                                               used, noted):
    """More workers than cores only slow a study down (issue #20): every command that takes
    --jobs gets at most the cores this process may use, and says so in one line."""
    import flowsim.cli as cli

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    seen = []
    monkeypatch.setattr(cli, f"cmd_{command}", lambda args: seen.append(args.jobs) or 0)
    code, _, err = run_cli(command, file, "--jobs", asked)
    assert code == 0 and seen == [used]
    if noted:
        assert len(err.strip().splitlines()) == 1
        assert "--jobs 1000" in err and "2 cores" in err
    else:
        assert err == ""


def test_run_parallel_never_starts_more_workers_than_cores(monkeypatch):
    """The library caps too (a notebook calling run_experiment(jobs=1000))."""
    import joblib

    from flowsim.studies.runner import run_parallel

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0}, raising=False)

    def no_pool(*args, **kwargs):
        raise AssertionError(f"a worker pool was started: {kwargs}")

    monkeypatch.setattr(joblib, "Parallel", no_pool)
    assert sorted(run_parallel(abs, [(-1,), (-2,)], jobs=1000)) == [1, 2]


@pytest.mark.parametrize("port", ["99999", "-5", "0"])
def test_app_port_out_of_range_is_a_clear_error_before_the_server_starts(run_cli, port):
    code, out, err = run_cli("app", "--port", port)
    assert code == 2 and out == ""
    assert err.startswith("error: --port: expected a port number from 1 to 65535, got ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_run_into_an_earlier_runs_folder_removes_its_stale_files_and_says_so(tmp_path,
                                                                            run_cli):
    """--no-plots after a run with plots left the old PNGs beside the new tables (#20.5)."""
    out = tmp_path / "out"
    assert run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 3, "--out", out)[0] == 0
    assert "replac" not in run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 3,
                                   "--out", tmp_path / "new", "--no-plots")[1]
    (out / "notes.txt").write_text("mine")            # not a flowsim output: kept
    code, stdout, _ = run_cli("run", SCENARIOS / "teaching.yaml", "--steps", 4, "--seed", 8,
                              "--out", out, "--no-plots")
    assert code == 0
    assert {p.name for p in out.iterdir()} == {n for n in EXPECTED
                                               if n.endswith((".csv", ".json"))} | {"notes.txt"}
    assert json.loads((out / "run.json").read_text())["steps"] == 4
    assert f"replaced the earlier run in {out}/ (seed" in stdout
