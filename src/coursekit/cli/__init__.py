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
    "voila": "coursekit.cli.voila:voila_command",
}
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


#: Each command's one-line help as ``coursekit --help`` lists it, so that listing them
#: imports none of them (the command modules import SQLAlchemy, pandas, nbconvert...).
#: tests/test_cli_fast.py checks that each is the command's own short help.
SHORT_HELP = {
    "build": "Write one notebook per module (NN-<module>.ipynb) and trainer.ipynb.",
    "ingest": "Turn a plain-text study packet into a course folder that validates.",
    "ledger": "Write each branch's study ledger: the documents a branch secretary files "
    "after a theme day.",
    "publish": "Execute the module notebooks and publish handouts, worksheets and trainer guides.",
    "record": "Export a learner's record for the trainer, or restore one into the store.",
    "report": "Read learner records (files, folders or zip files), or a store, and write the "
    "report.",
    "roster": "Load an organisation's members (learner ids, names, branches) into the store; "
    "list them.",
    "schema": "Write JSON Schemas of the course format, for editors to check files as they "
    "are typed.",
    "serve": "Serve the learner store to hub users (a JupyterHub managed service).",
    "strip": "Strip outputs, execution counts and widget state from notebooks, in place.",
    "validate": "Check a course folder (the bundled course by default) and print its outline.",
    "voila": "Serve the course's pages with Voilà, each with a pre-heated kernel.",
}


class LazyGroup(click.Group):
    """A group whose subcommands live in other modules and load on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from :data:`SHORT_HELP`: ``--help`` loads no command module."""
        names = self.list_commands(ctx)
        if not names:
            return
        # as click's own format_commands: what is left of the line after the longest name
        limit = formatter.width - 6 - max(len(name) for name in names)
        # shortened by click's own rule, as it shortens a loaded command's help
        rows = [
            (name, click.Command(name, help=SHORT_HELP[name]).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
