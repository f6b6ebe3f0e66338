"""post groups: one piece of content for several channels; every post becomes a group of one

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_post_groups_workspace_id", "post_groups", ["workspace_id"])
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
    # Every existing post becomes a group of one, under its own id.
    op.execute(
        "INSERT INTO post_groups (id, workspace_id, created_by_id, created_at) "
        "SELECT id, workspace_id, author_id, created_at FROM posts"
    )
    op.execute("UPDATE posts SET group_id = id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('post_groups', 'id'), "
            "COALESCE((SELECT MAX(id) FROM post_groups), 0) + 1, false)"
        )
    with op.batch_alter_table("posts") as batch:
        batch.alter_column("group_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_posts_group_id", "post_groups", ["group_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_posts_group_id", ["group_id"])


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_index("ix_posts_group_id")
        batch.drop_constraint("fk_posts_group_id", type_="foreignkey")
        batch.drop_column("group_id")
    op.drop_index("ix_post_groups_workspace_id", table_name="post_groups")
    op.drop_table("post_groups")
