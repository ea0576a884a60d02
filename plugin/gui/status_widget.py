"""The status bar widget: connected / reconnecting, and the age of the last event."""

from __future__ import annotations

import time

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QLabel, QWidget

from ..core.definitions import ConnectionState
from ..core.i18n import tr
from ..core.stream import LiveStream

COLOURS = {ConnectionState.CONNECTED: "#1a9850", ConnectionState.RECONNECTING: "#e6550d",
           ConnectionState.CONNECTING: "#e6550d", ConnectionState.DISCONNECTED: "#969696"}


class ConnectionStatus(QLabel):
    def __init__(self, stream: LiveStream, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stream = stream
        self.loading: tuple[int, int] | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(1000)
        stream.state_changed.connect(lambda _: self.refresh())
        stream.client.address_changed.connect(lambda _: self.refresh())
        self.refresh()

    def show_loading(self, done: int, total: int) -> None:
        """Snapshot progress; cleared once every case is on the map."""
        self.loading = None if done >= total else (done, total)
        self.refresh()

    def refresh(self) -> None:
        state = self.stream.state
        names = {ConnectionState.CONNECTED: tr("connected"), ConnectionState.RECONNECTING: tr("reconnecting"),
                 ConnectionState.CONNECTING: tr("connecting"), ConnectionState.DISCONNECTED: tr("disconnected")}
        age = ""
        if self.stream.last_event_at is not None:
            age = " · " + tr("last event {} s ago").format(int(time.monotonic() - self.stream.last_event_at))
        if self.loading is not None:
            age += " · " + tr("loading cases {} / {}").format(*self.loading)
        where = ""
        if len(self.stream.client.addresses) > 1:  # several processes: say which one serves us
            where = " · " + tr("on {}").format(self.stream.address.split("://")[-1])
        self.setText(f'<span style="color:{COLOURS[state]}">●</span> GridCommand {names[state]}{where}{age}')
