"""Reading batch bodies: `{"items": [...]}` parsed once with orjson, each item validated by its caller."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from service.domain.errors import InvalidInput


async def json_items(request: Request) -> list[Any]:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput.one("body", f"not valid JSON: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise InvalidInput.one("items", 'the body must be an object {"items": [ ... ]}')
    items: list[Any] = body["items"]
    return items
