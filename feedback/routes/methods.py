"""GET /dashboard/statistics: how the dashboards count and what they may claim.

The text is docs/statistics.md (shipped with the templates), rendered with markdown-it-py,
a CommonMark parser with tables; each heading gets an id so pages link to their section.
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files

from markdown_it import MarkdownIt
from starlette.requests import Request
from starlette.responses import Response

from feedback.routes.base import language
from feedback.routes.filtering import page

SOURCE = files("feedback.templates") / "dashboard" / "statistics.md"


def slug(text: str) -> str:
    """A heading's anchor: lowercase words joined by hyphens (control-charts)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@functools.lru_cache(maxsize=1)
def html() -> tuple[str, str]:
    """The document's title and its body as HTML (headings below the title carry ids)."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(SOURCE.read_text(encoding="utf-8"))
    title = ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            text = tokens[i + 1].content
            if token.tag == "h1" and not title:
                title = text
                token.attrSet("class", "visually-hidden")
            else:
                token.attrSet("id", slug(text))
    return title, parser.renderer.render(tokens, parser.options, {})


async def statistics_page(request: Request) -> Response:
    """GET /dashboard/statistics: the methods behind every figure, in English."""
    lang = language(request)
    title, body = html()
    return page(request, "dashboard/statistics.html", {"title": title, "body": body}, lang)
