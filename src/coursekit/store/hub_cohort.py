"""The cohort as the coursekit service counts it for the caller: a trainer's or a secretary's view.

A trainer's kernel under JupyterHub (or a trainer's shell with a hub token)
holds no database URL: it asks the service's ``GET report`` with the caller's
own token, and the service decides what that token may see — everything for a
trainer, their own branch for a branch secretary, nothing for a learner. The
answer is the same :class:`~coursekit.store.cohort.CohortCounts` the service
counted in SQL, as JSON; :func:`counts_from_json` makes the DataFrames again, so
the report's tables come from :func:`coursekit.report.report_from_counts` as they
do from a store.

The token is ``JUPYTERHUB_API_TOKEN`` (a kernel's), else ``COURSEKIT_HUB_TOKEN``
(one a trainer made on the hub's token page); the service is found as
:class:`~coursekit.store.hub.HubStore` finds it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from coursekit.errors import ServiceRefused, StoreError
from coursekit.model import Course
from coursekit.store.hub import HUB_TARGET, HubStore, Offline

if TYPE_CHECKING:
    from coursekit.store.cohort import CohortCounts

__all__ = ["TOKEN_ENV", "ServiceCohort", "counts_from_json", "service_cohort"]

#: A hub token for use outside a kernel (a trainer's shell).
TOKEN_ENV = "COURSEKIT_HUB_TOKEN"

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
    env = os.environ
    token = token or env.get("JUPYTERHUB_API_TOKEN") or env.get(TOKEN_ENV)
    if not token:
        raise StoreError(
            "no hub token to ask the coursekit service with: set JUPYTERHUB_API_TOKEN "
            f"(a kernel under the hub has it) or {TOKEN_ENV}",
            kind="nohub",
        )
    # The report writes nothing, so the store's outbox (kept per user) is never opened.
    client = HubStore(
        None if target == HUB_TARGET else target,
        token=token,
        user=env.get("JUPYTERHUB_USER") or "-",
        api_url=api_url,
    )
    try:
        status, body = client.get("report?course_id=" + quote(course.id, safe=""))
    except Offline as exc:
        where = "the hub's coursekit service" if target == HUB_TARGET else target
        raise StoreError(f"cannot reach {where}: {exc}", kind="server") from None
    finally:
        client.close()
    if status >= 400:
        reason = body.get("reason") if isinstance(body, dict) else None
        raise ServiceRefused(status, str(reason or body), client.service_url)
    if not isinstance(body, dict):
        raise StoreError(f"the coursekit service at {client.service_url} did not answer in JSON")
    branches = body.get("branches")
    return ServiceCohort(
        counts_from_json(body),
        str(body.get("role", "")),
        None if branches is None else [str(b) for b in branches],
        client.service_url,
    )
