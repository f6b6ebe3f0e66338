"""connection health: a channel whose login the target refuses is marked "needs
reconnecting" (when and why), and each channel keeps when its connection was last checked and
what the check found

Revision ID: 0010
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("needs_reconnecting_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("needs_reconnecting_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("connection_checked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("connection_check", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("connection_ok", sa.Boolean(), nullable=True),
        )


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("connection_ok")
        batch.drop_column("connection_check")
        batch.drop_column("connection_checked_at")
        batch.drop_column("needs_reconnecting_reason")
        batch.drop_column("needs_reconnecting_at")
