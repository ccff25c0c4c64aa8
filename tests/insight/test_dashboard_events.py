"""Change events: managers add, edit and remove them from the dashboard, labels in both
languages; bad input is named in the user's language and nothing typed is lost."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient
from test_dashboard import figure
from test_dashboard_views import csrf, text_of

from feedback.core.db import session_scope
from feedback.core.models import ChangeEvent
from feedback.staff import auth

from conftest import ADMIN_PASSWORD, login

LIST = "/dashboard/services/parks/events"


def stored(app: Any) -> list[tuple[str, dict[str, str]]]:
    with session_scope(app.state.engine) as session:
        rows = session.exec(select(ChangeEvent).where(ChangeEvent.service_id == "parks")).all()
        return sorted((r.day.isoformat(), dict(r.label)) for r in rows)


def test_add_edit_remove(staff: TestClient, app: Any) -> None:
    token = csrf(staff, LIST)
    added = staff.post(
        LIST + "?lang=en",
        data={
            "csrf_token": token,
            "day": "2026-02-02",
            "label_en": "Evening hours added",
            "label_fr": "Heures du soir ajoutées",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert stored(app) == [
        ("2026-02-02", {"en": "Evening hours added", "fr": "Heures du soir ajoutées"})
    ]
    page = staff.get(added.headers["location"]).text
    assert "The change was added." in text_of(page)
    detail = staff.get(
        f"/dashboard/surveys/{app.state.ids['counter']}?since=2026-01-01&until=2026-03-31&lang=fr"
    ).text
    marks = figure(detail, "fig-overall")["layout"]["annotations"]
    assert [m["text"] for m in marks] == ["Heures du soir ajoutées"]
    edit = re.search(r'href="(/dashboard/events/(\d+)/edit\?lang=en)"', page)
    assert edit
    form = staff.get(edit.group(1)).text
    assert 'value="Evening hours added"' in form and 'value="2026-02-02"' in form
    saved = staff.post(
        edit.group(1),
        data={
            "csrf_token": token,
            "day": "2026-02-09",
            "label_en": "Evening hours",
            "label_fr": "Heures du soir",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert stored(app) == [("2026-02-09", {"en": "Evening hours", "fr": "Heures du soir"})]
    removed = staff.post(
        f"/dashboard/events/{edit.group(2)}/delete?lang=fr",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and stored(app) == []
    assert "Le changement a été supprimé." in text_of(staff.get(removed.headers["location"]).text)


def test_errors_are_named_in_the_users_language_and_input_kept(staff: TestClient, app: Any) -> None:
    token = csrf(staff, LIST)
    response = staff.post(
        LIST + "?lang=fr",
        data={"csrf_token": token, "day": "31/02/2026", "label_en": "New form", "label_fr": " "},
    )
    assert response.status_code == 400
    page = text_of(response.text)
    assert "« 31/02/2026 » n’est pas une date. Utilisez la forme 2026-01-31." in page
    assert "Entrez la description en français." in page
    assert 'value="New form"' in response.text and 'value="31/02/2026"' in response.text
    assert 'aria-invalid="true"' in response.text
    too_long = staff.post(
        LIST,
        data={"csrf_token": token, "day": "2026-01-01", "label_en": "x" * 201, "label_fr": "y"},
    )
    assert too_long.status_code == 400
    assert "Use 200 characters or fewer (you used 201)." in text_of(too_long.text)
    assert stored(app) == []


def test_csrf_and_roles(client: TestClient, app: Any) -> None:
    with session_scope(app.state.engine) as session:
        auth.create_user(
            session,
            username="viewer",
            password=ADMIN_PASSWORD,
            role="viewer",
            service_ids=["parks"],
        )
        event = ChangeEvent(service_id="parks", day=date(2026, 1, 1), label={"en": "A", "fr": "B"})
        session.add(event)
        session.flush()
        event_id = event.id
    login(client, "viewer")
    page = client.get(LIST).text
    assert "A" in text_of(page) and "Add a change" not in page and "/edit" not in page
    token = csrf(client, LIST)
    data = {"csrf_token": token, "day": "2026-02-02", "label_en": "x", "label_fr": "y"}
    assert client.post(LIST, data=data).status_code == 403
    assert client.post(f"/dashboard/events/{event_id}/delete", data=data).status_code == 403
    client.cookies.clear()
    login(client, "manager")  # a manager of another service
    assert client.get(LIST).status_code == 404
    token = csrf(client)
    assert client.post(LIST, data={**data, "csrf_token": token}).status_code == 404
    client.cookies.clear()
    login(client)  # admin, without the token
    assert (
        client.post(LIST, data={"day": "2026-02-02", "label_en": "x", "label_fr": "y"}).status_code
        == 403
    )
    assert client.get("/dashboard/events/999999/edit").status_code == 404
    assert client.get("/dashboard/services/nope/events").status_code == 404
    assert len(stored(app)) == 1
