"""GET /metrics: Prometheus scrape of every worker's counters, behind a bearer token if set."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from feedback.core import observability
from feedback.routes.base import public


def _authorised(request: Request) -> bool:
    expected = request.app.state.settings.metrics_token
    if not expected:
        return True
    kind, _sep, given = request.headers.get("authorization", "").partition(" ")
    return kind.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


@public(
    "Prometheus scrape: counts and timings by route template, no personal data; "
    "FEEDBACK_METRICS_TOKEN restricts it to a scraper holding that bearer token"
)
async def metrics(request: Request) -> Response:
    """The metrics in Prometheus text format, for all worker processes of this server."""
    if not _authorised(request):
        return PlainTextResponse(
            "A valid bearer token is needed.\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"},
        )
    return Response(
        observability.exposition(),
        media_type=observability.CONTENT_TYPE,
        headers={"Cache-Control": "no-store"},
    )


routes = [Route("/metrics", metrics, methods=["GET"])]
