"""Tests of fupin_analysis.presentation (tables for pages and Excel) and report.webfont."""

from __future__ import annotations

import base64
import io
import re
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import html_tables, page_problems
from hypothesis import given
from hypothesis import strategies as st

from fupin_analysis import indicators, outputs, presentation, relocation, spatial
from fupin_analysis.report import webfont


def test_the_catalogue_is_complete_and_consistent():
    catalogue = presentation.catalogue()
    assert len(catalogue) > 150
    for name, col in catalogue.items():
        assert col.name == name and col.kind in presentation.KINDS, name
        assert col.zh and col.en and col.precision >= 0, name
        assert re.search(r"[\u4e00-\u9fff]", col.zh) or col.zh == col.en, name  # Chinese
    with open(presentation.__file__.replace("presentation.py", "data/columns.csv"),
              encoding="utf-8") as handle:  # fmt: skip
        names = [line.split(",")[0] for line in handle.read().splitlines()[1:]]
    assert names == sorted(names) and len(names) == len(set(names))


@pytest.mark.parametrize(
    "headers", [indicators.HEADERS_ZH, spatial.INCIDENCE_HEADERS_ZH, relocation.HEADERS_ZH]
)
def test_every_column_the_package_already_labels_is_in_the_catalogue(headers):
    assert not presentation.unlabelled(headers)


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "figure": ["township_population", "designated_incidence"],
            "label_zh": ["总人口", "省定贫困村贫困发生率"],
            "value": [32000.0, 0.2383],
            "published": [32000.0, pd.NA],
            "unit": ["人", "比例"],
            "designated": [True, False],
            "description": ["x" * 200, "短"],
        },
        index=[14, 18],
    )


def test_a_page_table_has_labels_formats_and_no_index():
    page = presentation.html_table(_table(), "zh")
    (table,) = html_tables_of(page)
    assert table[0] == ["指标", "名册计算值", "总结公布值", "单位", "省定贫困村", "说明"]
    assert table[1][:5] == ["总人口", "32,000", "32,000", "人", "是"]
    assert table[2][:5] == ["省定贫困村贫困发生率", "23.8%", "–", "比例", "否"]
    assert table[1][5] == "x" * 200  # long text is wrapped by CSS, never cut
    english = html_tables_of(presentation.html_table(_table(), "en"))[0]
    assert english[0][:3] == ["Indicator", "Value", "Published"] and english[1][4] == "yes"


def html_tables_of(page: str) -> list[list[list[str]]]:
    """The tables of an HTML fragment, after checking it has no page problem."""
    path = Path(tempfile.mkdtemp()) / "t.html"
    path.write_text(page, encoding="utf-8")
    assert page_problems(path) == []
    return html_tables(path)


def test_the_same_table_gives_the_same_html_and_another_table_another_id():
    first, again = presentation.html_table(_table()), presentation.html_table(_table())
    other = presentation.html_table(_table().head(1))
    ids = re.findall(r'<table id="([^"]+)"', first + other)
    assert first == again and len(set(ids)) == 2


def test_the_pandas_repr_has_the_defects_a_page_table_has_not(tmp_path):
    """The check sees what issue 18 measured: the index, 3.2e+04, <NA>, True."""
    raw = tmp_path / "raw.html"
    with pd.option_context("display.float_format", "{:e}".format):
        raw.write_text(_table().to_html(classes="dataframe"), encoding="utf-8")
    problems = " ".join(page_problems(raw))
    assert "index cells" in problems and "3.200000e+04" in problems and "True" in problems
    with pd.option_context("display.max_colwidth", 20):
        raw.write_text(_table()._repr_html_(), encoding="utf-8")
    assert "x" * 16 + "..." in " ".join(page_problems(raw))  # a description cut


def test_a_named_index_is_kept_as_columns_and_column_levels_joined():
    wide = pd.DataFrame({("poor", 2016): [5], ("poor", 2017): [4]},
                        index=pd.Index([2016], name="year"))  # fmt: skip
    shown = presentation.displayed(wide)
    assert shown.columns.tolist() == ["year", "poor · 2016", "poor · 2017"]


def test_excel_cells_take_the_format_of_their_kind():
    ws = openpyxl.Workbook().active
    presentation.write_sheet(ws, _table(), "zh")
    assert [c.value for c in ws[1]] == ["指标代码", "指标", "名册计算值", "总结公布值", "单位",
                                        "省定贫困村", "说明"]  # fmt: skip
    values = [(c.value, c.number_format) for c in ws[3]]
    assert values[2] == (0.2383, "0.0%")  # a row whose unit is 比例 is a share
    assert values[3] == (None, "General") and values[5] == ("否", "General")
    assert ws["C2"].number_format == "#,##0"  # 32000: whole, no trailing dot
    assert ws.freeze_panes == "A2"
    codes = openpyxl.Workbook().active
    presentation.write_sheet(codes, pd.DataFrame({"code": [430527203203], "stratum_1": [2.0]}))
    assert [c.value for c in codes[2]] == ["430527203203", "2"]  # codes are text, not numbers


def test_save_table_and_a_page_use_the_same_labels(tmp_path):
    table = _table().drop(columns="description")
    _, xlsx = outputs.save_table(table, "t", output_dir=tmp_path, prefix="nb")
    sheet = openpyxl.load_workbook(xlsx).active
    page = html_tables_of(presentation.html_table(outputs.shown(table, "zh"), "zh"))[0]
    assert [c.value for c in sheet[1]][1:] == page[0]  # the page leaves out the key column


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_no_number_is_written_in_scientific_notation(value):
    for name in ("value", "incidence", "households", "p_sim", "total_cost_yuan", "year"):
        text = presentation.cell_text(value, presentation.describe(name))
        assert not re.search(r"\de[+-]?\d", text), (name, value, text)


@given(st.integers(min_value=0, max_value=10**9))
def test_a_count_reads_back_as_itself(count):
    text = presentation.cell_text(count, presentation.describe("households"))
    assert int(text.replace(",", "")) == count


def test_a_column_outside_the_catalogue_is_shown_and_named_on_stderr(capsys):
    page = presentation.html_table(pd.DataFrame({"brand_new": [0.5], "households": [3]}))
    assert "brand_new" in page and "0.500" in page
    assert "not in the catalogue" in capsys.readouterr().err
    assert presentation.unlabelled(["brand_new", "households"]) == ["brand_new"]


@pytest.fixture(scope="module")
def cjk_font():
    path = webfont.cjk_font_file()
    if path is None:
        pytest.skip("no CJK font on this machine (apt-get install fonts-wqy-microhei)")
    return path


def test_a_page_embeds_a_font_with_exactly_its_characters(cjk_font):
    from fontTools.ttLib import TTFont

    css = webfont.font_css("<p>贫困发生率 35.8%，李家村</p>")
    assert css == webfont.font_css("<p>贫困发生率 35.8%，李家村</p>")  # repeatable bytes
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    covered = {chr(c) for c in font.getBestCmap()}
    assert set("贫困发生率李家村，") <= covered and "县" not in covered
    assert len(data) < 60_000
    assert css.index("Noto Sans CJK SC") < css.index(webfont.EMBEDDED_FAMILY + '", sans')
