"""The domain's rules pinned at their edges, with hand-computed expectations (no service, milliseconds):
SLA deadlines and warnings, the lifecycle's version-then-status checks, masking, duplicate and repeat
radii and windows, and the recommendation's ETA arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from service.domain import access, lifecycle, sla
from service.domain.access import Permission, Role
from service.domain.catalog import Channel
from service.domain.dedupe import Recent, RecentIndex
from service.domain.errors import Conflict, InvalidInput
from service.domain.lifecycle import Action, ActionRequest, CaseState, CaseStatus
from service.domain.recommend import Fleet, UnitPosition, best_eta, rank
from service.domain.units import UnitStatus, UnitType

T0 = datetime(2026, 11, 21, 1, 0, 0, tzinfo=UTC)  # 09:00 in Shanghai
POLICY = sla.SlaPolicy.default()


def _clocks(category: str = "E0402", priority: int = 3, status: CaseStatus = CaseStatus.RECEIVED,
            milestones: dict[str, str] | None = None, now: datetime = T0,
            policy: sla.SlaPolicy = POLICY) -> dict[str, sla.Clock]:
    out = sla.clocks(category=category, priority=priority, status=status, received_at=T0,
                     milestones=milestones or {}, policy=policy, now=now)
    return {c.kind.value: c for c in out}


# --- SLA: deadlines computed by hand from the source documents' 1 min / 10 min / 30 min / 24 h ------------
def test_a_burst_water_pipe_received_at_0900_must_be_acknowledged_by_0901_and_attended_by_0910() -> None:
    c = _clocks()
    assert set(c) == {"acknowledge", "on_scene"}
    assert c["acknowledge"].deadline == datetime(2026, 11, 21, 1, 1, 0, tzinfo=UTC)
    assert c["acknowledge"].warn_at == datetime(2026, 11, 21, 1, 0, 48, tzinfo=UTC)   # 80 % of 60 s
    assert c["on_scene"].deadline == datetime(2026, 11, 21, 1, 10, 0, tzinfo=UTC)
    assert c["on_scene"].warn_at == datetime(2026, 11, 21, 1, 8, 0, tzinfo=UTC)
    assert c["acknowledge"].as_dict(T0) == {"kind": "acknowledge", "started_at": "2026-11-21T01:00:00+00:00",
                                            "deadline": "2026-11-21T01:01:00+00:00", "state": "running",
                                            "stopped_at": None, "seconds_to_breach": 60.0}


@pytest.mark.parametrize("seconds,state", [(47, "running"), (48, "warning"), (59, "warning"), (60, "breached"),
                                           (61, "breached")])
def test_the_acknowledge_clock_warns_at_exactly_48_s_and_breaches_at_exactly_60_s(seconds: int, state: str) -> None:
    now = T0 + timedelta(seconds=seconds)
    assert _clocks(now=now)["acknowledge"].state.value == state
    assert sla.most_urgent(list(_clocks(now=now).values()), now) == 60 - seconds


def test_illegal_construction_runs_a_30_minute_law_enforcement_clock_from_receipt() -> None:
    c = _clocks(category="E0101")
    assert c["law_enforcement"].deadline == T0 + timedelta(minutes=30)
    assert c["law_enforcement"].warn_at == T0 + timedelta(minutes=24)


def test_escalation_and_mediation_referral_start_their_own_clocks_at_that_moment() -> None:
    at = (T0 + timedelta(minutes=5)).isoformat()
    c = _clocks(milestones={"escalated": at, "mediation_referred": at})
    assert c["law_enforcement"].started_at == T0 + timedelta(minutes=5)
    assert c["law_enforcement"].deadline == T0 + timedelta(minutes=35)
    assert c["mediation"].deadline == T0 + timedelta(hours=24, minutes=5)
    assert c["mediation"].warn_at == T0 + timedelta(minutes=5) + timedelta(hours=24) * 0.8


def test_a_clock_met_on_time_late_or_stopped_by_the_end_of_the_case() -> None:
    on_time = _clocks(milestones={"acknowledged": (T0 + timedelta(seconds=60)).isoformat()},
                      now=T0 + timedelta(hours=1))
    assert on_time["acknowledge"].state is sla.ClockState.MET
    assert on_time["acknowledge"].seconds_to_breach(T0) is None
    late = _clocks(milestones={"acknowledged": (T0 + timedelta(seconds=61)).isoformat()})
    assert late["acknowledge"].state is sla.ClockState.MET_LATE
    resolved_at = T0 + timedelta(minutes=3)
    ended = _clocks(status=CaseStatus.RESOLVED, milestones={"resolved": resolved_at.isoformat(),
                                                             "acknowledged": T0.isoformat()},
                    now=T0 + timedelta(hours=2))
    assert ended["on_scene"].state is sla.ClockState.STOPPED and ended["on_scene"].stopped_at == resolved_at
    cancelled = _clocks(status=CaseStatus.CANCELLED, now=T0 + timedelta(minutes=2))
    assert cancelled["on_scene"].stopped_at == T0 + timedelta(minutes=2)
    assert sla.most_urgent(list(cancelled.values()), T0) is None


def test_mediation_keeps_running_after_the_case_is_resolved() -> None:
    c = _clocks(category="E0402", status=CaseStatus.RESOLVED, now=T0 + timedelta(hours=1),
                milestones={"mediation_referred": T0.isoformat(), "resolved": T0.isoformat()})
    assert c["mediation"].state is sla.ClockState.RUNNING and c["on_scene"].state is sla.ClockState.STOPPED


def test_overrides_go_by_category_first_then_priority_then_default() -> None:
    policy = sla.SlaPolicy.from_minutes({"p4": {"on_scene": 120}, "E0402": {"on_scene": 5}}, warn_fraction=0.5)
    assert policy.target(sla.ClockKind.ON_SCENE, category="E0402", priority=4) == timedelta(minutes=5)
    assert policy.target(sla.ClockKind.ON_SCENE, category="E0101", priority=4) == timedelta(minutes=120)
    assert policy.target(sla.ClockKind.ON_SCENE, category="E0101", priority=3) == timedelta(minutes=10)
    assert policy.target(sla.ClockKind.ACKNOWLEDGE, category="E0402", priority=4) == timedelta(minutes=1)
    assert _clocks(policy=policy)["on_scene"].warn_at == T0 + timedelta(minutes=2, seconds=30)


def test_alerts_are_announced_once_per_level_and_the_next_look_is_the_next_threshold() -> None:
    now = T0 + timedelta(seconds=50)
    c = list(_clocks(now=now).values())
    assert [(x.kind.value, level) for x, level in sla.new_alerts(c, {})] == [("acknowledge", "warning")]
    assert sla.new_alerts(c, {"acknowledge": "warning"}) == []
    assert sla.next_alert_at(c, {"acknowledge": "warning"}) == T0 + timedelta(seconds=60)
    assert sla.next_alert_at(c, {}) == T0 + timedelta(seconds=48)
    assert sla.next_alert_at(c, {"acknowledge": "breached"}) == T0 + timedelta(minutes=8)
    breached = list(_clocks(now=T0 + timedelta(seconds=70)).values())
    assert [lv for _, lv in sla.new_alerts(breached, {"acknowledge": "warning"})] == ["breached"]
    assert sla.new_alerts(breached, {"acknowledge": "breached"}) == []


# --- lifecycle ------------------------------------------------------------------------------------------
def _state(status: CaseStatus = CaseStatus.RECEIVED, version: int = 3, unit: int | None = None,
           departments: dict[str, dict[str, str | None]] | None = None) -> CaseState:
    return CaseState(status, version, unit, {}, departments or {})


def _req(action: Action, version: int = 3, **kw: object) -> ActionRequest:
    return ActionRequest(action=action, actor="operator:op", version=version, **kw)  # type: ignore[arg-type]


def test_a_stale_version_is_refused_for_an_action_the_status_allows() -> None:
    with pytest.raises(Conflict) as err:
        lifecycle.plan(_state(), _req(Action.ESCALATE, version=2), now=T0)
    assert "version 3, you sent 2" in str(err.value)


def test_a_fresh_version_with_an_illegal_step_names_the_status() -> None:
    with pytest.raises(Conflict) as err:
        lifecycle.plan(_state(), _req(Action.CLOSE), now=T0)
    assert "cannot close a case that is received" in str(err.value)


@pytest.mark.parametrize("status,allowed", [
    (CaseStatus.RECEIVED, {"acknowledge", "dispatch", "escalate", "refer_mediation", "mediation_follow_up", "whistle",
                           "department_acknowledge", "cancel", "mark_duplicate", "file", "reject", "send_back",
                           "request_more_time"}),
    (CaseStatus.RESOLVED, {"close", "mediation_follow_up", "department_acknowledge", "verify"}),
    (CaseStatus.CLOSED, {"reopen"}),
    (CaseStatus.EN_ROUTE, {"arrive", "resolve", "reassign", "escalate", "refer_mediation", "mediation_follow_up",
                           "whistle", "department_acknowledge", "cancel", "mark_duplicate", "feedback", "send_back",
                           "request_more_time"}),
    (CaseStatus.FILED, {"dispatch", "resolve", "escalate", "refer_mediation", "mediation_follow_up", "whistle",
                        "department_acknowledge", "cancel", "mark_duplicate", "feedback", "send_back",
                        "request_more_time"}),
    (CaseStatus.REJECTED, set()),
])
def test_which_actions_each_status_allows(status: CaseStatus, allowed: set[str]) -> None:
    assert set(lifecycle.allowed_actions(status)) == allowed


def test_before_filing_a_case_that_needs_it_may_only_be_acknowledged_filed_rejected_cancelled_or_merged() -> None:
    assert set(lifecycle.allowed_actions(CaseStatus.RECEIVED, needs_filing=True)) == {
        "acknowledge", "file", "reject", "cancel", "mark_duplicate"}


def test_dispatching_takes_the_unit_and_a_law_enforcement_team_meets_that_clock() -> None:
    t = lifecycle.plan(_state(CaseStatus.ACKNOWLEDGED), _req(Action.DISPATCH, unit_id=7, unit_type="law_enforcement"),
                       now=T0)
    assert (t.status, t.assigned_unit, t.take_unit, t.release_unit) == (CaseStatus.DISPATCHED, 7, 7, None)
    # dispatching answers the call too: an unacknowledged case counts as acknowledged now
    assert t.milestones == {"acknowledged": T0.isoformat(), "dispatched": T0.isoformat(),
                            "law_enforcement_linked": T0.isoformat()}
    plain = lifecycle.plan(_state(CaseStatus.ACKNOWLEDGED), _req(Action.DISPATCH, unit_id=7, unit_type="patrol"), now=T0)
    assert "law_enforcement_linked" not in plain.milestones


def test_reassigning_releases_the_first_unit_and_refuses_the_same_one() -> None:
    t = lifecycle.plan(_state(CaseStatus.EN_ROUTE, unit=5), _req(Action.REASSIGN, unit_id=9), now=T0)
    assert (t.status, t.release_unit, t.take_unit, t.assigned_unit) == (CaseStatus.DISPATCHED, 5, 9, 9)
    with pytest.raises(InvalidInput) as err:
        lifecycle.plan(_state(CaseStatus.EN_ROUTE, unit=5), _req(Action.REASSIGN, unit_id=5), now=T0)
    assert err.value.problems[0].field == "unit_id"
    with pytest.raises(InvalidInput):
        lifecycle.plan(_state(), _req(Action.DISPATCH), now=T0)


@pytest.mark.parametrize("action,status", [(Action.RESOLVE, CaseStatus.RESOLVED), (Action.CANCEL, CaseStatus.CANCELLED),
                                           (Action.MARK_DUPLICATE, CaseStatus.DUPLICATE)])
def test_ending_a_case_frees_its_unit_but_remembers_who_handled_it(action: Action, status: CaseStatus) -> None:
    t = lifecycle.plan(_state(CaseStatus.ON_SCENE, unit=5), _req(action, duplicate_of=1), now=T0)
    assert (t.status, t.release_unit, t.assigned_unit) == (status, 5, 5)


def test_arriving_keeps_the_unit_and_stamps_on_scene() -> None:
    t = lifecycle.plan(_state(CaseStatus.EN_ROUTE, unit=5), _req(Action.ARRIVE), now=T0)
    assert (t.status, t.release_unit, t.assigned_unit, t.milestones) == (CaseStatus.ON_SCENE, None, 5,
                                                                          {"on_scene": T0.isoformat()})


def test_whistled_departments_each_acknowledge_once() -> None:
    with pytest.raises(InvalidInput):
        lifecycle.plan(_state(), _req(Action.WHISTLE), now=T0)
    with pytest.raises(InvalidInput) as err:
        lifecycle.plan(_state(), _req(Action.WHISTLE, departments=("水务", "火星局")), now=T0,
                       known_departments=frozenset({"水务"}))
    assert "火星局" in err.value.problems[0].reason and "水务" not in err.value.problems[0].reason
    t = lifecycle.plan(_state(), _req(Action.WHISTLE, departments=("水务",)), now=T0, known_departments=frozenset({"水务"}))
    assert t.departments == {"水务": {"whistled_at": T0.isoformat(), "acknowledged_at": None}}
    assert t.status is CaseStatus.RECEIVED
    ack = lifecycle.plan(_state(departments=t.departments), _req(Action.DEPARTMENT_ACKNOWLEDGE, department="水务"), now=T0)
    assert ack.departments["水务"]["acknowledged_at"] == T0.isoformat()
    with pytest.raises(Conflict):
        lifecycle.plan(_state(departments=ack.departments), _req(Action.DEPARTMENT_ACKNOWLEDGE, department="水务"),
                       now=T0)
    with pytest.raises(InvalidInput):
        lifecycle.plan(_state(), _req(Action.DEPARTMENT_ACKNOWLEDGE, department="水务"), now=T0)


def test_marking_a_duplicate_names_the_first_case() -> None:
    with pytest.raises(InvalidInput) as err:
        lifecycle.plan(_state(), _req(Action.MARK_DUPLICATE), now=T0)
    assert err.value.problems[0].field == "duplicate_of"
    assert lifecycle.plan(_state(), _req(Action.MARK_DUPLICATE, duplicate_of=4), now=T0).duplicate_of == 4


# --- access and masking ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", list(Role))
def test_only_an_operator_may_see_personal_data(role: Role) -> None:
    assert access.allows(role, Permission.SEE_PERSONAL_DATA) is (role is Role.OPERATOR)
    # feed, department and field-worker keys reach only their own things (a channel, an inbox, a unit's cases)
    assert access.allows(role, Permission.READ) is (role not in {Role.FEED, Role.DEPARTMENT, Role.FIELD_WORKER})


def test_a_feed_key_posts_to_its_own_channel_only() -> None:
    assert access.allows(Role.FEED, Permission.POST_CHANNEL, key_channel="police110", channel=Channel.POLICE_110)
    assert not access.allows(Role.FEED, Permission.POST_CHANNEL, key_channel="police110", channel=Channel.OPEN311)
    assert access.allows(Role.OPERATOR, Permission.POST_CHANNEL, key_channel=None, channel=Channel.OPEN311)
    assert not access.allows(Role.VIEWER, Permission.POST_CHANNEL, channel=Channel.OPEN311)


@pytest.mark.parametrize("name,masked", [("陈建国", "陈**"), ("王五", "王*"), ("李", "李*"), ("", ""), (None, None)])
def test_names_keep_only_the_surname(name: str | None, masked: str | None) -> None:
    assert access.mask_name(name) == masked


@pytest.mark.parametrize("phone,masked", [("13857112345", "138****2345"), ("057186001234", "057*****1234"),
                                          ("86001234", "8***1234"), ("12345", "1****"[:1] + "2345"), ("1234", "****"),
                                          (" 13857112345 ", "138****2345"), ("", ""), (None, None)])
def test_phones_keep_the_last_four_digits_and_a_mobiles_prefix(phone: str | None, masked: str | None) -> None:
    assert access.mask_phone(phone) == masked


def test_open311_contact_attributes_are_masked_and_the_rest_kept() -> None:
    attrs = {"email": "xiaoming.wang@example.cn", "device_id": "wx-9f3", "account_id": "o_abc", "media_url": "http://x/1"}
    assert access.mask_attributes(attrs) == {"email": "x***@example.cn", "device_id": "***", "account_id": "***",
                                             "media_url": "http://x/1"}
    assert access.mask_attributes({"media_url": "u"}) == {"media_url": "u"}
    assert access.mask_attributes(None) is None
    assert access.mask_email("nobody") == "n***"


# --- duplicates and repeat complaints ------------------------------------------------------------------------
M_PER_DEG_LAT = 111_320.0


def _index() -> RecentIndex:
    index = RecentIndex(duplicate_radius_m=50, duplicate_window=timedelta(hours=1), repeat_radius_m=100,
                        repeat_window=timedelta(days=30))
    index.add(Recent(1, 120.15, 30.16, "E0102", T0, None))
    return index


@pytest.mark.parametrize("metres,minutes,dup,repeats", [
    (45, 30, 1, 0), (55, 30, None, 1), (45, 59, 1, 0), (45, 60, 1, 0), (45, 61, None, 1), (95, 24 * 60, None, 1),
    (70, 0, None, 0), (70, 30 * 24 * 60, None, 1), (70, 30 * 24 * 60 + 1, None, 0),
    (105, 24 * 60, None, 0), (10, 31 * 24 * 60, None, 0), (0, 60, 1, 0)])
def test_duplicate_and_repeat_radii_and_windows_are_pinned(metres: float, minutes: int, dup: int | None,
                                                           repeats: int) -> None:
    m = _index().match(lon=120.15, lat=30.16 + metres / M_PER_DEG_LAT, category="E0102",
                       reported_at=T0 + timedelta(minutes=minutes))
    assert (m.duplicate_of, m.repeat_count) == (dup, repeats)


def test_a_duplicate_links_to_the_earliest_original_and_never_to_a_duplicate() -> None:
    index = _index()
    index.add(Recent(2, 120.15, 30.16, "E0102", T0 - timedelta(minutes=5), None))
    index.add(Recent(3, 120.15, 30.16, "E0102", T0 - timedelta(minutes=9), 2))
    index.add(Recent(4, 120.15, 30.16, "E0102", T0 - timedelta(minutes=5), None))
    assert index.match(lon=120.15, lat=30.16, category="E0102", reported_at=T0).duplicate_of == 2
    assert len(index) == 4


def test_an_earlier_report_from_the_other_side_of_a_cell_edge_is_found() -> None:
    index = RecentIndex(duplicate_radius_m=50, duplicate_window=timedelta(hours=1), repeat_radius_m=50,
                        repeat_window=timedelta(days=1))
    for i in range(40):  # points 10 m apart east and north: every cell border is crossed
        index.add(Recent(100 + i, 120.15 + i * 10 / 96_400, 30.16 + i * 10 / M_PER_DEG_LAT, "E0102", T0, None))
    for i in range(40):
        m = index.match(lon=120.15 + i * 10 / 96_400 + 20 / 96_400, lat=30.16 + i * 10 / M_PER_DEG_LAT,
                        category="E0102", reported_at=T0 + timedelta(minutes=1))
        assert m.duplicate_of is not None


def test_pruning_keeps_what_the_longest_window_plus_a_day_can_still_match() -> None:
    index = _index()
    index.add(Recent(2, 120.15, 30.16, "E0102", T0 + timedelta(days=1), None))
    index.prune(T0 + timedelta(days=31, minutes=1))
    assert len(index) == 1
    assert index.match(lon=120.15, lat=30.16, category="E0102", reported_at=T0 + timedelta(days=2)).repeat_count == 1
    index.prune(T0 + timedelta(days=33))
    assert len(index) == 0


# --- recommendation: the ETA arithmetic by hand -----------------------------------------------------------
def _unit(uid: int, metres_north: float, unit_type: UnitType = UnitType.PATROL, grid: str | None = None,
          status: UnitStatus = UnitStatus.AVAILABLE, stale: bool = False) -> UnitPosition:
    return UnitPosition(uid, f"U{uid}", unit_type, status, 120.15, 30.16 + metres_north / 111_195.0, grid, stale)


def test_eta_is_straight_line_times_detour_over_speed_plus_turnout() -> None:
    [r] = rank(Fleet([_unit(1, 1000)]), lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid=None)
    assert r.distance_m == pytest.approx(1350, rel=1e-3)            # 1 000 m x 1.35
    assert r.eta_s == pytest.approx(1350 / 5.0 + 30, rel=1e-3)     # 18 km/h, 30 s turn-out: 300 s
    assert r.reasons[0] == "ETA 5 min 00 s over 1.4 km (estimated from the straight line) at ~18 km/h"
    assert r.reasons[1] == "right team: patrol" and r.rank == 1


def test_the_wrong_team_type_is_ranked_ten_minutes_later_and_own_grid_staff_two_minutes_sooner() -> None:
    fleet = Fleet([_unit(1, 1000, UnitType.LAW_ENFORCEMENT), _unit(2, 3000), _unit(3, 1500, grid="G1"),
                   _unit(4, 10, status=UnitStatus.ASSIGNED), _unit(5, 10, stale=True)])
    got = rank(fleet, lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid="G1")
    # patrol at 1.5 km in the case's grid: 435 s - 120 s; patrol at 3 km: 840 s; law enforcement at 1 km: 255 s + 600 s
    assert [r.unit_id for r in got] == [3, 2, 1]
    assert got[0].reasons[-1].startswith("staff of the case's own grid")
    assert got[2].reasons[1] == "other team type (law_enforcement, needs patrol): ranked 10 min later"
    assert [r.rank for r in got] == [1, 2, 3]
    assert rank(fleet, lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid="G1", limit=1)[0].unit_id == 3
    assert rank(Fleet([_unit(4, 10, status=UnitStatus.ASSIGNED)]), lon=120.15, lat=30.16, needed=UnitType.PATROL,
                case_grid=None) == []


def test_a_wrong_type_only_wins_when_more_than_ten_minutes_sooner() -> None:
    # law enforcement right here (~31 s) vs a patrol 3 km away (840 s): 631 s < 840 s, it goes first
    near = rank(Fleet([_unit(1, 1, UnitType.LAW_ENFORCEMENT), _unit(2, 3000)]), lon=120.15, lat=30.16,
                needed=UnitType.PATROL, case_grid=None)
    assert [r.unit_id for r in near] == [1, 2]
    # ... but not against a patrol 2 km away (570 s)
    far = rank(Fleet([_unit(1, 1, UnitType.LAW_ENFORCEMENT), _unit(2, 2000)]), lon=120.15, lat=30.16,
               needed=UnitType.PATROL, case_grid=None)
    assert [r.unit_id for r in far] == [2, 1]


# --- what a refused action tells the operator: the field, the reason, the case as it is and what is allowed ------
def _refusal(state: CaseState, request: ActionRequest, known: frozenset[str] = frozenset()) -> Conflict | InvalidInput:
    with pytest.raises((Conflict, InvalidInput)) as err:
        lifecycle.plan(state, request, now=T0, known_departments=known)
    return err.value


def test_a_conflict_carries_the_case_as_it_is_and_the_actions_it_allows() -> None:
    stale = _refusal(_state(CaseStatus.DISPATCHED, unit=5), _req(Action.ARRIVE, version=1))
    assert isinstance(stale, Conflict)
    assert str(stale) == "the case changed (version 3, you sent 1); reload it and decide again"
    assert stale.current == {"status": "dispatched", "version": 3, "assigned_unit": 5}
    assert stale.allowed == lifecycle.allowed_actions(CaseStatus.DISPATCHED) and "arrive" in stale.allowed
    illegal = _refusal(_state(CaseStatus.RESOLVED, unit=5), _req(Action.DISPATCH, unit_id=2))
    assert isinstance(illegal, Conflict) and str(illegal) == "cannot dispatch a case that is resolved"
    assert illegal.current == {"status": "resolved", "version": 3, "assigned_unit": 5}
    assert illegal.allowed == ["close", "mediation_follow_up", "department_acknowledge", "verify"]
    twice = _refusal(_state(departments={"水务": {"whistled_at": "t", "acknowledged_at": "t"}}),
                     _req(Action.DEPARTMENT_ACKNOWLEDGE, department="水务"))
    assert isinstance(twice, Conflict) and str(twice) == "水务 already acknowledged"
    assert twice.current["status"] == "received" and twice.allowed == lifecycle.allowed_actions(CaseStatus.RECEIVED)


@pytest.mark.parametrize("state,request_,field,reason", [
    (_state(), _req(Action.DISPATCH), "unit_id", "dispatch needs the unit to send"),
    (_state(CaseStatus.EN_ROUTE, unit=5), _req(Action.REASSIGN), "unit_id", "reassign needs the unit to send"),
    (_state(CaseStatus.EN_ROUTE, unit=5), _req(Action.REASSIGN, unit_id=5), "unit_id",
     "that unit is already assigned to this case"),
    (_state(), _req(Action.WHISTLE), "departments", "name at least one line department to whistle in"),
    (_state(), _req(Action.WHISTLE, departments=("火星局", "水务", "月球办")), "departments",
     "unknown department(s): 火星局, 月球办"),
    (_state(), _req(Action.DEPARTMENT_ACKNOWLEDGE, department="水务"), "department", "'水务' was not whistled in on this case"),
    (_state(), _req(Action.MARK_DUPLICATE), "duplicate_of", "name the case this one duplicates"),
])
def test_a_malformed_action_names_its_field_and_reason(state: CaseState, request_: ActionRequest, field: str,
                                                       reason: str) -> None:
    err = _refusal(state, request_, frozenset({"水务"}))
    assert isinstance(err, InvalidInput)
    assert [(p.field, p.reason) for p in err.problems] == [(field, reason)]


def test_own_grid_staff_win_a_close_call_of_under_two_minutes() -> None:
    # outsider 1 000 m away: 300 s; own-grid worker 1 300 m away: 381 s - 120 s = 261 s
    fleet = Fleet([_unit(1, 1000), _unit(2, 1300, grid="G1")])
    assert [r.unit_id for r in rank(fleet, lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid="G1")] == [2, 1]
    assert [r.unit_id for r in rank(fleet, lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid=None)] == [1, 2]
    # ... but not one of more: own-grid worker 1 600 m away: 462 s - 120 s = 342 s
    far = Fleet([_unit(1, 1000), _unit(2, 1600, grid="G1")])
    assert [r.unit_id for r in rank(far, lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid="G1")] == [1, 2]


def test_ten_units_are_recommended_unless_asked_otherwise_with_type_and_eta() -> None:
    fleet = Fleet([_unit(i, 100 * i) for i in range(1, 13)])
    got = rank(fleet, lon=120.15, lat=30.16, needed=UnitType.PATROL, case_grid=None)
    assert [r.unit_id for r in got] == list(range(1, 11)) and {r.unit_type for r in got} == {"patrol"}
    assert [r.callsign for r in got[:2]] == ["U1", "U2"]
    assert got[1].eta_s == pytest.approx(200 * 1.35 / 5 + 30, rel=1e-3) and got[1].rank == 2


def _line(*points: tuple[float, float]) -> object:
    from shapely.geometry import LineString
    return LineString(points)


def test_by_road_the_distance_includes_the_walk_to_the_road_and_an_unconnected_unit_falls_back() -> None:
    from service.domain.roads import RoadNetwork

    lat0 = 30.16
    east_west = _line((120.14, lat0), (120.15, lat0), (120.16, lat0))  # the case's street, a node at the case
    island = _line((120.20, lat0 + 0.01), (120.21, lat0 + 0.01))  # a road not joined to it
    on_street = _unit(1, 100)             # 100 m north of the street, straight above the case
    cut_off = UnitPosition(2, "U2", UnitType.PATROL, UnitStatus.AVAILABLE, 120.205, lat0 + 0.01, None, False)
    fleet = Fleet([on_street, cut_off], roads=RoadNetwork([east_west, island]))
    got = {r.unit_id: r for r in rank(fleet, lon=120.15, lat=lat0, needed=UnitType.PATROL, case_grid=None)}
    assert got[1].distance_m == pytest.approx(100, abs=2)  # 100 m to the road, 0 m along it: snap counts
    assert got[1].reasons[0] == f"ETA {got[1].eta_s // 60:.0f} min {round(got[1].eta_s) % 60:02d} s over 0.1 km " \
                                "(of road) at ~18 km/h"
    straight = 1.35 * float(np.hypot((120.205 - 120.15) * 96_290, 0.01 * 111_195))
    assert got[2].distance_m == pytest.approx(straight, rel=0.01)
    assert "(straight-line estimate, no road connection)" in got[2].reasons[0]


def test_coverage_is_the_best_eta_of_any_available_unit_for_each_place() -> None:
    fleet = Fleet([_unit(1, 1000), _unit(2, 3000, UnitType.GRID_WORKER), _unit(3, 0, status=UnitStatus.ASSIGNED)])
    lons = np.array([120.15, 120.15])
    lats = np.array([30.16, 30.16 + 3000 / 111_195.0])
    eta = best_eta(fleet, lons=lons, lats=lats)
    assert eta[0] == pytest.approx(1000 * 1.35 / 5.0 + 30, rel=1e-3)   # the patrol, not the busy unit on the spot
    assert eta[1] == pytest.approx(30, abs=0.5)                          # the grid worker standing there
    assert best_eta(Fleet([_unit(3, 0, status=UnitStatus.ASSIGNED)]), lons=lons, lats=lats).tolist() == [np.inf] * 2


def test_coverage_looks_at_every_unit_of_a_big_fleet() -> None:
    # 600 units far away and the one close unit last: it is in the third block of 256
    fleet = Fleet([_unit(i, 50_000 + i) for i in range(600)] + [_unit(999, 500)])
    eta = best_eta(fleet, lons=np.array([120.15]), lats=np.array([30.16]))
    assert eta[0] == pytest.approx(500 * 1.35 / 5 + 30, rel=1e-3)


def test_coverage_by_road_takes_the_fastest_type_for_each_place() -> None:
    from service.domain.roads import RoadNetwork

    street = _line((120.14, 30.16), (120.16, 30.16))
    patrol = UnitPosition(1, "P", UnitType.PATROL, UnitStatus.AVAILABLE, 120.14, 30.16, None, False)
    car = UnitPosition(2, "L", UnitType.LAW_ENFORCEMENT, UnitStatus.AVAILABLE, 120.16, 30.16, None, False)
    fleet = Fleet([patrol, car], roads=RoadNetwork([street]))
    eta = best_eta(fleet, lons=np.array([120.141, 120.159]), lats=np.array([30.16, 30.16]))
    metres = 0.001 * 96_290  # ~96 m along the street from either end
    assert eta.tolist() == pytest.approx([metres / 5.0 + 30, metres / 6.0 + 30], rel=0.02)


# --- more edges the mutation run found unguarded ------------------------------------------------------------
@pytest.mark.parametrize("direction", ["north", "south", "east", "west"])
def test_a_report_just_across_a_cell_border_in_any_direction_is_found(direction: str) -> None:
    """The index looks at the 3 x 3 cells around a report: sweep a pair 40 m apart across many borders."""
    kx = M_PER_DEG_LAT * np.cos(np.radians(30.16))
    for step in range(60):
        index = RecentIndex(duplicate_radius_m=50, duplicate_window=timedelta(hours=1), repeat_radius_m=50,
                            repeat_window=timedelta(days=1))
        lon, lat = 120.15 + step * 7 / kx, 30.16 + step * 7 / M_PER_DEG_LAT
        dlon, dlat = {"north": (0, 40 / M_PER_DEG_LAT), "south": (0, -40 / M_PER_DEG_LAT),
                      "east": (40 / kx, 0), "west": (-40 / kx, 0)}[direction]
        index.add(Recent(1, lon + dlon, lat + dlat, "E0102", T0, None))
        assert index.match(lon=lon, lat=lat, category="E0102", reported_at=T0).duplicate_of == 1, step


@pytest.mark.parametrize("metres,dup", [(45, 1), (55, None)])
def test_the_duplicate_radius_holds_east_west_as_well(metres: float, dup: int | None) -> None:
    kx = M_PER_DEG_LAT * np.cos(np.radians(30.16))
    m = _index().match(lon=120.15 + metres / kx, lat=30.16, category="E0102", reported_at=T0)
    assert m.duplicate_of == dup


def test_nothing_near_or_another_category_is_no_duplicate_and_no_repeat() -> None:
    assert _index().match(lon=121.0, lat=31.0, category="E0102", reported_at=T0) == \
        _index().match(lon=120.15, lat=30.16, category="E0103", reported_at=T0)
    m = _index().match(lon=121.0, lat=31.0, category="E0102", reported_at=T0)
    assert (m.duplicate_of, m.repeat_count) == (None, 0)


def test_an_emptied_index_keeps_its_radii_and_windows() -> None:
    e = _index().empty_like()
    assert len(e) == 0
    assert (e.duplicate_radius_m, e.duplicate_window, e.repeat_radius_m, e.repeat_window) == \
        (50, timedelta(hours=1), 100, timedelta(days=30))


def test_conversions_take_integers_and_empty_lists() -> None:
    from service.domain import coords
    for fn in (coords.gcj02_to_wgs84, coords.bd09_to_wgs84, coords.bd09_to_gcj02, coords.gcj02_to_bd09,
               coords.wgs84_to_gcj02):
        x, y = fn([120], [30])
        fx, fy = fn([120.0], [30.0])
        assert x.dtype == np.float64 and y.dtype == np.float64 and (x[0], y[0]) == (fx[0], fy[0])
        ex, ey = fn([], [])
        assert ex.shape == (0,) and ey.shape == (0,)
    lon, lat = coords.to_storage(coords.parse_crs("WGS84"), [120], [30])
    assert lon.dtype == np.float64 and lat.dtype == np.float64
    assert float(coords.haversine_m(0, 0, 180, 0)) == pytest.approx(np.pi * coords.EARTH_RADIUS_M)


@pytest.mark.parametrize("text,label", [("  ", "WGS84"), ("", "WGS84"), ("EPSG: 4528", "EPSG:4528"),
                                        ("gcj 02", "GCJ02"), (" bd09 ", "BD09")])
def test_crs_declarations_tolerate_spaces_and_blanks(text: str, label: str) -> None:
    from service.domain import coords
    assert coords.parse_crs(text).label == label


@pytest.mark.parametrize("text", ["EPSG:X4528", "EPSG:", "4528"])
def test_a_malformed_epsg_code_is_refused_with_the_accepted_forms(text: str) -> None:
    from service.domain import coords
    with pytest.raises(InvalidInput) as err:
        coords.parse_crs(text)
    assert err.value.problems[0].field == "crs"
    assert err.value.problems[0].reason == f"unknown CRS {text!r}; use WGS84, CGCS2000, GCJ02, BD09 or EPSG:<code>"


def test_an_unknown_category_still_gets_the_two_basic_clocks() -> None:
    assert set(_clocks(category="Z9999")) == {"acknowledge", "on_scene"}


def test_a_priority_override_reaches_the_cases_clocks() -> None:
    policy = sla.SlaPolicy.from_minutes({"p4": {"on_scene": 120}})
    assert _clocks(priority=4, policy=policy)["on_scene"].deadline == T0 + timedelta(minutes=120)
    assert _clocks(priority=3, policy=policy)["on_scene"].deadline == T0 + timedelta(minutes=10)
    assert sla.SlaPolicy.default() == sla.SlaPolicy(dict(sla.DEFAULT_TARGETS), {}, 0.8)


def test_a_clock_already_announced_as_breached_is_not_announced_as_warning_and_others_still_are() -> None:
    now = T0 + timedelta(minutes=9)  # acknowledge breached, on_scene warning (8 min)
    c = list(_clocks(now=now).values())
    assert [(x.kind.value, lv) for x, lv in sla.new_alerts(c, {"acknowledge": "breached"})] == [("on_scene", "warning")]
    policy = sla.SlaPolicy.from_minutes({"E0402": {"acknowledge": 10}})  # raised after the breach: warning again
    raised = list(_clocks(now=now, policy=policy).values())
    assert [(x.kind.value, lv) for x, lv in sla.new_alerts(raised, {"acknowledge": "breached"})] == \
        [("on_scene", "warning")]


def test_pruning_keeps_a_report_exactly_at_the_horizon() -> None:
    index = _index()  # report 1 at T0; windows 1 h and 30 days: horizon = now - 31 days
    index.prune(T0 + timedelta(days=31))
    assert len(index) == 1
