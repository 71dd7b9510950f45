"""The "What flowsim guarantees" page (docs/guarantees.md) names, for each guarantee, the tests that
check it: every named test must exist, and every guarantee must name at least one."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

PAGE = (ROOT / "docs" / "guarantees.md").read_text()
GUARANTEES = ("Conservation", "Determinism across workers and backends", "Atomic outputs",
              "Resumability", "Bounds", "Bad input is refused clearly")


def section() -> str:
    match = re.search(r"^# What flowsim guarantees\n(.*?)(?=^## |\Z)", PAGE, flags=re.S | re.M)
    assert match, "docs/guarantees.md lacks its title 'What flowsim guarantees'"
    return match.group(1)


def test_every_guarantee_names_tests_that_exist():
    bullets = re.split(r"^- \*\*", section(), flags=re.M)[1:]
    titles = [b.split(".**")[0] for b in bullets]
    assert titles == list(GUARANTEES)
    defined: dict[str, set[str]] = {}
    for bullet, title in zip(bullets, titles, strict=True):
        named = re.findall(r"`(tests/test_\w+\.py)::(test_\w+)`", bullet)
        assert named, f"guarantee '{title}' names no test"
        for file, name in named:
            if file not in defined:
                tree = ast.parse((ROOT / file).read_text())
                defined[file] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            assert name in defined[file], \
                f"docs/guarantees.md names {file}::{name}, which does not exist"
