"""Topology rules on plain shapely: each broken rule is reported with its areas and a location."""

from __future__ import annotations

import shapely

from service.domain.gridcodes import DEFAULT_LAYOUT, Level
from service.domain.topology import Piece, ProblemKind, reading_order, validate
from service.flows import boundaries as boundary_flow

# About 100 m x 100 m cells near the demo street.
X0, Y0, D = 120.15, 30.16, 0.001


def cell(i: int, j: int, w: float = 1, h: float = 1) -> shapely.Polygon:
    return shapely.box(X0 + i * D, Y0 - (j + h) * D, X0 + (i + w) * D, Y0 - j * D)


PARENT = [Piece("P", None, cell(0, 0, 2, 2))]


def four(**change: shapely.Polygon) -> list[Piece]:
    cells = {"P01": cell(0, 0), "P02": cell(1, 0), "P03": cell(0, 1), "P04": cell(1, 1)}
    cells.update(change)
    return [Piece(code, "P", g) for code, g in cells.items()]


def kinds(problems: list) -> set[ProblemKind]:  # type: ignore[type-arg]
    return {p.kind for p in problems}


def test_four_cells_numbered_in_reading_order_have_no_problem() -> None:
    assert validate(four(), PARENT) == []
    assert reading_order([cell(1, 1), cell(0, 0), cell(1, 0), cell(0, 1)]) == [1, 2, 3, 0]


def test_a_shrunken_cell_leaves_a_gap_located_inside_it() -> None:
    problems = validate(four(P04=cell(1, 1, 0.5, 1)), PARENT)
    gap = next(p for p in problems if p.kind is ProblemKind.GAP)
    assert gap.area_m2 is not None and 4000 < gap.area_m2 < 6000
    assert cell(1.5, 1, 0.5, 1).contains(shapely.Point(gap.location))


def test_an_overlap_beyond_the_tolerance_names_both_cells_and_where() -> None:
    problems = validate(four(P01=cell(0, 0, 1.2, 1)), PARENT)
    overlap = next(p for p in problems if p.kind is ProblemKind.OVERLAP)
    assert overlap.codes == ("P01", "P02") and cell(1, 0, 0.2, 1).contains(shapely.Point(overlap.location))
    assert validate(four(P01=cell(0, 0, 1.000001, 1)), PARENT, tolerance_m2=1.0) == []  # a sliver under 1 m²


def test_a_child_reaching_outside_its_parent_and_a_bad_order_and_codes_are_reported() -> None:
    pieces = four(P02=cell(1, 0, 1.5, 1))
    pieces[0], pieces[1] = Piece("P02", "P", pieces[0].geometry), Piece("P01", "P", pieces[1].geometry)
    pieces.append(Piece("P01", "P", cell(5, 5)))
    found = kinds(validate(pieces, PARENT))
    assert {ProblemKind.OUTSIDE_PARENT, ProblemKind.READING_ORDER, ProblemKind.DUPLICATE_CODE} <= found


def test_an_invalid_polygon_is_named_with_the_reason() -> None:
    bow_tie = shapely.Polygon([(X0, Y0), (X0 + D, Y0 - D), (X0 + D, Y0), (X0, Y0 - D)])
    problems = validate([Piece("P01", "P", bow_tie)], None)
    assert problems[0].kind is ProblemKind.INVALID_GEOMETRY and "Self-intersection" in problems[0].detail


def test_a_micro_grid_code_out_of_the_configured_layout_is_a_problem_naming_that_micro_grid_and_where() -> None:
    grid = "330108003001001"  # DB11/T 2157-2023: 6 county + 3 street + 3 community + 3 grid, then 2 micro-grid
    cells = {f"{grid}01": cell(0, 0),
             f"{grid}0": cell(1, 0),  # a digit short
             f"{grid}00": cell(0, 1),  # micro-grid sequence zero
             "33010800300100204": cell(1, 1)}  # well formed, but another grid's code
    pieces = [Piece(code, grid, g) for code, g in cells.items()]
    rule = boundary_flow._code_rule(Level.MICRO_GRID, DEFAULT_LAYOUT)
    problems = [p for p in validate(pieces, [Piece(grid, None, cell(0, 0, 2, 2))], check_code=rule)
                if p.kind is ProblemKind.CODE_LAYOUT]
    named = {p.codes: p for p in problems}
    assert set(named) == {(f"{grid}0",), (f"{grid}00",), ("33010800300100204",)}
    assert "16 digits" in named[(f"{grid}0",)].detail
    assert "micro-grid sequence part 00 must not be zero" in named[(f"{grid}00",)].detail
    assert f"does not begin with its parent's code {grid}" in named[("33010800300100204",)].detail
    for (code,), problem in named.items():
        assert cells[code].contains(shapely.Point(problem.location)), code
