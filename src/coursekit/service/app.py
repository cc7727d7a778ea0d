"""The service's settings (from the environment the hub gives it), its state, and its server."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from coursekit.errors import CoursekitError
from coursekit.service.bucket import RateLimit

if TYPE_CHECKING:
    import tornado.web

    from coursekit.model import Checkpoint, Course
    from coursekit.store import SQLStore

__all__ = ["STORE_ENV", "Service", "ServiceSettings", "make_app", "serve"]

#: The store's URL; given to the service only, in the hub's ``services`` entry.
STORE_ENV = "COURSEKIT_SERVICE_STORE"
log = logging.getLogger("coursekit.service")
HARD_BODY_LIMIT = 64 * 1024 * 1024


class ServiceConfigError(CoursekitError):
    """The environment does not say what the service needs (not started by a hub?)."""

    exit_code = 2


@dataclass(frozen=True)
class ServiceSettings:
    """Where the service listens and what it allows, read by :meth:`from_env`."""

    store: str
    host: str = "127.0.0.1"
    port: int = 8890
    prefix: str = "/services/coursekit/"
    course: str | None = None
    max_body: int = 256 * 1024
    rate: float = 20.0  # requests a second per user, refilled
    burst: float = 100.0  # requests at once per user

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServiceSettings:
        """From ``JUPYTERHUB_SERVICE_URL``/``_PREFIX`` and ``COURSEKIT_SERVICE_*``."""
        env = dict(os.environ if env is None else env)
        store = env.get(STORE_ENV)
        if not store:
            raise ServiceConfigError(
                f"{STORE_ENV} is not set: give the store's URL to the service only, in the "
                "hub's services entry (environment)"
            )
        url = urlsplit(env.get("JUPYTERHUB_SERVICE_URL") or "http://127.0.0.1:8890")
        prefix = env.get("JUPYTERHUB_SERVICE_PREFIX") or "/services/coursekit/"
        try:
            return cls(
                store=store,
                host=url.hostname or "127.0.0.1",
                port=url.port or 8890,
                prefix=prefix if prefix.endswith("/") else prefix + "/",
                course=env.get("COURSEKIT_COURSE") or None,
                max_body=int(env.get("COURSEKIT_SERVICE_MAX_BODY", cls.max_body)),
                rate=float(env.get("COURSEKIT_SERVICE_RATE", cls.rate)),
                burst=float(env.get("COURSEKIT_SERVICE_BURST", cls.burst)),
            )
        except ValueError as exc:
            raise ServiceConfigError(
                f"a COURSEKIT_SERVICE_* setting is not a number: {exc}"
            ) from exc


@dataclass
class Service:
    """What every request shares: the store, the course and its key, the rate limit."""

    settings: ServiceSettings
    store: SQLStore
    course: Course
    limit: RateLimit
    checkpoints: dict[str, tuple[str, Checkpoint]] = field(default_factory=dict)
    modules: frozenset[str] = frozenset()
    prompts: dict[str, str] = field(default_factory=dict)
    _known: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.checkpoints = {q.id: (m, q) for m, q in self.course.all_checkpoints()}
        self.modules = frozenset(m.id for m in self.course.modules)
        self.prompts = {r.id: m.id for m in self.course.modules for r in m.reflections}

    async def known(self, learner: str) -> None:
        """Add a hub user to the store's learners the first time this process sees them write."""
        if learner not in self._known:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.store.add_learner, learner)
            self._known.add(learner)


def make_app(service: Service) -> tornado.web.Application:
    """The tornado application serving ``{prefix}api/v1/``."""
    import tornado.web

    from coursekit.service.api import ROUTES

    base = f"{service.settings.prefix}api/v1/"
    return tornado.web.Application(
        [(base + path + "$", endpoint) for path, endpoint in ROUTES],
        coursekit=service,
    )


def serve(settings: ServiceSettings | None = None) -> None:
    """Run the service until SIGTERM or SIGINT (the hub stops a managed service with SIGTERM)."""
    from coursekit.content import load_course
    from coursekit.store import open_store

    settings = settings or ServiceSettings.from_env()
    logging.basicConfig(level=logging.INFO, format="[coursekit-service %(asctime)s] %(message)s")
    course = load_course(settings.course)
    store = open_store(settings.store)
    service = Service(settings, store, course, RateLimit(settings.rate, settings.burst))
    try:
        asyncio.run(_run(service))
    finally:
        store.close()


async def _run(service: Service) -> None:
    from tornado.httpserver import HTTPServer

    app = make_app(service)
    # the endpoints keep at most max_body of a body and answer 413 past it (api.Endpoint);
    # tornado drops the connection past this hard bound
    server = HTTPServer(app, max_body_size=HARD_BODY_LIMIT, xheaders=True)
    server.listen(service.settings.port, service.settings.host)
    log.info(
        "serving %s on %s:%s%sapi/v1/ (store %s)",
        service.course.id,
        service.settings.host,
        service.settings.port,
        service.settings.prefix,
        service.store.where,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    await server.close_all_connections()
