"""Applies the service's events to the layers one feature at a time: never a full reload."""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from qgis.core import QgsFeature, QgsGeometry, QgsPointXY
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .definitions import AREA_LAYERS, DUE_SECONDS, OPEN_STATUSES, EventKind, LayerId, Urgency, case_style, unit_style
from .layers import LayerSet, geometry_from_geojson, make_feature

TRACK_SECONDS = 30 * 60


def breach_at(incident: dict[str, Any]) -> float | None:
    """Epoch seconds of the nearest deadline among the case's running SLA clocks."""
    deadlines = [datetime.fromisoformat(c["deadline"]).timestamp() for c in incident.get("sla") or []
                 if c.get("stopped_at") is None]
    return min(deadlines) if deadlines else None


def urgency(deadline: float | None, now: float) -> Urgency:
    if deadline is None:
        return Urgency.NONE
    left = deadline - now
    if left <= 0:
        return Urgency.BREACHED
    return Urgency.DUE if left <= DUE_SECONDS else Urgency.RUNNING


class LiveMap(QObject):
    """The live state of incidents and units, mirrored in the layers."""

    # object, not dict/list: PyQt would convert every case to a QVariantMap and back on each emit.
    incident_changed = pyqtSignal(object)   # the case as it now is (a dict)
    incident_removed = pyqtSignal(int)      # no longer open
    new_incident = pyqtSignal(object)         # for the alert
    incidents_loaded = pyqtSignal(object)     # a batch of cases from the snapshot (one signal, not one per case)
    unit_changed = pyqtSignal(object)
    boundaries_changed = pyqtSignal()
    boundary_revision = pyqtSignal(object)  # a published revision (a dict): only its areas change
    sla_event = pyqtSignal(object)

    def __init__(self, layers: LayerSet, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.layers = layers
        self.clock = clock
        self.incidents: dict[int, dict[str, Any]] = {}
        self.units: dict[int, dict[str, Any]] = {}
        self._incident_fid: dict[int, int] = {}
        self._unit_fid: dict[int, int] = {}
        self._track_fid: dict[int, int] = {}
        self._tracks: dict[int, deque[tuple[float, float, float]]] = {}
        self.last_applied: float | None = None
        # When each case's urgency next changes (due, then breached): a tick looks only at those that came.
        self._thresholds: list[tuple[float, int]] = []

    # --- snapshot -------------------------------------------------------------------------------
    def load_snapshot(self, snapshot: dict[str, Any]) -> None:
        layers = snapshot.get("layers", {})
        for layer_id in AREA_LAYERS:
            if layer_id.value in layers:
                self.layers.replace_features(layer_id, layers[layer_id.value]["features"])
        if LayerId.INCIDENTS.value in layers:
            self.clear_incidents()
            self.add_incidents(layers[LayerId.INCIDENTS.value]["features"])
        if LayerId.UNITS.value in layers:
            features = [self._unit_derived(f) for f in layers[LayerId.UNITS.value]["features"]]
            self._unit_fid = self.layers.replace_features(LayerId.UNITS, features)
            self.units = {f["properties"]["id"]: f["properties"] for f in features}

    def clear_incidents(self) -> None:
        self.layers.replace_features(LayerId.INCIDENTS, [])
        self._incident_fid, self.incidents, self._thresholds = {}, {}, []

    def add_incidents(self, features: list[dict[str, Any]]) -> None:
        """A batch of snapshot features: one addFeatures call, one signal for the queue."""
        layer = self.layers[LayerId.INCIDENTS]
        fields = layer.fields()
        fresh: list[dict[str, Any]] = []
        for feature in features:
            props = feature["properties"]
            known = self.incidents.get(props["id"])
            if known is not None:  # already here (from the stream): keep the newer state
                if props.get("version", 0) > known.get("version", 0):
                    self._apply_incident(props, created=False)
                continue
            fresh.append(self._with_derived(feature))
        ok, added = layer.dataProvider().addFeatures(
            [make_feature(fields, f["properties"], geometry_from_geojson(f.get("geometry"))) for f in fresh])
        if not ok:
            return
        for feature, qgs in zip(fresh, added):
            props = feature["properties"]
            self._incident_fid[props["id"]] = qgs.id()
            self.incidents[props["id"]] = props
            self._schedule(props)
        layer.updateExtents()
        layer.triggerRepaint()
        self.incidents_loaded.emit([f["properties"] for f in fresh])

    def add_incident_rows(self, columns: list[str], rows: list[list[Any]]) -> None:
        """A batch of compact snapshot rows (the service's `format=rows` page, with `breach_at` computed by
        the service): one addFeatures call and one signal, no GeoJSON or SLA parsing per case."""
        layer = self.layers[LayerId.INCIDENTS]
        fields = layer.fields()
        names = [fields.at(i).name() for i in range(fields.count())]
        now = self.clock()
        fresh: list[dict[str, Any]] = []
        features: list[QgsFeature] = []
        for row in rows:
            props = dict(zip(columns, row))
            known = self.incidents.get(props["id"])
            if known is not None:  # already here (from the stream): keep the newer state
                continue
            props["urgency"] = level = urgency(props.get("breach_at"), now).value
            props["style"] = case_style(props.get("status", ""), level, props.get("category", ""),
                                        props.get("priority"))
            feature = QgsFeature(fields)
            feature.setAttributes([props.get(name) for name in names])
            if props.get("lon") is not None:
                feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(props["lon"], props["lat"])))
            features.append(feature)
            fresh.append(props)
        ok, added = layer.dataProvider().addFeatures(features)
        if not ok:
            return
        for props, qgs in zip(fresh, added):
            self._incident_fid[props["id"]] = qgs.id()
            self.incidents[props["id"]] = props
            self._schedule(props)
        layer.updateExtents()
        layer.triggerRepaint()
        self.incidents_loaded.emit(fresh)

    def _schedule(self, props: dict[str, Any]) -> None:
        deadline = props.get("breach_at")
        if deadline is None:
            return
        now = self.clock()
        if props["urgency"] == Urgency.RUNNING.value:
            heapq.heappush(self._thresholds, (deadline - DUE_SECONDS, props["id"]))
        elif props["urgency"] == Urgency.DUE.value or deadline > now:
            heapq.heappush(self._thresholds, (deadline, props["id"]))

    def _with_derived(self, feature: dict[str, Any]) -> dict[str, Any]:
        props = dict(feature["properties"])
        props["breach_at"] = breach_at(props)
        props["urgency"] = urgency(props["breach_at"], self.clock()).value
        props["style"] = case_style(props.get("status", ""), props["urgency"], props.get("category", ""),
                                    props.get("priority"))
        return {**feature, "properties": props}

    @staticmethod
    def _unit_derived(feature: dict[str, Any]) -> dict[str, Any]:
        props = dict(feature["properties"])
        props["style"] = unit_style(props.get("unit_type", ""), props.get("status", ""), bool(props.get("stale")))
        return {**feature, "properties": props}

    # --- events ---------------------------------------------------------------------------------
    def apply(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        payload = event.get("payload") or {}
        if kind in (EventKind.INCIDENT_CREATED.value, EventKind.INCIDENT_UPDATED.value):
            self._apply_incident(payload, created=kind == EventKind.INCIDENT_CREATED.value)
        elif kind == EventKind.UNIT_MOVED.value:
            self._move_unit(payload)
        elif kind == EventKind.UNIT_UPDATED.value:
            self._apply_unit(payload)
        elif kind == EventKind.BOUNDARIES_CHANGED.value:
            if payload.get("revision") is not None and payload.get("changes") is not None:
                self.boundary_revision.emit(payload)
            else:
                self.boundaries_changed.emit()
        elif kind in (EventKind.SLA_WARNING.value, EventKind.SLA_BREACHED.value):
            self.sla_event.emit(payload)
        self.last_applied = self.clock()

    def _apply_incident(self, props: dict[str, Any], *, created: bool) -> None:
        incident_id = props["id"]
        known = self.incidents.get(incident_id)
        if known is not None and props.get("version", 0) < known.get("version", 0):
            return  # an older state arriving late (a reply overtaken by the stream)
        layer = self.layers[LayerId.INCIDENTS]
        provider = layer.dataProvider()
        fid = self._incident_fid.get(incident_id)
        if props.get("status") not in OPEN_STATUSES:
            if fid is not None:
                provider.deleteFeatures([fid])
                del self._incident_fid[incident_id]
            self.incidents.pop(incident_id, None)
            layer.triggerRepaint()
            self.incident_removed.emit(incident_id)
            return
        props = self._with_derived({"properties": props})["properties"]
        geometry = geometry_from_geojson({"type": "Point", "coordinates": [props["lon"], props["lat"]]}) \
            if props.get("lon") is not None else QgsGeometry()
        self._upsert(LayerId.INCIDENTS, self._incident_fid, incident_id, props, geometry)
        self.incidents[incident_id] = props
        self._schedule(props)
        layer.triggerRepaint()
        self.incident_changed.emit(props)
        if created:
            self.new_incident.emit(props)

    def _apply_unit(self, props: dict[str, Any]) -> None:
        unit_id = props["id"]
        layer = self.layers[LayerId.UNITS]
        merged = {**self.units.get(unit_id, {}), **props}
        merged["style"] = unit_style(merged.get("unit_type", ""), merged.get("status", ""), bool(merged.get("stale")))
        props = {**props, "style": merged["style"]}
        geometry = QgsGeometry.fromPointXY(QgsPointXY(merged["lon"], merged["lat"])) \
            if merged.get("lon") is not None else QgsGeometry()
        self._upsert(LayerId.UNITS, self._unit_fid, unit_id, merged, geometry, changed=set(props))
        self.units[unit_id] = merged
        layer.triggerRepaint()
        self.unit_changed.emit(merged)

    def _upsert(self, layer_id: LayerId, fids: dict[int, int], key: int, props: dict[str, Any],
                geometry: QgsGeometry, changed: set[str] | None = None) -> None:
        """Add the feature, or change it in place: only the named attributes when `changed` is given."""
        layer = self.layers[layer_id]
        provider = layer.dataProvider()
        fid = fids.get(key)
        if fid is None:
            ok, added = provider.addFeatures([make_feature(layer.fields(), props, geometry)])
            if ok:
                fids[key] = added[0].id()
            return
        fields = layer.fields()
        provider.changeAttributeValues({fid: {i: _plain(props.get(fields.at(i).name())) for i in range(fields.count())
                                              if changed is None or fields.at(i).name() in changed}})
        provider.changeGeometryValues({fid: geometry})

    def _move_unit(self, fix: dict[str, Any]) -> None:
        self._apply_unit({k: fix[k] for k in ("id", "lon", "lat", "heading", "speed_ms") if k in fix})
        self._extend_track(fix["id"], fix["lon"], fix["lat"])

    def _extend_track(self, unit_id: int, lon: float, lat: float) -> None:
        now = self.clock()
        points = self._tracks.setdefault(unit_id, deque())
        points.append((now, lon, lat))
        while points and points[0][0] < now - TRACK_SECONDS:
            points.popleft()
        layer = self.layers[LayerId.TRACKS]
        provider = layer.dataProvider()
        geometry = QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for _, x, y in points]) if len(points) > 1 \
            else QgsGeometry()
        fid = self._track_fid.get(unit_id)
        if fid is None:
            props = {"unit_id": unit_id, "callsign": self.units.get(unit_id, {}).get("callsign")}
            ok, added = provider.addFeatures([make_feature(layer.fields(), props, geometry)])
            if ok:
                self._track_fid[unit_id] = added[0].id()
        else:
            provider.changeGeometryValues({fid: geometry})
        layer.triggerRepaint()

    # --- the clock moves: countdowns cross their thresholds --------------------------------------
    def refresh_urgency(self) -> int:
        """Recolour cases whose urgency changed since last time; returns how many changed.

        Only cases whose next threshold has come are looked at (a heap), so a tick over 100,000 open cases
        costs what the few changing ones cost."""
        now = self.clock()
        layer = self.layers[LayerId.INCIDENTS]
        index = layer.fields().indexOf("urgency")
        style_index = layer.fields().indexOf("style")
        changes = {}
        due: set[int] = set()
        while self._thresholds and self._thresholds[0][0] <= now:
            due.add(heapq.heappop(self._thresholds)[1])
        for incident_id in due:
            props = self.incidents.get(incident_id)
            if props is None:
                continue
            level = urgency(props.get("breach_at"), now).value
            if level != props.get("urgency"):
                props["urgency"] = level
                props["style"] = case_style(props.get("status", ""), level, props.get("category", ""),
                                            props.get("priority"))
                fid = self._incident_fid.get(incident_id)
                if fid is not None:
                    changes[fid] = {index: level, style_index: props["style"]}
            self._schedule(props)
        if changes:
            layer.dataProvider().changeAttributeValues(changes)
            layer.triggerRepaint()
        return len(changes)

    def feature_id(self, layer_id: LayerId, key: int) -> int | None:
        return (self._incident_fid if layer_id is LayerId.INCIDENTS else self._unit_fid).get(key)


def _plain(value: Any) -> Any:
    return None if isinstance(value, (dict, list)) else value  # noqa: UP038 - QGIS 3.22 may run Python 3.9
