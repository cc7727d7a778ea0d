"""``coursekit ingest``: turn a plain-text study packet into a course folder."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.cli._options import HELP, report_errors
from coursekit.errors import CourseInvalid
from coursekit.ingest import Ingested, ingest
from coursekit.transcript import REPORT


@click.command(context_settings=HELP)
@click.argument("packet", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The course folder to write: new or empty, or one ingest wrote before (with --force).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Merge the packet into a course folder ingest wrote before, keeping your edits.",
)
@report_errors
def ingest_command(packet: Path, out: Path, force: bool) -> None:
    """Turn a plain-text study packet into a course folder that validates.

    Page-break splits, stray emphasis and spaces inside numbers are repaired;
    INGEST-REPORT.md in the folder lists every change, every line kept as
    metadata and the guesses to check (the course id, the study format, the
    categories). With --force, a folder ingest wrote before is merged: the
    text comes from the packet, your questions, notes, glossary and edits
    stay. Files ingest did not write are never changed.
    """
    result = ingest(packet, out, force=force)
    _say(result)
    if result.merged:
        _validate_merged(out)


def _validate_merged(out: Path) -> None:
    """A merged course keeps the trainer's files, which may no longer fit: say so, not fail."""
    from coursekit.content import load_course

    try:
        load_course(out)
    except CourseInvalid as exc:
        n = len(exc.problems)
        click.echo(
            f"the merged course does not validate yet ({n} problem{'s' if n != 1 else ''}): "
            f"fix them and run `coursekit validate {out}`",
            err=True,
        )


def _say(result: Ingested) -> None:
    out, packet = result.out, result.packet
    verb = "merged the packet into" if result.merged else "wrote"
    click.echo(
        f"{verb} {out}: {len(packet.parts)} modules, {len(packet.repairs)} repairs "
        f"(see {out / REPORT})"
    )
    click.echo(
        f"check the course id {result.course_id} in {out / 'course.yaml'}: learner records "
        "carry it, so change it now if you want another"
    )
    if packet.study_format.doubts and not result.merged:
        click.echo(
            "review the study format in course.yaml: ingest could not read "
            + "; ".join(packet.study_format.doubts),
            err=True,
        )
    for note in result.notes:
        click.echo(note.removeprefix("- "))
    if result.stale:
        n = len(result.stale)
        quotes = "quote no longer stands" if n == 1 else "quotes no longer stand"
        click.echo(f"{n} evidence {quotes} in the new text (fix them by hand):", err=True)
        for line in result.stale:
            click.echo(f"warning: {line}", err=True)
    for line in result.differences:
        click.echo(f"warning: not in the course: {line}", err=True)
    if result.committed.kept:
        click.echo(
            f"kept as they were: {', '.join(result.committed.kept[:8])}"
            + (" …" if len(result.committed.kept) > 8 else "")
        )
