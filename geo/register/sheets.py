"""The one reader of station lists: Excel (.xlsx), CSV (UTF-8, GBK, UTF-16), KML and GeoJSON,
read into a table of text cells with the row numbers a person sees.

Spreadsheets are checked before they are read: a 4 MB .xlsx can unpack to gigabytes (a "zip
bomb"), so the sizes its zip directory declares, its declared dimension, and its rows and
columns as they stream in are all held to limits, and the file is refused as soon as one is
passed. Python's zip reader never yields more bytes than an entry declares, so the declared
sizes bound the work.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterable, Iterator

import fastkml
import pandas as pd

from geo.errors import Problem, SheetError
from geo.place.datum import Datum
from geo.readers import MAX_FILE_BYTES, check_file_size, decode_csv, encoding_label, read_json_file
from geo.register.normalise import guess_columns
from geo.tables import unguard_formulas

#: Data rows read from one file at most (the town has about 60 stations).
MAX_IMPORT_ROWS = 5_000
#: Columns read from one sheet at most.
MAX_IMPORT_COLUMNS = 100
#: What the parts of an .xlsx may unpack to, in all (the whole town is well under 1 MB).
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_XLSX_PARTS = 2_000
#: Rows searched for the header (a title row above it is common in the town's sheets).
HEADER_SEARCH_ROWS = 10

SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".kml", ".geojson", ".json")



@dataclass(frozen=True)
class SheetTable:
    """The cells of a station list as text.

    ``row_numbers[i]`` is where ``rows[i]`` is in the file as its user sees it: the spreadsheet
    row (header = row 1 when it is the first row) for Excel and CSV, the feature or placemark
    number (from 1) for GeoJSON and KML; ``unit`` says which.
    """

    source: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]
    unit: str = "row"
    #: "UTF-8", "GBK (GB18030)" or "UTF-16" for text files, else None.
    encoding: str | None = None
    sheet_name: str | None = None
    sheet_names: tuple[str, ...] = ()
    header_row: int = 1
    #: The datum a GeoJSON file declares in its foreign member ``datum`` (our exports do).
    declared_datum: Datum | None = None
    notes: tuple[str, ...] = field(default=())

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """``(row number, {header: text})`` of every data row."""
        for number, row in zip(self.row_numbers, self.rows):
            yield number, dict(zip(self.headers, row))


def cell_text(value: Any) -> str:
    """A cell as the text a person reads in it: ``116.823494``, ``13812345678``, ``2026-11-28``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (date, time)):
        return value.isoformat() if isinstance(value, date) else value.strftime("%H:%M")
    return str(value).strip()


def _fail(source: str, key: str, **params: Any) -> SheetError:
    return SheetError(source, [Problem(key, params)])


