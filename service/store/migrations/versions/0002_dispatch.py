"""dispatch: units, compact fix tracks, case actions, lifecycle columns on incidents

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("callsign", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("unit_type", sa.String(16), nullable=False, index=True),
        sa.Column("device_id", sa.String(64), unique=True),
        sa.Column("team_code", sa.String(32)),
        sa.Column("home_grid", sa.String(32)),
        sa.Column("home_zone", sa.String(32)),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_incident", sa.Integer()),
        sa.Column("lon", sa.Float()),
        sa.Column("lat", sa.Float()),
        sa.Column("fix_time_ms", sa.BigInteger()),
        sa.Column("speed_ms", sa.Float()),
        sa.Column("heading", sa.Float()),
        sa.Column("battery", sa.Float()),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "fixes",
        sa.Column("unit_id", sa.Integer(), primary_key=True),
        sa.Column("time_ms", sa.BigInteger(), primary_key=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("speed_ms", sa.Float()),
        sa.Column("heading", sa.Float()),
        sa.Column("accuracy", sa.Float()),
        sa.Column("battery", sa.Float()),
        sa.Column("attributes", sa.JSON()),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "case_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False, index=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("assigned_unit", sa.Integer(), sa.ForeignKey("units.id", name="fk_incident_unit")))
        batch.add_column(sa.Column("milestones", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("departments", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("sla_flags", sa.JSON(), nullable=False, server_default="{}"))
        batch.create_index("ix_incidents_assigned_unit", ["assigned_unit"])


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("ix_incidents_assigned_unit")
        for column in ("sla_flags", "departments", "milestones", "assigned_unit"):
            batch.drop_column(column)
    op.drop_table("case_actions")
    op.drop_table("fixes")
    op.drop_table("units")
