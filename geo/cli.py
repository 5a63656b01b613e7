"""Command line: ``python -m geo COMMAND ...``; every command has ``--json`` for scripting.

Exit codes: 0 success, 1 invalid input data, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from geo.io import DEFAULT_STATIONS_PATH, StationDataError, load_stations
from geo.summary import count_by_type


def _print_json(payload: Any) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _report_invalid(err: StationDataError, as_json: bool) -> int:
    if as_json:
        _print_json({"valid": False, "file": err.source, "problems": [p.to_dict() for p in err.problems]})
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))
