"""``coursekit serve`` behind a real JupyterHub, with its store on the tests' PostgreSQL.

The hub (tests/hub.py) runs the service as a managed service; the store URL is
in the service's environment only. Learners, two branch secretaries and a
trainer call its API through the hub's proxy with their own hub tokens.

What the real hub showed, and the config below follows:

* a user's token carries the user's ``self`` scopes, which do not include
  ``access:services``: the ``user`` role needs ``access:services!service=coursekit``,
  or ``HubAuthenticated`` refuses every user token;
* a kernel's ``JUPYTERHUB_API_TOKEN`` has the ``server`` role: to reach the
  service it needs ``access:services!service=coursekit`` there too;
* the user model the hub gives for a token has ``groups`` for any token of the
  user, but a custom scope (``custom:coursekit:branch``) only in a token that
  carries it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cohort_hub import COURSE, FIRST, MODULE, QUESTION, RIGHT, SECOND, WRONG, attempt
from coursekit.store import RosterEntry, open_store
from hub import API, SECRETARIES, TRAINER, Hub, coursekit_service
from postgres import Cluster

BURST = 40
BURSTER = "learner-burst"


@pytest.fixture(scope="module")
def service(postgres_server: Cluster) -> Iterator[tuple[Hub, str]]:
    """A hub running ``coursekit serve``; yields the hub and the store's URL."""
    roster = [
        RosterEntry(FIRST, "学员甲", "b1"),
        RosterEntry(SECOND, "学员乙", "b2"),
        RosterEntry(BURSTER, "学员丙", "b1"),
    ]
    with coursekit_service(
        postgres_server,
        roster,
        groups={"coursekit-branch-b1": [BURSTER]},
        environment={"COURSEKIT_SERVICE_RATE": "5", "COURSEKIT_SERVICE_BURST": str(BURST)},
    ) as running:
        yield running


def test_me_names_the_hub_user_with_the_rosters_name_and_branch(service: tuple[Hub, str]) -> None:
    hub, _ = service
    me = hub.api("GET", API + "me", token=hub.token_for(FIRST))
    assert me.status == 200
    assert me.body == {
        "learner": FIRST,
        "name": "学员甲",
        "branch": "b1",
        "role": "learner",
        "branches": [],
    }
    boss = hub.api("GET", API + "me", token=hub.token_for(SECRETARIES["b2"])).body
    assert (boss["role"], boss["branches"]) == ("secretary", ["b2"])
    assert hub.api("GET", API + "me", token=hub.token_for(TRAINER)).body["role"] == "trainer"


def test_learners_post_attempts_graded_by_the_service_and_read_them_back(
    service: tuple[Hub, str],
) -> None:
    hub, store_url = service
    first, second = hub.token_for(FIRST), hub.token_for(SECOND)
    posted = hub.api("POST", API + "attempts", token=first, body=attempt(RIGHT))
    assert posted.status == 201, posted.body
    assert posted.body["attempt"]["correct"] is True
    assert posted.body["attempt"]["learner"] == FIRST
    assert hub.api("POST", API + "attempts", token=second, body=attempt(WRONG)).status == 201

    mine = hub.api("GET", API + f"attempts?course_id={COURSE.id}", token=first).body
    assert [(a["answer"], a["correct"]) for a in mine["attempts"]] == [(RIGHT, True)]
    theirs = hub.api("GET", API + "attempts", token=second).body
    assert [(a["answer"], a["correct"]) for a in theirs["attempts"]] == [(WRONG, False)]
    # in the store, under the hub names
    store = open_store(store_url)
    try:
        assert [a.answer for a in store.attempts(FIRST)] == [RIGHT]
    finally:
        store.close()


def test_reads_reflections_dump_and_restore_are_ones_own(service: tuple[Hub, str]) -> None:
    hub, _ = service
    token = hub.token_for(SECOND)
    module = COURSE.modules[0]
    prompt = module.reflections[0].id
    put = hub.api("PUT", API + f"reads/{COURSE.id}/{module.id}", token=token, body={})
    assert put.status == 200 and put.body["module"] == module.id
    saved = hub.api(
        "PUT",
        API + f"reflections/{COURSE.id}/{prompt}",
        token=token,
        body={"module": module.id, "text": "体会"},
    )
    assert saved.status == 200, saved.body
    assert [r["module"] for r in hub.api("GET", API + "reads", token=token).body["reads"]] == [
        module.id
    ]
    texts = hub.api("GET", API + "reflections", token=token).body["reflections"]
    assert [(r["reflection_id"], r["text"]) for r in texts] == [(prompt, "体会")]
    dump = hub.api("GET", API + "dump", token=token).body
    assert dump["learner"] == SECOND and dump["branch"] == "b2"
    again = hub.api("POST", API + "restore", token=token, body=dump)
    assert again.status == 200, again.body
    assert again.body == {"reads": 0, "attempts": 0, "reflections": 0}
    # another's dump is refused: nobody restores another person's work
    other = hub.api("POST", API + "restore", token=hub.token_for(FIRST), body=dump)
    assert other.status == 403
    assert other.body["reason"] == f"nobody restores another person's work ({SECOND!r}'s)"


