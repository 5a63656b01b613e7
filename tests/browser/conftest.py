"""Browser tests: the real app in headless Debian Chromium, every external request blocked.

Screenshots are saved under ``test-results/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}

#: Reruns of a failed browser test, as Playwright's own test runner does on CI: a browser driving
#: a Streamlit server on two shared cores has timing races a person never sees (a box drawn before
#: its contents). A rerun shows as R in the summary, so a test that needed one is still seen.
BROWSER_RERUNS = int(os.environ.get("GAOHE_BROWSER_RERUNS", "2"))


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS, reruns_delay=2))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_app(extra_env: dict[str, str] | None = None, *, extra_args: tuple[str, ...] = (), scheme: str = "http"):
    """Start the app as ``scripts/run-app.sh`` does (``serve.py``: local tiles, compressed
    assets, warm-up) in its own process group on a free port; yield its URL once it has warmed
    up; stop it. ``scheme="https"`` with ``--server.sslCertFile``/``--server.sslKeyFile`` in
    ``extra_args`` serves TLS."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         *extra_args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, **(extra_env or {})},
    )
    url = f"{scheme}://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    # a self-made certificate in the https tests: the health probe does not check it
    probe_context = ssl._create_unverified_context() if scheme == "https" else None
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/ready", timeout=2, context=probe_context) as response:
                if response.status == 200:
                    break
        except OSError:  # refused while starting, 503 while warming up
            if time.monotonic() > deadline or process.poll() is not None:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail("the Streamlit app did not start and warm up within 120 s")
            time.sleep(0.5)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def app_url():
    yield from serve_app()


@pytest.fixture(scope="module")
def editable_app(tmp_path_factory):
    """The app on a copy of the register, with one editor (wang / secret-pw): ``(url, path)``."""
    import shutil

    from geo.auth import hash_password

    folder = tmp_path_factory.mktemp("register")
    register = folder / "stations.geojson"
    shutil.copy(ROOT / "data" / "stations.geojson", register)
    env = {"GAOHE_STATIONS": str(register), "GAOHE_EDITORS": f"wang:{hash_password('secret-pw', iterations=1000)}"}
    for url in serve_app(env):
        yield url, register


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


class BlockedRequests(list):
    """External URLs the page tried to fetch (all were refused)."""


def _open_context(browser, app_url: str, viewport: dict, blocked: BlockedRequests):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")

    def route(route):
        url = route.request.url
        if url.startswith(app_url) or url.startswith("data:") or url.startswith("blob:") or url.startswith("about:"):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)
    return context


@pytest.fixture
def blocked_requests() -> BlockedRequests:
    return BlockedRequests()


def _page(browser, app_url, blocked_requests, viewport):
    context = _open_context(browser, app_url, viewport, blocked_requests)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_page(browser, app_url, blocked_requests):
    yield from _page(browser, app_url, blocked_requests, DESKTOP)


@pytest.fixture
def phone_page(browser, app_url, blocked_requests):
    yield from _page(browser, app_url, blocked_requests, PHONE)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


MAP_READY_JS = "() => window.map && document.querySelectorAll('.leaflet-marker-icon').length > 0"


def map_frame(page, ready_js: str = MAP_READY_JS, timeout_ms: int = 30_000):
    """The map's iframe, once Leaflet has built the map inside it and ``ready_js`` holds.

    A rerun may replace the iframe while we wait (Streamlit re-mounts the component when its
    arguments change), so a detached frame is looked up again.
    """
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            page.wait_for_selector(MAP_FRAME, timeout=timeout_ms)
            element = page.query_selector(MAP_FRAME)
            handle = element.content_frame() if element else None
            if handle is None:  # between reruns: the iframe is being replaced
                raise Error("map iframe detached")
            handle.wait_for_function(
                ready_js,
                timeout=max(1, int((deadline - time.monotonic()) * 1000)),
            )
            return page.frame_locator(MAP_FRAME), handle
        except Error as err:
            if "detached" not in str(err) or time.monotonic() > deadline:
                raise
            page.wait_for_timeout(200)


def wait_for_app_idle(page, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished the rerun an interaction started."""
    page.wait_for_timeout(300)  # let the rerun begin
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )


def settle(page, timeout_ms: int = 120_000) -> None:
    """Wait for the rerun an interaction starts (it may take a moment to begin) to finish: a
    download button clicked during a rerun belongs to the old page and downloads nothing."""
    try:
        page.wait_for_selector('[data-testid="stStatusWidget"]', timeout=1_500)
    except Exception:  # noqa: BLE001 - a quick rerun may come and go unseen
        pass
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=timeout_ms)
    page.wait_for_timeout(500)


def choose_option(page, combobox, option_name: str, attempts: int = 3) -> None:
    """Pick an option of a Streamlit select box, opening it again if a rerun closed it."""
    for attempt in range(attempts):
        wait_for_app_idle(page)
        combobox.click()
        option = page.get_by_role("option", name=option_name)
        try:
            option.click(timeout=5_000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise
