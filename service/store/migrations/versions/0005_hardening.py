"""hardening: key lockout and revocation time, device tokens, the audit trail

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("prefix", sa.String(length=16), nullable=True))
    op.add_column("api_keys", sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False))
    op.add_column("api_keys", sa.Column("locked_until", sa.DateTime(), nullable=True))
    op.add_column("api_keys", sa.Column("revoked_at", sa.DateTime(), nullable=True))
    op.create_index("ix_api_keys_prefix", "api_keys", ["prefix"], unique=True)
    op.create_table(
        "device_tokens",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=128), nullable=False),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_records_at", "audit_records", ["at"])
    op.create_index("ix_audit_records_actor", "audit_records", ["actor"])


def downgrade() -> None:
    op.drop_index("ix_audit_records_actor", "audit_records")
    op.drop_index("ix_audit_records_at", "audit_records")
    op.drop_table("audit_records")
    op.drop_table("device_tokens")
    op.drop_index("ix_api_keys_prefix", "api_keys")
    for column in ("revoked_at", "locked_until", "failed_attempts", "prefix"):
        op.drop_column("api_keys", column)
