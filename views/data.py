"""Data stewardship: planners import, correct, verify and export stations; nothing is lost."""

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from shapely.geometry import Point
from streamlit_folium import st_folium

from geo.datum import Datum, convert
from geo.exchange import export_stations, guess_column_map, merge_features, read_station_features
from geo.geodesy import ellipsoidal_distance_m
from geo.hours import now_local
from geo.errors import GeoDataError
from geo.register import stations_from_features, stations_to_feature_collection
from geo.validate import validate_feature_collection
from geo.markup import markdown_text
from geo.maps import Basemap, build_overview_map, map_point_to_wgs84
from geo.model import REQUIRED_PROPERTIES
from geo.store import ConcurrentEditError, StationStore, diff_stations
from ui import data
from ui.auth import current_editor, sign_in_box
from ui.demand import DATUM_LABELS
from ui.lang import current_language, tr

lang = current_language()
st.title(tr("data_title"))
st.caption(tr("data_caption"))
register = data.stations_or_stop(lang)
store = StationStore(data.stations_path())


def _save(stations, summary: str) -> None:
    """Save through the store with the version this page loaded; report the outcome."""
    try:
        store.save(stations, expected_version=st.session_state["data_version"], user=current_editor() or "",
                   summary=summary)
    except GeoDataError as err:
        st.session_state["data_message"] = ("error", f"{tr('save_refused')} {markdown_text(err.localized(lang))}")
    else:
        st.session_state["data_message"] = ("success", tr("saved"))
        st.session_state.pop("data_version", None)


def _column_mapping(path: Path) -> dict[str, str]:
    """The column-mapping step: which file column holds each property (guessed from the
    headers, 经度/纬度/名称/地址 included; the planner can change every choice)."""
    try:
        header = (pd.read_csv(path, nrows=0, encoding="utf-8-sig") if path.suffix == ".csv"
                  else pd.read_excel(path, nrows=0, engine="openpyxl")).columns.map(str).tolist()
    except (ValueError, UnicodeDecodeError):
        return {}
    guesses = guess_column_map(header)
    mapping: dict[str, str] = {}
    with st.expander(tr("column_mapping"), expanded=not {"lon", "lat", "id"} <= set(guesses)):
        columns = st.columns(3)
        for position, target in enumerate(["lon", "lat", *REQUIRED_PROPERTIES]):
            options = ["—", *header]
            default = options.index(guesses[target]) if target in guesses else 0
            choice = columns[position % 3].selectbox(target, options, index=default, key=f"data_map_{target}")
            if choice != "—":
                mapping[choice] = target
    return mapping


editor = sign_in_box("data")

# the version the edits below are based on: a save against a newer file is refused
st.session_state.setdefault("data_version", store.read()[1])
if (message := st.session_state.pop("data_message", None)) is not None:
    getattr(st, message[0])(message[1])

tabs = st.tabs([tr("tab_fix"), tr("tab_edit"), tr("tab_import"), tr("tab_history"), tr("tab_export")])
can_edit = editor is not None

with tabs[0]:
    station_id = st.selectbox(tr("choose_station"), list(register["id"]), key="data_fix_station",
                              format_func=lambda i: f"{i} {register.set_index('id').at[i, 'name_zh']}")
    station = register.set_index("id").loc[station_id]
    st.caption(tr("fix_hint"))
    basemap = st.radio(tr("basemap"), [b.value for b in Basemap], format_func=lambda b: tr(f"basemap_{b}"),
                       horizontal=True, key="data_fix_basemap")
    fmap = build_overview_map(register[register.id == station_id], data.county_boundary(), lang=lang, basemap=basemap,
                              moment=now_local(), community_names=data.community_names(lang))
    fmap.options["zoom"] = 17
    picked = st_folium(fmap, key="data_fix_map", returned_objects=["last_clicked"], height=380, use_container_width=True)
    paste_column, datum_column = st.columns([2, 1])
    pasted = paste_column.text_input(tr("paste_coordinates"), key="data_fix_paste")
    paste_datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], index=1,
                                         format_func=DATUM_LABELS.get, key="data_fix_datum")
    new_lonlat = None
    if pasted.strip():
        try:
            lon_text, lat_text = pasted.replace("，", ",").split(",")
            new_lonlat = tuple(float(v) for v in convert(float(lon_text), float(lat_text), source=paste_datum, target="wgs84"))
        except ValueError:
            st.error(tr("bad_coordinates"))
    elif picked and picked.get("last_clicked"):
        click = picked["last_clicked"]
        new_lonlat = map_point_to_wgs84(click["lng"], click["lat"], basemap)
    verified = st.checkbox(tr("mark_verified"), key="data_fix_verified")
    if new_lonlat:
        moved_m = float(ellipsoidal_distance_m(station.geometry.x, station.geometry.y, *new_lonlat))
        st.info(tr("new_position", lon=new_lonlat[0], lat=new_lonlat[1], moved=moved_m))
    if can_edit and (new_lonlat or verified) and st.button(tr("save"), key="data_fix_save"):
        changed = register.copy()
        row = changed.index[changed.id == station_id][0]
        if new_lonlat:
            changed.at[row, "geometry"] = Point(*new_lonlat)
        if verified:
            changed.at[row, "location_status"] = "verified"
            changed.at[row, "source"] = f"{changed.at[row, 'source']}; 位置核实 {date.today()} {editor}"
        _save(changed, f"position of {station_id}" + (" verified" if verified else ""))
        st.rerun()

