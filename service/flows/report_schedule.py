"""Reports on a schedule: yesterday's daily and last week's weekly PDF, written once into data_dir/reports/
by the process holding the watch lease (a period with no case gets no report)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from service.domain import cockpit as board
from service.domain.cockpit import Period
from service.domain.sla import SlaPolicy
from service.flows import report_pdf, reports
from service.store import cockpit as cockpit_store
from service.store.db import Database

FOLDER = "reports"
EVERY_PASSES = 60  # the watch passes about once a second: look once a minute


def due_periods(now: datetime) -> list[tuple[str, str, Period]]:
    yesterday = (now.astimezone(board.LOCAL_TZ) - timedelta(days=1)).date()
    year, week, _ = (now.astimezone(board.LOCAL_TZ) - timedelta(days=7)).date().isocalendar()
    return [("daily", "日报", board.local_day(yesterday)), ("weekly", "周报", board.iso_week(year, week))]


def produce_due(*, db: Database, policy: SlaPolicy, now: datetime, data_dir: Path) -> list[Path]:
    """Write the reports that are due and missing; returns the files written."""
    folder = data_dir / FOLDER
    written = []
    for kind, kind_zh, period in due_periods(now):
        path = folder / f"{kind}-{period.label}.pdf"
        if path.exists():
            continue
        with db.read() as session:
            if not cockpit_store.any_case_between(session=session, start=period.start, end=period.end):
                continue
        body = report_pdf.render(reports.material(db=db, policy=policy, period=period, now=now), kind_zh=kind_zh)
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".pdf.partial")  # a reader never sees half a report
        with open(partial, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
        written.append(path)
    return written
