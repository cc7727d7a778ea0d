"""``coursekit roster import`` and ``coursekit roster list``: an organisation's members."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from coursekit.cli._options import HELP, report_errors, store_option


@click.group(context_settings=HELP)
def roster_command() -> None:
    """Load an organisation's members (learner ids, names, branches) into the store; list them."""


@roster_command.command("import", context_settings=HELP)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file only; write nothing to the store.")
@store_option
@report_errors
def import_cli(file: Path, dry_run: bool, store: str | None) -> None:
    """Add or update the members listed in FILE (.csv or .xlsx) in the learner store.

    Columns are found by their header, in Chinese or English: learner id (learner_id,
    id, 编号, 党员编号, 工号), name (name, 姓名) and, optionally, branch (branch, 支部,
    所在支部) and role (role, 职务, 党内职务): a member whose role is 支部书记 (or 书记) is
    named as the branch's secretary in `coursekit ledger`. A bad line stops the import:
    every problem is listed and nothing is written. Members already in the store but
    missing from FILE are kept.
    """
    from coursekit.cells import terminal_text
    from coursekit.roster import read_roster

    entries = read_roster(file)
    branches = {e.branch for e in entries if e.branch is not None}
    unassigned = sum(1 for e in entries if e.branch is None)
    summary = f"{terminal_text(str(file))}: {_count(len(entries), 'member')}"
    if branches:
        summary += f" in {_count(len(branches), 'branch', 'branches')}"
        if unassigned:
            summary += f" ({unassigned:,} without a branch)"
    else:
        summary += ", no branch given"
    if dry_run:
        click.echo(f"{summary}; checked, nothing was written (--dry-run)")
        return
    from coursekit.store import open_store

    opened = open_store(store)
    try:
        counts = opened.import_roster(entries)
    finally:
        opened.close()
    click.echo(
        f"{summary}; {counts.added:,} added, {counts.updated:,} updated, "
        f"{counts.unchanged:,} unchanged"
    )


@roster_command.command("list", context_settings=HELP)
@click.option("--branch", help="Only the members of this branch.")
@store_option
@report_errors
def list_cli(branch: str | None, store: str | None) -> None:
    """List every learner in the store: learner id, name, branch (and role), by branch then id."""
    from coursekit.cells import terminal_text
    from coursekit.store import open_store

    wanted = None if branch is None else unicodedata.normalize("NFC", branch.strip())
    opened = open_store(store)
    try:
        learners = opened.roster(wanted)
    finally:
        opened.close()
    if not learners:
        where = f" in branch {terminal_text(branch)}" if branch is not None else ""
        click.echo(f"no members{where} in the store", err=True)
        return
    roles = any(lr.role for lr in learners)
    rows = [("learner id", "name", "branch", *(("role",) if roles else ()))] + [
        (
            terminal_text(lr.id),
            terminal_text(lr.name),
            terminal_text(lr.branch or "-"),
            *((terminal_text(lr.role or "-"),) if roles else ()),
        )
        for lr in learners
    ]
    last = len(rows[0]) - 1
    widths = [max(_width(row[i]) for row in rows) for i in range(last)]
    for row in rows:
        padded = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(last)]
        click.echo("  ".join([*padded, row[last]]))


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
        for c in text
    )
