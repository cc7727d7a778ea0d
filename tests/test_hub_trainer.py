"""The trainer's view through the coursekit service: ``report --store hub`` and the dashboard.

A trainer's or a branch secretary's token asks the service's ``GET report``;
the service counts what the token may see and the report is made from those
counts as from a store. The store's URL stays in the service. The hub and its
work are cohort_hub.py's, which test_hub_ledger.py reads too.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from cohort_hub import COURSE, FIRST, QUESTION, SECOND
from coursekit.cli import main
from hub import SECRETARIES, TRAINER, Hub


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def report(out: Path, store: str = "hub") -> Any:
    return CliRunner().invoke(main, ["report", "--store", store, "--out", str(out)])


def test_the_trainers_report_through_the_service_is_the_stores_report(
    cohort_service: tuple[Hub, str], as_user: Any, tmp_path: Path
) -> None:
    _, store_url = cohort_service
    as_user(TRAINER)
    result = report(tmp_path / "hub")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 learners (every branch) from http")
    branches = rows(tmp_path / "hub" / "branches.csv")
    assert [(b["branch"], b["members"], b["participants"]) for b in branches] == [
        ("b2", "1", "1"),
        ("b1", "2", "1"),  # 学员丁 is on the roster and never studied
    ]
    # the same page, CSVs and branch table as the store read directly
    direct = report(tmp_path / "direct", store_url)
    assert direct.exit_code == 0, direct.output
    for name in ("completion", "checkpoints", "reading", "reflections", "branches", "retired"):
        assert rows(tmp_path / "hub" / f"{name}.csv") == rows(tmp_path / "direct" / f"{name}.csv")
    assert [r["learner"] for r in rows(tmp_path / "hub" / "records.csv")] == [FIRST, SECOND]
    page = BeautifulSoup((tmp_path / "hub" / "index.html").read_text("utf-8"), "html.parser")
    text = page.get_text(" ", strip=True)
    assert "学员甲" in text and "学员乙" in text and "乙的心得" in text


def test_a_secretarys_report_holds_their_branch_only(as_user: Any, tmp_path: Path) -> None:
    as_user(SECRETARIES["b1"], shell=True)  # outside the hub: COURSEKIT_HUB_TOKEN
    result = report(tmp_path / "b1")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 learners (branch b1) from http")
    branches = rows(tmp_path / "b1" / "branches.csv")
    assert [(b["branch"], b["members"], b["participants"]) for b in branches] == [("b1", "2", "1")]
    assert {r["learner"] for r in rows(tmp_path / "b1" / "completion.csv")} == {FIRST}
    checkpoint = next(
        r for r in rows(tmp_path / "b1" / "checkpoints.csv") if r["checkpoint"] == QUESTION.id
    )
    assert (checkpoint["learners"], checkpoint["common_wrong"]) == ("1", "")  # not 乙's wrong
    page = (tmp_path / "b1" / "index.html").read_text("utf-8")
    assert "学员甲" in page
    assert "学员乙" not in page and SECOND not in page and "乙的心得" not in page


def test_a_learners_token_is_refused_with_the_services_reason(as_user: Any, tmp_path: Path) -> None:
    as_user(FIRST)
    result = report(tmp_path / "mine")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the coursekit service at http")
    assert lines[0].endswith("refused (403): the report is for trainers and branch secretaries")
    assert not (tmp_path / "mine" / "index.html").exists()


def test_no_token_is_one_error_line(
    as_user: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    as_user(TRAINER)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN")
    result = report(tmp_path / "none")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: no hub token to ask the coursekit service with: set JUPYTERHUB_API_TOKEN "
        "(a kernel under the hub has it) or COURSEKIT_HUB_TOKEN"
    ]


def test_the_dashboard_in_a_kernel_shows_what_the_token_may_see(
    as_user: Any, tmp_path: Path
) -> None:
    from coursekit.dashboard import Dashboard

    as_user(TRAINER)
    board = Dashboard(COURSE, tmp_path / "unused", "zh", store="hub")
    assert not (tmp_path / "unused").exists()
    assert board.upload.layout.display == "none"
    assert "学习记录服务（全部支部）：有学习记录的学员 2 人" in board.status.value
    assert board.report is not None
    assert list(board.report.branches["branch"]) == ["b2", "b1"]
    text = BeautifulSoup(board._repr_mimebundle_()["text/html"], "html.parser").get_text(" ")
    assert "学员甲" in text and "学员乙" in text

    as_user(SECRETARIES["b2"])
    board = Dashboard(COURSE, tmp_path / "unused", "zh", store="hub")
    assert "学习记录服务（支部：b2）：有学习记录的学员 1 人" in board.status.value
    assert board.report is not None
    assert list(board.report.branches["branch"]) == ["b2"]
    text = BeautifulSoup(board._repr_mimebundle_()["text/html"], "html.parser").get_text(" ")
    assert "学员乙" in text and "学员甲" not in text
