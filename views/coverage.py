"""Planners: coverage maps and statistics against the service-radius standards."""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis.coverage import DEFAULT_HEX_RESOLUTION, DEFAULT_RADIUS_PRESET, RADIUS_PRESETS_M, ebike_radius_m
from geo.i18n import label_of
from geo.maps.base import standalone_html
from geo.maps.coverage import build_coverage_map
from geo.outputs.printable import coverage_report
from geo.outputs.result_files import EXCEL_MIME, coverage_csv, coverage_workbook, data_status
from geo.place.describe import where_text
from geo.register.model import StationType
from ui import analysis, data, deployment
from ui.demand import demand_input, share_radius_m, shared_radius_m
from ui.lang import choose, current_language, option_label, tr

lang = current_language()
st.title(tr("coverage_title"))
st.caption(tr("coverage_caption"))
stations = data.stations_or_stop(lang)
unverified = int((stations.location_status != "verified").sum())
if unverified:
    st.caption(f"⚠️ {tr('rider_unverified_note')}")

# --- what is measured ----------------------------------------------------------------------------
presets = [*RADIUS_PRESETS_M, "ebike", "custom"]
# the radius last measured on either planner page: its preset (the default's first), else custom
start_m = shared_radius_m(RADIUS_PRESETS_M[DEFAULT_RADIUS_PRESET])
start = next((key for key in (DEFAULT_RADIUS_PRESET, *RADIUS_PRESETS_M) if RADIUS_PRESETS_M[key] == start_m), "custom")
controls, per_type_column = st.columns(2)
with controls:
    choice = st.selectbox(tr("radius_choice"), presets, index=presets.index(start), format_func=option_label("radius_"),
                          key="coverage_radius", placeholder=choose())
    if choice == "ebike":
        minutes = st.number_input(tr("ebike_minutes"), 1.0, 60.0, 5.0, 1.0, key="coverage_ebike_min")
        speed = st.number_input(tr("ebike_speed"), 5.0, 40.0, 15.0, 1.0, key="coverage_ebike_speed")
        radius_m = ebike_radius_m(minutes, speed_kmh=speed)
    elif choice == "custom":
        radius_m = st.number_input(tr("radius_m_input"), 10.0, 20_000.0, min(max(start_m, 10.0), 20_000.0), 50.0,
                                   key="coverage_custom_m")
    else:
        radius_m = RADIUS_PRESETS_M[choice]
    st.caption(tr("radius_is", m=radius_m))
    share_radius_m(radius_m)
with per_type_column:
    radius: float | dict[str, float] = radius_m
    if st.toggle(tr("per_type_radius"), key="coverage_per_type"):
        radius = {kind.value: st.number_input(label_of("station_type", kind.value, lang), 0.0, 20_000.0, float(radius_m), 50.0,
                                              key=f"coverage_radius_{kind.value}") for kind in StationType}
inputs = demand_input(stations, "coverage")
with st.expander(tr("more_options")):
    resolution = st.slider(tr("hex_resolution"), 7, 10, DEFAULT_HEX_RESOLUTION, key="coverage_hex_res")
    basemap = st.radio(tr("basemap"), deployment.basemap_choices(), format_func=option_label("basemap_"),
                       key="coverage_basemap", horizontal=True)

with st.spinner(tr("computing_coverage"), show_time=True):
    summary = analysis.coverage_summary(stations, inputs.study_area, radius, inputs.demand, resolution)

# --- figures -------------------------------------------------------------------------------------
key_figures = [(tr("share_covered"), f"{summary.share_covered:.1%}"),
               (tr("share_covered_2plus"), f"{summary.share_covered_2plus:.1%}"),
               (tr("study_area_km2"), f"{summary.study_area_km2:,.1f} km²") if summary.by_area
               else (tr("median_nearest"), tr("distance_m", m=summary.median_nearest_m))]
for column, (label, value) in zip(st.columns(len(key_figures)), key_figures):
    column.metric(label, value)
st.caption(tr("measured_against", source=summary.demand.describe(lang), radius=summary.radius_text(lang)))

# one format per kind of number: shares with one decimal (of values x 100), whole numbers with
# separators, coordinates with 6 decimals (~0.1 m)
percent = st.column_config.NumberColumn(format="%.1f%%")
whole = st.column_config.NumberColumn(format="localized")
degrees = st.column_config.NumberColumn(format="%.6f")
def coverage_map():
    return build_coverage_map(stations, areas_by_type=summary.areas_by_type, overlap=summary.overlap,
                              study_area=summary.study_area, distance_hexes=summary.distance_hexes,
                              demand_hexes=summary.demand_hexes, radius_m=summary.headline_radius_m, lang=lang,
                              basemap=basemap, settings=deployment.basemaps(), radius_label=summary.radius_text(lang))


