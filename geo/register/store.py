"""The maintained station register on disk: never lose an edit, never half-record one.

- Every save is validated first; an invalid register is refused and nothing is written.
- Optimistic concurrency: a save names the version (SHA-256 of the file) it was based on; if the
  file changed since, :class:`ConcurrentEditError` is raised and nothing is overwritten. A file
  lock makes check-and-replace one step between writers.
- A save is written in an order that a kill at any instant cannot break: (1) the current file is
  copied into ``history/`` (atomically), (2) the change is appended to ``changes.jsonl`` with the
  version it will produce, (3) the register is replaced atomically. A save that landed therefore
  always has its log entry; an entry whose save was cut short is recognised (its version never
  became current) and shown as interrupted. Temporary files a killed writer left are removed by
  the next save.
- Reading never writes (no lock file): a read-only data folder can be read; broken history
  files and torn log lines are reported and skipped, never fatal.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
from filelock import FileLock, Timeout

from geo.errors import ConcurrentEditError, GeoDataError, Problem, StationDataError, StorageError
from geo.i18n import catalogue, t
from geo.place.geodesy import ellipsoidal_distance_m
from geo.readers import parse_json_bytes
from geo.register.geojson import document_bytes, stations_from_document, stations_to_feature_collection
from geo.register.validate import validate_feature_collection
from geo.tables import TEMP_SUFFIX, write_bytes_atomic

HISTORY_DIR = "history"
#: A position that changed by less than this is the same position (datum round trips, rounding).
MOVE_TOLERANCE_M = 0.1
CHANGE_LOG = "changes.jsonl"
LOCK_TIMEOUT_S = 30.0




@dataclass(frozen=True)
class ChangeSummary:
    """What a save changed, for the change log: a catalogue key and its values, so each reader
    sees it in their own language (the log keeps the English text as well, for tools)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.text("en")


def summary_text(entry: Mapping[str, Any], lang: str) -> str:
    """A change-log entry's summary in ``lang``: from its key when it has one (the app's own
    saves), else its text as written."""
    key, params = entry.get("summary_key"), entry.get("summary_params")
    if isinstance(key, str) and key in catalogue(lang) and isinstance(params, dict):
        try:
            return t(key, lang, **params)
        except (KeyError, IndexError, ValueError):
            pass
    summary = entry.get("summary")
    return summary if isinstance(summary, str) else ""