def _unguarded(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Cells with the ``'`` our exports put before text a spreadsheet would run as a formula
    taken off again (:func:`geo.tables.unguard_formulas`)."""
    if not rows:
        return rows
    width = max(len(cells) for _, cells in rows)
    padded = [cells + [""] * (width - len(cells)) for _, cells in rows]
    cells = unguard_formulas(pd.DataFrame(padded, dtype=object)).to_numpy().tolist()
    return [(number, row) for (number, _), row in zip(rows, cells)]


def _find_header(rows: list[tuple[int, list[str]]]) -> int:
    """Index in ``rows`` of the header: the first of the top rows naming two known fields,
    else the first row with any text."""
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if len(guess_columns([c for c in cells if c])) >= 2:
            return index
    return next((i for i, (_, cells) in enumerate(rows) if any(cells)), 0)


def _table(source: str, numbered_rows: Iterable[tuple[int, list[str]]], **extra: Any) -> SheetTable:
    """A table from ``(row number, cells)``: header found, blank rows and columns dropped,
    headers made unique and never empty."""
    rows = _unguarded(list(numbered_rows))
    if not any(any(cells) for _, cells in rows):
        raise _fail(source, "err_sheet_empty")
    at = _find_header(rows)
    header_row, header_cells = rows[at]
    data = [(n, cells) for n, cells in rows[at + 1:] if any(c.strip() for c in cells)]
    width = max([len(header_cells), *(len(cells) for _, cells in data)])
    used = [i for i in range(width) if (i < len(header_cells) and header_cells[i].strip())
            or any(i < len(cells) and cells[i].strip() for _, cells in data)]
    headers: list[str] = []
    for i in used:
        name = header_cells[i].strip() if i < len(header_cells) and header_cells[i].strip() else f"column {i + 1}"
        while name in headers:
            name += "'"
        headers.append(name)
    padded = [tuple((cells[i] if i < len(cells) else "") for i in used) for _, cells in data]
    return SheetTable(source, tuple(headers), tuple(padded), tuple(n for n, _ in data), header_row=header_row, **extra)


# --- Excel -------------------------------------------------------------------------------------

def _check_xlsx_parts(path: Path, source: str) -> None:
    """Refuse a workbook whose parts would unpack too big, before any of it is unpacked."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise _fail(source, "err_xlsx_not_a_workbook") from None
    if len(parts) > MAX_XLSX_PARTS:
        raise _fail(source, "err_xlsx_too_many_parts", n=len(parts), limit=MAX_XLSX_PARTS)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _fail(source, "err_xlsx_unpacks_too_large", mb=unpacked / 1e6, limit_mb=MAX_XLSX_UNPACKED_BYTES / 1e6)


#: Bytes of a worksheet's XML read at a time by the row count that precedes openpyxl.
_SCAN_CHUNK_BYTES = 1 << 20
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")


def _check_xlsx_rows(path: Path, source: str) -> None:
    """Refuse a workbook with a sheet of too many rows or cells, counting their tags as the XML
    streams and stopping at the limit. openpyxl reads a sheet that declares no dimension to its
    end before it yields a row (50 MB of small rows: half a minute of a core), so it only ever
    sees sheets within the limits. A document type declaration (entities could expand to rows
    the count cannot see) is refused: spreadsheet programs never write one."""
    row_limit = MAX_IMPORT_ROWS + HEADER_SEARCH_ROWS
    cell_limit = row_limit * MAX_IMPORT_COLUMNS
    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        for name in sheets:
            rows = cells = 0
            tail = b""
            with archive.open(name) as part:
                while chunk := part.read(_SCAN_CHUNK_BYTES):
                    # a tag cut by the chunk boundary is whole in ``tail + chunk``; one seen whole
                    # in ``tail`` was counted with the chunk before
                    window = tail + chunk
                    if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                        raise _fail(source, "err_not_xlsx", reason="DOCTYPE")
                    rows += len(_ROW_TAG.findall(window)) - len(_ROW_TAG.findall(tail))
                    cells += len(_CELL_TAG.findall(window)) - len(_CELL_TAG.findall(tail))
                    tail = window[-64:]
                    if rows > row_limit:
                        raise _fail(source, "err_too_many_rows", n=f">{MAX_IMPORT_ROWS}", limit=MAX_IMPORT_ROWS)
                    if cells > cell_limit:
                        raise _fail(source, "err_too_many_cells", limit=cell_limit)


def _read_xlsx(path: Path, source: str, sheet: str | None) -> SheetTable:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_xlsx_parts(path, source)
    try:
        _check_xlsx_rows(path, source)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise _fail(source, "err_not_xlsx", reason=f"{type(err).__name__}: {err}"[:200]) from err
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, zipfile.BadZipFile, OSError) as err:
        raise _fail(source, "err_not_xlsx", reason=f"{type(err).__name__}: {err}"[:200]) from err
    try:
        names = tuple(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise _fail(source, "err_no_such_sheet", sheet=sheet, sheets=", ".join(names))
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        # the dimension the file declares, when it declares one, refuses a huge sheet at once
        declared_rows, declared_columns = worksheet.max_row or 0, worksheet.max_column or 0
        if declared_rows > MAX_IMPORT_ROWS + HEADER_SEARCH_ROWS:
            raise _fail(source, "err_too_many_rows", n=declared_rows, limit=MAX_IMPORT_ROWS)
        if declared_columns > MAX_IMPORT_COLUMNS:
            raise _fail(source, "err_too_many_columns", n=declared_columns, limit=MAX_IMPORT_COLUMNS)
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(worksheet.iter_rows(min_row=1, max_col=MAX_IMPORT_COLUMNS + 1, values_only=True),
                                        start=1):
            if len(values) > MAX_IMPORT_COLUMNS and values[MAX_IMPORT_COLUMNS] is not None:
                raise _fail(source, "err_too_many_columns", n=f">{MAX_IMPORT_COLUMNS}", limit=MAX_IMPORT_COLUMNS)
            if number > MAX_IMPORT_ROWS + HEADER_SEARCH_ROWS:
                raise _fail(source, "err_too_many_rows", n=f">{MAX_IMPORT_ROWS}", limit=MAX_IMPORT_ROWS)
            rows.append((number, [cell_text(v) for v in values[:MAX_IMPORT_COLUMNS]]))
        return _table(source, rows, sheet_name=worksheet.title, sheet_names=names)
    finally:
        workbook.close()


# --- CSV ---------------------------------------------------------------------------------------

def _read_csv(path: Path, source: str) -> SheetTable:
    problems: list[Problem] = []
    decoded = decode_csv(path.read_bytes(), problems)
    if decoded is None:
        raise SheetError(source, problems)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(decoded.text, newline=""), delimiter=decoded.delimiter)
    try:
        # records, not lines, are what a spreadsheet numbers (a quoted cell may span lines)
        for number, cells in enumerate(reader, start=1):
            if number > MAX_IMPORT_ROWS + HEADER_SEARCH_ROWS:
                raise _fail(source, "err_too_many_rows", n=f">{MAX_IMPORT_ROWS}", limit=MAX_IMPORT_ROWS)
            if len(cells) > MAX_IMPORT_COLUMNS:
                raise _fail(source, "err_too_many_columns", n=len(cells), limit=MAX_IMPORT_COLUMNS)
            rows.append((number, [c.strip() for c in cells]))
    except csv.Error as err:
        raise _fail(source, "err_csv_unreadable", reason=f"line {reader.line_num}: {err}") from err
    return _table(source, rows, encoding=encoding_label(decoded.encoding))


