"""Command line: ``python -m geo COMMAND ...``; every command has ``--json`` for scripting.

Exit codes: 0 success, 1 invalid or unreadable input data, 2 wrong usage, 3 an output file could
not be written (full disk, read-only or missing folder; nothing partial is left behind).
Problems are one clear line on standard error (or a JSON object with ``--json``), never a
traceback; set ``GAOHE_DEBUG=1`` to see the traceback of an unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from geo.datum import Datum, convert
from geo.errors import GeoDataError, Problem, StationDataError
from geo.readers import read_points_csv, read_study_area
from geo.reference import DEFAULT_STATIONS_PATH
from geo.register import load_stations
from geo.model import AMENITIES, StationType
from geo.nearest import nearest_stations
from geo.summary import count_by_type
from geo.tables import csv_bytes, write_bytes_atomic

#: Bounds of numeric options: beyond them an answer is meaningless or would not fit in memory.
MAX_K = 100
MAX_DISTANCE_M = 1_000_000.0
MAX_RADIUS_M = 50_000.0
MAX_NEW_SITES = 200


class OutputError(GeoDataError):
    """An output file could not be written."""


def _metres(limit: float):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of metres") from None
        if not math.isfinite(value) or value <= 0 or value > limit:
            raise argparse.ArgumentTypeError(f"{text} is not a distance in metres between 0 and {limit:,.0f}")
        return value

    return parse


def _whole_number(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share such as 0.95") from None
    if not (math.isfinite(value) and 0 < value <= 1):
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1 (e.g. 0.95)")
    return value


def _file_error(err: OSError) -> GeoDataError:
    """An operating-system error as one line naming the file (no traceback, no other paths)."""
    where = Path(err.filename).name if err.filename else ""
    return GeoDataError("err_file_os_error", file=where, reason=err.strerror or str(err))


def _write_output(content: bytes, path: Path) -> None:
    try:
        write_bytes_atomic(content, path)
    except OSError as err:
        raise OutputError("err_output_not_written", file=str(path), reason=err.strerror or str(err)) from err


#: Station columns copied into ``nearest`` output, after the trip figures.
_RESULT_COLUMNS = ("id", "station_type", "name_zh", "name_en", "location_status")


def _print_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _report_invalid(err: StationDataError, as_json: bool) -> int:
    if as_json:
        _print_json({"valid": False, "file": err.source, "problems": [p.to_dict() for p in err.problems]})
    else:
        print(err, file=sys.stderr)
    return 1


def _report_error(err: Exception, as_json: bool) -> int:
    if as_json:
        _print_json({"error": str(err)})
    else:
        print(err, file=sys.stderr)
    return 1


def _cmd_validate(args: argparse.Namespace) -> int:
    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    if args.json:
        _print_json({"valid": True, "file": Path(args.file).name, "stations": len(stations), "problems": []})
    else:
        print(f"{args.file}: valid, {len(stations)} stations")
    return 0


def _cmd_stations(args: argparse.Namespace) -> int:
    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    counts = count_by_type(stations)
    if args.json:
        _print_json(
            {
                "file": Path(args.file).name,
                "total": int(counts["count"].sum()),
                "by_type": {row.station_type: int(row.count) for row in counts.itertuples()},
                "unverified_positions": int(counts["unverified"].sum()),
            }
        )
    else:
        for row in counts.itertuples():
            print(f"{row.station_type:<14}{row.count:>5}  ({row.unverified} unverified)")
        print(f"{'total':<14}{counts['count'].sum():>5}")
    return 0


def _cmd_nearest(args: argparse.Namespace) -> int:
    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    if (args.points is None) == (args.lon is None or args.lat is None):
        print("give either --lon and --lat, or --points FILE.csv", file=sys.stderr)
        return 2
    try:
        if args.points is not None:
            points = read_points_csv(args.points, datum=args.datum)
        else:
            points = _single_point(args.lon, args.lat, args.datum)
        found = nearest_stations(
            stations,
            points["lon"].to_numpy(),
            points["lat"].to_numpy(),
            k=args.k,
            max_distance_m=args.max_distance_m,
            station_types=args.type,
            amenities=args.amenity,
            open_at=datetime.fromisoformat(args.open_at) if args.open_at else None,
        )
    except (GeoDataError, ValueError) as err:
        return _report_error(err, args.json)
    table = found.assign(
        lon=found.geometry.x.round(7), lat=found.geometry.y.round(7), distance_m=found["distance_m"].round(1),
        route_m=found["route_m"].round(1), ebike_s=found["ebike_s"].round(0), walk_s=found["walk_s"].round(0),
    )[["query_index", "rank", *_RESULT_COLUMNS, "lon", "lat", "distance_m", "route_m", "ebike_s", "walk_s"]]
    if args.points is not None:
        inputs = points.rename(columns={"lon": "query_lon", "lat": "query_lat"})
        table = inputs.reset_index(drop=True).join(table.set_index("query_index"), how="left")
        table.index.name = "query_index"
        table = table.reset_index()
    if args.out is not None:
        _write_output(csv_bytes(table), args.out)
    if args.json:
        _print_json(json.loads(table.to_json(orient="records", force_ascii=False)))
    elif args.out is None:
        print(table.to_string(index=False))
    return 0


def _single_point(lon: float, lat: float, datum: str) -> pd.DataFrame:
    """One query point from the command line, as :func:`read_points_csv` would give it."""
    wgs_lon, wgs_lat = convert(lon, lat, source=Datum(datum), target=Datum.WGS84)
    if not (-180 <= wgs_lon <= 180 and -90 <= wgs_lat <= 90):
        raise GeoDataError(f"({lon}, {lat}) is not longitude/latitude degrees")
    return pd.DataFrame({"lon": [wgs_lon], "lat": [wgs_lat]})


def _study_area(args: argparse.Namespace, stations):
    from geo.coverage import clip_to_county, default_study_area
    from geo.reference import load_county_boundary

    county = load_county_boundary()
    if args.study_area is None:
        return default_study_area(stations, county)
    return clip_to_county(read_study_area(args.study_area), county)


def _weight_column(args: argparse.Namespace) -> str | None:
    from geo.readers import AUTO_WEIGHT

    if args.count_points:
        return None
    return args.weight_column or AUTO_WEIGHT


def _write_report(path: Path | None, make) -> None:
    """``make(file_format)`` written to ``path`` (PNG or PDF by its suffix), if asked for."""
    if path is not None:
        _write_output(make("pdf" if path.suffix.lower() == ".pdf" else "png"), path)


def _status(stations, lang: str = "en") -> str:
    from geo.result_files import data_status

    return data_status(int((stations.location_status != "verified").sum()), len(stations), lang)


def _cmd_coverage(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.coverage_summary import summarise_coverage
    from geo.demand import load_demand
    from geo.report import coverage_report
    from geo.result_files import coverage_csv, coverage_workbook

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    radius: float | dict[str, float] = args.radius_m
    if args.type_radius:
        radius = {kind: float(value) for kind, value in (item.split("=", 1) for item in args.type_radius)}
    try:
        demand = None if args.demand is None else load_demand(args.demand, datum=args.datum, weight_column=_weight_column(args))
        if args.by == "community" and (demand is None or demand.community is None):
            raise GeoDataError("err_by_community_needs_column")
        summary = summarise_coverage(stations, _study_area(args, stations), radius, demand, resolution=args.resolution)
        status, made_on = _status(stations), date.today()
        if args.out is not None:
            content = (coverage_workbook(summary, lang="en", made_on=made_on, status=status, community_names={})
                       if args.out.suffix.lower() == ".xlsx" else coverage_csv(summary, lang="en", made_on=made_on, status=status))
            _write_output(content, args.out)
        _write_report(args.report, lambda fmt: coverage_report(summary, stations, lang=args.lang, made_on=made_on,
                                                                status=_status(stations, args.lang), file_format=fmt))
    except OutputError:
        raise  # exit 3, see main()
    except (GeoDataError, ValueError, OSError) as err:
        return _report_error(err, args.json)
    table = summary.by_community if args.by == "community" else summary.by_type
    payload: dict[str, Any] = {
        "demand": summary.demand.describe("en"),
        "demand_file": summary.demand.name or None,
        "weight_column": summary.demand.weight_column,
        "radius": summary.radius,
        "points": summary.demand.points,
        "study_area_km2": summary.study_area_km2,
        "share_covered": summary.share_covered,
        "share_covered_2plus": summary.share_covered_2plus,
        "median_nearest_m": None if summary.by_area else summary.median_nearest_m,
        "table": json.loads(table.to_json(orient="records", force_ascii=False)),
        "data_status": _status(stations),
    }
    if args.json:
        _print_json(payload)
    else:
        print(f"{payload['demand']}; radius {summary.radius_text('en')}")
        print(f"covered {summary.share_covered:.1%}, twice or more {summary.share_covered_2plus:.1%}")
        print(table.to_string(index=False))
    return 0


def _cmd_gaps(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.demand import load_demand, read_demand_file
    from geo.describe import reference_places, where_text
    from geo.gap_analysis import fewest_sites, file_candidates, hex_candidates, plan_sites, prepare_gaps
    from geo.report import gaps_report
    from geo.result_files import sites_csv, sites_table

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    try:
        demand = load_demand(args.demand, datum=args.datum, weight_column=_weight_column(args))
        study_area = _study_area(args, stations)
        if args.candidates:
            table = read_demand_file(args.candidates, datum=args.datum)
            candidates = file_candidates(table.points, table.name, study_area, digest=table.digest)
        else:
            candidates = hex_candidates(study_area)
        problem = prepare_gaps(stations, stations, demand, candidates, study_area, args.radius_m,
                               references=reference_places(stations))
        if args.target_coverage is not None:
            plan = fewest_sites(problem, args.target_coverage)
        else:
            plan = plan_sites(problem, args.add, "greedy" if args.greedy else "milp")
        made_on = date.today()
        if args.out is not None:
            _write_output(sites_csv(problem, plan, lang="en", datum=args.out_datum, made_on=made_on,
                                    status=_status(stations)), args.out)
        _write_report(args.report, lambda fmt: gaps_report(problem, plan, lang=args.lang, made_on=made_on,
                                                            status=_status(stations, args.lang), file_format=fmt))
    except OutputError:
        raise  # exit 3, see main()
    except (GeoDataError, ValueError, OSError) as err:
        return _report_error(err, args.json)
    table = sites_table(problem, plan, lang="en", datum=args.out_datum)
    picks = [
        {"rank": int(row.rank), "candidate": str(row.site_id), "where": where_text(pick, args.lang),
         "lon": float(row.lon), "lat": float(row.lat), "datum": args.out_datum, "marginal_gain": float(row.gain),
         "covered_after": float(row.covered_share)}
        for row, pick in zip(table.itertuples(), plan.picks.itertuples())
    ]
    payload = {
        "method": plan.method, "optimal": plan.result.optimal, "radius_m": args.radius_m,
        "demand": problem.demand.describe("en"), "weight_column": problem.demand.weight_column,
        "demand_weight": problem.matrix.total_weight, "candidates": len(candidates),
        "candidates_outside_study_area": candidates.outside,
        "covered_now": problem.register_share, "covered_before": problem.scenario_share,
        "covered_after": plan.result.covered_share, "reachable": problem.reachable_share,
        "new_stations": picks, "data_status": _status(stations),
    }
    if args.json:
        _print_json(payload)
    else:
        print(f"{plan.method} ({'optimal' if plan.result.optimal else 'not proven optimal'}): coverage "
              f"{payload['covered_before']:.1%} -> {payload['covered_after']:.1%} with {len(picks)} new station(s)")
        for pick in picks:
            print(f"  {pick['rank']}. {pick['where']} [{pick['candidate']}] ({pick['lon']}, {pick['lat']} {pick['datum']})"
                  f" +{pick['marginal_gain']:g}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from geo.exchange import merge_features, read_station_features
    from geo.register import stations_from_features
    from geo.validate import validate_feature_collection
    from geo.store import ConcurrentEditError, StationStore, diff_stations, file_version

    try:
        imported, problems = read_station_features(args.source, datum=args.datum)
        current_doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
        version = file_version(args.file)
        merged = merge_features(current_doc["features"], imported, mode=args.mode)
        if not problems:
            _, problems = validate_feature_collection({"type": "FeatureCollection", "features": merged})
    except (GeoDataError, ValueError, OSError) as err:
        problems, merged = list(getattr(err, "problems", None) or [Problem.literal(str(err))]), []
    report: dict[str, Any] = {"file": Path(args.source).name, "mode": args.mode, "datum": args.datum,
                              "valid": not problems, "problems": [p.to_dict() for p in problems]}
    if not problems:
        new = stations_from_features(merged)
        report["diff"] = diff_stations(load_stations(args.file), new)
        report["saved"] = False
        if not args.dry_run:
            try:
                StationStore(args.file).save(new, expected_version=version, user=args.user,
                                             summary=f"import {Path(args.source).name} ({args.mode}, {args.datum})")
                report["saved"] = True
            except (GeoDataError, ConcurrentEditError) as err:
                problems = list(getattr(err, "problems", None) or [Problem.literal(str(err))])
                report["valid"], report["problems"] = False, [p.to_dict() for p in problems]
    if args.json:
        _print_json(report)
    else:
        for problem in problems:
            print(f"- {problem}", file=sys.stderr)
        if "diff" in report:
            diff = report["diff"]
            print(f"added {len(diff['added'])}, removed {len(diff['removed'])}, changed {len(diff['changed'])}; "
                  f"{'saved' if report['saved'] else 'not saved (dry run)'}")
    return 0 if report["valid"] else 1


def _cmd_export(args: argparse.Namespace) -> int:
    from geo.exchange import export_stations

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    content = export_stations(stations, args.format, args.datum)
    _write_output(content, args.out)
    if args.json:
        _print_json({"out": str(args.out), "format": args.format, "datum": args.datum, "stations": len(stations),
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


def _open_report_store(args: argparse.Namespace):  # noqa: ANN202 (lazy import keeps other commands light)
    from geo.reports.store import ReportStore

    return ReportStore(args.database, photos_dir=args.photos_dir)


def _cmd_reports_stats(args: argparse.Namespace) -> int:
    from geo.reports import ReportError
    from geo.reports.analysis import count_reports

    try:
        counts = count_reports(_open_report_store(args).reports_frame())
    except ReportError as err:
        return _report_error(err, args.json)
    if args.json:
        _print_json(counts.to_dict())
    else:
        print(f"reports: {counts.total}, resolved: {counts.resolved}")
        for title, table in (("state", counts.by_state), ("category", counts.by_category), ("month", counts.by_month)):
            print(f"by {title}:")
            for key, value in table.items():
                print(f"  {key:<28}{value:>6}")
    return 0


def _report_filters(args: argparse.Namespace) -> dict[str, Any]:
    from geo.reports.vocabulary import parse_state

    return {"states": [parse_state(s) for s in args.state] if args.state else None,
            "kinds": [args.kind] if args.kind else None}


def _cmd_reports_list(args: argparse.Namespace) -> int:
    from geo.reports import ReportError
    from geo.reports.analysis import reports_table

    try:
        table = reports_table(_open_report_store(args).reports_frame(**_report_filters(args)), args.lang)
    except (ReportError, ValueError) as err:
        return _report_error(err, args.json)
    if args.json:
        _print_json(json.loads(table.to_json(orient="records", force_ascii=False)))
    else:
        columns = ["reference", "state_label", "subject_label", "station_id", "created_local", "group_id", "note"]
        print(table[columns].to_string(index=False) if len(table) else "no reports")
    return 0


def _cmd_reports_export(args: argparse.Namespace) -> int:
    from geo.reports import ReportError
    from geo.reports.analysis import export_reports, reports_table

    try:
        table = reports_table(_open_report_store(args).reports_frame(**_report_filters(args)), args.lang)
        content = export_reports(table, args.format)
        args.out.write_bytes(content)
    except (ReportError, ValueError, OSError) as err:
        return _report_error(err, args.json)
    if args.json:
        _print_json({"out": str(args.out), "format": args.format, "reports": len(table), "bytes": len(content)})
    return 0


def _cmd_reports_set_state(args: argparse.Namespace) -> int:
    from geo.reports import ReportError
    from geo.reports.vocabulary import parse_state

    try:
        store = _open_report_store(args)
        report_id = store.report_id(args.reference)
        if report_id is None:
            return _report_error(ValueError(f"no report has the reference {args.reference!r}"), args.json)
        event = store.change_state(report_id, parse_state(args.state), actor=args.user, answer=args.answer)
    except (ReportError, ValueError) as err:
        return _report_error(err, args.json)
    if args.json:
        _print_json({"reference": args.reference, "from": event.from_state, "to": event.to_state,
                     "actor": event.actor, "at": event.at.isoformat()})
    else:
        print(f"{args.reference}: {event.from_state} -> {event.to_state}")
    return 0


def _add_demand_options(command: argparse.ArgumentParser) -> None:
    weight = command.add_mutually_exclusive_group()
    weight.add_argument("--weight-column", help="column of the demand file holding each point's weight (default: the first "
                                                "of weight, 权重, 人数, 人口, 骑手数, 订单数, 单量, population, count)")
    weight.add_argument("--count-points", action="store_true", help="ignore any weight column: each point counts 1")
    command.add_argument("--report", type=Path, help="write the one-page report to this .png or .pdf file")
    command.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the report (default zh)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Gaohe station map tools")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a station GeoJSON file; exit 1 listing every problem")
    validate.add_argument("file", type=Path)
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.set_defaults(run=_cmd_validate)

    stations = commands.add_parser("stations", help="count stations by type")
    stations.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH)
    stations.add_argument("--json", action="store_true", help="machine-readable output")
    stations.set_defaults(run=_cmd_stations)

    nearest = commands.add_parser(
        "nearest",
        help="k nearest qualifying stations of a point (--lon/--lat) or of every row of a CSV (--points)",
    )
    nearest.add_argument("--lon", type=float, help="longitude of the query point (degrees)")
    nearest.add_argument("--lat", type=float, help="latitude of the query point (degrees)")
    nearest.add_argument("--points", type=Path, help="CSV with lon,lat columns (other columns are kept)")
    nearest.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the query points")
    nearest.add_argument("-k", type=_whole_number(1, MAX_K), default=3, help=f"how many stations per point (1-{MAX_K}, default 3)")
    nearest.add_argument("--max-distance-m", type=_metres(MAX_DISTANCE_M), default=None,
                         help="leave out stations further than this (metres)")
    nearest.add_argument("--type", action="append", choices=[t.value for t in StationType], help="station type (repeatable)")
    nearest.add_argument("--amenity", action="append", choices=list(AMENITIES), help="required amenity (repeatable; all needed)")
    nearest.add_argument("--open-at", help="only stations open at this ISO time (naive = Asia/Shanghai), e.g. 2026-11-28T21:30")
    nearest.add_argument("--out", type=Path, help="write the answer to this CSV file")
    nearest.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    nearest.add_argument("--json", action="store_true", help="machine-readable output")
    nearest.set_defaults(run=_cmd_nearest)

    coverage = commands.add_parser("coverage", help="share of demand (points, or the study area) within the service radius")
    coverage.add_argument("--demand", type=Path, help="CSV (lon,lat[,weight][,label]) or GeoJSON points; none = area coverage")
    coverage.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the demand file")
    coverage.add_argument("--radius-m", type=_metres(MAX_RADIUS_M), default=500.0,
                          help=f"service radius in metres (default 500, at most {MAX_RADIUS_M:,.0f})")
    coverage.add_argument("--type-radius", action="append", metavar="TYPE=METRES",
                          help="per-type radius, e.g. red=1000 (repeatable; replaces --radius-m)")
    coverage.add_argument("--by", choices=["type", "community"], help="break the figures down")
    coverage.add_argument("--study-area", type=Path, help="polygon GeoJSON for area coverage (default: stations' extent + 1 km)")
    coverage.add_argument("--resolution", type=_whole_number(6, 11), default=9,
                          help="H3 resolution of the hexagon figures (6-11, default 9)")
    _add_demand_options(coverage)
    coverage.add_argument("--out", type=Path, help="write the figures to this .csv or .xlsx file (numbers, with metadata)")
    coverage.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    coverage.add_argument("--json", action="store_true", help="machine-readable output")
    coverage.set_defaults(run=_cmd_coverage)

    gaps = commands.add_parser("gaps", help="where new stations should go: MCLP (--add N) or fewest for a target")
    gaps.add_argument("--demand", type=Path, required=True, help="CSV/GeoJSON demand points (lon,lat[,weight])")
    gaps.add_argument("--candidates", type=Path, help="CSV/GeoJSON candidate sites; default: H3 cell centres of the study area")
    gaps.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the input files")
    gaps.add_argument("--radius-m", type=_metres(MAX_RADIUS_M), default=1000.0,
                      help=f"service radius in metres (default 1000, at most {MAX_RADIUS_M:,.0f})")
    gaps.add_argument("--add", type=_whole_number(0, MAX_NEW_SITES), default=3,
                      help=f"how many new stations (MCLP, 0-{MAX_NEW_SITES}, default 3)")
    gaps.add_argument("--target-coverage", type=_share, help="instead: fewest new stations to cover this share (e.g. 0.95)")
    gaps.add_argument("--greedy", action="store_true", help="fast greedy preview instead of the optimal MILP")
    gaps.add_argument("--out-datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the output coordinates")
    gaps.add_argument("--study-area", type=Path, help="polygon GeoJSON: candidates are taken in it (default: stations' extent + 1 km)")
    _add_demand_options(gaps)
    gaps.add_argument("--out", type=Path, help="write the recommended sites to this CSV file (numbers, with metadata)")
    gaps.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    gaps.add_argument("--json", action="store_true", help="machine-readable output")
    gaps.set_defaults(run=_cmd_gaps)

    importer = commands.add_parser("import", help="import stations (GeoJSON, CSV, Excel, KML) into the register")
    importer.add_argument("source", type=Path)
    importer.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the file")
    importer.add_argument("--mode", choices=["merge", "replace"], default="merge", help="merge by id (default) or replace")
    importer.add_argument("--dry-run", action="store_true", help="validate and show the changes; write nothing")
    importer.add_argument("--user", default=os.environ.get("USER", "cli"), help="who makes the change (change log)")
    importer.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register to update")
    importer.add_argument("--json", action="store_true", help="machine-readable output")
    importer.set_defaults(run=_cmd_import)

    exporter = commands.add_parser("export", help="export the register as GeoJSON, CSV, Excel or KML")
    exporter.add_argument("out", type=Path)
    exporter.add_argument("--format", choices=["geojson", "csv", "xlsx", "kml"], default="geojson")
    exporter.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84",
                          help="coordinates for Chinese map platforms: gcj02 (Amap/Tencent) or bd09 (Baidu)")
    exporter.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    exporter.add_argument("--json", action="store_true", help="machine-readable output")
    exporter.set_defaults(run=_cmd_export)

    hasher = commands.add_parser("hash-password", help="print a password hash for GAOHE_EDITORS (user:hash)")
    hasher.add_argument("--stdin", action="store_true", help="read the password from standard input")
    hasher.set_defaults(run=_cmd_hash_password)

    reports = commands.add_parser("reports", help="rider reports (hazards, station feedback): counts, lists, exports")
    report_commands = reports.add_subparsers(dest="reports_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", default=None,
                        help="database URL (default: GAOHE_DATABASE_URL, else data/reports.sqlite3)")
    common.add_argument("--photos-dir", type=Path, default=None, help="folder of report photos (default: data/report_photos)")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--state", action="append", help="only this state: code or label, e.g. 新 or new (repeatable)")
    filters.add_argument("--kind", choices=["hazard", "station"], help="only hazards or only station feedback")
    filters.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the labels (default zh)")

    stats = report_commands.add_parser("stats", parents=[common], help="counts by category, state and month")
    stats.set_defaults(run=_cmd_reports_stats)
    listing = report_commands.add_parser("list", parents=[common, filters], help="reports, newest first")
    listing.set_defaults(run=_cmd_reports_list)
    report_export = report_commands.add_parser("export", parents=[common, filters], help="reports as CSV or Excel")
    report_export.add_argument("out", type=Path)
    report_export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    report_export.set_defaults(run=_cmd_reports_export)
    set_state = report_commands.add_parser("set-state", parents=[common], help="move a report to a new state (logged)")
    set_state.add_argument("reference", help="the report's reference code, e.g. GH-4K7P-2XQM")
    set_state.add_argument("state", help="new state: code or label, e.g. 已解决 or resolved")
    set_state.add_argument("--user", default=os.environ.get("USER", "cli"), help="who makes the change")
    set_state.add_argument("--answer", default=None, help="answer shown to the reporter")
    set_state.set_defaults(run=_cmd_reports_set_state)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        return int(args.run(args))
    except OutputError as err:
        _report_error(err, as_json)
        return 3
    except (GeoDataError, OSError) as err:
        return _report_error(err if isinstance(err, GeoDataError) else _file_error(err), as_json)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - one clear line instead of a traceback
        if os.environ.get("GAOHE_DEBUG"):
            raise
        print(f"unexpected failure: {type(err).__name__}: {err} (set GAOHE_DEBUG=1 for details)", file=sys.stderr)
        return 1
