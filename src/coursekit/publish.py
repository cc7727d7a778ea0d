"""``coursekit publish``: execute the module notebooks, render the handouts, swap in the site.

The plan is made without importing papermill or nbconvert: cache keys come from
file contents, and the pages already in the site are checked against the
manifest kept in the build folder (``build/<course>/site.json``). Only modules
whose key changed are executed; only pages whose inputs changed are rendered;
a publish with nothing to do starts no process at all.

Work runs in worker processes (``--jobs``, default: the CPU count), each with
one reusable kernel. The new site is written beside the old one and swapped in
by renaming. A module that fails keeps the pages it had in the previous site
(or gets a short "not published yet" page), the other modules are published,
and the command exits 1 naming the module and the cell. When no module could
be rendered, the site is left as it was.

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
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import click

from coursekit.cli import course_argument, report_errors
from coursekit.errors import BuildError, CoursekitError, ModuleExecutionError, PublishStopped
from coursekit.model import Course

__all__ = ["PublishSummary", "publish", "publish_command"]

MANIFEST = "site.json"
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
    module: str
    executed: bool
    pages: dict[str, str] | None
    error: tuple[int, str, str] | None = None  # cell_index, ename, evalue


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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _page_key(exec_key: str, nav: Any, variant: str) -> str:
    payload = json.dumps([exec_key, asdict(nav), variant], sort_keys=True, ensure_ascii=False)
    return _sha256(payload.encode())


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _page_is_current(out: Path, rel: str, entry: Any, key: str) -> bool:
    if not isinstance(entry, dict) or entry.get("key") != key:
        return False
    try:
        return _sha256((out / rel).read_bytes()) == entry.get("sha256")
    except OSError:
        return False


def _check_out(out: Path) -> None:
    """Refuse to replace a folder that is not a coursekit site."""
    from coursekit.pages import GENERATOR

    if not out.exists():
        return
    if not out.is_dir():
        raise BuildError(f"{out} exists and is not a folder")
    if not any(out.iterdir()):
        return
    index = out / "index.html"
    marker = f'<meta name="generator" content="{GENERATOR}">'
    if not index.is_file() or marker not in index.read_text(encoding="utf-8", errors="replace"):
        raise BuildError(f"{out} is not a coursekit site; choose another --out folder")


def _describe(exc: OSError) -> str:
    """An OSError in one line: what went wrong, and on which file."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # leftovers of an earlier publish in this process
    if os.name != "posix":
        return True  # os.kill(pid, 0) would end the process on Windows: keep the folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, and someone else's
        return True
    return True


def _remove_stale(folder: Path, pattern: re.Pattern[str], restore: Path | None = None) -> None:
    """Remove what a killed publish left in ``folder``: names matching ``pattern``, dead PID.

    ``pattern`` has the groups ``kind`` and ``pid``; only coursekit writes such
    names. An ``old`` folder is the previous site when the publish was killed
    between the two renames of the swap: it goes back to ``restore`` if that is
    missing.
    """
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or entry.is_symlink() or _pid_alive(int(match["pid"])):
            continue
        if entry.is_dir():
            if restore is not None and match["kind"] == "old" and not restore.exists():
                with suppress(OSError):
                    entry.rename(restore)
                    continue
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with suppress(OSError):
                entry.unlink()


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

_WORKER: dict[str, Any] = {}
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _init_worker(course: Course, work_dir: str, kernel_name: str, parent: int) -> None:
    import multiprocessing.util
    import tempfile

    from coursekit.execute import KernelSlot

    # SIGTERM waits until this worker knows what to clean up.
    _mask(signal.SIG_BLOCK)
    signal.signal(signal.SIGTERM, _stop_worker)
    # Ctrl-C reaches the whole process group; the publishing process decides what happens.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_dies_with_parent(parent)
    root = tempfile.mkdtemp(prefix=f"coursekit-publish-{os.getpid()}-")
    _WORKER["root"] = root
    # Kernels inherit this: the store they open is empty and thrown away, and their
    # temporary files (the connection file too) go where the worker's go.
    home, tmp = os.path.join(root, "home"), os.path.join(root, "tmp")
    os.mkdir(home)
    os.mkdir(tmp)
    os.environ["COURSEKIT_HOME"] = home
    os.environ["TMPDIR"] = tempfile.tempdir = tmp
    _WORKER["course"] = course
    _WORKER["slot"] = KernelSlot(kernel_name, cwd=Path(work_dir), log=Path(work_dir) / "kernel.log")
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
    slot = _WORKER.get("slot")
    if slot is not None:
        slot.kill()
    partial = _WORKER.get("partial")  # the notebook papermill was writing: not a real failure
    if partial:
        with suppress(OSError):
            os.unlink(partial)
    root = _WORKER.get("root")
    if root:
        shutil.rmtree(root, ignore_errors=True)
    os._exit(128 + signum)


