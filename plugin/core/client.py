"""Asynchronous HTTP + JSON to the service through QGIS's own network manager (proxy, SSL, auth as QGIS
has them). Every call returns at once; its callback runs on the GUI thread when the answer is in.

The client knows one or more addresses of the same service (processes on one database): when one cannot be
reached it moves to the next and sends the request again there."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QByteArray, QObject, QUrl, pyqtSignal
from qgis.PyQt.QtNetwork import QHttpMultiPart, QHttpPart, QNetworkReply, QNetworkRequest


@dataclass
class ApiResult:
    status: int
    data: Any
    error: str = ""
    details: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not self.error

    @property
    def conflict(self) -> bool:
        return self.status == 409


Callback = Callable[[ApiResult], None]


class ServiceClient(QObject):
    address_changed = pyqtSignal(str)   # the address now in use, after a failure of the previous one

    def __init__(self, base_url: str | list[str], token: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self.addresses = [u.rstrip("/") for u in urls if u] or [""]
        self.current = 0
        self.token = token
        self._pending: set[QNetworkReply] = set()

    @property
    def base_url(self) -> str:
        return self.addresses[self.current]

    def fail_over(self) -> str:
        """Move to the next address (round robin); returns it."""
        if len(self.addresses) > 1:
            self.current = (self.current + 1) % len(self.addresses)
            self.address_changed.emit(self.base_url)
        return self.base_url

    def request(self, path: str, params: dict[str, Any] | None = None) -> QNetworkRequest:
        url = self.base_url + path + ("?" + urlencode(params) if params else "")
        req = QNetworkRequest(QUrl(url))
        req.setRawHeader(b"Authorization", f"Bearer {self.token}".encode())
        req.setRawHeader(b"Accept", b"application/json")
        req.setAttribute(QNetworkRequest.CacheLoadControlAttribute, QNetworkRequest.AlwaysNetwork)
        return req

    def get(self, path: str, callback: Callback, params: dict[str, Any] | None = None) -> QNetworkReply:
        def send() -> QNetworkReply:
            return QgsNetworkAccessManager.instance().get(self.request(path, params))
        return self._track(send, callback, len(self.addresses) - 1)

    def post(self, path: str, body: dict[str, Any], callback: Callback) -> QNetworkReply:
        payload = QByteArray(json.dumps(body, ensure_ascii=False).encode())

        def send() -> QNetworkReply:
            req = self.request(path)
            req.setHeader(QNetworkRequest.ContentTypeHeader, "application/json")
            return QgsNetworkAccessManager.instance().post(req, payload)
        # Sending again elsewhere is safe: actions carry the version seen (a repeat is a 409), not a new write.
        return self._track(send, callback, len(self.addresses) - 1)

    def post_form(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]],
                  callback: Callback) -> QNetworkReply:
        """A multipart/form-data POST (fields, and files as name -> (file name, bytes, media type))."""
        def send() -> QNetworkReply:
            multipart = QHttpMultiPart(QHttpMultiPart.FormDataType)  # afresh per send: a sent body is consumed
            for name, value in fields.items():
                part = QHttpPart()
                part.setHeader(QNetworkRequest.ContentDispositionHeader, f'form-data; name="{name}"')
                part.setBody(value.encode())
                multipart.append(part)
            for name, (filename, data, media_type) in files.items():
                part = QHttpPart()
                part.setHeader(QNetworkRequest.ContentDispositionHeader, f'form-data; name="{name}"; filename="{filename}"')
                part.setHeader(QNetworkRequest.ContentTypeHeader, media_type)
                part.setBody(data)
                multipart.append(part)
            reply = QgsNetworkAccessManager.instance().post(self.request(path), multipart)
            multipart.setParent(reply)  # the body lives as long as the request
            return reply
        # Sending again elsewhere is safe: a publish names the revision it was drawn on (a repeat is a 409).
        return self._track(send, callback, len(self.addresses) - 1)

    def _track(self, send: Callable[[], QNetworkReply], callback: Callback, retries: int) -> QNetworkReply:
        reply = send()
        self._pending.add(reply)
        reply.finished.connect(lambda: self._finished(reply, send, callback, retries))
        return reply

    def _finished(self, reply: QNetworkReply, send: Callable[[], QNetworkReply], callback: Callback,
                  retries: int) -> None:
        self._pending.discard(reply)
        unreachable = reply.error() in UNREACHABLE
        result = read_reply(reply)
        reply.deleteLater()
        if unreachable and retries > 0:
            self.fail_over()
            self._track(send, callback, retries - 1)
            return
        callback(result)

    def abort_all(self) -> None:
        for reply in list(self._pending):
            reply.abort()


# The address is down (not: the service answered with an error, or we aborted): try the next one.
UNREACHABLE = frozenset({QNetworkReply.ConnectionRefusedError, QNetworkReply.RemoteHostClosedError,
                         QNetworkReply.HostNotFoundError, QNetworkReply.TimeoutError,
                         QNetworkReply.TemporaryNetworkFailureError, QNetworkReply.NetworkSessionFailedError,
                         QNetworkReply.UnknownNetworkError})


def read_reply(reply: QNetworkReply) -> ApiResult:
    """A finished reply as a result: data when JSON, the service's own message when an error."""
    status = reply.attribute(QNetworkRequest.HttpStatusCodeAttribute) or 0
    raw = bytes(reply.readAll())
    data: Any = None
    if raw:
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw.decode("utf-8", errors="replace")
    if reply.error() != QNetworkReply.NoError and not status:
        return ApiResult(0, None, f"the service cannot be reached ({reply.errorString()})")
    if status >= 400:
        error = data.get("error", {}) if isinstance(data, dict) else {}
        message = error.get("message") if isinstance(error, dict) else None
        return ApiResult(status, data, message or f"HTTP {status}", error if isinstance(error, dict) else None)
    return ApiResult(status, data)
