"""The branches' study ledger through the coursekit service: ``GET ledger`` and service_ledger.

A trainer's token gets every branch's ledger, the one ledger_from_store gathers
from the same store; a branch secretary's gets their branch, and is refused
another; a learner's is refused. Members' names and writing arrive exactly as
stored. The hub and its work are cohort_hub.py's (test_hub_trainer.py reads
them too); the malformed answers come from a stand-in service on loopback.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cohort_hub import COURSE, FIRST, IDLE, MODULE, PROMPT, SECOND
from coursekit.errors import ServiceRefused, StoreError
from coursekit.ledger.data import Ledger, ledger_from_store
from coursekit.store import RosterEntry, open_store
from coursekit.store.hub import TIMEOUT
from coursekit.store.hub_ledger import service_ledger
from hub import API, SECRETARIES, TRAINER, Hub

# Text that is markup, a formula, JSON, bidi controls, line and paragraph separators,
# astral characters and every kind of quote and escape: it must arrive as it was stored.
# (No NUL: PostgreSQL text cannot hold one, so no store has it to send.)
HOSTILE_BRANCH = "b3 <&>\"'/\\ \u202e"
HOSTILE_NAME = '<img src=x onerror=alert(1)> "王伟" =HYPERLINK("x") \u2028\u200b'
HOSTILE_TEXT = (
    '"}], "branches": [], "x": {"\n'
    "line\r\nline\ttab \\u0041 \\\\ </script><script>alert('x')</script>\n"
    "@SUM(1+1) +1 -1 \u2029 \U0001f600 \ufeff 心得 \x7f\x1b[31m"
)
HOSTILE = "learner-hostile"


def ledger_dicts(ledger: Ledger) -> list[dict[str, Any]]:
    return [b.to_dict() for b in ledger.branches]


def kernel_address(hub: Hub) -> str:
    """Where a kernel under the hub finds the service: the hub's model of it (not the proxy)."""
    model = hub.api("GET", "/hub/api/services/coursekit").body
    return f"{model['url'].rstrip('/')}{model['prefix']}"


def store_ledger(store_url: str) -> Ledger:
    store = open_store(store_url)
    try:
        return ledger_from_store(store, COURSE)
    finally:
        store.close()


def test_a_trainers_ledger_through_the_service_is_the_stores_ledger(
    cohort_service: tuple[Hub, str], as_user: Any
) -> None:
    hub, store_url = cohort_service
    as_user(TRAINER)
    ledger = service_ledger(COURSE, "hub")
    assert ledger.course is COURSE
    assert ledger.source == kernel_address(hub)
    assert ledger_dicts(ledger) == ledger_dicts(store_ledger(store_url))
    # what the test compares is there: both branches, the roster's order, the work
    assert [(b.name, [m.learner for m in b.members]) for b in ledger.branches] == [
        ("b1", [FIRST, IDLE]),
        ("b2", [SECOND]),
    ]
    first, idle = ledger.branches[0].members
    assert (first.name, list(first.reads), first.answered, first.first_correct) == (
        "学员甲",
        [MODULE],
        1,
        1,
    )
    assert [m.learner for m in ledger.branches[0].absent] == [IDLE] and not idle.took_part
    (second,) = ledger.branches[1].members
    assert (second.answered, second.first_correct) == (1, 0)
    assert [(w.reflection, w.text) for w in second.reflections] == [(PROMPT.id, "乙的心得")]
    # a trainer may narrow it to some branches
    only = service_ledger(COURSE, "hub", ["b2"])
    assert ledger_dicts(only) == ledger_dicts(ledger)[1:]


def test_the_store_url_stays_in_the_service(cohort_service: tuple[Hub, str]) -> None:
    hub, store_url = cohort_service
    answer = hub.api("GET", API + f"ledger?course_id={COURSE.id}", token=hub.token_for(TRAINER))
    assert answer.status == 200
    assert answer.body["role"] == "trainer" and answer.body["course_id"] == COURSE.id
    assert answer.body["source"].endswith("/services/coursekit/")
    raw = json.dumps(answer.body)
    assert "postgresql" not in raw and store_url.rsplit("/", 1)[-1] not in raw


