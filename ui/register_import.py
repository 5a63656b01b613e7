"""The register page's import tab: a station list (Excel, CSV, KML, GeoJSON) read, its columns
mapped, a per-row plan shown (matched by id or name, new, moved, refused, why), ambiguous rows
chosen by the planner, and the plan applied as one logged save (in whole, or the ready rows
when the planner chooses so). The pipeline is :mod:`geo.register.import_plan`."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.errors import SheetError
from geo.i18n import label_of
from geo.markup import markdown_text
from geo.place.datum import Datum
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
from geo.register.validate import town_extent
from ui import data
from ui.demand import DATUM_LABELS
from ui.geocoding import cached_address_geocoder
from ui.lang import file_uploader, show_error, tr
from ui.register_edit import RegisterSession, field_label

#: Fields the mapping step shows first; the rest only matter in files this app exported.
MAIN_FIELDS = ("name_zh", "lon", "lat", "lonlat", "address", "id", "station_type", "community", "amenities",
               "opening_hours", "phone", "operator")


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


def _mapping_step(session: RegisterSession, table: SheetTable, file_key: str) -> ImportSettings:
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
                field_label(field_name), options, index=options.index(guesses.get(field_name)),
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
                                             format_func=lambda v: tr("import_not_set") if v is None else label_of("station_type", v, session.lang))
        names = data.community_names(session.lang)
        community = community_column.selectbox(tr("import_file_community"), [None, *names], key=f"data_import_community_{file_key}",
                                               format_func=lambda c: tr("import_not_set") if c is None else names[c])
        operator = operator_column.text_input(tr("import_file_operator"), key=f"data_import_operator_{file_key}")
        hours_text = hours_column.text_input(tr("import_file_hours"), key=f"data_import_hours_{file_key}")
        hours = parse_opening_hours(hours_text) if hours_text.strip() else None
        if hours_text.strip():
            hours_column.caption(markdown_text(tr("import_hours_understood", hours=hours)) if hours
                                 else tr("import_hours_not_understood"))
        amenities = amenities_column.multiselect(tr("import_file_amenities"), list(AMENITIES), key=f"data_import_amenities_{file_key}",
                                                 format_func=lambda a: f"{AMENITIES[a].icon} {label_of('amenity', a, session.lang)}",
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


def _apply(session: RegisterSession, plan: ImportPlan, partial: bool) -> None:
    """Save the plan's ready rows; remember which rows were left out and why, to keep showing
    them after the page reruns on the new register (where the preview has changed)."""
    outcome = apply_import_plan(plan, session.register, partial=partial)
    session.save(outcome.stations, outcome.summary(plan.source), _imported(outcome))
    if st.session_state.get("data_message", ("",))[0] == "success":
        left = [r for r in plan.left_out_rows()]
        st.session_state["data_import_last"] = {
            "source": plan.source,
            "left": [{tr("import_col_row"): r.row, tr("import_col_name"): r.name,
                      tr("import_col_notes"): "; ".join(replace(p, row=None).text(session.lang) for p in r.problems)
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


def _station_label(session: RegisterSession, station_id: str) -> str:
    return f"{station_id} {session.register.set_index('id').at[station_id, 'name_zh']}"


def _read_sheet(upload) -> SheetTable:  # noqa: ANN001 (Streamlit's UploadedFile)
    """The uploaded list's table (the sheet the planner picks, for a workbook of several); the
    page stops with the problems when it cannot be read."""
    suffix = Path(upload.name).suffix.lower()
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
    return table


def _preview(session: RegisterSession, plan: ImportPlan) -> None:
    st.subheader(tr("import_preview"))
    for problem in plan.file_problems:
        st.error(markdown_text(problem.text(session.lang)))
    for problem in plan.file_warnings:
        st.warning(markdown_text(problem.text(session.lang)))
    st.info(tr("import_summary", **plan.counts()))
    preview = plan_preview_table(plan, session.lang, data.community_names(session.lang))
    st.dataframe(preview, hide_index=True, width="stretch", key="data_import_preview",
                 height=min(38 + 35 * len(preview), 560),
                 column_config={tr("import_col_notes"): st.column_config.TextColumn(width="large"),
                                tr("import_col_name"): st.column_config.TextColumn(width="medium")})
    if plan.removed:
        st.warning(markdown_text(tr("import_removed", n=len(plan.removed), ids=", ".join(plan.removed))))


def _row_choices(session: RegisterSession, plan: ImportPlan, file_key: str) -> None:
    """A choice for each row whose name matches several stations."""
    waiting = [r for r in plan.rows if r.action == "choose" or (r.matched_by == "choice" and len(r.candidates) > 1)]
    if waiting:
        st.subheader(tr("import_choose"))
    for row in waiting:
        options = [None, *(c.station_id for c in row.candidates), CHOOSE_NEW]
        labels = {CHOOSE_NEW: tr("import_choose_new"), None: tr("import_choose_auto"),
                  **{c.station_id: f"{_station_label(session, c.station_id)} ({c.score:.0f})" for c in row.candidates}}
        st.selectbox(markdown_text(tr("import_choose_row", row=row.row, name=row.name)), options,
                     format_func=labels.get, key=f"data_import_choose_{file_key}_{row.row}",
                     on_change=lambda r=row.row: _set_row_choice(
                         "choices", file_key, r, st.session_state[f"data_import_choose_{file_key}_{r}"]))


def _row_overrides(session: RegisterSession, plan: ImportPlan, file_key: str) -> None:
    """Any row matched to another station, made new, or given another type."""
    with st.expander(tr("import_override")):
        row_column, station_column, type_column = st.columns(3)
        override_row = row_column.selectbox(tr("import_override_row"), [r.row for r in plan.rows],
                                            format_func=lambda n: f"{n} {next(r.name for r in plan.rows if r.row == n)}",
                                            key="data_import_override_row")
        special = {None: tr("import_choose_auto"), CHOOSE_NEW: tr("import_choose_new")}
        station_column.selectbox(tr("import_override_station"), [None, CHOOSE_NEW, *session.register["id"]],
                                 key="data_import_override_station",
                                 format_func=lambda s: special.get(s) or _station_label(session, s),
                                 on_change=lambda: _set_row_choice("choices", file_key, st.session_state["data_import_override_row"],
                                                                   st.session_state["data_import_override_station"]))
        row_types = st.session_state.get(f"data_import_row_types_{file_key}", {})
        type_options = [None, *(t.value for t in StationType)]
        # keyed by row: switching rows shows that row's own choice
        type_column.selectbox(
            tr("import_override_type"), type_options, index=type_options.index(row_types.get(override_row)),
            key=f"data_import_override_type_{file_key}_{override_row}",
            format_func=lambda v: tr("import_type_as_read") if v is None else label_of("station_type", v, session.lang),
            on_change=lambda r=override_row: _set_row_choice(
                "row_types", file_key, r, st.session_state[f"data_import_override_type_{file_key}_{r}"]))


def _apply_buttons(session: RegisterSession, plan: ImportPlan, file_key: str) -> None:
    """Apply the whole plan, or, as an explicit choice, only its ready rows."""
    needs = plan.needs_position()
    if needs:
        st.warning(tr("import_needs_position", n=len(needs)) + "\n\n"
                   + "\n".join(f"- {r.row}: {markdown_text(r.name)}" for r in needs))
    ready = plan.ready_rows()
    if (far := plan.counts()["far_move"]):
        st.checkbox(tr("import_accept_far", n=far), key=f"data_import_accept_far_{file_key}")
    if plan.valid:
        if st.button(tr("import_apply_all", n=len(ready)), key="data_import_apply", type="primary"):
            _apply(session, plan, partial=False)
    elif ready and not plan.file_problems:
        partial = st.checkbox(tr("import_partial", ready=len(ready), left=len(plan.left_out_rows())),
                              key=f"data_import_partial_{file_key}")
        if st.button(tr("import_apply_partial", n=len(ready)), key="data_import_apply", disabled=not partial):
            _apply(session, plan, partial=True)
    else:
        st.error(tr("import_nothing_to_apply"))


def import_tab(session: RegisterSession) -> None:
    """Upload, map the columns, read the plan row by row, choose, apply."""
    if not session.can_edit:
        st.info(tr("import_sign_in_first"))
        return
    _show_last_import()
    upload = file_uploader(tr("import_file"), [s.lstrip(".") for s in SUFFIXES], key="data_import_file",
                           help=tr("import_file_help"))
    if upload is None:
        return
    table = _read_sheet(upload)
    settings = _mapping_step(session, table, upload.file_id)
    geocode, provider = cached_address_geocoder()
    st.caption(tr("import_geocoder_on", provider=provider) if provider else tr("import_geocoder_off"))
    st.caption(tr("town_extent_note", **town_extent().label_params()))
    with st.spinner():
        plan = _import_plan(table, settings, provider, data.register_version(), session.register, geocode)
    _preview(session, plan)
    _row_choices(session, plan, upload.file_id)
    _row_overrides(session, plan, upload.file_id)
    _apply_buttons(session, plan, upload.file_id)
