"""``coursekit record export`` and ``coursekit record import``: a learner's record, out and in."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.cli._options import HELP, course_option, report_errors, store_option
from coursekit.records import (
    check_export_target,
    export_record,
    import_record,
    read_record,
    retired_items,
    write_record,
)


@click.group(context_settings=HELP)
def record_command() -> None:
    """Export a learner's record for the trainer, or restore one into the store."""


@record_command.command("export", context_settings=HELP)
@click.option("--learner", help="Whose record (default: the learner last named in the store).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The JSON file to write; a readable .html page is written beside it. Either may "
    "replace only a record (or record page) written before.",
)
@course_option
@store_option
@report_errors
def export_cli(learner: str | None, out: Path, course: Path | None, store: str | None) -> None:
    """Write a learner's record as JSON (for the trainer) and HTML (to read on a phone).

    An existing file at --out, or at the page's name beside it, is replaced only
    when it is a learner record (or record page) itself; never the store.
    """
    from coursekit.content import load_course
    from coursekit.store import open_store

    loaded = load_course(course)
    check_export_target(out, store)
    opened = open_store(store)
    try:
        name = learner or opened.last_learner()
        if not name or opened.learner(name) is None:
            known = opened.learners()
            # an organisation's store knows thousands: name a few, and say how many
            shown = ", ".join(known[:10]) + (
                f" and {len(known) - 10} more" if len(known) > 10 else ""
            )
            raise click.BadParameter(
                f"no learner {name!r} in the store (known: {shown or 'none'})"
                if name
                else "the store has no learner yet",
                param_hint="--learner",
            )
        record = export_record(loaded, opened, name)
    finally:
        opened.close()
    json_path, page = write_record(loaded, record, out)
    answered = sum(len(m["attempts"]) for m in record["modules"])
    click.echo(
        f"wrote {json_path} and {page}: {name}, {answered} attempts, "
        f"{sum(1 for m in record['modules'] if m['read_at'])} modules read"
    )


@record_command.command("import", context_settings=HELP)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@course_option
@store_option
@report_errors
def import_cli(file: Path, course: Path | None, store: str | None) -> None:
    """Restore a learner's record into the store, to resume in a new session."""
    from coursekit.content import load_course
    from coursekit.store import open_store

    loaded = load_course(course)
    record = read_record(file, loaded)
    opened = open_store(store)
    try:
        counts = import_record(opened, record, loaded)
    finally:
        opened.close()
    click.echo(
        f"restored {record.learner}: {counts.reads} reads, {counts.attempts} attempts, "
        f"{counts.reflections} reflections added"
    )
    retired = retired_items(record, loaded)
    if retired:
        names = ", ".join(f"{r.kind} {r.item}" for r in retired)
        click.echo(f"kept {len(retired)} items that are no longer in the course: {names}")
