"""The cleaning rules: one function per rule, in the order they run.

Each rule reads and updates the state of the rows (:class:`~.state.Rows`, or
:class:`~.state.Kept` for the rules about the kept rows' values), and records its own
row of the quality table, under its own name. :data:`ROW_RULES` run first (normalising,
then refusing rows in order of precedence, then counting how the kept rows were
matched), :data:`KEPT_RULES` on the kept rows, :data:`COLUMN_RULES` last; :data:`RULES`
names them all, in the order of the quality table.

No rule guesses: a rule refuses a row, counts it, or sets a value it cannot read to
missing. The only values a rule supplies are those the roster itself states elsewhere
(the head's row of the same household, the identity number).

Examples
--------
>>> rows = read_rows(pd.DataFrame({
...     "village": ["李家村", "李家村"], "household_id": ["001", "001"],
...     "id_number": ["430527199001011237", "430527199001011237"],
...     "relation": ["户主", "户主"], "source_row": [4, 5]}))
>>> duplicate_row(rows)
>>> rows.reason.tolist(), rows.quality.frame()[["rule", "rows"]].values.tolist()
([0, 2], [['duplicate_row', 1]])
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from .. import idcard
from ..ingest import SOURCE_COLUMNS
from ..schema import (
    EMPTY_MARKERS,
    HOUSEHOLD_COLUMNS,
    OTHER_COLUMNS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    normalize_text,
    normalize_values,
)
from .exits import exit_flags
from .state import (
    CODE_COLUMNS,
    NOWHERE_ELSE,
    Kept,
    Rows,
    encode,
    heads,
    keep,
    read_rows,
    resolve_villages,
)
from .suggestions import village_suggestions
from .values import codes_uniques, optional_column, parse_numbers, to_vocabulary

__all__ = [
    "COLUMN_RULES",
    "KEPT_RULES",
    "ROW_RULES",
    "RULES",
    "age_mismatch",
    "duplicate_person",
    "duplicate_row",
    "empty_marker",
    "exit_status_year",
    "head_count",
    "household_field_conflict",
    "household_fill",
    "household_missing",
    "household_size_mismatch",
    "id_invalid",
    "id_mangled",
    "id_missing",
    "id_normalised",
    "keep",
    "read_rows",
    "sex_mismatch",
    "summary_row",
    "text_normalised",
    "unknown_column",
    "unknown_village",
    "value_aliased",
    "value_unmapped",
    "value_unparsed",
    "village_assumed",
    "village_variant",
]


def _counts(series: pd.Series) -> str:
    """``value: count`` of each value, most frequent first (ties in the order of the
    values, so that counts of parts of a roster add up to the same text), joined by
    ``; ``."""
    vc = _by_count(series.value_counts())
    return "; ".join(f"{k}: {v}" for k, v in vc.items() if v)


def _by_count(counts: pd.Series) -> pd.Series:
    """``counts`` most first, ties in the order of their index."""
    return counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


# --- normalising -------------------------------------------------------------------------


def text_normalised(rows: Rows) -> None:
    """Count the rows whose text normalisation changed a cell.

    Every field the analysis uses was normalised when the rows were read (once per
    distinct value, by :func:`~.state.read_rows`): NFKC (full-width digits and letters to
    half-width), trimmed, and in codes and names (village, 户编号, 证件号码 …) inner
    spaces removed, because an export or a typist adds them as noise. Nothing else is
    changed: no character is corrected, no case folded. This rule only counts.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李 家村"], "household_id": ["００１"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"], "source_row": [4]}))
    >>> text_normalised(rows)
    >>> rows.quality.frame()[["rule", "rows"]].values.tolist()
    [['text_normalised', 1]]
    """
    rows.quality.add(
        "text_normalised",
        rows.normalised.sum(),
        "NFKC, trimmed; spaces removed in codes (fields the analysis uses)",
    )


def empty_marker(rows: Rows) -> None:
    """Set 无, /, -, ——, 空, null … to missing in optional fields.

    Hand-made sheets write a marker where there is nothing to say; read as a value it
    would be an unmapped term or an unreadable number. Required fields (行政村, 户编号,
    证件号码) are left as written: a marker there is not taken for an empty cell.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"],
    ...     "exit_year": ["无"], "source_row": [4]}))
    >>> empty_marker(rows)
    >>> rows.work["exit_year"].isna().tolist(), rows.quality.frame()["rows"].tolist()
    ([True], [1])
    """
    markers = {normalize_text(m) for m in EMPTY_MARKERS}
    required = set(REQUIRED_COLUMNS)
    emptied = np.zeros(len(rows.work), dtype=bool)
    for name in rows.work.columns:
        col = rows.work[name]
        categories = col.cat.categories
        found = categories[categories.isin(markers)].tolist()
        if name not in required and found:
            emptied |= col.isin(found).to_numpy()
            rows.work[name] = col.cat.remove_categories(found)
    rows.quality.add(
        "empty_marker", emptied.sum(), "set to missing (无, /, -, ——, 空 in optional fields)"
    )


# --- refusing rows, in order of precedence -----------------------------------------------

#: Totals and subtotals: 合计, 小计, 总计, 共计, 累计, after at most a few words (和团村小计,
#: 本页合计, 全乡总计), or a cell that is only 汇总/总数/Total.
_TOTAL = re.compile(r"^\D{0,12}?(?:合计|小计|总计|共计|累计)|^(?:汇总|总数|total|subtotal)\b",
                    re.IGNORECASE)
#: Signature lines under a table: who filled, checked, approved it; dates; stamps.
_SIGNATURE = re.compile(
    r"^(?:填表人|填报人|制表人|审核人|审批人|复核人|核对人|负责人|统计人|经办人|填表日期|填报日期|"
    r"制表日期|审核日期|报送日期|单位负责人|单位\(盖章\)|\(盖章\)|盖章|签字|签名|村支书|村主任|"
    r"第一书记|驻村干部|包村干部)"
)
#: Notes under a table: 注：…, 注1., 备注：…, 说明：….
_NOTE = re.compile(r"^(?:注|备注|说明|附注|注意)[:\d、.]|^注意事项")
_SUMMARY_KINDS = (("total", _TOTAL), ("signature", _SIGNATURE), ("note", _NOTE))
#: In the 姓名 cell, a marker must begin the cell: 张合计 could be a person's name.
_TOTAL_IN_NAME = re.compile(r"^(?:合计|小计|总计|共计|累计|汇总|总数|total|subtotal)",
                            re.IGNORECASE)


def _marker(text: str, in_name: bool = False) -> int:
    """Which summary marker a normalised cell begins with: its index in
    :data:`_SUMMARY_KINDS` plus one, 0 for none (in the 姓名 cell, only at its start)."""
    for k, (_, pattern) in enumerate(_SUMMARY_KINDS):
        if (_TOTAL_IN_NAME if in_name and pattern is _TOTAL else pattern).search(text):
            return k + 1
    return 0


def _summary_kinds(rows: Rows, candidates: np.ndarray) -> np.ndarray:
    """Per candidate row, ``total``, ``signature``, ``note``, ``blank`` or ``""`` (see
    :func:`summary_row`). Every cell of the candidates is normalised and matched once per
    distinct text."""
    names = [c for c in rows.raw.columns if c not in SOURCE_COLUMNS]
    cells = pd.concat(
        [rows.raw[name].iloc[candidates].astype("str").reset_index(drop=True) for name in names],
        ignore_index=True,
    )
    text = normalize_values(cells, remove_spaces=True).fillna("")
    codes, distinct = pd.factorize(text)
    shape = (len(names), len(candidates))
    marker = np.array([_marker(t) for t in distinct], dtype=np.int8)[codes].reshape(shape)
    empty = text.eq("").to_numpy().reshape(shape)
    found = np.where(marker > 0, marker, 127).min(axis=0)  # total before signature before note
    labels = np.array(["", *(label for label, _ in _SUMMARY_KINDS)], dtype=object)
    kind = labels[np.where(found == 127, 0, found)]
    others = [k for k, name in enumerate(names) if name != "serial"]
    kind[(kind == "") & empty[others].all(axis=0)] = "blank"
    if "name" in names:
        name = names.index("name")
        in_name = np.array([_marker(t, in_name=True) for t in distinct], dtype=np.int8)
        person = ~empty[name] & (in_name[codes.reshape(shape)[name]] == 0)
        kind[person] = ""  # a name that is not a marker: a person, whatever else the row says
    return kind


def summary_row(rows: Rows) -> None:
    """Quarantine rows that are not a person: totals and subtotals, signature lines,
    notes under the table, blank separator rows (``detail``: ``total``, ``signature``,
    ``note``, ``blank``).

    Narrowly: a row is one only when its identity number cell holds no digit (empty or
    text) and its 姓名 cell is empty or begins with a marker (张合计 may be a name);
    then one of its cells (序号, 村, 姓名, any column) begins with 合计, 小计, 总计,
    共计, 累计 (after at most a few words: 和团村小计) or is 汇总/总数/Total; or begins
    with 填表人, 审核人, 制表人, 负责人, 填表日期, (盖章) …; or with 注：, 备注：, 说明：;
    or every cell but the 序号 is empty (spaces only). A row with an identity number is
    never one: it goes through the rules about persons. Such a row is not a person:
    ``counts_as_person`` is False.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村", "合 计", None],
    ...     "household_id": ["001", None, None], "name": ["张三", None, "填表人：李四"],
    ...     "id_number": ["430527199001011237", None, None], "relation": ["户主", None, None],
    ...     "source_row": [4, 5, 6]}))
    >>> summary_row(rows)
    >>> rows.reason.tolist(), rows.detail.tolist(), rows.quality.row("summary_row")["detail"]
    ([0, 1, 1], ['', 'total', 'signature'], 'total: 1; signature: 1')
    """
    candidates = np.flatnonzero(rows.identity.status("missing", "malformed"))
    if len(candidates):
        ids = rows.raw["id_number"].iloc[candidates].astype("str").reset_index(drop=True)
        digits = normalize_values(ids).str.contains(r"\d", regex=True).fillna(False)
        candidates = candidates[~digits.to_numpy(dtype=bool)]
    by_row = np.full(len(rows.reason), "", dtype=object)
    if len(candidates):
        by_row[candidates] = _summary_kinds(rows, candidates)
    refused = rows.refuse(by_row != "", "summary_row", lambda new: by_row[new])
    order = [label for label, _ in _SUMMARY_KINDS] + ["blank"]
    counts = pd.Series(by_row[refused]).value_counts()
    rows.quality.add(
        "summary_row",
        refused.sum(),
        "quarantined (not a person: totals, signatures, notes, blank rows)",
        "; ".join(f"{k}: {counts[k]}" for k in order if k in counts),
    )


def _first_occurrence(codes: np.ndarray) -> np.ndarray:
    """True where a ``pd.factorize`` code appears for the first time.

    ``factorize`` numbers values in order of first appearance, so a row is a first
    occurrence exactly when its code exceeds every code before it.
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    before = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    return codes > before


