"""The workshop page, laid out for a projector at 1280x720 and a laptop: Mesa's model
controller (Step, Play/Pause, Reset) and model creator (the seed) from its SolaraViz
module, with a speed slider, in a sidebar with flowsim's session and levers, and the
counters, network and charts in the main area. SolaraViz itself is not used: it adds
controls that mean nothing to participants (render interval, threads, a time display, a
page tab) and a draggable grid whose cards scroll. flowsim's components:

* :func:`SessionPanel`: scenario chooser, guided exercises (``docs/workshop.md``), upload of
  a participant's scenario, compare with baseline, download of the run's tables;
* :func:`CountersPanel`: Diverted, Trafficked, Seized, Delivered, Traced share (with the
  baseline's values and the difference when comparing) and the feed of notable events;
* :func:`NetworkPanel`: the network with this year's flows (:func:`.views.network_svg`);
* :func:`LeversPanel`: the workshop levers (:mod:`.levers`);
* :func:`ChartsPanel`: flows over time, seizures by place, prices.

``Page`` creates one :class:`~flowsim.app.session.Setup` and one model per browser
session (``solara.use_memo`` inside the page, never at module level), so participants do
not see each other's changes. ``flowsim app`` serves it (:func:`flowsim.cli.cmd_app`).
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import mesa.visualization.solara_viz as viz
import solara
from mesa.visualization.utils import force_update, update_counter

from flowsim.app import views
from flowsim.app.exercises import BY_KEY, EXERCISES
from flowsim.app.levers import (
    COUNTRY_LEVERS,
    CROSSING_LEVERS,
    MODE_LEVER,
    Key,
    baseline_value,
    modes,
)
from flowsim.app.session import (
    COUNTER_LABELS,
    COUNTERS,
    MAX_UPLOAD,
    Setup,
    WorkshopModel,
    counters,
    read_upload,
    shipped_scenarios,
    tables_zip,
)
from flowsim.errors import InputError
from flowsim.inputs.scenario import load_scenario

#: The reactive model of this browser session, provided by :func:`Page`.
model_context = solara.create_context(None)

CSS = """
.fs-counters { display: flex; flex-wrap: wrap; gap: 8px; }
.fs-counter { border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; min-width: 120px; }
.fs-counter .label { font-size: 15px; color: #444; }
.fs-counter .value { font-size: 28px; font-weight: 600; }
.fs-counter .diff { font-size: 13px; color: #444; }
.fs-feed { font-size: 15px; margin-top: 8px; }
.fs-feed ul { padding-left: 1.2em; }
.fs-upload { margin: 6px 0; font-size: 14px; overflow-wrap: anywhere; }
.fs-session .v-alert__content { overflow-wrap: anywhere; white-space: normal; }
.fs-session .v-btn { white-space: normal; height: auto !important; min-height: 36px; }
.fs-session .v-btn__content { white-space: normal; flex-shrink: 1; }
.fs-lever-value { max-width: 5.5em; flex: 0 0 5.5em; }
.fs-lever .v-input__slider { flex: 1 1 auto; }
.fs-charts svg, .fs-network svg { display: block; }
.v-navigation-drawer { width: 360px !important; }
"""

NO_EXERCISE = "(free play)"


def _initial_setup() -> Setup:
    path = os.environ.get("FLOWSIM_APP_SCENARIO")
    return Setup.from_file(path) if path else Setup.from_file(shipped_scenarios()["teaching"])


def _fmt(value: float, key: str) -> str:
    return f"{value:.1%}" if key == "traced_share" else f"{int(value):,}"


def counters_html(model: WorkshopModel) -> str:
    """The counters as HTML: label, value and, when comparing, baseline and difference."""
    now = counters(model.run)
    base = counters(model.baseline) if model.baseline is not None else None
    parts = []
    for key in COUNTERS:
        diff = ""
        if base is not None:
            d = now[key] - base[key]
            sign = "+" if d > 0 else ""
            shown = f"{sign}{d:.1%}" if key == "traced_share" else f"{sign}{int(d):,}"
            diff = (f'<div class="diff">baseline {_fmt(base[key], key)} '
                    f'(<span class="delta">{shown}</span>)</div>')
        parts.append(f'<div class="fs-counter" data-name="{key}"><div class="label">'
                     f'{COUNTER_LABELS[key]}</div><div class="value">{_fmt(now[key], key)}'
                     f'</div>{diff}</div>')
    return f'<div class="fs-counters">{"".join(parts)}</div>'


@solara.component
def CountersPanel(model: WorkshopModel):
    update_counter.get()
    solara.Style(CSS)
    with model.lock:
        shown = counters_html(model)
        events = ("".join(f"<li>{html.escape(e)}</li>" for e in model.feed.events)
                  or "<li>none yet</li>")
    with solara.Card(title=f"Step {model.run.steps} of {model.run.sim.steps} "
                     f"({model.run.sim.step_length}s)", classes=["fs-counters-card"]):
        solara.HTML(tag="div", unsafe_innerHTML=shown)
        solara.HTML(tag="div", unsafe_innerHTML=f'<div class="fs-feed"><b>Notable events'
                    f'</b><ul data-name="feed">{events}</ul></div>')


@solara.component
def NetworkPanel(model: WorkshopModel):
    update_counter.get()
    with model.lock:
        svg = views.network_svg(model.run)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["fs-network"])
    solara.Text("Hover over a country or crossing for its figures.")


@solara.component
def ChartsPanel(model: WorkshopModel):
    update_counter.get()
    charts = solara.use_memo(lambda: views.Charts(model.run, model.baseline),
                             [id(model.run), id(model.baseline)])
    with model.lock:
        fig = charts.update()
    solara.HTML(tag="div", classes=["fs-charts"], unsafe_innerHTML=views.to_svg(fig))


@solara.component_vue("upload.vue")
def UploadInput(max_bytes: int, event_upload=None):
    pass


def _restart(reactive, setup: Setup) -> None:
    """Replace the session's model after a change of scenario or exercise."""
    reactive.value = WorkshopModel(setup)
    force_update()


def _locked(model: WorkshopModel, make):
    with model.lock:
        return make(model.run)


@solara.component
def SessionPanel(model: WorkshopModel, reactive=None):
    # the sidebar is drawn outside the page's context: the page passes its reactive model
    given = solara.use_context(model_context)
    reactive = reactive if reactive is not None else given
    message, set_message = solara.use_state(("", ""))     # (kind, text)
    uploads = solara.use_memo(dict, [])                    # label -> Scenario, this session
    setup = model.setup
    shipped = shipped_scenarios()
    choices = [*shipped, *uploads]

    def choose(label: str) -> None:
        scenario = uploads.get(label) or load_scenario(shipped[label])
        setup.scenario, setup.label = scenario, label
        setup.settings, setup.programme, setup.exercise = {}, [], ""
        set_message(("", ""))
        _restart(reactive, setup)

    def exercise(title: str) -> None:
        ex = next((e for e in EXERCISES if e.title == title), None)
        if ex is None:
            setup.settings, setup.programme, setup.exercise = {}, [], ""
        else:
            setup.scenario, setup.label = load_scenario(shipped[ex.scenario]), ex.scenario
            setup.use_exercise(ex)
            setup.compare = True
        _restart(reactive, setup)

    def upload(info: dict) -> None:
        name = Path(str(info.get("name") or "upload.yaml")).name
        text = info.get("text") or ""
        size = int(info.get("size") or 0)
        try:
            scenario = read_upload(name, text.encode("utf-8"), size)
        except InputError as exc:
            set_message(("error", str(exc)))
            return
        label = f"upload: {name}"
        uploads[label] = scenario
        setup.scenario, setup.label = scenario, label
        setup.settings, setup.programme, setup.exercise = {}, [], ""
        set_message(("ok", f"Loaded {name}: '{scenario.name}', {len(scenario.countries)} "
                           "countries"))
        _restart(reactive, setup)

    def compare(on: bool) -> None:
        model.set_compare(on)
        force_update()

    with solara.Card("Workshop", classes=["fs-session"]):
        solara.Select("Scenario", value=setup.label if setup.label in choices else None,
                      values=choices, on_value=choose)
        titles = [NO_EXERCISE, *(e.title for e in EXERCISES)]
        current = BY_KEY[setup.exercise].title if setup.exercise else NO_EXERCISE
        solara.Select("Guided exercise (docs/workshop.md)", value=current, values=titles,
                      on_value=exercise)
        if setup.exercise:
            # (not solara.Markdown: it loads KaTeX from the internet)
            solara.HTML(tag="div", unsafe_innerHTML=f"<b>Observe:</b> "
                        f"{html.escape(BY_KEY[setup.exercise].observe)}")
        solara.Switch(label="Compare with baseline", value=model.baseline is not None,
                      on_value=compare)
        UploadInput(max_bytes=MAX_UPLOAD, event_upload=upload)
        kind, text = message
        if kind == "error":
            solara.Error(text)
        elif kind == "ok":
            solara.Success(text)
        solara.FileDownload(lambda: _locked(model, tables_zip),
                            filename=f"flowsim-{model.run.scenario.name}.zip",
                            label="Download this run's tables (CSV)")
        solara.Text(f"seed {model.seed}; changes apply from the next step; trafficker "
                    "numbers on Reset")


@solara.component
def LeverSlider(reactive, key: Key, label: str, hi: float, step: float, on_reset: bool):
    model = reactive.value
    start = model.setup.settings.get(key, baseline_value(model.setup.scenario, key))
    value, set_value = solara.use_state(start, key=repr((key, id(model))))

    def change(v: float) -> None:
        set_value(v)
        reactive.value.set_lever(key, v)

    text = f"{label} (on Reset)" if on_reset else label
    with solara.Row(classes=["fs-lever"], style="align-items: center"):
        if step >= 1:
            solara.SliderInt(text, value=int(value), min=0, max=int(hi), step=int(step),
                             on_value=change, thumb_label=True)
            solara.InputInt("value", value=int(value), on_value=lambda v: change(
                max(0, min(int(hi), int(v)))) if v is not None else None,
                            classes=["fs-lever-value"], dense=True)
        else:
            solara.SliderFloat(text, value=float(value), min=0.0, max=hi, step=step,
                               on_value=change, thumb_label=True)
            solara.InputFloat("value", value=float(value), on_value=lambda v: change(
                max(0.0, min(float(hi), float(v)))) if v is not None else None,
                              classes=["fs-lever-value"], dense=True)


@solara.component
def LeversPanel(model: WorkshopModel, reactive=None):
    # the sidebar is drawn outside the page's context: the page passes its reactive model
    given = solara.use_context(model_context)
    reactive = reactive if reactive is not None else given
    sc = model.setup.scenario
    with solara.Card("Levers", classes=["fs-levers"]):
        solara.Text("Open a country or crossing; changes apply from the next step.")
        for c in sc.countries:
            with solara.Details(f"{c.label} ({c.id})"):
                for lever in COUNTRY_LEVERS:
                    LeverSlider(reactive, ("country", c.id, lever.field), lever.label,
                                lever.hi, lever.step, lever.on_reset).key(
                                    f"{id(model)}-{c.id}-{lever.field}")
        for b in sc.borders:
            for x in b.crossings:
                kind = "post" if x.official else "path"
                with solara.Details(f"{x.id} ({' - '.join(b.between)}, {kind})"):
                    for lever in CROSSING_LEVERS:
                        LeverSlider(reactive, ("crossing", x.id, lever.field), lever.label,
                                    lever.hi, lever.step, lever.on_reset).key(
                                        f"{id(model)}-{x.id}-{lever.field}")
        with solara.Details("Traffickers by mode"):
            for mode in modes(sc):
                top = max(MODE_LEVER.hi, 3 * baseline_value(sc, ("mode", mode, "count")))
                LeverSlider(reactive, ("mode", mode, "count"), f"{MODE_LEVER.label}: {mode}",
                            top, MODE_LEVER.step, True).key(f"{id(model)}-{mode}")


#: Speeds offered by the speed slider (steps per second) -> Mesa's play interval (ms).
SPEEDS = {1: 1000, 2: 500, 3: 330, 5: 200, 10: 100}


@solara.component
def RunControls(model, params: dict, model_parameters):
    """Only what participants need: Step, Play/Pause, Reset (Mesa's model controller),
    a speed slider and the seed (Mesa's model creator). Mesa's render interval, thread
    switch and time display are left out (they mean nothing in a workshop)."""
    play = solara.use_reactive(SPEEDS[3])
    speed = next((k for k, v in SPEEDS.items() if v == play.value), 3)
    with solara.Card("Run", classes=["fs-run"]):
        viz.ModelController(model, model_parameters=model_parameters, play_interval=play,
                            render_interval=solara.use_reactive(1),
                            use_threads=solara.use_reactive(False))
        solara.SliderValue(f"Speed: {speed} steps per second", value=speed,
                           values=list(SPEEDS), on_value=lambda v: play.set(SPEEDS[v]))
        viz.ModelCreator(model, params, model_parameters=model_parameters)
        solara.Text("Reset applies the seed; runs with the same seed are the same.")


@solara.component
def Page():
    setup = solara.use_memo(_initial_setup, [])
    first = solara.use_memo(lambda: WorkshopModel(setup), [])
    model = solara.use_reactive(first)
    model_context.provide(model)
    model_parameters = solara.use_reactive({})
    seed = setup.scenario.simulation.seed
    params = {"setup": setup,
              "seed": {"type": "InputText", "label": "Seed (a whole number)",
                       "value": str(seed)}}
    solara.Style(CSS)
    solara.Title("flowsim workshop")
    with solara.AppBar():
        solara.AppBarTitle("flowsim workshop")
    with solara.Sidebar(), solara.Column():
        RunControls(model, params, model_parameters)
        SessionPanel(model.value, model)
        LeversPanel(model.value, model)
    with solara.Column(classes=["fs-main"]):
        with solara.Columns([5, 6]):
            CountersPanel(model.value)
            with solara.Card(classes=["fs-network-card"]):
                NetworkPanel(model.value)
        with solara.Card(classes=["fs-charts-card"]):
            ChartsPanel(model.value)