def test_a_secretarys_ledger_holds_their_branch_only(
    cohort_service: tuple[Hub, str], as_user: Any
) -> None:
    hub, store_url = cohort_service
    as_user(SECRETARIES["b1"], shell=True)  # outside the hub: COURSEKIT_HUB_TOKEN
    ledger = service_ledger(COURSE, "hub")
    assert ledger.source == f"{hub.url}/services/coursekit/"  # COURSEKIT_SERVICE_URL
    assert [(b.name, [m.learner for m in b.members]) for b in ledger.branches] == [
        ("b1", [FIRST, IDLE])
    ]
    assert ledger_dicts(ledger) == ledger_dicts(store_ledger(store_url))[:1]
    assert "学员乙" not in json.dumps(ledger_dicts(ledger), ensure_ascii=False)
    assert ledger_dicts(service_ledger(COURSE, "hub", ["b1"])) == ledger_dicts(ledger)


@pytest.mark.parametrize(
    ("asked", "reason"),
    [
        (["b2"], "'b2' is not your branch (yours: b1)"),
        (["b1", "b2", "nowhere"], "'b2', 'nowhere' are not your branches (yours: b1)"),
    ],
)
def test_a_secretary_asking_for_another_branch_is_refused_naming_it(
    cohort_service: tuple[Hub, str], as_user: Any, asked: list[str], reason: str
) -> None:
    hub, _ = cohort_service
    as_user(SECRETARIES["b1"])
    with pytest.raises(ServiceRefused) as refused:
        service_ledger(COURSE, "hub", asked)
    assert (refused.value.status, refused.value.reason) == (403, reason)
    assert str(refused.value).startswith("the coursekit service at http")
    assert (
        f"refused user={SECRETARIES['b1']} path={API}ledger reason={reason}" in hub.log.read_text()
    )


def test_a_learner_is_refused_with_the_services_reason(
    cohort_service: tuple[Hub, str], as_user: Any
) -> None:
    hub, _ = cohort_service
    as_user(FIRST)
    with pytest.raises(ServiceRefused) as refused:
        service_ledger(COURSE, "hub")
    assert refused.value.status == 403
    assert refused.value.reason == "the ledger is for trainers and branch secretaries"
    assert str(refused.value) == (
        f"the coursekit service at {kernel_address(hub)} refused (403): "
        "the ledger is for trainers and branch secretaries"
    )
    # and for the branch a learner is in, too
    with pytest.raises(ServiceRefused, match="for trainers and branch secretaries"):
        service_ledger(COURSE, "hub", ["b1"])


def test_another_course_is_refused(as_user: Any) -> None:
    as_user(TRAINER)
    other = dataclasses.replace(
        COURSE, meta=COURSE.meta.model_copy(update={"id": "another-course"})
    )
    with pytest.raises(ServiceRefused) as refused:
        service_ledger(other, "hub")
    assert refused.value.status == 422
    assert refused.value.reason.startswith("unknown course 'another-course'")


