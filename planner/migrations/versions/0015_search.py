"""search: a full-text index of post text, kept in step with the posts by the database

SQLite: an FTS5 table over posts.text (external content: the text is not stored twice), kept
in sync by three triggers; PostgreSQL: a generated tsvector column ('simple' configuration:
no stemming, no stop words, so names and hashtags match as typed) and a GIN index on it.
Existing posts are indexed here. planner/search.py reads both (docs/design.md, "Search").

On SQLite a later migration that rebuilds `posts` with batch_alter_table drops the triggers
with the old table: it must create them again (`_create_triggers` below shows them).

Revision ID: 0015
Revises: 0014
"""

from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TRIGGERS = (
    """CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
        INSERT INTO posts_search (rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
        INSERT INTO posts_search (posts_search, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER posts_search_update AFTER UPDATE OF text ON posts BEGIN
        INSERT INTO posts_search (posts_search, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO posts_search (rowid, text) VALUES (new.id, new.text);
    END""",
)


def _create_triggers() -> None:
    for statement in TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # A channel's posts: search by channel name reads them (and no index had them yet).
    op.create_index("ix_posts_channel_scheduled", "posts", ["channel_id", "scheduled_at"])
    if dialect == "sqlite":
        # unicode61 folds case of every script; diacritics are kept, as PostgreSQL's 'simple'
        # configuration keeps them, so both databases find the same posts.
        op.execute(
            "CREATE VIRTUAL TABLE posts_search USING fts5("
            "text, content='posts', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 0')"
        )
        _create_triggers()
        op.execute("INSERT INTO posts_search (posts_search) VALUES ('rebuild')")
        # No ANALYZE here: on a new, empty database it records FTS5's shadow tables as tiny,
        # and every later insert into the index got slower with its size (bench/search.py:
        # 5,000 posts took 3 s, then 22 s, at 40,000). planner/search.py steers the plan
        # instead.
    elif dialect == "postgresql":
        op.execute(
            "ALTER TABLE posts ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED"
        )
        op.execute("CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS posts_search_{name}")
        op.execute("DROP TABLE IF EXISTS posts_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_search_vector")
        op.execute("ALTER TABLE posts DROP COLUMN IF EXISTS search_vector")
    op.drop_index("ix_posts_channel_scheduled", table_name="posts")