with tabs[1]:
    editable = ["name_zh", "name_en", "address", "operator", "phone", "opening_hours", "amenities",
                "location_status", "hours_status"]
    table = pd.DataFrame(register[["id", *editable]]).assign(amenities=register["amenities"].map(";".join))
    edited = st.data_editor(table, key="data_editor", disabled=not can_edit or ["id"], hide_index=True,
                            width="stretch", height=420)
    if can_edit and st.button(tr("save"), key="data_edit_save"):
        changed = register.copy()
        for column in editable:
            values = edited[column]
            if column == "amenities":
                values = values.map(lambda text: [a.strip() for a in str(text or "").split(";") if a.strip()])
            changed[column] = values.where(values.notna(), None).to_list()
        _save(changed, "attributes edited in the table")
        st.rerun()

with tabs[2]:
    upload = st.file_uploader(tr("import_file"), type=["geojson", "json", "csv", "xlsx", "kml"], key="data_import_file")
    mode_column, datum_column = st.columns(2)
    mode = mode_column.radio(tr("import_mode"), ["merge", "replace"], format_func=lambda m: tr(f"mode_{m}"),
                             key="data_import_mode")
    import_datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                          key="data_import_datum")
    if upload is not None:
        with tempfile.TemporaryDirectory() as folder:
            # only the suffix of the uploaded name is used: no path from outside reaches the disk
            path = Path(folder) / f"import{Path(upload.name).suffix.lower()}"
            path.write_bytes(upload.getvalue())
            column_map = None
            if path.suffix in (".csv", ".xlsx"):
                column_map = _column_mapping(path)
            try:
                imported, problems = read_station_features(path, datum=import_datum, column_map=column_map)
            except GeoDataError as err:
                imported, problems = [], getattr(err, "problems", None) or [err]
        merged = merge_features(stations_to_feature_collection(register)["features"], imported, mode=mode)
        if not problems:
            _, problems = validate_feature_collection({"type": "FeatureCollection", "features": merged})
        if problems:
            st.error(tr("import_problems", n=len(problems)))
            st.text("\n".join(p.text(lang) for p in problems))
        else:
            new = stations_from_features(merged)
            diff = diff_stations(register, new)
            st.info(tr("import_diff", added=len(diff["added"]), removed=len(diff["removed"]), changed=len(diff["changed"])))
            st.json(diff, expanded=False)
            if can_edit and st.button(tr("import_apply"), key="data_import_apply"):
                _save(new, f"import {Path(upload.name).name} ({mode}, {import_datum})")
                st.rerun()

with tabs[3]:
    changes = store.changes()
    if not changes:
        st.caption(tr("history_empty"))
    else:
        st.dataframe(pd.DataFrame([{"at": c["at"], tr("edited_by"): c["user"], "summary": c["summary"],
                                    "added": len(c["added"]), "removed": len(c["removed"]), "changed": len(c["changed"])}
                                   for c in changes]), hide_index=True, width="stretch")
        versions = store.versions()
        choice = st.selectbox(tr("version_choice"), [v.name for v in versions], key="data_history_version")
        try:
            earlier = store.load_version(choice)
        except GeoDataError as err:
            st.error(err.localized(lang))
            st.stop()
        diff = diff_stations(register, earlier)
        st.info(tr("import_diff", added=len(diff["added"]), removed=len(diff["removed"]), changed=len(diff["changed"])))
        if can_edit and st.button(tr("restore"), key="data_restore"):
            try:
                store.restore(choice, expected_version=st.session_state["data_version"], user=editor)
                st.session_state["data_message"] = ("success", tr("saved"))
                st.session_state.pop("data_version", None)
            except (GeoDataError, ConcurrentEditError) as err:
                st.session_state["data_message"] = ("error", f"{tr('save_refused')} {err}")
            st.rerun()

with tabs[4]:
    format_column, datum_column = st.columns(2)
    export_format = format_column.radio("format", ["geojson", "csv", "xlsx", "kml"], horizontal=True, key="data_export_format")
    export_datum = datum_column.radio(tr("export_datum"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                      horizontal=True, key="data_export_datum")
    st.download_button(f"{tr('downloads')} .{export_format}", export_stations(register, export_format, export_datum),
                       f"gaohe_stations_{export_datum}.{export_format}", key="data_export")
