"""Clean a raw roster into members, households, quarantine and a quality report.

:func:`clean_roster` applies one small, vectorised function per rule. Every input row
ends in exactly one of ``members`` or ``quarantine`` (with a ``reason``); the ``quality``
table has one row per rule saying how many rows it touched and what was done. Nothing is
repaired by guessing: an identity number Excel turned into ``4.30527E+17`` is refused,
not padded.

Quarantine reasons, in order of precedence (a row gets the first that applies):

``duplicate_row``
    an exact repeat (every cell equal after text normalisation) of an earlier row.
``id_missing`` / ``id_mangled`` / ``id_invalid``
    no identity number; a number in scientific notation or with a decimal point; a
    number failing GB 11643 (shape, birth date, future birth date, check character).
``household_missing``
    no household number (户编号), so the row cannot be linked to a household.
``unknown_village``
    the village name resolves to no unit through ``data/reference/crosswalk.csv``.
``duplicate_person``
    the identity number of a person already kept (in this or another household).

``counts_as_person`` is False for ``duplicate_row`` and ``duplicate_person`` (a repeat of
someone already counted) and True otherwise (a real person refused for a defect).

Examples
--------
>>> raw = pd.DataFrame({
...     "village": ["李家村", "李家", "火星村"],
...     "household_id": ["001", "001", "002"],
...     "name": ["张三", "李四", "王五"],
...     "id_number": ["430527199001011237", "4.30527E+17", "430527198505052003"],
...     "household_size": ["2", None, "1"],
...     "relation": ["户主", "配偶", "户主"],
...     "exit_status": ["未脱贫", None, "已脱贫"],
...     "household_type": ["五保户", None, "一般贫困户"],
...     "source_row": [4, 5, 6],
... })
>>> result = clean_roster(raw, salt="doc")
>>> len(result.members), result.quarantine["reason"].tolist()
(1, ['id_mangled', 'unknown_village'])
>>> cols = ["village_name", "household_type", "household_size", "members"]
>>> result.households[cols].values.tolist()
[['李家村', '特困供养贫困户', 2, 1]]
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import idcard
from .errors import RosterFormatError
from .ingest import read_roster
from .reference import load_villages, resolve_village_names
from .schema import (
    EMPTY_MARKERS,
    HOUSEHOLD_COLUMNS,
    REASONS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    VALUE_ALIASES,
    VOCABULARIES,
    column,
    distinct_categorical_dtype,
    fixed_width_bytes,
    normalize_text,
    normalize_values,
    validate_clean,
)

__all__ = [
    "CleanRoster",
    "clean_roster",
    "REASONS",
    "MEMBER_COLUMNS",
    "HOUSEHOLD_TABLE_COLUMNS",
    "keyed_hash",
    "parse_numbers",
    "parse_dates",
    "to_vocabulary",
    "to_boolean",
    "write_outputs",
    "format_summary",
]

_NOT_A_PERSON = ("duplicate_row", "duplicate_person")

#: Columns of ``CleanRoster.members``, in order.
MEMBER_COLUMNS: tuple[str, ...] = (
    "person_key",
    "household_key",
    "village_code",
    "relation",
    "sex",
    "birth_date",
    "birth_year",
    "age",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "labour_skill",
    "months_worked",
    "medical_insurance",
    "critical_illness_insurance",
    "source_row",
)

#: Columns of ``CleanRoster.households``, in order.
HOUSEHOLD_TABLE_COLUMNS: tuple[str, ...] = (
    "household_key",
    "village_code",
    "village_name",
    "designated",
    "village_evidence",
    "household_size",
    "members",
    "household_type",
    "main_cause",
    "other_causes",
    "dilapidated_house",
    "safe_water",
    "income_per_capita",
    "first_identified",
    "identification_standard",
    "exit_status",
    "exit_year",
    "exited",
    "relocation_mode",
    "credit_rated",
    "credit_granted",
)

# Codes and names: every inner space is noise. Other text keeps inner spaces.
_CODE_COLUMNS = (
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
_EXITED = ("已脱贫(享受政策)", "已脱贫(不再享受政策)")
_SEPARATORS = re.compile(r"[,，、;；/|\s]+")


@dataclass(frozen=True)
class CleanRoster:
    """The result of :func:`clean_roster`.

    Attributes
    ----------
    members : pandas.DataFrame
        One row per person kept; columns :data:`MEMBER_COLUMNS`. No name, identity
        number or phone number: ``person_key`` and ``household_key`` are salted hashes.
    households : pandas.DataFrame
        One row per household with at least one member kept; columns
        :data:`HOUSEHOLD_TABLE_COLUMNS`. Household fields come from the head's row.
    quarantine : pandas.DataFrame
        Refused rows with their raw values (personal data included: write it with
        mode 0600), ``source_row``, ``reason`` (:data:`REASONS`), ``detail`` and
        ``counts_as_person``.
    quality : pandas.DataFrame
        One row per rule: ``rule``, ``rows`` (rows affected), ``action``, ``detail``.
    """

    members: pd.DataFrame
    households: pd.DataFrame
    quarantine: pd.DataFrame
    quality: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Counts of the result: ``item``, ``value`` (one row each).

        Examples
        --------
        >>> empty = pd.DataFrame()
        >>> CleanRoster(empty, empty, pd.DataFrame({"reason": [], "counts_as_person": []}),
        ...             empty).summary()["value"].tolist()
        [0, 0, 0, 0, 0, 0]
        """
        q = self.quarantine
        persons = q["counts_as_person"].astype(bool) if len(q) else pd.Series([], dtype=bool)
        items = {
            "rows_read": len(self.members) + len(q),
            "members": len(self.members),
            "households": len(self.households),
            "quarantined": len(q),
            "quarantined_persons": int(persons.sum()),
            "persons": len(self.members) + int(persons.sum()),
        }
        return pd.DataFrame({"item": list(items), "value": list(items.values())})

    def quarantine_by_reason(self) -> pd.DataFrame:
        """Refused rows by reason: ``reason``, ``rows``, ``real_persons``; most rows first.

        ``real_persons`` counts the rows that are real people refused for a defect
        (``counts_as_person``), as opposed to repeats of someone already kept.

        Examples
        --------
        >>> q = pd.DataFrame({"reason": ["id_mangled", "duplicate_row", "id_mangled"],
        ...                   "counts_as_person": [True, False, True], "source_row": [4, 5, 6]})
        >>> empty = pd.DataFrame()
        >>> CleanRoster(empty, empty, q, empty).quarantine_by_reason().values.tolist()
        [['id_mangled', 2, 2], ['duplicate_row', 1, 0]]
        """
        q = self.quarantine
        out = (
            q.groupby("reason", observed=True)
            .agg(rows=("source_row", "size"), real_persons=("counts_as_person", "sum"))
            .reset_index()
            .sort_values("rows", ascending=False, kind="stable")
            .reset_index(drop=True)
        )
        return out.astype({"rows": "int64", "real_persons": "int64"})


