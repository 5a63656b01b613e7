"""Survey: a signed-in surveyor on a phone verifies stations where they stand, nearest first.

The phone's position is used to sort the list and, at a station, as the station's position; it
is kept in this session only and never logged (PIPL), apart from the station position saved.
"""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.hours import now_local
from geo.i18n import format_distance, label_of
from geo.maps.basemaps import Basemap
from geo.maps.rider import build_rider_map
from geo.markup import markdown_text
from geo.register.counts import count_by_type
from geo.register.store import StationStore
from geo.register.survey import (
    ACCURACY_LIMIT_M,
    needs_reason,
    stations_to_verify,
    survey_todo,
)
from geo.tables import xlsx_bytes
from ui import data
from ui.auth import sign_in_box
from ui.lang import current_language, tr
from ui.location import ask_phone_position, phone_position
from ui.survey import verification_form

#: The purpose of a position that only sorts the list; any other purpose is the station it fixes.
SORT = "sort"

lang = current_language()
# 44 px touch targets on a phone (Streamlit's buttons are 40 px)
st.html("<style>.stButton button, [data-testid='stFormSubmitButton'] button {min-height:44px}</style>")
st.title(tr("survey_title"))
st.caption(tr("survey_caption"))
register = data.stations_or_stop(lang)
store = StationStore(data.stations_path())

if (message := st.session_state.pop("survey_message", None)) is not None:
    getattr(st, message[0])(markdown_text(message[1]))

progress = count_by_type(register)
verified, total = int(progress["count"].sum() - progress["unverified"].sum()), int(progress["count"].sum())
st.progress(verified / total if total else 0.0, text=tr("survey_progress", verified=verified, total=total))

editor = sign_in_box("survey")
if editor is None:
    st.info(tr("survey_sign_in_needed"))
    st.stop()
st.download_button(tr("survey_todo_download"), xlsx_bytes({"todo": survey_todo(register, data.communities(), lang)}),
                   f"gaohe_survey_todo_{now_local().date().isoformat()}.xlsx", key="survey_todo", width="stretch")


# no st.rerun() after the answer: the rest of this run already uses the new position
found = phone_position("survey", label=tr("survey_locate"), purpose=SORT, instead=tr("survey_position_instead"),
                       rerun=False)
if found is not None:
    fix = (found.lon, found.lat, found.accuracy_m)
    st.session_state["survey_here"] = fix
    # a new position: the list starts again from the nearest station
    st.session_state["survey_positions"] = st.session_state.get("survey_positions", 0) + 1
    if found.purpose != SORT:
        st.session_state["survey_fix"] = (found.purpose, *fix)

here = st.session_state.get("survey_here")
todo = stations_to_verify(register, *(here[:2] if here else (None, None)))
if todo.empty:
    st.success(tr("survey_all_done"))
    st.stop()
if here is None:
    st.caption(tr("survey_no_position_yet"))
community_names = data.community_names(lang)
rows = todo.set_index("id")


def _option(station_id: str) -> str:
    station = rows.loc[station_id]
    if here is None:
        distance = ""
    elif pd.isna(station.distance_m):  # no known position: a distance to its stand-in would mislead
        distance = f"{tr('survey_no_known_position')} · "
    else:
        distance = f"{format_distance(station.distance_m)} · "
    return f"{distance}{station_id} {station.name_zh if lang == 'zh' else station.name_en}"


station_id = st.selectbox(tr("survey_nearest_first"), list(todo["id"]), format_func=_option,
                          key=f"survey_station_{st.session_state.get('survey_positions', 0)}")
station = rows.loc[station_id]
community = community_names.get(station.community_code, "") if isinstance(station.community_code, str) else ""
with st.container(border=True):
    st.markdown(f"**{markdown_text(station.name_zh if lang == 'zh' else station.name_en)}**  \n"
                + markdown_text(f"{label_of('station_type', station.station_type, lang)} · {community}"))
    if isinstance(station.address, str):
        st.caption(markdown_text(station.address))
    st.caption(tr("survey_recorded_position", status=tr(f"location_{station.location_status}")))
    st.button(tr("survey_standing"), key="survey_standing", type="primary", width="stretch",
              on_click=ask_phone_position, args=("survey", station_id))

fix = st.session_state.get("survey_fix")
if fix is not None and fix[0] != station_id:
    fix = None
if fix is None:
    st.stop()

_, lon, lat, accuracy_m = fix
selected = register[register.id == station_id].assign(rank=1)
st.caption(tr("survey_fix", lon=lon, lat=lat, accuracy=accuracy_m))
moved_m = float(stations_to_verify(selected, lon, lat)["distance_m"].iloc[0])
st.info(tr("survey_placeholder_off", distance=format_distance(moved_m)))
fmap = build_rider_map(selected, rider_lonlat=(lon, lat), context=selected.head(0), lang=lang, basemap=Basemap.NONE,
                       moment=now_local(), community_names=community_names)
st_folium(fmap, key="survey_map", returned_objects=[], height=240, width="stretch")

poor = needs_reason(accuracy_m)
if poor:
    st.warning(tr("survey_accuracy_poor", accuracy=accuracy_m, limit=ACCURACY_LIMIT_M))
    st.button(tr("survey_retry"), key="survey_retry", width="stretch", on_click=ask_phone_position,
              args=("survey", station_id))

verification_form(store, editor, station, station_id, lon=lon, lat=lat, accuracy_m=accuracy_m, poor=poor)
