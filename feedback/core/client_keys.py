"""Client keys for rate limits: a keyed hash of the client's address, never the address itself.

Which address: the peer's, unless the peer is a proxy the operator trusts
(FEEDBACK_TRUSTED_PROXIES); then X-Forwarded-For is read from the right, past trusted hops
only, so a visitor can put anything in that header without choosing their own key. An IPv6
client is counted by its network (FEEDBACK_IPV6_PREFIX, /64 by default): one home or phone gets
a whole /64, and counting each of its 2^64 addresses apart would make limits meaningless.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from functools import lru_cache

from starlette.requests import HTTPConnection

from feedback.core.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def new_salt() -> bytes:
    """Return a fresh random 32-byte salt for `ip_hash`; callers keep one per day."""
    # Callers store one salt per day and forget it after two days, so hashes from different days
    # cannot be linked. Salts are random, never derived from a long-lived secret: whoever held
    # that secret could recompute every past day's salt and follow a visitor across days.
    return secrets.token_bytes(32)


def ip_hash(ip: str, salt: bytes) -> str:
    """Return HMAC-SHA256(salt, ip) as 32 hex characters, for rate limits without raw IPs."""
    # An empty key would make the hash a plain, dictionary-reversible digest of the IP.
    if not salt:
        raise ValueError("ip_hash needs a non-empty salt")
    # Normalise case and whitespace so one IPv6 visitor does not get several buckets.
    key = ip.strip().lower().encode("utf-8")
    return hmac.new(salt, key, hashlib.sha256).hexdigest()[:32]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in `text` (scope and brackets dropped), or None if it is not one."""
    text = text.strip().strip("[]").split("%")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) is that IPv4 client.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def group(ip: str | None, *, ipv6_prefix: int = 64) -> str:
    """What limits count for this address: an IPv4 address itself, an IPv6 one's network."""
    address = _address(ip or "")
    if address is None:
        return (ip or "unknown").strip().lower()
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    return str(ipaddress.IPv6Network((address, ipv6_prefix), strict=False))


@lru_cache(maxsize=16)
def parse_networks(spec: str) -> tuple[Network, ...]:
    """The networks in a comma- or space-separated list ("10.0.0.0/8, ::1"); ValueError if bad."""
    parts = spec.replace(",", " ").split()
    return tuple(ipaddress.ip_network(part, strict=False) for part in parts)


def _trusted(ip: str, networks: Sequence[Network]) -> bool:
    address = _address(ip)
    return address is not None and any(address in network for network in networks)


def _without_port(hop: str) -> str:
    """A hop as an address: some proxies write "203.0.113.5:41234" or "[2001:db8::1]:443"."""
    if hop.startswith("[") and "]" in hop:
        return hop[1 : hop.index("]")]
    if hop.count(":") == 1:  # IPv4 with a port (a bare IPv6 address has several colons)
        return hop.split(":", 1)[0]
    return hop


def forwarded_client(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the first
    address of X-Forwarded-For (read right to left) that is not a trusted proxy."""
    if peer is None or not _trusted(peer, trusted):
        return peer
    hops = [_without_port(hop.strip()) for header in forwarded_for for hop in header.split(",")]
    client = peer
    for hop in reversed(hops):
        if _address(hop) is None:
            # Garbage in the chain: nothing left of it can be believed, so the last trusted
            # hop's view (the nearest believable address) is the client.
            return client
        client = hop
        if not _trusted(hop, trusted):
            return hop
    return client  # every hop trusted: the leftmost one is as far as anyone can tell


def client_address(request: HTTPConnection, settings: Settings) -> str:
    """What this request's client is counted as: its address (proxies resolved), grouped."""
    peer = request.client.host if request.client else None
    trusted = parse_networks(settings.trusted_proxies)
    forwarded = request.headers.getlist("x-forwarded-for") if trusted else []
    return group(forwarded_client(peer, forwarded, trusted), ipv6_prefix=settings.ipv6_prefix)
