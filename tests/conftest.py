"""Shared fixtures.

``clean_embedded``
    ``clean_roster`` of the embedded messy roster ``data/raw/zhaishi_roster_2016.xlsx``
    (default salt and reference date), computed once per session. Skips when the file is
    not there (run ``fupin synth`` to make it).
``embedded_roster_path``
    Path of that workbook.
``make_roster``
    Factory writing a small hand-made roster (xlsx or csv) into ``tmp_path``.

Hypothesis runs derandomised (the same examples on every machine, so CI cannot fail at
random); ``HYPOTHESIS_PROFILE=explore`` draws fresh random examples for a bug hunt, and
prints the seed of any failure so it can be replayed.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from fupin_analysis import idcard

# The suite's pseudonymous keys use a salt of its own, never the user's secret.
os.environ.setdefault("FUPIN_SALT_FILE", str(Path(tempfile.mkdtemp()) / "salt"))

# No deadline: a test never asserts a timing (the machines are shared; speed is benchmarked).
settings.register_profile(
    "default", derandomize=True, database=None, print_blob=True, deadline=None
)
settings.register_profile("explore", derandomize=False, print_blob=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_ROSTER = ROOT / "data" / "raw" / "zhaishi_roster_2016.xlsx"

#: National-system headers of a small roster, in export order.
HEADERS = ["县(市、区、旗)", "乡(镇)", "行政村", "户编号", "姓名", "证件号码", "人数", "与户主关系",
           "文化程度", "健康状况", "务工时间（月）", "致贫原因1", "人均纯收入", "首次识别时间",
           "脱贫属性", "脱贫年度", "贫困户属性", "户联系电话"]


def make_id(birth: str = "19800101", seq: str = "123", area: str = "430527") -> str:
    """A valid GB 11643 number for a birth date YYYYMMDD and 3-digit sequence."""
    first17 = area + birth + seq
    return first17 + idcard.check_char(first17)


def small_rows() -> list[list[str]]:
    """Two households, five people, values as a clean export writes them."""
    common = ["绥宁县", "寨市乡"]
    return [
        common + ["李家村", "4305272032030001", "张大山", make_id("19700305", "131"), "3", "户主",
                  "小学", "健康", "6", "因病", "2,800元", "2014年10月", "未脱贫", "",
                  "一般贫困户", "13307391234"],
        common + ["李家村", "4305272032030001", "李小花", make_id("19720810", "242"), "3", "配偶",
                  "初中", "长期慢性病", "0", "因病", "2,800元", "2014年10月", "未脱贫", "",
                  "一般贫困户", "13307391234"],
        common + ["李家村", "4305272032030001", "张小明", make_id("20050101", "353"), "3", "之子",
                  "小学", "健康", "0", "因病", "2,800元", "2014年10月", "未脱贫", "",
                  "一般贫困户", "13307391234"],
        common + ["表田村", "4305272032220002", "杨老五", make_id("19400220", "415"), "2", "户主",
                  "文盲或半文盲", "患有大病", "0", "缺劳力", "0.32万", "2014.10", "已脱贫", "2016",
                  "五保户", "13507390000"],
        common + ["表田村", "4305272032220002", "杨阿婆", make_id("19420615", "526"), "2", "配偶",
                  "文盲或半文盲", "残疾", "0", "缺劳力", "0.32万", "2014.10", "已脱贫", "2016",
                  "五保户", "13507390000"],
    ]


def write_roster(path: Path, rows: list[list[str]], *, headers: list[str] | None = None,
                 titles: int = 2, encoding: str = "gb18030") -> Path:
    """Write a roster as the national system exports it: title rows, then headers."""
    headers = HEADERS if headers is None else headers
    title_rows = [["寨市乡建档立卡贫困人口名单"], ["导出时间：2016-12-05"]][:titles]
    grid = title_rows + [headers] + rows
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "贫困人口"
        for r in grid:
            sheet.append(r)
        book.save(path)
    elif path.suffix == ".csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(grid)
        path.write_bytes(buffer.getvalue().encode(encoding))
    else:
        raise ValueError(path.suffix)
    return path


@pytest.fixture
def make_roster(tmp_path):
    """Factory: ``make_roster(name, rows=None, **kw)`` → path of a small roster file."""

    def make(name: str = "roster.xlsx", rows: list[list[str]] | None = None, **kw) -> Path:
        return write_roster(tmp_path / name, small_rows() if rows is None else rows, **kw)

    return make


@pytest.fixture(scope="session")
def embedded_roster_path() -> Path:
    if not EMBEDDED_ROSTER.exists():
        pytest.skip("embedded roster missing: run `fupin synth --out data/raw`")
    return EMBEDDED_ROSTER


@pytest.fixture(scope="session")
def clean_embedded(embedded_roster_path):
    """``clean_roster`` of the embedded messy roster (shared, do not mutate)."""
    from fupin_analysis import clean_roster

    return clean_roster(embedded_roster_path)


@pytest.fixture(scope="session")
def embedded_truth() -> pd.DataFrame:
    path = ROOT / "data" / "raw" / "zhaishi_truth.parquet"
    if not path.exists():
        pytest.skip("ground truth missing: run `fupin synth --out data/raw`")
    return pd.read_parquet(path)


class _Tables(HTMLParser):
    """The tables of an HTML page: a list of tables, each a list of rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(page: Path) -> list[list[list[str]]]:
    """Every table of an HTML page as rows of cell texts (header rows included)."""
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return [table for table in parser.tables if table]


def _headers(name: str) -> tuple[str, str]:
    from fupin_analysis import presentation

    return presentation.label(name, "zh"), presentation.label(name, "en")


