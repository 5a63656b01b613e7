"""The report store on SQLite and, where a server is reachable, PostgreSQL: filing, looking up,
triage with who and when, nothing personal kept, concurrent reporters, a killed writer, a
locked or full database, and schema migrations."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import piexif
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from PIL import Image
from sqlalchemy import create_engine, inspect, text

from geo.database.engine import create_report_engine, current_revision, head_revision, photos_dir, upgrade_database
from geo.errors import InvalidReportError, StorageError, TransitionError
from geo.feedback.schema import Base
from geo.feedback.store import ReportStore, normalise_reference
from geo.feedback.vocabulary import ALLOWED_TRANSITIONS, ReportState, parse_state
from geo.place.reference import DATA_DIR
from tests.reports_backends import database_url  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]
GAOHE = (116.8300, 30.7400)


@pytest.fixture
def store(database_url, tmp_path):  # noqa: F811
    opened = ReportStore(database_url, photos_dir=tmp_path / "photos")
    yield opened
    opened.close()


def _jpeg_with_gps() -> bytes:
    exif = piexif.dump({"GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (0, 1))}})
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _row_count(store: ReportStore, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar())


def test_a_filed_hazard_is_found_by_its_reference_with_its_filing_event(store):
    filed = store.file_hazard(category="fire_safety", lon=GAOHE[0], lat=GAOHE[1], note="  消防通道被电动车堵住 \x07")
    status = store.status(filed.reference)
    assert status is not None
    assert (status.kind, status.subject, status.state, status.note) == ("hazard", "fire_safety", "new", "消防通道被电动车堵住")
    assert [e.state for e in status.events] == ["new"] and status.events[0].at == filed.created_at
    assert status.created_at.tzinfo is not None and abs(status.created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_a_reference_typed_loosely_still_finds_the_report(store):
    filed = store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1])
    typed = filed.reference.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise_reference(typed) == filed.reference
    assert store.status(typed).reference == filed.reference
    assert store.status("GH-0000-0000") is None and store.status("not a code") is None and store.status("") is None


def test_nothing_personal_is_stored_only_what_the_report_says(store):
    filed = store.file_hazard(category="parking", lon=116.8311, lat=30.7422, note="占道")
    columns = {c["name"] for c in inspect(store.engine).get_columns("reports")}
    assert columns == {"id", "reference", "submission_key", "kind", "subject", "amenity", "station_id", "lon", "lat",
                       "place_source", "note", "photo", "state", "created_at", "updated_at"}
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM reports")).mappings().one()
        event = connection.execute(text("SELECT actor FROM report_events")).scalar_one()
    assert (row["lon"], row["lat"], row["note"], row["reference"]) == (116.8311, 30.7422, "占道", filed.reference)
    assert row["submission_key"] is None and event is None  # the reporter is anonymous


def test_station_feedback_names_the_amenity_only_when_one_is_missing(store):
    filed = store.file_station_feedback(station_id="RS-01", issue="amenity_missing", amenity="charger",
                                        lon=GAOHE[0], lat=GAOHE[1], note="充电器没了")
    status = store.status(filed.reference)
    assert (status.kind, status.subject, status.amenity, status.station_id) == ("station", "amenity_missing", "charger", "RS-01")
    with pytest.raises(InvalidReportError, match="missing amenity is one of"):
        store.file_station_feedback(station_id="RS-01", issue="amenity_missing", lon=GAOHE[0], lat=GAOHE[1])
    with pytest.raises(InvalidReportError, match="only for a missing amenity"):
        store.file_station_feedback(station_id="RS-01", issue="closed", amenity="charger", lon=GAOHE[0], lat=GAOHE[1])
    assert _row_count(store, "reports") == 1


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"category": "graffiti"}, "report_error_category"),
        ({"note": "很" * 501}, "report_error_note_too_long"),
        ({"lon": 117.30, "lat": 31.20}, "report_error_outside_town"),  # Hefei direction, ~60 km away
        ({"lon": 30.74, "lat": 116.83}, "report_error_place"),  # swapped
        ({"lon": float("nan"), "lat": 30.74}, "report_error_place"),
        ({"photo": b"not an image"}, "report_error_photo_unreadable"),
    ],
)
def test_a_wrong_report_is_refused_with_a_key_and_nothing_is_stored(store, kwargs, key):
    report = {"category": "sanitation", "lon": GAOHE[0], "lat": GAOHE[1], **kwargs}
    with pytest.raises(InvalidReportError) as caught:
        store.file_hazard(**report)
    assert caught.value.key == key
    assert _row_count(store, "reports") == 0 and not any(store.photos.root.rglob("*.jpg"))


def test_station_feedback_may_carry_the_true_place_and_a_clean_photo(store, tmp_path):
    registered = store.file_station_feedback(station_id="PM-01", issue="closed", lon=GAOHE[0], lat=GAOHE[1])
    moved = store.file_station_feedback(station_id="PM-01", issue="not_here", lon=116.8261, lat=30.7411,
                                        place_source="reporter", photo=_jpeg_with_gps())
    assert (registered.has_photo, moved.has_photo) == (False, True)
    frame = store.reports_frame().set_index("reference")
    assert frame.at[registered.reference, "place_source"] == "register"
    assert (frame.at[moved.reference, "place_source"], frame.at[moved.reference, "lon"]) == ("reporter", 116.8261)
    assert store.status(moved.reference).has_photo and not store.status(registered.reference).has_photo
    assert piexif.load(store.photos.read(frame.at[moved.reference, "photo"]))["GPS"] == {}
    with pytest.raises(InvalidReportError) as caught:
        store.file_station_feedback(station_id="PM-01", issue="closed", lon=GAOHE[0], lat=GAOHE[1], place_source="gps")
    assert caught.value.key == "report_error_place" and _row_count(store, "reports") == 2


def test_a_hazard_with_a_photo_says_so_when_filed_and_when_sent_again(store):
    first = store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1], photo=_jpeg_with_gps(),
                              submission_key="form-photo")
    again = store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1], submission_key="form-photo")
    without = store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1])
    assert (first.has_photo, again.resent, again.has_photo, without.has_photo) == (True, True, True, False)


def test_a_note_of_exactly_500_characters_is_kept_whole(store):
    note = "消" * 500
    assert store.status(store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1], note=note).reference).note == note


def test_a_form_sent_twice_makes_one_report(store):
    first = store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1], submission_key="form-1")
    again = store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1], submission_key="form-1")
    assert (again.reference, again.resent, first.resent) == (first.reference, True, False)
    assert _row_count(store, "reports") == 1 and _row_count(store, "report_events") == 1


def test_triage_moves_forward_with_who_when_and_an_answer_for_the_reporter(database_url, tmp_path):  # noqa: F811
    moments = iter(datetime(2026, 11, 28, 1, m, tzinfo=timezone.utc) for m in range(10))
    store = ReportStore(database_url, photos_dir=tmp_path, clock=lambda: next(moments))
    filed = store.file_hazard(category="fire_safety", lon=GAOHE[0], lat=GAOHE[1])
    store.change_state(filed.id, ReportState.VERIFIED, actor="王规划")
    store.change_state(filed.id, "dispatched", actor="李城管", answer="已派城管处理")
    store.change_state(filed.id, parse_state("已解决"), actor="李城管", answer="已清理消防通道")
    history = store.history(filed.id)
    assert [(e.from_state, e.to_state, e.actor, e.at.minute) for e in history] == [
        (None, "new", None, 0), ("new", "verified", "王规划", 1), ("verified", "dispatched", "李城管", 2),
        ("dispatched", "resolved", "李城管", 3)]
    status = store.status(filed.reference)
    assert status.state == "resolved" and [e.answer for e in status.events][-1] == "已清理消防通道"
    assert not hasattr(status.events[-1], "actor")  # the public status names no planner
    assert store.count_resolved() == 1
    store.close()


def test_every_transition_not_in_the_rules_is_refused(store):
    for start in ReportState:
        for target in ReportState:
            filed = store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1])
            path = {ReportState.NEW: [], ReportState.VERIFIED: ["verified"], ReportState.DISPATCHED: ["dispatched"],
                    ReportState.RESOLVED: ["resolved"], ReportState.REJECTED: ["rejected"]}[start]
            for step in path:
                store.change_state(filed.id, step, actor="planner")
            if target in ALLOWED_TRANSITIONS[start]:
                assert store.change_state(filed.id, target, actor="planner").to_state == target.value
            else:
                with pytest.raises(TransitionError, match="cannot become"):
                    store.change_state(filed.id, target, actor="planner")
                assert store.status(filed.reference).state == start.value


def test_one_change_for_several_reports_applies_where_the_rules_allow_and_says_why_not_elsewhere(store):
    group = [store.file_hazard(category="fire_safety", lon=GAOHE[0], lat=GAOHE[1] + n * 1e-5) for n in range(4)]
    store.change_state(group[1].id, "resolved", actor="A")  # closed: cannot be dispatched
    store.change_state(group[2].id, "verified", actor="B")  # moved on since the planner looked
    result = store.change_states({group[0].id: "new", group[1].id: "resolved", group[2].id: "new",
                                  group[3].id: None, 10_000: "new"}, "dispatched", actor="王规划", answer="已派单")
    assert [e.report_id for e in result.changed] == [group[0].id, group[3].id]
    assert len({e.at for e in result.changed}) == 1 and {e.answer for e in result.changed} == {"已派单"}
    assert [(err.key, err.params.get("reference")) for err in result.refused] == [
        ("report_error_transition", group[1].reference), ("report_error_changed_meanwhile", group[2].reference),
        ("report_error_not_found", None)]
    states = store.reports_frame().set_index("reference")["state"]
    assert [states[g.reference] for g in group] == ["dispatched", "resolved", "verified", "dispatched"]
    assert [e.actor for e in store.history(group[0].id)] == [None, "王规划"]
    with pytest.raises(TransitionError, match="who makes it"):
        store.change_states({group[0].id: None}, "resolved", actor="")
    assert store.reports_frame().set_index("reference")["state"][group[0].reference] == "dispatched"


def test_the_events_table_lists_every_change_with_who_and_the_answer(store):
    first = store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1])
    second = store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1])
    store.change_state(first.id, "verified", actor="A", answer="收到")
    events = store.events_frame()
    assert events[["report_id", "to_state", "actor", "answer"]].astype(object).where(events.notna(), None).values.tolist() == [
        [first.id, "new", None, None], [second.id, "new", None, None], [first.id, "verified", "A", "收到"]]
    assert str(events["at"].dt.tz) == "UTC"
    assert store.events_frame([second.id])["report_id"].tolist() == [second.id]


def test_photos_live_beside_a_sqlite_database_unless_a_folder_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("GAOHE_REPORT_PHOTOS", raising=False)
    url = f"sqlite:///{tmp_path / 'db' / 'reports.sqlite3'}"
    assert photos_dir(url) == (tmp_path / "db" / "report_photos").resolve()
    assert photos_dir(url, {"GAOHE_REPORT_PHOTOS": str(tmp_path / "elsewhere")}) == tmp_path / "elsewhere"
    assert photos_dir("postgresql+psycopg://u@h/db", {}) == DATA_DIR / "report_photos"
    store = ReportStore(url)
    filed = store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1], photo=_jpeg_with_gps())
    (name,) = store.reports_frame()["photo"]
    assert (tmp_path / "db" / "report_photos" / name[:2] / name).is_file() and filed.has_photo
    store.close()


def test_a_change_based_on_a_stale_state_is_refused(store):
    filed = store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1])
    store.change_state(filed.id, "verified", actor="A", expected_state="new")
    with pytest.raises(TransitionError) as caught:
        store.change_state(filed.id, "rejected", actor="B", expected_state="new")
    assert caught.value.key == "report_error_changed_meanwhile"
    with pytest.raises(TransitionError, match="who makes it"):
        store.change_state(filed.id, "resolved", actor="  ")
    with pytest.raises(TransitionError, match="no report"):
        store.change_state(10_000, "resolved", actor="A")


def test_the_list_filters_by_state_kind_and_station(store):
    hazard = store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1])
    store.file_station_feedback(station_id="PM-01", issue="closed", lon=GAOHE[0], lat=GAOHE[1])
    store.file_station_feedback(station_id="PM-02", issue="wrong_hours", lon=GAOHE[0], lat=GAOHE[1])
    store.change_state(hazard.id, "resolved", actor="A")
    assert store.reports_frame(states=["new"])["station_id"].tolist() == ["PM-02", "PM-01"]
    assert store.reports_frame(kinds=["hazard"])["reference"].tolist() == [hazard.reference]
    assert store.reports_frame(station_id="PM-02")["subject"].tolist() == ["wrong_hours"]
    assert len(store.reports_frame(since=datetime.now(timezone.utc) + timedelta(hours=1))) == 0


# many reporters at once --------------------------------------------------------------------------


def test_many_reporters_in_threads_lose_and_duplicate_nothing(store):
    def reporter(n: int) -> str:
        return store.file_hazard(category="sanitation", lon=GAOHE[0] + n * 1e-5, lat=GAOHE[1], note=f"#{n}",
                                 submission_key=f"form-{n}").reference

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(reporter, range(200)))
        # the same 50 forms sent again while others are still writing: no new reports
        again = list(pool.map(reporter, range(50)))
    assert len(set(references)) == 200 and again == references[:50]
    frame = store.reports_frame()
    assert sorted(frame["note"]) == sorted(f"#{n}" for n in range(200))
    assert _row_count(store, "report_events") == 200


_PROCESS_REPORTER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from geo.feedback.store import ReportStore
    store = ReportStore({url!r}, photos_dir={photos!r})
    for n in range({count}):
        filed = store.file_hazard(category="road_traffic", lon=116.83, lat=30.74, note=f"{who}-{{n}}")
        print(filed.reference, flush=True)
""")


