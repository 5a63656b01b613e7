"""The one reader of station lists: real .xlsx files (openpyxl) and CSVs in UTF-8, GBK and UTF-16,
with the row numbers a spreadsheet shows; spreadsheet bombs and oversized sheets refused fast."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zlib

import pytest
from openpyxl import Workbook

from geo.errors import SheetError
from geo.register.sheets import MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS, read_station_table

#: More rows than the header search and the row limit together.
HEADER_AND_TITLE = 11
TOWN_ROWS = [("骑龙社区党群驿站", "116.8265", "30.7391", "骑龙路 8 号"), ("金星社区党群驿站", "116.8313", "30.7444", "金星路 1 号")]


def write_xlsx(path, rows, *, title=None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "驿站"
    if title:
        sheet.append([title])
        sheet.append([])
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def test_a_gbk_csv_from_chinese_excel_is_read_and_says_so(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(("名称,经度,纬度,地址\r\n" + "".join(",".join(r) + "\r\n" for r in TOWN_ROWS)).encode("gbk"))
    table = read_station_table(path)
    assert table.encoding == "GBK (GB18030)" and table.headers == ("名称", "经度", "纬度", "地址")
    assert table.rows == tuple(TOWN_ROWS) and table.row_numbers == (2, 3) and table.unit == "row"


def test_utf8_with_bom_semicolons_and_utf16_tabs(tmp_path):
    utf8 = tmp_path / "a.csv"
    utf8.write_bytes(("\ufeff名称;经度;纬度\n" + "骑龙社区党群驿站;116.8265;30.7391\n").encode("utf-8"))
    assert read_station_table(utf8).rows == (("骑龙社区党群驿站", "116.8265", "30.7391"),)
    assert read_station_table(utf8).encoding == "UTF-8"
    utf16 = tmp_path / "b.txt"  # Excel's "Unicode text"
    utf16.write_bytes(("名称\t经度\t纬度\r\n骑龙社区党群驿站\t116.8265\t30.7391\r\n").encode("utf-16"))
    table = read_station_table(utf16)
    assert table.encoding == "UTF-16" and table.rows == (("骑龙社区党群驿站", "116.8265", "30.7391"),)


def test_row_numbers_count_records_as_a_spreadsheet_does(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('名称,地址\n甲站,"骑龙路\n8 号"\n\n乙站,金星路\n', encoding="utf-8")
    table = read_station_table(path)
    assert table.row_numbers == (2, 4)  # the quoted line break is one cell; the blank record is row 3
    assert table.rows[0] == ("甲站", "骑龙路\n8 号")


def test_an_xlsx_with_a_title_row_numbers_rows_as_excel_shows_them(tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [("名称", "经度", "纬度", "电话"), ("骑龙社区党群驿站", 116.8265, 30.7391, 13812345678),
                                             (), ("金星社区党群驿站", 116.8313, 30.7444, "0556-5212345")],
                      title="高河镇新就业群体服务站点名单")
    table = read_station_table(path)
    assert table.header_row == 3 and table.headers == ("名称", "经度", "纬度", "电话")
    assert table.row_numbers == (4, 6) and table.sheet_name == "驿站"
    assert table.rows[0] == ("骑龙社区党群驿站", "116.8265", "30.7391", "13812345678")


def test_a_missing_file_an_empty_file_and_an_old_xls_get_clear_messages(tmp_path):
    with pytest.raises(SheetError, match="file not found"):
        read_station_table(tmp_path / "nothing.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SheetError, match="empty"):
        read_station_table(tmp_path / "empty.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 an OLE2 file")
    with pytest.raises(SheetError, match="save as .xlsx or CSV"):
        read_station_table(tmp_path / "old.xls")
    (tmp_path / "renamed.xlsx").write_bytes(b"\xd0\xcf\x11\xe0 an OLE2 file")
    with pytest.raises(SheetError, match="not an Excel .xlsx file"):
        read_station_table(tmp_path / "renamed.xlsx")
    (tmp_path / "binary.csv").write_bytes(b"PK\x03\x04\x00\x00\x00binary")
    with pytest.raises(SheetError, match="not a text"):
        read_station_table(tmp_path / "binary.csv")


def test_too_many_rows_or_columns_are_refused(tmp_path):
    rows = [("名称", "经度")] + [(f"站 {i}", 116.8) for i in range(MAX_IMPORT_ROWS + HEADER_AND_TITLE)]
    with pytest.raises(SheetError, match=f"more than {MAX_IMPORT_ROWS} rows"):
        read_station_table(write_xlsx(tmp_path / "long.xlsx", rows))
    wide = [tuple(f"c{i}" for i in range(MAX_IMPORT_COLUMNS + 1)), tuple("x" for _ in range(MAX_IMPORT_COLUMNS + 1))]
    with pytest.raises(SheetError, match=f"more than {MAX_IMPORT_COLUMNS} columns"):
        read_station_table(write_xlsx(tmp_path / "wide.xlsx", wide))
    long_csv = tmp_path / "long.csv"
    long_csv.write_text("名称\n" + "站\n" * (MAX_IMPORT_ROWS + HEADER_AND_TITLE), encoding="utf-8")
    with pytest.raises(SheetError, match="split it"):
        read_station_table(long_csv)
    exactly = tmp_path / "limit.csv"
    exactly.write_text("名称\n" + "站\n" * MAX_IMPORT_ROWS, encoding="utf-8")
    assert len(read_station_table(exactly).rows) == MAX_IMPORT_ROWS


# --- a real spreadsheet bomb -------------------------------------------------------------------

def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of already deflated entries: (name, raw deflate data, crc32, unpacked size)."""
    local, central, offset = [], [], 0
    for name, data, crc, size in entries:
        encoded = name.encode("utf-8")
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0) + encoded
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        local.append(header + data)
        offset += len(header) + len(data)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(local) + directory + end


