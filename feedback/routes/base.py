"""What every route module shares, in one import: reading the request and rendering
(`pages`), errors (`errors`) and who may call a route (`access`)."""

from __future__ import annotations

from feedback.routes.access import (
    Handler,
    current_session,
    current_user,
    ensure_csrf,
    public,
    requires,
    requires_token,
    session_policy,
)
from feedback.routes.errors import (
    api_error,
    client_gone,
    error_page,
    http_error,
    is_api,
    server_error,
)
from feedback.routes.pages import (
    db,
    form_language,
    language,
    next_step,
    open_survey,
    path_id,
    render,
    url_with,
    when,
)

__all__ = [
    "Handler",
    "api_error",
    "client_gone",
    "current_session",
    "current_user",
    "db",
    "ensure_csrf",
    "error_page",
    "form_language",
    "http_error",
    "is_api",
    "language",
    "next_step",
    "open_survey",
    "path_id",
    "public",
    "render",
    "requires",
    "requires_token",
    "server_error",
    "session_policy",
    "url_with",
    "when",
]
