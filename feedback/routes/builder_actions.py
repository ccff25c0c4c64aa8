"""Builder actions apart from editing: duplicate a survey; confirm a translation still holds.

POST /admin/surveys/{survey}/duplicate: a new draft with the same questions and texts.
POST /admin/surveys/{survey}/review: "The French is still right" for one marked text.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from feedback.routes.base import db, language, requires
from feedback.routes.builder import survey_to_edit, to_edit
from feedback.surveys import builder, builder_review

_EDIT = ("admin", "manager")


@requires(*_EDIT)
async def duplicate(request: Request) -> Response:
    """POST /admin/surveys/{survey}/duplicate: copy it as a new draft, then edit the copy."""
    lang = language(request)
    with db(request) as session:
        survey = survey_to_edit(request, session)
        copy = builder.duplicate_survey(session, user=request.state.user, survey=survey)
    return to_edit(copy, lang, "duplicated")


@requires(*_EDIT)
async def confirm_review(request: Request) -> Response:
    """POST /admin/surveys/{survey}/review: a marked translation was checked and still holds."""
    lang = language(request)
    form = await request.form()
    part = str(form.get("part") or "")[:200]
    code = str(form.get("language") or "")[:8]
    with db(request) as session:
        survey = survey_to_edit(request, session)
        builder_review.confirm(
            session, user=request.state.user, survey=survey, part=part, language=code
        )
    # Nothing to confirm (already confirmed, or edited meanwhile) ends on the same page.
    return to_edit(survey, lang, "confirmed", "review")


routes = [
    Route("/admin/surveys/{survey}/duplicate", duplicate, methods=["POST"]),
    Route("/admin/surveys/{survey}/review", confirm_review, methods=["POST"]),
]
