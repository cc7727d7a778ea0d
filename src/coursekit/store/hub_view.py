"""Asking the coursekit service for a trainer's view (the report's counts, the ledger).

A trainer's kernel under JupyterHub (or a trainer's shell with a hub token)
holds no database URL: it asks the service with the caller's own token, and
the service decides what that token may see — everything for a trainer, their
own branches for a branch secretary, nothing for a learner.

The token is ``JUPYTERHUB_API_TOKEN`` (a kernel's), else ``COURSEKIT_HUB_TOKEN``
(one a trainer made on the hub's token page); the service is found as
:class:`~coursekit.store.hub.HubStore` finds it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from coursekit.errors import ServiceRefused, StoreError
from coursekit.store.hub import HUB_TARGET, HubStore, Offline

__all__ = ["TOKEN_ENV", "VIEW_BYTES", "VIEW_TIMEOUT", "ServiceAnswer", "ask_service"]

#: A hub token for use outside a kernel (a trainer's shell).
TOKEN_ENV = "COURSEKIT_HUB_TOKEN"
#: Seconds to wait for a view. Not a kernel's few seconds: the service gathers the whole
#: cohort first (a ledger of 5,000 members took 6 s on a 2-core machine, SQLite).
VIEW_TIMEOUT = 60.0
#: The most a view may answer: the ledger of 5,000 members is about 72 MB of JSON. A larger
#: organisation asks per branch (--branch), or reads the database itself (--store URL).
VIEW_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class ServiceAnswer:
    """The service's JSON object for a ``GET``, and the service's address (to name it)."""

    body: dict[str, Any]
    where: str


def ask_service(
    path: str,
    target: str = HUB_TARGET,
    *,
    token: str | None = None,
    api_url: str | None = None,
) -> ServiceAnswer:
    """``GET`` the API v1 ``path`` (with its query) of the service with the caller's hub token.

    ``target`` is ``hub`` (the service found through the hub) or the service's
    ``http(s)://`` address. No token is a :class:`StoreError`, and so is a
    service that cannot be reached or answers other than a JSON object; a
    refusal (4xx) is :class:`ServiceRefused` with the service's reason.
    """
    env = os.environ
    token = token or env.get("JUPYTERHUB_API_TOKEN") or env.get(TOKEN_ENV)
    if not token:
        raise StoreError(
            "no hub token to ask the coursekit service with: set JUPYTERHUB_API_TOKEN "
            f"(a kernel under the hub has it) or {TOKEN_ENV}",
            kind="nohub",
        )
    # A view writes nothing, so the store's outbox (kept per user) is never opened.
    client = HubStore(
        None if target == HUB_TARGET else target,
        token=token,
        user=env.get("JUPYTERHUB_USER") or "-",
        api_url=api_url,
        timeout=VIEW_TIMEOUT,
        max_answer=VIEW_BYTES,
    )
    try:
        status, body = client.get(path)
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
    return ServiceAnswer(body, client.service_url)
