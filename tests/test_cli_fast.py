"""`coursekit --help` stays fast: listing the commands imports no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("nbconvert", "nbformat", "nbclient", "papermill", "pandas", "jupyter_client", "ipywidgets")

PROBE = """
import json, sys
import click
from coursekit.cli import main
ctx = click.Context(main)
names = main.list_commands(ctx)
helps = {n: main.get_command(ctx, n).get_short_help_str() for n in names}
main.get_help(ctx)
print(json.dumps({"names": names, "helps": helps, "modules": sorted(sys.modules)}))
"""


def test_listing_commands_imports_no_heavy_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    report = json.loads(done.stdout)
    assert {"build", "publish"} <= set(report["names"])
    assert all(report["helps"].values()), report["helps"]
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_lists_build_and_publish() -> None:
    script = Path(sys.executable).with_name("coursekit")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    assert "build" in done.stdout and "publish" in done.stdout
