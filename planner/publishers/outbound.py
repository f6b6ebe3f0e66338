"""Outbound requests to publisher targets, guarded against server-side request forgery.

A channel's URL comes from an admin, so it may point inwards: at Redis on 127.0.0.1:6379, a
cloud metadata service on 169.254.169.254, or a private service. Targets must be http(s) and
resolve to public addresses only; the check runs when a channel is saved and again at every
connection (DNS can change between the two), where the connection is pinned to the address
that was checked (requests-hardened for requests, `GuardedTransport` for httpx, which the
Bluesky SDK uses). Redirects are never followed. An explicit PUBLISH_ALLOW_PRIVATE_TARGETS lets
tests and on-premise targets through.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx
import requests
from requests_hardened import Config, HTTPSession

TIMEOUT = (5, 10)  # seconds to connect, seconds to read the answer

# Beyond what Python's ipaddress calls private: shared address space (CG-NAT), 6to4 relays,
# NAT64 and the other ranges that can reach internal hosts (requests-hardened's list).
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
        "2001:20::/28",
        "5f00::/16",
        "3fff::/20",
    )
)


class TargetRefused(ValueError):
    """A target URL that Planner will not send to (the message says why, for the admin)."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED)


def check_url(url: str, *, allow_private: bool = False) -> str:
    """The URL if Planner may send to it; TargetRefused otherwise. Resolves the host name:
    every address it has must be public (unless `allow_private`)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"that is not a valid URL ({error})") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("use an http:// or https:// URL with a host name")
    if parts.username or parts.password:
        raise TargetRefused("put credentials in the secret field, not in the URL")
    if allow_private:
        return url.strip()
    public_addresses(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return url.strip()


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses of `host`, in the resolver's order; TargetRefused unless every one of them
    is public (a name with one private address among public ones could be made to reach it)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(f"the host {host} cannot be found") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses or not all(is_public(a) for a in addresses):
        raise TargetRefused(
            f"{host} is a private or local address; publishing targets must be on the public "
            "internet"
        )
    return addresses


def session(*, allow_private: bool = False) -> requests.Session:
    """A requests session that connects only to public addresses (checked at connection
    time, pinned to the checked address) and never follows redirects."""
    return HTTPSession(
        Config(
            ip_filter_enable=not allow_private,
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=TIMEOUT,
        )
    )


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport that sends only to public addresses, for clients built on httpx
    (the Bluesky SDK). Each request's host is resolved and checked here, and the connection
    goes to the address that was checked: the URL's host becomes that address, the Host
    header keeps the name, and TLS still verifies the certificate against the name (httpcore's
    `sni_hostname` extension). A refused target raises TargetRefused before anything is sent.
    Use it with `follow_redirects=False`, as `httpx_client` does."""

    def __init__(self, *, allow_private: bool = False) -> None:
        super().__init__(retries=0)
        self.allow_private = allow_private

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https") or not url.host:
            raise TargetRefused("use an http:// or https:// URL with a host name")
        if url.username or url.password:
            raise TargetRefused("put credentials in the secret field, not in the URL")
        if not self.allow_private:
            port = url.port or (443 if url.scheme == "https" else 80)
            address = public_addresses(url.host, port)[0]
            request.extensions = {**request.extensions, "sni_hostname": url.host}
            request.url = url.copy_with(host=address)
        return super().handle_request(request)


def httpx_timeout() -> httpx.Timeout:
    """TIMEOUT for httpx: seconds to connect, seconds for each read and write."""
    return httpx.Timeout(TIMEOUT[1], connect=TIMEOUT[0])
