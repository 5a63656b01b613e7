"""Benchmark: the planner pages with a real-size demand file, as a planner uses them in a browser.

    .venv/bin/python bench/planner_pages.py [--points 100000] [--repeat 3] [--screenshots DIR]

Makes a demand CSV the way Chinese Excel saves one (GBK, headers 编号,经度,纬度,人数,备注; seven
clusters around the urban area, 1-5 people per point), starts the app on a free port and drives
headless Chromium (Debian's /usr/bin/chromium, every external request blocked). Each interaction
is timed from the click until Streamlit has finished the rerun it started and the page shows the
new state (for downloads: until the file arrives). Prints the median and the range of
``--repeat`` runs next to the target: < 1 s for interactions that do not change the analysis
inputs, < 5 s for a new radius or number of sites. Uploading is timed once (the file is read and
everything is computed for the first time).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
#: Radii (m) the benchmark moves to, each new to the caches (a cached radius would answer at once).
NEW_RADII_M = (900, 1100, 800, 1200, 700, 1300)
IDLE_JS = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"

#: Cluster centres (WGS-84) and spreads (degrees) of the synthetic riders.
CLUSTERS = ((116.8236, 30.7374), (116.835, 30.745), (116.81, 30.73), (116.80, 30.75), (116.845, 30.725),
            (116.79, 30.72), (116.86, 30.76))


def make_demand_csv(path: Path, points: int, *, seed: int = 11) -> Path:
    """A GBK demand file like a planner's sheet saved from Excel (see the module docstring)."""
    rng = np.random.default_rng(seed)
    centres = np.array(CLUSTERS)
    which = rng.integers(0, len(centres), points)
    pd.DataFrame({
        "编号": np.arange(1, points + 1),
        "经度": (centres[which, 0] + rng.normal(0, 0.008, points)).round(6),
        "纬度": (centres[which, 1] + rng.normal(0, 0.006, points)).round(6),
        "人数": rng.integers(1, 6, points),
        "备注": "骑手等单点",
    }).to_csv(path, index=False, encoding="gbk")
    return path


def start_app() -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("the app did not start")


def wait_idle(page, timeout_ms: int = 300_000) -> None:
    # a rerun shows the status widget within a few hundred ms; then wait for it to go
    try:
        page.wait_for_selector('[data-testid="stStatusWidget"]', timeout=700)
    except Exception:  # noqa: BLE001 - a fast rerun may come and go before we look
        pass
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


def timed(action, page, done=None) -> float:
    start = time.perf_counter()
    action()
    wait_idle(page)
    if done is not None:
        done()
    return time.perf_counter() - start


def metric(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]', has_text=label).first.locator(
        '[data-testid="stMetricValue"]').inner_text()


def changed(page, label: str, before: str):
    return lambda: page.wait_for_function(
        "([label, before]) => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".find(e => e.innerText.includes(label)); return m && !m.innerText.includes(before); }",
        arg=[label, before], timeout=300_000)


def download(page, name: str) -> float:
    start = time.perf_counter()
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name=name).click()
    info.value.path()
    return time.perf_counter() - start


def choose(page, combobox_label: str, option: str, attempts: int = 3) -> None:
    """Pick an option of a select box, opening it again if a rerun closed it."""
    for attempt in range(attempts):
        page.get_by_label(combobox_label).click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - retried, then raised
            if attempt == attempts - 1:
                raise


def open_and_upload(page, url: str, name: str, demand: Path) -> float:
    """Open a planner page, choose "upload demand", and time the upload until the figures under
    the metrics name the file (they are drawn after the analysis)."""
    page.goto(f"{url}/{name}")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=300_000)
    wait_idle(page)
    page.get_by_text("上传需求点(CSV/GeoJSON)").click()
    wait_idle(page)

    def upload() -> None:
        page.locator(f".st-key-{name}_demand input[type=file]").set_input_files(str(demand))

    def uploaded() -> None:
        page.get_by_text("需求:上传文件").first.wait_for(timeout=300_000)
        wait_idle(page)

    return timed(upload, page, uploaded)


def open_carried(page, url: str, name: str) -> float:
    """Open a planner page in the app's navigation (the session keeps the demand file uploaded
    on the other page) and time it until the figures name the file."""
    def navigate() -> None:
        page.locator(f'a[href$="/{name}"]').first.click()  # the top navigation

    def shown() -> None:
        page.get_by_text("需求:上传文件").first.wait_for(timeout=300_000)
        wait_idle(page)

    return timed(navigate, page, shown)


