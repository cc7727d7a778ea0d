"""`coursekit roster import` and `roster list`: what a trainer sees for the files they bring.

Every roster is made here, in tmp_path: no member's data is kept in the repository.
A bad file ends with exit 2, one ``error:`` line per problem naming the file, the
line and the column as the file heads it, and nothing written to the store.
"""

from __future__ import annotations

import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coursekit.cli import main
from coursekit.errors import CourseInvalid
from coursekit.roster import MAX_ROWS, read_roster
from coursekit.store import open_store
from coursekit.store.rows import RosterEntry
from postgres import postgres_server, postgres_url

openpyxl = pytest.importorskip("openpyxl")
__all__ = ["postgres_server", "postgres_url"]  # fixtures the store tests use


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def errors(result: Result) -> list[str]:
    assert "Traceback" not in result.output + result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


# --- reading: columns, encodings, numbers ----------------------------------------------------


def test_columns_are_found_by_header_in_any_order_and_extra_columns_are_ignored(
    tmp_path: Path,
) -> None:
    roster = write_csv(
        tmp_path / "roster.csv",
        " 所在支部 ,序号, 姓名 ,党员编号,电话\n"
        "第一支部,1, 王伟 ,A001,13800000000\n"
        "\n"
        ",2,李娜,A002,\n",
    )
    assert read_roster(roster) == [
        RosterEntry("A001", "王伟", "第一支部"),
        RosterEntry("A002", "李娜", None),
    ]


def test_english_headers_without_a_branch_column(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "r.csv", "Name,Learner ID\nWang Wei,w1\n")
    assert read_roster(roster) == [RosterEntry("w1", "Wang Wei", None)]


def test_names_are_nfc_normalised_and_trimmed(tmp_path: Path) -> None:
    # "é" as e + combining acute, with an ideographic space around it
    roster = write_csv(tmp_path / "r.csv", "id,name\nx1,\u3000Rene\u0301e \n")
    assert read_roster(roster) == [RosterEntry("x1", "Ren\u00e9e", None)]


def test_a_gb18030_csv_from_excel_on_chinese_windows(tmp_path: Path) -> None:
    roster = write_csv(
        tmp_path / "党员名单.csv",
        "编号,姓名,支部\r\n001,王伟,第一支部\r\n002,李娜,第二支部\r\n",
        "gb18030",
    )
    with pytest.raises(UnicodeDecodeError):
        roster.read_bytes().decode("utf-8")
    result = run("roster", "import", roster, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.output == (
        f"{roster}: 2 members in 2 branches; checked, nothing was written (--dry-run)\n"
    )
    assert read_roster(roster)[0] == RosterEntry("001", "王伟", "第一支部")


def test_a_utf8_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "r.csv", "\ufeff编号,姓名\n001,王伟\n")
    assert read_roster(roster) == [RosterEntry("001", "王伟", None)]


def test_neither_utf8_nor_gb18030_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_bytes("编号,姓名\n".encode("utf-16"))
    result = run("roster", "import", roster, "--dry-run")
    assert result.exit_code == 2
    assert errors(result) == [
        f"error: {roster}: neither UTF-8 nor GB18030 text; save it as “CSV UTF-8”"
    ]


def test_an_xlsx_roster_with_numeric_ids(tmp_path: Path) -> None:
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        [
            ["工号", "姓名", "支部", "备注"],
            [123.0, "王伟", "第一支部", "Excel made 000123 a number"],
            [456, "李娜", None, None],
            [None, None, None, None],
            ["A-7", "  张三 ", "第一支部", None],
        ],
    )
    assert read_roster(roster) == [
        RosterEntry("123", "王伟", "第一支部"),
        RosterEntry("456", "李娜", None),
        RosterEntry("A-7", "张三", "第一支部"),
    ]


def test_an_xlsx_problem_names_the_row_and_a_rounded_id(tmp_path: Path) -> None:
    roster = write_xlsx(
        tmp_path / "roster.xlsx",
        [["编号", "姓名"], ["1", "王伟"], [None, None], [110101199003071234.0, "李娜"]],
    )
    result = run("roster", "import", roster, "--dry-run")
    assert result.exit_code == 2
    assert errors(result) == [
        f"error: {roster}:4: [编号] 1.10101199003071e+17 is a number Excel has rounded; "
        "format the column as text and type the ids again"
    ]


def test_an_excel_rounded_id_in_a_csv(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "r.csv", "编号,姓名\n1.10101E+17,王伟\n")
    assert errors(run("roster", "import", roster, "--dry-run")) == [
        f"error: {roster}:2: [编号] 1.10101E+17 is a number Excel has rounded; "
        "format the column as text and type the ids again"
    ]


