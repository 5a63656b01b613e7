"""Gap analysis: where workers are left without a station, and where new ones should go."""

import json
from datetime import date
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.coverage import (
    DEFAULT_HEX_RESOLUTION,
    cover_points,
    coverage_table,
    demand_by_hex,
    hex_grid,
    largest_uncovered,
    service_areas,
    union_by_type,
)
from geo.datum import Datum, convert
from geo.gaps import (
    DEFAULT_E2SFCA_ZONES,
    SitingError,
    build_coverage_matrix,
    coverage_curve,
    greedy_mclp,
    solve_lscp,
    solve_mclp,
    station_capacity,
    two_step_fca,
    underserved_clusters,
)
from geo.errors import GeoDataError
from geo.maps import Basemap, build_gaps_map, map_point_to_wgs84
from geo.model import StationType, station_type_label
from geo.report import coverage_report
from geo.markup import markdown_text
from geo.scenario import Scenario, ScenarioError, apply_scenario
from ui import data
from ui.demand import DATUM_LABELS, demand_input, read_points
from ui.lang import current_language, tr

lang = current_language()
st.title(tr("gaps_title"))
st.caption(tr("gaps_caption"))
register = data.stations_or_stop(lang)
if (register.location_status != "verified").any():
    st.caption(f"⚠️ {tr('rider_unverified_note')}")

scenario: Scenario = st.session_state.setdefault("gaps_scenario", Scenario())

radius_column, count_column, method_column = st.columns(3)
radius_m = radius_column.number_input(tr("radius_m_input"), 100.0, 5000.0, 1000.0, 100.0, key="gaps_radius")
p = count_column.slider(tr("new_stations"), 0, 10, 3, key="gaps_p")
method = method_column.radio(tr("method"), ["milp", "greedy"], format_func=lambda m: tr(f"method_{m}"), key="gaps_method")

study_area, points, synthetic, _ = demand_input(register, "gaps", allow_area=False)
candidate_source = st.radio(tr("candidates_source"), ["hex", "upload"], format_func=lambda c: tr(f"candidates_{c}"),
                            horizontal=True, key="gaps_candidates")
try:
    if candidate_source == "upload":
        file_column, datum_column = st.columns([3, 1])
        candidate_datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                                 key="gaps_candidates_datum")
        upload = file_column.file_uploader(tr("candidates_file"), type=["csv", "geojson", "json"], key="gaps_candidates_file")
        if upload is None:
            st.info(tr("upload_first"))
            st.stop()
        candidates = read_points(upload.getvalue(), Path(upload.name).suffix.lower(), candidate_datum)
        labels = candidates.get("label", candidates.get("name", pd.Series(range(1, len(candidates) + 1)))).astype(str)
    else:
        candidates = hex_grid(study_area, DEFAULT_HEX_RESOLUTION)
        labels = candidates["cell"]
except GeoDataError as err:
    st.error(tr("file_problems"))
    st.text(err.localized(lang))
    st.stop()

# --- what-if scenario ------------------------------------------------------------------------
with st.expander(tr("whatif_title"), expanded=bool(scenario.added or scenario.removed)):
    st.caption(tr("whatif_hint"))
    whatif_type = st.selectbox(tr("whatif_type"), [t.value for t in StationType if t is not StationType.HUB],
                               format_func=lambda v: station_type_label(v, lang), key="gaps_whatif_type")
    scenario.removed = st.multiselect(tr("whatif_remove"), list(register["id"]), default=scenario.removed,
                                      format_func=lambda i: f"{i} {register.set_index('id').at[i, 'name_zh']}",
                                      key=f"gaps_removed_{id(scenario)}")
    st.caption(tr("whatif_added", n=len(scenario.added)))
    save_column, load_column, reset_column = st.columns(3)
    save_column.download_button(tr("whatif_save"), scenario.to_json(), "scenario.json", "application/json", key="gaps_save")
    loaded = load_column.file_uploader(tr("whatif_load"), type=["json"], key="gaps_load")
    if loaded is not None and st.session_state.get("gaps_loaded_id") != loaded.file_id:
        try:
            st.session_state["gaps_scenario"] = Scenario.from_json(loaded.getvalue(), source=loaded.name)
            st.session_state["gaps_loaded_id"] = loaded.file_id
            st.rerun()
        except ScenarioError as err:
            st.error(tr("file_problems"))
            st.text(err.localized(lang))
    reset_column.button(tr("whatif_reset"), key="gaps_reset",
                        on_click=lambda: st.session_state.update(gaps_scenario=Scenario()))
