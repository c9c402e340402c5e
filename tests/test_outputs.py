"""Tests of fupin_analysis.outputs: tables and figure names a notebook writes, the banner."""

from __future__ import annotations

import time
import zipfile

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from fupin_analysis import outputs, presentation
from fupin_analysis.errors import ConfigError, PrivacyError
from fupin_analysis.reference import data_dir


def _table():
    return pd.DataFrame(
        {
            "village_code": pd.Series(["430527203203", "430527203208", None], dtype="str"),
            "village_name": ["李家村", "竹桥村", "兰家村"],
            "poor_people": [153, 171, 140],
            "incidence": [0.241, 0.25, float("nan")],
            "when": pd.to_datetime(["2016-12-31"] * 3).tz_localize("Asia/Shanghai"),
        }
    )


def _xlsx_rows(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_save_table_writes_bom_csv_and_xlsx_with_chinese_headers(tmp_path):
    csv, xlsx = outputs.save_table(
        _table(),
        "units",
        output_dir=tmp_path,
        prefix="00_overview",
        headers_zh={"village_name": "行政村", "poor_people": "贫困人口"},
    )
    assert csv == tmp_path / "tables" / "00_overview__units.csv"
    assert xlsx == tmp_path / "tables" / "00_overview__units.xlsx"
    raw = csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype={"village_code": "str"})
    assert back.columns.tolist() == [
        "village_code",
        "village_name",
        "poor_people",
        "incidence",
        "when",
    ]
    assert back["village_code"].tolist()[:2] == ["430527203203", "430527203208"]
    assert back["village_code"].isna().iloc[2]
    rows = _xlsx_rows(xlsx)  # catalogue headers win; headers_zh labels the others
    assert rows[0] == ["村代码", "村名", "贫困人口", "贫困发生率", "when"]
    assert rows[1][:4] == ["430527203203", "李家村", 153, 0.241]
    sheet = openpyxl.load_workbook(xlsx).active
    assert [c.number_format for c in sheet[2]][2:4] == ["#,##0", "0.0%"]
    assert sheet["A2"].data_type == "s" and sheet["D4"].value is None


def test_save_table_bytes_do_not_depend_on_the_clock(tmp_path):
    first = outputs.save_table(_table(), "t", output_dir=tmp_path / "a", prefix="nb")
    time.sleep(1.1)  # zip entries and docProps carry second-resolution times
    second = outputs.save_table(_table(), "t", output_dir=tmp_path / "b", prefix="nb")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    with zipfile.ZipFile(first[1]) as z:
        assert {i.date_time for i in z.infolist()} == {(2016, 12, 31, 0, 0, 0)}
        assert b"2016-12-31T00:00:00Z" in z.read("docProps/core.xml")