# --- value parsers (each works on the unique values of a column) -----------------------


def _codes_uniques(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 missing) and the distinct values they point to."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    codes, uniques = pd.factorize(values)
    return codes, pd.Index(uniques)


def _per_unique(values: pd.Series, func: Callable[[str], object], dtype) -> pd.Series:
    """Apply a scalar parser once per distinct value (columns repeat values a lot)."""
    codes, uniques = _codes_uniques(values)
    parsed = pd.array([func(u) for u in uniques], dtype=dtype)
    out = parsed.take(codes, allow_fill=True)
    return pd.Series(out, index=values.index, name=values.name)


def _number(text: str) -> float:
    t = re.sub(r"[,，\s元人个月岁]|人民币|/年", "", normalize_text(text))
    scale = 1
    if t.endswith("万"):
        t, scale = t[:-1], 10_000
    try:
        value = float(Decimal(t) * scale)  # Decimal: 0.17万 is 1700, not 1700.0000000000002
    except (InvalidOperation, ValueError):
        return np.nan
    return value if np.isfinite(value) else np.nan


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers written as text: ``"1.2万"``, ``"3,100元"``, ``"3000.00"``, ``"５"``.

    Unparseable text becomes ``NaN``.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1.2万", "3,100元", "3000.00", "五", None])).tolist()
    [12000.0, 3100.0, 3000.0, nan, nan]
    """
    return _per_unique(values, _number, "float64").astype("float64")


_DATE_PATTERNS = (
    re.compile(r"(\d{4})[年./-](\d{1,2})(?:[月./-](\d{1,2})日?)?月?(?:[ T].*)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})?"),
)


def _date(text: str) -> pd.Timestamp:
    t = normalize_text(text) if " " not in text.strip() else text.strip()
    if re.fullmatch(r"\d{5}(?:\.0+)?", t):  # Excel serial day number (1900 system)
        days = int(float(t))
        if 20000 <= days <= 60000:
            return pd.Timestamp("1899-12-30") + pd.Timedelta(days=days)
        return pd.NaT
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(t)
        if m:
            year, month, day = int(m[1]), int(m[2]), int(m[3] or 1)
            try:
                return pd.Timestamp(year=year, month=month, day=day)
            except ValueError:
                return pd.NaT
    return pd.NaT


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates in mixed forms: ``2016年11月``, ``2016.11``, ``2016-11-23``, Excel serials.

    A month without a day is the first of the month. Unparseable text becomes ``NaT``.

    Examples
    --------
    >>> parse_dates(pd.Series(["2016年11月", "2016.11", "2016-11-23", "42697", "x"])).dt.strftime(
    ...     "%Y-%m-%d").tolist()
    ['2016-11-01', '2016-11-01', '2016-11-23', '2016-11-23', nan]
    """
    return _per_unique(values, _date, "datetime64[s]")


def _vocab_mapper(vocab: str) -> Callable[[str], str | None]:
    terms = VOCABULARIES[vocab].terms
    table = {normalize_text(t): t for t in terms}
    table.update({normalize_text(k): v for k, v in VALUE_ALIASES.get(vocab, {}).items()})

    def term(text: str) -> str | None:
        key = normalize_text(text)
        if key in table:
            return table[key]
        for part in _SEPARATORS.split(key):  # combinations such as 长期慢性病,残疾
            if part in table:
                return table[part]
        return None

    return term


def to_vocabulary(values: pd.Series, vocab: str) -> pd.Series:
    """Map text to the official terms of a vocabulary (old terms to today's).

    Values that are not official terms nor known aliases become missing. For a
    combination (``长期慢性病,残疾``) the first official term is taken.

    Examples
    --------
    >>> to_vocabulary(pd.Series(["五保户", "低保贫困户", "x"]), "household_type").tolist()
    ['特困供养贫困户', '低保贫困户', nan]
    """
    dtype = VOCABULARIES[vocab].dtype
    position = {term: i for i, term in enumerate(dtype.categories)}
    mapper = _vocab_mapper(vocab)
    codes, uniques = _codes_uniques(values)
    table = np.array([position.get(mapper(u), -1) for u in uniques] + [-1], dtype=np.int16)
    out = pd.Categorical.from_codes(table[codes], dtype=dtype)
    return pd.Series(out, index=values.index, name=values.name)


