"""boundary revisions: every area has a validity interval; superseded versions are kept

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Grid codes move from the 16-digit layout (grid sequence of 4) to DB11/T 2157-2023's 15 digits (grid
# sequence of 3); micro-grid codes (grid + 2) follow. Only sequences below 1000 convert: a code whose
# sequence needs 4 digits is left as it was, for GIS staff to renumber.
_GRID16 = "length({c}) = 16 AND substr({c}, 13, 1) = '0'"
_MICRO18 = "length({c}) = 18 AND substr({c}, 13, 1) = '0'"
_TO15 = "substr({c}, 1, 12) || substr({c}, 14)"
CODE_COLUMNS = (("areas", "code"), ("areas", "parent_code"), ("incidents", "grid"), ("incidents", "micro_grid"),
                ("units", "home_grid"), ("people", "grid_code"))


def _renumber_codes() -> None:
    for table, column in CODE_COLUMNS:
        for condition in (_GRID16, _MICRO18):
            where = condition.format(c=column)
            op.execute(f"UPDATE {table} SET {column} = {_TO15.format(c=column)} WHERE {where}")


def upgrade() -> None:
    _renumber_codes()
    op.create_table(
        "boundary_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("rollback_of", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    with op.batch_alter_table("areas") as batch:
        batch.add_column(sa.Column("valid_from", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revision_id", sa.Integer(), nullable=True))
    op.create_table(
        "area_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("parent_code", sa.String(32), nullable=True),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("geometry_wkb", sa.LargeBinary(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=True),
        sa.Column("valid_to", sa.DateTime(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("retired_by", sa.Integer(), nullable=False),
    )
    op.create_index("ix_area_versions_code", "area_versions", ["code"])
    op.create_index("ix_area_versions_level", "area_versions", ["level"])
    op.create_table(
        "buildings",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("micro_grid", sa.String(32), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
    )
    op.create_index("ix_buildings_micro_grid", "buildings", ["micro_grid"])


def downgrade() -> None:
    op.drop_index("ix_buildings_micro_grid", "buildings")
    op.drop_table("buildings")
    op.drop_index("ix_area_versions_level", "area_versions")
    op.drop_index("ix_area_versions_code", "area_versions")
    op.drop_table("area_versions")
    with op.batch_alter_table("areas") as batch:
        batch.drop_column("revision_id")
        batch.drop_column("valid_from")
    op.drop_table("boundary_revisions")
