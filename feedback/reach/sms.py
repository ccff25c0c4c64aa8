"""Text invitations through a provider's HTTP API in Twilio's format, and the replies.

Sent with Twilio's Messages API (a form POST with basic auth); replies come to a webhook whose
X-Twilio-Signature is checked with Twilio's own library, and are answered with TwiML, so the
number is never needed again once the invitation is sent (it is deleted then).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from feedback.core.catalog import SCALE_RANGES
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Invitation, Question, Service, Survey
from feedback.core.settings import Settings

log = logging.getLogger("feedback.reach")

# Twilio's opt-out and opt-in keywords (its Advanced Opt-Out defaults), and French ones.
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT"}
START_WORDS = {"START", "YES", "UNSTOP", "OUI"}
HELP_WORDS = {"HELP", "INFO", "AIDE"}


def configured(settings: Settings) -> bool:
    """True when text messages can be sent."""
    return bool(settings.sms_account_sid and settings.sms_auth_token and settings.sms_from)


def scale_of(question: Question | None) -> tuple[int, int] | None:
    """The numbers a reply may be, for a first question that is a numeric scale."""
    if question is None or question.show_if or question.kind not in SCALE_RANGES:
        return None
    return SCALE_RANGES[question.kind]


def first_text(
    invitation: Invitation, survey: Survey, service: Service | None, question: Question | None,
    *, base: str,
) -> str:  # fmt: skip
    """The invitation: the first question as "reply 1 to 5", or a link when it is not a scale."""
    lang = invitation.language
    _ = gettext_for(lang).gettext
    name = pick(service.name, lang) if service else pick(survey.title, lang)
    scale = scale_of(question)
    if question is None or scale is None:
        link = f"{base}/i/{invitation.token}?lang={lang}"
        text = _("%(service)s: how did it go? Tell us in a minute: %(url)s") % {
            "service": name, "url": link,
        }  # fmt: skip
    else:
        low, high = scale
        text = _("%(service)s: %(question)s Reply with a number from %(low)s to %(high)s.") % {
            "service": name, "question": pick(question.text, lang), "low": low, "high": high,
        }  # fmt: skip
    return text + " " + _("Reply STOP to stop.")


def send(settings: Settings, to: str, body: str) -> str:
    """POST one message to the Messages API: "sent", "retry" (try later) or "failed"."""
    assert settings.sms_account_sid and settings.sms_auth_token and settings.sms_from
    sid = settings.sms_account_sid
    url = f"{settings.sms_api_base.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    data = urlencode({"To": to, "From": settings.sms_from, "Body": body}).encode()
    auth = base64.b64encode(f"{sid}:{settings.sms_auth_token}".encode()).decode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Authorization", f"Basic {auth}")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310 (configured URL)
            json.loads(answer.read() or b"{}")
            return "sent"
    except urllib.error.HTTPError as error:
        # 4xx: the provider refuses this message for good (a bad or opted-out number, say).
        code = _error_code(error)
        log.warning("text message refused: HTTP %s, provider code %s", error.code, code)
        return "retry" if error.code in (408, 429) or error.code >= 500 else "failed"
    except (OSError, ValueError) as error:
        log.warning("text message not sent: %s", type(error).__name__)
        return "retry"


def _error_code(error: urllib.error.HTTPError) -> object:
    try:
        return json.loads(error.read() or b"{}").get("code")
    except (ValueError, OSError):
        return None


def verify(settings: Settings, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Twilio's X-Twilio-Signature check (HMAC-SHA1 of the URL and sorted parameters)."""
    if not settings.sms_auth_token or not signature:
        return False
    return bool(RequestValidator(settings.sms_auth_token).validate(url, dict(params), signature))


def read_reply(body: str) -> tuple[str, int | None]:
    """What a reply says: ("stop"|"start"|"help", None), ("answer", n) or ("other", None)."""
    text = body.strip()
    word = text.upper().rstrip(".!")
    if word in STOP_WORDS:
        return "stop", None
    if word in START_WORDS:
        return "start", None
    if word in HELP_WORDS:
        return "help", None
    found = re.fullmatch(r"(\d{1,2})\s*[.!]?", text)
    return ("answer", int(found.group(1))) if found else ("other", None)


def twiml(text: str | None) -> str:
    """A TwiML answer: one message back to the sender, or nothing."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
