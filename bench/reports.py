"""Benchmark: rider reports filed per second, sustained, on the embedded SQLite database.

    .venv/bin/python bench/reports.py [--seconds 8] [--writers 1 4 16] [--repeat 3]

Each run starts from an empty database (WAL, synchronous=FULL: a confirmed report is on disk)
and lets ``writers`` threads file hazard reports with a note through ``ReportStore.file_hazard``
(validation, reference code, report + filing event in one transaction) for ``seconds``; the
peer is the same two rows written with bare ``sqlite3`` in one ``BEGIN IMMEDIATE`` transaction
per report, same pragmas — the floor set by SQLite's commit itself. A photo run measures the
photo cleaning (a 12-megapixel phone JPEG with EXIF, decoded, re-encoded, stored) separately.
Prints medians of the repeats and the ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from geo.feedback.store import ReportStore, new_reference  # noqa: E402


def _run_threads(writers: int, seconds: float, work) -> int:  # noqa: ANN001
    done = [0] * writers
    stop = time.monotonic() + seconds

    def loop(slot: int) -> None:
        n = 0
        while time.monotonic() < stop:
            work(slot, n)
            n += 1
        done[slot] = n

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done)


def ours(writers: int, seconds: float) -> float:
    with tempfile.TemporaryDirectory() as folder:
        store = ReportStore(f"sqlite:///{folder}/reports.sqlite3", photos_dir=f"{folder}/photos")
        count = _run_threads(writers, seconds, lambda slot, n: store.file_hazard(
            category="sanitation", lon=116.83 + slot * 1e-4, lat=30.74 + n * 1e-7, note=f"垃圾堆放 {slot}-{n}"))
        assert len(store.reports_frame()) == count
        store.close()
    return count / seconds


def peer(writers: int, seconds: float) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/reports.sqlite3"
        ReportStore(f"sqlite:///{path}", photos_dir=folder).close()  # same schema
        local = threading.local()

        def work(slot: int, n: int) -> None:
            if not hasattr(local, "db"):
                local.db = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
                for pragma in ("busy_timeout = 10000", "journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
                    local.db.execute(f"PRAGMA {pragma}")
            now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ")
            db = local.db
            db.execute("BEGIN IMMEDIATE")
            cursor = db.execute("INSERT INTO reports (reference, kind, subject, lon, lat, note, state, created_at, "
                                "updated_at) VALUES (?, 'hazard', 'sanitation', ?, ?, ?, 'new', ?, ?)",
                                (new_reference(), 116.83 + slot * 1e-4, 30.74 + n * 1e-7, f"垃圾堆放 {slot}-{n}", now, now))
            db.execute("INSERT INTO report_events (report_id, to_state, at) VALUES (?, 'new', ?)", (cursor.lastrowid, now))
            db.execute("COMMIT")

        count = _run_threads(writers, seconds, work)
    return count / seconds


def photo_run(count: int) -> tuple[float, int, int]:
    import piexif
    from PIL import Image

    image = Image.frombytes("RGB", (4032, 3024), os.urandom(4032 * 3024 * 3)).resize((4032, 3024))
    raw = io.BytesIO()
    exif = piexif.dump({"GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (0, 1))}})
    Image.new("RGB", (4032, 3024), (90, 120, 60)).save(raw, "JPEG", quality=92, exif=exif)
    blended = Image.blend(image, Image.open(io.BytesIO(raw.getvalue())), 0.7)
    raw = io.BytesIO()
    blended.save(raw, "JPEG", quality=92, exif=exif)
    content = raw.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        store = ReportStore(f"sqlite:///{folder}/reports.sqlite3", photos_dir=f"{folder}/photos")
        started = time.perf_counter()
        for n in range(count):
            store.file_hazard(category="fire_safety", lon=116.83, lat=30.74, note=str(n), photo=content)
        elapsed = time.perf_counter() - started
        stored = sum(p.stat().st_size for p in Path(folder, "photos").rglob("*.jpg"))
        store.close()
    return count / elapsed, len(content), stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--photos", type=int, default=10, help="reports with a 12 MP photo (0: skip)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, {platform.platform()}")
    print(f"{'writers':>8} {'ours reports/s':>15} {'bare sqlite3/s':>15} {'ratio':>7}")
    for writers in args.writers:
        ours_rates = [ours(writers, args.seconds) for _ in range(args.repeat)]
        peer_rates = [peer(writers, args.seconds) for _ in range(args.repeat)]
        a, b = statistics.median(ours_rates), statistics.median(peer_rates)
        print(f"{writers:>8} {a:>15.0f} {b:>15.0f} {a / b:>7.2f}")
    if args.photos:
        rate, size_in, size_out = photo_run(args.photos)
        print(f"with a 12 MP JPEG photo ({size_in / 1e6:.1f} MB, EXIF GPS): {rate:.1f} reports/s, one thread; "
              f"stored {size_out / args.photos / 1e3:.0f} kB per photo")


if __name__ == "__main__":
    main()
