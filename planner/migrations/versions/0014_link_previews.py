"""link previews: what a post's first link says about itself (title, description, image
address, site name), fetched once by a job and kept per workspace under the normalised address

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table: existing posts get their previews when they are next saved (or refetched).
    op.create_table(
        "link_previews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("title", sa.String(300), nullable=False, server_default=""),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("image_url", sa.String(1000), nullable=False, server_default=""),
        sa.Column("site_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("workspace_id", "url_key", name="uq_link_previews_url"),
    )


def downgrade() -> None:
    op.drop_table("link_previews")
