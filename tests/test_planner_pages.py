"""The planner pages as a planner uses them: results cached on their inputs (the solver runs
only when what it solves changes), a language switch that keeps every choice, and Streamlit's
own texts (placeholders, uploader) in Chinese on the Chinese page."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import geo.analysis.gap_analysis
import ui.analysis

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run_page(page: str, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(f"views/{page}.py")
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """How often the expensive steps run: the MILP, the coverage matrix, the coverage summary."""
    counted: Counter = Counter()

    def counting(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            counted[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(geo.analysis.gap_analysis, "solve_mclp")
    counting(geo.analysis.gap_analysis, "build_coverage_matrix")
    counting(ui.analysis, "summarise_coverage")
    return counted


def test_downloads_datum_language_and_reruns_never_solve_again(calls):
    at = run_page("gaps")
    assert not at.exception
    before = Counter(calls)
    at.run()  # what a download that reruns, an expander or a browser refresh does
    at.radio(key="gaps_export_datum").set_value("bd09").run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception and at.metric[0].label == "Coverage now"
    at.radio(key="lang").set_value("zh").run()
    assert calls == before


def test_a_new_number_of_sites_solves_once_without_a_new_coverage_matrix(calls):
    at = run_page("gaps")
    before = Counter(calls)
    at.slider(key="gaps_p").set_value(6).run()
    assert calls["solve_mclp"] - before["solve_mclp"] <= 1  # once, or not at all when 6 was asked before
    assert calls["build_coverage_matrix"] == before["build_coverage_matrix"]
    at.slider(key="gaps_p").set_value(3).run()  # back to a number already solved: nothing to do
    after_back = Counter(calls)
    at.slider(key="gaps_p").set_value(6).run()
    assert calls == after_back


def test_a_new_radius_builds_a_new_coverage_matrix(calls):
    at = run_page("gaps")
    before = Counter(calls)
    at.number_input(key="gaps_radius").set_value(1_700.0).run()
    assert calls["build_coverage_matrix"] == before["build_coverage_matrix"] + 1


def test_coverage_is_computed_once_for_basemap_resolution_language_switches(calls):
    at = run_page("coverage", coverage_source="demo")
    before = Counter(calls)
    at.radio(key="coverage_basemap").set_value("none").run()
    at.radio(key="lang").set_value("en").run()
    at.run()
    assert calls == before
    at.slider(key="coverage_hex_res").set_value(8).run()
    assert calls["summarise_coverage"] == before["summarise_coverage"] + 1


def formatted(at: AppTest, kind: str, key: str) -> tuple[bool, str]:
    """Whether the browser is told the widget's value this run, and as which option text."""
    widget = getattr(at, kind)(key=key)
    return widget.proto.set_value, widget.proto.raw_value if kind == "radio" else ""


@pytest.mark.parametrize("page, radios", [
    ("gaps", ["gaps_method", "gaps_source", "gaps_candidates", "gaps_export_datum"]),
    ("coverage", ["coverage_source", "coverage_basemap"]),
])
def test_switching_language_sends_every_choice_again_in_the_new_language(page, radios):
    at = run_page(page, **{radios[0]: "greedy" if page == "gaps" else "demo"})
    values = {key: at.radio(key=key).value for key in radios}
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    for key in radios:
        radio = at.radio(key=key)
        assert radio.value == values[key]
        # the browser shows the option whose text it is sent: the English one, not the old Chinese
        assert radio.proto.set_value and radio.proto.raw_value in radio.options, key
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in radio.proto.raw_value if key != "gaps_export_datum"), key


def test_placeholders_and_uploader_texts_are_chinese_on_the_chinese_page():
    at = run_page("gaps")
    assert at.multiselect(key=next(k for k in at.session_state if str(k).startswith("gaps_removed_"))).placeholder == "请选择"
    assert at.selectbox(key="gaps_whatif_type").placeholder == "请选择"
    css = "\n".join(element.proto.body for element in at.get("html"))
    assert '"上传文件"' in css and '"单个文件不超过 50 MB · GEOJSON、JSON"' in css and ".st-key-gaps_study_area" in css
    overview = AppTest.from_file(APP, default_timeout=60).run()
    assert overview.multiselect(key="overview_types").placeholder == "请选择"


def test_the_english_page_keeps_streamlit_uploader_texts():
    at = run_page("coverage", lang="en")
    assert not [element for element in at.get("html") if "上传文件" in element.proto.body]


def _gbk_demand_file():
    """A small demand file as the trial's: GBK, 经度,纬度,人数."""
    import hashlib

    import numpy as np

    from geo.analysis.demand import demo_demand
    from ui.demand import DemandFile

    demo = demo_demand()
    rows = ["经度,纬度,人数"] + [f"{x:.6f},{y:.6f},{w:.0f}" for x, y, w in
                               zip(demo.lon[:400], demo.lat[:400], np.arange(400) % 5 + 1)]
    content = "\r\n".join(rows).encode("gbk")
    return DemandFile("骑手需求.csv", content, hashlib.sha256(content).hexdigest(), "wgs84")


def test_a_demand_file_uploaded_on_one_planner_page_is_used_on_the_other_until_changed(stations):
    from geo.analysis.coverage import cover_points, coverage_table
    from geo.analysis.demand import demand_points, read_demand_table

    demand_file = _gbk_demand_file()
    # what the coverage page keeps after an upload there: the file and the weight column chosen (none)
    at = run_page("gaps", planner_demand_file=demand_file, planner_demand_weights={demand_file.digest: ""})
    assert not at.exception
    assert at.radio(key="gaps_source").value == "upload"
    assert any("骑手需求.csv" in i.value.replace("\\", "") for i in at.info)  # markdown-escaped
    weight = next(s for s in at.selectbox if s.key.startswith("gaps_weight_"))
    assert weight.value == ""  # the planner's choice, not the detected 人数
    # the oracle: the library's share of this file, each point counting 1, within the 1 km default
    points = demand_points(read_demand_table(demand_file.content, demand_file.name, datum="wgs84"), weight_column=None)
    share = coverage_table(cover_points(stations, points.lon, points.lat, 1000.0, with_nearest=False),
                           points.weight).iloc[0]["share_covered"]
    assert at.metric[0].value == f"{share:.1%}"
    at.button(key="gaps_demand_change").click().run()
    assert "planner_demand_file" not in at.session_state
    assert [i.value for i in at.info] == ["请上传需求点文件。"]  # the uploader is back, nothing in use
