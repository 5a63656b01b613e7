"""Data stewardship: planners import, correct, verify and export stations; nothing is lost."""

import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from shapely.geometry import Point
from streamlit_folium import st_folium

from geo.errors import GeoDataError, SheetError
from geo.hours import now_local, to_local_time
from geo.i18n import label_of
from geo.maps.base import map_point_to_wgs84
from geo.maps.overview import build_overview_map
from geo.markup import markdown_text
from geo.place.datum import Datum, convert
from geo.place.geodesy import ellipsoidal_distance_m
from geo.readers import parse_lonlat
from geo.register.exchange import export_stations
from geo.register.import_plan import (
    CHOOSE_NEW,
    ImportPlan,
    ImportSettings,
    apply_import_plan,
    build_import_plan,
    plan_preview_table,
)
from geo.register.model import AMENITIES, StationType
from geo.register.normalise import IMPORT_FIELDS, datum_hint, guess_columns, parse_opening_hours
from geo.register.sheets import SUFFIXES, SheetTable, read_station_table
from geo.register.store import ChangeSummary, StationStore, diff_stations, summary_text
from geo.register.survey import (
    CONFIRMED_ON_MAP_METHOD,
    MAP_CLICK_METHOD,
    Verification,
    pasted_method,
    survey_todo,
    verify_station,
)
from geo.register.validate import town_extent
from geo.tables import xlsx_bytes
from ui import data, deployment
from ui.auth import sign_in_box
from ui.demand import DATUM_LABELS
from ui.geocoding import cached_address_geocoder
from ui.lang import current_language, file_uploader, show_error, tr

#: Fields the mapping step shows first; the rest only matter in files this app exported.
MAIN_FIELDS = ("name_zh", "lon", "lat", "lonlat", "address", "id", "station_type", "community", "amenities",
               "opening_hours", "phone", "operator")

lang = current_language()
st.title(tr("data_title"))
st.caption(tr("data_caption"))
register = data.stations_or_stop(lang)
store = StationStore(data.stations_path())
editor = sign_in_box("data")
can_edit = editor is not None
if can_edit and not store.writable():
    st.warning(tr("data_folder_read_only"))


def _save(stations, summary: ChangeSummary, success: str | None = None) -> None:
    """Save through the store with the version this page loaded; report the outcome."""
    try:
        store.save(stations, expected_version=st.session_state["data_version"], user=editor, summary=summary)
    except GeoDataError as err:  # ConcurrentEditError included
        st.session_state["data_message"] = ("error", f"{tr('save_refused')} {err.localized(lang)}")
    else:
        st.session_state["data_message"] = ("success", success or tr("saved"))
        st.session_state.pop("data_version", None)


# the version the edits below are based on: a save against a newer file is refused
st.session_state.setdefault("data_version", store.read()[1])
if (message := st.session_state.pop("data_message", None)) is not None:
    getattr(st, message[0])(markdown_text(message[1]))

# keyed and tracked: an upload or a save reruns the page with other elements, and an untracked
# st.tabs would fall back to the first tab, hiding the preview the planner was reading
tabs = st.tabs([tr("tab_fix"), tr("tab_edit"), tr("tab_import"), tr("tab_history"), tr("tab_export")],
               key="data_tab", on_change="rerun")

with tabs[0]:
    station_id = st.selectbox(tr("choose_station"), list(register["id"]), key="data_fix_station",
                              format_func=lambda i: f"{i} {register.set_index('id').at[i, 'name_zh']}")
    station = register.set_index("id").loc[station_id]
    st.caption(tr("fix_hint"))
    basemap = st.radio(tr("basemap"), deployment.basemap_choices(), format_func=lambda b: tr(f"basemap_{b}"),
                       horizontal=True, key="data_fix_basemap")
    fmap = build_overview_map(register[register.id == station_id], data.county_boundary(), lang=lang, basemap=basemap, settings=deployment.basemaps(),
                              moment=now_local(), community_names=data.community_names(lang))
    fmap.options["zoom"] = 17
    picked = st_folium(fmap, key="data_fix_map", returned_objects=["last_clicked"], height=380, use_container_width=True)
    paste_column, datum_column = st.columns([2, 1])
    pasted = paste_column.text_input(tr("paste_coordinates"), key="data_fix_paste")
    paste_datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], index=1,
                                         format_func=DATUM_LABELS.get, key="data_fix_datum")
    new_lonlat, method = None, None
    if pasted.strip():
        pair = parse_lonlat(pasted)
        if pair is None:
            st.error(tr("bad_coordinates"))
        else:
            new_lonlat = tuple(float(v) for v in convert(*pair, source=paste_datum, target="wgs84"))
            method = pasted_method(paste_datum)
    elif picked and picked.get("last_clicked"):
        click = picked["last_clicked"]
        new_lonlat, method = map_point_to_wgs84(click["lng"], click["lat"], basemap, deployment.basemaps()), MAP_CLICK_METHOD
    verified = st.checkbox(tr("mark_verified"), key="data_fix_verified")
    if new_lonlat:
        moved_m = float(ellipsoidal_distance_m(station.geometry.x, station.geometry.y, *new_lonlat))
        st.info(tr("new_position", lon=new_lonlat[0], lat=new_lonlat[1], moved=moved_m))
    if can_edit and (new_lonlat or verified) and st.button(tr("save"), key="data_fix_save"):
        if verified:
            position = new_lonlat or (station.geometry.x, station.geometry.y)
            result = verify_station(register, Verification(station_id, position, method or CONFIRMED_ON_MAP_METHOD, editor,
                                                           now_local().date()))
            _save(result.stations, result.summary)
        else:
            changed = register.copy()
            changed.loc[changed.id == station_id, "geometry"] = Point(*new_lonlat)
            _save(changed, ChangeSummary("log_position_fixed", {"id": station_id, "method": method}))
        st.rerun()

