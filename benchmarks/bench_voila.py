"""Time to the first coursekit widget of a module in Voilà, in Chromium (target: <= 2 s warm).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_voila.py [--runs N] [--notebook NAME]``

Starts coursekit's Voilà (``coursekit voila``) on 127.0.0.1 over the repository,
opens a module page in Chromium through Playwright and measures from navigation
to the first visible coursekit widget (``.ck-live``). Each run starts fresh servers:

- without preheat (``--pool 0``): *cold* is the first page after the server
  answers, *warm* the second visit to it;
- with preheat (one kernel per page, the default): *cold* is the first page right
  after the server answers, while the pool is still heating; *warm* a visit once
  the pool holds a pre-executed kernel for the page again (a second visit);
- proxied: a Jupyter Server with jupyter-server-proxy, as on Binder or a hub's
  single-user server, which starts coursekit's Voilà at ``coursekit-voila/`` on
  first use; *warm* as with preheat.

Medians of the runs are printed beside the target. Figures are printed, not
asserted: this is a benchmark, not a test. Needs ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser tests' server helpers

from browser import course_env, free_port, server_process  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGET_S = 2.0
WIDGET = ".ck-live"
NO_PRE = ["--pool=0"]


@contextmanager
def voila(extra: list[str], log: Path, proxied: bool = False) -> Iterator[tuple[str, int]]:
    """coursekit's Voilà over the repository, until it answers; its kernels stop with it.

    ``proxied``: a Jupyter Server instead, whose jupyter-server-proxy starts it.
    """
    port = free_port()
    env = course_env(Path(tempfile.mkdtemp(prefix="bench-voila-")))
    command = [sys.executable, "-m", "coursekit.cli", "voila", f"--port={port}", *extra]
    url = f"http://127.0.0.1:{port}/"
    pages = f"{url}voila/render/notebooks/"
    if proxied:
        command = [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--allow-root",
            f"--ServerApp.root_dir={ROOT}",
        ]
        url, pages = f"{url}api/status", f"{url}coursekit-voila/voila/render/notebooks/"
    with server_process(command, url, ROOT, env, log) as started:
        yield pages, started.pid


def first_widget(browser: Browser, url: str) -> float:
    """Seconds from navigation to the first visible coursekit widget, in a fresh page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=120_000)
        page.locator(WIDGET).first.wait_for(state="visible", timeout=120_000)
        return time.perf_counter() - started
    finally:
        page.close()  # Voilà shuts the page's kernel down


def _server_cpu(server: int) -> float:
    """CPU seconds used so far by the server and its descendants (Voilà, its kernels).

    Jupyter Client starts each kernel in a session of its own, so the server's
    process group or session does not hold them.
    """
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # after the name: state, ppid, ...; utime and stime are the 14th and 15th fields
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])

    def descends(pid: int) -> bool:
        while pid > 1:
            if pid == server:
                return True
            pid = parents.get(pid, 0)
        return False

    return sum(t for pid, t in ticks.items() if descends(pid)) / os.sysconf("SC_CLK_TCK")


def pool_ready(log: Path, server: int, notebook: str, times: int, timeout: float = 180.0) -> None:
    """Wait until the page's pool was filled ``times`` times and its kernels have gone quiet.

    Voilà logs "filled" once the kernels have started; they pre-execute the
    notebook after that, so the server and its kernels must then go idle (under
    5 % of a core for a second) for the kernel to be warm.
    """
    deadline = time.monotonic() + timeout
    needle = f"Kernel pool of notebooks/{notebook} is filled"
    while log.read_text(errors="replace").count(needle) < times:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {needle!r} ({times}x) in {log} after {timeout:.0f} s")
        time.sleep(0.2)
    used = _server_cpu(server)
    while True:
        time.sleep(1.0)
        now = _server_cpu(server)
        if now - used < 0.05:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"Voilà's kernels were still busy after {timeout:.0f} s")
        used = now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--notebook", default="02-a1.ipynb")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="bench-voila-logs-"))
    figures: dict[str, list[float]] = {
        k: [] for k in ("cold", "warm", "pre-cold", "pre-warm", "proxied-warm")
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(args.runs):
            with voila(NO_PRE, logs / f"plain-{run}.log") as (base, _):
                figures["cold"].append(first_widget(browser, base + args.notebook))
                figures["warm"].append(first_widget(browser, base + args.notebook))
            with voila([], logs / f"preheat-{run}.log") as (base, _):
                figures["pre-cold"].append(first_widget(browser, base + args.notebook))
            log = logs / f"preheat-warm-{run}.log"
            with voila([], log) as (base, server):
                pool_ready(log, server, args.notebook, 1)
                first_widget(browser, base + args.notebook)  # takes the pool's kernel
                pool_ready(log, server, args.notebook, 2)  # refilled: the second visit is warm
                figures["pre-warm"].append(first_widget(browser, base + args.notebook))
            log = logs / f"proxied-{run}.log"
            with voila([], log, proxied=True) as (base, server):
                first_widget(browser, base + "00-start.ipynb")  # the proxy starts Voilà
                pool_ready(log, server, args.notebook, 1)
                first_widget(browser, base + args.notebook)
                pool_ready(log, server, args.notebook, 2)
                figures["proxied-warm"].append(first_widget(browser, base + args.notebook))
            done = ", ".join(f"{key} {values[-1]:.2f} s" for key, values in figures.items())
            print(f"run {run + 1}: {done}", flush=True)
        browser.close()

    labels = {
        "cold": "no preheat, cold (first page after start)",
        "warm": "no preheat, warm (second visit)",
        "pre-cold": "preheat, cold (first page while the pool heats)",
        "pre-warm": "preheat, warm (pre-executed kernel, second visit)",
        "proxied-warm": "preheat behind a Jupyter Server's proxy, warm",
    }
    print(f"\n{args.notebook}, time to first widget ({WIDGET}), median of {args.runs} runs:")
    for key, label in labels.items():
        median = statistics.median(figures[key])
        mark = ""
        if key in ("warm", "pre-warm", "proxied-warm"):
            verdict = "meets" if median <= TARGET_S else "misses"
            mark = f"  {verdict} the target (<= {TARGET_S:.0f} s warm)"
        print(f"  {label:52} {median:6.2f} s{mark}")
    print(f"(Voilà logs in {logs})")


if __name__ == "__main__":
    main()
