"""The plugin's speed: how soon a case the service receives is a feature in the operator's layer (at 50
events/s, beside the bare HTTP round trip of the same POSTs), and a full repaint of the demo street with
10,000 incidents and 500 units at 1920x1080, beside bare QGIS drawing the same data with default styles."""

from __future__ import annotations

import random
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np

from bench.intake import prepare_data_dir
from bench.report import Report
from service.demo import street as demo_street
from service.domain import coords
from service.domain.gridcodes import Level
from tests.support.child_process import ServiceProcess

RATE = 50
SECONDS = 12
RENDERS = 5


def _qgis() -> Any:
    from qgis.core import QgsApplication

    app = QgsApplication.instance()
    if app is None:
        app = QgsApplication([], True)  # labels need a QGuiApplication (offscreen is fine)
        app.initQgis()
    return app


def run(report: Report) -> None:
    app = _qgis()  # held for the whole run: a collected QgsApplication takes Qt down with it
    street = demo_street.build()
    latency(report, street)
    repaint(report, street)
    del app


def latency(report: Report, street: demo_street.DemoStreet) -> None:
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import QCoreApplication

    from plugin.core.client import ServiceClient
    from plugin.core.layers import LayerSet
    from plugin.core.live import LiveMap
    from plugin.core.stream import LiveStream

    data_dir = prepare_data_dir(street)
    service = ServiceProcess(data_dir).start()
    sent: dict[str, float] = {}
    round_trip: list[float] = []
    arrived: dict[str, float] = {}
    try:
        client = ServiceClient(service.base, service.operator_key)
        layers = LayerSet(QgsProject.instance())
        live = LiveMap(layers)
        stream = LiveStream(client)
        stream.event_received.connect(live.apply)
        # Slots run in connection order: this one runs once live.apply has put the event on the layer.
        stream.event_received.connect(lambda e: arrived.setdefault(e["payload"].get("external_id"), time.perf_counter())
                                      if e["kind"] == "incident.created" else None)
        snapshot = httpx.get(f"{service.base}/api/v1/snapshot", params={"layers": "incidents"},
                             headers={"Authorization": f"Bearer {service.operator_key}"}).json()
        stream.start(snapshot["last_event_id"])
        bounds = street.of_level(Level.STREET)[0].geometry.bounds
        rng = random.Random(3)

        def post() -> None:
            with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {service.operator_key}"}) as c:
                start = time.perf_counter()
                for i in range(RATE * SECONDS):
                    due = start + i / RATE
                    time.sleep(max(0.0, due - time.perf_counter()))
                    lon, lat = rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])
                    glon, glat = coords.wgs84_to_gcj02(lon, lat)
                    body = {"order_no": f"LAT-{i}", "accepted_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
                            "appeal_type": "投诉", "subject": "噪声扰民", "content": "夜间噪音", "longitude": float(glon),
                            "latitude": float(glat), "coord_type": "gcj02"}
                    sent[f"LAT-{i}"] = t = time.perf_counter()
                    c.post("/api/v1/channels/hotline12345", json=body)
                    round_trip.append((time.perf_counter() - t) * 1000)

        poster = threading.Thread(target=post)
        while stream.state.value != "connected":
            QCoreApplication.processEvents()
        poster.start()
        deadline = time.perf_counter() + SECONDS + 10
        while (poster.is_alive() or len(arrived) < len(sent)) and time.perf_counter() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.001)
        stream.stop()
        lat = [(arrived[k] - sent[k]) * 1000 for k in sent if k in arrived]
        assert len(lat) == len(sent), f"{len(sent) - len(lat)} cases never reached the layer"
        report.add("event -> plugin layer, p50 (50 cases/s)", float(np.percentile(lat, 50)), "ms",
                   baseline_name="HTTP POST round trip p50", baseline=float(np.percentile(round_trip, 50)), aim="-")
        report.add("event -> plugin layer, p99 (50 cases/s)", float(np.percentile(lat, 99)), "ms",
                   baseline_name="HTTP POST round trip p99", baseline=float(np.percentile(round_trip, 99)),
                   aim="<= 250 ms")
    finally:
        service.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _demo_features(street: demo_street.DemoStreet) -> dict[str, list[dict[str, Any]]]:
    import shapely

    rng = random.Random(8)
    bounds = street.of_level(Level.STREET)[0].geometry.bounds
    now = datetime.now(UTC)
    statuses = ["received", "acknowledged", "dispatched", "en_route", "on_scene"]
    categories = ["E0102", "C0103", "L0101", "L0301", "E0506"]
    incidents = []
    for i in range(10_000):
        lon, lat = rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])
        deadline = (now + timedelta(seconds=rng.uniform(-600, 1200))).isoformat()
        incidents.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {
            "id": i + 1, "category": rng.choice(categories), "status": rng.choice(statuses), "priority": 3,
            "version": 1, "sla": [{"kind": "on_scene", "deadline": deadline, "stopped_at": None}]}})
    units = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [rng.uniform(bounds[0], bounds[2]),
                                                                               rng.uniform(bounds[1], bounds[3])]},
              "properties": {"id": i + 1, "callsign": f"U{i}", "unit_type": rng.choice(["patrol", "grid_worker"]),
                             "status": "available", "stale": False, "heading": rng.uniform(0, 360)}}
             for i in range(500)]
    areas = {level: [{"type": "Feature", "geometry": shapely.geometry.mapping(a.geometry),
                      "properties": {"code": a.code, "name": a.name, "level": a.level.value,
                                     "parent_code": a.parent_code, "households": a.households}}
                     for a in street.of_level(lvl)]
             for level, lvl in (("communities", Level.COMMUNITY), ("grids", Level.GRID),
                                ("micro_grids", Level.MICRO_GRID))}
    return {"incidents": incidents, "units": units, **areas}


def repaint(report: Report, street: demo_street.DemoStreet) -> None:
    from qgis.core import QgsProject, QgsRectangle, QgsVectorLayer
    from qgis.PyQt.QtCore import QSize

    from plugin.core.definitions import LayerId
    from plugin.core.layers import LayerSet
    from plugin.core.live import LiveMap
    from plugin.core.render import render, visible_layers

    data = _demo_features(street)
    layers = LayerSet(QgsProject.instance())
    live = LiveMap(layers)
    live.load_snapshot({"layers": {k: {"features": v} for k, v in data.items()}})
    ours = visible_layers(layers)
    # The same features in plain memory layers with QGIS's default symbols: QGIS without the plugin.
    bare = []
    for layer in ours:
        copy = QgsVectorLayer(f"{layer.wkbType() and _geometry_name(layer)}?crs=EPSG:4326", "bare", "memory")
        copy.dataProvider().addAttributes(layer.fields().toList())
        copy.updateFields()
        copy.dataProvider().addFeatures(list(layer.getFeatures()))
        bare.append(copy)
    extent = QgsRectangle(layers[LayerId.MICRO_GRIDS].extent())
    size = QSize(1920, 1080)
    timings: dict[str, list[float]] = {"ours": [], "bare": []}
    for _ in range(RENDERS):
        for name, stack in (("bare", bare), ("ours", ours)):
            t = time.perf_counter()
            render(stack, extent, size)
            timings[name].append((time.perf_counter() - t) * 1000)
    report.add("repaint 1920x1080, 10k cases + 500 units", float(np.median(timings["ours"])), "ms",
               baseline_name="bare QGIS, same data, default style", baseline=float(np.median(timings["bare"])),
               aim="ratio <= 1.3")


def _geometry_name(layer: Any) -> str:
    from qgis.core import QgsWkbTypes

    return QgsWkbTypes.displayString(layer.wkbType())
