"""The addresses `feedback serve` and `feedback demo` print are the ones people can open:
FEEDBACK_BASE_URL when it is set, else the port actually served (even with --port 0)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import seed.demo
from feedback.cli import main
from feedback.cli import server as server_cli
from feedback.core.settings import Settings


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Stands in for uvicorn: records what would be served instead of serving."""
    seen: dict[str, Any] = {}

    def fake_serve(settings: Settings, host: str, port: int, workers: int = 1) -> int:
        seen.update(settings=settings, host=host, port=port)
        return 0

    monkeypatch.setattr(server_cli, "serve", fake_serve)
    monkeypatch.delenv("FEEDBACK_BASE_URL", raising=False)
    return seen


def test_serve_prints_the_port_it_serves(
    served: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["serve", "--port", "0", "--database-url", url]) == 0
    port = served["port"]
    assert port > 0
    out = capsys.readouterr().out
    assert f"Serving on http://127.0.0.1:{port}" in out
    # Snippets and links made by this server name the same address.
    assert served["settings"].base_url == f"http://127.0.0.1:{port}"
    assert main(["serve", "--host", "0.0.0.0", "--port", "9123", "--database-url", url]) == 0
    assert "Serving on http://127.0.0.1:9123" in capsys.readouterr().out


def test_serve_prints_the_public_address_when_one_is_set(
    served: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDBACK_BASE_URL", "https://feedback.example.gc.ca/")
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert main(["serve", "--port", "8123", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert (
        "Serving on https://feedback.example.gc.ca  (staff: https://feedback.example.gc.ca/login)"
        in out
    )
    assert served["port"] == 8123


def test_demo_prints_addresses_of_the_port_served(
    served: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(seed.demo, "seed_responses", lambda *a, **k: None)
    monkeypatch.setenv("FEEDBACK_ADMIN_PASSWORD", "a-long-demo-password")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["demo", "--port", "0", "--database-url", url]) == 0
    out = capsys.readouterr().out
    port = served["port"]
    assert port > 0
    addresses = re.findall(r"https?://[^\s)]+", out)
    assert addresses and all(a.startswith(f"http://127.0.0.1:{port}/") for a in addresses)
    monkeypatch.setenv("FEEDBACK_BASE_URL", "https://demo.example.ca")
    assert main(["demo", "--port", "8000", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "Dashboard:        https://demo.example.ca/dashboard" in out
    assert "127.0.0.1" not in out