def test_a_learners_token_against_another_learners_data_is_refused_with_a_reason(
    service: tuple[Hub, str],
) -> None:
    hub, _ = service
    token = hub.token_for(FIRST)
    for path in ("attempts", "reads", "reflections", "dump"):
        answer = hub.api("GET", API + f"{path}?learner={SECOND}", token=token)
        assert answer.status == 403, (path, answer)
        assert answer.body == {
            "status": 403,
            "reason": f"a learner reads only their own work, not {SECOND!r}'s",
        }
    write = hub.api("POST", API + f"attempts?learner={SECOND}", token=token, body=attempt())
    assert write.status == 403
    assert write.body["reason"] == f"nobody writes another person's work ({SECOND!r}'s)"
    report = hub.api("GET", API + "report", token=token)
    assert report.status == 403
    assert report.body["reason"] == "the report is for trainers and branch secretaries"
    # a trainer may read, but not write, another's work
    trainer = hub.token_for(TRAINER)
    assert hub.api("GET", API + f"attempts?learner={SECOND}", token=trainer).status == 200
    assert (
        hub.api("POST", API + f"attempts?learner={SECOND}", token=trainer, body=attempt()).status
        == 403
    )
    log = hub.log.read_text()
    assert (
        f"refused user={FIRST} path={API}attempts reason=a learner reads only their own work" in log
    )


def test_a_secretary_reads_their_branch_only_and_the_trainer_both(
    service: tuple[Hub, str],
) -> None:
    hub, _ = service
    for token in (hub.token_for(FIRST), hub.token_for(SECOND)):
        assert hub.api("POST", API + "attempts", token=token, body=attempt(WRONG)).status == 201
    secretary = hub.token_for(SECRETARIES["b1"])
    own = hub.api("GET", API + f"attempts?learner={FIRST}", token=secretary)
    assert own.status == 200 and own.body["attempts"]
    other = hub.api("GET", API + f"attempts?learner={SECOND}", token=secretary)
    assert other.status == 403
    assert other.body["reason"] == f"{SECOND!r} is not a member of your branch (b1)"

    report = hub.api("GET", API + f"report?course_id={COURSE.id}", token=secretary)
    assert report.status == 200, report.body
    assert report.body["branches"] == ["b1"]
    assert {p["learner"] for p in report.body["people"]} == {FIRST, BURSTER}
    assert [a["learner"] for a in report.body["active"]] == [FIRST]
    counted = {c["checkpoint"]: c["learners"] for c in report.body["checkpoints"]}
    assert counted[QUESTION.id] == 1

    second = hub.api("GET", API + "report", token=hub.token_for(SECRETARIES["b2"])).body
    assert [a["learner"] for a in second["active"]] == [SECOND]

    whole = hub.api("GET", API + "report", token=hub.token_for(TRAINER)).body
    assert whole["branches"] is None
    assert [a["learner"] for a in whole["active"]] == [FIRST, SECOND]
    assert {c["checkpoint"]: c["learners"] for c in whole["checkpoints"]}[QUESTION.id] == 2
    wrong = {(w["checkpoint"], w["answer"]): w["learners"] for w in whole["wrong"]}
    assert wrong[(QUESTION.id, WRONG)] == 2


def test_a_group_without_the_scope_is_a_learner(service: tuple[Hub, str]) -> None:
    """Learners are in their branch's group too; only the role's scope makes a secretary."""
    hub, _ = service
    me = hub.api("GET", API + "me", token=hub.token_for(FIRST)).body
    assert me["role"] == "learner"


def test_an_oversized_body_is_413(service: tuple[Hub, str]) -> None:
    hub, _ = service
    big = attempt("甲" * (300 * 1024))
    answer = hub.api("POST", API + "attempts", token=hub.token_for(FIRST), body=big)
    assert answer.status == 413
    assert answer.body == {"status": 413, "reason": "the request body is over 262144 bytes"}


