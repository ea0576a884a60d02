"""Boundary work on QGIS geometries, without widgets: reading order, topology checks, household splits.

The same rules as the service's `service/domain/topology.py` (the service stays the authority on
publish); the plugin cannot import the service, so the rules are written again here on QgsGeometry.
Reading order: rows from north to south, west to east within a row; a geometry joins the current row
while its centroid is not below the bottom of the row's first (northernmost) member.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum, unique

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsDistanceArea,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsSpatialIndex,
)


@unique
class ProblemKind(Enum):
    INVALID_GEOMETRY = "invalid_geometry"
    OVERLAP = "overlap"
    GAP = "gap"
    OUTSIDE_PARENT = "outside_parent"
    DUPLICATE_CODE = "duplicate_code"
    CODE_LAYOUT = "code_layout"
    READING_ORDER = "reading_order"


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    codes: tuple[str, ...]
    location: QgsPointXY
    detail: str
    area_m2: float | None = None


@dataclass(frozen=True)
class Parcel:
    """One polygon to check or number: its code, its parent's code and its geometry."""

    code: str
    parent_code: str
    geometry: QgsGeometry


def reading_order(geometries: list[QgsGeometry]) -> list[int]:
    """Indexes of the geometries in reading order (north to south, west to east)."""
    centroids = [g.centroid().asPoint() for g in geometries]
    bottoms = [g.boundingBox().yMinimum() for g in geometries]
    rows: list[list[int]] = []
    floor = math.inf
    for i in sorted(range(len(geometries)), key=lambda k: (-centroids[k].y(), centroids[k].x())):
        if rows and centroids[i].y() >= floor:
            rows[-1].append(i)
        else:
            rows.append([i])
            floor = bottoms[i]
    return [i for row in rows for i in sorted(row, key=lambda k: centroids[k].x())]


def measurer(crs: QgsCoordinateReferenceSystem) -> QgsDistanceArea:
    """Areas in square metres on the ellipsoid, whatever the layer's CRS."""
    area = QgsDistanceArea()
    area.setSourceCrs(crs, QgsProject.instance().transformContext())
    area.setEllipsoid("WGS84")
    return area


def _spot(geometry: QgsGeometry) -> QgsPointXY:
    return geometry.pointOnSurface().asPoint()


def check(parcels: list[Parcel], crs: QgsCoordinateReferenceSystem, *, tolerance_m2: float = 1.0,
          parents: list[Parcel] | None = None, code_width: int | None = None) -> list[Problem]:
    """Every topology problem of `parcels`: validity, unique codes extending the parent's code, overlaps,
    gaps (holes among siblings, or parts of the parent left uncovered when `parents` are given), children
    outside their parent, and numbering out of reading order."""
    area = measurer(crs)
    problems: list[Problem] = []
    seen: set[str] = set()
    index = QgsSpatialIndex()
    for i, p in enumerate(parcels):
        if p.geometry.isNull() or not p.geometry.isGeosValid():
            problems.append(Problem(ProblemKind.INVALID_GEOMETRY, (p.code,), _spot(p.geometry),
                                    f"{p.code}: {p.geometry.lastError() or 'not a valid polygon'}"))
            continue
        if p.code in seen:
            problems.append(Problem(ProblemKind.DUPLICATE_CODE, (p.code,), _spot(p.geometry), f"{p.code} is used twice"))
        seen.add(p.code)
        if p.parent_code and not p.code.startswith(p.parent_code):
            problems.append(Problem(ProblemKind.CODE_LAYOUT, (p.code,), _spot(p.geometry),
                                    f"{p.code} does not begin with its parent's code {p.parent_code}"))
        elif code_width is not None and len(p.code) != len(p.parent_code) + code_width:
            problems.append(Problem(ProblemKind.CODE_LAYOUT, (p.code,), _spot(p.geometry),
                                    f"{p.code} should be its parent's code and {code_width} digits"))
        index.addFeature(i, p.geometry.boundingBox())
    for i, p in enumerate(parcels):
        for j in index.intersects(p.geometry.boundingBox()):
            if j <= i:
                continue
            shared = p.geometry.intersection(parcels[j].geometry)
            size = area.measureArea(shared) if not shared.isEmpty() else 0.0
            if size > tolerance_m2:
                problems.append(Problem(ProblemKind.OVERLAP, (p.code, parcels[j].code), _spot(shared),
                                        f"{p.code} and {parcels[j].code} overlap by {size:.1f} m²", size))
    groups: dict[str, list[Parcel]] = {}
    for p in parcels:
        if not p.geometry.isNull() and p.geometry.isGeosValid():
            groups.setdefault(p.parent_code, []).append(p)
    parent_of = {p.code: p for p in parents or []}
    for parent_code, members in sorted(groups.items()):
        union = QgsGeometry.unaryUnion([m.geometry for m in members])
        parent = parent_of.get(parent_code)
        if parent is not None:
            for m in members:
                outside = m.geometry.difference(parent.geometry)
                size = area.measureArea(outside) if not outside.isEmpty() else 0.0
                if size > tolerance_m2:
                    problems.append(Problem(ProblemKind.OUTSIDE_PARENT, (m.code, parent_code), _spot(outside),
                                            f"{m.code} reaches {size:.1f} m² outside {parent_code}", size))
            gaps = parent.geometry.difference(union)
        else:
            gaps = _holes(union)
        for part in gaps.asGeometryCollection() if not gaps.isEmpty() else []:
            size = area.measureArea(part)
            if size > tolerance_m2:
                problems.append(Problem(ProblemKind.GAP, (parent_code,), _spot(part),
                                        f"{size:.1f} m² of {parent_code or 'the layer'} is covered by no polygon",
                                        size))
        ordered = [members[i].code for i in reading_order([m.geometry for m in members])]
        if ordered != sorted(ordered):
            k = next(n for n, (a, b) in enumerate(zip(ordered, sorted(ordered))) if a != b)
            wrong = next(m for m in members if m.code == ordered[k])
            problems.append(Problem(ProblemKind.READING_ORDER, (wrong.code, parent_code), _spot(wrong.geometry),
                                    f"{wrong.code} is at place {k + 1} in reading order among {parent_code}'s "
                                    f"children, where {sorted(ordered)[k]} belongs"))
    return problems


