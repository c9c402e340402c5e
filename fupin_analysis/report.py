"""Report outputs: tables with repeatable bytes, the synthetic-data banner, the batch runner.

Notebooks call :func:`save_table` for every table they publish and :func:`show_banner`
once, after their parameters cell. ``fupin report`` (:func:`run_report`) executes the
notebooks listed in ``reports.yml`` and writes one folder per run.

Examples
--------
>>> import pandas as pd
>>> save_table(pd.DataFrame({"code": ["430527203203"], "poor": [120]}), "units",
...            output_dir="", prefix="00_overview")
[]
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .errors import ConfigError, PrivacyError
from .schema import PII_COLUMNS, column

__all__ = [
    "SYNTHETIC_BANNER",
    "table_paths",
    "save_table",
    "banner_text",
    "show_banner",
]

SYNTHETIC_BANNER = (
    "> **合成数据 · SYNTHETIC DATA** — 本报告基于 fupin_analysis 内置的合成数据集"
    "（寨市乡，2016），不涉及任何真实人员，也不代表该乡的真实情况。"
    " This report is made from the package's embedded synthetic dataset: no real person is"
    " in it, and it is not a claim about the real township."
)
_UNKNOWN_NOTE = (
    "> Data provenance not checked: `fupin_analysis.synth` is not available, so this report"
    " cannot say whether its inputs are the embedded synthetic dataset."
)
_NAME_RE = re.compile(r"^[\w.-]+$")
_PII_HEADERS = frozenset(PII_COLUMNS) | {column(c).header for c in PII_COLUMNS}
# Any fixed instant: the xlsx's own creation time would change its bytes on every run.
_FIXED_W3CDTF = "2000-01-01T00:00:00Z"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


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
    for what, value in (("prefix", prefix), ("name", name)):
        if not _NAME_RE.match(value or ""):
            raise ConfigError(
                f"table {what} {value!r}: use only letters, digits, '_', '.', '-' (no paths)"
            )
    stem = Path(output_dir) / "tables" / f"{prefix}__{name}"
    return [stem.with_suffix(".csv"), stem.with_suffix(".xlsx")]


def _publishable(df: pd.DataFrame, name: str) -> pd.DataFrame:
    geometry = [c for c in df.columns if str(df[c].dtype) == "geometry"]
    frame = pd.DataFrame(df.drop(columns=geometry))
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()
    pii = sorted(str(c) for c in frame.columns if str(c) in _PII_HEADERS)
    if pii:
        raise PrivacyError(
            f"table {name}: columns {pii} hold personal data; drop them before save_table"
        )
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    return frame


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite an xlsx (zip) with fixed timestamps, attributes and document dates."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + _FIXED_W3CDTF.encode() + rb"\g<2>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, content, compresslevel=6)
    return out.getvalue()


def _xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
        ws = writer.sheets[sheet]
        ws.freeze_panes = "A2"
        for idx, col in enumerate(frame.columns, start=1):
            cells = [str(v) for v in (col, *frame[col].head(200).tolist())]
            width = max(len(c.encode("gbk", errors="replace")) for c in cells)
            ws.column_dimensions[ws.cell(1, idx).column_letter].width = min(width + 2, 60)
    return _deterministic_zip(buffer.getvalue())


def save_table(
    df: pd.DataFrame,
    name: str,
    *,
    output_dir: str | Path | None,
    prefix: str,
    headers_zh: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write a result table as CSV (UTF-8 with BOM) and XLSX with repeatable bytes.

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
        Column → Chinese header, used in the XLSX only (the CSV keeps the canonical
        names so it reads back into code unchanged); unmapped columns keep their names.

    Returns
    -------
    list of Path
        ``[csv, xlsx]``, or empty when nothing is written.

    Raises
    ------
    PrivacyError
        When a column is a personal-data column (name, ID number, phone), by canonical
        name or official header.

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
    frame = _publishable(df, name)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(csv_path, index=False, encoding="utf-8-sig", lineterminator="\n")
    shown = frame.rename(columns=dict(headers_zh or {}))
    xlsx_path.write_bytes(_xlsx_bytes(shown, name[:31]))
    return [csv_path, xlsx_path]


def banner_text(*paths: str | Path) -> str | None:
    """The Markdown banner for a report whose inputs are ``paths``.

    Returns :data:`SYNTHETIC_BANNER` when any existing path is a file of the embedded
    synthetic dataset, a neutral note when that cannot be checked
    (``fupin_analysis.synth`` missing), and ``None`` otherwise.

    Examples
    --------
    >>> banner_text("no/such/file.xlsx") is None
    True
    """
    existing = [Path(p) for p in paths if p and Path(p).exists()]
    if not existing:
        return None
    try:
        from .synth import is_synthetic
    except ImportError:
        return _UNKNOWN_NOTE
    if any(is_synthetic(p) for p in existing):
        return SYNTHETIC_BANNER
    return None


def show_banner(*paths: str | Path) -> None:
    """Display the synthetic-data banner (Markdown) when an input is synthetic.

    Under IPython the banner is displayed as Markdown; elsewhere it is printed.
    Nothing is shown for inputs that are not the embedded dataset.

    Examples
    --------
    >>> show_banner("no/such/file.xlsx")
    """
    text = banner_text(*paths)
    if text is None:
        return
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
