"""Client keys for rate limits: a keyed hash of the client's address, never the address itself."""

from __future__ import annotations

import hashlib
import hmac
import secrets


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
