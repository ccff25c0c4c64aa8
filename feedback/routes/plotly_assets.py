"""plotly.js and its stylesheet, served from the installed plotly package (never a CDN)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import plotly
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from feedback.routes.base import public

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


_RULE = re.compile(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")')


@cache
def plotly_css() -> str:
    """plotly.js's global style rules as a stylesheet, read from the installed bundle.

    plotly.js inserts these rules with a <style> element, which a CSP without
    'unsafe-inline' blocks; served as a file and marked with the id and class plotly.js
    looks for, they apply and plotly.js skips its own insertion.
    """
    source = PLOTLY_JS.read_text(encoding="utf-8")
    start = source.find('{"X,X div"')
    end = source.find("};for(", start)
    if start < 0 or end < 0:
        return ""  # a plotly.js of another shape: charts still draw, only less styled
    rules = []
    for key, single, double in _RULE.findall(source[start + 1 : end]):
        selector = key.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{single or double}}}")
    return "\n".join(rules) + "\n"


@cache
def plotly_map_style_id() -> str:
    """The id of the map stylesheet plotly.js inserts at load unless an element has it.

    Dashboards draw no maps; an empty element with this id spares a blocked inline style.
    """
    source = PLOTLY_JS.read_text(encoding="utf-8")
    found = re.search(
        r'getElementById\("([0-9a-f]{32,})"\)\)\{var \w+=document\.createElement\("style"\)', source
    )
    return found.group(1) if found else ""


@public("static chart styles, the same for everyone")
async def plotly_stylesheet(request: Request) -> Response:
    """plotly.js's own CSS, so dashboards need no inline styles."""
    return Response(
        plotly_css(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@public("static chart library, the same for everyone")
async def plotly_js(request: Request) -> Response:
    """plotly.js from the installed plotly package; never from a CDN."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


routes = [
    Route("/static/vendor/plotly.min.js", plotly_js),
    Route("/static/vendor/plotly.css", plotly_stylesheet),
]
