"""roads: the network ETAs are computed on

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128)),
        sa.Column("geometry_wkb", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("roads")
