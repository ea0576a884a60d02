"""A micro-grid's QR code (segno): it opens the resident report page of that micro-grid."""

from __future__ import annotations

import io

import segno
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, Reader
from service.api.resident import micro_grid_card, public_base
from service.domain.errors import NotFound
from service.flows import qr_sheet as qr_sheet_flow
from service.store import cockpit as cockpit_store

router = APIRouter(prefix="/api/v1/areas", tags=["resident reporting"])


def report_url(request: Request, ctx: ContextDep, code: str) -> str:
    return f"{public_base(request, ctx)}/report/{code}"


def _qr(url: str, kind: str) -> bytes:
    out = io.BytesIO()
    # error level M survives a scuffed sticker; scale 10 prints at ~3 cm from a 300 dpi label printer
    segno.make(url, error="m", micro=False).save(out, kind=kind, scale=10, border=4)
    return out.getvalue()


async def _qr_response(code: str, request: Request, ctx: ContextDep, kind: str, media_type: str) -> Response:
    await run_in_threadpool(micro_grid_card, ctx, code)
    return Response(_qr(report_url(request, ctx, code), kind), media_type=media_type,
                    headers={"Content-Disposition": f'inline; filename="{code}.{kind}"'})


@router.get("/{code}/qr.png", summary="The micro-grid's QR code (PNG) opening its resident report page",
            responses={200: {"content": {"image/png": {}}}})
async def qr_png(code: str, request: Request, who: Reader, ctx: ContextDep) -> Response:
    return await _qr_response(code, request, ctx, "png", "image/png")


@router.get("/{code}/qr.svg", summary="The micro-grid's QR code (SVG) opening its resident report page",
            responses={200: {"content": {"image/svg+xml": {}}}})
async def qr_svg(code: str, request: Request, who: Reader, ctx: ContextDep) -> Response:
    return await _qr_response(code, request, ctx, "svg", "image/svg+xml")


@router.get("/{code}/qr-sheet.pdf", summary="Printable QR labels of a community's micro-grids (A4 PDF, 12 a page)",
            responses={200: {"content": {"application/pdf": {}}}})
async def qr_sheet(code: str, request: Request, who: Reader, ctx: ContextDep) -> Response:
    def build() -> bytes:
        with ctx.db.read() as session:
            labels = cockpit_store.community_sheet(session=session, community_code=code)
        if labels is None:
            raise NotFound(f"{code!r} is not a community of this street")
        urls = {label["code"]: report_url(request, ctx, label["code"]) for label in labels}
        title = f"{labels[0]['community'] if labels else code} · 微网格扫码上报二维码"
        return qr_sheet_flow.render(labels, url_of=urls, title=title)

    return Response(await run_in_threadpool(build), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="qr-{code}.pdf"'})
