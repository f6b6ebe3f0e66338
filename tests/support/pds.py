"""A local AT Protocol server for the Bluesky publisher's tests: it speaks the XRPC endpoints the
publisher uses (createSession, getSession, refreshSession, resolveHandle, uploadBlob,
createRecord, getRecord, getPosts) over real HTTP on 127.0.0.1.

Every request body is read with the `atproto` SDK's own models, strictly and with string
formats checked (DIDs, at:// URIs, CIDs, datetimes, record keys), and every post record is
checked as a PDS would: facets inside the text's UTF-8 bytes, blobs that were uploaded, reply
references to posts that exist, a record key that is a TID. What fails lands in `problems`
(and answers 400), so a test asserts `pds.problems == []` as well as what it expects.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from atproto_client import models
from atproto_client.models.string_formats import TID_RE
from atproto_client.models.utils import get_or_create

from planner.publishers.bluesky import record_key

POST = "app.bsky.feed.post"


def cid_for(data: bytes, codec: int = 0x71) -> str:
    """A CIDv1 (base32, sha2-256) of `data`: dag-cbor (0x71) for records, raw (0x55) for
    blobs. Records are hashed as JSON, not DAG-CBOR: the value is only compared, never
    recomputed by the client."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def jwt(payload: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(payload)}.c2lnbmF0dXJl"


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    nsid: str
    params: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Fault:
    """A scripted answer for the next call of an endpoint: an XRPC error (`status`, `error`),
    or `drop_after_write`: do the work, then close the connection without answering."""

    status: int = 500
    error: str = "InternalServerError"
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    drop_after_write: bool = False


