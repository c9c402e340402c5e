"""read_roster: formats, encodings, header detection, bad files."""

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import HEADERS, small_rows, write_roster

from fupin_analysis import RosterFormatError, read_roster
from fupin_analysis.schema import REQUIRED_COLUMNS


def test_xlsx_title_rows_headers_and_excel_row_numbers(make_roster):
    raw = read_roster(make_roster("r.xlsx"))
    assert len(raw) == 5
    assert raw["source_row"].tolist() == [4, 5, 6, 7, 8]  # title, date, header rows above
    assert set(REQUIRED_COLUMNS) <= set(raw.columns)
    assert raw.attrs["source_sheet"] == "贫困人口"
    assert raw.attrs["header_row"] == 3
    assert raw["village"].iloc[0] == "李家村"
    text = raw.drop(columns=["source_file", "source_sheet", "source_row"])
    assert (text.dtypes == "str").all()
    assert raw.columns[-3:].tolist() == ["source_file", "source_sheet", "source_row"]
    assert raw["source_file"].tolist() == ["r.xlsx"] * 5
    assert raw["source_sheet"].tolist() == ["贫困人口"] * 5


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_detected(make_roster, encoding):
    raw = read_roster(make_roster("r.csv", encoding=encoding))
    assert raw["name"].iloc[0] == "张大山"
    assert raw["source_row"].tolist() == [4, 5, 6, 7, 8]
    expected = "gb18030" if encoding == "gbk" else encoding
    assert raw.attrs["encoding"] == expected


def test_explicit_encoding_wins(make_roster):
    path = make_roster("r.csv", encoding="gbk")
    assert read_roster(path, encoding="gbk").attrs["encoding"] == "gbk"
    with pytest.raises(RosterFormatError, match="not valid utf-8"):
        read_roster(path, encoding="utf-8")


def test_csv_and_xlsx_agree(make_roster):
    a = read_roster(make_roster("r.xlsx"))
    b = read_roster(make_roster("r.csv"))
    assert b["source_sheet"].tolist() == [""] * 5
    where = ["source_file", "source_sheet"]
    pd.testing.assert_frame_equal(a.drop(columns=where), b.drop(columns=where), check_like=True)


@pytest.mark.parametrize("name", ["r.csv", "r.xlsx", "r.parquet"])
def test_categorical_columns_hold_the_same_text(make_roster, name, tmp_path):
    if name.endswith(".parquet"):
        read_roster(make_roster("r.csv")).to_parquet(tmp_path / name)
        path = tmp_path / name
    else:
        path = make_roster(name)
    plain = read_roster(path)
    encoded = read_roster(path, categorical={"village", "education", "not_a_column"})
    assert isinstance(encoded["village"].dtype, pd.CategoricalDtype)
    assert isinstance(encoded["education"].dtype, pd.CategoricalDtype)
    assert (encoded.drop(columns=["village", "education"]).dtypes == plain.drop(
        columns=["village", "education"]).dtypes).all()
    for column in ("village", "education"):
        assert encoded[column].astype("str").equals(plain[column])


def test_csv_with_quoted_line_breaks_reads_categorical_columns_too(tmp_path):
    rows = small_rows()
    rows[1][4] = "李\n小花"
    path = write_roster(tmp_path / "r.csv", rows, encoding="utf-8")
    raw = read_roster(path, categorical={"village"})
    assert isinstance(raw["village"].dtype, pd.CategoricalDtype)
    assert raw["village"].astype("str").equals(read_roster(path)["village"])


def test_bytes_that_are_not_utf8_after_the_first_megabyte_read_alike(tmp_path):
    # detection looks at the first 1 MB; a GB18030 cell further down, in a column read
    # dictionary-encoded, must take the same path as in a plain read
    rows = small_rows() * 2000
    path = write_roster(tmp_path / "r.csv", rows, encoding="utf-8")
    education = HEADERS.index("文化程度")
    tail = rows[0][:]
    tail[education] = "初中"
    with path.open("ab") as handle:
        handle.write(",".join(tail).encode("gb18030") + b"\n")
    assert path.stat().st_size > 1 << 20
    messages = []
    for categorical in ((), {"education"}):
        with pytest.raises(RosterFormatError) as error:
            read_roster(path, categorical=categorical)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert "neither UTF-8 nor GB18030" in messages[0]


