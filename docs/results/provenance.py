"""Which inputs made each generated results file, and whether they still match.

Every generated results file (``docs/results/*.md`` and the JSON a benchmark writes for a
generator to quote) is listed in :data:`RESULTS` with the command that makes it and the input
files it reads; experiment and calibration set-ups bring in the scenario, data and patterns
files they name. Its *fingerprint* hashes those inputs (YAML and JSON as parsed data, so a
comment edit does not count; other files as bytes) with ``flowsim._version.MODEL_VERSION``.
It deliberately leaves out the code in ``flowsim/``: a refactor keeps the pinned output
digests and so the numbers; a behaviour change must bump ``MODEL_VERSION`` (the pinned
digests are tied to it), which marks every result for regeneration.

``docs/results/provenance.json`` records, per file, the fingerprint it was made with;
``tests/test_docs.py`` fails when one no longer matches and names the command to re-run.
``generate.py`` records it after generating; the benchmark scripts that write results do too;
``generate.py --stamp`` records it for existing files without regenerating, and only where
the file's inputs (as of the commit that last wrote the file) equal today's.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
RECORD = "docs/results/provenance.json"
EXPERIMENTS = ("experiments/border-displacement.yaml", "experiments/donor-comparison.yaml",
               "experiments/sustainability.yaml", "experiments/americas-options.yaml")
SCENARIOS = ("scenarios/teaching.yaml", "scenarios/regional.yaml", "scenarios/large.yaml")


@dataclass(frozen=True)
class Result:
    command: str                 # what to run to remake it
    inputs: tuple[str, ...]      # files it reads (set-ups bring in what they name)


RESULTS: dict[str, Result] = {
    "docs/results/experiments.md": Result(
        "docs/results/generate.py experiments", EXPERIMENTS),
    "docs/results/sensitivity.md": Result(
        "docs/results/generate.py sensitivity",
        ("experiments/sensitivity.yaml", "benchmarks/sensitivity_speed.json")),
    "benchmarks/sensitivity_speed.json": Result(
        "benchmarks/sensitivity_speed.py", ("experiments/sensitivity.yaml",
                                            "scenarios/regional.yaml")),
    "docs/results/patterns.md": Result(
        "docs/results/generate.py patterns", ("calibration/seed-patterns.yaml",
                                              "scenarios/teaching.yaml",
                                              "scenarios/regional.yaml")),
    "docs/results/calibration.md": Result(
        "docs/results/generate.py calibration", ("calibration/teaching.yaml",
                                                 "calibration/regional.yaml")),
    "docs/results/sbc.md": Result("benchmarks/sbc.py --write", ("calibration/teaching.yaml",)),
    "docs/results/abc-vs-pyabc.md": Result(
        "benchmarks/abc_vs_pyabc.py --write", ("calibration/teaching.yaml",)),
    "docs/results/calibration-budget.md": Result(
        "benchmarks/calibration_budget.py --write", ("calibration/regional.yaml",)),
    "docs/results/performance.md": Result("docs/results/generate.py performance", SCENARIOS),
    "docs/results/instructions.md": Result(
        "benchmarks/instructions.py --seeds 1 2 3 --outputs --write",
        ("scenarios/regional.yaml",)),
    "docs/results/benchmarks.md": Result("docs/results/generate.py benchmarks", SCENARIOS),
    "docs/results/case_study.md": Result(
        "docs/results/generate.py case_study", (
            "calibration/americas.yaml", "calibration/data/mexico-confrontations-by-year.csv",
            "calibration/data/mexico-confrontation-event-sizes.csv",
            "calibration/data/sdg-16-4-2-traced-share.csv")),
    "docs/results/real_data.md": Result(
        "docs/results/generate.py real_data", ("calibration/data/datapackage.json",)),
    "docs/results/app_speed.md": Result("docs/results/generate.py app_speed",
                                        SCENARIOS[:2]),
    "docs/results/app_roundtrip.md": Result("docs/results/generate.py app_roundtrip",
                                            SCENARIOS[:1]),
    "docs/results/exercises.md": Result("docs/results/generate.py exercises", SCENARIOS[:1]),
}


def _git_reader(root: Path, rev: str) -> Callable[[str], bytes | None]:
    def read(path: str) -> bytes | None:
        done = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=root,
                              capture_output=True, check=False)
        return done.stdout if done.returncode == 0 else None
    return read


def _file_reader(root: Path) -> Callable[[str], bytes | None]:
    def read(path: str) -> bytes | None:
        p = root / path
        return p.read_bytes() if p.exists() else None
    return read


def _content(path: str, raw: bytes | None) -> object:
    """What counts of a file: parsed data for YAML/JSON (comments and layout do not)."""
    if raw is None:
        return None
    if path.endswith((".yaml", ".yml", ".json")):
        return yaml.safe_load(raw)
    return hashlib.sha256(raw).hexdigest()


def _named_files(path: str, data: object) -> list[str]:
    """Files a set-up names (scenario, data, patterns), relative to the repository."""
    if not isinstance(data, dict):
        return []
    names = [data[k] for k in ("scenario", "data", "patterns")
             if isinstance(data.get(k), str) and data[k].endswith((".yaml", ".csv"))]
    folder = posixpath.dirname(path)
    return [n if posixpath.isabs(n) else posixpath.normpath(posixpath.join(folder, n))
            for n in names]


def input_contents(result: str, read: Callable[[str], bytes | None]) -> dict[str, object]:
    """Input path -> its content, for every file ``result`` reads (set-ups expanded)."""
    seen: dict[str, object] = {}
    todo = list(RESULTS[result].inputs)
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen[path] = _content(path, read(path))
        if path.endswith(".yaml") and path.startswith(("experiments/", "calibration/")):
            todo += _named_files(path, seen[path])
    return seen


def fingerprint(result: str, read: Callable[[str], bytes | None], model_version: int) -> str:
    text = json.dumps({"model_version": model_version,
                       "inputs": input_contents(result, read)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_version() -> int:
    from flowsim._version import MODEL_VERSION

    return MODEL_VERSION


def recorded(root: Path = ROOT) -> dict[str, dict]:
    path = root / RECORD
    return json.loads(path.read_text()) if path.exists() else {}


def record(result: str, root: Path = ROOT) -> None:
    """Record ``result``'s current fingerprint (call right after (re)making it)."""
    entries = recorded(root)
    entries[result] = {"fingerprint": fingerprint(result, _file_reader(root), model_version()),
                       "model_version": model_version(), "command": RESULTS[result].command}
    (root / RECORD).write_text(json.dumps(dict(sorted(entries.items())), indent=2) + "\n")


