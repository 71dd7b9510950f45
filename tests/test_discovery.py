"""Scenario discovery: the paired 'fails' condition, PRIM boxes and feature scores on a results
folder whose failing futures are known (the option fails exactly where p1 >= 0.7)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flowsim.studies.discovery import discover, parse_when, per_future
from flowsim.studies.report import load_results

N, REPS, STEPS = 80, 2, 3
CUT = 0.7
TIE = 0          # a future (p1 < CUT) where the option delivers exactly the baseline's


def run(option, sample, rep, delivered, seized):
    per = [delivered / STEPS] * STEPS
    return {"option": option, "sample": sample, "replication": rep, "seed": rep,
            "totals": {"delivered": delivered, "seized": seized},
            "series": {"diverted": per, "delivered": per, "seized_border": per,
                       "seized_inland": per}}


@pytest.fixture
def results(tmp_path):
    """Option 'posts' keeps 10 weapons from end users when p1 < 0.7 and lets 5 more through
    when p1 >= 0.7; p2 is irrelevant. Replications add the same noise to both (common random
    numbers)."""
    rng = np.random.default_rng(0)
    p = rng.uniform(size=(N, 2))
    p[TIE, 0] = 0.1
    samples = [{"p1": float(a), "p2": float(b)} for a, b in p]
    runs = []
    for s, (p1, _) in enumerate(p):
        for r in range(REPS):
            base = 1000 + 50 * r + float(rng.integers(0, 20))
            effect = 0 if s == TIE else (-10 if p1 < CUT else 5)
            runs.append(run("baseline", s, r, base, 100 + p1))
            runs.append(run("posts", s, r, base + effect, 120 + p1))
    manifest = {"name": "planted", "fingerprint": "x", "experiment_file": "planted.yaml",
                "horizon": STEPS, "replications": REPS, "samples": samples,
                "outcomes": ["delivered", "seized"], "options": ["baseline", "posts"],
                "costs": {"baseline": 0, "posts": 1e6}, "steps_per_year": 12,
                "step_length": "month", "spec": {}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in runs))
    return tmp_path, p


def test_fails_is_paired_against_the_baseline_and_a_tie_is_a_failure(results):
    folder, p = results
    manifest, runs, _ = load_results(folder)
    x, holds, _ = per_future(manifest, runs, "posts", "delivered", "fails")
    expected = (p[:, 0] >= CUT)
    expected[TIE] = True
    assert list(x.columns) == ["p1", "p2"]
    assert holds.tolist() == expected.tolist()
    # for an enforcement outcome higher is better: posts always seizes more, never fails
    _, holds, _ = per_future(manifest, runs, "posts", "seized", "fails")
    assert not holds.any()
    _, below, means = per_future(manifest, runs, "posts", "seized", "below 120.5")
    assert below.tolist() == (means["seized"] < 120.5).tolist() == (p[:, 0] < 0.5).tolist()


def test_prim_finds_the_planted_box_and_feature_scoring_the_parameter(results):
    folder, p = results
    found = discover(folder, option="posts", outcome="delivered", when="fails", boxes=1,
                     write=False)
    assert (found.futures, found.marked) == (N, int((p[:, 0] >= CUT).sum()) + 1)
    box = found.box_stats.iloc[0]
    assert box["density"] >= 0.9 and box["coverage"] >= 0.8
    lims = found.boxes.set_index("parameter")
    assert "p1" in lims.index and "p2" not in lims.index
    below = p[p[:, 0] < CUT, 0].max()
    assert below <= lims.loc["p1", "min"] <= p[p[:, 0] >= CUT, 0].min()
    assert lims.loc["p1", "max"] == pytest.approx(p[:, 0].max())
    scores = found.features["delivered fails"]
    assert scores["p1"] > 0.7 > scores["p2"]
    assert found.features["seized"]["p1"] > 0.7               # seized is 120 + p1


def test_discover_command_prints_writes_and_adds_a_report_section(results, run_cli):
    folder, _ = results
    code, out, err = run_cli("discover", folder, "--option", "posts", "--when", "fails")
    assert code == 0, err
    assert "Box 1: coverage" in out and "p1" in out
    written = folder / "discovery" / "posts-delivered-fails"
    assert (written / "tradeoff.png").stat().st_size > 1000
    peeling = (written / "peeling.csv").read_text().splitlines()
    assert len(peeling) > 3 and "coverage" in peeling[0]
    html = (folder / "report" / "report.html").read_text()
    assert "Scenario discovery: posts, delivered fails" in html


@pytest.mark.parametrize("args, fragment", [
    (["--option", "baseline", "--when", "fails"], "other than the baseline"),
    (["--option", "nope"], "unknown option 'nope'"),
    (["--option", "posts", "--outcome", "kept"], "unknown outcome 'kept'"),
    (["--option", "posts", "--when", "under 3"], "expected 'fails', 'below X' or 'above X'"),
])
def test_bad_discovery_request_is_one_clear_error(results, run_cli, args, fragment):
    code, _, err = run_cli("discover", results[0], *args)
    assert code == 2 and fragment in err


def test_parse_when():
    assert parse_when("  below   1,500 ") == ("below", 1500.0)
    assert parse_when("above -2.5") == ("above", -2.5)
