"""Operations: liveness and readiness."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feedback.routes.base import public


@public("liveness probe for load balancers; says nothing about data")
async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


@public("readiness probe for load balancers; says only whether the database answers")
async def readyz(request: Request) -> Response:
    """The database answers; a load balancer sends traffic only then."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ok", "database": "ok"})


routes = [Route("/healthz", healthz), Route("/readyz", readyz)]
