"""An editing session on one level of boundaries: a draft layer, validation, publishing, discarding.

"Edit boundaries" copies the current polygons of a level into an editable draft layer with
topological editing and snapping on, so QGIS's own split, reshape, merge and vertex tools keep shared
edges shared. "Validate" sends the draft to the service as a dry run (the service is the authority)
and shows each topology problem as a point on a problem layer, and the impact as rows. "Publish"
sends it with an effective time and a note; "Discard" throws the draft away. No widgets here.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum, unique
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsJsonExporter,
    QgsPointXY,
    QgsProject,
    QgsSnappingConfig,
    QgsTolerance,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, QVariant, pyqtSignal

from .boundary_tools import Parcel, renumber
from .client import ApiResult, ServiceClient

IMPORT_PATH = "/api/v1/boundaries/import"
REVISIONS_PATH = "/api/v1/boundaries/revisions"
DRAFT_FIELDS = (("code", QVariant.String), ("name", QVariant.String), ("parent_code", QVariant.String),
                ("households", QVariant.Int))
PROBLEM_FIELDS = (("kind", QVariant.String), ("codes", QVariant.String), ("area_m2", QVariant.Double),
                  ("detail", QVariant.String))
MOVE_FIELDS = (("case_id", QVariant.Int), ("from_micro_grid", QVariant.String), ("to_micro_grid", QVariant.String))
SNAP_TOLERANCE_PX = 12
SEQUENCE_WIDTH = {"micro_grid": 2}


@unique
class SessionState(Enum):
    IDLE = "idle"
    EDITING = "editing"
    WAITING = "waiting"


class BoundarySession(QObject):
    """One level's draft. Signals carry the service's answer; the GUI only shows them."""

    validated = pyqtSignal(object)  # the dry run's body: problems, changes, impact
    published = pyqtSignal(object)  # the revision's body
    refused = pyqtSignal(str, object)  # message, the error body (409 names the revision that won)
    closed = pyqtSignal()

    def __init__(self, client: ServiceClient, project: QgsProject, level: str = "micro_grid",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.project = project
        self.level = level
        self.state = SessionState.IDLE
        self.draft: QgsVectorLayer | None = None
        self.problems: QgsVectorLayer | None = None
        self.moving_cases: QgsVectorLayer | None = None
        self.base_revision: int | None = None
        self.impact_rows: list[dict[str, Any]] = []
        self._previous_topological = False

    # --- opening and closing ------------------------------------------------------------------
    def start(self, source: QgsVectorLayer) -> QgsVectorLayer:
        """Open the draft: a copy of `source` (the live layer of the level), editable, snapping on."""
        draft = QgsVectorLayer(f"MultiPolygon?crs={source.crs().authid()}", f"{source.name()} — draft", "memory")
        draft.dataProvider().addAttributes([QgsField(name, kind) for name, kind in DRAFT_FIELDS])
        draft.updateFields()
        features = []
        for f in source.getFeatures():
            copy = QgsFeature(draft.fields())
            copy.setGeometry(QgsGeometry(f.geometry()))
            copy.setAttributes([f[name] if f.fields().indexOf(name) >= 0 else None for name, _ in DRAFT_FIELDS])
            features.append(copy)
        draft.dataProvider().addFeatures(features)
        draft.setCustomProperty("gridcommand/draft", self.level)
        self.project.addMapLayer(draft)
        self._previous_topological = self.project.topologicalEditing()
        self.project.setTopologicalEditing(True)
        snapping = QgsSnappingConfig(self.project)
        snapping.setEnabled(True)
        snapping.setMode(QgsSnappingConfig.AllLayers)
        snapping.setTypeFlag(QgsSnappingConfig.VertexFlag | QgsSnappingConfig.SegmentFlag)
        snapping.setTolerance(SNAP_TOLERANCE_PX)
        snapping.setUnits(QgsTolerance.Pixels)
        self.project.setSnappingConfig(snapping)
        draft.startEditing()
        self.draft = draft
        self.state = SessionState.EDITING
        self.client.get(REVISIONS_PATH, self._got_revisions)
        return draft

    def _got_revisions(self, result: ApiResult) -> None:
        if result.ok and isinstance(result.data, dict):
            revisions = result.data.get("revisions") or []
            self.base_revision = int(revisions[-1]["revision"]) if revisions else 0

    def discard(self) -> None:
        """Throw the draft away: nothing reaches the service."""
        if self.draft is not None:
            self.draft.rollBack()
            self.project.removeMapLayer(self.draft.id())
        for layer in (self.problems, self.moving_cases):
            if layer is not None:
                self.project.removeMapLayer(layer.id())
        self.draft = self.problems = self.moving_cases = None
        self.project.setTopologicalEditing(self._previous_topological)
        self.state = SessionState.IDLE
        self.closed.emit()

    # --- after QGIS's tools have drawn ----------------------------------------------------------
    def renumber_after_split(self) -> list[str]:
        """A split leaves two polygons with one code: renumber their parent's children in reading order
        and clear the halves' household counts (the service counts them from the buildings)."""
        assert self.draft is not None
        features = list(self.draft.getFeatures())
        counts: dict[str, int] = {}
        for f in features:
            counts[f["code"]] = counts.get(f["code"], 0) + 1
        split_codes = {c for c, n in counts.items() if n > 1}
        parents = {f["parent_code"] for f in features if f["code"] in split_codes}
        group = [f for f in features if f["parent_code"] in parents]
        codes = renumber([Parcel(str(f["code"]), str(f["parent_code"]), f.geometry()) for f in group],
                         SEQUENCE_WIDTH.get(self.level, 2))
        code_index = self.draft.fields().indexOf("code")
        households_index = self.draft.fields().indexOf("households")
        for f, code in zip(group, codes):
            self.draft.changeAttributeValue(f.id(), code_index, code)
            if f["code"] in split_codes:
                self.draft.changeAttributeValue(f.id(), households_index, None)
        return sorted(set(codes))

    def draft_geojson(self) -> bytes:
        assert self.draft is not None
        exporter = QgsJsonExporter(self.draft, 15)  # full precision: unchanged polygons must stay equal
        return exporter.exportFeatures(list(self.draft.getFeatures())).encode()

    # --- talking to the service ------------------------------------------------------------------
    def validate(self) -> None:
        self._send({"dry_run": "true"}, self._validated)

    def publish(self, effective_at: datetime, note: str) -> None:
        if effective_at.tzinfo is None:
            raise ValueError("effective_at needs a time zone")
        fields = {"effective_at": effective_at.isoformat(), "note": note}
        if self.base_revision is not None:
            fields["base_revision"] = str(self.base_revision)
        self._send(fields, self._published)

    def _send(self, extra: dict[str, str], callback: Any) -> None:
        self.state = SessionState.WAITING
        fields = {"level": self.level, "format": "geojson", **extra}
        self.client.post_form(IMPORT_PATH, fields, {"file": ("draft.geojson", self.draft_geojson(),
                                                             "application/geo+json")}, callback)

    def _validated(self, result: ApiResult) -> None:
        self.state = SessionState.EDITING
        if not result.ok:
            self._refused(result)
            return
        body = result.data
        self._show_problems(body.get("problems") or [])
        self.impact_rows = impact_rows(body.get("impact") or {})
        self._show_moving_cases((body.get("impact") or {}).get("open_cases") or [])
        self.validated.emit(body)

    def _published(self, result: ApiResult) -> None:
        if not result.ok:
            self.state = SessionState.EDITING
            self._refused(result)
            return
        self.discard()
        self.published.emit(result.data)

    def _refused(self, result: ApiResult) -> None:
        details = result.details or {}
        if result.status == 422 and details.get("topology"):
            self._show_problems(details["topology"])
        elif result.status == 403:
            self.refused.emit("only a gis_editor key may publish boundaries", details)
            return
        self.refused.emit(result.error or f"HTTP {result.status}", details)

    def _show_moving_cases(self, cases: list[dict[str, Any]]) -> None:
        """The open cases the draft would move, on the map, labelled from -> to."""
        if self.moving_cases is not None:
            self.project.removeMapLayer(self.moving_cases.id())
        self.moving_cases = self._points("Impact: open cases that move", MOVE_FIELDS, [
            ((c["lon"], c["lat"]), [c["id"], c["from"].get("micro_grid"), c["to"].get("micro_grid")]) for c in cases])

    def _show_problems(self, problems: list[dict[str, Any]]) -> None:
        if self.problems is not None:
            self.project.removeMapLayer(self.problems.id())
        self.problems = self._points("Topology problems", PROBLEM_FIELDS, [
            (tuple(p["location"]), [p["kind"], ",".join(p["codes"]), p.get("area_m2"), p["detail"]]) for p in problems])

    def _points(self, name: str, fields: tuple[tuple[str, Any], ...],
                rows: list[tuple[Any, list[Any]]]) -> QgsVectorLayer:
        """A point layer in the project, one feature per (lon/lat, attributes)."""
        layer = QgsVectorLayer("Point?crs=EPSG:4326", name, "memory")
        layer.dataProvider().addAttributes([QgsField(field, kind) for field, kind in fields])
        layer.updateFields()
        features = []
        for (lon, lat), attributes in rows:
            f = QgsFeature(layer.fields())
            f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
            f.setAttributes(attributes)
            features.append(f)
        layer.dataProvider().addFeatures(features)
        self.project.addMapLayer(layer)
        return layer

def impact_rows(impact: dict[str, Any]) -> list[dict[str, Any]]:
    """The dry run's impact as table rows: what, which, from, to."""
    rows = [{"what": "open case", "which": str(c["id"]), "from": c["from"].get("micro_grid"),
             "to": c["to"].get("micro_grid")} for c in impact.get("open_cases", [])]
    rows += [{"what": "unit home", "which": u["callsign"], "from": u.get("home_grid") or u.get("home_zone"),
              "to": "" if u.get("still_exists") else "(removed)"} for u in impact.get("units", [])]
    rows += [{"what": "roster", "which": p["name"], "from": p.get("grid"),
              "to": "" if p.get("still_exists") else "(removed)"} for p in impact.get("roster", [])]
    rows += [{"what": "zone", "which": z, "from": "", "to": "changed"} for z in impact.get("zones", [])]
    rows += [{"what": "households", "which": h["code"], "from": h.get("before"), "to": h.get("after")}
             for h in impact.get("households", [])]
    rows += [{"what": "outside 300-500", "which": h["code"], "from": "", "to": h.get("households")}
             for h in impact.get("households_out_of_range", [])]
    return rows