def _repeats(rows: Rows, maybe: np.ndarray) -> np.ndarray:
    """Rows identical in every cell to an earlier row (hash, then checked exactly).

    Only rows marked ``maybe`` (a superset of the repeats) are compared. Cells are
    compared normalised: the identity numbers' cell labels, ``work`` for the other fields
    the analysis uses, and the remaining raw columns normalised here, on those rows only.
    """
    work, raw = rows.work, rows.raw
    dup = np.zeros(len(work), dtype=bool)
    maybe = np.flatnonzero(maybe)
    if len(maybe) < 2:
        return dup
    cells = [pd.factorize(rows.identity.cell[maybe])[0]]
    cells += [codes_uniques(work[c].iloc[maybe])[0] for c in work.columns]
    # where a row was read, and its 序号, are not cells of the row's data
    not_cells = [*SOURCE_COLUMNS, "serial", "id_number"]
    others = raw.columns.difference(work.columns).drop(not_cells, errors="ignore")
    for name in others:
        column, _ = encode(raw[name].iloc[maybe], remove_spaces=name in CODE_COLUMNS)
        cells.append(column.cat.codes.to_numpy())
    cells = np.column_stack(cells)
    # a row's signature: the codes of its cells, mixed into 64 bits
    h = np.zeros(len(maybe), dtype=np.uint64)
    for k in range(cells.shape[1]):
        h = (h ^ cells[:, k].astype(np.uint64)) * np.uint64(0x100000001B3)  # FNV-style
    codes = pd.factorize(h)[0]
    first = _first_occurrence(codes)
    if first.all():
        return dup
    first_row = np.flatnonzero(first)[codes]  # where each signature first appears
    cand = np.flatnonzero(~first)
    same = (cells[cand] == cells[first_row[cand]]).all(axis=1)  # exact check of the hash
    dup[maybe[cand[same]]] = True
    return dup


