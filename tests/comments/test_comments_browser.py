"""Real Chromium on a live server: the inbox shows suggested themes and the urgent banner,
a comment's follow-up and theme trends pass axe-core in English and French.

With FEEDBACK_SCREENSHOTS=1 the pages are also saved to docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select
from test_dashboard_views import submit

from feedback.comments import classifier
from feedback.core.db import session_scope
from feedback.core.models import Comment

from conftest import ADMIN_PASSWORD, axe_violations, save_shot

pytestmark = pytest.mark.browser
ROWS = [
    ("in_person", "en", 1, "I waited two hours in line and only one counter was open."),
    ("phone", "fr", 2, "J'ai attendu une heure au téléphone avant de parler à quelqu'un."),
    ("kiosk", "en", 2, "The kiosk screen froze and the online form crashed."),
    ("in_person", "fr", 5, "Personnel très courtois, merci."),
    ("phone", "en", 1, "If my claim is refused again I will end my life."),
    ("in_person", "en", 4, "The agent knew the rules and explained everything."),
]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def load(app: Any) -> None:
    today = date.today()  # shown on pages whose default window ends today; no timing asserted
    for i, (channel, lang, sat, said) in enumerate(ROWS):
        answers = {"satisfaction": sat, "comment": said}
        day = today - timedelta(days=len(ROWS) - i)
        submit(app, "counter", answers, day=day, channel=channel, lang=lang)
    with session_scope(app.state.engine) as session:  # what the background job does
        assert classifier.classify_pending(session) == len(ROWS)


def sign_in(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.locator("#username").fill("admin")
    page.locator("#password").fill(ADMIN_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/dashboard*")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_inbox_follow_up_and_trends_in_a_browser(live_app: Any, page: Any, lang: str) -> None:
    app, server = live_app
    base = server.url
    load(app)
    sign_in(page, base, lang)
    page.goto(f"{base}/dashboard/comments?lang={lang}")
    suggested = "(suggested)" if lang == "en" else "(suggéré)"
    tags = page.locator("ul.inbox li.tag.suggested")
    assert tags.count() >= 3 and suggested in tags.first.inner_text()
    waiting = "Waiting time" if lang == "en" else "Temps d'attente"
    first_comment = page.locator("ul.inbox > li").filter(has_text="two hours")
    assert waiting in first_comment.inner_text()
    banner = page.locator(".urgent-banner")
    assert banner.is_visible() and "end my life" in banner.inner_text()
    assert axe_violations(page) == []
    save_shot(page, f"comments-inbox-{lang}.png", full_page=True)

    page.goto(f"{base}/dashboard/comments?lang={lang}&q=WAITING")
    assert "two hours" in page.locator("ul.inbox").inner_text()

    with session_scope(app.state.engine) as session:
        urgent = session.scalars(select(Comment).where(Comment.urgent.is_(True))).one()  # type: ignore[attr-defined]
    page.goto(f"{base}/dashboard/comments/{urgent.answer_id}?lang={lang}")
    assert page.locator(".urgent-banner[role=alert]").is_visible()
    assert axe_violations(page) == []
    save_shot(page, f"comments-urgent-{lang}.png", full_page=True)

    page.goto(f"{base}/dashboard/comments?lang={lang}")
    page.locator("ul.inbox > li").filter(has_text="two hours").locator("a").first.click()
    page.locator("#status").select_option("in_progress")
    page.locator("#assignee").select_option("admin")
    page.locator("#status").locator("xpath=ancestor::form").locator("button").click()
    page.locator("#note").fill("Asked the office to open a second counter at noon.")
    page.locator("#note").locator("xpath=ancestor::form").locator("button").click()
    assert "second counter" in page.locator("ul.notes").inner_text()
    assert axe_violations(page) == []
    save_shot(page, f"comments-follow-up-{lang}.png", full_page=True)

    page.goto(f"{base}/dashboard/comments/trends?lang={lang}")
    assert page.locator("#fix-title").is_visible()
    assert axe_violations(page) == []
    save_shot(page, f"comments-trends-{lang}.png", full_page=True)
