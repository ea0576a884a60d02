"""The case workflow's steps that carry more than an action: photos (handler feedback, verification),
and a department acting on its own cases only.

A photo's files are written and synced to the data folder first, then its row is written in the
action's own transaction (service/flows/lifecycle.py `also`): a 2xx means both are durable; a refused
action removes the files it wrote.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from service.domain.errors import Conflict, InvalidInput, NotFound
from service.domain.filing import ClosedCase, RepeatFinder
from service.domain.lifecycle import Action, ActionRequest
from service.domain.photos import MAX_PHOTOS, CheckedPhoto, check_photo
from service.flows.lifecycle import LifecycleFlow
from service.store import incidents as incident_store
from service.store import workflow as workflow_store
from service.store.db import Database

log = logging.getLogger(__name__)
REPEAT_ACTOR = "system:repeat_complaint"


@dataclass(frozen=True)
class _Report:
    id: int
    category: str
    lon: float
    lat: float
    received_at: datetime
    duplicate_of: int | None
    version: int


def _time(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


class _AnsweredMeanwhile(Exception):
    pass


class WorkflowFlow:
    def __init__(self, *, db: Database, lifecycle: LifecycleFlow, photos_dir: Path, max_photo_bytes: int,
                 repeat_radius_m: float = 50.0) -> None:
        self._db = db
        self._lifecycle = lifecycle
        self.photos_dir = photos_dir
        self._max_photo_bytes = max_photo_bytes
        self._repeat_radius_m = repeat_radius_m

    def reopen_on_repeat(self, created: Sequence[dict[str, Any]]) -> list[int]:
        """New reports (their records, as intake made them) that repeat a closed case (same category, within
        the repeat radius, within the reopen window of its closing; or merged by intake into a case closed
        since) reopen it, and are merged into it as duplicates. Returns the reopened cases. The reports are
        committed already: a case someone else changed meanwhile is left as it is (logged), never a reason
        to fail the intake. One read for the whole batch; nothing more when no case of its categories closed."""
        window = self._lifecycle.filing.reopen_window
        reports = [_Report(int(r["id"]), r["category"], r["lon"], r["lat"], _time(r["received_at"]), r.get("duplicate_of"),
                           int(r["version"])) for r in created if r.get("lon") is not None and r.get("lat") is not None]
        if not reports:
            return []
        with self._db.read() as session:
            closed_rows = workflow_store.closed_since(session=session, categories=sorted({r.category for r in reports}),
                                                      since=min(r.received_at for r in reports) - window)
        if not closed_rows:
            return []
        closed = [ClosedCase(r.id, r.category, r.lon, r.lat, datetime.fromisoformat(r.milestones["closed"]))
                  for r in closed_rows if r.lon is not None and r.lat is not None and (r.milestones or {}).get("closed")]
        by_id = {c.id: c for c in closed}
        versions = {r.id: r.version for r in closed_rows}
        finder = RepeatFinder(closed, radius_m=self._repeat_radius_m, window=window)
        reopened: list[int] = []
        for report in reports:
            if report.duplicate_of is not None:  # intake merged it into a recent case: reopen that if closed
                original = by_id.get(report.duplicate_of)
                if original is None or not original.closed_at <= report.received_at <= original.closed_at + window:
                    continue
                target, merge = original, False
            else:
                found = finder.repeated(category=report.category, lon=report.lon, lat=report.lat,
                                        arrived_at=report.received_at)
                if found is None:
                    continue
                target, merge = found, True
            try:
                if target.id not in reopened:  # else an earlier report of this batch reopened it
                    self._lifecycle.act(target.id, ActionRequest(
                        action=Action.REOPEN, actor=REPEAT_ACTOR, version=versions[target.id],
                        note=f"重复投诉 repeat complaint: case {report.id}", reason=f"repeat complaint {report.id}"))
                if merge:
                    self._lifecycle.act(report.id, ActionRequest(
                        action=Action.MARK_DUPLICATE, actor=REPEAT_ACTOR, version=report.version,
                        duplicate_of=target.id, note=f"repeats closed case {target.id}, reopened"))
            except (Conflict, InvalidInput, NotFound) as exc:
                log.warning("case %d repeats closed case %d but it was not reopened: %s", report.id, target.id, exc)
                continue
            if target.id not in reopened:
                reopened.append(target.id)
        return reopened

    def check_photos(self, uploads: Sequence[tuple[str, bytes]]) -> list[CheckedPhoto]:
        """(field name, bytes) of each upload -> the checked photos; InvalidInput names the bad one."""
        if len(uploads) > MAX_PHOTOS:
            raise InvalidInput.one("photos", f"{len(uploads)} photos; at most {MAX_PHOTOS} per step")
        return [check_photo(data, field=name, max_bytes=self._max_photo_bytes) for name, data in uploads]

    def act(self, incident_id: int, request: ActionRequest, photos: Sequence[CheckedPhoto] = ()) -> dict[str, Any]:
        """A lifecycle action with its photos, all durable when this returns."""
        if not photos:
            return self._lifecycle.act(incident_id, request)
        written = [self._write(p) for p in photos]

        def record(session: Any, case_id: int, now: datetime) -> dict[str, Any]:
            return self._record_photos(session, case_id, now, request, photos, written)

        try:
            return self._lifecycle.act(incident_id, request, also=record)
        except BaseException:
            self._remove(written)
            raise

    @staticmethod
    def _record_photos(session: Any, case_id: int, now: datetime, request: ActionRequest,
                       photos: Sequence[CheckedPhoto], written: Sequence[tuple[str, str]]) -> dict[str, Any]:
        rows = [workflow_store.add_photo(session=session, incident_id=case_id, action=request.action.value,
                                         actor=request.actor, department=request.department,
                                         file_name=name, thumb_name=thumb, content_type=p.content_type,
                                         size_bytes=len(p.data), width=p.width, height=p.height, at=now)
                for p, (name, thumb) in zip(photos, written, strict=True)]
        return {"photos": [workflow_store.photo_record(r) for r in rows]}

    def _remove(self, written: Sequence[tuple[str, str]]) -> None:
        for name, thumb in written:
            for n in (name, thumb):
                (self.photos_dir / n).unlink(missing_ok=True)

    def _write(self, photo: CheckedPhoto) -> tuple[str, str]:
        self.photos_dir.mkdir(parents=True, exist_ok=True)
        stem = uuid.uuid4().hex
        names = (f"{stem}.{photo.extension}", f"{stem}.thumb.jpg")
        for name, data in zip(names, (photo.data, photo.thumbnail), strict=True):
            with open(self.photos_dir / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        directory = os.open(self.photos_dir, os.O_RDONLY)
        try:
            os.fsync(directory)  # the names survive a power loss too
        finally:
            os.close(directory)
        return names

    def field_act(self, *, unit_id: int, key_id: int, incident_id: int, request: ActionRequest,
                  idempotency_key: str | None, photos: Sequence[CheckedPhoto] = ()) -> dict[str, Any]:
        """A field worker's action on a case its unit is assigned to, at the case's current version (the
        phone's intent does not depend on what it last saw). With an idempotency key, the first answer is
        kept in the action's transaction; a replay of the key gets that answer and acts no more."""
        scoped = f"{key_id}:{idempotency_key}" if idempotency_key else None
        with self._db.read() as session:
            if scoped is not None:
                earlier = workflow_store.idempotent_answer(session=session, key=scoped)
                if earlier is not None:
                    return {**earlier.response, "replayed": True}
            row = incident_store.get(session=session, incident_id=incident_id)
            if row is None or row.assigned_unit != unit_id:
                raise NotFound(f"incident {incident_id} is not assigned to your unit")
            version = row.version
        request = ActionRequest(**{**request.__dict__, "version": version})
        written = [self._write(p) for p in photos]

        def record(session: Any, case_id: int, now: datetime) -> dict[str, Any]:
            extra = self._record_photos(session, case_id, now, request, photos, written) if photos else {}
            if scoped is not None and not workflow_store.remember_answer(
                    session=session, key=scoped, key_id=key_id, incident_id=case_id, action=request.action.value,
                    response={"incident_id": case_id, "action": request.action.value}, at=now):
                raise _AnsweredMeanwhile  # rolls this action back: the same key, sent twice at once, acted once
            return extra

        try:
            record_out = self._lifecycle.act(incident_id, request, also=record)
        except _AnsweredMeanwhile:
            self._remove(written)
            with self._db.read() as session:
                earlier = workflow_store.idempotent_answer(session=session, key=scoped or "")
            if earlier is None:
                raise
            return {**earlier.response, "replayed": True}
        except BaseException:
            self._remove(written)
            raise
        return {"incident_id": incident_id, "action": request.action.value, "replayed": False, "incident": record_out}

    def field_cases(self, unit_id: int, statuses: Sequence[str]) -> list[dict[str, Any]]:
        with self._db.read() as session:
            return [incident_store.as_dict(r) for r in workflow_store.unit_cases(session=session, unit_id=unit_id,
                                                                                statuses=statuses)]

    def department_case(self, incident_id: int, department: str) -> dict[str, Any]:
        """The case if this department was whistled in on it; otherwise it does not exist for them."""
        with self._db.read() as session:
            row = incident_store.get(session=session, incident_id=incident_id)
            if row is None or department not in (row.departments or {}):
                raise NotFound(f"incident {incident_id} is not one of {department}'s cases")
            return incident_store.as_dict(row)

    def photo_file(self, photo_id: int, *, thumbnail: bool, department: str | None = None) -> tuple[Path, str]:
        """The file of a photo (a department: only of its own cases), and its content type."""
        with self._db.read() as session:
            photo = workflow_store.get_photo(session=session, photo_id=photo_id)
            case = incident_store.get(session=session, incident_id=photo.incident_id) if photo else None
            if photo is None or case is None or (department is not None and department not in (case.departments or {})):
                raise NotFound(f"photo {photo_id} does not exist")
            name, kind = (photo.thumb_name, "image/jpeg") if thumbnail else (photo.file_name, photo.content_type)
        return self.photos_dir / name, kind

    def photos(self, incident_id: int) -> list[dict[str, Any]]:
        with self._db.read() as session:
            return workflow_store.photos_of(session=session, incident_id=incident_id)
