"""The daily and weekly reports (PDF) that leaders print or forward."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, Reader
from service.context import ServiceContext
from service.domain.cockpit import Period, parse_day, parse_week
from service.flows import report_pdf, reports

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "The report, A4 pages"}}


def _render(ctx: ServiceContext, period: Period, kind_zh: str) -> bytes:
    m = reports.material(db=ctx.db, policy=ctx.dispatch.settings.sla, period=period, now=ctx.clock.now())
    return report_pdf.render(m, kind_zh=kind_zh)


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/daily.pdf", summary="The daily report: overview and map, charts, tables, breached cases",
            response_class=Response, responses=PDF)
async def daily(who: Reader, ctx: ContextDep,
                date: str | None = Query(None, description="The street's day, YYYY-MM-DD; default today")) -> Response:
    period = parse_day(date, now=ctx.clock.now())
    return _pdf(await run_in_threadpool(_render, ctx, period, "日报"), f"daily-{period.label}.pdf")


@router.get("/weekly.pdf", summary="The weekly report: overview and map, charts, tables, breached cases",
            response_class=Response, responses=PDF)
async def weekly(who: Reader, ctx: ContextDep,
                 week: str | None = Query(None, description="ISO week, e.g. 2026-W47; default this week")) -> Response:
    period = parse_week(week, now=ctx.clock.now())
    return _pdf(await run_in_threadpool(_render, ctx, period, "周报"), f"weekly-{period.label}.pdf")
