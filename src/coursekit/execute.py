"""Execute stage: papermill runs a module's notebook; the result is cached in ``build/``.

An executed notebook carries its cache key in ``nb.metadata.coursekit.cache_key``:
the sha256 of the coursekit version and code, the template, the module's files,
the course-level files and the parameters. A module whose key has not changed
is not executed again.

A publish worker keeps one kernel (:class:`KernelSlot`) and hands it to
papermill for each notebook it runs, clearing the namespace in between:
starting a kernel costs more than running a module. A kernel that fails to
start is retried; one that died is replaced. Kernels run with
``COURSEKIT_HOME`` pointing at a throwaway folder, so no learner's data can
reach a handout. papermill and jupyter_client are imported only here, inside
functions: the command line must stay fast.

No kernel outlives the process that started it. jupyter_client starts each
kernel in a session of its own, with ``JPY_PARENT_PID`` set, and ipykernel's
parent poller ends it a second or so after that process is gone. On Linux a
:class:`KernelSlot` kernel also asks for SIGKILL the moment its parent dies
(``PR_SET_PDEATHSIG``, set by a short prelude that then execs the kernel), so a
kernel still starting up cannot outlive it either. :meth:`KernelSlot.kill`
ends one at once, from a signal handler.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

from coursekit._version import __version__
from coursekit.atomic import write_atomic
from coursekit.build import KERNEL_NAME, MODULE_TEMPLATE, content_hash
from coursekit.errors import ModuleExecutionError
from coursekit.hashing import hash_files
from coursekit.model import Course

__all__ = [
    "KernelSlot",
    "cache_key",
    "cached_key",
    "code_digest",
    "execute_module",
    "failed_path",
]

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).parent
START_ATTEMPTS = 3
STARTUP_TIMEOUT = 60
CELL_TIMEOUT = 600
# Runs before a kernel on Linux: SIGKILL when the parent dies (PR_SET_PDEATHSIG = 1), then
# exec the kernel's command line. No braces: jupyter_client formats kernel commands.
DIE_WITH_PARENT = (
    "import ctypes, os, sys; "
    "ctypes.CDLL(None).prctl(1, 9, 0, 0, 0); "
    "parent = os.environ.get('JPY_PARENT_PID'); "
    "parent and os.getppid() != int(parent) and sys.exit(1); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)


@cache
def code_digest() -> str:
    """sha256 of coursekit's version, code and templates.

    Part of the cache key beside the version, so that a development install
    whose widgets changed does not reuse stale outputs.
    """
    files = [
        path
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".ipynb", ".j2", ".json", ".css", ".js"}
        and "_courseware" not in path.parts
        and "__pycache__" not in path.parts
    ]
    return hashlib.sha256(f"{__version__}\0{hash_files(files, PACKAGE)}".encode()).hexdigest()


def cache_key(course: Course, module_id: str, parameters: dict[str, Any]) -> str:
    """The key an executed module notebook is cached under."""
    digest = hashlib.sha256(code_digest().encode())
    digest.update(content_hash(course, module_id, parameters, MODULE_TEMPLATE).encode())
    return digest.hexdigest()


def failed_path(out_path: Path) -> Path:
    """Where a failed run of ``out_path`` is kept; papermill writes it while the run goes on."""
    return out_path.with_suffix(".failed.ipynb")


def cached_key(path: Path) -> str | None:
    """The cache key stored in an executed notebook, or ``None`` (read as plain JSON: fast)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = data["metadata"]["coursekit"]["cache_key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return key if isinstance(key, str) else None


class KernelSlot:
    """One kernel, started on first use, reused for every notebook a worker runs."""

    def __init__(
        self, kernel_name: str = KERNEL_NAME, cwd: Path | None = None, log: Path | None = None
    ) -> None:
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.log = log  # the kernel's stdout and stderr go here, not to the terminal
        self.km: Any = None
        self.kc: Any = None  # our own client of the kernel, kept: connecting costs 0.2 s
        self.starting: Any = None  # the manager of a kernel being started, for kill()
        self.used = False

    def _start(self) -> Any:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        error: Exception | None = None
        for attempt in range(1, START_ATTEMPTS + 1):
            km = self.starting = AsyncKernelManager(kernel_name=self.kernel_name)
            try:
                _kernel_dies_with_parent(km)
                with open(self.log or os.devnull, "ab") as sink:
                    run_sync(km.start_kernel)(
                        cwd=str(self.cwd) if self.cwd else None, stdout=sink, stderr=sink
                    )
                self._run(km, "pass")
                self.starting = None
                return km
            except Exception as exc:  # any start failure is retried
                error = exc
                log.warning(
                    "kernel %s failed to start (attempt %d): %s", self.kernel_name, attempt, exc
                )
                self._disconnect()
                self._stop(km)
                self.starting = None
                time.sleep(0.5 * attempt)
        from coursekit.errors import BuildError

        raise BuildError(f"kernel {self.kernel_name!r} failed to start: {error}")

    def _run(self, km: Any, code: str) -> None:
        """Run ``code`` in the kernel through this slot's own client, connected on first use
        (it waits until the kernel is ready) and kept for the kernel's life.

        A blocking client, on sockets of its own: an asyncio one would be bound to an
        event loop that papermill's runs replace between two calls.
        """
        from jupyter_client.blocking.client import BlockingKernelClient

        if self.kc is None:
            kc = BlockingKernelClient()
            kc.load_connection_info(km.get_connection_info())
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
            except BaseException:
                kc.stop_channels()
                raise
            self.kc = kc
        self.kc.execute_interactive(code, store_history=False, timeout=STARTUP_TIMEOUT)

    def _disconnect(self) -> None:
        if self.kc is not None:
            with contextlib.suppress(Exception):  # best effort, as shutting down is
                self.kc.stop_channels()
            self.kc = None

    @staticmethod
    def _stop(km: Any) -> None:
        from jupyter_core.utils import run_sync

        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=True)
            run_sync(km.cleanup_resources)()
        except Exception as exc:  # shutting down is best effort
            log.debug("kernel shutdown: %s", exc)

    def acquire(self) -> Any:
        """A live kernel manager with an empty namespace."""
        from jupyter_core.utils import run_sync

        if self.km is not None and not run_sync(self.km.is_alive)():
            self._disconnect()
            self._stop(self.km)
            self.km = None
        if self.km is None:
            self.km = self._start()
        elif self.used:
            self._run(self.km, "get_ipython().run_line_magic('reset', '-f')")
        self.used = True
        return self.km

    def close(self) -> None:
        self._disconnect()
        if self.km is not None:
            self._stop(self.km)
            self.km = None

    def kill(self) -> None:
        """Kill the kernel now and reap it: no asyncio, no messages, so safe in a signal handler.

        :meth:`close` is the orderly way; this one is for a publish being stopped.
        """
        for km in (self.km, self.starting):
            process = getattr(getattr(km, "provisioner", None), "process", None)
            if process is not None and process.returncode is None:
                _kill_kernel_process(process.pid)
        self.km = self.starting = self.kc = None  # no messages now: its sockets go with us


