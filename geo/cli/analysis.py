"""``nearest``, ``coverage`` and ``gaps``: the analyses on the command line, in memory or, for
files of any size, streamed or on Dask."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.analysis.nearest import nearest_stations
from geo.cli.common import (
    MAX_DISTANCE_M,
    MAX_K,
    MAX_NEW_SITES,
    MAX_RADIUS_M,
    add_lang_option,
    metres,
    print_json,
    report_error,
    report_invalid,
    share,
    whole_number,
    write_output,
)
from geo.errors import GeoDataError, OutputError, StationDataError
from geo.place.datum import Datum, convert
from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.readers import read_point_table, read_study_area
from geo.register.geojson import load_stations
from geo.register.model import AMENITIES, StationType
from geo.tables import csv_bytes, xlsx_bytes

#: Station columns copied into ``nearest`` output, after the trip figures.
_RESULT_COLUMNS = ("id", "station_type", "name_zh", "name_en", "location_status")


def _cmd_nearest(args: argparse.Namespace) -> int:
    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return report_invalid(err, args.json)
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
        return report_error(err, args.json)
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
        write_output(xlsx_bytes({"nearest": table}) if args.out.suffix.lower() == ".xlsx" else csv_bytes(table), args.out)
    if args.json:
        print_json(json.loads(table.to_json(orient="records", force_ascii=False)))
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
        return report_error(err, args.json)
    payload = {"file": Path(args.points).name, "k": args.k, "out": str(args.out) if args.out else None,
               **summary.to_dict()}
    if args.json:
        print_json(payload)
    else:
        print(f"{payload['file']}: {summary.points:,} points; nearest station median {payload['median_nearest_m']:.1f} m, "
              f"mean {payload['mean_nearest_m']:.1f} m, max {payload['max_nearest_m']:.1f} m"
              + (f"; per point: {args.out}" if args.out else ""))
    return 0


def _nearest_on_dask(stations, args: argparse.Namespace):
    """On Dask, ``--out`` is a folder of GeoParquet parts written by the workers."""
    from geo.analysis.on_dask import dask_client, dask_nearest

    if args.datum != "wgs84":
        raise GeoDataError("err_dask_needs_wgs84")
    with dask_client(args.scheduler) as client:
        _, summary = dask_nearest(stations, args.points, client, k=args.k, out=args.out)
    return summary


def _single_point(lon: float, lat: float, datum: str) -> pd.DataFrame:
    """One query point from the command line, as :func:`read_point_table` would give it."""
    wgs_lon, wgs_lat = convert(lon, lat, source=Datum(datum), target=Datum.WGS84)
    if not (-180 <= wgs_lon <= 180 and -90 <= wgs_lat <= 90):
        raise GeoDataError("err_lonlat_not_degrees", lon=lon, lat=lat)
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
        write_output(make("pdf" if path.suffix.lower() == ".pdf" else "png"), path)


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
        return report_invalid(err, args.json)
    radius: float | dict[str, float] = args.radius_m
    if args.type_radius:
        radius = {kind: float(value) for kind, value in (item.split("=", 1) for item in args.type_radius)}
    try:
        if _is_large_run(args):
            if args.demand is None:
                raise GeoDataError("err_streamed_needs_demand")
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
            write_output(content, args.out)
        _write_report(args.report, lambda fmt: coverage_report(summary, stations, lang=args.lang, made_on=made_on,
                                                                status=_status(stations, args.lang), file_format=fmt))
    except OutputError:
        raise  # exit 3, see main()
    except (GeoDataError, ValueError, OSError) as err:
        return report_error(err, args.json)
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
        print_json(payload)
    else:
        print(f"{payload['demand']}; radius {summary.radius_text('en')}")
        print(f"covered {summary.share_covered:.1%}, twice or more {summary.share_covered_2plus:.1%}")
        print(table.to_string(index=False))
    return 0


def _print_at_scale(payload: dict[str, Any], as_json: bool) -> int:
    """The overall figures of a streamed or Dask run."""
    if as_json:
        print_json(payload)
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
        print_json(payload)
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
        raise GeoDataError("err_streamed_no_by")
    if args.out is not None and not _is_parquet(args.out):
        raise GeoDataError("err_out_not_parquet")
    if args.dask or args.scheduler is not None:
        from geo.analysis.on_dask import dask_client, dask_coverage

        if args.out is not None or args.datum != "wgs84":
            raise GeoDataError("err_dask_coverage_options")
        with dask_client(args.scheduler) as client:
            return dask_coverage(stations, args.demand, radius, client).to_dict()
    return stream_coverage(stations, iter_demand_chunks(args.demand, chunk_rows=args.chunk_rows, datum=args.datum),
                           radius, out=args.out).to_dict()


def _cmd_gaps(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.analysis.demand import load_demand
    from geo.analysis.gap_analysis import fewest_sites, plan_sites, prepare_gaps
    from geo.outputs.printable import gaps_report
    from geo.outputs.result_files import sites_csv, sites_table
    from geo.place.describe import reference_places, where_text

    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return report_invalid(err, args.json)
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
            write_output(sites_csv(problem, plan, lang="en", datum=args.out_datum, made_on=made_on,
                                    status=_status(stations)), args.out)
        _write_report(args.report, lambda fmt: gaps_report(problem, plan, lang=args.lang, made_on=made_on,
                                                            status=_status(stations, args.lang), file_format=fmt))
    except OutputError:
        raise  # exit 3, see main()
    except (GeoDataError, ValueError, OSError) as err:
        return report_error(err, args.json)
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
        print_json(payload)
    else:
        print(f"{plan.method} ({'optimal' if plan.result.optimal else 'not proven optimal'}): coverage "
              f"{payload['covered_before']:.1%} -> {payload['covered_after']:.1%} with {len(picks)} new station(s)")
        for pick in picks:
            print(f"  {pick['rank']}. {pick['where']} [{pick['candidate']}] ({pick['lon']}, {pick['lat']} {pick['datum']})"
                  f" +{pick['marginal_gain']:g}")
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
    add_lang_option(command, "the report")


def add_analysis_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``nearest``, ``coverage`` and ``gaps``."""
    nearest = commands.add_parser(
        "nearest",
        help="k nearest qualifying stations of a point (--lon/--lat) or of every row of a CSV (--points)",
    )
    nearest.add_argument("--lon", type=float, help="longitude of the query point (degrees)")
    nearest.add_argument("--lat", type=float, help="latitude of the query point (degrees)")
    nearest.add_argument("--points", type=Path, help="CSV with lon,lat columns (other columns are kept), or GeoParquet (streamed)")
    nearest.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84", help="datum of the query points")
    nearest.add_argument("-k", type=whole_number(1, MAX_K), default=3, help=f"how many stations per point (1-{MAX_K}, default 3)")
    nearest.add_argument("--max-distance-m", type=metres(MAX_DISTANCE_M), default=None,
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
    coverage.add_argument("--radius-m", type=metres(MAX_RADIUS_M), default=500.0,
                          help=f"service radius in metres (default 500, at most {MAX_RADIUS_M:,.0f})")
    coverage.add_argument("--type-radius", action="append", metavar="TYPE=METRES",
                          help="per-type radius, e.g. red=1000 (repeatable; replaces --radius-m)")
    coverage.add_argument("--by", choices=["type", "community"], help="break the figures down")
    coverage.add_argument("--study-area", type=Path, help="polygon GeoJSON for area coverage (default: stations' extent + 1 km)")
    coverage.add_argument("--resolution", type=whole_number(6, 11), default=9,
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
    gaps.add_argument("--radius-m", type=metres(MAX_RADIUS_M), default=1000.0,
                      help=f"service radius in metres (default 1000, at most {MAX_RADIUS_M:,.0f})")
    gaps.add_argument("--add", type=whole_number(0, MAX_NEW_SITES), default=3,
                      help=f"how many new stations (MCLP, 0-{MAX_NEW_SITES}, default 3)")
    gaps.add_argument("--target-coverage", type=share, help="instead: fewest new stations to cover this share (e.g. 0.95)")
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
