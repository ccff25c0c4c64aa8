"""A corpus of personal information the scrubber must remove (English and French, with the
spellings people use to dodge filters), and of ordinary text it must leave exactly as it is."""

from __future__ import annotations

import pytest

from feedback.answers.privacy import scrub

# (text, kind that must be reported, the piece that must be gone)
PERSONAL: list[tuple[str, str, str]] = []


def _add(kind: str, values: list[str], templates: tuple[str, ...]) -> None:
    for i, value in enumerate(values):
        PERSONAL.append((templates[i % len(templates)].format(value), kind, value))


_add(
    "email",
    [
        "jean.tremblay@exemple.ca",
        "john @ example.com",
        "john＠example.com",
        "ann﹫mail.gc.ca",
        "a.b+tag@sub.example.gc.ca",
        "élise.côté@courriel.qc.ca",
        "JOHN.DOE@EXAMPLE.COM",
        "x_y-z@ex-ample.org",
        "marie@ courriel.ca",
        "bob @example.net",
        "ｍａｒｉｅ＠ｅｘ．ｃａ",
        "first.last@gc.ca",
        "contact@service.gouv.qc.ca",
        "jane.doe @ gc.ca",
        "john  @  example.com",
        "marie   @   courriel.ca",
        "john (at) example.com",
        "jean[at]exemple.ca",
        "ann [AT] gc.ca",
        "luc (AT) courriel.qc.ca",
    ],
    ("Write to me at {}, thanks.", "Écrivez-moi à {} svp.", "mon courriel : {}"),
)
_add(
    "phone",
    [
        "613-555-0199",
        "613–555–0199",
        "613—555—0199",
        "613‒555‒0199",
        "613−555−0199",
        "(613) 555-0199",
        "613.555.0199",
        "6135550199",
        "+1 613 555 0199",
        "1-800-555-0199",
        "613 555 0199 ext. 42",
        "514 555-0100 poste 12",
        "613\u00a0555\u00a00199",
        "６１３-５５５-０１９９",
        "613-555-0199 x 7",
        "(819) 555 0100",
        "613 555-0199 #12",
        "416\u2011555\u20110123",
        "613 555 0199",
        "+1-613-555-0199",
        "819.555.0100 poste 3",
        "613 – 555 – 0199",
        "613 - 555 - 0199",
        "514 — 555 — 0100",
        "\u0666\u0661\u0663-\u0665\u0665\u0665-\u0660\u0661\u0669\u0669",
        "\u096c\u0967\u0969 \u096b\u096b\u096b \u0966\u0967\u096f\u096f",
        "613  555  0199",
    ],
    ("Call me at {} please", "Appelez-moi au {} merci", "tel: {}"),
)
_add(
    "sin",
    [
        "046 454 286",
        "046-454-286",
        "046.454.286",
        "046454286",
        "046–454–286",
        "０４６ ４５４ ２８６",
        "046\u00a0454\u00a0286",
        "130 692 544",
        "130.692.544",
        "193-456-787",
        "046—454—286",
        "046  454  286",
        "046 - 454 - 286",
        "130 – 692 – 544",
        "\u06f0\u06f4\u06f6 \u06f4\u06f5\u06f4 \u06f2\u06f8\u06f6",
    ],
    ("My SIN is {}.", "Mon NAS est {}.", "NAS: {}"),
)
_add(
    "card",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111.1111.1111.1111",
        "4111111111111111",
        "5500 0000 0000 0004",
        "3782 822463 10005",
        "4012888888881881",
        "4111–1111–1111–1111",
        "４１１１ １１１１ １１１１ １１１１",
        "5500.0000.0000.0004",
        "4111\u202f1111\u202f1111\u202f1111",
        "6011 1111 1111 1117",
        "4111  1111  1111  1111",
        "5500 - 0000 - 0000 - 0004",
        " ".join(["\u0664\u0661\u0661\u0661"] + ["\u0661" * 4] * 3),  # Arabic-Indic digits
    ],
    ("My card {} was charged twice", "Ma carte {} a été débitée", "card no {}"),
)
_add(
    "passport",
    [
        "AB123456",
        "AB 123456",
        "gk654321",
        "XY 987654",
        "ZZ123123",
        "HP 445566",
        "ＡＢ１２３４５６",
        "QR 112233",
        "ab 123456",
        "gk 654321",
        "xy 987654",
        "Ab 445566",
    ],
    ("Passport {} expired", "Mon passeport {} est expiré", "passport number: {}"),
)
_add(
    "postal_code",
    [
        "K1A 0B1",
        "k1a0b1",
        "H3B-1A7",
        "M5V 2T6",
        "K1A\u00a00B1",
        "V6B 4Y8",
        "ｋ１ａ ０ｂ１",
        "T2P 1J9",
        "R3C 4T3",
        "E1C 4M3",
        "G1R 4P5",
        "J8X 3Y2",
    ],
    ("I live near {}, Canada", "Mon code postal est {}.", "code {}"),
)
_add(
    "address",
    [
        "123 Main Street",
        "22 Elm Ave",
        "45 rue Sainte-Catherine Ouest",
        "1200 boul. René-Lévesque",
        "10 chemin du Lac",
        "45 rue principale",
        "123 main street",
        "55 maple road",
        "12 oak avenue",
        "7 birch crescent",
        "45 avenue des pins",
        "12 place de la gare",
        "3 av. du parc",
        "Apt 4, 22 Elm Ave",
        "221B Baker Street",
        "99 king st",
        "1200 boulevard rené-lévesque",
        "apt 12, 8 pine drive",
        "unit # 5, 40 Queen Street",
        "88 Wellington St. W",
        "15 rue de l'Église",
        "300 côte des neiges",
    ],
    ("I live at {} in town", "J'habite au {} en ville", "send it to {}."),
)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def test_the_corpus_is_big_enough() -> None:
    assert len(PERSONAL) >= 100
    assert len(INNOCENT) >= 100


