"""Tests for feedback.answers.privacy: PII scrubbing of free text, Luhn, and IP hashing."""

from __future__ import annotations

import dataclasses
import re

import pytest

from feedback.answers.privacy import (
    KINDS,
    MARKERS,
    Scrubbed,
    luhn_valid,
    scrub,
)
from feedback.answers.privacy_patterns import EMAIL_RE
from feedback.core.client_keys import ip_hash, new_salt

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # hypothesis is a test-only extra; the rest of the file must still run
    HAVE_HYPOTHESIS = False
else:
    HAVE_HYPOTHESIS = True


# (input, expected text, expected kinds) for each kind, in English and French.
REMOVED_CASES = [
    # email
    (
        "Mon NAS est 046 454 286 et mon courriel jean.tremblay@exemple.ca",
        "Mon NAS est [SIN removed] et mon courriel [email removed]",
        ("email", "sin"),
    ),
    (
        "Reply to name.surname+tag@sub.example.gc.ca please.",
        "Reply to [email removed] please.",
        ("email",),
    ),
    ("Écrivez-moi : élise.côté@courriel.qc.ca!", "Écrivez-moi : [email removed]!", ("email",)),
    # phone
    ("Call me at (613) 555-0199 ext. 42", "Call me at [phone removed]", ("phone",)),
    ("Mon numéro : 613-555-0199 poste 123.", "Mon numéro : [phone removed].", ("phone",)),
    ("Tel +1 613 555 0199 or 1-800-555-0199", "Tel [phone removed] or [phone removed]", ("phone",)),
    ("613.555.0199 / 6135550199", "[phone removed] / [phone removed]", ("phone",)),
    ("Appelez au 514 555-0100 x 7 svp", "Appelez au [phone removed] svp", ("phone",)),
    # SIN
    ("My SIN is 046 454 286.", "My SIN is [SIN removed].", ("sin",)),
    ("NAS : 046-454-286", "NAS : [SIN removed]", ("sin",)),
    ("sin 046454286 thanks", "sin [SIN removed] thanks", ("sin",)),
    # card
    ("My card 4111 1111 1111 1111 was charged", "My card [card removed] was charged", ("card",)),
    ("Carte 4111-1111-1111-1111 refusée", "Carte [card removed] refusée", ("card",)),
    (
        "Amex 3782 822463 10005 and Visa 4012888888881881",
        "Amex [card removed] and Visa [card removed]",
        ("card",),
    ),
    # A card followed by an unrelated number is still found, and the number is kept.
    ("card 4111 1111 1111 1111 2 times", "card [card removed] 2 times", ("card",)),
    # passport
    ("Passport AB123456 expired", "Passport [passport removed] expired", ("passport",)),
    (
        "Mon passeport gk654321 est expiré",
        "Mon passeport [passport removed] est expiré",
        ("passport",),
    ),
    # postal code
    ("Ottawa ON K1A 0B1", "Ottawa ON [postal code removed]", ("postal_code",)),
    ("code postal k1a0b1, merci", "code postal [postal code removed], merci", ("postal_code",)),
    ("H3B-1A7 Montréal", "[postal code removed] Montréal", ("postal_code",)),
    # address
    (
        "I live at 123 Main Street, Ottawa ON K1A 0B1",
        "I live at [address removed], Ottawa ON [postal code removed]",
        ("postal_code", "address"),
    ),
    ("Send it to Apt 4, 22 Elm Ave.", "Send it to [address removed].", ("address",)),
    ("J'habite au 45 rue Sainte-Catherine Ouest.", "J'habite au [address removed].", ("address",)),
    (
        "Bureau au 1200 boul. René-Lévesque, Montréal",
        "Bureau au [address removed], Montréal",
        ("address",),
    ),
    ("au 10 chemin du Lac à Gatineau", "au [address removed] à Gatineau", ("address",)),
    (
        "j'habite au 45 rue principale et j'attends",
        "j'habite au [address removed] et j'attends",
        ("address",),
    ),
    ("123, rue de l'Église", "[address removed]", ("address",)),
    ("221B Baker Street, unit 5", "[address removed]", ("address",)),
]