def to_boolean(values: pd.Series) -> pd.Series:
    """是/否 (and Y/N, 有/没有, √/×) as a nullable boolean.

    Examples
    --------
    >>> to_boolean(pd.Series(["是", "否", "Y", None])).tolist()
    [True, False, True, <NA>]
    """
    codes = to_vocabulary(values, "yes_no").cat.codes.to_numpy()
    out = pd.arrays.BooleanArray(codes == 0, codes < 0)  # 是 is the first term
    return pd.Series(out, index=values.index, name=values.name)


def keyed_hash(values: pd.Series, salt: str, domain: str) -> pd.Series:
    """Pseudonymous 16-hex-digit keys: SipHash-2-4 keyed by ``salt`` and ``domain``.

    Vectorised and stable: the same value, salt and domain give the same key; without
    the salt a key cannot be traced back to the value.

    Examples
    --------
    >>> keyed_hash(pd.Series(["430527199001011237"]), "s", "person").str.len().tolist()
    [16]
    """
    codes, uniques = _codes_uniques(values)
    if len(uniques) > len(codes):  # a few rows of a large categorical: hash theirs only
        present = codes >= 0
        codes = codes.copy()
        codes[present], used = pd.factorize(codes[present])
        uniques = uniques.take(used)
    hashes = _hash64(np.asarray(uniques, dtype=object), salt, domain)
    return _hex_keys(np.append(hashes, np.uint64(0))[codes], missing=codes < 0).set_axis(
        values.index
    )


def _hash64(values: np.ndarray | pa.Array, salt: str, domain: str) -> np.ndarray:
    """The 64-bit hashes behind :func:`keyed_hash` of text values: a numpy array (object,
    or fixed-width bytes) or an arrow array. ``bytes`` holding the UTF-8 of a text give
    the same hash as the text, without encoding each value. The hash function needs
    Python objects: they are made a slice at a time, so their memory is reused."""
    key = hashlib.blake2b(f"{domain}:{salt}".encode(), digest_size=8).hexdigest()
    hashes = np.empty(len(values), dtype=np.uint64)
    for start in range(0, len(values), _HASH_SLICE):
        part = values[start : start + _HASH_SLICE]
        if isinstance(part, pa.Array):
            part = part.to_numpy(zero_copy_only=False)
        elif part.dtype != object:
            part = part.astype(object)
        hashes[start : start + len(part)] = pd.util.hash_array(
            part, hash_key=key, categorize=False
        )
    return hashes


_HASH_SLICE = 1 << 16


_HEX_PAIRS = np.frombuffer(
    "".join(f"{b:02x}" for b in range(256)).encode("ascii"), dtype="S2"
).view(np.uint16)


