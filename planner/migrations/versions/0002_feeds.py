"""feeds: stored renderings and event fragments

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_renderings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("filter_key", sa.String(length=255), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_modified", sa.DateTime(), nullable=False),
        sa.Column("rendered_at", sa.DateTime(), nullable=False),
        # Last: SQLite walks a large value's overflow pages to reach any later column.
        sa.Column("body_gzip", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "filter_key"),
    )
    op.create_table(
        "feed_fragments",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("fragment_key", sa.String(length=255), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id"),
    )
    op.create_index("ix_posts_workspace_updated", "posts", ["workspace_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_posts_workspace_updated", table_name="posts")
    op.drop_table("feed_fragments")
    op.drop_table("feed_renderings")
