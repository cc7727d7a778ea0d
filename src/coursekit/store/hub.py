"""The learner store of a kernel under JupyterHub: the coursekit service, with the kernel's token.

A learner's kernel runs code the learner controls, so it holds no database
URL: it calls ``coursekit serve`` (API v1) with its own ``JUPYTERHUB_API_TOKEN``
and the service decides what it may read and write. The learner is the hub
user (``JUPYTERHUB_USER``), never a typed name.

Where the service is: ``COURSEKIT_SERVICE_URL`` (its ``…/services/coursekit/``
address), or ``COURSEKIT_STORE`` when that is an ``http(s)://`` URL, else the
hub's model of the ``coursekit`` service (``$JUPYTERHUB_API_URL/services/coursekit``,
its ``url`` and ``prefix``; the ``server`` role needs ``read:services!service=coursekit``).

When the service cannot be reached (refused, timed out, a 5xx or a 429,
or the hub cannot say where it is) every write is kept in the
:class:`~coursekit.store.outbox.Outbox` on this machine and sent, in order,
at the next call that reaches it; reads then answer from what was last read
plus what is kept. Every write goes into the
outbox before its call returns, so a kernel that dies loses nothing: the next
one sends it. A refusal (403, 413, 422) is a :class:`StoreError` with the
service's reason, and is not sent again. After a request times out the
store does not try again for ``AWAY`` seconds, so that a page whose service
has hung is not slowed by a timeout on every call.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import quote

from coursekit.answers import Answer, now
from coursekit.errors import StoreError
from coursekit.store.faults import store_error
from coursekit.store.outbox import Outbox, Write, outbox_path
from coursekit.store.rows import (
    Attempt,
    Learner,
    LearnerDump,
    Read,
    RestoreCounts,
    SavedReflection,
)

__all__ = ["HUB_TARGET", "SERVICE_ENV", "HubStore", "Offline", "is_hub_target"]

#: ``COURSEKIT_STORE=hub``: the coursekit service, found through the hub.
HUB_TARGET = "hub"
#: The service's address, when it is not to be asked of the hub.
SERVICE_ENV = "COURSEKIT_SERVICE_URL"
SERVICE_NAME = "coursekit"
TIMEOUT = 4.0
#: The most a learner's call may answer: a learner's own work is kilobytes. Read no more.
MAX_ANSWER = 16 * 1024 * 1024
#: seconds without trying after a request timed out (a refused connection costs nothing)
AWAY = 10.0
log = logging.getLogger("coursekit.store.hub")


def is_hub_target(target: str) -> bool:
    """Whether a store target names the coursekit service rather than a database."""
    return target == HUB_TARGET or target.startswith(("http://", "https://"))


class Offline(Exception):
    """The service could not be reached or could not answer now; try again later."""


class HubStore:
    """The :class:`~coursekit.store.LearnerStore` of a kernel under JupyterHub (see the module).

    ``service_url`` is the service's base address (``…/services/coursekit/``);
    it may be changed while the store is in use. Anything not given is read
    from the environment the hub gives a kernel.
    """

    def __init__(
        self,
        service_url: str | None = None,
        *,
        token: str | None = None,
        user: str | None = None,
        api_url: str | None = None,
        outbox: str | os.PathLike[str] | None = None,
        timeout: float = TIMEOUT,
        max_answer: int = MAX_ANSWER,
    ) -> None:
        env = os.environ
        self.max_answer = max_answer
        self.token = token or env.get("JUPYTERHUB_API_TOKEN") or ""
        self.user = user or env.get("JUPYTERHUB_USER") or ""
        self.api_url = (api_url or env.get("JUPYTERHUB_API_URL") or "").rstrip("/")
        self.timeout = timeout
        if not self.token or not self.user:
            raise store_error("open", HUB_TARGET, "nohub")
        self._service_url = service_url or env.get(SERVICE_ENV) or None
        # whose kept writes these are: the same for every kernel of this hub, found or not
        self._outbox_for = self._service_url or f"hub:{self.api_url}"
        self._away_until = 0.0
        self._outbox_path = outbox_path() if outbox is None else outbox
        self._outbox: Outbox | None = None
        self._me: dict[str, Any] | None = None
        self._seen: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"HubStore({self.user} at {self._service_url or 'the hub'})"

    # -- where the service is -------------------------------------------------------------

    @property
    def service_url(self) -> str:
        """The service's base address, asked of the hub the first time (:class:`Offline`
        while the hub cannot say)."""
        if self._service_url is None:
            self._service_url = self._discover()
        return self._service_url

    @service_url.setter
    def service_url(self, url: str) -> None:
        self._service_url = url
        self._away_until = 0.0

    def _discover(self) -> str:
        """The service's address from the hub's model of it; :class:`Offline` (and a log
        line) while the hub cannot say, so that writes are kept meanwhile."""
        if not self.api_url:
            raise Offline("neither COURSEKIT_SERVICE_URL nor JUPYTERHUB_API_URL is set")
        status, body = self._http("GET", f"{self.api_url}/services/{SERVICE_NAME}")
        if status >= 400 or not isinstance(body, dict) or not body.get("url"):
            why = body.get("message") if isinstance(body, dict) else body
            log.warning(
                "the hub did not say where the %s service is (%s %s): the server role needs "
                "read:services!service=%s",
                SERVICE_NAME,
                status,
                why,
                SERVICE_NAME,
            )
            raise Offline(f"the hub did not say where the service is: {status} {why}")
        prefix = str(body.get("prefix") or f"/services/{SERVICE_NAME}/")
        return str(body["url"]).rstrip("/") + "/" + prefix.strip("/") + "/"

    @property
    def outbox(self) -> Outbox:
        """The kept writes of this learner for this service, opened on first use."""
        with self._lock:
            if self._outbox is None:
                self._outbox = Outbox(self._outbox_path, self._outbox_for, self.user)
            return self._outbox

    # -- HTTP -------------------------------------------------------------------------------

    def _http(self, method: str, url: str, body: Any = None) -> tuple[int, Any]:
        """One request; the status and JSON answer of any 2xx or 4xx, :class:`Offline` else."""
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Authorization": f"token {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(url, data, headers, method=method)
        if time.monotonic() < self._away_until:
            raise Offline("the service did not answer a moment ago")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return answer.status, _json(self._bounded(answer))
        except urllib.error.HTTPError as error:
            with error:
                raw = self._bounded(error)
            if error.code >= 500 or error.code in (408, 429):
                raise Offline(f"{error.code} {error.reason}") from None
            return error.code, _json(raw)
        except (OSError, ValueError) as exc:  # URLError, refused, reset, timeout
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                # a service that does not answer costs a timeout each call: wait a while
                self._away_until = time.monotonic() + AWAY
            raise Offline(str(reason)) from None

    def _bounded(self, answer: Any) -> bytes:
        """The answer's body, read no further than :attr:`max_answer` bytes.

        A longer answer is no fault of the network, so not :class:`Offline`: a
        :class:`StoreError` that says how much may come.
        """
        raw: bytes = answer.read(self.max_answer + 1)
        if len(raw) > self.max_answer:
            raise StoreError(
                f"the coursekit service at {self.service_url} answered more than "
                f"{self.max_answer:,} bytes; nothing was read past that",
                kind="server",
            )
        return raw

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        """A call to API v1 that must reach the service; a refusal is a :class:`StoreError`."""
        status, answer = self._http(method, self.service_url + "api/v1/" + path, body)
        if status >= 400:
            raise self._refusal(status, answer)
        return answer

    def get(self, path: str) -> tuple[int, Any]:
        """``GET`` an API v1 path with this store's token: the status and the JSON answer,
        a refusal included (:class:`Offline` when the service cannot be reached)."""
        return self._http("GET", self.service_url + "api/v1/" + path)

    def _refusal(self, status: int, answer: Any) -> StoreError:
        reason = answer.get("reason") if isinstance(answer, dict) else None
        error = store_error("write", "coursekit", "refused", detail=f"{status}: {reason or answer}")
        return error

    # -- the outbox -------------------------------------------------------------------------

    def kept(self) -> int:
        """How many of this learner's writes are kept on this machine, not yet sent."""
        with self._lock:
            try:
                return self.outbox.count()
            except (StoreError, Offline):
                return 0

    def refusals(self) -> list[tuple[Write, str]]:
        """Kept writes the service refused when they were sent later, with its reasons."""
        return self.outbox.refusals()

    def _flush(self, mine: int | None = None) -> Any:
        """Send the kept writes in order; the answer to write ``mine`` if it was sent.

        Stops at :class:`Offline` (raised again); a refusal of an older write is
        kept with its reason and logged, a refusal of ``mine`` is raised.
        """
        answer = None
        for write in self.outbox.waiting():
            sent = {k: v for k, v in write.body.items() if not k.startswith("_")}
            status, body = self._http(write.method, self.service_url + "api/v1/" + write.path, sent)
            if status >= 400:
                error = self._refusal(status, body)
                if write.seq == mine:
                    self.outbox.sent(write.seq)  # refused at once: not kept, the caller is told
                    raise error
                self.outbox.refused(write.seq, error.detail or "")
                log.warning("the service refused kept work %s: %s", write.path, error.detail)
                continue
            self.outbox.sent(write.seq)
            self._remember(write, body)
            if write.seq == mine:
                answer = body
        return answer

    def _remember(self, write: Write, answer: Any) -> None:
        """Add what the service took to what it gave last, for reads while it is away."""
        kind = write.path.split("/")[0]
        if not isinstance(answer, dict) or kind == "restore":
            return
        item = answer.get("attempt", answer)
        self._seen.setdefault(kind, []).append(item)

    def _write(self, method: str, path: str, body: dict[str, Any], key: str) -> Any:
        """Keep the write, then send what is kept; the service's answer, or None if kept."""
        with self._lock:
            seq = self.outbox.add(key, method, path, body)
            try:
                return self._flush(mine=seq)
            except Offline as exc:
                log.info("coursekit service unreachable (%s): %d write(s) kept", exc, self.kept())
                return None

    def _read(self, kind: str, path: str) -> list[dict[str, Any]]:
        """The learner's ``kind`` items from the service (kept writes sent first), or, while
        it cannot be reached, those it gave last."""
        with self._lock:
            try:
                self._flush()
                found = list(self._call("GET", path)[kind])
            except Offline:
                return list(self._seen.get(kind, []))
            self._seen[kind] = found
            return found

    def _pending(self, kind: str) -> list[dict[str, Any]]:
        """The ``kind`` items the kept writes hold, in the service's JSON shape."""
        try:
            waiting = self.outbox.waiting()
        except (StoreError, Offline):
            return []
        items: list[dict[str, Any]] = []
        for write in waiting:
            parts = write.path.split("?")[0].split("/")
            if kind == "attempts" and parts[0] == "attempts":
                shown = write.body.get("_correct", False)  # the page's grade, until the service's
                items.append({**write.body, "correct": shown})
            elif kind == "reads" and parts[0] == "reads":
                items.append({"course_id": parts[1], "module": parts[2], **write.body})
            elif kind == "reflections" and parts[0] == "reflections":
                items.append(
                    {
                        "course_id": parts[1],
                        "reflection_id": parts[2],
                        "module": write.body["module"],
                        "text": write.body["text"],
                        "updated_at": write.body["at"],
                    }
                )
            elif parts[0] == "restore":
                cid = write.body["course_id"]
                for item in write.body.get(kind, ()):
                    # a restored attempt counts as not right until the service grades it
                    items.append({"course_id": cid, "correct": False, **item})
        return items

    # -- LearnerStore -----------------------------------------------------------------------

    def _check(self, learner: str) -> None:
        if learner != self.user:
            raise store_error("write", "coursekit", "learner", name=learner, user=self.user)

    def me(self) -> dict[str, Any]:
        """What the service says of the hub user (``GET me``), or, offline, the hub name."""
        with self._lock:
            if self._me is None:
                try:
                    self._me = dict(self._call("GET", "me"))
                except Offline:
                    return {"learner": self.user, "name": self.user, "branch": None}
            return self._me

    def add_learner(self, name: str, display_name: str | None = None) -> None:
        """Only the hub user works here; the service adds them on their first write."""
        self._check(name)

    def last_learner(self) -> str | None:
        return self.user

    def learners(self) -> list[str]:
        return [self.user]

    def learner(self, learner: str) -> Learner | None:
        if learner != self.user:
            return None
        me = self.me()
        return Learner(self.user, str(me.get("name") or self.user), me.get("branch"))

    def mark_read(self, learner: str, course_id: str, module: str, at: str | None = None) -> str:
        self._check(learner)
        at = at or now()
        path = f"reads/{quote(course_id, safe='')}/{quote(module, safe='')}"
        answer = self._write("PUT", path, {"at": at}, str(uuid.uuid4()))
        if answer is not None:
            return str(answer["done_at"])
        return self.read_at(learner, course_id, module) or at

    def read_at(self, learner: str, course_id: str, module: str) -> str | None:
        found = [r for r in self.reads(learner, course_id) if r.module == module]
        return found[0].done_at if found else None

    def reads(self, learner: str, course_id: str | None = None) -> list[Read]:
        self._check(learner)
        first: dict[tuple[str, str], str] = {}
        for item in self._read("reads", "reads") + self._pending("reads"):
            where = (str(item["course_id"]), str(item["module"]))
            at = str(item.get("done_at") or item.get("at") or "")
            if at and (where not in first or at < first[where]):
                first[where] = at
        return sorted(
            (Read(learner, c, m, at) for (c, m), at in first.items() if course_id in (None, c)),
            key=lambda r: (r.course_id, r.module, r.done_at),
        )

    def add_attempt(
        self,
        learner: str,
        course_id: str,
        module: str,
        checkpoint_id: str,
        answer: Answer,
        correct: bool,
        at: str | None = None,
    ) -> Attempt:
        """Post the answer; the service grades it itself (``correct`` is what the page showed)."""
        self._check(learner)
        key, at = str(uuid.uuid4()), at or now()
        body: dict[str, Any] = {
            "course_id": course_id,
            "module": module,
            "checkpoint_id": checkpoint_id,
            "answer": answer,
            "at": at,
            "key": key,
        }
        posted = self._write("POST", "attempts", {**body, "_correct": correct}, key)
        if posted is not None:
            return _attempt(posted["attempt"])
        return Attempt(learner, course_id, module, checkpoint_id, answer, correct, at)

    def attempts(
        self,
        learner: str,
        course_id: str | None = None,
        module: str | None = None,
        checkpoint_id: str | None = None,
    ) -> list[Attempt]:
        self._check(learner)
        seen: set[tuple[str, str, str, str]] = set()
        found = []
        for item in self._read("attempts", "attempts") + self._pending("attempts"):
            attempt = _attempt({**item, "learner": learner})
            # a kept write already sent (its answer lost) is in both: once is enough
            same = (attempt.course_id, attempt.checkpoint_id, attempt.at, repr(attempt.answer))
            if same in seen:
                continue
            seen.add(same)
            if (
                course_id in (None, attempt.course_id)
                and module in (None, attempt.module)
                and checkpoint_id in (None, attempt.checkpoint_id)
            ):
                found.append(attempt)
        return sorted(found, key=lambda a: (a.course_id, a.module, a.at))

    def save_reflection(
        self,
        learner: str,
        course_id: str,
        module: str,
        reflection_id: str,
        text: str,
        at: str | None = None,
    ) -> SavedReflection:
        self._check(learner)
        at = at or now()
        path = f"reflections/{quote(course_id, safe='')}/{quote(reflection_id, safe='')}"
        saved = self._write(
            "PUT", path, {"module": module, "text": text, "at": at}, str(uuid.uuid4())
        )
        if saved is not None:
            return _reflection(learner, saved)
        return SavedReflection(learner, course_id, module, reflection_id, text, at)

    def reflection(
        self, learner: str, course_id: str, reflection_id: str
    ) -> SavedReflection | None:
        found = self.reflections(learner, course_id)
        return next((r for r in found if r.reflection_id == reflection_id), None)

    def reflections(
        self, learner: str, course_id: str | None = None, module: str | None = None
    ) -> list[SavedReflection]:
        self._check(learner)
        latest: dict[tuple[str, str], SavedReflection] = {}
        # kept writes come after what the service gave, so the latest text wins
        for item in self._read("reflections", "reflections") + self._pending("reflections"):
            saved = _reflection(learner, item)
            latest[(saved.course_id, saved.reflection_id)] = saved
        return sorted(
            (
                r
                for r in latest.values()
                if course_id in (None, r.course_id) and module in (None, r.module)
            ),
            key=lambda r: (r.course_id, r.module, r.updated_at),
        )

    def dump(self, learner: str, course_id: str | None = None) -> LearnerDump:
        """Everything of the learner's, from the service and what is kept here."""
        me = self.me()
        return LearnerDump(
            learner=learner,
            reads=tuple(self.reads(learner, course_id)),
            attempts=tuple(self.attempts(learner, course_id)),
            reflections=tuple(self.reflections(learner, course_id)),
            name=me.get("name"),
            branch=me.get("branch"),
        )

    def restore(self, dump: LearnerDump) -> RestoreCounts:
        """Send an exported record, one course at a time; while offline it is kept and the
        counts say what it holds."""
        self._check(dump.learner)
        counts = [0, 0, 0]
        courses = sorted(
            {r.course_id for r in dump.reads}
            | {a.course_id for a in dump.attempts}
            | {r.course_id for r in dump.reflections}
        )
        for cid in courses:
            body = {
                "course_id": cid,
                "reads": [
                    {"module": r.module, "done_at": r.done_at}
                    for r in dump.reads
                    if r.course_id == cid
                ],
                "attempts": [
                    {
                        "module": a.module,
                        "checkpoint_id": a.checkpoint_id,
                        "answer": a.answer,
                        "at": a.at,
                    }
                    for a in dump.attempts
                    if a.course_id == cid
                ],
                "reflections": [
                    {
                        "module": r.module,
                        "reflection_id": r.reflection_id,
                        "text": r.text,
                        "updated_at": r.updated_at,
                    }
                    for r in dump.reflections
                    if r.course_id == cid
                ],
            }
            done = self._write("POST", "restore", body, str(uuid.uuid4()))
            added = (
                [done["reads"], done["attempts"], done["reflections"]]
                if done is not None
                else [len(body[k]) for k in ("reads", "attempts", "reflections")]
            )
            counts = [c + a for c, a in zip(counts, added, strict=True)]
        return RestoreCounts(*counts)

    def close(self) -> None:
        with self._lock:
            outbox, self._outbox = self._outbox, None
        if outbox is not None:
            outbox.close()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return raw.decode(errors="replace")


def _attempt(item: dict[str, Any]) -> Attempt:
    return Attempt(
        str(item["learner"]),
        str(item["course_id"]),
        str(item["module"]),
        str(item["checkpoint_id"]),
        item["answer"],
        bool(item["correct"]),
        str(item["at"]),
    )


def _reflection(learner: str, item: dict[str, Any]) -> SavedReflection:
    return SavedReflection(
        learner,
        str(item["course_id"]),
        str(item["module"]),
        str(item["reflection_id"]),
        str(item["text"]),
        str(item["updated_at"]),
    )
