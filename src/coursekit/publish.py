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
and the command exits 1 naming the module and the cell.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click

from coursekit.cli import course_argument, report_errors
from coursekit.errors import BuildError, CoursekitError, ModuleExecutionError
from coursekit.model import Course

__all__ = ["PublishSummary", "publish", "publish_command"]

MANIFEST = "site.json"


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

    def line(self) -> str:
        state = "" if self.changed else " (already up to date)"
        failed = f", {len(self.errors)} failed" if self.errors else ""
        return (
            f"{self.out}: {self.modules} modules{state}: {len(self.executed)} executed, "
            f"{len(self.cached)} from cache{failed}, {self.rendered} pages rendered, "
            f"in {self.seconds:.1f} s"
        )


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


# --- worker processes -----------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(course: Course, work_dir: str, kernel_name: str) -> None:
    import multiprocessing.util
    import tempfile

    from coursekit.execute import KernelSlot

    # Kernels inherit this: the store they open is empty and thrown away.
    home = tempfile.mkdtemp(prefix="coursekit-publish-")
    os.environ["COURSEKIT_HOME"] = home
    _WORKER["home"] = home
    _WORKER["course"] = course
    _WORKER["slot"] = KernelSlot(kernel_name, cwd=Path(work_dir), log=Path(work_dir) / "kernel.log")
    multiprocessing.util.Finalize(None, _close_worker, exitpriority=10)


def _close_worker() -> None:
    slot = _WORKER.pop("slot", None)
    if slot is not None:
        slot.close()
    home = _WORKER.pop("home", None)
    if home:
        shutil.rmtree(home, ignore_errors=True)


def _run_task(task: _Task) -> _Result:
    import nbformat

    from coursekit.execute import execute_module
    from coursekit.pages import VARIANTS
    from coursekit.render import make_exporter, render_module

    course: Course = _WORKER["course"]
    if task.execute:
        outcome, nb = execute_module(
            task.module, task.parameters, task.key, course.id, task.nb_path, _WORKER["slot"]
        )
        if not outcome.ok:
            error = (outcome.cell_index or 0, outcome.ename or "", outcome.evalue or "")
            return _Result(task.module, True, None, error)
    else:
        data = json.loads(task.nb_path.read_text(encoding="utf-8"))
        nb = nbformat.from_dict(data)  # type: ignore[no-untyped-call]
    exporter = _WORKER.get("exporter") or _WORKER.setdefault("exporter", make_exporter())
    pages = {v: render_module(nb, course, task.nav, v, exporter) for v in VARIANTS}
    return _Result(task.module, task.execute, pages)


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
    initargs = (course, str(work_dir), kernel_name)
    with ProcessPoolExecutor(jobs, context, _init_worker, initargs) as pool:
        futures: dict[Future[_Result], str] = {pool.submit(_run_task, t): t.module for t in tasks}
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
        bar.close()
    return results, errors


def _swap(tmp: Path, out: Path) -> None:
    """Put ``tmp`` where ``out`` is; the old site stays until the new one is in place."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


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
    still published.
    """
    from coursekit.build import module_parameters, notebook_name
    from coursekit.execute import cache_key, cached_key
    from coursekit.pages import VARIANTS, index_html, nav_context, page_path, placeholder_html

    started = time.perf_counter()
    if course.root is None:
        raise BuildError("the course has no folder to execute from")
    out = out.resolve()
    _check_out(out)
    work_dir = (build_dir / course.id).resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
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
        if execute:
            summary.executed.append(module.id)
        else:
            summary.cached.append(module.id)
        if execute or not current:
            tasks.append(_Task(module.id, execute, params, key, nb_path, nav))

    index_page = index_html(course)
    index_entry = {"key": _sha256(index_page.encode()), "sha256": _sha256(index_page.encode())}
    if not tasks and _page_is_current(
        out, "index.html", old_pages.get("index.html"), index_entry["key"]
    ):
        summary.changed = False
        summary.seconds = time.perf_counter() - started
        return summary

    results: list[_Result] = []
    if tasks:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
        results, summary.errors = _run(tasks, course, work_dir, workers, kernel_name, progress)
    rendered = {r.module: r.pages for r in results if r.pages is not None}
    failed = {t.module for t in tasks} - set(rendered)
    summary.executed = [m for m in summary.executed if m not in failed]

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    new_pages: dict[str, dict[str, str]] = {}
    unavailable: list[str] = []
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
                if module.id not in unavailable:
                    unavailable.append(module.id)
            target.write_bytes(data)
            new_pages[rel] = {"key": entry_key, "sha256": _sha256(data)}
    if unavailable:
        index_page = index_html(course, unavailable)
    data = index_page.encode()
    (tmp / "index.html").write_bytes(data)
    index_key = index_entry["key"] if not unavailable else "partial"
    new_pages["index.html"] = {"key": index_key, "sha256": _sha256(data)}
    _swap(tmp, out)
    manifest = {"out": str(out), "course": course.id, "pages": new_pages}
    (work_dir / MANIFEST).write_text(
        json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8"
    )
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
    still published and the failed one keeps its previous pages.
    """
    from coursekit.content import load_course

    loaded = load_course(course)
    summary = publish(loaded, out, build_dir=build_dir, jobs=jobs, force=force, progress=not quiet)
    for error in summary.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(summary.line())
    click.echo(f"Open {(out / 'index.html').resolve()} in a browser, or serve {out}/ as it is.")
    if summary.errors:
        n = len(summary.errors)
        raise BuildError(f"{n} module{'s' if n != 1 else ''} failed; see above.")
