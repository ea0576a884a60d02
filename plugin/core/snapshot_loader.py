"""Fills the live map from the service in batches without blocking the GUI: boundaries and units first,
then open incidents page by page; each page is applied a few thousand features per timer tick, so the map
and the queue stay usable while 100,000 cases arrive, and the operator sees how far it has come."""

from __future__ import annotations

from collections import deque
from typing import Any

from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from .client import ApiResult, ServiceClient
from .definitions import AREA_LAYERS, LayerId
from .live import LiveMap

SNAPSHOT_PATH = "/api/v1/snapshot"
INCIDENT_PAGES_PATH = "/api/v1/snapshot/incidents"
PAGE_SIZE = 10_000
FEATURES_PER_TICK = 2_500  # about 30-50 ms of layer and queue work: the GUI answers between ticks


class SnapshotLoader(QObject):
    """One load: `start()`, then `progress(done, total)` as batches land, `finished(last_event_id)` at the
    end (resume the stream from it), or `failed(message)`."""

    progress = pyqtSignal(int, int)
    finished = pyqtSignal(int)
    failed = pyqtSignal(str)

    def __init__(self, client: ServiceClient, live: LiveMap, *, page_size: int = PAGE_SIZE,
                 per_tick: int = FEATURES_PER_TICK, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.live = live
        self.page_size = page_size
        self.per_tick = per_tick
        self.last_event_id: int | None = None
        self.total = 0
        self.done = 0
        self._queue: deque[list[Any]] = deque()   # compact rows (columns in self._columns)
        self._columns: list[str] = []
        self._next_after: int | None = None
        self._fetching = False
        self._running = False
        self._timer = QTimer(self)
        self._timer.setInterval(0)  # runs when the event loop is idle: input and paint events come first
        self._timer.timeout.connect(self._apply_batch)

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        self._running = True
        self.done = self.total = 0
        self._queue.clear()
        layers = [layer.value for layer in AREA_LAYERS] + [LayerId.UNITS.value]
        self.client.get(SNAPSHOT_PATH, self._boundaries_loaded, params={"layers": ",".join(layers)})

    def stop(self) -> None:
        self._running = False
        self._timer.stop()
        self._queue.clear()

    def _boundaries_loaded(self, result: ApiResult) -> None:
        if not self._running:
            return
        if not result.ok:
            self._fail(result.error)
            return
        # The stream resumes from the first answer's event id: later pages may hold newer states, which
        # the stream then repeats and LiveMap ignores by version: no gap, and nothing applied twice.
        self.last_event_id = int(result.data["last_event_id"])
        self.live.load_snapshot(result.data)
        self.live.clear_incidents()
        self._fetch(0)

    def _fetch(self, after_id: int) -> None:
        self._fetching = True
        self.client.get(INCIDENT_PAGES_PATH, self._page_loaded,
                        params={"after_id": after_id, "limit": self.page_size, "format": "rows"})

    def _page_loaded(self, result: ApiResult) -> None:
        self._fetching = False
        if not self._running:
            return
        if not result.ok:
            self._fail(result.error)
            return
        data = result.data
        if "open_incidents" in data:
            self.total = int(data["open_incidents"])
        self._columns = list(data["columns"])
        self._queue.extend(data["rows"])
        self._next_after = data.get("next_after_id")
        # The next page is on its way while this one is applied.
        if self._next_after is not None:
            self._fetch(self._next_after)
        if not self._timer.isActive():
            self._timer.start()
        self.progress.emit(self.done, max(self.total, self.done + len(self._queue)))

    def _apply_batch(self) -> None:
        if not self._running:
            self._timer.stop()
            return
        batch = [self._queue.popleft() for _ in range(min(self.per_tick, len(self._queue)))]
        if batch:
            self.live.add_incident_rows(self._columns, batch)
            self.done += len(batch)
            self.progress.emit(self.done, max(self.total, self.done + len(self._queue)))
        if self._queue:
            return
        self._timer.stop()
        if not self._fetching and self._next_after is None:
            self._running = False
            self.finished.emit(self.last_event_id or 0)

    def _fail(self, message: str) -> None:
        self.stop()
        self.failed.emit(message)
