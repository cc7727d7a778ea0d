"""``coursekit publish``: execute the module notebooks, render the handouts, swap in the site.

The plan is made without importing papermill or nbconvert: cache keys come from
file contents, and the pages already in the site are checked against the site's
manifest (:data:`coursekit.outputs.MANIFEST`), which lists every page publish
wrote with its sha256 and the key it was rendered from. Only modules whose key
changed are executed; only pages whose inputs changed are rendered; a publish
with nothing to do starts no process at all.

The site is publish's own only as far as its manifest goes (see
:mod:`coursekit.outputs`): ``--out`` must be new, empty or a site publish
wrote, and is checked (writable, not the course nor the build folder, no page
changed by hand unless ``--force``) before any kernel starts. Files a publisher
added (``robots.txt``, ``CNAME``, ``downloads/``) stay through every publish.
A site published before the manifest existed (its pages were listed in
``build/<course>/site.json``) is taken over once: exactly the pages that list
names are publish's, everything else in the folder is kept.

Work runs in worker processes (``--jobs``, default: the CPU count), each with
one reusable kernel. The new site is written beside the old one and swapped in
by renaming (:meth:`coursekit.outputs.Output.commit`). A module that fails keeps
the pages it had in the previous site (or gets a short "not published yet"
page), the other modules are published, and the command exits 1 naming the
module and the cell. When no module could be rendered, the site is left as it
was.

Nothing outlives a publish. SIGINT (Ctrl-C) and SIGTERM stop the workers, which
kill their kernels and remove their temporary folders; the temporary site is
removed and the old one stays. On Linux a worker gets SIGTERM when the
publishing process dies, even by ``kill -9``, and a kernel dies with its worker
(see :mod:`coursekit.execute`). A publish that cannot write the site (a full
disk) removes what it wrote and says why in one line. Temporary folders
beside ``--out`` (``.NAME.tmp-PID``, ``.NAME.old-PID``) that a killed publish
left are removed by the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from coursekit.errors import BuildError, CoursekitError, ModuleExecutionError, PublishStopped
from coursekit.model import Course
from coursekit.outputs import (
    MANIFEST,
    Output,
    OutputRefused,
    check_writable,
    claim,
    remove_debris,
)

if TYPE_CHECKING:
    from coursekit.execute import KernelSlot

__all__ = ["PublishSummary", "publish"]

# Where publishes before the site's own manifest listed their pages (build/<course>/site.json).
OLD_PAGE_LIST = "site.json"
WORKER_STOP_SECONDS = 10  # how long stopped workers get to kill their kernels before SIGKILL


@dataclass(frozen=True)
class _Task:
    module: str
    execute: bool
    parameters: dict[str, Any]
    key: str
    nb_path: Path
    nav: Any  # pages.NavContext


@dataclass(frozen=True)
class _Result:
    """A module's pages, rendered; a module that fails raises ModuleExecutionError instead."""

    module: str
    executed: bool
    pages: dict[str, str]
    # seconds per stage: kernel (start or clear), execute, write, read (a cached notebook),
    # render; and the worker's process id
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class PublishSummary:
    """What a publish did; ``line()`` is the summary the command prints."""

    out: Path
    modules: int
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    rendered: int = 0
    errors: list[CoursekitError] = field(default_factory=list)
    seconds: float = 0.0
    changed: bool = True
    failed: list[str] = field(default_factory=list)  # modules that failed this time
    unavailable: list[str] = field(default_factory=list)  # ... and have no page to keep
    written: bool = False  # a new site was swapped in
    kept: list[str] = field(default_factory=list)  # files in the site that publish did not write
    # where the time went: per module (stage -> seconds, in its worker), and per stage of the
    # publish as a whole (plan, run, site, and workers: how many ran)
    modules_profile: dict[str, dict[str, float]] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        state = "" if self.changed else " (already up to date)"
        failed = f", {len(self.errors)} failed" if self.errors else ""
        return (
            f"{self.out}: {self.modules} modules{state}: {len(self.executed)} executed, "
            f"{len(self.cached)} from cache{failed}, {self.rendered} pages rendered, "
            f"in {self.seconds:.1f} s"
        )

    def outcome(self) -> str:
        """What the trainer can do now, or what happened instead."""
        if not self.errors:
            return f"Open {self.out / 'index.html'} in a browser, or serve {self.out}/ as it is."
        if not self.written:
            return f"Nothing was published: {self.out} was left as it was."
        kept = [m for m in self.failed if m not in self.unavailable]
        done = self.modules - len(self.failed)
        parts = [f"Published {done} of {self.modules} modules in {self.out / 'index.html'}"]
        if kept:
            parts.append(f"{', '.join(kept)} kept the pages of the previous publish")
        if self.unavailable:
            parts.append(f"{', '.join(self.unavailable)} got a 'not published yet' page")
        return "; ".join(parts) + "."

    def profile_lines(self) -> list[str]:
        """Where the time went (``publish --profile``): the publish's stages, then per module
        the seconds its worker spent on the kernel (starting it for the worker's first
        module, clearing it after), executing, writing, reading a cached notebook and
        rendering the pages."""
        stages = ("kernel", "execute", "write", "read", "render")
        workers = int(self.stages.get("workers", 0))
        lines = [
            f"profile: {self.seconds:.2f} s in all, {workers} worker{'s' if workers != 1 else ''}: "
            + ", ".join(
                f"{stage} {self.stages[stage]:.2f} s"
                for stage in ("plan", "run", "site")
                if stage in self.stages
            )
        ]
        if not self.modules_profile:
            return lines
        number: dict[float, int] = {}
        width = max(len("module"), *(len(m) for m in self.modules_profile))
        lines.append(
            f"  {'module':<{width}}  worker" + "".join(f"{s:>9}" for s in (*stages, "total"))
        )
        totals = dict.fromkeys(stages, 0.0)
        for module, spent in self.modules_profile.items():
            worker = number.setdefault(spent.get("worker", 0.0), len(number) + 1)
            cells = []
            for stage in stages:
                if stage in spent:
                    totals[stage] += spent[stage]
                    cells.append(f"{spent[stage]:9.2f}")
                else:
                    cells.append(f"{'-':>9}")
            total = sum(spent.get(stage, 0.0) for stage in stages)
            lines.append(f"  {module:<{width}}  {worker:>6}" + "".join(cells) + f"{total:9.2f}")
        lines.append(
            f"  {'all':<{width}}  {'':>6}"
            + "".join(f"{totals[s]:9.2f}" for s in stages)
            + f"{sum(totals.values()):9.2f}"
        )
        return lines

    def kept_line(self) -> str | None:
        """The files in the site that publish did not write, and kept: the line that says so."""
        if not self.kept:
            return None
        shown = ", ".join(self.kept[:5])
        if len(self.kept) > 5:
            shown += f" and {len(self.kept) - 5} more"
        return f"Kept what coursekit did not write in {self.out}: {shown}."


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _page_key(exec_key: str, nav: Any, variant: str) -> str:
    payload = json.dumps([exec_key, asdict(nav), variant], sort_keys=True, ensure_ascii=False)
    return _sha256(payload.encode())


