"""Reading the text of roster cells: numbers, dates, official terms, booleans.

Every parser works once per distinct value of a column (a roster repeats its values a
lot: a million rows hold a few hundred distinct incomes) and spreads the result to the
rows through integer codes. Text that cannot be read becomes missing; nothing is guessed.

:data:`MEMBER_FIELDS` and :data:`HOUSEHOLD_FIELDS` say which parser reads each field of
the clean tables, and which quality rule counts the values it could not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

import numpy as np
import pandas as pd

from ..schema import VALUE_ALIASES, VOCABULARIES, normalize_text

__all__ = [
    "HOUSEHOLD_FIELDS",
    "MEMBER_FIELDS",
    "Field",
    "Parsed",
    "codes_uniques",
    "optional_column",
    "parse_dates",
    "parse_fields",
    "parse_numbers",
    "to_boolean",
    "to_vocabulary",
]

_SEPARATORS = re.compile(r"[,，、;；/|\s]+")


def codes_uniques(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 missing) and the distinct values they point to.

    A categorical column gives its own codes and categories (no hashing).

    Examples
    --------
    >>> codes, uniques = codes_uniques(pd.Series(["b", "a", None, "b"]))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0], ['b', 'a'])
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    codes, uniques = pd.factorize(values)
    return codes, pd.Index(uniques)


def optional_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name`` of ``frame``, or an all-missing text column if there is none.

    Examples
    --------
    >>> optional_column(pd.DataFrame({"a": ["x"]}), "age").tolist()
    [nan]
    """
    if name in frame.columns:
        return frame[name]
    return pd.Series(np.nan, index=frame.index, dtype="str")


def _per_unique(values: pd.Series, func: Callable[[str], object], dtype) -> pd.Series:
    """Apply a scalar parser once per distinct value (columns repeat values a lot)."""
    codes, uniques = codes_uniques(values)
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
    codes, uniques = codes_uniques(values)
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


@dataclass(frozen=True)
class Field:
    """A roster field of the clean tables and how its text is read.

    Attributes
    ----------
    name : str
        Canonical column name (``schema.ROSTER_COLUMNS``).
    parse : callable
        Text Series → the clean table's type; missing where the text cannot be read.
    lost_as : {"unmapped", "unparsed"}
        The quality rule that counts the values ``parse`` could not read:
        ``value_unmapped`` for terms of a vocabulary, ``value_unparsed`` for numbers,
        dates and counts.
    """

    name: str
    parse: Callable[[pd.Series], pd.Series]
    lost_as: Literal["unmapped", "unparsed"]


#: Person fields of ``members``, in the order they are parsed.
MEMBER_FIELDS: tuple[Field, ...] = (
    Field("ethnicity", _vocab("ethnicity"), "unmapped"),
    Field("education", _vocab("education"), "unmapped"),
    Field("school_status", _vocab("school_status"), "unmapped"),
    Field("health", _vocab("health"), "unmapped"),
    Field("labour_skill", _vocab("labour_skill"), "unmapped"),
    Field("months_worked", parse_numbers, "unparsed"),
    Field("medical_insurance", to_boolean, "unmapped"),
    Field("critical_illness_insurance", to_boolean, "unmapped"),
)
#: Household fields of ``households`` (values of the head's row), in the order they are
#: parsed.
HOUSEHOLD_FIELDS: tuple[Field, ...] = (
    Field("household_size", _household_size, "unparsed"),
    Field("household_type", _vocab("household_type"), "unmapped"),
    Field("main_cause", _vocab("cause"), "unmapped"),
    Field("other_causes", _other_causes, "unmapped"),
    Field("dilapidated_house", to_boolean, "unmapped"),
    Field("safe_water", to_boolean, "unmapped"),
    Field("income_per_capita", parse_numbers, "unparsed"),
    Field("first_identified", parse_dates, "unparsed"),
    Field("identification_standard", _vocab("identification_standard"), "unmapped"),
    Field("exit_status", _vocab("exit_status"), "unmapped"),
    Field("exit_year", _year, "unparsed"),
    Field("relocation_mode", _vocab("relocation_mode"), "unmapped"),
    Field("credit_rated", to_boolean, "unmapped"),
    Field("credit_granted", to_boolean, "unmapped"),
)


@dataclass(frozen=True)
class Parsed:
    """A field parsed once per distinct text: ``values[codes]`` is the field per row.

    Attributes
    ----------
    field : Field
        What was parsed, and how.
    codes : numpy.ndarray
        Per row, the index of its text in ``text`` (and of its value in ``values``);
        -1 for an empty cell.
    text : pandas.Series
        The distinct texts of the column (``str``).
    values : pandas.Series
        The parsed value of each distinct text (missing where it could not be read).
    """

    field: Field
    codes: np.ndarray
    text: pd.Series
    values: pd.Series

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

    def lost_rows(self) -> int:
        """Rows whose cell held text that could not be read (now missing)."""
        lost_text = self.text.notna().to_numpy() & self.values.isna().to_numpy()
        if not lost_text.any():
            return 0
        codes = self.codes
        return int(np.bincount(codes[codes >= 0], minlength=len(self.text))[lost_text].sum())

    def renamed_rows(self) -> np.ndarray | None:
        """Per row, whether its text was an old or variant term, now today's official term
        (``None`` when the field is not a vocabulary or no text was renamed)."""
        if not isinstance(self.values.dtype, pd.CategoricalDtype):
            return None
        terms = self.values.astype("str")
        renamed = (terms.notna() & terms.ne(self.text)).to_numpy()
        if not renamed.any():
            return None
        return np.append(renamed, False)[self.codes]


def parse_fields(work: pd.DataFrame, fields: tuple[Field, ...]) -> dict[str, Parsed]:
    """Parse each of ``fields`` of ``work`` once per distinct text (a field missing from
    ``work`` is all missing).

    Examples
    --------
    >>> work = pd.DataFrame({"household_type": ["五保户", "五保户", "x"]}, dtype="category")
    >>> parsed = parse_fields(work, HOUSEHOLD_FIELDS[1:2])["household_type"]
    >>> parsed.take().tolist(), parsed.lost_rows(), parsed.renamed_rows().tolist()
    (['特困供养贫困户', '特困供养贫困户', nan], 1, [True, True, False])
    """
    out = {}
    for field in fields:
        codes, uniques = codes_uniques(optional_column(work, field.name))
        text = pd.Series(uniques, dtype="str")
        out[field.name] = Parsed(field, codes, text, field.parse(text).reset_index(drop=True))
    return out
