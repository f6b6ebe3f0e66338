"""Search over a workspace's posts: their text and their channel's name.

What a query means (the same on SQLite and PostgreSQL): the words of the query, each matched
as the start of a word of the post's text (`launch` finds "launching" and "#launch"), or
anywhere in the name of the post's channel; every word must match. Words in double quotes
are a phrase: its words in that order. Case never matters; accents do (both databases keep
them).

How (measured in bench/search.py; docs/design.md, "Search"): SQLite's FTS5 table
`posts_search` and PostgreSQL's `posts.search_vector` (a tsvector of the 'simple'
configuration with a GIN index), both made and kept in step by migration 0015. The user's
text never reaches either query language as syntax: each word or phrase is quoted (FTS5's
"..."; tsquery's '...'), so `"`, `*`, `NEAR`, `-`, `:` or `&` are only characters.
Channel names are matched with LIKE: a workspace has a handful of channels.

Posts of every status are found; a status filter narrows them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from planner.localtime import local
from planner.models import Channel, Post, Status, Workspace

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
PAGE_SIZE = 20

# A query's words and "quoted phrases".
_TERM = re.compile(r'"([^"]*)"?|(\S+)')
# What a search can find: letters and digits (both FTS5's unicode61 tokenizer and
# PostgreSQL's parser split words on everything else).
_WORD = re.compile(r"[^\W_]+")


class QueryError(ValueError):
    """A query that cannot be run as typed; the message says what to change."""


@dataclass(frozen=True)
class Query:
    """A parsed query: its terms (a word, or a phrase), each with at least one letter or
    digit."""

    text: str
    terms: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.terms


def clean(text: str) -> str:
    """The query without what no post can hold and some drivers refuse: control characters
    (NUL among them) and lone surrogates; white space runs become one space."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cs") or ch.isspace()
    )
    return " ".join(kept.split())


def parse(text: str) -> Query:
    """Split a query into terms. Raises QueryError for a query that is too long or has too
    many words (the message says the limit); a query of punctuation alone is empty."""
    cleaned = clean(text)
    if len(cleaned) > MAX_QUERY_LENGTH:
        raise QueryError(f"Search for at most {MAX_QUERY_LENGTH} characters.")
    terms: list[str] = []
    for match in _TERM.finditer(cleaned):
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        # The term goes to the database as typed (quoted): its own parser splits it as it
        # split the posts ("example.com" is one word to PostgreSQL, two to FTS5).
        if _WORD.search(raw):
            terms.append(raw.strip())
    if len(terms) > MAX_TERMS:
        raise QueryError(f"Search for at most {MAX_TERMS} words or phrases.")
    return Query(cleaned, tuple(terms))


def _fts5(term: str) -> str:
    # A quoted FTS5 string (a double quote inside is doubled): its words are a phrase, the
    # last one a prefix; nothing in it is FTS5 syntax.
    return '"' + term.replace('"', '""') + '"*'


def _tsquery(term: str) -> str:
    # A quoted tsquery lexeme with the prefix flag; PostgreSQL's parser splits a quoted
    # string of several words into a phrase (<->), each word a prefix.
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "':*"


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.casefold()}%"


def _text_ids(dialect: str, workspace: Workspace, term: str, index: int) -> sa.Select:
    """The ids of the posts whose text matches the term (SQLite: of every workspace; the
    outer query keeps one)."""
    if dialect == "sqlite":
        posts_search = sa.table("posts_search", sa.column("rowid"))
        return sa.select(posts_search.c.rowid).where(
            sa.literal_column("posts_search").op("MATCH")(sa.bindparam(f"fts_{index}", _fts5(term)))
        )
    if dialect == "postgresql":
        tsquery = sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"), sa.bindparam(f"tsq_{index}", _tsquery(term))
        )
        return sa.select(Post.id).where(
            Post.workspace_id == workspace.id,
            sa.literal_column("posts.search_vector").op("@@")(tsquery),
        )
    # Any other database: a scan, correct if slow.
    return sa.select(Post.id).where(
        Post.workspace_id == workspace.id, sa.func.lower(Post.text).like(_like(term), escape="\\")
    )


