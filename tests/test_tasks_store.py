"""The task store on SQLite and, where a server is reachable, PostgreSQL: requests, the loop
新 → 已派单 → 已接单 → 已完成 → 已评价 with who and when, exactly one winner of a take, offers,
hand-backs, communities, removed accounts, the rules of each step, points, photos, invitations,
and the volunteer's list sorted by distance."""

from __future__ import annotations

import threading
from datetime import timedelta

import piexif
import pytest
from sqlalchemy import text

from geo.errors import AccountError, InvalidTaskError, NotAllowedError, TakenByOtherError, TaskStateError
from geo.place.geodesy import ellipsoidal_distance_m
from geo.tasks.accounts import Actor
from geo.tasks.codes import normalise_code
from geo.tasks.points import PointsRules
from geo.tasks.store import TaskStore
from geo.tasks.vocabulary import TaskCategory, TaskState
from tests.reports_backends import database_url  # noqa: F401 (fixture)
from tests.tasks_fixtures import (  # noqa: F401 (fixtures)
    CONTACT,
    FAST_HASH,
    NOTE,
    PLACE,
    QILONG,
    TAOTING,
    ask,
    clock,
    people,
    phone_photo,
    store,
)


def _rows(store: TaskStore, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar())


def test_a_request_gets_a_code_and_its_resident_sees_the_state_but_not_the_contact_or_place(store, people):
    code = ask(store)
    status = store.status(code)
    assert normalise_code(code) == code and code.startswith("ZY-")
    assert (status.state, status.category, status.community_code) == (TaskState.NEW, TaskCategory.MEDICINE, TAOTING)
    assert status.has_contact and status.contact is None and status.lonlat is None
    assert [(e.to_state, e.role.value) for e in status.events] == [(TaskState.NEW, "resident")]


def test_a_code_typed_loosely_still_finds_the_task(store):
    code = ask(store)
    typed = code.lower().replace("-", " ").replace("0", "o")
    assert store.status(typed).code == code
    assert store.status("ZY-0000") is None and store.status("") is None


def test_a_form_sent_twice_makes_one_task(store):
    first = ask(store, submission_key="form-1")
    second = ask(store, submission_key="form-1")
    assert first == second and _rows(store, "tasks") == 1


def test_a_task_of_the_community_only_has_no_place_and_needs_none(store):
    code = ask(store, place_source="community", lon=None, lat=None)
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT lon, lat, area_lon, area_lat FROM tasks")).one()
    assert tuple(row) == (None, None, None, None) and store.status(code).state is TaskState.NEW


@pytest.mark.parametrize("changes, key", [
    ({"category": "cooking"}, "task_error_category"),
    ({"community_code": "340822100999"}, "task_error_community"),
    ({"lon": 117.2, "lat": 31.8}, "task_error_outside_town"),
    ({"lon": None, "lat": None}, "task_error_need_place"),
    ({"note": "药" * 201}, "task_error_note_too_long"),
    ({"contact": "1" * 41}, "task_error_contact_too_long"),
    ({"window_end_hours": -1}, "task_error_window"),
    ({"window_start_days": 15}, "task_error_window"),
])
def test_a_wrong_request_is_refused_with_its_key_and_nothing_is_stored(store, changes, key):
    now, changes = store.clock(), dict(changes)
    if "window_end_hours" in changes:
        changes = {"window_end": now + timedelta(hours=changes.pop("window_end_hours"))}
    if "window_start_days" in changes:
        start = now + timedelta(days=changes.pop("window_start_days"))
        changes = {"window_start": start, "window_end": start + timedelta(hours=1)}
    with pytest.raises(InvalidTaskError) as caught:
        ask(store, **changes)
    assert caught.value.key == key and caught.value.localized("zh") != key
    assert _rows(store, "tasks") == 0


def test_the_whole_loop_records_every_state_change_with_who_and_when(store, people, clock):
    code = ask(store)
    clock.advance(minutes=5)
    store.dispatch(code, people.desk)
    clock.advance(minutes=1)
    store.take(code, people.li)
    clock.advance(minutes=40)
    store.finish(code, people.li, note="已送到")
    clock.advance(hours=3)
    store.rate(code, 5, "小李很细心")
    events = store.events_frame()
    assert events[["to_state", "actor_role", "actor_name"]].values.tolist() == [
        ["new", "resident", None], ["dispatched", "dispatcher", "zhang"], ["taken", "volunteer", "li"],
        ["done", "volunteer", "li"], ["rated", "resident", None]]
    assert [round((t - events["at"].iloc[0]).total_seconds() / 60) for t in events["at"]] == [0, 5, 6, 46, 226]
    status = store.status(code)
    assert status.state is TaskState.RATED and status.volunteer == "小李" and status.stars == 5
    # the resident sees the volunteer by the name they chose, never the dispatcher's or their sign-in
    assert [e.who for e in status.events] == [None, None, "小李", "小李", None]
    desk = store.card(code, people.desk)
    assert [e.who for e in desk.events] == [None, "zhang", "li", "li", None]


