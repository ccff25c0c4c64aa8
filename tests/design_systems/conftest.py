"""Two servers for the design-system tests: the app (its page-feedback survey allows the host
origin) and the host pages on an origin of their own; one browser context per system colour
setting and window width, reused by every test of the folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import select

from feedback.answers import amend
from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Answer, AnswerDay, AnswerPairDay, Response, ResponseDay, Survey
from feedback.surveys import definitions as surveys

from .hosts import NODE_MODULES, host_app
from .probes import CSP_LISTENER
from conftest import LiveServer, _free_port, make_settings, seed_minimal

PACKAGES = ("govuk-frontend", "@uswds/uswds", "bootstrap", "@cdssnc/gcds-components")
INSTALLED = all((NODE_MODULES / p).is_dir() for p in PACKAGES)
NOT_INSTALLED = (
    "the design systems are not installed: run "
    "`npm ci --prefix tests/design_systems --no-audit --no-fund --loglevel=error`"
)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}


@dataclass
class Stack:
    """The app, its URL (the widget's origin), the host origin and the survey embedded."""

    app: Any
    api: str
    host: str
    survey: str

    def url(self, system: str, mode: str, lang: str = "en") -> str:
        return f"{self.host}/{system}?mode={mode}&lang={lang}"

    def stored(self) -> list[dict[str, Any]]:
        """Every stored response to the survey, as its answers."""
        with session_scope(self.app.state.engine) as session:
            questions = surveys.questions_of(session, self.survey)
            rows = session.exec(select(Response).where(Response.survey_id == self.survey)).all()
            return [amend.stored_answers(session, r.id or 0, questions) for r in rows]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The app on an SQLite file and the host pages, each on its own origin (localhost and
    127.0.0.1: loopback pages may call loopback servers in Chromium)."""
    if not INSTALLED:
        pytest.skip(NOT_INSTALLED)
    port, host_port = _free_port(), _free_port()
    api, host = f"http://127.0.0.1:{port}", f"http://localhost:{host_port}"
    url = f"sqlite:///{tmp_path_factory.mktemp('design_systems') / 'feedback.db'}"
    application = create_app(make_settings(url, base_url=api))
    ids = seed_minimal(application, origins=[host])
    with session_scope(application.state.engine) as session:
        survey = session.get(Survey, ids["page"])
        assert survey is not None
        # Every test answers from the same address within a minute or so.
        survey.client_limit_per_minute = 10_000
        session.add(survey)
    with (
        LiveServer(application, port),
        LiveServer(host_app(api, ids["page"]), host_port),
    ):
        yield Stack(application, api, host, ids["page"])
    application.state.engine.dispose()


@pytest.fixture(autouse=True)
def no_answers(stack: Stack) -> Iterator[None]:
    """Each test starts with no responses."""
    yield
    with session_scope(stack.app.state.engine) as session:
        for table in (Answer, AnswerPairDay, AnswerDay, ResponseDay, Response):
            session.execute(delete(table))


@pytest.fixture(scope="session")
def pages(browser: Any) -> Iterator[dict[tuple[str, str], Any]]:
    """One page per (system colour setting, width): ("light"|"dark", "desktop"|"phone")."""
    made: dict[tuple[str, str], Any] = {}
    contexts = []
    for scheme in ("light", "dark"):
        for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
            ctx = browser.new_context(color_scheme=scheme, viewport=size)
            ctx.add_init_script(CSP_LISTENER)
            contexts.append(ctx)
            ctx.set_default_timeout(10_000)
            made[(scheme, width)] = ctx.new_page()
    yield made
    for ctx in contexts:
        ctx.close()