def _field_label(field_name: str) -> str:
    return tr(f"field_{field_name}")


with tabs[1]:
    editable = ["name_zh", "name_en", "address", "operator", "phone", "opening_hours", "amenities",
                "location_status", "hours_status"]
    headers = {column: _field_label(column) for column in ["id", *editable]}
    table = pd.DataFrame(register[["id", *editable]]).assign(amenities=register["amenities"].map(";".join))
    edited = st.data_editor(table.rename(columns=headers), key="data_editor", hide_index=True, width="stretch",
                            height=420, disabled=not can_edit or [headers["id"]])
    edited = edited.rename(columns={label: column for column, label in headers.items()})
    if can_edit and st.button(tr("save"), key="data_edit_save"):
        changed = register.copy()
        for column in editable:
            values = edited[column]
            if column == "amenities":
                values = values.map(lambda text: [a.strip() for a in str(text or "").split(";") if a.strip()])
            changed[column] = values.where(values.notna(), None).to_list()
        _save(changed, ChangeSummary("log_table_edit"))
        st.rerun()


@st.cache_data(show_spinner=False, max_entries=8)
def _read_upload(content: bytes, suffix: str, sheet: str | None, name: str) -> SheetTable:
    with tempfile.TemporaryDirectory() as folder:
        # only the suffix of the uploaded name reaches the disk; the name is for messages
        path = Path(folder) / f"import{suffix}"
        path.write_bytes(content)
        return read_station_table(path, sheet=sheet, source=name)


@st.cache_data(show_spinner=False, max_entries=4)
def _import_plan(table: SheetTable, settings: ImportSettings, provider: str | None, register_version: tuple[str, int],
                 _register, _geocode) -> ImportPlan:
    """The plan, computed again only when the file, a setting or the register changes (a 5,000-row
    sheet takes seconds; every widget on the page reruns the script)."""
    return build_import_plan(table, _register, settings, communities=data.communities(), checker=data.place_checker(),
                             geocode=_geocode, geocoder_name=provider)


