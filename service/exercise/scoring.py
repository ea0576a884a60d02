"""Scoring an exercise per operator key: plain Python over case histories, unit tracks and the road network.

Each decision is judged against what the street looked like at that moment: the units' positions are
taken from their tracks at the time of the dispatch, and the units then busy on other cases are left out,
so "best-ranked" is the ranking the operator was shown, not today's.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from service.domain.catalog import CATEGORIES, Responder
from service.domain.lifecycle import OPEN_STATUSES, Action, CaseStatus
from service.domain.recommend import Fleet, UnitPosition, rank
from service.domain.roads import RoadNetwork
from service.domain.units import SERVES, UnitStatus, UnitType, epoch_ms

ACK_TARGET_S = 60.0          # the acknowledge SLA clock
NEAR_BEST_FRACTION = 0.2     # an ETA within 20 % of the best still earns most of the dispatch points
_FREEING = {Action.RESOLVE.value, Action.CLOSE.value, Action.CANCEL.value, Action.MARK_DUPLICATE.value}
PLAYER_ACTOR = "exercise:player"


@dataclass
class Decision:
    """One case as an operator handled it, with its score out of 100."""

    case_id: int
    reference: str              # scenario report id or recorded case id
    category: str
    operator: str | None
    received_at: str
    ack_s: float | None = None
    dispatch_s: float | None = None
    unit: str | None = None
    best_unit: str | None = None
    chosen_rank: int | None = None
    eta_s: float | None = None
    best_eta_s: float | None = None
    expected_unit: str | None = None
    sla_met: bool = True
    duplicate: str | None = None    # "linked", "missed" or None when the case is no duplicate
    left_open: bool = False
    score: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class Tracks:
    """Unit positions over time, for "where was everyone when this case was dispatched"."""

    by_unit: dict[int, list[tuple[int, float, float]]]

    def at(self, unit_id: int, when_ms: int) -> tuple[float, float] | None:
        fixes = self.by_unit.get(unit_id)
        if not fixes:
            return None
        i = bisect_right(fixes, (when_ms, float("inf"), float("inf"))) - 1
        return (fixes[i][1], fixes[i][2]) if i >= 0 else (fixes[0][1], fixes[0][2])


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _busy_at(cases: Sequence[dict[str, Any]], when: datetime, *, except_case: int) -> set[int]:
    """Units assigned to some other case at `when` (from the cases' action histories)."""
    busy: set[int] = set()
    for case in cases:
        if case["id"] == except_case:
            continue
        unit: int | None = None
        for a in case["actions"]:
            if _t(a["at"]) > when:
                break
            if a["action"] in (Action.DISPATCH.value, Action.REASSIGN.value) and a["details"].get("unit_id"):
                unit = int(a["details"]["unit_id"])
            elif a["action"] in _FREEING:
                unit = None
        if unit is not None:
            busy.add(unit)
    return busy


def _needed(category: str) -> UnitType:
    c = CATEGORIES.get(category)
    return SERVES[c.responder if c else Responder.PATROL]


def score_cases(*, cases: Sequence[dict[str, Any]], units: Sequence[dict[str, Any]], tracks: Tracks,
                roads: RoadNetwork | None, expected: dict[str, Any] | None = None,
                reference_key: str = "scenario_id") -> dict[str, Any]:
    """Every decision and, per operator, the aggregates a trainer reads first."""
    expected = expected or {}
    by_id = {u["id"]: u for u in units}
    case_of_ref = {str(c["attributes"].get(reference_key)): c["id"] for c in cases if c["attributes"].get(reference_key)}
    decisions: list[Decision] = []
    for case in cases:
        ref = str(case["attributes"].get(reference_key) or case["id"])
        received = _t(case["received_at"])
        d = Decision(case["id"], ref, case["category"], None, case["received_at"])
        acts = [a for a in case["actions"] if a["actor"] != PLAYER_ACTOR]
        ack = next((a for a in acts if a["action"] == Action.ACKNOWLEDGE.value), None)
        dispatch = next((a for a in acts if a["action"] == Action.DISPATCH.value), None)
        first = ack or dispatch or (acts[0] if acts else None)
        d.operator = first["actor"] if first else None
        if ack:
            d.ack_s = (_t(ack["at"]) - received).total_seconds()
        if dispatch:
            d.dispatch_s = (_t(dispatch["at"]) - received).total_seconds()
            if d.ack_s is None:
                d.ack_s = d.dispatch_s  # dispatching acknowledges too
            _judge_dispatch(d, case, dispatch, cases, by_id, tracks, roads)
        d.sla_met = "breached" not in (case.get("sla_flags") or {}).values()
        want = expected.get(ref) or {}
        d.expected_unit = want.get("best_unit")
        if want.get("duplicate_of"):
            original = case_of_ref.get(str(want["duplicate_of"]))
            d.duplicate = "linked" if original is not None and case["duplicate_of"] == original else "missed"
        elif case["status"] == CaseStatus.DUPLICATE.value:
            d.duplicate = "linked"
        d.left_open = CaseStatus(case["status"]) in OPEN_STATUSES
        d.score = _points(d)
        decisions.append(d)
    return {"decisions": [asdict(d) for d in decisions], "operators": _per_operator(decisions),
            "overall": _aggregate(decisions)}


def _judge_dispatch(d: Decision, case: dict[str, Any], dispatch: dict[str, Any], cases: Sequence[dict[str, Any]],
                    by_id: dict[int, dict[str, Any]], tracks: Tracks, roads: RoadNetwork | None) -> None:
    chosen = dispatch["details"].get("unit_id")
    d.unit = by_id.get(chosen, {}).get("callsign") if chosen else None
    if case["lon"] is None or chosen is None:
        return
    when = _t(dispatch["at"])
    busy = _busy_at(cases, when, except_case=case["id"])
    positions = []
    for u in by_id.values():
        # a unit with no fixes held its position all along (units of a scenario stand where they are)
        where = tracks.at(u["id"], epoch_ms(when)) or ((u["lon"], u["lat"]) if u.get("lon") is not None else None)
        if where is None:
            continue
        positions.append(UnitPosition(u["id"], u["callsign"], UnitType(u["unit_type"]),
                                      UnitStatus.BUSY if u["id"] in busy else UnitStatus.AVAILABLE,
                                      where[0], where[1], u.get("home_grid"), False))
    ranking = rank(Fleet(positions, roads=roads), lon=case["lon"], lat=case["lat"], needed=_needed(case["category"]),
                   case_grid=case.get("grid"), limit=len(positions))
    if not ranking:
        return
    d.best_unit, d.best_eta_s = ranking[0].callsign, round(ranking[0].eta_s, 1)
    for r in ranking:
        if r.unit_id == chosen:
            d.chosen_rank, d.eta_s = r.rank, round(r.eta_s, 1)
            break


def _points(d: Decision) -> float:
    """25 for a prompt acknowledge, 25 for the unit (best, or near-best ETA), 25 for the SLA, 25 for the
    ending (closed, or linked as the duplicate it was); each part shown in the notes."""
    if d.duplicate == "linked":
        d.notes.append("duplicate linked")
        return 100.0
    points = 0.0
    if d.ack_s is not None and d.ack_s <= ACK_TARGET_S:
        points += 25
    else:
        d.notes.append("acknowledged late" if d.ack_s is not None else "never acknowledged")
    if d.unit is not None:
        if d.chosen_rank == 1 or (d.expected_unit and d.unit == d.expected_unit):
            points += 25
        elif d.eta_s is not None and d.best_eta_s and d.eta_s <= d.best_eta_s * (1 + NEAR_BEST_FRACTION):
            points += 15
            d.notes.append(f"near-best unit (+{d.eta_s - d.best_eta_s:.0f} s)")
        else:
            d.notes.append(f"unit {d.unit} ranked {d.chosen_rank}, best was {d.best_unit}")
    else:
        d.notes.append("no unit dispatched")
    if d.sla_met:
        points += 25
    else:
        d.notes.append("SLA breached")
    if d.duplicate == "missed":
        d.notes.append("duplicate missed")
    elif not d.left_open:
        points += 25
    else:
        d.notes.append("left open")
    return points


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _aggregate(decisions: Sequence[Decision]) -> dict[str, Any]:
    n = len(decisions)
    dispatched = [d for d in decisions if d.unit is not None]
    return {
        "cases": n,
        "median_ack_s": _median([d.ack_s for d in decisions if d.ack_s is not None]),
        "median_dispatch_s": _median([d.dispatch_s for d in decisions if d.dispatch_s is not None]),
        "sla_met": sum(d.sla_met for d in decisions),
        "best_unit_chosen": sum(d.chosen_rank == 1 for d in dispatched),
        "dispatched": len(dispatched),
        "median_extra_eta_s": _median([d.eta_s - d.best_eta_s for d in dispatched
                                       if d.eta_s is not None and d.best_eta_s is not None]),
        "duplicates_linked": sum(d.duplicate == "linked" for d in decisions),
        "duplicates_missed": sum(d.duplicate == "missed" for d in decisions),
        "left_open": sum(d.left_open for d in decisions),
        "score": round(statistics.fmean(d.score for d in decisions), 1) if n else None,
    }


def _per_operator(decisions: Sequence[Decision]) -> dict[str, Any]:
    groups: dict[str, list[Decision]] = {}
    for d in decisions:
        groups.setdefault(d.operator or "(nobody)", []).append(d)
    return {name: _aggregate(ds) for name, ds in sorted(groups.items())}