def test_csv_blank_lines_and_quoted_line_breaks_keep_line_numbers(tmp_path):
    rows = small_rows()
    rows[1][4] = "李\n小花"  # a quoted name over two physical lines
    path = write_roster(tmp_path / "r.csv", rows, encoding="utf-8")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(6, "")  # a blank line after the second data row
    path.write_text("\n".join(lines), encoding="utf-8")
    raw = read_roster(path)
    assert len(raw) == 5
    # line 4: row 1; lines 5-6: row 2 (line break in quotes); line 7 blank; 8, 9, 10
    assert raw["source_row"].tolist() == [4, 5, 8, 9, 10]
    assert raw["name"].iloc[1] == "李\n小花"


def test_header_variants_and_full_width_headers(tmp_path):
    headers = ["县", "乡镇", " 村名 ", "户号", "成员姓名", "身份证号码", "家庭人口", "与户主的关系",
               "文化程度", "健康状况", "务工时间(月)", "主要致贫原因", "人均纯收入（元）",
               "识别时间", "贫困户状态", "脱贫年份", "贫困户类型", "联系电话"]
    raw = read_roster(write_roster(tmp_path / "v.xlsx", small_rows(), headers=headers))
    assert set(REQUIRED_COLUMNS) <= set(raw.columns)
    assert {"income_per_capita", "months_worked", "household_phone"} <= set(raw.columns)


def test_unknown_columns_kept_and_listed(tmp_path):
    headers = HEADERS + ["备注"]
    rows = [r + ["已核实"] for r in small_rows()]
    raw = read_roster(write_roster(tmp_path / "u.xlsx", rows, headers=headers))
    assert raw.attrs["unknown_columns"] == ["备注"]
    assert raw["备注"].iloc[0] == "已核实"


def test_two_row_header_is_joined(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["寨市乡建档立卡贫困人口名单"])
    top = ["行政村", "户编号", "姓名", "证件号码", "人数", "与户主关系", "务工时间", "脱贫属性",
           "贫困户属性"]
    bottom = ["", "", "", "", "", "", "（月）", "", ""]
    ws.append(top)
    ws.append(bottom)
    for c in (1, 2, 3, 4, 5, 6, 8, 9):
        ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
    ws.append(["李家村", "1", "张三", "430527199001011237", "1", "户主", "3", "未脱贫", "一般户"])
    book.save(tmp_path / "two.xlsx")
    raw = read_roster(tmp_path / "two.xlsx")
    assert "months_worked" in raw.columns
    assert raw["source_row"].tolist() == [4]


def test_group_title_row_above_headers(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["基本信息", "", "", "", "", "", "家庭情况", "", ""])
    ws.merge_cells("A1:F1")
    ws.append(["行政村", "户编号", "姓名", "证件号码", "人数", "与户主关系", "人均纯收入",
               "脱贫属性", "贫困户属性"])
    ws.append(["李家村", "1", "张三", "430527199001011237", "1", "户主", "3000", "未脱贫", "一般"])
    book.save(tmp_path / "group.xlsx")
    raw = read_roster(tmp_path / "group.xlsx")
    assert raw["income_per_capita"].tolist() == ["3000"]
    assert raw["source_row"].tolist() == [3]


def test_roster_sheet_found_among_others_or_named(tmp_path):
    path = write_roster(tmp_path / "s.xlsx", small_rows())
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("说明", 0)
    notes.append(["本表由系统导出"])
    book.save(path)
    assert read_roster(path).attrs["source_sheet"] == "贫困人口"
    assert len(read_roster(path, sheet="贫困人口")) == 5
    with pytest.raises(RosterFormatError, match=r"sheet 说明: no roster header row"):
        read_roster(path, sheet="说明")
    with pytest.raises(RosterFormatError, match="no sheet named '名单'; sheets are 说明, 贫困人口"):
        read_roster(path, sheet="名单")


def test_excel_numbers_dates_and_mangled_ids_as_text(tmp_path):
    import datetime as dt

    path = write_roster(tmp_path / "n.xlsx", small_rows()[:1])
    book = openpyxl.load_workbook(path)
    ws = book.active
    ws["F4"] = 4.30527197003051e17  # an ID number Excel stored as a number
    ws["G4"] = 3  # household size as a number
    ws["M4"] = 2800.5
    ws["N4"] = dt.datetime(2014, 10, 1)
    book.save(path)
    raw = read_roster(path)
    assert raw[["id_number", "household_size", "income_per_capita", "first_identified"]].iloc[
        0
    ].tolist() == ["4.30527197003051e+17", "3", "2800.5", "2014-10-01"]


