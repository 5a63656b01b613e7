"""``python -m geo tasks|volunteers|dispatchers``: the loop from the command line with exit codes
and --json, public fields only in lists and exports; and six processes racing ``tasks take``
for one task on SQLite and PostgreSQL: exactly one wins, the others exit 1 with one line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, text

from geo.cli.main import main
from geo.tasks.accounts import Actor
from geo.tasks.store import TaskStore
from tests.reports_backends import database_url  # noqa: F401 (fixture)
from tests.tasks_fixtures import CONTACT, FAST_HASH, NOTE, TAOTING, phone_photo

ROOT = Path(__file__).resolve().parents[1]
RACERS = 6


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: wrong usage
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path) -> list[str]:
    return ["--database", f"sqlite:///{tmp_path / 'reports.sqlite3'}", "--photos-dir", str(tmp_path / "photos")]


def test_the_loop_from_the_command_line_with_exit_codes_and_json(capsys, monkeypatch, db, tmp_path):
    for role, name, extra in (("dispatchers", "zhang", []), ("volunteers", "li", ["--show-as", "小李"]),
                              ("volunteers", "wang", [])):
        code, out, _ = run(capsys, role, "add", name, "--community", "陶亭", "--password-stdin", "--json", *db, *extra,
                           stdin="password-1\n", monkeypatch=monkeypatch)
        assert code == 0 and json.loads(out)["community_code"] == TAOTING
    code, out, _ = run(capsys, "tasks", "add", "--category", "送药", "--lon", "116.8236", "--lat", "30.7374",
                       "--community", "陶亭社区", "--note", NOTE, "--contact", CONTACT, "--json", *db)
    added = json.loads(out)
    task = added["code"]
    assert code == 0 and added["state"] == "new" and added["status_path"] == f"/ask?code={task}"
    assert run(capsys, "tasks", "dispatch", task, "--open", "--user", "zhang", *db)[0] == 0
    code, out, _ = run(capsys, "tasks", "take", task, "--volunteer", "li", "--json", *db)
    assert code == 0 and json.loads(out)["to"] == "taken"
    code, out, err = run(capsys, "tasks", "take", task, "--volunteer", "wang", *db)
    assert code == 1 and out == "" and err == f"task {task} was taken by another volunteer first\n"
    code, out, _ = run(capsys, "tasks", "take", task, "--volunteer", "wang", "--json", *db)
    assert code == 1 and json.loads(out) == {"error": f"task {task} was taken by another volunteer first",
                                             "key": "task_error_taken_by_other"}
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_photo())
    assert run(capsys, "tasks", "done", task, "--volunteer", "li", "--photo", str(photo), *db)[0] == 0
    assert run(capsys, "tasks", "rate", task, "--stars", "5", "--words", "谢谢", *db)[0] == 0
    code, out, _ = run(capsys, "tasks", "list", "--json", *db)
    rows = json.loads(out)
    assert code == 0 and rows == [{"community_code": TAOTING, "community": "陶亭社区", "category": "medicine",
                                   "category_label": "送药", "state": "rated", "state_label": "已评价",
                                   "asked_on": rows[0]["asked_on"], "done_on": rows[0]["done_on"], "stars": 5}]
    assert task not in out and CONTACT not in out and NOTE not in out and "小李" not in out
    code, out, _ = run(capsys, "tasks", "stats", "--json", *db)
    stats = json.loads(out)
    assert stats["by_state"]["rated"] == 1 and stats["this_month"]["done"] == 1
    assert stats["monthly_list"] == [{"rank": 1, "shown_name": "小李", "tasks": 1, "points": 4, "average_stars": 5.0}]
    code, out, _ = run(capsys, "tasks", "export", str(tmp_path / "tasks.xlsx"), "--format", "xlsx", "--json", *db)
    assert code == 0 and json.loads(out)["tasks"] == 1
    sheet = openpyxl.load_workbook(tmp_path / "tasks.xlsx").active
    assert [c.value for c in sheet[1]][:2] == ["村/社区代码", "村/社区"] and sheet.max_row == 2


def test_wrong_usage_exits_2_and_wrong_input_exits_1_with_one_line(capsys, db, tmp_path):
    assert run(capsys, "tasks", "dispatch", "ZY-0000-0000", "--user", "x", *db)[0] == 2  # neither --to nor --open
    assert run(capsys, "tasks", "add", "--category", "送药", *db)[0] == 2  # no place, no community
    code, _, err = run(capsys, "tasks", "add", "--category", "做饭", "--community", "陶亭", *db)
    assert code == 1 and "category" in err and err.count("\n") == 1
    code, _, err = run(capsys, "tasks", "add", "--category", "送餐", "--lon", "117.3", "--lat", "31.8", "--community",
                       "陶亭", *db)
    assert code == 1 and "outside Gaohe" in err
    code, _, err = run(capsys, "tasks", "take", "ZY-0000-0000", "--volunteer", "nobody", *db)
    assert code == 1 and err == 'there is no active volunteer named "nobody"\n'
    assert run(capsys, "tasks", "rate", "ZY-0000-0000", "--stars", "6", *db)[0] == 2
    code, _, err = run(capsys, "tasks", "export", str(tmp_path / "missing" / "x.csv"), *db)
    assert code == 3 and "not written" in err


def test_a_task_added_at_a_place_goes_to_the_nearest_community(capsys, db):
    code, out, _ = run(capsys, "tasks", "add", "--category", "meal", "--lon", "116.8236", "--lat", "30.7374", "--json",
                       *db)
    assert code == 0 and json.loads(out)["community_code"] == "340822100001"  # 高河社区, the county seat


def test_volunteers_are_listed_removed_and_invited(capsys, monkeypatch, db):
    run(capsys, "volunteers", "add", "li", "--community", "Taoting", "--password-stdin", *db, stdin="password-1\n",
        monkeypatch=monkeypatch)
    code, out, _ = run(capsys, "volunteers", "invite", "--community", "340822100004", "--uses", "3", "--json", *db)
    invitation = json.loads(out)
    assert code == 0 and invitation["invitation"].startswith("YQ-") and invitation["uses"] == 3
    assert run(capsys, "volunteers", "remove", "li", *db)[0] == 0
    code, out, _ = run(capsys, "volunteers", "list", "--json", *db)
    assert json.loads(out) == [{"name": "li", "shown_name": "li", "role": "volunteer", "community_code": TAOTING,
                                "active": False}]
    code, _, err = run(capsys, "volunteers", "add", "wang", "--community", "陶亭", "--password-stdin", *db,
                       stdin="short\n", monkeypatch=monkeypatch)
    assert code == 1 and "at least 8" in err


# six processes racing ----------------------------------------------------------------------------


def _open_files(pid: int) -> set[str]:
    try:
        return {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return set()


def _hold_the_task(url: str, task_id: int):  # noqa: ANN202
    """A transaction that holds the task (SQLite: the write lock; PostgreSQL: its row), so that
    every racer is queued at the door before any of them may go."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT") if url.startswith("sqlite") else create_engine(url)
    connection = engine.connect()
    if url.startswith("sqlite"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.begin()
        connection.execute(text("SELECT id FROM tasks WHERE id = :id FOR UPDATE"), {"id": task_id})
    return engine, connection


def _all_waiting(url: str, racers: list[subprocess.Popen], database_file: Path | None) -> bool:
    if database_file is not None:  # SQLite: each has the database open, so it waits for the lock
        return all(str(database_file) in _open_files(p.pid) for p in racers)
    engine = create_engine(url)
    with engine.connect() as connection:
        waiting = connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                          "AND query LIKE 'UPDATE tasks%'")).scalar()
    engine.dispose()
    return waiting == len(racers)


