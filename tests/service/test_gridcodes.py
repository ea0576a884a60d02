"""Unit-grid codes follow the GB/T 30428.1 structure: county + street + community + grid sequence."""

from __future__ import annotations

import pytest

from service.domain.errors import InvalidInput
from service.domain.gridcodes import Level, child_code, parse_code


def test_a_grid_code_splits_into_its_parts() -> None:
    code = parse_code("3301080030120007")
    assert (code.county, code.street, code.community, code.grid) == ("330108", "003", "012", "0007")
    assert code.level is Level.GRID
    assert code.parent() == "330108003012"


def test_a_micro_grid_code_begins_with_its_grid_code() -> None:
    assert child_code("3301080030120007", 3, Level.MICRO_GRID) == "330108003012000703"
    assert parse_code("330108003012000703").parent() == "3301080030120007"


@pytest.mark.parametrize("code,why", [("33010800301200", "digits"), ("3301080030120A07", "decimal"),
                                      ("3301000030120007", "county-level"), ("3301080000120007", "street part"),
                                      ("3301080030120000", "grid sequence")])
def test_malformed_codes_are_refused_with_the_reason(code: str, why: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_code(code, field="code")
    assert why in err.value.problems[0].reason


def test_a_code_of_the_wrong_level_is_refused() -> None:
    with pytest.raises(InvalidInput, match="community code"):
        parse_code("330108003012", level=Level.GRID)
