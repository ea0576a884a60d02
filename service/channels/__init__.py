"""One adapter per intake channel: that channel's own payload (a pydantic model) -> IncidentDraft.

Each module exposes MODEL (the payload schema, with a realistic example for the OpenAPI document),
CHANNEL and to_draft(payload). The registry below is what the HTTP layer mounts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from service.channels import citymgmt, hotline12345, onlinehelp, police110
from service.domain.catalog import Channel
from service.domain.incident import IncidentDraft


@dataclass(frozen=True)
class ChannelAdapter:
    channel: Channel
    path: str               # URL segment under /api/v1/channels/
    summary: str
    model: type[BaseModel]
    to_draft: Callable[[Any], IncidentDraft]


ADAPTERS: list[ChannelAdapter] = [
    ChannelAdapter(Channel.POLICE_110, "police110", "110 non-police incident transfer (110非警务警情)",
                   police110.Transfer110, police110.to_draft),
    ChannelAdapter(Channel.HOTLINE_12345, "hotline12345", "12345 hotline work order (12345工单)",
                   hotline12345.WorkOrder, hotline12345.to_draft),
    ChannelAdapter(Channel.CITY_MANAGEMENT, "citymgmt",
                   "Digital city management case with GB/T 30428.2 codes (数字城管案件)",
                   citymgmt.CityCase, citymgmt.to_draft),
    ChannelAdapter(Channel.ONLINE_HELP, "onlinehelp", "Online help request (网上求助)",
                   onlinehelp.HelpRequest, onlinehelp.to_draft),
]
