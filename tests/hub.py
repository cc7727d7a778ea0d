"""A real JupyterHub for the tests: configurable-http-proxy, local single-user servers, Voilà.

``Hub`` writes a ``jupyterhub_config.py`` into a temporary directory and runs
``python -m jupyterhub`` there, in its own session, on 127.0.0.1 and free
ports (the proxy's public port, the proxy's API and the hub). Users log in with
one fixed password (``PASSWORD``); a managed service ``coursekit-test-admin``
holds the admin token the helpers use (``ADMIN_TOKEN``).

Every process the hub starts (proxy, single-user servers, their kernels,
managed services) carries ``COURSEKIT_TEST_HUB=<this hub's id>`` in its
environment, so ``stop()`` finds them even after the hub has gone and they
have been handed to init, and the tests can check that none is left.

Without jupyterhub, Node.js or configurable-http-proxy the fixtures skip with
the reason, except under ``CI=true``, where that is a failure (:func:`need_hub`).
``.ci/run`` installs the proxy into ``NODE_PREFIX`` with npm.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from postgres import Cluster

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from coursekit.store import RosterEntry

__all__ = [
    "ADMIN_SERVICE",
    "API",
    "BRANCHES",
    "PASSWORD",
    "SECRETARIES",
    "SERVICE_ROLES",
    "SERVICE_SCOPES",
    "TRAINER",
    "Hub",
    "HubError",
    "Response",
    "coursekit_service",
    "find_proxy",
    "hub",
    "hub_processes",
    "need_hub",
    "wait_for_service",
]

# Where .ci/run installs configurable-http-proxy when it is not on PATH.
NODE_PREFIX = Path(os.environ.get("COURSEKIT_NODE_PREFIX", Path.home() / ".cache/coursekit-node"))
MARKER = "COURSEKIT_TEST_HUB"
PASSWORD = "coursekit-hub-test-password"
ADMIN_SERVICE = "coursekit-test-admin"
# Two branches of the organisation, one learner each: what issue 16's tests need.
BRANCHES = {"coursekit-branch-b1": ["learner-b1"], "coursekit-branch-b2": ["learner-b2"]}
LOG_LINES_IN_ERRORS = 25
SECRETARIES = {"b1": "secretary-b1", "b2": "secretary-b2"}
TRAINER = "trainer"
#: coursekit serve's API through the hub's proxy
API = "/services/coursekit/api/v1/"
#: The roles a hub running coursekit serve needs (docs/deployment.md): what a real hub showed
SERVICE_ROLES: list[dict[str, Any]] = [
    # every user may call the service with their own token, and ask the hub where it is...
    {
        "name": "user",
        "scopes": [
            "self",
            "access:services!service=coursekit",
            "read:services!service=coursekit",
        ],
    },
    # ...and so may their kernels; a secretary's or a trainer's kernel keeps their scope (the
    # hub grants a server token only the scopes its owner holds)
    {
        "name": "server",
        "scopes": [
            "users:activity!user",
            "access:servers!server",
            "access:services!service=coursekit",
            "read:services!service=coursekit",
            "custom:coursekit:branch",
            "custom:coursekit:trainer",
        ],
    },
    {
        "name": "coursekit-secretary",
        "scopes": ["custom:coursekit:branch"],
        "users": list(SECRETARIES.values()),
    },
    {"name": "coursekit-trainer", "scopes": ["custom:coursekit:trainer"], "users": [TRAINER]},
]
SERVICE_SCOPES = {
    "custom:coursekit:branch": {"description": "read the work of one's own branch in coursekit"},
    "custom:coursekit:trainer": {"description": "read every learner's work in coursekit"},
}


class HubError(RuntimeError):
    """The hub could not be started or a server not spawned; the message says why, with the log."""


@dataclass(frozen=True)
class Response:
    """A hub API answer: the status, the JSON body (``None`` when there is none), the headers.

    Header names are lower case: the proxy (Node.js) passes them on that way.
    """

    status: int
    body: Any
    headers: dict[str, str]


def find_proxy() -> tuple[str | None, str]:
    """The configurable-http-proxy command, or ``None`` and why not."""
    if shutil.which("node") is None:
        return None, "Node.js is not installed (apt-get install nodejs npm)"
    found = shutil.which("configurable-http-proxy")
    if found:
        return found, ""
    local = NODE_PREFIX / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.is_file():
        return str(local), ""
    return None, (
        "configurable-http-proxy is not installed: not on PATH nor in"
        f" {local.parent} (npm install --prefix {NODE_PREFIX} configurable-http-proxy)"
    )


def need_hub() -> str:
    """The proxy command; skip with the reason when a part is missing (fail under ``CI=true``)."""
    reason = ""
    if importlib.util.find_spec("jupyterhub") is None:
        reason = "jupyterhub is not installed (pip install -e '.[test]')"
    else:
        proxy, reason = find_proxy()
        if proxy is not None:
            return proxy
    if os.environ.get("CI") == "true":
        pytest.fail(f"JupyterHub tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_ports(count: int) -> list[int]:
    # held open together, so that the ports differ
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Hub:
    """One JupyterHub with its proxy, in a temporary directory; ``stop()`` leaves nothing behind.

    ``db_url`` is the hub's own database (SQLite in the temporary directory by
    default). ``groups`` maps a group to its members, ``roles`` are
    ``load_roles`` entries, ``custom_scopes`` are ``custom:…`` scopes those
    roles may grant, and ``services`` are ``c.JupyterHub.services`` entries
    (managed when they have a ``command``); ``spawner_environment`` is added to
    every single-user server's environment (and so its kernels'). ``start()``
    and ``stop()`` may be called twice; ``stop()`` also runs at interpreter exit.
    """

    def __init__(
        self,
        db_url: str | None = None,
        groups: dict[str, list[str]] | None = None,
        roles: list[dict[str, Any]] | None = None,
        custom_scopes: dict[str, dict[str, Any]] | None = None,
        services: list[dict[str, Any]] | None = None,
        spawner_environment: dict[str, str] | None = None,
        start_timeout: float = 60.0,
        spawn_timeout: float = 60.0,
    ) -> None:
        self.db_url = db_url
        self.groups = dict(groups or {})
        self.roles = list(roles or [])
        self.custom_scopes = dict(custom_scopes or {})
        self.services = list(services or [])
        self.spawner_environment = dict(spawner_environment or {})
        self.start_timeout = start_timeout
        self.spawn_timeout = spawn_timeout
        self.admin_token = secrets.token_hex(32)
        self.id = uuid.uuid4().hex
        self.directory: Path | None = None
        self.port = 0
        self.start_seconds = 0.0
        self.stop_seconds = 0.0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The public URL (the proxy), without a trailing slash."""
        if not self.port:
            raise HubError("the hub has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def notebooks(self) -> Path:
        """The single-user servers' notebook directory, shared by every user."""
        if self.directory is None:
            raise HubError("the hub has not been started")
        return self.directory / "notebooks"

    @property
    def log(self) -> Path:
        if self.directory is None:
            raise HubError("the hub has not been started")
        return self.directory / "jupyterhub.log"

    def __enter__(self) -> Hub:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Write the config and start the hub; return when its API answers through the proxy."""
        if self._proc is not None:
            return
        proxy = need_hub()
        began = time.monotonic()
        self.directory = Path(tempfile.mkdtemp(prefix="coursekit-hub-"))
        atexit.register(self.stop)
        try:
            self.notebooks.mkdir()
            (self.directory / "users").mkdir()
            self.port, proxy_api, hub_port = _free_ports(3)
            config = self.directory / "jupyterhub_config.py"
            config.write_text(self._config(self.directory, proxy, proxy_api, hub_port))
            env = {**os.environ, MARKER: self.id}
            env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
            with self.log.open("wb") as out:
                self._proc = subprocess.Popen(
                    [sys.executable, "-m", "jupyterhub", "-f", str(config)],
                    cwd=self.directory,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began

    def _config(self, directory: Path, proxy: str, proxy_api: int, hub_port: int) -> str:
        singleuser = Path(sys.executable).parent / "jupyterhub-singleuser"
        services = [
            {**service, "environment": {**service.get("environment", {}), MARKER: self.id}}
            for service in self.services
        ]
        services.append({"name": ADMIN_SERVICE, "api_token": self.admin_token})
        roles = [*self.roles, {"name": "admin", "services": [ADMIN_SERVICE]}]
        settings: list[tuple[str, Any]] = [
            ("JupyterHub.bind_url", f"http://127.0.0.1:{self.port}"),
            ("JupyterHub.hub_bind_url", f"http://127.0.0.1:{hub_port}"),
            ("JupyterHub.db_url", self.db_url or f"sqlite:///{directory / 'hub.sqlite'}"),
            ("JupyterHub.cookie_secret", secrets.token_hex(32)),
            ("JupyterHub.authenticator_class", "shared-password"),
            ("SharedPasswordAuthenticator.user_password", PASSWORD),
            ("Authenticator.allow_all", True),
            ("JupyterHub.spawner_class", "simple"),
            ("SimpleLocalProcessSpawner.home_dir_template", f"{directory}/users/{{username}}"),
            ("Spawner.cmd", [str(singleuser)]),
            ("Spawner.args", ["--allow-root"] if os.geteuid() == 0 else []),
            ("Spawner.ip", "127.0.0.1"),
            ("Spawner.notebook_dir", str(self.notebooks)),
            ("Spawner.environment", {**self.spawner_environment, MARKER: self.id}),
            ("Spawner.start_timeout", int(self.spawn_timeout)),
            ("Spawner.http_timeout", int(self.spawn_timeout)),
            ("JupyterHub.load_groups", {g: {"users": m} for g, m in self.groups.items()}),
            ("JupyterHub.load_roles", roles),
            ("JupyterHub.custom_scopes", self.custom_scopes),
            ("JupyterHub.services", services),
            ("ConfigurableHTTPProxy.command", [proxy]),
            ("ConfigurableHTTPProxy.api_url", f"http://127.0.0.1:{proxy_api}"),
            ("ConfigurableHTTPProxy.auth_token", secrets.token_hex(32)),
            ("ConfigurableHTTPProxy.pid_file", str(directory / "proxy.pid")),
            ("JupyterHub.pid_file", str(directory / "jupyterhub.pid")),
        ]
        lines = ["# written by tests/hub.py", "c = get_config()  # noqa: F821"]
        lines += [f"c.{name} = {value!r}" for name, value in settings]
        return "\n".join(lines) + "\n"

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._proc is None or self._proc.poll() is not None:
                code = None if self._proc is None else self._proc.returncode
                raise HubError(f"jupyterhub exited with {code}; its log ends:\n{self._log_tail()}")
            try:
                if self.api("GET", "/hub/api/", token=None).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise HubError(
                    f"the hub did not answer in {self.start_timeout:.0f} s; its log ends:\n"
                    f"{self._log_tail()}"
                )
            time.sleep(0.2)

    def _log_tail(self) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except (OSError, HubError):
            return "(no log)"
        return "\n".join(text.strip().splitlines()[-LOG_LINES_IN_ERRORS:])

    def api(
        self, method: str, path: str, token: str | None = "admin", body: Any = None
    ) -> Response:
        """Call the hub (or a server behind it) at ``path``; ``token="admin"`` is the admin token.

        An HTTP error is a ``Response`` too, so tests can assert on 403.
        """
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"token {self.admin_token if token == 'admin' else token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return Response(answer.status, _json(answer.read()), _headers(answer.headers))
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, _json(error.read()), _headers(error.headers))

    def token_for(self, user: str, note: str = "coursekit test") -> str:
        """A new API token of ``user`` (with the user's own permissions), made by the admin."""
        answer = self.api("POST", f"/hub/api/users/{quote(user)}/tokens", body={"note": note})
        if answer.status != 201:
            raise HubError(f"no token for {user}: {answer.status} {answer.body}")
        return str(answer.body["token"])

    def spawn(self, user: str) -> str:
        """Start ``user``'s server (adding the user if new) and wait until it is ready.

        Return the server's URL, ending in ``/``.
        """
        name = quote(user)
        if self.api("GET", f"/hub/api/users/{name}").status == 404:
            self.api("POST", f"/hub/api/users/{name}")
        answer = self.api("POST", f"/hub/api/users/{name}/server")
        # 400: already running
        if answer.status not in (201, 202, 400):
            raise HubError(f"cannot spawn {user}: {answer.status} {answer.body}")
        # the hub gives up on a server after spawn_timeout itself; a little more here
        deadline = time.monotonic() + self.spawn_timeout + 10
        while True:
            model = self.api("GET", f"/hub/api/users/{name}").body or {}
            server = (model.get("servers") or {}).get("")
            if server is None:  # the hub dropped it: the spawn failed
                problem = "failed to start"
                break
            if server.get("ready"):
                return f"{self.url}/user/{name}/"
            if time.monotonic() > deadline:
                problem = "was not ready in time"
                break
            time.sleep(0.2)
        raise HubError(f"{user}'s server {problem}; the hub's log ends:\n{self._log_tail()}")

    def login(self, page: Page, user: str, password: str = PASSWORD) -> None:
        """Log ``user`` in on the hub's login form in a Playwright page."""
        page.goto(f"{self.url}/hub/login")
        page.locator("#username_input").fill(user)
        page.locator("#password_input").fill(password)
        page.locator("#login_submit").click()
        page.wait_for_url(lambda url: "/hub/login" not in url)

    def processes(self) -> list[int]:
        """Every live process this hub started, found by the marker in its environment."""
        return hub_processes(self.id)

    def stop(self) -> None:
        """Stop the hub (which stops its servers and proxy), kill what is left, remove the dir."""
        if self.directory is None:
            return
        began = time.monotonic()
        atexit.unregister(self.stop)
        if self._proc is not None:
            if self._proc.poll() is None:
                # SIGTERM: the hub stops single-user servers, services and the proxy itself
                os.killpg(self._proc.pid, signal.SIGTERM)
                try:
                    self._proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(self._proc.pid, signal.SIGKILL)
                    self._proc.wait(timeout=5)
            self._proc = None
        _end(self.processes())
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None
        self.port = 0
        self.stop_seconds = time.monotonic() - began


def _headers(message: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def hub_processes(hub_id: str) -> list[int]:
    """Live (not zombie) processes whose environment holds ``COURSEKIT_TEST_HUB=hub_id``."""
    marker = f"{MARKER}={hub_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
        except OSError:
            continue
        found.append(int(entry.name))
    return found


def _end(pids: list[int], grace: float = 5.0) -> None:
    """SIGTERM ``pids``, then SIGKILL whichever is still alive after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while pids and time.monotonic() < deadline:
            pids = [pid for pid in pids if _alive(pid)]
            time.sleep(0.05)
        if not pids:
            return


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextlib.contextmanager
def coursekit_service(
    postgres_server: Cluster,
    roster: list[RosterEntry],
    groups: dict[str, list[str]] | None = None,
    environment: dict[str, str] | None = None,
    spawner_environment: dict[str, str] | None = None,
) -> Iterator[tuple[Hub, str]]:
    """A hub running ``coursekit serve`` as a managed service, its store on PostgreSQL
    holding ``roster``; yields the hub and the store's URL (given to the service only).

    The branch groups hold ``BRANCHES``' learners and the branch's secretary, plus
    ``groups``; ``environment`` is added to the service's, ``spawner_environment`` to
    the single-user servers' (never the store's URL: that stays in the service).
    """
    import coursekit
    from coursekit.store import open_store

    need_hub()
    hub_db, store_db = f"hub_{uuid.uuid4().hex}", f"ck_{uuid.uuid4().hex}"
    store_url = postgres_server.create_database(store_db)
    store = open_store(store_url)
    store.import_roster(roster)
    store.close()
    all_groups = {
        f"coursekit-branch-{b}": [*BRANCHES[f"coursekit-branch-{b}"], s]
        for b, s in SECRETARIES.items()
    }
    for group, members in (groups or {}).items():
        all_groups.setdefault(group, []).extend(members)
    entry = {
        "name": "coursekit",
        "command": [sys.executable, "-m", "coursekit.cli", "serve"],
        "url": f"http://127.0.0.1:{_free_ports(1)[0]}",
        "environment": {
            "COURSEKIT_SERVICE_STORE": store_url,
            # the code under test, wherever the hub's own environment finds coursekit
            "PYTHONPATH": str(Path(coursekit.__file__).parents[1]),
            **(environment or {}),
        },
    }
    the_hub = Hub(
        db_url=postgres_server.create_database(hub_db),
        groups=all_groups,
        roles=SERVICE_ROLES,
        custom_scopes=SERVICE_SCOPES,
        services=[entry],
        spawner_environment=spawner_environment,
    )
    the_hub.start()
    try:
        wait_for_service(the_hub, roster[0].learner)
        yield the_hub, store_url
    finally:
        the_hub.stop()
        postgres_server.drop_database(hub_db)
        postgres_server.drop_database(store_db)


def wait_for_service(hub: Hub, user: str, timeout: float = 60) -> None:
    """Return once the service answers ``user``'s ``GET me`` through the proxy."""
    token = hub.token_for(user)
    deadline = time.monotonic() + timeout
    while True:
        answer = hub.api("GET", API + "me", token=token)
        if answer.status == 200:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"the service did not answer: {answer}\n{hub.log.read_text()[-3000:]}"
            )
        time.sleep(0.3)


@pytest.fixture(scope="session")
def hub(request: pytest.FixtureRequest) -> Iterator[Hub]:
    """One hub for the session, its database on the tests' PostgreSQL, two learners in branches."""
    need_hub()  # before PostgreSQL starts, which a missing proxy would waste
    postgres_server: Cluster = request.getfixturevalue("postgres_server")
    name = f"hub_{uuid.uuid4().hex}"
    the_hub = Hub(db_url=postgres_server.create_database(name), groups=BRANCHES)
    the_hub.start()
    yield the_hub
    the_hub.stop()
    postgres_server.drop_database(name)
