"""Traccar Client's OsmAnd protocol, read as Traccar's own decoder reads it.

Classic form: `id`/`deviceid`, `timestamp` (Unix seconds, or milliseconds when larger than 2^31-1, or
ISO 8601, or "yyyy-MM-dd HH:mm:ss" in UTC), `lat`/`lon` or `location=lat,lon`, `speed` in knots,
`bearing`/`heading`, `altitude`, `accuracy`, `hdop`, `batt`; parameters from the query string, or from
a form body when the query is empty; any other key is kept as an attribute (numbers and booleans typed).
JSON form (Traccar Client 9+): `device_id` and `location` {timestamp, coords{latitude, longitude,
speed m/s, heading, altitude, accuracy}, battery{level 0-1, is_charging}, is_moving, odometer, event}.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from service.domain import bounds
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
        try:
            return datetime.fromtimestamp(number if number < INT_MAX else number / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidInput.one(field, f"{value!r} is not a time in the years 1-9999") from None
    try:
        if "T" in text:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise InvalidInput.one(field, f"{value!r} is not Unix seconds or milliseconds, ISO 8601, "
                                      "or yyyy-MM-dd HH:mm:ss") from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if bounds.to_utc(parsed) is None:
        raise InvalidInput.one(field, f"{value!r} is outside the years 1-9999 in UTC")
    return parsed


# The batch endpoint's limits, by the meaning of the value: a sender that breaks them is refused, not stored.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "speed": (0.0, None), "heading": (0.0, 360.0), "accuracy": (0.0, None), "hdop": (0.0, None),
    "battery": (0.0, 100.0)}


def checked(value: float, field: str, meaning: str | None = None) -> float:
    """A finite number inside its meaning's range (see RANGES), else the field's problem."""
    if not math.isfinite(value):
        raise InvalidInput.one(field, f"{value!r} is not a finite number")
    low, high = RANGES.get(meaning or "", (None, None))
    if low is not None and value < low:
        raise InvalidInput.one(field, f"{value:g} is below {low:g}")
    if high is not None and value > high:
        raise InvalidInput.one(field, f"{value:g} is above {high:g}")
    return value


def _number(params: Mapping[str, str], key: str, meaning: str | None = None) -> float | None:
    if key not in params or params[key] == "":
        return None
    try:
        value = float(params[key])
    except ValueError:
        raise InvalidInput.one(key, f"{params[key]!r} is not a number") from None
    return checked(value, key, meaning)


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
        lat, lon = checked(lat, "location"), checked(lon, "location")
    if lat is None or lon is None:
        raise InvalidInput.one("lat" if lat is None else "lon", "a position (lat and lon, or location) is required")
    speed = _number(params, "speed", "speed")
    heading = _number(params, "heading", "heading") if "heading" in params else _number(params, "bearing", "heading")
    attributes = {k: _typed(v) for k, v in params.items() if k not in KNOWN}
    hdop = _number(params, "hdop", "hdop")
    if hdop is not None:
        attributes["hdop"] = hdop
    if "valid" in params:
        attributes["valid"] = params["valid"] in ("true", "1")
    return {"device_id": device, "device_time": parse_timestamp(params["timestamp"]) if params.get("timestamp")
            else received, "lon": lon, "lat": lat, "speed_ms": speed * KNOT_MS if speed is not None else None,
            "heading": heading, "altitude": _number(params, "altitude"),
            "accuracy": _number(params, "accuracy", "accuracy"), "battery": _number(params, "batt", "battery"),
            "attributes": attributes}


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
                for k in ("latitude", "longitude") if not _is_number(coords.get(k))]
    if problems:
        raise InvalidInput(problems)
    battery: dict[str, Any] = location["battery"] if isinstance(location.get("battery"), dict) else {}
    level: Any = battery.get("level")
    # Traccar Client sends -1 when the phone does not know; anything else must be a fraction.
    if level is not None and level != -1 and (not _is_number(level) or not 0 <= level <= 1):
        raise InvalidInput.one("location.battery.level", f"{level!r} is not a fraction from 0 to 1")
    attributes = {k: location[k] for k in ("is_moving", "odometer", "event") if k in location}
    if isinstance(location.get("activity"), dict):
        attributes["activity"] = location["activity"].get("type")
    if "is_charging" in battery:
        attributes["charge"] = battery["is_charging"]
    ts = location.get("timestamp")
    return {"device_id": str(device),
            "device_time": parse_timestamp(str(ts), field="location.timestamp") if ts else received,
            "lon": checked(float(coords["longitude"]), "location.coords.longitude"),
            "lat": checked(float(coords["latitude"]), "location.coords.latitude"),
            "speed_ms": _opt(coords, "speed", "speed"), "heading": _opt(coords, "heading", "heading"),
            "altitude": _opt(coords, "altitude"), "accuracy": _opt(coords, "accuracy", "accuracy"),
            "battery": float(level) * 100 if _is_number(level) and level >= 0 else None,
            "attributes": attributes}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _opt(coords: dict[str, Any], key: str, meaning: str | None = None) -> float | None:
    """An optional coordinate value; Traccar Client sends -1 for speed and heading it does not know."""
    value = coords.get(key)
    if value is None or (meaning in ("speed", "heading") and value == -1):
        return None
    if not _is_number(value):
        raise InvalidInput.one(f"location.coords.{key}", f"{value!r} is not a number")
    return checked(float(value), f"location.coords.{key}", meaning)
