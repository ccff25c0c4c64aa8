"""Services in the system Chromium: the admin pages and what citizens see of the service (name,
logo, accent colour, link back) pass axe-core in English and French; FEEDBACK_SCREENSHOTS=1 saves
screenshots of each to docs/screenshots/services-*.png."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from kiosk_devices import enrol_browser
from PIL import Image, ImageDraw

from feedback.app import create_app
from feedback.core.db import session_scope
from feedback.core.models import Service
from feedback.core.settings import Settings
from feedback.staff import auth
from feedback.surveys import services

from conftest import ADMIN_PASSWORD, LiveServer, _free_port, axe_violations, save_shot

pytestmark = pytest.mark.browser
COLOUR = "#6a1b9a"


def logo() -> bytes:
    """A small two-colour logo, as a service might upload."""
    image = Image.new("RGB", (180, 54), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 53, 53), fill=COLOUR)
    draw.ellipse((12, 12, 41, 41), fill="white")
    draw.rectangle((62, 14, 172, 22), fill=COLOUR)
    draw.rectangle((62, 32, 140, 40), fill="#4a4a4a")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def brand(app: Any) -> None:
    """The seeded `licences` service with its own address, colour and logo."""
    with session_scope(app.state.engine) as session:
        service = session.get(Service, "licences")
        assert service is not None
        services.edit(
            session,
            service=service,
            changes=services.Changes(
                urls={"en": "https://example.ca/licences", "fr": "https://example.ca/fr/permis"},
                accent_colour=COLOUR,
                logo=logo(),
            ),
        )


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/dashboard*")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_citizen_pages_show_the_service(live_app: Any, browser: Any, lang: str) -> None:
    app, server = live_app
    brand(app)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    survey = app.state.ids["page"]
    name = {"en": "Licence renewals", "fr": "Renouvellement de permis"}[lang]
    page.goto(f"{server.url}/s/{survey}?lang={lang}")
    assert page.inner_text(".brand") == name
    logo_box = page.locator(".brand img.service-logo").bounding_box()
    assert logo_box and logo_box["height"] <= 48 + 1  # 3rem
    # The accent colour reached the page through its stylesheet, under the strict CSP.
    border = page.eval_on_selector(".site-header", "e => getComputedStyle(e).borderBottomColor")
    assert border == "rgb(106, 27, 154)"
    assert axe_violations(page) == []
    save_shot(page, f"services-hosted-{lang}.png", full_page=True)
    page.get_by_label({"en": "Yes", "fr": "Oui"}[lang]).check()
    page.get_by_role("button", name={"en": "Send", "fr": "Envoyer"}[lang]).click()
    page.wait_for_load_state()
    back = page.get_by_role("link", name=re.compile(name))
    assert back.get_attribute("href") == {
        "en": "https://example.ca/licences", "fr": "https://example.ca/fr/permis"
    }[lang]  # fmt: skip
    assert axe_violations(page) == []
    save_shot(page, f"services-thanks-{lang}.png", full_page=True)
    enrol_browser(context, app, server.url)  # only an enrolled tablet gets the kiosk page
    page.goto(f"{server.url}/k/{app.state.ids['counter']}?lang={lang}")
    assert page.inner_text(".brand") == {"en": "Park passes", "fr": "Laissez-passer de parcs"}[lang]
    assert axe_violations(page) == []
    save_shot(page, f"services-kiosk-{lang}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_services_admin_pages(live_app: Any, browser: Any, lang: str) -> None:
    app, server = live_app
    brand(app)
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    sign_in(page, server.url)
    page.goto(f"{server.url}/admin/services?lang={lang}")
    assert page.locator("nav.staff-sections a[aria-current=page]").inner_text() == "Services"
    assert axe_violations(page) == []
    save_shot(page, f"services-list-{lang}.png", full_page=True)
    page.goto(f"{server.url}/admin/services/new?lang={lang}")
    page.fill("#id", "Bureau 7")
    page.fill("#name_en", "Passport office")
    page.fill("#url_en", "ftp://example.ca")
    page.fill("#accent_colour", "#ffcc00")
    page.locator("form[action='/admin/services/new'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary li").count() == 4  # id, French name, address, colour
    assert axe_violations(page) == []
    save_shot(page, f"services-form-error-{lang}.png", full_page=True)
    page.goto(f"{server.url}/admin/services/licences?lang={lang}")
    assert page.locator(".logo-preview img").count() == 1
    assert axe_violations(page) == []
    save_shot(page, f"services-edit-{lang}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_empty_install_says_what_to_do(tmp_path: Path, browser: Any, lang: str) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", secret_key="s"))
    with session_scope(app.state.engine) as session:
        auth.create_user(session, username="admin", password=ADMIN_PASSWORD, role="admin")
    with LiveServer(app, _free_port()) as server:
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        page = context.new_page()
        sign_in(page, server.url)
        page.goto(f"{server.url}/dashboard?lang={lang}")
        assert page.locator("#next-step a.button").get_attribute("href") == (
            f"/admin/services/new?lang={lang}"
        )
        assert axe_violations(page) == []
        save_shot(page, f"services-empty-dashboard-{lang}.png", full_page=True)
        page.goto(f"{server.url}/admin/services?lang={lang}")
        assert axe_violations(page) == []
        context.close()
    app.state.engine.dispose()


def test_the_widget_heading_names_the_service(live_app: Any, browser: Any) -> None:
    app, server = live_app
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/demo?lang=fr")  # the demo host page embeds the page survey
    heading = page.locator("h2#t")  # Playwright's locators pierce the widget's shadow root
    heading.wait_for()
    assert heading.locator(".pg").inner_text() == "Renouvellement de permis"
    assert heading.inner_text().endswith("Rétroaction sur la page")
    assert axe_violations(page) == []
    save_shot(page, "services-widget-fr.png", full_page=True)
    context.close()
