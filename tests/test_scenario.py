"""What-if scenarios: applied to a copy, saved and reloaded unchanged, bad files refused."""

from __future__ import annotations

import pytest

from geo.analysis.scenario import Scenario, apply_scenario
from geo.errors import ScenarioError
from geo.register.geojson import load_stations


def test_a_scenario_adds_moves_and_removes_without_touching_the_register():
    register = load_stations()
    before = register.copy()
    scenario = Scenario()
    new_id = scenario.add_station(116.85, 30.76, "red")
    scenario.removed.append("PK-01")
    scenario.moved["RS-01"] = [116.83, 30.74]
    changed = apply_scenario(register, scenario)
    assert register.equals(before)
    assert len(changed) == len(register)  # one added, one removed
    assert "PK-01" not in set(changed["id"]) and new_id in set(changed["id"])
    moved = changed.set_index("id").geometry["RS-01"]
    assert (moved.x, moved.y) == (116.83, 30.74)


def test_a_saved_scenario_reloads_identically():
    scenario = Scenario(name="北区加站")
    scenario.add_station(116.85, 30.76)
    scenario.removed.append("NS-01")
    assert Scenario.from_json(scenario.to_json()) == scenario


@pytest.mark.parametrize("text", ["not json", '{"version": 99}', '{"version": 1, "added": [{"id": "X"}]}'])
def test_bad_scenario_files_are_refused(text):
    with pytest.raises(ScenarioError):
        Scenario.from_json(text)


def test_a_scenario_naming_unknown_stations_is_refused():
    with pytest.raises(ScenarioError, match="XX-99"):
        apply_scenario(load_stations(), Scenario(removed=["XX-99"]))


def _file(**changes) -> str:
    import json

    doc = {"version": 1, "name": "方案", "added": [{"id": "NEW-01", "station_type": "red", "name_zh": "新站",
                                                   "lon": 116.85, "lat": 30.76}], "moved": {}, "removed": []}
    doc.update(changes)
    return json.dumps(doc, ensure_ascii=False)


@pytest.mark.parametrize("changes, key", [
    ({"added": [{"id": "NEW-01", "station_type": "red", "lon": "abc", "lat": 30.7}]}, "err_bad_coordinates"),
    ({"added": [{"id": "NEW-01", "station_type": "red", "lon": 30.76, "lat": 116.85}]}, "err_lonlat_swapped"),
    ({"added": [{"id": "NEW-01", "station_type": "red", "lon": 117.2, "lat": 31.8}]}, "err_outside_county"),
    ({"added": [{"id": "NEW-01", "station_type": "cafe", "lon": 116.85, "lat": 30.76}]}, "err_bad_station_type"),
    ({"added": [{"id": "NEW-01", "station_type": "red", "name_zh": "{{ 7*7 }}", "lon": 116.85, "lat": 30.76}]},
     "err_text_code_syntax"),
    ({"name": "<script>window.__pwn=1</script>"}, "err_text_code_syntax"),
    ({"moved": {"RS-01": ["x", None]}}, "err_bad_coordinates"),
    ({"added": "everything"}, "err_scenario_shape"),
    ({"version": 99}, "err_scenario_version"),
    ({"added": [{"id": f"N{i}", "station_type": "red", "lon": 116.85, "lat": 30.76} for i in range(1001)]},
     "err_scenario_too_many"),
])
def test_a_bad_scenario_file_is_refused_with_every_problem_named(changes, key):
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_json(_file(**changes), source="mine.json")
    assert key in [p.key for p in caught.value.problems]
    assert caught.value.localized("zh").startswith("mine.json:发现")


@pytest.mark.parametrize("content", [b"", b"\xff\xfe garbage", b"[1, 2]", b"{" * 100_000, b" " * 2_000_000])
def test_garbage_scenario_files_give_a_clear_error_not_a_traceback(content):
    with pytest.raises(ScenarioError):
        Scenario.from_json(content)


def test_every_hostile_text_in_a_scenario_name_is_refused_or_kept_as_plain_text():
    from geo.markup import markup_problem
    from tests.hostile_text import CORPUS

    for text in CORPUS:
        try:
            scenario = Scenario.from_json(_file(name=text[:80]))
        except ScenarioError:
            continue
        assert scenario.name == text[:80] and markup_problem(scenario.name) is None
