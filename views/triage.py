"""Planners triage rider reports: list and map, state changes with who and when, near-duplicate
groups, the station's correction for station feedback, counts and exports."""

from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.maps import Basemap, build_reports_map
from geo.model import LOCAL_TIMEZONE, amenity_label
from geo.reports import ReportError
from geo.reports.analysis import count_reports, export_reports, reports_table
from geo.reports.vocabulary import (
    ALLOWED_TRANSITIONS,
    OPEN_STATES,
    REPORT_STATES,
    ReportKind,
    ReportState,
    parse_state,
    subject_label,
)
from ui import data
from ui.auth import sign_in_box
from ui.lang import current_language, tr
from ui.reports import error_text, report_store_or_stop

LOCAL = ZoneInfo(LOCAL_TIMEZONE)

lang = current_language()
st.title(tr("triage_title"))
st.caption(tr("triage_caption"))

editor = sign_in_box("triage")
if editor is None:
    st.info(tr("triage_sign_in_needed"))
    st.stop()
store = report_store_or_stop(lang)
if (message := st.session_state.pop("triage_message", None)) is not None:
    getattr(st, message[0])(message[1])

everything = store.reports_frame()
counts = count_reports(everything)
for column, state in zip(st.columns(len(ReportState)), ReportState):
    column.metric(REPORT_STATES[state](lang), counts.by_state[state.value])

filter_state, filter_kind = st.columns([3, 2])
states = filter_state.multiselect(tr("triage_filter_state"), [s.value for s in ReportState],
                                  default=[s.value for s in OPEN_STATES], key="triage_states",
                                  format_func=lambda s: REPORT_STATES[ReportState(s)](lang))
kinds = filter_kind.multiselect(tr("triage_filter_kind"), [k.value for k in ReportKind],
                                default=[k.value for k in ReportKind], key="triage_kinds",
                                format_func=lambda k: tr(f"triage_kind_{k}"))
shown = everything[everything["state"].isin(states) & everything["kind"].isin(kinds)].reset_index(drop=True)
table = reports_table(shown, lang)

if shown.empty:
    st.info(tr("triage_none"))
else:
    labels = {int(r.id): f"{r.reference} · {r.subject_label} · {r.state_label}" for r in table.itertuples()}
    fmap = build_reports_map(shown, labels=labels, lang=lang, basemap=Basemap.OSM)
    st_folium(fmap, key="triage_map", returned_objects=[], height=380, use_container_width=True)
    st.caption(tr("triage_map_caption", n=len(shown)))
    # rider text is shown only in the table (Streamlit renders cells as text) and with st.text
    listing = table[["reference", "state_label", "subject_label", "station_id", "created_local", "group_id", "note"]]
    st.dataframe(listing.rename(columns={
        "reference": tr("col_report_reference"), "state_label": tr("col_report_state"),
        "subject_label": tr("col_report_subject"), "station_id": tr("col_report_station"),
        "created_local": tr("col_report_time"), "group_id": tr("col_report_group"), "note": tr("col_report_note"),
    }), hide_index=True, width="stretch", height=260)

    chosen = st.selectbox(tr("triage_choose"), table["reference"].tolist(), key="triage_chosen",
                          format_func=lambda ref: labels[int(table.set_index("reference").at[ref, "id"])])
    row = table.set_index("reference").loc[chosen]
    report = shown[shown["reference"] == chosen].iloc[0]
    st.subheader(tr("triage_details"))
    label = subject_label(report.kind, report.subject, lang)
    if isinstance(report.amenity, str):
        label += f" · {amenity_label(report.amenity, lang)}"
    st.markdown(f"**{chosen}** · {label} · {row.state_label}")
    st.caption(tr("triage_place", lon=f"{report.lon:.5f}", lat=f"{report.lat:.5f}"))
    if isinstance(report.note, str) and report.note:
        st.text(report.note)
    if isinstance(report.photo, str) and report.photo:
        st.image(store.photos.read(report.photo), caption=tr("triage_photo"), width=320)
    group = table[(table["group_id"] == row.group_id) & (table["reference"] != chosen)]
    if len(group):
        st.warning(tr("triage_group", n=len(group), refs=", ".join(group["reference"])))
    if report.kind == ReportKind.STATION.value:
        stations = data.stations_or_stop(lang)
        named = stations.loc[stations["id"] == report.station_id, "name_zh" if lang == "zh" else "name_en"]
        st.caption(tr("triage_station", id=report.station_id, name=named.iloc[0] if len(named) else "?"))
        if st.button(tr("triage_open_station"), key="triage_open_station"):
            st.session_state["data_fix_station"] = report.station_id
            st.switch_page("views/data.py")

    history = store.history(int(report.id))
    st.dataframe([{tr("col_report_time"): e.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
                   tr("col_report_state"): REPORT_STATES[ReportState(e.to_state)](lang),
                   tr("col_report_actor"): e.actor or "—", tr("col_report_answer"): e.answer or ""} for e in history],
                 hide_index=True, width="stretch")

    current = ReportState(report.state)
    targets = [s.value for s in ReportState if s in ALLOWED_TRANSITIONS[current]]
    if current not in OPEN_STATES:
        st.caption(tr("triage_final"))
    st.selectbox(tr("triage_next_state"), targets, key=f"triage_next_{chosen}",
                              format_func=lambda s: REPORT_STATES[ReportState(s)](lang))
    st.text_input(tr("triage_answer"), key=f"triage_answer_{chosen}", max_chars=500)

    def _apply(report_id: int, reference: str, expected: str) -> None:
        # read the widgets now: values bound at the last render would miss what was just typed
        target = st.session_state[f"triage_next_{reference}"]
        text = st.session_state.get(f"triage_answer_{reference}", "")
        try:
            store.change_state(report_id, parse_state(target), actor=editor, answer=text, expected_state=expected)
        except ReportError as err:
            st.session_state["triage_message"] = ("error", error_text(err, lang))
        else:
            st.session_state["triage_message"] = ("success", tr("triage_changed", reference=reference,
                                                                 state=REPORT_STATES[ReportState(target)](lang)))

    st.button(tr("triage_apply"), key="triage_apply", type="primary",
              on_click=_apply, args=(int(report.id), chosen, current.value))

    st.subheader(tr("triage_export"))
    csv_column, xlsx_column = st.columns(2)
    csv_column.download_button(tr("triage_export_csv"), export_reports(table, "csv"), "gaohe-reports.csv",
                               mime="text/csv", key="triage_csv")
    xlsx_column.download_button(tr("triage_export_xlsx"), export_reports(table, "xlsx"), "gaohe-reports.xlsx",
                                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                key="triage_xlsx")

with st.expander(tr("triage_counts")):
    by_category = {subject_label(*key.split("/"), lang): n for key, n in counts.by_category.items()}
    for title, column, values in (("triage_by_category", "col_report_subject", by_category),
                                  ("triage_by_month", "col_report_time", counts.by_month)):
        st.markdown(f"**{tr(title)}**")
        st.dataframe(pd.DataFrame({tr(column): list(values), tr("col_count"): list(values.values())}), hide_index=True)