@dataclass
class Pds:
    handle: str = "acme.test"
    did: str = "did:plc:acmeacmeacmeacmeacmeacme"
    password: str = "abcd-efgh-ijkl-mnop"
    # The session scope: what an app password gives; "com.atproto.access" for the account's
    # own password.
    scope: str = "com.atproto.appPass"
    # Other accounts: handle -> did (for mentions and replies to their posts).
    others: dict[str, str] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # at:// URI -> record
    blobs: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # cid -> (type, bytes)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    # --- What tests arrange and read ------------------------------------------------------

    def fail_next(self, nsid: str, fault: Fault) -> None:
        with self.lock:
            self.faults.setdefault(nsid, []).append(fault)

    def revoke_sessions(self) -> None:
        """As when the app password is revoked: every session ends."""
        with self.lock:
            self.access_tokens.clear()
            self.refresh_tokens.clear()

    def add_foreign_post(
        self, handle: str, did: str, text: str, reply_root: str | None = None
    ) -> str:
        """A post of another account, for replies; returns its at:// URI."""
        self.others[handle] = did
        rkey = record_key(f"foreign-{len(self.records)}", datetime(2026, 1, 5, tzinfo=UTC))
        uri = f"at://{did}/{POST}/{rkey}"
        record: dict[str, Any] = {
            "$type": POST,
            "text": text,
            "createdAt": "2026-01-05T10:00:00.000Z",
        }
        if reply_root is not None:
            root = {"uri": reply_root, "cid": self.cid_of(reply_root)}
            record["reply"] = {"root": root, "parent": root}
        self.records[uri] = record
        return uri

    def cid_of(self, uri: str) -> str:
        return cid_for(json.dumps(self.records[uri], sort_keys=True).encode())

    def posts(self) -> list[dict[str, Any]]:
        """The account's own post records, in the order they were written."""
        prefix = f"at://{self.did}/{POST}/"
        return [r for u, r in self.records.items() if u.startswith(prefix)]

    def calls(self, nsid: str) -> list[Seen]:
        return [s for s in self.seen if s.nsid == nsid]

    # --- Serving --------------------------------------------------------------------------

    def start(self) -> Pds:
        pds = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                nsid = parts.path.removeprefix("/xrpc/")
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                seen = Seen(method, nsid, parse_qs(parts.query), headers, body)
                with pds.lock:
                    pds.seen.append(seen)
                    scripted = pds.faults.get(nsid) or []
                    fault = scripted.pop(0) if scripted else None
                if fault is not None and not fault.drop_after_write:
                    self._error(fault.status, fault.error, fault.message, fault.headers)
                    return
                handler = getattr(pds, "xrpc_" + nsid.replace(".", "_"), None)
                if handler is None:
                    self._error(501, "MethodNotImplemented", f"{nsid} is not served here")
                    return
                try:
                    status, answer = handler(seen)
                except Refusal as refusal:
                    status, answer = (
                        refusal.status,
                        {
                            "error": refusal.error,
                            "message": refusal.message,
                        },
                    )
                if fault is not None and fault.drop_after_write:
                    # The work is done; the answer never arrives (a connection cut on the way
                    # back).
                    self.close_connection = True
                    self.connection.close()
                    return
                self._json(status, answer)

            def _error(
                self, status: int, error: str, message: str, headers: dict[str, str] | None = None
            ) -> None:
                self._json(status, {"error": error, "message": message}, headers)

            def _json(
                self, status: int, payload: Any, headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # --- Checks -----------------------------------------------------------------------------

    def _valid(self, data: Any, model: type, what: str) -> Any:
        try:
            return get_or_create(data, model, strict=True, strict_string_format=True)
        except Exception as error:  # noqa: BLE001 - any failure to read is the finding
            self.problems.append(f"{what}: {error}")
            raise Refusal(400, "InvalidRequest", f"Invalid {what}") from error

    def _refuse(self, problem: str) -> None:
        self.problems.append(problem)
        raise Refusal(400, "InvalidRequest", problem)

    def _authorised(self, seen: Seen, tokens: set[str]) -> None:
        header = seen.headers.get("authorization", "")
        with self.lock:
            ok = header.startswith("Bearer ") and header.removeprefix("Bearer ") in tokens
        if not ok:
            raise Refusal(401, "AuthenticationRequired", "Token could not be verified")

    def _issue(self) -> dict[str, Any]:
        now = int(time.time())
        access = jwt(
            {
                "scope": self.scope,
                "sub": self.did,
                "aud": "did:web:pds.test",
                "iat": now,
                "exp": now + 7200,
            }
        )
        refresh = jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": self.did,
                "aud": "did:web:pds.test",
                "iat": now,
                "exp": now + 90 * 86400,
                "jti": hashlib.sha256(access.encode()).hexdigest(),
            }
        )
        with self.lock:
            self.access_tokens.add(access)
            self.refresh_tokens.add(refresh)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.handle,
            "did": self.did,
            "active": True,
            # The DID document names this server as the account's PDS: the client moves its
            # requests there, through the same outbound guard.
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": self.did,
                "alsoKnownAs": [f"at://{self.handle}"],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.url,
                    }
                ],
            },
        }

    # --- Endpoints ----------------------------------------------------------------------------

    def xrpc_com_atproto_server_createSession(self, seen: Seen) -> tuple[int, Any]:
        data = self._valid(seen.json(), models.ComAtprotoServerCreateSession.Data, "createSession")
        if data.identifier.lower() not in (self.handle, self.did) or data.password != self.password:
            raise Refusal(401, "AuthenticationRequired", "Invalid identifier or password")
        return 200, self._issue()

    def xrpc_com_atproto_server_refreshSession(self, seen: Seen) -> tuple[int, Any]:
        try:
            self._authorised(seen, self.refresh_tokens)
        except Refusal as refusal:
            raise Refusal(400, "ExpiredToken", "Token has been revoked") from refusal
        return 200, self._issue()

    def xrpc_com_atproto_server_getSession(self, seen: Seen) -> tuple[int, Any]:
        self._authorised(seen, self.access_tokens)
        return 200, {"handle": self.handle, "did": self.did, "active": True}

    def xrpc_com_atproto_identity_resolveHandle(self, seen: Seen) -> tuple[int, Any]:
        handle = seen.params.get("handle", [""])[0].lower()
        known = {self.handle: self.did, **self.others}
        if handle not in known:
            raise Refusal(400, "InvalidRequest", "Unable to resolve handle")
        return 200, {"did": known[handle]}

    def xrpc_com_atproto_repo_uploadBlob(self, seen: Seen) -> tuple[int, Any]:
        self._authorised(seen, self.access_tokens)
        mime = seen.headers.get("content-type", "")
        if not mime.startswith("image/"):
            self._refuse(f"uploadBlob: Content-Type {mime!r} is not an image type")
        cid = cid_for(seen.body, 0x55)
        with self.lock:
            self.blobs[cid] = (mime, seen.body)
        answer = {
            "blob": {
                "$type": "blob",
                "ref": {"$link": cid},
                "mimeType": mime,
                "size": len(seen.body),
            }
        }
        self._valid(answer, models.ComAtprotoRepoUploadBlob.Response, "uploadBlob answer")
        return 200, answer

    def xrpc_com_atproto_repo_createRecord(self, seen: Seen) -> tuple[int, Any]:
        self._authorised(seen, self.access_tokens)
        body = seen.json()
        data = self._valid(body, models.ComAtprotoRepoCreateRecord.Data, "createRecord input")
        if data.repo != self.did:
            self._refuse(f"createRecord: repo {data.repo} is not the session's {self.did}")
        if data.collection != POST:
            self._refuse(f"createRecord: collection {data.collection}")
        if data.rkey is not None and not TID_RE.match(data.rkey):
            self._refuse(f"createRecord: rkey {data.rkey!r} is not a TID (app.bsky.feed.post)")
        record = body["record"]
        post = self._valid(record, models.AppBskyFeedPost.Record, "app.bsky.feed.post record")
        self._check_post(post, record)
        rkey = data.rkey or f"3l{int(time.time() * 1e6):011d}"[:13]
        uri = f"at://{self.did}/{POST}/{rkey}"
        with self.lock:
            if uri in self.records:
                # What the reference PDS does with a key it already has: its repository
                # tree refuses the second value, and the answer is a server error.
                raise Refusal(500, "InternalServerError", "Internal Server Error")
            self.records[uri] = record
        cid = self.cid_of(uri)
        return 200, {"uri": uri, "cid": cid, "validationStatus": "valid"}

    def _check_post(self, post: Any, record: dict[str, Any]) -> None:
        size = len(post.text.encode("utf-8"))
        for facet in post.facets or []:
            start, end = facet.index.byte_start, facet.index.byte_end
            if not 0 <= start < end <= size:
                self._refuse(f"facet {start}..{end} outside the text's {size} bytes")
            try:
                post.text.encode("utf-8")[start:end].decode("utf-8")
            except UnicodeDecodeError:
                self._refuse(f"facet {start}..{end} cuts a character in two")
        embed = record.get("embed")
        if embed is not None:
            for image in embed.get("images", []):
                link = image["image"]["ref"]["$link"]
                if link not in self.blobs:
                    self._refuse(f"embed names blob {link}, which was never uploaded")
        if post.reply is not None:
            for name in ("root", "parent"):
                ref = getattr(post.reply, name)
                if ref.uri not in self.records or self.cid_of(ref.uri) != ref.cid:
                    self._refuse(f"reply {name} {ref.uri} is not a post of that CID")

    def xrpc_com_atproto_repo_deleteRecord(self, seen: Seen) -> tuple[int, Any]:
        self._authorised(seen, self.access_tokens)
        data = self._valid(seen.json(), models.ComAtprotoRepoDeleteRecord.Data, "deleteRecord")
        with self.lock:
            self.records.pop(f"at://{data.repo}/{data.collection}/{data.rkey}", None)
        return 200, {}

    def xrpc_com_atproto_repo_getRecord(self, seen: Seen) -> tuple[int, Any]:
        params = self._valid(
            {k: v[0] for k, v in seen.params.items()},
            models.ComAtprotoRepoGetRecord.Params,
            "getRecord parameters",
        )
        repo = self.did if params.repo == self.handle else self.others.get(params.repo, params.repo)
        uri = f"at://{repo}/{params.collection}/{params.rkey}"
        with self.lock:
            record = self.records.get(uri)
        if record is None:
            raise Refusal(400, "RecordNotFound", f"Could not locate record: {uri}")
        return 200, {"uri": uri, "cid": self.cid_of(uri), "value": record}

    def xrpc_app_bsky_feed_getPosts(self, seen: Seen) -> tuple[int, Any]:
        self._authorised(seen, self.access_tokens)
        handles = {did: handle for handle, did in {self.handle: self.did, **self.others}.items()}
        posts = []
        for uri in seen.params.get("uris", []):
            with self.lock:
                record = self.records.get(uri)
            if record is None:
                continue
            author = uri.removeprefix("at://").split("/")[0]
            posts.append(
                {
                    "uri": uri,
                    "cid": self.cid_of(uri),
                    "author": {"did": author, "handle": handles.get(author, "handle.invalid")},
                    "record": record,
                    "indexedAt": "2026-01-05T10:00:01.000Z",
                }
            )
        answer = {"posts": posts}
        self._valid(answer, models.AppBskyFeedGetPosts.Response, "getPosts answer")
        return 200, answer


class Refusal(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
