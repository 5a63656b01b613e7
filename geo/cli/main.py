"""Command line: ``python -m geo COMMAND ...``; every command has ``--json`` for scripting.

Exit codes: 0 success, 1 invalid or unreadable input data, 2 wrong usage, 3 an output file could
not be written (full disk, read-only or missing folder; nothing partial is left behind).
Problems are one clear line on standard error (or a JSON object with ``--json``), never a
traceback; set ``GAOHE_DEBUG=1`` to see the traceback of an unexpected failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from geo.cli.analysis import add_analysis_commands
from geo.cli.common import file_error, report_error
from geo.cli.feedback import add_feedback_commands
from geo.cli.posters import register_poster_commands
from geo.cli.register import add_register_commands
from geo.cli.rider import register_rider_commands
from geo.cli.tasks import register_task_commands
from geo.errors import GeoDataError, OutputError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Gaohe station map tools")
    commands = parser.add_subparsers(dest="command", required=True)
    add_register_commands(commands)
    add_analysis_commands(commands)
    add_feedback_commands(commands)
    register_rider_commands(commands)
    register_task_commands(commands)
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
        report_error(err, as_json)
        return 3
    except (GeoDataError, OSError) as err:
        return report_error(err if isinstance(err, GeoDataError) else file_error(err), as_json)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - one clear line instead of a traceback
        if os.environ.get("GAOHE_DEBUG"):
            raise
        print(f"unexpected failure: {type(err).__name__}: {err} (set GAOHE_DEBUG=1 for details)", file=sys.stderr)
        return 1
