"""``coursekit ledger``: each branch's study ledger (学习台账), from a store or from records."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coursekit.cli._options import (
    HELP,
    course_option,
    missing_paths,
    out_folder_options,
    report_errors,
)
from coursekit.errors import CourseInvalid, Problem

if TYPE_CHECKING:
    from coursekit.ledger.data import Ledger
    from coursekit.model import Course


@click.command(context_settings=HELP)
@click.argument("records", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--store",
    help="Read the members and their work from a learner store instead of record files: a "
    "postgresql+psycopg:// URL, a sqlite:/// URL or a path; or 'hub' (or the service's "
    "http(s):// address) for the coursekit service, asked with your hub token.",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With record files: the organisation's roster (.csv or .xlsx, as `roster import` "
    "reads it), for members' names, branches and roles, and to name who has not taken part. "
    "A store has its roster already.",
)
@click.option(
    "--branch",
    "branches",
    multiple=True,
    help="Only this branch (repeat for several). Default: every branch.",
)
@out_folder_options("ledger")
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A Word template (.docx) for the two documents: its styles, page setup, headers "
    "and footers are used (default: coursekit's own).",
)
@course_option
@report_errors
def ledger_command(
    records: tuple[Path, ...],
    store: str | None,
    roster: Path | None,
    branches: tuple[str, ...],
    out: Path,
    template: Path | None,
    force: bool,
    course: Path | None,
) -> None:
    """Write each branch's study ledger: the documents a branch secretary files after a theme day.

    Per branch, in a folder of its own: 学习登记表.xlsx (one row per member: modules read
    and when, checkpoints answered, first-try accuracy, reflections and their length),
    主题党日活动记录.docx (the activity record: theme, dates, study format and content from
    the course, participation, members who have not taken part, blanks to sign) and
    心得体会汇编.docx (every reflection, grouped by prompt). Answers are graded again from
    the course key, as in the report. Ledgers hold members' names and writing: for the
    trainer and the branch only; the folder gets a .gitignore, and is never written inside
    a published site.
    """
    from coursekit.content import load_course
    from coursekit.ledger.documents import check_template
    from coursekit.ledger.write import claim_ledger, ledger_files, write_ledger

    if bool(records) == (store is not None):
        raise click.UsageError("give record files (or folders, or zips), or --store, not both")
    if roster is not None and store is not None:
        raise click.UsageError(
            "--roster goes with record files; a store has its roster (coursekit roster import)"
        )
    missing = missing_paths(
        [*records, *([roster] if roster else []), *([template] if template else [])]
    )
    if missing:
        raise CourseInvalid(missing)
    wanted = {unicodedata.normalize("NFC", b.strip()) for b in branches} or None
    if template is not None:
        check_template(template)
    entries = None
    if roster is not None:
        from coursekit.roster import read_roster

        entries = read_roster(roster)
    loaded = load_course(course)
    output = claim_ledger(out, [*records, loaded.root, roster, template], force=force)
    skipped: list[tuple[str, str]] = []
    known: set[str | None] | None
    if store is not None:
        ledger, known = _from_store(loaded, store, wanted)
    else:
        from coursekit.ledger.data import ledger_from_cohort
        from coursekit.report import load_cohort

        cohort = load_cohort(records, loaded)
        skipped = cohort.skipped
        ledger = ledger_from_cohort(loaded, cohort, entries, wanted, source="records")
        known = {e.branch for e in entries or ()} | {r.branch for _, r in cohort.records}
    _refuse_unknown(wanted, ledger, known)
    from tqdm import tqdm

    with tqdm(
        total=len(ledger.branches), desc="ledger", unit="branch", disable=None, leave=False
    ) as bar:
        files = ledger_files(ledger, template, progress=lambda _: bar.update())
    committed = write_ledger(output, files)
    _summary(ledger, out, skipped, committed.kept)


def _from_store(
    course: Course, store: str, wanted: Collection[str] | None
) -> tuple[Ledger, set[str | None] | None]:
    """The ledger, and the branches the store knows (``None`` from the service: not ours)."""
    from coursekit.ledger.data import ledger_from_store
    from coursekit.store.hub import is_hub_target

    if is_hub_target(store):
        from coursekit.store.hub_ledger import service_ledger

        return service_ledger(course, store, wanted), None
    from coursekit.store import open_store

    opened = open_store(store)
    try:
        known = {lr.branch for lr in opened.roster()} if wanted else None
        return ledger_from_store(opened, course, wanted), known
    finally:
        opened.close()


def _refuse_unknown(wanted: set[str] | None, ledger: Ledger, known: set[str | None] | None) -> None:
    """A --branch nobody is in is a typing mistake: exit 2 and name the branches there are."""
    from coursekit.cells import terminal_text

    if not wanted:
        return
    found = {b.name for b in ledger.branches}
    lost = sorted(wanted - {n for n in found if n is not None})
    if not lost:
        return
    if known is None:
        where = " that you may see"  # the service's answer holds only what the token may see
    else:
        there = sorted(n for n in known if n)
        listed = "、".join(terminal_text(n) for n in there[:10]) or "none"
        more = f" and {len(there) - 10} more" if len(there) > 10 else ""
        where = f"; branches: {listed}{more}"
    raise CourseInvalid(
        [Problem("--branch", f"no member of branch {terminal_text(b)!r}{where}") for b in lost]
    )


def _summary(ledger: Ledger, out: Path, skipped: list[tuple[str, str]], kept: list[str]) -> None:
    from coursekit.cells import terminal_text
    from coursekit.ledger.register import branch_name

    branches = ledger.branches
    for name, why in skipped:
        click.echo(f"  skipped {terminal_text(name)}: {terminal_text(why)}")
    click.echo(
        f"wrote the ledger of {len(branches)} branch{'es' if len(branches) != 1 else ''} "
        f"to {out} (3 documents each); for the trainer and the branch only, never a public site"
    )
    lang = ledger.course.meta.lang
    for b in branches:
        members = b.roster_members
        took = sum(1 for m in members if m.took_part)
        rate = f" ({took / len(members):.0%})" if members else ""
        absent = f", {len(b.absent)} not yet" if b.roster_known else ""
        written = sum(len(m.reflections) for m in b.members)
        click.echo(
            f"  {terminal_text(branch_name(b, lang))}: {took} of {len(members)} members took "
            f"part{rate}{absent}, {written} reflections"
        )
    if kept:
        shown = ", ".join(kept[:5])
        more = f" and {len(kept) - 5} more" if len(kept) > 5 else ""
        click.echo(f"kept what coursekit did not write in {out}: {shown}{more}")