def small_counts_shown(page: Path, threshold: int) -> list[str]:
    """Cells of a page's tables that show a count of 1..threshold-1 people or households.

    A column counts people or households when its header is in
    ``disclosure.COUNT_COLUMNS`` or is a header (Chinese or English) the column
    catalogue gives such a column; in a long table (``item``/``measure``/``figure`` and
    ``value``, by name or header) a row whose measure is in ``disclosure.COUNT_MEASURES``.
    """
    from fupin_analysis import disclosure, presentation

    counts = set(disclosure.COUNT_COLUMNS)
    for name in disclosure.COUNT_COLUMNS:
        counts |= {presentation.label(name, "zh"), presentation.label(name, "en")}
    measures = {h for m in ("item", "measure", "figure") for h in (m, *_headers(m))}
    values = {"value", *_headers("value")}

    def small(text: str) -> bool:
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            return False
        return 0 < value < threshold and value == int(value)

    found = []
    for table in html_tables(page):
        header = table[0]
        measure = next((j for j, h in enumerate(header) if h in measures), None)
        value = next((j for j, h in enumerate(header) if h in values), None)
        for row in table[1:]:
            for j, cell in enumerate(row):
                if j < len(header) and header[j] in counts and small(cell):
                    found.append(f"{page.name}: {header[j]} = {cell} in row {row}")
            if measure is not None and value is not None and len(row) == len(header):
                if row[measure] in disclosure.COUNT_MEASURES and small(row[value]):
                    found.append(f"{page.name}: {row[measure]} = {row[value]}")
    return found


#: Salt of the keys of the embedded panel in the tests (the truth is hashed with it).
PANEL_SALT = "test-panel"


@pytest.fixture(scope="session")
def embedded_panel_years():
    """The six yearly rosters of the embedded panel, cleaned once (``PANEL_SALT``)."""
    from fupin_analysis import panel, synth

    raw = ROOT / "data" / "raw"
    rosters = {year: raw / synth.panel_file(year) for year in synth.PANEL_YEARS}
    if not all(path.exists() for path in rosters.values()):
        pytest.skip("embedded panel missing: run `fupin synth --out data/raw`")
    return panel.clean_years(rosters, salt=PANEL_SALT)


@pytest.fixture(scope="session")
def embedded_panel(embedded_panel_years):
    """The embedded panel linked (shared, do not mutate)."""
    from fupin_analysis import panel

    return panel.link_rosters(embedded_panel_years)


@pytest.fixture(scope="session")
def panel_truth() -> pd.DataFrame:
    """The panel's ground truth, with the person keys of ``PANEL_SALT``."""
    from fupin_analysis import synth
    from fupin_analysis.clean import keyed_hash

    path = ROOT / "data" / "raw" / synth.PANEL_FOLDER / synth.PANEL_TRUTH_FILE
    if not path.exists():
        pytest.skip("panel truth missing: run `fupin synth --out data/raw`")
    truth = pd.read_parquet(path)
    truth["person_key"] = keyed_hash(truth["true_id_number"], PANEL_SALT, "person")
    truth["household_key"] = keyed_hash(truth["true_household_id"], PANEL_SALT, "household")
    return truth


class _PageCheck(HTMLParser):
    """What a reader must never see in a page: stderr blocks, index columns, raw values."""

    def __init__(self) -> None:
        super().__init__()
        self.stderr_blocks = 0
        self.index_columns = 0
        self.raw_cells: list[str] = []
        self._section: str | None = None
        self._first_in_row = False
        self._fupin = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        values = dict(attrs)
        if values.get("data-mime-type") == "application/vnd.jupyter.stderr":
            self.stderr_blocks += 1
        if tag == "table":
            classes = (values.get("class") or "").split()
            self._fupin = "fupin-table" in classes or "dataframe" in classes
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            self._first_in_row = True
        elif tag in ("td", "th"):
            if self._first_in_row and tag == "th" and self._section == "tbody":
                self.index_columns += 1  # pandas writes the index as a row header
            self._first_in_row = False
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "th" and self._section == "thead" and text in ("", "index", "level_0"):
                self.index_columns += 1
            if self._fupin and tag == "td" and (
                text in ("True", "False", "<NA>", "nan", "NaN", "None")
                or re.fullmatch(r"-?\d+(\.\d+)?e[+-]\d+", text)
                or text.endswith(("...", "…"))  # pandas cut the text
            ):
                self.raw_cells.append(text)
            self._cell = None
        elif tag in ("thead", "tbody"):
            self._section = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_problems(page: Path) -> list[str]:
    """What is wrong with a report page for a reader, one line each (empty when nothing).

    Stderr blocks, paths of the machine (``/tmp/``, ``site-packages``) outside embedded
    data, tables with an index column, table cells with raw values (``True``, ``<NA>``,
    ``3.2e+04``, text cut with ``...``), more than one synthetic-data banner.
    """
    text = page.read_text(encoding="utf-8")
    visible = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", text)
    check = _PageCheck()
    check.feed(text)
    problems = []
    if check.stderr_blocks:
        problems.append(f"{page.name}: {check.stderr_blocks} stderr blocks")
    for path in ("/tmp/", "site-packages"):
        if path in visible:
            at = visible.index(path)
            problems.append(f"{page.name}: {path} in {visible[at - 60:at + 40]!r}")
    if check.index_columns:
        problems.append(f"{page.name}: {check.index_columns} index cells in tables")
    if check.raw_cells:
        problems.append(f"{page.name}: raw values in tables: {sorted(set(check.raw_cells))}")
    banners = visible.count("SYNTHETIC DATA")
    if banners > 1:
        problems.append(f"{page.name}: the synthetic-data banner {banners} times")
    return problems
