"""Reading many tasks at once: the public table, counts, the month's figures, the monthly list
of volunteers by points, exports.

Functions take :meth:`geo.tasks.store.TaskStore.tasks_frame` (nothing personal in it: no code,
contact, place or text) and return plain data. Public tables carry the community and the
category of each task, its state and its days; never who asked, where, or who went.
Months are calendar months in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from geo.i18n import t
from geo.register.model import LOCAL_TIMEZONE
from geo.tables import csv_bytes, xlsx_bytes
from geo.tasks.vocabulary import FINISHED_STATES, TaskCategory, TaskState, label

EXPORT_FORMATS = ("csv", "xlsx")
#: Columns of :func:`public_table`, in order.
PUBLIC_COLUMNS = ("community_code", "community", "category", "category_label", "state", "state_label",
                  "asked_on", "done_on", "stars")
#: Columns of :func:`monthly_points`, in order.
MONTHLY_COLUMNS = ("rank", "shown_name", "tasks", "points", "average_stars")
_FINISHED = [s.value for s in FINISHED_STATES]


def month_of(moment: datetime) -> str:
    """``YYYY-MM`` of an aware moment in Asia/Shanghai."""
    return pd.Timestamp(moment).tz_convert(LOCAL_TIMEZONE).strftime("%Y-%m")


def _local(series: pd.Series) -> pd.Series:
    return series.dt.tz_convert(LOCAL_TIMEZONE)


def public_table(tasks: pd.DataFrame, lang: str, community_names: Mapping[str, str]) -> pd.DataFrame:
    """One row per task (newest first) with :data:`PUBLIC_COLUMNS`: the community (code and name
    in ``lang``), the category and the state (codes and words), the day it was asked and done
    (local dates as text) and the stars. Nothing else."""
    frame = tasks.sort_values(["created_at", "id"], ascending=False)
    return pd.DataFrame({
        "community_code": frame["community_code"],
        "community": frame["community_code"].map(lambda c: community_names.get(c, c)),
        "category": frame["category"],
        "category_label": frame["category"].map(lambda c: label("category", c, lang)),
        "state": frame["state"],
        "state_label": frame["state"].map(lambda s: label("state", s, lang)),
        "asked_on": _local(frame["created_at"]).dt.strftime("%Y-%m-%d"),
        "done_on": _local(frame["done_at"]).dt.strftime("%Y-%m-%d"),
        "stars": frame["stars"],
    }, columns=list(PUBLIC_COLUMNS)).reset_index(drop=True)


@dataclass(frozen=True)
class MonthFigures:
    """The overview's line: tasks finished in ``month`` and their average rating."""

    month: str
    done: int
    rated: int
    #: Mean stars of the month's finished tasks that were rated; ``None`` when none was.
    average_stars: float | None


def month_figures(tasks: pd.DataFrame, month: str) -> MonthFigures:
    """Tasks finished (done or rated) in ``month`` (``YYYY-MM``, by the day they were done) and
    the mean of their stars."""
    finished = tasks[tasks["state"].isin(_FINISHED) & tasks["done_at"].notna()]
    in_month = finished[_local(finished["done_at"]).dt.strftime("%Y-%m") == month]
    stars = in_month["stars"].dropna().astype(float)
    return MonthFigures(month, len(in_month), len(stars), round(float(stars.mean()), 1) if len(stars) else None)


def monthly_points(tasks: pd.DataFrame, month: str) -> pd.DataFrame:
    """The month's list (``YYYY-MM``): each volunteer who finished a task in it, by the name they
    chose to show, with the tasks finished, the points earned on them (with rating bonuses) and
    their average stars; most points first (then more tasks, then the name). Ranks are shared
    by equal points and tasks."""
    finished = tasks[tasks["state"].isin(_FINISHED) & tasks["done_at"].notna() & tasks["volunteer_id"].notna()]
    in_month = finished[_local(finished["done_at"]).dt.strftime("%Y-%m") == month]
    if in_month.empty:
        return pd.DataFrame(columns=list(MONTHLY_COLUMNS))
    grouped = in_month.groupby("volunteer_id").agg(
        shown_name=("volunteer_shown", "first"), tasks=("category", "size"),
        points=("points", lambda p: int(p.fillna(0).sum())),
        average_stars=("stars", lambda s: round(float(s.dropna().mean()), 1) if s.notna().any() else None))
    grouped = grouped.sort_values(["points", "tasks", "shown_name"], ascending=[False, False, True])
    keys = list(zip(grouped["points"], grouped["tasks"]))
    grouped["rank"] = [keys.index(key) + 1 for key in keys]  # sorted: the first equal one's place
    return grouped.reset_index(drop=True)[list(MONTHLY_COLUMNS)]


@dataclass(frozen=True)
class TaskCounts:
    """Counts for staff and scripts (``python -m geo tasks stats``); nothing personal."""

    total: int
    by_state: dict[str, int]
    by_category: dict[str, int]
    by_community: dict[str, int]
    by_month: dict[str, int]
    this_month: MonthFigures
    monthly_list: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"total": self.total, "by_state": self.by_state, "by_category": self.by_category,
                "by_community": self.by_community, "by_month": self.by_month,
                "this_month": {"month": self.this_month.month, "done": self.this_month.done,
                               "rated": self.this_month.rated, "average_stars": self.this_month.average_stars},
                "monthly_list": self.monthly_list}


def count_tasks(tasks: pd.DataFrame, now: datetime) -> TaskCounts:
    """Counts by state, category, community and month asked; this month's figures and list."""
    month = month_of(now)
    by_month = _local(tasks["created_at"]).dt.strftime("%Y-%m").value_counts().sort_index()
    ranking = monthly_points(tasks, month)
    return TaskCounts(
        total=len(tasks),
        by_state={s.value: int((tasks["state"] == s.value).sum()) for s in TaskState},
        by_category={c.value: int((tasks["category"] == c.value).sum()) for c in TaskCategory},
        by_community={str(k): int(v) for k, v in tasks["community_code"].value_counts().sort_index().items()},
        by_month={str(k): int(v) for k, v in by_month.items()},
        this_month=month_figures(tasks, month),
        monthly_list=[{"rank": int(r.rank), "shown_name": r.shown_name, "tasks": int(r.tasks), "points": int(r.points),
                       "average_stars": r.average_stars} for r in ranking.itertuples()],
    )


def export_tasks(table: pd.DataFrame, file_format: str, lang: str = "zh") -> bytes:
    """The public ``table`` (:func:`public_table`) as CSV (UTF-8 with BOM) or .xlsx, headed in
    ``lang``; cells a spreadsheet would run as a formula are guarded."""
    headers = {column: t(f"task_col_{column}", lang) for column in PUBLIC_COLUMNS}
    frame = table[list(PUBLIC_COLUMNS)].rename(columns=headers)
    if file_format == "csv":
        return csv_bytes(frame)
    if file_format == "xlsx":
        return xlsx_bytes({t("task_export_sheet", lang): frame})
    msg = f"`file_format` was {file_format!r} but is expected to be one of {EXPORT_FORMATS}"
    raise ValueError(msg)
