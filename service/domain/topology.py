"""Topology rules for one level of nested boundaries, in plain shapely.

The authority on whether a draft may be published: valid polygons; siblings neither overlap nor leave
gaps beyond a stated tolerance; every child inside its parent and the children of a parent covering
it; codes unique, in the configured layout, extending their parent's code, and numbered in reading
order (rows north to south, west to east within a row). Areas are measured in square metres on a
local equirectangular plane, which at a street's size errs by far less than any tolerance used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

EARTH_M_PER_DEG_LAT = 110_574.0
EARTH_M_PER_DEG_LON_EQUATOR = 111_320.0
DEFAULT_TOLERANCE_M2 = 1.0


class ProblemKind(StrEnum):
    INVALID_GEOMETRY = "invalid_geometry"
    OVERLAP = "overlap"
    GAP = "gap"
    OUTSIDE_PARENT = "outside_parent"
    UNKNOWN_PARENT = "unknown_parent"
    DUPLICATE_CODE = "duplicate_code"
    CODE_LAYOUT = "code_layout"
    READING_ORDER = "reading_order"


@dataclass(frozen=True)
class Piece:
    """One polygon to check: its code, its parent's code and its geometry (lon/lat)."""

    code: str
    parent_code: str | None
    geometry: BaseGeometry


@dataclass(frozen=True)
class TopologyProblem:
    """One broken rule: which areas, how much area (m²) where it applies, and a point to zoom to."""

    kind: ProblemKind
    codes: tuple[str, ...]
    location: tuple[float, float]
    detail: str
    area_m2: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "codes": list(self.codes), "location": list(self.location),
                "area_m2": None if self.area_m2 is None else round(self.area_m2, 2), "detail": self.detail}


def reading_order(geometries: Sequence[BaseGeometry]) -> list[int]:
    """Indexes of the geometries in reading order: rows from north to south, each row west to east.

    A geometry joins the current row while its centroid is not below the bottom of the row's first
    (northernmost) member, so rows follow the layout rather than a fixed band height.
    """
    if not geometries:
        return []
    centroids = shapely.centroid(np.asarray(geometries, dtype=object))
    cx, cy = shapely.get_x(centroids), shapely.get_y(centroids)
    bottoms = shapely.bounds(np.asarray(geometries, dtype=object))[:, 1]
    rows: list[list[int]] = []
    floor = math.inf
    for i in sorted(range(len(geometries)), key=lambda k: (-cy[k], cx[k])):
        if rows and cy[i] >= floor:
            rows[-1].append(i)
        else:
            rows.append([i])
            floor = bottoms[i]
    return [i for row in rows for i in sorted(row, key=lambda k: cx[k])]


def _to_metres(geometries: Sequence[BaseGeometry]) -> tuple[np.ndarray[Any, Any], float]:
    arr = np.asarray(geometries, dtype=object)
    lat0 = float(np.nanmean(shapely.bounds(arr)[:, [1, 3]])) if len(arr) else 0.0
    kx = EARTH_M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    return shapely.transform(arr, lambda xy: xy * np.array([kx, EARTH_M_PER_DEG_LAT])), kx


