"""What a site that is not allowed may read of a survey: a link to the hosted survey and, for
an origin a browser could send, the command that allows it; never the survey's definition."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def refusal(client: TestClient, survey: str, origin: str, **params: str) -> Any:
    return client.get(f"/api/v1/surveys/{survey}", params=params, headers={"Origin": origin})


def test_a_site_not_allowed_reads_a_link_and_the_command(client: TestClient, app: Any) -> None:
    survey = app.state.ids["page"]
    got = refusal(client, survey, "https://evil.example:8443", touchpoint="javascript:alert(1)")
    assert got.status_code == 403
    assert got.headers["access-control-allow-origin"] == "https://evil.example:8443"
    assert "Origin" in got.headers["vary"]
    error = got.json()["error"]
    assert set(got.json()) == {"error"} and "questions" not in got.text and "texts" not in got.text
    assert error["message"].endswith(f"allow-origin {survey} https://evil.example:8443")
    # The link goes to the hosted survey, whatever the touchpoint says (kept as a parameter).
    assert error["link"]["href"] == (
        f"http://127.0.0.1:8000/s/{survey}?lang=en&touchpoint=javascript%3Aalert%281%29"
    )
    local = refusal(client, survey, "http://[::1]:8080")
    assert local.headers["access-control-allow-origin"] == "http://[::1]:8080"


def test_an_origin_no_browser_sends_is_neither_named_nor_echoed(
    client: TestClient, app: Any
) -> None:
    survey = app.state.ids["page"]
    for origin in ["https://" + "x" * 20_000, "javascript:alert(1)", "https://a.example/path"]:
        got = refusal(client, survey, origin)
        assert got.status_code == 403
        assert "access-control-allow-origin" not in got.headers
        assert origin not in got.text and len(got.content) < 400
        assert got.json()["error"]["link"]["href"].endswith(f"/s/{survey}?lang=en")
    # A file or a sandboxed frame sends "null": it may read the link, but no command allows it.
    null = refusal(client, survey, "null", lang="fr")
    assert null.headers["access-control-allow-origin"] == "null"
    assert null.json()["error"]["message"] == "Ce site n'est pas autorisé à afficher ce sondage."


def test_drafts_closed_and_unknown_surveys_say_nothing_to_another_site(
    client: TestClient, app: Any
) -> None:
    ids = app.state.ids
    for survey in (ids["draft"], ids["closed"], "nosuchsurv"):
        got = refusal(client, survey, "https://evil.example")
        assert got.status_code in (404, 410)
        assert "access-control-allow-origin" not in got.headers
