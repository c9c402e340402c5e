"""What came in and what came out of a cleaning run: the tables of the data-quality report.

:func:`intake` says how a roster file was read, :func:`roster_columns` which columns of
the national system it has, :func:`rules_applied` which cleaning rules touched rows, and
:func:`village_evidence` how each village's people were matched to a unit (with
:func:`assumed_links`, the villages matched only through an *assumed* crosswalk link).
None of them carries a name, identity number or phone number: they count rows.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"village": ["李家村"], "source_row": [4]})
>>> raw.attrs.update(source_file="in/roster.csv", source_sheet=None, header_row=3,
...                  encoding="gb18030", unknown_columns=[])
>>> intake(raw)["value"].tolist()
['roster.csv', '', '3', 'gb18030', '1', 'none']
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .disclosure import DEFAULT_THRESHOLD, shown_count
from .schema import ROSTER_COLUMNS

#: Rules whose ``detail`` repeats cell values as typed in the roster (``NAME: COUNT``).
ECHOING_RULES = ("unknown_village",)
_ECHOED_ITEM = re.compile(
    r"(?P<name>[^;\s][^;]*?): (?P<count>\d+)(?P<rest> \(.*?\))?(?=; [^;]+?: \d+|$)"
)
WITHHELD = "(values withheld: see the cleaning's quality.csv)"

__all__ = [
    "published",
    "intake",
    "roster_columns",
    "missing_columns",
    "rules_applied",
    "village_evidence",
    "assumed_links",
]


def published(quality: pd.DataFrame, min_count: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """The quality table as a report may show it: no cell value of the roster repeated.

    The ``detail`` of a rule that lists what the roster wrote (an unknown village name:
    someone may have typed a person's name there) shows each value by its first
    character only (``火**``), and a count of rows below ``min_count`` as ``<3``. The
    full table stays in the cleaning's own ``quality.csv``, beside the quarantine.

    Examples
    --------
    >>> q = pd.DataFrame({"rule": ["unknown_village", "id_invalid"], "rows": [4, 2],
    ...                   "action": ["quarantined"] * 2,
    ...                   "detail": ["张三丰: 1 (closest: 三星桥村 430527106209 (瓦屋塘镇, "
    ...                              "not in the reference folder)); 火星村: 3",
    ...                              "bad_check: 2"]})
    >>> published(q)["detail"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['张**: <3 (closest: 三星桥村 430527106209 (瓦屋塘镇, not in the reference folder));
      火**: 3', 'bad_check: 2']

    A detail that does not read as ``NAME: COUNT (…)`` items is withheld whole:

    >>> q.loc[0, "detail"] = "typed; without counts"
    >>> published(q)["detail"].iloc[0]
    "(values withheld: see the cleaning's quality.csv)"
    """

    def masked(detail: str) -> str:
        items = list(_ECHOED_ITEM.finditer(detail))
        if "; ".join(item.group(0) for item in items) != detail:
            return WITHHELD
        return "; ".join(
            f"{item.group('name')[:1]}{'*' * (len(item.group('name')) - 1)}: "
            f"{shown_count(int(item.group('count')), min_count)}{item.group('rest') or ''}"
            for item in items
        )

    out = quality.copy()
    echoing = out["rule"].isin(ECHOING_RULES) & out["detail"].notna()
    out.loc[echoing, "detail"] = out.loc[echoing, "detail"].astype("str").map(masked)
    return out


def intake(raw: pd.DataFrame) -> pd.DataFrame:
    """How the roster file was read: file, sheet, header row, encoding, rows, unknown columns.

    Parameters
    ----------
    raw : pandas.DataFrame
        What :func:`fupin_analysis.read_roster` returns (its ``attrs`` say how it was read).

    Returns
    -------
    pandas.DataFrame
        ``item`` (``file``, ``sheet``, ``header row``, ``encoding``, ``data rows``,
        ``unknown columns``) and ``value`` (text; empty when the reader does not say,
        e.g. no sheet in a CSV file).

    Examples
    --------
    >>> raw = pd.DataFrame({"village": ["李家村", "表田村"], "备注": ["", ""]})
    >>> raw.attrs.update(source_file="roster.xlsx", source_sheet="贫困人口", header_row=3,
    ...                  unknown_columns=["备注"])
    >>> intake(raw).set_index("item")["value"].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'file': 'roster.xlsx', 'sheet': '贫困人口', 'header row': '3', 'encoding': '',
     'data rows': '2', 'unknown columns': '备注'}
    """
    attrs = raw.attrs
    source = attrs.get("source_file")
    return pd.DataFrame(
        {
            "item": ["file", "sheet", "header row", "encoding", "data rows", "unknown columns"],
            "value": [
                Path(source).name if source else "",
                attrs.get("source_sheet") or "",
                attrs.get("header_row") or "",
                attrs.get("encoding") or "",
                len(raw),
                ", ".join(attrs.get("unknown_columns", [])) or "none",
            ],
        }
    ).astype({"value": "str"})


def roster_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """The roster columns of the national system and whether the file has each.

    Parameters
    ----------
    raw : pandas.DataFrame
        A raw roster (canonical column names).

    Returns
    -------
    pandas.DataFrame
        One row per column of :data:`fupin_analysis.schema.ROSTER_COLUMNS`, in order:
        ``column`` (canonical name), ``header`` (official Chinese header), ``required``,
        ``present``.

    Examples
    --------
    >>> cols = roster_columns(pd.DataFrame({"village": [], "source_row": []}))
    >>> cols.loc[cols["present"], "header"].tolist()
    ['行政村']
    """
    found = set(raw.columns) - {"source_row"}
    return pd.DataFrame(
        {
            "column": [c.name for c in ROSTER_COLUMNS],
            "header": [c.header for c in ROSTER_COLUMNS],
            "required": [c.required for c in ROSTER_COLUMNS],
            "present": [c.name in found for c in ROSTER_COLUMNS],
        }
    )


def missing_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`roster_columns` that the file does not have.

    Examples
    --------
    >>> "证件号码" in missing_columns(pd.DataFrame({"village": []}))["header"].tolist()
    True
    """
    columns = roster_columns(raw)
    return columns[~columns["present"]]


def rules_applied(quality: pd.DataFrame) -> pd.DataFrame:
    """The cleaning rules that touched at least one row, and whether they refused rows.

    Parameters
    ----------
    quality : pandas.DataFrame
        ``CleanRoster.quality`` (``rule``, ``rows``, ``action``, ``detail``).

    Returns
    -------
    pandas.DataFrame
        The rows of ``quality`` with ``rows > 0``, in the same order and index, plus
        ``refused`` (True when the rule's action is to quarantine the rows).

    Examples
    --------
    >>> q = pd.DataFrame({"rule": ["id_mangled", "trim", "fill"], "rows": [3, 0, 5],
    ...                   "action": ["quarantined", "normalised", "filled"],
    ...                   "detail": ["", "", ""]})
    >>> rules_applied(q)[["rule", "refused"]].to_dict("list")
    {'rule': ['id_mangled', 'fill'], 'refused': [True, False]}
    """
    touched = quality[quality["rows"] > 0].copy()
    touched["refused"] = touched["action"].astype("string").str.startswith("quarantined")
    touched["refused"] = touched["refused"].fillna(False).astype(bool)
    return touched


def village_evidence(households: pd.DataFrame) -> pd.DataFrame:
    """People kept per village by the evidence their village name was matched on.

    Parameters
    ----------
    households : pandas.DataFrame
        ``CleanRoster.households`` (``village_name``, ``village_evidence``, ``members``).

    Returns
    -------
    pandas.DataFrame
        Index ``village_name``, one column per evidence (``same_name``, ``code_shift``,
        ``variant_spelling``, ``assumed`` …) holding people; villages in ascending order
        of their people (the order of a horizontal bar chart read from the top down).

    Examples
    --------
    >>> h = pd.DataFrame({"village_name": ["铁坡村", "李家村", "李家村"],
    ...                   "village_evidence": ["assumed", "same_name", "same_name"],
    ...                   "members": [4, 2, 1]})
    >>> village_evidence(h).to_dict("index")
    {'李家村': {'assumed': 0, 'same_name': 3}, '铁坡村': {'assumed': 4, 'same_name': 0}}
    """
    evidence = (
        households.groupby(["village_name", "village_evidence"], observed=True)["members"]
        .sum()
        .unstack(fill_value=0)
    )
    return evidence.loc[evidence.sum(axis=1).sort_values().index]


def assumed_links(evidence: pd.DataFrame) -> pd.Series:
    """People per village matched through an *assumed* crosswalk link (none: empty).

    Parameters
    ----------
    evidence : pandas.DataFrame
        What :func:`village_evidence` returns.

    Returns
    -------
    pandas.Series
        Village name → people, only villages with such people, in the order of
        ``evidence``.

    Examples
    --------
    >>> ev = pd.DataFrame({"assumed": [0, 4], "same_name": [3, 0]}, index=["李家村", "铁坡村"])
    >>> assumed_links(ev).to_dict()
    {'铁坡村': 4}
    >>> assumed_links(ev.drop(columns="assumed")).empty
    True
    """
    assumed = evidence.get("assumed", pd.Series(dtype="int64"))
    return assumed[assumed > 0]
