"""Calendar feeds: the Feeds page (subscriptions) and the secret feed URL itself."""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from datetime import datetime

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    url_for,
)
from flask.sansio.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import http_date

from planner import feeds, tokens
from planner.db import db
from planner.models import Channel, FeedToken
from planner.web.access import Access, channels_of, owner_names, workspace_access
from planner.web.forms import SubscriptionForm, channel_choices

bp = Blueprint("feeds", __name__)
log = logging.getLogger(__name__)

SECRET_HEADERS = {
    # The URL is the secret: no Referer to the next site, no search engine index.
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
}
FEED_CACHE = "private, max-age=900"


# --- The Feeds page -------------------------------------------------------------------------


def _page(access: Access, form: SubscriptionForm, channels: list[Channel]) -> str:
    sees_all = access.can("manage_workspace")
    shown = feeds.visible_tokens(
        db.session, access.workspace.id, None if sees_all else current_user.id
    )
    creators = owner_names(t.created_by_id for t in shown)
    names = {c.id: c.name for c in channels}
    return access.render(
        "feeds/index.html",
        form=form,
        tokens=shown,
        sees_all=sees_all,
        owner_name=lambda token: creators.get(token.created_by_id, "the command line"),
        describe=lambda token: feeds.FeedFilter.from_json(token.filters).describe(names),
    )


@bp.route("/w/<slug>/feeds", methods=["GET", "POST"])
@login_required
def index(slug: str):  # type: ignore[no-untyped-def]
    """Everyone who may subscribe creates their own subscriptions here; admins see all."""
    access = workspace_access(slug, "subscribe")
    channels = channels_of(access)
    form = SubscriptionForm()
    form.channels.choices = channel_choices(channels)
    if form.validate_on_submit():
        try:
            token, secret = feeds.create_token(
                db.session,
                access.workspace,
                current_user,
                form.label.data or "",
                form.channels.data or [],
                form.scope.data == "approved",
            )
        except tokens.TokenError as error:
            db.session.rollback()
            form.label.errors = [*form.label.errors, str(error)]
        else:
            return _created(access, token, secret, {c.id: c.name for c in channels})
    status = 422 if request.method == "POST" else 200
    return _page(access, form, channels), status


def _feed_base() -> str | None:
    """The address subscribers reach this site at: SERVER_NAME when configured; else the
    host this request was sent to, but only when it can be trusted (TRUSTED_HOSTS is set,
    so Flask checked it, or it is this machine): a forged Host header must not become the
    address in every subscriber's calendar."""
    configured = feeds.configured_base_url(current_app.config)
    if configured:
        return configured
    if not (current_app.config.get("TRUSTED_HOSTS") or _loopback(request.host)):
        return None
    return _request_base()


def _request_base() -> str:
    secure = request.is_secure or current_app.config.get("PREFERRED_URL_SCHEME") == "https"
    return f"{'https' if secure else request.scheme}://{request.host}"


def _loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.strip("[]").lower() in {"localhost", "127.0.0.1", "::1"}