def _kernel_dies_with_parent(km: Any) -> None:
    """Start ``km``'s kernel through :data:`DIE_WITH_PARENT` (Linux only)."""
    spec = km.kernel_spec
    if not sys.platform.startswith("linux") or spec is None or not spec.argv:
        return
    argv = list(spec.argv)
    # What jupyter_client does to the first word, which is no longer first.
    major, minor = sys.version_info[:2]
    if argv[0] in {"python", f"python{major}", f"python{major}.{minor}"}:
        argv[0] = sys.executable
    spec.argv = [sys.executable, "-c", DIE_WITH_PARENT, *argv]


def _kill_kernel_process(pid: int) -> None:
    # jupyter_client starts each kernel in a new session, so its process group is its own.
    try:
        if hasattr(os, "killpg"):
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGTERM)
    except OSError:  # already gone
        return
    deadline = time.monotonic() + 5
    while hasattr(os, "WNOHANG") and time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
        except ChildProcessError:  # reaped elsewhere, or not our child
            return
        time.sleep(0.02)


def execute_module(
    module_id: str,
    parameters: dict[str, Any],
    key: str,
    course_id: str,
    out_path: Path,
    slot: KernelSlot | None = None,
    timings: dict[str, float] | None = None,
) -> Any:
    """Execute the module template with papermill; write ``out_path`` and return the notebook.

    A failing cell raises :class:`~coursekit.errors.ModuleExecutionError` naming
    the module, the cell (0-based index), the exception name and value, and
    leaves the failed notebook beside ``out_path`` as ``*.failed.ipynb``; a
    cached notebook is never overwritten by a failed run. A dead kernel or a
    timeout raises it too, with cell -1. ``timings``, if given, gets the seconds
    spent on the kernel (starting it, or clearing it), executing and writing.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out_path.parent.mkdir(parents=True, exist_ok=True)
    failed = failed_path(out_path)
    kwargs: dict[str, Any] = {}
    clock = time.perf_counter()
    if slot is not None:
        kwargs["km"] = slot.acquire()
    spent = timings if timings is not None else {}
    spent["kernel"] = time.perf_counter() - clock
    clock = time.perf_counter()
    try:
        nb = papermill.execute_notebook(
            str(MODULE_TEMPLATE),
            str(failed),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            start_timeout=STARTUP_TIMEOUT,
            execution_timeout=CELL_TIMEOUT,
            # A publish's kernels make no widgets (COURSEKIT_RENDERINGS_ONLY), but another
            # caller's may: nbclient would store every widget's state in the notebook
            # (350-590 KB a module), and the pages render from the outputs' static HTML.
            store_widget_state=False,
            **kwargs,
        )
    except PapermillExecutionError as exc:
        # cell_index counts the cells of the parameterized notebook, before papermill's banner.
        raise ModuleExecutionError(module_id, exc.cell_index, exc.ename, str(exc.evalue)) from None
    except Exception as exc:  # a dead kernel or a timeout fails this module only
        if slot is not None:
            slot.close()
        raise ModuleExecutionError(module_id, -1, type(exc).__name__, str(exc)) from None
    spent["execute"] = time.perf_counter() - clock
    clock = time.perf_counter()
    nb.metadata["coursekit"] = {
        "course": course_id,
        "module": module_id,
        "template": MODULE_TEMPLATE.name,
        "cache_key": key,
    }
    text: str = nbformat.writes(nb)  # type: ignore[no-untyped-call]
    write_atomic(out_path, text + "\n")
    failed.unlink(missing_ok=True)
    spent["write"] = time.perf_counter() - clock
    return nb
