"""A road network for ETAs: lines noded at their crossings, a weighted graph, shortest paths by scipy.

Where a network is loaded, a unit's ETA is its road distance to the case (plus the walk from each end
to the nearest road node) over its typical speed, instead of the straight line times a detour factor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry.base import BaseGeometry

from service.domain.coords import haversine_m

_NODE_DIGITS = 7  # ~1 cm: vertices this close are one node


class RoadNetwork:
    def __init__(self, lines: Sequence[BaseGeometry]) -> None:
        noded = shapely.unary_union([g for g in lines if g is not None and not g.is_empty])
        parts = [p for p in shapely.get_parts(noded) if p.geom_type == "LineString"]
        index: dict[tuple[float, float], int] = {}
        a: list[int] = []
        b: list[int] = []
        for line in parts:
            coords = np.round(shapely.get_coordinates(line), _NODE_DIGITS)
            ids = [index.setdefault((x, y), len(index)) for x, y in coords]
            a.extend(ids[:-1])
            b.extend(ids[1:])
        self.nodes = np.array(list(index), dtype=float).reshape(-1, 2)
        ia, ib = np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
        keep = ia != ib
        ia, ib = ia[keep], ib[keep]
        length = haversine_m(self.nodes[ia, 0], self.nodes[ia, 1], self.nodes[ib, 0], self.nodes[ib, 1])
        n = len(self.nodes)
        self.graph = coo_matrix((np.concatenate([length, length]), (np.concatenate([ia, ib]), np.concatenate([ib, ia]))),
                                shape=(n, n)).tocsr()
        self._tree = shapely.STRtree(shapely.points(self.nodes)) if n else None
        self.edge_count = int(len(ia))

    def __len__(self) -> int:
        return len(self.nodes)

    def snap(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest road node of each point and the metres to it."""
        if self._tree is None:
            raise ValueError("empty road network")
        idx = self._tree.query_nearest(shapely.points(lon, lat), all_matches=False)[1]
        return idx, haversine_m(lon, lat, self.nodes[idx, 0], self.nodes[idx, 1])

    def distances_from(self, node: int) -> NDArray[np.float64]:
        """Road metres from one node to every node (inf where not connected)."""
        return np.asarray(dijkstra(self.graph, directed=False, indices=node), dtype=float)

    def nearest_source(self, sources: NDArray[np.int64], extra_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """For every node, metres to the nearest source node plus that source's own `extra_m` (the walk
        from a unit to its road), in one multi-source pass."""
        if not len(sources):
            return np.full(len(self.nodes), np.inf)
        at_node = np.full(len(self.nodes), np.inf)
        np.minimum.at(at_node, sources, extra_m)
        dist, _, origin = dijkstra(self.graph, directed=False, indices=np.unique(sources), min_only=True,
                                   return_predecessors=True)
        reached = origin >= 0
        out = np.full(len(self.nodes), np.inf)
        out[reached] = dist[reached] + at_node[origin[reached]]
        return out
