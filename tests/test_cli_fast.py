"""`coursekit --help` stays fast: listing the commands imports no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from coursekit.cli import COMMANDS

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
    assert report["names"] == sorted(COMMANDS)
    assert all(report["helps"].values()), report["helps"]
    # Every command module was imported to read its help: the check below looked at them all.
    commands = {spec.split(":")[0] for spec in COMMANDS.values()}
    assert commands <= set(report["modules"]), sorted(commands - set(report["modules"]))
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_lists_every_command_with_its_summary() -> None:
    script = Path(sys.executable).with_name("coursekit")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
    # The lines under "Commands:", as `  name  summary`; the group's own text does not count.
    listed = done.stdout.split("Commands:\n", 1)[1].splitlines()
    rows = {line.split()[0]: line.split(None, 1)[1] for line in listed if line.strip()}
    assert sorted(rows) == sorted(COMMANDS), rows
    assert rows["publish"].startswith("Execute the module notebooks"), rows["publish"]
    assert rows["build"].startswith("Write one notebook per module"), rows["build"]


def test_the_listed_summaries_are_the_commands_own() -> None:
    """`coursekit --help` lists SHORT_HELP so as to import no command; it must say what each
    command's own help says."""
    import click

    from coursekit.cli import SHORT_HELP, main

    ctx = click.Context(main)
    assert sorted(SHORT_HELP) == sorted(COMMANDS)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None
        assert SHORT_HELP[name] == command.get_short_help_str(limit=1000), name


def test_the_top_level_help_imports_no_command_module() -> None:
    probe = (
        "import sys; from click.testing import CliRunner; from coursekit.cli import main, COMMANDS;"
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output;"
        "print(sorted(m for m in sys.modules if m.startswith(('coursekit.', 'pydantic', 'yaml',"
        " 'sqlalchemy'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert (
        done.stdout.strip()
        == "['coursekit._version', 'coursekit.cli', 'coursekit.cli._options', 'coursekit.errors']"
    )