def duplicate_row(rows: Rows) -> None:
    """Quarantine exact repeats of an earlier row; the first copy stays.

    A repeat has every cell equal to an earlier row once normalised (a name typed with a
    space, an identity number in full-width digits), unknown columns included, where it
    was read (file, sheet, row) and its 序号 not: a row pasted twice, or given in two
    files. Only rows sharing a person (or without a valid number) can be repeats,
    so only those are compared. A repeat is not a person: ``counts_as_person`` is False.
    Rows that differ in any cell are never merged here (see ``duplicate_person``).

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2, "household_id": ["001"] * 2,
    ...     "id_number": ["430527199001011237"] * 2, "relation": ["户主"] * 2,
    ...     "name": ["张三", "张 三"], "source_row": [4, 5]}))
    >>> duplicate_row(rows)
    >>> rows.reason.tolist()
    [0, 2]
    """
    maybe = rows.shared | (rows.identity.cell < 0)
    refused = rows.refuse(_repeats(rows, maybe), "duplicate_row")
    rows.quality.add("duplicate_row", refused.sum(), "quarantined (first copy kept)")


def id_missing(rows: Rows) -> None:
    """Quarantine rows without an identity number.

    Without it a person cannot be told apart from another, nor given a key. Nothing is
    looked up elsewhere to supply it.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": [None], "relation": ["户主"], "source_row": [4]}))
    >>> id_missing(rows)
    >>> rows.reason.tolist(), rows.quality.frame()["rows"].tolist()
    ([3], [1])
    """
    refused = rows.refuse(rows.identity.status("missing"), "id_missing")
    rows.quality.add("id_missing", refused.sum(), "quarantined")