@pytest.mark.parametrize(("text", "expected", "kinds"), REMOVED_CASES)
def test_scrub_removes_pii(text: str, expected: str, kinds: tuple[str, ...]) -> None:
    result = scrub(text)
    assert result.text == expected
    assert result.removed == kinds


def test_four_kinds_at_once() -> None:
    text = (
        "Email me at a.b@example.com or call 613-555-0199; "
        "SIN 046 454 286, card 4111 1111 1111 1111."
    )
    result = scrub(text)
    assert result.removed == ("email", "phone", "sin", "card")
    assert result.text == (
        "Email me at [email removed] or call [phone removed]; "
        "SIN [SIN removed], card [card removed]."
    )
    assert not re.search(r"\d", result.text)


def test_removed_follows_canonical_order_not_text_order() -> None:
    result = scrub("K1A 0B1, AB123456, 4111111111111111, 046454286, 6135550199, x@y.ca")
    assert result.removed == KINDS[:-1]


def test_each_kind_listed_once() -> None:
    result = scrub("a@b.ca c@d.ca 613-555-0199 819-555-0100")
    assert result.removed == ("email", "phone")
    assert result.text.count(MARKERS["email"]) == 2


KEPT = [
    "I waited 3 hours on 2024-03-15 and paid $1,250.00",
    "J'ai attendu 3 heures le 2024-03-15 et payé 1 250,00 $",
    "Form T2125 page 4",
    "I called 3 times",
    "I waited 3 hours down the road",
    "15 mins in court, then 2 more at the counter",
    "I took 2 route changes and 1 avenue bus",
    "Section 5 Place of residence",
    "In 2023, 2024 and 2025",
    "Reference 1234567890",  # 10 digits but not a valid NANP number (area code starts with 1)
    "Numéro de dossier 046 454 287",  # 9 digits failing Luhn: not a SIN
    "Case 046454287",
    "12345678",  # 8 digits: neither SIN nor phone
    "ISBN 978-0-306-40615-7",
    "Merci beaucoup, service rapide! 10/10",
    "",
]


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_text_is_kept(text: str) -> None:
    assert scrub(text) == Scrubbed(text=text, removed=())


@pytest.mark.parametrize(
    "number", ["4111111111111112", "4111 1111 1111 1112", "4111-1111-1111-1112"]
)
def test_sixteen_digits_failing_luhn_are_kept_whole(number: str) -> None:
    # Decision: a long number failing Luhn is some other identifier; it stays intact rather than
    # having a 10-digit slice removed as a "phone".
    assert scrub(f"Ref {number} ok").text == f"Ref {number} ok"


def test_sin_inside_longer_run_is_not_hidden_by_failed_candidate() -> None:
    # "000 046 454" fails Luhn; the valid SIN that overlaps it must still be found.
    assert scrub("no 000 046 454 286").text == "no 000 [SIN removed]"


def test_no_partial_matches_inside_longer_digit_strings() -> None:
    # 10 and 11 digit strings holding a valid 9-digit SIN are not SINs.
    for text in ("0464542861", "10464542860"):
        assert "sin" not in scrub(text).removed


def test_phone_does_not_eat_dates_or_amounts_next_to_it() -> None:
    result = scrub("On 2024-03-15 I called 613-555-0199 and paid $1,250.00")
    assert result.text == "On 2024-03-15 I called [phone removed] and paid $1,250.00"


def test_postal_code_rejects_forbidden_letters() -> None:
    for text in ("D1A 0B1", "K1D 0B1", "W1A 0B1", "K1A 0O1"):
        assert scrub(text).text == text


