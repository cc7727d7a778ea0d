"""The trainer's view through the coursekit service: ``report --store hub`` and the dashboard.

A trainer's or a branch secretary's token asks the service's ``GET report``;
the service counts what the token may see and the report is made from those
counts as from a store. The store's URL stays in the service.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from coursekit.cli import main
from coursekit.content import load_course
from coursekit.model import SingleChoice
from coursekit.store import RosterEntry
from hub import API, BRANCHES, SECRETARIES, TRAINER, Hub, coursekit_service
from postgres import Cluster

FIRST, SECOND = (members[0] for members in BRANCHES.values())  # learner-b1, learner-b2
IDLE = "learner-idle"  # on b1's roster, never studies
COURSE = load_course()
MODULE, QUESTION = next((m, q) for m, q in COURSE.all_checkpoints() if isinstance(q, SingleChoice))
assert isinstance(QUESTION, SingleChoice)
RIGHT = QUESTION.answer
WRONG = next(o for o in QUESTION.options if o != RIGHT)
PROMPT = next(r for m in COURSE.modules if m.id == MODULE for r in m.reflections)


@pytest.fixture(scope="module")
def service(postgres_server: Cluster) -> Iterator[tuple[Hub, str]]:
    """The service with two branches: b1 (甲 studies, 丁 does not) and b2 (乙 studies)."""
    roster = [
        RosterEntry(FIRST, "学员甲", "b1"),
        RosterEntry(SECOND, "学员乙", "b2"),
        RosterEntry(IDLE, "学员丁", "b1"),
    ]
    with coursekit_service(postgres_server, roster) as running:
        hub, _ = running
        first, second = hub.token_for(FIRST), hub.token_for(SECOND)
        assert hub.api("POST", API + "attempts", token=first, body=attempt(RIGHT)).status == 201
        assert hub.api("POST", API + "attempts", token=second, body=attempt(WRONG)).status == 201
        read = hub.api("PUT", API + f"reads/{COURSE.id}/{MODULE}", token=first, body={})
        assert read.status in (200, 201), read.body
        wrote = hub.api(
            "PUT",
            API + f"reflections/{COURSE.id}/{PROMPT.id}",
            token=second,
            body={"module": MODULE, "text": "乙的心得"},
        )
        assert wrote.status in (200, 201), wrote.body
        yield running


def attempt(answer: Any) -> dict[str, Any]:
    return {
        "course_id": COURSE.id,
        "module": MODULE,
        "checkpoint_id": QUESTION.id,
        "answer": answer,
        "key": str(uuid.uuid4()),
    }


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture
def as_user(service: tuple[Hub, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Set the environment of ``user``'s kernel under the hub (or, with ``shell``, of a
    trainer's shell: ``COURSEKIT_HUB_TOKEN`` and the service's address)."""
    hub, _ = service

    def become(user: str, shell: bool = False) -> None:
        for name in (
            "JUPYTERHUB_API_TOKEN",
            "JUPYTERHUB_USER",
            "JUPYTERHUB_API_URL",
            "COURSEKIT_HUB_TOKEN",
            "COURSEKIT_SERVICE_URL",
            "COURSEKIT_STORE",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path / "home"))
        token = hub.token_for(user)
        if shell:
            monkeypatch.setenv("COURSEKIT_HUB_TOKEN", token)
            monkeypatch.setenv("COURSEKIT_SERVICE_URL", f"{hub.url}/services/coursekit/")
        else:
            monkeypatch.setenv("JUPYTERHUB_API_TOKEN", token)
            monkeypatch.setenv("JUPYTERHUB_USER", user)
            monkeypatch.setenv("JUPYTERHUB_API_URL", f"{hub.url}/hub/api")

    return become


def report(out: Path, store: str = "hub") -> Any:
    return CliRunner().invoke(main, ["report", "--store", store, "--out", str(out)])


def test_the_trainers_report_through_the_service_is_the_stores_report(
    service: tuple[Hub, str], as_user: Any, tmp_path: Path
) -> None:
    _, store_url = service
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
