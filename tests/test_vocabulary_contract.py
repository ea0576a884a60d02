"""The plugin's copies of the service's words (event kinds, layer ids, statuses, actions, channels, unit types)
are held equal to the service's enums: a word added on one side and not the other fails here, not on a shift."""

from __future__ import annotations

import pytest

pytest.importorskip("qgis.core")

from plugin.core import definitions as plugin_words  # noqa: E402
from service.api.snapshot import SnapshotLayer  # noqa: E402
from service.domain import catalog, events, lifecycle, units  # noqa: E402


def values(enum: type) -> set[str]:
    return {member.value for member in enum}  # type: ignore[attr-defined]


def test_the_plugin_knows_every_event_kind_the_stream_sends() -> None:
    assert values(plugin_words.EventKind) == values(events.EventKind)


def test_the_plugin_knows_every_case_status_and_which_are_open() -> None:
    assert values(plugin_words.CaseStatus) == values(lifecycle.CaseStatus)
    assert set(plugin_words.OPEN_STATUSES) == {s.value for s in lifecycle.OPEN_STATUSES}
    # The case colours are keyed by open status (plus the two urgencies).
    assert set(plugin_words.CASE_COLOURS) == set(plugin_words.OPEN_STATUSES) | {"breached", "due"}


def test_the_plugin_sends_only_actions_the_service_accepts_and_knows_them_all() -> None:
    assert values(plugin_words.Action) == values(lifecycle.Action)


def test_the_queue_filters_on_every_case_channel() -> None:
    case_channels = values(catalog.Channel) - {catalog.Channel.GPS_GATEWAY.value}
    assert values(plugin_words.Channel) == case_channels


def test_every_snapshot_layer_is_a_plugin_layer() -> None:
    plugin_only = {plugin_words.LayerId.TRACKS.value}  # drawn from unit.moved events, never sent as a layer
    assert values(plugin_words.LayerId) - plugin_only == values(SnapshotLayer)


def test_unit_styles_cover_every_unit_type() -> None:
    assert set(plugin_words.UNIT_TYPES) == values(units.UnitType)
