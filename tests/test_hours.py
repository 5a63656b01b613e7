"""Opening hours in Gaohe's local time."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from geo.hours import opening_state, to_local_time

SATURDAY = datetime(2026, 11, 28)  # a Saturday


def at(hour: int, minute: int = 0, day: datetime = SATURDAY) -> datetime:
    return day.replace(hour=hour, minute=minute)


def test_open_inside_the_hours_with_the_closing_time_next():
    state = opening_state("Mo-Su 08:00-20:00", at(9, 30))
    assert state.is_open and state.next_change == at(20)


def test_closed_before_opening_with_the_opening_time_next():
    state = opening_state("Mo-Su 08:00-20:00", at(7, 59))
    assert not state.is_open and state.next_change == at(8)


def test_weekday_only_hours_are_closed_on_saturday_and_reopen_on_monday():
    state = opening_state("Mo-Fr 08:30-17:30", at(10))
    assert not state.is_open
    assert state.next_change == datetime(2026, 11, 30, 8, 30)


def test_hours_crossing_midnight_are_open_after_midnight():
    assert opening_state("Mo-Su 22:00-02:00", at(1)).is_open
    assert opening_state("Mo-Su 22:00-02:00", at(23)).is_open
    assert not opening_state("Mo-Su 22:00-02:00", at(3)).is_open


def test_a_lunch_break_closes_the_station():
    assert not opening_state("Mo-Fr 08:30-12:00,14:30-17:30", datetime(2026, 11, 30, 13)).is_open


def test_always_open_never_changes():
    state = opening_state("24/7", at(3))
    assert state.is_open and state.next_change is None


def test_an_aware_time_is_read_in_asia_shanghai():
    utc_0130 = datetime(2026, 11, 28, 1, 30, tzinfo=timezone.utc)  # 09:30 in Gaohe
    assert to_local_time(utc_0130) == at(9, 30)
    assert opening_state("Mo-Su 08:00-09:00", utc_0130).is_open is False
    assert opening_state("Mo-Su 09:00-10:00", utc_0130).is_open is True
    tokyo = datetime(2026, 11, 28, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # also 09:30 in Gaohe
    assert to_local_time(tokyo) == at(9, 30)