def _hex_keys(hashes: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """Keys of :func:`keyed_hash` from their 64-bit hashes: 16 lowercase hex digits."""
    out = _HEX_PAIRS[hashes.astype(">u8").view(np.uint8)]  # two hex digits per byte
    offsets = np.arange(0, 16 * (len(hashes) + 1), 16, dtype=np.int64)
    keys = pa.LargeStringArray.from_buffers(  # ASCII hex digits: valid UTF-8 by construction
        len(hashes), pa.py_buffer(offsets), pa.py_buffer(out)
    )
    if missing is not None and missing.any():
        keys = pc.if_else(pa.array(missing), pa.scalar(None, keys.type), keys)
    return pd.Series(keys.to_pandas(), dtype="str")


# --- the pipeline ------------------------------------------------------------------------


class _Quality:
    """Collects the quality table, one row per rule."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, rule: str, rows: int, action: str, detail: str = "") -> None:
        self.rows.append({"rule": rule, "rows": int(rows), "action": action, "detail": detail})

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=["rule", "rows", "action", "detail"])
        return frame.astype({"rule": "str", "rows": "int64", "action": "str", "detail": "str"})


def _counts(series: pd.Series) -> str:
    vc = series.value_counts()
    return "; ".join(f"{k}: {v}" for k, v in vc.items() if v)


def _as_raw_frame(raw_or_path, sheet, encoding) -> pd.DataFrame:
    if isinstance(raw_or_path, str | Path):
        # the fields normalised through their distinct values: encoded while reading
        encoded = _USED - {"id_number"}
        return read_roster(raw_or_path, sheet=sheet, encoding=encoding, categorical=encoded)
    if not isinstance(raw_or_path, pd.DataFrame):
        raise TypeError("clean_roster takes a path or the DataFrame read_roster returns")
    raw = raw_or_path.copy()
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        headers = ", ".join(column(c).header for c in missing)
        raise RosterFormatError(
            f"{raw.attrs.get('source_file', 'roster frame')}: missing required column(s) "
            f"{headers} ({', '.join(missing)}); read the file with read_roster"
        )
    if "source_row" not in raw.columns:
        raw["source_row"] = np.arange(1, len(raw) + 1, dtype=np.int64)
    return raw


def _encode(values: pd.Series, remove_spaces: bool) -> tuple[pd.Series, np.ndarray | None]:
    """Normalised column as a categorical (text work happens once per distinct value).

    Returns the categorical and, per row, whether normalisation changed its text (``None``
    when it changed nothing).
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


@dataclass(frozen=True)
class _Identity:
    """Identity numbers, row by row (:func:`_identity`)."""

    checked: idcard.CheckedIds
    changed: np.ndarray  # the cell's text changed by normalisation (NFKC, spaces)
    respelled: np.ndarray  # then changed again: lowercase x, Excel's text apostrophe
    cell: np.ndarray  # int64, equal where the normalised cells are equal (-1 missing)


def _identity(raw_ids: pd.Series, ref_date: pd.Timestamp) -> _Identity:
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
    return _Identity(checked, changed, respelled, cell)


#: Cell labels of identity numbers that are not canonical start here (above every
#: canonical number, 17 digits times 11 plus 10).
_TEXT_LABELS = 2**62


def _normalise(
    raw: pd.DataFrame, ref_date: pd.Timestamp, q: _Quality
) -> tuple[pd.DataFrame, _Identity]:
    """Text normalisation and empty markers; returns categorical columns of clean text,
    and the identity numbers checked row by row."""
    work = {}
    changed = np.zeros(len(raw), dtype=bool)
    emptied = np.zeros(len(raw), dtype=bool)
    markers = {normalize_text(m) for m in EMPTY_MARKERS}
    required = set(REQUIRED_COLUMNS)
    names = [name for name in raw.columns if name in _USED and name != "id_number"]
    # names, phones, unknown columns: only compared for repeats, lazily (_duplicate_rows)

    def encode(name: str) -> tuple[pd.Series, np.ndarray | None]:
        return _encode(raw[name], remove_spaces=name in _CODE_COLUMNS)

    identity = _identity(raw["id_number"], ref_date)
    # text columns (not already categorical) are dictionary-encoded by pyarrow, which
    # releases the GIL: several columns at once on several threads
    text_columns = sum(not isinstance(raw[name].dtype, pd.CategoricalDtype) for name in names)
    workers = min(text_columns, os.cpu_count() or 1, 4)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            encoded = list(pool.map(encode, names))
    else:
        encoded = [encode(name) for name in names]
    changed |= identity.changed
    for name, (col, changed_here) in zip(names, encoded, strict=True):
        if changed_here is not None:
            changed |= changed_here
        categories = col.cat.categories
        found = categories[categories.isin(markers)].tolist()
        if name not in required and found:
            emptied |= col.isin(found).to_numpy()
            col = col.cat.remove_categories(found)
        work[name] = col
    q.add(
        "text_normalised",
        changed.sum(),
        "NFKC, trimmed; spaces removed in codes (fields the analysis uses)",
    )
    q.add("empty_marker", emptied.sum(), "set to missing (无, /, -, ——, 空 in optional fields)")
    return pd.DataFrame(work, index=raw.index), identity


def _first_occurrence(codes: np.ndarray) -> np.ndarray:
    """True where a ``pd.factorize`` code appears for the first time.

    ``factorize`` numbers values in order of first appearance, so a row is a first
    occurrence exactly when its code exceeds every code before it.
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=bool)
    before = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    return codes > before


def _duplicate_rows(
    work: pd.DataFrame, raw: pd.DataFrame, id_cells: np.ndarray, maybe: np.ndarray
) -> np.ndarray:
    """Rows identical in every cell to an earlier row (hash, then checked exactly).

    Only rows marked ``maybe`` (a superset of the repeats: those sharing an identity
    number or lacking one) are compared. Cells are compared normalised: ``id_cells``
    (labels of the identity numbers, -1 missing), ``work`` for the other fields the
    analysis uses, and the remaining ``raw`` columns normalised here, on those rows only.
    """
    dup = np.zeros(len(work), dtype=bool)
    maybe = np.flatnonzero(maybe)
    if len(maybe) < 2:
        return dup
    cells = [pd.factorize(id_cells[maybe])[0]]
    cells += [_codes_uniques(work[c].iloc[maybe])[0] for c in work.columns]
    others = raw.columns.difference(work.columns).drop(["source_row", "id_number"], errors="ignore")
    for name in others:
        column, _ = _encode(raw[name].iloc[maybe], remove_spaces=name in _CODE_COLUMNS)
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


def _heads(work: pd.DataFrame, hh: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Per household code: the row of its head among ``eligible`` rows, else its first."""
    n_hh = hh.max() + 1 if len(hh) else 0
    ref = np.full(n_hh, -1, dtype=np.int64)
    rows = np.arange(len(hh))
    ok = eligible & (hh >= 0)
    is_head = work["relation"].eq("户主").fillna(False).to_numpy(dtype=bool)
    for mask in (ok & ~is_head, ok & is_head):  # heads overwrite: first head wins
        sel = rows[mask][::-1]  # reversed so the first row of each household is written last
        ref[hh[sel]] = sel
    return ref


def _fill_down(
    work: pd.DataFrame, hh: np.ndarray, ref: np.ndarray, q: _Quality
) -> dict[str, np.ndarray]:
    """Household fields missing on a member row are taken from the head's row; returns,
    per field, the rows filled (their value is the head's, not their own)."""
    filled = np.zeros(len(work), dtype=bool)
    filled_by_field: dict[str, np.ndarray] = {}
    has = hh >= 0
    src = np.full(len(hh), -1, dtype=np.int64)
    src[has] = ref[hh[has]]
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
        filled_by_field[name] = gap & (codes >= 0)
        filled |= filled_by_field[name]
    q.add("household_fill", filled.sum(), "household fields filled from the head's row")
    return filled_by_field


def clean_roster(
    raw_or_path: pd.DataFrame | str | Path,
    *,
    salt: str = "fupin",
    reference_date: str | pd.Timestamp = "2016-12-31",
    sheet: str | None = None,
    encoding: str | None = None,
) -> CleanRoster:
    """Clean a roster: members, households, quarantine and the quality report.

    Parameters
    ----------
    raw_or_path : pandas.DataFrame or str or pathlib.Path
        A frame as :func:`~fupin_analysis.ingest.read_roster` returns it, or a roster
        file (read with ``sheet`` and ``encoding``).
    salt : str
        Salt of the pseudonymous ``person_key`` and ``household_key``. Keep it secret
        and the same across runs that must link.
    reference_date : str or pandas.Timestamp
        Day at which ages are computed; a birth date after it is invalid.
    sheet, encoding : str, optional
        Passed to ``read_roster`` when ``raw_or_path`` is a path.

    Returns
    -------
    CleanRoster
        ``len(raw) == len(members) + len(quarantine)``, always.

    Raises
    ------
    RosterFormatError
        When the input cannot be read as a roster or lacks a required column.

    Examples
    --------
    >>> clean_roster("../data/raw/zhaishi_roster_2016.xlsx").summary()  # doctest: +SKIP
    """
    raw = _as_raw_frame(raw_or_path, sheet, encoding)
    ref_date = pd.Timestamp(reference_date)
    q = _Quality()
    n = len(raw)
    raw = raw.reset_index(drop=True)
    work, identity = _normalise(raw, ref_date, q)
    reason = np.zeros(n, dtype=np.int8)  # 0: kept, k: REASONS[k - 1]
    detail = np.full(n, "", dtype=object)

    def refuse(mask: np.ndarray, code: str, why=None) -> np.ndarray:
        """Quarantine the rows of ``mask`` not refused yet; ``why(rows)``: their detail."""
        new = mask & (reason == 0)
        reason[new] = REASONS.index(code) + 1
        if why is not None:
            detail[new] = why(new)
        return new

    # 1. exact repeats: only rows sharing a person (or lacking a number) can be repeats
    checked = identity.checked
    person = pd.factorize(np.where(checked.number >= 0, checked.number, identity.cell))[0]
    shared = np.bincount(person, minlength=1)[person] > 1
    maybe = shared | (identity.cell < 0)
    dup_row = refuse(_duplicate_rows(work, raw, identity.cell, maybe), "duplicate_row")
    q.add("duplicate_row", dup_row.sum(), "quarantined (first copy kept)")

    # 2. identity numbers (checked row by row in _normalise)
    at = {name: i for i, name in enumerate(idcard.STATUSES)}
    status = identity.checked.status
    n_missing = refuse(status == at["missing"], "id_missing").sum()
    n_mangled = refuse(status == at["mangled"], "id_mangled").sum()
    bad = np.isin(status, [at[k] for k in ("malformed", "bad_date", "future", "bad_check")])
    statuses = np.asarray(idcard.STATUSES, dtype=object)
    invalid = refuse(bad, "id_invalid", lambda rows: statuses[status[rows]])
    q.add("id_missing", n_missing, "quarantined")
    q.add("id_mangled", n_mangled, "quarantined (scientific notation; never padded)")
    q.add("id_invalid", invalid.sum(), "quarantined", _counts(pd.Series(detail[invalid])))

    # 3. households: relation first (to know heads), then fill-down from the head
    work["relation"] = to_vocabulary(work["relation"], "relation")
    hh = pd.factorize(work["household_id"])[0]
    filled = _fill_down(work, hh, _heads(work, hh, ~dup_row), q)
    no_hh = refuse(hh < 0, "household_missing")
    q.add("household_missing", no_hh.sum(), "quarantined (no 户编号)")

    # 4. villages, resolved once per distinct name
    vcodes, vnames = _codes_uniques(work["village"])
    resolved = resolve_village_names(pd.Series(vnames, dtype="str"))
    code_idx, codes = pd.factorize(resolved["code"])
    code = np.append(code_idx, -1)[vcodes]  # per row: index into ``codes``, -1 unresolved
    code_table = pd.array(np.asarray(codes, dtype=object), dtype="str")
    # per distinct name (the last entry for a missing name); rows index it with ``vcodes``
    evidence = pd.Series(np.append(resolved["evidence"].to_numpy(dtype=object), None), dtype="str")
    unknown = refuse(code < 0, "unknown_village")
    q.add(
        "unknown_village",
        unknown.sum(),
        "quarantined",
        _counts(work["village"][unknown].astype("str").fillna("(empty)")),
    )

    # 5. the same person twice: the first occurrence among rows still kept stays
    # (rows still kept have valid numbers: ``person`` tells who they are)
    candidates = np.flatnonzero((reason == 0) & shared)
    codes = pd.Series(person[candidates])
    dup_person = np.zeros(n, dtype=bool)
    dup_person[candidates[codes.duplicated().to_numpy()]] = True
    first_hh = pd.Series(hh[candidates]).groupby(codes.to_numpy()).transform("first")
    other_hh = np.zeros(n, dtype=bool)
    other_hh[candidates] = first_hh.to_numpy() != hh[candidates]
    refuse(
        dup_person,
        "duplicate_person",
        lambda rows: np.where(other_hh[rows], "other_household", "same_household"),
    )
    q.add(
        "duplicate_person",
        dup_person.sum(),
        "quarantined (first occurrence kept)",
        f"in another household: {int((dup_person & other_hh).sum())}",
    )

    kept = reason == 0
    q.add(
        "id_normalised",
        int((identity.respelled & kept).sum()),
        "kept; lowercase x or Excel's text apostrophe in the identity number",
    )
    ev_kept = vcodes[kept]  # index into ``evidence``
    assumed = evidence.eq("assumed").to_numpy()[ev_kept]
    q.add(
        "village_assumed",
        int(assumed.sum()),
        "kept; matched through an assumed crosswalk link (successor unit unverified)",
        _counts(work["village"][kept][assumed]),
    )
    official = evidence.isin(["official_name", "same_name", "code_shift", "code", "assumed"])
    variant = ~official.to_numpy()[ev_kept]
    q.add(
        "village_variant",
        int(variant.sum()),
        "kept; matched through a variant or old name",
        _counts(pd.Series(evidence.to_numpy()[ev_kept[variant]], dtype="str")),
    )

    not_person = [REASONS.index(r) + 1 for r in _NOT_A_PERSON]
    real = ~kept & (hh >= 0) & ~np.isin(reason, not_person)
    refused = np.bincount(hh[real], minlength=hh.max() + 1 if n else 0)
    village = (code, code_table, evidence, vcodes)
    members, households = _tables(
        work, raw, identity.checked, kept, hh, village, refused, filled, salt, ref_date, q
    )
    refused_rows = np.flatnonzero(~kept)  # few: take them, not filter every column by mask
    quarantine = pd.DataFrame(
        {name: _raw_rows(raw[name], refused_rows) for name in raw.columns},
        index=raw.index[refused_rows],
    )
    names = np.asarray(("",) + REASONS, dtype=object)
    quarantine["reason"] = pd.Series(names[reason[~kept]], index=quarantine.index, dtype="str")
    quarantine["detail"] = pd.Series(detail[~kept], index=quarantine.index, dtype="str")
    quarantine["household_key"] = keyed_hash(
        work["household_id"].iloc[refused_rows], salt, "household"
    ).set_axis(quarantine.index)
    quarantine["counts_as_person"] = ~np.isin(reason[~kept], not_person)
    quarantine = quarantine.sort_values("source_row", kind="stable").reset_index(drop=True)

    unknown_cols = [c for c in raw.columns if c not in _KNOWN and c != "source_row"]
    q.add(
        "unknown_column",
        int(raw[unknown_cols].notna().any(axis=1).sum()) if unknown_cols else 0,
        "kept in quarantine only; not used",
        ", ".join(unknown_cols),
    )
    result = CleanRoster(members, households, quarantine, q.frame())
    validate_clean(result.members, result.households, result.quarantine, result.quality)
    return result


_KNOWN = {c.name for c in ROSTER_COLUMNS}


def _raw_rows(values: pd.Series, rows: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The values of ``rows`` as read (a categorical column as its text)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()[rows]
        return values.cat.categories.astype("str").take(codes, allow_fill=True).array
    return values.array.take(rows)


def _optional(work: pd.DataFrame, name: str) -> pd.Series:
    if name in work.columns:
        return work[name]
    return pd.Series(np.nan, index=work.index, dtype="str")


def _other_causes(values: pd.Series) -> pd.Series:
    """Up to two further causes, official terms joined by 、."""
    mapper = _vocab_mapper("cause")

    def terms(text: str) -> str | None:
        found = [mapper(p) for p in _SEPARATORS.split(normalize_text(text)) if p]
        found = list(dict.fromkeys(t for t in found if t))
        return "、".join(found) if found else None

    return _per_unique(values, terms, "str")


def _year(values: pd.Series) -> pd.Series:
    year = _per_unique(values, lambda t: _number(t.replace("年", "")), "float64")
    return year.where(year.between(1990, 2100)).round().astype("Int64")


def _household_size(values: pd.Series) -> pd.Series:
    """A count of people: a whole number from 0 to 999, else missing (unparsed)."""
    size = parse_numbers(values).round()
    return size.where(size.between(0, 999)).astype("Int64")


def _vocab(vocab: str) -> Callable[[pd.Series], pd.Series]:
    return lambda values: to_vocabulary(values, vocab)


#: Parser of each household field (text → the clean table's type).
_HOUSEHOLD_PARSERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "household_size": _household_size,
    "household_type": _vocab("household_type"),
    "main_cause": _vocab("cause"),
    "other_causes": _other_causes,
    "dilapidated_house": to_boolean,
    "safe_water": to_boolean,
    "income_per_capita": parse_numbers,
    "first_identified": parse_dates,
    "identification_standard": _vocab("identification_standard"),
    "exit_status": _vocab("exit_status"),
    "exit_year": _year,
    "relocation_mode": _vocab("relocation_mode"),
    "credit_rated": to_boolean,
    "credit_granted": to_boolean,
}
#: Parser of each person field.
_MEMBER_PARSERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "ethnicity": _vocab("ethnicity"),
    "education": _vocab("education"),
    "school_status": _vocab("school_status"),
    "health": _vocab("health"),
    "labour_skill": _vocab("labour_skill"),
    "months_worked": parse_numbers,
    "medical_insurance": to_boolean,
    "critical_illness_insurance": to_boolean,
}
_TEXT_PARSED = (parse_numbers, parse_dates, _year)
#: Fields the clean tables are built from (normalised up front).
_USED = {
    "village",
    "household_id",
    "id_number",
    "relation",
    "sex",
    "age",
    *_MEMBER_PARSERS,
    *_HOUSEHOLD_PARSERS,
}


