"""A Griffe extension for the API reference (mkdocs.yml): flowsim's docstrings cite other
objects with Sphinx roles (:class:`~flowsim.inputs.scenario.Scenario`, :mod:`.plots`),
which Markdown would show literally; this turns each into inline code (`Scenario`,
`.plots`) before mkdocstrings renders the docstring. Docstrings themselves are unchanged."""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`~?([^`]+)`")


def markdown_roles(text: str) -> str:
    """`:role:`~a.b.C`` -> `` `C` ``; `:role:`a.b.C`` -> `` `a.b.C` ``."""
    def code(match: re.Match) -> str:
        target = match.group(1)
        if match.group(0).split("`", 1)[1].startswith("~"):
            target = target.rsplit(".", 1)[-1]
        return f"`{target}`"
    return ROLE.sub(code, text)


class SphinxRoles(griffe.Extension):
    """Rewrites Sphinx cross-reference roles in every docstring as inline code."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_roles(obj.docstring.value)
