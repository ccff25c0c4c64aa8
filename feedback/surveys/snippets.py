"""The texts a web publisher copies to show a survey: the script snippet in each mode, the
iframe, the no-JavaScript link, the hosted link per channel and touchpoint, and the
frame policy that lets only the survey's allowed origins frame it."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

from feedback.core.middleware import DEFAULT_CSP
from feedback.core.models import Survey

MODES = ("inline", "button", "trigger", "iframe")
# Only well-formed origins go into a header: anything else could end the directive early.
_ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")
_NOSCRIPT = {
    "en": "Answer our short survey",
    "fr": "Répondez à notre court sondage",
}
_BUTTON = {"en": "Give feedback", "fr": "Donner votre rétroaction"}


def hosted_url(
    base: str,
    survey_id: str,
    *,
    lang: str | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    embed: bool = False,
    kiosk: bool = False,
) -> str:
    """The hosted survey's address (or the kiosk's), with only the parameters given."""
    params = {"lang": lang, "channel": channel, "touchpoint": touchpoint}
    query = {k: v for k, v in params.items() if v}
    if embed:
        query["embed"] = "1"
    path = f"/k/{survey_id}" if kiosk else f"/s/{survey_id}"
    return base.rstrip("/") + path + ("?" + urlencode(query) if query else "")


def script_tag(
    base: str,
    survey_id: str,
    *,
    mode: str = "inline",
    channel: str = "web",
    touchpoint: str | None = None,
    lang: str | None = None,
    target: str | None = None,
    trigger: str | None = None,
) -> str:
    """The <script> snippet for the inline, button (floating tab) or trigger mode."""
    attrs = {
        "data-survey": survey_id,
        "data-channel": channel,
        "data-touchpoint": touchpoint,
        "data-lang": lang,
        "data-mode": "button" if mode == "button" else None,
        "data-target": target if mode == "inline" else None,
        "data-trigger": (trigger or "#feedback-button") if mode == "trigger" else None,
    }
    text = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items() if v)
    return f'<script async src="{escape(base.rstrip("/"))}/embed.js" {text}></script>'


def noscript(base: str, survey_id: str, *, lang: str = "en", channel: str = "web") -> str:
    """A link to the hosted page for people without JavaScript."""
    url = hosted_url(base, survey_id, lang=lang, channel=channel)
    return (
        f'<noscript><a href="{escape(url)}">{_NOSCRIPT.get(lang, _NOSCRIPT["en"])}</a></noscript>'
    )


def iframe(
    base: str, survey_id: str, *, lang: str = "en", channel: str = "web", title: str = ""
) -> str:
    """The iframe snippet; embed.js beside it sizes the frame to its content."""
    url = hosted_url(base, survey_id, lang=lang, channel=channel, embed=True)
    name = escape(title or _NOSCRIPT.get(lang, _NOSCRIPT["en"]))
    script = f'<script async src="{escape(base.rstrip("/"))}/embed.js"></script>'
    frame = f'<iframe src="{escape(url)}" title="{name}" width="100%" height="480" loading="lazy">'
    return f"{frame}</iframe>\n{script}"


def snippet(
    base: str,
    survey_id: str,
    *,
    mode: str = "inline",
    lang: str = "en",
    channel: str = "web",
    touchpoint: str | None = None,
) -> str:
    """Everything to paste for one mode, with its no-JavaScript fallback."""
    if mode == "iframe":
        return iframe(base, survey_id, lang=lang, channel=channel)
    tag = script_tag(base, survey_id, mode=mode, channel=channel, touchpoint=touchpoint)
    if mode == "trigger":
        # The trigger is a real link to the hosted page, so it works without JavaScript too.
        url = hosted_url(base, survey_id, lang=lang, channel=channel, touchpoint=touchpoint)
        label = _BUTTON.get(lang, _BUTTON["en"])
        return f'<a id="feedback-button" href="{escape(url)}">{label}</a>\n{tag}'
    return tag + "\n" + noscript(base, survey_id, lang=lang, channel=channel)


def frame_ancestors(survey: Survey) -> str:
    """The frame-ancestors sources for a survey: our own pages and its allowed origins."""
    origins = [o for o in survey.allowed_origins if _ORIGIN_RE.match(o)]
    return " ".join(["'self'", *origins])


def frame_headers(survey: Survey) -> dict[str, str]:
    """Headers of a page that the survey's allowed origins (and no one else) may frame."""
    policy = DEFAULT_CSP.replace(
        "frame-ancestors 'none'", f"frame-ancestors {frame_ancestors(survey)}"
    )
    return {"Content-Security-Policy": policy}
