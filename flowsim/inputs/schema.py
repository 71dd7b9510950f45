"""Typed, documented input objects built from plain YAML data.

Input formats (scenario, experiment, calibration) are written as dataclasses whose
fields are declared with :func:`param`. A field carries its default, its meaning, its
allowed range or choices and, where it comes from a source document, the citation.
That declaration is the one place defaults live: :func:`build` validates data against
it and :func:`reference` renders it as documentation (``flowsim schema``).

:func:`build` turns the output of ``yaml.safe_load`` into those dataclasses and raises
:class:`~flowsim.errors.InputError` naming the file, the key path and what was expected
for unknown keys (with a "did you mean"), wrong types, values out of range and
missing required keys.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from flowsim.errors import InputError, did_you_mean

REQUIRED = dataclasses.MISSING

#: Largest whole number any key accepts unless it declares a smaller ``hi``. The model keeps
#: counts in 64-bit integers (at most 9.2e18): a count at this bound leaves a factor of
#: 900 million for sums over stockpiles, categories and steps. Draws from populations of
#: 10^9 or more (numpy's hypergeometric limit) use the binomial approximation in
#: ``flowsim.model.lots.split``.
COUNT_MAX = 10**10
#: Most steps a run may have (a scenario's ``simulation.steps``, an experiment's or a
#: calibration's ``horizon``, ``flowsim run --steps``).
MAX_STEPS = 100_000
#: Largest number a number key accepts unless it declares a smaller ``hi`` (per-year
#: quantities, prices, costs, capital in USD): far beyond any real value, and small enough
#: that products of such numbers with counts stay finite and Poisson draws stay in range.
NUMBER_MAX = 1e12
#: Largest input file the command line reads (scenario, experiment, calibration and patterns
#: YAML, seizure-data CSV), checked before anything is parsed: the shipped files are under
#: 20 kB and real seizure returns a few hundred kB, while parsing a 50 MB YAML took minutes
#: and more than 600 MB of memory. (The workshop app's uploads stop at 1 MB.)
MAX_INPUT_BYTES = 5 * 1024 * 1024


def read_input(path: str | Path, what: str = "a YAML file", encoding: str = "utf-8") -> str:
    """The text of an input file, refused (InputError) when missing, a folder, larger than
    :data:`MAX_INPUT_BYTES` (checked before reading), or not UTF-8 text."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError(str(path), "", f"is a folder; expected {what}")
        if size > MAX_INPUT_BYTES:
            raise InputError(str(path), "", f"the file is {size:,} bytes; expected at most "
                             f"{MAX_INPUT_BYTES:,} bytes (5 MB) for {what}; split it or "
                             "remove what the command does not need")
        text = path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(str(path), "", "file not found") from None
    except IsADirectoryError:
        raise InputError(str(path), "", f"is a folder; expected {what}") from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "", f"is not a text file (byte {exc.start} is not UTF-8 "
                         f"text); expected {what}") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read: {exc.strerror or exc}") from None
    if "\x00" in text:
        raise InputError(str(path), "", f"is a binary file (it holds NUL bytes); expected "
                         f"{what}")
    return text


class Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2's float syntax: PyYAML follows YAML 1.1, where a
    float needs a dot, so ``1e300`` or ``2E+3`` were read as strings and refused as "expected
    a number". Everything else (safe types only, ints, booleans) is SafeLoader's."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                   |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                   |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                   |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                   |[-+]?\.(?:inf|Inf|INF)
                   |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


class Dumper(yaml.SafeDumper):
    """``yaml.SafeDumper`` that quotes what :class:`Loader` would read as a number (e.g. the
    string ``"1e5"``), so the YAML flowsim writes reads back as it was."""


Dumper.yaml_implicit_resolvers = Loader.yaml_implicit_resolvers


def dump_yaml(data: Any) -> str:
    """YAML text for plain data, keys in their order, readable back by :func:`parse_yaml`."""
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)


