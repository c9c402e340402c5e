"""A township's own files: several files, folders and sheets, header variants and column
mappings, totals rows, the same rows in any format, ``fupin inspect``, unknown villages
and ``fupin init --add-name``, and inputs that used to give a traceback."""

from __future__ import annotations

import csv
import io
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import make_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin_analysis import RosterFormatError, clean_roster, read_roster
from fupin_analysis.cli import main
from fupin_analysis.reference import data_dir
from fupin_analysis.schema import normalize_values

#: The village office's own roster: nine columns, none of the national system's
#: 人数 or 脱贫状态 (issue 14).
OFFICE = ["序号", "村", "户编号", "姓名", "身份证号码", "与户主关系", "家庭人口数", "贫困户属性",
          "脱贫年度"]
SURNAMES = "张李王杨吴龙石粟蒲谢"
GIVEN = "大山小花明芳文金秀英国华"
_SEQ = itertools.count(101)


def person_id(birth: str, area: str = "430527") -> str:
    """A valid identity number, different at every call."""
    return make_id(birth, f"{next(_SEQ) % 1000:03d}", area)


def office_rows(village: str, prefix: str, households: int = 2, area: str = "430527"):
    """Rows in OFFICE order: households of three (head, spouse, child)."""
    rows = []
    for h in range(households):
        household = f"{prefix}{h + 1:04d}"
        size = "3"
        for k, (relation, birth) in enumerate(
            (("户主", "19700305"), ("配偶", "19720810"), ("之子", "20050101"))
        ):
            name = SURNAMES[h % 10] + GIVEN[(h + k) % 12]
            exit_year = "2016" if h % 2 else ""
            rows.append(["", village, household, name, person_id(birth, area), relation, size,
                         "一般贫困户", exit_year])
    for n, row in enumerate(rows, start=1):
        row[0] = str(n)
    return rows


def write_sheet(book: openpyxl.Workbook, title: str, grid: list[list[str]]) -> None:
    sheet = book.create_sheet(title)
    for row in grid:
        sheet.append(row)