def conditions(session: Session, workspace: Workspace, query: Query) -> list[sa.ColumnElement]:
    """WHERE conditions on Post for a non-empty query: every term in the text or in the
    channel's name. The caller adds the workspace.

    Each term is one `id IN (text matches UNION ALL posts of matching channels)`: both
    databases then start from the index's few ids (bench/search.py measured an OR of the two
    at twice the time on SQLite, which walked every post of the workspace)."""
    dialect = session.get_bind().dialect.name
    found: list[sa.ColumnElement] = []
    for index, term in enumerate(query.terms):
        on_named_channels = (
            sa.select(Post.id)
            .join(Channel, Channel.id == Post.channel_id)
            .where(
                Channel.workspace_id == workspace.id,
                sa.func.lower(Channel.name).like(_like(term), escape="\\"),
            )
        )
        ids = sa.union_all(_text_ids(dialect, workspace, term, index), on_named_channels)
        found.append(Post.id.in_(ids))
    return found


@dataclass(frozen=True)
class Hit:
    """One post found, with what the results list shows of it."""

    post: Post
    snippet: tuple[tuple[str, bool], ...]  # (text, highlighted) pieces

    @property
    def status(self) -> tuple[str, str]:
        """The status as the calendar words it (value, label): an approved post whose last
        attempt failed is "retrying", unless its channel holds it."""
        post = self.post
        if (
            post.status == Status.approved
            and post.last_error is not None
            and post.channel.needs_reconnecting_at is None
        ):
            return "retrying", "retrying"
        return post.status.value, post.status.label


@dataclass(frozen=True)
class Results:
    query: Query
    statuses: tuple[Status, ...]
    hits: tuple[Hit, ...]
    total: int
    page: int
    pages: int


def search(
    session: Session,
    workspace: Workspace,
    query: Query,
    statuses: Sequence[Status] = (),
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Results:
    """The workspace's posts that match, latest scheduled first, one page of them and how
    many in all. An empty query finds nothing; a page past the last is empty."""
    statuses = tuple(statuses)
    page = max(1, page)
    if query.empty:
        return Results(query, statuses, (), 0, page, 0)
    own = Post.workspace_id == workspace.id
    if session.get_bind().dialect.name == "sqlite":
        # `+ 0` keeps SQLite off the workspace index: without statistics it would walk every
        # post of the workspace, testing each against the ids the index found, rather than
        # fetch those few ids by primary key (about 3 times slower at 100,000 posts).
        own = (Post.workspace_id + 0) == workspace.id
    where = [own, *conditions(session, workspace, query)]
    if statuses:
        where.append(Post.status.in_(statuses))
    total = session.scalar(sa.select(sa.func.count()).select_from(Post).where(*where)) or 0
    pages = -(-total // per_page)
    posts = session.scalars(
        sa.select(Post)
        .options(sa.orm.joinedload(Post.channel))
        .where(*where)
        .order_by(Post.scheduled_at.desc(), Post.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    hits = tuple(Hit(post, snippet(post.text, query)) for post in posts)
    return Results(query, statuses, hits, total, page, pages)


def snippet(text: str, query: Query, width: int = 160) -> tuple[tuple[str, bool], ...]:
    """About `width` characters of the text around its first match, as (piece, matched)
    pairs: the words that start with a query word are marked."""
    flat = " ".join(text.split())
    words = {w.casefold() for term in query.terms for w in _WORD.findall(term)}
    marks: list[tuple[int, int]] = []
    for found in _WORD.finditer(flat):
        token = found.group().casefold()
        for word in words:
            if token.startswith(word):
                marks.append((found.start(), found.start() + len(word)))
                break
    start = 0
    if marks and marks[0][0] > width // 3 and len(flat) > width:
        start = flat.rfind(" ", 0, marks[0][0] - width // 4) + 1
    end = min(len(flat), start + width)
    if end < len(flat):
        end = flat.rfind(" ", start, end) if flat.rfind(" ", start, end) > start else end
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    cursor = start
    for mark_start, mark_end in marks:
        if mark_start < start or mark_end > end:
            continue
        if mark_start > cursor:
            pieces.append((flat[cursor:mark_start], False))
        pieces.append((flat[mark_start:mark_end], True))
        cursor = mark_end
    if cursor < end:
        pieces.append((flat[cursor:end], False))
    if end < len(flat):
        pieces.append(("…", False))
    return tuple(pieces)


def local_label(instant: datetime, tz_name: str) -> str:
    """A post's time as the results list shows it, in the workspace's timezone."""
    at = local(instant, tz_name)
    return at.strftime("%a %d %b %Y, %H:%M")
