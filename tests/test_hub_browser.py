"""The hub end to end in Chromium: two learners answer in Voilà under JupyterHub (issue 16).

A real hub on PostgreSQL runs ``coursekit serve`` (its store on PostgreSQL too,
the roster imported so the branches are known). Each learner logs in on the
hub's form, opens module a1 in Voilà on their own single-user server, answers
the checkpoint wrong then right and writes a reflection. The kernels save
through the service with ``COURSEKIT_STORE=hub`` and their hub tokens; their
environment holds no database URL. Then the trainer's token finds both
learners' work under their hub names, and each branch secretary's report
counts only their own branch.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, answer, need_chromium
from coursekit.content import load_course
from coursekit.store import RosterEntry
from hub import API, BRANCHES, SECRETARIES, TRAINER, Hub, coursekit_service, need_hub
from postgres import Cluster

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.browser, pytest.mark.kernel]
FIRST, SECOND = (members[0] for members in BRANCHES.values())  # learner-b1, learner-b2
NAMES = {FIRST: "学员甲", SECOND: "学员乙"}
MODULE_PAGE = "voila/render/notebooks/02-a1.ipynb"
QUESTION = "习近平总书记是在哪一天作出这一重要指示的"
CHECKPOINT = "a1-when"
WRONG, RIGHT = "1月20日", "1月27日"
REFLECTIONS = {
    FIRST: "我在小区微信群里转发消息前，先核对官方来源，不信谣、不传谣。",
    SECOND: "遇到来路不明的消息，我先问社区工作人员，再决定是否转发。",
}
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def course_hub(
    postgres_server: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Hub, str]]:
    """The hub with the service, the course's notebooks and Voilà's config for every server."""
    need_chromium()
    need_hub()
    config = tmp_path_factory.mktemp("jupyter-config")
    # voila.json as Binder has it (coursekit's template); the server extension reads it here
    shutil.copy(ROOT / "voila.json", config / "voila.json")
    spawner_environment = {
        "COURSEKIT_STORE": "hub",
        # the code under test in the kernels, wherever the venv's coursekit points
        "PYTHONPATH": str(ROOT / "src"),
        "JUPYTER_PATH": str(ROOT / "share" / "jupyter"),
        "JUPYTER_CONFIG_PATH": str(config),
    }
    roster = [RosterEntry(learner, name, learner[-2:]) for learner, name in NAMES.items()]
    with coursekit_service(postgres_server, roster, spawner_environment=spawner_environment) as (
        hub,
        store_url,
    ):
        # what the single-user servers serve: the notebooks and the course beside them
        for folder in ("notebooks", "courseware"):
            shutil.copytree(ROOT / folder, hub.notebooks / folder)
        # both servers start together; spawn() then waits for each
        for learner in NAMES:
            hub.api("POST", f"/hub/api/users/{learner}")
            hub.api("POST", f"/hub/api/users/{learner}/server")
        for learner in NAMES:
            hub.spawn(learner)
        yield hub, store_url
    # stopped in bounded time, with no server or kernel left behind
    assert hub.processes() == []
    assert hub.stop_seconds < 30, f"the hub took {hub.stop_seconds:.0f} s to stop"


def open_module(browser: Browser, hub: Hub, learner: str) -> Page:
    """A new browser context (its own cookies): log in, open module a1 without waiting."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    hub.login(page, learner)
    page.goto(f"{hub.url}/user/{learner}/{MODULE_PAGE}", wait_until="commit")
    return page


def do_the_module(page: Page, learner: str) -> None:
    """Answer the checkpoint wrong, then right, and write the reflection."""
    expect(page.locator("#rendered_cells")).to_be_visible(timeout=TIMEOUT_MS)
    # the learner is the hub account, named as the roster names them: no name is asked
    expect(
        page.get_by_text(
            f"学员：{NAMES[learner]}（JupyterHub 账号 {learner}）。学习记录会自动保存。"
        )
    ).to_be_visible()
    expect(page.get_by_placeholder("请输入你的姓名").filter(visible=True)).to_have_count(0)
    question = page.locator(".widget-vbox", has_text=QUESTION).last
    question.get_by_label(WRONG).check()
    question.get_by_role("button", name="提交").click()
    expect(question.get_by_text("回答不正确，请再试一次。")).to_be_visible()
    question.get_by_label(RIGHT).check()
    question.get_by_role("button", name="提交").click()
    expect(question.get_by_text("回答正确。")).to_be_visible()
    page.locator("textarea").first.fill(REFLECTIONS[learner])
    expect(page.get_by_text(re.compile(r"^已于 \d\d:\d\d 保存。$")).first).to_be_visible()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"hub-voila-{learner}.png"))


def kernel_environments(hub: Hub) -> dict[str, dict[str, str]]:
    """The environment of an ipykernel the hub's servers started, by ``JUPYTERHUB_USER``."""
    return {env.get("JUPYTERHUB_USER", ""): env for env in kernel_environments_all(hub)}