def _xlsx_with_sheet(sheet_prefix: bytes, filler_mib: int, sheet_suffix: bytes) -> bytes:
    """A valid workbook whose only sheet holds one inline-string cell of ``filler_mib`` MiB of "a".
    The deflate stream of the filler is built from one repeated block, so making a 4 GiB sheet
    takes a fraction of a second; its CRC is computed over every byte, as a reader checks it."""
    small = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        b"</Types>",
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        b'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        b'Target="worksheets/sheet1.xml"/></Relationships>',
    }
    entries = [(name, _raw_deflate(data), zlib.crc32(data), len(data)) for name, data in small.items()]
    chunk = b"a" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(sheet_prefix) + compressor.flush(zlib.Z_SYNC_FLUSH)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
    steady = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
    tail = compressor.compress(sheet_suffix) + compressor.flush()
    # once the window is full of "a", every further MiB compresses to the same block
    blocks = [first] + [steady] * (filler_mib - 1) if filler_mib else []
    data = head + b"".join(blocks) + tail
    crc = zlib.crc32(sheet_prefix)
    for _ in range(filler_mib):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(sheet_suffix, crc)
    size = len(sheet_prefix) + filler_mib * len(chunk) + len(sheet_suffix)
    entries.append(("xl/worksheets/sheet1.xml", data, crc, size))
    return _zip(entries)


SHEET_PREFIX = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
                '<row r="2"><c r="A2" t="inlineStr"><is><t>').encode("utf-8")
SHEET_SUFFIX = b"</t></is></c></row></sheetData></worksheet>"


def test_the_bomb_maker_makes_real_workbooks(tmp_path):
    path = tmp_path / "small.xlsx"
    path.write_bytes(_xlsx_with_sheet(SHEET_PREFIX, 3, SHEET_SUFFIX))
    table = read_station_table(path)
    assert table.headers == ("名称",) and table.rows == (("a" * (3 << 20),),)  # the repeated block decodes right


def test_a_4_mb_xlsx_that_unpacks_to_4_gib_is_refused_fast_and_small(tmp_path):
    path = tmp_path / "炸弹.xlsx"
    path.write_bytes(_xlsx_with_sheet(SHEET_PREFIX, 4095, SHEET_SUFFIX))  # 4 GiB less 1 MiB: no zip64 needed
    assert path.stat().st_size < 5_000_000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(SheetError, match="unpacks to 4294 MB") as refused:
        read_station_table(path)
    elapsed_s = time.perf_counter() - started
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed_s < 1.0 and peak_bytes < 5_000_000
    assert "解压后有 4294 MB" in refused.value.localized("zh")


def _dimensionless_xlsx(rows: int, cells_per_row: int) -> bytes:
    """A workbook whose sheet declares no dimension (as many tools write them): tiny rows, so a
    million of them stay under the unpacked-size limit."""
    row = b"<row>" + b"<c><v>1</v></c>" * cells_per_row + b"</row>"
    prefix = SHEET_PREFIX.split(b'<row r="2">')[0]
    sheet = prefix + row * rows + b"</sheetData></worksheet>"
    data = _raw_deflate(sheet)
    workbook = _xlsx_with_sheet(SHEET_PREFIX, 0, SHEET_SUFFIX)
    # same parts, the sheet replaced
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        entries = [(n, _raw_deflate(archive.read(n)), zlib.crc32(archive.read(n)), len(archive.read(n)))
                   for n in archive.namelist() if n != "xl/worksheets/sheet1.xml"]
    return _zip([*entries, ("xl/worksheets/sheet1.xml", data, zlib.crc32(sheet), len(sheet))])


@pytest.mark.parametrize(("rows", "cells_per_row", "message"), [
    (1_048_000, 1, f"more than {MAX_IMPORT_ROWS} rows"),  # Excel's last row, one cell each
    (3_000, 1_000, "more than 501000 cells"),  # within the row limit, a thousand cells a row
])
def test_a_sheet_without_a_dimension_is_refused_at_the_limit_not_read_to_its_end(tmp_path, rows, cells_per_row, message):
    path = tmp_path / "长表.xlsx"
    path.write_bytes(_dimensionless_xlsx(rows, cells_per_row))
    started = time.perf_counter()
    with pytest.raises(SheetError, match=message):
        read_station_table(path)
    # openpyxl alone reads such a sheet to its end first: over 30 s for the million rows here
    assert time.perf_counter() - started < 5.0
