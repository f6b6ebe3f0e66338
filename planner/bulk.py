"""CSV export and import of a workspace's plan.

The columns are the ones `planner check` reads (`scheduled_at,channel,network,category,text`);
an export adds `id,status,version`, which an import ignores, so an export re-imports cleanly
into another workspace that has channels of the same names. Rows are read with the same code
as `planner check`; an import checks every row before it writes anything and writes all rows in
one transaction, through the workflow, or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

import rules
from planner import permissions, planning, workflow
from planner.db import make_engine
from planner.localtime import (
    NonexistentLocalTime,
    day_in_range,
    local,
    local_day_bounds,
    to_utc,
)
from planner.models import Channel, Media, Post, Role, User, Workspace
from rules.plan_csv import (
    COLUMNS,
    PlanCsvError,
    csv_lines,
    header_of,
    read_cell,
    read_row,
    safe_cell,
)
from rules.plan_csv import Problem as RowError

# `group` ties rows into one post for several channels (the same value on each row).
# `media` is how many files the post carries (the files themselves are not exported, and an
# import ignores the column).
EXPORT_COLUMNS = (*COLUMNS, "reply_to", "thread", "group", "id", "status", "version", "media")
PROGRESS_EVERY = 100


def export_csv(
    session: Session, workspace: Workspace, first: date | None = None, last: date | None = None
) -> str:
    """The posts scheduled on the local days first..last (both included; None: open) as CSV,
    times in ISO 8601 with the workspace's offset. ValueError for a day out of range."""
    for day in (first, last):
        if day is not None:
            day_in_range(day)
    files = (
        sa.select(sa.func.count(Media.id))
        .where(Media.group_id == Post.group_id)
        .correlate(Post)
        .scalar_subquery()
    )
    query = (
        sa.select(Post, Channel, sa.func.count().over(partition_by=Post.group_id), files)
        .join(Channel, Channel.id == Post.channel_id)
        .where(Post.workspace_id == workspace.id)
        .order_by(Post.scheduled_at, Post.id)
    )
    if first is not None:
        query = query.where(
            Post.scheduled_at >= local_day_bounds(first, first, workspace.timezone)[0]
        )
    if last is not None:
        after = last + timedelta(days=1)
        query = query.where(
            Post.scheduled_at < local_day_bounds(after, after, workspace.timezone)[0]
        )
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for post, channel, variants, attached in session.execute(query):
        writer.writerow(
            [
                local(post.scheduled_at, workspace.timezone).isoformat(),
                safe_cell(channel.name),
                channel.network,
                post.category or "",
                safe_cell(post.text),
                safe_cell(post.reply_to or ""),
                safe_cell(post.thread or ""),
                f"g{post.group_id}" if variants > 1 else "",
                post.id,
                str(post.status),
                post.version,
                attached,
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class ImportRow:
    row: int
    channel: Channel
    text: str
    category: str | None  # None: uncategorised (the classifier was unsure)
    scheduled_at: datetime
    suggestion: rules.Suggestion | None  # set when the category column was empty
    # Rows with the same group value become one post for several channels.
    group: str = ""
    reply_to: str | None = None
    thread: str | None = None


@dataclass
class Preview:
    """What an import would do: the rows, every problem, and the findings it would add."""

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    added: list[rules.Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def rows_with_errors(self) -> list[int]:
        return sorted({e.row for e in self.errors})


def read_import(
    session: Session, workspace: Workspace, text: str, now: datetime | None = None
) -> Preview:
    """Check every row of a plan CSV against the workspace (channels, text limits, times in
    the future) and compute the balance findings the rows would add to the plan."""
    preview = Preview()
    zone = ZoneInfo(workspace.timezone)
    reader = csv.DictReader(csv_lines(text))
    try:
        header_of(reader)
    except PlanCsvError as error:
        preview.errors.extend(error.problems)
        return preview
    channels = {
        c.name.casefold(): c
        for c in session.scalars(sa.select(Channel).where(Channel.workspace_id == workspace.id))
    }
    number = 0
    try:
        for number, raw in enumerate(reader, start=1):
            row = _check_row(raw, number, workspace, zone, channels, now)
            if isinstance(row, ImportRow):
                preview.rows.append(replace(row, group=(raw.get("group") or "").strip()[:64]))
            else:
                preview.errors.extend(row)
    except csv.Error as error:
        preview.errors.append(RowError(number + 1, "file", f"not valid CSV ({error})"))
    preview.errors.extend(_group_problems(preview.rows))
    if not preview.rows and not preview.errors:
        preview.errors.append(RowError(0, "file", "no rows after the header"))
    if preview.rows:
        preview.added = added_findings(session, workspace, preview.rows)
    return preview


def _group_problems(rows: list[ImportRow]) -> list[RowError]:
    """A group is one post for several channels: each channel at most once in it."""
    seen: dict[tuple[str, int], int] = {}
    problems = []
    for row in rows:
        if not row.group:
            continue
        first = seen.setdefault((row.group, row.channel.id), row.row)
        if first != row.row:
            problems.append(
                RowError(
                    row.row,
                    "group",
                    f"group {row.group!r} already has a post on {row.channel.name} (row {first})",
                )
            )
    return problems


def _groups(rows: list[ImportRow]) -> list[list[ImportRow]]:
    """The rows as the posts they become: rows of one group together, the rest alone."""
    together: dict[str, list[ImportRow]] = {}
    result: list[list[ImportRow]] = []
    for row in rows:
        if not row.group:
            result.append([row])
        elif row.group in together:
            together[row.group].append(row)
        else:
            together[row.group] = [row]
            result.append(together[row.group])
    return result


def _check_row(
    raw: dict[str, str | None],
    number: int,
    workspace: Workspace,
    zone: ZoneInfo,
    channels: dict[str, Channel],
    now: datetime | None,
) -> ImportRow | list[RowError]:
    # The same reading as `planner check` (times, empty columns, categories), then this
    # workspace's checks; every problem of the row is reported at once.
    errors: list[RowError] = []
    item = guess = None
    try:
        item, guess = read_row(raw, number, zone)
    except PlanCsvError as error:
        errors.extend(error.problems)
    reported = {e.column for e in errors}
    name = read_cell((raw.get("channel") or "").strip())
    network = (raw.get("network") or "").strip().lower()
    channel = channels.get(name.casefold()) if name else None
    if name and channel is None:
        names = ", ".join(sorted(c.name for c in channels.values())) or "none yet"
        errors.append(
            RowError(
                number,
                "channel",
                f"{name!r} is not a channel of this workspace (channels: {names})",
            )
        )
    elif channel is not None and network and channel.network != network:
        errors.append(
            RowError(
                number,
                "network",
                f"{network!r} does not match channel {channel.name}, which is on {channel.network}",
            )
        )
    scheduled_at = item.scheduled_at if item is not None else None
    raw_time = (raw.get("scheduled_at") or "").strip()
    if scheduled_at is not None and datetime.fromisoformat(raw_time).tzinfo is None:
        try:
            scheduled_at = to_utc(scheduled_at.date(), scheduled_at.time(), workspace.timezone)
        except NonexistentLocalTime as error:
            errors.append(RowError(number, "scheduled_at", str(error)))
            scheduled_at = None
    if channel is not None:
        category = item.category.value if item is not None and item.category else None
        text = item.text if item is not None else read_cell(raw.get("text") or "")
        for column, message in workflow.content_errors(
            channel, text, category, scheduled_at, new=True, now=now
        ).items():
            if column not in reported:
                errors.append(RowError(number, column, message))
    if errors or channel is None or item is None or scheduled_at is None:
        return errors
    return ImportRow(
        number,
        channel,
        item.text,
        # None: the classifier was unsure of an empty category; the post stays uncategorised.
        item.category.value if item.category else None,
        scheduled_at,
        guess.suggestion if guess else None,
        reply_to=item.reply_to,
        thread=item.thread,
    )


def _key(finding: rules.Finding) -> tuple[object, ...]:
    return (finding.rule, finding.severity, finding.channel, finding.window_start, finding.message)


def added_findings(
    session: Session, workspace: Workspace, rows: list[ImportRow]
) -> list[rules.Finding]:
    """Findings the plan would have with the rows that it does not have now."""
    items = planning.plan_items(session, workspace)
    config = planning.rule_config(workspace)
    before = {_key(f) for f in rules.check(items, config)}
    new = [
        rules.PlanItem(
            f"row {row.row}",
            row.channel.name,
            row.channel.network,
            row.scheduled_at,
            rules.Category(row.category) if row.category else None,
            row.text,
            row.reply_to,
            row.thread,
            f"row-group {row.group}" if row.group else None,
        )
        for row in rows
    ]
    return [f for f in rules.check([*items, *new], config) if _key(f) not in before]


class ImportRefused(workflow.WorkflowError):
    """The import as a whole cannot be made; nothing was written."""


def _import_engine(session: Session) -> tuple[sa.Engine, bool]:
    """An engine whose connections can hold the import's outer transaction.

    pysqlite opens transactions lazily and so ends a SAVEPOINT's transaction on RELEASE;
    SQLAlchemy's documented fix (take BEGIN over from the driver) goes on an engine of the
    import's own, leaving the app's pool as it is.
    """
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    if engine.dialect.name != "sqlite":
        return engine, False
    own = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(own, "connect")
    def _driver_autocommit(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @event.listens_for(own, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    return own, True


def apply_import(
    session: Session,
    actor: User,
    workspace: Workspace,
    rows: list[ImportRow],
    submit: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Create the rows as drafts (submitted for review when `submit`, which needs the approver
    role) through the workflow, all in one transaction: every row or none. Returns the ids.
    `progress(done, total)` hears every PROGRESS_EVERY rows."""
    role = permissions.role_of(session, actor, workspace)
    permissions.require(role, "create_post")
    if submit and (role is None or role < Role.approver):
        raise permissions.PermissionDenied("submit for review on import", Role.approver, role)
    if not rows:
        raise ImportRefused("There is nothing to import.")
    engine, own_engine = _import_engine(session)
    ids: list[int] = []
    try:
        with engine.connect() as connection:
            outer = connection.begin()
            # Each workflow call commits: here a commit releases a savepoint, and only the
            # outer transaction's commit below makes the import visible, all at once.
            with Session(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as inner:
                who = inner.get(User, actor.id)
                where = inner.get(Workspace, workspace.id)
                assert who is not None and where is not None
                try:
                    for group in _groups(rows):
                        contents = []
                        for row in group:
                            channel = inner.get(Channel, row.channel.id)
                            assert channel is not None
                            contents.append(
                                workflow.PostContent(
                                    channel,
                                    row.text,
                                    row.category,
                                    row.scheduled_at,
                                    row.reply_to,
                                    row.thread,
                                )
                            )
                        posts = workflow.create_group(inner, who, where, contents)
                        if submit:
                            first = posts[0]
                            versions = {p.id: p.version for p in posts}
                            workflow.submit(inner, who, first, first.version, versions)
                        before = len(ids)
                        ids.extend(p.id for p in posts)
                        if (
                            progress is not None
                            and len(ids) // PROGRESS_EVERY > before // PROGRESS_EVERY
                        ):
                            progress(len(ids), len(rows))
                except BaseException:
                    outer.rollback()
                    raise
            outer.commit()
    finally:
        if own_engine:
            engine.dispose()
    session.expire_all()
    last = session.get(Post, ids[-1])
    if last is not None:
        # The hooks ran inside the transaction; once more now that the rows are visible.
        for hook in workflow.after_change:
            hook(last)
    return ids
