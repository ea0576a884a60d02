"""The case workflow's steps that carry more than an action: photos (handler feedback, verification),
and a department acting on its own cases only.

A photo's files are written and synced to the data folder first, then its row is written in the
action's own transaction (service/flows/lifecycle.py `also`): a 2xx means both are durable; a refused
action removes the files it wrote.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from service.domain.errors import InvalidInput, NotFound
from service.domain.lifecycle import ActionRequest
from service.domain.photos import MAX_PHOTOS, CheckedPhoto, check_photo
from service.flows.lifecycle import LifecycleFlow
from service.store import incidents as incident_store
from service.store import workflow as workflow_store
from service.store.db import Database


class WorkflowFlow:
    def __init__(self, *, db: Database, lifecycle: LifecycleFlow, photos_dir: Path, max_photo_bytes: int) -> None:
        self._db = db
        self._lifecycle = lifecycle
        self.photos_dir = photos_dir
        self._max_photo_bytes = max_photo_bytes

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
            rows = [workflow_store.add_photo(session=session, incident_id=case_id, action=request.action.value,
                                             actor=request.actor, department=request.department,
                                             file_name=name, thumb_name=thumb, content_type=p.content_type,
                                             size_bytes=len(p.data), width=p.width, height=p.height, at=now)
                    for p, (name, thumb) in zip(photos, written, strict=True)]
            return {"photos": [workflow_store.photo_record(r) for r in rows]}

        try:
            return self._lifecycle.act(incident_id, request, also=record)
        except BaseException:
            for name, thumb in written:
                for n in (name, thumb):
                    (self.photos_dir / n).unlink(missing_ok=True)
            raise

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