@pytest.mark.parametrize(("text", "kind", "secret"), PERSONAL)
def test_personal_information_is_removed(text: str, kind: str, secret: str) -> None:
    for lang in ("en", "fr"):
        result = scrub(text, lang)
        assert kind in result.removed, (text, result)
        assert secret not in result.text
        # Nothing of the number is left: no digit of it survives next to the marker.
        if _digits(secret):
            assert _digits(secret) not in _digits(result.text), result.text
        # Scrubbing again changes nothing (the markers are not personal information).
        assert scrub(result.text, lang).text == result.text


INNOCENT = [
    # dates and times
    "I came on 2024-03-15 at 9:30.",
    "Le 15 mars 2024 à 14 h 30.",
    "On Nov. 4, 2025 at 3 p.m.",
    "Between 2023-01-01 and 2023-12-31",
    "Rendez-vous le 2025-01-02 à 9 h.",
    "15/03/2024",
    "It was 03/15/2024, a Friday.",
    "At 10:45 am the line was long",
    "du 1er au 15 juillet",
    "in 2023, 2024 and 2025",
    "Week 12 of 52",
    "Q3 2024 results",
    "depuis 2019",
    "Open 8:30 to 16:30",
    "les 3 et 4 mai",
    "year 1999",
    "2024.01.15",
    "le 31 décembre 2025",
    # amounts and counts
    "I paid $1,250.00 for it",
    "J'ai payé 1 250,00 $ pour ça",
    "$45.50 fee",
    "99 cents",
    "Fees went up 12% this year",
    "It cost 1 234 567 $ total",
    "3 people were ahead of me",
    "I waited 3 hours on the phone",
    "J'ai attendu 45 minutes",
    "2 visits, 3 calls, 1 email",
    "10/10 would come back",
    "5 out of 5",
    "Note : 4/5",
    "about 20 minutes",
    "only 1 agent",
    "The fee is $7.50 per page",
    "un délai de 30 jours",
    "over 1,000,000 forms",
    "0.5 km away",
    # phone-ish but not personal
    "call 311",
    "Appelez le 311",
    "dial 911 only in an emergency",
    "press 1 then 2",
    "I called 1-800 lines all day",
    "Reference 1234567890",
    "extension 42 did not answer",
    "poste 12 was closed",
    "Option 3 on the menu",
    "Ligne 211 pour l'aide",
    # file numbers and reference numbers of the forms the service uses
    "Form T2125 page 4",
    "Formulaire IMM 5257",
    "Case 046454287",
    "Numéro de dossier 046 454 287",
    "file 12345678",
    "Dossier 2024-000123",
    "ref no 123456",
    "ID 123456",
    "no 123456",
    "ticket #48213",
    "response 10482",
    "request ID 7f3a9c2e",
    "survey a11v2xx234",
    "ISBN 978-0-306-40615-7",
    "version 1.2.3.4",
    "Section 5 Place of residence",
    "Ref 4111111111111112 ok",
    "Ref 4111 1111 1111 1112 ok",
    "order 20240315-0042",
    "claim C-2024-88812",
    "lot 4471-22",
    "NAS demandé mais pas donné",
    "SIN not given",
    # product codes and other letter-digit mixes
    "model X5Z-9Q1 failed",
    "SKU D4F 1U2",
    "part W1A 0B1",
    "code Z9Z 9Z9",
    "room B-204",
    "flight AC 871",
    "bus 95 to Orleans",
    "Highway 417 was closed",
    "the 5 way stop",
    "Route 66 trip",
    "room 12B",
    "grade 6 reading level",
    "COVID-19 rules",
    "Windows 11",
    # prose with numbers near street words
    "I waited 3 hours down the road",
    "15 mins in court, then 2 more at the counter",
    "I took 2 route changes and 1 avenue bus",
    "2 more at the court",
    "3 long hours on the road",
    "5 blocks down the street",
    "it took 2 days in a row",
    "1 avenue bus",
    "4 lanes were closed",
    "3 times on the way",
    "J'ai fait 2 allers-retours",
    "10 minutes de marche",
    # emails that are not emails
    "Meet me @ the counter",
    "email was @ capacity",
    "@home is fine",
    "user@localhost",
    "see the .ca site",
    "le site canada.ca",
    "a @ b",
    "We met (at) the office.",
    "a [at] b",
    "On se voit (at) midi",
    # spaced separators and passport words that are not a passport number
    "from 2019 - 2024",
    "Score: 3 - 1 - 2",
    "pages 12 – 15",
    "les 3  4 et 5 mai",
    "passport no 123456",
    "passeport no 123456",
    "Passport ID 123456",
    "passport in 2 weeks, file 123456",
    "\u0661\u0660 \u062f\u0642\u0627\u0626\u0642",
    "\u0662\u0660\u0662\u0664-\u0660\u0663-\u0661\u0665",
    "\ufdfa \u2487 \u3300",
    # plain text
    "",
    "Merci beaucoup, service rapide!",
    "Great service.",
    "Le personnel était courtois.",
    "L'agent m'a aidé. Très bien.",
    "Nothing to add",
    "N/A",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_ordinary_text_survives_unchanged(text: str) -> None:
    for lang in ("en", "fr"):
        assert scrub(text, lang).text == text
        assert scrub(text, lang).removed == ()


def test_the_original_is_kept_around_what_is_removed() -> None:
    # Full-width and no-break characters are read as ASCII for matching only: the rest of
    # the comment keeps them, and only the match itself is replaced.
    text = "Tél\u00a0: ６１３-５５５-０１９９ — ｍｅｒｃｉ\u00a0!"
    assert scrub(text, "fr").text == "Tél\u00a0: [téléphone retiré] — ｍｅｒｃｉ\u00a0!"
    text = "ﬁle ＃12 and ｊｏｈｎ＠ｅｘ．ｃａ"
    assert scrub(text).text == "ﬁle ＃12 and [email removed]"
    # Other scripts' digits are read as ASCII ones; U+FDFA is matched as itself, not as its
    # 18-character form; the word "passport" stays, only the number goes.
    text = "\ufdfa \u2487 \u0666\u0661\u0663-\u0665\u0665\u0665-\u0660\u0661\u0669\u0669!"
    assert scrub(text).text == "\ufdfa \u2487 [phone removed]!"
    assert scrub("passport ab 123456.").text == "passport [passport removed]."
    assert scrub("écrire à luc (at) exemple.ca", "fr").text == "écrire à [courriel retiré]"
