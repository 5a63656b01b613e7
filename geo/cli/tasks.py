"""Command line for volunteer tasks, for the town's staff and for scripts:

- ``python -m geo tasks add|dispatch|take|done|rate|cancel``: the loop, step by step;
- ``python -m geo tasks list|stats|export``: public fields only (community, category, state, days);
- ``python -m geo tasks purge``: apply the retention time now (the app also does it as it runs);
- ``python -m geo volunteers add|list|remove|invite`` and ``python -m geo dispatchers add|list|remove``.

Exit codes as elsewhere: 0 done, 1 refused or invalid (one line saying why, e.g. another volunteer
took the task first), 2 wrong usage, 3 an output file could not be written.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from geo.cli.common import add_lang_option, print_payload, report_error
from geo.errors import GeoDataError
from geo.place.reference import community_names

#: Default time window of a task asked from the command line: from now, this long.
DEFAULT_WINDOW = timedelta(hours=2)


def _store(args: argparse.Namespace):  # noqa: ANN202 (lazy: other commands stay light)
    from geo.tasks.store import TaskStore

    return TaskStore(args.database, photos_dir=args.photos_dir)


def _community(text: str) -> str:
    from geo.place.reference import load_communities
    from geo.tasks.places import find_community

    code = find_community(text, load_communities())
    if code is None:
        from geo.errors import InvalidTaskError

        raise InvalidTaskError("task_error_community", code=text[:20])
    return code


def _moment(text: str) -> datetime:
    """An ISO time; naive means Asia/Shanghai."""
    from zoneinfo import ZoneInfo

    from geo.register.model import LOCAL_TIMEZONE

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time such as 2026-12-01T09:30") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(LOCAL_TIMEZONE))


def _password(args: argparse.Namespace) -> str:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")


def _volunteer(store, name: str):  # noqa: ANN001, ANN202
    from geo.errors import NotAllowedError
    from geo.tasks.vocabulary import Role

    account = store.account(name)
    if account is None or account.role is not Role.VOLUNTEER or not account.active:
        raise NotAllowedError("task_error_no_volunteer", name=name[:20])
    return account


def _step(step, as_json: bool) -> int:  # noqa: ANN001
    print_payload({"code": step.code, "from": None if step.from_state is None else step.from_state.value,
            "to": step.to_state.value, "at": step.at.isoformat(), "repeated": step.repeated}, as_json)
    return 0


# tasks ------------------------------------------------------------------------------------------


def _cmd_add(args: argparse.Namespace) -> int:
    from geo.tasks.vocabulary import PlaceSource, TaskCategory, parse_choice

    try:
        category = parse_choice(TaskCategory, "category", args.category)
    except ValueError as err:
        return report_error(err, args.json)
    if (args.lon is None) != (args.lat is None):
        print("give both --lon and --lat, or neither (then --community is needed)", file=sys.stderr)
        return 2
    if args.lon is None and not args.community:
        print("give --lon/--lat or --community", file=sys.stderr)
        return 2
    try:
        if args.community:
            community = _community(args.community)
        else:
            from geo.place.reference import load_communities
            from geo.register.geojson import load_stations
            from geo.tasks.places import community_centres, nearest_community

            community = nearest_community(community_centres(load_stations(), load_communities()), args.lon, args.lat)
        store = _store(args)
        start = args.start or store.clock()
        end = args.end or start + DEFAULT_WINDOW
        filed = store.request(category=category, community_code=community, window_start=start, window_end=end,
                              place_source=PlaceSource.COMMUNITY if args.lon is None else PlaceSource.MAP,
                              lon=args.lon, lat=args.lat, note=args.note, contact=args.contact)
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload({"code": filed.code, "community_code": filed.community_code, "state": "new",
            "created_at": filed.created_at.isoformat(), "status_path": f"/ask?code={filed.code}"}, args.json)
    return 0


def _cmd_dispatch(args: argparse.Namespace) -> int:
    from geo.tasks.accounts import Actor

    try:
        return _step(_store(args).dispatch(args.code, Actor.staff(args.user), to=args.to), args.json)
    except GeoDataError as err:
        return report_error(err, args.json)


def _cmd_take(args: argparse.Namespace) -> int:
    try:
        store = _store(args)
        return _step(store.take(args.code, _volunteer(store, args.volunteer)), args.json)
    except GeoDataError as err:
        return report_error(err, args.json)


def _cmd_done(args: argparse.Namespace) -> int:
    try:
        photo = args.photo.read_bytes() if args.photo else None
        store = _store(args)
        return _step(store.finish(args.code, _volunteer(store, args.volunteer), photo=photo, note=args.note),
                     args.json)
    except GeoDataError as err:
        return report_error(err, args.json)


def _cmd_rate(args: argparse.Namespace) -> int:
    try:
        return _step(_store(args).rate(args.code, args.stars, args.words), args.json)
    except GeoDataError as err:
        return report_error(err, args.json)


def _cmd_cancel(args: argparse.Namespace) -> int:
    from geo.tasks.accounts import Actor
    from geo.tasks.vocabulary import CancelReason, parse_choice

    try:
        reason = parse_choice(CancelReason, "reason", args.reason)
        return _step(_store(args).cancel(args.code, Actor.staff(args.user), reason), args.json)
    except (GeoDataError, ValueError) as err:
        return report_error(err, args.json)


def _public(args: argparse.Namespace):  # noqa: ANN202
    from geo.place.reference import load_communities
    from geo.tasks.analysis import public_table
    from geo.tasks.vocabulary import TaskState, parse_choice

    communities = load_communities()
    names = community_names(communities, args.lang)
    table = public_table(_store(args).tasks_frame(), args.lang, names)
    if getattr(args, "state", None):
        states = [parse_choice(TaskState, "state", s).value for s in args.state]
        table = table[table["state"].isin(states)]
    if getattr(args, "community", None):
        table = table[table["community_code"] == _community(args.community)]
    return table.reset_index(drop=True)


def _cmd_list(args: argparse.Namespace) -> int:
    try:
        table = _public(args)
    except (GeoDataError, ValueError) as err:
        return report_error(err, args.json)
    rows = json.loads(table.to_json(orient="records", force_ascii=False))
    if args.json:
        print_payload(rows, True)
    else:
        print(table.to_string(index=False) if len(table) else "no tasks")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from geo.tasks.analysis import count_tasks

    try:
        store = _store(args)
        counts = count_tasks(store.tasks_frame(), store.clock())
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload(counts.to_dict(), args.json)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from geo.tables import write_bytes_atomic
    from geo.tasks.analysis import export_tasks

    try:
        table = _public(args)
    except (GeoDataError, ValueError) as err:
        return report_error(err, args.json)
    content = export_tasks(table, args.format, args.lang)
    try:
        write_bytes_atomic(content, args.out)
    except OSError as err:
        print(f"{args.out}: not written ({err.strerror or err})", file=sys.stderr)
        return 3
    print_payload({"out": str(args.out), "format": args.format, "tasks": len(table), "bytes": len(content)}, args.json)
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    try:
        store = _store(args)
        purged = store.purge_expired()
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload({"purged": purged, "retention_days": store.retention.days}, args.json)
    return 0


# accounts ---------------------------------------------------------------------------------------


def _account_row(account) -> dict:  # noqa: ANN001
    return {"name": account.name, "shown_name": account.shown_name, "role": account.role.value,
            "community_code": account.community_code, "active": account.active}


def _cmd_account_add(args: argparse.Namespace) -> int:
    try:
        community = _community(args.community)
        account = _store(args).add_account(args.role, args.name, community_code=community, password=_password(args),
                                           shown_name=args.show_as, created_by=args.user)
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload(_account_row(account), args.json)
    return 0


def _cmd_account_list(args: argparse.Namespace) -> int:
    try:
        community = _community(args.community) if args.community else None
        accounts = _store(args).accounts(role=args.role, community_code=community)
    except GeoDataError as err:
        return report_error(err, args.json)
    rows = [_account_row(a) for a in accounts]
    if args.json:
        print_payload(rows, True)
    else:
        print_payload(rows, False) if rows else print(f"no {args.role}s")
    return 0


def _cmd_account_remove(args: argparse.Namespace) -> int:
    try:
        account = _store(args).set_active(args.name, False)
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload(_account_row(account), args.json)
    return 0


def _cmd_invite(args: argparse.Namespace) -> int:
    try:
        invitation = _store(args).invite(_community(args.community), created_by=args.user, uses=args.uses,
                                         valid_days=args.days)
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload({"invitation": invitation.code, "community_code": invitation.community_code, "uses": invitation.uses,
            "expires_at": invitation.expires_at.isoformat(), "register_path": f"/volunteer?invite={invitation.code}"},
           args.json)
    return 0


def register_task_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``tasks``, ``volunteers`` and ``dispatchers`` to the ``python -m geo`` commands."""
    import os

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", default=None,
                        help="database URL (default: GAOHE_DATABASE_URL, else data/reports.sqlite3)")
    common.add_argument("--photos-dir", type=Path, default=None,
                        help="folder of the photos of finished tasks (default: GAOHE_TASK_PHOTOS, else task_photos/ "
                             "beside a SQLite database, else data/task_photos)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--user", default=os.environ.get("USER", "cli"), help="who makes the change (kept with it)")
    public = argparse.ArgumentParser(add_help=False)
    public.add_argument("--state", action="append", help="only this state: code or word, e.g. 已完成 or done (repeatable)")
    public.add_argument("--community", help="only this village/community: code or name")
    add_lang_option(public, "the words")

    tasks = commands.add_parser("tasks", help="volunteer tasks: residents ask, dispatchers dispatch, volunteers take")
    task_commands = tasks.add_subparsers(dest="tasks_command", required=True)
    add = task_commands.add_parser("add", parents=[common], help="a resident's request (点单); prints its code")
    add.add_argument("--category", required=True, help="送餐 送药 代购 陪伴 出行 维修 其他 (or meal, medicine...)")
    add.add_argument("--lon", type=float, help="longitude of the place (WGS-84 degrees)")
    add.add_argument("--lat", type=float, help="latitude of the place (WGS-84 degrees)")
    add.add_argument("--community", help="village/community (code or name); default: the nearest to the place")
    add.add_argument("--note", help="what is needed (seen by the community's volunteers)")
    add.add_argument("--contact", help="how to reach the resident (seen only by the dispatcher and the volunteer)")
    add.add_argument("--from", dest="start", type=_moment, help="start of the time window, ISO (default now)")
    add.add_argument("--to", dest="end", type=_moment, help="end of the time window, ISO (default 2 hours later)")
    add.set_defaults(run=_cmd_add)
    dispatch = task_commands.add_parser("dispatch", parents=[common, who], help="派单: to a named volunteer or open")
    dispatch.add_argument("code")
    target = dispatch.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", help="the volunteer's sign-in name")
    target.add_argument("--open", action="store_true", help="open to all volunteers of the community")
    dispatch.set_defaults(run=_cmd_dispatch)
    take = task_commands.add_parser("take", parents=[common], help="接单: exit 0 when taken, 1 with the reason if not")
    take.add_argument("code")
    take.add_argument("--volunteer", required=True, help="the volunteer's sign-in name")
    take.set_defaults(run=_cmd_take)
    done = task_commands.add_parser("done", parents=[common], help="the volunteer finished the task")
    done.add_argument("code")
    done.add_argument("--volunteer", required=True)
    done.add_argument("--photo", type=Path, help="a photo (JPEG/PNG/HEIC; stored without any metadata)")
    done.add_argument("--note", help="a short note for the dispatcher and the resident")
    done.set_defaults(run=_cmd_done)
    rate = task_commands.add_parser("rate", parents=[common], help="评单: the resident's stars and words")
    rate.add_argument("code")
    rate.add_argument("--stars", type=int, required=True, choices=range(1, 6))
    rate.add_argument("--words", help="a few words")
    rate.set_defaults(run=_cmd_rate)
    cancel = task_commands.add_parser("cancel", parents=[common, who], help="cancel a task not yet done")
    cancel.add_argument("code")
    cancel.add_argument("--reason", required=True,
                        help="no_volunteer, duplicate, not_a_volunteer_task, resident_withdrew, other (or the words)")
    cancel.set_defaults(run=_cmd_cancel)
    listing = task_commands.add_parser("list", parents=[common, public], help="tasks, newest first (public fields)")
    listing.set_defaults(run=_cmd_list)
    stats = task_commands.add_parser("stats", parents=[common], help="counts; this month's figures and points list")
    stats.set_defaults(run=_cmd_stats)
    export = task_commands.add_parser("export", parents=[common, public], help="tasks as CSV or Excel (public fields)")
    export.add_argument("out", type=Path)
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.set_defaults(run=_cmd_export)
    purge = task_commands.add_parser("purge", parents=[common],
                                     help="delete contacts, places, texts and photos past the retention time")
    purge.set_defaults(run=_cmd_purge)

    _register_account_commands(commands, common, who)