def test_no_token_is_a_store_error(as_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    as_user(TRAINER)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN")
    with pytest.raises(StoreError, match=r"^no hub token to ask the coursekit service with"):
        service_ledger(COURSE, "hub")


@pytest.fixture
def hostile_member(cohort_service: tuple[Hub, str]) -> Iterator[None]:
    """A member with a hostile name, in a hostile branch, with a hostile reflection; taken
    out of the shared store again afterwards, so that the other tests see what they expect."""
    from coursekit.store.schema import learners, reads, reflections

    _, store_url = cohort_service
    store = open_store(store_url)
    try:
        store.import_roster([RosterEntry(HOSTILE, HOSTILE_NAME, HOSTILE_BRANCH)])
        store.mark_read(HOSTILE, COURSE.id, MODULE)
        store.save_reflection(HOSTILE, COURSE.id, MODULE, PROMPT.id, HOSTILE_TEXT)
    finally:
        store.close()
    yield
    engine = sa.create_engine(store_url)
    try:
        with engine.begin() as c:
            for table in (reflections, reads):
                c.execute(table.delete().where(table.c.learner == HOSTILE))
            c.execute(learners.delete().where(learners.c.id == HOSTILE))
    finally:
        engine.dispose()


@pytest.mark.usefixtures("hostile_member")
def test_hostile_names_and_texts_arrive_as_stored(
    cohort_service: tuple[Hub, str], as_user: Any
) -> None:
    _, store_url = cohort_service
    as_user(TRAINER)
    ledger = service_ledger(COURSE, "hub", [HOSTILE_BRANCH])
    (branch,) = ledger.branches
    (member,) = branch.members
    assert branch.name == HOSTILE_BRANCH
    assert member.name == HOSTILE_NAME
    assert [w.text for w in member.reflections] == [HOSTILE_TEXT]
    # and the whole ledger is still the store's
    everyone = service_ledger(COURSE, "hub")
    assert ledger_dicts(everyone) == ledger_dicts(store_ledger(store_url))
    assert [b.name for b in everyone.branches] == ["b1", "b2", HOSTILE_BRANCH]


# --- a malformed answer ---------------------------------------------------------------------


def _member(**changes: Any) -> dict[str, Any]:
    member: dict[str, Any] = {
        "learner": "l1",
        "name": "学员甲",
        "role": None,
        "on_roster": True,
        "reads": {MODULE: "2026-01-01T00:00:00+00:00"},
        "answered": 1,
        "first_correct": 1,
        "reflections": [],
        "first_at": "2026-01-01T00:00:00+00:00",
        "last_at": "2026-01-01T00:00:00+00:00",
    }
    return {**member, **changes}


def _answer(*members: dict[str, Any], **changes: Any) -> dict[str, Any]:
    branch = {"name": "b1", "roster_known": True, "members": list(members)}
    return {
        "course_id": COURSE.id,
        "role": "trainer",
        "branches": [branch],
        "source": "x",
        **changes,
    }


class _StandIn(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the server's ``answer`` bytes, as a broken service might."""

    def do_GET(self) -> None:
        time.sleep(getattr(self.server, "delay", 0))
        raw: bytes = self.server.answer  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        """Quiet: the test says what went wrong."""


@pytest.fixture(scope="module")
def stand_in() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_well_formed_answer_from_the_stand_in_is_read(
    stand_in: http.server.HTTPServer,
) -> None:
    url = f"http://127.0.0.1:{stand_in.server_address[1]}/services/coursekit/"
    stand_in.answer = json.dumps(_answer(_member())).encode()  # type: ignore[attr-defined]
    ledger = service_ledger(COURSE, url, token="t")
    assert ledger.source == url
    assert ledger_dicts(ledger) == _answer(_member())["branches"]


def test_an_answer_past_the_views_bound_is_not_read(
    stand_in: http.server.HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every read is bounded: a service that sends more than a view may hold is refused."""
    import coursekit.store.hub_view as view

    url = f"http://127.0.0.1:{stand_in.server_address[1]}/services/coursekit/"
    body = json.dumps(_answer(_member())).encode()
    stand_in.answer = body  # type: ignore[attr-defined]
    monkeypatch.setattr(view, "VIEW_BYTES", len(body) - 1)
    with pytest.raises(StoreError) as error:
        service_ledger(COURSE, url, token="t")
    assert str(error.value) == (
        f"the coursekit service at {url} answered more than {len(body) - 1:,} bytes; "
        "nothing was read past that"
    )
    monkeypatch.setattr(view, "VIEW_BYTES", len(body))
    assert ledger_dicts(service_ledger(COURSE, url, token="t")) == _answer(_member())["branches"]


def test_a_view_waits_longer_than_a_kernels_call(stand_in: http.server.HTTPServer) -> None:
    """The service gathers a whole cohort's ledger before it answers: seconds, not a kernel's
    quick save, so a slow answer is waited for."""
    url = f"http://127.0.0.1:{stand_in.server_address[1]}/services/coursekit/"
    stand_in.answer = json.dumps(_answer(_member())).encode()  # type: ignore[attr-defined]
    stand_in.delay = TIMEOUT + 0.5  # type: ignore[attr-defined]
    try:
        ledger = service_ledger(COURSE, url, token="t")
    finally:
        stand_in.delay = 0  # type: ignore[attr-defined]
    assert ledger_dicts(ledger) == _answer(_member())["branches"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>502 Bad Gateway</html>", "did not answer in JSON"),
        (json.dumps([1, 2]).encode(), "did not answer in JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "did not answer in JSON"),
        (
            json.dumps({"course_id": COURSE.id}).encode(),
            "sent no proper ledger: branches: Field required",
        ),
        (
            json.dumps(_answer(branches={"b1": []})).encode(),
            "sent no proper ledger: branches: Input should be a valid list",
        ),
        (
            json.dumps(_answer(_member(name=7))).encode(),
            "branches.0.members.0.name: Input should be a valid string",
        ),
        (
            json.dumps(_answer(_member(answered="1"))).encode(),
            "branches.0.members.0.answered: Input should be a valid integer",
        ),
        (
            json.dumps(_answer(_member(answered=-1))).encode(),
            "branches.0.members.0.answered: Input should be greater than or equal to 0",
        ),
        (
            json.dumps(_answer(_member(on_roster="yes"))).encode(),
            "branches.0.members.0.on_roster: Input should be a valid boolean",
        ),
        (
            json.dumps(_answer(_member(reads=[MODULE]))).encode(),
            "branches.0.members.0.reads: Input should be a valid dictionary",
        ),
        (
            json.dumps(_answer(_member(reflections=[{"module": MODULE}]))).encode(),
            "branches.0.members.0.reflections.0.reflection: Field required",
        ),
        (
            json.dumps(_answer(_member(reads={"m-gone": "2026-01-01T00:00:00+00:00"}))).encode(),
            "sent work on module 'm-gone', which this copy of",
        ),
        (
            json.dumps(
                _answer(
                    _member(
                        reflections=[
                            {"module": MODULE, "reflection": "r-gone", "text": "t", "at": "x"}
                        ]
                    )
                )
            ).encode(),
            f"sent work on reflection 'r-gone' of module {MODULE!r}, which this copy of",
        ),
        (
            json.dumps(_answer(_member(), course_id="another")).encode(),
            "sent the ledger of 'another', not of",
        ),
    ],
)
def test_a_malformed_answer_is_a_store_error_naming_the_service(
    stand_in: http.server.HTTPServer, body: bytes, problem: str
) -> None:
    url = f"http://127.0.0.1:{stand_in.server_address[1]}/services/coursekit/"
    stand_in.answer = body  # type: ignore[attr-defined]
    with pytest.raises(StoreError) as error:
        service_ledger(COURSE, url, token="t")
    assert str(error.value).startswith(f"the coursekit service at {url} ")
    assert problem in str(error.value)


def test_a_secretary_writes_their_branchs_ledger_with_the_command(
    cohort_service: tuple[Hub, str], as_user: Any, tmp_path: Path
) -> None:
    """`coursekit ledger --store hub`, as a secretary runs it in a terminal under the hub."""
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from coursekit.cli import main

    as_user(SECRETARIES["b1"], shell=True)
    out = tmp_path / "ledger"
    result = CliRunner().invoke(main, ["ledger", "--store", "hub", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote the ledger of 1 branch to" in result.output
    assert "  b1: 1 of 2 members took part (50%), 1 not yet" in result.output
    assert sorted(p.name for p in out.iterdir()) == [".coursekit-output.json", ".gitignore", "b1"]
    sheet = load_workbook(out / "b1" / "b1-学习登记表.xlsx").worksheets[0]
    learners = [r[2] for r in sheet.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert learners == [FIRST, IDLE]
    refused = CliRunner().invoke(
        main, ["ledger", "--store", "hub", "--branch", "b2", "--out", str(tmp_path / "b2")]
    )
    assert refused.exit_code == 2
    assert refused.stderr.strip().endswith("'b2' is not your branch (yours: b1)")
    assert not (tmp_path / "b2").exists()
