"""Evaluation (综合评价): on-time, closing and rework rates, verification failures and time per stage,
per department, grid or worker over a period; as JSON, CSV or XLSX (service/domain/evaluation.py)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, Reader
from service.context import ServiceContext
from service.domain.catalog import DEPARTMENTS
from service.domain.errors import InvalidInput
from service.domain.evaluation import COLUMNS, Subject, evaluate, flat
from service.store import evaluation as evaluation_store

router = APIRouter(prefix="/api/v1", tags=["evaluation"])
DEFAULT_PERIOD = timedelta(days=30)


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def _rows(ctx: ServiceContext, by: Subject, since: datetime, until: datetime) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        cases = evaluation_store.case_facts(session=session, since=since, until=until)
        names = ({str(k): v for k, v in evaluation_store.unit_names(session=session).items()}
                 if by is Subject.WORKER else {k: f"{k} {v}" for k, v in DEPARTMENTS.items()}
                 if by is Subject.DEPARTMENT else {})
    return evaluate(cases, by=by, policy=ctx.dispatch.settings.sla, names=names)


@router.get("/evaluation", summary="Evaluation (综合评价) per department, grid or worker over a period",
            description="Cases received in [since, until) (default: the last 30 days). Rates are 0..1 (null "
                        "when there is nothing to divide by); times in seconds. format=csv or xlsx downloads.",
            responses={200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument."
                                                                           "spreadsheetml.sheet": {}}}})
async def evaluation(who: Reader, ctx: ContextDep, by: Subject = Subject.DEPARTMENT,
                     since: AwareDatetime | None = None, until: AwareDatetime | None = None,
                     format: Format = Format.JSON) -> Response:  # noqa: A002 - the query parameter's name
    end = until or ctx.clock.now()
    start = since or end - DEFAULT_PERIOD
    if start >= end:
        raise InvalidInput.one("since", "must be before until")
    rows = await run_in_threadpool(_rows, ctx, by, start, end)
    stem = f"evaluation-{by.value}-{start.date()}-{end.date()}"
    if format is Format.CSV:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(flat(r) for r in rows)
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",  # BOM: Excel reads UTF-8
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    if format is Format.XLSX:
        return Response(await run_in_threadpool(_xlsx, rows, by),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    return Response(orjson.dumps({"by": by.value, "since": start.isoformat(), "until": end.isoformat(), "rows": rows}),
                    media_type="application/json")


def _xlsx(rows: list[dict[str, Any]], by: Subject) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = by.value
    sheet.append(list(COLUMNS))
    for r in rows:
        sheet.append(flat(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