# Plus inputs that once broke idempotence while fuzzing.
TRICKY = ["a@b.ca2@c.ca", "0@0.AA0@0.AA", "2002000000X000 041 454 182", "A0A0A0APT0 0 A ST"]
ALL_INPUTS = [c[0] for c in REMOVED_CASES] + KEPT + TRICKY


@pytest.mark.parametrize("text", ALL_INPUTS)
def test_scrub_is_idempotent(text: str) -> None:
    once = scrub(text).text
    assert scrub(once).text == once
    assert scrub(once).removed == ()


def test_scrubbed_is_frozen() -> None:
    result = scrub("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.text = "y"  # type: ignore[misc]


def test_markers_are_the_agreed_ones() -> None:
    assert set(MARKERS) == set(KINDS)
    assert MARKERS["sin"] == "[SIN removed]"
    assert MARKERS["postal_code"] == "[postal code removed]"
    assert all(m.startswith("[") and m.endswith(" removed]") for m in MARKERS.values())


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),  # Visa test number
        ("4111111111111112", False),
        ("046454286", True),  # SIN 046 454 286
        ("046454287", False),
        ("378282246310005", True),  # Amex test number
        ("5500000000000004", True),  # Mastercard test number
        ("79927398713", True),  # the classic Luhn example
        ("79927398710", False),
        ("0", True),
        ("", False),
        ("4111 1111 1111 1111", False),  # only bare digits are accepted
        ("41111111111111a1", False),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


def test_ip_hash_is_stable_per_salt_and_differs_across_salts() -> None:
    salt_a, salt_b = b"a" * 32, b"b" * 32
    h = ip_hash("203.0.113.7", salt_a)
    assert h == ip_hash("203.0.113.7", salt_a)
    assert h != ip_hash("203.0.113.7", salt_b)
    assert h != ip_hash("203.0.113.8", salt_a)
    assert re.fullmatch(r"[0-9a-f]{32}", h)
    assert "203.0.113.7" not in h


def test_ip_hash_normalises_case_and_whitespace() -> None:
    salt = new_salt()
    assert ip_hash("2001:DB8::1", salt) == ip_hash(" 2001:db8::1\n", salt)


def test_ip_hash_refuses_empty_salt() -> None:
    with pytest.raises(ValueError):
        ip_hash("203.0.113.7", b"")


def test_new_salt_is_random_32_bytes() -> None:
    a, b = new_salt(), new_salt()
    assert len(a) == 32 and isinstance(a, bytes)
    assert a != b


if HAVE_HYPOTHESIS:
    # Pieces that make the interesting paths (emails glued to digits, markers) likely.
    _FRAGMENTS = ["a@b.ca", "jean.tremblay@exemple.ca", "@", ".", "-", "+", "_", " ", "x", "É"]
    _FRAGMENTS += ["0", "1", "4111 1111 1111 1111", "046 454 286", "613-555-0199", "K1A 0B1"]
    _FRAGMENTS += ["AB123456", "123 Main St", " rue ", "[email removed]", "]", "["]

    @settings(max_examples=500, deadline=None)
    @given(st.one_of(st.text(), st.lists(st.sampled_from(_FRAGMENTS)).map("".join)))
    def test_scrub_never_leaves_an_email(text: str) -> None:
        result = scrub(text)
        assert EMAIL_RE.search(result.text) is None
        assert scrub(result.text).text == result.text

else:

    @pytest.mark.skip(reason="hypothesis is not installed")
    def test_scrub_never_leaves_an_email() -> None:
        """Placeholder so the missing property test shows up as skipped."""


def test_markers_are_written_in_the_comment_language() -> None:
    result = scrub("Écrivez-moi à jo@example.ca ou au 613-555-0199", "fr")
    assert result.text == "Écrivez-moi à [courriel retiré] ou au [téléphone retiré]"
    assert result.removed == ("email", "phone")
    assert scrub(result.text, "fr") == Scrubbed(text=result.text, removed=())
