"""The state the cleaning rules read and update.

:func:`read_rows` turns a raw roster into :class:`Rows`: every input row, its fields
normalised (text work once per distinct value, columns as categoricals), its identity
number checked, its household found, and what the rules decided of it so far
(``reason``, ``detail``), with the :class:`Quality` table they record. After the rules
that refuse rows, :func:`keep` makes :class:`Kept`: the rows kept, with their fields
parsed, which the rules about values and the tables read.

Examples
--------
>>> rows = read_rows(pd.DataFrame({
...     "village": ["李家村", "火星村"], "household_id": ["001", "002"],
...     "id_number": ["430527199001011237", "4.30527E+17"], "relation": ["户主", "户主"],
...     "source_row": [4, 5]}))
>>> rows.identity.status("mangled").tolist(), rows.household.tolist()
([False, True], [0, 1])
>>> rows.refuse(rows.identity.status("mangled"), "id_mangled").tolist()
[False, True]
>>> rows.villages = resolve_villages(rows.work["village"])
>>> kept = keep(rows)
>>> kept.age.tolist(), kept.households.tolist()
([26], [0])
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import idcard
from ..ingest import SOURCE_COLUMNS, read_roster, roster_frame
from ..reference import reference_dir, resolve_village_names
from ..schema import REASONS, distinct_categorical_dtype, normalize_values
from .keys import keyed_hash, person_hashes
from .values import (
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    Parsed,
    codes_uniques,
    optional_column,
    parse_fields,
    to_vocabulary,
)

__all__ = [
    "CODE_COLUMNS",
    "DEFAULT_REFERENCE_DATE",
    "NOT_A_PERSON",
    "USED_COLUMNS",
    "READ_AS_CATEGORICAL",
    "Identity",
    "Kept",
    "Quality",
    "Rows",
    "Villages",
    "NOWHERE_ELSE",
    "elsewhere_positions",
    "identity_hashes",
    "encode",
    "heads",
    "keep",
    "read_raw",
    "read_rows",
    "resolve_villages",
]

#: The day ages are computed at, and birth dates checked against, unless told otherwise.
DEFAULT_REFERENCE_DATE = "2016-12-31"

#: Reasons of rows that are not a person of their own (``counts_as_person`` False): a
#: totals, signature, note or blank row, or a repeat of someone already kept.
NOT_A_PERSON = ("summary_row", "duplicate_row", "duplicate_person")

#: Codes and names: every inner space is noise. Other text keeps inner spaces.
CODE_COLUMNS = (
    "county",
    "township",
    "village",
    "natural_village",
    "household_id",
    "person_id",
    "name",
    "id_number",
    "household_phone",
    "person_phone",
)

#: Fields the rules and the clean tables use (normalised up front; the other columns are
#: only compared for repeats, lazily, by ``duplicate_row``).
USED_COLUMNS = frozenset(
    {
        "village",
        "household_id",
        "id_number",
        "relation",
        "sex",
        "age",
        *(f.name for f in MEMBER_FIELDS),
        *(f.name for f in HOUSEHOLD_FIELDS),
    }
)

#: Columns read from files as categoricals (dictionary-encoded while reading): the used
#: fields but the identity number, which is nearly unique per row.
READ_AS_CATEGORICAL = USED_COLUMNS - {"id_number"}


class Quality:
    """The quality table being recorded: one row per rule, in the order rules record.

    Examples
    --------
    >>> q = Quality()
    >>> q.add("head_count", 3, "kept")
    >>> q.frame().values.tolist()
    [['head_count', 3, 'kept', '']]
    """

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, rule: str, rows: int, action: str, detail: str = "") -> None:
        """Record rule ``rule``: ``rows`` rows affected, what was done, and details."""
        self.rows.append({"rule": rule, "rows": int(rows), "action": action, "detail": detail})

    def row(self, rule: str) -> dict:
        """The row recorded for ``rule`` (``KeyError`` if it has not run)."""
        for recorded in self.rows:
            if recorded["rule"] == rule:
                return recorded
        raise KeyError(rule)

    def frame(self) -> pd.DataFrame:
        """The table: ``rule``, ``rows``, ``action``, ``detail``."""
        frame = pd.DataFrame(self.rows, columns=["rule", "rows", "action", "detail"])
        return frame.astype({"rule": "str", "rows": "int64", "action": "str", "detail": "str"})


@dataclass(frozen=True)
class Identity:
    """Identity numbers, row by row, as :func:`read_rows` checked them.

    Attributes
    ----------
    checked : idcard.CheckedIds
        GB 11643 status, normalised number, birth date, sex and an integer per number.
    changed : numpy.ndarray
        bool: text normalisation (NFKC, spaces) changed the cell.
    respelled : numpy.ndarray
        bool: then changed again (lowercase x, Excel's text apostrophe).
    cell : numpy.ndarray
        int64, equal where the normalised cells are equal (-1 missing).
    """

    checked: idcard.CheckedIds
    changed: np.ndarray
    respelled: np.ndarray
    cell: np.ndarray

    def status(self, *names: str) -> np.ndarray:
        """bool per row: the number's ``idcard.STATUSES`` is one of ``names``."""
        return np.isin(self.checked.status, [idcard.STATUSES.index(n) for n in names])


@dataclass(frozen=True)
class Villages:
    """Village names resolved once per distinct name through the crosswalk.

    Attributes
    ----------
    name : numpy.ndarray
        Per row, the index of its (normalised) village name among the distinct names;
        -1 for an empty cell.
    code : numpy.ndarray
        Per row, the index of its unit in ``codes``; -1 when the name resolves to none.
    codes : pandas.arrays.StringArray
        The 12-digit codes found.
    evidence : pandas.Series
        Per distinct name, the crosswalk evidence of its link (``official_name``,
        ``same_name``, ``assumed`` …), plus a last, missing entry for an empty name, so
        ``evidence[name]`` is the evidence of each row.
    """

    name: np.ndarray
    code: np.ndarray
    codes: pd.api.extensions.ExtensionArray
    evidence: pd.Series


@dataclass
class Rows:
    """Every input row while the rules run: what is known of it, and what was decided.

    Row ``i`` of every array is row ``i`` of ``raw``. Rules update ``work`` (markers
    emptied, household fields filled down), ``reason``, ``detail``, ``filled`` and
    ``quality``; everything else is read only.

    Attributes
    ----------
    raw : pandas.DataFrame
        The roster as read (index ``0..n-1``), ``source_file``, ``source_sheet`` and
        ``source_row`` included (the first two categorical).
    work : pandas.DataFrame
        The fields of :data:`USED_COLUMNS` except the identity number, normalised (NFKC,
        trimmed, spaces removed in codes) and categorical.
    normalised : numpy.ndarray
        bool: normalisation changed the text of a cell of the row (identity number
        included).
    identity : Identity
        The identity numbers, checked.
    person : numpy.ndarray
        int64 label, equal on the rows of the same person: the same valid number,
        whatever its spelling, or else the same normalised cell (the rows without a
        number share one label).
    shared : numpy.ndarray
        bool: another row has the same ``person`` label.
    relation : pandas.Series
        The relation to the head, as an official term (``work`` keeps the text, for
        ``duplicate_row``); all missing when the roster has no 与户主关系 column.
    is_head : numpy.ndarray
        bool: ``relation`` is 户主.
    household : numpy.ndarray
        int64 code of the row's 户编号 (-1 missing), in order of first appearance.
    villages : Villages or None
        The village of each row, resolved by ``unknown_village`` (after
        ``household_fill``, which gives a member's empty village cell the head's).
    reference_date : pandas.Timestamp
        Day at which ages are computed.
    reference : pathlib.Path
        The reference folder whose crosswalk resolves village names
        (:func:`fupin_analysis.reference.reference_dir`).
    reason : numpy.ndarray
        int8: 0 while the row is kept, ``k`` once refused for ``REASONS[k - 1]``.
    detail : numpy.ndarray
        object: the refusal's detail (``bad_check``, ``other_household`` …) or ``""``.
    filled : dict of str to numpy.ndarray
        Per household field, the rows whose empty cell ``household_fill`` filled from
        the head's row.
    quality : Quality
        The quality table, one row per rule run so far.
    elsewhere : numpy.ndarray or None
        int64: the position (in this input's rows) before which the row's person was
        found in another part of the roster (the ``exclude_persons`` of
        :func:`~fupin_analysis.clean.clean_roster`), :data:`NOWHERE_ELSE` when it was
        not; ``None`` when no person was given.
    """

    raw: pd.DataFrame
    work: pd.DataFrame
    normalised: np.ndarray
    identity: Identity
    person: np.ndarray
    shared: np.ndarray
    relation: pd.Series
    is_head: np.ndarray
    household: np.ndarray
    reference_date: pd.Timestamp
    reference: Path
    reason: np.ndarray
    detail: np.ndarray
    villages: Villages | None = None
    filled: dict[str, np.ndarray] = field(default_factory=dict)
    quality: Quality = field(default_factory=Quality)
    elsewhere: np.ndarray | None = None

    def refuse(
        self,
        mask: np.ndarray,
        reason: str,
        detail: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        """Quarantine the rows of ``mask`` not refused yet, for ``reason``; returns them.

        ``detail(rows)`` gives the detail of the rows newly refused (a mask). A row
        refused earlier keeps its first reason: rules run in order of precedence.
        """
        new = mask & (self.reason == 0)
        self.reason[new] = REASONS.index(reason) + 1
        if detail is not None:
            self.detail[new] = detail(new)
        return new

    def refused_for(self, *reasons: str) -> np.ndarray:
        """bool per row: refused for one of ``reasons``."""
        return np.isin(self.reason, [REASONS.index(r) + 1 for r in reasons])


@dataclass(frozen=True)
class Kept:
    """The rows still kept once every refusing rule has run (:func:`keep`).

    Row ``i`` of every per-row array is the ``i``-th kept row, in input order.

    Attributes
    ----------
    mask : numpy.ndarray
        bool over the input rows: kept.
    work : pandas.DataFrame
        The kept rows of the fields the tables use (``household_id``, stated ``sex`` and
        ``age``, and the fields of ``MEMBER_FIELDS`` and ``HOUSEHOLD_FIELDS``), index
        ``0..k-1``; household fields filled down from the head's row.
    relation : pandas.Series
        Official relation to the head.
    is_head : numpy.ndarray
        bool: the row is a head (户主).
    household : numpy.ndarray
        int64 household code of each row.
    head_of : numpy.ndarray
        Per household code, the row of its head among the kept rows (the first kept
        member when none is head; -1 for a code without kept rows).
    households : numpy.ndarray
        The household codes with a kept member, ascending (one row of ``households``
        each).
    heads : numpy.ndarray
        ``head_of[households]``: the row whose values each household takes.
    members_found : numpy.ndarray
        int64, members kept per household of ``households``.
    refused_persons : numpy.ndarray
        int64, real persons quarantined per household of ``households`` (refused for a
        defect of their own, not as a repeat).
    village : numpy.ndarray
        Per row, the index of its own village in ``villages.codes``.
    village_name : numpy.ndarray
        Per row, the index of its village name in ``villages.evidence``.
    villages : Villages
        The village resolution of the input rows.
    own_value : dict of str to numpy.ndarray
        Per household field filled down, bool per row: the value is the row's own (not
        the head's).
    person_fields, household_fields : dict of str to Parsed
        The fields of ``MEMBER_FIELDS`` and ``HOUSEHOLD_FIELDS``, parsed once per
        distinct text.
    id_numbers : pyarrow.LargeStringArray
        The canonical identity numbers (all valid, 18 characters).
    sex : numpy.ndarray
        Codes of the sex the identity number gives (``VOCABULARIES["sex"]``).
    birth_date : numpy.ndarray
        ``datetime64[s]``, from the identity number.
    birth_year, age : numpy.ndarray
        int64; age in completed years at the reference date.
    source_file, source_sheet : pandas.Series
        Categorical, the file and sheet each row was read from.
    source_row : numpy.ndarray
        int64, the row number in its file or sheet.
    quality : Quality
        The quality table (the same recorder as the input rows').
    """

    mask: np.ndarray
    work: pd.DataFrame
    relation: pd.Series
    is_head: np.ndarray
    household: np.ndarray
    head_of: np.ndarray
    households: np.ndarray
    heads: np.ndarray
    members_found: np.ndarray
    refused_persons: np.ndarray
    village: np.ndarray
    village_name: np.ndarray
    villages: Villages
    own_value: dict[str, np.ndarray]
    person_fields: dict[str, Parsed]
    household_fields: dict[str, Parsed]
    id_numbers: pa.LargeStringArray
    sex: np.ndarray
    birth_date: np.ndarray
    birth_year: np.ndarray
    age: np.ndarray
    source_file: pd.Series
    source_sheet: pd.Series
    source_row: np.ndarray
    reference: Path
    quality: Quality


# --- reading and normalising -------------------------------------------------------------


def read_raw(
    raw_or_path: pd.DataFrame | str | Path | Sequence[str | Path],
    sheet: str | None,
    encoding: str | None,
    columns: str | Path | Mapping | None = None,
) -> pd.DataFrame:
    """The raw roster: files and folders read with ``read_roster`` (the fields
    normalised through their distinct values dictionary-encoded while reading), or a
    DataFrame as a raw roster (:func:`~fupin_analysis.ingest.roster_frame`: a copy of a
    frame ``read_roster`` returned; any other frame's headers understood and values
    read as text, as from a file). ``columns`` is the user's column mapping.

    Raises
    ------
    RosterFormatError
        When the input cannot be read as a roster or lacks a required column.
    """
    if isinstance(raw_or_path, pd.DataFrame):
        return roster_frame(raw_or_path, columns=columns)
    if isinstance(raw_or_path, str | Path | list | tuple):
        return read_roster(raw_or_path, sheet=sheet, encoding=encoding,
                           categorical=READ_AS_CATEGORICAL, columns=columns)  # fmt: skip
    raise TypeError("clean_roster takes files or folders, or a DataFrame of a roster")


def encode(values: pd.Series, remove_spaces: bool) -> tuple[pd.Series, np.ndarray | None]:
    """Normalised column as a categorical (text work happens once per distinct value).

    Returns the categorical and, per row, whether normalisation changed its text (``None``
    when it changed nothing).

    Examples
    --------
    >>> column, changed = encode(pd.Series(["李 家村", "李家村", None]), remove_spaces=True)
    >>> column.tolist(), changed.tolist()
    (['李家村', '李家村', nan], [True, False, False])
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        rows = values.cat.codes.to_numpy()
        before = pd.Series(values.cat.categories, dtype="str")
        after = normalize_values(before, remove_spaces=remove_spaces)
        if after is before:
            return values, None  # already a categorical of clean text
    else:
        text = values if values.dtype == "str" else values.astype("str")
        arr = pa.array(text, type=pa.large_string(), from_pandas=True)
        encoded = pc.dictionary_encode(arr)  # one dictionary for the column, even if chunked
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        before = pd.Series(encoded.dictionary.to_pandas(), dtype="str")
        rows = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        after = normalize_values(before, remove_spaces=remove_spaces)
    if after is before:  # nothing changed: the distinct values are the categories
        dtype = distinct_categorical_dtype(before.array)
        cat = pd.Categorical.from_codes(rows, dtype=dtype, validate=False)
        return pd.Series(cat, index=values.index), None
    new_codes, categories = pd.factorize(after)
    changed = before.ne(after).to_numpy() & after.notna().to_numpy()
    codes = np.append(new_codes, -1)[rows]
    dtype = distinct_categorical_dtype(categories)
    cat = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
    return pd.Series(cat, index=values.index), np.append(changed, False)[rows]


#: ``Rows.elsewhere`` of a row whose person was not found in another part of the roster.
NOWHERE_ELSE = np.iinfo(np.int64).max

#: Cell labels of identity numbers that are not canonical start here (above every
#: canonical number, 17 digits times 11 plus 10).
_TEXT_LABELS = 2**62


def _identity(raw_ids: pd.Series, ref_date: pd.Timestamp) -> Identity:
    """Check every identity number (nearly all are canonical: no text work for those)."""
    checked = idcard.check_arrow(raw_ids, ref_date)
    n = len(raw_ids)
    changed = np.zeros(n, dtype=bool)
    respelled = np.zeros(n, dtype=bool)
    cell = checked.number.copy()  # a canonical cell: its number stands for its text
    rest = np.flatnonzero((checked.number < 0) | checked.normalised)
    if len(rest):
        before = raw_ids.iloc[rest].reset_index(drop=True)
        text = normalize_values(before, remove_spaces=True)  # as in the other columns
        final = pd.Series(checked.id_number.take(rest).to_pandas(), dtype="str")
        present = text.notna().to_numpy()
        changed[rest] = before.ne(text).to_numpy() & present
        respelled[rest] = text.ne(final).to_numpy() & present
        as_text = respelled[rest] | (cell[rest] < 0)
        labels = _TEXT_LABELS + pd.factorize(text)[0]
        cell[rest] = np.where(present, np.where(as_text, labels, cell[rest]), -1)
    return Identity(checked, changed, respelled, cell)


def _normalise(raw: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The used fields (but the identity number) normalised as categoricals, and per row
    whether normalisation changed a cell."""
    names = [name for name in raw.columns if name in USED_COLUMNS and name != "id_number"]

    def encode_column(name: str) -> tuple[pd.Series, np.ndarray | None]:
        return encode(raw[name], remove_spaces=name in CODE_COLUMNS)

    # text columns (not already categorical) are dictionary-encoded by pyarrow, which
    # releases the GIL: several columns at once on several threads
    text_columns = sum(not isinstance(raw[name].dtype, pd.CategoricalDtype) for name in names)
    workers = min(text_columns, os.cpu_count() or 1, 4)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            encoded = list(pool.map(encode_column, names))
    else:
        encoded = [encode_column(name) for name in names]
    changed = np.zeros(len(raw), dtype=bool)
    for _, changed_here in encoded:
        if changed_here is not None:
            changed |= changed_here
    work = pd.DataFrame({name: col for name, (col, _) in zip(names, encoded, strict=True)},
                        index=raw.index)
    return work, changed


def resolve_villages(names: pd.Series, folder: Path | None = None) -> Villages:
    """Resolve the village names of the rows, once per distinct name, with the crosswalk
    of the reference folder ``folder`` (default: :func:`~fupin_analysis.reference.reference_dir`).

    Examples
    --------
    >>> villages = resolve_villages(pd.Series(["李家", "火星村", "李家"]))
    >>> villages.code.tolist(), list(villages.codes), villages.evidence.tolist()
    ([0, -1, 0], ['430527203203'], ['same_name', nan, nan])
    """
    name, distinct = codes_uniques(names)
    resolved = resolve_village_names(pd.Series(distinct, dtype="str"), folder)
    code_index, codes = pd.factorize(resolved["code"])
    evidence = pd.Series(np.append(resolved["evidence"].to_numpy(dtype=object), None), dtype="str")
    return Villages(
        name=name,
        code=np.append(code_index, -1)[name],
        codes=pd.array(np.asarray(codes, dtype=object), dtype="str"),
        evidence=evidence,
    )


def read_rows(
    raw: pd.DataFrame,
    reference_date: pd.Timestamp | str = DEFAULT_REFERENCE_DATE,
    reference: str | Path | None = None,
) -> Rows:
    """The state of every row before any rule: fields normalised, identity numbers
    checked, households found; nothing refused yet.

    ``raw`` is a frame as :func:`read_raw` returns it; ``reference`` the reference folder
    (default: :func:`~fupin_analysis.reference.reference_dir`).
    """
    ref_date = pd.Timestamp(reference_date)
    raw = raw.reset_index(drop=True)
    raw.attrs = {}  # pandas deep-copies attrs at every operation: the sources stay outside
    raw = _with_sources(raw)
    n = len(raw)
    identity = _identity(raw["id_number"], ref_date)
    work, changed = _normalise(raw)
    checked = identity.checked
    # a valid number stands for its person, whatever its spelling; other cells for their text
    person = pd.factorize(np.where(checked.number >= 0, checked.number, identity.cell))[0]
    relation = to_vocabulary(optional_column(work, "relation"), "relation")
    return Rows(
        raw=raw,
        work=work,
        normalised=changed | identity.changed,
        identity=identity,
        person=person,
        shared=np.bincount(person, minlength=1)[person] > 1,
        relation=relation,
        is_head=relation.eq("户主").fillna(False).to_numpy(dtype=bool),
        household=pd.factorize(work["household_id"])[0],
        reference_date=ref_date,
        reference=reference_dir(reference),
        reason=np.zeros(n, dtype=np.int8),
        detail=np.full(n, "", dtype=object),
    )


def person_keys(rows: Rows, salt: str) -> pd.Series:
    """Per row, the ``person_key`` its identity number would get (missing where the
    number is not valid): the same key as in ``members``.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2, "household_id": ["001"] * 2,
    ...     "id_number": ["430527199001011237", "4.30527E+17"], "source_row": [4, 5]}))
    >>> keys = person_keys(rows, "doc")
    >>> keys.str.len().tolist(), keys.isna().tolist()
    ([16.0, nan], [False, True])
    """
    valid = rows.identity.checked.number >= 0
    ids = pd.Series(rows.identity.checked.id_number.filter(pa.array(valid)).to_pandas())
    keys = pd.Series(pd.NA, index=rows.raw.index, dtype="str")
    keys[valid] = keyed_hash(ids, salt, "person").to_numpy()
    return keys


def identity_hashes(
    raw_ids: pd.Series, reference_date: pd.Timestamp | str, salt: str
) -> pd.Series:
    """Per row, the 64-bit number its ``person_key`` would spell (``UInt64``; missing
    where the identity number is not valid at ``reference_date``): the key of a person
    before any cleaning, for an engine that must find the same person across parts of
    a roster before it cleans them (:mod:`fupin_analysis.scale`).

    Examples
    --------
    >>> from fupin_analysis.schema import key_numbers
    >>> ids = pd.Series(["430527199001011237", "4.30527E+17"])
    >>> hashes = identity_hashes(ids, "2016-12-31", "doc")
    >>> hashes.isna().tolist()
    [False, True]
    >>> key = keyed_hash(ids.iloc[:1], "doc", "person")
    >>> bool(key_numbers(key)[0] == hashes.iloc[0])
    True
    """
    checked = idcard.check_arrow(raw_ids, pd.Timestamp(reference_date))
    valid = checked.number >= 0
    hashes = np.zeros(len(raw_ids), dtype=np.uint64)
    if valid.any():
        hashes[valid] = person_hashes(checked.id_number.filter(pa.array(valid)), salt)
    return pd.Series(pd.arrays.IntegerArray(hashes, ~valid), index=raw_ids.index)


def elsewhere_positions(
    rows: Rows, salt: str, persons: Collection[str] | Mapping[str, int]
) -> np.ndarray:
    """``Rows.elsewhere`` of ``clean_roster(exclude_persons=persons)``: per row, the
    position before which its person was found in another part of the roster (0 for the
    persons of a plain collection: before every row), :data:`NOWHERE_ELSE` for the others.

    Examples
    --------
    >>> rows = read_rows(pd.DataFrame({"village": ["李家村"] * 2, "household_id": ["001"] * 2,
    ...     "id_number": ["430527199001011237", "430527198505052003"], "source_row": [4, 5]}))
    >>> key = person_keys(rows, "doc").iloc[1]
    >>> elsewhere_positions(rows, "doc", {key: 1}).tolist() == [NOWHERE_ELSE, 1]
    True
    """
    before = persons if isinstance(persons, Mapping) else dict.fromkeys(persons, 0)
    found = pd.Index(list(before), dtype="str").get_indexer(person_keys(rows, salt))
    positions = np.fromiter(before.values(), dtype=np.int64, count=len(before))
    return np.where(found >= 0, np.append(positions, 0)[found], NOWHERE_ELSE)


def _with_sources(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` with categorical ``source_file`` and ``source_sheet`` (``""`` where the
    frame has none) and ``source_row`` (position from 1 where it has none)."""
    for name in SOURCE_COLUMNS[:2]:
        if name not in raw.columns:
            codes = np.zeros(len(raw), dtype=np.int8)
            dtype = distinct_categorical_dtype([""])
            raw[name] = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
        elif not isinstance(raw[name].dtype, pd.CategoricalDtype):
            raw[name] = raw[name].astype("str").fillna("").astype("category")
    if "source_row" not in raw.columns:
        raw["source_row"] = np.arange(1, len(raw) + 1, dtype=np.int64)
    return raw


# --- households and the kept rows --------------------------------------------------------


def heads(is_head: np.ndarray, household: np.ndarray) -> np.ndarray:
    """Per household code (``household``, -1 for none), the row of its head, else its
    first row; the first head when there are several.

    A repeat of a row (``duplicate_row``) is never chosen over its earlier copy, which
    has the same cells: the choice is the same with or without the repeats.

    Examples
    --------
    >>> heads(np.array([False, True, False]), np.array([0, 0, 1])).tolist()
    [1, 2]
    """
    n_households = household.max() + 1 if len(household) else 0
    ref = np.full(n_households, -1, dtype=np.int64)
    rows = np.arange(len(household))
    ok = household >= 0
    for mask in (ok & ~is_head, ok & is_head):  # heads overwrite: first head wins
        sel = rows[mask][::-1]  # reversed so the first row of each household is written last
        ref[household[sel]] = sel
    return ref


def keep(rows: Rows) -> Kept:
    """The kept rows (``reason`` 0), with their fields parsed once per distinct text and
    their households, for the rules about values and for the tables."""
    if rows.villages is None:
        raise ValueError("keep() runs after the rule unknown_village, which resolves villages")
    villages = rows.villages
    mask = rows.reason == 0
    used = ["household_id", "sex", "age", *(f.name for f in MEMBER_FIELDS + HOUSEHOLD_FIELDS)]
    work = rows.work.loc[mask, [c for c in used if c in rows.work.columns]]
    work = work.reset_index(drop=True)
    household = rows.household[mask]
    is_head = rows.is_head[mask]
    head_of = heads(is_head, household)
    found = np.bincount(household, minlength=len(head_of))
    households = np.flatnonzero(found)  # sorted, like np.unique
    real = ~mask & (rows.household >= 0) & ~rows.refused_for(*NOT_A_PERSON)
    refused = np.bincount(rows.household[real], minlength=len(head_of))
    checked = rows.identity.checked
    ymd = checked.birth_ymd[mask].astype(np.int64)
    birth_year = ymd // 10000
    ref_date = rows.reference_date
    had_birthday = ymd % 10000 <= ref_date.month * 100 + ref_date.day
    return Kept(
        mask=mask,
        work=work,
        relation=rows.relation[mask].reset_index(drop=True),
        is_head=is_head,
        household=household,
        head_of=head_of,
        households=households,
        heads=head_of[households],
        members_found=found[households],
        refused_persons=refused[households],
        village=villages.code[mask],
        village_name=villages.name[mask],
        villages=villages,
        own_value={name: ~filled[mask] for name, filled in rows.filled.items()},
        person_fields=parse_fields(work, MEMBER_FIELDS),
        household_fields=parse_fields(work, HOUSEHOLD_FIELDS),
        id_numbers=checked.id_number.filter(pa.array(mask)),
        sex=checked.sex[mask],
        birth_date=checked.birth_date[mask],
        birth_year=birth_year,
        age=ref_date.year - birth_year - (~had_birthday).astype(np.int64),
        source_file=rows.raw["source_file"][mask].reset_index(drop=True),
        source_sheet=rows.raw["source_sheet"][mask].reset_index(drop=True),
        source_row=rows.raw["source_row"].to_numpy(dtype=np.int64)[mask],
        reference=rows.reference,
        quality=rows.quality,
    )
