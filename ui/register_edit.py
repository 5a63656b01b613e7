"""The register page's tabs for editing what is there: fix a position (tap the map or paste a
position, mark it verified), edit attributes in a table, look back through the history and
restore, export. Every save goes through :class:`RegisterSession.save` (the store's version
check: an edit made against an older register is refused, never merged silently)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import pandas as pd
import streamlit as st
from shapely.geometry import Point
from streamlit_folium import st_folium

from geo.errors import GeoDataError
from geo.hours import now_local, to_local_time
from geo.maps.base import map_point_to_wgs84
from geo.maps.overview import build_overview_map
from geo.markup import markdown_text
from geo.place.datum import Datum, convert
from geo.place.geodesy import ellipsoidal_distance_m
from geo.readers import parse_lonlat
from geo.register.exchange import export_stations
from geo.register.store import ChangeSummary, StationStore, diff_stations, file_version, summary_text
from geo.register.survey import (
    CONFIRMED_ON_MAP_METHOD,
    MAP_CLICK_METHOD,
    Verification,
    pasted_method,
    survey_todo,
    verify_station,
)
from geo.tables import xlsx_bytes
from ui import data, deployment
from ui.demand import DATUM_LABELS
from ui.lang import show_error, tr


@dataclass
class RegisterSession:
    """The register as this page run sees it, the store it is saved through, and who edits
    (``None``: signed out, nothing can change)."""

    register: gpd.GeoDataFrame
    store: StationStore
    editor: str | None
    lang: str

    @property
    def can_edit(self) -> bool:
        return self.editor is not None

    def remember_version(self) -> None:
        """The version the edits on this page are based on: a save against a newer file is
        refused. Taken from the file's bytes once per loaded register, not by parsing it."""
        if "data_version" not in st.session_state:
            st.session_state["data_version"] = file_version(self.store.path)

    def save(self, stations: gpd.GeoDataFrame, summary: ChangeSummary, success: str | None = None) -> None:
        """Save through the store with the version this page loaded; the outcome is shown on the next run."""
        try:
            self.store.save(stations, expected_version=st.session_state["data_version"], user=self.editor, summary=summary)
        except GeoDataError as err:  # ConcurrentEditError included
            st.session_state["data_message"] = ("error", f"{tr('save_refused')} {err.localized(self.lang)}")
        else:
            st.session_state["data_message"] = ("success", success or tr("saved"))
            st.session_state.pop("data_version", None)

    @staticmethod
    def show_message() -> None:
        if (message := st.session_state.pop("data_message", None)) is not None:
            getattr(st, message[0])(markdown_text(message[1]))


def field_label(field_name: str) -> str:
    return tr(f"field_{field_name}")


def local_minutes(moment: "str | datetime | None") -> str:
    """A change's time as the town reads it: Asia/Shanghai, to the minute (the log keeps UTC ISO)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    return "" if moment is None else f"{to_local_time(moment):%Y-%m-%d %H:%M}"


def _new_position(session: RegisterSession, basemap: str, picked: dict | None) -> tuple[tuple[float, float] | None, str | None]:
    """A pasted position (in the chosen datum) or else the point tapped on the map, in WGS-84,
    and how it was given."""
    paste_column, datum_column = st.columns([2, 1])
    pasted = paste_column.text_input(tr("paste_coordinates"), key="data_fix_paste")
    paste_datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], index=1,
                                         format_func=DATUM_LABELS.get, key="data_fix_datum")
    if pasted.strip():
        pair = parse_lonlat(pasted)
        if pair is None:
            st.error(tr("bad_coordinates"))
            return None, None
        return tuple(float(v) for v in convert(*pair, source=paste_datum, target="wgs84")), pasted_method(paste_datum)
    if picked and picked.get("last_clicked"):
        click = picked["last_clicked"]
        return map_point_to_wgs84(click["lng"], click["lat"], basemap, deployment.basemaps()), MAP_CLICK_METHOD
    return None, None


def fix_position_tab(session: RegisterSession) -> None:
    """One station on the map: a new position by a tap or a pasted position, marked verified or not."""
    register = session.register.set_index("id")
    station_id = st.selectbox(tr("choose_station"), list(register.index), key="data_fix_station",
                              format_func=lambda i: f"{i} {register.at[i, 'name_zh']}")
    station = register.loc[station_id]
    st.caption(tr("fix_hint"))
    basemap = st.radio(tr("basemap"), deployment.basemap_choices(), format_func=lambda b: tr(f"basemap_{b}"),
                       horizontal=True, key="data_fix_basemap")
    fmap = build_overview_map(session.register[session.register.id == station_id], data.county_boundary(), lang=session.lang,
                              basemap=basemap, settings=deployment.basemaps(), moment=now_local(),
                              community_names=data.community_names(session.lang))
    fmap.options["zoom"] = 17
    picked = st_folium(fmap, key="data_fix_map", returned_objects=["last_clicked"], height=380, use_container_width=True)
    new_lonlat, method = _new_position(session, basemap, picked)
    verified = st.checkbox(tr("mark_verified"), key="data_fix_verified")
    if new_lonlat:
        moved_m = float(ellipsoidal_distance_m(station.geometry.x, station.geometry.y, *new_lonlat))
        st.info(tr("new_position", lon=new_lonlat[0], lat=new_lonlat[1], moved=moved_m))
    if session.can_edit and (new_lonlat or verified) and st.button(tr("save"), key="data_fix_save"):
        if verified:
            position = new_lonlat or (station.geometry.x, station.geometry.y)
            result = verify_station(session.register, Verification(station_id, position, method or CONFIRMED_ON_MAP_METHOD,
                                                                   session.editor, now_local().date()))
            session.save(result.stations, result.summary)
        else:
            changed = session.register.copy()
            changed.loc[changed.id == station_id, "geometry"] = Point(*new_lonlat)
            session.save(changed, ChangeSummary("log_position_fixed", {"id": station_id, "method": method}))
        st.rerun()


def edit_table_tab(session: RegisterSession) -> None:
    """The stations' attributes in an editable table (read-only when signed out)."""
    editable = ["name_zh", "name_en", "address", "operator", "phone", "opening_hours", "amenities",
                "location_status", "hours_status"]
    headers = {column: field_label(column) for column in ["id", *editable]}
    table = pd.DataFrame(session.register[["id", *editable]]).assign(amenities=session.register["amenities"].map(";".join))
    edited = st.data_editor(table.rename(columns=headers), key="data_editor", hide_index=True, width="stretch",
                            height=420, disabled=not session.can_edit or [headers["id"]])
    edited = edited.rename(columns={label: column for column, label in headers.items()})
    if session.can_edit and st.button(tr("save"), key="data_edit_save"):
        changed = session.register.copy()
        for column in editable:
            values = edited[column]
            if column == "amenities":
                values = values.map(lambda text: [a.strip() for a in str(text or "").split(";") if a.strip()])
            changed[column] = values.where(values.notna(), None).to_list()
        session.save(changed, ChangeSummary("log_table_edit"))
        st.rerun()


