"""replies, threads and uncategorised posts: a post may answer someone, continue a thread,
and have no category yet

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("reply_to", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("thread", sa.String(length=64), nullable=True))
        batch.alter_column("category", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE posts SET category = 'brand' WHERE category IS NULL")
    with op.batch_alter_table("posts") as batch:
        batch.alter_column("category", existing_type=sa.String(length=32), nullable=False)
        batch.drop_column("thread")
        batch.drop_column("reply_to")
