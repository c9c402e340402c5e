"""How a table looks to a reader: column labels, kinds and number formats, for pages and Excel.

Every column a report shows is described once, in the catalogue
``fupin_analysis/data/columns.csv`` (:func:`catalogue`): its Chinese and English header
(with the unit), its *kind* and its precision. The kind says how a value is written:

========  =====================================  ===============  ==============
kind      what it is                             page             Excel format
========  =====================================  ===============  ==============
count     people, households, rows               ``1,234``        ``#,##0``
share     a fraction of 1                        ``35.8%``        ``0.0%``
number    a measurement or statistic             ``0.742``        ``#,##0.000``
money     yuan                                   ``1,500``        ``#,##0``
year      a calendar year                        ``2016``         ``0``
flag      yes or no                              ``是`` / ``yes``  text
code      an administrative or site code         as it is         text
name      a place name                           as it is         text
text      words, wrapped, never cut              as it is         text
key       a key for code (``township_population``)  not shown     text
========  =====================================  ===============  ==============

``precision`` is the number of decimals of a share (as a percentage) or a number; a
number that is whole is written without decimals. Text a cell already holds (``<3``,
a suppressed small count) is written as it is; a missing value is ``–``.

Pages render tables through :func:`html_table` (the pandas Styler: no index, labels of
the page's language, numbers right-aligned, long text wrapped); spreadsheets through
:func:`write_sheet`, which :func:`fupin_analysis.outputs.save_table` and the programme
workbook both use. Under IPython, :func:`use_in_ipython` makes every DataFrame a notebook
displays go through :func:`html_table`, so notebooks need no code of their own. A
column missing from the catalogue is still shown (its kind guessed from its dtype) and
named on stderr, which the report runner writes to the job's log; the test report
fails on it, so that every new column gets its labels.

Examples
--------
>>> frame = pd.DataFrame({"village_name": ["李家村"], "poor": [1234], "incidence": [0.3577]})
>>> [label(c, "zh") for c in frame.columns]
['村名', '贫困人口（人）', '贫困发生率']
>>> [cell_text(v, describe(c), "zh") for c, v in frame.iloc[0].items()]
['李家村', '1,234', '35.8%']
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from numbers import Number
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "KINDS",
    "Column",
    "catalogue",
    "describe",
    "unlabelled",
    "label",
    "cell_text",
    "excel_format",
    "displayed",
    "html_table",
    "write_sheet",
    "use_in_ipython",
]

#: The kinds of column, as the module docstring describes them.
KINDS: tuple[str, ...] = ("count", "share", "number", "money", "year", "flag", "code", "name",
                          "text", "key")  # fmt: skip
_NUMERIC = frozenset({"count", "share", "number", "money", "year"})
_MISSING = "–"
_YEAR = re.compile(r"(19|20)\d\d")
_FLAGS = {"zh": ("是", "否"), "en": ("yes", "no")}
#: ``unit`` values of a long table (the work summary) whose row holds a share.
_SHARE_UNITS = frozenset({"比例", "share"})
_TABLE_CSS = (
    "border-collapse:collapse;margin:.5em 0 1em;font-size:.92em;"
)
_CELL_CSS = (
    "padding:.25em .6em;border-bottom:1px solid #ddd;vertical-align:top;"
    "white-space:normal;overflow-wrap:anywhere;max-width:30em;"
)


@dataclass(frozen=True)
class Column:
    """How one column is shown: its name, headers, kind and precision.

    Examples
    --------
    >>> Column("poor", "贫困人口（人）", "Poor (people)", "count", 0).header("en")
    'Poor (people)'
    """

    name: str
    zh: str
    en: str
    kind: str
    precision: int = 0

    def header(self, lang: str) -> str:
        """The header in ``lang`` (``"zh"``, else English)."""
        return self.zh if lang == "zh" else self.en


#: How a number is written in a column of words (``statistic`` names a test in one table
#: and holds its value in another).
_AS_NUMBER = Column("", "", "", "number", 3)


@cache
def catalogue() -> dict[str, Column]:
    """Column name → :class:`Column`, read from ``data/columns.csv`` of the package.

    Examples
    --------
    >>> catalogue()["exit_share"].kind
    'share'
    >>> sorted({c.kind for c in catalogue().values()}) == sorted(KINDS)
    True
    """
    text = resources.files("fupin_analysis").joinpath("data", "columns.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return {
        row["column"]: Column(row["column"], row["zh"], row["en"], row["kind"],
                              int(row["precision"] or 0))  # fmt: skip
        for row in rows
    }


@cache
def _by_header() -> dict[str, Column]:
    """Header (either language) → column, for frames whose headers were translated."""
    found: dict[str, Column] = {}
    for col in catalogue().values():
        found.setdefault(col.zh, col)
        found.setdefault(col.en, col)
    return found


def _guess(name: str, values: pd.Series | None, zh: str) -> Column:
    kind = "text"
    if values is not None:
        if pd.api.types.is_bool_dtype(values.dtype):
            kind = "flag"
        elif pd.api.types.is_integer_dtype(values.dtype):
            kind = "count"
        elif pd.api.types.is_float_dtype(values.dtype):
            kind = "number"
    return Column(name, zh, name, kind, 3 if kind == "number" else 0)


def describe(
    name: object, values: pd.Series | None = None, headers_zh: Mapping[str, str] | None = None
) -> Column:
    """The :class:`Column` of ``name``: from the catalogue (by name or header), else guessed.

    A guessed column keeps its name as headers (the Chinese one from ``headers_zh`` when
    it has it; a year is its own header); its kind comes from the dtype of ``values``
    (bool → flag, integer → count, float → number with 3 decimals, else text).

    Examples
    --------
    >>> describe("rated_share").zh, describe("评级率").name
    ('评级率', 'rated_share')
    >>> describe("no_such_column", pd.Series([0.5])).kind
    'number'
    """
    key = str(name)
    found = catalogue().get(key) or _by_header().get(key)
    if found is not None:
        return found
    if _YEAR.fullmatch(key):  # a table by year: the year is its own header
        return _guess(key, values, key)
    return _guess(key, values, str((headers_zh or {}).get(key, key)))


def unlabelled(columns: Any) -> list[str]:
    """The columns of ``columns`` that the catalogue does not describe (by name or header).

    A column named by a year (the columns of a table by year) needs no entry.

    Examples
    --------
    >>> unlabelled(["village_name", "村名", "2016", "brand_new_column"])
    ['brand_new_column']
    """
    known = catalogue().keys() | _by_header().keys()
    return [str(c) for c in columns if str(c) not in known and not _YEAR.fullmatch(str(c))]


def label(name: object, lang: str = "zh") -> str:
    """The header of column ``name`` in ``lang``; its name when the catalogue has none.

    Examples
    --------
    >>> label("exit_share", "en"), label("exit_share", "zh")
    ('Exit share', '脱贫人口占比')
    """
    return describe(name).header(lang)


def _is_number(value: object) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def cell_text(value: object, column: Column, lang: str = "zh", *, share: bool = False) -> str:
    """``value`` of ``column`` as a page writes it.

    ``share=True`` writes a number as a percentage whatever the column's kind (a row of
    a long table whose unit is a share).

    Examples
    --------
    >>> col = describe("incidence")
    >>> cell_text(0.3576923, col), cell_text("<3", col), cell_text(None, col)
    ('35.8%', '<3', '–')
    >>> cell_text(32000.0, describe("value")), cell_text(0.742417, describe("z"))
    ('32,000', '0.742')
    >>> flag = describe("designated")
    >>> cell_text(True, flag, "zh"), cell_text(False, flag, "en")
    ('是', 'no')
    >>> cell_text(2016, describe("year")), cell_text(0.24, describe("value"), share=True)
    ('2016', '24.0%')
    >>> cell_text(0.0001, describe("p_sim")), cell_text(30.0, describe("value"))
    ('0.0001', '30')
    >>> cell_text(5.4e-12, describe("value")), cell_text(-2e-9, describe("value"))
    ('<0.001', '>-0.001')
    >>> cell_text(430527203203.0, describe("village_code")), cell_text(121, describe("urban_rural"))
    ('430527203203', '121')
    >>> cell_text(7.25311, describe("statistic")), cell_text("Moran's I", describe("statistic"))
    ('7.253', "Moran's I")
    """
    if value is None or (not isinstance(value, str) and _missing(value)):
        return _MISSING
    kind = "share" if share and _is_number(value) else column.kind
    if kind == "flag" and not isinstance(value, str):
        yes, no = _FLAGS.get(lang, _FLAGS["en"])
        return yes if bool(value) else no
    if kind == "code" and _is_number(value):
        return _code_text(value)
    if not _is_number(value):
        return str(value)
    if kind not in _NUMERIC:  # a number in a column that mostly holds words
        column, kind = _AS_NUMBER, "number"
    number = float(value)
    if kind == "share":
        return f"{number * 100:,.{1 if share else column.precision}f}%"
    if kind == "year":
        return f"{number:.0f}"
    if kind in ("count", "money") or number == round(number):
        return f"{number:,.0f}"
    smallest = f"{10.0 ** -column.precision:.{column.precision}f}"
    if 0 < number < 10 ** -column.precision:
        return f"<{smallest}"  # a p-value of 5e-12 is not 0.000
    if 0 > number > -(10 ** -column.precision):
        return f">-{smallest}"
    return f"{number:,.{column.precision}f}"


def _code_text(value: Number) -> str:
    """A code read as a number (``430527203203.0``) written as the code it is."""
    number = float(value)
    return str(int(number)) if number == round(number) else str(value)


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def excel_format(column: Column, value: object = None, *, share: bool = False) -> str | None:
    """The Excel number format of a cell of ``column`` holding ``value`` (``None``: General).

    A number column's whole values get ``#,##0`` (never a trailing ``.``).

    Examples
    --------
    >>> excel_format(describe("incidence")), excel_format(describe("households"))
    ('0.0%', '#,##0')
    >>> excel_format(describe("z"), 0.74), excel_format(describe("z"), 30.0)
    ('#,##0.000', '#,##0')
    >>> excel_format(describe("village_code")) is None
    True
    """
    kind = "share" if share else column.kind
    if kind == "share":
        decimals = 1 if share else column.precision
        return "0%" if decimals == 0 else "0." + "0" * decimals + "%"
    if kind in ("count", "money"):
        return "#,##0"
    if kind == "year":
        return "0"
    if kind == "number":
        whole = _is_number(value) and float(value) == round(float(value))
        return "#,##0" if whole or column.precision == 0 else "#,##0." + "0" * column.precision
    return None


def displayed(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a reader sees: geometry dropped, index handled, column levels joined.

    A named index becomes columns; an unnamed index is dropped when it is only row
    positions (integers) and kept as a first column otherwise (the row labels of a
    cross-tabulation). Column levels are joined with `` · ``.

    Examples
    --------
    >>> df = pd.DataFrame({"poor": [5, 7]}, index=[14, 18])
    >>> displayed(df).columns.tolist()
    ['poor']
    >>> displayed(df.rename_axis("year")).columns.tolist()
    ['year', 'poor']
    """
    geometry = [c for c in frame.columns if str(frame[c].dtype) == "geometry"]
    out = pd.DataFrame(frame.drop(columns=geometry))
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" · ".join(str(p) for p in parts if str(p)) for parts in out.columns]
    named = any(n is not None for n in out.index.names)
    positions = pd.api.types.is_integer_dtype(out.index.dtype) and out.index.nlevels == 1
    if named:
        out = out.reset_index()
    elif positions:
        out = out.reset_index(drop=True)
    else:
        out = out.reset_index(names=[""] * out.index.nlevels if out.index.nlevels > 1 else "")
    out.attrs = dict(frame.attrs)
    return out


