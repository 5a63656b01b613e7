"""What-if scenarios: applied to a copy, saved and reloaded unchanged, bad files refused."""

from __future__ import annotations

import pytest

from geo.register import load_stations
from geo.scenario import Scenario, ScenarioError, apply_scenario


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
