"""The exports page's contents: every anchor names one heading, whatever the service ids."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.models import Response, Service
from feedback.insight.summaries import Quarter
from feedback.surveys import definitions as surveys


def test_anchors_stay_unique_whatever_the_service_ids(staff: TestClient, app: Any) -> None:
    v2 = app.state.ids["v2"]  # of the service "licences"
    with session_scope(app.state.engine) as session:
        made = []
        # "title" would give "a11-title", the section's own heading; the other the id of
        # the licences survey's heading ("a11-licences-<survey id>").
        for service_id in ("title", f"licences-{v2}"):
            service = Service(id=service_id, name={"en": service_id, "fr": service_id})
            session.add(service)
            session.flush()
            made.append(
                surveys.create_from_template(
                    session, template_id="a11_v2", service=service, status="live"
                ).id
            )
    for survey in [v2, *made]:
        body = {"channel": "web", "language": "en", "answers": {"trust": True}}
        assert staff.post(f"/api/v1/surveys/{survey}/responses", json=body).status_code == 201
    with session_scope(app.state.engine) as session:
        first = session.exec(select(Response.submitted_at).order_by(Response.id)).first()
        assert first is not None
    page = staff.get(f"/dashboard/exports?quarter={Quarter.of(first.date())}")
    assert page.status_code == 200
    ids = Counter(re.findall(r'\sid="([^"]+)"', page.text))
    assert [i for i, n in ids.items() if n > 1] == []
    for target in re.findall(r'href="#([^"]+)"', page.text):
        assert ids[target] == 1, target
