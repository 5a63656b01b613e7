"""Overview: every station on one map, with counts by type and by community."""

import streamlit as st
from streamlit_folium import st_folium

from geo.errors import GeoDataError
from geo.hours import now_local
from geo.i18n import label_of, names_in
from geo.maps.overview import build_overview_map
from geo.register.counts import count_by_community, count_by_type
from geo.register.model import STATION_TYPES, StationType
from geo.rider.page import PageQuery
from ui import data, deployment
from ui.lang import choose, current_language, option_label, tr
from ui.reports import follow_map_links, report_entry, report_store
from ui.tasks import overview_line

lang = current_language()
st.title(tr("app_title"))
st.caption(tr("app_subtitle"))
st.link_button(tr("m_link_phone"), PageQuery(lang=lang).url(), type="tertiary")  # phones and QR codes: /m
report_entry()
follow_map_links()

stations = data.stations_or_stop(lang)

if (stations.location_status != "verified").any():
    st.warning(tr("unverified_banner"), icon="⚠️")

try:
    st.caption(f"✅ {tr('overview_resolved', n=report_store().count_resolved())}")
except GeoDataError:
    pass  # the report database is down: the station overview still works
overview_line()  # 志愿服务:本月完成 N 单 · 平均评分 x

types = [t.value for t in StationType]
with st.sidebar:
    chosen_types = st.multiselect(
        tr("station_types"),
        options=types,
        default=types,
        format_func=lambda value: f"{STATION_TYPES[StationType(value)].glyph} {label_of('station_type', value, lang)}",
        key="overview_types",
        placeholder=choose(),
    )
    basemap = st.radio(
        tr("basemap"),
        options=deployment.basemap_choices(),
        format_func=option_label("basemap_"),
        key="overview_basemap",
    )
    st.caption(tr("basemap_offline_hint"))

if not chosen_types:
    st.info(tr("no_type_selected"))
shown = stations[stations.station_type.isin(chosen_types)]

map_column, table_column = st.columns([3, 2], gap="medium")
with map_column:
    fmap = build_overview_map(
        shown,
        data.county_boundary(),
        lang=lang,
        basemap=basemap,
        settings=deployment.basemaps(),
        moment=now_local(),
        community_names=data.community_names(lang),
        feedback_base_path=deployment.url_prefix(),
    )
    st_folium(fmap, key="overview_map", returned_objects=[], height=600, use_container_width=True)
    st.caption(tr("shown_on_map", n=len(shown)))

with table_column:
    # verification progress of the whole register (not only the types shown), beside the map
    progress = count_by_type(stations)
    verified, total = int(progress["count"].sum() - progress["unverified"].sum()), int(progress["count"].sum())
    st.progress(verified / total if total else 0.0, text=tr("survey_progress", verified=verified, total=total))
    st.caption(" · ".join(tr("survey_progress_by_type", type=label_of("station_type", row.station_type, lang),
                             verified=row.count - row.unverified, total=row.count) for row in progress.itertuples() if row.count))
    st.subheader(tr("counts_by_type"))
    by_type = count_by_type(shown)
    by_type["station_type"] = by_type["station_type"].map(lambda value: label_of("station_type", value, lang))
    by_type.loc[len(by_type)] = [tr("total"), by_type["count"].sum(), by_type["unverified"].sum()]
    st.dataframe(
        by_type.rename(columns={"station_type": tr("col_type"), "count": tr("col_count"), "unverified": tr("col_unverified")}),
        hide_index=True,
        width="stretch",
    )
    st.subheader(tr("counts_by_community"))
    by_community = count_by_community(shown, data.communities())
    by_community.insert(1, "name", names_in(by_community, lang))
    by_community = by_community.drop(columns=["name_zh", "name_en"]).rename(
        columns={
            "community_code": tr("col_code"),
            "name": tr("col_community"),
            "total": tr("total"),
            **{value: label_of("station_type", value, lang) for value in types},
        }
    )
    st.dataframe(by_community, hide_index=True, width="stretch", height=420)
