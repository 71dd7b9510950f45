"""The workshop app without a browser: levers, exercises, the session model with its
baseline, the event feed, uploads, downloads, the network drawing, and the Solara
components rendered with ``solara.render`` (as Mesa tests its own SolaraViz)."""

from __future__ import annotations

import io
import re
import zipfile
from types import SimpleNamespace

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
import solara.widgets
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ModelController

from flowsim.app import levers, views
from flowsim.app.exercises import BY_KEY, EXERCISES
from flowsim.app.page import CountersPanel, LeverSlider, SessionPanel, model_context
from flowsim.app.session import (
    MAX_UPLOAD,
    EventFeed,
    Setup,
    WorkshopModel,
    counters,
    read_upload,
    shipped_scenarios,
    tables_zip,
)
from flowsim.app.views import network_svg
from flowsim.errors import InputError
from flowsim.inputs.scenario import load_scenario, scenario_from_text
from flowsim.model.flow_model import FlowModel
from flowsim.model.ledger import BorderRecord
from flowsim.outputs.network import crossing_flows, layout
from flowsim.outputs.plots import draw_network
from flowsim.outputs.tables import all_tables, borders_table

TEACHING = shipped_scenarios()["teaching"]


@pytest.fixture(scope="module")
def teaching():
    return load_scenario(TEACHING)


def _setup(teaching, **kw) -> Setup:
    import copy

    return Setup(copy.deepcopy(teaching), "teaching", **kw)


# --- levers --------------------------------------------------------------------------------
def test_country_lever_live_from_step_zero_equals_reset(teaching):
    """A country lever moved before the first step gives the same run as a Reset with it
    (both paths reach the same parameter)."""
    key = ("country", "EST", "pssm")
    live = FlowModel(teaching, seed=3)
    assert levers.apply_to_model(live, key, 0.9)
    rebuilt = FlowModel(levers.apply_to_scenario(teaching, {key: 0.9}), seed=3)
    plain = FlowModel(teaching, seed=3)
    for m in (live, rebuilt, plain):
        m.run(12)
    flows = [all_tables(m)["flows"] for m in (live, rebuilt, plain)]
    pd.testing.assert_frame_equal(flows[0], flows[1])
    assert not flows[0].equals(flows[2])          # and the lever does something
    assert teaching.countries[1].controls.pssm == 0.0     # the scenario is not modified


def test_crossing_lever_reaches_both_directions_and_inspects_every_parcel(teaching):
    model = FlowModel(teaching, seed=1)
    model.run(3)
    assert levers.apply_to_model(model, ("crossing", "south-post", "inspection_rate"), 1.0)
    moved = [b for b in model.borders if b.crossing_id == "south-post"]
    assert len(moved) == 2 and all(b.inspection_rate == 1.0 for b in moved)
    assert all(b.inspection_rate < 1 for b in model.borders if b.crossing_id != "south-post")
    model.run(6)
    b = borders_table(model)
    after = b[(b["crossing"] == "south-post") & (b["step"] > 3)]
    assert after["parcels"].sum() > 0
    assert (after["inspected"] == after["parcels"]).all()


def test_trafficker_numbers_by_mode_keep_group_proportions(teaching):
    key = ("mode", "ant", "count")
    assert not levers.apply_to_model(FlowModel(teaching, seed=1), key, 70)   # Reset only
    s = levers.apply_to_scenario(teaching, {key: 70})
    counts = {t.id: t.count for t in s.traffickers}
    assert counts["nor-ants"] == 40 and counts["est-ants"] == 30      # 20:15 kept
    assert counts["nor-post"] == 4 and counts["est-trucks"] == 3      # other modes untouched
    odd = levers.apply_to_scenario(teaching, {key: 7})
    assert sum(t.count for t in odd.traffickers if t.mode == "ant") == 7
    assert len(FlowModel(s, seed=1).trafficker_list) == 77


# --- session model, baseline, exercises ----------------------------------------------------
def test_baseline_is_the_scenario_without_the_participants_changes(teaching):
    setup = _setup(teaching, compare=True)
    setup.use_exercise(BY_KEY["2a"])
    model = WorkshopModel(setup, seed=5)
    for _ in range(12):
        model.step()
    plain = FlowModel(teaching, seed=5).run(12)
    assert model.baseline.steps == model.run.steps == 12
    assert counters(model.baseline) == counters(plain)
    assert counters(model.run)["diverted"] < counters(plain)["diverted"]   # PSSM in Estria


def test_compare_switched_on_mid_run_catches_up(teaching):
    model = WorkshopModel(_setup(teaching), seed=2)
    model.set_lever(("country", "MER", "inland_policing"), 0.9)
    for _ in range(5):
        model.step()
    model.set_compare(True)
    assert model.baseline.steps == 5
    assert counters(model.baseline) == counters(FlowModel(teaching, seed=2).run(5))
    assert counters(model.run)["seized"] > counters(model.baseline)["seized"]