# --- KML and GeoJSON ---------------------------------------------------------------------------

def _read_kml(path: Path, source: str) -> SheetTable:
    """Placemarks of a KML file in document order, each read by fastkml: ``<Data>`` fields as
    columns, the ``<name>`` as the Chinese name when no field gives it, a point's coordinates as
    ``lon``/``lat``."""
    from defusedxml import DefusedXmlException, ElementTree

    try:
        # defusedxml first: a DOCTYPE or entity (billion laughs, a local file) never reaches fastkml;
        # its tree gives the placemarks in document order (fastkml lists folders first)
        root = ElementTree.fromstring(path.read_bytes())
    except (DefusedXmlException, ElementTree.ParseError) as err:
        raise _fail(source, "err_file_unreadable", reason=f"{type(err).__name__}: {err}") from err
    records: list[dict[str, str]] = []
    for element in root.iter(f"{fastkml.config.KMLNS}Placemark"):
        if len(records) >= MAX_IMPORT_ROWS:
            raise _fail(source, "err_too_many_rows", n=f">{MAX_IMPORT_ROWS}", limit=MAX_IMPORT_ROWS)
        try:
            placemark = fastkml.Placemark.from_string(ElementTree.tostring(element, encoding="unicode"), strict=False)
        except (ValueError, TypeError, AttributeError) as err:
            raise _fail(source, "err_file_unreadable", reason=f"{type(err).__name__}: {err}") from err
        data = placemark.extended_data.elements if placemark.extended_data else []
        record = {str(item.name): (item.value or "").strip() for item in data if isinstance(item, fastkml.Data)}
        record.setdefault("name_zh", (placemark.name or "").strip())
        point = placemark.geometry
        is_point = point is not None and point.geom_type == "Point"
        record["lon"], record["lat"] = (repr(point.x), repr(point.y)) if is_point else ("", "")
        records.append(record)
    return _records_table(source, records, unit="feature")


def _read_geojson(path: Path, source: str) -> SheetTable:
    problems: list[Problem] = []
    doc = read_json_file(path, problems)
    if problems:
        raise SheetError(source, problems)
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise _fail(source, "err_not_feature_collection", kind=type(doc).__name__)
    if len(features) > MAX_IMPORT_ROWS:
        raise _fail(source, "err_too_many_rows", n=len(features), limit=MAX_IMPORT_ROWS)
    records: list[dict[str, str]] = []
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        record = {str(k): _json_cell(v) for k, v in (props.items() if isinstance(props, dict) else [])}
        coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
        ok = isinstance(coords, list) and len(coords) >= 2
        record["lon"], record["lat"] = (_json_cell(coords[0]), _json_cell(coords[1])) if ok else ("", "")
        records.append(record)
    declared = doc.get("datum")
    datum = Datum(declared) if declared in {d.value for d in Datum} else None
    return _records_table(source, records, unit="feature", declared_datum=datum)


def _json_cell(value: Any) -> str:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return cell_text(value)


def _records_table(source: str, records: list[dict[str, str]], **extra: Any) -> SheetTable:
    if not records:
        raise _fail(source, "err_sheet_empty")
    headers = tuple(dict.fromkeys(key for record in records for key in record))
    if len(headers) > MAX_IMPORT_COLUMNS:
        raise _fail(source, "err_too_many_columns", n=len(headers), limit=MAX_IMPORT_COLUMNS)
    rows = tuple(tuple(record.get(h, "") for h in headers) for record in records)
    return SheetTable(source, headers, rows, tuple(range(1, len(rows) + 1)), **extra)


def read_station_table(path: Path | str, *, sheet: str | None = None, source: str | None = None) -> SheetTable:
    """The cells of a station list (``.xlsx``, ``.csv``, ``.kml``, ``.geojson``) as text.

    ``sheet`` picks a worksheet of a workbook (default: the first); ``source`` is the name
    messages use (default: the file name). Raises :class:`SheetError` saying what is wrong.
    """
    path = Path(path)
    source = source or path.name
    problems: list[Problem] = []
    if not check_file_size(path, MAX_FILE_BYTES, problems):
        raise SheetError(source, problems)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, source, sheet)
    if suffix in (".csv", ".txt"):
        return _read_csv(path, source)
    if suffix == ".kml":
        return _read_kml(path, source)
    if suffix in (".geojson", ".json"):
        return _read_geojson(path, source)
    if suffix in (".xls", ".et", ".ods", ".numbers"):
        raise _fail(source, "err_old_spreadsheet", suffix=suffix)
    raise _fail(source, "err_unsupported_format", suffix=suffix)
