"""A demo street shaped like Puyan street (浦沿街道), Binjiang, Hangzhou; deterministic by seed.

25 communities, 173 grids, 928 micro-grids, 5 defence zones, 10 patrol zones, 92 patrol members and
the grid rosters of the source document. Polygons are cut on a 20 m integer lattice in CGCS2000
Gauss-Krueger zone 40 (EPSG:4528), every edge densified at lattice points, then gently warped and
reprojected to lon/lat. Because neighbours share the very same vertices, the nesting is exact: no
gaps, no overlaps, every micro-grid inside one grid.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from service.domain.catalog import DEPARTMENTS
from service.domain.gridcodes import Level, child_code
from service.domain.roster import RosterRole, TeamKind
from service.domain.topology import reading_order
from service.domain.units import UnitType

STREET_CODE = "330108003"  # Binjiang district 330108, street sequence 003 (demo)
STREET_NAME = "浦沿街道"
CENTER_LON, CENTER_LAT = 120.155, 30.165
WIDTH_M, HEIGHT_M = 5600, 4000
STEP_M = 20
WARP_AMPLITUDE_M, WARP_WAVELENGTH_M = 70.0, 1700.0

COMMUNITY_NAMES = [
    "浦沿", "东冠", "冠山", "新生", "杨家墩", "山一", "山二", "浦联", "联庄", "湖景", "新浦", "浦乐", "伟业",
    "南江", "江一", "江二", "钱塘", "六和", "信诚", "长河", "白马", "冠盛", "浦晨", "铁岭", "闻涛",
]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国红梅玉兰志文斌辉鹏飞婷雪琳晨阳宇浩然欣怡子涵思远佳豪"

PATROL_MEMBERS = 92
GRID_HEADS, FULL_TIME, PART_TIME, INSTRUCTORS = 150, 173, 173, 136


@dataclass
class DemoArea:
    code: str
    level: Level
    name: str
    parent_code: str | None
    geometry: Polygon
    households: int | None = None


@dataclass
class DemoPerson:
    name: str
    role: RosterRole
    phone: str
    grid_code: str | None = None
    team_code: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoTeam:
    code: str
    name: str
    kind: TeamKind
    zone_code: str | None


@dataclass
class DemoUnit:
    callsign: str
    name: str
    unit_type: UnitType
    device_id: str | None
    lon: float | None
    lat: float | None
    team_code: str | None = None
    home_grid: str | None = None
    home_zone: str | None = None
    skills: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoBuilding:
    """A residential building: where it stands and how many households live in it."""

    code: str
    micro_grid: str
    households: int
    lon: float
    lat: float


@dataclass
class DemoStreet:
    areas: list[DemoArea]
    people: list[DemoPerson]
    teams: list[DemoTeam]
    departments: dict[str, str]
    units: list[DemoUnit] = field(default_factory=list)
    roads: list[Any] = field(default_factory=list)  # street centre lines: the demo's grids are bounded by streets
    buildings: list[DemoBuilding] = field(default_factory=list)  # each micro-grid's households, house by house

    def of_level(self, level: Level) -> list[DemoArea]:
        return [a for a in self.areas if a.level is level]


Rect = tuple[int, int, int, int]  # lattice units: x0, y0, x1, y1


def _split(rect: Rect, n: int, rng: random.Random) -> list[Rect]:
    """Cut a rectangle into n, areas roughly proportional, along the longer side, recursively."""
    if n == 1:
        return [rect]
    x0, y0, x1, y1 = rect
    n1 = n // 2
    ratio = n1 / n * rng.uniform(0.85, 1.15)
    if x1 - x0 >= y1 - y0:
        cut = min(max(x0 + round((x1 - x0) * ratio), x0 + 1), x1 - 1)
        first, second = (x0, y0, cut, y1), (cut, y0, x1, y1)
    else:  # north first: y grows northwards
        cut = min(max(y1 - round((y1 - y0) * ratio), y0 + 1), y1 - 1)
        first, second = (x0, cut, x1, y1), (x0, y0, x1, cut)
    return _split(first, n1, rng) + _split(second, n - n1, rng)


def _counts(total: int, parts: int, rng: random.Random) -> list[int]:
    base, extra = divmod(total, parts)
    bumped = set(rng.sample(range(parts), extra))
    return [base + (1 if i in bumped else 0) for i in range(parts)]


class _Projector:
    """Lattice rectangle -> densified, warped lon/lat polygon."""

    def __init__(self) -> None:
        self._to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4528", always_xy=True)
        self._to_ll = Transformer.from_crs("EPSG:4528", "EPSG:4326", always_xy=True)
        cx, cy = self._to_gk.transform(CENTER_LON, CENTER_LAT)
        self.x0 = round(cx - WIDTH_M / 2)
        self.y0 = round(cy - HEIGHT_M / 2)

    def _warp(self, i: int, j: int) -> tuple[float, float]:
        x, y = self.x0 + i * STEP_M, self.y0 + j * STEP_M
        k = 2 * math.pi / WARP_WAVELENGTH_M
        return (x + WARP_AMPLITUDE_M * math.sin(k * (y - self.y0)) * math.sin(0.7 * k * (x - self.x0)),
                y + WARP_AMPLITUDE_M * math.sin(0.8 * k * (x - self.x0)) * math.cos(0.5 * k * (y - self.y0)))

    def polygon(self, rect: Rect) -> Polygon:
        x0, y0, x1, y1 = rect
        ring = ([(i, y0) for i in range(x0, x1)] + [(x1, j) for j in range(y0, y1)]
                + [(i, y1) for i in range(x1, x0, -1)] + [(x0, j) for j in range(y1, y0, -1)])
        xs, ys = zip(*(self._warp(i, j) for i, j in ring))
        lons, lats = self._to_ll.transform(xs, ys)
        return Polygon(list(zip(lons, lats)))


def _reading_order(rects: list[Rect], proj: _Projector) -> list[int]:
    return reading_order([proj.polygon(r) for r in rects])


def _in_reading_order(rects: list[Rect], proj: _Projector) -> list[Rect]:
    """Children are numbered in reading order, the rule topology validation checks codes against."""
    return [rects[i] for i in _reading_order(rects, proj)]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def build(seed: int = 20260101) -> DemoStreet:
    """Generate the demo street; the same seed always gives the same street."""
    rng = random.Random(seed)
    proj = _Projector()
    street_rect: Rect = (0, 0, WIDTH_M // STEP_M, HEIGHT_M // STEP_M)
    areas = [DemoArea(STREET_CODE, Level.STREET, STREET_NAME, None, proj.polygon(street_rect))]

    grid_counts = _counts(173, 25, rng)
    community_rects: list[Rect] = []
    defence_of: list[int] = []
    for d, zone_rect in enumerate(_split(street_rect, 5, rng)):
        for rect in _split(zone_rect, 5, rng):
            community_rects.append(rect)
            defence_of.append(d)
    order = _reading_order(community_rects, proj)
    community_rects, defence_of = [community_rects[i] for i in order], [defence_of[i] for i in order]
    micro_counts = iter(_counts(928, 173, rng))
    grid_codes: list[str] = []
    for c, rect in enumerate(community_rects):
        c_code = child_code(STREET_CODE, c + 1, Level.COMMUNITY)
        c_name = COMMUNITY_NAMES[c] + "社区"
        areas.append(DemoArea(c_code, Level.COMMUNITY, c_name, STREET_CODE, proj.polygon(rect)))
        for g, g_rect in enumerate(_in_reading_order(_split(rect, grid_counts[c], rng), proj)):
            g_code = child_code(c_code, g + 1, Level.GRID)
            grid_codes.append(g_code)
            g_name = f"{COMMUNITY_NAMES[c]}第{g + 1}网格"
            micro_rects = _in_reading_order(_split(g_rect, next(micro_counts), rng), proj)
            micro = [DemoArea(child_code(g_code, m + 1, Level.MICRO_GRID), Level.MICRO_GRID,
                              f"{g_name}{m + 1}号微网格", g_code, proj.polygon(m_rect), rng.randint(300, 500))
                     for m, m_rect in enumerate(micro_rects)]
            areas.append(DemoArea(g_code, Level.GRID, g_name, c_code, proj.polygon(g_rect),
                                  sum(m.households or 0 for m in micro)))
            areas.extend(micro)
    communities = [a for a in areas if a.level is Level.COMMUNITY]
    for community in communities:
        community.households = sum(a.households or 0 for a in areas
                                   if a.level is Level.GRID and a.parent_code == community.code)

    teams: list[DemoTeam] = []
    for d in range(5):
        members = [communities[i] for i in range(25) if defence_of[i] == d]
        d_code = f"FQ{d + 1:02d}"
        areas.append(DemoArea(d_code, Level.DEFENCE_ZONE, f"第{d + 1}防区", STREET_CODE,
                              _union(m.geometry for m in members)))
        for half, group in enumerate((members[:3], members[3:])):
            p_code = f"XQ{2 * d + half + 1:02d}"
            areas.append(DemoArea(p_code, Level.PATROL_ZONE, f"第{2 * d + half + 1}巡区", d_code,
                                  _union(m.geometry for m in group)))
            teams.append(DemoTeam(f"XFD{2 * d + half + 1:02d}", f"第{2 * d + half + 1}巡区巡防队",
                                  TeamKind.PATROL, p_code))
    teams += [DemoTeam("ZFD01", "综合执法一中队", TeamKind.LAW_ENFORCEMENT, "FQ01"),
              DemoTeam("ZFD02", "综合执法二中队", TeamKind.LAW_ENFORCEMENT, "FQ04"),
              DemoTeam("TJD01", "平安调解队", TeamKind.MEDIATION, None),
              DemoTeam("TJD02", "邻里和事佬调解队", TeamKind.MEDIATION, None)]

    people = _roster(rng, grid_codes, teams)
    street = DemoStreet(areas, people, teams, dict(DEPARTMENTS))
    street.units = _units(rng, street)
    street.roads = list(shapely.get_parts(unary_union([a.geometry.boundary for a in street.of_level(Level.GRID)])))
    street.buildings = _buildings(random.Random(seed + 7), street)
    return street


def _buildings(rng: random.Random, street: DemoStreet) -> list[DemoBuilding]:
    """3 to 8 residential buildings per micro-grid whose households add up to the micro-grid's.

    A separate random stream, so adding buildings left every other part of the street as it was."""
    out: list[DemoBuilding] = []
    for micro in street.of_level(Level.MICRO_GRID):
        total = micro.households or 0
        count = rng.randint(3, 8)
        cuts = sorted(rng.sample(range(1, total), count - 1)) if total > count else []
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total])] if cuts else [total]
        shapely.prepare(micro.geometry)
        for n, size in enumerate(sizes, start=1):
            lon, lat = point_in(micro.geometry, rng)
            out.append(DemoBuilding(f"{micro.code}B{n:02d}", micro.code, size, lon, lat))
    return out


def point_in(polygon: Polygon, rng: random.Random) -> tuple[float, float]:
    """A uniformly random point inside a polygon."""
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return lon, lat


def _units(rng: random.Random, street: DemoStreet) -> list[DemoUnit]:
    """Everyone the center can send, placed somewhere in their own patch."""
    by_code = {a.code: a for a in street.areas}
    team_zone = {t.code: t.zone_code for t in street.teams}
    units: list[DemoUnit] = []
    per_team: dict[str, int] = {}
    for p in street.people:
        if p.role is RosterRole.PATROL_MEMBER and p.team_code:
            per_team[p.team_code] = per_team.get(p.team_code, 0) + 1
            callsign = f"XF{p.team_code[-2:]}-{per_team[p.team_code]:02d}"
            zone = team_zone[p.team_code]
            lon, lat = point_in(by_code[zone or STREET_CODE].geometry, rng)
            units.append(DemoUnit(callsign, p.name, UnitType.PATROL, callsign.lower(), lon, lat,
                                  team_code=p.team_code, home_zone=zone))
        elif p.role is RosterRole.FULL_TIME_GRID_WORKER and p.grid_code:
            callsign = f"WG{p.grid_code[9:12]}-{p.grid_code[12:]}"
            lon, lat = point_in(by_code[p.grid_code].geometry, rng)
            units.append(DemoUnit(callsign, p.name, UnitType.GRID_WORKER, callsign.lower(), lon, lat,
                                  home_grid=p.grid_code))
    for t in street.teams:
        if t.kind in (TeamKind.LAW_ENFORCEMENT, TeamKind.MEDIATION):
            unit_type = UnitType.LAW_ENFORCEMENT if t.kind is TeamKind.LAW_ENFORCEMENT else UnitType.MEDIATION
            for k in (1, 2):
                callsign = f"{t.code}-{k}"
                lon, lat = point_in(by_code[t.zone_code or STREET_CODE].geometry, rng)
                units.append(DemoUnit(callsign, f"{t.name}{k}组", unit_type, callsign.lower(), lon, lat,
                                      team_code=t.code, home_zone=t.zone_code))
    for n, (code, _) in enumerate(street.departments.items(), start=1):
        units.append(DemoUnit(f"BM{n:02d}", f"{code}联络员", UnitType.DEPARTMENT, None, None, None,
                              skills={"department": code}))
    return units


def _union(geoms: Any) -> Polygon:
    merged = unary_union(list(geoms))
    return merged if isinstance(merged, Polygon) else merged.convex_hull


def _roster(rng: random.Random, grid_codes: list[str], teams: list[DemoTeam]) -> list[DemoPerson]:
    people: list[DemoPerson] = []

    def add(role: RosterRole, **kw: Any) -> DemoPerson:
        p = DemoPerson(_person_name(rng), role, _phone(rng), **kw)
        people.append(p)
        return p

    # 150 grid heads for 173 grids: 23 heads lead two neighbouring grids.
    doubled = set(rng.sample(range(0, 172, 2), len(grid_codes) - GRID_HEADS))
    i = 0
    while i < len(grid_codes):
        if i in doubled and i + 1 < len(grid_codes):
            add(RosterRole.GRID_HEAD, grid_code=grid_codes[i], attributes={"also_leads": [grid_codes[i + 1]]})
            i += 2
        else:
            add(RosterRole.GRID_HEAD, grid_code=grid_codes[i])
            i += 1
    for g in grid_codes:
        add(RosterRole.FULL_TIME_GRID_WORKER, grid_code=g)
        add(RosterRole.PART_TIME_GRID_WORKER, grid_code=g)
    for g in rng.sample(grid_codes, INSTRUCTORS):
        add(RosterRole.GRID_INSTRUCTOR, grid_code=g)
    patrol_teams = [t for t in teams if t.kind is TeamKind.PATROL]
    for n, size in enumerate(_counts(PATROL_MEMBERS, len(patrol_teams), rng)):
        for _ in range(size):
            add(RosterRole.PATROL_MEMBER, team_code=patrol_teams[n].code)
    for t in teams:
        if t.kind is TeamKind.LAW_ENFORCEMENT:
            for _ in range(6):
                add(RosterRole.LAW_ENFORCEMENT_OFFICER, team_code=t.code)
        elif t.kind is TeamKind.MEDIATION:
            for _ in range(4):
                add(RosterRole.MEDIATOR, team_code=t.code)
    return people


DISTRICT_STREET_NAMES = ("浦沿街道", "长河街道", "西兴街道", "北塘街道", "闻堰街道", "宁围街道", "新街街道",
                         "城厢街道", "北干街道", "蜀山街道")
DISTRICT_GAP_M = 200  # between neighbouring demo streets: each street's boundary stays its own


def build_district(n: int = 10, seed: int = 20260101) -> DemoStreet:
    """A district of `n` demo streets side by side (a ten-street district: 9,280 micro-grids); each street is
    `build(seed + k)` shifted east/north, with its own street code (330108003, 330108004, …) and zone, team
    and unit codes prefixed by its number. `build_district(1)` is `build(seed)`."""
    if not 1 <= n <= 996:
        raise ValueError(f"a district has 1 to 996 streets (3-digit street codes), not {n}")
    columns = math.ceil(math.sqrt(n))
    metres_per_deg_lat = 111_320.0
    metres_per_deg_lon = metres_per_deg_lat * math.cos(math.radians(CENTER_LAT))
    parts: list[DemoStreet] = []
    for k in range(n):
        street = build(seed + k)
        if k:
            row, column = divmod(k, columns)
            _relocate(street, k, dlon=column * (WIDTH_M + DISTRICT_GAP_M) / metres_per_deg_lon,
                      dlat=row * (HEIGHT_M + DISTRICT_GAP_M) / metres_per_deg_lat)
        parts.append(street)
    first = parts[0]
    return DemoStreet([a for s in parts for a in s.areas], [p for s in parts for p in s.people],
                      [t for s in parts for t in s.teams], dict(first.departments),
                      [u for s in parts for u in s.units if u.unit_type is not UnitType.DEPARTMENT or s is first],
                      [r for s in parts for r in s.roads])


def _relocate(street: DemoStreet, k: int, *, dlon: float, dlat: float) -> None:
    """Move the k-th street of a district into place and give it codes of its own."""
    code = STREET_CODE[:6] + f"{int(STREET_CODE[6:]) + k:03d}"
    prefix = f"S{k + 1:02d}"

    def moved(geometry: Any) -> Any:
        return shapely.transform(geometry, lambda xy: xy + (dlon, dlat))

    def recode(value: str | None) -> str | None:
        if value is None:
            return None
        return code + value[len(STREET_CODE):] if value.startswith(STREET_CODE) else f"{prefix}{value}"

    for area in street.areas:
        area.geometry = moved(area.geometry)
        area.code = recode(area.code) or area.code
        area.parent_code = recode(area.parent_code)
        if area.level is Level.STREET:
            area.name = DISTRICT_STREET_NAMES[k % len(DISTRICT_STREET_NAMES)] + ("" if k < 10 else str(k))
    for team in street.teams:
        team.code, team.zone_code = f"{prefix}{team.code}", recode(team.zone_code)
    for person in street.people:
        person.grid_code = recode(person.grid_code)
        person.team_code = person.team_code and f"{prefix}{person.team_code}"
        if "also_leads" in person.attributes:
            person.attributes["also_leads"] = [recode(g) for g in person.attributes["also_leads"]]
    for unit in street.units:
        unit.callsign = f"{prefix}-{unit.callsign}"
        unit.device_id = unit.device_id and f"{prefix.lower()}-{unit.device_id}"
        unit.team_code = unit.team_code and f"{prefix}{unit.team_code}"
        unit.home_grid, unit.home_zone = recode(unit.home_grid), recode(unit.home_zone)
        if unit.lon is not None and unit.lat is not None:
            unit.lon, unit.lat = unit.lon + dlon, unit.lat + dlat
    street.roads = [moved(r) for r in street.roads]