def write_book(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, grid in sheets.items():
        write_sheet(book, title, grid)
    book.save(path)
    return path


def write_csv(path: Path, grid: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(grid)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def totals(rows: list[list[str]]) -> list[str]:
    """A 合计 row under the table: the count of people in 家庭人口数's place."""
    return ["合计", "", "", "", "", "", str(len(rows)), "", ""]


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> None:
    assert err.count("\n") == 1 and "Traceback" not in err, err


# --- the village office's roster (issue 14, "done when") -----------------------------------


def test_village_office_roster_of_nine_columns_is_cleaned(tmp_path, capsys):
    rows = office_rows("和团村", "43052720322900")
    path = write_book(tmp_path / "和团村.xlsx", {"Sheet1": [["和团村贫困户花名册"], OFFICE, *rows]})
    code, out, err = run(["clean", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    members = pd.read_parquet(tmp_path / "out" / "members.parquet")
    households = pd.read_parquet(tmp_path / "out" / "households.parquet")
    assert len(members) == 6 and len(households) == 2
    assert households["household_size"].tolist() == [3, 3]  # 家庭人口数
    assert households["household_type"].tolist() == ["一般贫困户"] * 2
    assert households["exit_year"].tolist()[1] == 2016
    assert households["exit_status"].isna().all()  # no 脱贫状态 column: unknown, not 未脱贫
    assert members["source_sheet"].unique().tolist() == ["Sheet1"]
    assert members["source_row"].tolist() == list(range(3, 9))
    assert "6 rows read" in out


def test_the_required_columns_are_what_identifies_a_person_and_a_household():
    from fupin_analysis.schema import REQUIRED_COLUMNS

    assert REQUIRED_COLUMNS == ("village", "household_id", "id_number")


def test_a_roster_without_relation_to_the_head_is_read_with_heads_unknown(tmp_path):
    rows = [r[:5] + r[6:] for r in office_rows("和团村", "43052720322900")]
    headers = [h for h in OFFICE if h != "与户主关系"]
    result = clean_roster(write_book(tmp_path / "r.xlsx", {"名单": [headers, *rows]}))
    assert len(result.members) == 6 and len(result.quarantine) == 0
    assert result.members["relation"].isna().all()
    head_count = result.quality.set_index("rule").loc["head_count"]
    assert head_count["rows"] == 6
    assert "heads unknown" in head_count["detail"]


def test_a_roster_without_names_is_read(tmp_path):
    rows = [r[:3] + r[4:] for r in office_rows("和团村", "43052720322900")]
    headers = [h for h in OFFICE if h != "姓名"]
    result = clean_roster(write_book(tmp_path / "r.xlsx", {"名单": [headers, *rows]}))
    assert len(result.members) == 6


def test_a_missing_required_column_is_one_line_with_the_closest_header(tmp_path, capsys):
    grid = [[h if h != "户编号" else "户编" for h in OFFICE], *office_rows("和团村", "4305")]
    path = write_book(tmp_path / "r.xlsx", {"名单": grid})
    code, _, err = run(["clean", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "r.xlsx, sheet 名单: missing required column(s) 户编号 (closest found: 户编" in err
    assert "--columns" in err


# --- workbooks with one sheet per village ---------------------------------------------------


def village_workbook(path: Path) -> tuple[Path, dict[str, list[list[str]]]]:
    """Notes, a summary, then three village sheets, each ending with a totals row, an empty
    row, a row with only its 序号 and a signature line."""
    villages = {"和团村": "43052720322900", "隘门村": "43052720322400",
                "表田村": "43052720322200"}
    people = {v: office_rows(v, prefix, households=2 + k) for k, (v, prefix) in
              enumerate(villages.items())}
    sheets = {
        "填表说明": [["填表说明"], ["1. 每户一行户主，成员依次列出"],
                     ["2. 身份证号码以文本格式填写"]],
        "汇总": [["序号", "村", "户数", "人数"], ["1", "和团村", "2", "6"],
                 ["2", "隘门村", "3", "9"],
                 ["合计", "", "9", "27"]],
    }
    for village, rows in people.items():
        sheets[village] = [
            [f"{village}建档立卡贫困人口花名册"],
            OFFICE,
            *rows,
            totals(rows),
            [],  # an empty row: not a data row
            [str(len(rows) + 1)],  # numbered in advance, nothing else: a blank row
            ["填表人：王五", "", "", "审核人：赵六", "", "", "", "", ""],
        ]
    return write_book(path, sheets), people


def test_every_roster_sheet_of_a_workbook_is_read_and_the_others_reported(tmp_path):
    path, people = village_workbook(tmp_path / "寨市乡.xlsx")
    raw = read_roster(path)
    sources = pd.DataFrame(raw.attrs["sources"])
    assert sources["sheet"].tolist() == ["填表说明", "汇总", "和团村", "隘门村", "表田村"]
    assert sources["status"].tolist()[2:] == ["read"] * 3
    assert sources["status"].iloc[0].startswith(
        "skipped: not a roster: no roster header row found in the first 30 rows"
    )
    assert sources["status"].iloc[1] == (
        "skipped: not a roster: headers 序号, 村, 人数 but no 证件号码 or 姓名 column"
    )
    # every data row of each village sheet: persons, totals, the numbered row, the signature
    assert sources["rows"].tolist() == [0, 0, 9, 12, 15]
    assert raw["source_sheet"].value_counts().to_dict() == {"和团村": 9, "隘门村": 12, "表田村": 15}
    result = clean_roster(raw)
    summary = result.summary().set_index("item")["value"]
    assert summary["rows_read"] == len(raw) == len(result.members) + len(result.quarantine)
    assert len(result.members) == sum(len(rows) for rows in people.values()) == 27
    q = result.quarantine
    assert q["reason"].tolist() == ["summary_row"] * 9
    assert q["detail"].tolist() == ["total", "blank", "signature"] * 3
    assert not q["counts_as_person"].any()
    assert summary["persons"] == 27
    assert result.quality.set_index("rule").loc["summary_row", "detail"] == (
        "total: 3; signature: 3; blank: 3"
    )
    assert result.quality.set_index("rule").loc["id_missing", "rows"] == 0


def test_a_sheet_named_reads_that_sheet_only(tmp_path, capsys):
    path, _ = village_workbook(tmp_path / "寨市乡.xlsx")
    raw = read_roster(path, sheet="隘门村")
    assert raw["source_sheet"].unique().tolist() == ["隘门村"] and len(raw) == 12
    code, _, err = run(["clean", str(path), "--sheet", "汇总", "--out", str(tmp_path / "o")],
                       capsys)
    assert code == 2
    one_line(err)
    assert "寨市乡.xlsx, sheet 汇总: headers 序号, 村, 人数 but no 证件号码 or 姓名 column" in err


def test_fupin_clean_lists_the_sheets_read_and_skipped(tmp_path, capsys):
    path, _ = village_workbook(tmp_path / "寨市乡.xlsx")
    code, out, err = run(["clean", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    assert "36 rows read" in out
    assert "read     寨市乡.xlsx, sheet 隘门村: 12 rows" in out
    assert "skipped  寨市乡.xlsx, sheet 汇总: not a roster" in out
    q = pd.read_parquet(tmp_path / "o" / "quarantine.parquet")
    assert q[["source_file", "source_sheet", "source_row"]].iloc[0].tolist() == [
        "寨市乡.xlsx", "和团村", 9
    ]
    assert q["source_row"].tolist()[:3] == [9, 11, 12]  # row 10 is empty: not a data row


# --- folders of per-village files, in mixed formats and encodings ---------------------------


def village_folder(folder: Path) -> dict[str, list[list[str]]]:
    """One file per village (xlsx, CSV in three encodings, parquet) and a note; 杨大山 of
    和团村 also written, in another household, in 表田村's file."""
    folder.mkdir(parents=True, exist_ok=True)
    people = {
        "和团村": office_rows("和团村", "43052720322900"),
        "隘门村": office_rows("隘门村", "43052720322400"),
        "表田村": office_rows("表田村", "43052720322200"),
        "李家村": office_rows("李家村", "43052720320300"),
        "铁坡村": office_rows("铁坡村", "43052720322800"),
    }
    moved = people["和团村"][0][:]
    moved[1], moved[2], moved[5] = "表田村", "430527203222009999", "户主"
    people["表田村"].append(moved)
    write_book(folder / "和团村.xlsx", {"和团村": [["和团村花名册"], OFFICE, *people["和团村"]]})
    write_csv(folder / "隘门村.csv", [OFFICE, *people["隘门村"]], "utf-8")
    write_csv(folder / "表田村.csv", [OFFICE, *people["表田村"]], "utf-8-sig")
    write_csv(folder / "李家村.csv", [["李家村花名册"], OFFICE, *people["李家村"]], "gb18030")
    pd.DataFrame(people["铁坡村"], columns=OFFICE).to_parquet(folder / "铁坡村.parquet")
    (folder / "说明.docx").write_bytes(b"PK not a roster")
    return people


def test_a_folder_of_per_village_files_is_read_in_name_order(tmp_path):
    people = village_folder(tmp_path / "villages")
    raw = read_roster(tmp_path / "villages")
    files = ["和团村.xlsx", "李家村.csv", "表田村.csv", "铁坡村.parquet", "隘门村.csv"]
    assert sorted(files) == files  # Unicode code point order
    assert raw["source_file"].unique().tolist() == files
    sources = pd.DataFrame(raw.attrs["sources"]).set_index("file")
    assert sources.loc["说明.docx", "status"] == "skipped: not a roster file type (.docx)"
    assert sources.loc["李家村.csv", "encoding"] == "gb18030"
    assert sources.loc["表田村.csv", "encoding"] == "utf-8-sig"
    assert sources.loc["隘门村.csv", "encoding"] == "utf-8"
    assert len(raw) == sum(len(rows) for rows in people.values()) == 31
    assert raw.groupby("source_file", observed=True)["source_row"].first().to_dict() == {
        "和团村.xlsx": 3, "李家村.csv": 3, "表田村.csv": 2, "铁坡村.parquet": 1, "隘门村.csv": 2,
    }


def test_a_person_in_two_village_files_is_a_duplicate_person(tmp_path):
    village_folder(tmp_path / "villages")
    result = clean_roster(tmp_path / "villages")
    assert len(result.members) + len(result.quarantine) == 31
    q = result.quarantine
    assert q[["reason", "detail", "source_file", "source_row"]].values.tolist() == [
        ["duplicate_person", "other_household", "表田村.csv", 8]
    ]
    assert not q["counts_as_person"].any()
    kept = result.members.set_index(["source_file", "source_sheet", "source_row"])
    assert ("和团村.xlsx", "和团村", 3) in kept.index  # the first occurrence, in name order
    assert result.members[["source_file", "source_sheet", "source_row"]].duplicated().sum() == 0


def test_files_given_on_the_command_line_are_read_in_that_order(tmp_path, capsys):
    folder = tmp_path / "villages"
    village_folder(folder)
    out = tmp_path / "out"
    code, stdout, err = run(
        ["clean", str(folder / "表田村.csv"), str(folder / "和团村.xlsx"), "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    q = pd.read_parquet(out / "quarantine.parquet")
    assert q[["reason", "source_file", "source_row"]].values.tolist() == [
        ["duplicate_person", "和团村.xlsx", 3]
    ]
    assert "read     表田村.csv: 7 rows" in stdout


def test_the_same_file_twice_or_a_clean_folder_is_refused(tmp_path, capsys):
    folder = tmp_path / "villages"
    village_folder(folder)
    code, _, err = run(["clean", str(folder), str(folder / "隘门村.csv"), "--out",
                        str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "read twice" in err
    clean_folder = tmp_path / "done"
    clean_folder.mkdir()
    (clean_folder / "clean.json").write_text("{}")
    (clean_folder / "quarantine.parquet").write_bytes(b"x")
    with pytest.raises(RosterFormatError, match="written by `fupin clean`"):
        read_roster(clean_folder)


def test_files_of_the_same_name_in_two_folders_keep_their_folder(tmp_path):
    for village, prefix in (("和团村", "43052720322900"), ("隘门村", "43052720322400")):
        folder = tmp_path / village
        folder.mkdir()
        write_csv(folder / "名单.csv", [OFFICE, *office_rows(village, prefix)])
    raw = read_roster([tmp_path / "和团村", tmp_path / "隘门村"])
    labels = raw["source_file"].unique().tolist()
    assert [Path(label).parts[-2:] for label in labels] == [("和团村", "名单.csv"),
                                                             ("隘门村", "名单.csv")]


# --- header variants and the column mapping -------------------------------------------------


def test_header_variants_of_real_exports_and_hand_made_sheets(tmp_path):
    headers = ["序号", "县区", "乡镇名称", "行政村名称", "村民小组", "户码", "户主姓名", "姓名",
               "身份证号", "家庭人口", "与户主的关系", "学历", "身体状况", "家庭年人均纯收入(元)",
               "贫困户类别", "贫困状态", "实际脱贫年度", "手机号"]
    rows = []
    for r in office_rows("和团村", "43052720322900"):
        rows.append([r[0], "绥宁县", "寨市乡", r[1], "3组", r[2], "杨大山", r[3], r[4], r[6], r[5],
                     "小学", "健康", "2800", r[7], "未脱贫", r[8], "13307391234"])
    raw = read_roster(write_book(tmp_path / "v.xlsx", {"花名册": [headers, *rows]}))
    assert raw.columns.tolist()[:-3] == [
        "serial", "county", "township", "village", "natural_village", "household_id",
        "head_name", "name", "id_number", "household_size", "relation", "education", "health",
        "income_per_capita", "household_type", "exit_status", "exit_year", "person_phone",
    ]
    assert raw.attrs["unknown_columns"] == []
    result = clean_roster(raw)
    assert len(result.members) == 6
    assert result.households["income_per_capita"].tolist() == [2800.0, 2800.0]
    assert "head_name" not in result.members.columns  # a name: never in the clean tables


MAPPING = """# headers of our township's sheet
所在村落: 行政村
家庭档案号: household_id
公民号: 证件号码
户口人数: 人数
旧身份证号: null   # an old number: not used
"""


def mapped_roster(tmp_path: Path) -> Path:
    headers = ["所在村落", "家庭档案号", "姓名", "公民号", "旧身份证号", "户口人数", "与户主关系"]
    rows = [[r[1], r[2], r[3], r[4], "430527700101001", r[6], r[5]]
            for r in office_rows("和团村", "43052720322900")]
    return write_csv(tmp_path / "ours.csv", [headers, *rows])


def test_a_column_mapping_file_names_what_headers_hold(tmp_path, capsys):
    path = mapped_roster(tmp_path)
    code, _, err = run(["clean", str(path), "--out", str(tmp_path / "a")], capsys)
    assert code == 2
    one_line(err)
    assert "ours.csv: no roster header row found in the first 30 lines" in err
    assert "--columns" in err and "fupin inspect" in err
    (tmp_path / "mapping.yml").write_text(MAPPING, encoding="utf-8")
    code, _, err = run(["clean", str(path), "--columns", str(tmp_path / "mapping.yml"),
                        "--out", str(tmp_path / "b")], capsys)
    assert code == 0, err
    members = pd.read_parquet(tmp_path / "b" / "members.parquet")
    households = pd.read_parquet(tmp_path / "b" / "households.parquet")
    assert len(members) == 6 and households["household_size"].tolist() == [3, 3]
    from_dict = clean_roster(path, columns={"所在村落": "village", "家庭档案号": "户编号",
                                            "公民号": "id_number", "户口人数": "household_size",
                                            "旧身份证号": None})
    from_file = clean_roster(path, columns=tmp_path / "mapping.yml")
    pd.testing.assert_frame_equal(from_dict.households, from_file.households)
    pd.testing.assert_frame_equal(from_dict.quality, from_file.quality)
    assert "旧身份证号" in from_file.quality.set_index("rule").loc["unknown_column", "detail"]


def test_the_mapping_wins_over_the_known_headers(tmp_path):
    headers = ["村", "户编号", "身份证号码", "人数", "家庭人口数"]
    rows = [[r[1], r[2], r[4], "9", r[6]] for r in office_rows("和团村", "43052720322900")]
    path = write_csv(tmp_path / "r.csv", [headers, *rows])
    both = "columns D .人数. and E .家庭人口数. are both 人数"
    with pytest.raises(RosterFormatError, match=both):
        read_roster(path)
    raw = read_roster(path, columns={"人数": None})  # the 9 is not the household's size
    assert raw["household_size"].unique().tolist() == ["3"]
    assert raw["人数"].unique().tolist() == ["9"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("公民号: shoe size\n", "'公民号' is mapped to 'shoe size', which is not a roster column"),
        ("- 公民号\n- 证件号码\n", "a column mapping is 'header: column' pairs, not a list"),
        ("公民号: [证件号码\n", "not a YAML mapping at line"),
    ],
)
def test_a_bad_mapping_file_is_one_line(tmp_path, capsys, text, message):
    path = mapped_roster(tmp_path)
    (tmp_path / "m.yml").write_text(text, encoding="utf-8")
    code, _, err = run(["clean", str(path), "--columns", str(tmp_path / "m.yml"), "--out",
                        str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert message in err and "m.yml" in err


# --- fupin inspect --------------------------------------------------------------------------


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_inspect_says_how_sheets_and_headers_are_understood_and_writes_nothing(
    tmp_path, capsys, monkeypatch
):
    path, _ = village_workbook(tmp_path / "寨市乡.xlsx")
    (tmp_path / "mapping.yml").write_text("不存在的表头: 人数\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = listing(tmp_path)
    code, out, err = run(["inspect", str(path), "--columns", "mapping.yml"], capsys)
    assert code == 0, err
    assert listing(tmp_path) == before
    lines = out.splitlines()
    assert lines[0].startswith("寨市乡.xlsx, sheet 填表说明: skipped: not a roster: no roster")
    assert lines[1] == (
        "寨市乡.xlsx, sheet 汇总: skipped: not a roster: headers 序号, 村, 人数 but no 证件号码 "
        "or 姓名 column"
    )
    assert "寨市乡.xlsx, sheet 和团村: read, header row 2, 9 data rows" in lines
    assert "      B 村 → village (行政村; a known variant of it)" in lines
    assert "      G 家庭人口数 → household_size (人数; a known variant of it)" in lines
    assert "      C 户编号 → household_id" in lines
    missing = next(line for line in lines if line.startswith("optional columns with no value"))
    assert "脱贫状态 (exit_status)" in missing and "性别 (sex)" in missing
    assert "贫困户属性" not in missing and "姓名" not in missing
    assert "column mapping mapping.yml: 1 entries; matching no header: 不存在的表头" in lines
    assert lines[-1] == "ready to clean: 3 roster sheet(s) or file(s), 36 data rows; 2 skipped"


def test_inspect_of_a_roster_that_cannot_be_cleaned_exits_2_after_the_report(tmp_path, capsys):
    folder = tmp_path / "villages"
    village_folder(folder)
    broken = [[h if h != "身份证号码" else "号码" for h in OFFICE],
              *office_rows("茶冲村", "43052720322500")]
    write_csv(folder / "茶冲村.csv", broken)
    code, out, err = run(["inspect", str(folder)], capsys)
    assert code == 2
    one_line(err)
    assert err.startswith("fupin inspect: cannot be cleaned: 茶冲村.csv: missing required")
    assert "茶冲村.csv: error: 茶冲村.csv: missing required column(s) 证件号码" in out
    assert "      E 号码 → not used: not a roster column (kept in the quarantine only)" in out
    assert "说明.docx: skipped: not a roster file type (.docx)" in out
    assert "铁坡村.parquet: read, headers: column names, 6 data rows" in out


def test_inspect_shows_two_columns_merged(tmp_path):
    headers = [*OFFICE, "证件号码"]
    rows = office_rows("和团村", "43052720322900")
    rows = [r + [r[4] if k % 2 else ""] for k, r in enumerate(rows)]
    path = write_book(tmp_path / "r.xlsx", {"名单": [headers, *rows]})
    from fupin_analysis.ingest.inspect import inspect_roster

    found = inspect_roster(path)
    assert found.ready
    assert "read, header row 1, 6 data rows, merged columns E = J (证件号码)" in found.report()
    raw = read_roster(path)
    assert raw.attrs["sources"][0]["merged_columns"] == ["E = J (证件号码)"]
    assert raw["id_number"].tolist() == [r[4] for r in rows]
    assert "证件号码" not in raw.columns and raw.attrs["unknown_columns"] == []


def test_two_identity_columns_that_differ_are_refused_naming_both(tmp_path, capsys):
    from conftest import HEADERS, small_rows

    rows = [r + [r[5]] for r in small_rows()]  # the national layout, 身份证号码 again at S
    rows[3][18] = person_id("19900101")
    path = write_book(tmp_path / "r.xlsx", {"名单": [[*HEADERS, "身份证号码"], *rows]})
    code, _, err = run(["clean", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert ("r.xlsx, sheet 名单: columns F (证件号码) and S (身份证号码) are both 证件号码 and "
            "differ on 1 rows (first: row 5); map the one not to use to null with --columns"
            ) in err
    assert rows[3][18] not in err and rows[3][5] not in err  # no identity number echoed
    (tmp_path / "m.yml").write_text("身份证号码: null\n", encoding="utf-8")
    code, _, err = run(["clean", str(path), "--columns", str(tmp_path / "m.yml"), "--out",
                        str(tmp_path / "o")], capsys)
    assert code == 0, err


def test_two_identity_columns_of_the_same_header_that_differ_are_refused(tmp_path):
    headers = [*OFFICE, "身份证号码"]
    rows = [r + [r[4]] for r in office_rows("和团村", "43052720322900")]
    rows[0][9] = person_id("19900101")
    path = write_book(tmp_path / "r.xlsx", {"名单": [headers, *rows]})
    with pytest.raises(RosterFormatError, match="columns E .身份证号码. and J .身份证号码. are "
                       "both 证件号码 and differ on 1 rows .first: row 2.; rename one of them"):
        read_roster(path)


# --- inputs that gave a traceback or a misleading message (issue 15, items 9 and 11) ---------


def bad_parquet_rows(tmp_path: Path, source_row: list) -> Path:
    rows = office_rows("和团村", "43052720322900")[: len(source_row)]
    frame = pd.DataFrame(rows, columns=OFFICE).assign(source_row=source_row)
    frame.to_parquet(tmp_path / "r.parquet")
    return tmp_path / "r.parquet"


@pytest.mark.parametrize(
    ("source_row", "message"),
    [
        (["4", "五", "6"], "r.parquet, row 2, column source_row: '五' is not a row number"),
        ([4.0, 5.5, 6.0], "r.parquet, row 2, column source_row: '5.5' is not a row number"),
        ([4, 0, 6], "r.parquet, row 2, column source_row: '0' is not a row number"),
        ([4, 5, 4], "r.parquet, column source_row: row number 4 is given to more than one row "
                    "(rows 1 and 3 of the table)"),
    ],
)
def test_a_parquet_source_row_that_is_not_a_row_number_is_one_line(
    tmp_path, capsys, source_row, message
):
    path = bad_parquet_rows(tmp_path, source_row)
    code, _, err = run(["clean", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert message in err
    assert "bug" not in err


def test_a_parquet_keeps_its_own_whole_row_numbers(tmp_path):
    raw = read_roster(bad_parquet_rows(tmp_path, ["7", "8", "9"]))
    assert raw["source_row"].tolist() == [7, 8, 9]


def test_a_cell_over_128_kb_with_a_line_break_inside_quotes_is_read(tmp_path, capsys):
    rows = office_rows("和团村", "43052720322900")
    rows[1][3] = "李" * 70_000 + "\n" + "花" * 70_000  # over csv's default field limit
    path = write_csv(tmp_path / "r.csv", [OFFICE, *rows])
    code, out, err = run(["clean", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    members = pd.read_parquet(tmp_path / "o" / "members.parquet")
    assert members["source_row"].tolist() == [2, 3, 5, 6, 7, 8]  # the cell spans lines 3-4
    assert len(read_roster(path)["name"].iloc[1]) == 140_001


def test_a_csv_that_is_malformed_is_one_line_naming_the_line(tmp_path, capsys):
    path = tmp_path / "r.csv"
    text = ",".join(OFFICE) + "\n" + ",".join(office_rows("和团村", "4305")[0]) + "\n"
    path.write_bytes(text.encode() + b'a,"b\x00c\n')
    code, _, err = run(["clean", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "r.csv" in err


def test_a_symbolic_link_loop_says_so(tmp_path, capsys):
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    code, _, err = run(["clean", str(tmp_path / "a.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "a.csv: a symbolic link loop, not a file" in err
    assert "not found" not in err


def test_a_broken_symbolic_link_names_its_target(tmp_path, capsys):
    (tmp_path / "a.csv").symlink_to(tmp_path / "gone.csv")
    code, _, err = run(["clean", str(tmp_path / "a.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "a.csv: a symbolic link to" in err and "gone.csv, which does not exist" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_says_so_and_is_not_opened(tmp_path, capsys):
    os.mkfifo(tmp_path / "r.csv")  # opening it would block
    code, _, err = run(["clean", str(tmp_path / "r.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "r.csv: a named pipe (FIFO), not a file" in err


def test_a_folder_named_like_a_csv_is_a_folder(tmp_path, capsys):
    (tmp_path / "r.csv").mkdir()
    code, _, err = run(["clean", str(tmp_path / "r.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "r.csv: a folder without roster files" in err
    write_csv(tmp_path / "r.csv" / "和团村.csv", [OFFICE, *office_rows("和团村", "4305")])
    assert len(read_roster(tmp_path / "r.csv")) == 6


def test_a_missing_file_says_where_it_looked(tmp_path, capsys):
    code, _, err = run(["clean", str(tmp_path / "no.xlsx"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert f"no.xlsx: file not found (looked for {tmp_path / 'no.xlsx'})" in err


# --- the same rows in any format give the same tables (issue 14, item 5) ---------------------


def test_normalize_values_turns_an_empty_text_into_missing():
    assert normalize_values(pd.Series(["a", ""])).isna().tolist() == [False, True]
    assert normalize_values(pd.Series(["a", " "]), remove_spaces=True).isna().tolist() == [
        False, True
    ]


FULL = ["县(市、区、旗)", "乡(镇)", "行政村", "户编号", "姓名", "证件号码", "人数", "与户主关系",
        "文化程度", "健康状况", "务工时间（月）", "致贫原因1", "人均纯收入", "首次识别时间",
        "脱贫属性", "脱贫年度", "贫困户属性", "是否参加大病保险", "备注"]


def full_rows() -> list[list[str]]:
    """Rows with many empty cells, a value of each kind, a totals row and defects."""
    rows = []
    villages = (("李家村", "4305272032030"), ("表田村", "4305272032220"))
    for h, (village, prefix) in enumerate(villages):
        for k, (relation, birth) in enumerate((("户主", "19700305"), ("配偶", "19720810"),
                                                ("之子", "20050101"))):
            head = k == 0
            rows.append([
                "绥宁县" if head else "", "寨市乡" if head else "", village, f"{prefix}{h:03d}",
                SURNAMES[h] + GIVEN[k], person_id(birth), "3" if head else "", relation,
                ["小学", "文盲", "博士"][k], "健康" if k else "", "6" if head else "",
                "因病" if head else "", "2,800元" if head else "", "2014年10月" if head else "",
                "已脱贫" if h else "未脱贫", "2016" if h else "", "五保户" if head else "",
                "是" if k else "", "已核实" if k == 2 else "",
            ])
    rows[4][5] = "4.30527E+17"
    rows.append(rows[0][:])  # a row pasted twice
    rows.append(["合计", "", "", "", "", "", "6", "", "", "", "", "", "", "", "", "", "", "", ""])
    return rows


def _comparable(result):
    where = ["source_file", "source_sheet", "source_row"]
    q = result.quarantine.drop(columns=where, errors="ignore")
    members = result.members.drop(columns=where, errors="ignore")
    return (members, result.households, q, result.quality)


def test_the_same_rows_in_every_format_give_the_same_tables(tmp_path):
    rows = full_rows()
    frame = pd.DataFrame(rows, columns=FULL)  # empty cells as "", as pandas reads them
    paths = [
        write_book(tmp_path / "r.xlsx", {"名单": [["标题"], FULL, *rows]}),
        write_csv(tmp_path / "u.csv", [FULL, *rows], "utf-8"),
        write_csv(tmp_path / "g.csv", [["标题"], ["导出"], FULL, *rows], "gb18030"),
    ]
    frame.to_parquet(tmp_path / "r.parquet")
    paths.append(tmp_path / "r.parquet")
    reference = _comparable(clean_roster(paths[0], salt="s"))
    for source in [*paths[1:], frame]:
        result = clean_roster(source, salt="s")
        for ours, theirs in zip(reference, _comparable(result), strict=True):
            pd.testing.assert_frame_equal(ours, theirs)
    quality = reference[3].set_index("rule")["rows"]
    assert quality["value_unmapped"] == 2 and quality["value_unparsed"] == 0  # 博士, twice
    assert quality["summary_row"] == 1 and quality["duplicate_row"] == 1
    assert quality["id_mangled"] == 1 and quality["unknown_column"] == 2


def test_a_frame_with_numbers_and_dates_reads_as_the_workbook_does(tmp_path):
    rows = [r[:3] for r in office_rows("和团村", "43052720322900")]
    frame = pd.DataFrame(rows, columns=["村", "户编号", "姓名"])
    frame["身份证号码"] = [r[4] for r in office_rows("和团村", "4305")]
    frame["人数"] = [3.0, 3.0, np.nan, 3, 3, 3]
    frame["首次识别时间"] = pd.Timestamp("2014-10-01")
    path = tmp_path / "r.xlsx"
    frame.to_excel(path, index=False)
    from_book = read_roster(path).drop(columns=["source_file", "source_sheet", "source_row"])
    from_frame = clean_roster(frame, salt="s")
    assert from_book["household_size"].tolist() == ["3", "3", np.nan, "3", "3", "3"]
    pd.testing.assert_frame_equal(
        _comparable(clean_roster(path, salt="s"))[1], _comparable(from_frame)[1]
    )


# --- unknown villages: suggestions, then the user's decision (issue 16, item 3) -------------


def reference_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "project" / "reference"
    shutil.copytree(data_dir() / "reference", folder)
    return folder


def test_an_unknown_village_is_quarantined_with_the_closest_names_of_the_county(tmp_path):
    rows = office_rows("常溪村", "43052720320700")
    result = clean_roster(write_csv(tmp_path / "r.csv", [OFFICE, *rows]))
    closest = ("closest: 长溪村 430527203207, 坪溪村 430527203244, "
               "大溪村 430527101213 (武阳镇, not in the reference folder)")
    assert result.quarantine["reason"].unique().tolist() == ["unknown_village"]
    assert result.quarantine["detail"].unique().tolist() == [closest]
    assert result.quality.set_index("rule").loc["unknown_village", "detail"] == (
        f"常溪村: 6 ({closest})"
    )


def test_add_name_then_clean_again_resolves_the_village(tmp_path, capsys):
    reference = reference_copy(tmp_path)
    path = write_csv(tmp_path / "r.csv", [OFFICE, *office_rows("常溪村", "43052720320700")])
    out = tmp_path / "out"
    code, stdout, err = run(["clean", str(path), "--reference", str(tmp_path / "project"),
                             "--out", str(out)], capsys)
    assert code == 0, err
    assert "6 rows of unknown villages" in stdout and "--add-name" in stdout
    quality = pd.read_csv(out / "quality.csv").set_index("rule")
    assert "长溪村 430527203207" in quality.loc["unknown_village", "detail"]
    code, stdout, err = run(["init", "--add-name", "常溪村=430527203207", "--out",
                             str(tmp_path / "project")], capsys)
    assert code == 0, err
    assert stdout == (
        f"added: 常溪村 → 430527203207 (长溪村) in {reference.resolve() / 'crosswalk.csv'}\n"
    )
    last = (reference / "crosswalk.csv").read_text(encoding="utf-8").splitlines()[-1]
    today = pd.Timestamp.today().date().isoformat()
    assert last == f"常溪村,430527203207,user,,false,added by the user on {today},"
    result = clean_roster(path, reference=reference)
    assert len(result.quarantine) == 0 and len(result.members) == 6
    assert result.households["village_code"].unique().tolist() == ["430527203207"]
    assert result.households["village_evidence"].unique().tolist() == ["user"]
    assert result.quality.set_index("rule").loc["village_variant", "detail"] == "user: 6"
    code, stdout, _ = run(["init", "--add-name", "常溪村=长溪村", "--out", str(reference)], capsys)
    assert code == 0 and stdout.startswith("already there: 常溪村 → 430527203207")


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("常溪村", "write it as NAME=CODE"),
        ("常溪村=430527101213", "430527101213 is not a unit of"),
        ("常溪村=火星村", "'火星村' is neither a 12-digit code nor a name in"),
        ("李家=430527203207", "李家 already means 430527203203 (李家村)"),
    ],
)
def test_add_name_refuses_what_it_cannot_record(tmp_path, capsys, pair, message):
    reference = reference_copy(tmp_path)
    before = (reference / "crosswalk.csv").read_bytes()
    code, _, err = run(["init", "--add-name", pair, "--out", str(tmp_path / "project")], capsys)
    assert code == 2
    one_line(err)
    assert message in err
    assert (reference / "crosswalk.csv").read_bytes() == before


def test_init_without_a_township_or_a_name_is_one_line(tmp_path, capsys):
    code, _, err = run(["init", "--out", str(tmp_path / "p")], capsys)
    assert code == 2
    one_line(err)


def test_a_township_of_another_province_end_to_end(tmp_path, capsys):
    """西江镇 (雷山县, Guizhou): its own reference folder, a workbook of two village sheets
    under a notes sheet, 开觉寨 written for 开觉村."""
    project = tmp_path / "xijiang"
    code, _, err = run(["init", "522634101", "--out", str(project)], capsys)
    assert code == 0, err
    changwu = office_rows("长乌村", "52263410120400", area="522634")
    kaijue = office_rows("开觉寨", "52263410120600", area="522634")
    folder = tmp_path / "roster"
    folder.mkdir()
    write_book(folder / "西江镇.xlsx", {"说明": [["西江镇花名册，按村分表"]],
                                        "长乌": [OFFICE, *changwu, totals(changwu)],
                                        "开觉": [["开觉村"], OFFICE, *kaijue]})
    code, stdout, err = run(["clean", str(folder), "--reference", str(project), "--out",
                             str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "skipped  西江镇.xlsx, sheet 说明: not a roster" in stdout
    q = pd.read_parquet(tmp_path / "out" / "quarantine.parquet")
    assert q["reason"].value_counts().to_dict() == {"unknown_village": 6, "summary_row": 1}
    detail = q.loc[q["reason"] == "unknown_village", "detail"].iloc[0]
    assert detail == "closest: 开觉村 522634101206"  # others score under 0.5
    code, _, err = run(["init", "--add-name", "开觉寨=522634101206", "--out", str(project)],
                       capsys)
    assert code == 0, err
    result = clean_roster(folder, reference=project / "reference")
    assert len(result.members) == 12
    assert result.households["village_name"].value_counts().to_dict() == {
        "长乌村": 2, "开觉村": 2
    }
    assert result.quarantine["reason"].tolist() == ["summary_row"]


# --- a roster split over files and sheets cleans as the whole --------------------------------


def split_roster() -> list[list[str]]:
    rows = full_rows() + full_rows()[:-1]  # two villages twice: households of six rows
    moved = rows[1][:]
    moved[3] = "4305272032030999"  # the same person again, in another household
    return [*rows, moved]


SPLIT_ROWS = split_roster()


def write_pieces(folder: Path, pieces: list[list[list[str]]], kinds: list[str]) -> None:
    """Piece k in file ``k``'s order: a CSV (two encodings), a parquet, a workbook, or a
    further sheet of the workbook before it."""
    books: dict[str, dict[str, list[list[str]]]] = {}
    last_book = None
    for k, (piece, kind) in enumerate(zip(pieces, kinds, strict=False)):
        if kind == "sheet" and last_book is not None:
            books[last_book][f"s{k}"] = [FULL, *piece]
        elif kind in ("xlsx", "sheet"):
            last_book = f"{k:02d}.xlsx"
            books[last_book] = {f"s{k}": [["名单"], FULL, *piece]}
        elif kind == "parquet":
            pd.DataFrame(piece, columns=FULL).to_parquet(folder / f"{k:02d}.parquet")
            last_book = None
        else:
            write_csv(folder / f"{k:02d}.csv", [FULL, *piece], kind)
            last_book = None
    for name, sheets in books.items():
        write_book(folder / name, sheets)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.integers(1, len(SPLIT_ROWS) - 1), max_size=5, unique=True),
    kinds=st.lists(st.sampled_from(["xlsx", "sheet", "utf-8", "gb18030", "parquet"]),
                   min_size=6, max_size=6),
)
def test_a_roster_split_over_files_and_sheets_cleans_as_the_whole(cuts, kinds):
    bounds = [0, *sorted(cuts), len(SPLIT_ROWS)]
    pieces = [SPLIT_ROWS[a:b] for a, b in itertools.pairwise(bounds)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        whole = clean_roster(write_csv(folder / "whole.csv", [FULL, *SPLIT_ROWS]), salt="s")
        parts = folder / "parts"
        parts.mkdir()
        write_pieces(parts, pieces, kinds)
        raw = read_roster(parts)
        split = clean_roster(raw, salt="s")
    assert len(raw) == len(SPLIT_ROWS)
    where = ["source_file", "source_sheet", "source_row"]
    traced = pd.concat([split.members[where], split.quarantine[where]]).astype(str)
    assert not traced.duplicated().any()
    assert len(traced) == len(SPLIT_ROWS)
    for ours, theirs in zip(_comparable(whole), _comparable(split), strict=True):
        pd.testing.assert_frame_equal(ours, theirs)


def test_a_reference_that_is_not_a_reference_folder_is_one_line(tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", [OFFICE, *office_rows("和团村", "43052720322900")])
    (tmp_path / "empty").mkdir()
    code, _, err = run(["clean", str(path), "--reference", str(tmp_path / "empty"), "--out",
                        str(tmp_path / "o")], capsys)
    assert code == 2
    one_line(err)
    assert "empty: not a reference folder (no villages.csv in it or in" in err