def test_a_formula_looking_name_is_kept_as_text(tmp_path: Path) -> None:
    name = '=HYPERLINK("http://x.invalid","点我")'
    roster = write_csv(tmp_path / "r.csv", f'id,name\nx1,"{name.replace(chr(34), chr(34) * 2)}"\n')
    assert read_roster(roster) == [RosterEntry("x1", name, None)]


# --- refused files, every problem at once -------------------------------------------------------


def test_every_bad_line_is_reported_at_once(tmp_path: Path) -> None:
    long_name = "王" * 201
    roster = write_csv(
        tmp_path / "roster.csv",
        "编号,姓名,支部\n"
        "A001,王伟,第一支部\n"  # 2
        ",李娜,第一支部\n"  # 3: no id
        "A003,,第二支部\n"  # 4: no name
        "A 004,张三,第二支部\n"  # 5: space inside the id
        "A001,王伟伟,第三支部\n"  # 6: the id of line 2
        f"A006,{long_name},\n"  # 7: too long
        "A007,\x1b[2J赵六,第一支部\n"  # 8: an escape sequence
        "A008,钱七,\u202e部支一第\n"  # 9: a direction override
        '"A\x01009",孙八,\n',  # 10: a control character in the id
    )
    result = run("roster", "import", roster, "--dry-run")
    assert result.exit_code == 2
    assert errors(result) == [
        f"error: {roster}:3: [编号] no learner id",
        f"error: {roster}:4: [姓名] no name",
        f"error: {roster}:5: [编号] learner id 'A 004' has a space inside",
        f"error: {roster}:6: [编号] learner id 'A001' is on line 2 too",
        f"error: {roster}:7: [姓名] 201 characters (at most 200): '{'王' * 40}'…",
        f"error: {roster}:8: [姓名] name '\\x1b[2J赵六' holds a control character",
        f"error: {roster}:9: [支部] branch '\\u202e部支一第' holds a control character",
        f"error: {roster}:10: [编号] learner id 'A\\x01009' holds a control character",
    ]
    assert result.stderr.endswith("8 problems found; nothing was written.\n")


def test_line_numbers_are_the_files_own_past_a_quoted_line_break(tmp_path: Path) -> None:
    roster = write_csv(
        tmp_path / "r.csv", 'id,name,notes\nx1,王伟,"two lines\nof notes"\n\nx1,李娜,\n'
    )
    assert errors(run("roster", "import", roster, "--dry-run")) == [
        f"error: {roster}:5: [id] learner id 'x1' is on line 2 too"
    ]


def test_a_missing_column_is_one_problem_naming_the_columns_found(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "r.csv", "序号,名字,支部\n1,王伟,第一支部\n")
    assert errors(run("roster", "import", roster, "--dry-run")) == [
        f"error: {roster}:1: no learner id column (headed learner_id or id or 编号 or 党员编号 "
        "or 工号); no name column (headed name or 姓名). The columns found: '序号', '名字', '支部'"
    ]


def test_two_id_columns_are_refused(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "r.csv", "id,姓名,工号\n1,王伟,2\n")
    assert errors(run("roster", "import", roster, "--dry-run")) == [
        f"error: {roster}:1: two learner id columns: 'id' (column 1) and '工号' (column 3); keep one. The columns found: 'id', '姓名', '工号'"
    ]


def test_an_empty_file_and_a_header_alone(tmp_path: Path) -> None:
    empty = write_csv(tmp_path / "empty.csv", "\n\n")
    header = write_csv(tmp_path / "header.csv", "编号,姓名\n")
    assert errors(run("roster", "import", empty, "--dry-run")) == [
        f"error: {empty}:1: empty: no header line, and no members"
    ]
    assert errors(run("roster", "import", header, "--dry-run")) == [
        f"error: {header}:1: no members below the header line"
    ]


def test_other_kinds_of_file_are_refused(tmp_path: Path) -> None:
    xls = tmp_path / "roster.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    renamed = write_xlsx(tmp_path / "renamed.xlsx", [["id", "name"], ["1", "王伟"]])
    renamed = renamed.rename(tmp_path / "renamed.csv")
    assert errors(run("roster", "import", xls, "--dry-run")) == [
        f"error: {xls}: a roster is a .csv or .xlsx file (save the sheet as one of them)"
    ]
    assert errors(run("roster", "import", renamed, "--dry-run")) == [
        f"error: {renamed}: an XLSX (zip) file named .csv; name it .xlsx"
    ]
    result = run("roster", "import", tmp_path / "missing.csv", "--dry-run")
    assert result.exit_code == 2
    assert errors(result) == [f"error: {tmp_path / 'missing.csv'}: file not found"]


def test_a_pipe_is_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "roster.csv"
    os.mkfifo(fifo)
    assert errors(run("roster", "import", fifo, "--dry-run")) == [
        f"error: {fifo}: not a regular file (a named pipe); only plain files are read"
    ]


