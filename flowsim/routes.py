"""The country network: borders, their crossing points, and least-cost routes through them.

Every crossing can be passed both ways. A *directed crossing* ``d`` is one crossing in one
direction; inspection there is done by the country being entered, so the same crossing
can be harder to pass one way than the other. Routes are shortest paths over countries
where each country-to-country edge costs the cheapest allowed directed crossing between
them.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from flowsim.scenario import Scenario


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
        src, dst, crossing, border = [], [], [], []
        self.crossings = []  # (border, crossing) specs, one per undirected crossing
        for b in scenario.borders:
            u, v = index[b.between[0]], index[b.between[1]]
            for x in b.crossings:
                c = len(self.crossings)
                self.crossings.append((b, x))
                src += [u, v]
                dst += [v, u]
                crossing += [c, c]
                border.append(b.id)
        self.src = np.array(src, dtype=np.int64)
        self.dst = np.array(dst, dtype=np.int64)   # the country entered (which inspects)
        self.crossing = np.array(crossing, dtype=np.int64)
        self.n = len(self.src)
        self.official = np.array([self.crossings[c][1].official for c in crossing], dtype=bool)
        self.travel_cost = np.array([self.crossings[c][1].travel_cost for c in crossing])
        self.travel_cost_list = self.travel_cost.tolist()
        # Group directed crossings by (src, dst) edge, sorted for reduceat.
        edge_key = self.src * self.n_countries + self.dst
        self.order = np.argsort(edge_key, kind="stable")
        sorted_keys = edge_key[self.order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        self.group_starts = starts
        self.edge_src = self.src[self.order][starts]
        self.edge_dst = self.dst[self.order][starts]
        self.group_sizes = np.diff(np.r_[starts, self.n])
        self.group_index = np.repeat(np.arange(len(starts)), self.group_sizes)
        self.edges = {(int(u), int(v)): g for g, (u, v) in
                      enumerate(zip(self.edge_src, self.edge_dst, strict=True))}
        self.adjacency: list[list[tuple[int, int]]] = [[] for _ in range(self.n_countries)]
        for g, (u, v) in enumerate(zip(self.edge_src.tolist(), self.edge_dst.tolist(),
                                       strict=True)):
            self.adjacency[u].append((v, g))

    def label(self, d: int) -> tuple[str, str]:
        border, crossing = self.crossings[self.crossing[d]]
        return border.id, crossing.id

    def shortest(self, source: int, weights: np.ndarray, allowed: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distances and predecessors from ``source`` over countries.

        ``weights`` is a cost per directed crossing; ``allowed`` masks crossings the mode
        may use. Returns (dist per country, predecessor per country, masked weights), the
        last the cheapest directed crossing of each country-to-country edge.
        """
        w = np.where(allowed, weights, np.inf)
        if not self.n:
            return (np.where(np.arange(self.n_countries) == source, 0.0, np.inf),
                    np.full(self.n_countries, -9999), np.zeros(0, dtype=np.int64))
        ws = w[self.order]
        edge_w = np.minimum.reduceat(ws, self.group_starts)
        # cheapest directed crossing of each edge: first position in its group at the minimum
        at_min = np.flatnonzero(ws == np.repeat(edge_w, self.group_sizes))
        first = at_min[np.r_[True, self.group_index[at_min][1:] != self.group_index[at_min][:-1]]]
        best = self.order[first]
        dist, pred = self._dijkstra(source, edge_w.tolist())
        return np.array(dist), np.array(pred), best

    def _dijkstra(self, source: int, edge_w: list[float]) -> tuple[list[float], list[int]]:
        """Plain Dijkstra over countries; for networks of tens of countries this beats the
        call overhead of a compiled one."""
        inf = float("inf")
        dist, pred = [inf] * self.n_countries, [-9999] * self.n_countries
        dist[source] = 0.0
        heap = [(0.0, source)]
        adjacency = self.adjacency
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u]:
                continue
            for v, g in adjacency[u]:
                nd = d + edge_w[g]
                if nd < dist[v]:
                    dist[v], pred[v] = nd, u
                    heapq.heappush(heap, (nd, v))
        return dist, pred

    def path(self, source: int, target: int, pred: np.ndarray, best: np.ndarray
             ) -> Route | None:
        """The route to ``target`` from :meth:`shortest`'s output, cheapest crossing per hop."""
        if target == source or pred[target] < 0:
            return None
        nodes = [target]
        while nodes[-1] != source:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        edges = self.edges
        crossings = [int(best[edges[(a, b)]]) for a, b in zip(nodes[:-1], nodes[1:], strict=True)]
        cost = self.travel_cost_list
        return Route(nodes, crossings, sum(cost[c] for c in crossings))
