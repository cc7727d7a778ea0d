"""The service's JSON API, version 1: one tornado endpoint per resource.

Every request is authenticated by the hub (:class:`HubAuthenticated`, a token
in ``Authorization: token …``), bounded in size (413) and rate (429), and
answered in JSON; every error is ``{"status": …, "reason": …}``. The store is
synchronous (SQLAlchemy), so each call runs in a worker thread, one
transaction per call.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from jupyterhub.services.auth import HubAuthenticated, UserNotAllowed
from pydantic import BaseModel, ValidationError
from tornado import web
from tornado.ioloop import IOLoop

from coursekit.answers import parse_time
from coursekit.grading import grade
from coursekit.records import CLOCK_SKEW
from coursekit.service.access import Caller, caller_from, read_refusal
from coursekit.service.bodies import AttemptBody, DumpBody, ReadBody, ReflectionBody
from coursekit.store import Attempt, LearnerDump, Read, SavedReflection
from coursekit.store.sql import KeyTaken

__all__ = ["ROUTES", "log"]

log = logging.getLogger("coursekit.service")
T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)


class Refused(web.HTTPError):
    """An error answered as JSON with its reason."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(status)
        self.why = reason
        self.retry_after = retry_after


# jupyterhub ships no type information, so mypy sees its mixin as Any
@web.stream_request_body
class Endpoint(HubAuthenticated, web.RequestHandler):  # type: ignore[misc]
    """What every API endpoint shares: the hub's identity, limits, JSON in and out.

    The body is streamed in and kept only up to the cap; a larger one is read
    to its end and dropped, then answered with 413 (answering before the body
    is read makes a proxy in front report a broken connection instead).
    """

    caller: Caller
    _received: int = 0

    def data_received(self, chunk: bytes) -> None:
        if not hasattr(self, "_chunks"):
            self._chunks: list[bytes] = []
        self._received += len(chunk)
        if self._received <= self.service.settings.max_body:
            self._chunks.append(chunk)

    def check_xsrf_cookie(self) -> None:
        """Token requests only: there is no cookie to forge."""

    @property
    def service(self) -> Any:
        return self.settings["coursekit"]

    async def prepare(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        model = await self.hub_auth.get_user(self, sync=False)
        if not model:
            raise self.refuse("no valid JupyterHub token (Authorization: token …)", "-")
        try:
            self.check_hub_user(model)
        except UserNotAllowed:
            raise self.refuse(
                f"the token lacks the scope {' or '.join(sorted(self.hub_scopes or ()))}",
                model.get("name", "-"),
            ) from None
        if model.get("kind", "user") != "user":
            raise self.refuse("only hub users have work here, not services", model["name"])
        self.caller = caller_from(model)
        self.current_user = model
        wait = self.service.limit.take(self.caller.name)
        if wait:
            raise Refused(429, f"too many requests: try again in {wait:.1f} s", max(1, round(wait)))

    def refuse(self, reason: str, user: str | None = None) -> Refused:
        """A 403 with ``reason``, logged with the user and the path."""
        who = user if user is not None else self.caller.name
        log.warning("refused user=%s path=%s reason=%s", who, self.request.path, reason)
        return Refused(403, reason)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        reason = getattr(error, "why", None) or self._reason
        self.set_header("Content-Type", "application/json; charset=utf-8")
        if getattr(error, "retry_after", None):
            self.set_header("Retry-After", str(error.retry_after))
        self.finish(json.dumps({"status": status_code, "reason": reason}, ensure_ascii=False))

    def answer(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(body, ensure_ascii=False))

    def body(self, model: type[B]) -> B:
        cap = self.service.settings.max_body
        if self._received > cap:
            raise Refused(413, f"the request body is over {cap} bytes")
        raw = b"".join(getattr(self, "_chunks", []))
        try:
            return model.model_validate_json(raw or b"{}")
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
            ]
            raise Refused(422, "; ".join(problems[:10])) from None

    async def store(self, call: Callable[..., T], *args: Any) -> T:
        return await IOLoop.current().run_in_executor(None, call, *args)

    async def learner(self, write: bool = False) -> str:
        """Whose work: ``?learner=`` (read only, when the caller may), else the caller."""
        asked = self.get_query_argument("learner", None)
        if asked is None or asked == self.caller.name:
            if write:
                await self.service.known(self.caller.name)
            return self.caller.name
        if write:
            raise self.refuse(f"nobody writes another person's work ({asked!r}'s)")
        member = await self.store(self.service.store.learner, asked)
        why = read_refusal(self.caller, asked, None if member is None else member.branch)
        if why is not None:
            raise self.refuse(why)
        return asked

    def course(self, course_id: str) -> None:
        if course_id != self.service.course.id:
            raise Refused(
                422,
                f"unknown course {course_id!r} (this service serves {self.service.course.id!r})",
            )

    def when(self, at: str | None) -> str | None:
        """A client's time, if not ahead of the server's clock by more than the records allow."""
        if at is not None and parse_time(at) > dt.datetime.now(dt.timezone.utc) + CLOCK_SKEW:
            raise Refused(422, f"at: {at} is in the future")
        return at


