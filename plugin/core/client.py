"""Asynchronous HTTP + JSON to the service through QGIS's own network manager (proxy, SSL, auth as QGIS
has them). Every call returns at once; its callback runs on the GUI thread when the answer is in."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QByteArray, QObject, QUrl
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
    def __init__(self, base_url: str, token: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._pending: set[QNetworkReply] = set()

    def request(self, path: str, params: dict[str, Any] | None = None) -> QNetworkRequest:
        url = self.base_url + path + ("?" + urlencode(params) if params else "")
        req = QNetworkRequest(QUrl(url))
        req.setRawHeader(b"Authorization", f"Bearer {self.token}".encode())
        req.setRawHeader(b"Accept", b"application/json")
        req.setAttribute(QNetworkRequest.CacheLoadControlAttribute, QNetworkRequest.AlwaysNetwork)
        return req

    def get(self, path: str, callback: Callback, params: dict[str, Any] | None = None) -> QNetworkReply:
        return self._track(QgsNetworkAccessManager.instance().get(self.request(path, params)), callback)

    def post(self, path: str, body: dict[str, Any], callback: Callback) -> QNetworkReply:
        req = self.request(path)
        req.setHeader(QNetworkRequest.ContentTypeHeader, "application/json")
        payload = QByteArray(json.dumps(body, ensure_ascii=False).encode())
        return self._track(QgsNetworkAccessManager.instance().post(req, payload), callback)

    def post_form(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes, str]],
                  callback: Callback) -> QNetworkReply:
        """A multipart/form-data POST (fields, and files as name -> (file name, bytes, media type))."""
        multipart = QHttpMultiPart(QHttpMultiPart.FormDataType)
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
        return self._track(reply, callback)

    def _track(self, reply: QNetworkReply, callback: Callback) -> QNetworkReply:
        self._pending.add(reply)
        reply.finished.connect(lambda: self._finished(reply, callback))
        return reply

    def _finished(self, reply: QNetworkReply, callback: Callback) -> None:
        self._pending.discard(reply)
        result = read_reply(reply)
        reply.deleteLater()
        callback(result)

    def abort_all(self) -> None:
        for reply in list(self._pending):
            reply.abort()


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