def _close_worker() -> None:
    slot = _WORKER.pop("slot", None)
    if slot is not None:
        slot.close()
    root = _WORKER.pop("root", None)
    if root:
        shutil.rmtree(root, ignore_errors=True)


def _run_task(task: _Task) -> _Result:
    import nbformat

    from coursekit.execute import execute_module, failed_path
    from coursekit.pages import VARIANTS
    from coursekit.render import make_exporter, render_module

    course: Course = _WORKER["course"]
    nb = None
    if not task.execute:
        # nbformat's reader, not json.loads: it joins the lists of lines that sources
        # and outputs are stored as. A notebook gone or damaged since the plan is run again.
        with suppress(OSError, ValueError):
            nb = nbformat.read(task.nb_path, as_version=4)  # type: ignore[no-untyped-call]
    executed = nb is None
    if executed:
        _WORKER["partial"] = str(failed_path(task.nb_path))
        try:
            outcome, nb = execute_module(
                task.module, task.parameters, task.key, course.id, task.nb_path, _WORKER["slot"]
            )
        finally:
            _WORKER.pop("partial", None)
        if not outcome.ok:
            error = (outcome.cell_index or 0, outcome.ename or "", outcome.evalue or "")
            return _Result(task.module, True, None, error)
    exporter = _WORKER.get("exporter") or _WORKER.setdefault("exporter", make_exporter())
    pages = {v: render_module(nb, course, task.nav, v, exporter) for v in VARIANTS}
    return _Result(task.module, executed, pages)


# --- the publish ------------------------------------------------------------------------------


def _run(
    tasks: list[_Task],
    course: Course,
    work_dir: Path,
    jobs: int,
    kernel_name: str,
    progress: bool,
) -> tuple[list[_Result], list[CoursekitError]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm import tqdm

    results: list[_Result] = []
    errors: list[CoursekitError] = []
    # Workers are forked after the heavy imports, so that they share them. The pool
    # forks on the first submit, before its own thread and before tqdm's monitor
    # thread start: no threads are running at fork time.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if context.get_start_method() == "fork":
        import nbformat  # noqa: F401 - imported once, for every worker
        import papermill  # noqa: F401

        import coursekit.render  # noqa: F401
    before = set(multiprocessing.active_children())
    initargs = (course, str(work_dir), kernel_name, os.getpid())
    pool = ProcessPoolExecutor(jobs, context, _init_worker, initargs)
    bar = None
    workers: list[Any] = []
    try:
        futures: dict[Future[_Result], str] = {pool.submit(_run_task, t): t.module for t in tasks}
        workers = [p for p in multiprocessing.active_children() if p not in before]
        bar = tqdm(total=len(tasks), desc="publish", unit="module", disable=not progress)
        for future in as_completed(futures):
            module = futures[future]
            bar.set_postfix_str(module, refresh=False)
            bar.update()
            try:
                result = future.result()
            except Exception as exc:  # one module's crash must not stop the rest
                errors.append(BuildError(f"module {module}: {type(exc).__name__}: {exc}"))
                continue
            if result.error is not None:
                errors.append(ModuleExecutionError(module, *result.error))
            results.append(result)
        pool.shutdown()
    except BaseException:
        # Stopped by a signal: the workers go now, and take their kernels with them.
        workers = workers or [p for p in multiprocessing.active_children() if p not in before]
        _stop_workers(workers)
        pool.shutdown(cancel_futures=True)
        raise
    finally:
        if bar is not None:
            bar.close()
        _remove_worker_folders(workers)
    return results, errors


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


def _swap(tmp: Path, out: Path) -> None:
    """Put ``tmp`` where ``out`` is; if that fails, ``out`` is as it was and ``tmp`` stays.

    The old site stays until the new one is in place. Run after
    ``_Signals.finish``: between the two renames there is no site at all.
    """
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    had_site = out.exists()
    if had_site:
        out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        if had_site:
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)  # if this fails, the next publish removes it


def _debris(out: Path) -> re.Pattern[str]:
    """Names of the temporary and previous sites a publish keeps beside ``out``."""
    return re.compile(rf"\.{re.escape(out.name)}\.(?P<kind>tmp|old)-(?P<pid>[0-9]+)")