def _mapping_step(table: SheetTable, file_key: str) -> ImportSettings:
    """Which column holds each field, the values chosen for the whole file, the datum and how
    rows are matched. Widget keys carry ``file_key``: another file starts from its own guesses."""
    guesses = guess_columns(table.headers)
    columns: dict[str, str] = {}
    options = [None, *table.headers]
    understood = "name_zh" in guesses and bool({"lon", "lat", "lonlat", "address"} & set(guesses))
    with st.expander(tr("import_mapping"), expanded=not understood):
        st.caption(tr("import_mapping_help"))
        more = st.toggle(tr("import_columns_more"), key=f"data_import_more_{file_key}")
        shown = sorted((f for f in IMPORT_FIELDS if f in MAIN_FIELDS or more),
                       key=lambda f: (f not in MAIN_FIELDS, IMPORT_FIELDS.index(f)))
        grid = st.columns(4)
        for position, field_name in enumerate(shown):
            choice = grid[position % 4].selectbox(
                _field_label(field_name), options, index=options.index(guesses.get(field_name)),
                format_func=lambda c: tr("import_no_column") if c is None else str(c),
                key=f"data_import_map_{field_name}_{file_key}")
            if choice is not None:
                columns[field_name] = choice
        if not more:
            columns.update({f: c for f, c in guesses.items() if f not in MAIN_FIELDS})
    with st.container(border=True):
        st.markdown(f"**{tr('import_file_values')}**")
        type_column, community_column, operator_column, hours_column, amenities_column = st.columns([1, 1, 1, 1, 2])
        types = [None, *(t.value for t in StationType)]
        station_type = type_column.selectbox(tr("import_file_type"), types, key=f"data_import_type_{file_key}",
                                             format_func=lambda v: tr("import_not_set") if v is None else label_of("station_type", v, lang))
        names = data.community_names(lang)
        community = community_column.selectbox(tr("import_file_community"), [None, *names], key=f"data_import_community_{file_key}",
                                               format_func=lambda c: tr("import_not_set") if c is None else names[c])
        operator = operator_column.text_input(tr("import_file_operator"), key=f"data_import_operator_{file_key}")
        hours_text = hours_column.text_input(tr("import_file_hours"), key=f"data_import_hours_{file_key}")
        hours = parse_opening_hours(hours_text) if hours_text.strip() else None
        if hours_text.strip():
            hours_column.caption(markdown_text(tr("import_hours_understood", hours=hours)) if hours
                                 else tr("import_hours_not_understood"))
        amenities = amenities_column.multiselect(tr("import_file_amenities"), list(AMENITIES), key=f"data_import_amenities_{file_key}",
                                                 format_func=lambda a: f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}",
                                                 placeholder=tr("choose_amenities"))
    hinted = next((datum_hint(columns[f]) for f in ("lon", "lat", "lonlat") if f in columns and datum_hint(columns[f])), None)
    datum_column, match_column, mode_column = st.columns(3)
    if table.declared_datum is not None:
        datum_column.info(tr("import_datum_declared", datum=DATUM_LABELS[table.declared_datum.value]))
        datum = table.declared_datum.value
    else:
        datum_options = [d.value for d in Datum]
        datum = datum_column.selectbox(tr("import_datum"), datum_options, format_func=DATUM_LABELS.get,
                                       index=datum_options.index(hinted.value if hinted else "gcj02"),
                                       key=f"data_import_datum_{file_key}")
    match = match_column.radio(tr("import_match"), ["auto", "id", "name"], format_func=lambda m: tr(f"import_match_{m}"),
                               key=f"data_import_match_{file_key}")
    min_score = match_column.slider(tr("import_min_score"), 60, 100, 80, key=f"data_import_min_score_{file_key}")
    mode = mode_column.radio(tr("import_mode"), ["merge", "replace"], format_func=lambda m: tr(f"import_mode_{m}"),
                             key=f"data_import_mode_{file_key}")
    return ImportSettings(datum=Datum(datum), columns=columns, station_type=station_type, community_code=community,
                          operator=operator.strip() or None, opening_hours=hours, amenities=tuple(amenities) or None,
                          match=match, min_score=float(min_score), mode=mode,
                          choices=dict(st.session_state.get(f"data_import_choices_{file_key}", {})),
                          row_types=dict(st.session_state.get(f"data_import_row_types_{file_key}", {})),
                          accept_far_moves=bool(st.session_state.get(f"data_import_accept_far_{file_key}", False)))


def _set_row_choice(kind: str, file_key: str, row: int, value: str | None) -> None:
    """The planner's choice for one sheet row (``kind``: "choices" of station, "row_types"),
    kept per file; ``None`` takes the choice back."""
    key = f"data_import_{kind}_{file_key}"
    chosen = dict(st.session_state.get(key, {}))
    if value is None:
        chosen.pop(row, None)
    else:
        chosen[row] = value
    st.session_state[key] = chosen


def _imported(outcome) -> str:
    return tr("import_saved", added=len(outcome.added), updated=len(outcome.updated), removed=len(outcome.removed),
              left=len(outcome.left_out_rows))


def _apply(plan: ImportPlan, partial: bool) -> None:
    """Save the plan's ready rows; remember which rows were left out and why, to keep showing
    them after the page reruns on the new register (where the preview has changed)."""
    outcome = apply_import_plan(plan, register, partial=partial)
    _save(outcome.stations, outcome.summary(plan.source), _imported(outcome))
    if st.session_state.get("data_message", ("",))[0] == "success":
        left = [r for r in plan.left_out_rows()]
        st.session_state["data_import_last"] = {
            "source": plan.source,
            "left": [{tr("import_col_row"): r.row, tr("import_col_name"): r.name,
                      tr("import_col_notes"): "; ".join(replace(p, row=None).text(lang) for p in r.problems)
                      or tr("import_action_held")} for r in left]}
    st.rerun()


