"""Demo comments in English and French, matched to the tone of a score and to the channel.

None holds personal information.
"""

from __future__ import annotations

from feedback.core.catalog import CHANNELS

# (tone, tags, English, French). Tone is "neg", "mid" or "pos". Tags are channel or service
# ids, space separated: a comment fits a response when none of its channel tags (or none of
# its service tags) are given or one of them matches. None: not said in that language.
# fmt: off
COMMENTS: tuple[tuple[str, str, str | None, str | None], ...] = (
    # --- Complaints ---------------------------------------------------------------------
    ("neg", "phone", "I waited on hold for 45 minutes before I could speak to someone.",
     "J'ai attendu 45 minutes en ligne avant de pouvoir parler à quelqu'un."),
    ("neg", "phone", "The line was busy all morning and I had to call back three times.",
     "La ligne était occupée toute la matinée et j'ai dû rappeler trois fois."),
    ("neg", "phone", "The agent was polite but could not answer my question and transferred "
     "me twice.", "L'agent était poli, mais il n'a pas pu répondre à ma question et m'a "
     "transféré deux fois."),
    ("neg", "phone", "The website would not accept my information, so I had to call.",
     "Le site Web refusait mes renseignements, alors j'ai dû appeler."),
    ("neg", "ivr", "The automated menu kept sending me back to the start.",
     "Le menu automatisé me renvoyait sans cesse au début."),
    ("neg", "ivr", "None of the options fit my situation and there was no way to reach a person.",
     "Aucune option ne correspondait à ma situation et impossible de parler à une personne."),
    ("neg", "web", "The form timed out and I lost everything I had entered.",
     "Le formulaire a expiré et j'ai perdu tout ce que j'avais saisi."),
    ("neg", "web mobile_app", "I couldn't upload my documents; the page kept showing an error.",
     "Je n'ai pas pu téléverser mes documents; la page affichait toujours une erreur."),
    ("neg", "web", "I could not find the list of documents I need to bring.",
     "Je n'ai pas trouvé la liste des documents à fournir."),
    ("neg", "web", "Too much text, and the answer to my question was not on this page.",
     "Trop de texte, et la réponse à ma question ne se trouvait pas sur cette page."),
    ("neg", "in_person", "I tried to do this online first but it didn't work, so I had to "
     "come in.", "J'ai d'abord essayé en ligne, mais ça n'a pas fonctionné, alors j'ai dû "
     "me déplacer."),
    ("neg", "in_person", "The wait at the office was over an hour, with only two counters open.",
     "L'attente au bureau a duré plus d'une heure, avec seulement deux comptoirs ouverts."),
    ("neg", "in_person", "I was sent to the wrong line and had to start over.",
     "On m'a envoyé dans la mauvaise file et j'ai dû tout recommencer."),
    ("neg", "mobile_app", "The app crashed twice before I could finish.",
     "L'application a planté deux fois avant que je puisse terminer."),
    ("neg", "email", "It took a week to get a reply to my email, and it didn't answer my "
     "question.", "Il a fallu une semaine pour recevoir une réponse à mon courriel, et elle "
     "ne répondait pas à ma question."),
    ("neg", "chat", "The chat disconnected in the middle of the conversation.",
     "Le clavardage s'est interrompu au milieu de la conversation."),
    ("neg", "mail", "I mailed my form six weeks ago and heard nothing until now.",
     "J'ai posté mon formulaire il y a six semaines et je n'ai eu aucune nouvelle depuis."),
    ("neg", "video", "The video call kept freezing and the sound cut out.",
     "L'appel vidéo figeait sans cesse et le son coupait."),
    ("neg", "kiosk", "The kiosk screen did not respond and nobody was around to help.",
     "L'écran de la borne ne réagissait pas et personne n'était là pour aider."),
    ("neg", "sms", "The text message reminder came after my appointment.",
     "Le rappel par message texte est arrivé après mon rendez-vous."),
    ("neg", "permits", "My permit application has been under review for months with no update.",
     "Ma demande de permis est à l'étude depuis des mois, sans aucune mise à jour."),
    ("neg", "benefits", "My payment was late and no one could explain why.",
     "Mon paiement était en retard et personne n'a pu m'expliquer pourquoi."),
    ("neg", "licences permits", "The fees were not explained anywhere before I paid.",
     "Les frais n'étaient expliqués nulle part avant le paiement."),
    ("neg", "phone in_person", None,
     "Le service en français n'était pas offert tout de suite, j'ai dû attendre plus longtemps."),
    ("neg", "", "Nobody could tell me how long it would take.",
     "Personne n'a pu me dire combien de temps ça prendrait."),
    ("neg", "", "I had to give the same information three times.",
     "J'ai dû fournir les mêmes renseignements trois fois."),
    ("neg", "", "The instructions were confusing and contradicted what I was told before.",
     "Les instructions étaient confuses et contredisaient ce qu'on m'avait dit avant."),
    ("neg", "", "Far too long for something this simple.",
     "Beaucoup trop long pour quelque chose d'aussi simple."),
    ("neg", "", "I was told two different things by two different people.",
     "Deux personnes différentes m'ont dit deux choses différentes."),
    # --- Mixed --------------------------------------------------------------------------
    ("mid", "", "It worked in the end, but it took longer than it should have.",
     "Ça a fini par fonctionner, mais ça a pris plus de temps que nécessaire."),
    ("mid", "phone", "The agent was helpful once I got through, but the wait was long.",
     "L'agent a été utile une fois que j'ai pu joindre quelqu'un, mais l'attente était longue."),
    ("mid", "web", "The information is there, but it is hard to find.",
     "L'information s'y trouve, mais elle est difficile à trouver."),
    ("mid", "in_person kiosk", "Friendly staff, but the waiting room was crowded.",
     "Personnel aimable, mais la salle d'attente était bondée."),
    ("mid", "", "OK overall. A way to track my file online would help.",
     "Correct dans l'ensemble. Un moyen de suivre mon dossier en ligne serait utile."),
    ("mid", "web mobile_app", "Please save my progress so I can finish later.",
     "Veuillez enregistrer mes progrès pour que je puisse terminer plus tard."),
    ("mid", "", "Fine, but I still don't know when I'll get an answer.",
     "Correct, mais je ne sais toujours pas quand j'aurai une réponse."),
    ("mid", "email chat", "The answer was correct but very generic.",
     "La réponse était exacte, mais très générale."),
    ("mid", "mail", "Paper forms suit me, but the instructions could be clearer.",
     "Les formulaires papier me conviennent, mais les instructions pourraient être plus claires."),
    ("mid", "ivr", "The automated line is fine for checking my status, not for anything else.",
     "La ligne automatisée convient pour vérifier l'état de mon dossier, mais pas pour le reste."),
    ("mid", "video", "The video call worked, but booking it took several tries.",
     "L'appel vidéo a bien fonctionné, mais il a fallu plusieurs essais pour le réserver."),
    # --- Praise -------------------------------------------------------------------------
    ("pos", "in_person", "The agent at the counter explained everything clearly. Very helpful.",
     "L'agent au comptoir m'a tout expliqué clairement. Très utile."),
    ("pos", "in_person", "In and out in 15 minutes, thank you!",
     "Entré et sorti en 15 minutes, merci!"),
    ("pos", "in_person", "The staff member went the extra mile to help me.",
     "L'employé a fait plus que le nécessaire pour m'aider."),
    ("pos", "web", "Quick and easy, done in five minutes.",
     "Rapide et facile, c'était fait en cinq minutes."),
    ("pos", "web licences", "The new online form is much simpler than before.",
     "Le nouveau formulaire en ligne est beaucoup plus simple qu'avant."),
    ("pos", "web", "Found exactly what I needed.",
     "J'ai trouvé exactement ce qu'il me fallait."),
    ("pos", "mobile_app", "The app made it easy to upload my documents with my phone camera.",
     "L'application m'a permis de téléverser facilement mes documents avec l'appareil photo de "
     "mon téléphone."),
    ("pos", "phone", "The agent on the phone was patient and solved my problem on the first "
     "call.", "L'agent au téléphone a été patient et a réglé mon problème dès le premier appel."),
    ("pos", "phone benefits", "The call-back option is great, no more waiting on hold.",
     "L'option de rappel est excellente, plus besoin d'attendre en ligne."),
    ("pos", "chat", "The chat agent answered right away and sent me the right link.",
     "L'agent du clavardage a répondu tout de suite et m'a envoyé le bon lien."),
    ("pos", "email", "Clear answer to my email within a day.",
     "Réponse claire à mon courriel en moins d'une journée."),
    ("pos", "in_person phone video chat email", "Staff were courteous and knew their stuff.",
     "Le personnel était courtois et connaissait bien son sujet."),
    ("pos", "video", "The video appointment saved me a trip to the office.",
     "Le rendez-vous par vidéo m'a évité un déplacement au bureau."),
    ("pos", "kiosk", "The kiosk was quick and I didn't have to wait in line.",
     "La borne était rapide et je n'ai pas eu à faire la file."),
    ("pos", "sms", "The text message reminder was useful.",
     "Le rappel par message texte était utile."),
    ("pos", "ivr", "The automated line gave me my file status in under a minute.",
     "La ligne automatisée m'a donné l'état de mon dossier en moins d'une minute."),
    ("pos", "in_person permits", "Booking an appointment online worked well, no wait at the "
     "counter.", "La prise de rendez-vous en ligne a bien fonctionné, aucune attente au "
     "comptoir."),
    ("pos", "phone in_person video", None, "J'ai été servi en français sans aucun problème."),
    ("pos", "", "Simple, clear and fast. Thank you.", "Simple, clair et rapide. Merci."),
    ("pos", "", "Much better than last year.", "Beaucoup mieux que l'an dernier."),
    ("pos", "", "My request was processed faster than I expected.",
     "Ma demande a été traitée plus rapidement que prévu."),
)

