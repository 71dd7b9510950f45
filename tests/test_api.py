"""The public Python API and the package layout: the Python example of Getting started
(docs/getting-started.md) runs, the
package exposes exactly its public names, and pinned outputs catch silent behaviour change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import pytest

import flowsim
from flowsim._version import MODEL_VERSION
from flowsim.outputs.run import run_scenario
from tests.conftest import ROOT

GETTING_STARTED = (ROOT / "docs" / "getting-started.md").read_text()
PINNED = ROOT / "tests" / "data" / "pinned-outputs.json"


def python_example() -> str:
    section = GETTING_STARTED.split("## Use from Python", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return block


def test_getting_started_python_example_runs_from_the_repository_root():
    # a fresh interpreter, as a notebook user would have; fails if a public name is
    # missing, the example's calls no longer match the API, or conservation breaks
    done = subprocess.run([sys.executable, "-c", python_example()], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    assert "TOTAL" in done.stdout                     # the headline table was printed


def test_readme_python_example_counts_weapons_not_rounds(monkeypatch, capsys):
    """The example summed ammunition rounds with weapons (issue #20.8): its seizures by
    place must add up to the headline's seized weapons (ammunition excluded)."""
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(python_example(), namespace)                   # noqa: S102 - the README's own code
    seized, result = namespace["seized"], namespace["result"]
    assert seized.sum() == result.headline("country").loc["TOTAL", "seized"] > 0


def test_public_names_are_exactly_the_documented_ones():
    documented = re.findall(r"^``(\w+)``\s", flowsim.__doc__, flags=re.M)
    assert set(flowsim.__all__) - {"__version__"} == set(documented)
    for name in set(flowsim.__all__) - {"__version__"}:
        # resolves lazily to the object defined in the module the API names (fails if the
        # table points at a module that lacks it or merely re-exports it)
        assert getattr(flowsim, name).__module__ == flowsim._PUBLIC[name], name
    with pytest.raises(AttributeError):
        flowsim.not_a_public_name  # noqa: B018
    # each public callable says what it does
    for name in documented:
        assert (getattr(flowsim, name).__doc__ or "").strip(), name


def test_importing_flowsim_does_not_import_the_model():
    code = "import sys, flowsim; print('flowsim.model.flow_model' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False"


def _digests(out) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            for p in sorted(out.glob("*.csv"))}


def test_short_runs_reproduce_pinned_outputs(tmp_path):
    """Every CSV of a short teaching and regional run, byte for byte, at this MODEL_VERSION
    and these scenario files.

    A refactor must leave these unchanged. A deliberate model change bumps
    ``flowsim._version.MODEL_VERSION`` (which marks every generated result stale, see
    docs/results/provenance.py), re-pins with ``python -m tests.test_api`` (which refuses
    new digests under the old version and the same scenarios) and shows the distribution of
    the main outputs is as intended with ``benchmarks/compare_outputs.py``. A re-fitted
    scenario changes its outputs without a model change: the pin records the scenarios'
    fingerprints, so that re-pin needs no new version (the results made from the old
    scenario are stale by their own fingerprints).
    """
    pinned = json.loads(PINNED.read_text())
    assert pinned.pop("model_version") == MODEL_VERSION, (
        "MODEL_VERSION changed: re-pin with python -m tests.test_api")
    assert pinned.pop("scenarios") == _scenario_fingerprints(), (
        "a shipped scenario changed: re-pin with python -m tests.test_api")
    assert set(pinned) == {"teaching", "regional"}
    assert _current(tmp_path) == pinned, (
        "outputs changed: if on purpose, bump flowsim._version.MODEL_VERSION, re-pin "
        "(python -m tests.test_api), compare (benchmarks/compare_outputs.py) and regenerate "
        "the results docs/results/provenance.py lists")


def _scenario_fingerprints() -> dict[str, str]:
    """The pinned scenarios' data (comments aside), as the results' provenance hashes it."""
    import yaml

    from flowsim.io import fingerprint

    return {name: fingerprint(yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text()))
            for name in ("teaching", "regional")}


def repin(current: dict, pinned: dict, version: int, scenarios: dict[str, str]) -> dict:
    """The new pinned file; refuses changed digests under an unchanged MODEL_VERSION when
    the scenarios are unchanged too (only a model change can explain them then)."""
    old_version = pinned.pop("model_version", None)
    old_scenarios = pinned.pop("scenarios", None)
    if current != pinned and old_version == version and old_scenarios == scenarios:
        raise SystemExit("the outputs changed but MODEL_VERSION did not: bump "
                         "flowsim._version.MODEL_VERSION (the results made with the old "
                         "model then show as stale) and re-pin")
    return {"model_version": version, "scenarios": scenarios, **current}


def test_repinning_changed_outputs_needs_a_new_model_version_or_new_scenarios():
    sc = {"teaching": "s1"}
    pinned = {"model_version": 3, "scenarios": sc, "teaching": {"flows.csv": "a"}}
    with pytest.raises(SystemExit, match="MODEL_VERSION"):
        repin({"teaching": {"flows.csv": "b"}}, dict(pinned), 3, sc)
    assert repin({"teaching": {"flows.csv": "b"}}, dict(pinned), 4, sc)["model_version"] == 4
    refit = repin({"teaching": {"flows.csv": "b"}}, dict(pinned), 3, {"teaching": "s2"})
    assert refit["model_version"] == 3 and refit["scenarios"] == {"teaching": "s2"}
    assert repin({"teaching": {"flows.csv": "a"}}, dict(pinned), 3, sc) == pinned


def _current(folder) -> dict[str, dict[str, str]]:
    found = {}
    for name in ("teaching", "regional"):
        out = folder / name
        run_scenario(ROOT / "scenarios" / f"{name}.yaml", steps=24, out=out, plots=False)
        found[name] = _digests(out)
    return found


if __name__ == "__main__":                 # re-pin after a deliberate model change
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        new = repin(_current(Path(d)), json.loads(PINNED.read_text()), MODEL_VERSION,
                    _scenario_fingerprints())
        PINNED.write_text(json.dumps(new, indent=2) + "\n")
    print(f"wrote {PINNED}")


def test_the_distribution_comparison_flags_a_moved_outcome_only():
    """benchmarks/compare_outputs.py, which accompanies a re-pin: an outcome shifted by
    three standard deviations differs, an unchanged and a reshuffled one do not."""
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location(
        "compare_outputs", ROOT / "benchmarks" / "compare_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = np.random.default_rng(1)
    x, y = rng.normal(100, 10, 30), rng.normal(100, 10, 30)
    base = [{"delivered": a, "seized": b} for a, b in zip(x, y, strict=True)]
    head = [{"delivered": a + 30, "seized": b} for a, b in zip(x, rng.permutation(y),
                                                                strict=True)]
    rows = {r["outcome"]: r for r in module.compare(base, head)}
    assert rows["delivered"]["differs"] and not rows["seized"]["differs"]
    assert module.compare(base, base)[0]["p_ks"] == 1.0
