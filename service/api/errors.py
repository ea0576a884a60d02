"""Turns the service's errors into status codes and bodies that name the field and the reason."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.domain.errors import AccessDenied, Conflict, FieldProblem, InvalidInput, NotFound


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


def install(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return JSONResponse(error_body(422, exc.message, exc.problems), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        skip = 1  # 'body' / 'query' / 'header'
        problems = problems_from_pydantic(exc.errors(), skip=skip)
        message = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        return JSONResponse(error_body(422, message, problems), status_code=422)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(error_body(404, exc.message), status_code=404)

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse(error_body(409, exc.message, current=exc.current, allowed=exc.allowed),
                            status_code=409)

    @app.exception_handler(AccessDenied)
    async def _denied(_: Request, exc: AccessDenied) -> JSONResponse:
        status = 403 if exc.authenticated else 401
        headers = {} if exc.authenticated else {"WWW-Authenticate": 'Bearer realm="gridcommand"'}
        return JSONResponse(error_body(status, exc.message), status_code=status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(exc.status_code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
