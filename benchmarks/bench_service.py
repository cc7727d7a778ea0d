"""Learners answering at once through a real JupyterHub: ``coursekit serve`` under load.

Starts tests/postgres.py's throwaway PostgreSQL (fsync on, so commits are real
disk writes) and tests/hub.py's JupyterHub with the coursekit service (its
store on that PostgreSQL, the rate limit raised for the run so it does not
throttle), creates LEARNERS hub users (200 by default) each with an API token,
then runs LEARNERS simulated learners at once. Each posts ANSWERS (85) answers
one after another, as a kernel does: ``POST /services/coursekit/api/v1/attempts``
through the hub's proxy with the learner's token and an idempotency key, the
same key again when a request fails (as HubStore's outbox does).

Prints requests/s, p50/p95/p99 latency, the answers by status, and the lost
writes: every learner's attempts counted in the database afterwards (each must
be there exactly once: "lost: 0, doubled: 0").

``--replicas 2`` runs two ``coursekit serve`` processes behind one managed
service: the hub starts this file with ``--front``, which starts the replicas
on ports of their own and passes each connection on to the next replica in
turn (a small TCP front, standing in for a Kubernetes Service or a load
balancer). The proxy still routes ``/services/coursekit/`` to one address.

``--direct`` sends the answers to the service's own address, which HubStore
finds by asking the hub (``GET /hub/api/services/coursekit``) and uses; by
default they go through the hub's proxy (``/services/coursekit/``).

Run: PYTHONPATH=src:tests .venv/bin/python benchmarks/bench_service.py
     [--learners N] [--answers A] [--replicas R] [--direct] [--timeout S]
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve()
RETRIES = 5


def checkpoints() -> list[tuple[str, str, list[str]]]:
    """(module, checkpoint, options) of the course's single-choice checkpoints."""
    from coursekit.content import load_course
    from coursekit.model import SingleChoice

    course = load_course()
    return [
        (m, q.id, list(q.options))
        for m, q in course.all_checkpoints()
        if isinstance(q, SingleChoice)
    ]


@contextlib.contextmanager
def running_service(learners: list[str], replicas: int) -> Iterator[tuple[Any, str, str]]:
    """PostgreSQL, the hub and the service; yields the hub, the store's URL, the course id."""
    from coursekit.content import load_course
    from coursekit.store import RosterEntry, open_store
    from hub import SERVICE_ROLES, SERVICE_SCOPES, Hub, _free_ports
    from postgres import Cluster

    course = load_course()
    with Cluster(fast=False) as cluster:
        store_url = cluster.create_database(f"ck_{uuid.uuid4().hex}")
        store = open_store(store_url)
        store.import_roster(
            [RosterEntry(name, name, f"b{i % 10}") for i, name in enumerate(learners)]
        )
        store.close()
        if replicas > 1:
            command = [sys.executable, str(HERE), "--front", "--replicas", str(replicas)]
        else:
            command = [sys.executable, "-m", "coursekit.cli", "serve"]
        entry = {
            "name": "coursekit",
            "command": command,
            "url": f"http://127.0.0.1:{_free_ports(1)[0]}",
            "environment": {
                "COURSEKIT_SERVICE_STORE": store_url,
                "PYTHONPATH": str(HERE.parents[1] / "src"),
                # far above what one learner sends, so the run measures the service
                "COURSEKIT_SERVICE_RATE": "1000",
                "COURSEKIT_SERVICE_BURST": "1000",
            },
        }
        hub = Hub(
            db_url=cluster.create_database(f"hub_{uuid.uuid4().hex}"),
            roles=SERVICE_ROLES,
            custom_scopes=SERVICE_SCOPES,
            services=[entry],
        )
        with hub:
            yield hub, store_url, course.id


async def learner(
    client: Any,
    url: str,
    token: str,
    course_id: str,
    answers: list[tuple[str, str, str]],
    latencies: list[float],
    statuses: collections.Counter[int | str],
    timeout: float,
) -> int:
    """Post ``answers`` one by one; return how many the service said it added."""
    import json

    from tornado.httpclient import HTTPClientError

    added = 0
    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    for module, checkpoint, answer in answers:
        body = json.dumps(
            {
                "course_id": course_id,
                "module": module,
                "checkpoint_id": checkpoint,
                "answer": answer,
                "key": str(uuid.uuid4()),
            }
        )
        for _ in range(RETRIES):
            began = time.perf_counter()
            try:
                reply = await client.fetch(
                    url,
                    method="POST",
                    body=body,
                    headers=headers,
                    request_timeout=timeout,
                    connect_timeout=timeout,
                )
                code: int | str = reply.code
            except HTTPClientError as exc:
                code = exc.code
                reply = None
            except OSError as exc:
                code = type(exc).__name__
                reply = None
            latencies.append(time.perf_counter() - began)
            statuses[code] += 1
            if reply is not None:
                added += json.loads(reply.body)["added"]
                break
            await asyncio.sleep(0.5)  # then the same key again
    return added


