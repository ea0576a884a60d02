"""People and teams of grid governance: the "1+3+N" grid roster, response teams, line departments.

Glossary (one English term per Chinese term):
  street 街道, community 社区, grid 网格, micro-grid 微网格, defence zone 防区, patrol zone 巡区,
  grid head 网格长, full-time grid worker 专职网格员, part-time grid worker 兼职网格员,
  grid instructor 网格指导员, patrol member 巡防队员, whistle 吹哨 (call a line department in).
"""

from __future__ import annotations

from enum import StrEnum


class RosterRole(StrEnum):
    GRID_HEAD = "grid_head"
    FULL_TIME_GRID_WORKER = "full_time_grid_worker"
    PART_TIME_GRID_WORKER = "part_time_grid_worker"
    GRID_INSTRUCTOR = "grid_instructor"
    OTHER = "other"                  # the "N": police, volunteers, building leaders
    PATROL_MEMBER = "patrol_member"
    LAW_ENFORCEMENT_OFFICER = "law_enforcement_officer"
    MEDIATOR = "mediator"


class TeamKind(StrEnum):
    PATROL = "patrol"                    # 综合巡防队
    LAW_ENFORCEMENT = "law_enforcement"  # 综合执法队
    MEDIATION = "mediation"              # 调解队