def upper_bound(tp: Any, meta: dict) -> float | None:
    """The effective upper bound of a scalar field: its own ``hi`` or the type's bound."""
    if meta.get("hi") is not None:
        return meta["hi"]
    if tp is int:
        return COUNT_MAX
    if tp is float:
        return NUMBER_MAX
    return None


def param(default: Any = REQUIRED, doc: str = "", *, lo: float | None = None,
          hi: float | None = None, choices: tuple[str, ...] | None = None,
          source: str = "", factory: Any = None, derivation: str = "",
          assumption: bool = False) -> Any:
    """Declare an input field: default, meaning, bounds, choices and source citation.

    ``source`` cites where the mechanism or key comes from. How the *default value* is
    grounded is said by exactly one of ``derivation`` (the arithmetic from the figures the
    source gives, ending in ``= <default>``) or ``assumption=True`` (no seed gives the
    number); ``flowsim schema`` prints either, and a test checks every numeric default
    carries one (tests/test_fidelity.py).
    """
    meta = {"doc": doc, "lo": lo, "hi": hi, "choices": choices, "source": source,
            "derivation": derivation, "assumption": assumption}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    if default is REQUIRED:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def probability(default: float | object = REQUIRED, doc: str = "", source: str = "", *,
                derivation: str = "", assumption: bool = False) -> Any:
    """A field that must lie in [0, 1]."""
    return param(default, doc, lo=0.0, hi=1.0, source=source, derivation=derivation,
                 assumption=assumption)


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file (at most :data:`MAX_INPUT_BYTES`) with flowsim's :class:`Loader`;
    malformed YAML reports line and column."""
    data = parse_yaml(read_input(path), str(path))
    if data is None:
        raise InputError(str(path), "", "the file is empty (no YAML content, or only "
                         "comments); expected a mapping of keys to values")
    return data


#: Each input format: how to name a file of it, and the command that reads it.
KINDS = {"scenario": ("a scenario", "flowsim run"),
         "experiment": ("an experiment", "flowsim experiment"),
         "calibration": ("a calibration set-up", "flowsim calibrate"),
         "patterns": ("a seed-patterns file", "flowsim patterns SCENARIO --patterns")}
_EXPERIMENT_KEYS = {"options", "baseline", "replications", "uncertain"}
_CALIBRATION_KEYS = {"data", "parameters", "statistics", "holdout_periods"}


def evident_kind(data: object) -> str | None:
    """Which format YAML data is, when its top-level keys say so unambiguously: one of
    :data:`KINDS`, else None."""
    from flowsim.inputs.patterns import is_patterns_data

    if is_patterns_data(data):
        return "patterns"
    keys = set(data) if isinstance(data, dict) else set()
    if "countries" in keys:
        return "scenario"
    experiment, calibration = keys & _EXPERIMENT_KEYS, keys & _CALIBRATION_KEYS
    if experiment and not calibration:
        return "experiment"
    if calibration and not experiment:
        return "calibration"
    return None


def input_kind(data: object) -> str:
    """The format to check YAML data as (``validate``): :func:`evident_kind`, else an
    experiment when it names a scenario, else a scenario."""
    kind = evident_kind(data)
    if kind:
        return kind
    keys = set(data) if isinstance(data, dict) else set()
    return "calibration" if keys & _CALIBRATION_KEYS else (
        "experiment" if "scenario" in keys else "scenario")


def check_kind(data: object, expected: str, file: str) -> None:
    """Refuse a file of another format than the command reads, naming the right command
    (instead of its keys' "unknown key" errors)."""
    kind = evident_kind(data)
    if kind and kind != expected:
        what, command = KINDS[kind]
        raise InputError(file, "", f"this is {what} file, not {KINDS[expected][0]} file; run "
                         f"it with `{command} {file}`")


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML text with :class:`Loader` (safe types only); a syntax error becomes an
    InputError with its line and column."""
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = exc.problem or exc.context or "syntax error"
        raise InputError(file, "", f"malformed YAML at {where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(file, "", f"malformed YAML: {exc}") from None


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        (inner, *_) = typing.get_args(tp) or (Any,)
        return f"a list of {_type_name(inner).removeprefix('a ')}s"
    if origin is dict:
        return f"a mapping of names to {_type_name(typing.get_args(tp)[1]).removeprefix('a ')}s"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return f"a `{tp.__name__}` mapping"
    return {int: "a whole number", float: "a number", str: "a string", bool: "true or false",
            Any: "any value"}.get(tp, getattr(tp, "__name__", str(tp)))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def build(cls: Any, data: Any, file: str, path: str = "") -> Any:
    """Validate ``data`` against ``cls`` (a dataclass or a type) and build the typed object."""
    return _convert(cls, data, file, path)


def _convert(tp: Any, value: Any, file: str, path: str, meta: dict | None = None) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, file, path, meta)
    if dataclasses.is_dataclass(tp):
        return _build_dataclass(tp, value, file, path)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise InputError(file, path, f"expected {_type_name(tp)}, got {_describe(value)}")
        return [_convert(inner, v, file, _join(path, i), meta) for i, v in enumerate(value)]
    if origin is dict:
        _, inner = typing.get_args(tp)
        if not isinstance(value, dict):
            raise InputError(file, path, f"expected {_type_name(tp)}, got {_describe(value)}")
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InputError(file, path, f"keys must be strings, got {_describe(k)}")
            out[k] = _convert(inner, v, file, _join(path, k), meta)
        return out
    return _scalar(tp, value, file, path, meta or {})


def _scalar(tp: Any, value: Any, file: str, path: str, meta: dict) -> Any:
    if tp is bool:
        if not isinstance(value, bool):
            raise InputError(file, path, f"expected true or false, got {_describe(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise InputError(file, path, f"expected a whole number, got {_describe(value)}")
    elif tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(file, path, f"expected a number, got {_describe(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise InputError(file, path, f"expected a finite number, got {value}")
    elif tp is str:
        if not isinstance(value, str) or not value.strip():
            raise InputError(file, path, f"expected a non-empty string, got {_describe(value)}")
    elif tp is not Any:
        raise TypeError(f"schema type {tp!r} is not supported")  # programming error
    lo, hi, choices = meta.get("lo"), upper_bound(tp, meta), meta.get("choices")
    if choices and value not in choices:
        raise InputError(file, path, f"expected one of {', '.join(choices)}, got "
                         f"{value!r}{did_you_mean(value, choices)}")
    if (lo, hi) == (0.0, 1.0) and not 0.0 <= value <= 1.0:
        raise InputError(file, path, f"expected a probability between 0 and 1, got {value:g}")
    if lo is not None and value < lo:
        expected = "a non-negative" if lo == 0 else f"a value of at least {lo:g}"
        if lo == 0:
            expected += " count" if tp is int else " number"
        raise InputError(file, path, f"expected {expected}, got {value:g}")
    if hi is not None and value > hi:
        raise InputError(file, path, f"expected a value of at most {_number(hi)}, got "
                         f"{_number(value)}")
    return value


def _number(value: float) -> str:
    """A bound or value as people read it: 100,000 or 1e+20, never 1e+05."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def check_field(cls: Any, name: str, value: Any, file: str, path: str) -> Any:
    """Check one value against field ``name`` of dataclass ``cls`` (type, range, choices),
    e.g. a command-line option that overrides a file's key; return the converted value."""
    (f,) = [f for f in dataclasses.fields(cls) if f.name == name]
    return _convert(typing.get_type_hints(cls)[name], value, file, path, dict(f.metadata))


def apply_overrides(obj: Any, overrides: dict[str, tuple[Any, str]]) -> dict[str, str]:
    """Set command-line values on a built input object: ``{field: (value, flag)}``, skipping
    ``None``. Each value is checked as the file's key would be, but reported under its flag
    (``--samples: ...``), since the user typed it there. Returns ``{field: flag}`` for the
    fields set, so later checks can blame the flag too (:func:`origin`)."""
    origins: dict[str, str] = {}
    for name, (value, flag) in overrides.items():
        if value is not None:
            setattr(obj, name, check_field(type(obj), name, value, flag, ""))
            origins[name] = flag
    return origins


def origin(origins: dict[str, str], name: str, file: str, path: str) -> tuple[str, str]:
    """Where a value came from, as InputError's (file, path): its command-line flag if
    :func:`apply_overrides` set it, else the file and key path."""
    return (origins[name], "") if name in origins else (file, path)


def _build_dataclass(cls: Any, value: Any, file: str, path: str) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise InputError(file, path or "(top level)",
                         f"expected a mapping of keys to values, got {_describe(value)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in value:
        if key not in fields:
            hint = did_you_mean(key, fields)
            raise InputError(file, _join(path, str(key)),
                             f"unknown key '{key}'{hint}; expected one of: "
                             f"{', '.join(sorted(fields))}")
    kwargs = {}
    for name, f in fields.items():
        sub = _join(path, name)
        if name in value:
            kwargs[name] = _convert(hints[name], value[name], file, sub, dict(f.metadata))
        elif f.default is REQUIRED and f.default_factory is REQUIRED:
            doc = f.metadata.get("doc", "")
            raise InputError(file, sub, f"required key is missing ({_type_name(hints[name])}"
                             f"{': ' + doc if doc else ''})")
    return cls(**kwargs)


def to_plain(obj: Any) -> Any:
    """The plain-data (YAML-ready) form of a built object, the inverse of :func:`build`."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    return obj


def _nested_default(made: Any) -> str:
    """A nested block's default: its type's own defaults (documented below), and the values
    this field's default sets differently from them."""
    if not dataclasses.is_dataclass(made):
        return "see below"
    try:
        own = type(made)()
    except TypeError:                     # the type has required keys: no defaults of its own
        return "see below"
    changed = [f"`{f.name}: {getattr(made, f.name)!r}`" for f in dataclasses.fields(made)
               if f.init and getattr(made, f.name) != getattr(own, f.name)]
    return "see below" + (", except " + ", ".join(changed) if changed else "")


def reference(cls: Any, title: str | None = None, _seen: set | None = None) -> str:
    """Markdown reference of a dataclass schema and all nested ones: keys, types, defaults."""
    seen = set() if _seen is None else _seen
    if cls in seen:
        return ""
    seen.add(cls)
    hints = typing.get_type_hints(cls)
    lines = [f"### `{title or cls.__name__}`", "", (cls.__doc__ or "").strip().split("\n\n")[0],
             "", "| key | type | default | meaning |", "|---|---|---|---|"]
    nested = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        tp = hints[f.name]
        if f.default is not REQUIRED:
            default = f"`{f.default!r}`" if f.default is not None else "none"
        elif f.default_factory is not REQUIRED:
            made = f.default_factory()
            default = "`[]`" if made == [] else ("`{}`" if made == {} else _nested_default(made))
        else:
            default = "**required**"
        meta = f.metadata
        doc = meta.get("doc", "")
        if meta.get("choices"):
            doc += " One of: " + ", ".join(f"`{c}`" for c in meta["choices"]) + "."
        scalar = next((a for a in (tp, *typing.get_args(tp)) if a in (int, float)), None)
        hi_value = upper_bound(scalar, meta)
        if meta.get("lo") is not None or hi_value is not None:
            lo = "-∞" if meta.get("lo") is None else f"{meta['lo']:g}"
            hi = "∞" if hi_value is None else _number(hi_value)
            doc += f" Range [{lo}, {hi}]."
        if meta.get("source"):
            doc += f" Source: {meta['source']}."
        if meta.get("derivation"):
            doc += f" Default derived: {meta['derivation']}."
        elif meta.get("assumption"):
            doc += " Default is an assumption (no seed figure)."
        lines.append(f"| `{f.name}` | {_type_name(tp)} | {default} | {doc.strip()} |")
        for arg in (tp, *typing.get_args(tp)):
            inner = typing.get_args(arg)
            for cand in (arg, *inner):
                if dataclasses.is_dataclass(cand) and cand not in seen:
                    nested.append(cand)
    out = "\n".join(lines) + "\n"
    for sub in dict.fromkeys(nested):
        out += "\n" + reference(sub, None, seen)
    return out
