"""``fupin inspect``: how a roster's files, sheets and headers are understood, and what
is missing, without cleaning or writing anything.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> text = "村,户编号,姓名,身份证号码,家庭人口数,备注\\n李家村,001,张三,430527199001011237,1,\\n"
>>> _ = (folder / "r.csv").write_text(text, encoding="utf-8")
>>> found = inspect_roster(folder / "r.csv")
>>> found.ready, found.headers()[["header", "column", "how"]].values.tolist()[3:]
(True, [['身份证号码', 'id_number', 'variant'], ['家庭人口数', 'household_size', 'variant'], ['备注', nan, 'unknown']])
>>> print(found.report().splitlines()[0])
r.csv: read, header row 1, 1 data rows, utf-8
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..schema import PII_COLUMNS, REQUIRED_COLUMNS, ROSTER_COLUMNS, column, normalize_text
from .headers import HeaderUse
from .mapping import HOW, ColumnMap, load_columns
from .parts import Part, read_parts
from .sources import collect

__all__ = ["Inspection", "inspect_roster"]


#: Optional columns no analysis uses: not listed as missing.
_NOT_ANALYSED = frozenset({"serial", *PII_COLUMNS})


def _describe(name: str) -> str:
    return f"{column(name).header} ({name})"


def _understood(use: HeaderUse) -> str:
    """``id_number (证件号码; a known variant of it)`` and the like."""
    if use.how == "national":
        return use.name
    if use.how == "other":
        return f"{use.name}: {HOW['other']}"
    if use.how in ("variant", "mapping"):
        return f"{use.name} ({column(use.name).header}; {HOW[use.how]})"
    if use.how == "merged":
        return f"{use.name}: {HOW['merged']}"
    return HOW[use.how]


@dataclass(frozen=True)
class Inspection:
    """What :func:`inspect_roster` found: one :class:`~.parts.Part` per file or sheet
    (read, skipped, or ``error: …``) and the column mapping used."""

    parts: list[Part]
    columns: ColumnMap

    @property
    def read(self) -> list[Part]:
        """The parts that would be cleaned."""
        return [p for p in self.parts if p.frame is not None]

    @property
    def problems(self) -> list[str]:
        """Why the input cannot be cleaned (empty when it can)."""
        problems = [f"{p.status.removeprefix('error: ')}" for p in self.parts
                    if p.status.startswith("error")]
        if not self.read and not problems:
            problems.append("no roster sheet or file found")
        return problems

    @property
    def ready(self) -> bool:
        """Every roster sheet can be read and at least one holds rows."""
        return not self.problems

    def headers(self) -> pd.DataFrame:
        """One row per column of every part with a header: ``file``, ``sheet``,
        ``position`` (letter or number), ``header``, ``column`` (canonical, missing
        when none), ``how`` (a key of :data:`~.mapping.HOW`)."""
        rows = [
            (p.file, p.sheet, u.column, u.header, u.name, u.how)
            for p in self.parts
            for u in p.uses
        ]
        return pd.DataFrame(rows, columns=["file", "sheet", "position", "header", "column", "how"])

    def optional_columns(self) -> pd.DataFrame:
        """Every optional roster column an analysis uses (not 序号, names or phones):
        ``column``, ``header``, ``parts`` (of the parts read, how many name it) and
        ``filled`` (how many have a value in it)."""
        read = self.read
        rows = []
        for col in ROSTER_COLUMNS:
            if col.name in REQUIRED_COLUMNS or col.name in _NOT_ANALYSED:
                continue
            named = [p for p in read if col.name in p.frame.columns]
            filled = [p for p in named if p.frame[col.name].notna().any()]
            rows.append((col.name, col.header, len(named), len(filled)))
        return pd.DataFrame(rows, columns=["column", "header", "parts", "filled"])

    def report(self) -> str:
        """The text ``fupin inspect`` prints."""
        lines: list[str] = []
        for part in self.parts:
            lines.append(f"{part.where}: {_status(part)}")
            for use in part.uses:
                empty = ""
                if part.frame is not None and use.label in part.frame.columns:
                    empty = "" if part.frame[use.label].notna().any() else " (no values)"
                lines.append(f"    {use.column:>3} {use.header or '(no header)'} → "
                             f"{_understood(use)}{empty}")
        read = self.read
        lines.append("")
        lines.append(
            "required columns (what identifies a person and a household): "
            + ", ".join(_describe(c) for c in REQUIRED_COLUMNS)
        )
        optional = self.optional_columns()
        if read:
            absent = optional[optional["filled"] == 0]
            some = optional[(optional["filled"] > 0) & (optional["filled"] < len(read))]
            if len(absent):
                lines.append(
                    "optional columns with no value in any roster sheet (unknown in every "
                    "analysis, never counted as 0): "
                    + ", ".join(f"{h} ({c})" for c, h in zip(absent["column"], absent["header"],
                                                              strict=True))
                )
            if len(some):
                lines.append(
                    f"optional columns with values in only some of the {len(read)} roster "
                    "sheets: "
                    + ", ".join(f"{h} ({n})" for h, n in zip(some["header"], some["filled"],
                                                              strict=True))
                )
        if self.columns.user:
            seen = {u.header for p in self.parts for u in p.uses}
            unused = self.columns.unused({normalize_text(h) for h in seen})
            lines.append(
                f"column mapping {self.columns.origin}: {len(self.columns.user)} entries"
                + (f"; matching no header: {', '.join(unused)}" if unused else "")
            )
        skipped = sum(p.status.startswith("skipped") for p in self.parts)
        if self.ready:
            lines.append(
                f"ready to clean: {len(read)} roster sheet(s) or file(s), "
                f"{sum(p.rows for p in read)} data rows; {skipped} skipped"
            )
        else:
            lines.append("cannot be cleaned: " + "; ".join(self.problems))
        return "\n".join(lines)


def _status(part: Part) -> str:
    if part.frame is None:
        return part.status
    details = [f"header row {part.header_row}" if part.header_row else "headers: column names",
               f"{part.rows} data rows"]
    if part.encoding:
        details.append(part.encoding)
    if part.merged:
        details.append("merged columns " + ", ".join(part.merged))
    return "read, " + ", ".join(details)


def inspect_roster(
    inputs: str | Path | Sequence[str | Path],
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    columns: str | Path | Mapping | ColumnMap | None = None,
) -> Inspection:
    """Read the inputs as :func:`~fupin_analysis.ingest.read_roster` would, keeping what
    cannot be read as ``error: …`` parts instead of stopping at the first.

    Raises
    ------
    RosterFormatError
        Only when a path given is not a roster file or folder, or the column mapping
        cannot be read.
    """
    mapping = load_columns(columns)
    parts = read_parts(
        collect(inputs),
        sheet=sheet,
        encoding=encoding,
        columns=mapping,
        categorical=frozenset(),
        report=True,
    )
    return Inspection(parts, mapping)
