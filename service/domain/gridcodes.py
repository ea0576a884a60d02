"""Unit-grid codes after GB/T 30428.1-2013 (digital city management, unit grids).

The structure implemented here, all decimal digits:

    county (6, GB/T 2260 administrative code) + street (3) + community (3) + grid sequence (4)
    e.g. 330108 003 012 0007  -> 16 digits for a grid

Streets and communities use the statistical division codes (9 and 12 digits). Micro-grids (微网格)
are not part of the standard; GridCommand extends the grid code by a 2-digit micro-grid sequence
(18 digits), so a micro-grid code always begins with its grid's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service.domain.errors import InvalidInput


class Level(StrEnum):
    """Levels of the street's polygons; the first four nest and carry GB/T 30428.1-style codes."""

    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    MICRO_GRID = "micro_grid"
    DEFENCE_ZONE = "defence_zone"
    PATROL_ZONE = "patrol_zone"


CODE_LENGTH = {Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 16, Level.MICRO_GRID: 18}
PARENT_LEVEL = {Level.COMMUNITY: Level.STREET, Level.GRID: Level.COMMUNITY, Level.MICRO_GRID: Level.GRID}


@dataclass(frozen=True)
class GridCode:
    county: str
    street: str
    community: str | None = None
    grid: str | None = None
    micro_grid: str | None = None

    @property
    def level(self) -> Level:
        if self.micro_grid is not None:
            return Level.MICRO_GRID
        if self.grid is not None:
            return Level.GRID
        if self.community is not None:
            return Level.COMMUNITY
        return Level.STREET

    def __str__(self) -> str:
        return "".join(p for p in (self.county, self.street, self.community, self.grid, self.micro_grid) if p)

    def parent(self) -> str | None:
        level = self.level
        return None if level is Level.STREET else str(self)[: CODE_LENGTH[PARENT_LEVEL[level]]]


def parse_code(code: str, *, level: Level | None = None, field: str = "code") -> GridCode:
    """Split and validate a code; with `level`, the code must be of that level."""
    if not isinstance(code, str) or not code.isdigit() or not code.isascii():
        raise InvalidInput.one(field, f"{code!r} is not a string of decimal digits")
    if level is not None and level not in CODE_LENGTH:
        raise ValueError(f"{level} codes are free-form, not GB/T 30428.1 codes")
    by_length = {n: lvl for lvl, n in CODE_LENGTH.items()}
    found = by_length.get(len(code))
    if found is None:
        raise InvalidInput.one(field, f"{code!r} has {len(code)} digits; expected 9 (street), 12 (community), "
                                      "16 (grid, GB/T 30428.1) or 18 (micro-grid)")
    if level is not None and found is not level:
        raise InvalidInput.one(field, f"{code!r} is a {found.value} code, expected a {level.value} code "
                                      f"of {CODE_LENGTH[level]} digits")
    if code[:6].endswith("00"):
        raise InvalidInput.one(field, f"{code!r}: county part {code[:6]} is not a county-level code")
    parts = [code[0:6], code[6:9], code[9:12], code[12:16], code[16:18]]
    for name, part in zip(("street", "community", "grid sequence", "micro-grid sequence"), parts[1:]):
        if part and int(part) == 0:
            raise InvalidInput.one(field, f"{code!r}: {name} part {part} must not be zero")
    return GridCode(parts[0], parts[1], parts[2] or None, parts[3] or None, parts[4] or None)


def child_code(parent: str, sequence: int, child_level: Level) -> str:
    """The code of the `sequence`-th child (1-based) of `parent` at `child_level`."""
    width = CODE_LENGTH[child_level] - CODE_LENGTH[PARENT_LEVEL[child_level]]
    if not 1 <= sequence < 10**width:
        raise InvalidInput.one("sequence", f"{sequence} does not fit in {width} digits")
    return f"{parent}{sequence:0{width}d}"
