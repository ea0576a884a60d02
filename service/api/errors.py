"""Turns the service's errors into status codes and bodies that name the field and the reason."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.domain.errors import AccessDenied, Conflict, FieldProblem, InvalidInput, NotFound, Throttled
from service.domain.throttle import retry_after_header


def error_body(status: int, message: str, problems: list[FieldProblem] | None = None,
               **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "message": message}
    if problems:
        body["problems"] = [p.as_dict() for p in problems]
    body.update(extra)
    return {"error": body}


def problems_from_pydantic(errors: Any, *, skip: int = 0) -> list[FieldProblem]:
    """Pydantic's error list -> field problems; `skip` drops leading location parts such as 'body'."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())][skip:]
        reason = e.get("msg", "invalid")
        if e.get("type") == "missing":
            reason = "is required"
        elif e.get("type") == "extra_forbidden":
            reason = "is not a field of this payload"
        out.append(FieldProblem(".".join(loc) or "body", reason))
    return out


OGC_PREFIX = "/ogcapi"
OPEN311_PREFIX = "/open311"
OGC_CODES = {400: "InvalidParameterValue", 401: "NotAuthorized", 403: "Forbidden", 404: "NotFound",
             409: "Conflict", 413: "PayloadTooLarge", 422: "InvalidParameterValue", 429: "TooManyRequests"}


def respond(request: Request, status: int, message: str, problems: list[FieldProblem] | None = None, *,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """One error in the shape the route's standard defines: OGC's exception, Open311's list, ours elsewhere."""
    path = request.url.path
    if path.startswith(OGC_PREFIX):
        status = 400 if status == 422 else status  # OGC API - Features answers bad parameters with 400
        return JSONResponse({"code": OGC_CODES.get(status, "ServerError"), "description": message},
                            status_code=status, headers=headers)
    if path.startswith(OPEN311_PREFIX):
        status = 400 if status == 422 else status
        return JSONResponse([{"code": status, "description": message}], status_code=status, headers=headers)
    return JSONResponse(error_body(status, message, problems, **extra), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    async def _invalid(request: Request, exc: InvalidInput) -> JSONResponse:
        return respond(request, 422, exc.message, exc.problems)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        skip = 1  # 'body' / 'query' / 'header'
        problems = problems_from_pydantic(exc.errors(), skip=skip)
        message = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        return respond(request, 422, message, problems)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return respond(request, 404, exc.message)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return respond(request, 409, exc.message, current=exc.current, allowed=exc.allowed)

    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied) -> JSONResponse:
        status = 403 if exc.authenticated else 401
        headers = {} if exc.authenticated else {"WWW-Authenticate": 'Bearer realm="gridcommand"'}
        return respond(request, status, exc.message, headers=headers)

    @app.exception_handler(Throttled)
    async def _throttled(request: Request, exc: Throttled) -> JSONResponse:
        return respond(request, 429, exc.message, headers={"Retry-After": retry_after_header(exc.retry_after_s)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's own "error parsing the body": name the field like every other refusal
            problem = FieldProblem("body", f"{exc.detail}: not valid JSON or form data")
            return respond(request, 422, f"body: {problem.reason}", [problem])
        return respond(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))
