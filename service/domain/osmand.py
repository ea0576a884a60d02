"""Traccar Client's OsmAnd protocol, read as Traccar's own decoder reads it.

Classic form: `id`/`deviceid`, `timestamp` (Unix seconds, or milliseconds when larger than 2^31-1, or
ISO 8601, or "yyyy-MM-dd HH:mm:ss" in UTC), `lat`/`lon` or `location=lat,lon`, `speed` in knots,
`bearing`/`heading`, `altitude`, `accuracy`, `hdop`, `batt`; parameters from the query string, or from
a form body when the query is empty; any other key is kept as an attribute (numbers and booleans typed).
JSON form (Traccar Client 9+): `device_id` and `location` {timestamp, coords{latitude, longitude,
speed m/s, heading, altitude, accuracy}, battery{level 0-1, is_charging}, is_moving, odometer, event}.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from service.domain.errors import FieldProblem, InvalidInput
from service.domain.units import KNOT_MS

INT_MAX = 2**31 - 1


def parse_timestamp(value: str, *, field: str = "timestamp") -> datetime:
    text = value.strip()
    try:
        number = int(text)
    except ValueError:
        pass
    else:
        return datetime.fromtimestamp(number if number < INT_MAX else number / 1000, UTC)
    try:
        if "T" in text:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise InvalidInput.one(field, f"{value!r} is not Unix seconds or milliseconds, ISO 8601, "
                                      "or yyyy-MM-dd HH:mm:ss") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(params: Mapping[str, str], key: str) -> float | None:
    if key not in params or params[key] == "":
        return None
    try:
        return float(params[key])
    except ValueError:
        raise InvalidInput.one(key, f"{params[key]!r} is not a number") from None


def _typed(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return {"true": True, "false": False}.get(value, value)


KNOWN = {"id", "deviceid", "timestamp", "lat", "lon", "location", "speed", "bearing", "heading", "altitude",
         "accuracy", "hdop", "batt", "valid"}


def parse_classic(params: Mapping[str, str], *, received: datetime) -> dict[str, Any]:
    """Query/form parameters -> fields of a fix (lon/lat still in the sender's CRS)."""
    device = params.get("id") or params.get("deviceid")
    if not device:
        raise InvalidInput.one("id", "the device id (id or deviceid) is required")
    lat, lon = _number(params, "lat"), _number(params, "lon")
    if "location" in params:
        parts = params["location"].split(",")
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise InvalidInput.one("location", f"{params['location']!r} is not 'lat,lon'") from None
    if lat is None or lon is None:
        raise InvalidInput.one("lat" if lat is None else "lon", "a position (lat and lon, or location) is required")
    speed = _number(params, "speed")
    heading = _number(params, "heading") if "heading" in params else _number(params, "bearing")
    attributes = {k: _typed(v) for k, v in params.items() if k not in KNOWN}
    hdop = _number(params, "hdop")
    if hdop is not None:
        attributes["hdop"] = hdop
    if "valid" in params:
        attributes["valid"] = params["valid"] in ("true", "1")
    return {"device_id": device, "device_time": parse_timestamp(params["timestamp"]) if params.get("timestamp")
            else received, "lon": lon, "lat": lat, "speed_ms": speed * KNOT_MS if speed is not None else None,
            "heading": heading, "altitude": _number(params, "altitude"), "accuracy": _number(params, "accuracy"),
            "battery": _number(params, "batt"), "attributes": attributes}


def parse_json(body: Any, *, received: datetime) -> dict[str, Any]:
    """Traccar Client's JSON body -> fields of a fix."""
    if not isinstance(body, dict):
        raise InvalidInput.one("body", "must be a JSON object")
    device = body.get("device_id")
    location = body.get("location")
    if not device:
        raise InvalidInput.one("device_id", "is required")
    if not isinstance(location, dict) or not isinstance(location.get("coords"), dict):
        raise InvalidInput.one("location.coords", "is required")
    coords = location["coords"]
    problems = [FieldProblem(f"location.coords.{k}", "must be a number")
                for k in ("latitude", "longitude") if not isinstance(coords.get(k), int | float)]
    if problems:
        raise InvalidInput(problems)
    battery: dict[str, Any] = location["battery"] if isinstance(location.get("battery"), dict) else {}
    level = battery.get("level")
    attributes = {k: location[k] for k in ("is_moving", "odometer", "event") if k in location}
    if isinstance(location.get("activity"), dict):
        attributes["activity"] = location["activity"].get("type")
    if "is_charging" in battery:
        attributes["charge"] = battery["is_charging"]
    ts = location.get("timestamp")
    return {"device_id": str(device),
            "device_time": parse_timestamp(str(ts), field="location.timestamp") if ts else received,
            "lon": float(coords["longitude"]), "lat": float(coords["latitude"]),
            "speed_ms": _opt(coords.get("speed")), "heading": _opt(coords.get("heading")),
            "altitude": _opt(coords.get("altitude")), "accuracy": _opt(coords.get("accuracy")),
            "battery": level * 100 if isinstance(level, int | float) and level >= 0 else None,
            "attributes": attributes}


def _opt(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value >= 0 else None
