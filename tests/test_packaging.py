"""The installed distribution carries everything it needs and runs from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

import feedback


def test_package_data_is_installed() -> None:
    root = files("feedback")
    assert (files("feedback.templates") / "base.html").is_file()
    assert (files("feedback.templates") / "survey" / "form.html").is_file()
    assert (root / "static" / "embed.js").is_file()
    assert (root / "locale" / "fr" / "LC_MESSAGES" / "messages.po").is_file()
    assert (root / "migrations" / "versions" / "0001_initial_schema.py").is_file()


@pytest.mark.skipif(
    not os.environ.get("CI"), reason="needs CI set (as .ci/run does) with a non-editable install"
)
def test_ci_runs_against_the_installed_copy() -> None:
    source_tree = Path(__file__).resolve().parent.parent
    assert source_tree not in Path(feedback.__file__).resolve().parents


def test_cli_runs_from_any_folder(tmp_path: Path) -> None:
    for command in (["feedback", "--help"], [sys.executable, "-m", "feedback", "--help"]):
        if command[0] == "feedback":
            command[0] = str(Path(sys.executable).parent / "feedback")
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        for sub in ("demo", "serve", "seed", "db", "users", "surveys", "export"):
            assert sub in result.stdout
