"""``coursekit report``: read learner records and write the cohort report."""

from __future__ import annotations

from pathlib import Path

import click

from coursekit.cli._options import (
    HELP,
    course_option,
    missing_paths,
    out_folder_options,
    report_errors,
)
from coursekit.errors import CourseInvalid
from coursekit.report import (
    Cohort,
    build_report,
    claim_report,
    load_cohort,
    need_openpyxl,
    report_from_counts,
    report_from_store,
    summary_lines,
    write_report,
)


@click.command(context_settings=HELP)
@click.argument("records", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--store",
    help="Read the cohort straight from a learner store instead of record files: a "
    "postgresql+psycopg:// URL, a sqlite:/// URL or a path; or 'hub' (or the service's "
    "http(s):// address) for the coursekit service, asked with your hub token "
    "($JUPYTERHUB_API_TOKEN, else $COURSEKIT_HUB_TOKEN). No record files are needed.",
)
@out_folder_options("report")
@click.option("--xlsx", is_flag=True, help="Also write report.xlsx.")
@course_option
@report_errors
def report_command(
    records: tuple[Path, ...],
    store: str | None,
    out: Path,
    xlsx: bool,
    course: Path | None,
    force: bool,
) -> None:
    """Read learner records (files, folders or zip files), or a store, and write the report.

    Every answer is graded again from the course's key. Bad files are skipped
    and listed with their reason; when a learner sent several records, the one
    with the most work is used. With --store, the cohort is everyone with work
    in the course in that store, with the roster's names and branches; with
    --store hub, what the coursekit service lets your hub token see (a branch
    secretary's report holds their branch only). For trainers only: the report
    folder gets a .gitignore, so git never commits it.
    """
    from coursekit.content import load_course
    from coursekit.store.hub import is_hub_target

    if bool(records) == (store is not None):
        raise click.UsageError("give record files (or folders, or zips), or --store, not both")
    missing = missing_paths(records)
    if missing:
        raise CourseInvalid(missing)
    loaded = load_course(course)
    if xlsx:
        need_openpyxl()
    output = claim_report(out, loaded, records, force=force, xlsx=xlsx)
    if store is not None and is_hub_target(store):
        from coursekit.store.hub_cohort import service_cohort

        seen = service_cohort(loaded, store)
        report = report_from_counts(loaded, seen.counts, seen.where)
        cohort = Cohort()
        scope = "every branch" if seen.branches is None else "branch " + ", ".join(seen.branches)
        source = f"learners ({scope}) from {seen.where}"
    elif store is not None:
        from coursekit.store import open_store

        opened = open_store(store)
        try:
            report = report_from_store(loaded, opened)
        finally:
            opened.close()
        cohort = Cohort()
        source = f"learners in {opened.where}"
    else:
        cohort = load_cohort(records, loaded)
        report = build_report(loaded, cohort)
        source = "records used"
    lines = summary_lines(loaded, cohort, report)
    committed = write_report(loaded, report, out, xlsx=xlsx, output=output)
    click.echo(
        f"{report.learners} {source}, {len(report.skipped)} skipped; wrote {out / 'index.html'}"
    )
    for line in lines:
        click.echo(line)
    if committed.kept:
        shown = ", ".join(committed.kept[:5])
        more = f" and {len(committed.kept) - 5} more" if len(committed.kept) > 5 else ""
        click.echo(f"kept what coursekit did not write in {out}: {shown}{more}")