def kernel_environments_all(hub: Hub) -> list[dict[str, str]]:
    """The environment of each ipykernel the hub's servers started."""
    found = []
    for pid in hub.processes():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if not any(b"ipykernel" in part for part in command):
            continue
        found.append(
            dict(item.decode(errors="replace").partition("=")[::2] for item in raw if item)
        )
    return found


def service_get(hub: Hub, path: str, token: str) -> Any:
    answer = hub.api("GET", API + path, token=token)
    assert answer.status == 200, answer
    return answer.body


def test_two_learners_work_in_voila_under_the_hub_and_it_arrives_under_their_names(
    course_hub: tuple[Hub, str],
) -> None:
    hub, store_url = course_hub
    began = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # both kernels start at once; then each learner works through the page
            pages = {learner: open_module(browser, hub, learner) for learner in NAMES}
            for learner, page in pages.items():
                do_the_module(page, learner)

            # the kernels have the hub's token and COURSEKIT_STORE=hub, and no database URL
            kernels = kernel_environments(hub)
            assert set(kernels) >= set(NAMES), f"kernels found for {sorted(kernels)}"
            for learner in NAMES:
                env = kernels[learner]
                assert env["COURSEKIT_STORE"] == "hub"
                assert env.get("JUPYTERHUB_API_TOKEN")
                assert "COURSEKIT_SERVICE_STORE" not in env
                leaked = [k for k, v in env.items() if "postgresql" in v or store_url in v]
                assert leaked == [], f"{learner}'s kernel sees a database URL in {leaked}"
        finally:
            browser.close()
    browser_seconds = time.monotonic() - began

    # the trainer sees both learners' work, under their hub names, graded by the service
    trainer = hub.token_for(TRAINER)
    course_id = load_course().id
    for learner in NAMES:
        attempts = service_get(hub, f"attempts?learner={learner}", trainer)
        assert attempts["learner"] == learner
        assert [(a["checkpoint_id"], a["answer"], a["correct"]) for a in attempts["attempts"]] == [
            (CHECKPOINT, WRONG, False),
            (CHECKPOINT, RIGHT, True),
        ]
        assert {a["learner"] for a in attempts["attempts"]} == {learner}
        texts = service_get(hub, f"reflections?learner={learner}", trainer)["reflections"]
        assert [r["text"] for r in texts] == [REFLECTIONS[learner]]

    # the report: each secretary sees their own branch only, the trainer both
    for branch, secretary in SECRETARIES.items():
        report = service_get(hub, f"report?course_id={course_id}", hub.token_for(secretary))
        assert report["branches"] == [branch]
        assert [a["learner"] for a in report["active"]] == [f"learner-{branch}"]
        assert {person["learner"] for person in report["people"]} == {f"learner-{branch}"}
    whole = service_get(hub, f"report?course_id={course_id}", trainer)
    assert whole["branches"] is None
    assert [a["learner"] for a in whole["active"]] == [FIRST, SECOND]
    assert {c["checkpoint"]: c["learners"] for c in whole["checkpoints"]}[CHECKPOINT] == 2
    assert browser_seconds < 90, f"the browser part took {browser_seconds:.0f} s"


def test_a_learner_opens_a_module_in_coursekits_voila_behind_their_hub_server(
    course_hub: tuple[Hub, str],
) -> None:
    """A course's live links on a hub go to coursekit-voila/ on the learner's own server:
    jupyter-server-proxy starts coursekit voila there, over the server's root (not the
    learner's home), and the page comes from a pre-heated kernel that saves through the
    service under the hub account."""
    hub, _ = course_hub
    learner = FIRST
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
            page.set_default_timeout(TIMEOUT_MS * 2)  # the first request starts the pool
            hub.login(page, learner)
            page.goto(
                f"{hub.url}/hub/user-redirect/coursekit-voila/voila/render/notebooks/03-a2.ipynb"
            )
            assert page.url.startswith(f"{hub.url}/user/{learner}/coursekit-voila/")
            expect(
                page.get_by_text(
                    f"学员：{NAMES[learner]}（JupyterHub 账号 {learner}）。学习记录会自动保存。"
                )
            ).to_be_visible()
            answer(page, "判断：应对疫情工作领导小组是1月25日", "正确", "回答正确。")
            # the page's kernel is one Voilà pre-heated: it asked for its request on the socket
            pooled = [
                env
                for env in kernel_environments_all(hub)
                if env.get("JUPYTERHUB_USER") == learner and env.get("VOILA_PREHEAT") == "True"
            ]
            assert len(pooled) >= 11, len(pooled)  # a kernel for each course page
            assert all(env.get("COURSEKIT_VOILA_SOCKET") for env in pooled)
            assert all(env["COURSEKIT_STORE"] == "hub" for env in pooled)
        finally:
            browser.close()
    attempts = service_get(hub, f"attempts?learner={learner}", hub.token_for(TRAINER))["attempts"]
    assert ("a2-group-tf", True, True) in [
        (a["checkpoint_id"], a["answer"], a["correct"]) for a in attempts
    ]
