"""A throwaway PostgreSQL server for the tests, the benchmarks and CI.

``Cluster`` runs Debian's ``initdb`` and ``pg_ctl`` in a temporary directory
and serves on 127.0.0.1 only, on a free port. A server someone else started
(``.ci/run`` starts one with this module's CLI) is used instead when
``COURSEKIT_TEST_POSTGRES`` holds its URL: see :func:`server`.

The fixtures ``postgres_server`` (one server for the session, in fast mode) and
``postgres_url`` (a fresh database per test) skip with the reason when
PostgreSQL is missing, except under ``CI=true``, where that is a failure.

The CLI, for ``.ci/run``, needs only the standard library, because it runs
under a bare ``python3`` before the test command installs anything::

    python3 tests/postgres.py start [--fast] STATEFILE   # prints the URL
    python3 tests/postgres.py stop STATEFILE
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

try:
    import pytest
except ModuleNotFoundError:  # the CLI runs under CI's bare python3, before pytest is installed
    pytest = None  # type: ignore[assignment]

__all__ = [
    "Cluster",
    "ClusterError",
    "find_binaries",
    "need_postgres",
    "postgres_server",
    "postgres_url",
    "server",
]

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
EXTERNAL_ENV = "COURSEKIT_TEST_POSTGRES"
# The benchmark runs 50 writer processes, each with its own connection.
MAX_CONNECTIONS = 200
# Tests lose nothing if a crash loses their data; the benchmark keeps these on.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
LOG_LINES_IN_ERRORS = 15


class ClusterError(RuntimeError):
    """The server could not be set up or started; the message says why, with its log."""


def find_binaries() -> tuple[Path | None, str]:
    """The directory holding ``initdb`` and ``pg_ctl``, or ``None`` and why not.

    Debian keeps them in /usr/lib/postgresql/<version>/bin and links only some
    into PATH, so that comes first, newest version first.
    """
    for bin_dir in sorted(DEBIAN_BINARIES.glob("*/bin"), key=_version, reverse=True):
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            return bin_dir, ""
    initdb = shutil.which("initdb")
    if initdb and (Path(initdb).parent / "pg_ctl").is_file():
        return Path(initdb).parent, ""
    return None, (
        f"PostgreSQL is not installed: no initdb in {DEBIAN_BINARIES}/*/bin or PATH"
        " (apt-get install postgresql)"
    )


def _version(bin_dir: Path) -> tuple[int, ...]:
    parts = bin_dir.parent.name.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else (-1,)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One PostgreSQL server: started by this harness in a temporary directory, or external.

    ``fast=True`` turns off fsync and its kin, for tests. The default keeps
    them on, because the benchmark measures real writes. ``stop()`` is safe to
    call twice and runs at interpreter exit, so a crashed run leaves no server.
    """

    def __init__(self, fast: bool = False) -> None:
        self.fast = fast
        self.directory: Path | None = None
        self.port = 0
        self._bin_dir: Path | None = None
        self._external_url: str | None = None

    @classmethod
    def external(cls, url: str) -> Cluster:
        """A server someone else runs: ``start()`` and ``stop()`` leave it alone."""
        cluster = cls()
        scheme, rest = url.split("://", 1)
        # libpq's own spellings become the SQLAlchemy URL for psycopg 3
        if scheme in ("postgres", "postgresql"):
            scheme = "postgresql+psycopg"
        cluster._external_url = f"{scheme}://{rest}"
        return cluster

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Cluster:
        """The cluster a :meth:`detach` described, for another process to stop."""
        cluster = cls(fast=bool(state["fast"]))
        cluster.directory = Path(state["directory"])
        cluster.port = int(state["port"])
        cluster._bin_dir = Path(state["bin_dir"])
        return cluster

    @property
    def url(self) -> str:
        if self._external_url is not None:
            return self._external_url
        if not self.port:
            raise ClusterError("the cluster has not been started")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def running(self) -> bool:
        return self.directory is not None

    @property
    def _home(self) -> Path:
        if self.directory is None:
            raise ClusterError("the cluster has not been started")
        return self.directory

    @property
    def pid(self) -> int | None:
        """The postmaster's process id, from its pid file (``None`` when there is none)."""
        if self.directory is None:
            return None
        try:
            return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Create the cluster and start it; raise :class:`ClusterError` with the reason."""
        if self._external_url is not None or self.running:
            return
        bin_dir, reason = find_binaries()
        if bin_dir is None:
            raise ClusterError(reason)
        self._bin_dir = bin_dir
        self.directory = Path(tempfile.mkdtemp(prefix="coursekit-pg-"))
        atexit.register(self.stop)
        try:
            (self.directory / "sock").mkdir()
            if os.geteuid() == 0:
                _give_to_postgres(self.directory)
            self._initdb()
            self.port = _free_port()
            self._pg_ctl_start()
        except BaseException:
            self.stop()
            raise

    def _initdb(self) -> None:
        base = ["initdb", "-D", str(self._home / "data"), "-U", "postgres", "--auth=trust"]
        result = self._run([*base, "-E", "UTF8", "--locale=C.UTF-8"], timeout=120)
        if result.returncode != 0 and "locale" in result.stdout:
            shutil.rmtree(self._home / "data", ignore_errors=True)
            result = self._run([*base, "-E", "UTF8", "--no-locale"], timeout=120)
        if result.returncode != 0:
            raise ClusterError(f"initdb failed:\n{_tail(result.stdout)}")

    def _pg_ctl_start(self) -> None:
        settings = [f"max_connections={MAX_CONNECTIONS}", *(FAST_SETTINGS if self.fast else ())]
        # pg_ctl hands -o to a shell, hence the quoting
        options = " ".join(
            [
                f"-h 127.0.0.1 -p {self.port} -k {shlex.quote(str(self._home / 'sock'))}",
                *(f"-c {s}" for s in settings),
            ]
        )
        log = self._home / "log"
        command = ["pg_ctl", "-D", str(self._home / "data"), "-l", str(log), "-w", "-t", "60"]
        try:
            result = self._run([*command, "-o", options, "start"], timeout=90)
        except subprocess.TimeoutExpired:
            raise ClusterError(f"pg_ctl start hung:\n{_tail(_read(log))}") from None
        if result.returncode != 0:
            said = [line for line in result.stdout.splitlines() if line.startswith("pg_ctl:")]
            raise ClusterError(
                f"PostgreSQL did not start ({'; '.join(said) or 'pg_ctl failed'}); its log ends:\n"
                f"{_tail(_read(log))}"
            )

    def stop(self) -> None:
        """Stop the server (killing it if it will not stop) and remove its directory."""
        if self.directory is None:
            return
        atexit.unregister(self.stop)
        if (self.directory / "data" / "postmaster.pid").exists():
            self._stop_server()
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def _stop_server(self) -> None:
        command = ["pg_ctl", "-D", str(self._home / "data"), "stop", "-m", "fast", "-w"]
        pid = self.pid
        try:
            stopped = self._run([*command, "-t", "30"], timeout=40).returncode == 0
        except subprocess.TimeoutExpired:
            stopped = False
        if pid is None:
            return
        # pg_ctl returns once the pid file is gone, a moment before the process is
        if not (stopped and _gone(pid, within=10)):
            _kill_postmaster(pid)

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program from our bin dir, as the postgres user when we are root.

        initdb and pg_ctl refuse to run as root.
        """
        if self._bin_dir is None:
            raise ClusterError("no PostgreSQL binaries chosen: start() chooses them")
        command = [str(self._bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = [_runuser(), "-u", "postgres", "--", *command]
        try:
            return subprocess.run(
                command,
                cwd=self._home,  # the postgres user cannot enter root's working directory
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
            )
        except OSError as exc:
            raise ClusterError(f"cannot run {command[0]}: {exc}") from exc

    def detach(self) -> dict[str, Any]:
        """Leave the server running past this process; the state is what ``from_state`` needs."""
        if self.directory is None or self._bin_dir is None:
            raise ClusterError("the cluster has not been started")
        atexit.unregister(self.stop)
        return {
            "directory": str(self.directory),
            "port": self.port,
            "bin_dir": str(self._bin_dir),
            "fast": self.fast,
            "pid": self.pid,
            "url": self.url,
        }

    def database_url(self, name: str) -> str:
        """The URL of database ``name`` on this server."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def create_database(self, name: str) -> str:
        """Create an empty UTF-8 database ``name`` and return its URL."""
        self._execute("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'", name)
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting whoever is still connected to it."""
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)

    def _execute(self, statement: str, name: str) -> None:
        # Imported here: the CLI must run without psycopg.
        import psycopg
        from psycopg import sql

        conninfo = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def _give_to_postgres(directory: Path) -> None:
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterError(
            "running as root, and there is no postgres user to run initdb and pg_ctl as"
        ) from None
    for path in (directory, directory / "sock"):
        os.chown(path, user.pw_uid, user.pw_gid)


def _runuser() -> str:
    # root's PATH has /usr/sbin, where runuser lives, but a sudo or CI PATH may not
    found = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if found is None:
        raise ClusterError("running as root, and there is no runuser to run initdb as postgres")
    return found


def _kill_postmaster(pid: int) -> None:
    """Kill the postmaster and its backends: pg_ctl started it as a process group leader."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signal.SIGKILL)
    _gone(pid, within=10)


def _gone(pid: int, within: float) -> bool:
    """Wait until ``pid`` has exited; a zombie waiting for init to reap it has."""
    deadline = time.monotonic() + within
    while True:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        except OSError:  # no /proc: ask the kernel instead
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        else:
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return f"({path} was not written)"


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-LOG_LINES_IN_ERRORS:])


def server(fast: bool = True) -> Cluster:
    """The server named by ``COURSEKIT_TEST_POSTGRES``, or a new (not yet started) cluster."""
    url = os.environ.get(EXTERNAL_ENV)
    return Cluster.external(url) if url else Cluster(fast=fast)


def need_postgres(reason: str) -> None:
    """Skip with ``reason``, or fail under ``CI=true``, where PostgreSQL must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


if pytest is not None:

    @pytest.fixture(scope="session")
    def postgres_server() -> Iterator[Cluster]:
        """One server for the whole run, in fast mode (or ``COURSEKIT_TEST_POSTGRES``)."""
        cluster = server(fast=True)
        try:
            cluster.start()
        except ClusterError as exc:
            need_postgres(str(exc))
        yield cluster
        cluster.stop()

    @pytest.fixture
    def postgres_url(postgres_server: Cluster) -> Iterator[str]:
        """The URL of a new, empty database, dropped again after the test."""
        try:
            import psycopg  # noqa: F401
        except ModuleNotFoundError:
            need_postgres("psycopg is not installed (pip install 'psycopg[binary]')")
        name = f"t_{uuid.uuid4().hex}"
        url = postgres_server.create_database(name)
        yield url
        postgres_server.drop_database(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start or stop a throwaway PostgreSQL for CI.")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start a cluster, print its URL, save its state")
    start.add_argument("--fast", action="store_true", help="fsync and its kin off (tests only)")
    start.add_argument("statefile", type=Path)
    stop = commands.add_parser("stop", help="stop the cluster a state file describes")
    stop.add_argument("statefile", type=Path)
    args = parser.parse_args(argv)
    if args.command == "start":
        return _start_command(args.statefile, fast=args.fast)
    return _stop_command(args.statefile)


def _start_command(statefile: Path, fast: bool) -> int:
    cluster = Cluster(fast=fast)
    try:
        cluster.start()
    except ClusterError as exc:
        print(f"postgres.py: {exc}", file=sys.stderr)
        return 1
    try:
        statefile.write_text(json.dumps(cluster.detach()))
    except OSError as exc:
        cluster.stop()  # nobody could stop it later without its state
        print(f"postgres.py: cannot save the cluster's state: {exc}", file=sys.stderr)
        return 1
    print(cluster.url)
    return 0


def _stop_command(statefile: Path) -> int:
    try:
        saved = statefile.read_text()
    except FileNotFoundError:
        return 0  # stopped already
    if saved:  # empty: .ci/run made the file, but the cluster never started
        Cluster.from_state(json.loads(saved)).stop()
    statefile.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
