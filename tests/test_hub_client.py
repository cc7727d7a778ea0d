"""HubStore: a learner's kernel saves through ``coursekit serve`` behind a real JupyterHub.

The kernel's environment is what the hub gives a single-user server
(``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_USER``, ``JUPYTERHUB_API_URL``) and
``COURSEKIT_STORE=hub``; the store URL is in the service only. While the
service cannot be reached the writes wait in ``$COURSEKIT_HOME/outbox.sqlite3``
and are sent, once each, at the next call that reaches it.
"""

from __future__ import annotations

import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cohort_hub import COURSE, FIRST, MODULE, PROMPT, QUESTION, RIGHT, SECOND, WRONG
from coursekit.errors import StoreError
from coursekit.store import (
    Attempt,
    LearnerDump,
    Read,
    RestoreCounts,
    RosterEntry,
    SavedReflection,
    learner_store,
    open_store,
)
from coursekit.store.hub import HubStore
from coursekit.widgets import Checkpoint, LearnerSession
from hub import API, Hub, coursekit_service
from postgres import Cluster


@pytest.fixture(scope="module")
def service(postgres_server: Cluster) -> Iterator[tuple[Hub, str]]:
    roster = [RosterEntry(FIRST, "学员甲", "b1"), RosterEntry(SECOND, "学员乙", "b2")]
    with coursekit_service(postgres_server, roster) as running:
        yield running


