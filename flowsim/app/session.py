"""One participant's session: the scenario and settings they chose, and the Mesa model the
app's SolaraViz drives.

:class:`WorkshopModel` is a Mesa ``Model`` holding two :class:`~flowsim.model.flow_model.
FlowModel` runs of the same scenario and seed: ``run``, with the participant's lever
settings and exercise programme, and (when comparing) ``baseline``, without them. Mesa's
model controller steps, plays and resets it; Reset rebuilds both runs from
:class:`Setup` with the seed shown in the page. Every browser session creates its own
``Setup`` and model, so participants never share state.

Also here: the live counters (:func:`counters`), the feed of notable events derived from
the ledger's border and seizure rows (:class:`EventFeed`), reading an uploaded scenario
(:func:`read_upload`: at most 1 MB, flowsim's safe YAML loader and the usual validation, errors
name the uploaded file only) and the download of the run's tables (:func:`tables_zip`, the
CSVs ``flowsim run`` writes).
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from mesa import Model

from flowsim.app.exercises import BY_KEY, Exercise
from flowsim.app.levers import Key, apply_to_model, apply_to_scenario
from flowsim.errors import InputError
from flowsim.inputs.embargoes import Embargo
from flowsim.inputs.interventions import Intervention, parse_interventions
from flowsim.inputs.scenario import Scenario, load_scenario, scenario_from_text
from flowsim.inputs.schema import build
from flowsim.model.flow_model import FlowModel
from flowsim.outputs.metrics import run_totals
from flowsim.outputs.tables import all_tables

MAX_UPLOAD = 1_000_000          # bytes
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"


#: Shipped scenarios the chooser leaves out: the 64-country stress test of the benchmarks
#: is too big to draw or to set levers for in a workshop.
NOT_FOR_WORKSHOPS = ("large",)


def shipped_scenarios() -> dict[str, Path]:
    """Scenario name (file stem) -> path, for the workshop scenarios in ``scenarios/``."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))
            if p.stem not in NOT_FOR_WORKSHOPS}


@dataclass
class Setup:
    """What a participant chose: scenario, lever settings, exercise programme, comparison."""

    scenario: Scenario
    label: str
    settings: dict[Key, float] = field(default_factory=dict)
    programme: list[Intervention] = field(default_factory=list)
    compare: bool = False
    exercise: str = ""

    @classmethod
    def from_file(cls, path: str | Path) -> Setup:
        return cls(load_scenario(path), Path(path).stem)

    def use_exercise(self, ex: Exercise) -> None:
        """Start settings of a guided exercise (its scenario is loaded by the caller)."""
        self.settings = dict(ex.settings)
        self.programme = parse_interventions(list(ex.programme), self.scenario,
                                             f"exercise {ex.key}", "programme")
        self.exercise = ex.key

    def flow_model(self, seed: int) -> FlowModel:
        """A new run of the scenario with these settings, the exercise's embargoes and the
        programme (:func:`participant_scenario`)."""
        return FlowModel(participant_scenario(self), seed=seed,
                         interventions=list(self.programme))


def _seed(value, default: int) -> int:
    """The seed typed in the page (text), or the scenario's if it is not a whole number."""
    try:
        return int(str(value).strip()) if value not in (None, "") else default
    except ValueError:
        return default


class WorkshopModel(Model):
    """The model SolaraViz drives: a participant's run and, when comparing, its baseline.

    Args:
        setup: the session's choices (default: the teaching scenario as shipped).
        seed: random seed of both runs (default: the scenario's).
    """

    def __init__(self, setup: Setup | None = None, seed: int | None = None):
        setup = setup or Setup.from_file(shipped_scenarios()["teaching"])
        seed = _seed(seed, setup.scenario.simulation.seed)
        super().__init__(rng=seed)
        self.setup = setup
        self.seed = seed
        self.run = setup.flow_model(seed)
        self.baseline: FlowModel | None = None
        self.feed = EventFeed(self.run)
        self.running = True
        # Play steps in a thread while the page draws: drawing reads the ledger's rows,
        # which are built lazily, so steps and drawings take turns
        self.lock = threading.RLock()
        if setup.compare:
            self.set_compare(True)

    def step(self) -> None:
        with self.lock:
            self.run.step()
            self.feed.update()
            self._catch_up()
            self.running = self.run.running

    def _catch_up(self) -> None:
        if self.baseline is not None:
            while self.baseline.steps < self.run.steps:
                self.baseline.step()

    def set_compare(self, on: bool) -> None:
        """Run the baseline beside the participant's run (caught up to the same step)."""
        with self.lock:
            self._set_compare(on)

    def _set_compare(self, on: bool) -> None:
        self.setup.compare = on
        if on and self.baseline is None:
            self.baseline = FlowModel(self.setup.scenario, seed=self.seed)
            self._catch_up()
        elif not on:
            self.baseline = None

    def set_lever(self, key: Key, value: float) -> bool:
        """Record a lever setting (kept on Reset); applied to the run from its next step
        unless the lever needs a Reset (returns False then)."""
        self.setup.settings[key] = value
        return apply_to_model(self.run, key, value)


def participant_scenario(setup: Setup) -> Scenario:
    """The participant's scenario: the chosen one with their lever settings and the
    exercise's embargoes, if any (the baseline has neither)."""
    scenario = apply_to_scenario(setup.scenario, setup.settings)     # a copy
    ex = BY_KEY.get(setup.exercise)
    if ex is not None and ex.embargoes:
        scenario.embargoes = [*scenario.embargoes, *build(
            list[Embargo], list(ex.embargoes), f"exercise {ex.key}", "embargoes")]
    return scenario