def id_mangled(rows: Rows) -> None:
    """Quarantine identity numbers that Excel turned into a number (``4.30527E+17``) or
    that carry a decimal point.

    Excel keeps 15 significant digits: the last ones are lost, so the number is refused,
    never padded or rounded back.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["4.30527E+17"], "relation": ["户主"], "source_row": [4]}))
    >>> id_mangled(rows)
    >>> rows.quality.frame().values.tolist()
    [['id_mangled', 1, 'quarantined (scientific notation; never padded)', '']]
    """
    refused = rows.refuse(rows.identity.status("mangled"), "id_mangled")
    rows.quality.add("id_mangled", refused.sum(), "quarantined (scientific notation; never padded)")


def id_invalid(rows: Rows) -> None:
    """Quarantine identity numbers failing GB 11643 (``detail`` says how).

    ``malformed`` (not 17 digits and a check character), ``bad_date`` (no such birth
    date, or before 1900), ``future`` (born after the reference date), ``bad_check``
    (the check character does not match). A wrong digit is never corrected.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011230"], "relation": ["户主"], "source_row": [4]}))
    >>> id_invalid(rows)
    >>> rows.detail.tolist(), rows.quality.frame()["detail"].tolist()
    (['bad_check'], ['bad_check: 1'])
    """
    status = rows.identity.checked.status
    statuses = np.asarray(idcard.STATUSES, dtype=object)
    refused = rows.refuse(
        rows.identity.status("malformed", "bad_date", "future", "bad_check"),
        "id_invalid",
        lambda new: statuses[status[new]],
    )
    how = _counts(pd.Series(rows.detail[refused]))
    rows.quality.add("id_invalid", refused.sum(), "quarantined", how)


def household_fill(rows: Rows) -> None:
    """Fill household fields left empty on a member's row from the head's row of the same
    household.

    Hand-kept sheets often write 人数, 致贫原因, 人均纯收入 … on the head's row only.
    The value comes from the head (the first row of the household when none is head)
    of the same 户编号, never from another household. A field the head leaves empty
    stays empty. The rows filled are remembered, so that ``value_aliased`` counts only
    values a row stated itself.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2, "household_id": ["001"] * 2,
    ...     "id_number": ["430527199001011237", "430527199203040028"],
    ...     "relation": ["户主", "配偶"], "household_type": ["五保户", None],
    ...     "source_row": [4, 5]}))
    >>> household_fill(rows)
    >>> rows.work["household_type"].tolist(), rows.filled["household_type"].tolist()
    (['五保户', '五保户'], [False, True])
    """
    work, household = rows.work, rows.household
    head = heads(rows.is_head, household)
    filled = np.zeros(len(work), dtype=bool)
    has = household >= 0
    src = np.full(len(household), -1, dtype=np.int64)
    src[has] = head[household[has]]
    usable = src >= 0
    for name in HOUSEHOLD_COLUMNS:
        if name == "household_id" or name not in work.columns:
            continue
        col = work[name]
        codes = col.cat.codes.to_numpy(copy=True)
        gap = (codes < 0) & usable
        if not gap.any():
            continue
        codes[gap] = codes[src[gap]]
        work[name] = pd.Categorical.from_codes(codes, dtype=col.dtype)
        rows.filled[name] = gap & (codes >= 0)
        filled |= rows.filled[name]
    rows.quality.add("household_fill", filled.sum(), "household fields filled from the head's row")


def household_missing(rows: Rows) -> None:
    """Quarantine rows without a household number (户编号).

    Such a row cannot be linked to a household; it is not attached to the household of
    the rows around it.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": [None],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"], "source_row": [4]}))
    >>> household_missing(rows)
    >>> rows.quality.frame().values.tolist()
    [['household_missing', 1, 'quarantined (no 户编号)', '']]
    """
    refused = rows.refuse(rows.household < 0, "household_missing")
    rows.quality.add("household_missing", refused.sum(), "quarantined (no 户编号)")