def _load_json(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > 16 * 1024 * 1024:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _page_keys(extra: dict[str, Any]) -> dict[str, str]:
    """The key each page of the site was rendered from, from the ``extra`` of its manifest."""
    pages = extra.get("pages")
    if not isinstance(pages, dict):
        return {}
    return {rel: key for rel, key in pages.items() if isinstance(key, str)}


def _old_site(out: Path, work_dir: Path) -> tuple[dict[str, str], dict[str, str]] | None:
    """The pages (path -> sha256) and keys of a site published before sites had a manifest.

    ``None`` unless ``out`` is such a site (no manifest; an index page with
    coursekit's generator tag). Raises :class:`OutputRefused` when it is one but
    the list of its pages that publish kept in ``build/`` is gone or names another
    folder: then nothing says which files are coursekit's.
    """
    from coursekit.html.site import GENERATOR_META as marker

    index = out / "index.html"
    if (out / MANIFEST).exists() or not index.is_file() or index.is_symlink():
        return None
    try:
        with index.open(encoding="utf-8", errors="replace") as f:
            if marker not in f.read(64 * 1024):
                return None
    except OSError:
        return None
    listed = _load_json(work_dir / OLD_PAGE_LIST)
    pages = listed.get("pages")
    if listed.get("out") != str(out) or not isinstance(pages, dict):
        raise OutputRefused(
            f"{out}: published by an older coursekit, which kept the list of its pages in "
            f"{work_dir / OLD_PAGE_LIST}; that list is missing or names another folder, so "
            "nothing says which files here are coursekit's. Move the folder away (keep what "
            "you added to it), publish, then copy your own files back"
        )
    entries = {
        rel: entry
        for rel, entry in pages.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("key"), str)
    }
    return (
        {rel: entry["sha256"] for rel, entry in entries.items()},
        {rel: entry["key"] for rel, entry in entries.items()},
    )


