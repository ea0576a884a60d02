"""The service's one root exception and the few kinds the HTTP layer turns into status codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class GridCommandError(Exception):
    """Root of every error the service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class FieldProblem:
    """One bad field: where it is (dotted path) and why it was refused."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


class InvalidInput(GridCommandError):
    """The request is well-formed but one or more fields are unacceptable (HTTP 422/400)."""

    def __init__(self, problems: list[FieldProblem] | FieldProblem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in self.problems))

    @classmethod
    def one(cls, field: str, reason: str) -> InvalidInput:
        return cls(FieldProblem(field, reason))


class NotFound(GridCommandError):
    """The named thing does not exist (HTTP 404)."""


class Conflict(GridCommandError):
    """The action collides with the current state (HTTP 409); carries that state."""

    def __init__(self, message: str, *, current: dict[str, Any] | None = None,
                 allowed: list[str] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}
        self.allowed = allowed or []


class AccessDenied(GridCommandError):
    """The key is missing, unknown (HTTP 401) or lacks the role (HTTP 403)."""

    def __init__(self, message: str, *, authenticated: bool) -> None:
        super().__init__(message)
        self.authenticated = authenticated


@dataclass
class ItemOutcome:
    """What happened to one item of a batch: accepted (with its id) or refused (with problems)."""

    index: int
    id: int | None = None
    created: bool = False
    duplicate_of: int | None = None
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems


class Throttled(GridCommandError):
    """Too many attempts from one client or device (HTTP 429 with Retry-After seconds)."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
