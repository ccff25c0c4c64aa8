"""Services: the rules (ids, names, zones, addresses, colours, logos, deletion) and the
`feedback services` command line, on a real database."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session, select

from feedback.cli import main
from feedback.core import schema
from feedback.core.db import make_engine, session_scope
from feedback.core.models import ApiToken, AuditEntry, Service, ServiceLogo, StaffUser
from feedback.core.settings import Settings
from feedback.insight import rollups
from feedback.staff import auth
from feedback.surveys import definitions as surveys
from feedback.surveys import service_identity as identity
from feedback.surveys import services

NAMES = {"en": "Passport office", "fr": "Bureau des passeports"}


def png(width: int = 64, height: int = 32, **info: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 60, 120)).save(out, "PNG", **info)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def db(database_url: str) -> Any:
    engine = make_engine(database_url)
    schema.upgrade(engine)
    yield engine
    engine.dispose()


def changes(**kw: Any) -> services.Changes:
    return services.Changes(names=dict(kw.pop("names", NAMES)), **kw)


# ---- rules ----


@pytest.mark.parametrize(
    "bad",
    ["", "a", "Passports", "pass_ports", "-pass", "pass-", "pass port", "é-t-é", "x" * 41,
     "new", "logo", "a\nb"],
)  # fmt: skip
def test_ids_are_lowercase_letters_digits_and_hyphens(db: Any, bad: str) -> None:
    with session_scope(db) as session, pytest.raises(services.Invalid) as refused:
        services.add(session, service_id=bad, changes=changes(), default_zone="UTC")
    assert set(refused.value.errors) == {"id"}


def test_a_service_needs_a_name_in_every_language_and_a_known_zone(db: Any) -> None:
    with session_scope(db) as session:
        with pytest.raises(services.Invalid) as refused:
            services.add(
                session, service_id="ok-1", changes=changes(names={"en": "  ", "fr": None},
                time_zone="Mars/Olympus"), default_zone="UTC", lang="fr",
            )  # fmt: skip
        assert refused.value.errors == {
            "name_en": "Entrez le nom du service en anglais.",
            "name_fr": "Entrez le nom du service en français.",
            "time_zone": "Choisissez un fuseau horaire dans la liste, par exemple America/Toronto.",
        }
        saved = services.add(
            session, service_id="ok-1", changes=changes(names={"en": " A  b ", "fr": "C"}),
            default_zone="America/Toronto",
        )  # fmt: skip
        assert saved.service.name == {"en": "A b", "fr": "C"}
        assert saved.service.time_zone == "America/Toronto"  # the default for new services
        with pytest.raises(services.Invalid) as again:
            services.add(session, service_id="ok-1", changes=changes(), default_zone="UTC")
        assert "already" in again.value.errors["id"]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.ca", "example.ca", "https://", "https://a b.ca",
     "https://example.ca/\"><script>", "https://example.ca:99999/", "https://" + "a" * 600],
)  # fmt: skip
def test_addresses_are_http_or_https_only(url: str) -> None:
    with pytest.raises(identity.IdentityError):
        identity.site_url(url)


def test_good_addresses_are_kept() -> None:
    assert identity.site_url(" https://www.canada.ca/en/services ") == (
        "https://www.canada.ca/en/services"
    )
    assert identity.site_url("http://localhost:8080/x?y=1") == "http://localhost:8080/x?y=1"
    assert identity.site_url("") is None


def test_contrast_matches_wcag_reference_values() -> None:
    assert identity.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert identity.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WebAIM's checker: #767676 on white is 4.54:1, #777777 is 4.48:1.
    assert identity.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert identity.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("colour", ["#777777", "#ffcc00", "#fff", "red", "#12345g", "#1234567"])
def test_pale_or_malformed_colours_are_refused(colour: str) -> None:
    with pytest.raises(identity.IdentityError):
        identity.accent_colour(colour)


def test_dark_colours_are_kept_in_lower_case() -> None:
    assert identity.accent_colour("#1D4F91") == "#1d4f91"
    assert identity.accent_colour("767676") == "#767676"
    assert identity.accent_colour(" ") is None
    dark = identity.darker("#767676")
    assert identity.contrast(dark, "#ffffff") > identity.contrast("#767676", "#ffffff")


def test_a_logo_is_png_or_jpeg_checked_and_re_encoded() -> None:
    checked = identity.logo(png())
    assert checked.content_type == "image/png"
    assert (checked.width, checked.height) == (64, 32)
    assert checked.content.startswith(b"\x89PNG")
    photo = identity.logo(jpeg_with_exif())
    assert photo.content_type == "image/jpeg"
    assert b"secret description" not in photo.content  # metadata is not served
    # Bytes after the image (a polyglot's payload) do not survive the re-encoding.
    assert b"<script>" not in identity.logo(png() + b"<script>alert(1)</script>").content


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 100,  # another format
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,  # a PNG's magic bytes, then nothing valid
        png()[:60],  # truncated
        b"\xff\xd8\xff" + png()[3:],  # a JPEG's magic on a PNG body
        png(4, 4),  # too small
        png(1300, 20),  # too wide
        png(200, 200) + b"\x00" * (201 * 1024),  # over 200 KB
    ],
)
def test_other_files_are_not_logos(data: bytes) -> None:
    with pytest.raises(identity.IdentityError):
        identity.logo(data)


def test_edit_reports_a_zone_change_and_keeps_what_was_not_given(db: Any) -> None:
    with session_scope(db) as session:
        services.add(
            session, service_id="pass", default_zone="UTC",
            changes=changes(urls={"en": "https://example.ca/p"}, accent_colour="#1d4f91"),
        )  # fmt: skip
        service = services.get(session, "pass")
        assert service is not None
        same = services.edit(session, service=service, changes=services.Changes(time_zone="UTC"))
        assert not same.zone_changed
        moved = services.edit(
            session, service=service, changes=services.Changes(time_zone="America/Toronto")
        )
        assert moved.zone_changed
        assert service.name == NAMES and service.site_url == {"en": "https://example.ca/p"}
        assert service.accent_colour == "#1d4f91"
        services.edit(session, service=service, changes=services.Changes(logo=png()))
        assert service.logo_version and session.get(ServiceLogo, "pass") is not None
        services.edit(session, service=service, changes=services.Changes(remove_logo=True))
        assert service.logo_version is None and session.get(ServiceLogo, "pass") is None


def test_a_service_with_surveys_cannot_be_deleted(db: Any) -> None:
    with session_scope(db) as session:
        saved = services.add(session, service_id="busy", changes=changes(), default_zone="UTC")
        surveys.create_from_template(session, template_id="nps", service=saved.service)
        assert services.blockers(session, service_id="busy") == {"surveys": 1}
        with pytest.raises(services.Invalid):
            services.delete(session, service=saved.service)
    with session_scope(db) as session:
        assert session.get(Service, "busy") is not None


def test_deleting_a_service_takes_it_off_users_and_tokens(db: Any) -> None:
    with session_scope(db) as session:
        for sid in ("gone", "kept"):
            services.add(session, service_id=sid, changes=changes(), default_zone="UTC")
        services.edit(
            session, service=session.get(Service, "gone"), changes=services.Changes(logo=png())
        )
        auth.create_user(
            session, username="m", password="a long password", role="manager",
            service_ids=["gone", "kept"],
        )  # fmt: skip
        for name, limited in (("only-gone", ["gone"]), ("both", ["gone", "kept"])):
            session.add(ApiToken(name=name, prefix="p", token_hash=name, scopes=["read"],
                                 service_ids=limited, created_by="test"))  # fmt: skip
    with session_scope(db) as session:
        revoked = services.delete(session, service=session.get(Service, "gone"))
    assert revoked == ["only-gone"]
    with session_scope(db) as session:
        assert session.get(Service, "gone") is None and session.get(ServiceLogo, "gone") is None
        user = auth.find_user(session, "m")
        assert user is not None and user.service_ids == ["kept"]
        tokens = {t.name: t for t in session.exec(select(ApiToken))}
        # Limited to the deleted service alone: revoked, not widened to every service.
        assert tokens["only-gone"].revoked_at is not None
        assert tokens["both"].service_ids == ["kept"] and tokens["both"].revoked_at is None


# ---- command line ----


def run(*argv: str) -> int:
    return main(list(argv))


def test_cli_add_edit_list(database_url: str, capsys: Any, monkeypatch: Any) -> None:
    url = ["--database-url", database_url]
    assert run("db", "upgrade", *url) == 0
    monkeypatch.setenv("FEEDBACK_TIME_ZONE", "America/Halifax")
    assert run("services", "add", "passports", "--name-en", "Passports", "--name-fr",
               "Passeports", "--url-en", "https://example.ca/passports", *url) == 0  # fmt: skip
    assert "time zone America/Halifax" in capsys.readouterr().out
    assert run("services", "add", "Bad", "--name-en", "x", "--name-fr", "y", *url) == 2
    assert "error: id:" in capsys.readouterr().err
    assert run("services", "add", "zz", "--name-en", "x", "--name-fr", "y",
               "--time-zone", "Nowhere/Land", *url) == 2  # fmt: skip
    assert "error: time-zone:" in capsys.readouterr().err
    assert run("services", "edit", "passports", "--name-fr", "Bureau des passeports", *url) == 0
    assert run("services", "edit", "nosuch", "--name-fr", "x", *url) == 2
    assert run("services", "edit", "passports", "--url-en", "javascript:x", *url) == 2
    capsys.readouterr()
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        entries = [(e.username, e.action, e.target) for e in session.exec(select(AuditEntry))]
    engine.dispose()
    assert entries == [
        ("cli", "service.create", "service:passports"),
        ("cli", "service.change", "service:passports"),
    ]  # the refused add and edits left nothing
    assert run("services", "list", "--json", *url) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [
        {
            "id": "passports",
            "name": {"en": "Passports", "fr": "Bureau des passeports"},
            "time_zone": "America/Halifax",
            "url": {"en": "https://example.ca/passports"},
            "accent_colour": None,
            "logo": False,
            "public_scorecard": False,
        }
    ]
    assert run("services", "list", *url) == 0
    assert "passports\tAmerica/Halifax\tPassports\tBureau des passeports" in capsys.readouterr().out
    # The scorecard command lives on in the same group.
    assert run("services", "scorecard", "passports", "on", *url) == 0
    assert "/scorecard/passports" in capsys.readouterr().out
    assert run("services", "scorecard", "nosuch", "on", *url) == 2


def test_cli_zone_change_rebuilds_the_aggregates(
    database_url: str, capsys: Any, monkeypatch: Any
) -> None:
    url = ["--database-url", database_url]
    assert run("db", "upgrade", *url) == 0
    assert run("services", "add", "tz", "--name-en", "A", "--name-fr", "B", *url) == 0
    calls: list[str] = []
    real = rollups.rebuild_service

    def spy(session: Session, *, service_id: str) -> None:
        # Called after the change, in the same transaction: it sees the new zone.
        service = session.get(Service, service_id)
        assert service is not None
        calls.append(f"{service_id}:{service.time_zone}")
        real(session, service_id=service_id)

    monkeypatch.setattr(rollups, "rebuild_service", spy)
    assert run("services", "edit", "tz", "--name-en", "A2", *url) == 0
    assert calls == []  # no zone change, no rebuild
    assert run("services", "edit", "tz", "--time-zone", "America/Toronto", *url) == 0
    assert calls == ["tz:America/Toronto"]
    assert "rebuilt" in capsys.readouterr().out


def test_time_zone_setting_is_validated() -> None:
    assert Settings().time_zone == "UTC"
    assert Settings(time_zone="America/Toronto").time_zone == "America/Toronto"
    with pytest.raises(ValueError):
        Settings(time_zone="Toronto")


def test_users_stay_scoped_after_a_service_is_added(db: Any) -> None:
    with session_scope(db) as session:
        for sid in ("a1", "b1"):
            services.add(session, service_id=sid, changes=changes(), default_zone="UTC")
        user = auth.create_user(
            session, username="scoped", password="a long password", role="manager",
            service_ids=["a1"],
        )  # fmt: skip
        assert isinstance(user, StaffUser)
        assert auth.can_see_service(user, "a1") and not auth.can_see_service(user, "b1")


def test_cli_logo(database_url: str, capsys: Any, tmp_path: Any) -> None:
    url = ["--database-url", database_url]
    assert run("db", "upgrade", *url) == 0
    good, bad = tmp_path / "logo.png", tmp_path / "logo.gif"
    good.write_bytes(png())
    bad.write_bytes(b"GIF89a" + b"\0" * 50)
    assert run("services", "add", "lg", "--name-en", "A", "--name-fr", "B", "--logo", str(bad),
               *url) == 2  # fmt: skip
    assert "error: logo: The logo must be a PNG or JPEG image." in capsys.readouterr().err
    assert run("services", "add", "lg", "--name-en", "A", "--name-fr", "B", "--logo",
               str(tmp_path / "missing.png"), *url) == 2  # fmt: skip
    assert "error: logo: cannot read" in capsys.readouterr().err
    assert run("services", "add", "lg", "--name-en", "A", "--name-fr", "B", "--logo", str(good),
               *url) == 0  # fmt: skip
    capsys.readouterr()
    assert run("services", "list", "--json", *url) == 0
    assert json.loads(capsys.readouterr().out)[0]["logo"] is True
    assert run("services", "edit", "lg", "--no-logo", *url) == 0
    capsys.readouterr()
    assert run("services", "list", "--json", *url) == 0
    assert json.loads(capsys.readouterr().out)[0]["logo"] is False
