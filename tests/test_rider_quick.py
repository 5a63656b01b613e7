"""The quick rider answer (geo.rider.quick) is answer_rider's, made from the register snapshot:
the oracle is answer_rider itself, serialised, for riders anywhere in and around town, at any
hour of the week, for every mode, amenity choice and count."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.rider.answer import PARKING_TYPES, REST_TYPES, answer_rider
from geo.rider.page import RIDER_AMENITIES
from geo.rider.quick import quick_answer
from geo.rider.serialise import answer_payload
from geo.rider.snapshot import load_snapshot

MONDAY = datetime(2026, 11, 30)


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot()


def oracle(snapshot, lon, lat, *, mode, amenities, open_now, k, moment):
    answer = answer_rider(snapshot.stations, lon, lat, station_types=PARKING_TYPES if mode == "parking" else REST_TYPES,
                          amenities=amenities, open_now=open_now, moment=moment, k=k)
    return answer_payload(answer, lon=lon, lat=lat, moment=moment, mode=mode, amenities=amenities, open_now=open_now,
                          k=k, register_version=snapshot.version)


@settings(max_examples=150, deadline=None)
@given(lon=st.floats(116.74, 116.96), lat=st.floats(30.65, 30.80), minutes=st.integers(0, 7 * 24 * 60 - 1),
       mode=st.sampled_from(["rest", "parking"]),
       amenities=st.lists(st.sampled_from(RIDER_AMENITIES), max_size=3, unique=True),
       open_now=st.booleans(), k=st.sampled_from([1, 3, 5, 10, 20]))
def test_the_quick_answer_is_answer_riders(snapshot, lon, lat, minutes, mode, amenities, open_now, k):
    moment = MONDAY + timedelta(minutes=minutes)
    amenities = amenities if mode == "rest" else []
    kwargs = {"mode": mode, "amenities": amenities, "open_now": open_now, "k": k, "moment": moment}
    assert quick_answer(snapshot, lon, lat, **kwargs) == oracle(snapshot, lon, lat, **kwargs)


@pytest.mark.parametrize("moment", [datetime(2026, 11, 28, 23, 30), datetime(2026, 11, 28, 7, 59),
                                    datetime(2026, 11, 30, 17, 25)])
def test_the_never_empty_cases_match_too(snapshot, moment):
    for amenities in ([], ["toilet"], ["wifi", "charger"]):
        kwargs = {"mode": "rest", "amenities": amenities, "open_now": True, "k": 3, "moment": moment}
        assert quick_answer(snapshot, 116.8236, 30.7374, **kwargs) == oracle(snapshot, 116.8236, 30.7374, **kwargs)
