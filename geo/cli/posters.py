"""``python -m geo posters --out posters.pdf [--base-url URL]``: a QR poster for every station's
door (or for ``--station`` ones), one A5 page each (:mod:`geo.outputs.posters`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from geo.errors import GeoDataError, StationDataError
from geo.outputs.posters import posters_pdf, station_page_url
from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.register.geojson import load_stations
from geo.register.model import StationType
from geo.tables import write_bytes_atomic

#: Where the app is reached from riders' phones, when --base-url is not given.
PUBLIC_URL_ENV = "GAOHE_PUBLIC_URL"


def _records(stations) -> list[dict]:
    columns = [c for c in stations.columns if c != stations.geometry.name]
    return [dict(zip(columns, values)) for values in stations[columns].itertuples(index=False, name=None)]


def _cmd_posters(args: argparse.Namespace) -> int:
    def fail(err: GeoDataError, code: int) -> int:
        if args.json:
            json.dump({"error": str(err)}, sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            print(err, file=sys.stderr)
        return code

    base_url = args.base_url or os.environ.get(PUBLIC_URL_ENV, "").strip()
    if not base_url:
        return fail(GeoDataError("err_poster_no_base_url"), 2)
    try:
        station_page_url(base_url, "PM-01")
        stations = load_stations(args.file)
    except StationDataError as err:
        return fail(err, 1)
    except GeoDataError as err:
        return fail(err, 2)
    if args.station:
        missing = sorted(set(args.station) - set(stations["id"]))
        if missing:
            return fail(GeoDataError("err_poster_no_station", ids=", ".join(missing)), 1)
        stations = stations[stations["id"].isin(args.station)]
    if args.type:
        stations = stations[stations["station_type"].isin(args.type)]
    content = posters_pdf(_records(stations), base_url=base_url)
    try:
        write_bytes_atomic(content, args.out)
    except OSError as err:
        return fail(GeoDataError("err_output_not_written", file=str(args.out), reason=err.strerror or str(err)), 3)
    summary = {"file": str(args.out), "pages": len(stations), "base_url": base_url.rstrip("/"),
               "example": station_page_url(base_url, str(stations["id"].iloc[0])) if len(stations) else None}
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"{args.out}: {summary['pages']} A5 pages, QR codes to {summary['base_url']}/m?station=ID")
    return 0


def register_poster_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``posters`` to the ``python -m geo`` commands."""
    posters = commands.add_parser("posters", help="a QR poster (A5 PDF page) for each station's door: scan for the "
                                                  "station's page on /m")
    posters.add_argument("--out", type=Path, required=True, help="the PDF to write")
    posters.add_argument("--base-url", help=f"the address riders' phones open the app at, e.g. https://gaohe.example.cn "
                                            f"(default ${PUBLIC_URL_ENV})")
    posters.add_argument("--station", action="append", help="only this station id (repeatable)")
    posters.add_argument("--type", action="append", choices=[t.value for t in StationType], help="only this type")
    posters.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    posters.add_argument("--json", action="store_true", help="machine-readable output")
    posters.set_defaults(run=_cmd_posters)
