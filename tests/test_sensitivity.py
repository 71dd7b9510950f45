"""Global sensitivity analysis: SALib indices through flowsim's design, runner and analysis
(checked on Ishigami's analytic indices), and the simulation study: run counts, common
random numbers, the same numbers whatever the workers or backend, resuming, the report."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from flowsim.studies import experiment as experiment_module
from flowsim.studies.experiment import read_runs
from flowsim.studies.sensitivity import function_sensitivity
from tests.conftest import (
    interrupt_after,
    posts,
    secure_est,
    tiny_experiment,
    uncertain,
    write_experiment,
)

PI = (-np.pi, np.pi)
# Ishigami (a=7, b=0.1) analytic indices (Ishigami & Homma 1990; SALib's test function)
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
S2 = {("x1", "x2"): 0.0, ("x1", "x3"): 0.2437, ("x2", "x3"): 0.0}


def ishigami(x1: float, x2: float, x3: float) -> float:
    return float(Ishigami.evaluate(np.array([[x1, x2, x3]]))[0])


def test_ishigami_indices_match_analytic_values_within_salib_intervals():
    """A plain function in place of the simulation, through the same design, runner and
    analysis. Fails if rows and outputs are misaligned, if the parameters are passed in
    the wrong order, or if S1/ST/S2 columns are mixed up."""
    table, s2, d = function_sensitivity(ishigami, {"x1": PI, "x2": PI, "x3": PI}, n=1024,
                                        seed=3, second_order=True)
    assert len(d.X) == 1024 * (2 * 3 + 2)
    t = table.set_index("parameter")
    for p in S1:
        assert abs(t.loc[p, "S1"] - S1[p]) <= t.loc[p, "S1_conf"], (p, t.loc[p].to_dict())
        assert abs(t.loc[p, "ST"] - ST[p]) <= t.loc[p, "ST_conf"], (p, t.loc[p].to_dict())
    assert list(table["parameter"]) == ["x1", "x2", "x3"]          # ranked by ST
    for _, row in s2.iterrows():
        truth = S2[(row["parameter"], row["with"])]
        assert abs(row["S2"] - truth) <= row["S2_conf"], row.to_dict()


def test_morris_elementary_effects_of_a_linear_function_are_its_slopes():
    table, _, d = function_sensitivity(lambda a, b, c: 3 * a - b + 0 * c,
                                       {"a": (0, 1), "b": (0, 1), "c": (0, 1)},
                                       method="morris", n=10, seed=2)
    assert len(d.X) == 10 * (3 + 1)
    t = table.set_index("parameter")
    assert t.loc["a", "mu_star"] == pytest.approx(3) and t.loc["a", "sigma"] == \
        pytest.approx(0, abs=1e-9)
    assert t.loc["b", "mu"] == pytest.approx(-1) and t.loc["c", "mu_star"] == \
        pytest.approx(0, abs=1e-9)
    assert list(table["parameter"]) == ["a", "b", "c"]


# --- the simulation study ---------------------------------------------------------------
EXPERIMENT = tiny_experiment(
    name="tiny-sa", horizon=6, replications=None, outcomes=["delivered", "seized"],
    options=[posts(0.6, 500_000, ramp_up=0), secure_est()], uncertain=None,
    sensitivity={"samples": 4, "options": ["posts"],
                 "parameters": uncertain(0, [0.005, 0.04], [0.1, 0.6])["parameters"]})


def write(tmp_path, data=None):
    return write_experiment(tmp_path, EXPERIMENT if data is None else data, "sa.yaml")


def records(folder) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in read_runs(folder))


def indices(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "sensitivity" / "indices.csv")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The tiny study run once in-process with one worker: (results folder, printed)."""
    from flowsim.cli import main

    tmp = tmp_path_factory.mktemp("sa")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["sensitivity", str(write(tmp)), "--out", str(tmp / "ref")]) == 0
    return tmp / "ref", printed.getvalue()


@pytest.fixture
def reference(study):
    return study[0]


def test_study_prints_run_count_uses_common_random_numbers_and_reports(study):
    folder, out = study
    # N·(D+2) futures, baseline + the one option the block names, 1 replication
    assert "N·(D+2) = 4·4 = 16 futures x 2 options x 1 replication = 32 runs" in out
    runs = read_runs(folder)
    assert len(runs) == 32 and {r["option"] for r in runs} == {"baseline", "posts"}
    assert len({r["seed"] for r in runs}) == 1            # same seed in every future, option
    by = {(r["option"], r["sample"]): r["totals"]["delivered"] for r in runs}
    assert len({v for (o, _), v in by.items() if o == "baseline"}) > 4   # parameters matter
    t = indices(folder)
    assert set(zip(t["option"], t["outcome"], strict=True)) == {
        ("baseline", "delivered"), ("baseline", "seized"), ("posts", "delivered"),
        ("posts", "seized"), ("posts", "kept_from_end_users")}
    assert "posts — kept from end users" in out
    html = (folder / "report" / "report.html").read_text()
    assert "Global sensitivity (sobol)" in html and html.count("<section>") == 1
    # N = 4 is far below what Sobol indices need: said before the runs (issue #20.8)
    warning = next(line for line in out.splitlines() if line.startswith("warning: "))
    assert "N = 4" in warning and "fewer than 32" in warning and "1024" in warning
    assert out.index("warning: ") < out.index("runs")


