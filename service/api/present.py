"""How records are shown to a caller: personal data masked unless the caller's role may see it."""

from __future__ import annotations

from typing import Any

from service.context import Principal
from service.domain.access import Permission, allows, mask_name, mask_phone


def incident(d: dict[str, Any], who: Principal) -> dict[str, Any]:
    if allows(who.role, Permission.SEE_PERSONAL_DATA):
        return d
    return {**d, "reporter_name": mask_name(d.get("reporter_name")),
            "reporter_phone": mask_phone(d.get("reporter_phone"))}


def incident_feature(d: dict[str, Any], who: Principal) -> dict[str, Any]:
    props = incident(d, who)
    geometry = None if d.get("lon") is None else {"type": "Point", "coordinates": [d["lon"], d["lat"]]}
    return {"type": "Feature", "id": d["id"], "geometry": geometry, "properties": props}