@dataclass(frozen=True)
class _Parsed:
    """A field parsed once per distinct text: ``values[codes]`` is the field per row."""

    codes: np.ndarray  # per row: index into ``values``, -1 for an empty cell
    values: pd.Series  # parsed value of each distinct text

    def take(self, rows: np.ndarray | None = None) -> pd.Series:
        """The parsed field at ``rows`` (all rows by default)."""
        codes = self.codes if rows is None else self.codes[rows]
        return pd.Series(self.values.array.take(codes, allow_fill=True))

    def value_codes(self) -> np.ndarray:
        """Per row, a code equal exactly where the parsed values are equal (-1 missing)."""
        if isinstance(self.values.dtype, pd.CategoricalDtype):
            distinct = self.values.cat.codes.to_numpy()
        else:
            distinct = pd.factorize(self.values)[0]
        small = np.int16 if len(distinct) < 2**15 else np.int32  # a million rows each
        return np.append(distinct, -1).astype(small)[self.codes]


def _parse(w: pd.DataFrame, parsers: dict, lost: dict, aliased: np.ndarray, own: dict) -> dict:
    """Parse the fields of the kept rows, once per distinct text; count values lost
    (unmapped or unparsed) and rows whose own cell held an old or variant term mapped to
    today's (``aliased``, updated; ``own`` masks out values filled from the head's row)."""
    out = {}
    for name, parse in parsers.items():
        codes, uniques = _codes_uniques(_optional(w, name))
        text = pd.Series(uniques, dtype="str")
        parsed = parse(text).reset_index(drop=True)
        out[name] = _Parsed(codes, parsed)
        lost_text = text.notna().to_numpy() & parsed.isna().to_numpy()
        if lost_text.any():
            kind = "unparsed" if parse in _TEXT_PARSED or name == "household_size" else "unmapped"
            n_lost = int(np.bincount(codes[codes >= 0], minlength=len(text))[lost_text].sum())
            if n_lost:
                lost[kind][name] = n_lost
        if isinstance(parsed.dtype, pd.CategoricalDtype):  # a vocabulary
            terms = parsed.astype("str")
            renamed = (terms.notna() & terms.ne(text)).to_numpy()
            if renamed.any():
                aliased |= np.append(renamed, False)[codes] & own.get(name, True)
    return out


