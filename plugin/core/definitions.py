"""Names the plugin shares with the service and with itself: layer ids, fields, event kinds, statuses."""

from __future__ import annotations

from enum import Enum, unique


@unique
class LayerId(Enum):
    COMMUNITIES = "communities"
    GRIDS = "grids"
    MICRO_GRIDS = "micro_grids"
    DEFENCE_ZONES = "defence_zones"
    PATROL_ZONES = "patrol_zones"
    TRACKS = "tracks"
    UNITS = "units"
    INCIDENTS = "incidents"


AREA_LAYERS = (LayerId.COMMUNITIES, LayerId.GRIDS, LayerId.MICRO_GRIDS, LayerId.DEFENCE_ZONES, LayerId.PATROL_ZONES)
HIDDEN_BY_DEFAULT = (LayerId.DEFENCE_ZONES, LayerId.PATROL_ZONES, LayerId.TRACKS)
LAYER_TITLES = {LayerId.COMMUNITIES: "社区 Communities", LayerId.GRIDS: "网格 Grids",
                LayerId.MICRO_GRIDS: "微网格 Micro-grids", LayerId.DEFENCE_ZONES: "防区 Defence zones",
                LayerId.PATROL_ZONES: "巡区 Patrol zones", LayerId.TRACKS: "轨迹 Tracks (30 min)",
                LayerId.UNITS: "力量 Units", LayerId.INCIDENTS: "事件 Incidents"}
GROUP_NAME = "GridCommand"


@unique
class EventKind(Enum):
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    BOUNDARIES_CHANGED = "boundaries.changed"
    UNIT_UPDATED = "unit.updated"
    UNIT_MOVED = "unit.moved"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    KEY_REVOKED = "key.revoked"  # for the service's key caches; the map has nothing to change on it
    KEY_LOCKED = "key.locked"    # likewise (a key locked after repeated failures)


@unique
class CaseStatus(Enum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    FILED = "filed"          # 立案: a 数字城管 case accepted for handling
    REJECTED = "rejected"    # 不予立案
    RETURNED = "returned"    # verification failed: back with its handlers


OPEN_STATUSES = tuple(s.value for s in (CaseStatus.RECEIVED, CaseStatus.ACKNOWLEDGED, CaseStatus.DISPATCHED,
                                        CaseStatus.EN_ROUTE, CaseStatus.ON_SCENE, CaseStatus.FILED,
                                        CaseStatus.RETURNED))


@unique
class Action(Enum):
    """Lifecycle actions the operator may send (POST /api/v1/incidents/{id}/actions)."""

    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"
    EN_ROUTE = "en_route"
    ARRIVE = "arrive"
    RESOLVE = "resolve"
    CLOSE = "close"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    REFER_MEDIATION = "refer_mediation"
    MEDIATION_FOLLOW_UP = "mediation_follow_up"
    WHISTLE = "whistle"
    DEPARTMENT_ACKNOWLEDGE = "department_acknowledge"
    CANCEL = "cancel"
    MARK_DUPLICATE = "mark_duplicate"
    FILE = "file"
    REJECT = "reject"
    FEEDBACK = "feedback"
    VERIFY = "verify"
    SEND_BACK = "send_back"
    REOPEN = "reopen"
    REQUEST_MORE_TIME = "request_more_time"


@unique
class Channel(Enum):
    """Where a case came from (the queue filters on it)."""

    POLICE_110 = "police110"
    HOTLINE_12345 = "hotline12345"
    CITY_MANAGEMENT = "citymgmt"
    OPEN311 = "open311"
    ONLINE_HELP = "onlinehelp"
    OPERATOR = "operator"


@unique
class Urgency(Enum):
    """How close a case is to breaching its nearest SLA clock; drives its colour."""

    BREACHED = "breached"
    DUE = "due"            # under 20 % of the time left, or under 2 minutes
    RUNNING = "running"
    NONE = "none"


DUE_SECONDS = 120


@unique
class ConnectionState(Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"


class SettingsKey:
    """QgsSettings keys, under one prefix."""

    PREFIX = "gridcommand/"
    SERVICE_URL = PREFIX + "service_url"
    TOKEN = PREFIX + "token"
    PYTHON = PREFIX + "python"
    DATA_DIR = PREFIX + "data_dir"
    AUTOCONNECT = PREFIX + "autoconnect"
    AUTH_CONFIG = PREFIX + "auth_config"   # id of the QGIS auth config holding the access key


# Fields of the live layers: (name, QVariant type name).
# The map's incident layer holds what drawing, identifying and clicking need; the queue and the case panel
# read the case itself (LiveMap.incidents), and a reporter's details never sit in a layer.
INCIDENT_FIELDS = (("id", "int"), ("channel", "str"), ("category", "str"), ("status", "str"), ("priority", "int"),
                   ("micro_grid", "str"), ("grid", "str"), ("assigned_unit", "int"), ("breach_at", "double"),
                   ("urgency", "str"), ("style", "str"), ("version", "int"))
UNIT_FIELDS = (("id", "int"), ("callsign", "str"), ("name", "str"), ("unit_type", "str"), ("status", "str"),
               ("stale", "bool"), ("heading", "double"), ("speed_ms", "double"), ("current_incident", "int"),
               ("home_grid", "str"), ("style", "str"), ("version", "int"))

# Styles are categorized on one precomputed key per feature: a hash lookup while drawing, where
# data-defined expressions would be evaluated for every feature on every repaint.
CASE_COLOURS = ("breached", "due", "received", "acknowledged", "dispatched", "en_route", "on_scene", "filed",
                "returned")
CASE_SHAPES = ("circle", "square", "triangle", "star")   # event, component, dispute, help
UNIT_TYPES = ("patrol", "grid_worker", "law_enforcement", "mediation", "department")
UNIT_STATES = ("free", "busy", "stale")


def case_style(status: str, urgency: str, category: str, priority: int | None) -> str:
    colour = urgency if urgency in ("breached", "due") else status
    shape = ("square" if category.startswith("C") else "triangle" if category.startswith("L01")
             else "star" if category.startswith("L03") else "circle")
    big = "big" if urgency in ("breached", "due") or priority == 1 else "std"
    return f"{colour}|{shape}|{big}"


def unit_style(unit_type: str, status: str, stale: bool) -> str:
    state = "stale" if stale else "free" if status == "available" else "busy"
    return f"{unit_type}|{state}"
AREA_FIELDS = (("code", "str"), ("name", "str"), ("level", "str"), ("parent_code", "str"), ("households", "int"))
TRACK_FIELDS = (("unit_id", "int"), ("callsign", "str"))


@unique
class SlaClock(Enum):
    """The SLA clocks a case can run (the service's ClockKind)."""

    ACKNOWLEDGE = "acknowledge"
    ON_SCENE = "on_scene"
    LAW_ENFORCEMENT = "law_enforcement"
    MEDIATION = "mediation"