def run(args: argparse.Namespace) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds)
        print(f"  {name:<58} {seconds:6.2f} s", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        demand = make_demand_csv(Path(folder) / "骑手分布_100k.csv", args.points)
        process, url = start_app()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                              accept_downloads=True)
                context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url)
                              or route.request.url.startswith(("data:", "blob:")) else route.abort())
                page = context.new_page()
                shots = Path(args.screenshots) if args.screenshots else None

                print(f"coverage page, {args.points:,} demand points")
                record("coverage: upload, read and compute (first time)", open_and_upload(page, url, "coverage", demand))
                page.get_by_label("服务半径").click()
                page.get_by_role("option", name="自定义(米)").click()
                wait_idle(page)
                custom = page.get_by_label("半径(米)")
                for i in range(args.repeat):
                    before = metric(page, "覆盖比例")
                    metres = NEW_RADII_M[i % len(NEW_RADII_M)]  # a radius not computed before
                    record("coverage: change the radius", timed(lambda: (custom.fill(str(metres)), custom.press("Enter")),
                                                                page, changed(page, "覆盖比例", before)))
                    page.get_by_text("更多选项").click()
                    # whichever basemap is not chosen now (which ones are offered depends on the deployment)
                    other = page.locator(".st-key-coverage_basemap label").filter(has_not=page.locator("input:checked"))
                    record("coverage: switch the basemap (inputs unchanged)", timed(lambda: other.first.click(), page))
                    page.get_by_text("更多选项").click()
                    record("coverage: download the figures CSV (inputs unchanged)", download(page, "统计表 CSV"))
                    record("coverage: rerun with nothing changed (e.g. a download that reruns)",
                           timed(lambda: page.keyboard.press("r"), page))
                if shots:
                    page.screenshot(path=str(shots / "bench_coverage_100k.png"), full_page=True)

                print(f"gap-analysis page, {args.points:,} demand points")
                record("gaps: open with the file uploaded on coverage, solve (first time)", open_carried(page, url, "gaps"))
                slider = page.get_by_role("slider")
                for i in range(args.repeat):
                    before = metric(page, "加上推荐新站")
                    slider.focus()
                    # 3 -> 4 -> 5 ...: a number of sites not solved before
                    record("gaps: change the number of new sites",
                           timed(lambda: page.keyboard.press("ArrowRight"), page, changed(page, "加上推荐新站", before)))
                    before = metric(page, "现状覆盖")
                    radius_box = page.get_by_label("半径(米)")
                    metres = NEW_RADII_M[i % len(NEW_RADII_M)]
                    record("gaps: change the radius",
                           timed(lambda: (radius_box.fill(str(metres)), radius_box.press("Enter")),
                                 page, changed(page, "现状覆盖", before)))
                    datum = "GCJ-02 (高德/腾讯)" if i % 2 == 0 else "WGS-84 (GPS/OSM)"
                    record("gaps: switch the export datum (inputs unchanged)",
                           timed(lambda: page.locator(".st-key-gaps_export_datum").get_by_text(datum).click(), page))
                    record("gaps: download the recommended sites CSV (inputs unchanged)",
                           download(page, "推荐站址 CSV"))
                    record("gaps: rerun with nothing changed (e.g. a download that reruns)",
                           timed(lambda: page.keyboard.press("r"), page))
                    language = "English" if i % 2 == 0 else "中文"
                    record("gaps: switch the language (inputs unchanged)",
                           timed(lambda: page.get_by_text(language, exact=True).click(), page))
                    if language == "English":
                        page.get_by_text("中文", exact=True).click()
                        wait_idle(page)
                if shots:
                    page.screenshot(path=str(shots / "bench_gaps_100k.png"), full_page=True)
                browser.close()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--screenshots", help="save full-page screenshots here")
    args = parser.parse_args()
    times = run(args)
    print(f"\nmedians of {args.repeat} runs (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"{'interaction':<62} {'median':>7} {'range':>15}  target")
    for name, values in times.items():
        target = "< 5 s" if "radius" in name or "number of new sites" in name else (
            "-" if "first time" in name else "< 1 s")
        print(f"{name:<62} {statistics.median(values):6.2f}s {min(values):6.2f}-{max(values):5.2f} s  {target}")


if __name__ == "__main__":
    main()
