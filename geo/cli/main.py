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
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from geo.cli.posters import register_poster_commands
from geo.cli.rider import register_rider_commands
from geo.place.datum import Datum, convert
from geo.errors import GeoDataError, StationDataError
from geo.readers import read_point_table, read_study_area
from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.register.geojson import load_stations
from geo.register.model import AMENITIES, StationType, station_type_label
from geo.analysis.nearest import nearest_stations
from geo.register.counts import count_by_type
from geo.tables import csv_bytes, write_bytes_atomic, xlsx_bytes

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


def _score(text: str) -> float:
    """A name-similarity score, 0-100 (argparse makes a ValueError a usage error, exit 2)."""
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a score between 0 and 100")
    return value


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


if TYPE_CHECKING:
    from geo.register.import_plan import ImportPlan, ImportSettings

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
                "verified_by_type": {row.station_type: int(row.count - row.unverified) for row in counts.itertuples()},
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
    if args.points is not None and _is_large_run(args):
        return _nearest_at_scale(stations, args)
    try:
        if args.points is not None:
            points = read_point_table(args.points, datum=args.datum)
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
        _write_output(xlsx_bytes({"nearest": table}) if args.out.suffix.lower() == ".xlsx" else csv_bytes(table), args.out)
    if args.json:
        _print_json(json.loads(table.to_json(orient="records", force_ascii=False)))
    elif args.out is None:
        print(table.to_string(index=False))
    return 0


def _is_parquet(path: Path | None) -> bool:
    return path is not None and (path.suffix.lower() in (".parquet", ".geoparquet") or path.is_dir())


def _is_large_run(args: argparse.Namespace) -> bool:
    """Streamed (or on Dask) when the input or output is GeoParquet or a cluster is asked for."""
    return _is_parquet(getattr(args, "points", None) or getattr(args, "demand", None)) or _is_parquet(args.out) \
        or args.dask or args.scheduler is not None


def _nearest_at_scale(stations, args: argparse.Namespace) -> int:
    """nearest over a file of any size: chunk by chunk, or on Dask; per point to GeoParquet."""
    from geo.analysis.nearest import filter_stations
    from geo.analysis.streaming import iter_demand_chunks, stream_nearest

    if args.out is not None and not _is_parquet(args.out):
        print("for GeoParquet input or Dask, --out must be a .parquet file", file=sys.stderr)
        return 2
    if args.max_distance_m is not None:
        print("--max-distance-m is not available for streamed runs (every point gets its k nearest)", file=sys.stderr)
        return 2
    try:
        chosen = filter_stations(stations, station_types=args.type, amenities=args.amenity,
                                 open_at=datetime.fromisoformat(args.open_at) if args.open_at else None)
        if args.dask or args.scheduler is not None:
            summary = _nearest_on_dask(chosen, args)
        else:
            summary = stream_nearest(chosen, iter_demand_chunks(args.points, chunk_rows=args.chunk_rows, datum=args.datum),
                                     k=args.k, out=args.out)
    except (GeoDataError, ValueError, OSError) as err:
        return _report_error(err, args.json)
    payload = {"file": Path(args.points).name, "k": args.k, "out": str(args.out) if args.out else None,
               **summary.to_dict()}
    if args.json:
        _print_json(payload)
    else:
        print(f"{payload['file']}: {summary.points:,} points; nearest station median {payload['median_nearest_m']:.1f} m, "
              f"mean {payload['mean_nearest_m']:.1f} m, max {payload['max_nearest_m']:.1f} m"
              + (f"; per point: {args.out}" if args.out else ""))
    return 0


def _nearest_on_dask(stations, args: argparse.Namespace):
    """On Dask, ``--out`` is a folder of GeoParquet parts written by the workers."""
    from geo.analysis.on_dask import dask_client, dask_nearest

    if args.datum != "wgs84":
        raise GeoDataError("Dask runs read WGS-84 GeoParquet; convert the file first (--datum is for streamed runs)")
    with dask_client(args.scheduler) as client:
        _, summary = dask_nearest(stations, args.points, client, k=args.k, out=args.out)
    return summary

