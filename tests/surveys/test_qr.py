"""QR codes for posters and letters: each one decodes (zxing-cpp) to the hosted link of its
channel, touchpoint and language; staff get them by role and service; the CLI writes them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from starlette.testclient import TestClient

from feedback.cli import main
from feedback.surveys import qr, snippets

from conftest import login, seed_minimal

BASE = "https://feedback.example.ca"


def decode_png(data: bytes) -> str:
    """The text a QR reader finds in a PNG."""
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)).convert("L"))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return str(found.text)


def test_png_and_svg_decode_to_the_link(browser: Any) -> None:
    url = snippets.hosted_url(BASE, "pagefbk234", lang="fr", channel="mail", touchpoint="Avis 7")
    assert url == f"{BASE}/s/pagefbk234?lang=fr&channel=mail&touchpoint=Avis+7"
    assert decode_png(qr.png(url)) == url
    svg = qr.svg(url)
    assert svg.startswith(b"<?xml") and b"<title>" in svg
    # The SVG as a printer or a browser draws it.
    page = browser.new_page()
    page.set_content(f"<body style='margin:0;background:#fff'>{svg.decode()}</body>")
    shot = page.locator("svg").screenshot()
    page.close()
    assert decode_png(shot) == url


def test_staff_get_qr_codes_of_the_services_they_may_see(client: TestClient, app: Any) -> None:
    ids = app.state.ids
    path = f"/admin/surveys/{ids['page']}/qr"
    anonymous = client.get(f"{path}.svg", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    login(client, "manager")  # manager of "licences": the page survey, not the counter one
    png = client.get(f"{path}.png", params={"channel": "web", "touchpoint": "Poster A"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    base = app.state.settings.base_url
    assert decode_png(png.content) == f"{base}/s/{ids['page']}?channel=web&touchpoint=Poster+A"
    svg = client.get(f"{path}.svg", params={"lang": "fr"})
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert f"{base}/s/{ids['page']}?lang=fr".encode() in svg.content
    assert client.get(f"/admin/surveys/{ids['counter']}/qr.svg").status_code == 403
    for bad in (
        {"channel": "phone"},
        {"channel": "nope"},
        {"lang": "de"},
        {"touchpoint": "x" * 101},
    ):
        assert client.get(f"{path}.svg", params=bad).status_code == 400, bad
    assert client.get(f"{path}.gif").status_code == 404
    assert client.get("/admin/surveys/nosuchsurvey/qr.svg").status_code == 404
    client.post("/logout")
    client.cookies.clear()
    login(client, "agent")
    assert client.get(f"{path}.svg").status_code == 403


@pytest.fixture
def qr_db(sqlite_url: str) -> tuple[str, dict[str, str]]:
    from feedback.app import create_app
    from feedback.core.settings import Settings

    app = create_app(Settings(database_url=sqlite_url, secret_key="x"))
    ids = seed_minimal(app)
    app.state.engine.dispose()
    return sqlite_url, ids


def test_cli_writes_a_poster_code(
    qr_db: tuple[str, dict[str, str]], tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    url, ids = qr_db
    monkeypatch.setenv("FEEDBACK_BASE_URL", BASE)
    out = tmp_path / "letter.png"
    args = ["qr", ids["counter"], "--channel", "mail", "--touchpoint", "Renewal letter"]
    assert (
        main([*args, "--lang", "fr", "--format", "png", "-o", str(out), "--database-url", url]) == 0
    )
    expected = f"{BASE}/s/{ids['counter']}?lang=fr&channel=mail&touchpoint=Renewal+letter"
    assert decode_png(out.read_bytes()) == expected
    assert expected in capsys.readouterr().out
    svg = tmp_path / "poster.svg"
    assert main(["qr", ids["page"], "-o", str(svg), "--database-url", url]) == 0
    assert svg.read_bytes().startswith(b"<?xml")
    assert main(["qr", "nosuch", "-o", str(svg), "--database-url", url]) == 2
    assert (
        main(["qr", ids["page"], "--channel", "phone", "-o", str(svg), "--database-url", url]) == 2
    )
