"""The register on disk never loses an edit: validation first, atomic replace, version check
between concurrent writers, a killed writer, history and restore."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from geo.errors import ConcurrentEditError, StationDataError, StorageError
from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.register.geojson import load_stations
from geo.register.store import StationStore, file_version


@pytest.fixture
def store(tmp_path) -> StationStore:
    path = tmp_path / "stations.geojson"
    shutil.copy(DEFAULT_STATIONS_PATH, path)
    return StationStore(path)


def test_a_save_writes_keeps_a_backup_and_logs_who_and_what(store):
    stations, version = store.read()
    before = store.path.read_bytes()
    stations.loc[stations.id == "RS-01", "location_status"] = "verified"
    new_version = store.save(stations, expected_version=version, user="王规划", summary="核实 RS-01")
    assert new_version == file_version(store.path) != version
    assert load_stations(store.path).set_index("id").at["RS-01", "location_status"] == "verified"
    (kept,) = store.versions()
    assert (store.history_dir / kept.name).read_bytes() == before
    (entry,) = store.changes()
    assert entry["user"] == "王规划" and entry["changed"] == {"RS-01": ["location_status"]}
    assert entry["from"] == version and entry["to"] == new_version


def test_an_invalid_register_is_refused_and_nothing_is_written(store):
    stations, version = store.read()
    before = store.path.read_bytes()
    stations.loc[0, "station_type"] = "cafe"
    with pytest.raises(StationDataError, match="station_type"):
        store.save(stations, expected_version=version, user="a")
    assert store.path.read_bytes() == before and store.versions() == [] and store.changes() == []


def test_a_stale_version_is_refused(store):
    stations, version = store.read()
    store.save(stations.iloc[:-1], expected_version=version, user="first")
    before = store.path.read_bytes()
    with pytest.raises(ConcurrentEditError, match="changed by someone else"):
        store.save(stations, expected_version=version, user="second")
    assert store.path.read_bytes() == before


def _writer(path: str, version: str, user: str, start, results) -> None:
    store = StationStore(path)
    stations = load_stations(path)
    stations.loc[stations.id == "NS-01", "name_en"] = f"edited by {user}"
    start.wait()
    try:
        store.save(stations, expected_version=version, user=user)
        results.put((user, "saved"))
    except ConcurrentEditError:
        results.put((user, "refused"))


def test_two_planners_saving_at_once_one_wins_the_other_is_told(store):
    _, version = store.read()
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    writers = [context.Process(target=_writer, args=(str(store.path), version, user, start, results)) for user in "AB"]
    for writer in writers:
        writer.start()
    time.sleep(1.0)
    start.set()
    for writer in writers:
        writer.join(60)
    outcome = dict(results.get(timeout=5) for _ in writers)
    assert sorted(outcome.values()) == ["refused", "saved"]
    winner = next(user for user, result in outcome.items() if result == "saved")
    assert load_stations(store.path).set_index("id").at["NS-01", "name_en"] == f"edited by {winner}"
    assert len(store.changes()) == 1


def test_a_writer_killed_before_the_replace_leaves_the_file_intact_its_entry_interrupted(store, tmp_path):
    before = store.path.read_bytes()
    started = tmp_path / "started"
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        import geo.tables
        from geo.register.geojson import load_stations
        from geo.register.store import StationStore, file_version
        real_replace = os.replace
        def stalled_replace(source, target):
            if str(target).endswith("stations.geojson"):  # the new register is on disk, not yet in place
                open({str(started)!r}, "w").close()
                time.sleep(60)
            real_replace(source, target)
        geo.tables.os.replace = stalled_replace
        store = StationStore({str(store.path)!r})
        stations = load_stations(store.path)
        store.save(stations.iloc[:-3], expected_version=file_version(store.path), user="doomed")
    """)
    writer = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 60
    while not started.exists():
        assert writer.poll() is None and time.monotonic() < deadline, "the writer did not reach the replace"
        time.sleep(0.05)
    os.killpg(writer.pid, signal.SIGKILL)
    writer.wait()
    assert store.path.read_bytes() == before
    assert list(tmp_path.glob(".stations.geojson.*.tmp")), "the dead writer's temporary file is there"
    log = store.change_log()
    assert log.entries == [] and [e["user"] for e in log.interrupted] == ["doomed"]
    # the lock died with the writer: the next save goes through and clears the leftovers
    stations, version = store.read()
    store.save(stations, expected_version=version, user="next")
    assert not list(tmp_path.glob(".*.tmp")) and not list(store.history_dir.glob(".*.tmp"))
    assert [e["user"] for e in store.changes()] == ["next"]


def _save_forever(path: str, tag: str) -> None:
    store = StationStore(path)
    for number in range(10**6):
        stations, version = store.read()
        stations.loc[stations.id == "RS-01", "source"] = f"kill loop {tag} save {number}"
        store.save(stations, expected_version=version, user=f"writer {tag}", summary=str(number))


def test_a_writer_killed_at_random_80_times_never_leaves_a_saved_change_unlogged(store):
    import random

    stations, original = store.read()  # also warms the validator's caches, which the children inherit
    context = multiprocessing.get_context("fork")  # the child starts with everything imported
    chance = random.Random(20261128)
    for round_number in range(80):
        writer = context.Process(target=_save_forever, args=(str(store.path), str(round_number)))
        writer.start()
        time.sleep(chance.uniform(0.02, 0.5))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        assert len(load_stations(store.path)) == 59
    # every version the register has been in: the backups (each the register before a save) and now
    seen = {file_version(backup) for backup in store.history_dir.iterdir() if not backup.name.startswith(".")}
    landed = (seen | {file_version(store.path)}) - {original}
    logged = [entry["to"] for entry in store.changes()]
    assert landed, "no save landed in 80 rounds: the test proves nothing"
    assert sorted(logged) == sorted(landed)