try:
    stations = apply_scenario(register, scenario)
except ScenarioError as err:
    st.error(markdown_text(err.localized(lang)))
    stations = register

# --- figures ---------------------------------------------------------------------------------
lon, lat, weight = points["lon"].to_numpy(), points["lat"].to_numpy(), points["weight"].to_numpy()
now_share = coverage_table(cover_points(register, lon, lat, radius_m, with_nearest=False), weight).iloc[0]["share_covered"]
matrix = build_coverage_matrix(lon, lat, weight, candidates["lon"], candidates["lat"], radius_m, existing=stations)
result = solve_mclp(matrix, p) if method == "milp" else greedy_mclp(matrix, p)
scenario_share = matrix.fixed_weight / matrix.total_weight

columns = st.columns(4)
columns[0].metric(tr("coverage_now"), f"{now_share:.1%}")
columns[1].metric(tr("coverage_scenario"), f"{scenario_share:.1%}", f"{(scenario_share - now_share) * 100:+.1f} pp")
columns[2].metric(tr("coverage_with_new"), f"{result.covered_share:.1%}",
                  f"{(result.covered_share - scenario_share) * 100:+.1f} pp")
coverage_now = cover_points(stations, lon, lat, radius_m, with_nearest=False)
# demand and its uncovered part per hexagon: for the accessibility score and the clusters
demand_cells = demand_by_hex(lon, lat, weight, coverage_now.covered, DEFAULT_HEX_RESOLUTION)
access = two_step_fca(demand_cells["lon"], demand_cells["lat"], demand_cells["demand"], stations.geometry.x,
                      stations.geometry.y, station_capacity(stations), zones=DEFAULT_E2SFCA_ZONES)
columns[3].metric(tr("accessibility"), f"{np.median(access):.3f}")
if not result.optimal:
    st.caption(f"{tr('method_greedy') if result.method == 'greedy' else tr('not_optimal_note')}")

chosen = list(result.chosen)
picks = pd.DataFrame({
    "rank": range(1, len(chosen) + 1),
    "label": labels.to_numpy()[chosen] if len(chosen) else [],
    "lon": candidates["lon"].to_numpy()[chosen],
    "lat": candidates["lat"].to_numpy()[chosen],
    "gain": result.marginal_gain,
})
clusters = underserved_clusters(demand_cells, stations)

map_column, list_column = st.columns([3, 2], gap="medium")
with map_column:
    fmap = build_gaps_map(stations, picks=picks, clusters=clusters.head(10),
                          access_hexes=demand_cells.assign(access=access), study_area=study_area, lang=lang,
                          basemap=Basemap.OSM)
    clicked = st_folium(fmap, key="gaps_map", returned_objects=["last_clicked"], height=520, use_container_width=True)
    click = (clicked or {}).get("last_clicked")
    if click and click != st.session_state.get("gaps_last_click"):
        st.session_state["gaps_last_click"] = click
        scenario.add_station(*map_point_to_wgs84(click["lng"], click["lat"], Basemap.OSM), station_type=whatif_type)
        st.rerun()
with list_column:
    st.subheader(tr("recommended"))
    st.dataframe(pd.DataFrame({
        tr("col_rank"): picks["rank"], tr("col_site"): picks["label"],
        "lon": picks["lon"].round(6), "lat": picks["lat"].round(6), tr("col_gain"): picks["gain"],
    }), hide_index=True, width="stretch")
    st.subheader(tr("clusters_title"))
    for row in clusters.head(5).itertuples():
        station_name = row.nearest_name_zh if lang == "zh" else row.nearest_name_en
        st.markdown("- " + tr("cluster_text", station=station_name, bearing=row.bearing_zh if lang == "zh" else row.bearing,
                                km=row.nearest_m / 1000, demand=row.demand))

st.subheader(tr("curve_title"))
curve = coverage_curve(matrix, 10, method=method)
st.altair_chart(alt.Chart(curve).mark_line(point=True).encode(
    x=alt.X("new_stations:Q", title=tr("new_stations")), y=alt.Y("covered_share:Q", title=tr("share_covered"),
                                                                 axis=alt.Axis(format="%"))), width="stretch")