def _show_last_import() -> None:
    """The rows the last import left out, and why, until the planner dismisses the list."""
    last = st.session_state.get("data_import_last")
    if not last or not last["left"]:
        return
    with st.container(border=True):
        st.warning(markdown_text(tr("import_last_left_out", source=last["source"], n=len(last["left"]))))
        st.dataframe(pd.DataFrame(last["left"]), hide_index=True, width="stretch", key="data_import_last_left")
        if st.button(tr("import_last_dismiss"), key="data_import_last_dismiss"):
            st.session_state.pop("data_import_last", None)
            st.rerun()


def _local_minutes(moment: "str | datetime | None") -> str:
    """A change's time as the town reads it: Asia/Shanghai, to the minute (the log keeps UTC ISO)."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    return "" if moment is None else f"{to_local_time(moment):%Y-%m-%d %H:%M}"


def _station_label(station_id: str) -> str:
    return f"{station_id} {register.set_index('id').at[station_id, 'name_zh']}"


with tabs[2]:
    if not can_edit:
        st.info(tr("import_sign_in_first"))
    else:
        _show_last_import()
        upload = file_uploader(tr("import_file"), [s.lstrip(".") for s in SUFFIXES], key="data_import_file",
                               help=tr("import_file_help"))
        if upload is not None:
            file_key = upload.file_id
            suffix = Path(upload.name).suffix.lower()
            sheet = None
            try:
                table = _read_upload(upload.getvalue(), suffix, None, upload.name)
                if len(table.sheet_names) > 1:
                    sheet = st.selectbox(tr("import_sheet_choice"), table.sheet_names, key="data_import_sheet")
                    table = _read_upload(upload.getvalue(), suffix, sheet, upload.name)
            except SheetError as err:
                show_error(err)
                st.stop()
            how = (tr("import_read_encoding", encoding=table.encoding) if table.encoding else "") + (
                tr("import_read_sheet", sheet=table.sheet_name, header=table.header_row) if table.sheet_name else "")
            st.caption(markdown_text(tr("import_read_as", rows=len(table.rows), how=how)))
            settings = _mapping_step(table, file_key)
            geocode, provider = cached_address_geocoder()
            st.caption(tr("import_geocoder_on", provider=provider) if provider else tr("import_geocoder_off"))
            st.caption(tr("town_extent_note", **town_extent().label_params()))
            with st.spinner():
                plan = _import_plan(table, settings, provider, data.register_version(), register, geocode)
            st.subheader(tr("import_preview"))
            for problem in plan.file_problems:
                st.error(markdown_text(problem.text(lang)))
            for problem in plan.file_warnings:
                st.warning(markdown_text(problem.text(lang)))
            counts = plan.counts()
            st.info(tr("import_summary", **counts))
            preview = plan_preview_table(plan, lang, data.community_names(lang))
            st.dataframe(preview, hide_index=True, width="stretch", key="data_import_preview",
                         height=min(38 + 35 * len(preview), 560),
                         column_config={tr("import_col_notes"): st.column_config.TextColumn(width="large"),
                                        tr("import_col_name"): st.column_config.TextColumn(width="medium")})
            if plan.removed:
                st.warning(markdown_text(tr("import_removed", n=len(plan.removed), ids=", ".join(plan.removed))))
            waiting = [r for r in plan.rows if r.action == "choose" or (r.matched_by == "choice" and len(r.candidates) > 1)]
            if waiting:
                st.subheader(tr("import_choose"))
            for row in waiting:
                options = [None, *(c.station_id for c in row.candidates), CHOOSE_NEW]
                labels = {CHOOSE_NEW: tr("import_choose_new"), None: tr("import_choose_auto"),
                          **{c.station_id: f"{_station_label(c.station_id)} ({c.score:.0f})" for c in row.candidates}}
                st.selectbox(markdown_text(tr("import_choose_row", row=row.row, name=row.name)), options,
                             format_func=labels.get, key=f"data_import_choose_{file_key}_{row.row}",
                             on_change=lambda r=row.row: _set_row_choice(
                                 "choices", file_key, r, st.session_state[f"data_import_choose_{file_key}_{r}"]))
            with st.expander(tr("import_override")):
                row_column, station_column, type_column = st.columns(3)
                override_row = row_column.selectbox(tr("import_override_row"), [r.row for r in plan.rows],
                                                    format_func=lambda n: f"{n} {next(r.name for r in plan.rows if r.row == n)}",
                                                    key="data_import_override_row")
                station_options = [None, CHOOSE_NEW, *register["id"]]
                station_column.selectbox(tr("import_override_station"), station_options, key="data_import_override_station",
                                         format_func=lambda s: {None: tr("import_choose_auto"), CHOOSE_NEW: tr("import_choose_new")}.get(s)
                                         or _station_label(s),
                                         on_change=lambda: _set_row_choice("choices", file_key, st.session_state["data_import_override_row"],
                                                                   st.session_state["data_import_override_station"]))
                row_types = st.session_state.get(f"data_import_row_types_{file_key}", {})
                type_options = [None, *(t.value for t in StationType)]
                # keyed by row: switching rows shows that row's own choice
                type_column.selectbox(
                    tr("import_override_type"), type_options, index=type_options.index(row_types.get(override_row)),
                    key=f"data_import_override_type_{file_key}_{override_row}",
                    format_func=lambda v: tr("import_type_as_read") if v is None else label_of("station_type", v, lang),
                    on_change=lambda r=override_row: _set_row_choice(
                        "row_types", file_key, r, st.session_state[f"data_import_override_type_{file_key}_{r}"]))
            needs = plan.needs_position()
            if needs:
                st.warning(tr("import_needs_position", n=len(needs)) + "\n\n"
                           + "\n".join(f"- {r.row}: {markdown_text(r.name)}" for r in needs))
            ready = plan.ready_rows()
            if counts["far_move"]:
                st.checkbox(tr("import_accept_far", n=counts["far_move"]), key=f"data_import_accept_far_{file_key}")
            if plan.valid:
                if st.button(tr("import_apply_all", n=len(ready)), key="data_import_apply", type="primary"):
                    _apply(plan, partial=False)
            elif ready and not plan.file_problems:
                partial = st.checkbox(tr("import_partial", ready=len(ready), left=len(plan.left_out_rows())),
                                      key=f"data_import_partial_{file_key}")
                if st.button(tr("import_apply_partial", n=len(ready)), key="data_import_apply", disabled=not partial):
                    _apply(plan, partial=True)
            else:
                st.error(tr("import_nothing_to_apply"))

with tabs[3]:
    if not can_edit:
        st.info(tr("history_sign_in_first"))
    else:
        change_log = store.change_log()
        for problem in change_log.problems:
            st.warning(markdown_text(problem.text(lang)))
        if change_log.interrupted:
            st.caption(tr("history_interrupted", n=len(change_log.interrupted)))
        if not change_log.entries:
            st.caption(tr("history_empty"))
        else:
            st.dataframe(pd.DataFrame([{tr("history_at"): _local_minutes(c["at"]), tr("edited_by"): c["user"], tr("history_summary"): summary_text(c, lang),
                                        tr("history_added"): len(c["added"]), tr("history_removed"): len(c["removed"]),
                                        tr("history_changed"): len(c["changed"])} for c in change_log.entries]),
                         hide_index=True, width="stretch")
        versions = store.versions()
        if versions:
            labels = {v.name: tr("history_version_label", at=_local_minutes(v.saved_at_utc()), version=v.version[:8])
                      for v in versions}
            choice = st.selectbox(tr("version_choice"), [v.name for v in versions], key="data_history_version",
                                  format_func=labels.get)
            try:
                earlier = store.load_version(choice)
            except GeoDataError as err:
                # one damaged file must not hide the others (or the export tab after this one)
                show_error(err)
                st.caption(tr("history_version_broken"))
                earlier = None
            if earlier is not None:
                diff = diff_stations(register, earlier)
                st.info(tr("import_diff", added=len(diff["added"]), removed=len(diff["removed"]), changed=len(diff["changed"])))
                if st.button(tr("restore"), key="data_restore"):
                    try:
                        store.restore(choice, expected_version=st.session_state["data_version"], user=editor)
                        st.session_state["data_message"] = ("success", tr("saved"))
                        st.session_state.pop("data_version", None)
                    except GeoDataError as err:  # ConcurrentEditError included
                        st.session_state["data_message"] = ("error", f"{tr('save_refused')} {err.localized(lang)}")
                    st.rerun()

with tabs[4]:
    format_column, datum_column = st.columns(2)
    export_format = format_column.radio(tr("export_format"), ["geojson", "csv", "xlsx", "kml"], horizontal=True,
                                        key="data_export_format")
    export_datum = datum_column.radio(tr("export_datum"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                      horizontal=True, key="data_export_datum")
    st.download_button(f"{tr('downloads')} .{export_format}", export_stations(register, export_format, export_datum),
                       f"gaohe_stations_{export_datum}.{export_format}", key="data_export")
    st.download_button(tr("survey_todo_download"), xlsx_bytes({"todo": survey_todo(register, data.communities(), lang)}),
                       f"gaohe_survey_todo_{now_local().date().isoformat()}.xlsx", key="data_export_todo")
