"""Staff single sign-on with OpenID Connect: who the provider's person is here.

The protocol itself (discovery, authorization code with PKCE, the ID token's signature,
issuer, audience and nonce) is Authlib's, in feedback.routes.sso. This module only maps a
verified person to an account: by issuer and subject, never by email alone (an email can
be reassigned or unverified, and would let one provider's user take over a local account).
A person's first sign-in makes an account with no role, which sees "ask an administrator
for access" until one is granted, unless FEEDBACK_OIDC_ROLES_CLAIM names the claim that
carries their role, in which case the role follows the claim at each sign-in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from feedback.core.models import StaffUser
from feedback.core.settings import Settings
from feedback.staff import auth, sessions


def configured(settings: Settings) -> bool:
    """True when single sign-on has an issuer and a client id."""
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def display_name(settings: Settings) -> str | None:
    """The provider's name for the sign-in button, or None when single sign-on is off."""
    if not configured(settings):
        return None
    return settings.oidc_name or urlsplit(settings.oidc_issuer or "").hostname or "SSO"


def metadata_url(issuer: str) -> str:
    """Where the issuer publishes its configuration (OpenID Connect Discovery 1.0)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def role_from(claims: Mapping[str, Any], claim: str | None) -> str | None:
    """The role the claim grants (the highest if it lists several), "" if none, None if unused."""
    if not claim:
        return None
    value = claims.get(claim)
    given = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    names = {str(v).strip().lower() for v in given}
    return next((role for role in auth.ROLES if role in names), "")


def _username(session: Session, claims: Mapping[str, Any]) -> str:
    """A free username from the person's preferred name or email (the link is not by name)."""
    wanted = str(claims.get("preferred_username") or claims.get("email") or "").strip()
    base = re.sub(r"[^\w.@-]+", "", wanted)[:70] or "sso-user"
    name, n = base, 1
    while auth.find_user(session, name) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def link(
    session: Session, *, issuer: str, claims: Mapping[str, Any], roles_claim: str | None
) -> StaffUser:
    """The account of this verified person, made on their first sign-in (ValueError if no sub)."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 200 or len(issuer) > 200:
        raise ValueError("the ID token has no usable subject")
    user = session.exec(
        select(StaffUser).where(
            col(StaffUser.oidc_issuer) == issuer, col(StaffUser.oidc_subject) == subject
        )
    ).first()
    role = role_from(claims, roles_claim)
    email = str(claims.get("email") or "")[:200] or None
    if user is None:
        user = StaffUser(
            username=_username(session, claims),
            password_hash="",  # no local password matches an empty hash
            role=role or "",
            email=email,
            oidc_issuer=issuer,
            oidc_subject=subject,
        )
        session.add(user)
        session.flush()
        return user
    if role is not None and role != user.role:
        # The provider is the authority on roles when the claim is configured; the sessions
        # started under the old role end, as for a change made here.
        sessions.end_all(session, user.id)
        user.role = role
        session.add(user)
    if email and email != user.email:
        user.email = email
        session.add(user)
    return user