def unknown_village(rows: Rows) -> None:
    """Quarantine rows whose village resolves to no unit (``detail``: the closest names
    of the county; in ``quality``, the names, their rows and those suggestions).

    Names are resolved here (once per distinct name, after ``household_fill`` has given
    a member's empty cell the head's village), through the reference folder's
    ``crosswalk.csv``: county and township prefixes, variant and old names, or a
    12-digit code. The result (``rows.villages``) serves the later rules and the tables.
    A name the crosswalk does not know is not matched to the nearest spelling: the
    closest names of the same county (national division table) are only suggested,
    for a person to decide (``fupin init --add-name NAME=CODE`` records the decision).

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["火星X"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"], "source_row": [4]}))
    >>> unknown_village(rows)
    >>> rows.quality.frame()[["rows", "detail"]].values.tolist()
    [[1, '火星X: 1 (no close name in county 430527)']]
    """
    rows.villages = resolve_villages(rows.work["village"], rows.reference)
    unknown = rows.villages.code < 0
    suggestions = np.full(len(rows.reason), "", dtype=object)
    names = rows.work["village"]
    if (unknown & (rows.reason == 0)).any():
        distinct = names.cat.categories
        found = np.unique(rows.villages.name[unknown & (rows.reason == 0)])
        wanted = [str(distinct[k]) for k in found if k >= 0]
        close = village_suggestions(wanted, rows.reference) if wanted else {}
        per_name = np.array([close.get(str(n), "") for n in distinct] + ["no village name"],
                            dtype=object)
        suggestions = per_name[rows.villages.name]
    refused = rows.refuse(unknown, "unknown_village", lambda new: suggestions[new])
    counts = _by_count(names[refused].astype("str").fillna("(empty)").value_counts())
    by_name = dict(zip(names[refused].astype("str").fillna("(empty)"), suggestions[refused],
                       strict=True))
    rows.quality.add(
        "unknown_village",
        refused.sum(),
        "quarantined",
        "; ".join(f"{name}: {count} ({by_name[name]})" for name, count in counts.items()),
    )


def duplicate_person(rows: Rows) -> None:
    """Quarantine the later rows of a person already kept (``detail``:
    ``other_household`` or ``same_household``).

    The same valid identity number, however spelled (lowercase x, Excel's apostrophe),
    is the same person; the first occurrence among the rows still kept stays ("first" in
    the order rows are read: files as given, sheets in workbook order, rows in sheet
    order). A person found in another part of the roster before its first row still kept
    here (``rows.elsewhere``, see ``clean_roster(exclude_persons=…)``) has no first
    occurrence here: all its rows go, as ``other_household``. Which copy
    is right is not decided from the other cells: the later copies go to quarantine for a
    person to look at. A repeat is not a person: ``counts_as_person`` is False.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2, "household_id": ["001", "002"],
    ...     "id_number": ["430527199001011237"] * 2, "relation": ["户主", "配偶"],
    ...     "source_row": [4, 5]}))
    >>> duplicate_person(rows)
    >>> rows.detail.tolist(), rows.quality.frame()["detail"].tolist()
    (['', 'other_household'], ['in another household: 1'])
    """
    household = rows.household
    candidates = np.flatnonzero((rows.reason == 0) & rows.shared)
    codes = pd.Series(rows.person[candidates])
    repeat = np.zeros(len(rows.reason), dtype=bool)
    repeat[candidates[codes.duplicated().to_numpy()]] = True
    first_household = pd.Series(household[candidates]).groupby(codes.to_numpy()).transform("first")
    other_household = np.zeros(len(rows.reason), dtype=bool)
    other_household[candidates] = first_household.to_numpy() != household[candidates]
    if rows.elsewhere is not None:  # found in another part of the roster, maybe earlier
        at = np.flatnonzero((rows.reason == 0) & (rows.elsewhere != NOWHERE_ELSE))
        first_here = pd.Series(at).groupby(rows.person[at]).transform("min").to_numpy()
        elsewhere = np.zeros(len(rows.reason), dtype=bool)
        elsewhere[at] = first_here >= rows.elsewhere[at]
        repeat |= elsewhere
        other_household |= elsewhere
    rows.refuse(
        repeat,
        "duplicate_person",
        lambda new: np.where(other_household[new], "other_household", "same_household"),
    )
    rows.quality.add(
        "duplicate_person",
        repeat.sum(),
        "quarantined (first occurrence kept)",
        f"in another household: {int((repeat & other_household).sum())}",
    )


# --- counting how the kept rows were matched ---------------------------------------------


def id_normalised(rows: Rows) -> None:
    """Count kept identity numbers written with a lowercase ``x`` or Excel's text
    apostrophe (``'430527…``).

    Both are spellings of the same number (the keys use the canonical form); the row is
    kept, and counted so that the export can be fixed at its source.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["'430527199001011237"], "relation": ["户主"], "source_row": [4]}))
    >>> id_normalised(rows)
    >>> rows.quality.frame()["rows"].tolist()
    [1]
    """
    kept = rows.reason == 0
    rows.quality.add(
        "id_normalised",
        int((rows.identity.respelled & kept).sum()),
        "kept; lowercase x or Excel's text apostrophe in the identity number",
    )


