"""The documentation stays true: the researchers' guide's example scenario is valid and runs,
the scenario reference matches the schema, the README's commands are the ones CI runs, and
CI builds the documentation site strictly."""

from __future__ import annotations

import re

from flowsim.inputs.scenario import load_scenario, scenario_from_text
from flowsim.inputs.schema import reference
from flowsim.model.flow_model import FlowModel
from flowsim.outputs.metrics import run_totals
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
RESEARCHER_GUIDE = ROOT / "docs" / "guides" / "researcher.md"


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def test_guide_example_scenario_is_valid_and_moves_weapons():
    guide = RESEARCHER_GUIDE.read_text()
    (example,) = [b for b in yaml_blocks(guide) if b.startswith("name: two-countries")]
    model = FlowModel(scenario_from_text(example, str(RESEARCHER_GUIDE))).run()
    assert run_totals(model)["delivered"] > 0


def test_scenario_reference_is_up_to_date():
    doc = (ROOT / "docs" / "scenario-reference.md").read_text()
    from flowsim.inputs.scenario import scenario_reference

    assert doc.strip() == scenario_reference().strip(), \
        "regenerate with: flowsim schema > docs/scenario-reference.md"


def test_experiments_reference_is_up_to_date():
    from flowsim.studies.experiment import experiments_reference

    doc = (ROOT / "docs" / "experiments.md").read_text()
    assert doc.strip() == experiments_reference().strip(), \
        "regenerate with: flowsim schema experiment > docs/experiments.md"


def test_calibration_reference_is_up_to_date():
    from flowsim.calibration.fit import calibration_reference

    doc = (ROOT / "docs" / "calibration.md").read_text()
    # blocks between <!-- results:NAME --> markers hold figures written by benchmark scripts
    doc = re.sub(r"(<!-- results:([\w-]+) -->\n).*?(<!-- /results:\2 -->)", r"\1\3", doc,
                 flags=re.S)
    assert doc.strip() == calibration_reference().strip(), \
        "regenerate with: flowsim schema calibration > docs/calibration.md"


def test_outputs_reference_is_up_to_date():
    from flowsim.outputs.schema import outputs_reference

    doc = (ROOT / "docs" / "outputs.md").read_text()
    assert doc.strip() == outputs_reference().strip(), \
        "regenerate with: flowsim schema outputs > docs/outputs.md"


def test_every_table_a_run_writes_has_exactly_the_documented_columns():
    """docs/outputs.md is written from flowsim.outputs.schema; fails when a table gains,
    loses or reorders a column (e.g. a new record field) without the schema following."""
    from flowsim.outputs.schema import OUTPUT_TABLES
    from flowsim.outputs.tables import all_tables

    model = FlowModel(load_scenario(ROOT / "scenarios" / "teaching.yaml"), seed=3)
    model.run(24)
    tables = all_tables(model)
    assert set(tables) == set(OUTPUT_TABLES)
    for name, table in tables.items():
        assert list(table.columns) == OUTPUT_TABLES[name].names, name
        assert len(table), f"{name} is empty: its columns would not be checked"


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./install.sh" in README and "./install.sh" in ci
    assert ".venv/bin/python -m pytest" in README and ".venv/bin/python -m pytest" in ci
    # the tests marked slow, which the default command leaves out, run in CI too
    slow = ".venv/bin/python -m pytest -m slow"
    assert slow in README and slow in ci
    assert ".venv/bin/flowsim run scenarios/teaching.yaml" in README
    # the documentation site is built with broken links and missing pages as errors, after
    # the install (the packages come with it) and before the tests
    lines = [line.split("#")[0].strip() for line in ci.splitlines()]
    build = next(i for i, line in enumerate(lines)
                 if line.endswith(".venv/bin/mkdocs build --strict"))
    assert lines.index("./install.sh") < build < lines.index(".venv/bin/python -m pytest")


def test_docs_quote_generated_results_exactly():
    """Numbers in README.md, docs/**/*.md and benchmarks/README.md come from
    docs/results/NAME.md, written by docs/results/generate.py; a hand edit of either side,
    or a generator whose output no document quotes, fails here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", ROOT / "docs" / "results"
                                                  / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    quoted: set[str] = set()
    for doc in gen.documents():
        for name, text in gen.readme_blocks(doc.read_text()).items():
            file = ROOT / "docs" / "results" / f"{name}.md"
            assert file.exists(), f"{doc.name} quotes results '{name}' that no script generates"
            assert text == file.read_text(), \
                f"{doc.name}'s '{name}' results differ from {file}: run docs/results/generate.py"
            quoted.add(name)
    for name in gen.generators():
        assert name in quoted, f"no document has the <!-- results:{name} --> block"


def test_reference_shows_what_a_nested_default_sets_differently():
    """A block whose default differs from its type's own defaults (armed groups' behaviour)
    says so in its row; without it the reference showed only the type's defaults."""
    from flowsim.inputs.scenario import Behaviour

    rows = {line.split("|")[1].strip(): line.split("|")[3] for line in
            reference(Behaviour, "behaviour").splitlines() if line.startswith("| `")}
    assert "`conflict_demand: 1.0`" in rows["`armed_group`"]
    assert "`battlefield_capture: True`" in rows["`armed_group`"]
    assert "`demand_elasticity: 0.5`" in rows["`criminal_market`"]
    assert "conflict_demand" not in rows["`criminal_market`"]   # the type's own default