def test_a_forged_correct_is_refused_as_an_unknown_field(service: tuple[Hub, str]) -> None:
    hub, _ = service
    forged = hub.api(
        "POST", API + "attempts", token=hub.token_for(FIRST), body=attempt(WRONG, correct=True)
    )
    assert forged.status == 422
    assert forged.body["reason"] == "correct: Extra inputs are not permitted"
    unknown = hub.api(
        "POST", API + "attempts", token=hub.token_for(FIRST), body=attempt(checkpoint_id="nope")
    )
    assert unknown.status == 422
    assert unknown.body["reason"] == f"the course has no checkpoint 'nope' in {MODULE!r}"


def test_a_retried_post_with_the_same_key_adds_one_attempt(service: tuple[Hub, str]) -> None:
    hub, store_url = service
    token = hub.token_for(SECOND)
    body = attempt(RIGHT, at="2020-02-05T08:00:00+00:00")
    first = hub.api("POST", API + "attempts", token=token, body=body)
    again = hub.api("POST", API + "attempts", token=token, body=body)
    assert (first.status, first.body["added"]) == (201, True)
    assert (again.status, again.body["added"]) == (200, False)
    assert again.body["attempt"] == first.body["attempt"]
    store = open_store(store_url)
    try:
        at = [a for a in store.attempts(SECOND) if a.at == "2020-02-05T08:00:00+00:00"]
    finally:
        store.close()
    assert len(at) == 1
    # another learner cannot use (or learn about) that key
    taken = hub.api("POST", API + "attempts", token=hub.token_for(FIRST), body=body)
    assert taken.status == 403


def test_a_burst_is_429(service: tuple[Hub, str]) -> None:
    hub, _ = service
    token = hub.token_for(BURSTER)
    statuses = [hub.api("GET", API + "me", token=token).status for _ in range(BURST + 20)]
    assert statuses[: BURST // 2] == [200] * (BURST // 2)
    assert 429 in statuses
    refused = next(
        r for r in (hub.api("GET", API + "me", token=token) for _ in range(5)) if r.status == 429
    )
    assert refused.body["reason"].startswith("too many requests: try again in")
    assert "retry-after" in refused.headers
    # another user is not slowed by it
    assert hub.api("GET", API + "me", token=hub.token_for(FIRST)).status == 200


def test_no_token_or_a_bad_token_is_refused(service: tuple[Hub, str]) -> None:
    hub, _ = service
    none = hub.api("GET", API + "me", token=None)
    assert none.status == 403
    assert none.body["reason"].startswith("no valid JupyterHub token")
    assert hub.api("GET", API + "me", token="not-a-token").status == 403


def test_the_store_url_is_in_the_service_only_not_in_a_learners_server(
    service: tuple[Hub, str],
) -> None:
    hub, store_url = service
    hub.spawn(FIRST)
    environments = {pid: _environ(pid) for pid in hub.processes()}
    services = [e for pid, e in environments.items() if "coursekit.cli serve" in _command(pid)]
    servers = [e for pid, e in environments.items() if "jupyterhub-singleuser" in _command(pid)]
    assert services and servers
    assert all(e.get("COURSEKIT_SERVICE_STORE") == store_url for e in services)
    for env in servers:
        assert "COURSEKIT_SERVICE_STORE" not in env
        assert not any("postgresql" in value for value in env.values())
        # and the kernel's own token reaches the service, as that learner
        kernel = hub.api("GET", API + "me", token=env["JUPYTERHUB_API_TOKEN"])
        assert kernel.status == 200, kernel.body
        assert (kernel.body["learner"], kernel.body["role"]) == (FIRST, "learner")


def test_a_secretarys_kernel_token_keeps_the_secretarys_scope(service: tuple[Hub, str]) -> None:
    """The server role lists custom:coursekit:branch; the hub grants it only to its holders."""
    hub, _ = service
    secretary = SECRETARIES["b2"]
    hub.spawn(secretary)
    tokens = [
        env["JUPYTERHUB_API_TOKEN"]
        for env in (_environ(pid) for pid in hub.processes())
        if env.get("JUPYTERHUB_USER") == secretary and "JUPYTERHUB_API_TOKEN" in env
    ]
    assert tokens
    me = hub.api("GET", API + "me", token=tokens[0]).body
    assert (me["learner"], me["role"], me["branches"]) == (secretary, "secretary", ["b2"])


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    except OSError:
        return {}
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def test_serve_without_a_store_url_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from coursekit.cli import main

    monkeypatch.delenv("COURSEKIT_SERVICE_STORE", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert "COURSEKIT_SERVICE_STORE is not set" in result.output


def test_the_rate_limit_refills() -> None:
    from coursekit.service.bucket import RateLimit

    limit = RateLimit(rate=2, burst=3)
    assert [limit.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.take("a", now=0.0) == pytest.approx(0.5)
    assert limit.take("b", now=0.0) == 0.0
    assert limit.take("a", now=1.0) == 0.0