def stale(root: Path = ROOT) -> dict[str, str]:
    """Result -> why it no longer matches its inputs (and what to run); empty if all do."""
    entries, out = recorded(root), {}
    for result, spec in RESULTS.items():
        entry = entries.get(result)
        if entry is None:
            out[result] = f"no fingerprint recorded; run {spec.command}"
        elif entry["fingerprint"] != fingerprint(result, _file_reader(root), model_version()):
            changed = ("MODEL_VERSION changed" if entry["model_version"] != model_version()
                       else "its inputs changed")
            out[result] = (f"{changed} since it was made ({', '.join(spec.inputs)}); "
                           f"run {spec.command}")
    return out


PINNED = "tests/data/pinned-outputs.json"


def _digests(raw: bytes | None) -> dict:
    """The pinned output digests (without the version they are tied to)."""
    data = json.loads(raw) if raw else {}
    return {k: v for k, v in data.items() if k != "model_version"}


def stamp(result: str, root: Path = ROOT) -> str:
    """Record ``result``'s fingerprint without regenerating it, if its inputs as of the
    commit that last wrote it equal today's (same model version: the pinned digests have
    not changed since either); return what was done."""
    rev = subprocess.run(["git", "log", "-1", "--format=%H", "--", result], cwd=root,
                         capture_output=True, text=True, check=True).stdout.strip()
    if not rev:
        return f"{result}: not committed; generate it instead"
    if _digests(_git_reader(root, rev)(PINNED)) != _digests(_file_reader(root)(PINNED)):
        return (f"{result}: the pinned outputs changed after it was made; run "
                f"{RESULTS[result].command}")
    then = input_contents(result, _git_reader(root, rev))
    now = input_contents(result, _file_reader(root))
    if then != now:
        changed = sorted(p for p in set(then) | set(now) if then.get(p) != now.get(p))
        return (f"{result}: inputs changed since it was made ({', '.join(changed)}); "
                f"run {RESULTS[result].command}")
    record(result, root)
    return f"{result}: stamped (inputs unchanged since {rev[:7]})"
