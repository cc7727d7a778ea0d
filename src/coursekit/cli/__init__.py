"""The ``coursekit`` command line.

This package is the only part of coursekit that knows click. Each command lives
in a module of its own (``cli/publish.py`` ...) and is imported only when it
runs, so that ``coursekit --help`` stays fast: nbconvert and pandas take seconds
to import on a small machine. The commands call the stages as plain functions;
what a stage raises becomes a message and an exit code here
(:func:`coursekit.cli._options.exit_with`).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from coursekit._version import __version__
from coursekit.cli._options import exit_with

__all__ = ["COMMANDS", "main"]

# name -> "module:attribute" of a click command; imported on first use.
COMMANDS = {
    "validate": "coursekit.cli.validate:validate_command",
    "ingest": "coursekit.cli.ingest:ingest_command",
    "schema": "coursekit.cli.schema:schema_command",
    "build": "coursekit.cli.build:build_command",
    "publish": "coursekit.cli.publish:publish_command",
    "record": "coursekit.cli.records:record_command",
    "report": "coursekit.cli.report:report_command",
    "ledger": "coursekit.cli.ledger:ledger_command",
    "strip": "coursekit.cli.strip:strip_command",
    "roster": "coursekit.cli.roster:roster_command",
    "serve": "coursekit.cli.serve:serve_command",
}
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyGroup(click.Group):
    """A group whose subcommands live in other modules and load on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, attr = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attr)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; what escapes it becomes one ``error:`` line, never a traceback."""
        try:
            return super().invoke(ctx)
        except click.BadParameter as exc:
            if not isinstance(exc.param.type if exc.param else None, click.Path):
                raise
            # click's own check of a path option (a file where a folder belongs, ...)
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            exit_with(exc)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="coursekit")
def main() -> None:
    """Turn a study packet into a course: ingest, validate, build, publish, report."""
