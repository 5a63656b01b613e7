"""What-if scenarios on the gap-analysis page: the panel that edits, saves and loads one, a tap
on the map that adds a station, and the comparison with saved scenario files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis.demand import DemandPoints
from geo.analysis.scenario import Scenario, apply_scenario
from geo.errors import ScenarioError
from geo.i18n import label_of, names_in
from geo.maps.base import map_point_to_wgs84
from geo.register.model import StationType
from ui import analysis, deployment
from ui.lang import choose, current_language, file_uploader, show_error, tr

_KEY = "gaps_scenario"


def current_scenario() -> Scenario:
    return st.session_state.setdefault(_KEY, Scenario())


def _load(upload) -> None:
    """Load a scenario file once; a bad one is refused and its problems stay shown while it is
    in the uploader."""
    if upload is None:
        return
    if st.session_state.get("gaps_loaded_id") != upload.file_id:
        st.session_state["gaps_loaded_id"] = upload.file_id
        try:
            st.session_state[_KEY] = Scenario.from_json(upload.getvalue(), source=upload.name)
            st.session_state.pop("gaps_scenario_error", None)
            st.rerun()
        except ScenarioError as err:
            st.session_state["gaps_scenario_error"] = (upload.file_id, err)
    error = st.session_state.get("gaps_scenario_error")
    if error and error[0] == upload.file_id:
        show_error(error[1])


def scenario_panel(register: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """The what-if panel; returns the stations as the scenario changes the register, and the
    type a tapped station gets."""
    scenario = current_scenario()
    lang = current_language()
    with st.expander(tr("whatif_title"), expanded=bool(scenario.added or scenario.removed)):
        st.caption(tr("whatif_hint"))
        whatif_type = st.selectbox(tr("whatif_type"), [t.value for t in StationType if t is not StationType.HUB],
                                   format_func=lambda v: label_of("station_type", v, lang), key="gaps_whatif_type",
                                   placeholder=choose())
        names = names_in(register, lang).set_axis(register["id"])
        scenario.removed = st.multiselect(tr("whatif_remove"), list(register["id"]), default=scenario.removed,
                                          format_func=lambda i: f"{i} {names.get(i, '')}", key=f"gaps_removed_{id(scenario)}",
                                          placeholder=choose())
        st.caption(tr("whatif_added", n=len(scenario.added)))
        save_column, load_column, reset_column = st.columns(3)
        save_column.download_button(tr("whatif_save"), scenario.to_json(), "scenario.json", "application/json",
                                    key="gaps_save", on_click="ignore")
        with load_column:
            loaded = file_uploader(tr("whatif_load"), ["json"], key="gaps_load")
        _load(loaded)
        reset_column.button(tr("whatif_reset"), key="gaps_reset", on_click=lambda: st.session_state.update({_KEY: Scenario()}))
    try:
        return apply_scenario(register, scenario), whatif_type
    except ScenarioError as err:
        show_error(err)
        return register, whatif_type


def add_tapped_station(clicked: dict | None, whatif_type: str, basemap: str) -> None:
    """A tap on the map (not on a marker) adds a what-if station there."""
    click = (clicked or {}).get("last_clicked")
    if click and click != st.session_state.get("gaps_last_click"):
        st.session_state["gaps_last_click"] = click
        current_scenario().add_station(*map_point_to_wgs84(click["lng"], click["lat"], basemap, deployment.basemaps()), station_type=whatif_type)
        st.rerun()


def scenario_comparison(register: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, demand: DemandPoints,
                        radius_m: float) -> None:
    """Coverage now, with the current scenario and with each saved scenario file chosen."""
    lang = current_language()
    files = file_uploader(tr("compare_scenarios"), ["json"], key="gaps_compare", accept_multiple_files=True)
    if not files:
        return
    rows = [(tr("coverage_now"), register), (f"{current_scenario().name} ({tr('current_scenario')})", stations)]
    for upload in files:
        try:
            rows.append((upload.name, apply_scenario(register, Scenario.from_json(upload.getvalue(), source=upload.name))))
        except ScenarioError as err:
            show_error(err)
    st.dataframe(pd.DataFrame({
        tr("scenario_name"): [name for name, _ in rows],
        tr("col_stations"): [len(frame) for _, frame in rows],
        tr("col_share"): [analysis.share_covered(frame, demand, radius_m) for _, frame in rows],
    }), hide_index=True, width="stretch", column_config={tr("col_share"): st.column_config.NumberColumn(format="percent")})