def test_many_reporter_processes_lose_and_duplicate_nothing(store, tmp_path):
    workers = [subprocess.Popen([sys.executable, "-c", _PROCESS_REPORTER.format(
        root=str(ROOT), url=store.url, photos=str(tmp_path), count=40, who=f"p{w}")], stdout=subprocess.PIPE,
        text=True) for w in range(4)]
    printed = []
    for worker in workers:
        out, _ = worker.communicate(timeout=240)
        assert worker.returncode == 0
        printed += out.split()
    frame = store.reports_frame()
    assert len(printed) == len(set(printed)) == 160
    assert sorted(frame["reference"]) == sorted(printed)
    assert sorted(frame["note"]) == sorted(f"p{w}-{n}" for w in range(4) for n in range(40))


def test_a_writer_killed_mid_insert_leaves_every_confirmed_report_whole(store, tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", _PROCESS_REPORTER.format(
        root=str(ROOT), url=store.url, photos=str(tmp_path), count=100_000, who="k")], stdout=subprocess.PIPE,
        text=True, start_new_session=True)
    confirmed = []
    while len(confirmed) < 30:
        line = writer.stdout.readline()
        assert line, "the writer stopped early"
        confirmed.append(line.strip())
    os.killpg(writer.pid, signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    reopened = ReportStore(store.url, photos_dir=tmp_path)
    frame = reopened.reports_frame()
    assert set(confirmed) <= set(frame["reference"])  # confirmed = committed, then printed
    # no half report: every stored report has its filing event, and nothing else is there
    with reopened.engine.connect() as connection:
        unpaired = connection.execute(text(
            "SELECT count(*) FROM reports r LEFT JOIN report_events e ON e.report_id = r.id WHERE e.id IS NULL")).scalar()
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert unpaired == 0 and _row_count(reopened, "report_events") == len(frame)
    assert reopened.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1]).reference
    reopened.close()


