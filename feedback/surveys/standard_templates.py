"""The templates of published standards: GC page feedback and task success, OMB A-11 (v1, v2).

Their wordings follow REFERENCE.md word for word; question keys are stable public identifiers.
"""

from __future__ import annotations

from feedback.core.catalog import Option, QuestionSpec, ShowIf, Template
from feedback.surveys.scales import (
    AGREEMENT_5,
    ANY_FEEDBACK,
    CHOOSE_ALL,
    DEFAULT_PARAMS,
    DO_BETTER,
    EASE_5,
    GC_PAGE_NOTICE,
    SATISFACTION_5,
    THUMBS,
    YES_NO,
    comment,
)

GC_PAGE_FEEDBACK = Template(
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
        comment(
            {"en": "Please give more details.", "fr": "Veuillez donner plus de détails."},
            max_length=300,
            hint=GC_PAGE_NOTICE,
        ),
    ),
)

GC_TASK_SUCCESS = Template(
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
        comment(DO_BETTER),
    ),
)


A11_POST_TRANSACTION = Template(
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
        comment(ANY_FEEDBACK),
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

A11_V2 = Template(
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
        comment(ANY_FEEDBACK),
    ),
)
