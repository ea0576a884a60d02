"""POST endpoints of the intake channels: one payload, a JSON batch, and (12345) a CSV batch."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from service.api import present
from service.api.bodies import json_items
from service.api.deps import ContextDep, PrincipalDep, check_channel
from service.api.errors import problems_from_pydantic
from service.channels import ADAPTERS, ChannelAdapter, hotline12345
from service.context import Principal, ServiceContext
from service.domain.catalog import Channel
from service.domain.errors import FieldProblem, InvalidInput, ItemOutcome
from service.domain.incident import IncidentDraft
from service.store import incidents as incident_store

router = APIRouter(prefix="/api/v1/channels", tags=["intake channels"])


class Accepted(BaseModel):
    id: int
    created: bool
    duplicate_of: int | None
    incident: dict[str, Any]


class BatchItemResult(BaseModel):
    index: int
    id: int | None = None
    created: bool = False
    duplicate_of: int | None = None
    problems: list[dict[str, str]] | None = None


class BatchResult(BaseModel):
    accepted: int
    rejected: int
    results: list[BatchItemResult]


def _accept_one(ctx: ServiceContext, who: Principal, draft: IncidentDraft, response: Response) -> Accepted:
    outcome = ctx.intake.ingest([draft])[0]
    if outcome.problems:
        raise InvalidInput(outcome.problems)
    assert outcome.id is not None
    with ctx.db.read() as session:
        row = incident_store.get(session=session, incident_id=outcome.id)
        assert row is not None
        record = incident_store.as_dict(row)
    response.status_code = 201 if outcome.created else 200
    return Accepted(id=outcome.id, created=outcome.created, duplicate_of=record["duplicate_of"],
                    incident=present.incident(record, who, ctx))


def _batch(ctx: ServiceContext, adapter: ChannelAdapter, items: list[Any],
           refused: dict[int, list[FieldProblem]] | None = None) -> Response:
    """Validate each item on its own, take in the good ones, report every one (BatchResult as JSON).

    The body is serialised here rather than through the response model: re-validating a thousand
    results on the way out cost more than taking them in."""
    if len(items) > ctx.settings.max_batch_items:
        raise InvalidInput.one("items", f"{len(items)} items; at most {ctx.settings.max_batch_items} per batch")
    drafts: list[IncidentDraft] = []
    positions: list[int] = []
    outcomes: dict[int, ItemOutcome] = {}
    for i, refusal in (refused or {}).items():
        outcomes[i] = ItemOutcome(index=i, problems=refusal)
    for i, raw in enumerate(items):
        if i in outcomes:
            continue
        try:
            drafts.append(adapter.to_draft(adapter.model.model_validate(raw)))
            positions.append(i)
        except ValidationError as exc:
            outcomes[i] = ItemOutcome(index=i, problems=problems_from_pydantic(exc.errors()))
    for pos, outcome in zip(positions, ctx.intake.ingest(drafts)):
        outcome.index = pos
        outcomes[pos] = outcome
    results = []
    for i in range(len(items)):
        o = outcomes[i]
        problems = [FieldProblem(f"items[{i}].{p.field}", p.reason).as_dict() for p in o.problems] or None
        results.append({"index": i, "id": o.id, "created": o.created, "duplicate_of": o.duplicate_of,
                        "problems": problems})
    accepted = sum(1 for r in results if r["problems"] is None)
    body = {"accepted": accepted, "rejected": len(items) - accepted, "results": results}
    return Response(orjson.dumps(body), status_code=422 if items and not accepted else 200,
                    media_type="application/json")


def _mount(adapter: ChannelAdapter) -> None:
    model = adapter.model

    def post_one(payload: BaseModel, who: PrincipalDep, ctx: ContextDep, response: Response) -> Accepted:
        check_channel(who, adapter.channel)
        return _accept_one(ctx, who, adapter.to_draft(payload), response)

    post_one.__annotations__["payload"] = model  # a real class: this module postpones annotations
    post_one.__name__ = f"post_{adapter.path}"
    router.add_api_route(
        f"/{adapter.path}", post_one, methods=["POST"], response_model=Accepted, status_code=201,
        summary=adapter.summary, responses={200: {"model": Accepted, "description": "this channel already sent "
                                                  "this external id: the existing incident, nothing created"}},
        description="201 when a new incident was created and committed; 200 when this channel already "
                    "sent this external id (the existing incident is returned, nothing is created).")

    async def post_batch(request: Request, who: PrincipalDep, ctx: ContextDep) -> Response:
        check_channel(who, adapter.channel)
        items = await json_items(request)
        return await run_in_threadpool(_batch, ctx, adapter, items)

    post_batch.__name__ = f"post_{adapter.path}_batch"
    router.add_api_route(
        f"/{adapter.path}/batch", post_batch, methods=["POST"], response_model=BatchResult,
        summary=f"{adapter.summary}: a batch",
        description="Each item is validated on its own; good items are committed, bad ones are reported "
                    "with their index, field and reason. 200 when at least one item was accepted, 422 when none.",
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"$ref": f"#/components/schemas/{model.__name__}"}}}},
            "example": {"items": model.model_config.get("json_schema_extra", {}).get("examples", [])}}}}})  # type: ignore[union-attr]


for _adapter in ADAPTERS:
    _mount(_adapter)


@router.post("/hotline12345/batch.csv", response_model=BatchResult, summary="12345 work orders: a CSV batch",
             description="UTF-8 CSV with a header row naming the work-order fields: "
                         + ", ".join(hotline12345.CSV_COLUMNS) + ". Empty cells are absent values.",
             openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"},
                            "example": ",".join(hotline12345.CSV_COLUMNS) + "\nHZ12345-20261121-004513,"
                            "2026-11-21T09:03:00+08:00,投诉,噪声扰民,夜间KTV噪音,浦沿路88号,120.1561,30.1644,"
                            "gcj02,王芳,13800001111,一般,"}}}})
async def post_hotline_csv(request: Request, who: PrincipalDep, ctx: ContextDep) -> Response:
    adapter = next(a for a in ADAPTERS if a.channel is Channel.HOTLINE_12345)
    check_channel(who, adapter.channel)
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput.one("body", "CSV must be UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [c for c in ("order_no", "accepted_at", "subject", "content", "longitude", "latitude")
                   if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput.one("header", f"missing column(s): {', '.join(missing)}")
        rows = list(reader)
    except csv.Error as exc:  # e.g. a bare carriage return outside quotes: the rows cannot be told apart
        raise InvalidInput.one("body", f"CSV line {reader.line_num}: {exc}; quote cells that hold line breaks") from None
    items: list[Any] = []
    refused: dict[int, list[FieldProblem]] = {}
    for i, row in enumerate(rows):
        surplus = row.pop(None, None)
        if surplus:  # a shifted row would put every later value under the wrong column
            refused[i] = [FieldProblem("row", f"{len(surplus)} cell(s) beyond the header's "
                                                      f"{len(reader.fieldnames or [])} columns: {surplus!r}")]
        items.append({k: v for k, v in row.items() if v not in ("", None)})
    return await run_in_threadpool(_batch, ctx, adapter, items, refused)
