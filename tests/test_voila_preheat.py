"""Pages from Voilà's pre-heated kernels: the pool ``voila.json`` asks for, and the wait
for the page's request (the browser's side is in ``test_live_voila.py``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from coursekit.widgets._links import continues, requested_paragraph, wait_for_page

ROOT = Path(__file__).resolve().parents[1]


def test_voila_preheats_one_kernel_per_course_page_and_no_other_notebook() -> None:
    config = json.loads((ROOT / "voila.json").read_text("utf-8"))
    assert config["VoilaConfiguration"]["preheat_kernel"] is True
    pools = dict(config["VoilaKernelManager"]["kernel_pools_config"])
    assert pools.pop("default") == {"pool_size": 0}  # trainer.ipynb, templates, copies: none
    pages = sorted(f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert sorted(pools) == pages
    assert all(pool == {"pool_size": 1} for pool in pools.values())


@pytest.fixture
def voila_query(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A stand-in for Voilà's request websocket: it sends one request's variables to the
    kernel named ``k1`` and records the paths it was asked for."""
    from websockets.sync.server import ServerConnection, serve

    asked: list[str] = []

    def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        asked.append(connection.request.path)
        connection.send(json.dumps({"QUERY_STRING": "p=4&continue=1", "SCRIPT_NAME": "/x"}))

    with serve(handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        for name, value in {
            "VOILA_PREHEAT": "True",
            "VOILA_APP_PORT": str(port),
            "VOILA_SERVER_URL": "/base/",
            "VOILA_KERNEL_ID": "k1",
            "QUERY_STRING": "",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SCRIPT_NAME", raising=False)  # set by the request: undone after
        yield asked
        server.shutdown()
        thread.join(timeout=5)


def test_a_preheated_kernel_takes_the_query_string_from_the_request_it_waited_for(
    voila_query: list[str],
) -> None:
    assert requested_paragraph() is None  # before the request: nothing asked for yet
    wait_for_page()
    assert voila_query == ["/base/voila/query/k1"]
    assert requested_paragraph() == 4 and continues()
    wait_for_page()  # the kernel serves its page now: it does not wait again
    assert voila_query == ["/base/voila/query/k1"]


def test_a_kernel_outside_the_pool_does_not_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "p=2")
    wait_for_page()  # JupyterLab, or Voilà without a pool: returns at once
    assert requested_paragraph() == 2


def test_a_request_that_cannot_arrive_is_said_and_the_page_still_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_KERNEL_ID", "k2")
    monkeypatch.setenv("QUERY_STRING", "")
    with pytest.warns(UserWarning, match="the page's request did not arrive"):
        wait_for_page()
    assert requested_paragraph() is None
