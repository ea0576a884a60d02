"""Grid codes: DB11/T 2157-2023's 15 digits by default, the 16-digit layout on request, micro-grids +2."""

from __future__ import annotations

import pytest

from service.domain.errors import InvalidInput
from service.domain.gridcodes import CodeLayout, Level, child_code, parse_code, to_layout

OLD = CodeLayout.GB_T_30428_1_2013


def test_a_15_digit_grid_code_splits_into_county_street_community_and_grid() -> None:
    code = parse_code("330108003012007")
    assert (code.county, code.street, code.community, code.grid) == ("330108", "003", "012", "007")
    assert code.level is Level.GRID
    assert code.parent() == "330108003012"


def test_micro_grid_codes_extend_their_grid_code_by_two_digits() -> None:
    assert child_code("330108003012007", 3, Level.MICRO_GRID) == "33010800301200703"
    assert parse_code("33010800301200703").parent() == "330108003012007"


def test_the_16_digit_layout_is_still_readable_and_converts() -> None:
    assert parse_code("3301080030120007", layout=OLD).grid == "0007"
    assert child_code("3301080030120007", 3, Level.MICRO_GRID, OLD) == "330108003012000703"
    assert to_layout("330108003012000703", OLD, CodeLayout.DB11_T_2157_2023) == "33010800301200703"
    assert to_layout("330108003012", OLD, CodeLayout.DB11_T_2157_2023) == "330108003012"


@pytest.mark.parametrize("code,why", [("33010800301200", "digits"), ("330108003012A07", "decimal"),
                                      ("330100003012007", "county-level"), ("330108000012007", "street part"),
                                      ("330108003012000", "grid sequence"), ("3301080030120007", "expected 9")])
def test_malformed_codes_are_refused_with_the_reason(code: str, why: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_code(code, field="code")
    assert why in err.value.problems[0].reason


def test_a_code_of_the_wrong_level_is_refused() -> None:
    with pytest.raises(InvalidInput, match="community code"):
        parse_code("330108003012", level=Level.GRID)
