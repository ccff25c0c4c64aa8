"""What citizens see of the service asking: its name, logo, colour and address, and the checks
on the colour, the address and the logo.

The colour must keep WCAG's 4.5:1 contrast with white, the page behind it and the text put on
it. A logo is a PNG or JPEG, recognised by its first bytes, decoded whole by Pillow within a
bound on its pixels, and re-encoded, so what is served holds pixels only (no metadata, nothing
hidden after the image data).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from feedback.core.i18n import N_, pick
from feedback.core.models import Service

MIN_CONTRAST = 4.5
COLOUR_RE = re.compile(r"^#[0-9a-f]{6}$")
URL_MAX = 500
LOGO_MAX_BYTES = 200 * 1024
LOGO_MAX_SIDE = 1200  # pixels, each way
LOGO_MIN_SIDE = 16
# The first bytes of each accepted format, and the Pillow format that must decode them.
_MAGIC = {
    b"\x89PNG\r\n\x1a\n": ("image/png", "PNG"),
    b"\xff\xd8\xff": ("image/jpeg", "JPEG"),
}


class IdentityError(ValueError):
    """A colour, address or logo that cannot be used; the message is marked for translation."""


@dataclass(frozen=True)
class Logo:
    """A checked logo, ready to store: its bytes, type, size and version."""

    content: bytes
    content_type: str
    width: int
    height: int

    @property
    def version(self) -> str:
        """A short hash of the bytes: a new logo gets a new URL, so caches can keep one long."""
        return hashlib.sha256(self.content).hexdigest()[:12]


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def accent_colour(value: str) -> str | None:
    """A #rrggbb colour (lower case) dark enough for white around and on it; None if empty."""
    value = value.strip().lower()
    if not value:
        return None
    if re.fullmatch(r"[0-9a-f]{6}", value):
        value = "#" + value
    if not COLOUR_RE.match(value):
        raise IdentityError(N_("Enter a colour as # and 6 hexadecimal digits, such as #1d4f91."))
    if contrast(value, "#ffffff") < MIN_CONTRAST:
        raise IdentityError(N_("This colour is too light: it must keep 4.5:1 contrast with white."))
    return value


def site_url(value: str) -> str | None:
    """The service's own address (http or https, with a host); None if empty."""
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value) if len(value) <= URL_MAX else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or ord(c) < 32 or c in "<>\"'`" for c in value)
        # Hosts that Python and browsers would read differently (issue 17): a backslash, a
        # user name or password, a non-ASCII or percent-encoded host.
        or "\\" in value
        or any(c in parts.netloc for c in "@%")
        or not parts.netloc.isascii()
    ):
        raise IdentityError(N_("Enter a web address that starts with https:// or http://."))
    try:
        parts.port  # noqa: B018  # a port out of range raises here
    except ValueError as error:
        raise IdentityError(
            N_("Enter a web address that starts with https:// or http://.")
        ) from error
    return value


def logo(data: bytes) -> Logo:
    """Check an uploaded logo and re-encode it; IdentityError says what is wrong."""
    if len(data) > LOGO_MAX_BYTES:
        raise IdentityError(N_("The logo must be 200 KB or smaller."))
    kind = next((v for magic, v in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise IdentityError(N_("The logo must be a PNG or JPEG image."))
    content_type, pil_format = kind
    try:
        with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
            width, height = image.size  # read from the header, before any decoding
            if min(width, height) < LOGO_MIN_SIDE or max(width, height) > LOGO_MAX_SIDE:
                raise IdentityError(N_("The logo must be 16 to 1,200 pixels wide and high."))
            image.load()  # decodes every pixel: a truncated or forged file fails here
            out = io.BytesIO()
            if pil_format == "PNG":
                image.save(out, format="PNG", optimize=True)
            else:
                image.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
    except IdentityError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise IdentityError(
            N_("The logo could not be read. Save it again as PNG or JPEG.")
        ) from error
    return Logo(content=out.getvalue(), content_type=content_type, width=width, height=height)


def darker(colour: str, factor: float = 0.75) -> str:
    """The colour with each channel scaled down (hover states): never less contrast on white."""
    r, g, b = (round(int(colour[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def theme_css(colour: str) -> str:
    """The stylesheet that gives citizens' pages a service's accent colour."""
    return f":root{{--accent:{colour};--accent-dark:{darker(colour)}}}\n"


@dataclass(frozen=True)
class Identity:
    """Who is asking, as a citizen's page shows it, in one language."""

    id: str
    name: str
    url: str | None
    logo_url: str | None
    theme_url: str | None


def for_citizens(session: Session, *, service_id: str, lang: str) -> Identity | None:
    """The service's name, address, logo and colour for a citizen's page in `lang`."""
    service = session.get(Service, service_id)
    if service is None:
        return None
    urls = service.site_url or {}
    return Identity(
        id=service.id,
        name=pick(service.name, lang),
        url=urls.get(lang) or next(iter(urls.values()), None),
        logo_url=f"/logos/{service.id}/{service.logo_version}" if service.logo_version else None,
        theme_url=f"/themes/{service.accent_colour[1:]}.css" if service.accent_colour else None,
    )
