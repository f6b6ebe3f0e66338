"""security: session versions, password resets, idempotent post creation, secrets as text

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("creation_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_posts_author_creation_key", ["author_id", "creation_key"])
    # Encrypted secrets are longer than the plain ones were.
    with op.batch_alter_table("channels") as batch:
        batch.alter_column(
            "publisher_secret", type_=sa.Text(), existing_type=sa.String(length=500)
        )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("password_resets")
    with op.batch_alter_table("channels") as batch:
        batch.alter_column(
            "publisher_secret", type_=sa.String(length=500), existing_type=sa.Text()
        )
    with op.batch_alter_table("posts") as batch:
        batch.drop_constraint("uq_posts_author_creation_key", type_="unique")
        batch.drop_column("creation_key")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
