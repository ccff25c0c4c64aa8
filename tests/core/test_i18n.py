"""Every message a person can read exists in French, and language choice works."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from feedback.core.i18n import LOCALE_DIR, gettext_for, negotiate, parse_accept_language

SOURCE = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted_ids() -> set[str]:
    method_map = [
        ("feedback/**.py", "python"),
        ("dashboards/**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.skipif(not (SOURCE / "templates").is_dir(), reason="needs the source tree")
def test_every_message_has_a_french_translation() -> None:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    ids = extracted_ids()
    assert len(ids) > 100
    missing = sorted(i for i in ids if not (catalog.get(i) and catalog.get(i).string))
    assert missing == [], "untranslated: run pybabel extract/update (see README)"
    stale = sorted(m.id for m in catalog if m.id and m.id not in ids)
    assert stale == [], "translations no longer used"


def test_placeholders_survive_translation() -> None:
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    import re

    for message in catalog:
        if message.id and message.string:
            pattern = r"%\([a-z]+\)[sd]|%%"
            assert sorted(re.findall(pattern, message.id)) == sorted(
                re.findall(pattern, message.string)
            ), message.id


def test_french_catalogue_loads() -> None:
    assert gettext_for("fr").gettext("Send") == "Envoyer"
    assert gettext_for("de").gettext("Send") == "Send"


@pytest.mark.parametrize(
    ("requested", "header", "expected"),
    [
        ("fr", "en", "fr"),
        (None, "fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        (None, "en-GB,fr;q=0.5", "en"),
        (None, "de-DE,fr;q=0.4", "fr"),
        (None, "fr;q=0,en", "en"),
        ("xx", "garbage;;q=abc", "en"),
        (None, None, "en"),
    ],
)
def test_negotiation(requested: str | None, header: str | None, expected: str) -> None:
    assert negotiate(requested, header, ("en", "fr")) == expected


def test_accept_language_order() -> None:
    assert parse_accept_language("en;q=0.2, fr-CA, de;q=0.5") == ["fr", "de", "en"]
