"""Points for finished tasks, by rules the town sets.

A volunteer gets the points of the task's category when they finish it, and a bonus when the
resident rates it well. The points are written on the task when earned, so a later change of
the rules does not rewrite past months. The rules are a small TOML file (``GAOHE_TASK_POINTS``)::

    [category]          # points for a finished task of each category
    meal = 2
    medicine = 3
    shopping = 2
    company = 3
    ride = 3
    repair = 3
    other = 1

    [rating_bonus]      # extra points when the resident gives at least `stars` stars
    stars = 4
    points = 1

A category the file leaves out keeps its default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from geo.errors import TaskError
from geo.tasks.vocabulary import TaskCategory

MAX_POINTS = 100

DEFAULT_CATEGORY_POINTS: Mapping[TaskCategory, int] = MappingProxyType({
    TaskCategory.MEAL: 2,
    TaskCategory.MEDICINE: 3,
    TaskCategory.SHOPPING: 2,
    TaskCategory.COMPANY: 3,
    TaskCategory.RIDE: 3,
    TaskCategory.REPAIR: 3,
    TaskCategory.OTHER: 1,
})


@dataclass(frozen=True)
class PointsRules:
    by_category: Mapping[TaskCategory, int] = field(default_factory=lambda: DEFAULT_CATEGORY_POINTS)
    #: A rating of at least this many stars earns :attr:`good_rating_bonus` more points.
    good_rating_stars: int = 4
    good_rating_bonus: int = 1

    def for_finished(self, category: TaskCategory | str) -> int:
        """Points for finishing a task of ``category``."""
        return int(self.by_category[TaskCategory(category)])

    def for_rating(self, stars: int) -> int:
        """Extra points for a rating of ``stars`` (1-5)."""
        return self.good_rating_bonus if stars >= self.good_rating_stars else 0


def _whole(value: object, where: str, path: Path, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TaskError("task_error_points_rules", file=path.name, where=where, value=repr(value),
                        expected=f"{low}-{high}")
    return value


def load_points_rules(path: Path | str | None = None) -> PointsRules:
    """The rules in the TOML file at ``path``; the defaults when ``path`` is ``None``. A wrong
    file is refused with :class:`TaskError` naming the entry (nothing is guessed)."""
    if path is None:
        return PointsRules()
    path = Path(path)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise TaskError("task_error_points_rules", file=path.name, where="-", value=type(err).__name__,
                        expected="TOML") from err
    by_category = dict(DEFAULT_CATEGORY_POINTS)
    for name, value in (document.get("category") or {}).items():
        try:
            category = TaskCategory(name)
        except ValueError:
            raise TaskError("task_error_points_rules", file=path.name, where=f"category.{name}", value=repr(name),
                            expected=", ".join(c.value for c in TaskCategory)) from None
        by_category[category] = _whole(value, f"category.{name}", path, 0, MAX_POINTS)
    bonus = document.get("rating_bonus") or {}
    stars = _whole(bonus.get("stars", 4), "rating_bonus.stars", path, 1, 5)
    points = _whole(bonus.get("points", 1), "rating_bonus.points", path, 0, MAX_POINTS)
    return PointsRules(MappingProxyType(by_category), stars, points)
