"""The built-in bilingual survey templates and the labelled scales they use.

Plain data built on the dataclasses of `feedback.catalog`. Official wordings (GC, OMB A-11,
CES, NPS) follow REFERENCE.md word for word; question keys are stable public identifiers.
French style: plain apostrophe, no space before "?", a non-breaking space before ":".
"""

from __future__ import annotations

from feedback.core.catalog import CHANNELS, Option, QuestionSpec, ShowIf, Template, Text

# --- Labelled scales: ids are the point's value as a string ------------------------------

SATISFACTION_5: tuple[Option, ...] = (
    Option("1", {"en": "Very dissatisfied", "fr": "Très insatisfait"}),
    Option("2", {"en": "Dissatisfied", "fr": "Insatisfait"}),
    Option("3", {"en": "Neither satisfied nor dissatisfied", "fr": "Ni satisfait ni insatisfait"}),
    Option("4", {"en": "Satisfied", "fr": "Satisfait"}),
    Option("5", {"en": "Very satisfied", "fr": "Très satisfait"}),
)

EASE_5: tuple[Option, ...] = (
    Option("1", {"en": "Very difficult", "fr": "Très difficile"}),
    Option("2", {"en": "Difficult", "fr": "Difficile"}),
    Option("3", {"en": "Neither easy nor difficult", "fr": "Ni facile ni difficile"}),
    Option("4", {"en": "Easy", "fr": "Facile"}),
    Option("5", {"en": "Very easy", "fr": "Très facile"}),
)

AGREEMENT_5: tuple[Option, ...] = (
    Option("1", {"en": "Strongly disagree", "fr": "Fortement en désaccord"}),
    Option("2", {"en": "Disagree", "fr": "En désaccord"}),
    Option("3", {"en": "Neither agree nor disagree", "fr": "Ni d'accord ni en désaccord"}),
    Option("4", {"en": "Agree", "fr": "D'accord"}),
    Option("5", {"en": "Strongly agree", "fr": "Fortement d'accord"}),
)

AGREEMENT_7: tuple[Option, ...] = (
    Option("1", {"en": "Strongly disagree", "fr": "Fortement en désaccord"}),
    Option("2", {"en": "Disagree", "fr": "En désaccord"}),
    Option("3", {"en": "Somewhat disagree", "fr": "Plutôt en désaccord"}),
    Option("4", {"en": "Neither agree nor disagree", "fr": "Ni d'accord ni en désaccord"}),
    Option("5", {"en": "Somewhat agree", "fr": "Plutôt d'accord"}),
    Option("6", {"en": "Agree", "fr": "D'accord"}),
    Option("7", {"en": "Strongly agree", "fr": "Fortement d'accord"}),
)

# NPS labels only its two ends; the points between are plain numbers.
NPS_ENDS: tuple[Option, ...] = (
    Option("0", {"en": "Not at all likely", "fr": "Pas du tout probable"}),
    Option("10", {"en": "Extremely likely", "fr": "Extrêmement probable"}),
)

YES_NO: tuple[Option, ...] = (
    Option("true", {"en": "Yes", "fr": "Oui"}),
    Option("false", {"en": "No", "fr": "Non"}),
)

# A-11 v2 asks trust as thumbs up/down on a statement, so the words are agree/disagree.
THUMBS: tuple[Option, ...] = (
    Option("true", {"en": "Agree", "fr": "D'accord"}),
    Option("false", {"en": "Disagree", "fr": "Pas d'accord"}),
)

# --- Shared pieces --------------------------------------------------------------------------

DEFAULT_PARAMS: dict[str, Text] = {
    "service": {"en": "this service", "fr": "ce service"},
    "task": {"en": "do what you came to do", "fr": "faire ce que vous êtes venu faire"},
}

NO_PERSONAL_INFO: Text = {
    "en": "Do not include personal information, such as your name, phone number, email "
    "or social insurance number.",
    "fr": "N'incluez pas de renseignements personnels, comme votre nom, votre numéro de "
    "téléphone, votre courriel ou votre numéro d'assurance sociale.",
}

GC_PAGE_NOTICE: Text = {
    "en": "You will not get a reply. Do not include personal information, such as your "
    "telephone number, email, social insurance number (SIN), or financial, medical or work "
    "details.",
    "fr": "Vous ne recevrez pas de réponse. N'incluez pas de renseignements personnels, comme "
    "votre numéro de téléphone, votre courriel, votre numéro d'assurance sociale (NAS) ou des "
    "détails financiers, médicaux ou professionnels.",
}

