"""Case statuses and which action may move a case from which status (the dispatch lifecycle).

received -> acknowledged -> dispatched -> en_route -> on_scene -> resolved -> closed, with
escalation to law enforcement, referral to mediation, whistling in departments, reassignment,
cancellation and marking as duplicate along the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from service.domain.errors import Conflict, InvalidInput


class CaseStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"


OPEN_STATUSES = frozenset({CaseStatus.RECEIVED, CaseStatus.ACKNOWLEDGED, CaseStatus.DISPATCHED,
                           CaseStatus.EN_ROUTE, CaseStatus.ON_SCENE})


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"                      # assign a unit
    EN_ROUTE = "en_route"
    ARRIVE = "arrive"
    RESOLVE = "resolve"
    CLOSE = "close"
    REASSIGN = "reassign"
    ESCALATE = "escalate"                      # to law enforcement
    REFER_MEDIATION = "refer_mediation"
    MEDIATION_FOLLOW_UP = "mediation_follow_up"
    WHISTLE = "whistle"                        # call line departments in
    DEPARTMENT_ACKNOWLEDGE = "department_acknowledge"
    CANCEL = "cancel"
    MARK_DUPLICATE = "mark_duplicate"


class Milestone(StrEnum):
    """Moments the SLA clocks start or stop on."""

    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ESCALATED = "escalated"
    LAW_ENFORCEMENT_LINKED = "law_enforcement_linked"
    MEDIATION_REFERRED = "mediation_referred"
    MEDIATION_FOLLOWED_UP = "mediation_followed_up"


S = CaseStatus
_ACTIVE = frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE})
_WITH_UNIT = frozenset({S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE})

# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[CaseStatus], CaseStatus | None]] = {
    Action.ACKNOWLEDGE: (frozenset({S.RECEIVED}), S.ACKNOWLEDGED),
    Action.DISPATCH: (frozenset({S.RECEIVED, S.ACKNOWLEDGED}), S.DISPATCHED),
    Action.EN_ROUTE: (frozenset({S.DISPATCHED}), S.EN_ROUTE),
    Action.ARRIVE: (frozenset({S.DISPATCHED, S.EN_ROUTE}), S.ON_SCENE),
    Action.RESOLVE: (frozenset({S.ACKNOWLEDGED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE}), S.RESOLVED),
    Action.CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    Action.REASSIGN: (_WITH_UNIT, S.DISPATCHED),
    Action.ESCALATE: (_ACTIVE, None),
    Action.REFER_MEDIATION: (_ACTIVE, None),
    Action.MEDIATION_FOLLOW_UP: (_ACTIVE | {S.RESOLVED}, None),
    Action.WHISTLE: (_ACTIVE, None),
    Action.DEPARTMENT_ACKNOWLEDGE: (_ACTIVE | {S.RESOLVED}, None),
    Action.CANCEL: (_ACTIVE, S.CANCELLED),
    Action.MARK_DUPLICATE: (_ACTIVE, S.DUPLICATE),
}

MILESTONE_OF: dict[Action, Milestone] = {
    Action.ACKNOWLEDGE: Milestone.ACKNOWLEDGED, Action.DISPATCH: Milestone.DISPATCHED,
    Action.ARRIVE: Milestone.ON_SCENE, Action.RESOLVE: Milestone.RESOLVED, Action.CLOSE: Milestone.CLOSED,
    Action.ESCALATE: Milestone.ESCALATED, Action.REFER_MEDIATION: Milestone.MEDIATION_REFERRED,
    Action.MEDIATION_FOLLOW_UP: Milestone.MEDIATION_FOLLOWED_UP,
}


def allowed_actions(status: CaseStatus) -> list[str]:
    return [a.value for a, (sources, _) in TRANSITIONS.items() if status in sources]


@dataclass(frozen=True)
class CaseState:
    """What the lifecycle needs to know of a case."""

    status: CaseStatus
    version: int
    assigned_unit: int | None
    milestones: dict[str, str]
    departments: dict[str, dict[str, str | None]]


@dataclass(frozen=True)
class ActionRequest:
    action: Action
    actor: str
    version: int
    note: str | None = None
    unit_id: int | None = None
    unit_type: str | None = None        # the type of unit_id, looked up by the caller
    departments: tuple[str, ...] = ()
    department: str | None = None
    duplicate_of: int | None = None


@dataclass(frozen=True)
class Transition:
    """The outcome of a legal action: the new state, and which units to free or to take."""

    status: CaseStatus
    assigned_unit: int | None
    milestones: dict[str, str]
    departments: dict[str, dict[str, str | None]]
    release_unit: int | None = None
    take_unit: int | None = None
    duplicate_of: int | None = None


def plan(state: CaseState, request: ActionRequest, *, now: datetime,
         known_departments: frozenset[str] = frozenset()) -> Transition:
    """Check an action against the case's state; raise Conflict or InvalidInput, or return the Transition."""
    current = {"status": state.status.value, "version": state.version, "assigned_unit": state.assigned_unit}
    if request.version != state.version:
        raise Conflict(f"the case changed (version {state.version}, you sent {request.version}); "
                       "reload it and decide again", current=current, allowed=allowed_actions(state.status))
    sources, target = TRANSITIONS[request.action]
    if state.status not in sources:
        raise Conflict(f"cannot {request.action.value} a case that is {state.status.value}",
                       current=current, allowed=allowed_actions(state.status))
    stamp = now.isoformat()
    milestones = dict(state.milestones)
    departments = {k: dict(v) for k, v in state.departments.items()}
    release = take = duplicate_of = None
    assigned = state.assigned_unit
    if request.action in (Action.DISPATCH, Action.REASSIGN):
        if request.unit_id is None:
            raise InvalidInput.one("unit_id", f"{request.action.value} needs the unit to send")
        if request.unit_id == state.assigned_unit:
            raise InvalidInput.one("unit_id", "that unit is already assigned to this case")
        release, take, assigned = state.assigned_unit, request.unit_id, request.unit_id
        if request.unit_type == "law_enforcement":
            milestones.setdefault(Milestone.LAW_ENFORCEMENT_LINKED.value, stamp)
    elif request.action is Action.WHISTLE:
        if not request.departments:
            raise InvalidInput.one("departments", "name at least one line department to whistle in")
        unknown = [d for d in request.departments if known_departments and d not in known_departments]
        if unknown:
            raise InvalidInput.one("departments", f"unknown department(s): {', '.join(unknown)}")
        for d in request.departments:
            departments.setdefault(d, {"whistled_at": stamp, "acknowledged_at": None})
    elif request.action is Action.DEPARTMENT_ACKNOWLEDGE:
        if request.department not in departments:
            raise InvalidInput.one("department", f"{request.department!r} was not whistled in on this case")
        if departments[request.department]["acknowledged_at"]:
            raise Conflict(f"{request.department} already acknowledged", current=current,
                           allowed=allowed_actions(state.status))
        departments[request.department]["acknowledged_at"] = stamp
    elif request.action is Action.MARK_DUPLICATE:
        if request.duplicate_of is None:
            raise InvalidInput.one("duplicate_of", "name the case this one duplicates")
        duplicate_of = request.duplicate_of
    if target in (S.RESOLVED, S.CANCELLED, S.DUPLICATE):
        release = state.assigned_unit  # the unit is free again; the case remembers who handled it
    milestone = MILESTONE_OF.get(request.action)
    if milestone is not None:
        milestones.setdefault(milestone.value, stamp)
    if request.action is Action.DISPATCH and Milestone.ACKNOWLEDGED.value not in milestones:
        milestones[Milestone.ACKNOWLEDGED.value] = stamp  # sending a unit acknowledges the case
    return Transition(status=target or state.status, assigned_unit=assigned, milestones=milestones,
                      departments=departments, release_unit=release, take_unit=take, duplicate_of=duplicate_of)
