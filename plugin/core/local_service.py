"""Runs the bundled service beside QGIS (QProcess), and stops it when the plugin unloads."""

from __future__ import annotations

import time
from urllib.parse import urlparse

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, QUrl, pyqtSignal
from qgis.PyQt.QtNetwork import QNetworkReply, QNetworkRequest

from .paths import service_root
from .settings import PluginSettings

HEALTH_WAIT_S = 30


class LocalService(QObject):
    started = pyqtSignal(str)     # the local operator key
    failed = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self._output = b""
        self._token: str | None = None
        self._url = ""
        self._deadline = 0.0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.NotRunning

    def start(self, settings: PluginSettings) -> None:
        if self.running:
            return
        url = urlparse(settings.addresses()[0])
        data_dir = settings.service_data_dir()
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("GRIDCOMMAND_DATA_DIR", str(data_dir))
        process.setProcessEnvironment(env)
        process.setWorkingDirectory(str(service_root()))
        process.setProcessChannelMode(QProcess.MergedChannels)
        process.readyReadStandardOutput.connect(lambda: self._read(process, data_dir))
        process.errorOccurred.connect(lambda _: self.failed.emit(process.errorString()))
        process.finished.connect(lambda code, _status: self._finished(code))
        self.process = process
        self._output = b""
        self._token = None
        self._url = settings.addresses()[0]
        process.start(settings.python_for_service(), ["-m", "service", "serve", "--host", url.hostname or "127.0.0.1",
                                                      "--port", str(url.port or 8765)])

    def _read(self, process: QProcess, data_dir) -> None:  # type: ignore[no-untyped-def]
        self._output += bytes(process.readAllStandardOutput())
        if b"operator key" in self._output and self._token is None:
            key_file = data_dir / "operator.key"
            if key_file.exists():
                self._token = key_file.read_text().strip()
                self._deadline = time.monotonic() + HEALTH_WAIT_S
                self._probe()

    def _probe(self) -> None:
        """The key is printed before the server binds: announce the service once /health answers."""
        reply = QgsNetworkAccessManager.instance().get(QNetworkRequest(QUrl(self._url + "/health")))
        reply.finished.connect(lambda: self._probed(reply))

    def _probed(self, reply: QNetworkReply) -> None:
        ok = reply.error() == QNetworkReply.NoError
        reply.deleteLater()
        if not self.running or self._token is None:
            return
        if ok:
            self.started.emit(self._token)
        elif time.monotonic() < self._deadline:
            QTimer.singleShot(300, self._probe)
        else:
            self.failed.emit(f"the local service did not answer on {self._url} within {HEALTH_WAIT_S} s")

    def _finished(self, code: int) -> None:
        if code != 0:
            tail = self._output.decode("utf-8", errors="replace")[-600:]
            self.failed.emit(f"the local service stopped (exit {code}): {tail}")

    def stop(self) -> None:
        if self.process is None:
            return
        process, self.process = self.process, None
        process.finished.disconnect()
        if process.state() != QProcess.NotRunning:
            process.terminate()
            if not process.waitForFinished(5000):
                process.kill()
                process.waitForFinished(2000)
