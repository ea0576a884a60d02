"""A micro-grid's QR code (segno): it opens the resident report page of that micro-grid."""

from __future__ import annotations

import io

import segno
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from service.api.deps import ContextDep, Reader
from service.api.resident import micro_grid_card, public_base

router = APIRouter(prefix="/api/v1/areas", tags=["resident reporting"])


def report_url(request: Request, ctx: ContextDep, code: str) -> str:
    return f"{public_base(request, ctx)}/report/{code}"


def _qr(url: str, kind: str) -> bytes:
    out = io.BytesIO()
    # error level M survives a scuffed sticker; scale 10 prints at ~3 cm from a 300 dpi label printer
    segno.make(url, error="m", micro=False).save(out, kind=kind, scale=10, border=4)
    return out.getvalue()


@router.get("/{code}/qr.png", summary="The micro-grid's QR code (PNG) opening its resident report page",
            responses={200: {"content": {"image/png": {}}}})
async def qr_png(code: str, request: Request, who: Reader, ctx: ContextDep) -> Response:
    await run_in_threadpool(micro_grid_card, ctx, code)
    return Response(_qr(report_url(request, ctx, code), "png"), media_type="image/png",
                    headers={"Content-Disposition": f'inline; filename="{code}.png"'})


@router.get("/{code}/qr.svg", summary="The micro-grid's QR code (SVG) opening its resident report page",
            responses={200: {"content": {"image/svg+xml": {}}}})
async def qr_svg(code: str, request: Request, who: Reader, ctx: ContextDep) -> Response:
    await run_in_threadpool(micro_grid_card, ctx, code)
    return Response(_qr(report_url(request, ctx, code), "svg"), media_type="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="{code}.svg"'})
