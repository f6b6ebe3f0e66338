"""The JSON API's schemas (marshmallow): they parse requests, serialise answers and, through
flask-smorest and apispec, make the OpenAPI document. One schema system, nothing by hand."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from planner.localtime import FIRST_DAY, LAST_DAY, local
from planner.models import Post as PostRow
from planner.models import Status
from rules.model import Category

# Ids are 32-bit integers on PostgreSQL; a larger number names nothing.
MAX_ID = 2**31 - 1
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
INSTANT_HELP = "ISO 8601; without an offset, a wall-clock time in the workspace timezone."


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("contains a NUL character")


class Body(Schema):
    """Request bodies ignore fields they do not know, as the API always has."""

    class Meta:
        unknown = EXCLUDE


def _id(**extra: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **extra)


def _version() -> fields.Integer:
    return fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "The version you last read."},
    )


def _text(**extra: Any) -> fields.String:
    return fields.String(validate=_no_nul, **extra)


def _day(**extra: Any) -> fields.Date:
    return fields.Date(validate=validate.Range(FIRST_DAY, LAST_DAY), **extra)


def _reply_to(**extra: Any) -> fields.String:
    return fields.String(
        validate=[_no_nul, validate.Length(max=500)],
        allow_none=True,
        metadata={"description": "Whom the post answers: an account or a post's URL."},
        **extra,
    )


def _thread(**extra: Any) -> fields.String:
    return fields.String(
        validate=[_no_nul, validate.Length(max=64)],
        allow_none=True,
        metadata={"description": "A key shared by the parts of one thread on a channel."},
        **extra,
    )


def _instant(**extra: Any) -> fields.String:
    return fields.String(
        metadata={
            "description": INSTANT_HELP,
            "examples": ["2031-03-03T09:30:00+01:00", "2031-03-03T09:30"],
        },
        **extra,
    )


class PostIn(Body):
    """A new draft. Without a category, the classifier's suggestion is used and returned."""

    channel_id = _id(required=True)
    text = _text(required=True)
    category = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"enum": [*(c.value for c in Category), None]},
    )
    scheduled_at = _instant(required=True)
    reply_to = _reply_to(load_default=None)
    thread = _thread(load_default=None)


class GroupIn(Body):
    """One post for several channels: a draft per channel, reviewed as one group."""

    channel_ids = fields.List(_id(), required=True, validate=validate.Length(min=1, max=50))
    text = _text(required=True, metadata={"description": "The shared text."})
    variants = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$")),
        values=_text(),
        load_default=dict,
        metadata={"description": "A channel's own text, by channel id (default: the shared)."},
    )
    category = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"enum": [*(c.value for c in Category), None]},
    )
    scheduled_at = _instant(required=True)
    reply_to = _reply_to(load_default=None)
    thread = _thread(load_default=None)


class GroupDecision(Body):
    """A review decision on a whole group: the version you last read of each variant."""

    versions = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$")),
        values=fields.Integer(strict=True, validate=validate.Range(min=1)),
        required=True,
        metadata={"description": "{post id: version} for every variant of the group."},
    )
    override_reason = _text(load_default=None, allow_none=True)
    comment = _text(load_default="")


class PostPatch(Body):
    """Changes to a post: only the fields given change."""

    version = _version()
    channel_id = _id()
    text = _text()
    category = fields.String(
        allow_none=True, metadata={"enum": [*(c.value for c in Category), None]}
    )
    scheduled_at = _instant()
    reply_to = _reply_to()
    thread = _thread()


class Transition(Body):
    """A state change, made on the version the caller last read."""

    version = _version()


class Approval(Transition):
    override_reason = _text(
        load_default=None,
        allow_none=True,
        metadata={"description": "Needed when the post is evidence of an error finding."},
    )


class ChangesRequested(Transition):
    comment = _text(load_default="", metadata={"description": "What should change."})


class Reschedule(Transition):
    scheduled_at = _instant(required=True)


class PostQuery(Schema):
    """Filters of the post list; `from` and `to` are local days, both included."""

    class Meta:
        unknown = EXCLUDE

    start = _day(data_key="from")
    end = _day(data_key="to", metadata={"description": "Included."})
    channel = _text(metadata={"description": "A channel id or name."})
    category = fields.String(validate=validate.OneOf([c.value for c in Category]))
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10**9))


class RangeQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    start = _day(data_key="from")
    end = _day(data_key="to", metadata={"description": "Included."})


class SlotsQuery(Schema):
    """Where and what the new post is: channels (repeat `channel` for a group) and category."""

    class Meta:
        unknown = EXCLUDE

    channel = fields.List(
        fields.Integer(strict=False, validate=validate.Range(1, MAX_ID)),
        required=True,
        validate=validate.Length(1, 50),
        metadata={"description": "A channel id; repeat it for a post on several channels."},
    )
    category = fields.String(
        validate=validate.OneOf([c.value for c in Category]),
        metadata={"description": "The post's category; none: uncategorised."},
    )
    count = fields.Integer(load_default=3, validate=validate.Range(1, 10))