def _report_unlabelled(columns: list[str]) -> None:
    if columns:
        print(
            f"fupin_analysis.presentation: columns not in the catalogue (data/columns.csv): "
            f"{columns}",
            file=sys.stderr,
        )


def _share_rows(frame: pd.DataFrame) -> pd.Series:
    if "unit" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["unit"].astype("string").isin(_SHARE_UNITS).fillna(False).astype(bool)


def html_table(
    frame: pd.DataFrame, lang: str = "zh", headers_zh: Mapping[str, str] | None = None
) -> str:
    """A table as a page shows it: HTML through the pandas Styler.

    No index column; headers of ``lang`` from the catalogue; numbers written by
    :func:`cell_text` and right-aligned; text wrapped, never cut; every row shown;
    columns of kind ``key`` (identifiers for code) left out. The
    HTML is the same for the same table (no random ids). ``headers_zh`` labels the
    columns the catalogue lacks (:func:`describe`).

    Examples
    --------
    >>> df = pd.DataFrame({"village_name": ["李家村"], "households": [6022],
    ...                    "exit_share": [0.2412], "designated": [True]}, index=[14])
    >>> page = html_table(df, "zh")
    >>> "6,022" in page, "24.1%" in page, "是" in page, "True" in page, ">14<" in page
    (True, True, True, False, False)
    >>> "脱贫人口占比" in page
    True
    """
    table = displayed(frame)
    _report_unlabelled(unlabelled(c for c in table.columns if str(c)))
    columns = {c: describe(c, table[c], headers_zh) for c in table.columns}
    if any(col.kind != "key" for col in columns.values()):
        columns = {c: col for c, col in columns.items() if col.kind != "key"}
    shares = _share_rows(table)
    text = pd.DataFrame(
        {
            c: [cell_text(v, col, lang, share=bool(s) and col.kind == "number")
                for v, s in zip(table[c].tolist(), shares.tolist(), strict=True)]
            for c, col in columns.items()
        },  # fmt: skip
        index=pd.RangeIndex(len(table)),
    )
    text.columns = pd.Index(range(len(columns)))
    digest = hashlib.sha1(text.to_csv().encode("utf-8") + lang.encode()).hexdigest()[:10]
    styles = [
        {"selector": "", "props": _TABLE_CSS},
        {"selector": "td, th", "props": _CELL_CSS},
        {"selector": "th", "props": "text-align:left;border-bottom:2px solid #888;"},
        {"selector": "td", "props": "text-align:left;"},
    ]
    right = "text-align:right;font-variant-numeric:tabular-nums;"
    numeric = {
        j: [{"selector": "td", "props": right}, {"selector": "th", "props": right}]
        for j, col in enumerate(columns.values())
        if col.kind in _NUMERIC
    }
    styler = (
        text.style.hide(axis="index")
        .relabel_index([col.header(lang) for col in columns.values()], axis="columns")
        .set_table_styles(styles)
        .set_table_styles(numeric, overwrite=False)
        .set_uuid(digest)
        .set_table_attributes('class="fupin-table"')
    )
    return styler.to_html(doctype_html=False)