COUNTERS = ("diverted", "trafficked", "seized", "delivered", "traced_share")
COUNTER_LABELS = {"diverted": "Diverted", "trafficked": "Trafficked", "seized": "Seized",
                  "delivered": "Delivered", "traced_share": "Traced share"}


def counters(model: FlowModel) -> dict[str, float]:
    """The headline counters of a run so far (weapons; traced share is a fraction)."""
    totals = run_totals(model)
    return {k: totals[k] for k in COUNTERS}


class EventFeed:
    """Notable events of a run, newest first, derived step by step from the ledger's
    border rows (which crossings carried parcels, which seized) and seizure rows.

    * re-routing: a crossing starts carrying parcels after ``window`` quiet steps while
      another crossing into the same country carried parcels and seizures were made on
      crossings into that country in the window: "traffickers re-routed from X to Y after N
      seizures at Z" (X: the crossing into that country that carried most in the window;
      Z: the one of them with most seizures);
    * large seizures at a crossing (at least ``big`` weapons in one step; inland
      seizures are routine and are left to the counters).
    """

    def __init__(self, model: FlowModel, window: int = 6, big: int = 50, keep: int = 12):
        self.model, self.window, self.big = model, window, big
        self.events: deque[str] = deque(maxlen=keep)
        self._borders_seen = 0
        self._seizures_seen = 0
        self._used: dict[int, list[int]] = defaultdict(list)       # directed -> steps used
        self._parcels: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self._seized_at: dict[int, list[int]] = defaultdict(list)  # directed -> steps
        self._ever_used: set[int] = set()

    def _name(self, d: int) -> str:
        return self.model.network.label(d)[1]

    def update(self) -> None:
        m = self.model
        step = m.steps
        rows = m.ledger.border_rows
        new = rows[self._borders_seen:]
        self._borders_seen = len(rows)
        now_used: dict[int, int] = defaultdict(int)
        for row in new:
            d = row.directed
            if row.parcels:
                now_used[d] += row.parcels
            if row.seized_parcels:
                self._seized_at[d].append(row.step)
        lo = step - self.window
        for d, parcels in now_used.items():
            recent = [s for s in self._used[d] if lo <= s < step]
            if not recent and (d in self._ever_used or step > self.window):
                self._report_reroute(d, step, lo)
            self._used[d].append(step)
            self._parcels[d].append((step, parcels))
            self._ever_used.add(d)
        self._big_seizures(step)

    def _report_reroute(self, d: int, step: int, lo: int) -> None:
        net = self.model.network
        seizures = {x: sum(1 for s in v if lo <= s <= step) for x, v in self._seized_at.items()}
        seizures = {x: n for x, n in seizures.items() if n}
        if not seizures:
            return
        into = int(net.dst[d])
        before = {x: sum(n for s, n in v if lo <= s < step) for x, v in self._parcels.items()
                  if x != d and int(net.dst[x]) == into}
        before = {x: n for x, n in before.items() if n}
        if not before:                 # a new route, not a move away from another one
            return
        x = max(before, key=lambda x: (before[x], -x))
        near = {z: n for z, n in seizures.items() if z == x or int(net.dst[z]) == into}
        if not near:                   # no seizures on the way into that country
            return
        z = max(near, key=lambda z: (near[z], -z))
        if self._name(x) == self._name(d):
            return
        self.events.appendleft(
            f"step {step}: traffickers re-routed from {self._name(x)} to {self._name(d)} "
            f"after {seizures[z]} seizure{'s' if seizures[z] != 1 else ''} at "
            f"{self._name(z)}")

    def _big_seizures(self, step: int) -> None:
        rows = self.model.ledger.seizure_rows
        new = rows[self._seizures_seen:]
        self._seizures_seen = len(rows)
        by_place: dict[tuple, int] = defaultdict(int)
        for r in new:
            if r.category != 3 and r.place_type == "border":   # weapons at a crossing
                by_place[(r.country, r.place, r.mode)] += r.count
        ids = self.model.country_ids
        for (country, place, mode), n in sorted(by_place.items()):
            if n >= self.big:
                where = "inland" if place == "inland" else f"at {place}"
                self.events.appendleft(f"step {step}: {n} weapons seized {where} in "
                                       f"{ids[country]} ({mode} trafficking)"
                                       if mode != "none" else
                                       f"step {step}: {n} weapons seized {where} in "
                                       f"{ids[country]}")


def read_upload(name: str, data: bytes, size: int | None = None) -> Scenario:
    """Validate an uploaded scenario: at most :data:`MAX_UPLOAD` bytes, UTF-8, YAML read
    with flowsim's safe YAML loader and the scenario format's checks. Errors name the uploaded file
    by its base name only (no server path)."""
    shown = PurePath(name or "upload.yaml").name or "upload.yaml"
    size = max(len(data), size or 0)          # the browser reports the size it refused
    if size > MAX_UPLOAD:
        raise InputError(shown, "", f"the file is {size:,} bytes; expected at most "
                         f"{MAX_UPLOAD:,} bytes (1 MB)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(shown, "", "expected a UTF-8 text (YAML) file") from None
    return scenario_from_text(text, shown)


def tables_zip(model: FlowModel) -> bytes:
    """The run's tables so far as a zip of the CSVs ``flowsim run`` writes, and run.json."""
    from flowsim._version import __version__

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in all_tables(model).items():
            z.writestr(f"{name}.csv", df.to_csv(index=False))
        z.writestr("run.json", json.dumps({"scenario": model.scenario.name, "seed": model.seed,
                                           "steps": model.steps,
                                           "flowsim_version": __version__}, indent=2))
    return buf.getvalue()
