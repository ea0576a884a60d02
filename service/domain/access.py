"""Who may do what: roles carried by access keys, and masking of reporters' personal data."""

from __future__ import annotations

from enum import StrEnum

from service.domain.catalog import Channel


class Role(StrEnum):
    OPERATOR = "operator"      # 值班员: takes in, assigns and closes cases
    GIS_EDITOR = "gis_editor"  # redraws boundaries
    TRAINER = "trainer"        # replays past days as exercises
    VIEWER = "viewer"          # watches the map
    FEED = "feed"              # one channel's gateway; posts to that channel only
    ADMIN = "admin"            # 系统管理员: keys and the audit trail, nothing operational
    DEPARTMENT = "department"  # one line department (条线部门): sees and answers its own cases only
    FIELD_WORKER = "field_worker"  # one unit's phone (grid worker, patrol, law enforcement): its assigned cases


class Permission(StrEnum):
    READ = "read"                    # map, cases, stream, snapshot
    POST_CHANNEL = "post_channel"    # submit to a channel (a feed key: only its own)
    DISPATCH = "dispatch"            # lifecycle actions and assignment
    EDIT_BOUNDARIES = "edit_boundaries"
    REPLAY = "replay"
    SEE_PERSONAL_DATA = "see_personal_data"
    POST_POSITIONS = "post_positions"
    MANAGE_KEYS = "manage_keys"
    READ_AUDIT = "read_audit"
    ISSUE_DEVICE_TOKENS = "issue_device_tokens"
    ANSWER_CASES = "answer_cases"    # a department's inbox: accept, feed back, ask for time, send back
    FIELD_WORK = "field_work"        # a unit's own cases: en route, arrived, resolved with photos


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.READ, Permission.POST_CHANNEL, Permission.DISPATCH,
                              Permission.SEE_PERSONAL_DATA, Permission.POST_POSITIONS,
                              Permission.ISSUE_DEVICE_TOKENS}),
    Role.GIS_EDITOR: frozenset({Permission.READ, Permission.EDIT_BOUNDARIES}),
    Role.TRAINER: frozenset({Permission.READ, Permission.REPLAY}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.FEED: frozenset({Permission.POST_CHANNEL, Permission.POST_POSITIONS}),
    # Separation of duties: the administrator sees the map but not reporters' data, and dispatches nothing.
    Role.ADMIN: frozenset({Permission.READ, Permission.MANAGE_KEYS, Permission.READ_AUDIT,
                           Permission.ISSUE_DEVICE_TOKENS}),
    Role.DEPARTMENT: frozenset({Permission.ANSWER_CASES}),
    Role.FIELD_WORKER: frozenset({Permission.FIELD_WORK}),
}


def allows(role: Role, permission: Permission, *, key_channel: str | None = None,
           channel: Channel | None = None) -> bool:
    if permission not in GRANTS[role]:
        return False
    if role is Role.FEED and channel is not None:
        return key_channel == channel.value
    return True


def mask_name(name: str | None) -> str | None:
    """张三丰 -> 张**; keeps the surname so an operator can still address the caller."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 11 else 1
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


# Open311 attributes that identify the resident (GeoReport v2 `email`, `device_id`, `account_id`): masked
# like names and phones, or the reporter could be found through them.
PERSONAL_ATTRIBUTES = frozenset({"email", "device_id", "account_id"})


def mask_email(email: str | None) -> str | None:
    """xiaoming.wang@example.cn -> x***@example.cn."""
    if not email:
        return email
    local, at, domain = email.partition("@")
    return local[:1] + "***" + at + domain


def mask_attributes(attributes: dict[str, object] | None) -> dict[str, object] | None:
    if not attributes or not PERSONAL_ATTRIBUTES & attributes.keys():
        return attributes
    return {k: (v if k not in PERSONAL_ATTRIBUTES or not isinstance(v, str)
                else mask_email(v) if k == "email" else "***") for k, v in attributes.items()}
