"""A coursekit command run in a child process of its own: wall time and its own peak memory.

``os.wait4``'s ``ru_maxrss`` is no good here: Linux keeps a process's peak
RSS across fork and exec, so a child forked by a benchmark that holds a whole
cohort in memory reports the benchmark's peak, not its own (a 700 MB parent
made ``python -c pass`` report 713 MB). The child reads its own ``VmHWM``
(the high-water mark of the address space exec gave it) from
``/proc/self/status`` as it exits, and writes it to a file we read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measured", "run_coursekit"]

_CHILD = """
import atexit, os, sys
def _peak():
    with open("/proc/self/status") as status:
        kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["COURSEKIT_BENCH_PEAK"], "w") as out:
        out.write(kib)
atexit.register(_peak)
from coursekit.cli import main
sys.argv[0] = "coursekit"
main()
"""


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float | None  # None when the child died before it could say
    code: int
    lines: list[str]


def run_coursekit(*args: str) -> Measured:
    """``coursekit ARGS`` in a child: its wall time, its own peak RSS, its exit code and output."""
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp:
        peak = Path(tmp) / "peak"
        log = Path(tmp) / "log"
        env = {**os.environ, "COURSEKIT_BENCH_PEAK": str(peak)}
        t0 = time.perf_counter()
        with open(log, "wb") as said:
            code = subprocess.call(
                [sys.executable, "-c", _CHILD, *args],
                stdout=said,
                stderr=subprocess.STDOUT,
                env=env,
            )
        seconds = time.perf_counter() - t0
        kib = peak.read_text().strip() if peak.exists() else ""
        lines = log.read_text(errors="replace").strip().splitlines()
    return Measured(seconds, int(kib) / 1024 if kib else None, code, lines)