def test_six_processes_racing_tasks_take_give_exactly_one_winner(database_url, tmp_path):  # noqa: F811
    store = TaskStore(database_url, photos_dir=tmp_path)
    desk = store.add_account("dispatcher", "zhang", community_code=TAOTING, password_hash=FAST_HASH)
    names = [f"rider{i}" for i in range(RACERS)]
    for name in names:
        store.add_account("volunteer", name, community_code=TAOTING, password_hash=FAST_HASH)
    now = store.clock()
    code = store.request(category="medicine", community_code=TAOTING, place_source="community",
                         window_start=now, window_end=now + timedelta(hours=2)).code
    store.dispatch(code, Actor.of(desk))
    with store.engine.connect() as connection:
        task_id = connection.execute(text("SELECT id FROM tasks")).scalar()
    store.close()
    database_file = Path(database_url.removeprefix("sqlite:///")) if database_url.startswith("sqlite") else None
    engine, holder = _hold_the_task(database_url, task_id)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    racers = [subprocess.Popen([sys.executable, "-m", "geo", "tasks", "take", code, "--volunteer", name,
                                "--database", database_url, "--photos-dir", str(tmp_path)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for name in names]
    try:
        deadline = time.monotonic() + 60
        while not _all_waiting(database_url, racers, database_file):
            assert time.monotonic() < deadline, "the racers did not all reach the task"
            assert all(p.poll() is None for p in racers), [p.communicate() for p in racers if p.poll() is not None]
            time.sleep(0.1)
        time.sleep(0.5 if database_file is not None else 0.0)  # SQLite: let the last one reach the lock
    finally:
        holder.rollback() if database_file is None else holder.exec_driver_sql("ROLLBACK")
        holder.close()
        engine.dispose()
    results = {name: (p.wait(timeout=120), *p.communicate()) for name, p in zip(names, racers)}
    winners = [name for name, (status, _, _) in results.items() if status == 0]
    assert len(winners) == 1, results
    for name, (status, out, err) in results.items():
        if name not in winners:
            assert (status, out, err) == (1, "", f"task {code} was taken by another volunteer first\n")
    store = TaskStore(database_url, photos_dir=tmp_path)
    card = store.card(code, Actor.of(desk))
    assert card.state.value == "taken" and store.account(winners[0]).shown_name == card.volunteer
    assert store.events_frame()["to_state"].tolist() == ["new", "dispatched", "taken"]
    store.close()
