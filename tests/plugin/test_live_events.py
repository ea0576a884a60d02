"""The plugin applies each stream event to one feature, in real QGIS layers: urgency thresholds, signals for
the queue, the alert, SLA messages and boundary reloads, units greyed when stale, tracks trimmed to 30 min."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from plugin.core.definitions import DUE_SECONDS, LayerId, Urgency  # noqa: E402
from plugin.core.layers import LayerSet  # noqa: E402
from plugin.core.live import TRACK_SECONDS, LiveMap, breach_at, urgency  # noqa: E402

NOW = 1_800_000_000.0


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def case(case_id: int, *, status: str = "received", version: int = 1, left: float = 600, lon: float | None = 120.15,
         category: str = "E0402", priority: int = 3) -> dict[str, Any]:
    return {"id": case_id, "channel": "police110", "category": category, "status": status, "priority": priority,
            "lon": lon, "lat": 30.16 if lon is not None else None, "version": version,
            "sla": [{"kind": "acknowledge", "deadline": iso(NOW + left), "stopped_at": None},
                    {"kind": "on_scene", "deadline": iso(NOW + left + 500), "stopped_at": None}]}


def unit(unit_id: int = 3, **over: Any) -> dict[str, Any]:
    return {"id": unit_id, "callsign": "XF01-01", "unit_type": "patrol", "status": "available", "stale": False,
            "lon": 120.15, "lat": 30.16, **over}


@pytest.fixture
def clock() -> list[float]:
    return [NOW]


@pytest.fixture
def live(qgis_new_project: Any, clock: list[float]) -> LiveMap:
    return LiveMap(LayerSet(qgis_new_project), clock=lambda: clock[0])


def record(signal: Any) -> list[Any]:
    seen: list[Any] = []
    signal.connect(lambda *args: seen.append(args[0] if len(args) == 1 else args))
    return seen


@pytest.mark.parametrize("left,level", [(-1, Urgency.BREACHED), (0, Urgency.BREACHED), (0.5, Urgency.DUE),
                                        (DUE_SECONDS, Urgency.DUE), (DUE_SECONDS + 0.5, Urgency.RUNNING)])
def test_a_case_is_due_in_its_last_two_minutes_and_breached_at_its_deadline(left: float, level: Urgency) -> None:
    assert DUE_SECONDS == 120
    assert urgency(NOW + left, NOW) is level


def test_the_nearest_running_clock_decides_and_stopped_clocks_do_not_count() -> None:
    c = case(1, left=300)
    assert breach_at(c) == pytest.approx(NOW + 300)
    c["sla"][0]["stopped_at"] = iso(NOW)
    assert breach_at(c) == pytest.approx(NOW + 800)
    c["sla"][1]["stopped_at"] = iso(NOW)
    assert breach_at(c) is None and breach_at({"id": 2}) is None


def test_a_new_case_raises_the_alert_once_and_updates_do_not(live: LiveMap) -> None:
    alerts, changed = record(live.new_incident), record(live.incident_changed)
    live.apply({"kind": "incident.created", "payload": case(7)})
    live.apply({"kind": "incident.updated", "payload": case(7, status="acknowledged", version=2)})
    assert [a["id"] for a in alerts] == [7] and [c["status"] for c in changed] == ["received", "acknowledged"]
    feature = next(live.layers[LayerId.INCIDENTS].getFeatures())
    assert feature["status"] == "acknowledged" and feature["urgency"] == "running"
    assert feature["style"] == "acknowledged|circle|std"
    assert feature.geometry().asPoint().x() == pytest.approx(120.15)
    assert live.last_applied == NOW


def test_an_update_of_the_same_version_is_applied_and_an_older_one_ignored(live: LiveMap) -> None:
    live.apply({"kind": "incident.created", "payload": case(7, version=2)})
    live.apply({"kind": "incident.updated", "payload": {**case(7, version=2), "description": "again"}})
    assert live.incidents[7].get("description") == "again"
    live.apply({"kind": "incident.updated", "payload": case(7, status="dispatched", version=1)})
    assert live.incidents[7]["status"] == "received"


@pytest.mark.parametrize("status", ["resolved", "closed", "cancelled", "duplicate"])
def test_a_case_no_longer_open_leaves_the_map_and_the_queue(live: LiveMap, status: str) -> None:
    removed = record(live.incident_removed)
    live.apply({"kind": "incident.created", "payload": case(7)})
    live.apply({"kind": "incident.created", "payload": case(8)})
    live.apply({"kind": "incident.updated", "payload": case(7, status=status, version=2)})
    assert removed == [7] and set(live.incidents) == {8}
    assert [f["id"] for f in live.layers[LayerId.INCIDENTS].getFeatures()] == [8]
    assert live.feature_id(LayerId.INCIDENTS, 7) is None


def test_a_case_without_a_position_is_listed_but_not_placed(live: LiveMap) -> None:
    live.apply({"kind": "incident.created", "payload": case(9, lon=None)})
    feature = next(live.layers[LayerId.INCIDENTS].getFeatures())
    assert feature.geometry().isEmpty() and 9 in live.incidents


def test_sla_events_go_to_the_message_signal_and_boundary_changes_ask_for_a_reload(live: LiveMap) -> None:
    sla, reload = record(live.sla_event), record(live.boundaries_changed)
    warning = {"incident_id": 7, "clock": "acknowledge", "level": "warning"}
    live.apply({"kind": "sla.warning", "payload": warning})
    live.apply({"kind": "sla.breached", "payload": {**warning, "level": "breached"}})
    live.apply({"kind": "boundaries.changed", "payload": {"level": "grid"}})
    live.apply({"kind": "something.new", "payload": {}})  # unknown kinds are skipped, not fatal
    assert sla == [warning, {**warning, "level": "breached"}] and len(reload) == 1
    assert live.layers[LayerId.INCIDENTS].featureCount() == 0


def test_a_stale_unit_is_greyed_and_comes_back_when_it_reports(live: LiveMap) -> None:
    changed = record(live.unit_changed)
    live.apply({"kind": "unit.updated", "payload": unit()})
    layer = live.layers[LayerId.UNITS]
    assert next(layer.getFeatures())["style"] == "patrol|free"
    live.apply({"kind": "unit.updated", "payload": {"id": 3, "stale": True}})
    feature = next(layer.getFeatures())
    assert feature["style"] == "patrol|stale" and feature["callsign"] == "XF01-01"  # the rest is kept
    live.apply({"kind": "unit.updated", "payload": {"id": 3, "stale": False, "status": "assigned"}})
    assert next(layer.getFeatures())["style"] == "patrol|busy"
    assert [c["style"] for c in changed] == ["patrol|free", "patrol|stale", "patrol|busy"]
    assert layer.featureCount() == 1


def test_a_moving_unit_keeps_its_attributes_and_its_track_holds_only_the_last_30_minutes(
        live: LiveMap, clock: list[float]) -> None:
    live.apply({"kind": "unit.updated", "payload": unit()})
    assert TRACK_SECONDS == 30 * 60
    for minute in range(0, 40, 5):  # a fix every 5 minutes for 35 minutes
        clock[0] = NOW + minute * 60
        live.apply({"kind": "unit.moved", "payload": {"id": 3, "lon": 120.15 + minute * 1e-4, "lat": 30.16,
                                                      "heading": 45.0, "speed_ms": 2.0}})
    feature = next(live.layers[LayerId.UNITS].getFeatures())
    assert feature["callsign"] == "XF01-01" and feature["heading"] == 45.0 and feature["speed_ms"] == 2.0
    assert feature.geometry().asPoint().x() == pytest.approx(120.15 + 35e-4)
    track = list(live.layers[LayerId.TRACKS].getFeatures())
    assert len(track) == 1 and track[0]["unit_id"] == 3 and track[0]["callsign"] == "XF01-01"
    xs = [p.x() for p in track[0].geometry().asPolyline()]
    assert xs == pytest.approx([120.15 + m * 1e-4 for m in (5, 10, 15, 20, 25, 30, 35)])  # 0 min dropped; 5 kept


def test_one_fix_is_no_line_yet(live: LiveMap) -> None:
    live.apply({"kind": "unit.moved", "payload": {"id": 4, "lon": 120.15, "lat": 30.16}})
    assert next(live.layers[LayerId.TRACKS].getFeatures()).geometry().isEmpty()


def test_the_snapshot_fills_every_layer_and_derives_urgency_and_style(live: LiveMap, clock: list[float]) -> None:
    loaded = record(live.incidents_loaded)  # the snapshot's cases come as one batch (the queue inserts once)
    square = {"type": "Polygon", "coordinates": [[[120.1, 30.1], [120.2, 30.1], [120.2, 30.2], [120.1, 30.1]]]}
    snapshot = {"last_event_id": 5, "layers": {
        "grids": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "G1", "geometry": square,
             "properties": {"code": "G1", "name": "一网格", "level": "grid", "parent_code": "C1", "households": 400}}]},
        "incidents": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [120.15, 30.16]},
             "properties": case(1, left=60, priority=1)},
            {"type": "Feature", "id": 2, "geometry": {"type": "Point", "coordinates": [120.16, 30.16]},
             "properties": case(2, left=-5, category="C0101")}]},
        "units": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": 3, "geometry": {"type": "Point", "coordinates": [120.15, 30.16]},
             "properties": unit(stale=True)}]}}}
    live.load_snapshot(snapshot)
    assert [f["code"] for f in live.layers[LayerId.GRIDS].getFeatures()] == ["G1"]
    assert {i: p["urgency"] for i, p in live.incidents.items()} == {1: "due", 2: "breached"}
    assert live.incidents[1]["style"] == "due|circle|big" and live.incidents[2]["style"] == "breached|square|big"
    assert live.incidents[1]["breach_at"] == pytest.approx(NOW + 60)
    assert [sorted(c["id"] for c in batch) for batch in loaded] == [[1, 2]]
    assert live.units[3]["style"] == "patrol|stale"
    assert live.feature_id(LayerId.UNITS, 3) is not None and live.feature_id(LayerId.INCIDENTS, 2) is not None
    # a second snapshot replaces, it does not add
    live.load_snapshot(snapshot)
    assert live.layers[LayerId.INCIDENTS].featureCount() == 2 and live.layers[LayerId.UNITS].featureCount() == 1


def test_countdowns_recolour_only_cases_whose_level_changed(live: LiveMap, clock: list[float]) -> None:
    live.apply({"kind": "incident.created", "payload": case(1, left=200)})
    live.apply({"kind": "incident.created", "payload": case(2, left=5000)})
    assert live.refresh_urgency() == 0
    clock[0] = NOW + 81  # case 1 has 119 s left
    assert live.refresh_urgency() == 1
    by_id = {f["id"]: f for f in live.layers[LayerId.INCIDENTS].getFeatures()}
    assert by_id[1]["urgency"] == "due" and by_id[1]["style"] == "due|circle|big" and by_id[2]["urgency"] == "running"
    clock[0] = NOW + 200
    assert live.refresh_urgency() == 1 and live.incidents[1]["style"] == "breached|circle|big"


def test_the_alert_fires_on_creation_itself(live: LiveMap) -> None:
    alerts = record(live.new_incident)
    assert live.last_applied is None
    live.apply({"kind": "incident.created", "payload": case(7)})
    assert [a["id"] for a in alerts] == [7]
    feature = next(live.layers[LayerId.INCIDENTS].getFeatures())
    assert feature.geometry().asPoint().x() == pytest.approx(120.15)  # placed when added, not only when changed


def test_cases_without_a_version_and_closures_of_unseen_cases_are_handled(live: LiveMap) -> None:
    removed = record(live.incident_removed)
    bare = {k: v for k, v in case(5).items() if k != "version"}
    live.apply({"kind": "incident.created", "payload": bare})
    live.apply({"kind": "incident.updated", "payload": {**bare, "status": "acknowledged"}})
    assert live.incidents[5]["status"] == "acknowledged"
    live.apply({"kind": "incident.updated", "payload": case(99, status="closed", version=4)})
    assert removed == [99] and 99 not in live.incidents
    live.load_snapshot({})  # an empty answer changes nothing
    assert set(live.incidents) == {5}


def test_each_unit_has_its_own_feature_and_track_and_two_fixes_make_a_line(live: LiveMap, clock: list[float]) -> None:
    for uid in (3, 4):
        live.apply({"kind": "unit.updated", "payload": unit(uid, callsign=f"XF-{uid}")})
    for i in range(2):
        clock[0] = NOW + i
        live.apply({"kind": "unit.moved", "payload": {"id": 3, "lon": 120.15 + i * 1e-3, "lat": 30.16}})
    live.apply({"kind": "unit.moved", "payload": {"id": 4, "lon": 120.17, "lat": 30.17}})
    assert live.layers[LayerId.UNITS].featureCount() == 2
    tracks = {f["unit_id"]: f for f in live.layers[LayerId.TRACKS].getFeatures()}
    assert set(tracks) == {3, 4} and tracks[3]["callsign"] == "XF-3"
    assert [p.x() for p in tracks[3].geometry().asPolyline()] == pytest.approx([120.15, 120.151])
    assert tracks[4].geometry().isEmpty()


def test_a_unit_known_only_by_its_fixes_is_drawn_busy_and_one_without_a_position_unplaced(live: LiveMap) -> None:
    live.apply({"kind": "unit.moved", "payload": {"id": 8, "lon": 120.15, "lat": 30.16}})
    assert live.units[8]["style"] == "|busy"
    live.apply({"kind": "unit.updated", "payload": {"id": 9, "unit_type": "patrol", "status": "available", "lon": None,
                                                    "lat": None}})
    feature = next(f for f in live.layers[LayerId.UNITS].getFeatures() if f["id"] == 9)
    assert feature.geometry().isEmpty() and feature["style"] == "patrol|free"


def test_every_style_part_follows_status_category_priority_and_unit_state(live: LiveMap, clock: list[float]) -> None:
    snapshot = {"layers": {
        "incidents": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": 1, "geometry": None,
             "properties": case(1, status="acknowledged", category="L0301", priority=3)},
            {"type": "Feature", "id": 2, "geometry": None,
             "properties": case(2, status="dispatched", category="L0102", priority=1)}]},
        "units": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": 3, "geometry": None, "properties": unit(3, status="assigned", unit_type="mediation")},
            {"type": "Feature", "id": 4, "geometry": None, "properties": unit(4, unit_type="grid_worker")}]}}}
    live.load_snapshot(snapshot)
    assert live.incidents[1]["style"] == "acknowledged|star|std"
    assert live.incidents[2]["style"] == "dispatched|triangle|big"
    assert live.units[3]["style"] == "mediation|busy" and live.units[4]["style"] == "grid_worker|free"
    clock[0] = NOW + 500  # case 2 (600 s left) is now due: its shape and category still show
    live.apply({"kind": "incident.created", "payload": case(6, category="C0101", priority=4, left=600)})
    assert live.refresh_urgency() == 2  # cases 1 and 2; case 6 was due when it arrived
    assert live.incidents[6]["style"] == "due|square|big" and live.incidents[1]["style"] == "due|star|big"