def _conflicts(values: dict[str, np.ndarray], hk: np.ndarray, refk: np.ndarray) -> dict:
    """Per household field: households whose members disagree with the head's value
    (``values``: per field, codes equal where the values are equal, -1 missing)."""
    out = {}
    src = refk[hk]
    for name, codes in values.items():
        at_head = codes[src]
        differ = (codes != at_head) & ((codes >= 0) | (at_head >= 0))
        if differ.any():
            out[name] = np.unique(hk[differ])
    return out


def _tables(work, raw, checked, kept, hh, village, refused, filled, salt, ref_date, q):
    """Build ``members`` and ``households`` from the kept rows."""
    code, code_table, evidence, vcodes = village
    needed = ["relation", "household_id", "sex", "age", *_MEMBER_PARSERS, *_HOUSEHOLD_PARSERS]
    w = work.loc[kept, [c for c in needed if c in work.columns]].reset_index(drop=True)
    hk = hh[kept]
    codek = code[kept]
    refk = _heads(w, hk, np.ones(len(w), dtype=bool))
    lost: dict[str, dict[str, int]] = {"unmapped": {}, "unparsed": {}}
    aliased = np.zeros(len(w), dtype=bool)
    own = {name: ~mask[kept] for name, mask in filled.items()}
    person = _parse(w, _MEMBER_PARSERS, lost, aliased, own)
    household = _parse(w, _HOUSEHOLD_PARSERS, lost, aliased, own)
    q.add("value_aliased", int(aliased.sum()), "old or variant term set to today's official term")
    compared = {name: field.value_codes() for name, field in household.items()}
    compared["village_code"] = codek
    conflicts = _conflicts(compared, hk, refk)
    conflicted = np.zeros(len(refk), dtype=bool)
    for households_hit in conflicts.values():
        conflicted[households_hit] = True
    in_conflict = conflicted[hk]
    q.add(
        "household_field_conflict",
        int(in_conflict.sum()),
        "kept; household value taken from the head's row",
        "; ".join(f"{k}: {len(v)} households" for k, v in conflicts.items()),
    )

    members = pd.DataFrame(index=pd.RangeIndex(len(w)))
    # kept identity numbers are distinct (duplicate_person) and canonical: 18 bytes each
    kept_ids = fixed_width_bytes(checked.id_number.filter(pa.array(kept)), 18)
    members["person_key"] = _hex_keys(_hash64(kept_ids.view("S18").ravel(), salt, "person"))
    household_ids = w["household_id"].cat  # kept rows all have one (household_missing)
    categories = pa.array(household_ids.categories, type=pa.large_string())
    household_hash = _hash64(categories.cast(pa.large_binary()), salt, "household")
    row_hash = household_hash[household_ids.codes.to_numpy()]
    members["household_key"] = _hex_keys(row_hash)
    members["village_code"] = pd.Series(code_table.take(codek[refk[hk]]))
    members["relation"] = w["relation"]
    sex_codes = checked.sex[kept]
    members["sex"] = pd.Categorical.from_codes(sex_codes, dtype=VOCABULARIES["sex"].dtype)
    birth = checked.birth_date[kept]
    members["birth_date"] = birth
    ymd = checked.birth_ymd[kept].astype(np.int64)
    birth_year = ymd // 10000
    had_birthday = ymd % 10000 <= ref_date.month * 100 + ref_date.day
    members["birth_year"] = birth_year
    members["age"] = ref_date.year - birth_year - (~had_birthday).astype(np.int64)
    for name in MEMBER_COLUMNS:
        if name in person:
            members[name] = person[name].take()
    members["source_row"] = raw["source_row"].to_numpy(dtype=np.int64)[kept]
    members = members[list(MEMBER_COLUMNS)]

    stated_sex = to_vocabulary(_optional(w, "sex"), "sex")
    sex_bad = stated_sex.notna() & (stated_sex != members["sex"])
    q.add("sex_mismatch", int(sex_bad.sum()), "kept; sex taken from the identity number")
    stated_age = parse_numbers(_optional(w, "age"))
    age_bad = stated_age.notna() & ((stated_age - members["age"]).abs() > 1)
    q.add("age_mismatch", int(age_bad.sum()), "kept; age computed from the identity number")

    # households: one row each, values of the head's row (or the first member's)
    hh_codes = np.flatnonzero(np.bincount(hk, minlength=len(refk)))  # sorted, like np.unique
    heads_at = refk[hh_codes]
    n_found = np.bincount(hk, minlength=len(refk))[hh_codes]
    is_head = w["relation"].eq("户主").fillna(False).to_numpy(dtype=bool)
    n_heads = np.bincount(hk[is_head], minlength=len(refk))[hh_codes]
    villages = load_villages().set_index("code")
    h = pd.DataFrame(index=pd.RangeIndex(len(hh_codes)))
    h["household_key"] = _hex_keys(row_hash[heads_at])
    at_code = codek[heads_at]
    h["village_code"] = pd.Series(code_table.take(at_code))
    per_code = pd.Series(code_table)  # looked up once per village, then spread
    for name, kind in (("village_name", "str"), ("designated", bool)):
        field = "name" if name == "village_name" else name
        values = per_code.map(villages[field]).take(at_code).reset_index(drop=True)
        h[name] = values.astype(kind)
    h["village_evidence"] = pd.Series(
        pa.array(evidence, type=pa.large_string()).take(vcodes[kept][heads_at]).to_pandas(),
        dtype="str",
    )
    h["members"] = n_found.astype("int64")
    for name, field in household.items():
        h[name] = field.take(heads_at)
    h["exited"] = h["exit_status"].isin(_EXITED).astype(bool)
    households = h[list(HOUSEHOLD_TABLE_COLUMNS)]

    size_bad = households["household_size"].ne(households["members"]).fillna(True).to_numpy()
    explained = (
        size_bad
        & households["household_size"]
        .eq(households["members"] + refused[hh_codes])
        .fillna(False)
        .to_numpy()
    )
    q.add(
        "household_size_mismatch",
        int(n_found[size_bad].sum()),
        "kept; declared size (人数) differs from members found",
        f"{int(size_bad.sum())} households, of which {int(explained.sum())} "
        "match once the quarantined real persons are added back",
    )
    head_bad = n_heads != 1
    q.add(
        "head_count",
        int(n_found[head_bad].sum()),
        "kept; households without exactly one head (户主)",
        f"no head: {int((n_heads == 0).sum())} households; several: {int((n_heads > 1).sum())}",
    )
    for kind, action in (
        ("unmapped", "set to missing (not an official term nor a known old term)"),
        ("unparsed", "set to missing (number or date not readable)"),
    ):
        q.add(
            f"value_{kind}",
            sum(lost[kind].values()),
            action,
            "; ".join(f"{k}: {v}" for k, v in lost[kind].items()),
        )
    return members, households