class MeEndpoint(Endpoint):
    async def get(self) -> None:
        member = await self.store(self.service.store.learner, self.caller.name)
        self.answer(
            {
                "learner": self.caller.name,
                "name": member.name if member is not None else self.caller.name,
                "branch": member.branch if member is not None else None,
                "role": self.caller.role,
                "branches": sorted(self.caller.branches) if self.caller.role != "learner" else [],
            }
        )


def _attempt(a: Attempt) -> dict[str, Any]:
    return asdict(a)


class AttemptsEndpoint(Endpoint):
    async def get(self) -> None:
        learner = await self.learner()
        args = [self.get_query_argument(n, None) for n in ("course_id", "module", "checkpoint_id")]
        found = await self.store(self.service.store.attempts, learner, *args)
        self.answer({"learner": learner, "attempts": [_attempt(a) for a in found]})

    async def post(self) -> None:
        body = self.body(AttemptBody)
        learner = await self.learner(write=True)
        self.course(body.course_id)
        where = self.service.checkpoints.get(body.checkpoint_id)
        if where is None or where[0] != body.module:
            raise Refused(
                422, f"the course has no checkpoint {body.checkpoint_id!r} in {body.module!r}"
            )
        correct = grade(where[1], body.answer)
        try:
            attempt, added = await self.store(
                self.service.store.add_attempt_once,
                str(body.key),
                learner,
                body.course_id,
                body.module,
                body.checkpoint_id,
                body.answer,
                correct,
                self.when(body.at),
            )
        except KeyTaken as exc:
            raise self.refuse(str(exc)) from None
        self.answer({"attempt": _attempt(attempt), "added": added}, 201 if added else 200)


class ReadsEndpoint(Endpoint):
    async def get(self, *_: str) -> None:
        learner = await self.learner()
        found: list[Read] = await self.store(
            self.service.store.reads, learner, self.get_query_argument("course_id", None)
        )
        self.answer(
            {
                "learner": learner,
                "reads": [
                    {"course_id": r.course_id, "module": r.module, "done_at": r.done_at}
                    for r in found
                ],
            }
        )

    async def put(self, course_id: str, module: str) -> None:
        body = self.body(ReadBody)
        learner = await self.learner(write=True)
        self.course(course_id)
        if module not in self.service.modules:
            raise Refused(422, f"the course has no module {module!r}")
        done = await self.store(
            self.service.store.mark_read, learner, course_id, module, self.when(body.at)
        )
        self.answer({"course_id": course_id, "module": module, "done_at": done})


def _reflection(r: SavedReflection) -> dict[str, Any]:
    return {
        "course_id": r.course_id,
        "module": r.module,
        "reflection_id": r.reflection_id,
        "text": r.text,
        "updated_at": r.updated_at,
    }


class ReflectionsEndpoint(Endpoint):
    async def get(self, *_: str) -> None:
        learner = await self.learner()
        args = [self.get_query_argument(n, None) for n in ("course_id", "module")]
        found = await self.store(self.service.store.reflections, learner, *args)
        self.answer({"learner": learner, "reflections": [_reflection(r) for r in found]})

    async def put(self, course_id: str, reflection_id: str) -> None:
        body = self.body(ReflectionBody)
        learner = await self.learner(write=True)
        self.course(course_id)
        if self.service.prompts.get(reflection_id) != body.module:
            raise Refused(422, f"the course has no reflection {reflection_id!r} in {body.module!r}")
        saved = await self.store(
            self.service.store.save_reflection,
            learner,
            course_id,
            body.module,
            reflection_id,
            body.text,
            self.when(body.at),
        )
        self.answer(_reflection(saved))


class DumpEndpoint(Endpoint):
    async def get(self) -> None:
        learner = await self.learner()
        course_id = self.get_query_argument("course_id", None) or self.service.course.id
        dump: LearnerDump = await self.store(self.service.store.dump, learner, course_id)
        member = await self.store(self.service.store.learner, learner)
        self.answer(
            {
                "course_id": course_id,
                "learner": learner,
                "name": None if member is None else member.name,
                "branch": None if member is None else member.branch,
                "reads": [{"module": r.module, "done_at": r.done_at} for r in dump.reads],
                "attempts": [
                    {k: v for k, v in _attempt(a).items() if k not in ("learner", "course_id")}
                    for a in dump.attempts
                ],
                "reflections": [
                    {k: v for k, v in _reflection(r).items() if k != "course_id"}
                    for r in dump.reflections
                ],
            }
        )


