"""The JupyterHub harness (tests/hub.py): identity, servers, Voilà through the hub, a clean stop.

Issue 16's service tests stand on these: a learner's token is the learner, and
nobody else; a spawned server answers behind the proxy; Voilà renders there;
and stopping the hub leaves no process and no directory behind.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, free_port, need_chromium
from hub import BRANCHES, Hub, hub_processes

FIRST, SECOND = (members[0] for members in BRANCHES.values())


def test_a_users_token_reads_that_user_and_not_another(hub: Hub) -> None:
    first = hub.token_for(FIRST)
    second = hub.token_for(SECOND)

    me = hub.api("GET", "/hub/api/user", token=first)
    assert me.status == 200
    assert me.body["name"] == FIRST
    assert me.body["groups"] == ["coursekit-branch-b1"]

    # JupyterHub answers 404 for another user's model, so that a learner cannot learn who
    # exists; a request no scope of theirs could allow (listing everyone) is a 403
    other = hub.api("GET", f"/hub/api/users/{FIRST}", token=second)
    assert other.status == 404
    assert other.body["message"] == "No access to resources or resources not found"
    listing = hub.api("GET", "/hub/api/users", token=second)
    assert listing.status == 403
    assert "requires any of [list:users]" in listing.body["message"]
    assert hub.api("GET", f"/hub/api/users/{FIRST}", token=first).status == 200


def test_the_hub_keeps_its_users_and_groups_in_postgresql(hub: Hub) -> None:
    assert hub.db_url is not None and hub.db_url.startswith("postgresql+psycopg://")
    groups = {g["name"]: g["users"] for g in hub.api("GET", "/hub/api/groups").body}
    assert groups == BRANCHES


def test_a_spawned_server_answers_its_user_through_the_hub(hub: Hub) -> None:
    server = hub.spawn(FIRST)
    assert server == f"{hub.url}/user/{FIRST}/"

    status = hub.api("GET", f"/user/{FIRST}/api/status", token=hub.token_for(FIRST))
    assert status.status == 200
    assert "started" in status.body
    # another learner's token does not open it
    refused = hub.api("GET", f"/user/{FIRST}/api/status", token=hub.token_for(SECOND))
    assert refused.status == 403


def test_voila_renders_a_notebook_through_the_hub(hub: Hub) -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("print('hub' + '-voila-' + 'ok')")],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(notebook, hub.notebooks / "trivial.ipynb")
    hub.spawn(SECOND)

    request = urllib.request.Request(
        f"{hub.url}/user/{SECOND}/voila/render/trivial.ipynb",
        headers={"Authorization": f"token {hub.token_for(SECOND)}"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 200
        assert answer.headers.get_content_type() == "text/html"
        page = answer.read().decode()
    # the executed output, not the source: the source has the string in three pieces
    assert "hub-voila-ok" in page


@pytest.mark.browser
def test_login_in_chromium_opens_the_users_home(hub: Hub) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        hub.login(page, FIRST)
        page.goto(f"{hub.url}/hub/home")
        expect(page.get_by_text(FIRST).first).to_be_visible()
        browser.close()


def test_login_with_a_wrong_password_stays_on_the_login_page(hub: Hub) -> None:
    # the form's _xsrf cookie and field: fetch the form first, as a browser would
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(f"{hub.url}/hub/login", timeout=30) as form:
        html = form.read().decode()
    xsrf = html.split('name="_xsrf" value="', 1)[1].split('"', 1)[0]
    data = urllib.parse.urlencode(
        {"username": FIRST, "password": "not-the-password", "_xsrf": xsrf}
    ).encode()
    try:
        with opener.open(f"{hub.url}/hub/login", data, timeout=30) as answer:
            status, body = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    assert status == 403
    assert "Invalid username or password" in body


def test_custom_scopes_roles_and_a_managed_service_reach_the_hub() -> None:
    port = free_port()
    secretary = {
        "name": "coursekit-secretary-b1",
        "scopes": ["custom:coursekit:read", "read:users!group=coursekit-branch-b1"],
        "groups": ["coursekit-branch-b1"],
    }
    service = {
        "name": "coursekit-probe",
        "command": [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        "url": f"http://127.0.0.1:{port}",
        "oauth_no_confirm": True,
        "environment": {"COURSEKIT_PROBE": "yes"},
    }
    scopes = {"custom:coursekit:read": {"description": "read the work coursekit stores"}}
    with Hub(groups=BRANCHES, roles=[secretary], custom_scopes=scopes, services=[service]) as hub:
        mine = hub.api("GET", "/hub/api/user", token=hub.token_for(FIRST)).body
        assert "custom:coursekit:read" in mine["scopes"]
        theirs = hub.api("GET", "/hub/api/user", token=hub.token_for(SECOND)).body
        assert "custom:coursekit:read" not in theirs["scopes"]

        listed = hub.api("GET", "/hub/api/services/coursekit-probe").body
        assert listed["command"] == service["command"]
        # through the proxy to the service's own server (http.server has no such file)
        probe = hub.api("GET", "/services/coursekit-probe/", token=None)
        assert probe.status == 404
        assert probe.headers["server"].startswith("SimpleHTTP/")
        assert any(
            "http.server" in _command(pid) and "COURSEKIT_PROBE=yes" in _environ(pid)
            for pid in hub.processes()
        )
    assert hub_processes(hub.id) == []  # the managed service stopped with the hub


def test_stop_leaves_no_process_and_no_directory() -> None:
    hub = Hub()  # SQLite, the default
    with hub:
        hub.spawn("stopper")
        directory = hub.directory
        assert directory is not None and (directory / "hub.sqlite").is_file()
        running = {pid: _command(pid) for pid in hub.processes()}
        commands = " ".join(running.values())
        for part in ("jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser"):
            assert part in commands, running
    assert hub.stop_seconds < 30
    assert hub_processes(hub.id) == []
    assert not any(Path(f"/proc/{pid}").exists() and _command(pid) for pid in running)
    assert not directory.exists()
    hub.stop()  # twice is fine


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _environ(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