def test_parquet_round_trip(tmp_path, make_roster):
    raw = read_roster(make_roster("r.xlsx"))
    raw.to_parquet(tmp_path / "raw.parquet")
    again = read_roster(tmp_path / "raw.parquet")
    pd.testing.assert_frame_equal(raw, again, check_like=True)
    raw.drop(columns="source_row").rename(columns={"id_number": "证件号码"}).to_parquet(
        tmp_path / "plain.parquet"
    )
    plain = read_roster(tmp_path / "plain.parquet")
    assert plain["source_row"].tolist() == [1, 2, 3, 4, 5]
    assert "id_number" in plain.columns


# --- bad files: one clear error each ------------------------------------------------------


def _error(path, **kw) -> str:
    with pytest.raises(RosterFormatError) as info:
        read_roster(path, **kw)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_empty_file(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    assert "e.csv: the file is empty" in _error(tmp_path / "e.csv")


def test_headers_only(tmp_path):
    message = _error(write_roster(tmp_path / "h.xlsx", []))
    assert message.startswith("h.xlsx, sheet 贫困人口: headers but no data rows")
    assert "no data rows" in _error(write_roster(tmp_path / "h.csv", []))


def test_no_roster_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["月份", "金额"])
    book.save(tmp_path / "x.xlsx")
    message = _error(tmp_path / "x.xlsx")
    assert "x.xlsx, sheet Sheet: no roster header row found in the first 30 rows" in message
    assert "--sheet" in message


def test_wrong_extension(tmp_path):
    (tmp_path / "r.docx").write_text("x")
    assert "unsupported file type .docx" in _error(tmp_path / "r.docx")


def test_missing_file(tmp_path):
    assert "file not found" in _error(tmp_path / "nothing.xlsx")


def test_corrupt_xlsx(tmp_path):
    with zipfile.ZipFile(tmp_path / "c.xlsx", "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert "not a readable Excel workbook" in _error(tmp_path / "c.xlsx")
    (tmp_path / "t.xlsx").write_bytes(b"PK\x03\x04 truncated")
    assert "not a readable Excel workbook" in _error(tmp_path / "t.xlsx")


def test_binary_noise(tmp_path):
    import numpy as np

    noise = np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    for name in ("noise.csv", "noise.xlsx", "noise.parquet"):
        (tmp_path / name).write_bytes(noise)
        _error(tmp_path / name)


def test_csv_in_unexpected_encoding(tmp_path):
    path = write_roster(tmp_path / "u16.csv", small_rows(), encoding="utf-16-le")
    message = _error(path)
    assert "--encoding" in message
    assert len(read_roster(path, encoding="utf-16-le")) == 5


def test_csv_mis_decoded_says_which_encoding_was_guessed(tmp_path):
    rows = small_rows()
    path = write_roster(tmp_path / "sjis.csv", rows, encoding="utf-8")
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030").decode(
        "gb18030").encode("utf-16-be")[1::2])  # mangled bytes: not a roster in any encoding
    _error(path)


def test_missing_required_column_names_file_headers_and_closest(tmp_path):
    headers = [h if h != "证件号码" else "证件号码(旧系统)" for h in HEADERS]
    message = _error(write_roster(tmp_path / "m.xlsx", small_rows(), headers=headers))
    assert message.startswith("m.xlsx, sheet 贫困人口: missing required column(s) 证件号码")
    assert "closest found: 证件号码(旧系统)" in message
    assert "--columns" in message


def test_legacy_xls_reads_like_the_same_xlsx(make_roster):
    # tests/data/small_roster.xls holds the grid of write_roster(small_rows()), title rows
    # included, written once with xlwt (BIFF8): the legacy format county offices still send.
    xls = read_roster(Path(__file__).parent / "data" / "small_roster.xls")
    xlsx = read_roster(make_roster("roster.xlsx"))
    assert xls.attrs["source_sheet"] == "贫困人口"
    assert xls["source_file"].tolist() == ["small_roster.xls"] * 5
    pd.testing.assert_frame_equal(
        xls.drop(columns="source_file"), xlsx.drop(columns="source_file"), check_dtype=False
    )
    assert xls["source_row"].tolist() == [4, 5, 6, 7, 8]
