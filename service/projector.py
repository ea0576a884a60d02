"""The projector: the one way an in-process view changes.

The rule, for every newcomer:
- The event log is the record of what happened; its ids are global, gap-free and in commit order.
- A view (duplicate index, fleet, locator, SLA schedule, key cache) changes ONLY in `apply(event)`,
  called here in id order. A view is built at start from the tables (or from zero) as of event id N,
  then follows the log from N + 1.
- A writer (a flow) writes rows and appends their events in ONE transaction, and touches no view.
  After the commit it hands its event ids to `committed(...)`, which returns once the projector has
  applied them: the next request on this process sees the write (read-your-writes).
- Other processes' writes arrive through the tail: a wake-up (PostgreSQL NOTIFY, or this process's
  own commits) or, at the latest, the poll interval, then `catch_up()` reads the log after the last
  applied id. Whoever must match against the newest state (intake, before matching duplicates) calls
  `catch_up()` first, inside its serialized write transaction.
- Every applied batch is published once to the stream fan-out (`EventHub`), never read per client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import orjson

from service.domain.events import LoggedEvent, NewEvent
from service.store import events as event_log
from service.store.db import Database

log = logging.getLogger(__name__)

READ_BATCH = 1000


class View(Protocol):
    def apply(self, event: LoggedEvent) -> None: ...


def _batch_done(view: View) -> None:
    done = getattr(view, "batch_done", None)  # optional: a view that rebuilds something once per batch
    if done is not None:
        done()


class Projector:
    def __init__(self, *, db: Database, start_id: int, views: Sequence[View],
                 publish: Callable[[list[LoggedEvent]], None], poll_seconds: float = 1.0) -> None:
        self._db = db
        self._views = list(views)
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._applied = start_id
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watermark = event_log.Watermark(db.reader)

    @property
    def applied_id(self) -> int:
        return self._applied

    def add_view(self, view: View) -> None:
        with self._lock:
            self._views.append(view)

    # --- writers -------------------------------------------------------------------------------
    def committed(self, ids: Sequence[int], events: Sequence[NewEvent]) -> None:
        """The events a writer just committed (ids as `append` returned them): applied when this returns.

        When they are the very next ones they are applied as given (their payloads round-tripped
        through JSON, so a view sees exactly what the log holds); otherwise the log is read.
        """
        if not ids:
            return
        with self._lock:
            if ids[0] == self._applied + 1 and len(ids) == len(events):
                self._apply([LoggedEvent(i, e.kind.value, e.subject.value, e.subject_id,
                                         orjson.loads(orjson.dumps(e.payload)), e.occurred_at)
                             for i, e in zip(ids, events, strict=True)])
            elif ids[-1] > self._applied:
                self._catch_up_locked()

    def wait_for(self, event_id: int) -> None:
        """Return once every event up to `event_id` is applied (it must be committed already)."""
        if self._applied < event_id:
            self.catch_up()

    # --- the tail ------------------------------------------------------------------------------
    def catch_up(self) -> int:
        """Apply everything committed so far; returns the last applied id."""
        with self._lock:
            return self._catch_up_locked()

    def _catch_up_locked(self) -> int:
        if self._watermark.read() <= self._applied:  # the usual answer, in microseconds
            return self._applied
        while True:
            with self._db.read() as session:
                batch = event_log.read_logged_after(session, self._applied, limit=READ_BATCH)
            if batch:
                self._apply(batch)
            if len(batch) < READ_BATCH:
                return self._applied

    def _apply(self, batch: list[LoggedEvent]) -> None:
        for event in batch:
            for view in self._views:
                try:
                    view.apply(event)
                except Exception:  # one bad event must not stop every view from following the log
                    log.exception("view %s failed on event %d (%s)", type(view).__name__, event.id, event.kind)
        for view in self._views:
            try:
                _batch_done(view)
            except Exception:
                log.exception("view %s failed to finish a batch", type(view).__name__)
        self._applied = batch[-1].id
        self._publish(batch)

    def wake(self) -> None:
        """Something was committed (any thread, any process's notice): the tail reads the log now."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="projector", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        with self._lock:
            self._watermark.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll_seconds)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.catch_up()
            except Exception:  # the database may be away for a moment; the next wake-up retries
                log.warning("projector: reading the log failed", exc_info=True)
