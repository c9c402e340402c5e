"""What a notebook writes and shows: tables, figures, its banner and what is not available.

Notebooks publish every table through :func:`save_table` and every figure through
:func:`fupin_analysis.plots.save_figure`; both name their files
``<output_dir>/<kind>/<prefix>__<name>.<ext>`` (:func:`output_stem`), so a file's name
says which notebook (and village) made it. A table a page displays goes through
:func:`shown` (small counts suppressed as in the published files); under IPython every
DataFrame a notebook displays is rendered by :mod:`fupin_analysis.presentation`
(labels, number formats, no index), registered when this module is imported. :func:`show_banner`
marks a page made from the embedded synthetic dataset and names which inputs are.
:func:`not_available` shows a short section where an input is missing (no relocation
column, no geography, a village without rows) and records it in
``<output_dir>/status/<prefix>.json``, which the runner reads into the page header and
the run's index. The batch runner that executes the notebooks is
:mod:`fupin_analysis.report`.

Examples
--------
>>> import pandas as pd
>>> save_table(pd.DataFrame({"code": ["430527203203"], "poor": [120]}), "units",
...            output_dir="", prefix="00_overview")
[]
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .disclosure import DEFAULT_THRESHOLD, protect, rule_text
from .errors import ConfigError, FupinError, PrivacyError
from .excel import defuse, defuse_frame, repeatable_xlsx
from .presentation import use_in_ipython, write_sheet
from .provenance import declare_synthetic, synthetic_inputs
from .schema import PII_COLUMNS, column

__all__ = [
    "FIGURE_SUFFIXES",
    "STATUS_FOLDER",
    "NotebookEnds",
    "output_stem",
    "figure_path",
    "table_paths",
    "save_table",
    "save_tables",
    "private_dir",
    "save_private_table",
    "localise",
    "shown",
    "protected",
    "show_rule",
    "synthetic_banner",
    "banner_text",
    "show_banner",
    "status_path",
    "read_status",
    "not_available",
    "not_available_parts",
]

#: File formats a figure may be saved in.
FIGURE_SUFFIXES: tuple[str, ...] = ("png", "svg", "pdf")
_NAME_RE = re.compile(r"^[\w.-]+$")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # never write through a planted symlink

#: The folder of a run where each job records what it could not show (:func:`not_available`).
STATUS_FOLDER = "status"
#: Input name → (Chinese, English) description of its embedded synthetic version.
_SYNTHETIC_INPUTS: dict[str, tuple[str, str]] = {
    "roster": ("名册：内置合成名册", "roster: embedded synthetic roster"),
    "geography": ("地理：内置合成图层", "geography: embedded synthetic layer"),
    "registry": ("村人口：内置合成登记表", "registry: embedded synthetic populations"),
}
#: Columns of pseudonymous keys: one row per household or person, never published.
_KEY_COLUMNS = frozenset({"household_key", "person_key"})
# Canonical ``name`` is left out: reference and geography tables use it for place names.
_PII_HEADERS = (frozenset(PII_COLUMNS) - {"name"}) | {column(c).header for c in PII_COLUMNS}


def output_stem(output_dir: str | Path, kind: str, prefix: str, name: str) -> Path:
    """``<output_dir>/<kind>/<prefix>__<name>``: the stem of a report output file.

    Raises
    ------
    ConfigError
        When the prefix or name is not a plain file-name part (letters, digits, ``_.-``).

    Examples
    --------
    >>> output_stem("out", "tables", "02_work_summary", "exits").as_posix()
    'out/tables/02_work_summary__exits'
    """
    for what, value in (("prefix", prefix), ("name", name)):
        if not _NAME_RE.match(value or ""):
            raise ConfigError(
                f"{what} {value!r} of a file in {kind}/: use only letters, digits, '_', '.',"
                " '-' (no paths)"
            )
    return Path(output_dir) / kind / f"{prefix}__{name}"


def figure_path(output_dir: str | Path, prefix: str, name: str, fmt: str) -> Path:
    """Where a figure is saved: ``<output_dir>/figures/<prefix>__<name>.<fmt>``.

    Raises
    ------
    ConfigError
        When the prefix or name is not a plain file-name part (letters, digits, ``_.-``),
        or the format is not one of :data:`FIGURE_SUFFIXES`.

    Examples
    --------
    >>> figure_path("reports/default", "00_overview", "map", "png").as_posix()
    'reports/default/figures/00_overview__map.png'
    """
    stem = output_stem(output_dir, "figures", prefix, name)
    if fmt not in FIGURE_SUFFIXES:
        raise ConfigError(f"figure format {fmt!r}: use one of {sorted(FIGURE_SUFFIXES)}")
    return stem.with_name(f"{stem.name}.{fmt}")


def table_paths(output_dir: str | Path, prefix: str, name: str) -> list[Path]:
    """Where :func:`save_table` writes: ``<output_dir>/tables/<prefix>__<name>.{csv,xlsx}``.

    Raises
    ------
    ConfigError
        When the prefix or name is not a plain file-name part (letters, digits, ``_.-``).

    Examples
    --------
    >>> [p.as_posix() for p in table_paths("out", "02_work_summary", "exits")]
    ['out/tables/02_work_summary__exits.csv', 'out/tables/02_work_summary__exits.xlsx']
    """
    stem = output_stem(output_dir, "tables", prefix, name)
    return [stem.with_name(f"{stem.name}.csv"), stem.with_name(f"{stem.name}.xlsx")]


def _plain(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Attributes only: geometry dropped; a named index kept as columns, a bare one dropped."""
    geometry = [c for c in df.columns if str(df[c].dtype) == "geometry"]
    frame = pd.DataFrame(df.drop(columns=geometry))
    named = any(n is not None for n in frame.index.names)
    frame = frame.reset_index(drop=not named)
    pii = sorted(str(c) for c in frame.columns if str(c) in _PII_HEADERS)
    if pii:
        raise PrivacyError(
            f"table {name}: columns {pii} hold personal data; drop them before saving it"
        )
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    return frame


