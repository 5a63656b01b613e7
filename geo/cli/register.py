"""The station register on the command line: ``validate``, ``stations``, ``import`` (a per-row plan,
then a logged save), ``todo`` (the survey team's list), ``verify``, ``export`` and
``hash-password`` (for the editors who may change it)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from geo.cli.common import add_lang_option, print_json, report_error, report_invalid, score, usage_error, write_output
from geo.errors import GeoDataError, StationDataError
from geo.i18n import label_of
from geo.place.datum import Datum, convert
from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.register.counts import count_by_type
from geo.register.geojson import load_stations
from geo.register.model import StationType
from geo.tables import csv_bytes, xlsx_bytes

if TYPE_CHECKING:
    from geo.register.import_plan import ImportPlan, ImportSettings


def _cmd_validate(args: argparse.Namespace) -> int:
    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return report_invalid(err, args.json)
    if args.json:
        print_json({"valid": True, "file": Path(args.file).name, "stations": len(stations), "problems": []})
    else:
        print(f"{args.file}: valid, {len(stations)} stations")
    return 0


def _cmd_stations(args: argparse.Namespace) -> int:
    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return report_invalid(err, args.json)
    counts = count_by_type(stations)
    if args.json:
        print_json(
            {
                "file": Path(args.file).name,
                "total": int(counts["count"].sum()),
                "by_type": {row.station_type: int(row.count) for row in counts.itertuples()},
                "unverified_positions": int(counts["unverified"].sum()),
                "verified_by_type": {row.station_type: int(row.count - row.unverified) for row in counts.itertuples()},
            }
        )
    else:
        for row in counts.itertuples():
            print(f"{row.station_type:<14}{row.count:>5}  ({row.unverified} unverified)")
        print(f"{'total':<14}{counts['count'].sum():>5}")
    return 0


def _import_settings(args: argparse.Namespace) -> ImportSettings | str:
    """The import settings the options ask for, or what is wrong with them (a usage error)."""
    from geo.place.reference import load_communities
    from geo.register.import_plan import CHOOSE_NEW, ImportSettings
    from geo.register.normalise import (
        IMPORT_FIELDS,
        CommunityIndex,
        parse_amenities,
        parse_opening_hours,
        parse_station_type,
    )

    station_type = None
    if args.type is not None:
        kind = parse_station_type(args.type)
        if kind is None:
            return f"--type {args.type!r} is not a station type ({', '.join(t.value for t in StationType)})"
        station_type = kind.value
    community = None
    if args.community is not None:
        community = CommunityIndex.from_table(load_communities()).find(args.community)
        if community is None:
            return f"--community {args.community!r} is not one of Gaohe's 24 villages/communities"
    hours = None
    if args.hours is not None:
        hours = parse_opening_hours(args.hours)
        if hours is None:
            return f"--hours {args.hours!r} is not understood (write e.g. 8:00-20:00 or 周一至周五 8:30-17:30)"
    amenities = None
    if args.amenities is not None:
        found, unknown = parse_amenities(args.amenities)
        if unknown:
            return f"--amenities: not understood: {', '.join(unknown)}"
        amenities = tuple(found)
    columns = None
    if args.column:
        columns = {}
        for item in args.column:
            field_name, _, header = item.partition("=")
            if field_name not in IMPORT_FIELDS or not header:
                return f"--column {item!r}: expected FIELD=COLUMN with FIELD one of {', '.join(IMPORT_FIELDS)}"
            columns[field_name] = header
    choices = {}
    for item in args.choose or []:
        row, _, choice = item.partition("=")
        if not row.isdigit() or not choice:
            return f"--choose {item!r}: expected ROW=ID or ROW={CHOOSE_NEW}"
        choices[int(row)] = choice
    row_types = {}
    for item in args.row_type or []:
        row, _, type_text = item.partition("=")
        kind = parse_station_type(type_text)
        if not row.isdigit() or kind is None:
            return (f"--row-type {item!r}: expected ROW=TYPE with TYPE one of "
                    f"{', '.join(t.value for t in StationType)} (or 红色驿站, 停放点 ...)")
        row_types[int(row)] = kind.value
    return ImportSettings(datum=Datum(args.datum or "wgs84"), columns=columns, station_type=station_type,
                          community_code=community, operator=args.operator, opening_hours=hours, amenities=amenities,
                          match=args.match, min_score=args.min_score, mode=args.mode, choices=choices,
                          row_types=row_types, accept_far_moves=args.accept_far_moves)


def _import_usage_problem(args: argparse.Namespace, table, settings: "ImportSettings", register) -> str | None:
    """What the options leave unsaid or name wrongly for this file (a usage error), or None:
    coordinates without a datum (read as WGS-84, GCJ-02 ones would all move ~550 m), --choose
    or --row-type naming a row the sheet does not have, --choose naming no station."""
    from geo.register.import_plan import CHOOSE_NEW, sheet_gives_coordinates, stated_datum

    if args.datum is None and stated_datum(table, settings.columns) is None and sheet_gives_coordinates(table, settings.columns):
        return ("the file gives coordinates but not their datum: say --datum wgs84|gcj02|bd09 "
                "(gcj02: Amap/Tencent, bd09: Baidu, wgs84: GPS)")
    rows = {row for row, _ in table.records()}
    for option, named in (("--choose", settings.choices), ("--row-type", settings.row_types)):
        if (missing := sorted(set(named) - rows)):
            return (f"{option}: the sheet has no row {', '.join(map(str, missing))} "
                    f"(data rows are {min(rows, default=0)}-{max(rows, default=0)}; the header is row {table.header_row})")
    unknown = sorted({c for c in settings.choices.values() if c != CHOOSE_NEW} - set(register["id"]))
    if unknown:
        return f"--choose: no station {', '.join(unknown)} in the register (or ROW={CHOOSE_NEW})"
    return None


def _print_plan(plan: "ImportPlan", lang: str) -> None:
    from geo.errors import MAX_PROBLEMS_SHOWN
    from geo.i18n import t

    lines = 0
    for problem in [*plan.file_problems, *plan.file_warnings]:
        print(f"! {problem.text(lang)}")
    for row in plan.rows:
        matched = t(f"cli_import_matched_{row.matched_by}", lang) if row.matched_by else ""
        where = f"{row.station_id or '-'}" + (f" ({matched} {row.score:.0f})" if row.score is not None else "")
        moved = f"  {t('cli_import_moved', lang, m=row.move_m)}" if row.move_m is not None else ""
        position = f"  {row.new_lonlat[0]:.6f},{row.new_lonlat[1]:.6f}" if row.new_lonlat else ""
        flag = f"  [{t('cli_import_far', lang)}]" if row.far_move else ""
        kind = row.properties.get("station_type")
        kind_text = f"  [{label_of('station_type', kind, lang)}]" if kind else ""
        print(f"{t('cli_import_row', lang, row=row.row):<7} {t(f'import_action_{row.action}', lang):<9} {where:<22} "
              f"{row.name}{kind_text}{position}{moved}{flag}")
        for problem in [*row.problems, *row.warnings]:
            lines += 1
            if lines <= MAX_PROBLEMS_SHOWN:
                print(f"          - {problem.text(lang)}")
    if lines > MAX_PROBLEMS_SHOWN:
        print(f"          {t('cli_import_more', lang, n=lines - MAX_PROBLEMS_SHOWN)}")


def _cmd_import(args: argparse.Namespace) -> int:
    from geo.errors import GeocodingError, SheetError
    from geo.place.geocode import address_geocoder, geocoder_config
    from geo.place.reference import load_communities, load_county_boundary
    from geo.register.import_plan import apply_import_plan, build_import_plan, stated_datum
    from geo.register.sheets import read_station_table
    from geo.register.store import StationStore
    from geo.register.validate import PlaceChecker

    settings = _import_settings(args)
    if isinstance(settings, str):
        return usage_error(settings)
    store = StationStore(args.file)
    try:
        register, version = store.read()
    except StationDataError as err:
        return report_invalid(err, args.json)
    geocode = geocoder_name = None
    if not args.no_geocode:
        try:
            config = geocoder_config()
        except GeocodingError as err:
            return usage_error(str(err))
        if config is not None:
            geocode, geocoder_name = address_geocoder(config), config.provider
    try:
        table = read_station_table(args.source, sheet=args.sheet)
        if (usage := _import_usage_problem(args, table, settings, register)) is not None:
            return usage_error(usage)
        if args.datum is None:
            settings = replace(settings, datum=stated_datum(table, settings.columns) or Datum.WGS84)
        plan = build_import_plan(table, register, settings, communities=load_communities(),
                                 checker=PlaceChecker(load_county_boundary()), geocode=geocode,
                                 geocoder_name=geocoder_name)
    except SheetError as err:
        if args.json:
            print_json({"valid": False, "file": err.source, "problems": [p.to_dict(args.lang) for p in err.problems],
                         "total_problems": err.total, "saved": False})
        else:
            print(err.localized(args.lang), file=sys.stderr)
        return 1
    except ValueError as err:  # a --column naming no column of the sheet
        return usage_error(str(err))
    report = plan.to_dict(args.lang)
    report["saved"] = False
    apply = not args.dry_run and not plan.file_problems and (plan.valid or args.partial) and plan.ready_rows()
    if apply:
        outcome = apply_import_plan(plan, register, partial=args.partial)
        try:
            report["version"] = store.save(outcome.stations, expected_version=version, user=args.user,
                                           summary=outcome.summary(plan.source))
            report["saved"] = True
            report["applied_rows"], report["left_out_rows"] = list(outcome.applied_rows), list(outcome.left_out_rows)
        except GeoDataError as err:
            report["save_error"] = err.localized(args.lang)
    if args.json:
        print_json(report)
    else:
        from geo.i18n import t

        _print_plan(plan, args.lang)
        if report["saved"] and report["left_out_rows"]:
            outcome_text = t("cli_import_saved_partial", args.lang, applied=len(report["applied_rows"]),
                             left=len(report["left_out_rows"]), rows=", ".join(map(str, report["left_out_rows"])))
        elif report["saved"]:
            outcome_text = t("cli_import_saved", args.lang)
        else:
            outcome_text = t("cli_import_dry_run" if args.dry_run else "cli_import_not_saved", args.lang)
        print(t("import_summary", args.lang, **plan.counts()) + " " + outcome_text)
        if "save_error" in report:
            print(report["save_error"], file=sys.stderr)
    # 0: everything can be imported, or a --partial run saved the rows that could (the rest are
    # listed as left out); 1: rows cannot be imported and nothing was saved, or the save failed
    return 0 if (plan.valid or report["saved"]) and "save_error" not in report else 1


def _cmd_todo(args: argparse.Namespace) -> int:
    from geo.place.reference import load_communities
    from geo.register.survey import survey_todo

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return report_invalid(err, args.json)
    table = survey_todo(stations, load_communities(), args.lang)
    write_output(csv_bytes(table) if args.format == "csv" else xlsx_bytes({"todo": table}), args.out)
    if args.json:
        print_json({"out": str(args.out), "format": args.format, "stations": len(table)})
    else:
        print(f"{args.out}: {len(table)} stations to verify")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.place.reference import load_county_boundary
    from geo.register.store import StationStore
    from geo.register.survey import Verification, gps_method, pasted_method, verify_station
    from geo.register.validate import PlaceChecker

    store = StationStore(args.file)
    try:
        stations, version = store.read()
    except StationDataError as err:
        return report_invalid(err, args.json)
    lon, lat = (float(v) for v in convert(args.lon, args.lat, source=Datum(args.datum), target=Datum.WGS84))
    if found := PlaceChecker(load_county_boundary()).problem(lon, lat):
        return report_error(GeoDataError(found[0], **found[1]), args.json)
    method = args.method or (gps_method(args.accuracy_m) if args.accuracy_m is not None else pasted_method(args.datum))
    try:
        result = verify_station(stations, Verification(args.station_id, (lon, lat), method, args.user,
                                                       date.fromisoformat(args.on) if args.on else date.today(),
                                                       accuracy_m=args.accuracy_m, reason=args.reason))
        store.save(result.stations, expected_version=version, user=args.user, summary=result.summary)
    except GeoDataError as err:
        return report_error(err, args.json)
    if args.json:
        print_json({"id": args.station_id, "lon": round(lon, 7), "lat": round(lat, 7), "method": method,
                     "moved_m": round(result.moved_m, 1), "saved": True})
    else:
        print(result.summary)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from geo.register.exchange import export_stations

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return report_invalid(err, args.json)
    content = export_stations(stations, args.format, args.datum)
    write_output(content, args.out)
    if args.json:
        print_json({"out": str(args.out), "format": args.format, "datum": args.datum, "stations": len(stations),
                     "bytes": len(content)})
    return 0


def _cmd_hash_password(args: argparse.Namespace) -> int:
    import getpass

    from geo.auth import hash_password

    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass("password: ")
    if len(password) < 8:
        print("use at least 8 characters", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def _add_validate_command(commands: argparse._SubParsersAction) -> None:
    validate = commands.add_parser("validate", help="check a station GeoJSON file; exit 1 listing every problem")
    validate.add_argument("file", type=Path)
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.set_defaults(run=_cmd_validate)


def _add_stations_command(commands: argparse._SubParsersAction) -> None:
    stations = commands.add_parser("stations", help="count stations by type")
    stations.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH)
    stations.add_argument("--json", action="store_true", help="machine-readable output")
    stations.set_defaults(run=_cmd_stations)


def _add_importer_command(commands: argparse._SubParsersAction) -> None:
    importer = commands.add_parser(
        "import", help="import a station list (Excel, CSV, KML, GeoJSON): a per-row plan, then a logged save",
        description="Exit 0: every row can be imported (and was saved, unless --dry-run), or a --partial run saved the "
                    "rows that could be (the others are listed as left out); 1: some row cannot be imported and nothing "
                    "was saved, the file cannot be read, or the save failed; 2: wrong usage (e.g. coordinates without "
                    "--datum when the headers do not name it).")
    importer.add_argument("source", type=Path)
    importer.add_argument("--datum", choices=[d.value for d in Datum], default=None,
                          help="datum of the file's coordinates: gcj02 (Amap/Tencent), bd09 (Baidu), wgs84 (GPS); "
                               "required when the file gives coordinates and neither its headers (经度(高德)) nor a "
                               "datum column nor the file itself says which")
    importer.add_argument("--type", help="station type of every row that names none (e.g. red, 红色驿站)")
    importer.add_argument("--community", help="village/community of every row that names none (e.g. 骑龙)")
    importer.add_argument("--operator", help="operator of every row that names none")
    importer.add_argument("--hours", help="opening hours of every row that gives none (e.g. 8:00-20:00)")
    importer.add_argument("--amenities", help="amenities of every row that lists none (e.g. 桌椅、热水)")
    importer.add_argument("--match", choices=["auto", "id", "name"], default="auto",
                          help="match rows to stations by id where given, else by name (auto); or only by id / name")
    importer.add_argument("--min-score", type=score, default=80.0, help="name similarity (0-100) that counts as a match")
    importer.add_argument("--row-type", action="append", metavar="ROW=TYPE",
                          help="station type of one sheet row (e.g. 7=parking, 7=停放点); wins over the sheet and the "
                               "name; repeatable")
    importer.add_argument("--choose", action="append", metavar="ROW=ID",
                          help="for a row whose name matches several stations: which one (or ROW=new); repeatable")
    importer.add_argument("--column", action="append", metavar="FIELD=COLUMN",
                          help="which sheet column holds a field (e.g. name_zh=站名); repeatable; default: guessed")
    importer.add_argument("--sheet", help="worksheet of an Excel file (default: the first)")
    importer.add_argument("--mode", choices=["merge", "replace"], default="merge",
                          help="merge into the register (default), or replace it: stations no row names are removed")
    importer.add_argument("--accept-far-moves", action="store_true", help="also apply moves over 2 km (flagged)")
    importer.add_argument("--partial", action="store_true",
                          help="save the rows that can be imported even when others cannot (they are listed)")
    importer.add_argument("--no-geocode", action="store_true", help="do not geocode addresses even if a geocoder is set")
    importer.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    importer.add_argument("--user", default=os.environ.get("USER", "cli"), help="who makes the change (change log)")
    add_lang_option(importer, "the messages")
    importer.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register to update")
    importer.add_argument("--json", action="store_true", help="machine-readable output")
    importer.set_defaults(run=_cmd_import)


def _add_todo_command(commands: argparse._SubParsersAction) -> None:
    todo = commands.add_parser("todo", help="the survey team's list of stations to verify (CSV or Excel)")
    todo.add_argument("out", type=Path)
    todo.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    add_lang_option(todo, "the headers and labels")
    todo.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    todo.add_argument("--json", action="store_true", help="machine-readable output")
    todo.set_defaults(run=_cmd_todo)


def _add_verify_command(commands: argparse._SubParsersAction) -> None:
    verify = commands.add_parser("verify", help="record a station's verified position (logged save)")
    verify.add_argument("station_id")
    verify.add_argument("--lon", type=float, required=True)
    verify.add_argument("--lat", type=float, required=True)
    verify.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of --lon/--lat")
    verify.add_argument("--accuracy-m", type=float, help="GPS accuracy; over 30 m needs --reason")
    verify.add_argument("--method", help='how the position was found (default "gps ±N m" or "pasted GCJ-02")')
    verify.add_argument("--reason", help="why a position less precise than 30 m is good enough")
    verify.add_argument("--on", help="date of the visit, YYYY-MM-DD (default today)")
    verify.add_argument("--user", default=os.environ.get("USER", "cli"), help="who verified it (change log)")
    verify.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register to update")
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(run=_cmd_verify)


def _add_exporter_command(commands: argparse._SubParsersAction) -> None:
    exporter = commands.add_parser("export", help="export the register as GeoJSON, CSV, Excel or KML")
    exporter.add_argument("out", type=Path)
    exporter.add_argument("--format", choices=["geojson", "csv", "xlsx", "kml"], default="geojson")
    exporter.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84",
                          help="coordinates for Chinese map platforms: gcj02 (Amap/Tencent) or bd09 (Baidu)")
    exporter.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    exporter.add_argument("--json", action="store_true", help="machine-readable output")
    exporter.set_defaults(run=_cmd_export)


def _add_hasher_command(commands: argparse._SubParsersAction) -> None:
    hasher = commands.add_parser("hash-password", help="print a password hash for GAOHE_EDITORS (user:hash)")
    hasher.add_argument("--stdin", action="store_true", help="read the password from standard input")
    hasher.set_defaults(run=_cmd_hash_password)


def add_register_commands(commands: argparse._SubParsersAction) -> None:
    """Add the register's commands."""
    _add_validate_command(commands)
    _add_stations_command(commands)
    _add_importer_command(commands)
    _add_todo_command(commands)
    _add_verify_command(commands)
    _add_exporter_command(commands)
    _add_hasher_command(commands)