@dataclass(frozen=True)
class Version:
    name: str  # file name in history/
    saved_at: str
    version: str

    def saved_at_utc(self) -> datetime | None:
        """When this version was replaced (the backup's time stamp, UTC), or None if unreadable."""
        try:
            return datetime.strptime(self.saved_at, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return None


@dataclass
class ChangeLog:
    """The change log, newest first: ``entries`` whose save landed, ``interrupted`` ones whose
    save was cut short (never current), and ``problems`` (unreadable lines)."""

    entries: list[dict] = field(default_factory=list)
    interrupted: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


#: What the disk said, as a planner would put it (anything else is passed on as the OS words it).
_STORAGE_ERROR_KEYS = {errno.EROFS: "err_register_read_only", errno.EACCES: "err_register_read_only",
                       errno.EPERM: "err_register_read_only", errno.ENOSPC: "err_register_disk_full",
                       errno.EDQUOT: "err_register_disk_full"}


def storage_error(err: OSError) -> StorageError:
    """The :class:`StorageError` for a write the operating system refused."""
    key = _STORAGE_ERROR_KEYS.get(err.errno)
    return StorageError(key) if key else StorageError("err_register_not_written", reason=err.strerror or str(err))


def file_version(path: Path | str) -> str:
    """SHA-256 of the file's bytes: the register's version."""
    return bytes_version(Path(path).read_bytes())


def bytes_version(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


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


def _parse_register(content: bytes, source: str) -> gpd.GeoDataFrame:
    problems: list[Problem] = []
    doc = parse_json_bytes(content, problems)
    if problems:
        raise StationDataError(source, problems)
    return stations_from_document(doc, source)


class StationStore:
    """The register file ``path`` with its history and change log beside it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.history_dir = self.path.parent / HISTORY_DIR
        self.log_path = self.path.parent / CHANGE_LOG
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)

    def writable(self) -> bool:
        """Whether a save could create files in the folder (lock, history, temporary file);
        a check for the page to warn early, not a promise: :meth:`save` still reports failures."""
        folders = [self.path.parent, *([self.history_dir] if self.history_dir.exists() else [])]
        return all(os.access(folder, os.W_OK | os.X_OK) for folder in folders)

    def read(self) -> tuple[gpd.GeoDataFrame, str]:
        """The register and its version (to pass back to :meth:`save`). One read of the file,
        so the version is that of the content returned; no lock, nothing written."""
        content = self.path.read_bytes()
        return _parse_register(content, self.path.name), bytes_version(content)

    def save(self, stations: gpd.GeoDataFrame, *, expected_version: str, user: str,
             summary: ChangeSummary | str = "") -> str:
        """Validate and write ``stations`` if the file is still at ``expected_version``;
        returns the new version. Raises :class:`StationDataError` (invalid: nothing written),
        :class:`ConcurrentEditError` (someone else saved first: nothing written) or
        :class:`StorageError` (the disk refused: the register is as it was)."""
        doc = stations_to_feature_collection(stations)
        _, problems = validate_feature_collection(doc)
        if problems:
            raise StationDataError(self.path.name, problems)
        if not user.strip():
            raise GeoDataError("err_save_needs_user")
        try:
            with self._lock:
                return self._save_locked(doc, stations, expected_version=expected_version, user=user, summary=summary)
        except Timeout as err:
            raise StorageError("err_register_busy", seconds=LOCK_TIMEOUT_S) from err
        except OSError as err:
            raise storage_error(err) from err

    def _save_locked(self, doc: dict, stations: gpd.GeoDataFrame, *, expected_version: str, user: str,
                     summary: ChangeSummary | str) -> str:
        current_bytes = self.path.read_bytes()
        current = bytes_version(current_bytes)
        if current != expected_version:
            raise ConcurrentEditError("err_concurrent_edit")
        self._remove_stale_temporary_files()
        old = _parse_register(current_bytes, self.path.name)
        previous_doc = json.loads(current_bytes)
        for key in ("name", "data_status"):
            if key in previous_doc:
                doc[key] = previous_doc[key]
        new_bytes = document_bytes(doc)
        new_version = bytes_version(new_bytes)
        now = datetime.now(timezone.utc)
        self.history_dir.mkdir(exist_ok=True)
        backup = self.history_dir / f"{self.path.stem}.{now:%Y%m%dT%H%M%S%fZ}.{current[:12]}{self.path.suffix}"
        write_bytes_atomic(current_bytes, backup)
        entry = {"at": now.isoformat(), "user": user, "summary": str(summary), "from": current, "to": new_version,
                 "backup": backup.name, **diff_stations(old, stations)}
        if isinstance(summary, ChangeSummary):
            entry |= {"summary_key": summary.key, "summary_params": dict(summary.params)}
        self._append_log(entry)
        write_bytes_atomic(new_bytes, self.path)
        return new_version

    def _append_log(self, entry: dict) -> None:
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with open(self.log_path, "ab+") as log:
            # a writer killed mid-append leaves a torn last line: start ours on a line of its own
            if log.seek(0, 2) > 0:
                log.seek(-1, 2)
                if log.read(1) != b"\n":
                    line = b"\n" + line
            log.write(line)
            log.flush()
            os.fsync(log.fileno())

    def _remove_stale_temporary_files(self) -> None:
        # every writer holds the lock, so a temporary file seen under the lock is a dead writer's
        for folder in (self.path.parent, self.history_dir):
            for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
                leftover.unlink(missing_ok=True)

    def versions(self) -> list[Version]:
        """Earlier versions kept in history/, newest first (files not named as the store names
        them are ignored)."""
        if not self.history_dir.is_dir():
            return []
        found = []
        for path in sorted(self.history_dir.glob(f"{self.path.stem}.*{self.path.suffix}"), reverse=True):
            parts = path.name.split(".")
            if len(parts) == 4 and not path.name.startswith("."):
                found.append(Version(path.name, parts[1], parts[2]))
        return found

    def change_log(self) -> ChangeLog:
        """The change log, newest first, with interrupted saves and unreadable lines set apart."""
        log = ChangeLog()
        if not self.log_path.is_file():
            return log
        parsed: list[dict] = []
        for number, raw in enumerate(self.log_path.read_bytes().split(b"\n"), start=1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                if not isinstance(entry, dict) or not {"at", "user", "from", "to"} <= entry.keys():
                    raise ValueError("not a change entry")
            except (ValueError, UnicodeDecodeError):
                log.problems.append(Problem("err_log_line_unreadable", row=number, unit="line"))
                continue
            parsed.append(entry)
        try:
            current = file_version(self.path)
        except OSError:
            current = None
        for position, entry in enumerate(parsed):
            later = parsed[position + 1] if position + 1 < len(parsed) else None
            landed = entry["to"] == (later["from"] if later else current)
            (log.entries if landed else log.interrupted).append(entry)
        log.entries.reverse()
        log.interrupted.reverse()
        return log

    def changes(self) -> list[dict]:
        """The saves that landed, newest first."""
        return self.change_log().entries

    def load_version(self, name: str) -> gpd.GeoDataFrame:
        """An earlier version by its history file name (no path parts accepted). Raises
        :class:`StationDataError` when that file is missing, damaged or no longer valid."""
        if Path(name).name != name or not name.startswith(self.path.stem + "."):
            raise GeoDataError("err_not_a_version", name=name, register=self.path.name)
        path = self.history_dir / name
        try:
            content = path.read_bytes()
        except OSError as err:
            raise StationDataError(name, [Problem("err_file_unreadable", {"reason": err.strerror or str(err)})]) from err
        return _parse_register(content, name)

    def restore(self, name: str, *, expected_version: str, user: str) -> str:
        """Make an earlier version current again (itself a logged, reversible save)."""
        return self.save(self.load_version(name), expected_version=expected_version, user=user,
                         summary=ChangeSummary("log_restored", {"name": name}))
