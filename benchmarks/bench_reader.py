"""How long displaying a Reader for the longest module takes (target: under 100 ms).

Run: ``.venv/bin/python benchmarks/bench_reader.py [COURSE_FOLDER] [--repeat N]``

Uses the bundled course when it loads, otherwise the test factory's course
with a long module (about 60 paragraphs). "Display" is what a kernel does for
``display(Reader(...))``: build the widget tree and compute its mimebundle,
including the static HTML of the whole text. Figures are printed, not
asserted: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from coursekit import Course, load_course
from coursekit.errors import CoursekitError
from coursekit.store import SQLiteStore

TARGET_MS = 100.0


def course_to_measure(folder: str | None) -> tuple[Course, str]:
    try:
        return load_course(folder), folder or "the bundled course"
    except CoursekitError as exc:
        if folder is not None:
            raise
        print(f"(the bundled course does not load yet: {str(exc).splitlines()[0]})")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from coursefactory import write_course

    root = write_course(Path(tempfile.mkdtemp()), long_paragraphs=60)
    return load_course(root), "the test factory course (60 filler paragraphs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", nargs="?", help="a course folder (default: the bundled course)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    started = time.perf_counter()
    import coursekit.widgets as widgets

    import_ms = (time.perf_counter() - started) * 1000
    course, name = course_to_measure(args.course)
    module = max(course.modules, key=lambda m: m.char_count)
    store = SQLiteStore(memory=True)
    timings = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        reader = widgets.Reader(module, course=course, store=store, learner="bench")
        bundle = reader._repr_mimebundle_()
        timings.append((time.perf_counter() - t0) * 1000)
        reader.close()
    first, rest = timings[0], timings[1:] or timings
    print(f"course: {name}")
    print(
        f"longest module: {module.id} ({module.label}), {module.char_count} characters, "
        f"{len(module.paragraphs)} paragraphs, {len(reader.pages)} pages"
    )
    print(f"static HTML: {len(bundle['text/html']) / 1024:.1f} KiB")
    print(f"import coursekit.widgets: {import_ms:.0f} ms")
    print(f"display Reader, first: {first:.1f} ms")
    print(
        f"display Reader, median of {len(rest)}: {statistics.median(rest):.1f} ms "
        f"(min {min(rest):.1f}, max {max(rest):.1f})"
    )
    verdict = "within" if statistics.median(rest) < TARGET_MS else "OVER"
    print(f"target {TARGET_MS:.0f} ms: {verdict}")
    store.close()


if __name__ == "__main__":
    main()