def validate(children: Sequence[Piece], parents: Sequence[Piece] | None, *, tolerance_m2: float = DEFAULT_TOLERANCE_M2,
             check_code: Callable[[Piece], str | None] | None = None) -> list[TopologyProblem]:
    """Every problem of `children` against each other and against `parents` (the level above).

    `check_code` returns why a child's code breaks the configured layout, or None when it is fine.
    Pieces whose geometry is invalid are reported and left out of the area checks. With `parents`
    None (free-form layers such as patrol zones) only validity, codes and overlaps are checked.
    """
    problems: list[TopologyProblem] = []
    if not children:
        return problems
    metric, kx = _to_metres([p.geometry for p in children])

    def lonlat(g: BaseGeometry) -> tuple[float, float]:
        pt = shapely.point_on_surface(g)
        return (round(pt.x / kx, 7), round(pt.y / EARTH_M_PER_DEG_LAT, 7))

    def here(g: BaseGeometry) -> tuple[float, float]:
        pt = shapely.point_on_surface(g)
        return (round(pt.x, 7), round(pt.y, 7))

    valid = shapely.is_valid(metric) & ~shapely.is_empty(metric)
    for i in np.flatnonzero(~valid):
        piece = children[i]
        reason = shapely.is_valid_reason(piece.geometry)
        problems.append(TopologyProblem(ProblemKind.INVALID_GEOMETRY, (piece.code,), here(piece.geometry),
                                        f"{piece.code}: {reason}"))

    seen: dict[str, int] = {}
    for i, piece in enumerate(children):
        if piece.code in seen:
            problems.append(TopologyProblem(ProblemKind.DUPLICATE_CODE, (piece.code,), here(piece.geometry),
                                            f"code {piece.code} is used by features {seen[piece.code]} and {i}"))
        else:
            seen[piece.code] = i
        if check_code is not None:
            why = check_code(piece)
            if why:
                problems.append(TopologyProblem(ProblemKind.CODE_LAYOUT, (piece.code,), here(piece.geometry), why))

    good = np.flatnonzero(valid)
    tree = STRtree(metric[good])
    left, right = tree.query(metric[good], predicate="intersects")
    pairs = left < right
    left, right = good[left[pairs]], good[right[pairs]]
    inner = shapely.relate_pattern(metric[left], metric[right], "T********")
    left, right = left[inner], right[inner]
    shared = shapely.intersection(metric[left], metric[right])
    overlap_in: dict[str, float] = {}  # overlap area between siblings, by parent: it hides gaps in sums
    for a, b, g, area in zip(left, right, shared, shapely.area(shared)):
        if children[a].parent_code == children[b].parent_code:
            key = children[a].parent_code or ""
            overlap_in[key] = overlap_in.get(key, 0.0) + float(area)
        if area > tolerance_m2:
            problems.append(TopologyProblem(ProblemKind.OVERLAP, (children[a].code, children[b].code), lonlat(g),
                                            f"{children[a].code} and {children[b].code} overlap by {area:.1f} m²",
                                            float(area)))

    if parents is None:
        return problems
    by_parent: dict[str, list[int]] = {}
    for i in good:
        by_parent.setdefault(children[i].parent_code or "", []).append(int(i))
    parent_of = {p.code: p for p in parents}
    parent_metric = dict(zip(parent_of, _scale(parent_of.values(), kx)))
    for parent_code, members in sorted(by_parent.items()):
        parent = parent_of.get(parent_code)
        if parent is None:
            for i in members:
                problems.append(TopologyProblem(ProblemKind.UNKNOWN_PARENT, (children[i].code,),
                                                here(children[i].geometry),
                                                f"{children[i].code}: parent {parent_code or '(none)'} is not known"))
            continue
        problems += _against_parent(parent, parent_metric[parent_code], [children[i] for i in members],
                                    metric[members], tolerance_m2, lonlat, overlap_in.get(parent_code, 0.0))
    covered = set(by_parent)
    for parent in parents:
        if parent.code not in covered and children:
            problems.append(TopologyProblem(ProblemKind.GAP, (parent.code,), here(parent.geometry),
                                            f"{parent.code} has no children: all of it is a gap",
                                            float(shapely.area(parent_metric[parent.code]))))
    return problems


def _scale(pieces: Any, kx: float) -> list[BaseGeometry]:
    geoms = np.asarray([p.geometry for p in pieces], dtype=object)
    if not len(geoms):
        return []
    return list(shapely.transform(geoms, lambda xy: xy * np.array([kx, EARTH_M_PER_DEG_LAT])))


def _against_parent(parent: Piece, parent_m: BaseGeometry, members: list[Piece], members_m: Any,
                    tolerance_m2: float, lonlat: Callable[[BaseGeometry], tuple[float, float]],
                    sibling_overlap_m2: float) -> list[TopologyProblem]:
    problems: list[TopologyProblem] = []
    parent_m = shapely.make_valid(parent_m)
    shapely.prepare(parent_m)
    # Only children the parent does not cover need the (costly) difference; on shared vertices the
    # exact predicate is enough.
    uncovered = np.flatnonzero(~shapely.covers(parent_m, members_m))
    outside = shapely.difference(members_m[uncovered], parent_m)
    for k, g, area in zip(uncovered, outside, shapely.area(outside)):
        if area > tolerance_m2:
            piece = members[k]
            problems.append(TopologyProblem(ProblemKind.OUTSIDE_PARENT, (piece.code, parent.code), lonlat(g),
                                            f"{piece.code} reaches {area:.1f} m² outside its parent {parent.code}",
                                            float(area)))
    # Children inside the parent: the uncovered area is the parent's minus theirs (plus what they
    # share), so the union is only drawn when there is a gap to locate.
    missing = float(shapely.area(parent_m) - shapely.area(members_m).sum()) + sibling_overlap_m2
    if len(uncovered) == 0 and missing <= tolerance_m2:
        gaps = shapely.Polygon()
    else:
        gaps = shapely.difference(parent_m, shapely.union_all(members_m))
    for g in shapely.get_parts(gaps):
        area = float(shapely.area(g))
        if area > tolerance_m2:
            problems.append(TopologyProblem(ProblemKind.GAP, (parent.code,), lonlat(g),
                                            f"{area:.1f} m² of {parent.code} is covered by none of its children",
                                            area))
    ordered = [members[i].code for i in reading_order(list(members_m))]
    if ordered != sorted(ordered):
        expected = sorted(ordered)
        k = next(n for n, (a, b) in enumerate(zip(ordered, expected)) if a != b)
        wrong = next(p for p in members if p.code == ordered[k])
        problems.append(TopologyProblem(
            ProblemKind.READING_ORDER, (wrong.code, parent.code), lonlat(members_m[members.index(wrong)]),
            f"children of {parent.code} are not numbered in reading order (north to south, west to east): "
            f"{wrong.code} is at place {k + 1}, where {expected[k]} was expected"))
    return problems