def test_a_file_over_8_mib_is_refused_unread(tmp_path: Path) -> None:
    roster = tmp_path / "big.csv"
    with roster.open("wb") as f:
        f.truncate(8 * 1024 * 1024 + 1)
    assert errors(run("roster", "import", roster, "--dry-run")) == [
        f"error: {roster}: too large (8,388,609 bytes; the limit is 8,388,608)"
    ]


def test_more_than_the_most_members_is_refused(tmp_path: Path) -> None:
    lines = "".join(f"m{i},n{i}\n" for i in range(MAX_ROWS + 1))
    roster = write_csv(tmp_path / "r.csv", "id,name\n" + lines)
    with pytest.raises(CourseInvalid) as caught:
        read_roster(roster)
    assert [str(p) for p in caught.value.problems] == [
        f"{roster}:{MAX_ROWS + 2}: more than 100,000 members; split the roster"
    ]


# --- zip bombs -----------------------------------------------------------------------------------


def bomb_xlsx(path: Path, size: int) -> Path:
    """A real workbook plus one member of ``size`` zero bytes, deflated."""
    write_xlsx(path, [["id", "name"], ["1", "王伟"]])
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1024 * 1024)
    crc = 0
    parts = []
    for _ in range(size // len(chunk)):
        parts.append(squeeze.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(squeeze.flush())
    data = b"".join(parts)
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with path.open("wb") as out:
        directory = []
        for info, content in [*members, (None, data)]:
            name = (info.filename if info else "xl/media/image1.bin").encode()
            raw = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = raw.compress(content) + raw.flush() if info else data
            crc32 = zlib.crc32(content) if info else crc
            plain = len(content) if info else size
            offset = out.tell()
            out.write(
                struct.pack(
                    "<4s5H3L2H",
                    b"PK\x03\x04",
                    20,
                    0,
                    8,
                    0,
                    0,
                    crc32,
                    len(packed),
                    plain,
                    len(name),
                    0,
                )
                + name
                + packed
            )
            directory.append(
                struct.pack(
                    "<4s6H3L5H2L",
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    8,
                    0,
                    0,
                    crc32,
                    len(packed),
                    plain,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
        start = out.tell()
        listing = b"".join(directory)
        out.write(listing)
        out.write(
            struct.pack(
                "<4s4H2LH",
                b"PK\x05\x06",
                0,
                0,
                len(directory),
                len(directory),
                len(listing),
                start,
                0,
            )
        )
    return path


def test_a_zip_bomb_xlsx_is_refused_before_it_expands(tmp_path: Path) -> None:
    roster = bomb_xlsx(tmp_path / "roster.xlsx", 512 * 1024 * 1024)
    assert roster.stat().st_size < 1024 * 1024
    started = time.monotonic()
    result = run("roster", "import", roster, "--dry-run")
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith(f"error: {roster}: says it unpacks to 536,")
    assert line.endswith(
        f"bytes, and at most 104,857,600 are unpacked from a file of {roster.stat().st_size:,} "
        "bytes (a zip bomb?); not read"
    )


def test_the_bomb_builder_makes_a_workbook_openpyxl_reads(tmp_path: Path) -> None:
    # The refusal above is the size check's, not a broken file's.
    roster = bomb_xlsx(tmp_path / "roster.xlsx", 1024 * 1024)
    assert read_roster(roster) == [RosterEntry("1", "王伟", None)]


def test_a_member_bigger_than_it_says_stops_at_its_declared_size(tmp_path: Path) -> None:
    roster = write_xlsx(
        tmp_path / "roster.xlsx", [["id", "name"], *[[str(i), "王伟"] for i in range(2000)]]
    )
    data = bytearray(roster.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    entry = data.rfind(name) - 46  # the central directory entry's fixed part precedes its name
    assert data[entry : entry + 4] == b"PK\x01\x02"
    (declared,) = struct.unpack_from("<L", data, entry + 24)
    struct.pack_into("<L", data, entry + 24, declared // 2)
    roster.write_bytes(bytes(data))
    result = run("roster", "import", roster, "--dry-run")
    assert result.exit_code == 2
    [line] = errors(result)
    # zipfile stops at the declared size, so the rest of the sheet fails its checksum
    assert line.startswith(f"error: {roster}:")
    assert line.endswith(
        ": the sheet cannot be read from here on "
        "(BadZipFile: Bad CRC-32 for file 'xl/worksheets/sheet1.xml')"
    )


# --- into the store, and out again ------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cohort.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def members(url: str) -> list[tuple[str, str, str | None]]:
    opened = open_store(url)
    try:
        return [(learner.id, learner.name, learner.branch) for learner in opened.roster()]
    finally:
        opened.close()


FIRST = "编号,姓名,支部\nA002,李娜,第一支部\nA001,王伟,第一支部\nB001,王伟,第二支部\n"


def test_import_stores_every_member(tmp_path: Path, store_url: str) -> None:
    roster = write_csv(tmp_path / "roster.csv", FIRST)
    result = run("roster", "import", roster, "--store", store_url)
    assert result.exit_code == 0, result.stderr
    assert result.output == f"{roster}: 3 members in 2 branches; 3 added, 0 updated, 0 unchanged\n"
    # two members called 王伟, in two branches, are two learners
    assert members(store_url) == [
        ("A001", "王伟", "第一支部"),
        ("A002", "李娜", "第一支部"),
        ("B001", "王伟", "第二支部"),
    ]


def test_a_reimport_updates_one_branch_and_keeps_members_it_leaves_out(
    tmp_path: Path, store_url: str
) -> None:
    run("roster", "import", write_csv(tmp_path / "roster.csv", FIRST), "--store", store_url)
    moved = write_csv(
        tmp_path / "moved.xlsx.csv", "编号,姓名,支部\nA001,王伟,第二支部\nB001,王伟,第二支部\n"
    )
    result = run("roster", "import", moved, "--store", store_url)
    assert result.exit_code == 0, result.stderr
    assert result.output == f"{moved}: 2 members in 1 branch; 0 added, 1 updated, 1 unchanged\n"
    assert members(store_url) == [
        ("A002", "李娜", "第一支部"),
        ("A001", "王伟", "第二支部"),
        ("B001", "王伟", "第二支部"),
    ]


def test_an_xlsx_import_with_a_numeric_id(tmp_path: Path, store_url: str) -> None:
    roster = write_xlsx(tmp_path / "roster.xlsx", [["党员编号", "姓名"], [123.0, "王伟"]])
    result = run("roster", "import", roster, "--store", store_url)
    assert result.output == (
        f"{roster}: 1 member, no branch given; 1 added, 0 updated, 0 unchanged\n"
    )
    assert members(store_url) == [("123", "王伟", None)]


def test_members_without_a_branch_are_counted(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "r.csv", "id,name,branch\n1,王伟,第一支部\n2,李娜,\n3,张三, \n")
    assert run("roster", "import", roster, "--dry-run").output == (
        f"{roster}: 3 members in 1 branch (2 without a branch); checked, nothing was written "
        "(--dry-run)\n"
    )


def test_a_formula_looking_name_is_stored_as_text(tmp_path: Path, store_url: str) -> None:
    roster = write_csv(tmp_path / "r.csv", "id,name,branch\nx1,=1+2,@SUM(A1)\n")
    assert run("roster", "import", roster, "--store", store_url).exit_code == 0
    assert members(store_url) == [("x1", "=1+2", "@SUM(A1)")]


def test_a_bad_file_writes_nothing(tmp_path: Path, store_url: str) -> None:
    run("roster", "import", write_csv(tmp_path / "roster.csv", FIRST), "--store", store_url)
    bad = write_csv(
        tmp_path / "bad.csv", "编号,姓名,支部\nA001,王伟,第三支部\nA001,王伟,第三支部\n"
    )
    result = run("roster", "import", bad, "--store", store_url)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {bad}:3: [编号] learner id 'A001' is on line 2 too"]
    assert ("A001", "王伟", "第一支部") in members(store_url)


def test_a_dry_run_does_not_create_the_store(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'cohort.sqlite3'}"
    result = run(
        "roster",
        "import",
        write_csv(tmp_path / "roster.csv", FIRST),
        "--store",
        store_url,
        "--dry-run",
    )
    assert result.exit_code == 0
    assert result.output.endswith("; checked, nothing was written (--dry-run)\n")
    assert not (tmp_path / "cohort.sqlite3").exists()


def test_list_aligns_the_columns_and_escapes_control_characters(
    tmp_path: Path, store_url: str
) -> None:
    run("roster", "import", write_csv(tmp_path / "roster.csv", FIRST), "--store", store_url)
    opened = open_store(store_url)
    try:
        opened.add_learner("\x1b[2J")  # a learner on their own machine types a name
    finally:
        opened.close()
    result = run("roster", "list", "--store", store_url)
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    assert lines[0] == "learner id  name     branch"
    assert sorted(lines[1:]) == [
        "A001        王伟     第一支部",
        "A002        李娜     第一支部",
        "B001        王伟     第二支部",
        "\\x1b[2J     \\x1b[2J  -",
    ]
    result = run("roster", "list", "--store", store_url, "--branch", " 第二支部 ")
    assert result.output == "learner id  name  branch\nB001        王伟  第二支部\n"
    result = run("roster", "list", "--store", store_url, "--branch", "第九支部")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "no members in branch 第九支部 in the store\n",
    )
