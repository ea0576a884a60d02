"""`python -m service exercise {start,pause,resume,seek,speed,stop,status,score,report,list,scenarios}`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from service.domain.clock import SystemClock
from service.domain.errors import GridCommandError
from service.exercise import scenario as scenarios
from service.exercise.manager import ExerciseManager, ExerciseRequest
from service.exercise.manifest import ControlAction
from service.settings import Settings
from service.store.db import Database

HELP = """Replay exercises for trainers: a recorded period of the live record or a scenario file, in its own
record and its own service process (own address, own keys), on a clock at 1-3600x.

  python -m service exercise start --scenario typhoon_night_surge --speed 60 --trainee 王芳
  python -m service exercise start --from 2026-07-14T20:00+08:00 --to 2026-07-15T02:00+08:00 --speed 600
  python -m service exercise seek <id> 2026-07-14T22:00+08:00
  python -m service exercise score <id>
  python -m service exercise report <id> --pdf review.pdf --html review.html
"""


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs its UTC offset, e.g. +08:00")
    return value


def add_parser(sub: Any) -> None:
    ex = sub.add_parser("exercise", help="trainers' replay exercises (start, pause, resume, seek, stop, score, "
                                         "report); see `exercise --help`",
                        description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmds = ex.add_subparsers(dest="exercise_command", required=True)
    start = cmds.add_parser("start", help="create an exercise (own record, process, keys) and start its clock")
    start.add_argument("--name", default="exercise", help="what the trainees see on the banner")
    start.add_argument("--scenario", help=f"a scenario under resources/scenarios/ ({', '.join(scenarios.available())})")
    start.add_argument("--from", dest="period_start", type=_when, help="recorded period start (ISO 8601 with offset)")
    start.add_argument("--to", dest="period_end", type=_when, help="recorded period end")
    start.add_argument("--speed", type=float, default=60.0, help="exercise seconds per real second, 1-3600 (60)")
    start.add_argument("--trainee", action="append", help="a trainee's name (repeat); an operator key each")
    start.add_argument("--play", action="append", default=[], help="callsign of a unit the trainees move (repeat)")
    start.add_argument("--paused", action="store_true", help="create it with the clock stopped")
    for name, text in (("pause", "stop the clock"), ("resume", "run the clock again"), ("stop", "end the exercise "
                       "and its process"), ("status", "state, clock, cues delivered")):
        cmds.add_parser(name, help=text).add_argument("id")
    seek = cmds.add_parser("seek", help="jump ahead; everything in between is delivered and evaluated")
    seek.add_argument("id")
    seek.add_argument("to", type=_when)
    speed = cmds.add_parser("speed", help="change the clock's speed")
    speed.add_argument("id")
    speed.add_argument("speed", type=float)
    score = cmds.add_parser("score", help="scores per operator key (JSON)")
    score.add_argument("id")
    report = cmds.add_parser("report", help="after-action review as HTML and/or PDF")
    report.add_argument("id")
    report.add_argument("--html", type=Path, help="write the HTML review here")
    report.add_argument("--pdf", type=Path, help="write the PDF review here")
    cmds.add_parser("list", help="exercises in the data folder")
    cmds.add_parser("scenarios", help="scenario files shipped")
    serve = cmds.add_parser("serve", help="(internal) serve one exercise's folder; `start` runs this")
    serve.add_argument("--dir", type=Path, required=True)
    serve.add_argument("--autostart", action="store_true")


def run(args: argparse.Namespace, settings: Settings) -> int:
    command = args.exercise_command
    if command == "serve":
        from service.exercise.process import serve

        return serve(args.dir, autostart=args.autostart)
    if command == "scenarios":
        for name in scenarios.available():
            sc = scenarios.load(name)
            print(f"{name:32} {sc.name} ({len(sc.cues)} cues, {sc.duration.total_seconds() / 60:.0f} min)")
        return 0
    db = Database(settings)
    mgr = ExerciseManager(settings=settings, live_db=db, clock=SystemClock())
    try:
        return _dispatch(args, mgr)
    except GridCommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()


def _dispatch(args: argparse.Namespace, mgr: ExerciseManager) -> int:
    from service.exercise import review

    command = args.exercise_command
    out: Any
    if command == "start":
        out = mgr.create(ExerciseRequest(name=args.name, scenario=args.scenario, period_start=args.period_start,
                                         period_end=args.period_end, speed=args.speed,
                                         trainees=args.trainee or ["trainee 1"], played_units=args.play,
                                         autostart=not args.paused))
    elif command in ("pause", "resume", "stop"):
        out = mgr.control(args.id, ControlAction(command))
    elif command == "seek":
        out = mgr.control(args.id, ControlAction.SEEK, to=args.to)
    elif command == "speed":
        out = mgr.control(args.id, ControlAction.SPEED, speed=args.speed)
    elif command == "status":
        out = mgr.status(args.id)
    elif command == "score":
        out = review.score_of(mgr, args.id)
    elif command == "list":
        out = mgr.list()
    else:  # report
        if not args.html and not args.pdf:
            print("error: give --html FILE and/or --pdf FILE", file=sys.stderr)
            return 2
        if args.html:
            args.html.write_text(review.html_of(mgr, args.id), encoding="utf-8")
        if args.pdf:
            args.pdf.write_bytes(review.pdf_of(mgr, args.id))
        out = {"html": str(args.html) if args.html else None, "pdf": str(args.pdf) if args.pdf else None}
    print(json.dumps(out, ensure_ascii=False, indent=1, default=str))
    return 0
