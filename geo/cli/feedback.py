"""``reports``: riders' reports (hazards, station feedback) on the command line: counts, lists,
exports and state changes."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from geo.cli.common import add_lang_option, print_json, report_error, write_output


def _open_report_store(args: argparse.Namespace):  # noqa: ANN202 (lazy import keeps other commands light)
    from geo.feedback.store import ReportStore

    return ReportStore(args.database, photos_dir=args.photos_dir)


def _cmd_reports_stats(args: argparse.Namespace) -> int:
    from geo.errors import ReportError
    from geo.feedback.analysis import count_reports

    try:
        counts = count_reports(_open_report_store(args).reports_frame())
    except ReportError as err:
        return report_error(err, args.json)
    if args.json:
        print_json(counts.to_dict())
    else:
        print(f"reports: {counts.total}, resolved: {counts.resolved}")
        for title, table in (("state", counts.by_state), ("category", counts.by_category), ("month", counts.by_month)):
            print(f"by {title}:")
            for key, value in table.items():
                print(f"  {key:<28}{value:>6}")
    return 0


def _report_filters(args: argparse.Namespace) -> dict[str, Any]:
    from geo.feedback.vocabulary import parse_state

    return {"states": [parse_state(s) for s in args.state] if args.state else None,
            "kinds": [args.kind] if args.kind else None}


def _cmd_reports_list(args: argparse.Namespace) -> int:
    from geo.errors import ReportError
    from geo.feedback.analysis import reports_table

    try:
        table = reports_table(_open_report_store(args).reports_frame(**_report_filters(args)), args.lang)
    except (ReportError, ValueError) as err:
        return report_error(err, args.json)
    if args.json:
        print_json(json.loads(table.to_json(orient="records", force_ascii=False)))
    else:
        columns = ["reference", "state_label", "subject_label", "station_id", "created_local", "group_id", "note"]
        print(table[columns].to_string(index=False) if len(table) else "no reports")
    return 0


def _cmd_reports_export(args: argparse.Namespace) -> int:
    from geo.errors import ReportError
    from geo.feedback.analysis import export_reports, reports_table

    try:
        store = _open_report_store(args)
        reports = store.reports_frame(**_report_filters(args))
        table = reports_table(reports, args.lang, store.events_frame(reports["id"]))
        content = export_reports(table, args.format, args.lang, with_planners=args.with_planners)
    except (ReportError, ValueError) as err:
        return report_error(err, args.json)
    write_output(content, args.out)
    if args.json:
        print_json({"out": str(args.out), "format": args.format, "reports": len(table), "bytes": len(content)})
    return 0


def _cmd_reports_set_state(args: argparse.Namespace) -> int:
    from geo.errors import ReportError
    from geo.feedback.vocabulary import parse_state

    try:
        store = _open_report_store(args)
        report_id = store.report_id(args.reference)
        if report_id is None:
            return report_error(ValueError(f"no report has the reference {args.reference!r}"), args.json)
        event = store.change_state(report_id, parse_state(args.state), actor=args.user, answer=args.answer)
    except (ReportError, ValueError) as err:
        return report_error(err, args.json)
    if args.json:
        print_json({"reference": args.reference, "from": event.from_state, "to": event.to_state,
                     "actor": event.actor, "at": event.at.isoformat()})
    else:
        print(f"{args.reference}: {event.from_state} -> {event.to_state}")
    return 0


def add_feedback_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``reports`` and its sub-commands."""
    reports = commands.add_parser("reports", help="rider reports (hazards, station feedback): counts, lists, exports")
    report_commands = reports.add_subparsers(dest="reports_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", default=None,
                        help="database URL (default: GAOHE_DATABASE_URL, else data/reports.sqlite3)")
    common.add_argument("--photos-dir", type=Path, default=None,
                        help="folder of report photos (default: GAOHE_REPORT_PHOTOS, else report_photos/ beside a "
                        "SQLite database, else data/report_photos)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--state", action="append", help="only this state: code or label, e.g. 新 or new (repeatable)")
    filters.add_argument("--kind", choices=["hazard", "station"], help="only hazards or only station feedback")
    add_lang_option(filters, "the labels")

    stats = report_commands.add_parser("stats", parents=[common], help="counts by category, state and month")
    stats.set_defaults(run=_cmd_reports_stats)
    listing = report_commands.add_parser("list", parents=[common, filters], help="reports, newest first")
    listing.set_defaults(run=_cmd_reports_list)
    report_export = report_commands.add_parser("export", parents=[common, filters], help="reports as CSV or Excel")
    report_export.add_argument("out", type=Path)
    report_export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    report_export.add_argument("--with-planners", action="store_true",
                               help="add who handled each report (planners' names: keep such files internal)")
    report_export.set_defaults(run=_cmd_reports_export)
    set_state = report_commands.add_parser("set-state", parents=[common], help="move a report to a new state (logged)")
    set_state.add_argument("reference", help="the report's reference code, e.g. GH-4K7P-2XQM")
    set_state.add_argument("state", help="new state: code or label, e.g. 已解决 or resolved")
    set_state.add_argument("--user", default=os.environ.get("USER", "cli"), help="who makes the change")
    set_state.add_argument("--answer", default=None, help="answer shown to the reporter")
    set_state.set_defaults(run=_cmd_reports_set_state)
