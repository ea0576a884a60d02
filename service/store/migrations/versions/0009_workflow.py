"""workflow: department and field-worker keys, case photos, idempotency keys of phone actions, notifications

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("department", sa.String(32), nullable=True))
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
    op.create_table(
        "case_photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("file_name", sa.String(80), nullable=False),
        sa.Column("thumb_name", sa.String(80), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_case_photos_incident_id", "case_photos", ["incident_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )


    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("target", sa.String(512), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("event_id", "recipient", "kind", name="uq_notification_event_recipient"),
    )
    op.create_index("ix_notification_status_next", "notifications", ["status", "next_attempt_at"])
    op.create_index("ix_notifications_incident_id", "notifications", ["incident_id"])
    op.create_table(
        "notify_cursor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notify_cursor")
    op.drop_index("ix_notifications_incident_id", table_name="notifications")
    op.drop_index("ix_notification_status_next", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_case_photos_incident_id", table_name="case_photos")
    op.drop_table("case_photos")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("unit_id")
        batch.drop_column("department")
