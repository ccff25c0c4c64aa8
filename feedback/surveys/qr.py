"""QR codes of a survey's hosted link, for posters, letters and counters (segno)."""

from __future__ import annotations

import io

import segno

FORMATS = ("svg", "png")
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _code(url: str) -> segno.QRCode:
    # Level M survives a smudge or a fold (15% of the code) and keeps the code small.
    return segno.make(url, error="m", micro=False)


def svg(url: str, *, title: str = "", scale: int = 8) -> bytes:
    """An SVG QR code of `url`, black on white, with a four-module quiet zone."""
    out = io.BytesIO()
    _code(url).save(
        out, kind="svg", scale=scale, border=4, dark="#000", light="#fff", title=title or url
    )
    return out.getvalue()


def png(url: str, *, scale: int = 10) -> bytes:
    """A PNG QR code of `url`, large enough to print at 3 cm and scan from arm's length."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=4, dark="#000", light="#fff")
    return out.getvalue()


def render(url: str, fmt: str, *, title: str = "") -> bytes:
    """The QR code of `url` in `fmt` (svg or png)."""
    return svg(url, title=title) if fmt == "svg" else png(url)