def test_reading_takes_no_lock_file(store, monkeypatch):
    def no_writes(*args, **kwargs):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr("filelock.FileLock.acquire", no_writes)
    stations, version = store.read()
    assert len(stations) == 59 and store.changes() == [] and store.versions() == []
    with pytest.raises(StorageError, match="folder is read-only"):
        store.save(stations, expected_version=version, user="a")


def test_a_full_disk_refuses_the_save_and_leaves_no_partial_backup(store, monkeypatch):
    stations, version = store.read()
    before = store.path.read_bytes()

    def full_disk(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("geo.tables.os.fsync", full_disk)
    with pytest.raises(StorageError, match="the disk is full"):
        store.save(stations.iloc[:-1], expected_version=version, user="a")
    assert store.path.read_bytes() == before
    assert store.changes() == [] and list(store.history_dir.iterdir()) == []


def test_a_torn_log_line_and_a_broken_history_file_are_reported_and_skipped(store):
    stations, version = store.read()
    version = store.save(stations.iloc[:-1], expected_version=version, user="a", summary="first")
    with open(store.log_path, "ab") as log:
        log.write(b'{"at": "2026-11-28T10:00", "user": "torn", "fr')  # a writer killed mid-append
    store.save(load_stations(store.path).iloc[:-1], expected_version=version, user="b", summary="second")
    log = store.change_log()
    assert [e["user"] for e in log.entries] == ["b", "a"]
    assert [(p.key, p.row) for p in log.problems] == [("err_log_line_unreadable", 2)]
    newest = store.versions()[0]
    (store.history_dir / newest.name).write_bytes(b"\x00garbage")
    with pytest.raises(StationDataError, match="not UTF-8|not valid JSON"):
        store.load_version(newest.name)
    (store.history_dir / "stations.notes.txt").write_text("not a version")
    assert [v.name for v in store.versions()][0] == newest.name


def test_any_earlier_version_can_be_restored(store):
    original, version = store.read()
    v2 = store.save(original.iloc[:-1], expected_version=version, user="a", summary="drop one")
    store.save(original.iloc[:-2], expected_version=v2, user="b", summary="drop two")
    oldest = store.versions()[-1]
    assert len(store.load_version(oldest.name)) == len(original)
    store.restore(oldest.name, expected_version=file_version(store.path), user="c")
    assert len(load_stations(store.path)) == len(original)
    assert store.changes()[0]["summary"] == f"restored {oldest.name}"
    assert len(store.versions()) == 3


def test_version_names_cannot_reach_outside_the_history(store):
    with pytest.raises(Exception, match="is not a version"):
        store.load_version("../../etc/passwd")


def test_a_save_keeps_the_collection_metadata(store):
    stations, version = store.read()
    store.save(stations, expected_version=version, user="a")
    assert "unverified" in json.loads(store.path.read_text(encoding="utf-8"))["data_status"]


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FIELDS = ["id", "station_type", "name_zh", "community_code", "amenities", "opening_hours", "phone", "location_status"]
junk = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                 st.lists(st.text(max_size=8), max_size=3))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(0, 58), st.sampled_from(FIELDS), junk), min_size=1, max_size=4),
       lon_lat=st.one_of(st.none(), st.tuples(st.floats(-200, 200), st.floats(-100, 100))))
def test_random_bad_rows_never_corrupt_the_stored_register(tmp_path_factory, rows, lon_lat):
    from geo.register.geojson import stations_from_features

    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "stations.geojson"
    shutil.copy(DEFAULT_STATIONS_PATH, path)
    store = StationStore(path)
    version = file_version(path)
    before = path.read_bytes()
    features = json.loads(before)["features"]
    for row, field, value in rows:  # as an import would bring them: any JSON value in any field
        features[row]["properties"][field] = value
    if lon_lat is not None:
        features[0]["geometry"]["coordinates"] = list(lon_lat)
    try:
        store.save(stations_from_features(features), expected_version=version, user="fuzz")
    except (StationDataError, ValueError, TypeError):
        assert path.read_bytes() == before
    assert len(load_stations(path)) == 59  # whatever happened, the stored register is whole and valid


def test_the_change_log_says_each_save_in_the_readers_language_and_keeps_english_for_tools(store):
    from geo.register.store import ChangeSummary, summary_text

    stations, version = store.read()
    store.save(stations.iloc[:-1], expected_version=version, user="王规划",
               summary=ChangeSummary("log_imported", {"source": "名单.xlsx", "added": 2, "updated": 3, "removed": 1, "left": 0}))
    (entry,) = store.change_log().entries
    assert entry["summary"] == "import 名单.xlsx: 2 new, 3 updated, 1 removed, 0 row(s) left out"
    assert summary_text(entry, "zh") == "导入 名单.xlsx:新增 2、更新 3、删除 1、未导入 0 行"
    assert " / " not in summary_text(entry, "zh") and summary_text(entry, "en") == entry["summary"]
    # a line written by hand or by an older version: its text as written; a damaged key: the text
    assert summary_text({"summary": "手工修改"}, "en") == "手工修改"
    assert summary_text({"summary": "x", "summary_key": "log_imported", "summary_params": {"source": 5}}, "zh") == "x"
    assert summary_text({"summary": 5, "summary_key": ["no"]}, "zh") == ""