target_column, lscp_column = st.columns([1, 2])
target = target_column.number_input(tr("target_share"), 1.0, 100.0, 95.0, 1.0, key="gaps_target")
lscp_column.button(tr("solve_lscp"), key="gaps_lscp", on_click=lambda: st.session_state.update(gaps_lscp_requested=True))
if st.session_state.pop("gaps_lscp_requested", False):
    try:
        fewest = solve_lscp(matrix, target / 100)
        st.success(tr("lscp_result", n=len(fewest.chosen), share=target / 100, got=fewest.covered_share))
    except SitingError as err:
        st.warning(tr("lscp_failed", reason=str(err)))

# --- compare saved scenarios ------------------------------------------------------------------
compare_files = st.file_uploader(tr("compare_scenarios"), type=["json"], accept_multiple_files=True, key="gaps_compare")
if compare_files:
    rows = [{tr("scenario_name"): tr("coverage_now"), tr("col_stations"): len(register), tr("col_share"): f"{now_share:.1%}"},
            {tr("scenario_name"): f"{scenario.name} ({tr('current_scenario')})", tr("col_stations"): len(stations),
             tr("col_share"): f"{scenario_share:.1%}"}]
    for upload_file in compare_files:
        try:
            other = apply_scenario(register, Scenario.from_json(upload_file.getvalue(), source=upload_file.name))
        except ScenarioError as err:
            st.error(tr("file_problems"))
            st.text(err.localized(lang))
            continue
        share = coverage_table(cover_points(other, lon, lat, radius_m, with_nearest=False), weight).iloc[0]["share_covered"]
        rows.append({tr("scenario_name"): upload_file.name, tr("col_stations"): len(other), tr("col_share"): f"{share:.1%}"})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

# --- export ------------------------------------------------------------------------------------
st.subheader(tr("downloads"))
export_datum = st.radio(tr("export_datum"), [d.value for d in Datum], format_func=DATUM_LABELS.get, horizontal=True,
                        key="gaps_export_datum")
out_lon, out_lat = convert(picks["lon"].to_numpy(), picks["lat"].to_numpy(), source=Datum.WGS84, target=Datum(export_datum))
export = picks.assign(lon=np.round(out_lon, 7), lat=np.round(out_lat, 7), datum=export_datum, method=result.method,
                      radius_m=radius_m, synthetic_demand=synthetic)
csv_column, geojson_column, report_column = st.columns(3)
csv_column.download_button(tr("export_csv"), export.to_csv(index=False).encode("utf-8-sig"), "recommended_sites.csv",
                           "text/csv", key="gaps_csv")
features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
             "properties": {k: v for k, v in r._asdict().items() if k not in ("Index", "lon", "lat")}}
            for r in export.itertuples()]
# RFC 7946 GeoJSON is WGS-84 only; a GCJ-02/BD-09 export says so in a foreign member
geojson = {"type": "FeatureCollection", "datum": export_datum, "features": features}
geojson_column.download_button(tr("export_geojson"), json.dumps(geojson, ensure_ascii=False, default=str),
                               "recommended_sites.geojson", "application/geo+json", key="gaps_geojson")

report_column.button(tr("make_report"), key="gaps_make_report",
                     on_click=lambda: st.session_state.update(gaps_report_requested=True))
if st.session_state.pop("gaps_report_requested", False):
    report_args = dict(
        stations=stations, areas_by_type=union_by_type(service_areas(stations, radius_m)), study_area=study_area,
        uncovered_hexes=largest_uncovered(demand_cells), lang=lang, synthetic=synthetic, made_on=date.today(),
        key_figures=[(tr("coverage_now"), f"{now_share:.1%}"), (tr("coverage_scenario"), f"{scenario_share:.1%}"),
                     (tr("coverage_with_new"), f"{result.covered_share:.1%}")],
        table=pd.DataFrame({tr("col_rank"): picks["rank"], "lon": picks["lon"].round(5), "lat": picks["lat"].round(5),
                            tr("col_gain"): picks["gain"]}),
        title_key="gaps_report_title", highlight=picks,
    )
    st.session_state["gaps_report"] = (coverage_report(**report_args), coverage_report(**report_args, file_format="pdf"))
if "gaps_report" in st.session_state:
    png, pdf = st.session_state["gaps_report"]
    png_column, pdf_column = st.columns(2)
    png_column.download_button(tr("download_png"), png, "gap_report.png", "image/png", key="gaps_dl_png")
    pdf_column.download_button(tr("download_pdf"), pdf, "gap_report.pdf", "application/pdf", key="gaps_dl_pdf")
