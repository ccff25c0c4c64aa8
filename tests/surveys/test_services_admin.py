"""Services on the web: /admin/services for admins (list, add, edit, logo, delete) with CSRF and
audit entries; and what citizens see of the service on the hosted page, the thank-you page,
the kiosk and the widget's definition."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from kiosk_devices import enrol_client
from PIL import Image
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import AuditEntry, Service
from feedback.insight import rollups

from conftest import login

FORM = {
    "name_en": "Passport office",
    "name_fr": "Bureau des passeports",
    "time_zone": "America/Toronto",
    "url_en": "https://example.ca/passports",
    "url_fr": "https://example.ca/fr/passeports",
    "accent_colour": "#6a1b9a",
}


def csrf(client: TestClient, path: str = "/admin/services/new") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def png(width: int = 90, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (29, 79, 145)).save(out, "PNG")
    return out.getvalue()


def audit_actions(app: Any) -> list[tuple[str, str]]:
    with session_scope(app.state.engine) as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(r.action, r.target) for r in rows if r.action.startswith("service.")]


def test_admin_adds_and_changes_a_service(app: Any, staff: TestClient) -> None:
    listing = staff.get("/admin/services")
    assert listing.status_code == 200
    assert "Licence renewals" in listing.text and 'href="/admin/services/new' in listing.text
    token = csrf(staff)
    added = staff.post(
        "/admin/services/new", data={**FORM, "id": "passports", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303
    assert added.headers["location"] == "/admin/services/passports?lang=en&done=added"
    page = staff.get(added.headers["location"])
    assert "The service was added." in page.text
    assert "/admin/surveys/new?lang=en&amp;service=passports" in page.text  # what to do next
    changed = staff.post(
        "/admin/services/passports",
        data={**FORM, "name_en": "Passports", "csrf_token": token},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    with session_scope(app.state.engine) as session:
        service = session.get(Service, "passports")
        assert service is not None
        assert service.name == {"en": "Passports", "fr": "Bureau des passeports"}
        assert service.time_zone == "America/Toronto" and service.accent_colour == "#6a1b9a"
        assert service.site_url == {"en": FORM["url_en"], "fr": FORM["url_fr"]}
    assert audit_actions(app) == [
        ("service.create", "service:passports"),
        ("service.change", "service:passports"),
    ]


def test_errors_are_shown_in_the_form_in_french(app: Any, staff: TestClient) -> None:
    token = csrf(staff)
    bad = staff.post(
        "/admin/services/new",
        data={**FORM, "id": "Licences!", "name_fr": "", "url_en": "javascript:alert(1)",
              "accent_colour": "#ffff00", "time_zone": "Nowhere", "csrf_token": token,
              "lang": "fr"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "<title>Erreur :" in bad.text
    for field in ("id", "name_fr", "url_en", "accent_colour", "time_zone"):
        assert f'href="#{field}"' in bad.text  # the summary links to each field
        assert f'id="{field}-error"' in bad.text
    assert "Entrez le nom du service en français." in bad.text
    assert 'value="Passport office"' in bad.text  # what was typed stays
    with session_scope(app.state.engine) as session:
        assert session.get(Service, "Licences!") is None
    assert audit_actions(app) == []


def test_only_admins_and_only_with_the_csrf_token(app: Any, client: TestClient) -> None:
    login(client, "manager")
    assert client.get("/admin/services").status_code == 403
    assert client.get("/admin/services/licences").status_code == 403
    manager_token = csrf(client, "/dashboard")
    refused = client.post("/admin/services/new", data={**FORM, "id": "x1",
                                                       "csrf_token": manager_token})  # fmt: skip
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": manager_token})
    login(client)
    assert client.post("/admin/services/new", data={**FORM, "id": "x2"}).status_code == 403
    with session_scope(app.state.engine) as session:
        assert session.get(Service, "x1") is None and session.get(Service, "x2") is None


def test_a_manager_sees_only_their_services(app: Any, client: TestClient) -> None:
    login(client, "manager")  # scoped to `licences`
    surveys_page = client.get("/admin/surveys").text
    assert app.state.ids["page"] in surveys_page and app.state.ids["counter"] not in surveys_page
    overview = client.get("/dashboard").text
    assert "Licence renewals" in overview and "Park passes" not in overview
    other = app.state.ids["counter"]
    assert client.get(f"/dashboard/surveys/{other}").status_code in (403, 404)


def test_logo_upload_serving_and_removal(app: Any, staff: TestClient) -> None:
    token = csrf(staff)
    sent = staff.post(
        "/admin/services/logo", data={"csrf_token": token, "service": "licences"},
        files={"logo": ("logo.png", png(), "image/png")}, follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303
    with session_scope(app.state.engine) as session:
        version = session.get(Service, "licences").logo_version  # type: ignore[union-attr]
    assert version
    served = staff.get(f"/logos/licences/{version}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in served.headers["cache-control"]
    assert Image.open(io.BytesIO(served.content)).size == (90, 30)
    stale = staff.get("/logos/licences/000000000000")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    assert staff.get("/logos/nosuch/1").status_code == 404
    assert staff.get("/logos/" + "x" * 500 + "/1").status_code == 404
    # A file that is not a PNG or JPEG is refused with a message, and the logo stays.
    svg = staff.post(
        "/admin/services/logo", data={"csrf_token": token, "service": "licences"},
        files={"logo": ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png")},
    )  # fmt: skip
    assert svg.status_code == 400 and "The logo must be a PNG or JPEG image." in svg.text
    empty = staff.post("/admin/services/logo", data={"csrf_token": token, "service": "licences"})
    assert empty.status_code == 400 and "Choose a PNG or JPEG file" in empty.text
    big = staff.post(
        "/admin/services/logo", data={"csrf_token": token, "service": "licences"},
        files={"logo": ("big.png", png() + b"\0" * 400_000, "image/png")},
    )  # fmt: skip
    assert big.status_code == 413  # the body limit of this one path: about 216 KB
    removed = staff.post(
        "/admin/services/logo",
        data={"csrf_token": token, "service": "licences", "remove": "1"},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert staff.get(f"/logos/licences/{version}").status_code == 404
    assert [a for a, _t in audit_actions(app)] == ["service.logo", "service.logo"]


def test_theme_stylesheet_only_for_dark_colours(client: TestClient) -> None:
    css = client.get("/themes/6a1b9a.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "--accent:#6a1b9a" in css.text
    for bad in ("ffff00", "6A1B9A", "zzzzzz", "6a1b9a00", "1;}body{x"):
        assert client.get(f"/themes/{bad}.css").status_code == 404


def test_delete_only_without_surveys_with_a_confirmation_page(app: Any, staff: TestClient) -> None:
    token = csrf(staff)
    staff.post("/admin/services/new", data={**FORM, "id": "empty-one", "csrf_token": token})
    busy = staff.get("/admin/services/licences")
    assert "A service with surveys cannot be deleted." in busy.text
    assert "/admin/services/licences/delete" not in busy.text
    refused = staff.post("/admin/services/licences/delete", data={"csrf_token": token})
    assert refused.status_code == 409
    page = staff.get("/admin/services/empty-one")
    assert 'href="/admin/services/empty-one/delete?lang=en"' in page.text
    confirm = staff.get("/admin/services/empty-one/delete?lang=fr")
    assert "Oui, supprimer ce service" in confirm.text and 'method="post"' in confirm.text
    gone = staff.post(
        "/admin/services/empty-one/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303
    with session_scope(app.state.engine) as session:
        assert session.get(Service, "empty-one") is None
        assert session.get(Service, "licences") is not None
    assert ("service.delete", "service:empty-one") in audit_actions(app)
    assert staff.get("/admin/services/empty-one").status_code == 404


def test_a_zone_change_on_the_web_rebuilds_the_aggregates(
    app: Any, staff: TestClient, monkeypatch: Any
) -> None:
    calls: list[str] = []
    real = rollups.rebuild_service

    def spy(session: Session, *, service_id: str) -> None:
        service = session.get(Service, service_id)
        assert service is not None
        calls.append(f"{service_id}:{service.time_zone}")  # saved before the rebuild
        real(session, service_id=service_id)

    monkeypatch.setattr(rollups, "rebuild_service", spy)
    token = csrf(staff)
    names = {"name_en": "Licence renewals", "name_fr": "Renouvellement de permis"}
    staff.post("/admin/services/licences", data={**names, "time_zone": "UTC", "csrf_token": token})
    assert calls == []
    staff.post(
        "/admin/services/licences",
        data={**names, "time_zone": "America/Vancouver", "csrf_token": token},
    )
    assert calls == ["licences:America/Vancouver"]


@pytest.fixture
def branded(app: Any, staff: TestClient) -> Any:
    token = csrf(staff)
    staff.post(
        "/admin/services/licences",
        data={**FORM, "name_en": "Licence renewals", "name_fr": "Renouvellement de permis",
              "csrf_token": token},
    )  # fmt: skip
    staff.post(
        "/admin/services/logo", data={"csrf_token": token, "service": "licences"},
        files={"logo": ("logo.png", png(), "image/png")},
    )  # fmt: skip
    staff.cookies.clear()
    return app


def test_citizens_see_who_is_asking(branded: Any, client: TestClient) -> None:
    survey = branded.state.ids["page"]
    page = client.get(f"/s/{survey}?lang=fr")
    assert "<title>Rétroaction sur la page – Renouvellement de permis</title>" in page.text
    assert '<span class="service-name">Renouvellement de permis</span>' in page.text
    assert re.search(r'<img class="service-logo" src="/logos/licences/[0-9a-f]{12}" alt="">',
                     page.text)  # fmt: skip
    assert '<link rel="stylesheet" href="/themes/6a1b9a.css">' in page.text
    framed = client.get(f"/s/{survey}?lang=en&embed=1")
    assert '<p class="frame-service">Licence renewals</p>' in framed.text
    thanks = client.post(f"/s/{survey}", data={"lang": "fr", "channel": "web", "q_found": "true"})
    assert thanks.status_code == 200
    assert '<a href="https://example.ca/fr/passeports">Retour à Renouvellement de permis</a>' in (
        thanks.text
    )
    definition = client.get(f"/api/v1/surveys/{survey}").json()
    assert definition["service"] == {
        "id": "licences",
        "name": {"en": "Licence renewals", "fr": "Renouvellement de permis"},
    }


def test_the_kiosk_names_the_service(app: Any, client: TestClient) -> None:
    enrol_client(client, app)  # only an enrolled tablet gets the kiosk page
    page = client.get(f"/k/{app.state.ids['counter']}?lang=fr")
    assert page.status_code == 200
    assert "– Laissez-passer de parcs</title>" in page.text
    assert '<span class="service-name">Laissez-passer de parcs</span>' in page.text


def test_no_back_link_without_an_address(app: Any, client: TestClient) -> None:
    thanks = client.post(
        f"/s/{app.state.ids['page']}", data={"lang": "en", "channel": "web", "q_found": "true"}
    )
    assert thanks.status_code == 200 and "Back to" not in thanks.text
    assert "<title>Thank you – Page feedback – Licence renewals</title>" in thanks.text


def test_a_new_service_starts_in_the_configured_time_zone(app: Any, staff: TestClient) -> None:
    app.state.settings = app.state.settings.model_copy(update={"time_zone": "America/Halifax"})
    form = staff.get("/admin/services/new")
    assert "<option selected>America/Halifax</option>" in form.text
    token = csrf(staff)
    data = {k: v for k, v in FORM.items() if k != "time_zone"}
    staff.post("/admin/services/new", data={**data, "id": "hfx", "csrf_token": token})
    with session_scope(app.state.engine) as session:
        service = session.get(Service, "hfx")
        assert service is not None and service.time_zone == "America/Halifax"


@pytest.mark.parametrize("odd", ["a%00b", "%E2%80%AE", "x" * 300, "a%0Ab"])
def test_odd_ids_in_paths_are_not_found(staff: TestClient, odd: str) -> None:
    assert staff.get(f"/admin/services/{odd}").status_code == 404
    assert staff.get(f"/admin/services/{odd}/delete").status_code == 404
    assert staff.get(f"/logos/{odd}/1").status_code == 404