def _register_account_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser,
                               who: argparse.ArgumentParser) -> None:
    """``volunteers add|list|remove|invite`` and ``dispatchers add|list|remove``."""
    for role, plural in (("volunteer", "volunteers"), ("dispatcher", "dispatchers")):
        group = commands.add_parser(plural, help=f"{role}s of the volunteer tasks, per village/community")
        group_commands = group.add_subparsers(dest=f"{plural}_command", required=True)
        adder = group_commands.add_parser("add", parents=[common, who], help=f"register a {role}")
        adder.add_argument("name", help="sign-in name")
        adder.add_argument("--community", required=True, help="village/community: code or name")
        if role == "volunteer":
            adder.add_argument("--show-as", help="the name shown to residents and on the monthly list (default NAME)")
        adder.add_argument("--password-stdin", action="store_true",
                           help="read the password from standard input (default: ask for it)")
        adder.set_defaults(run=_cmd_account_add, role=role, show_as=None)
        lister = group_commands.add_parser("list", parents=[common], help=f"the {role}s")
        lister.add_argument("--community", help="only this village/community")
        lister.set_defaults(run=_cmd_account_list, role=role)
        remover = group_commands.add_parser("remove", parents=[common],
                                            help=f"a {role} can no longer sign in (their finished tasks stay)")
        remover.add_argument("name")
        remover.set_defaults(run=_cmd_account_remove)
        if role == "volunteer":
            inviter = group_commands.add_parser("invite", parents=[common, who],
                                                help="an invitation code riders register with on the volunteer page")
            inviter.add_argument("--community", required=True, help="village/community: code or name")
            inviter.add_argument("--uses", type=int, default=10, help="how many riders may register with it (default 10)")
            inviter.add_argument("--days", type=int, default=7, help="days it is valid (default 7)")
            inviter.set_defaults(run=_cmd_invite)