class Slot(Schema):
    at = fields.String(metadata={"description": "ISO 8601 with the workspace's offset."})
    date = fields.String(metadata={"description": "The local date, YYYY-MM-DD."})
    time = fields.String(metadata={"description": "The local time, HH:MM."})
    label = fields.String(metadata={"description": "For people: Mon 10 Mar 09:00."})


class Slots(Schema):
    slots = fields.List(
        fields.Nested(Slot),
        metadata={
            "description": "The next times (at most `count`, 2 hours apart or more, within 14 "
            "days) at which the post adds no cadence, mix or coverage finding; empty when "
            "none does."
        },
    )
    timezone = fields.String()
    channels = fields.List(fields.String())
    category = fields.String(allow_none=True)


class Suggestion(Schema):
    category = fields.String(
        allow_none=True, metadata={"description": "null when the classifier is unsure."}
    )
    suggested = fields.String(metadata={"description": "Its best guess, sure or not."})
    confidence = fields.Float()
    signals = fields.List(fields.String())


class MediaItem(Schema):
    """A file of a post's group (every variant carries the group's files, in this order)."""

    id = fields.Integer()
    position = fields.Integer(metadata={"description": "0 first."})
    kind = fields.String(metadata={"enum": ["image", "video"]})
    mime_type = fields.String(metadata={"description": "Sniffed from the bytes."})
    size = fields.Integer(metadata={"description": "Bytes."})
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    duration_ms = fields.Integer(allow_none=True, metadata={"description": "Videos."})
    alt_text = fields.String()
    filename = fields.String(metadata={"description": "The name it was uploaded under."})
    created_at = fields.DateTime()


class Post(Schema):
    id = fields.Integer()
    group_id = fields.Integer(
        metadata={"description": "The post's group: one post for several channels."}
    )
    channel_id = fields.Integer()
    channel = fields.Function(lambda post: post.channel.name)
    network = fields.Function(lambda post: post.channel.network)
    text = fields.String()
    category = fields.String(
        allow_none=True, metadata={"description": "null: uncategorised (not chosen yet)."}
    )
    reply_to = fields.String(allow_none=True)
    thread = fields.String(allow_none=True)
    scheduled_at = fields.DateTime()
    scheduled_at_local = fields.Method("local_time")
    status = fields.String()
    version = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    approved_by_id = fields.Integer(allow_none=True)
    approved_version = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    suggested_category = fields.Nested(
        Suggestion,
        metadata={"description": "Only when a post was created without a category."},
    )
    media = fields.List(
        fields.Nested(MediaItem),
        attribute="group.media",
        metadata={"description": "The group's images and video, in order."},
    )

    def local_time(self, post: PostRow) -> str:
        return local(post.scheduled_at, post.workspace.timezone).isoformat()


class Group(Schema):
    """A group's variants, one post per channel."""

    id = fields.Integer()
    posts = fields.List(fields.Nested(Post))
    suggested_category = fields.Nested(
        Suggestion,
        metadata={"description": "Only when a group was created without a category."},
    )


class PostPage(Schema):
    posts = fields.List(fields.Nested(Post))
    next = fields.String(allow_none=True, metadata={"description": "The next page, or null."})


class Channel(Schema):
    # Publisher settings and secrets stay out: a viewer's token may read this.
    id = fields.Integer()
    name = fields.String()
    network = fields.String()
    handle = fields.String()
    needs_reconnecting_since = fields.DateTime(
        attribute="needs_reconnecting_at",
        allow_none=True,
        metadata={
            "description": "When the network refused the channel's login (its approved posts "
            "are held until an admin reconnects it); null while it works."
        },
    )
    needs_reconnecting_reason = fields.String(allow_none=True)


class Channels(Schema):
    channels = fields.List(fields.Nested(Channel))


class Measure(fields.Field):
    """A finding's measured value or threshold: a number, or a string ("1/3", "PT4H")."""


class Finding(Schema):
    rule = fields.String()
    severity = fields.String()
    channel = fields.String(allow_none=True)
    window_start = fields.String()
    window_end = fields.String()
    post_ids = fields.List(fields.Integer())
    measured = Measure(metadata={"type": ["number", "string"]})
    threshold = Measure(metadata={"type": ["number", "string"]})
    message = fields.String()
    hint = fields.String()
    uncategorised = fields.Integer(
        metadata={"description": "Posts of the finding's window without a category."}
    )


class Findings(Schema):
    findings = fields.List(fields.Nested(Finding))


class ErrorDetail(Schema):
    code = fields.Integer(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class Error(Schema):
    """Every error of the API: {"error": {"code", "message", "fields"}}."""

    error = fields.Nested(ErrorDetail, required=True)
