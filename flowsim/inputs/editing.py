"""Scenario files read beside a set-up and edited by dotted path; their calibration status.

Experiments, sensitivity analyses and calibrations all name a scenario file relative to
their own file, and set scenario values by dotted paths (lists selected by id, e.g.
``countries.KAR.stockpiles.kar-army.security``) to sample a future or try a parameter
value. This module holds those helpers, in the input layer, so checking any set-up never
needs the model.

**Calibration status.** A scenario may say how far it is calibrated under a top-level
``calibration:`` key (:class:`flowsim.inputs.scenario.CalibrationStatus`: ``status``, the
sentence reports quote, and ``setup``, the set-up that fitted it); ``flowsim calibrate``
writes it into the fitted scenario. Scenario files written before that key existed carry
the status in a ``# calibration: ...`` comment line in their header (before the first key);
:func:`calibration_status` still reads it. No seed paragraph: file handling, not model
content.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from flowsim.errors import InputError
from flowsim.inputs.scenario import Scenario, scenario_from_data
from flowsim.inputs.schema import load_yaml


def set_path(data: dict, path: str, value: float, file: str, where: str) -> None:
    """Set ``value`` at a dotted path in raw scenario data; list items are selected by id
    (items without one, such as interventions, by name)."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        here = ".".join(parts[:i]) or "(top)"
        if isinstance(node, list):
            items = [x for x in node if isinstance(x, dict)]
            match = [x for x in items if x.get("id", x.get("name")) == part]
            if not match:
                ids = [x.get("id", x.get("name")) for x in items]
                raise InputError(file, where, f"path '{path}': no item with id '{part}' at "
                                 f"'{here}' (ids: {', '.join(map(str, ids))})")
            node = match[0]
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            raise InputError(file, where, f"path '{path}': '{here}' is a value, "
                             "not a mapping or list")
    if not isinstance(node, dict):
        raise InputError(file, where, f"path '{path}' does not end at a mapping key")
    node[parts[-1]] = value


def scenario_for_sample(exp_data: dict, sample: dict[str, float], file: str) -> dict:
    data = copy.deepcopy(exp_data)
    for path, value in sample.items():
        set_path(data, path, value, file, "uncertain")
    return data


STATUS_COMMENT = "# calibration:"
NOT_CALIBRATED = "not calibrated: illustrative only"


def calibration_status(scenario_path: str | Path) -> str:
    """The scenario's calibration status: its ``calibration.status`` key, else (files
    written before that key) a ``# calibration: ...`` line in the comment header at the top
    of the file (before the first key); ``NOT_CALIBRATED`` without either."""
    try:
        data = load_yaml(scenario_path)
    except (OSError, InputError):
        return NOT_CALIBRATED
    typed = data.get("calibration") if isinstance(data, dict) else None
    if isinstance(typed, dict) and str(typed.get("status") or "").strip():
        return str(typed["status"]).strip()
    return header_line(scenario_path, STATUS_COMMENT) or NOT_CALIBRATED


def value_span(text: str | yaml.Node, path: str, file: str = "<scenario>") -> tuple[int, int]:
    """(start, end) character offsets of the scalar a scenario file's text writes at a dotted
    path (list items by id), so a value can be replaced with the file's comments kept;
    InputError if the file does not write it. ``text`` may be given already composed
    (``yaml.compose``) when several paths are looked up in one unchanged text."""
    node = yaml.compose(text) if isinstance(text, str) else text
    for part in path.split("."):
        if isinstance(node, yaml.SequenceNode):
            node = next((item for item in node.value if isinstance(item, yaml.MappingNode)
                         and any(k.value == "id" and v.value == part for k, v in item.value)),
                        None)
        elif isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        else:
            node = None
        if node is None:
            raise InputError(file, path, "the scenario file does not write this key; add it "
                             "(with its current value) before fitting it, so the fitted value "
                             "can be written in its place")
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(file, path, "expected a number at this path")
    return node.start_mark.index, node.end_mark.index


#: ``# status: ...`` in a scenario's header: fictional/illustrative, or fitted to named data
STATUS_KEY = "# status:"
#: ``# costs: ...`` in an experiment's header: where its costs come from
COSTS_KEY = "# costs:"


def header_line(path: str | Path, key: str) -> str:
    """The text after ``key`` (e.g. ``# status:``) on a line of the comment header at the
    top of a YAML file (before its first key); "" without one or if the file is missing."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        if stripped.lower().startswith(key):
            return stripped[len(key):].strip()
    return ""


def with_calibration_status(text: str, status: str, setup: str | None = None,
                            header: str = "") -> str:
    """Scenario file text with its typed ``calibration:`` key set to ``status`` (and the
    set-up that produced it); an earlier key and a legacy ``# calibration:`` comment line
    are removed. The key goes after the leading comment block, preceded by ``header``
    (comment lines) when given; the rest of the text, comments included, is kept."""
    text = re.sub(rf"^{re.escape(STATUS_COMMENT)}[^\n]*\n", "", text, flags=re.M | re.I)
    text = re.sub(r"^calibration:[^\n]*\n(?:(?:[ \t]+[^\n]*)?\n)*", "", text, flags=re.M)
    block = {"status": status, **({"setup": setup} if setup else {})}
    head = re.match(r"(?:#[^\n]*\n)*", text).end()
    return (text[:head] + header
            + yaml.safe_dump({"calibration": block}, sort_keys=False, width=10_000)
            + text[head:])




def load_scenario_beside(setup: Path, relative: str) -> tuple[dict, Scenario]:
    """Raw data and checked scenario of the scenario file a set-up names, relative to it."""
    scenario_path = setup.parent / relative
    if not scenario_path.exists():
        raise InputError(str(setup), "scenario", f"scenario file '{relative}' not found "
                         f"(looked for {scenario_path})")
    data = load_yaml(scenario_path)
    return data, scenario_from_data(data, str(scenario_path))


def check_path_range(scenario_data: dict, path: str, values: list[float], file: str,
                     where: str) -> None:
    """Both ends of a range set at ``path`` must give a valid scenario."""
    for value in values:
        try:
            scenario_from_data(scenario_for_sample(scenario_data, {path: value}, file),
                               "<sampled>")
        except InputError as exc:
            raise InputError(file, where, f"setting '{path}' to {value} gives an invalid "
                             f"scenario: {exc.path}: {exc.message}") from None