def _page_is_current(output: Output, rel: str, keys: dict[str, str], key: str) -> bool:
    """The page is in the site as publish wrote it, rendered from ``key``."""
    if keys.get(rel) != key or rel not in output.owned:
        return False
    try:
        return _sha256((output.path / rel).read_bytes()) == output.owned[rel]
    except OSError:
        return False


def _describe(exc: OSError) -> str:
    """An OSError in one line: what went wrong, and on which file."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


# --- signals ------------------------------------------------------------------------------------


class _Stop(BaseException):
    """SIGINT or SIGTERM arrived; a BaseException, so no ``except Exception`` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Signals:
    """While publishing, SIGINT and SIGTERM unwind the publish instead of killing it.

    The first one raises :class:`_Stop` in the main thread; later ones are
    ignored, so that cleaning up runs to the end. After :meth:`finish` (the
    last step, the swap, begins) they are ignored too, and the publish ends as
    it would have. Outside the main thread signals cannot be handled, and
    nothing is installed.
    """

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.pending: int | None = None
        self.finishing = False
        self.saved: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(signum) is not signal.SIG_IGN:  # nohup, background jobs
                    self.saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.owner:
            os._exit(128 + signum)  # a worker just forked, before it set its own handlers
        if self.finishing or self.pending is not None:
            return
        self.pending = signum
        raise _Stop(signum)

    def finish(self) -> None:
        """From now on signals are ignored: the swap is never left half done."""
        self.finishing = True


# --- worker processes -----------------------------------------------------------------------

PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class _Worker:
    """What one worker process keeps between its tasks, made once by :func:`_init_worker`.

    The pool's initializer is the only place a worker is set up, and the SIGTERM
    handler must reach the kernel and the temporary folder outside any task: so
    each worker process holds one of these, and the publishing process none. The
    course comes through the initializer's arguments (inherited at fork, not
    pickled again for every task); each task carries only its own module.
    """

    course: Course
    root: str  # the worker's temporary folder: its HOME and TMPDIR, and its kernel's
    slot: KernelSlot
    partial: str | None = None  # the notebook papermill is writing, while it runs


_worker: _Worker | None = None  # this process's, in a worker; None in the publishing process


def _init_worker(course: Course, work_dir: str, kernel_name: str, parent: int) -> None:
    global _worker
    import multiprocessing.util
    import tempfile

    from coursekit.execute import KernelSlot
    from coursekit.html.variants import RENDERINGS_ONLY

    # SIGTERM waits until this worker knows what to clean up.
    _mask(signal.SIG_BLOCK)
    signal.signal(signal.SIGTERM, _stop_worker)
    # Ctrl-C reaches the whole process group; the publishing process decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_dies_with_parent(parent)
    root = tempfile.mkdtemp(prefix=f"coursekit-publish-{os.getpid()}-")
    # Kernels inherit this: the store they open is empty and thrown away, and their
    # temporary files (the connection file too) go where the worker's go.
    home, tmp = os.path.join(root, "home"), os.path.join(root, "tmp")
    os.mkdir(home)
    os.mkdir(tmp)
    os.environ["COURSEKIT_HOME"] = home
    # Module pages display their static renderings only: nobody uses widgets in a publish.
    os.environ[RENDERINGS_ONLY] = "1"
    os.environ["TMPDIR"] = tempfile.tempdir = tmp
    slot = KernelSlot(kernel_name, cwd=Path(work_dir), log=Path(work_dir) / "kernel.log")
    _worker = _Worker(course, root, slot)
    multiprocessing.util.Finalize(None, _close_worker, exitpriority=10)
    _mask(signal.SIG_UNBLOCK)