# Temporary files in the build folder: the manifest's and the notebooks' (write_atomic).
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
    worker, kernel or temporary folder is left behind.
    """
    out = out.resolve()
    with _Signals() as signals:
        try:
            return _publish(course, out, build_dir, jobs, force, progress, kernel_name, signals)
        except _Stop as stop:
            raise PublishStopped(stop.signum, out) from None
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
    from coursekit.build import module_parameters, notebook_name
    from coursekit.execute import cache_key, cached_key, write_atomic
    from coursekit.pages import VARIANTS, index_html, nav_context, page_path, placeholder_html

    started = time.perf_counter()
    if course.root is None:
        raise BuildError("the course has no folder to execute from")
    _remove_stale(out.parent, _debris(out), restore=out)
    _check_out(out)
    work_dir = (build_dir / course.id).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale(work_dir, _BUILD_DEBRIS)
    manifest = _load_manifest(work_dir / MANIFEST)
    old_pages: dict[str, Any] = manifest.get("pages", {}) if manifest.get("out") == str(out) else {}

    summary = PublishSummary(out, len(course.modules))
    tasks: list[_Task] = []
    page_keys: dict[str, str] = {}
    for index, module in enumerate(course.modules, start=1):
        params = module_parameters(
            module.id, course_path=str(course.root.resolve()), lang=course.meta.lang
        )
        key = cache_key(course, module.id, params)
        nb_path = work_dir / notebook_name(index, module.id)
        nav = nav_context(course, module.id)
        execute = force or cached_key(nb_path) != key
        keys = {page_path(v, module.id): _page_key(key, nav, v) for v in VARIANTS}
        page_keys.update(keys)
        current = not force and all(
            _page_is_current(out, rel, old_pages.get(rel), k) for rel, k in keys.items()
        )
        if execute or not current:
            tasks.append(_Task(module.id, execute, params, key, nb_path, nav))

    index_page = index_html(course)
    index_entry = {"key": _sha256(index_page.encode()), "sha256": _sha256(index_page.encode())}
    if not tasks and _page_is_current(
        out, "index.html", old_pages.get("index.html"), index_entry["key"]
    ):
        summary.cached = [m.id for m in course.modules]
        summary.changed = False
        summary.seconds = time.perf_counter() - started
        return summary

    results: list[_Result] = []
    if tasks:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
        results, summary.errors = _run(tasks, course, work_dir, workers, kernel_name, progress)
    rendered = {r.module: r.pages for r in results if r.pages is not None}
    executed = {r.module for r in results if r.executed and r.pages is not None}
    failed = {t.module for t in tasks} - set(rendered)
    for module in course.modules:
        group = summary.failed if module.id in failed else summary.cached
        (summary.executed if module.id in executed else group).append(module.id)
    if failed and not rendered:
        # Nothing new to show: the site stays as it is, placeholders and all.
        summary.seconds = time.perf_counter() - started
        return summary

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        new_pages: dict[str, dict[str, str]] = {}
        for module in course.modules:
            nav = nav_context(course, module.id)
            for variant in VARIANTS:
                rel = page_path(variant, module.id)
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                pages = rendered.get(module.id)
                if pages is not None:
                    data = pages[variant].encode()
                    entry_key = page_keys[rel]
                    summary.rendered += 1
                elif (out / rel).is_file():
                    # Unchanged, or failed this time: the previous page stays.
                    data = (out / rel).read_bytes()
                    entry_key = page_keys[rel] if module.id not in failed else "previous"
                else:
                    data = placeholder_html(nav, variant).encode()
                    entry_key = "placeholder"
                    if module.id not in summary.unavailable:
                        summary.unavailable.append(module.id)
                target.write_bytes(data)
                new_pages[rel] = {"key": entry_key, "sha256": _sha256(data)}
        if summary.unavailable:
            index_page = index_html(course, summary.unavailable)
        data = index_page.encode()
        (tmp / "index.html").write_bytes(data)
        index_key = index_entry["key"] if not summary.unavailable else "partial"
        new_pages["index.html"] = {"key": index_key, "sha256": _sha256(data)}
        manifest = {"out": str(out), "course": course.id, "pages": new_pages}
        # The manifest goes first: it is checked against the pages' hashes, so one
        # that describes a site that never arrived only makes the next publish render.
        signals.finish()
        write_atomic(work_dir / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        _swap(tmp, out)
    except OSError as exc:
        raise BuildError(
            f"could not write the site: {_describe(exc)}; {out} was left as it was"
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone after the swap; here if it failed
    summary.written = True
    summary.seconds = time.perf_counter() - started
    return summary


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@course_argument
@click.option(
    "--out",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the static site; replaced as a whole.",
)
@click.option(
    "--build-dir",
    default="build",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for executed notebooks (the cache).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes [default: CPUs].")
@click.option("--force", is_flag=True, help="Execute and render every module again.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@report_errors
def publish_command(
    course: Path | None, out: Path, build_dir: Path, jobs: int | None, force: bool, quiet: bool
) -> None:
    """Execute the module notebooks and publish handouts, worksheets and trainer guides.

    Modules whose content has not changed are taken from the cache. Exits 1,
    naming the module and the cell, when a module fails; the other modules are
    still published and the failed one keeps its previous pages. Ctrl-C stops
    it cleanly: no worker, kernel or temporary folder stays, and the site is
    left as it was.
    """
    from coursekit.content import load_course

    loaded = load_course(course)
    summary = publish(loaded, out, build_dir=build_dir, jobs=jobs, force=force, progress=not quiet)
    for error in summary.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(summary.line())
    click.echo(summary.outcome())
    if summary.errors:
        n = len(summary.errors)
        raise BuildError(f"{n} module{'s' if n != 1 else ''} failed; see above.")