@pytest.mark.parametrize(("samples", "warned"), [(16, True), (32, False), (64, False)])
def test_small_sobol_samples_are_warned_about(tmp_path, samples, warned):
    from flowsim.studies.sensitivity import load_sensitivity

    exp = load_sensitivity(write(tmp_path), samples=samples)
    assert bool(exp.warnings) == warned
    morris = load_sensitivity(write(tmp_path), samples=samples, method="morris")
    assert morris.warnings == []


def test_a_bad_samples_flag_is_blamed_not_the_files_key(tmp_path, run_cli):
    """--samples 3 said the file's sensitivity.samples was wrong (issue #20.8): a value the
    command line set is reported under its flag; the file's own key under the file."""
    code, _, err = run_cli("sensitivity", write(tmp_path), "--samples", 3, "--out",
                           tmp_path / "r")
    assert code == 2 and err.startswith("error: --samples: ") and "power of 2" in err
    assert "sensitivity.samples" not in err
    data = copy.deepcopy(EXPERIMENT)
    data["sensitivity"]["samples"] = 3
    code, _, err = run_cli("sensitivity", write(tmp_path, data), "--out", tmp_path / "r")
    assert code == 2 and err.startswith(f"error: {tmp_path / 'sa.yaml'}: sensitivity.samples: ")


def test_second_order_run_count(tmp_path, run_cli):
    data = copy.deepcopy(EXPERIMENT)
    data["sensitivity"]["samples"] = 2
    code, out, err = run_cli("sensitivity", write(tmp_path, data), "--out", tmp_path / "r",
                             "--second-order", "--no-report")
    assert code == 0, err
    assert "N·(2D+2) = 2·6 = 12 futures x 2 options" in out
    s2 = pd.read_csv(tmp_path / "r" / "sensitivity" / "second_order.csv")
    assert len(s2) == 5 and set(s2["parameter"]) == {"mechanisms.theft"}


def test_same_numbers_whatever_jobs_and_backend(tmp_path, run_cli, reference):
    file = write(tmp_path)
    assert run_cli("sensitivity", file, "--out", tmp_path / "j2", "--jobs", 2,
                   "--no-report")[0] == 0
    assert records(tmp_path / "j2") == records(reference)
    pd.testing.assert_frame_equal(indices(tmp_path / "j2"), indices(reference))
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        code, _, err = run_cli("sensitivity", file, "--out", tmp_path / "dask", "--backend",
                               "dask", "--address", cluster.scheduler_address, "--no-report")
    assert code == 0, err
    assert records(tmp_path / "dask") == records(reference)
    pd.testing.assert_frame_equal(indices(tmp_path / "dask"), indices(reference))


def test_interrupted_study_resumes_without_repeating_or_losing_runs(tmp_path, run_cli,
                                                                    monkeypatch, reference):
    file = write(tmp_path)
    original = interrupt_after(monkeypatch, experiment_module.ResultsStore, "append", 7)
    code, _, err = run_cli("sensitivity", file, "--out", tmp_path / "part", "--no-report")
    assert code == 130 and "resume" in err
    assert len(read_runs(tmp_path / "part")) == 7
    assert not (tmp_path / "part" / "sensitivity").exists()
    monkeypatch.setattr(experiment_module.ResultsStore, "append", original)
    code, out, _ = run_cli("sensitivity", file, "--out", tmp_path / "part", "--no-report")
    assert code == 0 and "7 already done" in out
    assert records(tmp_path / "part") == records(reference)
    pd.testing.assert_frame_equal(indices(tmp_path / "part"), indices(reference))


def test_another_design_is_refused_in_the_same_folder(tmp_path, run_cli, reference):
    code, _, err = run_cli("sensitivity", write(tmp_path), "--out", reference,
                           "--samples", 8)
    assert code == 2 and "different study" in err


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d["sensitivity"].update(samples=6), "power of 2"),
    (lambda d: d["sensitivity"].update(parameters=[]) or d.pop("uncertain", None),
     "sensitivity.parameters"),
    (lambda d: d["sensitivity"]["parameters"][0].update(range=[0.04, 0.005]), "low < high"),
    (lambda d: d["sensitivity"].update(options=["nope"]), "unknown option 'nope'"),
    (lambda d: d["sensitivity"].update(methd="morris"), "did you mean 'method'"),
    (lambda d: d["sensitivity"]["parameters"][1].update(path="countries.XXX.controls.training"),
     "no item with id 'XXX'"),
])
def test_bad_sensitivity_block_is_one_clear_error(tmp_path, run_cli, change, fragment):
    data = copy.deepcopy(EXPERIMENT)
    change(data)
    code, _, err = run_cli("sensitivity", write(tmp_path, data), "--out", tmp_path / "r")
    assert code == 2 and fragment in err and "Traceback" not in err
    assert not (tmp_path / "r" / "runs.jsonl").exists()


def test_docs_describe_the_sensitivity_block_as_the_schema_declares_it():
    from flowsim.studies.sensitivity import spec_reference
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "exploratory.md").read_text()
    assert spec_reference().replace("### `", "#### `").strip() in doc, \
        "paste flowsim.studies.sensitivity.spec_reference() into docs/exploratory.md"


def test_docs_plain_function_example_runs(capsys):
    import re

    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "exploratory.md").read_text()
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", doc, re.S)
                  if "function_sensitivity(" in b]
    exec(compile(example, "docs/exploratory.md", "exec"), {})
    out = capsys.readouterr().out
    assert "x1" in out and "ST_conf" in out
