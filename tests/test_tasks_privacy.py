"""Privacy (PIPL) of the volunteer tasks, on SQLite and PostgreSQL: a resident's contact and exact
place are seen by exactly the dispatcher of the community and the volunteer who has the task;
after the retention time (an injected clock) nobody sees them and the purge deletes them, photo
included; public tables and exports carry the community and category only; nothing personal
reaches the logs or the errors."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from geo.errors import InvalidTaskError, TaskError
from geo.place.reference import load_communities
from geo.tasks.accounts import Actor
from geo.tasks.analysis import PUBLIC_COLUMNS, export_tasks, monthly_points, public_table
from geo.tasks.cards import PUBLIC
from geo.tasks.settings import DEFAULT_RETENTION_DAYS, retention_days
from geo.tasks.vocabulary import TaskState
from tests.reports_backends import database_url  # noqa: F401 (fixture)
from tests.tasks_fixtures import (  # noqa: F401 (fixtures)
    CONTACT,
    NOTE,
    PLACE,
    ask,
    clock,
    people,
    phone_photo,
    store,
)

PERSONAL_COLUMNS = ("contact", "lon", "lat", "area_lon", "area_lat", "note", "done_note", "rating_words", "done_photo")


def _viewers(people) -> dict[str, Actor]:
    return {"public": PUBLIC, "town staff (command line)": Actor.staff("town-clerk"), "resident": Actor.resident(),
            "dispatcher": people.desk, "other community's dispatcher": Actor.of(people.other_dispatcher),
            "li": Actor.of(people.li), "wang": Actor.of(people.wang),
            "other community's volunteer": Actor.of(people.other_volunteer)}


def _who_sees(store, code, people) -> dict[str, set[str]]:
    cards = {name: store.card(code, viewer) for name, viewer in _viewers(people).items()}
    return {"contact": {n for n, c in cards.items() if c is not None and c.contact is not None},
            "place": {n for n, c in cards.items() if c is not None and c.lonlat is not None},
            "area": {n for n, c in cards.items() if c is not None and c.area is not None},
            "note": {n for n, c in cards.items() if c is not None and c.note is not None}}


def test_the_contact_and_place_are_seen_by_exactly_the_dispatcher_and_the_volunteer_who_took_it(store, people):
    code = ask(store)
    assert _who_sees(store, code, people) == {"contact": {"dispatcher"}, "place": {"dispatcher"},
                                              "area": {"dispatcher"}, "note": {"dispatcher"}}
    store.dispatch(code, people.desk)
    # open to the community: its volunteers see what they need to decide (a ~500 m area, the note)
    assert _who_sees(store, code, people) == {"contact": {"dispatcher"}, "place": {"dispatcher"},
                                              "area": {"dispatcher", "li", "wang"},
                                              "note": {"dispatcher", "li", "wang"}}
    store.take(code, people.li)
    taken = _who_sees(store, code, people)
    assert taken == {"contact": {"dispatcher", "li"}, "place": {"dispatcher", "li"}, "area": {"dispatcher", "li"},
                     "note": {"dispatcher", "li"}}
    assert store.contact_for(code, Actor.of(people.li)) == CONTACT
    assert store.card(code, Actor.of(people.li)).lonlat == PLACE
    store.finish(code, people.li)
    # done: the volunteer no longer needs them
    assert _who_sees(store, code, people)["contact"] == {"dispatcher"}


def test_after_the_retention_time_nobody_sees_it_and_the_purge_deletes_it_photo_included(store, people, clock):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    store.finish(code, people.li, photo=phone_photo(), note="已放门口")
    photo = store.card(code, people.desk).photo
    store.rate(code, 5, "谢谢小李")
    ended = clock.now
    assert store.card(code, people.desk).personal_until == ended + timedelta(days=30)
    clock.advance(days=29, hours=23)
    assert store.contact_for(code, people.desk) == CONTACT and store.purge_expired() == 0
    clock.advance(hours=1)
    # hidden from the moment the time is up, before any purge has run
    card = store.card(code, people.desk)
    assert card.personal_deleted and (card.contact, card.lonlat, card.note, card.photo) == (None, None, None, None)
    assert store.purge_expired() == 1 and store.purge_expired() == 0
    with store.engine.connect() as connection:
        row = connection.execute(text(f"SELECT {', '.join(PERSONAL_COLUMNS)}, category, community_code, stars, "
                                      "points, state FROM tasks")).one()
    assert tuple(row)[:len(PERSONAL_COLUMNS)] == (None,) * len(PERSONAL_COLUMNS)
    assert tuple(row)[len(PERSONAL_COLUMNS):] == ("medicine", "340822100004", 5, 3, "rated")
    assert not store.photos.path(photo).exists()
    # what stays is enough for the month's figures and the list
    assert monthly_points(store.tasks_frame(), "2026-11")["points"].tolist() == [4]


def test_a_cancelled_task_and_one_that_never_ended_are_purged_too(store, people, clock):
    cancelled = ask(store)
    store.cancel(cancelled, people.desk, "duplicate")
    forgotten = ask(store)  # never dispatched; its time window ends in 2 hours
    clock.advance(days=30, minutes=1)
    assert store.purge_expired() == 1  # the cancelled one; the forgotten one's window ended 2 h later
    assert store.contact_for(forgotten, people.desk) == CONTACT
    clock.advance(hours=2)
    assert store.purge_expired() == 1 and store.contact_for(forgotten, people.desk) is None
    assert store.status(forgotten).state is TaskState.NEW  # the purge changes no state


def test_words_of_a_rating_given_after_the_retention_time_are_not_kept(store, people, clock):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    store.finish(code, people.li)
    clock.advance(days=31)
    store.rate(code, 4, "王奶奶很满意")
    card = store.card(code, people.desk)
    assert card.stars == 4 and card.rating_words is None


def test_the_retention_time_is_a_setting(monkeypatch):
    assert retention_days({}) == DEFAULT_RETENTION_DAYS == 30
    assert retention_days({"GAOHE_TASK_RETENTION_DAYS": "7"}) == 7
    for wrong in ("0", "-1", "thirty", "9999"):
        with pytest.raises(TaskError, match="GAOHE_TASK_RETENTION_DAYS"):
            retention_days({"GAOHE_TASK_RETENTION_DAYS": wrong})


def test_public_tables_and_exports_carry_the_community_and_category_only(store, people):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    store.finish(code, people.li, note="已放门口")
    frame = store.tasks_frame()
    assert not set(frame.columns) & {"code", *PERSONAL_COLUMNS}
    communities = load_communities()
    table = public_table(frame, "zh", dict(zip(communities["code"], communities["name_short"])))
    assert tuple(table.columns) == PUBLIC_COLUMNS
    assert table.loc[0, ["community", "category_label", "state_label"]].tolist() == ["陶亭社区", "送药", "已完成"]
    for file_format in ("csv", "xlsx"):
        content = export_tasks(table, file_format, "zh")
        for secret in (code, CONTACT, NOTE, "已放门口", "小李", "li", str(PLACE[0])):
            assert secret.encode() not in content


def test_nothing_personal_reaches_the_logs_or_the_errors(store, people, caplog):
    caplog.set_level(logging.DEBUG)
    # a deployer turning on SQL logging (echo=True; DEBUG would print every row read, by design)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        code = ask(store)
        store.dispatch(code, people.desk)
        store.take(code, people.li)
        store.finish(code, people.li, note="已放门口")
        errors = []
        for attempt in (lambda: ask(store, contact=CONTACT + "x" * 40), lambda: ask(store, note=NOTE * 20),
                        lambda: store.take(code, people.wang)):
            with pytest.raises(TaskError) as caught:
                attempt()
            errors.append(caught.value)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "INSERT INTO tasks" in caplog.text  # the logging was on
    for secret in (CONTACT, NOTE, "已放门口", "139 1234"):
        assert secret not in caplog.text
        assert all(secret not in f"{e} {e.localized('zh')} {e.params}" for e in errors)
    assert isinstance(errors[0], InvalidTaskError) and errors[0].params == {"chars": len(CONTACT) + 40, "max_chars": 40}