def test_of_two_volunteers_taking_one_open_task_the_second_is_told_someone_else_has_it(store, people):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    with pytest.raises(TakenByOtherError, match="taken by another volunteer") as caught:
        store.take(code, people.wang)
    assert caught.value.localized("zh") == f"任务 {code} 已被其他志愿者抢先接走"
    assert store.card(code, people.desk).volunteer == "小李"
    assert store.events_frame()["to_state"].tolist().count("taken") == 1


def test_a_double_tap_on_take_changes_nothing(store, people):
    code = ask(store)
    store.dispatch(code, people.desk)
    first = store.take(code, people.li)
    again = store.take(code, people.li)
    assert again.repeated and not first.repeated and again.at == first.at
    assert store.events_frame()["to_state"].tolist() == ["new", "dispatched", "taken"]


def test_volunteers_racing_in_threads_for_one_task_give_exactly_one_winner(database_url, tmp_path, clock):  # noqa: F811
    main = TaskStore(database_url, photos_dir=tmp_path, clock=clock)
    desk = main.add_account("dispatcher", "zhang", community_code=TAOTING, password_hash=FAST_HASH)
    volunteers = [main.add_account("volunteer", f"v{i}", community_code=TAOTING, password_hash=FAST_HASH)
                  for i in range(8)]
    code = ask(main)
    main.dispatch(code, Actor.of(desk))
    stores = [TaskStore(database_url, photos_dir=tmp_path, clock=clock) for _ in volunteers]
    start = threading.Barrier(len(volunteers))
    outcomes: dict[str, str] = {}

    def race(store: TaskStore, volunteer) -> None:  # noqa: ANN001
        start.wait()
        try:
            store.take(code, volunteer)
            outcomes[volunteer.name] = "won"
        except TakenByOtherError:
            outcomes[volunteer.name] = "lost"

    threads = [threading.Thread(target=race, args=pair) for pair in zip(stores, volunteers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(outcomes) == 8 and len(winners) == 1, outcomes
    assert main.card(code, Actor.of(desk)).volunteer == winners[0]
    assert main.events_frame()["to_state"].tolist().count("taken") == 1
    for opened in [main, *stores]:
        opened.close()


def test_an_offer_to_a_named_volunteer_can_be_taken_by_them_only(store, people):
    code = ask(store)
    store.dispatch(code, people.desk, to="wang")
    assert store.card(code, people.desk).offered_to == "老王"
    assert store.card(code, Actor.of(people.li)) is None  # li does not even see it
    with pytest.raises(NotAllowedError, match="offered to another volunteer"):
        store.take(code, people.li)
    store.take(code, people.wang)
    assert store.card(code, Actor.of(people.wang)).contact == CONTACT


def test_a_dispatched_task_may_be_sent_out_again_to_all(store, people):
    code = ask(store)
    store.dispatch(code, people.desk, to="wang")
    store.dispatch(code, people.desk)
    card = store.card(code, Actor.of(people.li))
    assert card.open_to_all and card.offered_to is None
    store.take(code, people.li)


def test_a_volunteer_declines_an_offer_or_hands_a_task_back_and_it_returns_to_new(store, people):
    code = ask(store)
    store.dispatch(code, people.desk, to="wang")
    store.release(code, people.wang, "cannot_make_it")
    assert store.status(code).state is TaskState.NEW
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    with pytest.raises(NotAllowedError):
        store.release(code, people.wang, "other")  # not wang's to hand back
    store.release(code, people.li, "cannot_reach")
    assert store.card(code, Actor.of(people.li)) is None  # li no longer sees the contact, nor the task
    assert store.events_frame()["reason"].tolist() == [None, None, "cannot_make_it", None, None, "cannot_reach"]


def test_another_communitys_people_can_neither_see_nor_act(store, people):
    code = ask(store)
    assert store.card(code, Actor.of(people.other_dispatcher)) is None
    with pytest.raises(NotAllowedError, match="another community"):
        store.dispatch(code, Actor.of(people.other_dispatcher))
    store.dispatch(code, people.desk)
    assert store.card(code, Actor.of(people.other_volunteer)) is None
    with pytest.raises(NotAllowedError, match="another community"):
        store.take(code, people.other_volunteer)
    with pytest.raises(NotAllowedError, match="not of the community"):
        store.dispatch(code, people.desk, to="zhao")
    assert store.dispatcher_cards(people.other_dispatcher) == []


def test_a_removed_volunteer_can_no_longer_take_or_finish(store, people):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    store.set_active("li", False)
    with pytest.raises(NotAllowedError, match="removed"):
        store.finish(code, people.li)
    assert store.password_table("volunteer", "li") == {}
    other = ask(store)
    store.dispatch(other, people.desk)
    with pytest.raises(NotAllowedError, match="removed"):
        store.take(other, people.li)
    with pytest.raises(NotAllowedError, match="no active volunteer"):
        store.dispatch(other, people.desk, to="li")


@pytest.mark.parametrize("steps, refused", [
    (["rate"], "rate"),  # a new task cannot be rated
    (["take"], "take"),  # nor taken before it is dispatched
    (["dispatch", "finish"], "finish"),  # nor finished before it is taken
    (["dispatch", "take", "finish", "cancel"], "cancel"),  # a done task cannot be cancelled
    (["dispatch", "take", "finish", "rate", "rate"], "rate"),  # nor rated twice
    (["dispatch", "take", "dispatch"], "dispatch"),  # a taken task is withdrawn before it goes out again
    (["cancel", "dispatch"], "dispatch"),  # a cancelled task stays cancelled
])
def test_every_step_not_in_the_rules_is_refused_and_changes_nothing(store, people, steps, refused):
    code = ask(store)
    actions = {"dispatch": lambda: store.dispatch(code, people.desk), "take": lambda: store.take(code, people.li),
               "finish": lambda: store.finish(code, people.li), "rate": lambda: store.rate(code, 4),
               "cancel": lambda: store.cancel(code, people.desk, "duplicate")}
    for step in steps[:-1]:
        actions[step]()
    before = store.events_frame()
    with pytest.raises((TaskStateError, NotAllowedError)) as caught:
        actions[refused]()
    assert caught.value.localized("zh") != caught.value.key
    assert len(store.events_frame()) == len(before)


def test_a_volunteer_cannot_cancel_and_a_resident_cancels_with_their_own_reason(store, people):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    with pytest.raises(TaskStateError):
        store.cancel(code, Actor.of(people.li), "other")
    store.cancel(code, Actor.resident(), "duplicate")
    status = store.status(code)
    assert status.state is TaskState.CANCELLED and status.cancel_reason == "resident_withdrew"


def test_a_finished_task_earns_its_categorys_points_and_a_good_rating_the_bonus(database_url, tmp_path, clock):  # noqa: F811
    rules = PointsRules({c: 1 for c in TaskCategory} | {TaskCategory.REPAIR: 5}, good_rating_stars=4,
                        good_rating_bonus=2)
    store = TaskStore(database_url, photos_dir=tmp_path, clock=clock, points=rules)
    desk = store.add_account("dispatcher", "zhang", community_code=TAOTING, password_hash=FAST_HASH)
    li = store.add_account("volunteer", "li", community_code=TAOTING, password_hash=FAST_HASH)
    earned = []
    for category, stars in (("repair", 5), ("repair", 3), ("meal", 4), ("meal", None)):
        code = ask(store, category=category)
        store.dispatch(code, Actor.of(desk))
        store.take(code, li)
        store.finish(code, li)
        if stars:
            store.rate(code, stars)
        earned.append(store.card(code, Actor.of(li)).points)
    assert earned == [5 + 2, 5, 1 + 2, 1]
    assert store.tasks_frame()["points"].tolist() == earned
    store.close()


def test_a_finish_photo_is_stored_without_metadata_and_an_unreadable_one_changes_nothing(store, people):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    with pytest.raises(InvalidTaskError) as caught:
        store.finish(code, people.li, photo=b"\xff\xd8 not a photo")
    assert caught.value.key == "task_error_photo_unreadable" and store.status(code).state is TaskState.TAKEN
    store.finish(code, people.li, photo=phone_photo(), note="放在门口")
    name = store.status(code).photo
    stored = store.photos.read(name)
    assert piexif.load(stored)["GPS"] == {} and b"RiderPhone" not in stored
    assert store.card(code, people.desk).photo == name


def test_an_invitation_registers_volunteers_of_its_community_until_used_up_or_expired(store, people, clock):
    invitation = store.invite(TAOTING, created_by="zhang", uses=2, valid_days=7)
    first = store.register_volunteer(invitation.code.lower(), "chen", password="password-2", shown_name="陈师傅")
    assert (first.community_code, first.shown_name, first.role.value) == (TAOTING, "陈师傅", "volunteer")
    with pytest.raises(AccountError, match="taken"):
        store.register_volunteer(invitation.code, "chen", password="password-2")  # uses nothing up
    store.register_volunteer(invitation.code, "sun", password="password-3")
    with pytest.raises(AccountError, match="used up"):
        store.register_volunteer(invitation.code, "zhou", password="password-4")
    later = store.invite(TAOTING, created_by="zhang", uses=5, valid_days=1)
    clock.advance(days=1, seconds=1)
    with pytest.raises(AccountError, match="expired"):
        store.register_volunteer(later.code, "wu", password="password-5")
    with pytest.raises(AccountError, match="at least 8"):
        store.register_volunteer(store.invite(TAOTING, created_by="zhang").code, "wu", password="short")
    with pytest.raises(AccountError, match="plain text"):
        store.register_volunteer(store.invite(TAOTING, created_by="zhang").code, "<b>wu</b>", password="password-5")
    assert [a.name for a in store.accounts(role="volunteer", community_code=TAOTING)] == ["chen", "li", "sun", "wang"]


@pytest.mark.parametrize("name", ["", " ", "a" * 21, "l\x85i", "{{7*7}}", "wang\u202e", "x\ny"])
def test_a_name_that_is_not_plain_text_is_refused(store, name):
    with pytest.raises(AccountError):
        store.add_account("volunteer", name, community_code=TAOTING, password_hash=FAST_HASH)
    assert store.accounts() == []


def test_a_sign_in_name_is_the_towns_not_the_communitys(store):
    store.add_account("volunteer", "li", community_code=TAOTING, password_hash=FAST_HASH)
    with pytest.raises(AccountError, match="taken"):
        store.add_account("dispatcher", "li", community_code=QILONG, password_hash=FAST_HASH)


def test_the_volunteers_list_has_their_tasks_offers_and_the_open_ones_nearest_first(store, people):
    offered = ask(store)
    store.dispatch(offered, people.desk, to="li")
    near = ask(store, lon=PLACE[0] + 0.002, lat=PLACE[1])
    far = ask(store, lon=PLACE[0] + 0.03, lat=PLACE[1] + 0.01)
    community_only = ask(store, place_source="community", lon=None, lat=None)
    for code in (far, near, community_only):
        store.dispatch(code, people.desk)
    mine = ask(store)
    store.dispatch(mine, people.desk)
    store.take(mine, people.li)
    centres = {TAOTING: (PLACE[0] + 0.01, PLACE[1])}
    board = store.volunteer_board(people.li, at=PLACE, centres=centres)
    assert [c.code for c in board.mine] == [mine] and board.mine[0].contact == CONTACT
    assert [c.code for c in board.offered] == [offered] and board.offered[0].contact is None
    assert [c.code for c in board.open] == [near, community_only, far]
    # a task with only its community and no known centre comes last
    assert [c.code for c in store.volunteer_board(people.li, at=PLACE).open] == [near, far, community_only]
    # distances to the ~500 m area of a task, never to its exact place
    assert board.distances_m[near] == pytest.approx(float(ellipsoidal_distance_m(*PLACE, *board.open[0].area)))
    assert all(c.lonlat is None and c.contact is None and c.note == NOTE for c in board.open)
    wang = store.volunteer_board(people.wang, at=PLACE)
    assert offered not in [c.code for c in (*wang.offered, *wang.open)] and wang.mine == ()


def test_a_phone_stays_signed_in_until_it_signs_out_the_token_expires_or_the_volunteer_is_removed(store, people, clock):
    token = store.remember(people.li, days=30)
    assert store.recall(token) == people.li and store.recall(token + "x") is None and store.recall(None) is None
    with store.engine.connect() as connection:
        assert token not in str(connection.execute(text("SELECT * FROM task_sign_ins")).all())  # only its hash
    store.forget(token)
    assert store.recall(token) is None
    later = store.remember(people.li, days=30)
    clock.advance(days=30, seconds=1)
    assert store.recall(later) is None
    store.purge_expired()
    assert _rows(store, "task_sign_ins") == 0
    third = store.remember(people.wang)
    store.set_active("wang", False)
    assert store.recall(third) is None


def test_a_volunteer_is_told_for_a_day_when_a_task_they_had_is_cancelled(store, people, clock):
    code = ask(store)
    store.dispatch(code, people.desk)
    store.take(code, people.li)
    store.cancel(code, Actor.resident(), "other")
    board = store.volunteer_board(people.li)
    assert [c.code for c in board.cancelled] == [code] and board.mine == ()
    assert board.cancelled[0].cancel_reason == "resident_withdrew" and board.cancelled[0].contact is None
    assert store.volunteer_board(people.wang).cancelled == ()
    clock.advance(days=1, seconds=1)
    assert store.volunteer_board(people.li).cancelled == ()
