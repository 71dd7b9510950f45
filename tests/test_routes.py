"""Route choice: least cost over directed crossings, risk-aware, mode restrictions kept."""

from __future__ import annotations

import pytest

from flowsim.inputs.scenario import load_scenario
from flowsim.model.routes import RouteNetwork
from tests.conftest import SCENARIOS

NET = RouteNetwork(load_scenario(SCENARIOS / "teaching.yaml"))
NOR, EST, TRA, MER = 0, 1, 2, 3


def crossing(border: str, name: str, src: int) -> int:
    return next(d for d in range(NET.n) if NET.label(d) == (border, name)
                and NET.src_list[d] == src)


def test_cheapest_route_and_its_cost_and_survival():
    cost = NET.travel_cost
    risk = [0.0] * NET.n
    risk[crossing("est-tra", "east-post", EST)] = 0.1
    risk[crossing("tra-mer", "south-post", TRA)] = 0.2
    paths = NET.shortest(EST, cost, risk)
    route = paths.route(MER)
    # EST -> TRA -> MER by the posts (30 + 40) beats the bush paths (150)
    assert route.nodes == [EST, TRA, MER]
    assert [NET.label(d)[1] for d in route.crossings] == ["east-post", "south-post"]
    assert route.travel_cost == 70.0
    assert paths.survive[MER] == pytest.approx(0.9 * 0.8)
    assert not paths.reaches(EST)


def test_risk_in_the_weights_displaces_the_route():
    risk = [0.0] * NET.n
    risk[crossing("tra-mer", "south-post", TRA)] = 0.9
    weights = [c + 1000 * r for c, r in zip(NET.travel_cost, risk, strict=True)]
    route = NET.shortest(EST, weights, risk).route(MER)
    assert [NET.label(d)[1] for d in route.crossings] == ["bush-paths"]


def test_official_only_modes_keep_to_official_crossings():
    weights = [0.0 if not NET.official[d] else c for d, c in enumerate(NET.travel_cost)]
    risk = [0.0] * NET.n
    assert NET.shortest(EST, weights, risk).route(MER).crossings == [
        crossing("est-mer", "bush-paths", EST)]
    official = NET.shortest(EST, weights, risk, official_only=True).route(MER)
    assert all(NET.official[d] for d in official.crossings)
    assert official.nodes == [EST, TRA, MER]


def test_search_stopped_at_the_targets_gives_their_full_search_routes():
    """Fails if stopping early (once the targets are settled) returned a tentative route,
    cost or survival for a target, e.g. by stopping when a target is first reached."""
    regional = RouteNetwork(load_scenario(SCENARIOS / "regional.yaml"))
    risk = [0.01 * (d % 7) for d in range(regional.n)]
    weights = [c + 500 * r for c, r in zip(regional.travel_cost, risk, strict=True)]
    for source in range(regional.n_countries):
        full = regional.shortest(source, weights, risk)
        for target in range(regional.n_countries):
            if not full.reaches(target):
                continue
            early = regional.shortest(source, weights, risk, targets={target})
            assert early.route(target) == full.route(target)
            assert (early.survive[target], early.travel_cost[target]) == (
                full.survive[target], full.travel_cost[target])
