"""SLA clocks: the source documents' targets, configurable per category and priority.

Defaults (浦沿 "1 min / 10 min / 30 min / 24 h"): acknowledged within 1 minute of receipt; a team on
scene within 10 minutes; law enforcement linked within 30 minutes of escalation (or of receipt, for
cases that need law enforcement first); mediation followed up within 24 hours of referral (or receipt).
A clock warns at 80 % of its time and breaches at 100 %; it stops when met or when the case ends.

Cases that are filed (立案, service/domain/filing.py) also have one clock per stage of the digital city
management workflow, defaults from the same seed targets: filing within 10 minutes of receipt, dispatch
(a unit sent or a department whistled in) within 30 minutes of filing ("30 分钟联动"), handling (the
handler's feedback) within 24 hours of dispatch or of a return ("24 小时协同治理"; plus any extra time a
department asked for), verification within 24 hours of the feedback ("24 小时跟进"). Per category or
priority they are configured like the others: {"E0102": {"handling": 240}}.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from service.domain.catalog import CATEGORIES, Responder
from service.domain.filing import FilingPolicy
from service.domain.lifecycle import CaseStatus, Milestone

ENDED = frozenset({CaseStatus.CLOSED, CaseStatus.CANCELLED, CaseStatus.DUPLICATE, CaseStatus.REJECTED})


class ClockKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ON_SCENE = "on_scene"
    LAW_ENFORCEMENT = "law_enforcement"
    MEDIATION = "mediation"
    FILING = "filing"                  # the workflow's stages (filed cases only)
    DISPATCH = "dispatch"
    HANDLING = "handling"
    VERIFICATION = "verification"


STAGE_CLOCKS = (ClockKind.FILING, ClockKind.DISPATCH, ClockKind.HANDLING, ClockKind.VERIFICATION)


class ClockState(StrEnum):
    RUNNING = "running"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"
    STOPPED = "stopped"


DEFAULT_TARGETS = {ClockKind.ACKNOWLEDGE: timedelta(minutes=1), ClockKind.ON_SCENE: timedelta(minutes=10),
                   ClockKind.LAW_ENFORCEMENT: timedelta(minutes=30), ClockKind.MEDIATION: timedelta(hours=24),
                   ClockKind.FILING: timedelta(minutes=10), ClockKind.DISPATCH: timedelta(minutes=30),
                   ClockKind.HANDLING: timedelta(hours=24), ClockKind.VERIFICATION: timedelta(hours=24)}
STOPS_ON = {ClockKind.ACKNOWLEDGE: Milestone.ACKNOWLEDGED, ClockKind.ON_SCENE: Milestone.ON_SCENE,
            ClockKind.LAW_ENFORCEMENT: Milestone.LAW_ENFORCEMENT_LINKED,
            ClockKind.MEDIATION: Milestone.MEDIATION_FOLLOWED_UP}


@dataclass(frozen=True)
class SlaPolicy:
    """Targets by clock; overrides keyed by category code or by priority ('p1'..'p4'), category first."""

    targets: dict[ClockKind, timedelta]
    overrides: dict[str, dict[ClockKind, timedelta]]
    warn_fraction: float = 0.8
    filing: FilingPolicy = FilingPolicy()

    @classmethod
    def default(cls) -> SlaPolicy:
        return cls(dict(DEFAULT_TARGETS), {})

    @classmethod
    def from_minutes(cls, overrides: dict[str, dict[str, float]], warn_fraction: float = 0.8,
                     filing: FilingPolicy | None = None) -> SlaPolicy:
        """{"p4": {"on_scene": 120}, "E0102": {"on_scene": 60}} -> policy over the defaults."""
        parsed = {key: {ClockKind(k): timedelta(minutes=v) for k, v in clocks.items()}
                  for key, clocks in overrides.items()}
        return cls(dict(DEFAULT_TARGETS), parsed, warn_fraction, filing or FilingPolicy())

    def target(self, kind: ClockKind, *, category: str, priority: int) -> timedelta:
        for key in (category, f"p{priority}"):
            if kind in self.overrides.get(key, {}):
                return self.overrides[key][kind]
        return self.targets[kind]


@dataclass(frozen=True)
class Clock:
    kind: ClockKind
    started_at: datetime
    deadline: datetime
    warn_at: datetime
    stopped_at: datetime | None
    state: ClockState

    def seconds_to_breach(self, now: datetime) -> float | None:
        return None if self.stopped_at else (self.deadline - now).total_seconds()

    def as_dict(self, now: datetime) -> dict[str, object]:
        return {"kind": self.kind.value, "started_at": self.started_at.isoformat(),
                "deadline": self.deadline.isoformat(), "state": self.state.value,
                "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None,
                "seconds_to_breach": self.seconds_to_breach(now)}


def clocks(*, category: str, priority: int, status: CaseStatus, received_at: datetime,
           milestones: dict[str, str], policy: SlaPolicy, now: datetime, channel: str | None = None,
           departments: dict[str, dict[str, str | None]] | None = None) -> list[Clock]:
    """Every clock that applies to a case, evaluated at `now`."""
    return _response_clocks(category=category, priority=priority, status=status, received_at=received_at,
                            milestones=milestones, policy=policy, now=now) + stage_clocks(
        category=category, priority=priority, status=status, received_at=received_at, milestones=milestones,
        policy=policy, now=now, channel=channel, departments=departments or {})


def _response_clocks(*, category: str, priority: int, status: CaseStatus, received_at: datetime,
                     milestones: dict[str, str], policy: SlaPolicy, now: datetime) -> list[Clock]:
    responder = CATEGORIES[category].responder if category in CATEGORIES else None
    starts: dict[ClockKind, datetime] = {ClockKind.ACKNOWLEDGE: received_at, ClockKind.ON_SCENE: received_at}
    escalated = milestones.get(Milestone.ESCALATED.value)
    if escalated or responder is Responder.LAW_ENFORCEMENT:
        starts[ClockKind.LAW_ENFORCEMENT] = datetime.fromisoformat(escalated) if escalated else received_at
    referred = milestones.get(Milestone.MEDIATION_REFERRED.value)
    if referred or responder is Responder.MEDIATION:
        starts[ClockKind.MEDIATION] = datetime.fromisoformat(referred) if referred else received_at
    ended_at = next((datetime.fromisoformat(milestones[m.value]) for m in (Milestone.CLOSED, Milestone.RESOLVED)
                     if m.value in milestones), None)
    out = []
    for kind, start in starts.items():
        target = policy.target(kind, category=category, priority=priority)
        deadline = start + target
        warn_at = start + target * policy.warn_fraction
        met = milestones.get(STOPS_ON[kind].value)
        stopped = datetime.fromisoformat(met) if met else None
        if stopped is not None:
            state = ClockState.MET if stopped <= deadline else ClockState.MET_LATE
        elif status in ENDED or (ended_at is not None and kind is not ClockKind.MEDIATION):
            stopped = ended_at or now
            state = ClockState.STOPPED
        elif now >= deadline:
            state = ClockState.BREACHED
        elif now >= warn_at:
            state = ClockState.WARNING
        else:
            state = ClockState.RUNNING
        out.append(Clock(kind, start, deadline, warn_at, stopped, state))
    return out


def _at(milestones: dict[str, str], milestone: Milestone) -> datetime | None:
    value = milestones.get(milestone.value)
    return datetime.fromisoformat(value) if value else None


def stage_clocks(*, category: str, priority: int, status: CaseStatus, received_at: datetime,
                 milestones: dict[str, str], policy: SlaPolicy, now: datetime, channel: str | None,
                 departments: dict[str, dict[str, str | None]]) -> list[Clock]:
    """The workflow's stage clocks (filing, dispatch, handling, verification) of a filed case."""
    M = Milestone
    filed, rejected = _at(milestones, M.FILED), _at(milestones, M.REJECTED)
    if filed is None and rejected is None and not policy.filing.needs_filing(channel, category):
        return []
    sent = [t for t in (_at(milestones, M.DISPATCHED), _at(milestones, M.WHISTLED)) if t is not None]
    returned, feedback = _at(milestones, M.RETURNED), _at(milestones, M.FEEDBACK) or _at(milestones, M.RESOLVED)
    handling_start = returned or (min(sent) if sent else None)
    if feedback is not None and handling_start is not None and feedback < handling_start:
        feedback = None  # the feedback before a return does not stop the clock of the rework
    stages: list[tuple[ClockKind, datetime | None, datetime | None]] = [
        (ClockKind.FILING, received_at, filed or rejected),
        (ClockKind.DISPATCH, filed, min(sent) if sent else None),
        (ClockKind.HANDLING, handling_start, feedback),
        (ClockKind.VERIFICATION, feedback if status is not CaseStatus.RETURNED else None,
         _at(milestones, M.VERIFIED) or _at(milestones, M.CLOSED)),
    ]
    more = timedelta(minutes=sum(int(e.get("more_minutes") or 0) for e in departments.values()))
    out = []
    for kind, start, met in stages:
        if start is None:
            continue
        target = policy.target(kind, category=category, priority=priority) + (
            more if kind is ClockKind.HANDLING else timedelta())
        deadline, warn_at = start + target, start + target * policy.warn_fraction
        if met is not None:
            state, stopped = (ClockState.MET if met <= deadline else ClockState.MET_LATE), met
        elif status in ENDED:
            state, stopped = ClockState.STOPPED, now
        else:
            stopped = None
            state = (ClockState.BREACHED if now >= deadline else ClockState.WARNING if now >= warn_at
                     else ClockState.RUNNING)
        out.append(Clock(kind, start, deadline, warn_at, stopped, state))
    return out


def most_urgent(all_clocks: list[Clock], now: datetime) -> float | None:
    """Seconds to the nearest breach among running clocks (negative once breached); None if none runs."""
    remaining = [c.seconds_to_breach(now) for c in all_clocks if c.stopped_at is None]
    return min((r for r in remaining if r is not None), default=None)



def new_alerts(case_clocks: list[Clock], flags: dict[str, str]) -> list[tuple[Clock, str]]:
    """Warnings and breaches not yet announced (`flags`: clock kind -> last level announced)."""
    out = []
    for c in case_clocks:
        level = {ClockState.WARNING: "warning", ClockState.BREACHED: "breached"}.get(c.state)
        if level is None or flags.get(c.kind.value) in (level, "breached"):
            continue
        out.append((c, level))
    return out


def next_alert_at(case_clocks: list[Clock], flags: dict[str, str]) -> datetime | None:
    """When this case next needs looking at: its earliest threshold not yet announced."""
    times = []
    for c in case_clocks:
        if c.stopped_at is not None or flags.get(c.kind.value) == "breached":
            continue
        times.append(c.deadline if flags.get(c.kind.value) == "warning" else c.warn_at)
    return min(times, default=None)
