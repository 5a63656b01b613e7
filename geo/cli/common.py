"""What every command shares: bounds and parsers of numeric options, output files written whole or
not at all, JSON and one-line messages, the options every command has (``--json``, ``--lang``,
``--file``)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from geo.errors import GeoDataError, OutputError, StationDataError
from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES
from geo.tables import write_bytes_atomic

#: Bounds of numeric options: beyond them an answer is meaningless or would not fit in memory.
MAX_K = 100


MAX_DISTANCE_M = 1_000_000.0


MAX_RADIUS_M = 50_000.0


MAX_NEW_SITES = 200


def metres(limit: float):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of metres") from None
        if not math.isfinite(value) or value <= 0 or value > limit:
            raise argparse.ArgumentTypeError(f"{text} is not a distance in metres between 0 and {limit:,.0f}")
        return value

    return parse


def whole_number(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def score(text: str) -> float:
    """A name-similarity score, 0-100 (argparse makes a ValueError a usage error, exit 2)."""
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not a score between 0 and 100")
    return value


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share such as 0.95") from None
    if not (math.isfinite(value) and 0 < value <= 1):
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1 (e.g. 0.95)")
    return value


def file_error(err: OSError) -> GeoDataError:
    """An operating-system error as one line naming the file (no traceback, no other paths)."""
    where = Path(err.filename).name if err.filename else ""
    return GeoDataError("err_file_os_error", file=where, reason=err.strerror or str(err))


def write_output(content: bytes, path: Path) -> None:
    try:
        write_bytes_atomic(content, path)
    except OSError as err:
        raise OutputError("err_output_not_written", file=str(path), reason=err.strerror or str(err)) from err


def print_json(payload: Any) -> None:
    """``payload`` as JSON (times and other objects as their text)."""
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_payload(payload: dict[str, Any] | list[dict[str, Any]], as_json: bool) -> None:
    """``payload`` as JSON, or as text: one ``key: value`` line per entry (values as JSON) of a
    mapping, one line per row of a list."""
    if as_json:
        print_json(payload)
    elif isinstance(payload, dict):
        for key, value in payload.items():
            print(f"{key}: {json.dumps(value, ensure_ascii=False, default=str)}")
    else:
        for row in payload:
            print("  ".join(str(v) for v in row.values()))


def add_lang_option(command: argparse.ArgumentParser, what: str) -> None:
    """``--lang zh|en`` for the language of ``what``, Chinese unless told otherwise."""
    command.add_argument("--lang", choices=list(LANGUAGES), default=DEFAULT_LANGUAGE,
                         help=f"language of {what} (default {DEFAULT_LANGUAGE})")


def report_invalid(err: StationDataError, as_json: bool) -> int:
    if as_json:
        print_json({"valid": False, "file": err.source, "problems": [p.to_dict() for p in err.problems]})
    else:
        print(err, file=sys.stderr)
    return 1


def report_error(err: Exception, as_json: bool) -> int:
    """One line (or a JSON object with the message and its catalogue key) saying why; exit 1."""
    if as_json:
        print_json({"error": str(err), "key": getattr(err, "key", None)})
    else:
        print(err, file=sys.stderr)
    return 1


def usage_error(message: str) -> int:
    print(f"python -m geo: error: {message}", file=sys.stderr)
    return 2