# faults ------------------------------------------------------------------------------------------


def test_a_locked_database_gives_a_busy_error_and_the_resent_form_then_goes_through(tmp_path):
    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    store = ReportStore(url, photos_dir=tmp_path / "photos", engine=create_report_engine(url, lock_timeout_s=0.3))
    kept = store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1])
    blocker = sqlite3.connect(tmp_path / "reports.sqlite3", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(StorageError) as caught:
        store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1], submission_key="retry-me")
    assert caught.value.key == "report_error_busy" and time.monotonic() - started < 5
    assert store.status(kept.reference).state == "new"  # readers still read under WAL
    blocker.execute("ROLLBACK")
    blocker.close()
    again = store.file_hazard(category="sanitation", lon=GAOHE[0], lat=GAOHE[1], submission_key="retry-me")
    assert not again.resent and len(store.reports_frame()) == 2


def test_a_full_database_gives_a_clear_error_and_keeps_what_was_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    ReportStore(url, photos_dir=tmp_path).close()
    engine = create_report_engine(url)
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _small_disk(dbapi_connection, _record):
        # SQLite's own "database or disk is full" (SQLITE_FULL), as on a full disk
        dbapi_connection.execute("PRAGMA max_page_count = 40")

    store = ReportStore(url, photos_dir=tmp_path / "photos", engine=engine)
    stored = []
    with pytest.raises(StorageError) as caught:
        for n in range(10_000):
            stored.append(store.file_hazard(category="other", lon=GAOHE[0], lat=GAOHE[1], note="满" * 400 + str(n),
                                            photo=_tiny_png(n)).reference)
    assert caught.value.key == "report_error_full" and "earlier reports are safe" in str(caught.value)
    assert len(stored) > 5
    frame = ReportStore(url, photos_dir=tmp_path / "photos").reports_frame()
    assert sorted(frame["reference"]) == sorted(stored)
    # the photo of the refused report was not left behind (identical photos are stored once)
    assert {p.name for p in (tmp_path / "photos").rglob("*.jpg")} == set(frame["photo"])
    with sqlite3.connect(tmp_path / "reports.sqlite3") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _tiny_png(seed: int) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, seed // 256 % 256, 7)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_full_disk_while_saving_the_photo_stores_nothing_and_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    ReportStore(url, photos_dir=tmp_path / "photos").close()
    script = textwrap.dedent(f"""
        import resource, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from geo.feedback.store import ReportStore
        from geo.errors import StorageError
        from PIL import Image
        import io, os
        noise = io.BytesIO(); Image.frombytes("RGB", (300, 300), os.urandom(270000)).save(noise, "PNG")
        store = ReportStore({url!r}, photos_dir={str(tmp_path / 'photos')!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # files cannot grow past 20 kB
        try:
            store.file_hazard(category="other", lon=116.83, lat=30.74, photo=noise.getvalue())
        except StorageError as err:
            print(err.key)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "report_error_full", result.stderr
    store = ReportStore(url, photos_dir=tmp_path / "photos")
    assert len(store.reports_frame()) == 0
    assert [p for p in (tmp_path / "photos").rglob("*") if p.is_file()] == []  # no partial photo either


# migrations --------------------------------------------------------------------------------------


def test_an_empty_database_is_created_at_the_newest_revision_matching_the_models(database_url):  # noqa: F811
    engine = create_report_engine(database_url)
    assert current_revision(engine) is None
    upgrade_database(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    upgrade_database(engine)  # a second start changes nothing
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_reports_from_the_previous_revision_get_their_history_on_upgrade(database_url):  # noqa: F811
    engine = create_report_engine(database_url)
    upgrade_database(engine, "0001")
    assert not inspect(engine).has_table("report_events")
    insert = text("INSERT INTO reports (reference, kind, subject, lon, lat, state, created_at, updated_at) "
                  "VALUES (:ref, 'hazard', 'sanitation', 116.83, 30.74, :state, :created, :updated)")
    created, updated = datetime(2026, 5, 1, 2, 0), datetime(2026, 5, 3, 4, 0)
    with engine.begin() as connection:
        connection.execute(insert, {"ref": "GH-AAAA-0001", "state": "new", "created": created, "updated": created})
        connection.execute(insert, {"ref": "GH-AAAA-0002", "state": "resolved", "created": created, "updated": updated})
    engine.dispose()
    store = ReportStore(database_url, photos_dir="/nonexistent")  # opening upgrades
    assert current_revision(store.engine) == head_revision()
    first, second = store.status("GH-AAAA-0001"), store.status("GH-AAAA-0002")
    assert [(e.state, e.at.replace(tzinfo=None)) for e in first.events] == [("new", created)]
    assert [(e.state, e.at.replace(tzinfo=None)) for e in second.events] == [("new", created), ("resolved", updated)]
    assert store.history(store.report_id("GH-AAAA-0002"))[1].actor == "migration 0002"
    store.close()


def test_reports_from_revision_0002_keep_their_place_and_say_whose_it_is(database_url):  # noqa: F811
    engine = create_report_engine(database_url)
    upgrade_database(engine, "0002")
    insert = text("INSERT INTO reports (reference, kind, subject, station_id, lon, lat, state, created_at, updated_at) "
                  "VALUES (:ref, :kind, :subject, :station, 116.83, 30.74, 'new', :at, :at)")
    at = datetime(2026, 5, 1, 2, 0)
    with engine.begin() as connection:
        connection.execute(insert, {"ref": "GH-AAAA-0001", "kind": "hazard", "subject": "sanitation", "station": None,
                                    "at": at})
        connection.execute(insert, {"ref": "GH-AAAA-0002", "kind": "station", "subject": "closed", "station": "PM-01",
                                    "at": at})
    engine.dispose()
    store = ReportStore(database_url, photos_dir="/nonexistent")  # opening upgrades
    frame = store.reports_frame().set_index("reference")
    assert frame["place_source"].to_dict() == {"GH-AAAA-0001": "reporter", "GH-AAAA-0002": "register"}
    assert (frame.at["GH-AAAA-0002", "lon"], frame.at["GH-AAAA-0002", "lat"]) == (116.83, 30.74)
    with pytest.raises(Exception, match="(?i)check|constraint"), store.engine.begin() as connection:
        connection.execute(text("UPDATE reports SET place_source = 'gps'"))
    store.close()


def test_a_database_from_newer_code_is_refused_clearly(tmp_path):
    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    ReportStore(url, photos_dir=tmp_path).close()
    with sqlite3.connect(tmp_path / "reports.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(StorageError, match="newer"):
        ReportStore(url, photos_dir=tmp_path)


def test_two_app_processes_starting_together_migrate_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    script = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from geo.feedback.store import ReportStore; ReportStore({url!r}, photos_dir={str(tmp_path)!r})"
    starters = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for starter in starters:
        _, err = starter.communicate(timeout=120)
        assert starter.returncode == 0, err
    engine = create_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
