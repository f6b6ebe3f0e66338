"""publishing: claim time, idempotency key generation, unknown outcomes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("key_generation", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("outcome_unknown", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("outcome_unknown")
        batch.drop_column("key_generation")
        batch.drop_column("claimed_at")
