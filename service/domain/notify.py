"""Outbound notifications (SMS gateway, WeCom / DingTalk robot webhooks): who is told what, when a case is
assigned, whistled, returned or sent back, or an SLA clock breaches. Plain Python: which notifications an
event makes, where each goes (configuration), and when a failed one is tried again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from service.domain.catalog import CATEGORIES
from service.domain.events import EventKind, LoggedEvent
from service.domain.lifecycle import Action, VerifyOutcome

CENTER = "center"  # the command center's own duty channel


class NotificationKind(StrEnum):
    ASSIGNED = "assigned"        # a unit was sent to a case
    WHISTLED = "whistled"        # a department was called in (吹哨)
    RETURNED = "returned"        # verification failed, or the reporter reopened it: back to its handlers
    SENT_BACK = "sent_back"      # a department returned a case to the center
    BREACHED = "breached"        # an SLA clock ran out


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"            # every attempt failed
    NO_ROUTE = "no_route"        # nobody configured to receive it: recorded, not sent


@dataclass(frozen=True)
class Notification:
    kind: NotificationKind
    recipient: str               # "unit:17", "department:城管" or "center"
    incident_id: int
    text: str


def _what(payload: Mapping[str, Any]) -> str:
    category = CATEGORIES.get(payload.get("category") or "")
    name = category.name_zh if category else payload.get("category") or ""
    where = payload.get("address") or payload.get("micro_grid") or ""
    return f"案件#{payload.get('id')} {name} {where}".strip()


def notifications_for(event: LoggedEvent) -> list[Notification]:
    """What an event on the log makes known, to whom (none for most events)."""
    p = event.payload
    if event.kind == EventKind.SLA_BREACHED.value:
        return [Notification(NotificationKind.BREACHED, CENTER, int(p["incident_id"]),
                             f"超时：案件#{p['incident_id']} 的 {p.get('clock')} 时限已到 (deadline {p.get('deadline')})")]
    if event.kind != EventKind.INCIDENT_UPDATED.value or not p.get("last_action"):
        return []
    last, case_id = p["last_action"], int(p["id"])
    action, at = last.get("action"), last.get("at")
    departments: dict[str, dict[str, Any]] = p.get("departments") or {}
    what = _what(p)
    if action in (Action.DISPATCH.value, Action.REASSIGN.value) and p.get("assigned_unit") is not None:
        return [Notification(NotificationKind.ASSIGNED, f"unit:{p['assigned_unit']}", case_id, f"新任务：{what}")]
    if action == Action.WHISTLE.value:
        return [Notification(NotificationKind.WHISTLED, f"department:{d}", case_id, f"吹哨报到：{what}")
                for d, e in departments.items() if e.get("whistled_at") == at]
    if (action == Action.VERIFY.value and last.get("outcome") == VerifyOutcome.FAIL.value) or action == Action.REOPEN.value:
        why = last.get("reason") or last.get("note") or ""
        handlers = [f"department:{d}" for d, e in departments.items() if not e.get("sent_back_at")]
        if p.get("assigned_unit") is not None:
            handlers.append(f"unit:{p['assigned_unit']}")
        return [Notification(NotificationKind.RETURNED, h, case_id, f"退回重办：{what}：{why}") for h in handlers]
    if action == Action.SEND_BACK.value:
        return [Notification(NotificationKind.SENT_BACK, CENTER, case_id,
                             f"{last.get('department')} 退回：{what}：{last.get('reason') or ''}")]
    return []


def route(recipient: str, webhooks: Mapping[str, str]) -> str | None:
    """The webhook for a recipient: its own ("department:城管"), its kind's ("department:*"), or "*"."""
    kind = recipient.split(":", 1)[0]
    return webhooks.get(recipient) or webhooks.get(f"{kind}:*") or webhooks.get("*")


def next_attempt(attempts: int, *, now: datetime, base_seconds: float, max_attempts: int) -> datetime | None:
    """When to try again after `attempts` failures (doubling), or None: give up."""
    if attempts >= max_attempts:
        return None
    return now + timedelta(seconds=base_seconds * 2 ** (attempts - 1))
