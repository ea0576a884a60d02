"""The incident queue at city scale: order kept as cases come and go, batches inserted at once, a tick that
repaints only the rows on screen, filters in one pass."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

pytest.importorskip("qgis.core")

from plugin.core.client import ServiceClient  # noqa: E402
from plugin.core.dispatcher import Dispatcher  # noqa: E402
from plugin.core.layers import LayerSet  # noqa: E402
from plugin.core.live import LiveMap  # noqa: E402
from plugin.core.queue_model import IncidentQueueModel, queue_key  # noqa: E402

STATUSES = ("received", "acknowledged", "dispatched")


def row(case_id: int, rng: random.Random, now: float) -> dict[str, Any]:
    return {"id": case_id, "status": rng.choice(STATUSES), "channel": "hotline12345", "category": "E0102",
            "grid": f"33010800300{rng.randrange(10):02d}", "version": 1,
            "breach_at": None if rng.random() < 0.05 else now + rng.uniform(-600, 3600)}


def shown_ids(model: IncidentQueueModel) -> list[int]:
    return [model.case_at(r)["id"] for r in range(model.rowCount())]


def expected(cases: dict[int, dict[str, Any]], status: str = "") -> list[int]:
    return [c["id"] for c in sorted(cases.values(), key=queue_key) if status in c["status"]]


class Signals:
    def __init__(self, model: IncidentQueueModel) -> None:
        self.counts = {"insert": 0, "reset": 0, "move": 0, "remove": 0, "changed": []}
        model.rowsInserted.connect(lambda *_: self._count("insert"))
        model.modelReset.connect(lambda: self._count("reset"))
        model.rowsMoved.connect(lambda *_: self._count("move"))
        model.rowsRemoved.connect(lambda *_: self._count("remove"))
        model.dataChanged.connect(lambda a, b, *_: self.counts["changed"].append((a.row(), b.row())))

    def _count(self, name: str) -> None:
        self.counts[name] += 1


def test_a_city_snapshot_fills_the_queue_in_batches_of_one_signal_each_most_urgent_first() -> None:
    rng, now = random.Random(1), time.time()
    model = IncidentQueueModel(clock=lambda: now)
    signals = Signals(model)
    cases = {i: row(i, rng, now) for i in range(1, 20_001)}
    batch = list(cases.values())
    for start in range(0, len(batch), 2500):
        model.upsert_many(batch[start:start + 2500])
    assert signals.counts["insert"] + signals.counts["reset"] == 8  # one per batch, not one per case
    assert shown_ids(model) == expected(cases)
    model.set_filter("status", "dispatched")
    assert shown_ids(model) == expected(cases, "dispatched") and model.total() == 20_000
    model.set_filter("status", "")
    assert model.rowCount() == 20_000


def test_live_changes_keep_the_order_without_resorting_and_keep_the_filter() -> None:
    rng, now = random.Random(2), time.time()
    model = IncidentQueueModel(clock=lambda: now)
    cases = {i: row(i, rng, now) for i in range(1, 301)}
    model.upsert_many(cases.values())
    model.set_filter("status", "ack")
    signals = Signals(model)
    next_id = 301
    for step in range(600):
        action = rng.random()
        if action < 0.4:  # a case changes: new status, new deadline
            case_id = rng.choice(list(cases))
            cases[case_id] = {**row(case_id, rng, now), "version": cases[case_id]["version"] + 1}
            model.upsert(cases[case_id])
        elif action < 0.7:
            cases[next_id] = row(next_id, rng, now)
            model.upsert(cases[next_id])
            next_id += 1
        else:
            case_id = rng.choice(list(cases))
            del cases[case_id]
            model.remove(case_id)
        if step % 50 == 0:
            assert shown_ids(model) == expected(cases, "ack"), step
    assert shown_ids(model) == expected(cases, "ack")
    assert signals.counts["reset"] == 0 and signals.counts["move"] > 0  # rows moved in place, never re-sorted
    model.set_filter("status", "")
    assert shown_ids(model) == expected(cases)


def test_the_countdown_tick_repaints_only_the_rows_on_screen(qgis_new_project: Any, qtbot: Any) -> None:
    from plugin.gui.queue_dock import QueueDock

    live = LiveMap(LayerSet(qgis_new_project))
    dock = QueueDock(Dispatcher(ServiceClient("http://127.0.0.1:9", "k"), live))
    qtbot.addWidget(dock)
    dock.resize(500, 400)
    dock.show()
    rng, now = random.Random(3), time.time()
    live.incidents_loaded.emit([row(i, rng, now) for i in range(1, 5001)])
    assert dock.model.rowCount() == 5000
    signals = Signals(dock.model)
    dock.tick()
    first, last = dock.visible_rows()
    assert 0 <= first < last < 100  # a screenful, not 5,000
    assert signals.counts["changed"] == [(first, last)]
    # Scrolled to the end: the tick follows what is on screen.
    dock.table.scrollToBottom()
    dock.tick()
    assert signals.counts["changed"][-1][1] == 4999 and signals.counts["changed"][-1][0] > 4900
