"""Planners: coverage maps and statistics against the service-radius standards."""

import io
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.coverage import (
    DEFAULT_HEX_RESOLUTION,
    RADIUS_PRESETS_M,
    area_coverage,
    cover_points,
    coverage_by_type,
    coverage_table,
    demand_by_hex,
    ebike_radius_m,
    hex_grid,
    largest_uncovered,
    overlap_area,
    service_areas,
    union_by_type,
)
from geo.maps import build_coverage_map, standalone_html
from geo.model import StationType, station_type_label
from geo.report import coverage_report
from ui import data, deployment
from ui.lang import current_language, tr
from ui.demand import demand_input

lang = current_language()
st.title(tr("coverage_title"))
st.caption(tr("coverage_caption"))
stations = data.stations_or_stop(lang)
if (stations.location_status != "verified").any():
    st.caption(f"⚠️ {tr('rider_unverified_note')}")


# --- radius ------------------------------------------------------------------------------------
presets = [*RADIUS_PRESETS_M, "ebike", "custom"]
controls, per_type_column = st.columns(2)
with controls:
    choice = st.selectbox(tr("radius_choice"), presets, index=1, format_func=lambda p: tr(f"radius_{p}"), key="coverage_radius")
    if choice == "ebike":
        minutes = st.number_input(tr("ebike_minutes"), 1.0, 60.0, 5.0, 1.0, key="coverage_ebike_min")
        speed = st.number_input(tr("ebike_speed"), 5.0, 40.0, 15.0, 1.0, key="coverage_ebike_speed")
        radius_m = ebike_radius_m(minutes, speed_kmh=speed)
    elif choice == "custom":
        radius_m = st.number_input(tr("radius_m_input"), 10.0, 20_000.0, 800.0, 50.0, key="coverage_custom_m")
    else:
        radius_m = RADIUS_PRESETS_M[choice]
    st.caption(tr("radius_is", m=radius_m))
with per_type_column:
    radius: float | dict[str, float] = radius_m
    if st.toggle(tr("per_type_radius"), key="coverage_per_type"):
        radius = {
            t.value: st.number_input(station_type_label(t.value, lang), 0.0, 20_000.0, float(radius_m), 50.0,
                                     key=f"coverage_radius_{t.value}")
            for t in StationType
        }

# --- demand ------------------------------------------------------------------------------------
study_area, points, synthetic, upload_id = demand_input(stations, "coverage")

with st.expander(tr("more_options")):
    resolution = st.slider(tr("hex_resolution"), 7, 10, DEFAULT_HEX_RESOLUTION, key="coverage_hex_res")
    basemap = st.radio(tr("basemap"), deployment.basemap_choices(), format_func=lambda b: tr(f"basemap_{b}"),
                       key="coverage_basemap", horizontal=True)

# --- figures -----------------------------------------------------------------------------------
areas = service_areas(stations, radius)
grid = hex_grid(study_area, resolution)
grid_coverage = cover_points(stations, grid["lon"].to_numpy(), grid["lat"].to_numpy(), radius)
grid = grid.assign(nearest_m=grid_coverage.nearest_m)
if points is not None:
    lon, lat, weight = points["lon"].to_numpy(), points["lat"].to_numpy(), points["weight"].to_numpy()
    coverage = cover_points(stations, lon, lat, radius)
    overall = coverage_table(coverage, weight).iloc[0]
    type_table = coverage_by_type(stations, lon, lat, weight, radius)
    demand_hexes = demand_by_hex(lon, lat, weight, coverage.covered, resolution)
    uncovered = largest_uncovered(demand_hexes)
    nearest_m = coverage.nearest_m
    key_figures = [
        (tr("share_covered"), f"{overall['share_covered']:.1%}"),
        (tr("share_covered_2plus"), f"{overall['share_covered_2plus']:.1%}"),
        (tr("median_nearest"), f"{overall['median_nearest_m']:,.0f} m"),
    ]
else:
    table = area_coverage(stations, study_area, radius).set_index("group")
    cell_km2 = table.loc["all", "area_km2"] / max(1, len(grid))
    demand_hexes = None
    uncovered = largest_uncovered(grid.assign(uncovered=np.where(grid_coverage.covered, 0.0, cell_km2)))
    nearest_m = grid_coverage.nearest_m
    type_table = pd.DataFrame({
        "station_type": [t.value for t in StationType],
        "stations": [int((stations.station_type == t.value).sum()) for t in StationType],
        "share_covered": [table.loc[t.value, "share_covered"] for t in StationType],
    })
    key_figures = [
        (tr("share_covered"), f"{table.loc['all', 'share_covered']:.1%}"),
        (tr("share_covered_2plus"), f"{table.loc['2+', 'share_covered']:.1%}"),
        (tr("study_area_km2"), f"{table.loc['all', 'area_km2']:,.1f} km²"),
    ]

