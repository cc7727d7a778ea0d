"""The trainer notebook, executed by papermill on records the test writes itself."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from test_records import COURSE, make_record, record_json

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.kernel


def test_the_trainer_notebook_shows_the_plan_and_the_cohort(tmp_path: Path) -> None:
    import papermill

    records = tmp_path / "records"
    records.mkdir()
    (records / "jia.json").write_text(record_json(make_record("甲<b>")), encoding="utf-8")
    (records / "yi.json").write_text(record_json(make_record("乙")), encoding="utf-8")
    (records / "broken.json").write_text(
        '{"schema": "coursekit.learner-record", "sch', encoding="utf-8"
    )
    out = tmp_path / "trainer.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "trainer.ipynb"),
        str(out),
        parameters={"records_dir": str(records)},
        cwd=str(ROOT / "notebooks"),
        kernel_name="python3",
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
    assert "学习方式" in text and "分散个人自学" in text
    assert "时间线" in text and "2020年1月23日 附件六" in text
    assert f"学习记录文件夹：{records}；有效记录 2 份，跳过 1 份。" in text
    assert "甲<b>" in text and "乙" in text  # learner names shown as text, escaped
    assert (
        "跳过 " + str(records / "broken.json") + "：not valid JSON (truncated or damaged)" in text
    )
    module, q = next((m, q) for m, q in COURSE.all_checkpoints() if q.prompt in text)
    assert module and q
    # the trainer's view of the first module, chosen in a list rather than typed in code
    first = COURSE.modules[0]
    assert f"打开本篇的学员视图：{first.label} {first.title}" in text
    assert "辅导提示" in text and "建议用时" in text
    # every column in Chinese; answered checkpoints first, the rest folded away
    assert "module" not in text and "尚无人作答的检查题" in text
    assert "除“各学员答对题数”外，表中的数都是人数" in text