def village_assumed(rows: Rows) -> None:
    """Count kept rows matched through an ``assumed`` crosswalk link (``detail``: names).

    For the units merged away (下铁坡, 利试, 潭泥, 大湾) the successor is not published:
    the crosswalk links them as an assumption, which the analysis must not hide.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["利试"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"], "source_row": [4]}))
    >>> unknown_village(rows)
    >>> village_assumed(rows)
    >>> row = rows.quality.row("village_assumed")
    >>> row["rows"], row["detail"]
    (1, '利试: 1')
    """
    kept = rows.reason == 0
    evidence = rows.villages.evidence
    assumed = evidence.eq("assumed").to_numpy()[rows.villages.name[kept]]
    rows.quality.add(
        "village_assumed",
        int(assumed.sum()),
        "kept; matched through an assumed crosswalk link (successor unit unverified)",
        _counts(rows.work["village"][kept][assumed]),
    )


_OFFICIAL_EVIDENCE = ["official_name", "same_name", "code_shift", "code", "assumed"]


def village_variant(rows: Rows) -> None:
    """Count kept rows matched through a variant spelling or an old name (``detail``:
    the crosswalk evidence).

    在市村 for 寨市村, 黄桑坪 for a renamed unit: the crosswalk lists each such name with
    its evidence; a name it does not list was refused by ``unknown_village``.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["在市村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"], "source_row": [4]}))
    >>> unknown_village(rows)
    >>> village_variant(rows)
    >>> row = rows.quality.row("village_variant")
    >>> row["rows"], row["detail"]
    (1, 'variant_spelling: 1')
    """
    kept = rows.reason == 0
    evidence = rows.villages.evidence
    at_kept = rows.villages.name[kept]
    variant = ~evidence.isin(_OFFICIAL_EVIDENCE).to_numpy()[at_kept]
    rows.quality.add(
        "village_variant",
        int(variant.sum()),
        "kept; matched through a variant or old name",
        _counts(pd.Series(evidence.to_numpy()[at_kept[variant]], dtype="str")),
    )


# --- the kept rows' values ---------------------------------------------------------------


def value_aliased(kept: Kept) -> None:
    """Count kept rows holding an old or variant term, now today's official term.

    五保户 → 特困供养贫困户, 低保户 → 低保贫困户, 已脱贫 → 已脱贫(享受政策) …, through
    ``schema.VALUE_ALIASES`` only. A value filled down from the head's row is counted on
    the head's row, not again on the member's.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"],
    ...     "household_type": ["五保户"], "source_row": [4]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> value_aliased(kept)
    >>> kept.quality.row("value_aliased")["rows"]
    1
    """
    aliased = np.zeros(len(kept.work), dtype=bool)
    for name, parsed in {**kept.person_fields, **kept.household_fields}.items():
        renamed = parsed.renamed_rows()
        if renamed is not None:
            aliased |= renamed & kept.own_value.get(name, True)
    kept.quality.add(
        "value_aliased", int(aliased.sum()), "old or variant term set to today's official term"
    )


def _conflicts(values: dict[str, np.ndarray], household: np.ndarray, head_of: np.ndarray) -> dict:
    """Per household field: households whose members disagree with the head's value
    (``values``: per field, codes equal where the values are equal, -1 missing)."""
    out = {}
    src = head_of[household]
    for name, codes in values.items():
        at_head = codes[src]
        differ = (codes != at_head) & ((codes >= 0) | (at_head >= 0))
        if differ.any():
            out[name] = np.unique(household[differ])
    return out


def household_field_conflict(kept: Kept) -> None:
    """Count kept rows of households whose members disagree on a household field
    (``detail``: households per field).

    Household fields (and the village) are compared as parsed, so 2,800元 and 2800 agree.
    The household takes the head's value; which one is right is not decided by majority.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2,
    ...     "household_id": ["001"] * 2, "relation": ["户主", "配偶"],
    ...     "id_number": ["430527199001011237", "430527199203040028"],
    ...     "income_per_capita": ["2,800元", "3000"], "source_row": [4, 5]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> household_field_conflict(kept)
    >>> row = kept.quality.row("household_field_conflict")
    >>> row["rows"], row["detail"]
    (2, 'income_per_capita: 1 households')
    """
    compared = {name: parsed.value_codes() for name, parsed in kept.household_fields.items()}
    compared["village_code"] = kept.village
    conflicts = _conflicts(compared, kept.household, kept.head_of)
    conflicted = np.zeros(len(kept.head_of), dtype=bool)
    for households_hit in conflicts.values():
        conflicted[households_hit] = True
    kept.quality.add(
        "household_field_conflict",
        int(conflicted[kept.household].sum()),
        "kept; household value taken from the head's row",
        "; ".join(f"{k}: {len(v)} households" for k, v in conflicts.items()),
    )