def _mask(how: int) -> None:
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(how, {signal.SIGTERM})


def _worker_dies_with_parent(parent: int) -> None:
    """Get SIGTERM when the publishing process dies, even by ``kill -9`` (Linux only)."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # it died before prctl: nobody else will tell us
        os.kill(os.getpid(), signal.SIGTERM)


def _stop_worker(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: kill the kernel, remove this worker's files, exit. No finalizers, no traceback."""
    worker = _worker
    if worker is not None:
        worker.slot.kill()
        if worker.partial:  # the notebook papermill was writing: not a real failure
            with suppress(OSError):
                os.unlink(worker.partial)
        shutil.rmtree(worker.root, ignore_errors=True)
    os._exit(128 + signum)


def _close_worker() -> None:
    global _worker
    worker, _worker = _worker, None
    if worker is not None:
        worker.slot.close()
        shutil.rmtree(worker.root, ignore_errors=True)


def _execute_task(task: _Task) -> tuple[Any, dict[str, float]]:
    """In a worker: execute the module's notebook; the notebook and the seconds it took."""
    from coursekit.execute import execute_module, failed_path

    worker = _worker
    if worker is None:
        raise RuntimeError("a publish task runs only in a worker that _init_worker set up")
    timings: dict[str, float] = {"worker": float(os.getpid())}
    worker.partial = str(failed_path(task.nb_path))
    try:
        # A failing module raises ModuleExecutionError; the publishing process gets it.
        nb = execute_module(
            task.module,
            task.parameters,
            task.key,
            worker.course.id,
            task.nb_path,
            worker.slot,
            timings,
        )
    finally:
        worker.partial = None
    return nb, timings