# fmt: on
TONES: tuple[str, ...] = ("neg", "mid", "pos")


def pool(*, language: str, tone: str, channel: str, service: str) -> list[str]:
    """The comments that fit a response in `language` with this tone, channel and service."""
    out = []
    for t, tags, en, fr in COMMENTS:
        said = en if language == "en" else fr
        words = tags.split()
        channels = [w for w in words if w in CHANNELS]
        services = [w for w in words if w not in CHANNELS]
        if (
            t == tone
            and said is not None
            and (not channels or channel in channels)
            and (not services or service in services)
        ):
            out.append(said)
    return out


# The themes of each demo comment, by its position in COMMENTS (feedback.comments.themes
# keys; "" for none). bench/themes_quality.py holds these back from the classifier's
# training and measures its suggestions against them, per theme and language.
# fmt: off
THEMES: tuple[str, ...] = (
    "waiting_time phone_access", "phone_access", "staff_knowledge phone_access",
    "online_forms", "phone_access", "phone_access", "online_forms", "online_forms documents",
    "finding_information documents", "finding_information", "online_forms",
    "waiting_time", "staff_knowledge", "online_forms", "waiting_time staff_knowledge",
    "online_forms", "waiting_time", "online_forms", "online_forms", "", "waiting_time",
    "outcome", "fees", "language_of_service waiting_time", "staff_knowledge waiting_time",
    "documents", "finding_information staff_knowledge", "waiting_time", "staff_knowledge",
    "waiting_time", "staff_courtesy waiting_time", "finding_information",
    "staff_courtesy waiting_time", "online_forms", "online_forms", "outcome waiting_time",
    "staff_knowledge", "finding_information", "phone_access", "online_forms",
    "staff_knowledge staff_courtesy", "waiting_time", "staff_courtesy", "waiting_time",
    "online_forms", "finding_information", "online_forms documents",
    "staff_courtesy phone_access outcome", "phone_access waiting_time", "staff_knowledge",
    "waiting_time", "staff_courtesy staff_knowledge", "", "waiting_time", "", "waiting_time",
    "online_forms waiting_time", "language_of_service", "", "", "waiting_time outcome",
)
# fmt: on
assert len(THEMES) == len(COMMENTS)


def labelled() -> list[tuple[str, str, tuple[str, ...]]]:
    """(language, text, theme keys) of every demo comment in each language it is said in."""
    out = []
    for (_tone, _tags, en, fr), keys in zip(COMMENTS, THEMES, strict=True):
        for lang, said in (("en", en), ("fr", fr)):
            if said is not None:
                out.append((lang, said, tuple(keys.split())))
    return out
