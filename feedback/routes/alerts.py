"""Staff settings: alerts when a channel's score leaves its control limits, and which
services publish a public scorecard."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from feedback.core.i18n import gettext_for
from feedback.core.models import Service, StaffUser
from feedback.insight import alert_subscriptions, alerts, scorecards, summaries, watch
from feedback.integrations import webhooks
from feedback.routes.base import db, language, render, requires
from feedback.routes.dashboard_kit import wants_json
from feedback.staff import audit, auth


def can_publish(user: StaffUser, service_id: str) -> bool:
    """Admins, and managers of that service, may turn its public scorecard on or off."""
    return user.role == "admin" or (user.role == "manager" and service_id in user.service_ids)


def _services(session: Any, user: StaffUser) -> list[Service]:
    return summaries.services(session, None if user.role == "admin" else list(user.service_ids))


def _page(
    request: Request,
    *,
    lang: str,
    email: str | None = None,
    chosen: dict[str, tuple[bool, str]] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    user: StaffUser = request.state.user
    with db(request) as session:
        services = _services(session, user)
        subs = alert_subscriptions.subscriptions(session, user_id=user.id or 0)
        signals = alert_subscriptions.recent_signals(
            session, service_ids=None if user.role == "admin" else list(user.service_ids)
        )
        stored_email = user.email
        expect = alerts.expectation(
            session, service_ids=None if user.role == "admin" else list(user.service_ids)
        )
    if chosen is None:
        chosen = {
            s.id: (s.id in subs, (subs[s.id].webhook_url or "") if s.id in subs else "")
            for s in services
        }
    settings = request.app.state.settings
    if wants_json(request) and not errors:
        return JSONResponse(_json(signals, expect))
    context = {
        "services": services,
        "chosen": chosen,
        "email": stored_email if email is None else email,
        "errors": errors or {},
        "signals": signals,
        "publishable": [s for s in services if can_publish(user, s.id)],
        "saved": request.query_params.get("saved"),
        "smtp_ready": bool(settings.smtp_host),
        "webhook_ready": bool(settings.alert_webhook_secret),
        "minimum": settings.scorecard_min_count,
        "expect": expect,
    }
    return render(request, "alerts.html", context, lang=lang, status_code=400 if errors else 200)


def _json(signals: list[tuple[Any, Any]], expect: alerts.Expectation) -> dict[str, Any]:
    """The alerts page's figures: the design, what to expect, and the recent signals."""
    return {
        "view": "alerts",
        "design": {
            "windows_weeks": list(watch.WINDOWS),
            "baseline_weeks": watch.BASELINE_WEEKS,
            "false_alerts_per_channel_year": watch.RATE_PER_YEAR,
            "tail_each_window_and_direction": watch.tail(),
        },
        "channels_watched": expect.watched,
        "channels_too_thin": expect.thin,
        "expected_false_alerts_per_year": round(expect.per_year, 2),
        "signals": [
            {
                "survey": survey.id, "channel": s.channel, "week": s.period.isoformat(),
                "direction": s.direction, "value": round(100 * s.value),
                "low": round(100 * s.low), "high": round(100 * s.high),
                "emailed_at": s.emailed_at.isoformat() if s.emailed_at else None,
                "webhook_at": s.webhook_at.isoformat() if s.webhook_at else None,
            }
            for s, survey in signals
        ],
    }  # fmt: skip


async def settings_page(request: Request) -> Response:
    """GET /dashboard/alerts: my alerts, the public scorecards I manage, recent signals."""
    return _page(request, lang=language(request))


async def save_alerts(request: Request) -> Response:
    """POST /dashboard/alerts: save my email and, per service, alerts and a webhook URL."""
    form = await request.form()
    lang = str(form.get("lang") or "") or language(request)
    lang = lang if lang in ("en", "fr") else "en"
    _ = gettext_for(lang).gettext
    user: StaffUser = request.state.user
    email = str(form.get("email") or "").strip()[:200]
    wanted = {str(v) for v in form.getlist("alert")}
    with db(request) as session:
        services = _services(session, user)
    chosen = {
        service.id: (service.id in wanted, str(form.get(f"webhook_{service.id}") or "").strip())
        for service in services
    }
    # In the order of the page, so the summary reads top to bottom.
    errors: dict[str, str] = {}
    if email and not alert_subscriptions.valid_email(email):
        errors["email"] = _("Enter an email address in the form name@example.ca.")
    elif not email and any(on and not url for on, url in chosen.values()):
        errors["email"] = _("Enter your email address, or a webhook address, to get alerts.")
    allow_private = request.app.state.settings.webhook_allow_private
    for service_id, (_on, url) in chosen.items():
        problem = webhooks.check_url(url, allow_private=allow_private) if url else None
        if problem == "url":
            errors[f"webhook_{service_id}"] = _(
                "Enter a web address that starts with https:// or http://, or leave it empty."
            )
        elif problem == "private":
            # Else anyone who may save alerts could make the server call into its own network.
            errors[f"webhook_{service_id}"] = _(
                "This address is on a private network. Use a public address."
            )
    if errors:
        return _page(request, lang=lang, email=email, chosen=chosen, errors=errors)
    with db(request) as session:
        alert_subscriptions.save_settings(
            session,
            user_id=user.id or 0,
            email=email,
            choices={k: (on, url or None) for k, (on, url) in chosen.items()},
        )
        services_on = sorted(k for k, (on, _url) in chosen.items() if on)
        audit.record(session, user, "alerts.save", f"user:{user.username}", services=services_on)
    return RedirectResponse(f"/dashboard/alerts?lang={lang}&saved=alerts", status_code=303)


async def save_scorecard(request: Request) -> Response:
    """POST /dashboard/alerts/scorecard: publish or withdraw a service's public scorecard."""
    form = await request.form()
    lang = str(form.get("lang") or "en")
    lang = lang if lang in ("en", "fr") else "en"
    user: StaffUser = request.state.user
    service_id = str(form.get("service") or "")[:40]
    if not can_publish(user, service_id):
        raise HTTPException(403)
    with db(request) as session:
        found = scorecards.set_scorecard(
            session, service_id=service_id, public=form.get("public") == "on"
        )
        if found is not None:
            action = "scorecard.publish" if form.get("public") == "on" else "scorecard.withdraw"
            audit.record(session, user, action, f"service:{service_id}")
    if found is None:
        raise HTTPException(404)
    return RedirectResponse(f"/dashboard/alerts?lang={lang}&saved=scorecard", status_code=303)


routes = [
    Route("/dashboard/alerts", requires(*auth.DASHBOARD_ROLES)(settings_page), methods=["GET"]),
    Route("/dashboard/alerts", requires(*auth.DASHBOARD_ROLES)(save_alerts), methods=["POST"]),
    Route(
        "/dashboard/alerts/scorecard",
        requires("admin", "manager")(save_scorecard),  # viewers never publish
        methods=["POST"],
    ),
]
