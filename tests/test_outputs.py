"""coursekit.outputs: the one rule every command that writes a folder follows."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from coursekit.outputs import MANIFEST, OutputRefused, claim, sha256

# --- claims and commits (issue 11, build item 1) ---------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def test_refuses_the_current_folder_an_input_and_a_folder_of_someone_else(tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "modules").mkdir(parents=True)
    for out, words in [
        (Path("."), "name a folder of its own"),
        (course, "is an input"),
        (course / "modules", "overlaps an input"),
        (tmp_path, "overlaps an input"),
    ]:
        with pytest.raises(OutputRefused, match=words):
            claim(out, "report", inputs=[course])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("do not delete", "utf-8")
    with pytest.raises(OutputRefused, match="not empty and was not written by coursekit report"):
        claim(mine, "report", force=True)
    claim(tmp_path / "site", "publish").commit({"index.html": b"site"})
    with pytest.raises(OutputRefused, match="holds the output of coursekit publish"):
        claim(tmp_path / "site", "report", force=True)


def test_a_changed_file_is_refused_at_the_claim_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "report"
    claim(out, "report").commit({"index.html": b"one", "a.csv": b"1"})
    (out / "a.csv").write_bytes(b"opened and saved in a spreadsheet")
    with pytest.raises(
        OutputRefused, match=r"a\.csv changed after coursekit wrote it; use --force"
    ):
        claim(out, "report")
    claimed = claim(out, "report", force=True)
    claimed.commit({"index.html": b"two", "a.csv": b"2"})
    assert _files(out) == {"index.html": b"two", "a.csv": b"2"}


def test_check_refuses_before_the_work_when_a_users_file_is_in_the_way(tmp_path: Path) -> None:
    out = tmp_path / "site"
    claimed = claim(out, "publish")
    claimed.commit({"index.html": b"site"})
    (out / "handout").mkdir()
    (out / "handout" / "a1.html").write_bytes(b"the publisher's own page")
    claimed = claim(out, "publish", force=True)
    with pytest.raises(OutputRefused, match=r"handout/a1\.html would replace files coursekit"):
        claimed.check(["index.html", "handout/a1.html"])
    with pytest.raises(OutputRefused, match="would replace"):
        claimed.commit({"index.html": b"new", "handout/a1.html": b"new"})
    assert (out / "handout" / "a1.html").read_bytes() == b"the publisher's own page"
    assert (out / "index.html").read_bytes() == b"site"


def test_adopt_takes_over_a_folder_an_older_coursekit_wrote(tmp_path: Path) -> None:
    out = tmp_path / "site"
    (out / "handout").mkdir(parents=True)
    (out / "index.html").write_bytes(b"old index")
    (out / "handout" / "gone.html").write_bytes(b"old page")
    (out / "robots.txt").write_bytes(b"User-agent: *\n")
    listed = {"index.html": sha256(b"old index"), "handout/gone.html": sha256(b"old page")}
    with pytest.raises(OutputRefused, match="not empty"):
        claim(out, "publish")
    done = claim(out, "publish", adopt=listed).commit({"index.html": b"new index"})
    assert done.removed == ["handout/gone.html"] and done.kept == ["robots.txt"]
    assert _files(out) == {"index.html": b"new index", "robots.txt": b"User-agent: *\n"}
    assert json.loads((out / MANIFEST).read_text("utf-8"))["files"] == {
        "index.html": sha256(b"new index")
    }


def test_marked_accepts_a_folder_whose_files_carry_their_own_marker(tmp_path: Path) -> None:
    out = tmp_path / "notebooks"
    out.mkdir()
    (out / "07-my-notes.ipynb").write_text("{}", "utf-8")
    with pytest.raises(OutputRefused, match="not empty"):
        claim(out, "build", marked=lambda folder: False)
    claimed = claim(out, "build", marked=lambda folder: True)
    assert claimed.owned == {}


def test_before_swap_runs_once_the_new_folder_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "site"
    claim(out, "publish").commit({"index.html": b"one"})
    seen: list[tuple[bytes, bytes]] = []

    def look() -> None:
        stage = tmp_path / f".site.tmp-{os.getpid()}"
        seen.append(((out / "index.html").read_bytes(), (stage / "index.html").read_bytes()))

    claim(out, "publish").commit({"index.html": b"two"}, before_swap=look)
    assert seen == [(b"one", b"two")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_file_saved_while_the_commit_runs_is_not_lost(tmp_path: Path) -> None:
    out = tmp_path / "report"
    claim(out, "report").commit({"index.html": b"one"})
    (out / "notes.txt").write_bytes(b"first draft")

    def trainer_saves() -> None:
        # After the user's files were carried over: an editor saves (write, rename) and
        # another file appears.
        (out / ".notes.txt.swp").write_bytes(b"second draft")
        os.replace(out / ".notes.txt.swp", out / "notes.txt")
        (out / "late.txt").write_bytes(b"new")

    claim(out, "report").commit({"index.html": b"two"}, before_swap=trainer_saves)
    assert _files(out) == {"index.html": b"two", "late.txt": b"new", "notes.txt": b"second draft"}


def test_folder_modes_survive_a_commit(tmp_path: Path) -> None:
    out = tmp_path / "site"
    claim(out, "publish").commit({"index.html": b"one", "handout/a1.html": b"a"})
    (out / "private").mkdir()
    (out / "private" / "key.txt").write_bytes(b"secret")
    os.chmod(out / "private", 0o700)
    os.chmod(out, 0o751)
    old = os.umask(0o077)
    try:
        claim(out, "publish").commit({"index.html": b"two", "handout/a1.html": b"b"})
    finally:
        os.umask(old)
    assert stat.S_IMODE((out / "private").stat().st_mode) == 0o700
    assert stat.S_IMODE(out.stat().st_mode) == 0o751
    assert (out / "private" / "key.txt").read_bytes() == b"secret"


def test_the_next_claim_cleans_up_after_a_killed_command(tmp_path: Path) -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    dead = child.pid
    out = tmp_path / "report"
    claim(out, "report").commit({"index.html": b"one"})
    # killed between the two renames of its swap: the folder is in .report.old-PID
    out.rename(tmp_path / f".report.old-{dead}")
    (tmp_path / f".report.tmp-{dead}").mkdir()
    (tmp_path / ".report.notes").mkdir()  # not a name coursekit writes
    claimed = claim(out, "report")
    assert claimed.owned == {"index.html": sha256(b"one")}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report.notes", "report"]


# --- seed files and the command's own bookkeeping (ingest's glossary; issue 11, build item 1) ---


def test_a_seed_is_written_only_where_nothing_stands_and_is_never_owned(tmp_path: Path) -> None:
    out = tmp_path / "course"
    first = claim(out, "ingest").commit({"course.yaml": b"one"}, seed={"glossary.yaml": b"empty"})
    assert first.seeded == ["glossary.yaml"]
    assert (out / "glossary.yaml").read_bytes() == b"empty"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == {"course.yaml": sha256(b"one")}
    (out / "glossary.yaml").write_bytes(b"the trainer's terms")
    again = claim(out, "ingest").commit({"course.yaml": b"two"}, seed={"glossary.yaml": b"empty"})
    assert again.seeded == []
    assert again.kept == ["glossary.yaml"]
    assert (out / "glossary.yaml").read_bytes() == b"the trainer's terms"


def test_a_seed_is_not_also_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="both a file and a seed"):
        claim(tmp_path / "out", "ingest").commit({"a": b"1"}, seed={"a": b"2"})


def test_extra_is_read_back_by_the_next_claim(tmp_path: Path) -> None:
    out = tmp_path / "course"
    assert claim(out, "ingest").extra == {}
    claim(out, "ingest").commit({"course.yaml": b"one"}, extra={"ingest": {"id": "p-1"}})
    assert claim(out, "ingest").extra == {"ingest": {"id": "p-1"}}
