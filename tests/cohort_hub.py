"""One hub for the trainers' views through the service (the report, the ledger), with some work.

``cohort_service`` starts the coursekit service behind a real hub once a test
session, with two branches: b1 (学员甲 studies, 学员丁 does not) and b2 (学员乙
studies); test_hub_trainer.py and test_hub_ledger.py both read it, and a test
that adds to its store takes the addition out again. ``as_user`` sets the
environment of a user's kernel under that hub (or of a trainer's shell).
The course's learners and the question they answer here are every hub test's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coursekit.content import load_course
from coursekit.model import SingleChoice
from coursekit.store import RosterEntry
from hub import API, BRANCHES, Hub, coursekit_service
from postgres import Cluster

__all__ = [
    "COURSE",
    "FIRST",
    "IDLE",
    "MODULE",
    "PROMPT",
    "QUESTION",
    "RIGHT",
    "SECOND",
    "WRONG",
    "as_user",
    "attempt",
    "cohort_service",
]

FIRST, SECOND = (members[0] for members in BRANCHES.values())  # learner-b1, learner-b2
IDLE = "learner-idle"  # on b1's roster, never studies
COURSE = load_course()
MODULE, QUESTION = next((m, q) for m, q in COURSE.all_checkpoints() if isinstance(q, SingleChoice))
assert isinstance(QUESTION, SingleChoice)
RIGHT = QUESTION.answer
WRONG = next(o for o in QUESTION.options if o != RIGHT)
PROMPT = next(r for m in COURSE.modules if m.id == MODULE for r in m.reflections)


@pytest.fixture(scope="session")
def cohort_service(postgres_server: Cluster) -> Iterator[tuple[Hub, str]]:
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


def attempt(answer: Any = RIGHT, **extra: Any) -> dict[str, Any]:
    """A ``POST attempts`` body answering QUESTION, with a new idempotency key."""
    return {
        "course_id": COURSE.id,
        "module": MODULE,
        "checkpoint_id": QUESTION.id,
        "answer": answer,
        "key": str(uuid.uuid4()),
        **extra,
    }


@pytest.fixture
def as_user(
    cohort_service: tuple[Hub, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Any:
    """Set the environment of ``user``'s kernel under the hub (or, with ``shell``, of a
    trainer's shell: ``COURSEKIT_HUB_TOKEN`` and the service's address)."""
    hub, _ = cohort_service

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
