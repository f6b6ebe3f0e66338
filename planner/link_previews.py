"""Link previews: the title, description, image address and site name of a post's first link,
fetched once when the post is saved and kept per workspace (the `link_previews` table).

- Saving a post whose first link the workspace has no preview of enqueues one fetch
  (`planner/queue.py`, job `workers.link_previews.fetch_link_preview`); the request never
  leaves the building. "Refetch" asks for it again.
- The fetch goes through the publishers' outbound guard (planner/publishers/outbound.py): http
  and https only, public addresses only (checked before, and again at connection time, pinned
  to the checked address), at most `MAX_REDIRECTS` redirects, each checked the same way, at
  most `MAX_BYTES` read, within `DEADLINE_SECONDS`. An address that points inward
  (127.0.0.1:6379, a metadata service) is never fetched, and its card says why.
- The page is read with Beautiful Soup on the standard library's parser: OpenGraph
  (`og:title`, `og:description`, `og:image`, `og:site_name`), then Twitter card tags, then
  `<title>` and `<meta name="description">`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
import sqlalchemy as sa
import urllib3
from bs4 import BeautifulSoup, UnicodeDammit
from requests_hardened.ip_filter import InvalidIPAddress
from sqlalchemy.orm import Session

from planner.db import utcnow
from planner.models import LinkPreview
from planner.publishers import outbound
from rules.preview import LinkCard

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000  # read at most this much of a page (its <head> is near the top)
MAX_REDIRECTS = 3
DEADLINE_SECONDS = 10.0  # the whole fetch, redirects included
TIMEOUT = (4, 6)  # connect, each read
USER_AGENT = "Planner link preview (+https://github.com/; like facebookexternalhit/1.1)"
# Query parameters that say where a click came from, not which page: left out of the key, so
# the same article linked from two campaigns shares one preview.
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")
PAGE_TYPES = ("text/html", "application/xhtml+xml")


class PreviewProblem(Exception):
    """Why a link has no preview, in words for the card ("the site answered 404")."""

    def __init__(self, message: str, status: str = "failed") -> None:
        super().__init__(message)
        self.status = status


# --- The cache -------------------------------------------------------------------------------


def normalise(url: str) -> str:
    """The address a preview is kept under: scheme and host in lower case, no default port,
    no fragment, no tracking parameters, "/" for an empty path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        pass
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith(_TRACKING)
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def url_key(url: str) -> str:
    return hashlib.sha256(normalise(url).encode()).hexdigest()


def _row(session: Session, workspace_id: int, url: str) -> LinkPreview | None:
    return session.scalar(
        sa.select(LinkPreview).where(
            LinkPreview.workspace_id == workspace_id, LinkPreview.url_key == url_key(url)
        )
    )


def card_of(row: LinkPreview, link: str) -> LinkCard:
    """A cached preview as the preview renderer takes it, for the link as written."""
    if row.status == "ok":
        return LinkCard(
            link,
            title=row.title,
            description=row.description,
            image_url=row.image_url,
            site_name=row.site_name,
        )
    if row.status == "pending":
        return LinkCard(link, pending=True)
    return LinkCard(link, problem=row.problem or "no preview")


def cards(session: Session, workspace_id: int, links: Iterable[str]) -> dict[str, LinkCard]:
    """The workspace's cached previews of these links (as written), in one query; links
    without a row are left out."""
    keys = {link: url_key(link) for link in set(links)}
    if not keys:
        return {}
    rows = {
        row.url_key: row
        for row in session.scalars(
            sa.select(LinkPreview).where(
                LinkPreview.workspace_id == workspace_id,
                LinkPreview.url_key.in_(set(keys.values())),
            )
        )
    }
    return {link: card_of(rows[key], link) for link, key in keys.items() if key in rows}


def is_known(session: Session, workspace_id: int, url: str) -> bool:
    """Whether the workspace has a preview of the link, or one is on its way."""
    return _row(session, workspace_id, url) is not None


REFETCH_SECONDS = 60  # a Refetch within this of the last one, still pending, adds no fetch


def ask_again(session: Session, workspace_id: int, url: str) -> bool:
    """Mark the link's preview as asked for again (Refetch); True when the caller should
    enqueue a fetch, False when one asked for moments ago is still on its way (so clicking
    Refetch ten times does not send ten requests to the site)."""
    row = _row(session, workspace_id, url)
    if row is None:
        row = LinkPreview(workspace_id=workspace_id, url_key=url_key(url), url=normalise(url))
        session.add(row)
    elif row.status == "pending" and (utcnow() - row.requested_at).total_seconds() < (
        REFETCH_SECONDS
    ):
        return False
    row.status, row.problem, row.requested_at = "pending", None, utcnow()
    session.commit()
    return True


def store(session: Session, workspace_id: int, url: str, found: Page | PreviewProblem) -> None:
    """Keep what a fetch found (or why it found nothing), replacing any earlier preview."""
    row = _row(session, workspace_id, url)
    if row is None:
        row = LinkPreview(workspace_id=workspace_id, url_key=url_key(url), url=normalise(url))
        session.add(row)
    if isinstance(found, Page):
        row.status, row.problem = "ok", None
        row.title, row.description = found.title[:300], found.description[:1000]
        # A cut address is a wrong one: an image address too long to keep is left out.
        row.image_url = found.image_url if len(found.image_url) <= 1000 else ""
        row.site_name = found.site_name[:200]
    else:
        row.status, row.problem = found.status, str(found)
        row.title = row.description = row.image_url = row.site_name = ""
    row.fetched_at = utcnow()
    try:
        session.commit()
    except sa.exc.IntegrityError:
        # Two fetches of the same link raced to insert: the other one's row stands.
        session.rollback()