class RestoreEndpoint(Endpoint):
    async def post(self) -> None:
        body = self.body(DumpBody)
        if body.learner is not None and body.learner != self.caller.name:
            raise self.refuse(f"nobody restores another person's work ({body.learner!r}'s)")
        learner = await self.learner(write=True)
        self.course(body.course_id)
        cid = body.course_id

        def correct(checkpoint_id: str, answer: Any) -> bool:
            where = self.service.checkpoints.get(checkpoint_id)
            # work on a checkpoint the course no longer has is kept, and counts as not right
            return False if where is None else grade(where[1], answer)

        dump = LearnerDump(
            learner=learner,
            reads=tuple(Read(learner, cid, r.module, r.done_at) for r in body.reads),
            attempts=tuple(
                Attempt(
                    learner,
                    cid,
                    a.module,
                    a.checkpoint_id,
                    a.answer,
                    correct(a.checkpoint_id, a.answer),
                    a.at,
                )
                for a in body.attempts
            ),
            reflections=tuple(
                SavedReflection(learner, cid, r.module, r.reflection_id, r.text, r.updated_at)
                for r in body.reflections
            ),
        )
        counts = await self.store(self.service.store.restore, dump)
        self.answer(
            {"reads": counts.reads, "attempts": counts.attempts, "reflections": counts.reflections}
        )


class CohortEndpoint(Endpoint):
    """What the trainers' views (report, ledger) share: who may see which branches."""

    #: what the endpoint gives, as its refusal of a learner names it
    what = "the cohort"

    def cohort_course(self) -> str:
        """The course asked for (``?course_id=``, else the service's), refusing a learner."""
        if self.caller.role == "learner":
            raise self.refuse(f"{self.what} is for trainers and branch secretaries")
        course_id = self.get_query_argument("course_id", None) or self.service.course.id
        self.course(course_id)
        return course_id

    def visible_branches(self, asked: list[str] | None = None) -> frozenset[str] | None:
        """The branches the caller may see, narrowed to ``asked``; ``None``: every branch.

        A secretary who asks for a branch that is not theirs is refused, naming it.
        """
        if self.caller.role == "trainer":
            return frozenset(asked) if asked else None
        mine = self.caller.branches
        if not asked:
            return mine
        others = sorted(set(asked) - mine)
        if others:
            shown = ", ".join(repr(b) for b in others)
            raise self.refuse(
                f"{shown} {'is not your branch' if len(others) == 1 else 'are not your branches'}"
                f" (yours: {', '.join(sorted(mine))})"
            )
        return frozenset(asked)


class ReportEndpoint(CohortEndpoint):
    what = "the report"

    async def get(self) -> None:
        from coursekit.store.cohort import cohort_counts

        course_id = self.cohort_course()
        branches = self.visible_branches()
        counts = await self.store(cohort_counts, self.service.store, self.service.course, branches)
        frames = {
            name: json.loads(getattr(counts, name).to_json(orient="records", force_ascii=False))
            for name in (
                "people",
                "active",
                "completion",
                "checkpoints",
                "wrong",
                "reflections",
                "excerpts",
                "retired",
            )
        }
        self.answer(
            {
                "course_id": course_id,
                "role": self.caller.role,
                "branches": None if branches is None else sorted(branches),
                **frames,
            }
        )


class LedgerEndpoint(CohortEndpoint):
    """Each branch's study ledger (学习台账) the caller may see: ``?branch=`` narrows it.

    The ledger names its source; the store's URL stays in the service, so the
    source is the service's own address as the caller reached it.
    """

    what = "the ledger"

    async def get(self) -> None:
        course_id = self.cohort_course()
        branches = self.visible_branches(self.get_query_arguments("branch") or None)
        host = self.request.host
        head = {
            "course_id": course_id,
            "role": self.caller.role,
            "source": (
                f"{self.request.protocol}://{host}{self.service.settings.prefix}"
                if host
                else "coursekit service"
            ),
        }
        # gathered and encoded in a worker: a whole cohort's ledger is megabytes of JSON
        self.set_status(200)
        self.finish(await self.store(_ledger_json, self.service, branches, head))


def _ledger_json(service: Any, branches: frozenset[str] | None, head: dict[str, Any]) -> str:
    from coursekit.ledger.data import ledger_from_store

    ledger = ledger_from_store(service.store, service.course, branches)
    return json.dumps(
        {**head, "branches": [b.to_dict() for b in ledger.branches]}, ensure_ascii=False
    )


class NotFound(Endpoint):
    async def prepare(self) -> None:
        raise Refused(404, f"no such API path: {self.request.path}")


_PART = r"([^/]+)"
#: (path under ``{prefix}api/v1/``, endpoint)
ROUTES: list[tuple[str, type[Endpoint]]] = [
    ("me", MeEndpoint),
    ("attempts", AttemptsEndpoint),
    (f"reads/{_PART}/{_PART}", ReadsEndpoint),
    ("reads", ReadsEndpoint),
    (f"reflections/{_PART}/{_PART}", ReflectionsEndpoint),
    ("reflections", ReflectionsEndpoint),
    ("dump", DumpEndpoint),
    ("restore", RestoreEndpoint),
    ("report", ReportEndpoint),
    ("ledger", LedgerEndpoint),
    (".*", NotFound),
]