def _single_point(lon: float, lat: float, datum: str) -> pd.DataFrame:
    """One query point from the command line, as :func:`read_point_table` would give it."""
    wgs_lon, wgs_lat = convert(lon, lat, source=Datum(datum), target=Datum.WGS84)
    if not (-180 <= wgs_lon <= 180 and -90 <= wgs_lat <= 90):
        raise GeoDataError(f"({lon}, {lat}) is not longitude/latitude degrees")
    return pd.DataFrame({"lon": [wgs_lon], "lat": [wgs_lat]})


def _study_area(args: argparse.Namespace, stations):
    from geo.analysis.coverage import clip_to_county, default_study_area
    from geo.place.reference import load_county_boundary

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
    from geo.outputs.result_files import data_status

    return data_status(int((stations.location_status != "verified").sum()), len(stations), lang)


def _cmd_coverage(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.analysis.coverage_result import summarise_coverage
    from geo.analysis.demand import load_demand
    from geo.outputs.printable import coverage_report
    from geo.outputs.result_files import coverage_csv, coverage_workbook

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    radius: float | dict[str, float] = args.radius_m
    if args.type_radius:
        radius = {kind: float(value) for kind, value in (item.split("=", 1) for item in args.type_radius)}
    try:
        if _is_large_run(args):
            if args.demand is None:
                raise GeoDataError("per-point output (.parquet) and Dask runs need --demand")
            return _print_at_scale({"demand_file": Path(args.demand).name, "radius": radius,
                                    "out": str(args.out) if args.out else None,
                                    **_coverage_at_scale(stations, radius, args)}, args.json)
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


def _print_at_scale(payload: dict[str, Any], as_json: bool) -> int:
    """The overall figures of a streamed or Dask run."""
    if as_json:
        _print_json(payload)
    else:
        print(pd.DataFrame([payload]).to_string(index=False))
    return 0


def _candidate_sites(args: argparse.Namespace, study_area):
    """--candidates (any datum; sites outside the study area left out) or the H3 cell centres of
    the study area."""
    from geo.analysis.demand import read_demand_file
    from geo.analysis.gap_analysis import file_candidates, hex_candidates

    if args.candidates:
        table = read_demand_file(args.candidates, datum=args.datum)
        return file_candidates(table.points, table.name, study_area, digest=table.digest)
    return hex_candidates(study_area)


def _gaps_at_scale(stations, args: argparse.Namespace) -> int:
    """gaps over a GeoParquet demand of any size: the coverage matrix built chunk by chunk, then
    the same solvers; candidates from --candidates or the H3 cells of the study area."""
    from geo.analysis.siting import greedy_mclp, solve_lscp, solve_mclp
    from geo.analysis.streaming import iter_demand_chunks, stream_coverage_matrix

    study_area = _study_area(args, stations)
    candidates = _candidate_sites(args, study_area)
    lon, lat, label = candidates.lon, candidates.lat, pd.Series(candidates.label).astype(str)
    matrix = stream_coverage_matrix(iter_demand_chunks(args.demand, chunk_rows=args.chunk_rows, datum=args.datum),
                                    lon, lat, args.radius_m, existing=stations)
    if args.target_coverage is not None:
        result = solve_lscp(matrix, args.target_coverage, time_limit_s=args.time_limit_s)
    elif args.greedy:
        result = greedy_mclp(matrix, args.add)
    else:
        result = solve_mclp(matrix, args.add, time_limit_s=args.time_limit_s)
    chosen = np.asarray(result.chosen, dtype=int)
    out_lon, out_lat = convert(np.asarray(lon)[chosen], np.asarray(lat)[chosen], source=Datum.WGS84,
                               target=Datum(args.out_datum))
    picks = [{"rank": rank, "candidate": str(label.iloc[j]), "lon": round(float(x), 7), "lat": round(float(y), 7),
              "datum": args.out_datum, "marginal_gain": gain}
             for rank, (j, x, y, gain) in enumerate(zip(chosen, np.atleast_1d(out_lon), np.atleast_1d(out_lat),
                                                        result.marginal_gain), start=1)]
    total = matrix.total_weight
    payload = {"method": result.method, "optimal": result.optimal, "gap": result.gap, "message": result.message,
               "covered_bound": result.bound_weight / total if total > 0 else None, "radius_m": args.radius_m,
               "demand": Path(args.demand).name, "demand_weight": total,
               "covered_before": matrix.fixed_weight / total if total > 0 else None,
               "covered_after": result.covered_share, "new_stations": picks, "data_status": _status(stations)}
    if args.json:
        _print_json(payload)
    else:
        print(f"{result.method} ({'optimal' if result.optimal else 'not proven optimal'}): coverage "
              f"{payload['covered_before']:.1%} -> {payload['covered_after']:.1%} with {len(picks)} new station(s)")
        for pick in picks:
            print(f"  {pick['rank']}. {pick['candidate']} ({pick['lon']}, {pick['lat']} {pick['datum']}) +{pick['marginal_gain']:g}")
    return 0


def _coverage_at_scale(stations, radius, args: argparse.Namespace) -> dict:
    """coverage over a demand file of any size, chunk by chunk or on Dask (overall figures)."""
    from geo.analysis.streaming import iter_demand_chunks, stream_coverage

    if args.by is not None:
        raise GeoDataError("--by is not available for streamed runs; the overall figures are given")
    if args.out is not None and not _is_parquet(args.out):
        raise GeoDataError("--out must be a .parquet file")
    if args.dask or args.scheduler is not None:
        from geo.analysis.on_dask import dask_client, dask_coverage

        if args.out is not None or args.datum != "wgs84":
            raise GeoDataError("Dask runs read WGS-84 GeoParquet and give the overall figures (no --out, no --datum)")
        with dask_client(args.scheduler) as client:
            return dask_coverage(stations, args.demand, radius, client).to_dict()
    return stream_coverage(stations, iter_demand_chunks(args.demand, chunk_rows=args.chunk_rows, datum=args.datum),
                           radius, out=args.out).to_dict()


def _cmd_gaps(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.analysis.demand import load_demand
    from geo.place.describe import reference_places, where_text
    from geo.analysis.gap_analysis import fewest_sites, plan_sites, prepare_gaps
    from geo.outputs.printable import gaps_report
    from geo.outputs.result_files import sites_csv, sites_table

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return _report_invalid(err, args.json)
    try:
        if _is_parquet(args.demand):
            return _gaps_at_scale(stations, args)
        demand = load_demand(args.demand, datum=args.datum, weight_column=_weight_column(args))
        study_area = _study_area(args, stations)
        candidates = _candidate_sites(args, study_area)
        problem = prepare_gaps(stations, stations, demand, candidates, study_area, args.radius_m,
                               references=reference_places(stations))
        if args.target_coverage is not None:
            plan = fewest_sites(problem, args.target_coverage, time_limit_s=args.time_limit_s)
        else:
            plan = plan_sites(problem, args.add, "greedy" if args.greedy else "milp", time_limit_s=args.time_limit_s)
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
        "method": plan.result.method, "optimal": plan.result.optimal, "gap": plan.result.gap,
        "message": plan.result.message, "radius_m": args.radius_m,
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


def _usage_error(message: str) -> int:
    print(f"python -m geo: error: {message}", file=sys.stderr)
    return 2


def _import_settings(args: argparse.Namespace) -> ImportSettings | str:
    """The import settings the options ask for, or what is wrong with them (a usage error)."""
    from geo.register.import_plan import CHOOSE_NEW, ImportSettings
    from geo.register.normalise import IMPORT_FIELDS, CommunityIndex, parse_amenities, parse_opening_hours, parse_station_type
    from geo.place.reference import load_communities

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
        kind_text = f"  [{station_type_label(kind, lang)}]" if kind else ""
        print(f"{t('cli_import_row', lang, row=row.row):<7} {t(f'import_action_{row.action}', lang):<9} {where:<22} "
              f"{row.name}{kind_text}{position}{moved}{flag}")
        for problem in [*row.problems, *row.warnings]:
            lines += 1
            if lines <= MAX_PROBLEMS_SHOWN:
                print(f"          - {problem.text(lang)}")
    if lines > MAX_PROBLEMS_SHOWN:
        print(f"          {t('cli_import_more', lang, n=lines - MAX_PROBLEMS_SHOWN)}")


def _cmd_import(args: argparse.Namespace) -> int:
    from geo.place.geocode import GeocodingError, address_geocoder, geocoder_config
    from geo.register.import_plan import apply_import_plan, build_import_plan, stated_datum
    from geo.place.reference import load_communities, load_county_boundary
    from geo.register.sheets import SheetError, read_station_table
    from geo.register.store import ConcurrentEditError, StationStore
    from geo.register.validate import PlaceChecker

    settings = _import_settings(args)
    if isinstance(settings, str):
        return _usage_error(settings)
    store = StationStore(args.file)
    try:
        register, version = store.read()
    except StationDataError as err:
        return _report_invalid(err, args.json)
    geocode = geocoder_name = None
    if not args.no_geocode:
        try:
            config = geocoder_config()
        except GeocodingError as err:
            return _usage_error(str(err))
        if config is not None:
            geocode, geocoder_name = address_geocoder(config), config.provider
    try:
        table = read_station_table(args.source, sheet=args.sheet)
        if (usage := _import_usage_problem(args, table, settings, register)) is not None:
            return _usage_error(usage)
        if args.datum is None:
            settings = replace(settings, datum=stated_datum(table, settings.columns) or Datum.WGS84)
        plan = build_import_plan(table, register, settings, communities=load_communities(),
                                 checker=PlaceChecker(load_county_boundary()), geocode=geocode,
                                 geocoder_name=geocoder_name)
    except SheetError as err:
        if args.json:
            _print_json({"valid": False, "file": err.source, "problems": [p.to_dict(args.lang) for p in err.problems],
                         "total_problems": err.total, "saved": False})
        else:
            print(err.localized(args.lang), file=sys.stderr)
        return 1
    except ValueError as err:  # a --column naming no column of the sheet
        return _usage_error(str(err))
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
        except (GeoDataError, ConcurrentEditError) as err:
            report["save_error"] = err.localized(args.lang) if isinstance(err, GeoDataError) else str(err)
    if args.json:
        _print_json(report)
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
        return _report_invalid(err, args.json)
    table = survey_todo(stations, load_communities(), args.lang)
    _write_output(csv_bytes(table) if args.format == "csv" else xlsx_bytes({"todo": table}), args.out)
    if args.json:
        _print_json({"out": str(args.out), "format": args.format, "stations": len(table)})
    else:
        print(f"{args.out}: {len(table)} stations to verify")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.register.store import ConcurrentEditError, StationStore
    from geo.register.survey import Verification, gps_method, pasted_method, verify_station
    from geo.register.validate import PlaceChecker
    from geo.place.reference import load_county_boundary

    store = StationStore(args.file)
    try:
        stations, version = store.read()
    except StationDataError as err:
        return _report_invalid(err, args.json)
    lon, lat = (float(v) for v in convert(args.lon, args.lat, source=Datum(args.datum), target=Datum.WGS84))
    if found := PlaceChecker(load_county_boundary()).problem(lon, lat):
        return _report_error(GeoDataError(found[0], **found[1]), args.json)
    method = args.method or (gps_method(args.accuracy_m) if args.accuracy_m is not None else pasted_method(args.datum))
    try:
        result = verify_station(stations, Verification(args.station_id, (lon, lat), method, args.user,
                                                       date.fromisoformat(args.on) if args.on else date.today(),
                                                       accuracy_m=args.accuracy_m, reason=args.reason))
        store.save(result.stations, expected_version=version, user=args.user, summary=result.summary)
    except (GeoDataError, ConcurrentEditError) as err:
        return _report_error(err, args.json)
    if args.json:
        _print_json({"id": args.station_id, "lon": round(lon, 7), "lat": round(lat, 7), "method": method,
                     "moved_m": round(result.moved_m, 1), "saved": True})
    else:
        print(result.summary)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from geo.register.exchange import export_stations

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
    from geo.feedback.store import ReportStore

    return ReportStore(args.database, photos_dir=args.photos_dir)


def _cmd_reports_stats(args: argparse.Namespace) -> int:
    from geo.feedback import ReportError
    from geo.feedback.analysis import count_reports

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
    from geo.feedback.vocabulary import parse_state

    return {"states": [parse_state(s) for s in args.state] if args.state else None,
            "kinds": [args.kind] if args.kind else None}


def _cmd_reports_list(args: argparse.Namespace) -> int:
    from geo.feedback import ReportError
    from geo.feedback.analysis import reports_table

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
    from geo.feedback import ReportError
    from geo.feedback.analysis import export_reports, reports_table

    try:
        store = _open_report_store(args)
        reports = store.reports_frame(**_report_filters(args))
        table = reports_table(reports, args.lang, store.events_frame(reports["id"]))
        content = export_reports(table, args.format, args.lang, with_planners=args.with_planners)
    except (ReportError, ValueError) as err:
        return _report_error(err, args.json)
    _write_output(content, args.out)
    if args.json:
        _print_json({"out": str(args.out), "format": args.format, "reports": len(table), "bytes": len(content)})
    return 0


def _cmd_reports_set_state(args: argparse.Namespace) -> int:
    from geo.feedback import ReportError
    from geo.feedback.vocabulary import parse_state

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


def _add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--chunk-rows", type=int, default=1_000_000,
                        help="points read at a time when streaming (GeoParquet/CSV input or .parquet output)")
    parser.add_argument("--dask", action="store_true", help="run on a local Dask cluster (one worker per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask cluster, e.g. tcp://10.0.0.5:8786")


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
    nearest.add_argument("--points", type=Path, help="CSV with lon,lat columns (other columns are kept), or GeoParquet (streamed)")
    nearest.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the query points")
    nearest.add_argument("-k", type=_whole_number(1, MAX_K), default=3, help=f"how many stations per point (1-{MAX_K}, default 3)")
    nearest.add_argument("--max-distance-m", type=_metres(MAX_DISTANCE_M), default=None,
                         help="leave out stations further than this (metres)")
    nearest.add_argument("--type", action="append", choices=[t.value for t in StationType], help="station type (repeatable)")
    nearest.add_argument("--amenity", action="append", choices=list(AMENITIES), help="required amenity (repeatable; all needed)")
    nearest.add_argument("--open-at", help="only stations open at this ISO time (naive = Asia/Shanghai), e.g. 2026-11-28T21:30")
    nearest.add_argument("--out", type=Path, help="write the answer to this file: .csv, .xlsx, or .parquet (GeoParquet, streamed: "
                                                  "one row per point with station_id_1..k, distance_m_1..k; "
                                                  "with Dask a folder of parts)")
    _add_scale_arguments(nearest)
    nearest.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    nearest.add_argument("--json", action="store_true", help="machine-readable output")
    nearest.set_defaults(run=_cmd_nearest)

    coverage = commands.add_parser("coverage", help="share of demand (points, or the study area) within the service radius")
    coverage.add_argument("--demand", type=Path, help="CSV (lon,lat[,weight][,label]), GeoJSON or GeoParquet points; none = area coverage")
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
    coverage.add_argument("--out", type=Path, help="the figures to a .csv or .xlsx file (numbers, with metadata); "
                                                   "or per demand point (nearest station, distance, times covered) to .parquet")
    _add_scale_arguments(coverage)
    coverage.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    coverage.add_argument("--json", action="store_true", help="machine-readable output")
    coverage.set_defaults(run=_cmd_coverage)

    gaps = commands.add_parser("gaps", help="where new stations should go: MCLP (--add N) or fewest for a target")
    gaps.add_argument("--demand", type=Path, required=True, help="CSV/GeoJSON/GeoParquet demand points (lon,lat[,weight])")
    gaps.add_argument("--candidates", type=Path, help="CSV/GeoJSON candidate sites; default: H3 cell centres of the study area")
    gaps.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the input files")
    gaps.add_argument("--radius-m", type=_metres(MAX_RADIUS_M), default=1000.0,
                      help=f"service radius in metres (default 1000, at most {MAX_RADIUS_M:,.0f})")
    gaps.add_argument("--add", type=_whole_number(0, MAX_NEW_SITES), default=3,
                      help=f"how many new stations (MCLP, 0-{MAX_NEW_SITES}, default 3)")
    gaps.add_argument("--target-coverage", type=_share, help="instead: fewest new stations to cover this share (e.g. 0.95)")
    gaps.add_argument("--greedy", action="store_true", help="fast greedy preview instead of the optimal MILP")
    gaps.add_argument("--time-limit-s", type=float, default=60.0,
                      help="stop the exact search after this long; the answer then carries its certified gap")
    gaps.add_argument("--chunk-rows", type=int, default=1_000_000, help="demand points read at a time (GeoParquet demand)")
    gaps.add_argument("--out-datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the output coordinates")
    gaps.add_argument("--study-area", type=Path, help="polygon GeoJSON: candidates are taken in it (default: stations' extent + 1 km)")
    _add_demand_options(gaps)
    gaps.add_argument("--out", type=Path, help="write the recommended sites to this CSV file (numbers, with metadata)")
    gaps.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    gaps.add_argument("--json", action="store_true", help="machine-readable output")
    gaps.set_defaults(run=_cmd_gaps)

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
    importer.add_argument("--min-score", type=_score, default=80.0, help="name similarity (0-100) that counts as a match")
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
    importer.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the messages")
    importer.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register to update")
    importer.add_argument("--json", action="store_true", help="machine-readable output")
    importer.set_defaults(run=_cmd_import)

    todo = commands.add_parser("todo", help="the survey team's list of stations to verify (CSV or Excel)")
    todo.add_argument("out", type=Path)
    todo.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    todo.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the headers and labels")
    todo.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    todo.add_argument("--json", action="store_true", help="machine-readable output")
    todo.set_defaults(run=_cmd_todo)

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
    common.add_argument("--photos-dir", type=Path, default=None,
                        help="folder of report photos (default: GAOHE_REPORT_PHOTOS, else report_photos/ beside a "
                        "SQLite database, else data/report_photos)")
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
    report_export.add_argument("--with-planners", action="store_true",
                               help="add who handled each report (planners' names: keep such files internal)")
    report_export.set_defaults(run=_cmd_reports_export)
    set_state = report_commands.add_parser("set-state", parents=[common], help="move a report to a new state (logged)")
    set_state.add_argument("reference", help="the report's reference code, e.g. GH-4K7P-2XQM")
    set_state.add_argument("state", help="new state: code or label, e.g. 已解决 or resolved")
    set_state.add_argument("--user", default=os.environ.get("USER", "cli"), help="who makes the change")
    set_state.add_argument("--answer", default=None, help="answer shown to the reporter")
    set_state.set_defaults(run=_cmd_reports_set_state)

    register_rider_commands(commands)
    register_poster_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a closed pipe shows here, not in Python's own flush at exit
        return code
    except BrokenPipeError:
        # the reader went away (`python -m geo ... | head`): quietly, with the status a shell
        # gives a program ended by SIGPIPE (128 + 13), and no second error when Python flushes
        # stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
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
