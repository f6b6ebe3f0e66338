"""notifications: in-app rows with their mail state, each member's preferences per event kind,
the daily digest's last day per member, a workspace's Slack-compatible webhook and the
messages posted there

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("slack_webhook", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("slack_events", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "recipient_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="SET NULL"), nullable=True),
        sa.Column("post_ids", sa.JSON(), nullable=False),
        sa.Column(
            "channel_id", sa.Integer(), sa.ForeignKey("channels.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("mail", sa.String(length=16), nullable=False),
        sa.Column("mailed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("event_key", "recipient_id", name="uq_notifications_event_recipient"),
    )
    op.create_index(
        "ix_notifications_recipient", "notifications", ["recipient_id", "workspace_id", "read_at"]
    )
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("user_id", "workspace_id", "kind"),
    )
    op.create_table(
        "slack_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_key", sa.String(length=64), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("slack_messages")
    op.drop_table("notification_preferences")
    op.drop_index("ix_notifications_recipient", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("digest_sent_on")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("slack_events")
        batch.drop_column("slack_webhook")