def _holes(union: QgsGeometry) -> QgsGeometry:
    """The holes of a (multi)polygon: gaps enclosed by siblings."""
    holes = []
    for polygon in (union.asMultiPolygon() if union.isMultipart() else [union.asPolygon()]):
        holes += [QgsGeometry.fromPolygonXY([ring]) for ring in polygon[1:]]
    return QgsGeometry.unaryUnion(holes) if holes else QgsGeometry()


@dataclass(frozen=True)
class Household:
    point: QgsPointXY
    households: int


class SplitImpossible(ValueError):
    """No set of parts within the bounds exists for this polygon's households."""


def part_count(total: int, minimum: int, maximum: int) -> int:
    """The fewest parts whose average lies within [minimum, maximum]."""
    if total <= maximum:
        return 1
    count = math.ceil(total / maximum)
    if total / count < minimum:
        raise SplitImpossible(f"{total} households cannot be cut into parts of {minimum}-{maximum}")
    return count


def split_by_households(polygon: QgsGeometry, buildings: list[Household], minimum: int,
                        maximum: int) -> list[tuple[QgsGeometry, int]]:
    """Cut `polygon` into compact, contiguous parts of `minimum`-`maximum` households each.

    Recursive bisection, across the longer side first, cutting between buildings where the running
    household sum best matches the share of parts on each side; each cut keeps both sides within their
    bounds. Buildings are whole, so when no cut fits the fewest parts, one more part is tried.
    """
    inside = [b for b in buildings if polygon.contains(QgsGeometry.fromPointXY(b.point))]
    total = sum(b.households for b in inside)
    parts = part_count(total, minimum, maximum)
    while total / parts >= minimum:
        found = _bisect(polygon, inside, parts, minimum, maximum)
        if found is not None:
            return found
        parts += 1
    raise SplitImpossible(f"no cut of {total} households into parts of {minimum}-{maximum} between its buildings")


def _cut_at(polygon: QgsGeometry, vertical: bool, cut: float) -> tuple[QgsGeometry, QgsGeometry]:
    box = polygon.boundingBox()
    big = max(box.width(), box.height()) + 1.0
    if vertical:
        a = QgsRectangle(box.xMinimum() - big, box.yMinimum() - big, cut, box.yMaximum() + big)
        b = QgsRectangle(cut, box.yMinimum() - big, box.xMaximum() + big, box.yMaximum() + big)
    else:  # cut is -y: the first side is the northern one
        a = QgsRectangle(box.xMinimum() - big, -cut, box.xMaximum() + big, box.yMaximum() + big)
        b = QgsRectangle(box.xMinimum() - big, box.yMinimum() - big, box.xMaximum() + big, -cut)
    return polygon.intersection(QgsGeometry.fromRect(a)), polygon.intersection(QgsGeometry.fromRect(b))


def _bisect(polygon: QgsGeometry, buildings: list[Household], parts: int, minimum: int,
            maximum: int) -> list[tuple[QgsGeometry, int]] | None:
    total = sum(b.households for b in buildings)
    if parts == 1:
        return [(polygon, total)] if minimum <= total <= maximum else None
    box = polygon.boundingBox()
    longer_is_x = box.width() >= box.height()
    for vertical in (longer_is_x, not longer_is_x):
        for first in sorted({parts // 2, parts - parts // 2}):
            def coord(p: QgsPointXY, vertical: bool = vertical) -> float:
                return p.x() if vertical else -p.y()  # west first, or north first
            ordered = sorted(buildings, key=lambda b: coord(b.point))
            target = total * first / parts
            candidates = []
            running = 0
            for k in range(len(ordered) - 1):
                running += ordered[k].households
                rest = total - running
                if coord(ordered[k].point) == coord(ordered[k + 1].point):
                    continue
                if (first * minimum <= running <= first * maximum
                        and (parts - first) * minimum <= rest <= (parts - first) * maximum):
                    candidates.append((abs(running - target), k))
            for _, k in sorted(candidates):
                cut = (coord(ordered[k].point) + coord(ordered[k + 1].point)) / 2
                left, right = _cut_at(polygon, vertical, cut)
                if left.isMultipart() and len(left.asGeometryCollection()) > 1:
                    continue  # a cut through a concave polygon that would leave a part in two pieces
                if right.isMultipart() and len(right.asGeometryCollection()) > 1:
                    continue
                a = _bisect(left, ordered[:k + 1], first, minimum, maximum)
                b = _bisect(right, ordered[k + 1:], parts - first, minimum, maximum) if a is not None else None
                if a is not None and b is not None:
                    return a + b
    return None


def renumber(parcels: list[Parcel], width: int) -> list[str]:
    """New codes, parallel to `parcels`: parent code + sequence in reading order, `width` digits."""
    codes = [""] * len(parcels)
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(parcels):
        groups.setdefault(p.parent_code, []).append(i)
    for parent_code, members in groups.items():
        for n, k in enumerate(reading_order([parcels[i].geometry for i in members]), start=1):
            codes[members[k]] = f"{parent_code}{n:0{width}d}"
    return codes
