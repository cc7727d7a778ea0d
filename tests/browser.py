"""Helpers for the browser tests: Debian's Chromium through Playwright, and servers they start.

Playwright cannot download its own browsers here, so the tests drive
``/usr/bin/chromium``. Without it they skip with the reason, except under
``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def course_env(home: Path) -> dict[str, str]:
    """The environment for a server of the repository's course pages: the learner store in
    ``home``, coursekit's Voilà template from ``share/jupyter``, this checkout's coursekit."""
    root = Path(__file__).resolve().parents[1]
    jupyter_path = os.pathsep.join(
        p for p in (str(root / "share" / "jupyter"), os.environ.get("JUPYTER_PATH")) if p
    )
    # the kernels run in notebooks/: a relative PYTHONPATH=src would find no coursekit
    # there, and they would import whichever one is installed
    return {
        **os.environ,
        "COURSEKIT_HOME": str(home),
        "JUPYTER_PATH": jupyter_path,
        "PYTHONPATH": str(root / "src"),
    }


def answer(page: Any, prompt: str, choice: str, verdict: str) -> None:
    """Answer the checkpoint whose prompt holds ``prompt`` with ``choice``; see ``verdict``."""
    from playwright.sync_api import expect

    question = page.locator(".widget-vbox", has_text=prompt).last
    question.get_by_label(choice).check()
    question.get_by_role("button", name="提交").click()
    expect(question.get_by_text(verdict)).to_be_visible()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    command: list[str],
    url: str,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    start_timeout: float = 90.0,
) -> Iterator[str]:
    """Run ``command`` until ``url`` answers; stop it again within bounded time."""
    with server_process(command, url, cwd, env, log, start_timeout):
        yield url


@contextmanager
def server_process(
    command: list[str],
    url: str,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    start_timeout: float = 90.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """:func:`server`, giving the server's process (a benchmark watches its CPU)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited with {proc.returncode}: see {log}")
                try:
                    with urllib.request.urlopen(url, timeout=5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{url} did not answer in {start_timeout:.0f} s"
                        ) from None
                    time.sleep(0.5)
            yield proc
        finally:
            # the server's kernels are in its process group: stop them all
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
