"""The live course's shell without a browser: the start page's list, the trainer's view,
the dashboard's order, labels, counts and uploads, and the Voilà and Binder settings.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from coursekit.model import Course
from coursekit.records import export_record, record_json
from coursekit.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]


def shown(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What ``display`` was given (no kernel here)."""
    displayed: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda item: displayed.append(item))
    return displayed


# --- the start page ------------------------------------------------------------------------


def test_the_start_page_names_the_learner_and_lists_every_module_with_progress(
    course: Course, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursekit.widgets._show import show_start

    displayed = shown(monkeypatch)
    view = show_start(course=course, store=store)
    assert displayed == [view.session, view.contents, view.record]
    soup = BeautifulSoup(view.contents.html, "html.parser")
    assert soup.h2.get_text() == "学习内容"
    links = [(a["href"], a.get_text(" ", strip=True)) for a in soup.select("li a")]
    assert links == [
        (f"{i:02d}-{m.id}.ipynb", f"{m.label} {m.title}")
        for i, m in enumerate(course.modules, start=1)
    ]
    assert soup.select(".ck-status")[0].get_text() == ""  # nobody named: no progress yet
    # the same list is the Output widget's one output, for JupyterLab to open links in place
    assert view.contents.list.outputs[0]["data"]["text/html"] == view.contents.html

    a1 = course.module("a1")
    view.session.name.value = "王建国"
    store.mark_read("王建国", course.id, "a1")
    store.add_attempt("王建国", course.id, "a1", a1.checkpoints[0].id, "x", True)
    view.session.touch()
    soup = BeautifulSoup(view.contents.html, "html.parser")
    rows = {li["data-module"]: li.select_one(".ck-status").get_text() for li in soup.select("li")}
    n = len(course.checkpoints_for("a1"))
    assert rows == {
        "overview": "未开始",
        "a1": f"已读完；检查题答对 1 / {n}；体会 0 / {len(a1.reflections)}",
    }
    assert soup.select_one(".ck-overall").get_text() == f"已完成 0 / {len(course.modules)} 篇"


def test_a_finished_module_is_marked_done(
    course: Course, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursekit.widgets._show import show_start

    shown(monkeypatch)
    overview = course.module("overview")
    store.add_learner("李四")
    store.mark_read("李四", course.id, "overview")
    for q in course.checkpoints_for("overview"):
        store.add_attempt("李四", course.id, "overview", q.id, "x", True)
    for r in overview.reflections:
        store.save_reflection("李四", course.id, "overview", r.id, "体会" * 20)
    view = show_start(learner="李四", course=course, store=store)
    done = BeautifulSoup(view.contents.html, "html.parser").select_one("li.ck-done")
    assert done is not None and done["data-module"] == "overview"
    assert done.select_one(".ck-status").get_text() == "已完成"


def test_the_start_page_shows_hostile_titles_as_text(
    hostile_course: Course, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursekit.widgets._show import show_start

    shown(monkeypatch)
    view = show_start(learner="甲", course=hostile_course, store=store)
    soup = BeautifulSoup(view.contents.html, "html.parser")
    assert soup.find_all(["script", "img"]) == []
    assert any("<script>" in a.get_text() for a in soup.select("li a"))


# --- the trainer's view --------------------------------------------------------------------


def test_the_trainer_view_shows_the_notes_of_the_module_chosen(course: Course) -> None:
    from coursekit.dashboard import TrainerView

    view = TrainerView(course)
    assert [v for _, v in view.pick.options] == [m.id for m in course.modules]
    view.pick.value = "a1"
    soup = BeautifulSoup(view.html, "html.parser")
    text = soup.get_text(" ")
    assert "建议用时：20 分钟" in text and "把分散自学误读为不必学习。" in text
    link = soup.find_all("a")[-1]
    assert link["href"] == "02-a1.ipynb"
    assert link.get_text() == f"打开本篇的学员视图：附件一 {course.module('a1').title}"
    view.pick.value = "overview"
    assert "本篇没有辅导提示。" in BeautifulSoup(view.html, "html.parser").get_text()
    assert view.notes.outputs[0]["data"]["text/html"] == view.html


# --- the dashboard ---------------------------------------------------------------------------


def _record(course: Course, learner: str, answers: list[tuple[str, str, bool]]) -> bytes:
    store = SQLiteStore(memory=True)
    store.add_learner(learner)
    for i, (qid, answer, right) in enumerate(answers):
        module = next(m for m, q in course.all_checkpoints() if q.id == qid)
        store.add_attempt(
            learner, course.id, module, qid, answer, right, at=f"2020-02-05T08:{i:02d}:00+00:00"
        )
    record = export_record(course, store, learner)
    store.close()
    return record_json(record).encode("utf-8")


def _wrong_and_right(course: Course) -> tuple[str, str, str]:
    """A single-choice checkpoint: its id, a wrong option and the right one."""
    from coursekit.grading import grade

    q = next(q for _, q in course.all_checkpoints() if q.type == "single")
    options = [str(o) for o in q.options]  # type: ignore[attr-defined]
    right = next(o for o in options if grade(q, o))
    wrong = next(o for o in options if not grade(q, o))
    return q.id, wrong, right


def test_the_dashboard_puts_answered_checkpoints_first_and_counts_people(
    course: Course, tmp_path: Path
) -> None:
    from coursekit.dashboard import Dashboard

    qid, wrong, right = _wrong_and_right(course)
    folder = tmp_path / "records"
    folder.mkdir()
    # 甲 tries the same wrong answer three times: one person, counted once
    (folder / "jia.json").write_bytes(
        _record(course, "甲", [(qid, wrong, False)] * 3 + [(qid, right, True)])
    )
    (folder / "yi.json").write_bytes(_record(course, "乙", [(qid, wrong, False)]))
    board = Dashboard(course, folder)
    soup = BeautifulSoup(board.tables.value, "html.parser")
    headers = [th.get_text(strip=True) for th in soup.find_all("th")]
    assert not [h for h in headers if h.isascii() and h.strip()], headers  # no English header
    assert "module" not in soup.get_text() and "learner" not in soup.get_text()
    tables = soup.find_all("table")
    reading, completion, answered = tables[0], tables[1], tables[2]
    # the learner is a column of its own: no extra header row holding "学员"
    assert len(completion.thead.find_all("tr")) == 1
    first = [th.get_text(strip=True) for th in completion.thead.find_all("th")]
    assert first[0] == "学员" and first[1].startswith("通知（共 ")
    learners = {tr.find("td").get_text(strip=True) for tr in completion.tbody.find_all("tr")}
    assert learners == {"甲", "乙"}
    rows = answered.tbody.find_all("tr")
    assert len(rows) == 1  # only the checkpoint somebody answered is in the open table
    cells = [td.get_text(strip=True) for td in rows[0].find_all("td")]
    assert cells[2] == "2"  # 作答人数
    assert cells[3] == "0%"  # nobody right at the first try
    assert cells[4] == f"{wrong}（2）"  # two people, not four attempts
    unanswered = soup.find("details", class_="ck-unanswered")
    count = len(course.all_checkpoints()) - 1
    assert unanswered.summary.get_text() == f"尚无人作答的检查题（{count} 道）"
    assert len(unanswered.find_all("tr")) == count + 1
    assert "除“各学员答对题数”外，表中的数都是人数" in board.status.value
    assert reading.find("th").get_text(strip=True) == "篇目"


def test_uploaded_records_are_checked_saved_and_counted(course: Course, tmp_path: Path) -> None:
    from coursekit.dashboard import Dashboard

    qid, wrong, _ = _wrong_and_right(course)
    folder = tmp_path / "records"
    board = Dashboard(course, folder)
    good = _record(course, "丙", [(qid, wrong, False)])
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("ding.json", _record(course, "丁", [(qid, wrong, False)]))
    said = board.take(
        [
            ("../../etc/丙的记录.json", good),
            ("丙的记录.json", good),  # the same file again
            ("broken.json", b'{"schema": "coursekit.learner-record"'),
            ("notes.txt", b"hello"),
            ("group.zip", packed.getvalue()),
        ]
    )
    assert said[0] == "已保存 丙的记录.json（丙）。"
    assert said[1] == "丙的记录.json 已在文件夹中，未重复保存。"
    assert said[2].startswith("未保存 broken.json：")
    assert said[3] == "未保存 notes.txt：只接受 .json 学习记录或 .zip 压缩包"
    assert said[4] == "已保存压缩包 group.zip；其中的记录在下面的表格中逐份检查。"
    assert sorted(p.name for p in folder.iterdir()) == ["group.zip", "丙的记录.json"]
    assert board.report is not None and board.report.learners == 2
    assert "有效记录 2 份" in board.status.value
    assert "已保存 丙的记录.json（丙）。" in board.uploaded.value
    # a different file of the same name is kept beside it, never over it
    other = _record(course, "丙", [(qid, wrong, False), (qid, wrong, False)])
    assert board.take([("丙的记录.json", other)]) == ["已保存 丙的记录-2.json（丙）。"]


def test_an_upload_too_large_or_of_another_course_is_not_saved(
    course: Course, tmp_path: Path
) -> None:
    from coursekit.dashboard import save_upload
    from coursekit.intake import MAX_BYTES

    folder = tmp_path / "records"
    folder.mkdir()
    said = save_upload(folder, "big.json", b" " * (MAX_BYTES + 1), course)
    assert said == f"未保存 big.json：文件过大（{MAX_BYTES + 1:,} 字节，上限 {MAX_BYTES:,} 字节）"
    other = json.loads(_record(course, "戊", []))
    other["course"]["id"] = "another-course"
    said = save_upload(folder, "other.json", json.dumps(other).encode(), course)
    assert said.startswith("未保存 other.json：")
    assert list(folder.iterdir()) == []


# --- Voilà and Binder settings -------------------------------------------------------------


def test_voila_uses_coursekits_template_which_extends_lab_and_loads_nothing_from_outside() -> None:
    config = json.loads((ROOT / "voila.json").read_text("utf-8"))["VoilaConfiguration"]
    assert config["template"] == "coursekit"
    template = ROOT / "share" / "jupyter" / "voila" / "templates" / "coursekit"
    assert json.loads((template / "conf.json").read_text("utf-8")) == {"base_template": "lab"}
    index = (template / "index.html.j2").read_text("utf-8")
    assert index.count("{%- extends 'voila/templates/lab/index.html.j2' -%}") == 1
    assert "http" not in index.replace("http://www.w3.org/2000/svg", "")
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert (
        '"share/jupyter/voila/templates/coursekit" = "share/jupyter/voila/templates/coursekit"'
        in (pyproject)
    )


def test_binder_makes_jupyterlab_chinese_and_keeps_widget_state_out() -> None:
    overrides = json.loads((ROOT / "binder" / "overrides.json").read_text("utf-8"))
    assert overrides["@jupyterlab/translation-extension:plugin"] == {"locale": "zh_CN"}
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": False}
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    requirements = (ROOT / "binder" / "requirements.txt").read_text("utf-8").splitlines()
    assert "jupyterlab-language-pack-zh-CN==4.5.post3" in requirements
    post_build = (ROOT / "binder" / "postBuild").read_text("utf-8")
    assert 'cp binder/overrides.json "$app_dir/settings/overrides.json"' in post_build


def test_the_readme_badges_open_the_start_page() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "urlpath=coursekit-voila/voila/render/notebooks/00-start.ipynb" in readme
    assert "urlpath=lab/tree/notebooks/00-start.ipynb" in readme
    assert "01-overview.ipynb)" not in readme


@pytest.mark.kernel
def test_a_built_notebook_run_again_with_only_the_course_path_still_shows_its_module(
    tmp_path: Path, store_path: Path
) -> None:
    import papermill

    out = tmp_path / "02-a1.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "02-a1.ipynb"),
        str(out),
        parameters={"course_path": str(ROOT / "courseware")},
        cwd=str(ROOT / "notebooks"),
        kernel_name="python3",
        progress_bar=False,
    )
    nb = json.loads(out.read_text("utf-8"))
    injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"]["tags"])
    assert "module" not in "".join(injected["source"])  # papermill injected the path only
    html = "".join(
        "".join(o.get("data", {}).get("text/html", ""))
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
    )
    assert "习近平作出重要指示" in html  # a1's title, from the parameters cell's own default
