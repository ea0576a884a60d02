"""Exercises: trainers create and control them on the live service; each exercise process answers for itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, require
from service.context import Principal
from service.domain.access import Permission
from service.domain.errors import NotFound
from service.exercise import scenario as scenarios
from service.exercise.errors import ScenarioProblem
from service.exercise.manager import ExerciseManager, ExerciseRequest
from service.exercise.manifest import ControlAction
from service.exercise.session import ExerciseSession

router = APIRouter(prefix="/api/v1", tags=["exercises"])
Trainer = Annotated[Principal, require(Permission.REPLAY)]


class CreateBody(BaseModel):
    name: str = Field(min_length=1, max_length=120, examples=["Typhoon night, desk 2"])
    scenario: str | None = Field(None, description="a scenario file under resources/scenarios/ "
                                                   "(e.g. typhoon_night_surge.yaml); or give a recorded period")
    period_start: AwareDatetime | None = Field(None, description="start of a recorded period of the live record")
    period_end: AwareDatetime | None = None
    speed: float = Field(60.0, ge=1, le=3600, description="exercise seconds per real second, 1-3600")
    trainees: list[str] = Field(default_factory=lambda: ["trainee 1"], min_length=1, max_length=20,
                                description="one operator key is made for each, in the exercise's own record")
    played_units: list[str] = Field(default_factory=list, description="callsigns the trainees move themselves; "
                                                                      "the others follow their recorded tracks")
    autostart: bool = Field(False, description="start the clock at once (else: paused until start)")


class ControlBody(BaseModel):
    action: ControlAction
    to: AwareDatetime | None = Field(None, description="seek: the exercise time to jump to")
    speed: float | None = Field(None, ge=1, le=3600, description="a new speed (any action may carry one)")


def manager(ctx: ContextDep) -> ExerciseManager:
    return ExerciseManager(settings=ctx.settings, live_db=ctx.db, clock=ctx.clock)


ManagerDep = Annotated[ExerciseManager, Depends(manager)]


def _live_only(request: Request) -> None:
    if getattr(request.app.state, "exercise", None) is not None:
        raise ScenarioProblem("exercise", "this is an exercise process; exercises are created on the live service")


@router.post("/exercises", status_code=201, summary="Create an exercise: its own record, process, address and keys",
             description="Copies the live street (boundaries, rosters, units, roads) into a new record and "
                         "starts its own service process. Answers its `address` and `keys` (trainer, trainees).")
async def create(body: CreateBody, who: Trainer, request: Request, mgr: ManagerDep) -> dict[str, Any]:
    _live_only(request)
    req = ExerciseRequest(name=body.name, scenario=body.scenario, period_start=body.period_start,
                          period_end=body.period_end, speed=body.speed, trainees=body.trainees,
                          played_units=body.played_units, autostart=body.autostart)
    return await run_in_threadpool(mgr.create, req)


@router.get("/exercises", summary="Exercises created on this service")
def list_exercises(who: Trainer, mgr: ManagerDep) -> list[dict[str, Any]]:
    return mgr.list()


@router.get("/exercises/scenarios", summary="Scenario files shipped under resources/scenarios/")
def list_scenarios(who: Trainer) -> list[dict[str, Any]]:
    out = []
    for name in scenarios.available():
        sc = scenarios.load(name)
        out.append({"file": name, "name": sc.name, "description": sc.description, "start": sc.start.isoformat(),
                    "duration_minutes": sc.duration.total_seconds() / 60, "cues": len(sc.cues)})
    return out


@router.get("/exercises/{exercise_id}", summary="An exercise's state and clock")
async def get_exercise(exercise_id: str, who: Trainer, mgr: ManagerDep) -> dict[str, Any]:
    return await run_in_threadpool(mgr.status, exercise_id)


@router.post("/exercises/{exercise_id}/control", summary="Start, pause, resume, seek, change speed or stop")
async def control(exercise_id: str, body: ControlBody, who: Trainer, mgr: ManagerDep) -> dict[str, Any]:
    return await run_in_threadpool(mgr.control, exercise_id, body.action, to=body.to, speed=body.speed)


@router.get("/exercises/{exercise_id}/score", summary="Scores per operator key, each decision, and (for a "
                                                      "recorded period) what the center actually did")
async def score(exercise_id: str, who: Trainer, mgr: ManagerDep) -> dict[str, Any]:
    from service.exercise import review

    return await run_in_threadpool(review.score_of, mgr, exercise_id)


@router.get("/exercises/{exercise_id}/report.html", response_class=HTMLResponse,
            summary="After-action review: timeline, map of cases and tracks, decisions, charts")
async def report_html(exercise_id: str, who: Trainer, mgr: ManagerDep) -> HTMLResponse:
    from service.exercise import review

    return HTMLResponse(await run_in_threadpool(review.html_of, mgr, exercise_id))


@router.get("/exercises/{exercise_id}/report.pdf", summary="After-action review as PDF")
async def report_pdf(exercise_id: str, who: Trainer, mgr: ManagerDep) -> Response:
    from service.exercise import review

    return Response(await run_in_threadpool(review.pdf_of, mgr, exercise_id), media_type="application/pdf")


@router.get("/exercises/{exercise_id}/playback", summary="Cases and unit tracks with times, for QGIS's Temporal "
                                                         "Controller")
async def playback(exercise_id: str, who: Trainer, mgr: ManagerDep) -> dict[str, Any]:
    from service.exercise import review

    return await run_in_threadpool(review.playback_of, mgr, exercise_id)


@router.get("/playback", summary="Any period of this record (live or exercise) as cases and unit tracks with "
                                  "times, for QGIS's Temporal Controller")
async def playback_period(who: Annotated[Principal, require(Permission.READ)], ctx: ContextDep,
                          start: AwareDatetime = Query(description="period start, ISO 8601 with offset"),
                          end: AwareDatetime = Query(description="period end")) -> dict[str, Any]:
    from service.exercise import review

    if end <= start:
        raise ScenarioProblem("end", "must be after start")
    if end - start > timedelta(days=31):
        raise ScenarioProblem("end", "play back at most a month at a time")
    return await run_in_threadpool(review.playback_period, ctx.db, start=start, end=end)


# --- on the exercise process itself --------------------------------------------------------------
def this_exercise(request: Request) -> ExerciseSession:
    session: ExerciseSession | None = getattr(request.app.state, "exercise", None)
    if session is None:
        raise NotFound("this is the live service, not an exercise (see /api/v1/exercises)")
    return session


ThisExercise = Annotated[ExerciseSession, Depends(this_exercise)]


@router.get("/exercise", summary="On an exercise process: its state, clock, cues delivered and injects",
            responses={404: {"description": "this is the live service, not an exercise process"}})
def exercise_state(who: Annotated[Principal, require(Permission.READ)], session: ThisExercise) -> dict[str, Any]:
    return session.status()


@router.post("/exercise/control", summary="On an exercise process: start, pause, resume, seek, speed, stop",
             responses={404: {"description": "this is the live service, not an exercise process"}})
async def exercise_control(body: ControlBody, who: Trainer, session: ThisExercise) -> dict[str, Any]:
    return await run_in_threadpool(session.control, body.action, to=body.to, speed=body.speed)


def exercise_badge(request: Request) -> dict[str, Any] | None:
    """The exercise marker /health and the snapshot carry (None on the live service)."""
    session: ExerciseSession | None = getattr(request.app.state, "exercise", None)
    return session.badge() if session is not None else None

