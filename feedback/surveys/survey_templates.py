"""The built-in bilingual survey templates: the standard ones (standard_templates) and ours.

Plain data built on the dataclasses of `feedback.catalog`. Official wordings (GC, OMB A-11,
CES, NPS) follow REFERENCE.md word for word; question keys are stable public identifiers.
French style: plain apostrophe, no space before "?", a non-breaking space before ":".
"""

from __future__ import annotations

from feedback.core.catalog import CHANNELS, Option, QuestionSpec, Template
from feedback.surveys.scales import (
    AGREEMENT_5,
    AGREEMENT_7,
    DEFAULT_PARAMS,
    DO_BETTER,
    NPS_ENDS,
    SATISFACTION_5,
    comment,
)
from feedback.surveys.standard_templates import (
    A11_POST_TRANSACTION,
    A11_V2,
    GC_PAGE_FEEDBACK,
    GC_TASK_SUCCESS,
)

# --- Templates ------------------------------------------------------------------------------

_SERVICE_COUNTER = Template(
    id="service_counter",
    title={"en": "Service quality", "fr": "Qualité du service"},
    description={
        "en": "Ask about the things that matter most to people: time, staff, fairness and "
        "the result. From the Common Measurements Tool.",
        "fr": "Posez des questions sur ce qui compte le plus pour les gens\u00a0: le temps, le "
        "personnel, l'équité et le résultat. Tiré de l'Outil de mesures communes.",
    },
    params=DEFAULT_PARAMS,
    questions=(
        QuestionSpec(
            "timeliness",
            "rating5",
            {
                "en": "I was served in a reasonable amount of time.",
                "fr": "J'ai été servi dans un délai raisonnable.",
            },
            driver="timeliness",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "knowledge",
            "rating5",
            {
                "en": "Staff were knowledgeable and competent.",
                "fr": "Le personnel était bien informé et compétent.",
            },
            driver="knowledge",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "courtesy",
            "rating5",
            {"en": "Staff were courteous.", "fr": "Le personnel était courtois."},
            driver="courtesy",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "fairness",
            "rating5",
            {"en": "I was treated fairly.", "fr": "J'ai été traité équitablement."},
            driver="fairness",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "outcome",
            "rating5",
            {
                "en": "In the end, I got what I needed.",
                "fr": "Au bout du compte, j'ai obtenu ce dont j'avais besoin.",
            },
            driver="outcome",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "satisfaction",
            "rating5",
            {
                "en": "Overall, how satisfied were you with the service you received?",
                "fr": "Globalement, dans quelle mesure avez-vous été satisfait du service que "
                "vous avez reçu?",
            },
            driver="satisfaction",
            required=True,
            scale=SATISFACTION_5,
        ),
        QuestionSpec(
            "other_channel",
            "choice",
            {
                "en": "Did you try to get this service another way first?",
                "fr": "Avez-vous d'abord essayé d'obtenir ce service d'une autre façon?",
            },
            driver="other_channel",
            options=(
                Option(
                    "no",
                    {"en": "No, this was my first try", "fr": "Non, c'était ma première tentative"},
                ),
                # Built from CHANNELS so a new or renamed channel shows up here too.
                *(
                    Option(
                        c.id, {"en": f"Yes: {c.label['en']}", "fr": f"Oui\u00a0: {c.label['fr']}"}
                    )
                    for c in CHANNELS.values()
                ),
            ),
        ),
        comment(DO_BETTER),
    ),
)

_CSAT_COMMENT = Template(
    id="csat_comment",
    title={"en": "Satisfaction and comment", "fr": "Satisfaction et commentaire"},
    description={
        "en": "One question on satisfaction and one on the reason for the answer.",
        "fr": "Une question sur la satisfaction et une sur la raison de la réponse.",
    },
    params=DEFAULT_PARAMS,
    questions=(
        QuestionSpec(
            "satisfaction",
            "rating5",
            {
                "en": "How satisfied were you with the service you received today?",
                "fr": "Dans quelle mesure avez-vous été satisfait du service que vous avez reçu "
                "aujourd'hui?",
            },
            driver="satisfaction",
            required=True,
            scale=SATISFACTION_5,
        ),
        comment(
            {
                "en": "What is the main reason for your rating?",
                "fr": "Quelle est la principale raison de votre réponse?",
            }
        ),
    ),
)

_NPS = Template(
    id="nps",
    title={"en": "Net Promoter Score (NPS)", "fr": "Indice de recommandation net (NPS)"},
    description={
        "en": "Ask how likely people are to recommend the service, from 0 to 10.",
        "fr": "Demandez aux gens s'ils recommanderaient le service, sur une échelle de 0 à 10.",
    },
    params=DEFAULT_PARAMS,
    questions=(
        QuestionSpec(
            "recommend",
            "nps",
            {
                "en": "How likely are you to recommend {service} to a friend or family member?",
                "fr": "Quelle est la probabilité que vous recommandiez {service} à un ami ou à un "
                "membre de votre famille?",
            },
            driver="recommend",
            required=True,
            scale=NPS_ENDS,
        ),
        comment(
            {
                "en": "What is the main reason for your score?",
                "fr": "Quelle est la principale raison de votre note?",
            }
        ),
    ),
)

_CES = Template(
    id="ces",
    title={"en": "Customer Effort Score (CES)", "fr": "Indice d'effort client (CES)"},
    description={
        "en": "Ask if the service made it easy to handle an issue, from 1 to 7.",
        "fr": "Demandez aux gens si le service leur a facilité les choses, sur une échelle "
        "de 1 à 7.",
    },
    # {service} opens the CES sentence, so this template's default starts with a capital.
    params={**DEFAULT_PARAMS, "service": {"en": "This service", "fr": "Ce service"}},
    questions=(
        QuestionSpec(
            "ease",
            "ces7",
            {
                "en": "{service} made it easy for me to handle my issue.",
                "fr": "{service} m'a permis de régler facilement mon problème.",
            },
            driver="ease",
            required=True,
            scale=AGREEMENT_7,
        ),
        comment(DO_BETTER),
    ),
)

TEMPLATES: dict[str, Template] = {
    t.id: t
    for t in (
        GC_PAGE_FEEDBACK,
        GC_TASK_SUCCESS,
        A11_POST_TRANSACTION,
        A11_V2,
        _SERVICE_COUNTER,
        _CSAT_COMMENT,
        _NPS,
        _CES,
    )
}
