"""Exports: the one-page report and the standalone map file."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from geo.coverage import default_study_area, hex_grid, overlap_area, service_areas, union_by_type
from geo.reference import load_county_boundary
from geo.register import load_stations
from geo.maps import build_coverage_map, standalone_html
from geo.report import coverage_report


def _inputs():
    stations = load_stations()
    study = default_study_area(stations, load_county_boundary())
    return stations, study, service_areas(stations, 500.0)


def test_the_report_is_a_png_and_a_pdf():
    stations, study, areas = _inputs()
    args = dict(stations=stations, areas_by_type=union_by_type(areas), study_area=study,
                uncovered_hexes=hex_grid(study).head(3), key_figures=[("覆盖比例", "36.4%")],
                table=pd.DataFrame({"类型": ["红色驿站"], "覆盖比例": ["13.6%"]}), lang="zh", synthetic=True,
                made_on=date(2026, 11, 28))
    assert coverage_report(**args).startswith(b"\x89PNG")
    pdf = coverage_report(**args, file_format="pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_the_standalone_map_needs_no_server_and_no_cdn():
    stations, study, areas = _inputs()
    grid = hex_grid(study).assign(nearest_m=np.arange(len(hex_grid(study)), dtype=float))
    fmap = build_coverage_map(stations, areas_by_type=union_by_type(areas), overlap=overlap_area(areas),
                              study_area=study, distance_hexes=grid, demand_hexes=None, lang="zh")
    page = standalone_html(fmap)
    assert re.findall(r'(?:src|href)="/app/static', page) == []  # every file inlined
    assert "https://cdn" not in page and 'src="http' not in page
    assert "Leaflet 1.9.3" in page  # the library itself is inside
