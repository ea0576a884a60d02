"""The live stream: SSE from the service, resumed with Last-Event-ID, reconnecting with back-off."""

from __future__ import annotations

import json
import time

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal
from qgis.PyQt.QtNetwork import QNetworkReply, QNetworkRequest

from .client import ServiceClient
from .definitions import ConnectionState
from .sse import SseParser

BACKOFF_S = (1, 2, 4, 8, 15, 30)
FAILOVER_MS = 250  # another process of the same service: try it at once, back off only after a full round
SILENCE_LIMIT_MS = 45_000  # three missed heartbeats: the connection is dead even if TCP says otherwise


class LiveStream(QObject):
    """Emits every event after `last_event_id`; on any drop, reconnects and resumes exactly there."""

    event_received = pyqtSignal(object)  # a dict, passed as is (no QVariantMap round trip)
    state_changed = pyqtSignal(str)

    def __init__(self, client: ServiceClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._reply: QNetworkReply | None = None
        self._parser = SseParser()
        self.last_event_id: int = 0
        self.last_event_at: float | None = None
        self.state = ConnectionState.DISCONNECTED
        self._attempt = 0
        self._wanted = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._open)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.setInterval(SILENCE_LIMIT_MS)
        self._watchdog.timeout.connect(self.drop)  # silence: the connection is dead, resume it

    @property
    def client(self) -> ServiceClient:
        return self._client

    @property
    def address(self) -> str:
        return self._client.base_url

    def start(self, after_event_id: int) -> None:
        self.last_event_id = after_event_id
        self._wanted = True
        self._attempt = 0
        self._set_state(ConnectionState.CONNECTING)
        self._open()

    def stop(self) -> None:
        self._wanted = False
        self._retry.stop()
        self._watchdog.stop()
        if self._reply is not None:
            reply, self._reply = self._reply, None
            reply.abort()
            reply.deleteLater()
        self._set_state(ConnectionState.DISCONNECTED)

    def drop(self) -> None:
        """Cut the connection as a network failure would (tests, and the watchdog)."""
        if self._reply is not None:
            self._reply.abort()

    def _open(self) -> None:
        if not self._wanted:
            return
        req = self._client.request("/api/v1/stream")
        req.setRawHeader(b"Accept", b"text/event-stream")
        req.setRawHeader(b"Last-Event-ID", str(self.last_event_id).encode())
        req.setAttribute(QNetworkRequest.CacheLoadControlAttribute, QNetworkRequest.AlwaysNetwork)
        self._parser = SseParser()
        reply = QgsNetworkAccessManager.instance().get(req)
        self._reply = reply
        reply.readyRead.connect(lambda: self._read(reply))
        reply.finished.connect(lambda: self._finished(reply))
        self._watchdog.start()

    def _read(self, reply: QNetworkReply) -> None:
        if reply is not self._reply:
            return
        self._watchdog.start()
        status = reply.attribute(QNetworkRequest.HttpStatusCodeAttribute)
        if status and status >= 400:
            return  # finished() reports it
        if self.state is not ConnectionState.CONNECTED:
            self._attempt = 0
            self._set_state(ConnectionState.CONNECTED)
        for event in self._parser.feed(bytes(reply.readAll())):
            if event.id is None or not event.id.isdigit() or int(event.id) <= self.last_event_id:
                continue  # never apply an event twice
            self.last_event_id = int(event.id)
            self.last_event_at = time.monotonic()
            try:
                payload = json.loads(event.data)
            except ValueError:
                continue
            self.event_received.emit(payload)

    def _finished(self, reply: QNetworkReply) -> None:
        if reply is not self._reply:
            return
        self._read(reply)
        status = reply.attribute(QNetworkRequest.HttpStatusCodeAttribute) or 0
        failed = reply.error() != QNetworkReply.NoError
        self._reply = None
        reply.deleteLater()
        self._watchdog.stop()
        if not self._wanted:
            return
        if status in (401, 403):
            self._wanted = False
            self._set_state(ConnectionState.DISCONNECTED)
            self.state_changed.emit(f"refused:{status}")
            return
        delay_ms = BACKOFF_S[min(self._attempt, len(BACKOFF_S) - 1)] * 1000
        addresses = len(self._client.addresses)
        if failed and addresses > 1:
            # Event ids are global across the service's processes: the next one resumes exactly here.
            self._client.fail_over()
            if self._attempt < addresses:
                delay_ms = FAILOVER_MS
        self._attempt += 1
        self._set_state(ConnectionState.RECONNECTING)
        self._retry.start(delay_ms)

    def _set_state(self, state: ConnectionState) -> None:
        if state is not self.state:
            self.state = state
            self.state_changed.emit(state.value)
