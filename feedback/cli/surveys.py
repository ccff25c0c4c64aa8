"""Commands about surveys: list, allow an origin, QR codes for paper."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from feedback.cli.common import adder, engine_for, group, settings_from
from feedback.core.catalog import CHANNELS
from feedback.core.db import session_scope
from feedback.staff import audit
from feedback.surveys import definitions as surveys
from feedback.surveys import qr, snippets
from feedback.surveys.builder import parse_origins


def cmd_surveys_list(args: argparse.Namespace) -> int:
    """List surveys as a table, or as JSON for scripts."""
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        rows = [
            {
                "id": s.id,
                "title": s.title.get("en", ""),
                "status": s.status,
                "service": s.service_id,
                "template": s.template,
            }
            for s in surveys.all_surveys(session)
        ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(f"{row['id']:<12} {row['status']:<7} {row['service']:<12} {row['title']}")
    return 0


def cmd_surveys_allow_origin(args: argparse.Namespace) -> int:
    """Let a site (scheme://host[:port]) embed a survey."""
    # The builder's own rule, so both write the form browsers send (lower-case host, no path).
    found, problem = parse_origins(args.origin, "en")
    if problem or len(found) != 1:
        print("error: give an origin such as https://www.example.ca (no path)", file=sys.stderr)
        return 2
    origin = found[0]
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        survey = surveys.get_survey(session, args.survey)
        if survey is None:
            print(f"error: no survey {args.survey!r}", file=sys.stderr)
            return 2
        added = surveys.allow_origin(survey, origin)
        session.add(survey)
    print(f"{origin} {'may now embed' if added else 'could already embed'} survey {args.survey}.")
    return 0


def cmd_surveys_enable_channel(args: argparse.Namespace) -> int:
    """Offer a survey on one more channel (audited as done from the command line)."""
    if args.channel not in CHANNELS:
        print(f"error: unknown channel (channels: {', '.join(CHANNELS)})", file=sys.stderr)
        return 2
    with engine_for(settings_from(args)) as engine, session_scope(engine) as session:
        survey = surveys.get_survey(session, args.survey)
        if survey is None:
            print(f"error: no survey {args.survey!r}", file=sys.stderr)
            return 2
        before = list(survey.channels)
        if args.channel not in before:
            survey.channels = [c for c in CHANNELS if c in {*before, args.channel}]
            session.add(survey)
            audit.record(
                session,
                "cli",
                "survey.channel_enable",
                f"survey:{survey.id}",
                channel=args.channel,
                before=before,
            )
    state = "is now" if args.channel not in before else "was already"
    print(f"Survey {args.survey} {state} offered on {args.channel}.")
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    """Write a QR code of a survey's hosted link (SVG or PNG) for posters and letters."""
    settings = settings_from(args)
    with engine_for(settings) as engine, session_scope(engine) as session:
        survey = surveys.get_survey(session, args.survey)
        channels = list(survey.channels) if survey else []
    # A link without a channel is a web link: offered only if the survey is on the web.
    if survey is None or (args.channel or "web") not in channels:
        problem = f"no survey {args.survey!r}" if survey is None else "channel not offered"
        hint = f"; offer it with: feedback surveys enable-channel {args.survey} CHANNEL"
        print(f"error: {problem} (channels: {', '.join(channels)}{hint})", file=sys.stderr)
        return 2
    where = {"lang": args.lang, "channel": args.channel, "touchpoint": args.touchpoint}
    url = snippets.hosted_url(settings.base_url, args.survey, **where)
    Path(args.output).write_bytes(qr.render(url, args.format))
    print(f"{args.output}: {url}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `surveys list`, `surveys allow-origin` and `qr`."""
    add = adder(sub)
    srv = group(sub, "surveys", "surveys")
    p = add("list", cmd_surveys_list, "list surveys", srv)
    p.add_argument("--json", action="store_true")
    p = add("allow-origin", cmd_surveys_allow_origin, "let a site embed a survey", srv)
    p.add_argument("survey")
    p.add_argument("origin")
    p = add("enable-channel", cmd_surveys_enable_channel, "offer a survey on a channel", srv)
    p.add_argument("survey")
    p.add_argument("channel")

    p = add("qr", cmd_qr, "write a QR code of a survey's link for posters and letters")
    p.add_argument("survey")
    p.add_argument("--channel", help="e.g. mail for letters, in_person for counter posters")
    p.add_argument("--touchpoint", help="a free label: the poster's place, the letter's name")
    p.add_argument("--lang", choices=("en", "fr"))
    p.add_argument("--format", choices=("svg", "png"), default="svg")
    p.add_argument("-o", "--output", required=True)
