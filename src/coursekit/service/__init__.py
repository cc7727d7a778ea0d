"""``coursekit serve``: the learner store behind JupyterHub, as a hub-managed service.

Learners' kernels never hold the store's URL: they call this service with
their own hub token, and the service, which alone has ``COURSEKIT_SERVICE_STORE``,
decides what each person may read and write (:mod:`coursekit.service.access`).
The JSON API is under ``{JUPYTERHUB_SERVICE_PREFIX}api/v1/`` (:mod:`coursekit.service.api`).
"""

from __future__ import annotations

from coursekit.service.app import ServiceSettings, make_app, serve

__all__ = ["ServiceSettings", "make_app", "serve"]
