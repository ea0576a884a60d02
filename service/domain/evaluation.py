"""Evaluation (综合评价) per department, per grid and per worker over a period.

For each subject, over the cases received in the period that it had a part in:
- cases: how many; handled: how many it reported handled (feedback, or resolve for a unit);
- on-time rate: handled within the handling limit (service/domain/sla.py `handling`, plus any more time a
  department asked for), counted from when it was sent the case (whistle or dispatch) or returned it;
- closing rate: closed cases / cases;
- rework rate: handled cases that came back (a failed verification or a reopening) / handled cases;
- verification failures: failed verifications of its work;
- average time per stage (filing, dispatch, handling, verification), in seconds, over the cases that
  went through the stage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from service.domain.lifecycle import Action, CaseStatus, VerifyOutcome
from service.domain.sla import ClockKind, SlaPolicy


class Subject(StrEnum):
    DEPARTMENT = "department"
    GRID = "grid"
    WORKER = "worker"


STAGES = ("filing", "dispatch", "handling", "verification")
SENDS = frozenset({Action.DISPATCH.value, Action.REASSIGN.value, Action.WHISTLE.value})
HANDLED = frozenset({Action.FEEDBACK.value, Action.RESOLVE.value})


@dataclass(frozen=True)
class Step:
    action: str
    actor: str
    details: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class CaseFacts:
    id: int
    category: str
    priority: int
    status: str
    received_at: datetime
    grid: str | None
    departments: dict[str, dict[str, Any]]
    assigned_unit: int | None
    steps: list[Step]


@dataclass
class Tally:
    cases: int = 0
    handled: int = 0
    on_time: int = 0
    closed: int = 0
    reworked: int = 0
    verification_failures: int = 0
    stage_seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def row(self, subject: str, name: str) -> dict[str, Any]:
        def rate(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {"subject": subject, "name": name, "cases": self.cases, "handled": self.handled,
                "on_time": self.on_time, "on_time_rate": rate(self.on_time, self.handled),
                "closed": self.closed, "closing_rate": rate(self.closed, self.cases),
                "reworked": self.reworked, "rework_rate": rate(self.reworked, self.handled),
                "verification_failures": self.verification_failures,
                "avg_seconds": {s: (round(sum(v) / len(v), 1) if (v := self.stage_seconds.get(s)) else None)
                                for s in STAGES}}


@dataclass(frozen=True)
class Handling:
    """One handler's part in a case: sent at, reported handled at (if), came back after it (if)."""

    started: datetime
    done: datetime | None
    reworked: bool
    failures: int


def _stage_durations(case: CaseFacts) -> dict[str, float]:
    """Seconds each stage took the first time through."""
    first: dict[str, datetime] = {}
    for s in case.steps:
        key = ("filed" if s.action in (Action.FILE.value, Action.REJECT.value) else
               "sent" if s.action in SENDS else
               "handled" if s.action in HANDLED else
               "verified" if s.action in (Action.VERIFY.value, Action.CLOSE.value) else None)
        if key is not None:
            first.setdefault(key, s.at)
    out = {}
    for stage, (a, b) in {"filing": ("received", "filed"), "dispatch": ("filed", "sent"),
                          "handling": ("sent", "handled"), "verification": ("handled", "verified")}.items():
        start = case.received_at if a == "received" else first.get(a)
        end = first.get(b)
        if start is not None and end is not None and end >= start:
            out[stage] = (end - start).total_seconds()
    return out


def _handling(case: CaseFacts, sent: Iterable[datetime], is_mine: Any) -> Handling | None:
    """A handler's first send -> its first handled report (the on-time count runs over that); whether
    its work came back afterwards (verify fail, reopen), and how many verifications failed it."""
    sent = sorted(sent)
    if not sent:
        return None
    start, done, reworked, failures = sent[0], None, False, 0
    for s in case.steps:
        if s.at < sent[0]:
            continue
        if done is None and s.action in HANDLED and is_mine(s):
            done = s.at
        elif done is not None and s.action == Action.VERIFY.value and s.details.get("outcome") == VerifyOutcome.FAIL:
            reworked, failures = True, failures + 1
        elif done is not None and s.action == Action.REOPEN.value:
            reworked = True
    return Handling(start, done, reworked, failures)


def evaluate(cases: Iterable[CaseFacts], *, by: Subject, policy: SlaPolicy,
             names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows per subject, busiest first."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        durations = _stage_durations(case)
        limit = policy.target(ClockKind.HANDLING, category=case.category, priority=case.priority)
        parts: dict[str, Handling | None] = {}
        if by is Subject.DEPARTMENT:
            for d in case.departments:
                sent = [s.at for s in case.steps if s.action == Action.WHISTLE.value
                        and d in (s.details.get("departments") or [])]
                parts[d] = _handling(case, sent, lambda s, d=d: s.details.get("department") == d)
        elif by is Subject.WORKER:
            units = {s.details.get("unit_id") for s in case.steps if s.action in SENDS and s.details.get("unit_id")}
            for u in units:
                sent = [s.at for s in case.steps if s.action in SENDS and s.details.get("unit_id") == u]
                parts[str(u)] = _handling(case, sent, lambda s: not s.details.get("department"))
        elif case.grid is not None:
            parts[case.grid] = _handling(case, [s.at for s in case.steps if s.action in SENDS], lambda s: True)
        for key, part in parts.items():
            t = tallies[key]
            t.cases += 1
            t.closed += case.status == CaseStatus.CLOSED.value
            for stage, seconds in durations.items():
                t.stage_seconds[stage].append(seconds)
            if part is None or part.done is None:
                continue
            more = timedelta(minutes=int((case.departments.get(key) or {}).get("more_minutes") or 0)) \
                if by is Subject.DEPARTMENT else timedelta()
            t.handled += 1
            t.on_time += part.done - part.started <= limit + more
            t.reworked += part.reworked
            t.verification_failures += part.failures
    rows = [t.row(by.value, (names or {}).get(k, k)) | {"key": k} for k, t in tallies.items()]
    return sorted(rows, key=lambda r: (-r["cases"], r["key"]))


COLUMNS = ("subject", "key", "name", "cases", "handled", "on_time", "on_time_rate", "closed", "closing_rate",
           "reworked", "rework_rate", "verification_failures",
           *(f"avg_{s}_seconds" for s in STAGES))


def flat(row: dict[str, Any]) -> list[Any]:
    """A row in COLUMNS order, for CSV and XLSX."""
    merged = {**row, **{f"avg_{s}_seconds": row["avg_seconds"][s] for s in STAGES}}
    return [merged[c] for c in COLUMNS]
