"""Gap analysis: where workers are left without a station, and where new ones should go."""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.analysis.coverage import DEFAULT_RADIUS_PRESET, RADIUS_PRESETS_M
from geo.errors import SitingError
from geo.maps.base import standalone_html
from geo.maps.gaps import build_gaps_map
from geo.markup import markdown_text
from geo.outputs.printable import gaps_report
from geo.outputs.result_files import data_status, sites_csv, sites_geojson
from geo.place.datum import Datum
from geo.place.describe import where_text
from ui import analysis, data, deployment
from ui.demand import DATUM_LABELS, candidate_input, demand_input, share_radius_m, shared_radius_m
from ui.lang import current_language, error_text, option_label, tr
from ui.scenario import add_tapped_station, scenario_comparison, scenario_panel

MAX_NEW = 10
#: One format per kind of number on this page: whole numbers with separators, shares with one
#: decimal (of values x 100), coordinates with 6 decimals (~0.1 m).
WHOLE = st.column_config.NumberColumn(format="localized")
PERCENT = st.column_config.NumberColumn(format="%.1f%%")
DEGREES = st.column_config.NumberColumn(format="%.6f")
lang = current_language()
st.title(tr("gaps_title"))
st.caption(tr("gaps_caption"))
register = data.stations_or_stop(lang)
unverified = int((register.location_status != "verified").sum())
if unverified:
    st.caption(f"⚠️ {tr('rider_unverified_note')}")

radius_column, count_column, method_column = st.columns(3)
start_m = min(max(shared_radius_m(RADIUS_PRESETS_M[DEFAULT_RADIUS_PRESET]), 100.0), 5000.0)
radius_m = radius_column.number_input(tr("radius_m_input"), 100.0, 5000.0, start_m, 50.0, key="gaps_radius")
share_radius_m(radius_m)
p = count_column.slider(tr("new_stations"), 0, MAX_NEW, 3, key="gaps_p")
method = method_column.radio(tr("method"), ["milp", "greedy"], format_func=option_label("method_"), key="gaps_method")
inputs = demand_input(register, "gaps", allow_area=False)
candidates = candidate_input(inputs.study_area, "gaps")
stations, whatif_type = scenario_panel(register)
with st.expander(tr("more_options")):
    basemap = st.radio(tr("basemap"), deployment.basemap_choices(), format_func=option_label("basemap_"),
                       key="gaps_basemap", horizontal=True)

with st.spinner(tr("computing_gaps", n=len(inputs.demand), candidates=len(candidates)), show_time=True):
    problem = analysis.gap_problem(register, stations, inputs.demand, candidates, inputs.study_area, radius_m)
with st.spinner(tr("solving_sites", p=p), show_time=True):
    plan = analysis.site_plan(problem, p, method)

columns = st.columns(4)
columns[0].metric(tr("coverage_now"), f"{problem.register_share:.1%}")
columns[1].metric(tr("coverage_scenario"), f"{problem.scenario_share:.1%}",
                  f"{(problem.scenario_share - problem.register_share) * 100:+.1f} pp")
columns[2].metric(tr("coverage_with_new"), f"{plan.result.covered_share:.1%}",
                  f"{(plan.result.covered_share - problem.scenario_share) * 100:+.1f} pp")
columns[3].metric(tr("coverage_reachable"), f"{problem.reachable_share:.1%}", help=tr("coverage_reachable_help"))
st.caption(tr("measured_against", source=problem.demand.describe(lang), radius=tr("radius_value", m=radius_m)) + " "
           + (tr("method_greedy") if plan.method == "greedy" else tr("optimal_note") if plan.result.optimal
              else tr("not_optimal_note", s=analysis.PAGE_TIME_LIMIT_S, gap=plan.result.gap)))

def gaps_map():
    return build_gaps_map(stations, picks=plan.picks, clusters=problem.clusters.head(10), access_hexes=problem.cells,
                          study_area=problem.study_area, lang=lang, basemap=basemap,
                          settings=deployment.basemaps())


add_tapped_station(st_folium(gaps_map(), key="gaps_map", returned_objects=["last_clicked"], height=600,
                             use_container_width=True), whatif_type, basemap)