# --- writing -----------------------------------------------------------------------------


def write_outputs(result: CleanRoster, out_dir: str | Path) -> dict[str, Path]:
    """Write the clean tables into ``out_dir`` (created if missing).

    ``members.parquet``, ``households.parquet``, ``quarantine.parquet`` (file mode 0600:
    it holds raw personal data) and ``quality.csv`` (UTF-8).

    Returns
    -------
    dict
        Table name → path written.

    Examples
    --------
    >>> write_outputs(clean_roster(raw), "data/processed")  # doctest: +SKIP
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RosterFormatError(
            f"{out}: cannot create the output folder ({exc.strerror})"
        ) from None
    paths = {
        "members": out / "members.parquet",
        "households": out / "households.parquet",
        "quarantine": out / "quarantine.parquet",
        "quality": out / "quality.csv",
    }
    result.members.to_parquet(paths["members"], index=False)
    result.households.to_parquet(paths["households"], index=False)
    target = paths["quarantine"]
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
    with os.fdopen(fd, "wb") as handle:
        result.quarantine.to_parquet(handle, index=False)
    result.quality.to_csv(paths["quality"], index=False, encoding="utf-8")
    return paths


def format_summary(result: CleanRoster, source: str | Path, written: dict[str, Path]) -> str:
    """One screen of text: counts, refused rows by reason, rules that touched rows.

    Examples
    --------
    >>> print(format_summary(clean_roster(raw), "r.xlsx", {}))  # doctest: +SKIP
    """
    s = dict(zip(result.summary()["item"], result.summary()["value"], strict=True))
    lines = [
        f"{source}: {s['rows_read']} rows read",
        f"  members     {s['members']:>9}  ({s['households']} households)",
        f"  quarantined {s['quarantined']:>9}  ({s['quarantined_persons']} of them real persons)",
    ]
    reasons = result.quarantine["reason"].value_counts()
    for reason, count in reasons.items():
        lines.append(f"    {reason:<22}{count:>7}")
    lines.append("rules that touched rows:")
    for rule in result.quality.itertuples():
        if rule.rows and not rule.action.startswith("quarantined"):
            lines.append(f"  {rule.rule:<26}{rule.rows:>7}  {rule.action}")
    for name, path in written.items():
        lines.append(f"wrote {name:<11} {path}")
    return "\n".join(lines)