class _Renderer:
    """Renders the pages in the publishing process, while the workers execute the next
    modules: the kernels and the rendering keep both cores busy."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.exporter: Any = None

    def cached(self, task: _Task) -> Any | None:
        """The module's executed notebook from the build folder; ``None`` if it is gone or
        damaged since the plan (then it is executed again)."""
        import nbformat

        # nbformat's reader, not json.loads: it joins the lists of lines that sources
        # and outputs are stored as.
        with suppress(OSError, ValueError):
            return nbformat.read(task.nb_path, as_version=4)  # type: ignore[no-untyped-call]
        return None

    def __call__(self, task: _Task, nb: Any, executed: bool, timings: dict[str, float]) -> _Result:
        from coursekit.html.site import VARIANTS
        from coursekit.render import make_exporter, render_module

        clock = time.perf_counter()
        if self.exporter is None:
            self.exporter = make_exporter()
        pages = {v: render_module(nb, self.course, task.nav, v, self.exporter) for v in VARIANTS}
        timings["render"] = time.perf_counter() - clock
        return _Result(task.module, executed, pages, timings)


# --- the publish ------------------------------------------------------------------------------


def _run(
    tasks: list[_Task],
    course: Course,
    work_dir: Path,
    jobs: int,
    kernel_name: str,
    progress: bool,
) -> tuple[list[_Result], list[CoursekitError], int]:
    """Execute the tasks in workers and render them here; the results, the errors, and how
    many workers were started (none when every notebook was cached)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm import tqdm

    import coursekit.render  # noqa: F401 - before the fork: the workers share it

    results: list[_Result] = []
    errors: list[CoursekitError] = []
    render = _Renderer(course)
    bar = tqdm(total=len(tasks), desc="publish", unit="module", disable=not progress)

    def rendered(task: _Task, nb: Any, executed: bool, timings: dict[str, float]) -> None:
        bar.set_postfix_str(task.module, refresh=False)
        bar.update()
        try:
            results.append(render(task, nb, executed, timings))
        except Exception as exc:  # one module's page must not stop the rest
            errors.append(BuildError(f"module {task.module}: {type(exc).__name__}: {exc}"))

    # Cached notebooks are read and rendered here; only the others go to workers.
    run: list[_Task] = []
    for task in tasks:
        clock = time.perf_counter()
        nb = None if task.execute else render.cached(task)
        if nb is None:
            run.append(task)
        else:
            rendered(task, nb, False, {"read": time.perf_counter() - clock})
    if not run:
        bar.close()
        return results, errors, 0
    # Workers are forked after the heavy imports, so that they share them. The pool
    # forks on the first submit, before its own thread and before tqdm's monitor
    # thread start: no threads are running at fork time.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if context.get_start_method() == "fork":
        import nbformat  # noqa: F401 - imported once, for every worker
        import papermill  # noqa: F401
    before = set(multiprocessing.active_children())
    initargs = (course, str(work_dir), kernel_name, os.getpid())
    started = min(jobs, len(run))
    pool = ProcessPoolExecutor(started, context, _init_worker, initargs)
    workers: list[Any] = []
    try:
        futures = {pool.submit(_execute_task, t): t for t in run}
        workers = [p for p in multiprocessing.active_children() if p not in before]
        for future in as_completed(futures):
            task = futures[future]
            try:
                nb, timings = future.result()
            except ModuleExecutionError as exc:
                bar.update()
                errors.append(exc)
                continue
            except Exception as exc:  # one module's crash must not stop the rest
                bar.update()
                errors.append(BuildError(f"module {task.module}: {type(exc).__name__}: {exc}"))
                continue
            rendered(task, nb, True, timings)
        pool.shutdown()
    except BaseException:
        # Stopped by a signal: the workers go now, and take their kernels with them.
        workers = workers or [p for p in multiprocessing.active_children() if p not in before]
        _stop_workers(workers)
        pool.shutdown(cancel_futures=True)
        raise
    finally:
        bar.close()
        _remove_worker_folders(workers)
    return results, errors, started


def _stop_workers(workers: list[Any]) -> None:
    """SIGTERM each worker (it kills its kernel and removes its folder); SIGKILL the stuck."""
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + WORKER_STOP_SECONDS
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    for worker in workers:
        if worker.is_alive():
            worker.kill()  # its kernel dies with it
            worker.join(5)


def _remove_worker_folders(workers: list[Any]) -> None:
    """Remove the temporary folders of workers that could not do it (killed, crashed)."""
    import tempfile

    for worker in workers:
        if not worker.is_alive():
            for root in Path(tempfile.gettempdir()).glob(f"coursekit-publish-{worker.pid}-*"):
                shutil.rmtree(root, ignore_errors=True)


# Temporary files in the build folder: the notebooks' (write_atomic), an old page list's.
_BUILD_DEBRIS = re.compile(r"\..+\.(?P<kind>tmp)-(?P<pid>[0-9]+)")


def publish(
    course: Course,
    out: Path,
    *,
    build_dir: Path = Path("build"),
    jobs: int | None = None,
    force: bool = False,
    progress: bool = False,
    kernel_name: str = "python3",
) -> PublishSummary:
    """Publish ``course`` as a static site in ``out``; executed notebooks go to ``build_dir``.

    Failed modules are listed in ``summary.errors``
    (:class:`~coursekit.errors.ModuleExecutionError`); the rest of the site is
    still published. Raises :class:`PublishStopped` on SIGINT or SIGTERM (when
    called from the main thread) and :class:`~coursekit.errors.BuildError` when
    the site cannot be written; either way ``out`` is left as it was, and no
    worker, kernel or temporary folder is left behind. Raises
    :class:`~coursekit.outputs.OutputRefused`, before any work, when ``out`` may
    not be written (see :mod:`coursekit.outputs`).
    """
    with _Signals() as signals:
        try:
            started = time.perf_counter()
            summary = _publish(course, out, build_dir, jobs, force, progress, kernel_name, signals)
            summary.seconds = time.perf_counter() - started
            return summary
        except _Stop as stop:
            raise PublishStopped(stop.signum, out.resolve()) from None
        except OSError as exc:
            raise BuildError(f"publish failed: {_describe(exc)}") from None


