"""The cohort as the coursekit service counts it for the caller: a trainer's or a secretary's view.

The service's ``GET report`` (asked by :func:`~coursekit.store.hub_view.ask_service`
with the caller's own token) answers the same
:class:`~coursekit.store.cohort.CohortCounts` the service counted in SQL, as
JSON, of what the token may see; :func:`counts_from_json` makes the DataFrames
again, so the report's tables come from :func:`coursekit.report.report_from_counts`
as they do from a store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from coursekit.errors import StoreError
from coursekit.model import Course
from coursekit.store.hub import HUB_TARGET
from coursekit.store.hub_view import TOKEN_ENV, ask_service

if TYPE_CHECKING:
    from coursekit.store.cohort import CohortCounts

__all__ = ["TOKEN_ENV", "ServiceCohort", "counts_from_json", "service_cohort"]

_INTEGERS = ("work", "answered", "correct", "first_correct", "reflections", "learners", "chars")


@dataclass(frozen=True)
class ServiceCohort:
    """What the service let the caller see: the counts, the caller's role and branches."""

    counts: CohortCounts
    role: str  # "trainer" or "secretary"
    branches: list[str] | None  # a secretary's branches; None: every branch
    where: str  # the service's address


def counts_from_json(body: dict[str, Any]) -> CohortCounts:
    """The :class:`CohortCounts` of the service's ``report`` answer.

    Each frame is a list of rows (``orient="records"``); an answer without a
    frame, or a row of the wrong shape, is a :class:`StoreError`.
    """
    import pandas as pd

    from coursekit.store.cohort import COLUMNS, CohortCounts

    frames = {}
    for name, columns in COLUMNS.items():
        rows = body.get(name)
        if not isinstance(rows, list) or not all(
            isinstance(row, dict) and set(columns) <= set(row) for row in rows
        ):
            raise StoreError(f"the coursekit service's report has no proper {name!r} table")
        frame = pd.DataFrame([[row[c] for c in columns] for row in rows], columns=columns)
        for column in columns:
            if column in _INTEGERS:
                frame[column] = frame[column].fillna(0).astype(int)
        if name == "completion":
            frame["read"] = frame["read"].astype(bool)
        frames[name] = frame
    # The roster's blank branch is JSON null: the report counts it as "no branch".
    frames["people"]["branch"] = frames["people"]["branch"].astype(object)
    return CohortCounts(**frames)


def service_cohort(
    course: Course,
    target: str = HUB_TARGET,
    *,
    token: str | None = None,
    api_url: str | None = None,
) -> ServiceCohort:
    """Ask the service for ``course``'s cohort with the caller's hub token (see the module).

    ``target`` is ``hub`` (the service found through the hub) or the service's
    ``http(s)://`` address. A refusal is :class:`ServiceRefused` with the
    service's reason; a service that cannot be reached is a :class:`StoreError`.
    """
    answer = ask_service(
        "report?course_id=" + quote(course.id, safe=""), target, token=token, api_url=api_url
    )
    branches = answer.body.get("branches")
    return ServiceCohort(
        counts_from_json(answer.body),
        str(answer.body.get("role", "")),
        None if branches is None else [str(b) for b in branches],
        answer.where,
    )
