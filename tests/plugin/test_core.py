"""The plugin's core without a network: SSE parsing, events applied to layers, the queue's order."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from plugin.core.definitions import LayerId, Urgency  # noqa: E402
from plugin.core.layers import LayerSet  # noqa: E402
from plugin.core.live import LiveMap, urgency  # noqa: E402
from plugin.core.queue_model import IncidentQueueModel, countdown_text  # noqa: E402
from plugin.core.sse import SseParser  # noqa: E402


def test_sse_events_split_across_chunks_are_reassembled() -> None:
    parser = SseParser()
    stream = b'retry: 2000\n: stream from event 0\n\nid: 1\nevent: incident.created\ndata: {"a":\ndata: 1}\n\n' \
             b": heartbeat\n\nid: 2\nevent: unit.moved\r\ndata: {}\r\n\r\n"
    events = []
    for i in range(0, len(stream), 7):
        events += parser.feed(stream[i:i + 7])
    assert [(e.id, e.event, e.data) for e in events] == [("1", "incident.created", '{"a":\n1}'),
                                                          ("2", "unit.moved", "{}")]
    assert parser.retry_ms == 2000 and parser.last_id == "2"


def case(case_id: int, *, status: str = "received", version: int = 1, deadline_in: float = 60) -> dict[str, Any]:
    deadline = (datetime.now(UTC) + timedelta(seconds=deadline_in)).isoformat()
    return {"id": case_id, "channel": "police110", "category": "E0402", "description": "水管破裂", "status": status,
            "priority": 2, "lon": 120.15, "lat": 30.16, "grid": "3301080030010001", "version": version,
            "sla": [{"kind": "acknowledge", "deadline": deadline, "stopped_at": None}]}


@pytest.fixture
def live(qgis_new_project: Any) -> LiveMap:
    return LiveMap(LayerSet(qgis_new_project))


def test_events_are_applied_feature_by_feature(live: LiveMap) -> None:
    layer = live.layers[LayerId.INCIDENTS]
    live.apply({"kind": "incident.created", "payload": case(7)})
    live.apply({"kind": "incident.created", "payload": case(8)})
    assert layer.featureCount() == 2
    fid_before = live.feature_id(LayerId.INCIDENTS, 7)
    live.apply({"kind": "incident.updated", "payload": case(7, status="dispatched", version=2)})
    assert live.feature_id(LayerId.INCIDENTS, 7) == fid_before  # changed in place, not reloaded
    assert layer.getFeature(fid_before)["status"] == "dispatched"
    live.apply({"kind": "incident.updated", "payload": case(7, status="received", version=1)})  # late, older
    assert layer.getFeature(fid_before)["status"] == "dispatched"
    live.apply({"kind": "incident.updated", "payload": case(8, status="closed", version=3)})
    assert layer.featureCount() == 1 and 8 not in live.incidents


def test_units_move_and_leave_a_track(live: LiveMap) -> None:
    live.apply({"kind": "unit.updated", "payload": {"id": 3, "callsign": "XF01-01", "unit_type": "patrol",
                                                    "status": "available", "lon": 120.15, "lat": 30.16}})
    for step in range(3):
        live.apply({"kind": "unit.moved", "payload": {"id": 3, "lon": 120.15 + step * 0.001, "lat": 30.16,
                                                      "heading": 90.0}})
    unit = next(live.layers[LayerId.UNITS].getFeatures())
    assert unit.geometry().asPoint().x() == pytest.approx(120.152) and unit["heading"] == 90.0
    track = next(live.layers[LayerId.TRACKS].getFeatures())
    assert len(track.geometry().asPolyline()) == 3


def test_cases_turn_due_then_breached_as_time_passes(live: LiveMap) -> None:
    now = [time.time()]
    live.clock = lambda: now[0]
    live.apply({"kind": "incident.created", "payload": case(1, deadline_in=200)})
    assert live.incidents[1]["urgency"] == Urgency.RUNNING.value
    now[0] += 100
    assert live.refresh_urgency() == 1 and live.incidents[1]["urgency"] == Urgency.DUE.value
    now[0] += 120
    live.refresh_urgency()
    feature = next(live.layers[LayerId.INCIDENTS].getFeatures())
    assert feature["urgency"] == Urgency.BREACHED.value
    assert urgency(None, now[0]) is Urgency.NONE


def test_the_queue_puts_the_most_urgent_case_first_and_filters(live: LiveMap) -> None:
    model = IncidentQueueModel()
    for case_id, left in ((1, 500), (2, -30), (3, 90)):
        live.apply({"kind": "incident.created", "payload": case(case_id, deadline_in=left)})
        model.upsert(live.incidents[case_id])
    order = [model.data(model.index(r, 1)) for r in range(model.rowCount())]
    assert order == ["2", "3", "1"]
    assert model.data(model.index(0, 0)).startswith("-00:")
    model.set_filter("status", "dispatched")
    assert model.rowCount() == 0 and model.total() == 3
    assert countdown_text(3725) == "1:02:05"
