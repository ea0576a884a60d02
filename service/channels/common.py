"""Pieces the channel payloads share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from service.api.bounds import UtcTime


class Position(BaseModel):
    """A point with its declared CRS: lon/lat for geographic systems, easting/northing for projected ones."""

    model_config = ConfigDict(allow_inf_nan=False)

    x: float = Field(description="Longitude, or easting in metres for a projected EPSG code")
    y: float = Field(description="Latitude, or northing in metres for a projected EPSG code")
    crs: str = Field("WGS84", description="WGS84, CGCS2000, GCJ02, BD09 or EPSG:<code>", max_length=32)


Timestamp = UtcTime

