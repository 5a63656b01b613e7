"""The maintained station register on disk: never lose an edit.

- Every save is validated first; an invalid register is refused and nothing is written.
- Saves are atomic (temporary file in the same folder, fsync, rename): a crash or kill leaves
  the previous file intact.
- Optimistic concurrency: a save names the version (SHA-256 of the file) it was based on; if the
  file changed since, :class:`ConcurrentEditError` is raised and nothing is overwritten. A file
  lock makes check-and-replace one step between processes.
- Before each replace the current file is kept in ``history/`` and a line is appended to
  ``changes.jsonl`` (who, when, what changed); any earlier version can be read and restored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
from filelock import FileLock

from geo.geodesy import ellipsoidal_distance_m
from geo.errors import GeoDataError, StationDataError
from geo.register import load_stations, stations_to_feature_collection, write_json_atomic
from geo.validate import validate_feature_collection

HISTORY_DIR = "history"
#: A position that changed by less than this is the same position (datum round trips, rounding).
MOVE_TOLERANCE_M = 0.1
CHANGE_LOG = "changes.jsonl"
LOCK_TIMEOUT_S = 30.0


class ConcurrentEditError(GeoDataError):
    """The register changed on disk after it was loaded for editing."""


@dataclass(frozen=True)
class Version:
    name: str  # file name in history/
    saved_at: str
    version: str


def file_version(path: Path | str) -> str:
    """SHA-256 of the file's bytes: the register's version."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def diff_stations(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> dict[str, object]:
    """Ids added and removed, and for kept ids the fields that changed (``geometry`` for a move)."""
    old_by_id, new_by_id = old.set_index("id"), new.set_index("id")
    changed: dict[str, list[str]] = {}
    for station_id in sorted(set(old_by_id.index) & set(new_by_id.index)):
        before, after = old_by_id.loc[station_id], new_by_id.loc[station_id]
        fields = [c for c in new_by_id.columns if c in old_by_id.columns and c != "geometry" and
                  str(before[c]) != str(after[c])]
        if float(ellipsoidal_distance_m(before.geometry.x, before.geometry.y, after.geometry.x, after.geometry.y)) > MOVE_TOLERANCE_M:
            fields.append("geometry")
        if fields:
            changed[station_id] = fields
    return {
        "added": sorted(set(new_by_id.index) - set(old_by_id.index)),
        "removed": sorted(set(old_by_id.index) - set(new_by_id.index)),
        "changed": changed,
    }


class StationStore:
    """The register file ``path`` with its history and change log beside it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.history_dir = self.path.parent / HISTORY_DIR
        self.log_path = self.path.parent / CHANGE_LOG
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)

    def read(self) -> tuple[gpd.GeoDataFrame, str]:
        """The register and its version (to pass back to :meth:`save`)."""
        with self._lock:
            version = file_version(self.path)
            return load_stations(self.path), version

    def save(self, stations: gpd.GeoDataFrame, *, expected_version: str, user: str, summary: str = "") -> str:
        """Validate and write ``stations`` if the file is still at ``expected_version``;
        returns the new version. Raises :class:`StationDataError` (invalid: nothing written)
        or :class:`ConcurrentEditError` (someone else saved first: nothing written)."""
        doc = stations_to_feature_collection(stations)
        _, problems = validate_feature_collection(doc)
        if problems:
            raise StationDataError(source=self.path.name, problems=problems)
        if not user.strip():
            raise GeoDataError("a save must say who makes it")
        with self._lock:
            current = file_version(self.path)
            if current != expected_version:
                raise ConcurrentEditError(
                    "the station data were changed by someone else after you loaded them; nothing was saved. "
                    "Reload, re-apply your change and save again."
                )
            old = load_stations(self.path)
            previous_doc = json.loads(self.path.read_text(encoding="utf-8"))
            for key in ("name", "data_status"):
                if key in previous_doc:
                    doc[key] = previous_doc[key]
            now = datetime.now(timezone.utc)
            self.history_dir.mkdir(exist_ok=True)
            backup = self.history_dir / f"{self.path.stem}.{now:%Y%m%dT%H%M%S%fZ}.{current[:12]}{self.path.suffix}"
            shutil.copy2(self.path, backup)
            write_json_atomic(doc, self.path)
            new_version = file_version(self.path)
            entry = {"at": now.isoformat(), "user": user, "summary": summary, "from": current, "to": new_version,
                     "backup": backup.name, **diff_stations(old, stations)}
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                log.flush()
                os.fsync(log.fileno())
            return new_version

    def versions(self) -> list[Version]:
        """Earlier versions kept in history/, newest first."""
        if not self.history_dir.exists():
            return []
        found = []
        for path in sorted(self.history_dir.glob(f"{self.path.stem}.*{self.path.suffix}"), reverse=True):
            parts = path.name.split(".")
            found.append(Version(path.name, parts[-3], parts[-2]))
        return found

    def changes(self) -> list[dict]:
        """The change log, newest first."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in reversed(lines) if line.strip()]

    def load_version(self, name: str) -> gpd.GeoDataFrame:
        """An earlier version by its history file name (no path parts accepted)."""
        if Path(name).name != name or not name.startswith(self.path.stem + "."):
            raise GeoDataError(f"{name!r} is not a version of {self.path.name}")
        return load_stations(self.history_dir / name)

    def restore(self, name: str, *, expected_version: str, user: str) -> str:
        """Make an earlier version current again (itself a logged, reversible save)."""
        return self.save(self.load_version(name), expected_version=expected_version, user=user,
                         summary=f"restored {name}")
