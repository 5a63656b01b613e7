"""Export -> import is the identity within 0.5 m, in every format and datum, through the one
import pipeline; spreadsheets are safe from formula injection; KML cannot carry an XML bomb."""

from __future__ import annotations

import pytest
from pyproj import Geod

from geo.errors import SheetError
from geo.place.reference import load_communities, load_county_boundary
from geo.register.exchange import FORMATS, export_stations
from geo.register.geojson import load_stations
from geo.register.import_plan import ImportSettings, apply_import_plan, build_import_plan
from geo.register.sheets import read_station_table
from geo.register.store import diff_stations
from geo.register.validate import PlaceChecker

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def checker():
    return PlaceChecker(load_county_boundary())


def plan_for(path, register, checker, **settings):
    return build_import_plan(read_station_table(path), register, ImportSettings(**settings),
                             communities=load_communities(), checker=checker)


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("datum", ["wgs84", "gcj02", "bd09"])
def test_export_then_import_into_an_empty_register_gives_the_register_back(tmp_path, checker, file_format, datum):
    stations = load_stations()
    path = tmp_path / f"stations.{file_format}"
    path.write_bytes(export_stations(stations, file_format, datum))
    # the file says its datum (a datum column, or the GeoJSON's datum member): the setting is overruled
    plan = plan_for(path, stations.head(0), checker, datum="wgs84")
    assert plan.valid, [str(p) for r in plan.rows for p in r.problems]
    assert [r.action for r in plan.rows] == ["new"] * len(stations)
    again = apply_import_plan(plan, stations.head(0)).stations
    moved_m = GEOD.inv(stations.geometry.x, stations.geometry.y, again.geometry.x, again.geometry.y)[2]
    assert max(moved_m) < 0.5
    for column in ("id", "station_type", "name_zh", "name_en", "community_code", "address", "opening_hours",
                   "operator", "location_status", "hours_status", "source"):
        assert list(again[column].fillna("∅")) == list(stations[column].fillna("∅")), column
    assert list(again["amenities"]) == list(stations["amenities"])


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_register_imported_over_itself_changes_nothing(tmp_path, checker, file_format):
    stations = load_stations()
    path = tmp_path / f"stations.{file_format}"
    path.write_bytes(export_stations(stations, file_format, "gcj02"))
    plan = plan_for(path, stations, checker, mode="replace")
    assert plan.valid and {r.action for r in plan.rows} == {"unchanged"} and plan.removed == []
    assert all(r.matched_by == "id" for r in plan.rows)
    outcome = apply_import_plan(plan, stations)
    assert diff_stations(stations, outcome.stations) == {"added": [], "removed": [], "changed": {}}


def test_spreadsheet_cells_cannot_run_formulas(tmp_path):
    stations = load_stations().head(2).copy()
    stations["name_en"] = ["=HYPERLINK(\"http://x\")", "@SUM(A1)"]
    csv_text = export_stations(stations, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text
    from openpyxl import load_workbook

    path = tmp_path / "s.xlsx"
    path.write_bytes(export_stations(stations, "xlsx"))
    cells = [c.value for row in load_workbook(path).active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and not any(isinstance(c, str) and c.startswith("=") for c in cells)
    table = read_station_table(path)
    column = table.headers.index("name_en")
    assert [row[column] for row in table.rows] == ["=HYPERLINK(\"http://x\")", "@SUM(A1)"]  # text again on import


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_guarded_tables_read_back_as_the_text_they_were(tmp_path, file_format):
    import pandas as pd

    from geo.tables import csv_bytes, xlsx_bytes

    table = pd.DataFrame({"名称": ["=1+1", "-2", "+cmd|' /C calc'!A0", "@x", "普通"]})
    path = tmp_path / f"t.{file_format}"
    path.write_bytes(csv_bytes(table) if file_format == "csv" else xlsx_bytes({"t": table}))
    table = read_station_table(path)
    assert [row[0] for row in table.rows] == ["=1+1", "-2", "+cmd|' /C calc'!A0", "@x", "普通"]
    raw = path.read_bytes().decode("utf-8-sig") if file_format == "csv" else None
    if raw is not None:
        assert "'=1+1" in raw and "\n=1+1" not in raw


def test_a_kml_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.kml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&b;</name></Document></kml>')
    with pytest.raises(SheetError, match="EntitiesForbidden"):
        read_station_table(path)


def test_a_kml_from_google_earth_with_folders_and_heights_is_read_placemark_by_placemark(tmp_path):
    path = tmp_path / "earth.kml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>x</name>'
        "<Folder><name>驿站</name><Placemark><name>骑龙社区党群驿站</name>"
        "<Point><coordinates>116.8286,30.7350,0</coordinates></Point></Placemark>"
        "<Folder><Placemark><name>金星 &lt;店&gt;</name><ExtendedData><Data name=\"station_type\"><value>red</value>"
        "</Data></ExtendedData><Point><coordinates> 116.83,30.74 </coordinates></Point></Placemark></Folder></Folder>"
        "<Placemark><name>一段路</name><LineString><coordinates>116.8,30.7 116.9,30.8</coordinates></LineString>"
        "</Placemark></Document></kml>", encoding="utf-8")
    table = read_station_table(path)
    rows = [dict(zip(table.headers, row)) for row in table.rows]
    assert [(r["name_zh"], r["lon"], r["lat"]) for r in rows] == [
        ("骑龙社区党群驿站", "116.8286", "30.735"), ("金星 <店>", "116.83", "30.74"), ("一段路", "", "")]
    assert rows[1]["station_type"] == "red" and table.row_numbers == (1, 2, 3)


def test_exported_kml_is_plain_kml_22_other_tools_read(tmp_path):
    from xml.etree import ElementTree

    stations = load_stations().head(3)
    root = ElementTree.fromstring(export_stations(stations, "kml", "gcj02"))
    kml = "{http://www.opengis.net/kml/2.2}"
    assert root.tag == f"{kml}kml"
    names = [p.findtext(f"{kml}name") for p in root.iter(f"{kml}Placemark")]
    assert names == stations["name_zh"].tolist()