async def drive(
    hub_url: str, tokens: dict[str, str], course_id: str, count: int, timeout: float
) -> tuple[float, list[float], collections.Counter[int | str], int]:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=len(tokens))
    client = AsyncHTTPClient()
    questions = checkpoints()
    url = f"{hub_url}/services/coursekit/api/v1/attempts"
    latencies: list[float] = []
    statuses: collections.Counter[int | str] = collections.Counter()
    plans = {
        name: [
            (m, q, options[(i + n) % len(options)])
            for n, (m, q, options) in enumerate(
                questions[(i + k) % len(questions)] for k in range(count)
            )
        ]
        for i, name in enumerate(tokens)
    }
    began = time.perf_counter()
    added = await asyncio.gather(
        *(
            learner(client, url, token, course_id, plans[name], latencies, statuses, timeout)
            for name, token in tokens.items()
        )
    )
    took = time.perf_counter() - began
    client.close()
    return took, latencies, statuses, sum(added)


def count_attempts(store_url: str, learners: list[str], course_id: str) -> dict[str, int]:
    from coursekit.store import open_store

    store = open_store(store_url)
    try:
        return {name: len(store.attempts(name, course_id)) for name in learners}
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--answers", type=int, default=85)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument(
        "--direct",
        action="store_true",
        help="to the service's own address, found as HubStore finds it, not through the proxy",
    )
    parser.add_argument("--front", action="store_true", help="(run by the hub) the replicas' front")
    args = parser.parse_args(argv)
    if args.front:
        return asyncio.run(front(args.replicas))
    learners = [f"bench-{i:04d}" for i in range(args.learners)]
    print(
        f"{args.learners} learners x {args.answers} answers, {args.replicas} replica(s),"
        f" {'direct' if args.direct else 'through the proxy'};"
        f" {platform.python_implementation()} {platform.python_version()},"
        f" {os.cpu_count()} CPUs"
    )
    began = time.perf_counter()
    with running_service(learners, args.replicas) as (hub, store_url, course_id):
        from hub import wait_for_service

        answer = hub.api("POST", "/hub/api/users", body={"usernames": learners})
        if answer.status != 201:
            raise SystemExit(f"cannot add the users: {answer.status} {answer.body}")
        tokens = {name: hub.token_for(name, "bench") for name in learners}
        wait_for_service(hub, learners[0])
        base = hub.url
        if args.direct:
            found = hub.api("GET", "/hub/api/services/coursekit", token=tokens[learners[0]])
            base = str(found.body["url"]).rstrip("/")
        print(f"answers go to {base}/services/coursekit/api/v1/attempts")
        print(f"hub, service and {len(tokens)} tokens ready in {time.perf_counter() - began:.1f} s")
        took, latencies, statuses, added = asyncio.run(
            drive(base, tokens, course_id, args.answers, args.timeout)
        )
        counts = count_attempts(store_url, learners, course_id)
    requests = len(latencies)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(f"requests: {requests} in {took:.1f} s = {requests / took:.0f} requests/s")
    print(
        f"latency: p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms,"
        f" p99 {cuts[98] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    print(
        "answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str))
    )
    lost = sum(max(0, args.answers - n) for n in counts.values())
    doubled = sum(max(0, n - args.answers) for n in counts.values())
    print(
        f"in the database: {sum(counts.values())} attempts for {len(counts)} learners"
        f" (service said added: {added}); lost: {lost}, doubled: {doubled}"
    )
    return 1 if lost or doubled else 0


async def front(replicas: int) -> int:
    """Run ``replicas`` services on ports of their own; pass each connection to the next."""
    url = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    ports = []
    children = []
    for _ in range(replicas):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    for port in ports:
        env = {**os.environ, "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}"}
        children.append(subprocess.Popen([sys.executable, "-m", "coursekit.cli", "serve"], env=env))
    turn = 0

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal turn
        port = ports[turn % len(ports)]
        turn += 1
        try:
            back_reader, back_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, back_writer), pipe(back_reader, writer))

    server = await asyncio.start_server(connection, url.hostname, url.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    for child in children:
        child.terminate()
    for child in children:
        child.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