def test_reset_keeps_lever_settings(teaching):
    """Mesa's Reset builds a new model from the same Setup: settings survive."""
    setup = _setup(teaching)
    first = WorkshopModel(setup, seed=4)
    first.set_lever(("crossing", "east-post", "corruption"), 0.0)
    again = WorkshopModel(setup=setup, seed=4)
    assert {b.corruption for b in again.run.borders if b.crossing_id == "east-post"} == {0.0}


def test_funded_programme_exercise_stops_with_the_money(teaching):
    """Exercise 3a: the PSSM programme's effect is gone after step 36 (half-life 0)."""
    setup = _setup(teaching)
    setup.use_exercise(BY_KEY["3a"])
    model = WorkshopModel(setup, seed=1)
    est = [s for s in model.run.stockpile_list if s.country == 1 and
           s.spec.owner != "civilian_licensed"]
    for _ in range(20):
        model.step()
    assert all(s.effective_security() > s.security + 0.3 for s in est)
    for _ in range(20):
        model.step()
    # the programme's boost is gone; only the (random, fading) response to traces may remain
    assert all(s.security_boost == 0 for s in est)
    assert all(s.effective_security() == pytest.approx(
        1 - (1 - s.security) * (1 - s.trace_boost)) for s in est)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.key)
def test_exercises_name_real_levers_and_are_documented(ex, teaching):
    setup = _setup(teaching)
    setup.use_exercise(ex)                      # programme targets are checked here
    for key, value in ex.settings.items():
        assert levers.baseline_value(teaching, key) != value
    doc = (TEACHING.parents[1] / "docs" / "workshop.md").read_text()
    assert ex.title in doc
    for _level, target, field in ex.settings:
        assert target in doc and field in doc


# --- event feed ------------------------------------------------------------------------------
def _fake_model(rows, n_steps):
    labels = {0: ("b", "alpha"), 1: ("b", "beta"), 2: ("c", "gamma")}
    net = SimpleNamespace(label=lambda d: labels[d], dst=np.array([1, 1, 2]))
    ledger = SimpleNamespace(border_rows=[], seizure_rows=[])
    model = SimpleNamespace(network=net, ledger=ledger, steps=0, country_ids=["A", "B", "C"])
    feed = EventFeed(model, window=3)
    for step in range(1, n_steps + 1):
        model.steps = step
        ledger.border_rows.extend(r for r in rows if r.step == step)
        feed.update()
    return feed


def _row(step, d, parcels, seized):
    return BorderRecord(step, d, parcels=parcels, inspected=parcels, detected=seized,
                        bribed=0, seized_parcels=seized, weapons_passed=10,
                        weapons_seized=seized, rounds_passed=0, rounds_seized=0)


def test_event_feed_reports_rerouting_after_seizures():
    rows = [_row(s, 0, 5, 1 if s >= 4 else 0) for s in range(1, 7)]
    rows += [_row(s, 2, 3, 0) for s in range(1, 10)]            # an unrelated crossing
    rows += [_row(s, 1, 4, 0) for s in (7, 8, 9)]                # traffic moves to beta
    feed = _fake_model(rows, 9)
    assert list(feed.events) == ["step 7: traffickers re-routed from alpha to beta after "
                                 "3 seizures at alpha"]


def test_event_feed_is_quiet_without_seizures_on_the_way():
    rows = [_row(s, 0, 5, 0) for s in range(1, 7)] + [_row(s, 1, 4, 0) for s in (7, 8)]
    assert not _fake_model(rows, 8).events
    # seizures only at gamma, a crossing into another country: not a reason to re-route
    rows += [_row(s, 2, 3, 1) for s in range(1, 9)]
    assert not _fake_model(rows, 8).events


# --- upload and download ---------------------------------------------------------------------
def test_upload_errors_are_the_usual_messages_naming_only_the_file():
    good = TEACHING.read_bytes()
    assert read_upload("/srv/private/mine.yaml", good).name == "teaching"
    bad = good.replace(b"security: 0.2 ", b"securty: 0.2 ", 1)
    with pytest.raises(InputError) as err:
        read_upload("/srv/private/mine.yaml", bad)
    text = str(err.value)
    assert text.startswith("mine.yaml: countries[1].stockpiles[0].securty: unknown key")
    assert "did you mean 'security'" in text and "/srv" not in text
    with pytest.raises(InputError, match=r"expected at most 1,000,000 bytes"):
        read_upload("big.yaml", b"#" * (MAX_UPLOAD + 1))
    with pytest.raises(InputError, match="expected at most"):       # size the browser saw
        read_upload("big.yaml", b"", size=MAX_UPLOAD + 1)
    with pytest.raises(InputError, match="malformed YAML|expected"):  # never executed
        read_upload("evil.yaml", b"!!python/object/apply:os.system ['touch /tmp/x']")


