"""How records are shown to a caller: personal data masked unless the caller's role may see it,
and each case with its SLA clocks (deadline, state, seconds to breach) at the time of showing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.api.auth import actor_of
from service.context import Principal, ServiceContext
from service.domain.access import Permission, allows, mask_attributes, mask_name, mask_phone
from service.domain.lifecycle import CaseStatus
from service.domain.sla import clocks, most_urgent


def incident(d: dict[str, Any], who: Principal, ctx: ServiceContext) -> dict[str, Any]:
    out = dict(d)
    if not allows(who.role, Permission.SEE_PERSONAL_DATA):
        out["reporter_name"] = mask_name(d.get("reporter_name"))
        out["reporter_phone"] = mask_phone(d.get("reporter_phone"))
        if "attributes" in d:
            out["attributes"] = mask_attributes(d["attributes"])
    elif d.get("reporter_name") or d.get("reporter_phone"):  # PIPL: unmasked personal data read, recorded
        ctx.audit.personal_data_read(actor_of(who), int(d["id"]))
    if d.get("category") and d.get("received_at"):
        now = ctx.clock.now()
        received = d["received_at"]
        case_clocks = clocks(category=d["category"], priority=d["priority"], status=CaseStatus(d["status"]),
                             received_at=datetime.fromisoformat(received) if isinstance(received, str) else received,
                             milestones=d.get("milestones") or {}, policy=ctx.dispatch.settings.sla, now=now,
                             channel=d.get("channel"), departments=d.get("departments"))
        out["sla"] = [c.as_dict(now) for c in case_clocks]
        out["seconds_to_breach"] = most_urgent(case_clocks, now)
    return out


def incident_feature(d: dict[str, Any], who: Principal, ctx: ServiceContext) -> dict[str, Any]:
    props = incident(d, who, ctx)
    geometry = None if d.get("lon") is None else {"type": "Point", "coordinates": [d["lon"], d["lat"]]}
    return {"type": "Feature", "id": d["id"], "geometry": geometry, "properties": props}


def unit_feature(d: dict[str, Any]) -> dict[str, Any]:
    geometry = None if d.get("lon") is None else {"type": "Point", "coordinates": [d["lon"], d["lat"]]}
    return {"type": "Feature", "id": d["id"], "geometry": geometry, "properties": d}
