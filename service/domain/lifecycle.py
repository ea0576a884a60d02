"""Case statuses and which action may move a case from which status (the dispatch lifecycle).

received -> acknowledged -> dispatched -> en_route -> on_scene -> resolved -> closed, with
escalation to law enforcement, referral to mediation, whistling in departments, reassignment,
cancellation and marking as duplicate along the way.

The digital city management workflow (CJJ/T 106, GB/T 30428; see service/domain/filing.py) adds:
filing (received -> filed, or rejected with a reason) before dispatch for the channels and categories
configured so, the handler's feedback (-> resolved, awaiting verification), verification by someone
other than the handler (pass -> closed, fail -> returned to the handler), a department sending a case
back to the center, asking for more time, and the reporter reopening a closed case (-> returned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
    FILED = "filed"            # 立案: accepted as a case of the city's, to be dispatched
    REJECTED = "rejected"      # 不予立案: with a reason; ends the case
    RETURNED = "returned"      # back with its handler: verification failed, or the reporter reopened it


OPEN_STATUSES = frozenset({CaseStatus.RECEIVED, CaseStatus.ACKNOWLEDGED, CaseStatus.DISPATCHED,
                           CaseStatus.EN_ROUTE, CaseStatus.ON_SCENE, CaseStatus.FILED, CaseStatus.RETURNED})


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
    FILE = "file"                              # 立案
    REJECT = "reject"                          # 不予立案, with a reason
    FEEDBACK = "feedback"                      # 处理反馈: the handler reports it done (note, photos)
    VERIFY = "verify"                          # 核查: outcome pass closes, fail returns it to the handler
    SEND_BACK = "send_back"                    # a department returns a case that is not its own, with a reason
    REOPEN = "reopen"                          # the reporter: the problem is back (within the reopen window)
    REQUEST_MORE_TIME = "request_more_time"    # a department asks for more time to handle


class VerifyOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class RejectReason(StrEnum):
    NOT_IN_SCOPE = "not_in_scope"              # 不属于受理范围
    NOT_VERIFIABLE = "not_verifiable"          # 无法核实
    DUPLICATE = "duplicate"                    # 重复上报
    INSUFFICIENT_INFORMATION = "insufficient_information"
    OTHER = "other"


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
    FILED = "filed"
    REJECTED = "rejected"
    WHISTLED = "whistled"                      # the first department called in
    FEEDBACK = "feedback"                      # the latest handler feedback (reset by a return)
    VERIFIED = "verified"
    RETURNED = "returned"                      # the latest return to the handler
    REOPENED = "reopened"


S = CaseStatus
_ACTIVE = frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE, S.FILED, S.RETURNED})
_HANDLING = frozenset({S.ACKNOWLEDGED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE, S.FILED, S.RETURNED})
# Before filing, a case that needs it may only be acknowledged, filed, rejected, cancelled or merged.
BEFORE_FILING = frozenset({Action.ACKNOWLEDGE, Action.FILE, Action.REJECT, Action.CANCEL, Action.MARK_DUPLICATE})
_WITH_UNIT = frozenset({S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE})

# action -> (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[CaseStatus], CaseStatus | None]] = {
    Action.ACKNOWLEDGE: (frozenset({S.RECEIVED}), S.ACKNOWLEDGED),
    Action.DISPATCH: (frozenset({S.RECEIVED, S.ACKNOWLEDGED, S.FILED, S.RETURNED}), S.DISPATCHED),
    Action.EN_ROUTE: (frozenset({S.DISPATCHED}), S.EN_ROUTE),
    Action.ARRIVE: (frozenset({S.DISPATCHED, S.EN_ROUTE}), S.ON_SCENE),
    Action.RESOLVE: (_HANDLING, S.RESOLVED),
    Action.CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    Action.REASSIGN: (_WITH_UNIT, S.DISPATCHED),
    Action.ESCALATE: (_ACTIVE, None),
    Action.REFER_MEDIATION: (_ACTIVE, None),
    Action.MEDIATION_FOLLOW_UP: (_ACTIVE | {S.RESOLVED}, None),
    Action.WHISTLE: (_ACTIVE, None),
    Action.DEPARTMENT_ACKNOWLEDGE: (_ACTIVE | {S.RESOLVED}, None),
    Action.CANCEL: (_ACTIVE, S.CANCELLED),
    Action.MARK_DUPLICATE: (_ACTIVE, S.DUPLICATE),
    Action.FILE: (frozenset({S.RECEIVED, S.ACKNOWLEDGED}), S.FILED),
    Action.REJECT: (frozenset({S.RECEIVED, S.ACKNOWLEDGED}), S.REJECTED),
    Action.FEEDBACK: (_HANDLING, None),                # -> resolved once every handler has fed back (plan)
    Action.VERIFY: (frozenset({S.RESOLVED}), None),     # -> closed or returned by the outcome (plan)
    Action.SEND_BACK: (_ACTIVE, None),
    Action.REOPEN: (frozenset({S.CLOSED}), S.RETURNED),
    Action.REQUEST_MORE_TIME: (_ACTIVE, None),
}

MILESTONE_OF: dict[Action, Milestone] = {
    Action.ACKNOWLEDGE: Milestone.ACKNOWLEDGED, Action.DISPATCH: Milestone.DISPATCHED,
    Action.ARRIVE: Milestone.ON_SCENE, Action.RESOLVE: Milestone.RESOLVED, Action.CLOSE: Milestone.CLOSED,
    Action.ESCALATE: Milestone.ESCALATED, Action.REFER_MEDIATION: Milestone.MEDIATION_REFERRED,
    Action.MEDIATION_FOLLOW_UP: Milestone.MEDIATION_FOLLOWED_UP,
    Action.FILE: Milestone.FILED, Action.REJECT: Milestone.REJECTED, Action.WHISTLE: Milestone.WHISTLED,
}
# Milestones that mark the latest time (a case may be returned and fed back again), not the first.
LATEST_MILESTONE_OF: dict[Action, Milestone] = {
    Action.FEEDBACK: Milestone.FEEDBACK, Action.REOPEN: Milestone.REOPENED,
}


def allowed_actions(status: CaseStatus, *, needs_filing: bool = False) -> list[str]:
    unfiled = needs_filing and status in (S.RECEIVED, S.ACKNOWLEDGED)
    return [a.value for a, (sources, _) in TRANSITIONS.items()
            if status in sources and (not unfiled or a in BEFORE_FILING)]


@dataclass(frozen=True)
class CaseState:
    """What the lifecycle needs to know of a case."""

    status: CaseStatus
    version: int
    assigned_unit: int | None
    milestones: dict[str, str]
    departments: dict[str, dict[str, str | None]]
    needs_filing: bool = False          # the channel or category is filed (立案) before dispatch
    feedback_actor: str | None = None   # who last fed back (a verifier must be someone else)


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
    outcome: VerifyOutcome | None = None       # verify: pass or fail
    reason: str | None = None                  # reject (a RejectReason), send_back, verify fail, reopen
    minutes: int | None = None                 # request_more_time


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
         known_departments: frozenset[str] = frozenset(), reopen_window: timedelta | None = None) -> Transition:
    """Check an action against the case's state; raise Conflict or InvalidInput, or return the Transition."""
    allowed = allowed_actions(state.status, needs_filing=state.needs_filing)
    current = {"status": state.status.value, "version": state.version, "assigned_unit": state.assigned_unit}
    if request.version != state.version:
        raise Conflict(f"the case changed (version {state.version}, you sent {request.version}); "
                       "reload it and decide again", current=current, allowed=allowed)
    sources, target = TRANSITIONS[request.action]
    if state.status not in sources:
        raise Conflict(f"cannot {request.action.value} a case that is {state.status.value}",
                       current=current, allowed=allowed)
    if request.action.value not in allowed:
        raise Conflict(f"this case is filed (立案) before it is handled: file or reject it before you "
                       f"{request.action.value} it", current=current, allowed=allowed)
    if request.action is Action.CLOSE and state.needs_filing:
        raise Conflict("a filed case is closed by its verification (核查): verify it", current=current,
                       allowed=allowed)
    stamp = now.isoformat()
    milestones = dict(state.milestones)
    departments = {k: dict(v) for k, v in state.departments.items()}
    release = take = duplicate_of = None
    assigned = state.assigned_unit
    if request.action in (Action.DISPATCH, Action.REASSIGN):
        if request.unit_id is None:
            raise InvalidInput.one("unit_id", f"{request.action.value} needs the unit to send")
        if request.unit_id == state.assigned_unit and state.status is not S.RETURNED:
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
            if departments.get(d, {}).get("sent_back_at"):
                departments.pop(d)  # whistled in again after sending it back: a fresh start
            departments.setdefault(d, {"whistled_at": stamp, "acknowledged_at": None})
    elif request.action is Action.DEPARTMENT_ACKNOWLEDGE:
        _department_on_case(departments, request.department)
        if departments[request.department or ""]["acknowledged_at"]:
            raise Conflict(f"{request.department} already acknowledged", current=current, allowed=allowed)
        departments[request.department or ""]["acknowledged_at"] = stamp
    elif request.action is Action.MARK_DUPLICATE:
        if request.duplicate_of is None:
            raise InvalidInput.one("duplicate_of", "name the case this one duplicates")
        duplicate_of = request.duplicate_of
    elif request.action is Action.REJECT:
        if request.reason not in {r.value for r in RejectReason}:
            raise InvalidInput.one("reason", "reject needs a reason, one of " + ", ".join(RejectReason))
    elif request.action is Action.SEND_BACK:
        entry = _department_on_case(departments, request.department)
        if not request.reason or not request.reason.strip():
            raise InvalidInput.one("reason", "say why the case is sent back")
        entry["sent_back_at"], entry["sent_back_reason"] = stamp, request.reason.strip()
    elif request.action is Action.REQUEST_MORE_TIME:
        entry = _department_on_case(departments, request.department)
        if request.minutes is None or not 1 <= request.minutes <= MAX_MORE_MINUTES:
            raise InvalidInput.one("minutes", f"ask for 1 to {MAX_MORE_MINUTES} minutes more")
        if not request.reason or not request.reason.strip():
            raise InvalidInput.one("reason", "say why more time is needed")
        entry["more_minutes"] = str(int(entry.get("more_minutes") or 0) + request.minutes)
        entry["more_time_reason"] = request.reason.strip()
    elif request.action is Action.FEEDBACK:
        if request.department is not None:
            entry = _department_on_case(departments, request.department)
            if not entry.get("acknowledged_at"):
                raise Conflict(f"{request.department} accepts the case before it feeds back", current=current,
                               allowed=allowed)
            entry["feedback_at"] = stamp
        waiting = [d for d, e in departments.items() if not e.get("sent_back_at") and not e.get("feedback_at")]
        if request.department is None or not waiting:
            target = S.RESOLVED  # every handler has reported: the case awaits verification
    elif request.action is Action.VERIFY:
        if request.outcome is None:
            raise InvalidInput.one("outcome", "verify needs an outcome: pass or fail")
        if state.feedback_actor is not None and request.actor == state.feedback_actor:
            raise Conflict("the handler cannot verify its own work: someone else checks on site",
                           current=current, allowed=allowed)
        if request.outcome is VerifyOutcome.PASS:
            target = S.CLOSED
            milestones.setdefault(Milestone.VERIFIED.value, stamp)
            milestones.setdefault(Milestone.CLOSED.value, stamp)
        else:
            if not request.reason or not request.reason.strip():
                raise InvalidInput.one("reason", "say why the verification failed")
            target = S.RETURNED
    elif request.action is Action.REOPEN:
        closed = milestones.get(Milestone.CLOSED.value)
        if reopen_window is not None and closed and now - datetime.fromisoformat(closed) > reopen_window:
            raise Conflict(f"the case was closed more than {reopen_window.days} days ago: report it anew",
                           current=current, allowed=allowed)
        if not request.reason or not request.reason.strip():
            raise InvalidInput.one("reason", "say what is wrong again")
    if target is S.RETURNED:
        milestones[Milestone.RETURNED.value] = stamp
        for m in (Milestone.FEEDBACK, Milestone.RESOLVED, Milestone.CLOSED, Milestone.VERIFIED):
            milestones.pop(m.value, None)  # the handling clock runs again, from the return
        for entry in departments.values():
            entry.pop("feedback_at", None)
    if target in (S.RESOLVED, S.CANCELLED, S.DUPLICATE, S.REJECTED):
        release = state.assigned_unit  # the unit is free again; the case remembers who handled it
    milestone = MILESTONE_OF.get(request.action)
    if milestone is not None:
        milestones.setdefault(milestone.value, stamp)
    latest = LATEST_MILESTONE_OF.get(request.action)
    if latest is not None:
        milestones[latest.value] = stamp
    if target is S.RESOLVED:
        milestones.setdefault(Milestone.RESOLVED.value, stamp)
    if request.action in (Action.DISPATCH, Action.FILE) and Milestone.ACKNOWLEDGED.value not in milestones:
        milestones[Milestone.ACKNOWLEDGED.value] = stamp  # sending a unit (or filing) acknowledges the case
    return Transition(status=target or state.status, assigned_unit=assigned, milestones=milestones,
                      departments=departments, release_unit=release, take_unit=take, duplicate_of=duplicate_of)


MAX_MORE_MINUTES = 7 * 24 * 60


def _department_on_case(departments: dict[str, dict[str, str | None]], department: str | None
                        ) -> dict[str, str | None]:
    if department is None or department not in departments:
        raise InvalidInput.one("department", f"{department!r} was not whistled in on this case")
    if departments[department].get("sent_back_at"):
        raise InvalidInput.one("department", f"{department} sent this case back")
    return departments[department]
