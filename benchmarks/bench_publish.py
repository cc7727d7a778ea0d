"""Publish benchmark: coursekit publish against the naive pipeline, in one run.

    .venv/bin/python benchmarks/bench_publish.py [--course COURSE] [--jobs N]

Measures, on the bundled course (or COURSE):

* naive: per module, in series, the papermill CLI on the built notebook, then
  ``jupyter nbconvert --to html`` (the default ``lab`` template);
* cold: ``coursekit publish`` into empty site/ and build/ folders, with 1, 2 and
  3 workers and with the default (``--jobs`` picks one count instead), so that
  the best count on this machine is measured in the same run;
* no-op: ``coursekit publish`` again with nothing changed;
* the size of every learner handout (and of the naive HTML for comparison).

Targets: cold (default workers) ≤ 0.10 × naive, no-op < 1 s, largest learner
handout < 60 KB. Prints figures; it is not a test. ``publish --profile`` says
where a publish's time goes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursekit.build import build_notebooks
from coursekit.content import load_course

BIN = Path(sys.executable).parent


def run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"bench_publish: {' '.join(cmd)} exited with {done.returncode}:\n"
            + (done.stdout + done.stderr)[-3000:]
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    course = load_course(args.course)

    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "COURSEKIT_HOME": str(tmp / "home")}

        # naive: papermill CLI, then nbconvert CLI, module by module
        notebooks = tmp / "notebooks"
        build_notebooks(course, notebooks)
        naive_out = tmp / "naive"
        naive_out.mkdir()
        naive = 0.0
        for nb in sorted(notebooks.glob("[0-9][0-9]-*.ipynb")):
            executed = naive_out / nb.name
            naive += run(
                [
                    str(BIN / "papermill"),
                    str(nb),
                    str(executed),
                    "-k",
                    "python3",
                    "--cwd",
                    str(notebooks),
                    "--no-progress-bar",
                ],
                env,
            )
            naive += run(
                [
                    str(BIN / "jupyter"),
                    "nbconvert",
                    "--to",
                    "html",
                    str(executed),
                    "--output-dir",
                    str(naive_out),
                ],
                env,
            )
        naive_sizes = {p.stem: p.stat().st_size for p in naive_out.glob("*.html")}

        def publish(name: str, jobs: int | None) -> list[str]:
            return [
                str(BIN / "coursekit"),
                "publish",
                str(course.root),
                "-q",
                "--out",
                str(tmp / f"site-{name}"),
                "--build-dir",
                str(tmp / f"build-{name}"),
                *(["--jobs", str(jobs)] if jobs else []),
            ]

        counts: list[int | None] = [args.jobs] if args.jobs else [1, 2, 3, None]
        cold = {jobs: run(publish(str(jobs), jobs), env) for jobs in counts}
        noop = run(publish(str(counts[-1]), counts[-1]), env)
        site = tmp / f"site-{counts[-1]}"

        sizes = {m.id: (site / "handout" / f"{m.id}.html").stat().st_size for m in course.modules}

    longest = max(course.modules, key=lambda m: m.char_count).id
    largest = max(sizes, key=lambda k: sizes[k])
    n = len(course.modules)
    print(
        f"course: {course.id} ({n} modules), CPUs: {os.cpu_count()}, jobs: {args.jobs or 'default'}"
    )
    print(f"naive pipeline (papermill CLI + nbconvert CLI, in series): {naive:6.1f} s")
    for jobs, seconds in cold.items():
        label = f"{jobs} worker{'s' if jobs != 1 else ''}" if jobs else "default workers"
        target = "  (target <= 0.10)" if jobs == counts[-1] else ""
        print(
            f"coursekit publish, cold, {label + ':':<17}{'':17}{seconds:6.1f} s"
            f"  = {seconds / naive:.2f} x naive{target}"
        )
    print(
        f"coursekit publish, nothing changed:                        {noop:6.2f} s  (target < 1 s)"
    )
    print("learner handout sizes (KB):")
    for module_id, size in sizes.items():
        mark = "  <- longest text" if module_id == longest else ""
        print(f"  {module_id:10s} {size / 1024:6.1f}{mark}")
    print(f"largest learner handout: {largest} {sizes[largest] / 1024:.1f} KB (target < 60 KB)")
    if naive_sizes:
        mean = sum(naive_sizes.values()) / len(naive_sizes) / 1024
        print(f"naive nbconvert HTML, mean size: {mean:.0f} KB")


if __name__ == "__main__":
    main()
