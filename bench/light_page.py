"""The light rider page ``/m`` beside the Streamlit rider page ``/rider``, as a phone on 4G sees
them: Lighthouse (mobile defaults: simulated Slow 4G, 150 ms RTT, 1.6 Mbps, 4x CPU slowdown)
on ``/m?at=116.8236,30.7374`` and ``/rider?at=116.8236,30.7374`` in turns, in one run, and the
bytes of a first visit and of a repeat visit counted on the wire (a TCP proxy in front of the
app counts every byte the server sends, service worker and websocket included).

Targets from issue 17: score >= 90, LCP <= 2.5 s, TBT <= 200 ms, CLS <= 0.1, first load <= 300 KB,
repeat visit <= 30 KB. One fresh server (``streamlit run serve.py``, as ``scripts/run-app.sh``)
with the app's own map tiles (a generated tile set), so no request leaves the machine.

    npm install --prefix /some/folder lighthouse@12      # outside the repository
    .venv/bin/python bench/light_page.py --lighthouse /some/folder/node_modules/.bin/lighthouse [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
AT = "116.8236,30.7374"
PAGES = {"light /m": f"/m?at={AT}", "Streamlit /rider": f"/rider?at={AT}"}
PHONE = {"width": 390, "height": 844}
ANSWER_SHOWN = {
    "light /m": "() => document.querySelectorAll('#answer .card').length > 0 && document.body.classList.contains('map-ready')",
    "Streamlit /rider": "() => Array.from(document.querySelectorAll('[data-testid=\"stLinkButton\"] a'))"
                        ".some(a => a.innerText.trim().startsWith('导航') && a.getBoundingClientRect().height > 0)",
}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = _port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, **env})
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ready", timeout=2):
                return process, port
        except (urllib.error.HTTPError, OSError):
            if time.monotonic() - started > 120:
                os.killpg(process.pid, signal.SIGKILL)
                raise SystemExit("the server did not become ready in 120 s") from None
            time.sleep(0.5)


class CountingProxy:
    """A TCP proxy on loopback that counts the bytes the server sends to the browser."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = _port()
        self.sent = 0
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result()

    async def _start(self) -> None:
        await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _pipe(self, reader, writer, count: bool) -> None:
        try:
            while data := await reader.read(65536):
                if count:
                    self.sent += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pipe(client_reader, server_writer, False),
                             self._pipe(server_reader, client_writer, True))


def lighthouse(binary: str, url: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    subprocess.run([binary, url, "--only-categories=performance", "--output=json", f"--output-path={path}",
                    "--quiet", "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
                    "--disable-background-networking --disable-dev-shm-usage"],
                   env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, check=True, capture_output=True, timeout=300)
    report = json.loads(Path(path).read_text())
    os.unlink(path)
    audits = report["audits"]
    return {"score": round(report["categories"]["performance"]["score"] * 100),
            "fcp_s": audits["first-contentful-paint"]["numericValue"] / 1000,
            "lcp_s": audits["largest-contentful-paint"]["numericValue"] / 1000,
            "tbt_ms": audits["total-blocking-time"]["numericValue"],
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "kb": audits["total-byte-weight"]["numericValue"] / 1024}


def wire_bytes(proxy: CountingProxy, chromium, name: str) -> tuple[float, float]:
    """KB the server sends for a first visit and for a repeat visit of one phone (same browser
    profile: its HTTP cache and, for /m, its service worker)."""
    url = f"http://127.0.0.1:{proxy.port}{PAGES[name]}"
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    proxy.sent = 0
    page.goto(url)
    page.wait_for_function(ANSWER_SHOWN[name], timeout=120_000)
    if name == "light /m":
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(2000)
    first = proxy.sent
    page.close()
    again = context.new_page()  # the rider opens the page again later
    proxy.sent = 0
    again.goto(url)
    again.wait_for_function(ANSWER_SHOWN[name], timeout=120_000)
    again.wait_for_load_state("networkidle")
    again.wait_for_timeout(2000)
    repeat = proxy.sent
    context.close()
    return first / 1024, repeat / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lighthouse", required=True, help="the lighthouse command (npm lighthouse@12)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from tile_fixtures import write_folder

    tiles = write_folder(Path(tempfile.mkdtemp()) / "tiles")
    process, port = start_server({"GAOHE_TILES": str(tiles), "GAOHE_BASEMAPS": "local,none"})
    try:
        proxy = CountingProxy(port)
        for path in PAGES.values():  # the server's own warm-up aside, open each page once
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read()
        results: dict[str, list[dict]] = {name: [] for name in PAGES}
        print(f"Lighthouse (mobile, simulated Slow 4G) x{args.rounds} rounds, pages in turn; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} shared cores", flush=True)
        for round_number in range(args.rounds):
            for name, path in PAGES.items():
                result = lighthouse(args.lighthouse, f"http://127.0.0.1:{port}{path}")
                results[name].append(result)
                print(f"  round {round_number + 1} {name:<17} score {result['score']:>3}  FCP {result['fcp_s']:.1f} s  "
                      f"LCP {result['lcp_s']:.1f} s  TBT {result['tbt_ms']:.0f} ms  CLS {result['cls']:.3f}  "
                      f"{result['kb']:.0f} KB", flush=True)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                  args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
            wire = {name: [wire_bytes(proxy, chromium, name) for _ in range(args.rounds)] for name in PAGES}
            chromium.close()

        def median(name: str, key: str) -> float:
            return statistics.median(r[key] for r in results[name])

        def spread(name: str, key: str, fmt: str) -> str:
            values = [r[key] for r in results[name]]
            return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}-{format(max(values), fmt)})"

        print("\nmedians (range) of the rounds")
        print(f"{'':<22}{'light /m':>24}{'Streamlit /rider':>26}{'target':>12}")
        rows = [("Lighthouse score", "score", ".0f", ">= 90"), ("first paint FCP (s)", "fcp_s", ".2f", ""),
                ("largest paint LCP (s)", "lcp_s", ".2f", "<= 2.5"), ("blocking TBT (ms)", "tbt_ms", ".0f", "<= 200"),
                ("layout shift CLS", "cls", ".3f", "<= 0.1"), ("Lighthouse bytes (KB)", "kb", ".0f", "")]
        for label, key, fmt, target in rows:
            print(f"{label:<22}{spread('light /m', key, fmt):>24}{spread('Streamlit /rider', key, fmt):>26}{target:>12}")
        for index, label, target in ((0, "first visit on the wire (KB)", "<= 300"), (1, "repeat visit (KB)", "<= 30")):
            cells = []
            for name in PAGES:
                values = [w[index] for w in wire[name]]
                cells.append(f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})")
            print(f"{label:<22}{cells[0]:>24}{cells[1]:>26}{target:>12}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
