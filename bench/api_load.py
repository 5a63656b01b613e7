"""The open API under load on this machine (loopback), beside the Streamlit rider page.

1. ``GET /api/v1/nearest`` (a random point of the town each request, k = 3) with Debian's ``wrk``
   (closed loop: each connection sends its next request when the last is answered) at several
   numbers of concurrent connections: answers per second, latency percentiles, errors. In a
   closed loop the latency is about connections / throughput (Little's law), so p99 at 200
   connections says how long a queue of 200 takes; at fewer connections it says what one answer
   costs.
2. The same for ``/api/v1/rider`` (the never-empty answer) and for the ``/m`` page itself.
3. Beside it, the Streamlit rider page: N phones (Chromium contexts, each its own session) open
   ``/rider?at=...`` at once; how many have their first answer on screen within 2 s, for growing N;
   and the same for ``/m``. The browsers run on the same two cores as the server: a rough count.

Each run starts a fresh server as ``scripts/run-app.sh`` does (``streamlit run serve.py``).

    .venv/bin/python bench/api_load.py [--duration 15] [--connections 10,50,200] [--phones 1,2,4,8,16]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"width": 390, "height": 844}
ANSWER_SHOWN_JS = ("() => Array.from(document.querySelectorAll('[data-testid=\"stLinkButton\"] a'))"
                   ".some(a => a.innerText.trim().startsWith('导航') && a.getBoundingClientRect().height > 0)")

LUA = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter * 7919)
end
function init(args)
  math.randomseed(seed)
end
request = function()
  local lon = 116.78 + math.random() * 0.13
  local lat = 30.69 + math.random() * 0.07
  return wrk.format("GET", string.format(PATH, lon, lat))
end
"""
PATHS = {
    "nearest": "/api/v1/nearest?lon=%.6f&lat=%.6f&k=3",
    "rider": "/api/v1/rider?lon=%.6f&lat=%.6f",
    "m page": "/m?at=%.6f,%.6f",
}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = _port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url + "/api/ready", timeout=2):
                return process, url
        except (urllib.error.HTTPError, OSError):
            if time.monotonic() - started > 120:
                os.killpg(process.pid, signal.SIGKILL)
                raise SystemExit("the server did not become ready in 120 s") from None
            time.sleep(0.5)


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the server's process group has used so far."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # process group (field 5 of stat)
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run_wrk(url: str, path: str, connections: int, duration_s: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.replace("PATH", repr(path).replace("'", '"')))
    threads = min(2, connections)
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--timeout", "10s",
                           "--latency", "-s", script.name, url], capture_output=True, text=True, check=True)
    os.unlink(script.name)
    out = done.stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
              "socket_errors": sum(int(v) for v in m.groups()) if (m := re.search(
                  r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)) else 0}
    for pct in ("50", "90", "99"):
        result[f"p{pct}_ms"] = _ms(re.search(rf"\s{pct}%\s+([\d.]+\w+)", out).group(1))
    return result


async def _one_phone(browser, url: str, path: str, shown_js: str) -> float:
    """Seconds from opening ``path`` to its first answer on screen, on a fresh phone."""
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    await context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url)
                        else route.abort())
    page = await context.new_page()
    started = time.monotonic()
    try:
        await page.goto(url + path, wait_until="commit")
        await page.wait_for_function(shown_js, timeout=60_000)
        return time.monotonic() - started
    except Exception:  # noqa: BLE001 - not answered within a minute: counted as not answered
        return float("inf")
    finally:
        await context.close()


async def phones_answered(browser, url: str, path_of, phones: int, shown_js: str) -> list[float]:
    """``phones`` phones open their page at the same moment: each one's seconds to its answer."""
    import asyncio

    return list(await asyncio.gather(*(_one_phone(browser, url, path_of(n), shown_js) for n in range(phones))))


async def _phones(url: str, counts: list[int]) -> None:
    from playwright.async_api import async_playwright

    def at(n: int) -> str:
        return f"?at={116.80 + 0.004 * n:.5f},{30.72 + 0.002 * n:.5f}"

    def median(times: list[float]) -> float:
        return sorted(times)[len(times) // 2]

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                   args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        print("\nphones opening the page at the same moment: how many see their answer within 2 s (median s)")
        print(f"{'phones':>7}{'Streamlit /rider':>20}{'light /m':>16}")
        for phones in counts:
            rider = await phones_answered(browser, url, lambda n: "/rider" + at(n), phones, ANSWER_SHOWN_JS)
            light = await phones_answered(browser, url, lambda n: "/m" + at(n), phones,
                                          "() => document.querySelectorAll('#answer .card').length > 0")
            print(f"{phones:>7}{f'{sum(t <= 2 for t in rider)}/{phones} ({median(rider):.1f} s)':>20}"
                  f"{f'{sum(t <= 2 for t in light)}/{phones} ({median(light):.1f} s)':>16}", flush=True)
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", default="10,50,200")
    parser.add_argument("--phones", default="1,2,4,8,16")
    parser.add_argument("--skip-phones", action="store_true")
    args = parser.parse_args()
    process, url = start_server()
    try:
        for path in PATHS.values():  # warm every route once
            with urllib.request.urlopen(url + path % (116.8236, 30.7374)):
                pass
        print(f"server {url} (streamlit run serve.py), {os.cpu_count()} cores, wrk -t2, {args.duration} s per run")
        print(f"load average before: {os.getloadavg()[0]:.1f} (the machine is shared)")
        print(f"{'what':<10}{'conns':>7}{'answers/s':>11}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}"
              f"{'server CPU ms/answer':>22}")
        for name, path in PATHS.items():
            for connections in (int(c) for c in args.connections.split(",")):
                cpu = server_cpu_s(process.pid)
                r = run_wrk(url, path, connections, args.duration)
                cpu_ms = (server_cpu_s(process.pid) - cpu) * 1000 / max(1, r["rps"] * args.duration)
                print(f"{name:<10}{connections:>7}{r['rps']:>11.0f}{r['p50_ms']:>9.1f}{r['p90_ms']:>9.1f}"
                      f"{r['p99_ms']:>9.1f}{r['non_2xx'] + r['socket_errors']:>8}{cpu_ms:>22.2f}", flush=True)
        if args.skip_phones:
            return
        import asyncio

        asyncio.run(_phones(url, [int(p) for p in args.phones.split(",")]))
    finally:
        os.killpg(process.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
