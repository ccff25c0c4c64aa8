"""The invitation email: plain text and HTML, in the person's language with the other beside
it, the first question answerable in one click, an unsubscribe link and List-Unsubscribe."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape

from feedback.core.catalog import CHANNELS
from feedback.core.i18n import gettext_for, pick
from feedback.core.models import Invitation, Question, Service, Survey
from feedback.surveys import forms

# Kinds whose answer is one click: a link per choice.
ONE_CLICK = ("rating5", "yes_no", "nps", "ces7", "choice")
ACCENT = "#1d4e89"


@dataclass(frozen=True)
class Parts:
    """What an invitation says, in one language."""

    lang: str
    name: str
    subject: str
    intro: str
    question: str
    choices: list[tuple[str, str]]  # (label, url)
    more: str
    privacy: str
    stop: str
    stop_url: str


def first_question(questions: list[Question]) -> Question | None:
    """The question answered in one click: the survey's first, if it is a single choice."""
    if questions and questions[0].kind in ONE_CLICK and not questions[0].show_if:
        return questions[0]
    return None


def answer_url(base: str, invitation: Invitation, value: str, lang: str) -> str:
    """The link that stores this answer and opens the rest of the survey."""
    return f"{base}/i/{invitation.token}/{value}?lang={lang}"


def parts(
    invitation: Invitation,
    survey: Survey,
    service: Service | None,
    questions: list[Question],
    *,
    lang: str,
    base: str,
    reminder: bool,
) -> Parts:
    """The message's words and links in one language."""
    _ = gettext_for(lang).gettext
    name = pick(service.name, lang) if service else pick(survey.title, lang)
    channel = CHANNELS.get(invitation.channel)
    # "Phone (agent)" reads as "téléphone" in a sentence: no qualifier in brackets.
    how = re.sub(r"\s*\(.*\)", "", pick(channel.label, lang)).lower() if channel else ""
    first = first_question(questions)
    choices: list[tuple[str, str]] = []
    if first is not None:
        (field,) = forms.fields([first], lang)
        scale = first.kind in ("rating5", "nps", "ces7")
        for c in field.choices:
            label = f"{c.value} – {c.label}" if scale and c.label not in ("", c.value) else c.label
            choices.append((label or c.value, answer_url(base, invitation, c.value, lang)))
        question = pick(first.text, lang)
        rest = len(questions) - 1
        more = (
            _("Choose an answer: it is saved at once. The page that opens has %(n)s more short "
              "questions, if you have a minute.") % {"n": rest}
            if rest else _("Choose an answer: it is saved at once.")
        )  # fmt: skip
    else:
        question = pick(survey.title, lang)
        choices = [(_("Answer the survey"), f"{base}/i/{invitation.token}?lang={lang}")]
        more = _("It takes about a minute.")
    intro = _("You were recently in touch with %(service)s (%(how)s). How did it go?") % {
        "service": name, "how": how or invitation.channel,
    }  # fmt: skip
    if reminder:
        intro = _("A reminder, the only one: ") + intro
    privacy = _(
        "Answering is voluntary. Your answers are not linked to your name or to this address, "
        "and we delete this address once our last message to it is sent."
    )
    subject = _("One question about your contact with %(service)s") % {"service": name}
    return Parts(
        lang=lang, name=name, subject=subject, intro=intro, question=question, choices=choices,
        more=more, privacy=privacy, stop=_("Stop invitations from %(service)s") % {"service": name},
        stop_url=f"{base}/i/{invitation.token}/unsubscribe?lang={lang}",
    )  # fmt: skip


def text_body(blocks: list[Parts]) -> str:
    """The plain-text part: each language in turn."""
    out = []
    for p in blocks:
        lines = [p.intro, "", p.question]
        lines += [f"  {label}: {url}" for label, url in p.choices]
        lines += ["", p.more, "", p.privacy, "", f"{p.stop}: {p.stop_url}"]
        out.append("\n".join(lines))
    return "\n\n----------\n\n".join(out) + "\n"


def _block(p: Parts, first: bool) -> str:
    link = (
        f"display:block;padding:12px 16px;margin:0 0 8px;border:2px solid {ACCENT};"
        f"border-radius:4px;color:{ACCENT};text-decoration:none;font-weight:bold"
    )
    items = "".join(
        f'<li style="margin:0"><a href="{escape(url)}" style="{link}">{escape(label)}</a></li>'
        for label, url in p.choices
    )
    border = "" if first else "border-top:1px solid #ccc;margin-top:32px;padding-top:24px;"
    return (
        f'<div lang="{p.lang}" style="{border}">'
        f'<p style="margin:0 0 16px">{escape(p.intro)}</p>'
        f'<h2 style="font-size:20px;line-height:1.3;margin:0 0 12px">{escape(p.question)}</h2>'
        f'<ul style="list-style:none;padding:0;margin:0 0 16px">{items}</ul>'
        f'<p style="margin:0 0 16px">{escape(p.more)}</p>'
        f'<p style="margin:0 0 16px;color:#444;font-size:14px">{escape(p.privacy)}</p>'
        f'<p style="margin:0;font-size:14px"><a href="{escape(p.stop_url)}" '
        f'style="color:{ACCENT}">{escape(p.stop)}</a></p></div>'
    )


def html_body(blocks: list[Parts], title: str) -> str:
    """The HTML part: simple, one column, real text and links, each language marked."""
    names = " / ".join(
        f'<span lang="{p.lang}">{escape(p.name)}</span>'
        for i, p in enumerate(blocks)
        if p.name not in (b.name for b in blocks[:i])
    )
    heading = f'<h1 style="font-size:24px;line-height:1.3;margin:0 0 16px">{names}</h1>'
    inner = heading + "".join(_block(p, i == 0) for i, p in enumerate(blocks))
    font = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
    return (
        f'<!doctype html><html lang="{blocks[0].lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        f'<body style="margin:0;padding:0;background:#f3f4f6">'
        f'<div role="main" aria-label="{escape(title)}" style="max-width:600px;margin:0 auto;'
        f'padding:24px;background:#fff;color:#222;font-size:16px;line-height:1.5;{font}">'
        f"{inner}</div></body></html>"
    )


def message(
    invitation: Invitation,
    survey: Survey,
    service: Service | None,
    questions: list[Question],
    *,
    base: str,
    sender: str,
    reminder: bool = False,
) -> EmailMessage:
    """The whole email to `invitation.email`: the person's language first, the other beside it."""
    assert invitation.email
    langs = [invitation.language] + [x for x in survey.languages if x != invitation.language]
    blocks = [
        parts(invitation, survey, service, questions, lang=x, base=base, reminder=reminder)
        for x in langs[:2]
    ]
    subject = " / ".join(p.subject for p in blocks)
    mail = EmailMessage()
    mail["Subject"] = subject
    name = pick(service.name, invitation.language) if service else ""
    user, _sep, domain = sender.partition("@")
    mail["From"] = Address(display_name=name, username=user, domain=domain) if domain else sender
    mail["To"] = invitation.email
    mail["Message-ID"] = make_msgid(domain=domain or None)
    mail["Auto-Submitted"] = "auto-generated"
    # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs here.
    mail["List-Unsubscribe"] = f"<{blocks[0].stop_url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(text_body(blocks))
    mail.add_alternative(html_body(blocks, subject), subtype="html")
    # After the content: setting it clears Content-* headers.
    mail["Content-Language"] = ", ".join(p.lang for p in blocks)
    return mail
