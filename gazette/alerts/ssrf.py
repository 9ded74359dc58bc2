"""The guard that keeps push endpoints, which come from the public, off internal hosts.

A push endpoint is a URL the server will POST to. Accepting any URL would let anyone make the
server talk to its own network (a database port, a cloud metadata address), so an endpoint must
be ``https`` and every address its name resolves to must be public. The check runs when a
subscription arrives and again whenever the sender opens a connection (a name may be
re-pointed in between); the sender connects to an address the check passed, never to the name.

``GAZETTE_PUSH_ALLOW_INSECURE`` additionally lets plain ``http`` reach loopback addresses, for
development and the tests' own push service; private, link-local, multicast, reserved and
unspecified addresses stay refused whatever the setting.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

MAX_ENDPOINT_LENGTH = 2048

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[IPAddress] | None:
    """Every address the name resolves to, or None if it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return None
    addresses = []
    for info in infos:
        address = _literal_address(str(info[4][0]))
        if address is None:  # pragma: no cover - getaddrinfo gives numeric addresses
            return None
        addresses.append(address)
    return addresses or None


def address_refused(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why the server must not post to this address, or None if it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "loopback address"
    if address.is_unspecified:
        return "unspecified address"
    if address.is_link_local:
        return "link-local address"
    if address.is_multicast:
        return "multicast address"
    if address.is_private:
        return "private address"
    if address.is_reserved or not address.is_global:
        return "reserved address"
    return None


class EndpointRefused(ValueError):
    """The server must not post to this endpoint; the message says why."""


def endpoint_addresses(url: str) -> list[IPAddress]:
    """The addresses the server may connect to for this push endpoint: its name resolved once
    and every address checked; EndpointRefused if any is refused (or the URL is not allowed).

    The sender connects to one of exactly these addresses (with the URL's host name in ``Host``
    and TLS SNI): resolving the name a second time to connect would let a name that answers a
    public address to the check and an internal one to the connection (DNS rebinding) through.
    """
    reason, addresses = _verdict(url, resolve=True)
    if reason is not None:
        raise EndpointRefused(reason)
    return addresses


def endpoint_allowed(url: str, *, resolve: bool = True) -> str | None:
    """None if the server may post to this push endpoint, else the reason it may not.

    With ``resolve=False`` a host name is taken on trust (only literal addresses are checked);
    callers about to connect use :func:`endpoint_addresses` and connect to what it returns."""
    return _verdict(url, resolve=resolve)[0]


def _verdict(url: str, *, resolve: bool) -> tuple[str | None, list[IPAddress]]:
    if not isinstance(url, str) or not url:
        return "endpoint is empty", []
    if len(url) > MAX_ENDPOINT_LENGTH:
        return "endpoint is too long", []
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "endpoint is not a URL", []
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "endpoint is not a URL", []
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("https", "http") or not host:
        return "endpoint is not an http(s) URL", []
    if parts.username is not None or parts.password is not None:
        return "endpoint must not carry credentials", []
    insecure = bool(getattr(settings, "GAZETTE_PUSH_ALLOW_INSECURE", False))
    if scheme == "http" and not insecure:
        return "endpoint must use https", []

    literal = _literal_address(host)
    if literal is not None:
        addresses = [literal]
    elif not resolve:
        return (None if scheme == "https" else "plain http needs a loopback address"), []
    else:
        resolved = _resolve(host, port or (443 if scheme == "https" else 80))
        if resolved is None:
            return "endpoint host does not resolve", []
        addresses = resolved
    for address in addresses:
        reason = address_refused(address, allow_loopback=insecure)
        if reason is not None:
            return f"endpoint resolves to a {reason}", []
        if scheme == "http" and not address.is_loopback and not (
            isinstance(address, ipaddress.IPv6Address)
            and address.ipv4_mapped is not None
            and address.ipv4_mapped.is_loopback
        ):
            return "plain http is allowed on loopback only", []
    return None, addresses
