"""Incremental Server-Sent Events parser: bytes in, complete events out (as the HTML spec reads them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SseEvent:
    id: str | None
    event: str
    data: str


class SseParser:
    def __init__(self) -> None:
        self._buffer = b""
        self._id: str | None = None
        self._event = ""
        self._data: list[str] = []
        self.retry_ms: int | None = None
        self.last_id: str | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        self._buffer += chunk
        events: list[SseEvent] = []
        while True:
            cut = self._buffer.find(b"\n")
            if cut < 0:
                return events
            line = self._buffer[:cut].rstrip(b"\r").decode("utf-8", errors="replace")
            self._buffer = self._buffer[cut + 1:]
            if line == "":
                if self._data:
                    event = SseEvent(self._id, self._event or "message", "\n".join(self._data))
                    if self._id is not None:
                        self.last_id = self._id
                    events.append(event)
                self._id, self._event, self._data = None, "", []
                continue
            if line.startswith(":"):
                continue  # a comment: the heartbeat
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._event = value
            elif name == "id":
                self._id = value
            elif name == "retry" and value.isdigit():
                self.retry_ms = int(value)