def exit_status_year(kept: Kept) -> None:
    """Count kept rows of households whose 脱贫状态 says not exited although a 脱贫年度 is
    stated (``detail``: those households, and the households whose exit was derived from
    the year because no status is stated).

    ``exited`` follows the status (the year beside 未脱贫 is often the year planned);
    without a status, a stated year means exited (:mod:`fupin_analysis.clean.exits`).
    Which of the two is right is for a person to check in the source system.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 3,
    ...     "household_id": ["001", "001", "002"], "relation": ["户主", "配偶", "户主"],
    ...     "id_number": ["430527199001011237", "430527199203040028", "430527198505052003"],
    ...     "exit_status": ["未脱贫", "未脱贫", None], "exit_year": ["2016", "2016", "2016"],
    ...     "source_row": [4, 5, 6]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> exit_status_year(kept)
    >>> row = kept.quality.row("exit_status_year")
    >>> row["rows"], row["detail"]
    (2, '未脱贫 with a 脱贫年度: 1 households; exit derived from 脱贫年度: 1 households')
    """
    fields = kept.household_fields
    flags = exit_flags(fields["exit_status"].take(kept.heads), fields["exit_year"].take(kept.heads))
    conflict = flags["conflict"].to_numpy()
    kept.quality.add(
        "exit_status_year",
        int(kept.members_found[conflict].sum()),
        "kept; exited follows 脱贫状态 (未脱贫) over a stated 脱贫年度",
        f"未脱贫 with a 脱贫年度: {int(conflict.sum())} households; "
        f"exit derived from 脱贫年度: {int(flags['derived'].sum())} households",
    )


def sex_mismatch(kept: Kept) -> None:
    """Count kept rows whose stated sex (性别) differs from the identity number's.

    The 17th digit is the record the system checks; ``members.sex`` comes from it. The
    stated value is only compared, never used.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"], "sex": ["女"],
    ...     "source_row": [4]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> sex_mismatch(kept)
    >>> kept.quality.row("sex_mismatch")["rows"]
    1
    """
    stated = to_vocabulary(optional_column(kept.work, "sex"), "sex").cat.codes.to_numpy()
    mismatch = (stated >= 0) & (stated != kept.sex)
    kept.quality.add(
        "sex_mismatch", int(mismatch.sum()), "kept; sex taken from the identity number"
    )


def age_mismatch(kept: Kept) -> None:
    """Count kept rows whose stated age (年龄) is more than one year off the age the
    identity number gives at the reference date.

    A stated age is often a year old (counted at another date): one year is tolerated.
    ``members.age`` comes from the identity number; the stated value is only compared.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2,
    ...     "household_id": ["001"] * 2, "relation": ["户主", "配偶"],
    ...     "id_number": ["430527199001011237", "430527199203040028"],
    ...     "age": ["25", "30"], "source_row": [4, 5]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> age_mismatch(kept)
    >>> kept.age.tolist(), kept.quality.row("age_mismatch")["rows"]
    ([26, 24], 1)
    """
    stated = parse_numbers(optional_column(kept.work, "age"))
    mismatch = stated.notna() & ((stated - kept.age).abs() > 1)
    kept.quality.add(
        "age_mismatch", int(mismatch.sum()), "kept; age computed from the identity number"
    )


def household_size_mismatch(kept: Kept) -> None:
    """Count kept rows of households whose declared size (人数) differs from the members
    found (``detail``: households, and how many match once the household's quarantined
    real persons are added back).

    Both numbers are kept in ``households`` (``household_size``, ``members``); no member
    is invented or dropped to make them agree.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2,
    ...     "household_id": ["001"] * 2, "relation": ["户主", "配偶"],
    ...     "id_number": ["430527199001011237", "430527199203040028"],
    ...     "household_size": ["3", "3"], "source_row": [4, 5]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> household_size_mismatch(kept)
    >>> row = kept.quality.row("household_size_mismatch")
    >>> row["rows"], row["detail"]
    (2, '1 households, of which 0 match once the quarantined real persons are added back')
    """
    declared = kept.household_fields["household_size"].take(kept.heads)
    found = pd.Series(kept.members_found.astype("int64"))
    mismatch = declared.ne(found).fillna(True).to_numpy()
    explained = mismatch & declared.eq(found + kept.refused_persons).fillna(False).to_numpy()
    kept.quality.add(
        "household_size_mismatch",
        int(kept.members_found[mismatch].sum()),
        "kept; declared size (人数) differs from members found",
        f"{int(mismatch.sum())} households, of which {int(explained.sum())} "
        "match once the quarantined real persons are added back",
    )


def head_count(kept: Kept) -> None:
    """Count kept rows of households without exactly one head (户主) among the kept rows
    (``detail``: households with none, with several).

    The household's values then come from its first head, or its first member; no
    member is made head. A roster without 与户主关系 is read all the same: no head is
    known, each household's values come from its first row (in the order read), and
    the detail says so.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2,
    ...     "household_id": ["001"] * 2, "relation": ["配偶", "之子"],
    ...     "id_number": ["430527199001011237", "430527199203040028"],
    ...     "source_row": [4, 5]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> head_count(kept)
    >>> row = kept.quality.row("head_count")
    >>> row["rows"], row["detail"]
    (2, 'no head: 1 households; several: 0')
    """
    n_heads = np.bincount(kept.household[kept.is_head], minlength=len(kept.head_of))
    n_heads = n_heads[kept.households]
    wrong = n_heads != 1
    unknown = " (no 与户主关系 values: heads unknown)" if kept.relation.isna().all() else ""
    kept.quality.add(
        "head_count",
        int(kept.members_found[wrong].sum()),
        "kept; households without exactly one head (户主)",
        f"no head: {int((n_heads == 0).sum())} households{unknown}; "
        f"several: {int((n_heads > 1).sum())}",
    )


