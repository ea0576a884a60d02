"""spine: SLA announcements, unique per (incident, clock, level), so no warning or breach is announced twice

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_announcements",
        sa.Column("incident_id", sa.Integer(), primary_key=True),
        sa.Column("clock", sa.String(16), primary_key=True),
        sa.Column("level", sa.String(16), primary_key=True),
        sa.Column("announced_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sla_announcements")