def _publish(
    course: Course,
    out: Path,
    build_dir: Path,
    jobs: int | None,
    force: bool,
    progress: bool,
    kernel_name: str,
    signals: _Signals,
) -> PublishSummary:
    if course.root is None:
        raise BuildError("the course has no folder to execute from")
    # Every check comes first: a folder publish may not write fails before any kernel starts.
    build_dir = build_dir.resolve()
    work_dir = build_dir / course.id
    output, old_keys = _claim_site(out, course, build_dir, work_dir, force)
    out = output.path  # resolved
    output.check(_site_pages(course))
    _claim_build_dir(build_dir, work_dir, course.root)
    remove_debris(work_dir, _BUILD_DEBRIS)

    summary = PublishSummary(out, len(course.modules))
    clock = time.perf_counter()
    tasks, page_keys = _plan(course, course.root, work_dir, output, old_keys, force)
    summary.stages["plan"] = time.perf_counter() - clock
    index_key = _index_key(course)
    has_manifest = (out / MANIFEST).is_file()  # a site taken over from an old publish gets one
    if not tasks and has_manifest and _indexes_are_current(output, old_keys, index_key):
        summary.cached = [m.id for m in course.modules]
        summary.changed = False
        return summary

    results: list[_Result] = []
    if tasks:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
        clock = time.perf_counter()
        results, summary.errors, started = _run(
            tasks, course, work_dir, workers, kernel_name, progress
        )
        summary.stages["run"] = time.perf_counter() - clock
        summary.stages["workers"] = started
    summary.modules_profile = {r.module: r.timings for r in results}
    rendered = {r.module: r.pages for r in results}
    failed = _tally(summary, course, tasks, results)
    if failed and not rendered:
        return summary  # nothing new to show: the site stays as it is, placeholders and all

    clock = time.perf_counter()
    try:
        files, new_keys = _site_files(course, output, rendered, failed, page_keys, summary)
        for rel in _INDEXES:
            new_keys[rel] = index_key if not summary.unavailable else "partial"
        # The pages and their keys are swapped in together: a publish stopped before the
        # swap leaves the old site and the old keys, one after it the new ones.
        committed = output.commit(
            files, {"course": course.id, "pages": new_keys}, before_swap=signals.finish
        )
    except OSError as exc:
        raise BuildError(
            f"could not write the site: {_describe(exc)}; {out} was left as it was"
        ) from None
    summary.kept = committed.kept
    summary.written = True
    summary.stages["site"] = time.perf_counter() - clock
    with suppress(OSError):  # the site now lists its own pages; the old list is not needed
        if _load_json(work_dir / OLD_PAGE_LIST).get("out") == str(out):
            (work_dir / OLD_PAGE_LIST).unlink()
    return summary


# The learners' index and the trainers' (coursekit.html.site.TRAINER_INDEX), under one key.
_INDEXES = ("index.html", "trainer/index.html")


def _index_key(course: Course) -> str:
    from coursekit.html.site import index_html, trainer_index_html

    return _sha256((index_html(course) + trainer_index_html(course)).encode())


def _indexes_are_current(output: Output, old_keys: dict[str, str], key: str) -> bool:
    return all(_page_is_current(output, rel, old_keys, key) for rel in _INDEXES)


def _site_pages(course: Course) -> list[str]:
    """Every page publish writes, relative to the site."""
    from coursekit.html.site import VARIANTS, page_path

    return [*(page_path(v, m.id) for m in course.modules for v in VARIANTS), *_INDEXES]


