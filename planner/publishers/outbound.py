"""Outbound requests to publisher targets, guarded against server-side request forgery.

A channel's URL comes from an admin, so it may point inwards: at Redis on 127.0.0.1:6379, a
cloud metadata service on 169.254.169.254, or a private service. Targets must be http(s) and
resolve to public addresses only; the check runs when a channel is saved and again at every
connection (DNS can change between the two), where the connection is pinned to the address
that was checked (requests-hardened). Redirects are never followed. An explicit
PUBLISH_ALLOW_PRIVATE_TARGETS lets tests and on-premise targets through.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

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
    try:
        found = socket.getaddrinfo(
            parts.hostname,
            port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(f"the host {parts.hostname} cannot be found") from error
    addresses = {str(info[4][0]) for info in found}
    if not addresses or not all(is_public(a) for a in addresses):
        raise TargetRefused(
            f"{parts.hostname} is a private or local address; publishing targets must be "
            "on the public internet"
        )
    return url.strip()


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
