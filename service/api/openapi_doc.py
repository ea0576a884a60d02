"""Every status an operation can answer, in the OpenAPI document, with the error body of its face:
ours (`{"error": ...}`), OGC API's exception, Open311's error list, or OsmAnd's plain text."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

OUR_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "message"], "properties": {
        "status": {"type": "integer"}, "message": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "object", "required": ["field", "reason"], "properties": {
            "field": {"type": "string"}, "reason": {"type": "string"}}}}}}}}
OGC_EXCEPTION = {"type": "object", "required": ["code"], "properties": {
    "code": {"type": "string"}, "description": {"type": "string"}}}
OPEN311_ERRORS = {"type": "array", "items": {"type": "object", "required": ["code", "description"], "properties": {
    "code": {"type": "integer"}, "description": {"type": "string"}}}}

REASONS = {
    "400": "a parameter is malformed (the standard's own error body)",
    "401": "no access key, or an unknown, revoked or locked one",
    "403": "the key's role may not do this",
    "404": "the named thing does not exist",
    "409": "the action collides with the current state; the body carries it",
    "413": "the request body is larger than the service takes",
    "422": "a field is refused; the body names the field and the reason",
    "429": "too many failed keys from this address, or too many positions from this device; see Retry-After",
}
PUBLIC = ("/health",)


def _face(path: str) -> tuple[str, dict[str, Any]]:
    if path.startswith("/ogcapi"):
        return "application/json", OGC_EXCEPTION
    if path.startswith("/open311"):
        return "application/json", OPEN311_ERRORS
    if path.startswith("/osmand"):
        return "text/plain", {"type": "string"}
    return "application/json", OUR_ERROR


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    if path in PUBLIC:
        return []
    codes = ["401", "403", "429", "422"]
    if path.startswith(("/ogcapi", "/open311", "/osmand")):
        codes.append("400")
    if "{" in path or path.startswith(("/ogcapi", "/open311")):
        codes.append("404")
    if method in ("post", "put", "patch"):
        codes += ["413", "409"]
    return codes


def document_errors(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = build()
        for path, methods in doc.get("paths", {}).items():
            for method, operation in methods.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                media, schema = _face(path)
                responses = operation["responses"]
                for code in _statuses(path, method, operation):
                    existing = responses.get(code, {})
                    body_schema: dict[str, Any] = schema
                    if code == "422" and media == "application/json" and schema is OUR_ERROR:
                        # A batch refused whole answers with its per-item report, the documented 200 body.
                        ok = responses.get("200", {}).get("content", {}).get("application/json", {}).get("schema")
                        if ok and "batch" in path:
                            body_schema = {"anyOf": [OUR_ERROR, ok]}
                    responses[code] = {"description": existing.get("description") or REASONS[code],
                                       "content": {media: {"schema": body_schema}}}
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