st_folium(coverage_map(), key="coverage_map", returned_objects=[], height=600, use_container_width=True)
type_column, community_column = st.columns(2, gap="medium")
with type_column:
    st.subheader(tr("by_type"))
    st.dataframe(pd.DataFrame({
        tr("col_type"): summary.by_type["station_type"].map(lambda v: label_of("station_type", v, lang)),
        tr("col_stations"): summary.by_type["stations"], tr("col_radius_m"): summary.by_type["radius_m"],
        tr("col_share"): summary.by_type["share_covered"] * 100,
    }), hide_index=True, width="stretch", column_config={tr("col_share"): percent})
with community_column:
    st.subheader(tr("by_community"))
    if summary.by_community is None:
        st.caption(tr("by_community_unavailable"))
    else:
        names = data.community_names(lang)
        st.dataframe(pd.DataFrame({
            tr("col_community"): summary.by_community["group"].map(lambda c: names.get(c, c)),
            tr("col_demand"): summary.by_community["demand"], tr("col_share"): summary.by_community["share_covered"] * 100,
            tr("col_share_2plus"): summary.by_community["share_covered_2plus"] * 100,
        }), hide_index=True, width="stretch",
            column_config={tr("col_demand"): whole, tr("col_share"): percent, tr("col_share_2plus"): percent})

st.subheader(tr("distance_distribution"))
bars = alt.Chart(summary.distance_histogram).mark_rect().encode(
    x=alt.X("start_m:Q", title=tr("nearest_m_label")), x2="end_m:Q", y2=alt.datum(0),
    y=alt.Y("share:Q", title=tr("share_of_area" if summary.by_area else "share_of_demand"), axis=alt.Axis(format="%")))
rule = alt.Chart(pd.DataFrame({"r": [summary.headline_radius_m]})).mark_rule(color="#c62828", strokeDash=[4, 3]).encode(x="r:Q")
st.altair_chart(bars + rule, width="stretch")

st.subheader(tr("largest_uncovered_area" if summary.by_area else "largest_uncovered"))
worst = summary.worst_cells
if worst.empty:
    st.info(tr("nothing_uncovered"))
else:
    st.dataframe(pd.DataFrame({
        tr("col_where"): [where_text(row, lang) for row in worst.itertuples()],
        tr("col_nearest_m" if summary.by_area else "col_uncovered"): worst["value"].round(0),
        tr("col_cell"): worst["cell"], tr("xcol_lon"): worst["lon"], tr("xcol_lat"): worst["lat"],
    }), hide_index=True, width="stretch",
        column_config={tr("col_nearest_m" if summary.by_area else "col_uncovered"): whole,
                       tr("xcol_lon"): degrees, tr("xcol_lat"): degrees})

# --- exports: made only when clicked, from the results above (no rerun, nothing solved again) -----
@st.fragment
def downloads(summary, coverage_map) -> None:
    st.subheader(tr("downloads"))
    status, made_on = data_status(unverified, len(stations), lang), date.today()
    stem = f"coverage_{made_on.isoformat()}"
    files = [
        ("download_csv", lambda: coverage_csv(summary, lang=lang, made_on=made_on, status=status), f"{stem}.csv",
         "text/csv"),
        ("download_xlsx", lambda: coverage_workbook(summary, lang=lang, made_on=made_on, status=status,
                                                     community_names=data.community_names(lang)), f"{stem}.xlsx",
         EXCEL_MIME),
        # a map of its own: st_folium renames the elements of the one it shows
        ("download_html", lambda: standalone_html(coverage_map()), f"{stem}_map.html", "text/html"),
        ("download_png", lambda: coverage_report(summary, stations, lang=lang, made_on=made_on, status=status),
         f"{stem}_report.png", "image/png"),
        ("download_pdf", lambda: coverage_report(summary, stations, lang=lang, made_on=made_on, status=status,
                                                 file_format="pdf"), f"{stem}_report.pdf", "application/pdf"),
    ]
    for column, (label, make, file_name, mime) in zip(st.columns(len(files)), files):
        column.download_button(tr(label), make, file_name, mime, key=f"coverage_{label}", on_click="ignore")


downloads(summary, coverage_map)