def _created(access: Access, token: FeedToken, secret: str, names: dict[int, str]) -> Response:
    """The one page that ever shows the secret URL: not cached, not sent on as a Referer."""
    base = _feed_base()
    # The creator's own request names the host they reached: fine to show them, but without
    # SERVER_NAME the feed itself cannot know it, and the page says so.
    url = (base or _request_base()) + url_for("feeds.feed", token=secret)
    page = access.render(
        "feeds/created.html",
        token=token,
        links=feeds.SubscriptionLinks.for_url(url),
        shows=feeds.FeedFilter.from_json(token.filters).describe(names),
        plain_http=url.startswith("http://"),
        address_unconfigured=base is None,
    )
    response = current_app.response_class(page, 201, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/w/<slug>/feeds/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(slug: str, token_id: int):  # type: ignore[no-untyped-def]
    """Admins revoke any subscription of the workspace; others only their own (someone
    else's looks like a missing one)."""
    access = workspace_access(slug, "subscribe")
    token = db.session.get(FeedToken, token_id)
    if token is None or token.workspace_id != access.workspace.id:
        abort(404)
    if token.created_by_id != current_user.id and not access.can("manage_workspace"):
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        flash("That button's form was incomplete; reload the page and try again.", "error")
    else:
        feeds.revoke_token(db.session, token)
        flash(f"Revoked “{token.label}”: its address no longer shows the plan.", "success")
    return redirect(url_for("feeds.index", slug=slug)), 303


# --- The feed -------------------------------------------------------------------------------


def _plain(status: int, text: str, cache: str = "no-store") -> Response:
    response = current_app.response_class(text, status, mimetype="text/plain")
    response.headers.update(SECRET_HEADERS)
    response.headers["Cache-Control"] = cache
    return response


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _not_modified(stored: feeds.StoredFeed) -> bool:
    """RFC 9110: If-None-Match decides when present; If-Modified-Since only without it.
    Either encoding's ETag matches: they are the same calendar."""
    if request.headers.get("If-None-Match"):
        tags = (stored.etag, feeds.gzip_etag(stored.etag))
        return any(request.if_none_match.contains_weak(tag) for tag in tags)
    since: datetime | None = request.if_modified_since
    return since is not None and stored.last_modified.replace(microsecond=0) <= since


class RecentBodies:
    """The bytes of recently served renderings, by (rendering id, ETag, gzip), up to a size.

    The ETag is a hash of the bytes and every request reads it from the database, so an
    entry is never stale: a warm request reads a few columns, not the calendar itself
    (PostgreSQL sends bytea as hex, which for 10,000 events costs tens of milliseconds).
    """

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.entries: OrderedDict[tuple[int, str, bool], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[int, str, bool]) -> bytes | None:
        with self.lock:
            body = self.entries.get(key)
            if body is not None:
                self.entries.move_to_end(key)
            return body

    def put(self, key: tuple[int, str, bool], body: bytes) -> None:
        if len(body) > self.limit // 4:
            return
        with self.lock:
            if key not in self.entries:
                self.entries[key] = body
                self.size += len(body)
            while self.size > self.limit:
                self.size -= len(self.entries.popitem(last=False)[1])

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


BODIES = RecentBodies(limit=64 * 1024 * 1024)


def _body(stored: feeds.StoredFeed, gzipped: bool) -> bytes | None:
    key = (stored.id, stored.etag, gzipped)
    body = (stored.body_gzip if gzipped else stored.body) or BODIES.get(key)
    if body is None:
        body = feeds.stored_body(db.session, stored, gzipped)
    if body is not None and _whole(body, gzipped):
        BODIES.put(key, body)
        return body
    return None


def _whole(body: bytes, gzipped: bool) -> bool:
    # Never 200 with an empty or cut body: Thunderbird clears the calendar on an empty 200,
    # and the `ical` parser reads a truncated feed as zero events without an error.
    if gzipped:
        return body[:2] == b"\x1f\x8b" and len(body) > 20
    return feeds.is_whole(body)


@bp.route("/feeds/<token>.ics")
def feed(token: str):  # type: ignore[no-untyped-def]
    """The subscription URL: the stored rendering, or one made now when none is fresh."""
    try:
        found = feeds.find_subscription(db.session, token)
    except SQLAlchemyError:
        # The database is down: a 503 asks calendar clients to come back, a 500 would not.
        db.session.rollback()
        log.exception("feed=lookup outcome=database_unavailable")
        return _unavailable()
    if found is None:
        # Unknown, malformed and revoked tokens get the very same answer.
        return _plain(404, "Not found\n")
    gzipped = _accepts_gzip()
    # A second time, rendering anew, when the stored bytes went missing or were replaced
    # between two reads (a worker stored a new rendering meanwhile).
    for attempt in range(2):
        try:
            stored = feeds.rendering_for(
                db.session,
                found.workspace,
                found.filter,
                feeds.configured_base_url(current_app.config),
                _feed_base(),
                max_events=int(current_app.config["FEED_MAX_EVENTS"]),
                force=attempt > 0,
            )
            etag = feeds.gzip_etag(stored.etag) if gzipped else stored.etag
            headers = {
                **SECRET_HEADERS,
                "ETag": f'"{etag}"',
                "Last-Modified": http_date(stored.last_modified),
                "Cache-Control": FEED_CACHE,
                "Vary": "Accept-Encoding",
            }
            if _not_modified(stored):
                return current_app.response_class(status=304, headers=headers)
            body = _body(stored, gzipped)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("feed=render workspace=%s outcome=error", found.workspace.id)
            return _unavailable()
        except feeds.AddressUnknown as error:
            log.error("feed=render workspace=%s outcome=no_address", found.workspace.id)
            return _unavailable(f"{error}.")
        if body is not None:
            if gzipped:
                headers["Content-Encoding"] = "gzip"
            return current_app.response_class(
                body, 200, headers=headers, content_type=feeds.MEDIA_TYPE
            )
    log.error("feed=serve workspace=%s outcome=incomplete_rendering", found.workspace.id)
    return _unavailable()


def _unavailable(reason: str = "") -> Response:
    text = reason or "The calendar could not be prepared just now; try again soon."
    response = _plain(503, text + "\n")
    response.headers["Retry-After"] = "60"
    return response


# --- Keeping the secret out of logs ---------------------------------------------------------

# Anything after /feeds/ up to the end of the path, whatever its shape.
_FEED_PATH = re.compile(r"/feeds/[^/\s\"?#]+")


class HideFeedTokens(logging.Filter):
    """Request logs print the path, and the path of a feed is its secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/feeds/" in message:
            record.msg, record.args = _FEED_PATH.sub("/feeds/<hidden>", message), None
        return True


# The development server (werkzeug), gunicorn's access log, and Flask's own error log.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def _hide_tokens_in_logs(state: BlueprintSetupState) -> None:
    install_log_filter(state.app)


def install_log_filter(app: Flask) -> None:
    for logger in (*(logging.getLogger(name) for name in LOGGERS), app.logger):
        if not any(isinstance(f, HideFeedTokens) for f in logger.filters):
            logger.addFilter(HideFeedTokens())


bp.record_once(_hide_tokens_in_logs)
