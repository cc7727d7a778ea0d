"""Pages from Voilà's pre-heated kernels: the pool ``voila.json`` asks for, and the wait
for the page's request (the browser's side is in ``test_live_voila.py``)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from coursekit.widgets._links import continues, requested_paragraph, wait_for_page

ROOT = Path(__file__).resolve().parents[1]


def test_coursekits_voila_preheats_each_course_page_and_no_other_notebook() -> None:
    from coursekit.live_server import PAGE_SETTINGS, course_pages, kernel_pools

    pages = course_pages(ROOT, "notebooks")
    assert pages == sorted(
        f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")
    )
    assert "notebooks/00-start.ipynb" in pages and "notebooks/trainer.ipynb" not in pages
    pools = kernel_pools(pages, 2)
    assert pools.pop("default") == {"pool_size": 0}  # trainer.ipynb, templates, copies: none
    assert pools == {page: {"pool_size": 2} for page in pages}
    # Voilà's own voila/render pages (its server extension) look the same: voila.json
    config = json.loads((ROOT / "voila.json").read_text("utf-8"))
    assert config == {"VoilaConfiguration": PAGE_SETTINGS}


def test_a_jupyter_server_with_the_proxy_starts_coursekits_voila_at_coursekit_voila(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib.metadata import entry_points

    from coursekit.live_server import proxy_server

    (entry,) = [
        e
        for e in entry_points(group="jupyter_serverproxy_servers")
        if e.value.startswith("coursekit")
    ]
    assert entry.name == "coursekit-voila" and entry.load() is proxy_server
    monkeypatch.setenv("COURSEKIT_NOTEBOOKS", "course/nb")
    settings = proxy_server()
    assert settings["command"][1:] == [
        "-m",
        "coursekit.cli",
        "voila",
        "--unix-socket={unix_socket}",
        "--base-url={base_url}coursekit-voila/",
        "--notebooks=course/nb",
    ]
    # a socket in a folder of its own (0700): nobody else on the machine reaches the pages
    assert settings["unix_socket"] is True and settings["absolute_url"] is True
    assert settings["launcher_entry"] == {
        "title": "课程页面（Voilà）",
        "path_info": "coursekit-voila/voila/render/course/nb/00-start.ipynb",
    }


def test_coursekit_voila_keeps_its_own_settings_over_the_folders_voila_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's voila.json may ask for another template or progressive rendering (which
    Voilà refuses beside pre-heating): the Voilà that coursekit voila starts is coursekit's."""
    import signal

    from voila.app import Voila

    from coursekit.live_server import PAGE_SETTINGS, kernel_pools, serve

    (tmp_path / "nb").mkdir()
    for name in ("00-start.ipynb", "02-a1.ipynb", "trainer.ipynb"):
        (tmp_path / "nb" / name).write_text("{}", encoding="utf-8")
    (tmp_path / "voila.json").write_text(
        json.dumps({"VoilaConfiguration": {"template": "lab", "progressive_rendering": True}}),
        encoding="utf-8",
    )
    started: list[Voila] = []
    monkeypatch.setattr(Voila, "start", lambda app: started.append(app))
    monkeypatch.chdir(ROOT)  # serve() moves into the root: back here afterwards
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # Voilà's SIGTERM handler
    serve(tmp_path, notebooks="nb", pool=2, port=1)
    (app,) = started
    settings = app.voila_configuration
    assert {name: getattr(settings, name) for name in PAGE_SETTINGS} == PAGE_SETTINGS
    assert settings.preheat_kernel is True and settings.progressive_rendering is False
    pools = app.config.VoilaKernelManager.kernel_pools_config
    assert pools == kernel_pools(["nb/00-start.ipynb", "nb/02-a1.ipynb"], 2)


def test_coursekit_voila_refuses_a_folder_without_course_pages(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from coursekit.cli import main

    result = CliRunner().invoke(main, ["voila", str(tmp_path)])
    assert result.exit_code == 2
    assert "no course page (such as 02-a1.ipynb)" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02-a1.ipynb").write_text("{}", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "voila", None)  # as if the voila extra were not installed
        missing = CliRunner().invoke(main, ["voila", str(tmp_path)])
    assert missing.exit_code == 1
    assert "Voilà is not installed: pip install 'coursekit[voila]'" in missing.output
    assert "Traceback" not in missing.output
    gone = CliRunner().invoke(main, ["voila"], env={"JUPYTERHUB_ROOT_DIR": str(tmp_path / "gone")})
    assert gone.exit_code == 2
    assert f"{tmp_path / 'gone'}: no such folder" in gone.output


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


def test_a_preheated_kernel_of_a_voila_on_a_unix_socket_asks_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from websockets.sync.server import ServerConnection, unix_serve

    asked: list[str] = []

    def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        asked.append(connection.request.path)
        connection.send(json.dumps({"QUERY_STRING": "p=3"}))

    path = str(tmp_path / "socket")
    with unix_serve(handler, path) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        for name, value in {
            "VOILA_PREHEAT": "True",
            "VOILA_APP_PORT": "1",  # not asked: the socket is
            "VOILA_SERVER_URL": "/user/x/coursekit-voila/",
            "VOILA_KERNEL_ID": "k3",
            "COURSEKIT_VOILA_SOCKET": path,
            "QUERY_STRING": "",
        }.items():
            monkeypatch.setenv(name, value)
        wait_for_page()
        server.shutdown()
        thread.join(timeout=5)
    assert asked == ["/user/x/coursekit-voila/voila/query/k3"]
    assert requested_paragraph() == 3


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
