"""The triage page's parts (the page is ``views/triage.py``): the reports as a map and a table
(selection kept as reference codes), the panel that changes their state, exports and counts.

The selection is kept as reference codes (``triage_selected``), never as row positions, so a
report filed meanwhile cannot shift it onto another report.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.errors import GeoDataError
from geo.feedback import ReportStore
from geo.feedback.analysis import ReportCounts, count_reports, export_reports, reports_table
from geo.feedback.vocabulary import (
    ALLOWED_TRANSITIONS,
    OPEN_STATES,
    PlaceSource,
    ReportKind,
    ReportState,
    subject_label,
)
from geo.i18n import label_of, name_in, names_in
from geo.maps.feedback import build_reports_map, selected_reports_layer
from geo.markup import markdown_text
from geo.place.geodesy import ellipsoidal_distance_m
from geo.register.model import LOCAL_TIMEZONE
from ui import data, deployment
from ui.lang import error_text, tr
from ui.reports import bring_into_view

LOCAL = ZoneInfo(LOCAL_TIMEZONE)
#: Table columns: report-table column -> catalogue key of the header.
LIST_COLUMNS = {"reference": "col_report_reference", "state_label": "col_report_state",
                "kind_label": "col_report_kind", "subject_label": "col_report_subject",
                "station_id": "col_report_station", "created_local": "col_report_created",
                "group_text": "col_report_group", "photo_mark": "col_report_photo", "note": "col_report_note",
                "answer": "col_report_answer"}


@dataclass
class Triage:
    """What one run of the triage page works on: the store, who is signed in, every report
    (``full_table``, groups found among all of them), those the filters show (``table``,
    ``shown`` the store's rows of them) and the planner's selection (reference codes)."""

    store: ReportStore
    editor: str
    lang: str
    counts: ReportCounts
    full_table: pd.DataFrame
    table: pd.DataFrame
    shown: pd.DataFrame
    selected: list[str]
    matching: set[str]

    @property
    def by_reference(self) -> pd.DataFrame:
        return self.table.set_index("reference")


def load_triage(store: ReportStore, editor: str, lang: str) -> Triage:
    """The counts, the filters (state, kind) and the reports they leave, with those the planner
    just changed kept in view."""
    everything = store.reports_frame()
    counts = count_reports(everything)
    for column, state in zip(st.columns(len(ReportState)), ReportState):
        column.metric(label_of("report_state", state, lang), counts.by_state[state.value])
    filter_state, filter_kind = st.columns([3, 2])
    states = filter_state.multiselect(tr("triage_filter_state"), [s.value for s in ReportState],
                                      default=[s.value for s in ReportState if s in OPEN_STATES], key="triage_states",
                                      format_func=lambda s: label_of("report_state", s, lang), on_change=_forget_kept)
    kinds = filter_kind.multiselect(tr("triage_filter_kind"), [k.value for k in ReportKind],
                                    default=[k.value for k in ReportKind], key="triage_kinds",
                                    format_func=lambda k: label_of("report_kind", k, lang), on_change=_forget_kept)
    # groups are found among all reports, so a duplicate of a closed report is still seen as one
    full_table = reports_table(everything, lang, store.events_frame())
    full_table["group_text"] = [tr("triage_group_cell", n=n, reference=r) if n > 1 else ""
                                for n, r in zip(full_table["group_size"], full_table["group_reference"])]
    full_table["photo_mark"] = ["📷" if has else "" for has in full_table["has_photo"]]
    kept = set(st.session_state.get("triage_kept", []))
    matches = full_table["state"].isin(states) & full_table["kind"].isin(kinds)
    table = full_table[matches | full_table["reference"].isin(kept)].reset_index(drop=True)
    shown = everything.set_index("reference").loc[table["reference"]].reset_index()
    selected = [r for r in st.session_state.get("triage_selected", []) if r in set(table["reference"])]
    st.session_state["triage_selected"] = selected
    return Triage(store, editor, lang, counts, full_table, table, shown, selected, set(full_table.loc[matches, "reference"]))


def _forget_kept() -> None:
    """A new filter: reports changed before no longer need to stay in view."""
    st.session_state.pop("triage_kept", None)


def _clear_action() -> None:
    # set, not deleted: only a value set through the session state is sent back to the browser
    st.session_state["triage_next"] = None
    st.session_state["triage_answer"] = ""


def _on_table_selection() -> None:
    """The planner ticked rows: turn the row positions of the table they saw into references."""
    rows = ((st.session_state.get("triage_table") or {}).get("selection") or {}).get("rows", [])
    shown = st.session_state.get("triage_rendered", [])
    st.session_state["triage_selected"] = [shown[i] for i in rows if 0 <= i < len(shown)]
    _clear_action()


def _on_map_tap() -> None:
    """A tap on a report on the map selects it (its tooltip starts with the reference code)."""
    tooltip = (st.session_state.get("triage_map") or {}).get("last_object_clicked_tooltip") or ""
    reference = tooltip.split(" ")[0].strip()
    if reference.startswith("GH-"):
        st.session_state["triage_selected"] = [reference]
        _clear_action()


def _select(references: list[str]) -> None:
    st.session_state["triage_selected"] = list(references)
    _clear_action()


def reports_map_and_table(view: Triage) -> None:
    """The reports on a map (a tap selects one) and in a table (ticks select several)."""
    table, selected, lang = view.table, view.selected, view.lang
    labels = {int(r.id): f"{r.reference} · {r.subject_label} · {r.state_label}" for r in table.itertuples()}
    basemap, settings = deployment.basemaps().default, deployment.basemaps()
    fmap = build_reports_map(view.shown, labels=labels, lang=lang, basemap=basemap, settings=settings,
                             url_prefix=deployment.url_prefix())
    chosen = selected_reports_layer(view.shown[view.shown["reference"].isin(selected)], basemap=basemap, settings=settings)
    st_folium(fmap, key="triage_map", feature_group_to_add=chosen, returned_objects=["last_object_clicked_tooltip"],
              height=380, use_container_width=True, on_change=_on_map_tap)
    st.caption(tr("triage_map_caption", n=len(table)))
    kept_only = set(st.session_state.get("triage_kept", [])) - view.matching
    if kept_only:
        st.caption(tr("triage_kept_visible", n=len(kept_only)))
    st.caption(tr("triage_table_caption"))
    # the selection shown in the table follows the references chosen, wherever their rows are now
    positions = [int(table.index[table["reference"] == r][0]) for r in selected]
    current = ((st.session_state.get("triage_table") or {}).get("selection") or {}).get("rows")
    if current is None or list(current) != positions:
        st.session_state["triage_table"] = {"selection": {"rows": positions, "columns": [], "cells": []}}
    st.session_state["triage_rendered"] = table["reference"].tolist()
    # rider text is shown only in the table (Streamlit renders cells as text) and with st.text
    register = data.stations_or_stop(lang)
    station_names = dict(zip(register["id"], names_in(register, lang)))
    listed = table[list(LIST_COLUMNS)].assign(
        station_id=table["station_id"].map(lambda i: f"{i} {station_names.get(i, '')}".strip() if isinstance(i, str) else i))
    st.dataframe(listed.rename(columns={c: tr(k) for c, k in LIST_COLUMNS.items()}),
                 hide_index=True, width="stretch", height=min(38 + 35 * len(table), 320), key="triage_table",
                 on_select=_on_table_selection, selection_mode="multi-row", placeholder="")


def _apply(view: Triage, references: list[str], expected: dict[str, str]) -> None:
    """Change the state of the chosen reports (read from the widgets at click time)."""
    target = st.session_state.get("triage_next")
    if target is None:
        st.session_state["triage_message"] = ("error", tr("triage_need_state"))
        return
    answer = st.session_state.get("triage_answer", "")
    ids = {int(view.by_reference.at[r, "id"]): expected[r] for r in references}
    try:
        result = view.store.change_states(ids, ReportState(target), actor=view.editor, answer=answer)
    except GeoDataError as err:
        st.session_state["triage_message"] = ("error", error_text(err))
        return
    label = label_of("report_state", target, view.lang)
    by_reference = view.by_reference
    changed = [by_reference.index[by_reference["id"] == e.report_id][0] for e in result.changed]
    lines = []
    if len(changed) == 1:
        lines.append(tr("triage_changed", reference=changed[0], state=label))
    elif changed:
        lines.append(tr("triage_changed_many", n=len(changed), state=label, refs=", ".join(changed)))
    lines += [error_text(err) for err in result.refused]
    st.session_state["triage_message"] = ("warning" if result.refused else "success", "\n\n".join(lines))
    st.session_state["triage_kept"] = sorted(set(st.session_state.get("triage_kept", [])) | set(changed))
    if changed:
        _clear_action()  # the answer was sent: it must not go out again with the next change


def _details(view: Triage, reference: str) -> None:
    lang, table, full_table = view.lang, view.table, view.full_table
    row = view.by_reference.loc[reference]
    st.subheader(f"{tr('triage_details')} · {reference}")
    label = f"{row.kind_label} · {row.subject_label}"
    if isinstance(row.amenity_label, str):
        label += f" · {row.amenity_label}"
    st.markdown(f"**{markdown_text(label)}** · {markdown_text(row.state_label)} · {row.created_local}")
    st.caption(tr("triage_place", lat=f"{row.lat:.5f}", lon=f"{row.lon:.5f}",
                  source=label_of("place_source", row.place_source, lang)))
    if row.kind == ReportKind.STATION.value:
        stations = data.stations_or_stop(lang)
        station = stations[stations["id"] == row.station_id]
        name = name_in(station.iloc[0], lang) if len(station) else "?"
        st.caption(tr("triage_station", id=markdown_text(row.station_id), name=markdown_text(name)))
        if row.place_source == PlaceSource.REPORTER.value and len(station):
            moved_m = float(ellipsoidal_distance_m(station.iloc[0].geometry.x, station.iloc[0].geometry.y,
                                                   row.lon, row.lat))
            st.caption(tr("triage_place_moved", distance_m=f"{moved_m:.0f}"))
        if st.button(tr("triage_open_station"), key="triage_open_station"):
            st.session_state["data_fix_station"] = row.station_id
            st.switch_page("views/data.py")
    if isinstance(row.note, str) and row.note:
        st.text(row.note)
    if row.has_photo:
        st.image(view.store.photos.read(row.photo), caption=tr("triage_photo"), width=320)
    else:
        st.caption(tr("triage_no_photo"))
    group = table[(table["group_id"] == row.group_id) & (table["reference"] != reference)]
    others = full_table[(full_table["group_id"] == row.group_id) & (full_table["reference"] != reference)]
    if len(others):
        st.warning(tr("triage_group", n=len(others), refs=", ".join(others["reference"])))
        if len(group):
            st.button(tr("triage_select_group", n=len(group) + 1), key="triage_select_group", on_click=_select,
                      args=([reference, *group["reference"]],))
    history = view.store.history(int(row.id))
    st.dataframe([{tr("col_report_time"): e.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
                   tr("col_report_state"): label_of("report_state", e.to_state, lang),
                   tr("col_report_actor"): e.actor or "—", tr("col_report_answer"): e.answer or ""} for e in history],
                 hide_index=True, width="stretch")




def _next_state_form(view: Triage) -> None:
    """The states all selected reports may move to, an answer for the reporter, and the button."""
    selected, by_reference = view.selected, view.by_reference
    current_states = {ReportState(by_reference.at[r, "state"]) for r in selected}
    targets = [s.value for s in ReportState if all(s in ALLOWED_TRANSITIONS[c] for c in current_states)]
    if len(selected) == 1 and next(iter(current_states)) not in OPEN_STATES:
        st.caption(tr("triage_final"))
    if not targets:
        st.warning(tr("triage_no_common_state"))
        return
    st.selectbox(tr("triage_next_state"), targets, index=None, key="triage_next",
                 placeholder=tr("triage_next_state_placeholder"),
                 format_func=lambda s: label_of("report_state", s, view.lang))
    st.text_input(tr("triage_answer"), key="triage_answer", max_chars=500)
    st.button(tr("triage_apply") if len(selected) == 1 else tr("triage_apply_many", n=len(selected)),
              key="triage_apply", type="primary", on_click=_apply,
              args=(view, selected, {r: by_reference.at[r, "state"] for r in selected}))


def action_panel(view: Triage) -> None:
    """What the selection is, and the change of state; the outcome under the button."""
    with st.container(border=True, key="triage_action"):
        if not view.selected:
            st.info(tr("triage_pick_hint"))
        elif len(view.selected) == 1:
            _details(view, view.selected[0])
        else:
            st.subheader(tr("triage_selected", n=len(view.selected)))
            for reference in view.selected:
                row = view.by_reference.loc[reference]
                st.text(f"{reference} · {row.kind_label} · {row.subject_label} · {row.state_label} · {row.created_local}")
        if view.selected:
            _next_state_form(view)
        if (message := st.session_state.pop("triage_message", None)) is not None:
            with st.container(key="triage_message"):
                getattr(st, message[0])(message[1])
            bring_into_view("triage_message")


def export_panel(view: Triage) -> None:
    """The reports shown, or all of them, as CSV or Excel (with who handled each: internal files)."""
    table, full_table, lang = view.table, view.full_table, view.lang
    st.subheader(tr("triage_export"))
    scope = st.radio(tr("triage_export_scope"), ["shown", "all"], horizontal=True, key="triage_export_scope",
                     format_func=lambda s: tr("triage_export_shown", n=len(table)) if s == "shown"
                     else tr("triage_export_all", n=len(full_table)))
    st.caption(tr("triage_export_note"))
    exported = table if scope == "shown" else full_table
    stamp = pd.Timestamp.now(tz=LOCAL_TIMEZONE).strftime("%Y%m%d-%H%M")
    csv_column, xlsx_column = st.columns(2)
    csv_column.download_button(tr("triage_export_csv"), export_reports(exported, "csv", lang, with_planners=True),
                               f"gaohe-reports-{scope}-{stamp}.csv", mime="text/csv", key="triage_csv",
                               on_click="ignore")
    xlsx_column.download_button(tr("triage_export_xlsx"), export_reports(exported, "xlsx", lang, with_planners=True),
                                f"gaohe-reports-{scope}-{stamp}.xlsx",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                key="triage_xlsx", on_click="ignore")


def counts_panel(view: Triage) -> None:
    """Reports by category and by month."""
    lang, counts = view.lang, view.counts
    with st.expander(tr("triage_counts")):
        st.markdown(f"**{tr('triage_by_category')}**")
        by_category = pd.DataFrame([
            {tr("col_report_kind"): label_of("report_kind", kind, lang),
             tr("col_report_subject"): subject_label(kind, subject, lang), tr("col_count"): n}
            for kind, subject, n in ((*key.split("/"), n) for key, n in counts.by_category.items())])
        st.dataframe(by_category, hide_index=True)
        st.markdown(f"**{tr('triage_by_month')}**")
        st.dataframe(pd.DataFrame({tr("col_report_time"): list(counts.by_month),
                                   tr("col_count"): list(counts.by_month.values())}), hide_index=True)
