"""What became of a report: looked up by its reference code, in the rider's language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from geo.feedback import ReportStore
from geo.feedback.vocabulary import subject_label
from geo.i18n import label_of
from geo.markup import markdown_text
from geo.register.model import LOCAL_TIMEZONE
from ui.lang import current_language, tr

LOCAL = ZoneInfo(LOCAL_TIMEZONE)


def report_status(store: ReportStore) -> None:
    """The lookup box and, for a known code, the report's state, answer and history."""
    lang = current_language()
    st.caption(tr("report_status_hint"))
    code_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    code = code_column.text_input(tr("report_status_code"), key="report_lookup", placeholder="GH-XXXX-XXXX",
                                  persist_state="page")
    button_column.button(tr("report_status_lookup"), key="report_lookup_go", width="stretch")
    if not code.strip():
        return
    status = store.status(code)
    if status is None:
        st.warning(tr("report_status_none", code=markdown_text(code.strip(), max_chars=20)))
        return
    if st.query_params.get("code") != status.reference:
        st.query_params["code"] = status.reference  # the address bar now holds the link to keep
    label = subject_label(status.kind, status.subject, lang)
    if status.amenity:
        label += f" · {label_of('amenity', status.amenity, lang)}"
    st.markdown(tr("report_status_state", state=label_of("report_state", status.state, lang)))
    filed = status.created_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    photo = tr("report_status_photo") if status.has_photo else tr("report_status_no_photo")
    st.caption(f"{status.reference} · {label} · {tr('report_status_filed', time=filed)} · {photo}")
    if status.note:
        st.text(status.note)  # a rider's text: shown as text, never as Markdown or HTML
    answers = [e.answer for e in status.events if e.answer]
    if answers:
        st.markdown(f"**{tr('report_status_answer')}**")
        st.text(answers[-1])
    st.markdown(f"**{tr('report_status_history')}**")
    for event in status.events:
        line = f"{event.at.astimezone(LOCAL).strftime('%Y-%m-%d %H:%M')} · {label_of('report_state', event.state, lang)}"
        st.text(line + (f" · {event.answer}" if event.answer else ""))
    st.page_link("views/report.py", label=tr("report_keep_link"), query_params={"code": status.reference})
