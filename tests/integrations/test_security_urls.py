"""URLs whose host Python and browsers (the WHATWG URL standard) would read differently are
refused wherever the server will send something; /demo builds its snippet from the configured
public address, never from the Host header."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from feedback.core.db import session_scope
from feedback.core.outbound import WebhookError, check_url, unambiguous
from feedback.integrations import webhooks

from conftest import login

# Each read differently by urllib and by a browser, or not a plain host at all.
AMBIGUOUS = [
    "http://127.0.0.1:8401\\@93.184.215.14/",  # Python: host 93.184.215.14; browsers: 127.0.0.1
    "http://93.184.215.14\\@127.0.0.1/",
    "https://example.com\\.evil.test/",
    "http://a\\b.example/",
    "http://user@example.com/",
    "http://user:secret@example.com/",
    "http://@example.com/",
    "http://example.com@127.0.0.1/",
    "http://ex\tample.com/",  # browsers drop tabs and newlines; Python keeps them
    "http://example.com/\nX-Injected: 1",
    "http://exa\rmple.com/",
    " http://example.com/",
    "http://example.com /",
    "http://%31%32%37.0.0.1/",  # browsers decode a percent-encoded host
    "http://ex%2eample.com/",
    "http://[fe80::1%25eth0]/",
    "http://１２７．０．０．１/",  # full-width digits and dots: NFKC makes 127.0.0.1
    "http://example。com/",  # ideographic full stop: a dot to browsers
    "http://bücher.example/",  # non-ASCII: give the xn-- form
    "http://xn--zz.example/",  # not valid punycode
    "http://ex\u00adample.com/",  # soft hyphen: dropped by IDNA mapping
    "http://127.1/",  # browsers: 127.0.0.1
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",
    "http://2130706433/",
    "http://1.2.3.4.5/",
    "http://example.0x10/",
    "http:/example.com/",  # one slash: browsers still find the host
    "http:example.com/",
    "http:\\\\example.com\\",
    "ftp://example.com/",
    "javascript:alert(1)",
    "http://example.com:99999/",
    "http://example.com:80a/",
    "http://-example.com/",
    "http://exa_mple.com/",
    "http://[::1/",
    "http://" + "a" * 600 + ".com/",
]

PLAIN = [
    "https://example.com/hook",
    "https://hooks.example.com:8443/feedback?x=1&y=2",
    "http://93.184.215.14:8080/in",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/h",
    "https://xn--bcher-kva.example/",
    "HTTPS://Example.COM/Hook",
    "https://example.com./a@b",  # "@" in the path is not userinfo
    "https://example.com/p%20q#frag",
    "https://1password.example/",
]


@pytest.mark.parametrize("url", AMBIGUOUS)
def test_ambiguous_urls_are_refused(url: str) -> None:
    assert not unambiguous(url)
    # Refused before any name is looked up, even where private addresses are allowed.
    assert check_url(url, allow_private=True) == "url"


@pytest.mark.parametrize("url", PLAIN)
def test_plain_urls_are_read_the_same_everywhere(url: str) -> None:
    assert unambiguous(url)


def test_a_webhook_with_a_backslash_trick_cannot_be_added(app: Any) -> None:
    with session_scope(app.state.engine) as session, pytest.raises(WebhookError, match="url"):
        webhooks.add(
            session,
            service_id="licences",
            url="http://127.0.0.1:8401\\@93.184.215.14/",
            by="test",
            allow_private=True,
        )


def test_the_admin_page_refuses_it_in_the_persons_language(client: TestClient) -> None:
    login(client)
    page = client.get("/admin/webhooks")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "service": "licences",
            "url": "http://127.0.0.1:8401\\@93.184.215.14/",
            "lang": "fr",
        },
    )
    assert refused.status_code in (400, 422)
    with session_scope(client.app.state.engine) as session:  # type: ignore[attr-defined]
        assert webhooks.listing(session) == []


def test_demo_snippet_comes_from_the_configured_address(client: TestClient) -> None:
    page = client.get("/demo", headers={"Host": "evil.example"})
    assert page.status_code == 200
    assert "evil.example" not in page.text
    assert "http://127.0.0.1:8000/embed.js" in page.text


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.ca\\@evil.example/",
        "https://user@www.example.ca/",
        "https://www.ex%61mple.ca/",
        "https://ｗｗｗ.example.ca/",
    ],
)
def test_a_service_home_address_must_name_its_host_plainly(url: str) -> None:
    from feedback.surveys import service_identity

    with pytest.raises(service_identity.IdentityError):
        service_identity.site_url(url)
    # Accents in the path are fine: browsers percent-encode them.
    assert service_identity.site_url("https://www.example.ca/fr/été") is not None
