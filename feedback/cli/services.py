"""Commands for services: add, edit, list, and publish a public scorecard."""

from __future__ import annotations

import argparse
import json
import sys

from feedback.cli.common import adder, engine_for, group, settings_from
from feedback.comments import rebuild as comments_rebuild
from feedback.core.db import session_scope
from feedback.insight import rollups, scorecards
from feedback.staff import audit
from feedback.surveys import service_identity, services


def _changes(args: argparse.Namespace) -> services.Changes:
    """What the options ask to set; an option left out leaves its field as it is."""
    logo = None
    if args.logo:
        try:
            with open(args.logo, "rb") as file:
                logo = file.read(service_identity.LOGO_MAX_BYTES + 1)  # more is refused anyway
        except OSError as error:
            raise services.Invalid(
                {"logo": f"cannot read {args.logo}: {error.strerror}"}
            ) from error
    return services.Changes(
        names={"en": args.name_en, "fr": args.name_fr},
        time_zone=args.time_zone,
        urls={"en": args.url_en, "fr": args.url_fr},
        accent_colour=args.accent_colour,
        logo=logo,
        remove_logo=bool(getattr(args, "no_logo", False)),
    )


def _refused(error: services.Invalid) -> int:
    for name, message in error.errors.items():
        print(f"error: {name.replace('_', '-')}: {message}", file=sys.stderr)
    return 2


def cmd_services_add(args: argparse.Namespace) -> int:
    """Add a service; its zone is --time-zone, else FEEDBACK_TIME_ZONE, else UTC."""
    settings = settings_from(args)
    try:
        with engine_for(settings) as engine, session_scope(engine) as session:
            saved = services.add(
                session,
                service_id=args.service,
                changes=_changes(args),
                default_zone=settings.time_zone,
            )
            audit.record(session, "cli", "service.create", f"service:{args.service}",
                         after=saved.after)  # fmt: skip
            zone = saved.service.time_zone
    except services.Invalid as error:
        return _refused(error)
    print(f"Added service {args.service} (time zone {zone}).")
    return 0


def cmd_services_edit(args: argparse.Namespace) -> int:
    """Change a service; a new time zone rebuilds its daily aggregates on the local day."""
    settings = settings_from(args)
    try:
        with engine_for(settings) as engine, session_scope(engine) as session:
            service = services.get(session, args.service)
            if service is None:
                print(f"error: no service {args.service!r}", file=sys.stderr)
                return 2
            saved = services.edit(session, service=service, changes=_changes(args))
            audit.record(session, "cli", "service.change", f"service:{service.id}",
                         before=saved.before, after=saved.after)  # fmt: skip
            if saved.zone_changed:
                rollups.rebuild_service(session, service_id=service.id)
                comments_rebuild.recount_service(session, service_id=service.id)
    except services.Invalid as error:
        return _refused(error)
    rebuilt = " Daily figures were rebuilt for the new time zone." if saved.zone_changed else ""
    print(f"Changed service {args.service}.{rebuilt}")
    return 0


def cmd_services_list(args: argparse.Namespace) -> int:
    """List services: id, time zone and names; --json for scripts."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        found = [services.as_json(s) for s in services.list_services(session)]
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(
            "No service yet. Add one: feedback services add SERVICE_ID --name-en ... --name-fr ..."
        )
    for s in found:
        print(f"{s['id']}\t{s['time_zone']}\t{s['name'].get('en', '')}\t{s['name'].get('fr', '')}")
    return 0


def cmd_services_scorecard(args: argparse.Namespace) -> int:
    """Publish or withdraw a service's public scorecard."""
    settings = settings_from(args)
    with engine_for(settings) as engine, session_scope(engine) as session:
        public = args.state == "on"
        found = scorecards.set_scorecard(session, service_id=args.service, public=public)
    if found is None:
        print(f"error: no service {args.service!r}", file=sys.stderr)
        return 2
    state = "now published at" if args.state == "on" else "withdrawn from"
    print(
        f"The scorecard of {args.service} is {state} {settings.base_url}/scorecard/{args.service}"
    )
    return 0


def _options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    p.add_argument("service", metavar="SERVICE_ID")
    p.add_argument("--name-en", required=adding, help="the name in English")
    p.add_argument("--name-fr", required=adding, help="the name in French")
    p.add_argument("--time-zone", help="IANA zone, such as America/Toronto")
    p.add_argument("--url-en", help='the service\'s own address in English ("" removes it)')
    p.add_argument("--url-fr", help='the service\'s own address in French ("" removes it)')
    p.add_argument("--accent-colour", help='#rrggbb with 4.5:1 contrast on white ("" removes it)')
    p.add_argument("--logo", metavar="FILE", help="a PNG or JPEG logo, 200 KB or smaller")
    if not adding:
        p.add_argument("--no-logo", action="store_true", help="remove the logo")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `services add|edit|list|scorecard`."""
    add = adder(sub)
    services_group = group(sub, "services", "services")
    _options(add("add", cmd_services_add, "add a service", services_group), adding=True)
    _options(add("edit", cmd_services_edit, "change a service", services_group), adding=False)
    p = add("list", cmd_services_list, "list services", services_group)
    p.add_argument("--json", action="store_true", help="a JSON array, for scripts")
    p = add("scorecard", cmd_services_scorecard, "publish or withdraw a public scorecard",
            services_group)  # fmt: skip
    p.add_argument("service")
    p.add_argument("state", choices=("on", "off"))
