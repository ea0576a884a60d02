"""The operator's words for what the service sends as codes: statuses, urgency, category families, unit types
and states, SLA clocks. English here (Qt source strings), Chinese in resources/i18n; legends, the queue and
messages all say things through these, never through internal style keys."""

from __future__ import annotations

from .definitions import CaseStatus, SlaClock, Urgency
from .i18n import tr


def _status_names() -> dict[str, str]:
    return {CaseStatus.RECEIVED.value: tr("received"), CaseStatus.ACKNOWLEDGED.value: tr("acknowledged"),
            CaseStatus.DISPATCHED.value: tr("dispatched"), CaseStatus.EN_ROUTE.value: tr("unit en route"),
            CaseStatus.ON_SCENE.value: tr("unit on scene"), CaseStatus.RESOLVED.value: tr("resolved"),
            CaseStatus.CLOSED.value: tr("closed"), CaseStatus.CANCELLED.value: tr("cancelled"),
            CaseStatus.DUPLICATE.value: tr("duplicate")}


def status_name(status: str) -> str:
    return _status_names().get(status, status)


def urgency_name(urgency: str) -> str:
    return {Urgency.BREACHED.value: tr("SLA breached"), Urgency.DUE.value: tr("SLA due soon"),
            Urgency.RUNNING.value: tr("within SLA"), Urgency.NONE.value: tr("no SLA clock")}.get(urgency, urgency)


def family_name(shape: str) -> str:
    """Category families, drawn as marker shapes (definitions.CASE_SHAPES)."""
    return {"circle": tr("event"), "square": tr("city component"), "triangle": tr("dispute"),
            "star": tr("help request")}.get(shape, shape)


def unit_type_name(unit_type: str) -> str:
    return {"patrol": tr("patrol"), "grid_worker": tr("grid worker"), "law_enforcement": tr("law enforcement"),
            "mediation": tr("mediation team"), "department": tr("department contact")}.get(unit_type, unit_type)


def unit_state_name(state: str) -> str:
    return {"free": tr("available"), "busy": tr("busy"), "stale": tr("no recent position")}.get(state, state)


def sla_clock_name(clock: str) -> str:
    return {SlaClock.ACKNOWLEDGE.value: tr("acknowledge deadline"), SlaClock.ON_SCENE.value: tr("on-scene deadline"),
            SlaClock.LAW_ENFORCEMENT.value: tr("law-enforcement deadline"),
            SlaClock.MEDIATION.value: tr("mediation deadline")}.get(clock, clock)


def case_style_label(style: str) -> str:
    """A legend entry for an incident style key ("breached|circle|big" → "SLA breached · event · urgent")."""
    colour, shape, size = (style.split("|") + ["", "", ""])[:3]
    first = urgency_name(colour) if colour in (Urgency.BREACHED.value, Urgency.DUE.value) else status_name(colour)
    parts = [first, family_name(shape)]
    if size == "big":
        parts.append(tr("urgent"))
    return " · ".join(parts)


def unit_style_label(style: str) -> str:
    unit_type, state = (style.split("|") + ["", ""])[:2]
    return f"{unit_type_name(unit_type)} · {unit_state_name(state)}"


def channel_name(channel: str) -> str:
    return {"police110": tr("110 transfer"), "hotline12345": tr("12345 hotline"), "citymgmt": tr("city management"),
            "open311": tr("resident report"), "onlinehelp": tr("online help"),
            "operator": tr("operator")}.get(channel, channel)