@pytest.fixture
def kernel(
    service: tuple[Hub, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HubStore]:
    """A kernel of a new learner under the hub: its environment, and the store it opens."""
    hub, _ = service
    user = f"learner-{uuid.uuid4().hex[:8]}"
    hub.api("POST", f"/hub/api/users/{user}")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", hub.token_for(user))
    monkeypatch.setenv("JUPYTERHUB_USER", user)
    monkeypatch.setenv("JUPYTERHUB_API_URL", f"{hub.url}/hub/api")
    monkeypatch.setenv("COURSEKIT_HOME", str(tmp_path))
    monkeypatch.setenv("COURSEKIT_STORE", "hub")
    monkeypatch.delenv("COURSEKIT_SERVICE_URL", raising=False)
    store = learner_store()
    assert isinstance(store, HubStore)
    yield store
    store.close()


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/services/coursekit/"


def stored(store_url: str, learner: str) -> list[tuple[Any, str]]:
    """The learner's attempts in the service's database: (answer, time)."""
    store = open_store(store_url)
    try:
        return [(a.answer, a.at) for a in store.attempts(learner)]
    finally:
        store.close()


def kept_rows(home: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(home / "outbox.sqlite3") as db:
        return list(db.execute("SELECT path, refused FROM outbox ORDER BY seq"))


def test_a_kernel_saves_and_reads_back_its_own_work_through_the_service(
    kernel: HubStore, service: tuple[Hub, str]
) -> None:
    _, store_url = service
    me = kernel.user
    # the hub told the kernel where the service is: its own address and prefix
    assert kernel.service_url.endswith("/services/coursekit/")
    assert kernel.last_learner() == me and kernel.learners() == [me]

    # the page's own grade is not trusted: the service grades from the course key
    posted = kernel.add_attempt(me, COURSE.id, MODULE, QUESTION.id, RIGHT, correct=False)
    assert (posted.learner, posted.correct) == (me, True)
    done = kernel.mark_read(me, COURSE.id, MODULE, at="2024-03-01T08:00:00+00:00")
    assert done == "2024-03-01T08:00:00+00:00"
    # marked read again later: the first time stays
    assert kernel.mark_read(me, COURSE.id, MODULE) == done
    kernel.save_reflection(me, COURSE.id, MODULE, PROMPT.id, "第一稿")
    kernel.save_reflection(me, COURSE.id, MODULE, PROMPT.id, "第二稿")

    assert [(a.answer, a.correct) for a in kernel.attempts(me, COURSE.id, MODULE)] == [
        (RIGHT, True)
    ]
    assert kernel.read_at(me, COURSE.id, MODULE) == done
    assert kernel.reflection(me, COURSE.id, PROMPT.id).text == "第二稿"  # type: ignore[union-attr]
    dump = kernel.dump(me, COURSE.id)
    assert (len(dump.reads), len(dump.attempts), len(dump.reflections)) == (1, 1, 1)
    assert [answer for answer, _ in stored(store_url, me)] == [RIGHT]
    assert kernel.kept() == 0


def test_the_learner_is_the_hub_user_never_a_typed_name(kernel: HubStore) -> None:
    with pytest.raises(StoreError) as refused:
        kernel.add_learner("王建国")
    assert refused.value.reason("zh") == (
        f"在 JupyterHub 上只能以自己的账号 {kernel.user} 学习，不能以 王建国 的名义保存"
    )
    with pytest.raises(StoreError):
        kernel.add_attempt(SECOND, COURSE.id, MODULE, QUESTION.id, RIGHT, True)
    kernel.add_learner(kernel.user)  # the hub user themself: nothing to do


def test_the_roster_name_comes_from_the_service(
    service: tuple[Hub, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hub, _ = service
    store = HubStore(
        token=hub.token_for(FIRST), user=FIRST, api_url=f"{hub.url}/hub/api", outbox=tmp_path / "o"
    )
    try:
        learner = store.learner(FIRST)
        assert learner is not None and (learner.name, learner.branch) == ("学员甲", "b1")
        assert store.learner(SECOND) is None
    finally:
        store.close()


def test_while_the_service_is_unreachable_work_is_kept_and_sent_once_when_it_is_back(
    kernel: HubStore, service: tuple[Hub, str], tmp_path: Path
) -> None:
    hub, store_url = service
    me, there = kernel.user, kernel.service_url
    kernel.add_attempt(
        me, COURSE.id, MODULE, QUESTION.id, WRONG, False, "2024-03-01T08:00:00+00:00"
    )

    kernel.service_url = closed_port()  # the service is down
    first = kernel.add_attempt(
        me, COURSE.id, MODULE, QUESTION.id, RIGHT, True, "2024-03-01T08:01:00+00:00"
    )
    assert (first.answer, first.correct) == (RIGHT, True)  # answered at once, from here
    kernel.mark_read(me, COURSE.id, MODULE, at="2024-03-01T08:02:00+00:00")
    kernel.save_reflection(me, COURSE.id, MODULE, PROMPT.id, "离线时写的体会")
    assert kernel.kept() == 3
    assert [p for p, _ in kept_rows(tmp_path)] == [
        "attempts",
        f"reads/{COURSE.id}/{MODULE}",
        f"reflections/{COURSE.id}/{PROMPT.id}",
    ]
    # reads answer from what was read before and what is kept
    assert [a.answer for a in kernel.attempts(me, COURSE.id, MODULE)] == [WRONG, RIGHT]
    assert kernel.read_at(me, COURSE.id, MODULE) == "2024-03-01T08:02:00+00:00"
    assert kernel.reflection(me, COURSE.id, PROMPT.id).text == "离线时写的体会"  # type: ignore[union-attr]
    assert [answer for answer, _ in stored(store_url, me)] == [WRONG]

    # the kernel dies; a new one (the same home) finds the service back and sends it all
    kernel.close()
    again = learner_store()
    assert isinstance(again, HubStore) and again.service_url == there
    try:
        assert [(a.answer, a.correct) for a in again.attempts(me, COURSE.id)] == [
            (WRONG, False),
            (RIGHT, True),
        ]
        assert again.kept() == 0 and kept_rows(tmp_path) == []
    finally:
        again.close()
    assert stored(store_url, me) == [
        (WRONG, "2024-03-01T08:00:00+00:00"),
        (RIGHT, "2024-03-01T08:01:00+00:00"),
    ]
    saved = hub.api("GET", API + "reflections", token=kernel.token).body["reflections"]
    assert [r["text"] for r in saved] == ["离线时写的体会"]


def test_a_write_whose_answer_was_lost_is_sent_again_and_added_once(
    kernel: HubStore, service: tuple[Hub, str]
) -> None:
    """The service took the POST but the kernel never heard: the kept row goes again, same key."""
    hub, store_url = service
    me = kernel.user
    key = str(uuid.uuid4())
    body = {
        "course_id": COURSE.id,
        "module": MODULE,
        "checkpoint_id": QUESTION.id,
        "answer": RIGHT,
        "at": "2024-03-02T09:00:00+00:00",
        "key": key,
    }
    assert hub.api("POST", API + "attempts", token=kernel.token, body=body).status == 201
    kernel.outbox.add(key, "POST", "attempts", body)
    kernel.mark_read(me, COURSE.id, MODULE)  # the next call sends what is kept first
    assert kernel.kept() == 0
    assert stored(store_url, me) == [(RIGHT, "2024-03-02T09:00:00+00:00")]


def test_a_refusal_is_an_error_with_the_services_reason_and_is_not_kept(
    service: tuple[Hub, str], kernel: HubStore, tmp_path: Path
) -> None:
    hub, _ = service
    me = kernel.user
    # a token without access to the service: the service answers 403 with why
    answer = hub.api(
        "POST", f"/hub/api/users/{me}/tokens", body={"scopes": ["read:users:name!user"]}
    )
    weak = HubStore(kernel.service_url, token=answer.body["token"], user=me, outbox=tmp_path / "w")
    try:
        with pytest.raises(StoreError) as refused:
            weak.add_attempt(me, COURSE.id, MODULE, QUESTION.id, RIGHT, True)
        assert refused.value.detail == (
            "403: the token lacks the scope access:services or access:services!service=coursekit"
        )
        assert refused.value.reason("en") == (
            "the coursekit service refused to save this "
            "(403: the token lacks the scope access:services or access:services!service=coursekit)"
        )
        assert weak.kept() == 0 and weak.refusals() == []
    finally:
        weak.close()
    # a checkpoint the course does not have: 422, not kept either
    with pytest.raises(StoreError) as unknown:
        kernel.add_attempt(me, COURSE.id, MODULE, "no-such-checkpoint", RIGHT, True)
    assert (
        unknown.value.detail
        == f"422: the course has no checkpoint 'no-such-checkpoint' in {MODULE!r}"
    )
    assert kernel.kept() == 0 and kept_rows(tmp_path) == []


def test_kept_work_the_service_refuses_later_stays_kept_with_the_reason(
    kernel: HubStore, tmp_path: Path
) -> None:
    me, there = kernel.user, kernel.service_url
    kernel.service_url = closed_port()
    kernel.add_attempt(me, COURSE.id, MODULE, "no-such-checkpoint", RIGHT, True)
    kernel.add_attempt(me, COURSE.id, MODULE, QUESTION.id, RIGHT, True)
    kernel.service_url = there
    assert [a.checkpoint_id for a in kernel.attempts(me)] == [QUESTION.id]
    refused = kernel.refusals()
    assert [(w.body["checkpoint_id"], why) for w, why in refused] == [
        (
            "no-such-checkpoint",
            f"422: the course has no checkpoint 'no-such-checkpoint' in {MODULE!r}",
        )
    ]
    assert kernel.kept() == 0


def test_a_checkpoint_saves_through_the_service_and_tells_the_learner_when_work_is_kept(
    kernel: HubStore, service: tuple[Hub, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from coursekit.widgets import _common

    _, store_url = service
    monkeypatch.setattr(_common, "_stores", {})  # this test's kernel, not an earlier one's
    session = LearnerSession(course=COURSE)
    # the learner is the hub user: named from the roster (here: the hub name), no name box
    assert session.learner == kernel.user
    assert session.status.value == (
        f"学员：{kernel.user}（JupyterHub 账号 {kernel.user}）。学习记录会自动保存。"
    )
    assert session.ask.layout.display == "none"
    assert session.switch_button.layout.display == "none"

    cp = Checkpoint(QUESTION, MODULE, course=COURSE, learner=session)
    cp.input.radio.value = RIGHT  # type: ignore[attr-defined]
    cp.submit.click()
    assert [answer for answer, _ in stored(store_url, kernel.user)] == [RIGHT]
    assert session.kept_note.layout.display == "none"

    hub_store = session.hub
    assert hub_store is not None
    there, hub_store.service_url = hub_store.service_url, closed_port()
    cp.input.radio.value = WRONG  # type: ignore[attr-defined]
    cp.submit.click()
    assert cp.status.value == ""  # not "unsaved": it is kept on this machine
    assert session.kept_note.value == (
        "连不上学习记录服务：1 项学习记录已暂存在本机，服务恢复后会自动发送，不会丢失。"
    )
    assert session.kept_note.layout.display is None

    hub_store.service_url = there
    cp.input.radio.value = RIGHT  # type: ignore[attr-defined]
    cp.submit.click()
    assert [answer for answer, _ in stored(store_url, kernel.user)] == [RIGHT, WRONG, RIGHT]
    assert session.kept_note.layout.display == "none"


def test_the_session_names_a_roster_member_by_the_rosters_name(
    service: tuple[Hub, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hub, _ = service
    store = HubStore(
        token=hub.token_for(SECOND),
        user=SECOND,
        api_url=f"{hub.url}/hub/api",
        outbox=tmp_path / "o",
    )
    try:
        session = LearnerSession(store, lang="en", course=COURSE)
        assert session.learner == SECOND
        assert session.status.value == (
            f"Learner: 学员乙 (JupyterHub account {SECOND}). Your work is saved as you go."
        )
    finally:
        store.close()


def test_a_service_that_does_not_answer_costs_one_short_timeout(
    kernel: HubStore, service: tuple[Hub, str]
) -> None:
    _, store_url = service
    me, there = kernel.user, kernel.service_url
    with socket.socket() as silent:  # takes connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        kernel.timeout = 0.5
        kernel.service_url = f"http://127.0.0.1:{silent.getsockname()[1]}/services/coursekit/"
        began = time.monotonic()
        kernel.add_attempt(me, COURSE.id, MODULE, QUESTION.id, RIGHT, True)
        first = time.monotonic() - began
        began = time.monotonic()
        kernel.add_attempt(me, COURSE.id, MODULE, QUESTION.id, WRONG, False)
        assert [a.answer for a in kernel.attempts(me)] == [RIGHT, WRONG]
        later = time.monotonic() - began
    assert 0.4 < first < 2 and later < 0.3, (first, later)
    assert kernel.kept() == 2
    kernel.service_url = there
    assert kernel.attempts(me) and kernel.kept() == 0
    assert [answer for answer, _ in stored(store_url, me)] == [RIGHT, WRONG]


def test_while_the_hub_cannot_say_where_the_service_is_work_is_kept(
    service: tuple[Hub, str], tmp_path: Path
) -> None:
    hub, _ = service
    user = f"learner-{uuid.uuid4().hex[:8]}"
    hub.api("POST", f"/hub/api/users/{user}")
    store = HubStore(
        token=hub.token_for(user), user=user, api_url=f"{hub.url}/hub/api", outbox=tmp_path / "o"
    )
    try:
        store.api_url = closed_port().removesuffix("/services/coursekit/") + "/hub/api"
        store.save_reflection(user, COURSE.id, MODULE, PROMPT.id, "先存在本机")
        assert store.kept() == 1
        assert store.reflection(user, COURSE.id, PROMPT.id).text == "先存在本机"  # type: ignore[union-attr]
        store.api_url = f"{hub.url}/hub/api"  # the hub is back
        assert [r.text for r in store.reflections(user)] == ["先存在本机"]
        assert store.kept() == 0
        saved = hub.api("GET", API + "reflections", token=store.token).body["reflections"]
        assert [r["text"] for r in saved] == ["先存在本机"]
    finally:
        store.close()


def test_an_exported_record_is_restored_through_the_service_once_even_if_kept_first(
    kernel: HubStore, service: tuple[Hub, str]
) -> None:
    _, store_url = service
    me, there = kernel.user, kernel.service_url
    record = LearnerDump(
        learner=me,
        reads=(Read(me, COURSE.id, MODULE, "2024-01-05T08:00:00+00:00"),),
        attempts=(
            Attempt(me, COURSE.id, MODULE, QUESTION.id, RIGHT, False, "2024-01-05T08:01:00+00:00"),
        ),
        reflections=(
            SavedReflection(
                me, COURSE.id, MODULE, PROMPT.id, "导入的体会", "2024-01-05T08:02:00+00:00"
            ),
        ),
    )
    kernel.service_url = closed_port()
    assert kernel.restore(record) == RestoreCounts(1, 1, 1)  # kept: what the record holds
    assert [a.answer for a in kernel.attempts(me)] == [RIGHT]
    assert kernel.reflection(me, COURSE.id, PROMPT.id).text == "导入的体会"  # type: ignore[union-attr]
    kernel.service_url = there
    assert kernel.restore(record) == RestoreCounts(0, 0, 0)  # the kept one went first
    assert [(a.answer, a.correct) for a in kernel.attempts(me)] == [(RIGHT, True)]
    assert stored(store_url, me) == [(RIGHT, "2024-01-05T08:01:00+00:00")]
