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