st.caption(tr("access_explained"))
list_column, cluster_column = st.columns(2, gap="medium")
with list_column:
    st.subheader(tr("recommended"))
    st.dataframe(pd.DataFrame({
        tr("col_rank"): plan.picks["rank"], tr("col_where"): [where_text(row, lang) for row in plan.picks.itertuples()],
        tr("col_gain"): plan.picks["gain"].round(0), tr("col_covered_after"): plan.picks["covered_share"] * 100,
    }), hide_index=True, width="stretch",
        column_config={tr("col_gain"): WHOLE, tr("col_covered_after"): PERCENT})
    with st.expander(tr("site_details")):
        st.dataframe(pd.DataFrame({tr("col_rank"): plan.picks["rank"], tr("col_site"): plan.picks["label"],
                                   tr("xcol_lon"): plan.picks["lon"], tr("xcol_lat"): plan.picks["lat"]}),
                     hide_index=True, width="stretch", column_config={tr("xcol_lon"): DEGREES, tr("xcol_lat"): DEGREES})
with cluster_column:
    st.subheader(tr("clusters_title"))
    for row in problem.clusters.head(5).itertuples():
        st.markdown("- " + markdown_text(tr("cluster_text", where=where_text(row, lang), demand=row.demand)))

st.subheader(tr("curve_title"))
if method == "greedy" or st.session_state.get("gaps_curve_for") == (problem.fingerprint, method):
    with st.spinner(tr("solving_curve", n=MAX_NEW + 1), show_time=True):
        curve = analysis.coverage_curve(problem, MAX_NEW, method)
    st.altair_chart(alt.Chart(curve).mark_line(point=True).encode(
        x=alt.X("new_stations:Q", title=tr("new_stations"), axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("covered_share:Q", title=tr("share_covered"), axis=alt.Axis(format="%"))), width="stretch")
else:
    st.button(tr("make_curve", n=MAX_NEW + 1), key="gaps_curve",
              on_click=lambda: st.session_state.update(gaps_curve_for=(problem.fingerprint, method)))

target_column, lscp_column = st.columns([1, 2])
target = target_column.number_input(tr("target_share"), 1.0, 100.0, float(round(problem.suggested_target_share() * 100)), 1.0,
                                    key="gaps_target")
lscp_column.caption(tr("target_hint", reachable=problem.reachable_share))
lscp_column.button(tr("solve_lscp"), key="gaps_lscp",
                   on_click=lambda: st.session_state.update(gaps_lscp_for=(problem.fingerprint, target)))
if st.session_state.get("gaps_lscp_for") == (problem.fingerprint, target):
    try:
        with st.spinner(tr("solving_lscp"), show_time=True):
            fewest = analysis.fewest(problem, target / 100)
        st.success(tr("lscp_result", n=len(fewest.result.chosen), share=target / 100, got=fewest.result.covered_share))
        st.markdown("\n".join(f"{row.rank}. {markdown_text(where_text(row, lang))}" for row in fewest.picks.itertuples()))
    except SitingError as err:
        st.warning(tr("lscp_failed", reason=error_text(err)))

scenario_comparison(register, stations, inputs.demand, radius_m)

# --- exports: made only when clicked, from the results above (no rerun, nothing solved again); a
# fragment, so that switching the export datum reruns the downloads only, not the map -----------
@st.fragment
def downloads(problem, plan, gaps_map) -> None:
    st.subheader(tr("downloads"))
    datum = st.radio(tr("export_datum"), [d.value for d in Datum], format_func=DATUM_LABELS.get, horizontal=True,
                     key="gaps_export_datum")
    status, made_on = data_status(unverified, len(register), lang), date.today()
    stem = f"new_sites_{made_on.isoformat()}"
    files = [
        ("export_csv", lambda: sites_csv(problem, plan, lang=lang, datum=datum, made_on=made_on, status=status),
         f"{stem}_{datum}.csv", "text/csv"),
        ("export_geojson", lambda: sites_geojson(problem, plan, lang=lang, datum=datum, made_on=made_on, status=status),
         f"{stem}_{datum}.geojson", "application/geo+json"),
        # a map of its own: st_folium renames the elements of the one it shows
        ("download_html", lambda: standalone_html(gaps_map()), f"{stem}_map.html", "text/html"),
        ("download_png", lambda: gaps_report(problem, plan, lang=lang, made_on=made_on, status=status),
         f"{stem}_report.png", "image/png"),
        ("download_pdf", lambda: gaps_report(problem, plan, lang=lang, made_on=made_on, status=status, file_format="pdf"),
         f"{stem}_report.pdf", "application/pdf"),
    ]
    for column, (label, make, file_name, mime) in zip(st.columns(len(files)), files):
        column.download_button(tr(label), make, file_name, mime, key=f"gaps_{label}", on_click="ignore")


downloads(problem, plan, gaps_map)
