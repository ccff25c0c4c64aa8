"""Host pages built with four design systems' published CSS and JavaScript, served from an
origin of their own under a strict Content-Security-Policy, each with the widget inline, as a
tab, or not at all.

A plain module, imported by this folder's tests and by docs/make_design_system_screenshots.py.
The pages are pages/<system>.html (string.Template); the design systems come from
node_modules (`npm ci --prefix tests/design_systems`), served under /npm/.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from string import Template

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
PAGES = HERE / "pages"
SYSTEMS = ("govuk", "uswds", "bootstrap", "gcds")
MODES = ("inline", "button", "none")
GOVUK_ASSETS = "govuk-frontend/dist/govuk/assets"

# What the pages say, in both languages: a licence renewal page of a public service.
WORDS = {
    "en": {
        "title": "Renew your licence",
        "service": "Licence renewals",
        "skip": "Skip to main content",
        "menu": "Menu",
        "banner": "An official website of a public service",
        "banner_how": "Here's how you know",
        "banner_body": "Official websites use a secure connection.",
        "breadcrumb": "Breadcrumb",
        "back": "Back",
        "nav1": "Licences",
        "nav2": "Permits",
        "nav3": "Contact us",
        "h1": "Renew your licence",
        "lead": "You can renew a licence up to 6 months before it expires.",
        "body": "It takes about 10 minutes. You need your licence number and a recent photo.",
        "open_modal": "What you need",
        "legend": "How do you want to renew?",
        "opt1": "Online",
        "opt2": "By mail",
        "label": "Licence number",
        "hint": "It is on the front of your licence, for example 12345678.",
        "continue": "Continue",
        "modal_title": "What you need to renew",
        "modal_body": "Your licence number and a photo taken in the last 6 months.",
        "close": "Close",
        "support": "Support links",
        "privacy": "Privacy",
        "contact": "Contact",
        "terms": "Terms and conditions",
    },
    "fr": {
        "title": "Renouveler votre permis",
        "service": "Renouvellement de permis",
        "skip": "Passer au contenu principal",
        "menu": "Menu",
        "banner": "Un site officiel d’un service public",
        "banner_how": "Comment le savoir",
        "banner_body": "Les sites officiels utilisent une connexion sécurisée.",
        "breadcrumb": "Fil d’Ariane",
        "back": "Retour",
        "nav1": "Permis",
        "nav2": "Autorisations",
        "nav3": "Nous joindre",
        "h1": "Renouveler votre permis",
        "lead": "Vous pouvez renouveler un permis jusqu’à 6 mois avant son expiration.",
        "body": "Cela prend environ 10 minutes. Il vous faut votre numéro de permis et une "
        "photo récente.",
        "open_modal": "Ce qu’il vous faut",
        "legend": "Comment voulez-vous renouveler?",
        "opt1": "En ligne",
        "opt2": "Par la poste",
        "label": "Numéro de permis",
        "hint": "Il figure au recto de votre permis, par exemple 12345678.",
        "continue": "Continuer",
        "modal_title": "Ce qu’il vous faut pour renouveler",
        "modal_body": "Votre numéro de permis et une photo prise dans les 6 derniers mois.",
        "close": "Fermer",
        "support": "Liens de soutien",
        "privacy": "Confidentialité",
        "contact": "Nous joindre",
        "terms": "Avis",
    },
}

# The host's own elements whose boxes must not move when the widget comes: each gets a
# data-box number from its place in the page, so a page with and without the widget compare.
BOXED = re.compile(
    r"<(header|nav|main|section|h1|h2|p|form|fieldset|legend|label|input|button|a|ul|li|footer"
    r"|gcds-[a-z-]+)(?=[\s>])"
)


def csp(api: str) -> str:
    """The host's policy: its own files, and the widget's origin for script and connect only."""
    return (
        f"default-src 'self'; script-src 'self' {api}; connect-src 'self' {api}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def snippet(api: str, survey: str, mode: str) -> str:
    """The published snippet (docs/embedding.md), inline or as the floating tab."""
    extra = ' data-mode="button"' if mode == "button" else ""
    return (
        f'<script async src="{api}/embed.js" data-survey="{survey}" data-channel="web"'
        f"{extra}></script>"
    )


def render(system: str, *, api: str, survey: str, mode: str, lang: str) -> str:
    """The host page of `system` in `lang`, with the widget in `mode` (or none)."""
    words = {k: html.escape(v) for k, v in WORDS[lang].items()}
    code = snippet(api, survey, mode)
    words["lang"] = lang
    words["inline"] = code if mode == "inline" else ""
    words["tab"] = code if mode == "button" else ""
    page = Template((PAGES / f"{system}.html").read_text(encoding="utf-8")).substitute(words)
    numbers = iter(range(1, 10_000))
    return BOXED.sub(lambda m: f'<{m.group(1)} data-box="{next(numbers)}"', page)


def host_app(api: str, survey: str) -> Starlette:
    """The host pages' server: /<system>?mode=inline|button|none&lang=en|fr, and their files."""

    async def page(request: Request) -> Response:
        system = request.path_params["system"]
        mode = request.query_params.get("mode", "none")
        lang = request.query_params.get("lang", "en")
        if system not in SYSTEMS or mode not in MODES or lang not in WORDS:
            return HTMLResponse("not found", status_code=404)
        body = render(system, api=api, survey=survey, mode=mode, lang=lang)
        return HTMLResponse(body, headers={"Content-Security-Policy": csp(api)})

    return Starlette(
        routes=[
            Mount("/npm", StaticFiles(directory=NODE_MODULES)),
            # GOV.UK Frontend's CSS asks for its fonts and images at /assets.
            Mount("/assets", StaticFiles(directory=NODE_MODULES / GOVUK_ASSETS)),
            Mount("/pages", StaticFiles(directory=PAGES)),
            Route("/{system}", page),
        ]
    )