def test_download_has_the_csvs_flowsim_run_writes(teaching, tmp_path):
    from flowsim.outputs.tables import write_run

    model = FlowModel(teaching, seed=1).run(4)
    z = zipfile.ZipFile(io.BytesIO(tables_zip(model)))
    write_run(model, tmp_path, plots=False)
    csvs = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert sorted(n for n in z.namelist() if n.endswith(".csv")) == csvs
    for name in csvs:
        assert z.read(name).decode() == (tmp_path / name).read_text()


# --- network drawing (app and network.png) --------------------------------------------------
def test_network_drawing_numbers_legend_and_hover_figures(teaching):
    model = FlowModel(teaching, seed=1).run(24)
    borders = borders_table(model)
    fig = Figure()
    ax = fig.add_subplot()
    tips = draw_network(ax, model, borders)
    edges = crossing_flows(teaching, borders, 12)
    top = edges.loc[edges["passed"].idxmax()]
    expected = int(borders[(borders["crossing"] == top.crossing) & (borders["step"] > 12)]
                   ["weapons_passed"].sum())
    assert top.passed == expected > 0
    assert f"{expected:,}" in [t.get_text() for t in ax.texts]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(re.fullmatch(r"[\d,]+ weapons", t) for t in legend)
    assert set(tips) == ({f"country-{c.id}" for c in teaching.countries}
                         | {f"crossing-{x.id}" for b in teaching.borders for x in b.crossings})
    assert f"{top.seized:,} seized" in tips[f"crossing-{top.crossing}"]
    svg = network_svg(model)
    assert svg.count("<title>") == len(tips) and 'id="country-EST"' in svg


def test_positions_from_the_scenario_else_a_fixed_layout():
    text = """
name: pos
countries: [{id: A, position: [0, 0]}, {id: B, position: [10, 0]}, {id: C, position: [5, 5]}]
borders:
  - {id: ab, between: [A, B], crossings: [{id: x1}]}
  - {id: bc, between: [B, C], crossings: [{id: x2}]}
"""
    s = scenario_from_text(text, "pos.yaml")
    pos = layout(s)
    assert pos["A"] == (0.0, 0.0) and pos["B"] == (1.0, 0.0) and pos["C"] == (0.5, 0.5)
    for c in s.countries:
        c.position = None
    assert layout(s) == layout(s) and layout(s) != pos


# --- Solara components -------------------------------------------------------------------------
def _counter_values(rc) -> dict[str, str]:
    html = "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    return dict(re.findall(r'data-name="(\w+)"><div class="label">[^<]*</div>'
                           r'<div class="value">([^<]*)<', html))


def test_page_builds_with_every_lever_and_only_the_run_controls_participants_need(
        teaching):
    """The page renders; the sidebar (rendered here on its own: solara.render has no app
    layout to hold a sidebar) has one slider with an editable value per lever of the
    teaching scenario, and of Mesa's controls only Step, Play, Reset, speed and seed."""
    from flowsim.app.page import LeversPanel, Page, RunControls

    _, rc = solara.render(Page(), handle_error=False)
    assert _counter_values(rc)["diverted"] == "0"
    model = WorkshopModel(_setup(teaching), seed=1)

    @solara.component
    def Sidebar():
        reactive = solara.use_reactive(model)
        model_context.provide(reactive)
        RunControls(reactive, {"seed": {"type": "InputText", "label": "Seed (a whole number)",
                                        "value": "1"}}, solara.use_reactive({}))
        LeversPanel(reactive.value)

    _, rc = solara.render(Sidebar(), handle_error=False)
    sc = load_scenario(TEACHING)
    n_crossings = sum(len(b.crossings) for b in sc.borders)
    expected = (len(levers.COUNTRY_LEVERS) * len(sc.countries)
                + len(levers.CROSSING_LEVERS) * n_crossings + len(levers.modes(sc)))
    sliders = [w.label for w in rc.find(v.Slider).widgets]
    assert len(sliders) == expected + 1 and sliders[0].startswith("Speed: ")
    assert len(rc.find(v.TextField).widgets) == expected + 1      # lever values + seed
    buttons = {str(w.children[0]) for w in rc.find(v.Btn).widgets if w.children}
    assert {"Step", "Reset"} <= buttons and len(buttons) == 3       # and Play
    text = repr(rc.find().widget)
    for internal in ("Render Interval", "Use Threads", "Play Interval", "Time:", "Page 0"):
        assert internal not in text, internal


