"""The trainer's cohort report: who studied what, where the cohort went wrong, what members wrote.

:func:`load_cohort` reads record files, folders and zip files; every bad file
is skipped with its reason and the rest are used. :func:`build_report` turns
the records into pandas DataFrames; :func:`write_report` writes ``index.html``
(in Chinese, tables and CSS bars, nothing from elsewhere) and CSV files.
Reports are for trainers only: nothing here goes into the published site.
"""

from __future__ import annotations

import contextlib
import gc
import html
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from coursekit.cli import course_option, report_errors
from coursekit.errors import RecordInvalid
from coursekit.model import Course
from coursekit.records import MAX_BYTES, LearnerRecord, given_answer_text, parse_record

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Cohort", "Report", "build_report", "load_cohort", "write_report"]

MAX_ZIP_MEMBERS = 100_000


@dataclass
class Cohort:
    """The records that passed every check, newest per learner, and the files skipped."""

    records: list[tuple[str, LearnerRecord]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _sources(paths: Iterable[Path]) -> Iterator[tuple[str, bytes | None, str | None]]:
    """(name, bytes, reason): the candidate record files in files, folders and zip files."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in {".json", ".zip"}:
                    yield from _sources([child])
        elif path.suffix.lower() == ".zip":
            yield from _zip_members(path)
        elif not path.exists():
            yield str(path), None, "file not found"
        elif (size := path.stat().st_size) > MAX_BYTES:
            yield str(path), None, f"too large ({size:,} bytes; the limit is {MAX_BYTES:,})"
        else:
            yield str(path), path.read_bytes(), None


def _zip_members(path: Path) -> Iterator[tuple[str, bytes | None, str | None]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield str(path), None, f"not a readable zip file ({exc})"
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and m.filename.endswith(".json")]
        if len(members) > MAX_ZIP_MEMBERS:
            yield str(path), None, f"holds {len(members):,} files; the limit is {MAX_ZIP_MEMBERS:,}"
            return
        for member in members:
            name = f"{path}!{member.filename}"
            if member.file_size > MAX_BYTES:
                yield (
                    name,
                    None,
                    f"too large ({member.file_size:,} bytes; the limit is {MAX_BYTES:,})",
                )
                continue
            try:
                yield name, archive.read(member), None
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield name, None, f"cannot be read from the zip file ({exc})"


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector: thousands of live records hold no cycles, and rescanning
    them on every burst of allocations would triple the time a large report takes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_cohort(paths: Iterable[Path], course: Course) -> Cohort:
    """Check every record; keep the newest record of each learner."""
    with _no_cyclic_gc():
        return _load_cohort(paths, course)


def _load_cohort(paths: Iterable[Path], course: Course) -> Cohort:
    cohort = Cohort()
    newest: dict[str, tuple[str, LearnerRecord]] = {}
    for name, data, reason in _sources(paths):
        if data is None:
            cohort.skipped.append((name, reason or "unreadable"))
            continue
        try:
            record = parse_record(data, name, course)
        except RecordInvalid as exc:
            cohort.skipped.append((name, exc.reason))
            continue
        held = newest.get(record.learner)
        if held is None:
            newest[record.learner] = (name, record)
            continue
        older, newer = sorted([held, (name, record)], key=lambda nr: nr[1].last_activity or "")
        newest[record.learner] = newer
        cohort.skipped.append(
            (
                older[0],
                f"an older record of learner {record.learner!r}; "
                f"the newer one in {newer[0]} is used",
            )
        )
    cohort.records = sorted(newest.values(), key=lambda nr: nr[1].learner)
    return cohort


@dataclass
class Report:
    """The cohort as DataFrames, one per question a trainer asks."""

    completion: pd.DataFrame  # learner × module: read, answered, correct, reflections
    checkpoints: (
        pd.DataFrame
    )  # per checkpoint: first-attempt share correct, commonest wrong answers
    reading: pd.DataFrame  # per module: learners who read it to the end
    reflections: pd.DataFrame  # per prompt: responses, median length, excerpts
    skipped: pd.DataFrame  # file, reason
    learners: int


def build_report(course: Course, cohort: Cohort) -> Report:
    """The cohort's DataFrames (see :class:`Report`)."""
    with _no_cyclic_gc():
        return _build_report(course, cohort)


def _build_report(course: Course, cohort: Cohort) -> Report:
    import pandas as pd

    modules = [m.id for m in course.modules]
    questions = course.all_checkpoints()
    completion_rows: list[tuple[Any, ...]] = []
    first: dict[str, list[bool]] = {q.id: [] for _, q in questions}
    wrong: dict[str, Counter[str]] = {q.id: Counter() for _, q in questions}
    texts: dict[str, list[str]] = {r.id: [] for m in course.modules for r in m.reflections}
    for _, record in cohort.records:
        by_module = {m.module: m for m in record.modules}
        for module_id in modules:
            m = by_module.get(module_id)
            seen: set[str] = set()
            right: set[str] = set()
            written = 0
            if m is not None:
                for a in m.attempts:
                    if a.checkpoint not in seen:
                        first[a.checkpoint].append(a.correct)
                        seen.add(a.checkpoint)
                    if a.correct:
                        right.add(a.checkpoint)
                    else:
                        wrong[a.checkpoint][given_answer_text(a.answer)] += 1
                for r in m.reflections:
                    if r.text.strip():
                        written += 1
                        texts[r.reflection].append(r.text)
            completion_rows.append(
                (record.learner, module_id, bool(m and m.read_at), len(seen), len(right), written)
            )
    completion = pd.DataFrame(
        completion_rows, columns=["learner", "module", "read", "answered", "correct", "reflections"]
    )
    n = len(cohort.records)
    checkpoints = pd.DataFrame(
        [
            (
                module_id,
                q.id,
                q.type,
                q.prompt,
                len(first[q.id]),
                (sum(first[q.id]) / len(first[q.id])) if first[q.id] else float("nan"),
                "；".join(f"{answer}（{count}）" for answer, count in wrong[q.id].most_common(3)),
            )
            for module_id, q in questions
        ],
        columns=[
            "module",
            "checkpoint",
            "type",
            "prompt",
            "learners",
            "first_correct",
            "common_wrong",
        ],
    )
    read_counts = completion.groupby("module", sort=False)["read"].sum() if n else None
    reading = pd.DataFrame(
        [
            (m.id, m.label, m.title, int(read_counts[m.id]) if read_counts is not None else 0)
            for m in course.modules
        ],
        columns=["module", "label", "title", "read"],
    )
    reading["share"] = reading["read"] / n if n else 0.0
    reflections = pd.DataFrame(
        [
            (
                m.id,
                r.id,
                r.prompt,
                len(texts[r.id]),
                int(pd.Series([len(t) for t in texts[r.id]]).median()) if texts[r.id] else 0,
                texts[r.id][:5],
            )
            for m in course.modules
            for r in m.reflections
        ],
        columns=["module", "reflection", "prompt", "responses", "median_chars", "excerpts"],
    )
    skipped = pd.DataFrame(cohort.skipped, columns=["file", "reason"])
    return Report(completion, checkpoints, reading, reflections, skipped, n)


# --- writing -------------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:0 auto;max-width:64rem;padding:1rem;line-height:1.6;color:#222;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;
padding:.2rem .4rem;text-align:left;vertical-align:top}.wrap{overflow-x:auto}
.bar{background:#dde;min-width:6rem}.bar span{display:block;background:#4a6fa5;color:#fff;
padding:0 .3rem;white-space:nowrap}blockquote{margin:.3rem 0;padding:.3rem .6rem;background:#f5f5f5;
white-space:pre-wrap}.note{color:#555}
@media print{.wrap{overflow:visible}}
"""


def _bar(share: float) -> str:
    if share != share:  # NaN: nobody answered
        return "—"
    pct = round(share * 100)
    return (
        f'<div class="bar" role="img" aria-label="{pct}%">'
        f'<span style="width:{pct}%">{pct}%</span></div>'
    )


def _table(headers: list[str], rows: Iterable[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def report_html(course: Course, report: Report) -> str:
    e = html.escape
    labels = {m.id: m.label for m in course.modules}
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>学习情况报告 · {e(course.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>学习情况报告</h1><p>{e(course.title)}</p>",
        f'<p>有效学习记录 {report.learners} 份；跳过 {len(report.skipped)} 份。<span class="note">'
        "本报告仅供培训者使用，请勿发布到学员讲义网站。</span></p>",
        "<h2>阅读完成情况</h2>",
        _table(
            ["模块", "标题", "读完人数", "比例"],
            (
                [e(r["label"]), e(r["title"]), str(r["read"]), _bar(r["share"])]
                for r in _rows(report.reading)
            ),
        ),
        "<h2>学员完成情况</h2>",
    ]
    if report.learners:
        modules = [m.id for m in course.modules]
        correct = report.completion.pivot(index="learner", columns="module", values="correct")[
            modules
        ]
        read = report.completion.pivot(index="learner", columns="module", values="read")[modules]
        rows = (
            [e(str(learner))]
            + [f"{'✓读' if r else '未读'} · 答对{c}" for r, c in zip(reads, rights, strict=True)]
            for learner, reads, rights in zip(
                correct.index, read.to_numpy().tolist(), correct.to_numpy().tolist(), strict=True
            )
        )
        parts.append(_table(["学员", *(labels[m] for m in modules)], rows))
    else:
        parts.append("<p>尚无有效记录。</p>")
    parts.append("<h2>检查题：首次作答正确率与常见错误</h2>")
    parts.append(
        _table(
            ["模块", "题目", "作答人数", "首次正确率", "常见错误答案"],
            (
                [
                    e(labels[r["module"]]),
                    e(r["prompt"]),
                    str(r["learners"]),
                    _bar(r["first_correct"]),
                    e(r["common_wrong"]),
                ]
                for r in _rows(report.checkpoints)
            ),
        )
    )
    parts.append("<h2>心得体会摘编（供线上交流）</h2>")
    for r in _rows(report.reflections):
        parts.append(
            f"<h3>{e(labels[r['module']])}：{e(r['prompt'])}</h3><p>{r['responses']} 人作答，"
            f"中位长度 {r['median_chars']} 字。</p>"
        )
        parts += [
            f"<blockquote>{e(t[:300])}{'……' if len(t) > 300 else ''}</blockquote>"
            for t in r["excerpts"]
        ]
    if len(report.skipped):
        parts.append("<h2>跳过的文件</h2>")
        parts.append(
            _table(
                ["文件", "原因"], ([e(r["file"]), e(r["reason"])] for r in _rows(report.skipped))
            )
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(course: Course, report: Report, out: Path, xlsx: bool = False) -> list[Path]:
    """Write index.html and the CSV files (and report.xlsx) to ``out``, swapped in whole."""
    frames = {
        "completion": report.completion,
        "checkpoints": report.checkpoints,
        "reading": report.reading,
        "reflections": report.reflections.assign(
            excerpts=report.reflections["excerpts"].map(" ｜ ".join)
        ),
        "skipped": report.skipped,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        (tmp / "index.html").write_text(report_html(course, report), encoding="utf-8")
        for name, frame in frames.items():
            frame.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8-sig")
        if xlsx:
            try:
                import openpyxl  # type: ignore[import-untyped]  # noqa: F401 - pandas writes XLSX through it
            except ImportError:
                raise click.UsageError(
                    "--xlsx needs openpyxl: pip install 'coursekit[xlsx]'"
                ) from None
            import pandas as pd

            with pd.ExcelWriter(tmp / "report.xlsx") as writer:
                for name, frame in frames.items():
                    frame.to_excel(writer, sheet_name=name, index=False)
        old = out.with_name(f".{out.name}-old")
        if out.exists():
            out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out.iterdir())


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("records", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("report"),
    show_default=True,
    help="The report folder (replaced whole).",
)
@click.option("--xlsx", is_flag=True, help="Also write report.xlsx (needs the xlsx extra).")
@course_option
@report_errors
def report_command(records: tuple[Path, ...], out: Path, xlsx: bool, course: Path | None) -> None:
    """Read learner records (files, folders or zip files) and write the cohort report.

    Bad files are skipped and listed with their reason; when a learner sent
    several records, the newest is used. For trainers only.
    """
    from coursekit.content import load_course

    loaded = load_course(course)
    cohort = load_cohort(records, loaded)
    report = build_report(loaded, cohort)
    write_report(loaded, report, out, xlsx=xlsx)
    click.echo(
        f"{report.learners} records used, {len(report.skipped)} skipped; wrote {out / 'index.html'}"
    )
    for name, reason in cohort.skipped:
        click.echo(f"  skipped {name}: {reason}")
    if report.learners:
        done = report.completion.groupby("learner")["read"].all().sum()
        click.echo(f"read every module: {done} of {report.learners} learners")
        hardest = report.checkpoints.dropna(subset=["first_correct"]).nsmallest(1, "first_correct")
        for row in _rows(hardest):
            click.echo(
                f"hardest checkpoint: {row['checkpoint']} "
                f"({row['first_correct']:.0%} right at first try)"
            )