def _lost_values(kept: Kept, lost_as: str, action: str) -> None:
    """Record ``value_<lost_as>``: the values of the fields read that way which could not
    be read, per field (person fields first)."""
    lost = {}
    for name, parsed in {**kept.person_fields, **kept.household_fields}.items():
        if parsed.field.lost_as == lost_as:
            n_lost = parsed.lost_rows()
            if n_lost:
                lost[name] = n_lost
    kept.quality.add(
        f"value_{lost_as}",
        sum(lost.values()),
        action,
        "; ".join(f"{k}: {v}" for k, v in lost.items()),
    )


def value_unmapped(kept: Kept) -> None:
    """Count kept cells of a vocabulary field (or a yes/no field) holding neither an
    official term nor a known old term (``detail``: per field); they become missing.

    A term is mapped only through the official vocabulary and ``schema.VALUE_ALIASES``;
    an unknown term is not matched to the nearest one.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"],
    ...     "education": ["博士后"], "source_row": [4]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> value_unmapped(kept)
    >>> row = kept.quality.row("value_unmapped")
    >>> row["rows"], row["detail"]
    (1, 'education: 1')
    """
    _lost_values(kept, "unmapped", "set to missing (not an official term nor a known old term)")


def value_unparsed(kept: Kept) -> None:
    """Count kept cells of a number or date field that cannot be read, and household sizes
    (人数) that are not a whole number from 0 to 999 (``detail``: per field); they become
    missing.

    Readable forms are listed in ``docs/cleaning.md`` (1.2万, 3,100元, 2016年11月, Excel
    serial dates …); anything else is not interpreted.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"],
    ...     "income_per_capita": ["不详"], "source_row": [4]}))
    >>> for rule in ROW_RULES:
    ...     rule(rows)
    >>> kept = keep(rows)
    >>> value_unparsed(kept)
    >>> row = kept.quality.row("value_unparsed")
    >>> row["rows"], row["detail"]
    (1, 'income_per_capita: 1')
    """
    _lost_values(kept, "unparsed", "set to missing (number or date not readable)")


# --- columns -----------------------------------------------------------------------------

_KNOWN = {c.name for c in (*ROSTER_COLUMNS, *OTHER_COLUMNS)}


def unknown_column(rows: Rows) -> None:
    """List the columns that are not roster columns (``detail``) and count the rows with a
    value in one.

    They are not used (a column is never interpreted by its position or content) but are
    kept, as read, in the quarantine of refused rows.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"], "household_id": ["001"],
    ...     "id_number": ["430527199001011237"], "relation": ["户主"], "备注": ["x"],
    ...     "source_row": [4]}))
    >>> unknown_column(rows)
    >>> rows.quality.frame()[["rows", "detail"]].values.tolist()
    [[1, '备注']]
    """
    unknown = [c for c in rows.raw.columns if c not in _KNOWN and c not in SOURCE_COLUMNS]
    rows.quality.add(
        "unknown_column",
        int(rows.raw[unknown].notna().any(axis=1).sum()) if unknown else 0,
        "kept in quarantine only; not used",
        ", ".join(unknown),
    )


#: Rules over every input row, in order: normalising, refusing (in order of precedence:
#: a row refused keeps its first reason), then counting how the kept rows were matched.
ROW_RULES: tuple[Callable[[Rows], None], ...] = (
    text_normalised,
    empty_marker,
    summary_row,
    duplicate_row,
    id_missing,
    id_mangled,
    id_invalid,
    household_fill,
    household_missing,
    unknown_village,
    duplicate_person,
    id_normalised,
    village_assumed,
    village_variant,
)
#: Rules over the kept rows' values (after :func:`keep`), in order.
KEPT_RULES: tuple[Callable[[Kept], None], ...] = (
    value_aliased,
    household_field_conflict,
    exit_status_year,
    sex_mismatch,
    age_mismatch,
    household_size_mismatch,
    head_count,
    value_unmapped,
    value_unparsed,
)
#: Rules about the input's columns, last.
COLUMN_RULES: tuple[Callable[[Rows], None], ...] = (unknown_column,)
#: Every rule, in the order of the quality table (each function records its own name).
RULES: tuple[str, ...] = tuple(
    rule.__name__ for rule in (*ROW_RULES, *KEPT_RULES, *COLUMN_RULES)
)
