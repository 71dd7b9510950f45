"""The country network: borders, their crossing points, and least-cost routes through them.

Every crossing can be passed both ways. A *directed crossing* ``d`` is one crossing in one
direction; inspection there is done by the country being entered, so the same crossing
can be harder to pass one way than the other. Routes are least-cost paths over countries,
each hop through the cheapest allowed directed crossing.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from flowsim.inputs.scenario import Scenario


@dataclass
class Route:
    nodes: list[int]          # countries visited, source first
    crossings: list[int]      # directed crossings used, one per hop
    travel_cost: float        # USD per transport unit


class RouteNetwork:
    """Directed crossings of a scenario and shortest-path search over them."""

    def __init__(self, scenario: Scenario):
        index = scenario.country_index()
        self.n_countries = len(index)
        src, dst, crossing = [], [], []
        self.crossings = []  # (border, crossing) specs, one per undirected crossing
        for b in scenario.borders:
            u, v = index[b.between[0]], index[b.between[1]]
            for x in b.crossings:
                c = len(self.crossings)
                self.crossings.append((b, x))
                src += [u, v]
                dst += [v, u]
                crossing += [c, c]
        self.src = np.array(src, dtype=np.int64)
        self.src_list = src
        self.dst = np.array(dst, dtype=np.int64)   # the country entered (which inspects)
        self.crossing = np.array(crossing, dtype=np.int64)
        self.n = len(self.src)
        self.official = np.array([self.crossings[c][1].official for c in crossing], dtype=bool)
        self.travel_cost = [self.crossings[c][1].travel_cost for c in crossing]  # USD/unit
        # Directed crossings out of each country, in crossing order (so ties go to the
        # first listed), for all modes and for modes restricted to official crossings.
        self._out: dict[bool, list[list[tuple[int, int]]]] = {}
        for official_only in (False, True):
            out: list[list[tuple[int, int]]] = [[] for _ in range(self.n_countries)]
            for d, (u, v) in enumerate(zip(src, dst, strict=True)):
                if self.official[d] or not official_only:
                    out[u].append((v, d))
            self._out[official_only] = out

    def label(self, d: int) -> tuple[str, str]:
        border, crossing = self.crossings[self.crossing[d]]
        return border.id, crossing.id

    def shortest(self, source: int, weights: list[float], risk: list[float],
                 official_only: bool = False, targets: set[int] | None = None
                 ) -> ShortestPaths:
        """Least-cost routes from ``source`` to every country (Dijkstra over countries).

        ``weights`` is the cost of each directed crossing, ``risk`` the probability of
        losing the cargo there; ``official_only`` keeps to official crossings. Along with
        each route's cost the search carries its travel cost and its survival probability
        (the product of ``1 - risk``). For networks of tens of countries plain Python
        beats the call overhead of a compiled graph library. With ``targets`` the search
        stops once all of them are settled: their routes are final then (and so is every
        country on them); other countries' entries may not be.
        """
        inf = float("inf")
        n = self.n_countries
        dist, via = [inf] * n, [-1] * n
        travel, survive = [0.0] * n, [1.0] * n
        dist[source] = 0.0
        heap = [(0.0, source)]
        out, cost = self._out[official_only], self.travel_cost
        heappop, heappush = heapq.heappop, heapq.heappush
        left = set(targets or ())          # none: no country is in it, so no early stop
        while heap:
            du, u = heappop(heap)
            if du > dist[u]:
                continue
            if u in left:
                left.discard(u)
                if not left:
                    break
            tu, su = travel[u], survive[u]
            for v, d in out[u]:
                nd = du + weights[d]
                if nd < dist[v]:
                    dist[v], via[v] = nd, d
                    travel[v], survive[v] = tu + cost[d], su * (1.0 - risk[d])
                    heappush(heap, (nd, v))
        return ShortestPaths(self, source, via, travel, survive)


class ShortestPaths:
    """Least-cost routes from one source: for each country the crossing used to reach it,
    the route's travel cost per transport unit and its survival probability."""

    __slots__ = ("network", "source", "via", "travel_cost", "survive")

    def __init__(self, network: RouteNetwork, source: int, via: list[int],
                 travel_cost: list[float], survive: list[float]):
        self.network, self.source, self.via = network, source, via
        self.travel_cost, self.survive = travel_cost, survive

    def reaches(self, target: int) -> bool:
        return target != self.source and self.via[target] >= 0

    def route(self, target: int) -> Route:
        """The route to ``target``, which must be reachable."""
        src, via = self.network.src_list, self.via
        nodes, crossings = [target], []
        while nodes[-1] != self.source:
            d = via[nodes[-1]]
            crossings.append(d)
            nodes.append(src[d])
        nodes.reverse()
        crossings.reverse()
        return Route(nodes, crossings, self.travel_cost[target])
