"""``coursekit schema``: write the JSON Schemas of the course format."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.cli._options import HELP
from coursekit.schema import write_schemas


@click.command(context_settings=HELP)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/schema"),
    show_default=True,
    help="Folder to write the schema files to.",
)
def schema_command(out: Path) -> None:
    """Write JSON Schemas of the course format, for editors to check files as they are typed."""
    for path in write_schemas(out):
        click.echo(f"wrote {path}")
