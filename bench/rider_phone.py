"""The rider page as a rider meets it, measured in headless Chromium on a 390x844 phone with
every request outside the app blocked (no internet), at night or by day.

Prints: the server's warm-up time, bytes transferred by the first load (Chrome's encoded sizes,
i.e. what crossed the wire) and the requests, the time from opening ``/rider?at=...`` to the first
answer card, the time from a tap on the map to the new answer (median of several taps), and the
page's height. Each run starts a fresh server with ``streamlit run serve.py`` (as
``scripts/run-app.sh`` does) and, for comparison, one with plain ``streamlit run app.py``.

    .venv/bin/python bench/rider_phone.py [--night] [--taps 5] [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"width": 390, "height": 844}
SEAT = (116.82360, 30.73744)
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: A navigation button of an answer card is on screen.
ANSWER_SHOWN_JS = ("() => Array.from(document.querySelectorAll('[data-testid=\"stLinkButton\"] a'))"
                   ".some(a => a.innerText.trim().startsWith('导航') && a.getBoundingClientRect().height > 0)")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(entry: str, env: dict[str, str]) -> tuple[subprocess.Popen, str, float]:
    port = _port()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", entry, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    probe = "/api/ready" if entry == "serve.py" else "/_stcore/health"
    while True:
        try:
            with urllib.request.urlopen(url + probe, timeout=2):
                break
        except (urllib.error.HTTPError, OSError):
            if time.monotonic() - started > 120:
                os.killpg(process.pid, signal.SIGKILL)
                raise SystemExit(f"{entry}: the server did not become ready in 120 s") from None
            time.sleep(0.2)
    return process, url, time.monotonic() - started


def measure(browser, url: str, taps: int, shots: Path | None, label: str) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", device_scale_factor=1,
                                  is_mobile=True, has_touch=True)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith((url, "data:", "blob:", "about:"))
                  else r.abort())
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    started = time.monotonic()
    page.goto(f"{url}/rider?at={SEAT[0]:.5f},{SEAT[1]:.5f}")
    page.wait_for_function(ANSWER_SHOWN_JS, timeout=120_000)
    first_answer_s = time.monotonic() - started
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    bytes_first_load, requests = sum(sizes.values()), len(sizes)
    height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))")
    map_box = page.locator(MAP_FRAME).bounding_box()
    if shots:
        page.screenshot(path=str(shots / f"{label}_first.png"))
        page.screenshot(path=str(shots / f"{label}_full.png"), full_page=True)
    tap_s = []
    for number in range(taps):
        before = page.locator('[data-testid="stMarkdownContainer"] strong').first.inner_text()
        # alternate between two corners of the view so that every tap changes the answer
        fx, fy = (0.2, 0.75) if number % 2 == 0 else (0.8, 0.25)
        box = page.locator(MAP_FRAME).bounding_box()
        tapped = time.monotonic()
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        try:
            page.wait_for_function(
                "(before) => { const s = document.querySelector('[data-testid=\"stMarkdownContainer\"] strong');"
                " return s && s.innerText !== before; }", arg=before, timeout=15_000)
            tap_s.append(time.monotonic() - tapped)
        except Exception:
            tap_s.append(float("nan"))
        page.wait_for_timeout(800)
    if shots:
        page.screenshot(path=str(shots / f"{label}_after_taps.png"))
    context.close()
    return {"first_answer_s": round(first_answer_s, 2), "bytes_first_load": bytes_first_load, "requests": requests,
            "page_height_px": height, "map_top_px": round(map_box["y"]), "map_height_px": round(map_box["height"]),
            "tap_answer_s": [round(s, 2) for s in tap_s],
            "tap_answer_median_s": round(statistics.median([s for s in tap_s if s == s] or [float("nan")]), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--night", action="store_true", help="fix the app's clock at 23:30 (GAOHE_TEST_NOW)")
    parser.add_argument("--taps", type=int, default=5)
    parser.add_argument("--screenshots", type=Path)
    parser.add_argument("--only", choices=["serve.py", "app.py"])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {"GAOHE_TEST_NOW": "2026-11-28T23:30" if args.night else "2026-11-28T10:00"}
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        for entry in [args.only] if args.only else ["serve.py", "app.py"]:
            process, url, ready_s = start_server(entry, env)
            try:
                label = ("night_" if args.night else "day_") + entry.replace(".py", "")
                results[entry] = {"server_ready_s": round(ready_s, 1),
                                  **measure(browser, url, args.taps, args.screenshots, label)}
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
        browser.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
