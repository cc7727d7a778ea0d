"""The ledger's Word documents as LibreOffice prints them: the Chinese text is there, the
contents list shows without a refresh, and PNG previews of the first pages are written.

LibreOffice (Debian's ``libreoffice-writer``) converts to PDF with a private
profile, so that parallel runs do not collide; poppler-utils' ``pdftotext`` and
``pdftoppm`` read the PDF back. Without them the tests skip saying why, except
under ``CI=true``, where that is a failure (``.ci/run`` installs them).
Run with ``-s`` or ``-rA`` to see where the previews are.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from coursekit.ledger.documents import activity_record, reflections_compilation
from ledgerdata import HYPERLINK_NAME, bundled_course, hostile_ledger

INSTALL = "apt-get install libreoffice-writer poppler-utils"


def _tools() -> tuple[str, str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if soffice and pdftotext and pdftoppm:
        return soffice, pdftotext, pdftoppm
    missing = [
        name
        for name, found in (
            ("soffice", soffice),
            ("pdftotext", pdftotext),
            ("pdftoppm", pdftoppm),
        )
        if not found
    ]
    reason = f"LibreOffice not installed ({', '.join(missing)} missing): {INSTALL}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the ledger's PDF tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _flat(text: str) -> str:
    """The text without white space: pdftotext spaces digits out of Chinese and wraps lines."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """{"record" | "compilation": (its PDF, its text without white space)} for 第一支部."""
    soffice, pdftotext, _ = _tools()
    folder = tmp_path_factory.mktemp("ledger-pdf")
    ledger = hostile_ledger()
    branch = ledger.branches[0]
    files = {
        "record": folder / "record.docx",
        "compilation": folder / "compilation.docx",
    }
    files["record"].write_bytes(activity_record(ledger, branch))
    files["compilation"].write_bytes(reflections_compilation(ledger, branch))
    profile = (folder / "libreoffice-profile").as_uri()
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *(str(f) for f in files.values()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out: dict[str, tuple[Path, str]] = {}
    for kind, docx in files.items():
        pdf = docx.with_suffix(".pdf")
        assert pdf.is_file(), f"LibreOffice wrote no {pdf.name}: {done.stdout}{done.stderr}"
        text = subprocess.run(
            [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        out[kind] = (pdf, _flat(text))
    return out


def test_the_activity_record_prints_its_form(pdfs: dict[str, tuple[Path, str]]) -> None:
    _, text = pdfs["record"]
    # Labels and values each: a label centred beside a value of many lines is read first.
    for words in (
        "主题党日活动记录",
        "党支部第一支部",
        "活动主题全市2月份疫情防控专题支部主题党日",
        "活动时间",
        "学习记录日期：2020年2月3日至2020年2月5日",
        "学习方式",
        "分散个人自学；结合学习强国、微信群在线开展学习交流；时间不作统一安排",
        "学习内容",
        "一、习近平总书记重要指示精神和党中央决策部署",
        "支部书记张书记",
        "参学率60%",
        "未参学党员",
        "主持人",
        "记录人",
        "支部书记签字",
        "数据来源：records(3files)",
    ):
        assert words in text, words
    assert "李" in text and "外来" in text


def test_the_compilation_prints_its_contents_and_reflections(
    pdfs: dict[str, tuple[Path, str]],
) -> None:
    _, text = pdfs["compilation"]
    assert text.startswith("心得体会汇编")
    assert "党支部：第一支部" in text
    contents = text.index("目录")
    course = bundled_course()
    first = _flat(course.modules[0].reflections[0].prompt)
    # the contents list shows without Word refreshing it: each prompt is there twice
    assert text.count(first) == 2
    assert text.index(first) > contents
    for words in ("张书记", "挺身而出。", HYPERLINK_NAME, "<b>x</b>", "（暂无）"):
        assert words in text, words


def test_previews_of_the_first_pages(pdfs: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    _, _, pdftoppm = _tools()
    previews = tmp_path / "previews"
    previews.mkdir()
    for kind, (pdf, _) in pdfs.items():
        subprocess.run(
            [pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "2", str(pdf), str(previews / kind)],
            check=True,
            timeout=60,
        )
    pngs = sorted(previews.glob("*.png"))
    assert [p.name.split("-")[0] for p in pngs] == ["compilation"] * 2 + ["record"] * 2
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5_000
        print(f"preview: {png}")