def test_save_table_keeps_a_meaningful_index_and_drops_geometry(tmp_path):
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame(
        {"code": ["a", "b"], "n": [1, 2]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326
    ).set_index("code")
    csv, _ = outputs.save_table(gdf, "g", output_dir=tmp_path, prefix="nb")
    assert pd.read_csv(csv, encoding="utf-8-sig").columns.tolist() == ["code", "n"]


@pytest.mark.parametrize("col", ["id_number", "person_phone", "姓名", "证件号码", "户联系电话"])
def test_save_table_refuses_personal_data_columns(col, tmp_path):
    with pytest.raises(PrivacyError, match=col):
        outputs.save_table(pd.DataFrame({col: ["x"]}), "t", output_dir=tmp_path, prefix="nb")
    assert not (tmp_path / "tables").exists()


@pytest.mark.parametrize("output_dir", ["", None])
def test_save_table_without_output_dir_writes_nothing(output_dir):
    assert outputs.save_table(_table(), "t", output_dir=output_dir, prefix="nb") == []


def test_save_table_refuses_path_like_names(tmp_path):
    with pytest.raises(ConfigError, match="name"):
        outputs.save_table(_table(), "../t", output_dir=tmp_path, prefix="nb")


def test_banner_names_exactly_the_synthetic_inputs(tmp_path, capsys):
    real, synthetic = tmp_path / "mine.csv", tmp_path / "registry.csv"
    real.write_text("code,name\n", encoding="utf-8")
    synthetic.write_text("code,name,synthetic\n", encoding="utf-8")
    assert outputs.banner_text(roster=real) is None
    text = outputs.banner_text(roster=real, registry=synthetic, geography="")
    assert "registry: embedded synthetic populations" in text
    assert "roster" not in text and "No real person" not in text  # the people are real
    outputs.show_banner(roster=real, registry=synthetic)
    assert "SYNTHETIC DATA" in capsys.readouterr().out
    outputs.show_banner(roster=real)
    assert capsys.readouterr().out == ""


def test_banner_of_the_embedded_dataset():
    raw = data_dir() / "raw"
    text = outputs.banner_text(
        roster=raw / "zhaishi_roster_2016.xlsx", geography=raw / "zhaishi_geography.gpkg"
    )
    assert "roster: embedded synthetic roster; geography: embedded synthetic layer" in text
    assert "No real person is in it." in text


def test_a_shown_table_hides_small_counts_and_is_displayed_in_its_language():
    table = pd.DataFrame({"village_name": ["李家村", "竹桥村", "全乡"],
                          "households": [40, 2, 42], "exit_share": [0.5, 1.0, 0.52]})
    shown = outputs.shown(table, "zh", {"households": "户数", "exit_share": "脱贫占比"})
    assert shown.columns.tolist() == ["village_name", "households", "exit_share"]
    assert shown["households"].tolist() == ["<3", "<3", 42]
    assert shown["exit_share"].tolist() == ["<3", "<3", 0.52]
    assert shown.attrs["lang"] == "zh" and table.attrs == {}  # the caller's frame untouched
    assert outputs.shown(table, "en", min_count=1).equals(table)
    page = presentation.html_table(shown.round(2), shown.attrs["lang"])
    assert "脱贫人口占比" in page and "52.0%" in page and "exit_share" not in page


def test_not_available_shows_records_and_ends_when_asked(tmp_path, capsys):
    outputs.not_available("maps", "no geography given", output_dir=tmp_path, prefix="nb")
    outputs.not_available("maps", "no geography given", output_dir=tmp_path, prefix="nb")
    assert capsys.readouterr().out.count("> **not available** · maps: no geography given.") == 2
    with pytest.raises(outputs.NotebookEnds, match="relocation: the roster has no"):
        outputs.not_available("relocation", "the roster has no 易地扶贫搬迁安置方式 column",
                              output_dir=tmp_path, prefix="nb", rest=True)  # fmt: skip
    assert "The rest of this report needs it." in capsys.readouterr().out
    assert outputs.read_status(tmp_path, "nb") == [
        {"topic": "maps", "reason": "no geography given", "rest": False},
        {"topic": "relocation", "reason": "the roster has no 易地扶贫搬迁安置方式 column",
         "rest": True},
    ]  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "status").iterdir()) == ["nb.json"]


def test_not_available_without_a_run_folder_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    outputs.not_available("maps", "no geography given", output_dir="", prefix="nb")
    assert "not available" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ConfigError, match="prefix"):
        outputs.status_path(tmp_path, "../nb")


def test_notebook_ends_shows_as_one_line_in_ipython():
    error = outputs.NotebookEnds("maps: no geography given")
    assert error._render_traceback_() == ["NotebookEnds: maps: no geography given"]


INJECTIONS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","click")', "+1+1", "@SUM(A1)",
              "-2+3", "\tTAB", "\rCR"]  # fmt: skip


def test_no_cell_of_a_saved_table_is_a_formula(tmp_path):
    df = pd.DataFrame({"village": INJECTIONS, "poor": range(len(INJECTIONS))})
    df[INJECTIONS[1]] = "header from a user's file"
    df["negative"] = "-3.5"
    csv, xlsx = outputs.save_table(
        df, "t", output_dir=tmp_path, prefix="nb", headers_zh={"negative": "=负数"}
    )
    text = csv.read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        for cell in line.split(","):
            cell = cell.strip('"')
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or cell == "-3.5", cell
    import zipfile

    with zipfile.ZipFile(xlsx) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    rows = _xlsx_rows(xlsx)
    assert rows[0][-1] == "'=负数" and rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][-1] == "-3.5"
