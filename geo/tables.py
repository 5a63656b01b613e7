"""Tables the project writes for other programs (CSV, Excel), and files written whole or not at all.

Spreadsheet programs run a cell that starts like a formula (``=HYPERLINK(...)``, ``+cmd|...``,
``@SUM``, ``-2+3``): every CSV/Excel file the project writes goes through
:func:`guard_formulas`, which prefixes such text cells (and column names) with ``'`` — the
OWASP "CSV injection" remedy; :func:`unguard_formulas` undoes it on import.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from pathlib import Path
from typing import Mapping

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Temporary files of atomic writes end so; a writer killed mid-write leaves one behind.
TEMP_SUFFIX = ".tmp"


def _guard(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _unguard(value: object) -> object:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def guard_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` in which no text cell or column name can start a formula."""
    guarded = table.map(_guard)
    guarded.columns = [_guard(str(column)) for column in table.columns]
    return guarded


def unguard_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`guard_formulas` on a table read back from a file."""
    return table.map(_unguard)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """``table`` as CSV, UTF-8 with a byte-order mark (so that Excel reads the Chinese), guarded.
    Lines end in CRLF (RFC 4180), which also makes every cell holding a line break quoted."""
    return guard_formulas(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook with one sheet per entry (sheet name -> table), every sheet guarded."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            guard_formulas(table).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def write_bytes_atomic(content: bytes, path: Path | str) -> None:
    """Write ``content`` to ``path`` so that the file is either complete or not there (or as it
    was): a temporary file beside it, flushed to disk, renamed over it. Raises ``OSError`` (full
    disk, read-only folder, missing folder...) with no partial file left behind."""
    path = Path(path)
    if path.exists() and not path.is_file():
        # a folder, or a device such as /dev/full: renaming over it would replace it
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    mode = _mode_for(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The permission bits a rewritten ``path`` keeps: its own, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # read, not set: os.umask() changes the process's mask for a moment, and other threads of
    # the server could create files in that moment
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022