def write_sheet(
    ws: Worksheet,
    frame: pd.DataFrame,
    lang: str = "zh",
    headers_zh: Mapping[str, str] | None = None,
) -> None:
    """Write ``frame`` to the empty worksheet ``ws`` as officials read it.

    Headers of ``lang`` (bold, frozen), number formats by kind (:func:`excel_format`),
    是/否 for flags, codes and text as text cells, widths fitted to the text. The index
    is handled as on pages (:func:`displayed`); ``headers_zh`` labels the columns the
    catalogue lacks.

    Examples
    --------
    >>> import openpyxl
    >>> ws = openpyxl.Workbook().active
    >>> write_sheet(ws, pd.DataFrame({"village_code": ["430527203203"], "poor": [1234],
    ...                                "incidence": [0.3577], "designated": [True]}))
    >>> [c.value for c in ws[1]]
    ['村代码', '贫困人口（人）', '贫困发生率', '省定贫困村']
    >>> [(c.value, c.number_format) for c in ws[2]]  # doctest: +NORMALIZE_WHITESPACE
    [('430527203203', 'General'), (1234, '#,##0'), (0.3577, '0.0%'), ('是', 'General')]
    """
    from openpyxl.styles import Alignment, Font, PatternFill

    table = displayed(frame)
    columns = [describe(c, table[c], headers_zh) for c in table.columns]
    shares = _share_rows(table).tolist()
    headers = [col.header(lang) for col in columns]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=j, value=header)
        cell.data_type = "s"
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    flags = _FLAGS.get(lang, _FLAGS["en"])
    for i, row in enumerate(table.itertuples(index=False), start=2):
        for j, (value, col) in enumerate(zip(row, columns, strict=True), start=1):
            share = shares[i - 2] and col.kind == "number"
            cell = ws.cell(row=i, column=j)
            if value is None or (not isinstance(value, str) and _missing(value)):
                continue
            if col.kind == "flag" and not isinstance(value, str):
                cell.value = flags[0] if bool(value) else flags[1]
            elif col.kind == "code" and _is_number(value):
                cell.value = _code_text(value)
            elif isinstance(value, datetime.date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif _is_number(value):
                cell.value = value.item() if hasattr(value, "item") else value
                numeric = col if col.kind in _NUMERIC else _AS_NUMBER
                cell.number_format = excel_format(numeric, value, share=share)
            else:
                cell.value = value if _is_number(value) else str(value)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
    for j, (header, name) in enumerate(zip(headers, table.columns, strict=True), start=1):
        texts = [header, *(cell_text(v, columns[j - 1], lang) for v in table[name].head(200))]
        width = max(len(t.encode("gbk", errors="replace")) for t in texts) + 2
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(width, 60)
    ws.freeze_panes = "A2"


def _notebook_html(frame: pd.DataFrame) -> str:
    from IPython import get_ipython

    shell = get_ipython()
    names = shell.user_ns if shell is not None else {}
    lang = names.get("lang") or frame.attrs.get("lang") or "zh"  # a page has one language
    return html_table(frame, str(lang), frame.attrs.get("headers_zh"))


def use_in_ipython() -> bool:
    """Show every DataFrame a notebook displays through :func:`html_table`.

    The language is the notebook's ``lang`` parameter (a page has one language, whatever
    a cell asked :func:`fupin_analysis.outputs.shown` for), else the frame's
    ``attrs["lang"]`` (set by ``shown``), else Chinese. Returns whether an IPython shell
    was there to register with.

    Examples
    --------
    >>> use_in_ipython()  # outside IPython
    False
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _notebook_html)
    return True