def _render_controller(model: WorkshopModel, play_interval: int = 100, counters=False):
    """Mesa's model controller (Reset, Play/Pause, Step) on ``model``, rendered in-process,
    with the counters panel if asked."""

    @solara.component
    def Test():
        reactive = solara.use_reactive(model)
        ModelController(reactive, play_interval=solara.use_reactive(play_interval),
                        render_interval=solara.use_reactive(1),
                        use_threads=solara.use_reactive(False))
        if counters:
            CountersPanel(reactive.value)

    return solara.render(Test(), handle_error=False)[1]


def test_step_button_updates_the_counters(teaching):
    model = WorkshopModel(_setup(teaching), seed=1)
    rc = _render_controller(model, counters=True)
    before = _counter_values(rc)
    assert set(before) == {"diverted", "trafficked", "seized", "delivered", "traced_share"}
    assert before["diverted"] == "0"
    rc.find(v.Btn, children=["Step"]).widget.click()
    after = _counter_values(rc)
    assert model.run.steps == 1
    assert after["diverted"] == f"{counters(model.run)['diverted']:,}" != "0"


def test_pause_ends_the_play_loop(teaching):
    """Play steps the model in a thread; after Pause that thread ends, at most the step in
    flight landing (Mesa's loop checks Pause between steps). Waits on the model's step
    count and on the threads ending, never on a clock (issue #20: the browser version
    failed under load when a step in flight landed after Pause)."""
    import threading

    model = WorkshopModel(_setup(teaching), seed=1)
    rc = _render_controller(model, play_interval=20)
    before = set(threading.enumerate())
    rc.find(v.Btn, children=["▶"]).widget.click()
    stepped = threading.Condition()
    real_step = model.step

    def step():
        real_step()
        with stepped:
            stepped.notify_all()

    model.step = step
    with stepped:
        assert stepped.wait_for(lambda: model.run.steps >= 3, timeout=60), "Play did not run"
    rc.find(v.Btn, children=["❚❚"]).widget.click()
    at_pause = model.run.steps
    for thread in set(threading.enumerate()) - before:
        thread.join(60)
        assert not thread.is_alive(), "the play loop still runs after Pause"
    assert at_pause <= model.run.steps <= at_pause + 1
    assert rc.find(v.Btn, children=["Step"]).widget.disabled is False


def test_lever_slider_changes_the_running_model(teaching):
    model = WorkshopModel(_setup(teaching), seed=1)

    @solara.component
    def Test():
        reactive = solara.use_reactive(model)
        LeverSlider(reactive, ("crossing", "north-post", "inspection_rate"), "Inspection rate",
                    1.0, 0.01, False)

    _, rc = solara.render(Test(), handle_error=False)
    slider = rc.find(v.Slider).widget
    assert slider.v_model == 0.2                     # the scenario's value
    slider.v_model = 0.75
    assert {b.inspection_rate for b in model.run.borders
            if b.crossing_id == "north-post"} == {0.75}
    assert model.setup.settings[("crossing", "north-post", "inspection_rate")] == 0.75


def test_session_panel_compare_switch_and_exercise_menu(teaching):
    model = WorkshopModel(_setup(teaching), seed=1)
    holder = {}

    @solara.component
    def Test():
        reactive = solara.use_reactive(model)
        holder["r"] = reactive
        model_context.provide(reactive)
        SessionPanel(reactive.value)

    _, rc = solara.render(Test(), handle_error=False)
    rc.find(v.Switch).widget.v_model = True
    assert model.baseline is not None
    menu = [w for w in rc.find(v.Select).widgets if "exercise" in w.label][0]
    menu.v_model = BY_KEY["1"].title
    new = holder["r"].value
    assert new is not model and new.setup.exercise == "1"
    assert {b.inspection_rate for b in new.run.borders if b.crossing_id == "south-post"} \
        == {0.8}
    assert new.baseline is not None


def test_network_width_scale_is_fixed_over_the_run_and_crossings_are_named(teaching):
    """The app's network keeps the scenario's width scale at every step (the old one
    rescaled: 40/200/400 weapons at step 3, 200/1,000/2,000 at step 61) and names every
    crossing on the drawing."""
    from flowsim.outputs.network import fixed_scale

    def legend(svg: str) -> list[str]:
        return re.findall(r">([\d,]+ weapons)<", svg)

    model = FlowModel(teaching, seed=1)
    early = views.network_svg(model.run(3))
    late = views.network_svg(model.run(58))
    assert legend(early) == legend(late) and len(legend(early)) >= 2
    assert legend(early)[-1] == f"{fixed_scale(teaching):,} weapons"
    free = FlowModel(teaching, seed=1)
    assert legend(views.network_svg(free.run(3), fixed=False)) != \
        legend(views.network_svg(free.run(58), fixed=False))      # what fixing prevents
    for x in (x for b in teaching.borders for x in b.crossings):
        assert re.search(rf"<text[^>]*>{re.escape(x.id)}\s*(<|\n)", late), x.id
