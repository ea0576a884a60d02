"""Unit-grid codes in a configurable layout; every layout says which standard it follows.

All layouts are decimal digits: county (6, GB/T 2260 administrative code) + street (3) + community (3)
+ grid sequence, so streets and communities carry their statistical division codes (9 and 12 digits).
They differ in the grid sequence:

- `db11_t_2157_2023` (the default): DB11/T 2157-2023's 15-digit unit-grid code, 6 + 3 + 3 + 3,
  e.g. 330108 003 012 007. This is the layout that could be checked in a published standard.
- `gb_t_30428_1_2013`: a 4-digit grid sequence (16 digits), as GB/T 30428.1-2013 was read when this
  project began; the standard's text could not be checked here, so it is kept only for records
  already numbered that way.

Micro-grids (微网格) are in neither standard; GridCommand extends the grid code by a 2-digit micro-grid
sequence in every layout, so a micro-grid code always begins with its grid's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service.domain.errors import InvalidInput


class Level(StrEnum):
    """Levels of the street's polygons; the first four nest and carry layout codes."""

    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    MICRO_GRID = "micro_grid"
    DEFENCE_ZONE = "defence_zone"
    PATROL_ZONE = "patrol_zone"


class CodeLayout(StrEnum):
    DB11_T_2157_2023 = "db11_t_2157_2023"
    GB_T_30428_1_2013 = "gb_t_30428_1_2013"


GRID_SEQUENCE_DIGITS = {CodeLayout.DB11_T_2157_2023: 3, CodeLayout.GB_T_30428_1_2013: 4}
MICRO_GRID_SEQUENCE_DIGITS = 2
DEFAULT_LAYOUT = CodeLayout.DB11_T_2157_2023
PARENT_LEVEL = {Level.COMMUNITY: Level.STREET, Level.GRID: Level.COMMUNITY, Level.MICRO_GRID: Level.GRID}


def code_lengths(layout: CodeLayout = DEFAULT_LAYOUT) -> dict[Level, int]:
    grid = 12 + GRID_SEQUENCE_DIGITS[layout]
    return {Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: grid, Level.MICRO_GRID: grid + MICRO_GRID_SEQUENCE_DIGITS}


CODE_LENGTH = code_lengths(DEFAULT_LAYOUT)  # the levels that carry layout codes, and their default lengths


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
        parts = [p for p in (self.county, self.street, self.community, self.grid, self.micro_grid) if p]
        return None if self.level is Level.STREET else "".join(parts[:-1])


def parse_code(code: str, *, level: Level | None = None, field: str = "code",
               layout: CodeLayout = DEFAULT_LAYOUT) -> GridCode:
    """Split and validate a code in `layout`; with `level`, the code must be of that level."""
    lengths = code_lengths(layout)
    if not isinstance(code, str) or not code.isdigit() or not code.isascii():
        raise InvalidInput.one(field, f"{code!r} is not a string of decimal digits")
    if level is not None and level not in lengths:
        raise ValueError(f"{level} codes are free-form, not layout codes")
    by_length = {n: lvl for lvl, n in lengths.items()}
    found = by_length.get(len(code))
    if found is None:
        raise InvalidInput.one(field, f"{code!r} has {len(code)} digits; expected 9 (street), 12 (community), "
                                      f"{lengths[Level.GRID]} (grid, {layout.value}) or "
                                      f"{lengths[Level.MICRO_GRID]} (micro-grid)")
    if level is not None and found is not level:
        raise InvalidInput.one(field, f"{code!r} is a {found.value} code, expected a {level.value} code "
                                      f"of {lengths[level]} digits")
    if code[:6].endswith("00"):
        raise InvalidInput.one(field, f"{code!r}: county part {code[:6]} is not a county-level code")
    grid_end = lengths[Level.GRID]
    parts = [code[0:6], code[6:9], code[9:12], code[12:grid_end], code[grid_end:]]
    for name, part in zip(("street", "community", "grid sequence", "micro-grid sequence"), parts[1:]):
        if part and int(part) == 0:
            raise InvalidInput.one(field, f"{code!r}: {name} part {part} must not be zero")
    return GridCode(parts[0], parts[1], parts[2] or None, parts[3] or None, parts[4] or None)


def child_code(parent: str, sequence: int, child_level: Level, layout: CodeLayout = DEFAULT_LAYOUT) -> str:
    """The code of the `sequence`-th child (1-based) of `parent` at `child_level`."""
    lengths = code_lengths(layout)
    width = lengths[child_level] - lengths[PARENT_LEVEL[child_level]]
    if not 1 <= sequence < 10**width:
        raise InvalidInput.one("sequence", f"{sequence} does not fit in {width} digits")
    return f"{parent}{sequence:0{width}d}"


def to_layout(code: str, source: CodeLayout, target: CodeLayout) -> str:
    """The same area's code in another layout (its grid sequence widened or narrowed)."""
    src = code_lengths(source)
    if len(code) not in (src[Level.GRID], src[Level.MICRO_GRID]) or not code.isdigit():
        return code  # streets, communities and free-form zone codes are the same in every layout
    sequence = code[12:src[Level.GRID]]
    width = GRID_SEQUENCE_DIGITS[target]
    if len(str(int(sequence))) > width:
        raise InvalidInput.one("code", f"{code}: grid sequence {sequence} does not fit in {width} digits")
    return code[:12] + f"{int(sequence):0{width}d}" + code[src[Level.GRID]:]