def _change_log_table(session: RegisterSession) -> None:
    change_log = session.store.change_log()
    for problem in change_log.problems:
        st.warning(markdown_text(problem.text(session.lang)))
    if change_log.interrupted:
        st.caption(tr("history_interrupted", n=len(change_log.interrupted)))
    if not change_log.entries:
        st.caption(tr("history_empty"))
        return
    st.dataframe(pd.DataFrame([{
        tr("history_at"): local_minutes(c["at"]), tr("edited_by"): c["user"], tr("history_summary"): summary_text(c, session.lang),
        tr("history_added"): len(c["added"]), tr("history_removed"): len(c["removed"]), tr("history_changed"): len(c["changed"]),
    } for c in change_log.entries]), hide_index=True, width="stretch")


def _restore_panel(session: RegisterSession) -> None:
    versions = session.store.versions()
    if not versions:
        return
    labels = {v.name: tr("history_version_label", at=local_minutes(v.saved_at_utc()), version=v.version[:8]) for v in versions}
    choice = st.selectbox(tr("version_choice"), [v.name for v in versions], key="data_history_version", format_func=labels.get)
    try:
        earlier = session.store.load_version(choice)
    except GeoDataError as err:
        # one damaged file must not hide the others (or the export tab after this one)
        show_error(err)
        st.caption(tr("history_version_broken"))
        return
    diff = diff_stations(session.register, earlier)
    st.info(tr("import_diff", added=len(diff["added"]), removed=len(diff["removed"]), changed=len(diff["changed"])))
    if st.button(tr("restore"), key="data_restore"):
        try:
            session.store.restore(choice, expected_version=st.session_state["data_version"], user=session.editor)
            st.session_state["data_message"] = ("success", tr("saved"))
            st.session_state.pop("data_version", None)
        except GeoDataError as err:  # ConcurrentEditError included
            st.session_state["data_message"] = ("error", f"{tr('save_refused')} {err.localized(session.lang)}")
        st.rerun()


def history_tab(session: RegisterSession) -> None:
    """Every save (when, who, what), and any earlier version to compare and restore."""
    if not session.can_edit:
        st.info(tr("history_sign_in_first"))
        return
    _change_log_table(session)
    _restore_panel(session)


def export_tab(session: RegisterSession) -> None:
    """The register as GeoJSON, CSV, Excel or KML in any datum, and the survey team's list."""
    format_column, datum_column = st.columns(2)
    export_format = format_column.radio(tr("export_format"), ["geojson", "csv", "xlsx", "kml"], horizontal=True,
                                        key="data_export_format")
    export_datum = datum_column.radio(tr("export_datum"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                      horizontal=True, key="data_export_datum")
    st.download_button(f"{tr('downloads')} .{export_format}", export_stations(session.register, export_format, export_datum),
                       f"gaohe_stations_{export_datum}.{export_format}", key="data_export")
    todo = survey_todo(session.register, data.communities(), session.lang)
    st.download_button(tr("survey_todo_download"), xlsx_bytes({"todo": todo}),
                       f"gaohe_survey_todo_{now_local().date().isoformat()}.xlsx", key="data_export_todo")
