"""Settings of the volunteer tasks, from the environment (each with a default):

- ``GAOHE_TASK_RETENTION_DAYS``: days after a task ends (done or cancelled; for a task that never
  ended, after its time window) until its contact, place, texts and photo are deleted (default 30);
- ``GAOHE_TASK_PHOTOS``: folder of the photos of finished tasks (default ``task_photos/`` beside a
  SQLite database, else ``data/task_photos``);
- ``GAOHE_TASK_POINTS``: a TOML file with the town's points rules (see :mod:`geo.tasks.points`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import make_url

from geo.errors import TaskError
from geo.place.reference import DATA_DIR

DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650


def retention_days(environ: Mapping[str, str] | None = None) -> int:
    """``GAOHE_TASK_RETENTION_DAYS`` (1-3650), else :data:`DEFAULT_RETENTION_DAYS`."""
    text = (os.environ if environ is None else environ).get("GAOHE_TASK_RETENTION_DAYS", "").strip()
    if not text:
        return DEFAULT_RETENTION_DAYS
    if not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
        raise TaskError("task_error_setting", name="GAOHE_TASK_RETENTION_DAYS", value=text,
                        expected=f"1-{MAX_RETENTION_DAYS}")
    return int(text)


def task_photos_dir(url: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where the photos of finished tasks live for the database at ``url``."""
    configured = (os.environ if environ is None else environ).get("GAOHE_TASK_PHOTOS", "").strip()
    if configured:
        return Path(configured)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / "task_photos"
    return DATA_DIR / "task_photos"


def points_rules_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """``GAOHE_TASK_POINTS`` when set."""
    text = (os.environ if environ is None else environ).get("GAOHE_TASK_POINTS", "").strip()
    return Path(text) if text else None
