"""areas: bounding boxes, so a bbox page of a level is a query, not a scan of the whole level

Revision ID: 0008
Revises: 0006
"""

import shapely
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

BOUNDS = ("min_lon", "min_lat", "max_lon", "max_lat")


def upgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        for name in BOUNDS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
    op.create_index("ix_areas_level_bounds", "areas", ["level", "min_lon", "max_lon"])
    areas = sa.table("areas", sa.column("code", sa.String()), sa.column("geometry_wkb", sa.LargeBinary()),
                     *(sa.column(name, sa.Float()) for name in BOUNDS))
    connection = op.get_bind()
    rows = connection.execute(sa.select(areas.c.code, areas.c.geometry_wkb)).all()
    for code, wkb in rows:
        box = shapely.from_wkb(wkb).bounds
        connection.execute(areas.update().where(areas.c.code == code).values(dict(zip(BOUNDS, box))))


def downgrade() -> None:
    op.drop_index("ix_areas_level_bounds", table_name="areas")
    with op.batch_alter_table("areas") as batch:
        for name in BOUNDS:
            batch.drop_column(name)