def test_code_layout_names_every_module():
    """The code-layout table of docs/development.md names every module of flowsim/: a
    package's modules (as `name`) in its row, a top-level module (as `name.py`) in any row.
    A module added or moved without a line in the table fails here (the README's old table
    had silently missed several)."""
    page = (ROOT / "docs" / "development.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in page.splitlines()
            if line.startswith("| `flowsim/")}
    package = ROOT / "flowsim"
    missing = []
    for module in sorted(package.rglob("*.py")):
        if module.name == "__init__.py":
            continue
        if module.parent == package:
            named = any(f"{module.name}`" in row for row in rows.values())
        else:
            folder = module.parent.relative_to(ROOT).as_posix()
            named = f"`{module.stem}`" in rows.get(f"`{folder}/`", "")
        if not named:
            missing.append(module.relative_to(ROOT).as_posix())
    assert not missing, f"docs/development.md's code layout does not name {missing}"


def test_api_reference_shows_sphinx_roles_as_code():
    """The Griffe extension mkdocs.yml loads turns the docstrings' Sphinx roles into inline
    code; without it the API reference shows ':class:' and backticks literally."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "sphinx_roles", ROOT / "docs" / "_griffe" / "sphinx_roles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "docs/_griffe/sphinx_roles.py" in (ROOT / "mkdocs.yml").read_text()
    text = ("a validated :class:`~flowsim.inputs.scenario.Scenario`, see :mod:`.plots` and "
            ":func:`flowsim.run_scenario`; ``code`` stays")
    assert module.markdown_roles(text) == ("a validated `Scenario`, see `.plots` and "
                                           "`flowsim.run_scenario`; ``code`` stays")


def test_readme_and_home_page_say_the_same_about_trusting_the_numbers():
    """README.md and the site's home page both carry "How far to trust the numbers" (which
    checks are independent evidence, which are fitted); an edit to one alone fails here."""
    def section(text: str) -> str:
        return text.split("## How far to trust the numbers\n", 1)[1].split("\n## ", 1)[0]

    home = (ROOT / "docs" / "index.md").read_text()
    assert section(README).replace("](docs/", "](") == section(home)


# --- generated results match the inputs that made them ----------------------------------------
def _provenance():
    import importlib.util
    import sys

    if "provenance" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "provenance", ROOT / "docs" / "results" / "provenance.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["provenance"] = module
        spec.loader.exec_module(module)
    return sys.modules["provenance"]


#: Results made before the inputs they read last changed, so they could not be stamped; the
#: integrator regenerates them. The test fails once one is regenerated (remove it here then).
AWAITING_REGENERATION: dict[str, str] = {}


def test_generated_results_still_match_the_inputs_that_made_them():
    stale = _provenance().stale()
    assert stale == AWAITING_REGENERATION, "\n".join(
        f"{result} is stale: {why}" for result, why in stale.items()
        if AWAITING_REGENERATION.get(result) != why)


def test_a_changed_scenario_makes_its_results_stale(tmp_path):
    """On a copy of the inputs: a new number in regional.yaml makes every result that reads
    it stale, naming the command to re-run; a comment edit does not; nor does it touch
    results that never read it."""
    import shutil

    provenance = _provenance()
    for folder in ("scenarios", "experiments", "calibration"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for file in ("benchmarks/sensitivity_speed.json", provenance.RECORD):
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / file, tmp_path / file)
    assert provenance.stale(tmp_path) == AWAITING_REGENERATION
    regional = tmp_path / "scenarios" / "regional.yaml"
    regional.write_text("# an edited comment\n" + regional.read_text())
    assert provenance.stale(tmp_path) == AWAITING_REGENERATION
    text = regional.read_text()
    assert "seed: 2024}" in text
    regional.write_text(text.replace("seed: 2024}", "seed: 2025}", 1))    # a new seed
    stale = provenance.stale(tmp_path)
    assert "run docs/results/generate.py patterns" in stale["docs/results/patterns.md"]
    assert "run benchmarks/calibration_budget.py --write" in stale[
        "docs/results/calibration-budget.md"]
    assert "docs/results/sbc.md" not in stale          # teaching set-up only
    assert "docs/results/experiments.md" in stale      # through an experiment's scenario
