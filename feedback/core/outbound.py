"""Outbound HTTP that cannot be turned against this server's own network (SSRF, DNS rebinding).

Webhooks and alert webhooks post through here: the name is resolved once, every address
must be public (unless an operator allows private ones), and the connection goes to the very
addresses that were checked, with no redirect and no proxy.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from collections.abc import Sequence
from urllib.parse import urlsplit

import idna


class WebhookError(ValueError):
    """A webhook cannot be added as asked; the code names why."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: IPv4 in its last 32 bits


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address (mapped, 6to4, NAT64, the old "compatible"
        # ::a.b.c.d) reach that address: it decides, whatever the IPv6 ranges say.
        low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (ip in _NAT64 or int(ip) >> 32 == 0):
            embedded = low
        if embedded is not None and _blocked(str(embedded)):
            return True
    return not ip.is_global or ip.is_multicast


# What a host may be spelled with: letters, digits, hyphens and dots (IDNs as xn-- labels).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_START = re.compile(r"https?://", re.IGNORECASE)
# A last label a browser reads as a number makes the whole host an IPv4 address (WHATWG's
# IPv4 parser: "127.1", "0x7f.1", "2130706433"); only the plain dotted quad reads the same.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)\.?", re.IGNORECASE)


def _idna_ok(label: str) -> bool:
    """An xn-- label decodes to Unicode and encodes back to itself (IDNA 2008)."""
    try:
        return idna.encode(idna.decode(label)).decode("ascii") == label
    except (idna.IDNAError, UnicodeError, ValueError):
        return False


def unambiguous(url: str) -> bool:
    """True when Python and the WHATWG URL standard (browsers, most HTTP libraries) read the
    same host and port from this URL.

    A deliberately small rule set: printable ASCII only (no whitespace, which browsers strip,
    no control or non-ASCII characters, which they map), no backslash (a path separator to
    browsers, part of the user name to Python), no user name or password at all, no percent
    sign in the host, http(s):// spelled out, and a host that is a plain name, a dotted quad or
    a bracketed IPv6 address.
    """
    if len(url) > 500 or not url.isascii() or not url.isprintable() or " " in url:
        return False
    if "\\" in url or not _START.match(url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises on "host:abc" or a port past 65535
    except ValueError:
        return False
    netloc = parts.netloc
    if "@" in netloc or "%" in netloc:
        return False
    host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc
    if host.startswith("["):
        return _ipv6_literal(host)
    host = host.lower()
    if not _HOST_NAME.fullmatch(host) or len(host) > 253:
        return False
    if _NUMERIC_LABEL.fullmatch(host.rstrip(".").rsplit(".", 1)[-1]):
        return _dotted_quad(host)
    return all(_idna_ok(label) for label in host.split(".") if label.startswith("xn--"))


def _ipv6_literal(host: str) -> bool:
    if not (host.startswith("[") and host.endswith("]")):
        return False
    try:
        ipaddress.IPv6Address(host[1:-1])
    except ValueError:
        return False
    return True


def _dotted_quad(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)  # strict: four decimal parts, no leading zeros
    except ValueError:
        return False
    return True


def _host_and_port(url: str) -> tuple[str, int]:
    """The URL's host name and port (the scheme's default if none); raises WebhookError("url")."""
    if not unambiguous(url):
        raise WebhookError("url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("url")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to, in the resolver's order, each once."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vetted_addresses(url: str, *, allow_private: bool = False) -> list[str] | None:
    """The addresses a POST to this URL may connect to; None when any may (private allowed).

    Raises WebhookError("url" or "private"). The host must resolve only to public addresses,
    so nobody can make this server call into its own network (SSRF); operators may allow
    private ones (tests, intranets). Send to these very addresses (post(addresses=...)):
    resolving the name again could give another answer (DNS rebinding).
    """
    host, port = _host_and_port(url)
    if allow_private:
        return None
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError):
        raise WebhookError("url") from None
    if not addresses or any(_blocked(address) for address in addresses):
        raise WebhookError("private")
    return addresses


def check_url(url: str, *, allow_private: bool = False) -> str | None:
    """Why this URL may not receive webhooks ("url", "private"), or None when it may."""
    try:
        vetted_addresses(url, allow_private=allow_private)
    except WebhookError as problem:
        return str(problem)
    return None


def _dial(addresses: Sequence[str], port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to the first of these addresses that accepts one."""
    failure: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as error:
            failure = error
    raise failure


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the given addresses only; the Host header still names the URL's host."""

    def __init__(self, host: str, port: int, *, addresses: Sequence[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _dial(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the given addresses only, with the certificate checked against the host name."""

    def __init__(self, host: str, port: int, *, addresses: Sequence[str], timeout: float):
        self.tls = ssl.create_default_context()  # verifies the chain and the host name
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        # SNI and the certificate check use the URL's host name, not the address dialled.
        raw = _dial(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _error_text(error: Exception) -> str:
    """What went wrong, for the delivery log; never the URL (its path may hold a token)."""
    if isinstance(error, http.client.InvalidURL):
        return "bad URL"  # its message quotes the URL
    return f"{type(error).__name__}: {error}"[:300]


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    *,
    addresses: Sequence[str] | None,
) -> tuple[int | None, str]:
    """POST once to one of `addresses` (from vetted_addresses; None: wherever the name
    resolves); (HTTP status or None, error text or "").

    http.client follows no redirect (one could lead anywhere, private addresses included)
    and reads no proxy from the environment (a proxy would resolve the name itself).
    """
    try:
        host, port = _host_and_port(url)
    except WebhookError:
        return None, "bad URL"
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # None only when private addresses are allowed, so resolving the name again is harmless.
    targets = [host] if addresses is None else list(addresses)
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, port, addresses=targets, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        with connection.getresponse() as answer:
            status = int(answer.status)
    except (OSError, ValueError, http.client.HTTPException) as error:
        return None, _error_text(error)
    finally:
        connection.close()
    return status, "" if 200 <= status < 300 else f"HTTP {status}"