def _publishable(df: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = _plain(df, name)
    keys = sorted(str(c) for c in frame.columns if str(c) in _KEY_COLUMNS)
    if keys:
        raise PrivacyError(
            f"table {name}: columns {keys} identify households or persons; a published "
            "table has no per-household rows: aggregate it, or write the list for "
            "follow-up with save_private_table"
        )
    return frame


def _xlsx_bytes(frame: pd.DataFrame, sheet: str, headers_zh: Mapping[str, str] | None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    write_sheet(ws, frame, "zh", {k: str(defuse(v)) for k, v in (headers_zh or {}).items()})
    buffer = io.BytesIO()
    book.save(buffer)
    return repeatable_xlsx(buffer.getvalue())


def save_table(
    df: pd.DataFrame,
    name: str,
    *,
    output_dir: str | Path | None,
    prefix: str,
    headers_zh: Mapping[str, str] | None = None,
    min_count: int = DEFAULT_THRESHOLD,
) -> list[Path]:
    """Write a result table as CSV (UTF-8 with BOM) and XLSX with repeatable bytes.

    Small counts are suppressed first (:func:`fupin_analysis.disclosure.protect`): a
    count of 1 to ``min_count - 1`` people or households, and what is computed from it,
    reads ``<min_count``.

    The CSV keeps the canonical column names (it reads back into code unchanged). The
    XLSX is written by :func:`fupin_analysis.presentation.write_sheet`: the Chinese
    headers of the column catalogue, number formats by kind (``#,##0``, ``0.0%``), 是/否,
    no index column.

    No cell of either file is a formula: text that a spreadsheet would evaluate (``=…``,
    ``@…``) gets a leading apostrophe (:func:`fupin_analysis.excel.defuse`), and the
    XLSX holds every text as a string cell.

    Parameters
    ----------
    df : pandas.DataFrame
        The table. A non-default index is written as columns; geometry columns are
        dropped (tables hold attributes, maps hold shapes).
    name : str
        The table's name within its notebook, e.g. ``"exits_by_village"``.
    output_dir : str, Path or None
        The report run folder; empty or ``None`` writes nothing (interactive use).
    prefix : str
        The notebook's ``figure_prefix`` parameter.
    headers_zh : mapping, optional
        Column → Chinese header for the XLSX, for a column the catalogue
        (:func:`fupin_analysis.presentation.catalogue`) does not describe.
    min_count : int
        The disclosure threshold (the notebooks' ``min_count`` parameter); 1 publishes
        every count as it is.

    Returns
    -------
    list of Path
        ``[csv, xlsx]``, or empty when nothing is written.

    Raises
    ------
    PrivacyError
        When a column is a personal-data column: ``id_number``, ``household_phone``,
        ``person_phone`` or an official header (姓名, 证件号码, 户联系电话, 人联系电话).

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"village_name": ["李家村"], "poor_people": [153]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = save_table(df, "units", output_dir=tmp, prefix="00_overview",
    ...                        headers_zh={"village_name": "行政村", "poor_people": "贫困人口"})
    ...     [p.name for p in paths], paths[0].read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    (['00_overview__units.csv', '00_overview__units.xlsx'], True)
    """
    if not output_dir:
        return []
    csv_path, xlsx_path = table_paths(output_dir, prefix, name)
    frame = defuse_frame(protect(_publishable(df, name), min_count))
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(csv_path, index=False, encoding="utf-8-sig", lineterminator="\n")
    xlsx_path.write_bytes(_xlsx_bytes(frame, name[:31], headers_zh))
    return [csv_path, xlsx_path]


def private_dir(output_dir: str | Path) -> Path:
    """The private folder beside a run folder: ``<run>.private`` (never inside the run).

    A run folder is meant to be published whole (zipped, copied to a share); lists for
    follow-up that name households by key go beside it, readable by the user only.

    Examples
    --------
    >>> private_dir("/reports/default").as_posix()
    '/reports/default.private'
    """
    run = Path(output_dir).resolve()
    return run.with_name(f"{run.name}.private")


def save_private_table(
    df: pd.DataFrame, name: str, *, output_dir: str | Path | None, prefix: str
) -> list[Path]:
    """Write a list for follow-up (per household, with keys) to the private folder.

    ``<run>.private/<prefix>__<name>.csv``, folder mode 0700 and file mode 0600. It is
    never published: the run's index names it without its content. Names, identity and
    phone numbers are still refused; the pseudonymous keys are allowed (an office links
    them back to its roster with its own salt).

    Returns
    -------
    list of Path
        ``[csv]``, or empty when ``output_dir`` is empty.

    Examples
    --------
    >>> import os, stat, tempfile
    >>> run = Path(tempfile.mkdtemp()) / "run"
    >>> (path,) = save_private_table(pd.DataFrame({"household_key": ["ab12"], "failed": ["收入"]}),
    ...                              "to_visit", output_dir=run, prefix="village_profile")
    >>> path.parent.name, oct(stat.S_IMODE(os.stat(path).st_mode))
    ('run.private', '0o600')
    """
    if not output_dir:
        return []
    folder = private_dir(output_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = output_stem(folder.parent, folder.name, prefix, name).with_suffix(".csv")
    frame = defuse_frame(_plain(df, name))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")
    return [path]


def save_tables(
    tables: Mapping[str, pd.DataFrame],
    *,
    output_dir: str | Path | None,
    prefix: str,
    headers_zh: Mapping[str, str] | None = None,
    min_count: int = DEFAULT_THRESHOLD,
) -> list[Path]:
    """:func:`save_table` for each ``name → table`` of ``tables``, in order.

    Examples
    --------
    >>> import tempfile
    >>> tables = {"a": pd.DataFrame({"n": [1]}), "b": pd.DataFrame({"n": [2]})}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in save_tables(tables, output_dir=tmp, prefix="nb")]
    ['nb__a.csv', 'nb__a.xlsx', 'nb__b.csv', 'nb__b.xlsx']
    """
    return [
        path
        for name, table in tables.items()
        for path in save_table(
            table, name, output_dir=output_dir, prefix=prefix, headers_zh=headers_zh,
            min_count=min_count,
        )
    ]


def localise(
    frame: pd.DataFrame, lang: str, headers_zh: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The frame with Chinese column headers for ``lang="zh"``, unchanged otherwise.

    Parameters
    ----------
    frame : pandas.DataFrame
    lang : {"zh", "en"}
    headers_zh : mapping, optional
        Column → Chinese header; unmapped columns keep their names.

    Examples
    --------
    >>> df = pd.DataFrame({"poor": [3]})
    >>> localise(df, "zh", {"poor": "贫困人口"}).columns.tolist()
    ['贫困人口']
    >>> localise(df, "en", {"poor": "贫困人口"}).columns.tolist()
    ['poor']
    """
    return frame.rename(columns=dict(headers_zh or {})) if lang == "zh" else frame


def shown(
    frame: pd.DataFrame,
    lang: str,
    headers_zh: Mapping[str, str] | None = None,
    min_count: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """A table as a page displays it: small counts suppressed, shown in ``lang``.

    The same rule as the published files (:func:`fupin_analysis.disclosure.protect` with
    ``min_count``). The columns keep their canonical names (``.round()`` and selections
    still work); the frame carries ``lang`` (and ``headers_zh`` for columns the
    catalogue lacks) in ``attrs``, and a notebook displays it through
    :func:`fupin_analysis.presentation.html_table`: labels of ``lang``, no index,
    numbers formatted by kind.

    Examples
    --------
    >>> df = pd.DataFrame({"village_name": ["李家村", "竹桥村"], "households": [40, 2]})
    >>> table = shown(df, "zh")
    >>> table.to_dict("list"), table.attrs["lang"]
    ({'village_name': ['李家村', '竹桥村'], 'households': [40, '<3']}, 'zh')
    >>> shown(df, "en", min_count=1)["households"].tolist()
    [40, 2]
    """
    table = protect(frame, min_count).copy()
    table.attrs = {**frame.attrs, "lang": lang}
    if headers_zh:
        table.attrs["headers_zh"] = dict(headers_zh)
    return table


def protected(
    tables: Mapping[str, pd.DataFrame], min_count: int = DEFAULT_THRESHOLD
) -> dict[str, pd.DataFrame]:
    """Each table with its small counts suppressed (for a file written another way, such
    as the programme workbook of :func:`fupin_analysis.indicators.write_programme_workbook`).

    Examples
    --------
    >>> protected({"t": pd.DataFrame({"households": [1, 9]})})["t"]["households"].tolist()
    ['<3', 9]
    """
    return {name: protect(table, min_count) for name, table in tables.items()}


def show_rule(min_count: int = DEFAULT_THRESHOLD, lang: str = "zh") -> None:
    """State the disclosure rule on the page (:func:`fupin_analysis.disclosure.rule_text`).

    Examples
    --------
    >>> show_rule(3, "en")  # doctest: +ELLIPSIS
    *Small counts.* Counts of 1 or 2 people or households are shown as <3, ...
    """
    label = "小数值" if lang == "zh" else "Small counts."
    _display_markdown(f"*{label}* {rule_text(min_count, lang)}")


def synthetic_banner(names: list[str]) -> str:
    """The synthetic-data banner (Markdown) naming the inputs ``names`` that are synthetic.

    Examples
    --------
    >>> "geography: embedded synthetic layer" in synthetic_banner(["geography"])
    True
    >>> "No real person" in synthetic_banner(["geography"])
    False
    """
    described = [_SYNTHETIC_INPUTS.get(n, (f"{n}：内置合成数据", f"{n}: embedded synthetic data"))
                 for n in names]  # fmt: skip
    zh = "；".join(d[0] for d in described)
    en = "; ".join(d[1] for d in described)
    people_zh = "，不涉及任何真实人员" if "roster" in names else ""
    people_en = " No real person is in it." if "roster" in names else ""
    return (
        f"> **合成数据 · SYNTHETIC DATA** — 以下输入来自 fupin_analysis 内置的合成数据集"
        f"（寨市乡，2016）：{zh}{people_zh}；据此得出的结果不代表该乡的真实情况。"
        f" Made from the package's embedded synthetic dataset for: {en}.{people_en} What is"
        " shown from these inputs is not a claim about the real township."
    )


def banner_text(**inputs: str | Path | None) -> str | None:
    """The Markdown banner of a page whose inputs are ``inputs`` (name → path).

    The banner names exactly the inputs that are files of the embedded synthetic dataset
    (:func:`fupin_analysis.provenance.synthetic_inputs`); it is ``None`` when none is.

    Examples
    --------
    >>> banner_text(roster="no/such/file.xlsx") is None
    True
    >>> from fupin_analysis.reference import data_dir
    >>> text = banner_text(roster="my.xlsx",
    ...                    geography=data_dir() / "raw" / "zhaishi_geography.gpkg")
    >>> "geography: embedded synthetic layer" in text, "roster" in text
    (True, False)
    """
    names = synthetic_inputs(inputs)
    return synthetic_banner(names) if names else None


def _display_markdown(text: str) -> None:
    """Display Markdown under IPython, else print it."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))


def show_banner(**inputs: str | Path | None) -> None:
    """Display the synthetic-data banner (Markdown) naming the synthetic inputs, if any.

    Under IPython the banner is displayed as Markdown; elsewhere it is printed.
    Nothing is shown when no input is a file of the embedded dataset. The figures the
    notebook saves next carry the synthetic mark when one is
    (:func:`fupin_analysis.provenance.declare_synthetic`).

    Examples
    --------
    >>> show_banner(roster="no/such/file.xlsx", geography="")
    """
    declare_synthetic(synthetic_inputs(inputs))
    text = banner_text(**inputs)
    if text is not None:
        _display_markdown(text)


class NotebookEnds(FupinError):
    """The rest of a notebook is not available (raised by ``not_available(..., rest=True)``).

    The report runner recognises it: the job ends "not available", not "failed", and its
    page ends at the section that says why. In JupyterLab it shows as one line.
    """

    def _render_traceback_(self) -> list[str]:  # IPython: one line, no traceback
        return [f"{type(self).__name__}: {self}"]


def status_path(output_dir: str | Path, prefix: str) -> Path:
    """Where a job records what it could not show: ``<output_dir>/status/<prefix>.json``.

    Examples
    --------
    >>> status_path("reports/default", "04_relocation_sites").as_posix()
    'reports/default/status/04_relocation_sites.json'
    """
    if not _NAME_RE.match(prefix or ""):
        raise ConfigError(
            f"prefix {prefix!r} of a status file: use only letters, digits, '_', '.', '-'"
        )
    return Path(output_dir) / STATUS_FOLDER / f"{prefix}.json"


def read_status(output_dir: str | Path, prefix: str) -> list[dict[str, object]]:
    """The parts a job recorded as not available: ``topic``, ``reason``, ``rest`` each.

    Empty when the job recorded none (or its file is unreadable).

    Examples
    --------
    >>> read_status("no/such/run", "nb")
    []
    """
    try:
        data = json.loads(status_path(output_dir, prefix).read_text(encoding="utf-8"))
        return [dict(part) for part in data["not_available"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def not_available(
    topic: str,
    reason: str,
    *,
    output_dir: str | Path | None,
    prefix: str,
    rest: bool = False,
) -> None:
    """Show that a part of the notebook is not available, and why; record it for the run.

    Displays ``> **not available** · topic: reason.`` and, with ``output_dir``, adds the
    part to ``<output_dir>/status/<prefix>.json`` (:func:`status_path`), which the
    report runner lists in the page header and the run's index ("not available", never
    "failed"). With ``rest=True`` the rest of the notebook needs what is missing: after
    showing the section it raises :class:`NotebookEnds`, which ends the notebook (the
    runner marks the job "not available" and its page ends here).

    Parameters
    ----------
    topic : str
        What cannot be shown, e.g. ``"relocation sites"``.
    reason : str
        Why, naming the missing input, e.g. ``"the roster has no 易地扶贫搬迁安置方式 column"``.
    output_dir : str, Path or None
        The report run folder; empty records nothing (interactive use).
    prefix : str
        The notebook's ``figure_prefix`` (its job id in a run).
    rest : bool
        The rest of the notebook is not available either: end it here.

    Raises
    ------
    NotebookEnds
        With ``rest=True``, after the section is shown and recorded.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     not_available("maps", "no geography given", output_dir=tmp, prefix="nb")
    ...     read_status(tmp, "nb")
    > **not available** · maps: no geography given.
    [{'topic': 'maps', 'reason': 'no geography given', 'rest': False}]
    """
    text = f"> **not available** · {topic}: {reason}."
    if rest:
        text += " The rest of this report needs it."
    _display_markdown(text)
    if output_dir:
        path = status_path(output_dir, prefix)
        part = {"topic": topic, "reason": reason, "rest": rest}
        parts = [p for p in read_status(output_dir, prefix) if p != part] + [part]
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(
            json.dumps({"not_available": parts}, ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
        temporary.replace(path)
    if rest:
        raise NotebookEnds(f"{topic}: {reason}")


def not_available_parts(
    parts: Mapping[str, str], *, output_dir: str | Path | None, prefix: str
) -> None:
    """:func:`not_available` for each ``topic → reason`` of ``parts``, in order.

    Examples
    --------
    >>> not_available_parts({"relocation": "the roster has no 易地扶贫搬迁安置方式 column"},
    ...                     output_dir="", prefix="nb")
    > **not available** · relocation: the roster has no 易地扶贫搬迁安置方式 column.
    """
    for topic, reason in parts.items():
        not_available(topic, reason, output_dir=output_dir, prefix=prefix)


use_in_ipython()  # every table a notebook displays goes through the presentation layer