def _plan(
    course: Course,
    root: Path,
    work_dir: Path,
    output: Output,
    old_keys: dict[str, str],
    force: bool,
) -> tuple[list[_Task], dict[str, str]]:
    """The modules to execute or render again, and the key of every page of the site."""
    from coursekit.build import module_parameters, notebook_name
    from coursekit.execute import cache_key, cached_key
    from coursekit.html.site import VARIANTS, nav_context, page_path

    tasks: list[_Task] = []
    page_keys: dict[str, str] = {}
    for index, module in enumerate(course.modules, start=1):
        params = module_parameters(
            module.id, course_path=str(root.resolve()), lang=course.meta.lang
        )
        key = cache_key(course, module.id, params)
        nb_path = work_dir / notebook_name(index, module.id)
        nav = nav_context(course, module.id)
        execute = force or cached_key(nb_path) != key
        keys = {page_path(v, module.id): _page_key(key, nav, v) for v in VARIANTS}
        page_keys.update(keys)
        current = not force and all(
            _page_is_current(output, rel, old_keys, k) for rel, k in keys.items()
        )
        if execute or not current:
            tasks.append(_Task(module.id, execute, params, key, nb_path, nav))
    return tasks, page_keys


def _tally(
    summary: PublishSummary, course: Course, tasks: list[_Task], results: list[_Result]
) -> set[str]:
    """Sort the modules into executed, cached and failed; returns the failed ones."""
    executed = {r.module for r in results if r.executed}
    failed = {t.module for t in tasks} - {r.module for r in results}
    for module in course.modules:
        group = summary.failed if module.id in failed else summary.cached
        (summary.executed if module.id in executed else group).append(module.id)
    return failed


def _site_files(
    course: Course,
    output: Output,
    rendered: dict[str, dict[str, str]],
    failed: set[str],
    page_keys: dict[str, str],
    summary: PublishSummary,
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every page of the new site and its key: new, kept from the last publish, or a placeholder.

    A page is new when its module was rendered now; a module that failed or was not
    run keeps the page publish wrote before, and one that has none gets a placeholder.
    """
    from coursekit.html.site import (
        VARIANTS,
        index_html,
        nav_context,
        page_path,
        placeholder_html,
        trainer_index_html,
    )

    files: dict[str, bytes] = {}
    new_keys: dict[str, str] = {}
    for module in course.modules:
        nav = nav_context(course, module.id)
        for variant in VARIANTS:
            rel = page_path(variant, module.id)
            pages = rendered.get(module.id)
            if pages is not None:
                data = pages[variant].encode()
                new_keys[rel] = page_keys[rel]
                summary.rendered += 1
            elif rel in output.owned and (output.path / rel).is_file():
                # Unchanged, or failed this time: the previous page stays.
                data = (output.path / rel).read_bytes()
                new_keys[rel] = page_keys[rel] if module.id not in failed else "previous"
            else:
                data = placeholder_html(nav, variant).encode()
                new_keys[rel] = "placeholder"
                if module.id not in summary.unavailable:
                    summary.unavailable.append(module.id)
            files[rel] = data
    index, trainer_index = _INDEXES
    files[index] = index_html(course, summary.unavailable).encode()
    files[trainer_index] = trainer_index_html(course, summary.unavailable).encode()
    return files, new_keys


def _claim_site(
    out: Path, course: Course, build_dir: Path, work_dir: Path, force: bool
) -> tuple[Output, dict[str, str]]:
    """Claim ``out`` (as given) for publish; returns it and the keys of the pages in it."""
    inputs = [course.root, build_dir]
    old = _old_site(out.resolve(), work_dir) if out.is_dir() else None
    if old is None:
        output = claim(out, "publish", inputs=inputs, force=force)
        return output, _page_keys(output.extra)
    pages, keys = old
    return claim(out, "publish", inputs=inputs, force=force, adopt=pages), keys


def _claim_build_dir(build_dir: Path, work_dir: Path, course_root: Path) -> None:
    """The cache folder: not the course nor inside it, and writable now, not after the work."""
    root = course_root.resolve()
    if build_dir == root or root in build_dir.parents or build_dir in root.parents:
        raise OutputRefused(
            f"{build_dir}: the build folder overlaps the course ({course_root}); "
            "choose another --build-dir"
        )
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputRefused(f"{work_dir}: cannot be created ({_describe(exc)})") from None
    check_writable(work_dir)
