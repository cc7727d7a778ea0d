"""The branches' study ledger (学习台账) as the coursekit service gathers it for the caller.

``coursekit ledger --store hub`` asks the service's ``GET ledger`` with the
caller's own hub token (:func:`~coursekit.store.hub_view.ask_service`): a
trainer gets every branch, a branch secretary their own, a learner a refusal.
The service gathers the ledger with :func:`~coursekit.ledger.data.ledger_from_store`
and answers each branch as :meth:`~coursekit.ledger.data.Branch.to_dict` writes
it; the answer is checked field by field before it becomes a
:class:`~coursekit.ledger.data.Ledger`, so a malformed one is a
:class:`StoreError` naming the service, and a member's text is never taken
for anything but text.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coursekit.errors import StoreError
from coursekit.ledger.data import Branch, Ledger
from coursekit.store.hub import HUB_TARGET
from coursekit.store.hub_view import ask_service

if TYPE_CHECKING:
    from coursekit.model import Course

__all__ = ["service_ledger"]

#: how many of a malformed answer's problems its error names
SHOWN_PROBLEMS = 5

Count = Annotated[int, Field(ge=0)]


class _Shape(BaseModel):
    # strict: a number is not a name, nor a string a count; fields the service adds later
    # are ignored, so that an older client still reads a newer service's ledger
    model_config = ConfigDict(strict=True, extra="ignore")


class _Written(_Shape):
    module: str
    reflection: str
    text: str
    at: str


class _Member(_Shape):
    learner: str
    name: str
    role: str | None = None
    on_roster: bool | None = None
    reads: dict[str, str] = {}
    answered: Count = 0
    first_correct: Count = 0
    reflections: list[_Written] = []
    first_at: str | None = None
    last_at: str | None = None


class _Branch(_Shape):
    name: str | None
    roster_known: bool
    members: list[_Member]


class _LedgerAnswer(_Shape):
    course_id: str
    branches: list[_Branch]


def service_ledger(
    course: Course,
    target: str = HUB_TARGET,
    branches: Collection[str] | None = None,
    *,
    token: str | None = None,
    api_url: str | None = None,
) -> Ledger:
    """The ledger of each branch the caller's hub token may see (of ``branches`` only, if given).

    ``target`` is ``hub`` (the service found through the hub) or the service's
    ``http(s)://`` address; ``branches`` empty or ``None`` asks for every branch
    the token may see. A refusal (a learner's token, a secretary asking for
    another branch) is :class:`ServiceRefused` with the service's reason; no
    token, a service that cannot be reached, or an answer that is not a ledger
    of ``course`` is a :class:`StoreError`. The ledger's source is the service's
    address.
    """
    query = [("course_id", course.id), *(("branch", b) for b in sorted(set(branches or ())))]
    answer = ask_service("ledger?" + urlencode(query), target, token=token, api_url=api_url)
    try:
        checked = _LedgerAnswer.model_validate(answer.body)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()
        ]
        raise StoreError(
            f"the coursekit service at {answer.where} sent no proper ledger: "
            + "; ".join(problems[:SHOWN_PROBLEMS])
        ) from None
    if checked.course_id != course.id:
        raise StoreError(
            f"the coursekit service at {answer.where} sent the ledger of "
            f"{checked.course_id!r}, not of {course.id!r}"
        )
    unknown = _unknown_work(course, checked)
    if unknown:
        raise StoreError(
            f"the coursekit service at {answer.where} sent work on {unknown}, which this copy "
            f"of {course.id!r} does not have: use the course folder the service serves"
        )
    return Ledger(
        course,
        tuple(Branch.from_dict(b.model_dump()) for b in checked.branches),
        source=answer.where,
    )


def _unknown_work(course: Course, answer: _LedgerAnswer) -> str | None:
    """The first module or reflection in ``answer`` that ``course`` lacks (the service serves
    another version of it), named; ``None`` when the course has them all."""
    modules = {m.id for m in course.modules}
    prompts = {(m.id, r.id) for m in course.modules for r in m.reflections}
    for branch in answer.branches:
        for member in branch.members:
            for module in member.reads:
                if module not in modules:
                    return f"module {module!r}"
            for written in member.reflections:
                if (written.module, written.reflection) not in prompts:
                    return f"reflection {written.reflection!r} of module {written.module!r}"
    return None
