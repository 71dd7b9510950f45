"""Shared fixtures: shipped scenarios, small scenario builders and a CLI runner."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from flowsim.cli import main
from flowsim.inputs.scenario import scenario_from_data

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def load_data(name: str) -> dict:
    return yaml.safe_load((SCENARIOS / name).read_text())


@pytest.fixture
def teaching_data() -> dict:
    return copy.deepcopy(TEACHING)


TEACHING = load_data("teaching.yaml")


def scenario(data: dict, steps: int | None = None, seed: int | None = None):
    data = copy.deepcopy(data)
    sim = data.setdefault("simulation", {})
    if steps is not None:
        sim["steps"] = steps
    if seed is not None:
        sim["seed"] = seed
    return scenario_from_data(data, "<test>")


@pytest.fixture
def run_cli(capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def write_yaml(tmp_path: Path, data, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data)
    return path


def interrupt_after(monkeypatch, cls, method: str, n: int):
    """Make ``cls.method`` raise KeyboardInterrupt (Ctrl-C) on its call after the ``n``th;
    return the original, to put back with ``monkeypatch.setattr``."""
    original = getattr(cls, method)
    calls = {"n": 0}

    def interrupted(self, *args, **kwargs):
        if calls["n"] == n:
            raise KeyboardInterrupt
        calls["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, method, interrupted)
    return original


# --- hypothesis profiles (tests/test_fuzz.py): bounded and reproducible in CI, long locally ----
from hypothesis import Phase as _Phase  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

# CI: the same examples every run, no shrinking (a failure is reported at once, with the
# example and its reproduce_failure blob; shrink it locally with the long profile)
_hypothesis_settings.register_profile(
    "ci", max_examples=50, deadline=None, derandomize=True, print_blob=True,
    phases=(_Phase.explicit, _Phase.reuse, _Phase.generate))
_hypothesis_settings.register_profile("long", max_examples=1000, deadline=None)
_hypothesis_settings.load_profile("ci")   # --hypothesis-profile=long overrides this


# --- tiny experiments on the teaching scenario (shared by the study tests) ---------------------
def secure_est() -> dict:
    """Option: stockpile security in EST (one-off USD 1 million, full effect at once)."""
    return {"name": "secure-est", "interventions": [
        {"type": "stockpile_security", "targets": {"countries": ["EST"]}, "strength": 0.9,
         "ramp_up": 0, "cost": {"one_off": 1_000_000}}]}


def posts(strength: float, per_year: int, ramp_up: int | None = None) -> dict:
    """Option: border inspection on the tra-mer border."""
    iv = {"type": "border_inspection", "targets": {"borders": ["tra-mer"]},
          "strength": strength}
    if ramp_up is not None:
        iv["ramp_up"] = ramp_up
    iv["cost"] = {"per_year": per_year}
    return {"name": "posts", "interventions": [iv]}


def uncertain(samples: int, theft: list[float], security: list[float]) -> dict:
    """Uncertain theft rate and EST army stockpile security."""
    return {"samples": samples, "parameters": [
        {"path": "mechanisms.theft", "range": theft},
        {"path": "countries.EST.stockpiles.est-army.security", "range": security}]}


def tiny_experiment(**changes) -> dict:
    """A tiny experiment on the teaching scenario; ``changes`` replace top-level keys."""
    data = {
        "name": "tiny", "scenario": str(SCENARIOS / "teaching.yaml"), "horizon": 12,
        "replications": 2, "seed": 4,
        "outcomes": ["delivered", "diverted", "seized", "traced_share"],
        "options": [secure_est(), posts(0.5, 500_000)],
        "uncertain": uncertain(2, [0.005, 0.02], [0.1, 0.3]),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def write_experiment(folder: Path, data: dict | None = None, name: str = "exp.yaml") -> Path:
    """Write an experiment (default: :func:`tiny_experiment`) as YAML into ``folder``."""
    path = folder / name
    path.write_text(yaml.safe_dump(tiny_experiment() if data is None else data,
                                   sort_keys=False))
    return path


# --- pytest-xdist (pyproject's addopts: -n 2 --dist loadgroup) -----------------------------
@pytest.hookimpl(tryfirst=True)     # before xdist reads the groups from the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a module-scoped fixture joins its module's xdist group, so that one
    worker runs all such tests of the module and the fixture (an app server, a module's
    model runs) is made once rather than once per worker."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is not None and any(defs[-1].scope == "module"
                                    for defs in info.name2fixturedefs.values() if defs):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
