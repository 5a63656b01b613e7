"""Shared pieces of the volunteer-task tests: a clock the test moves, a store on each backend
(``database_url`` from :mod:`tests.reports_backends`), the people of two communities, requests."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import piexif
import pytest
from PIL import Image

from geo.auth import hash_password
from geo.tasks.accounts import Actor
from geo.tasks.store import TaskStore

TAOTING = "340822100004"  # 陶亭社区
QILONG = "340822100008"  # 骑龙社区
#: A place in the town (WGS-84), near the county seat.
PLACE = (116.8236, 30.7374)
CONTACT = "王奶奶 139 1234 5678"
NOTE = "降压药在人民医保药房取,已付款"
#: 10:00 in Gaohe on a November Tuesday.
START = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
FAST_HASH = hash_password("password-1", iterations=1000)


class Clock:
    """The store's clock, moved by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class People:
    """A dispatcher and two volunteers of 陶亭, a dispatcher and a volunteer of 骑龙."""

    def __init__(self, store: TaskStore) -> None:
        self.dispatcher = store.add_account("dispatcher", "zhang", community_code=TAOTING, password_hash=FAST_HASH)
        self.li = store.add_account("volunteer", "li", community_code=TAOTING, password_hash=FAST_HASH,
                                    shown_name="小李")
        self.wang = store.add_account("volunteer", "wang", community_code=TAOTING, password_hash=FAST_HASH,
                                      shown_name="老王")
        self.other_dispatcher = store.add_account("dispatcher", "qian", community_code=QILONG,
                                                  password_hash=FAST_HASH)
        self.other_volunteer = store.add_account("volunteer", "zhao", community_code=QILONG, password_hash=FAST_HASH)

    @property
    def desk(self) -> Actor:
        return Actor.of(self.dispatcher)


def ask(store: TaskStore, **changes) -> str:
    """A medicine request in 陶亭 with a contact, from now for two hours; returns its code."""
    now = store.clock()
    request = {"category": "medicine", "community_code": TAOTING, "place_source": "map", "lon": PLACE[0],
               "lat": PLACE[1], "window_start": now, "window_end": now + timedelta(hours=2), "note": NOTE,
               "contact": CONTACT} | changes
    return store.request(**request).code


def phone_photo() -> bytes:
    """A JPEG as a phone makes it: EXIF with the camera and a GPS position."""
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"RiderPhone"},
                        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (0, 1))}})
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (60, 120, 200)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url, tmp_path, clock):
    opened = TaskStore(database_url, photos_dir=tmp_path / "task_photos", clock=clock, retention_days=30)
    yield opened
    opened.close()


@pytest.fixture
def people(store) -> People:
    return People(store)
