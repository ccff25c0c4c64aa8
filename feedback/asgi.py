"""ASGI entry point for servers: `uvicorn feedback.asgi:app`, built from FEEDBACK_* variables."""

from __future__ import annotations

from feedback.app import create_app
from feedback.core.settings import Settings

# Built when a server imports this module, never when the package itself is imported.
app = create_app(Settings())
