"""The month's list and figures of the volunteer tasks (calendar months in Asia/Shanghai, shared
ranks, names volunteers chose), and the town's points rules from a TOML file."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from geo.errors import TaskError
from geo.tasks.analysis import MONTHLY_COLUMNS, count_tasks, month_figures, month_of, monthly_points
from geo.tasks.points import DEFAULT_CATEGORY_POINTS, PointsRules, load_points_rules
from geo.tasks.vocabulary import TaskCategory


def _tasks(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (state, done_at UTC or None, volunteer id, shown name, points, stars)."""
    frame = pd.DataFrame(rows, columns=["state", "done_at", "volunteer_id", "volunteer_shown", "points", "stars"])
    frame["done_at"] = pd.to_datetime(frame["done_at"], utc=True)
    frame["created_at"] = frame["done_at"].fillna(pd.Timestamp("2026-11-01", tz="UTC"))
    frame["category"], frame["community_code"] = "meal", "340822100004"
    frame["points"] = frame["points"].astype("Int64")
    frame["stars"] = frame["stars"].astype("Int64")
    frame["volunteer_id"] = frame["volunteer_id"].astype("Int64")
    return frame


def test_the_months_list_ranks_by_points_then_tasks_with_shared_ranks():
    frame = _tasks([
        ("rated", "2026-11-03T02:00Z", 1, "小李", 4, 5), ("done", "2026-11-04T02:00Z", 1, "小李", 2, None),
        ("rated", "2026-11-05T02:00Z", 2, "老王", 3, 3), ("done", "2026-11-06T02:00Z", 2, "老王", 3, None),
        ("rated", "2026-11-07T02:00Z", 3, "陈师傅", 6, 4),
        ("done", "2026-11-08T02:00Z", 4, "周姐", 6, None),
        ("taken", None, 5, "赵哥", None, None), ("cancelled", None, None, None, None, None),
    ])
    ranking = monthly_points(frame, "2026-11")
    assert tuple(ranking.columns) == MONTHLY_COLUMNS
    assert ranking[["rank", "shown_name", "tasks", "points"]].values.tolist() == [
        [1, "小李", 2, 6], [1, "老王", 2, 6], [3, "周姐", 1, 6], [3, "陈师傅", 1, 6]]
    assert ranking.set_index("shown_name")["average_stars"].to_dict() == {"小李": 5.0, "老王": 3.0, "周姐": None,
                                                                         "陈师傅": 4.0}


def test_a_month_is_a_calendar_month_in_gaohe_not_in_utc():
    # 23:30 UTC on 31 October is 07:30 on 1 November in Gaohe
    frame = _tasks([("rated", "2026-10-31T23:30Z", 1, "小李", 3, 4), ("done", "2026-10-31T15:59Z", 1, "小李", 2, None)])
    assert monthly_points(frame, "2026-11")["points"].tolist() == [3]
    assert monthly_points(frame, "2026-10")["points"].tolist() == [2]
    assert month_of(datetime(2026, 10, 31, 23, 30, tzinfo=timezone.utc)) == "2026-11"
    assert (month_figures(frame, "2026-11").done, month_figures(frame, "2026-11").average_stars) == (1, 4.0)
    assert month_figures(frame, "2026-10").average_stars is None
    assert monthly_points(frame, "2026-12").empty


def test_counts_for_scripts_say_this_months_figures_and_list():
    frame = _tasks([("rated", "2026-11-03T02:00Z", 1, "小李", 4, 5), ("new", None, None, None, None, None)])
    counts = count_tasks(frame, datetime(2026, 11, 20, tzinfo=timezone.utc)).to_dict()
    assert counts["total"] == 2 and counts["by_state"]["rated"] == 1 and counts["by_state"]["new"] == 1
    assert counts["this_month"] == {"month": "2026-11", "done": 1, "rated": 1, "average_stars": 5.0}
    assert counts["monthly_list"] == [{"rank": 1, "shown_name": "小李", "tasks": 1, "points": 4, "average_stars": 5.0}]


def test_the_points_rules_are_read_from_the_towns_file(tmp_path):
    path = tmp_path / "points.toml"
    path.write_text("[category]\nmedicine = 5\nrepair = 0\n\n[rating_bonus]\nstars = 5\npoints = 3\n", encoding="utf-8")
    rules = load_points_rules(path)
    assert rules.for_finished("medicine") == 5 and rules.for_finished(TaskCategory.REPAIR) == 0
    assert rules.for_finished("meal") == DEFAULT_CATEGORY_POINTS[TaskCategory.MEAL]  # left out: the default
    assert (rules.for_rating(4), rules.for_rating(5)) == (0, 3)
    assert load_points_rules(None) == PointsRules()


@pytest.mark.parametrize("text, where", [
    ("[category]\ncooking = 2\n", "category.cooking"),
    ("[category]\nmeal = -1\n", "category.meal"),
    ("[category]\nmeal = 2.5\n", "category.meal"),
    ("[rating_bonus]\nstars = 6\n", "rating_bonus.stars"),
    ("[category\n", "-"),
])
def test_a_wrong_points_file_is_refused_naming_the_entry(tmp_path, text, where):
    path = tmp_path / "points.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaskError) as caught:
        load_points_rules(path)
    assert caught.value.params["where"] == where and "points.toml" in str(caught.value)
