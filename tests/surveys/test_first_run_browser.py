"""What a new organisation does, in the system Chromium against a real `feedback serve` on an
empty database (SQLite file, and a fresh PostgreSQL schema), with no seed data: the first admin
from the command line, sign in, a service added on the web in English and in French and one
with the command line, a survey from a template, live, answered on the hosted page, and the
answer on the dashboard on the service's local day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from feedback.core import local_time

from conftest import axe_violations
from servers import ServerProcess

pytestmark = pytest.mark.browser
PASSWORD = "first admin password"


def cli(database_url: str, *argv: str, stdin: str = "") -> str:
    """`python -m feedback ...` against this database, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_")}
    env["FEEDBACK_DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "feedback", *argv],
        input=stdin, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def far_zone(now: datetime) -> str:
    """A zone whose date differs from UTC's for the next hour at least, so that counting on
    the UTC day instead of the local one would show."""
    return "Pacific/Kiritimati" if 10 <= now.hour <= 22 else "Etc/GMT+12"  # UTC+14 / UTC-12


def add_service_on_the_web(page: Any, base: str, lang: str, values: dict[str, str]) -> None:
    page.goto(f"{base}/admin/services/new?lang={lang}")
    for name, value in values.items():
        if name == "time_zone":
            page.select_option("#time_zone", value)
        else:
            page.fill(f"#{name}", value)
    page.locator("form[action='/admin/services/new'] button[type=submit]").click()
    page.wait_for_load_state()


def test_an_organisation_starts_from_nothing(
    database_url: str, tmp_path: Path, browser: Any
) -> None:
    server = ServerProcess(database_url, tmp_path, FEEDBACK_DEMO="0").start()
    try:
        walk(server, database_url, browser)
    finally:
        server.stop()


def walk(server: ServerProcess, database_url: str, browser: Any) -> None:
    base = server.url
    # The empty database got its schema, and the server said how to add the first admin.
    assert "feedback users add NAME --role admin" in server.log()
    assert "Added admin boss." in cli(
        database_url, "users", "add", "boss", "--role", "admin", stdin=PASSWORD + "\n"
    )

    staff = browser.new_context()
    page = staff.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/dashboard*")
    # Nothing yet: the dashboard says to add a service, and links to the page.
    step = page.locator("#next-step")
    assert "Add your first service" in step.inner_text()
    step.get_by_role("link", name="Add a service").click()
    page.wait_for_url(f"{base}/admin/services/new*")

    zone = far_zone(datetime.now(UTC))
    add_service_on_the_web(page, base, "en", {
        "id": "passports", "name_en": "Passport office", "name_fr": "Bureau des passeports",
        "time_zone": zone, "url_en": "https://example.ca/passports",
        "url_fr": "https://example.ca/fr/passeports",
    })  # fmt: skip
    assert "The service was added." in page.inner_text("main")
    # The same in the French interface, after a mistake the form explains in French.
    add_service_on_the_web(page, base, "fr", {
        "id": "Permis!", "name_en": "Licences", "name_fr": "Permis", "time_zone": "America/Toronto",
    })  # fmt: skip
    assert "Utilisez de 2 à 40 lettres minuscules" in page.inner_text(".error-summary")
    page.fill("#id", "permis")
    page.locator("form[action='/admin/services/new'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "Le service a été ajouté." in page.inner_text("main")
    assert "Added service parks (time zone America/Vancouver)." in cli(
        database_url, "services", "add", "parks", "--name-en", "Park passes",
        "--name-fr", "Laissez-passer de parcs", "--time-zone", "America/Vancouver",
    )  # fmt: skip
    listed = json.loads(cli(database_url, "services", "list", "--json"))
    assert [(s["id"], s["time_zone"]) for s in listed] == [
        ("parks", "America/Vancouver"), ("passports", zone), ("permis", "America/Toronto"),
    ]  # fmt: skip
    page.goto(f"{base}/admin/services?lang=en")
    table = page.inner_text("table.services-table")
    for name in ("Passport office", "Licences", "Park passes"):
        assert name in table

    # A survey for the passport office, from a template, then live.
    page.goto(f"{base}/admin/services/passports?lang=en&done=added")
    page.get_by_role("link", name="Create a survey for this service from a template").click()
    page.wait_for_url(f"{base}/admin/surveys/new*")
    assert page.eval_on_selector("#service", "s => s.value") == "passports"
    page.check("#template-gc_page_feedback")
    page.get_by_role("button", name="Create the survey").click()
    page.wait_for_load_state()
    survey_id = page.url.split("/admin/surveys/")[1].split("?")[0]
    page.get_by_role("button", name="Make the survey live").click()
    page.wait_for_load_state()
    page.goto(f"{base}/dashboard?lang=en")
    assert "No answers yet" in page.inner_text("#next-step")

    # A citizen answers on the hosted page, in French, and sees who is asking.
    citizen = browser.new_context(locale="fr-CA")
    public = citizen.new_page()
    public.goto(f"{base}/s/{survey_id}?lang=fr")
    assert public.title() == "Rétroaction sur la page – Bureau des passeports"
    assert public.inner_text(".brand") == "Bureau des passeports"
    assert axe_violations(public) == []
    before = local_time.today(zone)
    public.get_by_label("Oui").check()
    public.get_by_role("button", name="Envoyer").click()
    public.wait_for_load_state()
    after = local_time.today(zone)
    assert "Merci" in public.inner_text("h1")
    back = public.get_by_role("link", name="Retour à Bureau des passeports")
    assert back.get_attribute("href") == "https://example.ca/fr/passeports"
    assert axe_violations(public) == []
    citizen.close()

    # The answer is on the dashboard, on the service's local day.
    page.goto(f"{base}/dashboard?lang=en")
    assert page.locator("#next-step").count() == 0
    local_days = {before, after}
    for day in local_days:
        if counted(page, base, survey_id, day) == 1:
            break
    else:
        raise AssertionError(f"the answer is not on the local day {sorted(local_days)}")
    utc_day = datetime.now(UTC).date()
    if utc_day not in local_days:
        assert counted(page, base, survey_id, utc_day) == 0  # not on the UTC day
    staff.close()


def counted(page: Any, base: str, survey_id: str, day: date) -> int:
    """The responses the survey's dashboard counts on one of its service's local days (the
    overview compares whole days only, so today's answer shows on the survey's page)."""
    query = f"format=json&since={day.isoformat()}&until={day.isoformat()}&grain=day"
    got = page.request.get(f"{base}/dashboard/surveys/{survey_id}?{query}")
    assert got.ok
    body = got.json()
    assert body["time_zone"] in ("Pacific/Kiritimati", "Etc/GMT+12")  # the service's own
    return sum(body["responses"].values())