for column, (label, value) in zip(st.columns(len(key_figures)), key_figures):
    column.metric(label, value)

type_display = pd.DataFrame({
    tr("col_type"): type_table["station_type"].map(lambda v: station_type_label(v, lang)),
    tr("col_stations"): type_table["stations"],
    tr("col_share"): type_table["share_covered"].map(lambda v: f"{v:.1%}"),
})
map_column, table_column = st.columns([3, 2], gap="medium")
with map_column:
    fmap = build_coverage_map(
        stations, areas_by_type=union_by_type(areas), overlap=overlap_area(areas), study_area=study_area,
        distance_hexes=grid, demand_hexes=demand_hexes, lang=lang, basemap=basemap,
    )
    st_folium(fmap, key="coverage_map", returned_objects=[], height=520, use_container_width=True)
with table_column:
    st.subheader(tr("by_type"))
    st.dataframe(type_display, hide_index=True, width="stretch")
    st.subheader(tr("by_community"))
    community_column = None if points is None else next((c for c in ("community_code", "community") if c in points.columns), None)
    if community_column:
        by_community = coverage_table(coverage, weight, points[community_column])
        names = data.community_names(lang)
        st.dataframe(pd.DataFrame({
            tr("col_community"): by_community["group"].map(lambda c: names.get(c, c)),
            tr("col_demand"): by_community["demand"],
            tr("col_share"): by_community["share_covered"].map(lambda v: f"{v:.1%}"),
            tr("col_share_2plus"): by_community["share_covered_2plus"].map(lambda v: f"{v:.1%}"),
        }), hide_index=True, width="stretch")
    else:
        st.caption(tr("by_community_unavailable"))

st.subheader(tr("distance_distribution"))
distances = pd.DataFrame({"m": nearest_m[np.isfinite(nearest_m)]})
histogram = alt.Chart(distances).mark_bar().encode(
    x=alt.X("m:Q", bin=alt.Bin(maxbins=40), title=tr("nearest_m_label")), y=alt.Y("count()", title=None)
)
rule = alt.Chart(pd.DataFrame({"r": [radius_m]})).mark_rule(color="#c62828", strokeDash=[4, 3]).encode(x="r:Q")
st.altair_chart(histogram + rule, width="stretch")

st.subheader(tr("largest_uncovered"))
uncovered_table = pd.DataFrame({
    tr("col_cell"): uncovered["cell"],
    "lon": uncovered["lon"].round(5),
    "lat": uncovered["lat"].round(5),
    tr("col_uncovered"): uncovered["uncovered"].round(3),
})
if uncovered.empty:
    st.info(tr("nothing_uncovered"))
else:
    st.dataframe(uncovered_table, hide_index=True, width="stretch")

# --- exports -----------------------------------------------------------------------------------
st.subheader(tr("downloads"))
figures = pd.concat(
    [pd.DataFrame(key_figures, columns=[tr("col_group"), tr("col_share")]), type_display.rename(
        columns={tr("col_type"): tr("col_group")})], ignore_index=True)
excel = io.BytesIO()
with pd.ExcelWriter(excel, engine="openpyxl") as writer:
    figures.to_excel(writer, sheet_name="coverage", index=False)
    uncovered_table.to_excel(writer, sheet_name="uncovered", index=False)
columns = st.columns(4)
columns[0].download_button(tr("download_csv"), figures.to_csv(index=False).encode("utf-8-sig"), "coverage.csv",
                           "text/csv", key="dl_csv")
columns[1].download_button(tr("download_xlsx"), excel.getvalue(), "coverage.xlsx", key="dl_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
columns[2].download_button(tr("download_html"), standalone_html(fmap), "coverage_map.html", "text/html", key="dl_html")
# the report takes a second to draw: only on request, and kept while the settings stay the same
settings = repr((radius, synthetic, resolution, lang, upload_id, points is not None and len(points)))
columns[3].button(tr("make_report"), key="coverage_make_report",
                  on_click=lambda: st.session_state.update(coverage_report_requested=True))
if st.session_state.pop("coverage_report_requested", False):
    report_args = dict(stations=stations, areas_by_type=union_by_type(areas), study_area=study_area,
                       uncovered_hexes=uncovered, key_figures=key_figures, table=type_display, lang=lang,
                       synthetic=synthetic, made_on=date.today())
    st.session_state["coverage_report"] = (settings, coverage_report(**report_args),
                                           coverage_report(**report_args, file_format="pdf"))
if st.session_state.get("coverage_report", ("",))[0] == settings:
    _, png, pdf = st.session_state["coverage_report"]
    png_column, pdf_column = st.columns(2)
    png_column.download_button(tr("download_png"), png, "coverage_report.png", "image/png", key="dl_png")
    pdf_column.download_button(tr("download_pdf"), pdf, "coverage_report.pdf", "application/pdf", key="dl_pdf")