ANY_FEEDBACK: Text = {"en": "Any additional feedback?", "fr": "Avez-vous d'autres commentaires?"}
DO_BETTER: Text = {"en": "What could we do better?", "fr": "Que pourrions-nous faire de mieux?"}
CHOOSE_ALL: Text = {
    "en": "Choose all that apply.",
    "fr": "Choisissez toutes les réponses qui s'appliquent.",
}


def _comment(text: Text, *, max_length: int = 1000, hint: Text = NO_PERSONAL_INFO) -> QuestionSpec:
    """An optional free-text `comment` question with a personal-information reminder."""
    return QuestionSpec(
        "comment", "text", dict(text), driver="comment", max_length=max_length, hint=dict(hint)
    )


# --- Templates ------------------------------------------------------------------------------

_GC_PAGE_FEEDBACK = Template(
    id="gc_page_feedback",
    title={"en": "Page feedback", "fr": "Rétroaction sur la page"},
    description={
        "en": "Ask if people found what they were looking for on a web page.",
        "fr": "Demandez aux gens s'ils ont trouvé ce qu'ils cherchaient sur une page Web.",
    },
    params=DEFAULT_PARAMS,
    questions=(
        QuestionSpec(
            "found",
            "yes_no",
            {
                "en": "Did you find what you were looking for?",
                "fr": "Avez-vous trouvé ce que vous cherchiez?",
            },
            driver="findability",
            required=True,
            scale=YES_NO,
        ),
        _comment(
            {"en": "Please give more details.", "fr": "Veuillez donner plus de détails."},
            max_length=300,
            hint=GC_PAGE_NOTICE,
        ),
    ),
)

_GC_TASK_SUCCESS = Template(
    id="gc_task_success",
    title={"en": "Task success", "fr": "Réussite de la tâche"},
    description={
        "en": "Ask how satisfied people were, how easy the task was and if they got it done.",
        "fr": "Demandez aux gens s'ils sont satisfaits, si la tâche était facile et s'ils "
        "ont pu la terminer.",
    },
    params=DEFAULT_PARAMS,
    questions=(
        QuestionSpec(
            "satisfaction",
            "rating5",
            {
                "en": "How satisfied were you with your experience?",
                "fr": "Dans quelle mesure avez-vous été satisfait de votre expérience?",
            },
            driver="satisfaction",
            required=True,
            scale=SATISFACTION_5,
        ),
        QuestionSpec(
            "ease",
            "rating5",
            {
                "en": "How easy or difficult was it to {task}?",
                "fr": "Dans quelle mesure a-t-il été facile ou difficile de {task}?",
            },
            driver="ease",
            scale=EASE_5,
        ),
        QuestionSpec(
            "completed",
            "yes_no",
            {
                "en": "Were you able to complete what you came to do?",
                "fr": "Avez-vous été en mesure d'accomplir ce que vous êtes venu faire?",
            },
            driver="task_completion",
            scale=YES_NO,
        ),
        _comment(DO_BETTER),
    ),
)


_A11_POST_TRANSACTION = Template(
    id="a11_post_transaction",
    title={"en": "After a transaction (OMB A-11)", "fr": "Après une transaction (OMB A-11)"},
    description={
        "en": "Seven short statements people agree or disagree with, from the US OMB A-11 "
        "standard, plus a comment.",
        "fr": "Sept courts énoncés avec lesquels les gens sont d'accord ou non, tirés de la "
        "norme américaine OMB A-11, et un commentaire.",
    },
    params=DEFAULT_PARAMS,
    questions=(
        QuestionSpec(
            "satisfaction",
            "rating5",
            {
                "en": "I am satisfied with the service I received from {service}.",
                "fr": "Je suis satisfait du service que j'ai reçu de {service}.",
            },
            driver="satisfaction",
            required=True,
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "trust",
            "rating5",
            {
                "en": "This interaction increased my confidence in {service}.",
                "fr": "Cette interaction a renforcé ma confiance envers {service}.",
            },
            driver="trust",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "effectiveness",
            "rating5",
            {"en": "My need was addressed.", "fr": "On a répondu à mon besoin."},
            driver="effectiveness",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "ease",
            "rating5",
            {
                "en": "It was easy to complete what I needed to do.",
                "fr": "Il a été facile de faire ce que j'avais à faire.",
            },
            driver="ease",
            scale=AGREEMENT_5,
        ),
        QuestionSpec(
            "efficiency",
            "rating5",
            {
                "en": "It took a reasonable amount of time to do what I needed to do.",
                "fr": "J'ai pu faire ce que j'avais à faire dans un délai raisonnable.",
            },
            driver="efficiency",
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
            "employee",
            "rating5",
            {
                "en": "Employees I interacted with were helpful.",
                "fr": "Les employés avec qui j'ai interagi ont été serviables.",
            },
            driver="employee",
            scale=AGREEMENT_5,
        ),
        _comment(ANY_FEEDBACK),
    ),
)