# --- Reading a page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """What a page says about itself."""

    title: str
    description: str = ""
    image_url: str = ""
    site_name: str = ""


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def parse_page(body: bytes, url: str, content_type: str = "") -> Page:
    """OpenGraph, then Twitter card, then <title> and <meta name=description> of an HTML page;
    PreviewProblem when it says nothing usable. Relative image addresses are made absolute;
    only an http(s) image address is kept."""
    declared = requests.utils.get_encoding_from_headers({"content-type": content_type}) or None
    guesses = [declared] if declared and declared != "ISO-8859-1" else []
    markup = UnicodeDammit(body, guesses, is_html=True).unicode_markup or ""
    soup = BeautifulSoup(markup, "html.parser")
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if name and content is not None and name not in meta:
            meta[name] = _clean(str(content))
    title_tag = soup.find("title")
    title = (
        meta.get("og:title")
        or meta.get("twitter:title")
        or _clean(title_tag.get_text() if title_tag else "")
    )
    description = (
        meta.get("og:description") or meta.get("twitter:description") or meta.get("description")
    )
    image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image") or ""
    image = urljoin(url, image) if image else ""
    if not image.lower().startswith(("http://", "https://")):
        image = ""
    if not title and not description:
        raise PreviewProblem("the page has no title or description")
    return Page(title or "", description or "", image, meta.get("og:site_name", ""))


# --- Fetching --------------------------------------------------------------------------------


def _refused(error: outbound.TargetRefused) -> PreviewProblem:
    # The guard speaks to admins about publishing targets; the card says it about a link.
    reason = str(error).split("; publishing targets")[0]
    return PreviewProblem(f"not fetched: {reason}", status="refused")


def fetch(url: str, *, allow_private: bool = False) -> Page:
    """Fetch and read the page at `url` through the outbound guard; PreviewProblem says why
    there is no preview (refused addresses, errors, timeouts, pages that are not HTML)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    current = url
    with outbound.session(allow_private=allow_private) as http:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                outbound.check_url(current, allow_private=allow_private)
            except outbound.TargetRefused as error:
                raise _refused(error) from error
            try:
                response = http.get(
                    current,
                    stream=True,
                    allow_redirects=False,
                    timeout=TIMEOUT,
                    headers={
                        "User-Agent": USER_AGENT,
                        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                    },
                )
            except requests.Timeout as error:
                raise PreviewProblem("the site did not answer in time") from error
            except InvalidIPAddress as error:
                # The name resolved to a private address at connection time (after passing
                # check_url: DNS changed in between, as in a rebinding attack).
                raise PreviewProblem(
                    "not fetched: the address is private or local", status="refused"
                ) from error
            except requests.RequestException as error:
                raise PreviewProblem("the site could not be reached") from error
            with response:
                if response.is_redirect:
                    location = response.headers.get("Location", "")
                    if not location:
                        raise PreviewProblem("the site answered a redirect without an address")
                    current = urljoin(current, location)
                    continue
                if response.status_code >= 400:
                    raise PreviewProblem(f"the site answered {response.status_code}")
                kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if kind and kind not in PAGE_TYPES:
                    raise PreviewProblem(f"the link is not a web page ({kind})")
                body = _read(response, deadline)
                return parse_page(body, current, response.headers.get("Content-Type", ""))
    raise PreviewProblem(f"the site redirected more than {MAX_REDIRECTS} times")


def _read(response: requests.Response, deadline: float) -> bytes:
    """At most MAX_BYTES of the body, before the deadline. Read with `read1`, which returns
    after one receive, so a page that trickles (a byte every few seconds never trips the read
    timeout) is stopped at the deadline, not after a whole chunk has trickled in."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size < MAX_BYTES:
            if time.monotonic() > deadline:
                raise PreviewProblem("the site took too long to send the page")
            chunk = response.raw.read1(min(65_536, MAX_BYTES - size), decode_content=True)
            if not chunk:
                break  # the end of the page
            chunks.append(chunk)
            size += len(chunk)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        raise PreviewProblem("the site stopped sending the page") from error
    return b"".join(chunks)[:MAX_BYTES]


def fetch_and_store(
    session: Session, workspace_id: int, url: str, *, allow_private: bool, force: bool
) -> str:
    """The job's work: fetch the link's page unless the workspace has its preview already
    (`force`: Refetch), and keep what was found. Returns the outcome, for the logs."""
    row = _row(session, workspace_id, url)
    if row is not None and row.status != "pending" and not force:
        return "cached"
    try:
        found: Page | PreviewProblem = fetch(url, allow_private=allow_private)
    except PreviewProblem as problem:
        found = problem
    store(session, workspace_id, url, found)
    return "ok" if isinstance(found, Page) else found.status


def record_failure(session: Session, workspace_id: int, url: str) -> None:
    """A fetch job that died (its time limit, a crash): its card says so, rather than
    "fetching" for ever. Refetch tries again."""
    store(session, workspace_id, url, PreviewProblem("the fetch did not finish"))