# A-11 v2 checklists: the same ids in both, worded for a good and for a bad experience.
_WENT_WELL: tuple[Option, ...] = (
    Option("effectiveness", {"en": "My need was addressed", "fr": "On a répondu à mon besoin"}),
    Option("ease", {"en": "It was easy", "fr": "C'était facile"}),
    Option("efficiency", {"en": "It took a reasonable time", "fr": "Le délai était raisonnable"}),
    Option(
        "transparency",
        {"en": "The process was clear and fair", "fr": "Le processus était clair et équitable"},
    ),
    Option("humanity", {"en": "I was treated with respect", "fr": "J'ai été traité avec respect"}),
    Option("employee", {"en": "Staff were helpful", "fr": "Le personnel a été serviable"}),
    Option("other", {"en": "Something else", "fr": "Autre chose"}),
)
_WENT_BADLY: tuple[Option, ...] = (
    Option(
        "effectiveness",
        {"en": "My need was not addressed", "fr": "On n'a pas répondu à mon besoin"},
    ),
    Option("ease", {"en": "It was hard", "fr": "C'était difficile"}),
    Option("efficiency", {"en": "It took too long", "fr": "Le délai était trop long"}),
    Option(
        "transparency",
        {
            "en": "The process was unclear or unfair",
            "fr": "Le processus manquait de clarté ou d'équité",
        },
    ),
    Option(
        "humanity",
        {"en": "I was not treated with respect", "fr": "Je n'ai pas été traité avec respect"},
    ),
    Option(
        "employee", {"en": "Staff were not helpful", "fr": "Le personnel n'a pas été serviable"}
    ),
    Option("other", {"en": "Something else", "fr": "Autre chose"}),
)

_A11_V2 = Template(
    id="a11_v2",
    title={
        "en": "Trust and what went well (OMB A-11 v2)",
        "fr": "Confiance et ce qui a bien marché (OMB A-11 v2)",
    },
    description={
        "en": "One thumbs up or down on trust, then what went well or what did not, "
        "from the 2023 US OMB A-11 standard.",
        "fr": "Un pouce levé ou baissé sur la confiance, puis ce qui a bien marché ou non, "
        "selon la norme américaine OMB A-11 de 2023.",
    },
    params=DEFAULT_PARAMS,
    questions=(
        QuestionSpec(
            "trust",
            "yes_no",
            {
                "en": "This interaction increased my confidence in {service}.",
                "fr": "Cette interaction a renforcé ma confiance envers {service}.",
            },
            driver="trust",
            required=True,
            scale=THUMBS,
        ),
        QuestionSpec(
            "went_well",
            "multi",
            {"en": "What went well?", "fr": "Qu'est-ce qui s'est bien passé?"},
            driver="what_went_well",
            options=_WENT_WELL,
            show_if=ShowIf("trust", (True,)),
            hint=CHOOSE_ALL,
        ),
        QuestionSpec(
            "went_badly",
            "multi",
            {"en": "What didn't go so well?", "fr": "Qu'est-ce qui ne s'est pas bien passé?"},
            driver="what_went_badly",
            options=_WENT_BADLY,
            show_if=ShowIf("trust", (False,)),
            hint=CHOOSE_ALL,
        ),
        _comment(ANY_FEEDBACK),
    ),
)

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
        _comment(DO_BETTER),
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
        _comment(
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
        _comment(
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
        _comment(DO_BETTER),
    ),
)

TEMPLATES: dict[str, Template] = {
    t.id: t
    for t in (
        _GC_PAGE_FEEDBACK,
        _GC_TASK_SUCCESS,
        _A11_POST_TRANSACTION,
        _A11_V2,
        _SERVICE_COUNTER,
        _CSAT_COMMENT,
        _NPS,
        _CES,
    )
}
