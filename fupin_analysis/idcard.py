"""Resident identity numbers of GB 11643-1999, checked on whole Series at once.

An 18-character number is a 6-digit area code, an 8-digit birth date (YYYYMMDD), a
3-digit sequence whose parity gives the sex (odd: 男, even: 女) and an ISO 7064
MOD 11-2 check character (``0``-``9`` or ``X``).

:func:`validate` classifies every value of a Series with numpy (no per-row Python) into
one of the :data:`STATUSES`; :func:`check_arrow` does the same on an arrow array and
returns numpy arrays (what :func:`fupin_analysis.clean.clean_roster` uses on a million
rows). Values that Excel turned into numbers in scientific notation
(``4.30527E+17``) have lost their last digits: they are ``mangled``, never padded or
guessed. :func:`check_char`, :func:`is_valid` and :func:`mask` are scalar conveniences.

Examples
--------
>>> check_char("43052719900101123")
'7'
>>> is_valid("430527199001011237")
True
>>> is_valid("430527199001011234")
False
>>> mask("430527199001011237")
'430527********1237'
>>> validate(pd.Series(["430527199001011237", "4.30527E+17", None]))["status"].tolist()
['valid', 'mangled', 'missing']
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import VOCABULARIES, fixed_width_bytes, normalize_values

__all__ = [
    "STATUSES",
    "CheckedIds",
    "check_arrow",
    "check_char",
    "is_valid",
    "mask",
    "normalize_ids",
    "validate",
]

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = "10X98765432"
_SHAPE = r"[0-9]{17}[0-9X]"
# Excel's rendering of a long number: 4.30527E+17, 4.30527199001011e+17, 430527199001011000.0
_MANGLED = r"[0-9](?:\.[0-9]*)?E\+?[0-9]+|[0-9]+\.[0-9]*"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

#: Status codes of :func:`validate`, from good to bad.
STATUSES: tuple[str, ...] = (
    "valid",  # shape, birth date and check character all correct
    "missing",  # empty cell
    "mangled",  # a number in scientific notation or with a decimal point (Excel)
    "malformed",  # not 17 digits followed by a digit or X
    "bad_date",  # the birth-date digits are not a calendar date on or after 1900-01-01
    "future",  # the birth date is after the reference date
    "bad_check",  # the check character does not match
)


def check_char(first17: str) -> str:
    """The check character of the first 17 digits of an identity number.

    Parameters
    ----------
    first17 : str
        Exactly 17 ASCII digits.

    Returns
    -------
    str
        ``"0"``-``"9"`` or ``"X"``.

    Examples
    --------
    >>> check_char("11010519491231002")
    'X'
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need exactly 17 digits, got {first17!r}")
    total = sum(int(c) * int(w) for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize_ids(values: pd.Series) -> pd.Series:
    """NFKC, whitespace and Excel's text apostrophe removed, ``x`` upper-cased.

    Examples
    --------
    >>> normalize_ids(pd.Series(["４３０５２７ 19900101123x", "'430527199001011234"])).tolist()
    ['43052719900101123X', '430527199001011234']
    """
    text = normalize_values(values, remove_spaces=True)
    arr = _arrow(text)
    if pc.any(pc.starts_with(arr, "'")).as_py():  # rare: skip the regex pass otherwise
        arr = pc.replace_substring_regex(arr, "^'+", "")
    arr = pc.utf8_upper(arr)
    arr = pc.if_else(pc.equal(pc.utf8_length(arr), 0), pa.scalar(None, arr.type), arr)
    out = arr.to_pandas().astype("str")
    out.index = values.index
    return out


def validate(values: pd.Series, reference_date: str | pd.Timestamp = "2016-12-31") -> pd.DataFrame:
    """Check identity numbers and derive birth date and sex, vectorised.

    Parameters
    ----------
    values : pandas.Series
        Identity numbers as text (any whitespace, full-width digits and lowercase ``x``
        accepted).
    reference_date : str or pandas.Timestamp
        A birth date after this day is ``future``.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``values``: ``id_number`` (normalised text, ``NaN`` when empty),
        ``status`` (one of :data:`STATUSES`), ``birth_date`` (``datetime64[s]``, set when
        the date digits are a valid date) and ``sex`` (categorical ``男``/``女`` of the
        ``sex`` vocabulary, set for ``valid``).

    Examples
    --------
    >>> out = validate(pd.Series(["11010519491231002x", "110105194912310021"]))
    >>> out[["status", "sex"]].values.tolist()
    [['valid', '女'], ['bad_check', nan]]
    >>> str(out["birth_date"].iloc[0].date())
    '1949-12-31'
    """
    checked = check_arrow(values, reference_date)
    return pd.DataFrame(
        {
            "id_number": pd.Series(checked.id_number.to_pandas(), dtype="str").array,
            "status": pd.Categorical.from_codes(checked.status, categories=list(STATUSES)),
            "birth_date": checked.birth_date,
            "sex": pd.Categorical.from_codes(checked.sex, dtype=VOCABULARIES["sex"].dtype),
        },
        index=values.index,
    )


@dataclass(frozen=True)
class CheckedIds:
    """Per-row result of :func:`check_arrow` (numpy arrays aligned with the input).

    ``number`` is the identity number as an integer (17 digits times 11 plus the check
    value, ``X`` = 10) for rows of canonical shape and -1 otherwise: equal numbers give
    equal integers, so rows can be compared without hashing text. ``normalised`` marks
    the rows whose text :func:`normalize_ids` changed. ``birth_ymd`` is the birth date as
    the integer YYYYMMDD (-1 where there is no valid date), for arithmetic on ages.
    """

    id_number: pa.LargeStringArray
    status: np.ndarray
    birth_date: np.ndarray
    sex: np.ndarray
    number: np.ndarray
    normalised: np.ndarray
    birth_ymd: np.ndarray


def check_arrow(
    arr: pa.Array | pd.Series, reference_date: str | pd.Timestamp = "2016-12-31"
) -> CheckedIds:
    """:func:`validate` on an arrow text array (or a text Series), returning numpy arrays.

    Numbers already in canonical form (18 ASCII characters, 17 digits and a digit or
    ``X``: nearly all of a real export) skip normalisation; only the others are
    normalised (:func:`normalize_ids`) and matched against Excel's number renderings.

    Examples
    --------
    >>> out = check_arrow(pa.array(["430527199001011237", " 4.30527E+17"]))
    >>> [STATUSES[s] for s in out.status], out.number.tolist()
    (['valid', 'mangled'], [473579918901112360, -1])
    """
    arr = _arrow(arr) if isinstance(arr, pd.Series) else arr.cast(pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    code = {name: i for i, name in enumerate(STATUSES)}
    status = np.full(n, code["malformed"], dtype=np.int8)
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    sex = np.full(n, -1, dtype=np.int8)  # codes of the sex vocabulary: 0 男, 1 女
    number = np.full(n, -1, dtype=np.int64)
    ymd = np.full(n, -1, dtype=np.int32)

    def check(rows: np.ndarray, digits: np.ndarray) -> None:
        if digits.shape[1]:
            sub, dates, male, value, ymd[rows] = _check_digits(digits, reference_date)
            status[rows] = sub
            birth[rows] = dates
            sex[rows] = np.where(sub != code["valid"], -1, np.where(male, 0, 1))
            number[rows] = value

    canonical, digits = _canonical(arr)
    check(canonical, digits)
    ids = arr
    normalised = np.zeros(n, dtype=bool)
    if not canonical.all():  # the few others: normalise them, then look again
        rest = np.flatnonzero(~canonical)
        before = arr.take(rest)
        after = _arrow(normalize_ids(pd.Series(before.to_pandas(), dtype="str")))
        changed = pc.fill_null(pc.not_equal(before, after), pc.is_valid(before))
        if pc.any(changed).as_py():
            normalised[rest] = changed.to_numpy(zero_copy_only=False)
            ids = pc.replace_with_mask(arr, pa.array(normalised), after.filter(changed))
        now, digits = _canonical(after)
        check(rest[now], digits)
        others = ~now & after.is_valid().to_numpy(zero_copy_only=False)
        status[rest[~now & ~others]] = code["missing"]
        mangled = _matches(after.filter(pa.array(others)), _MANGLED)
        status[rest[others][mangled]] = code["mangled"]
    return CheckedIds(ids, status, birth, sex, number, normalised, ymd)


def _canonical(arr: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """Rows holding exactly 17 ASCII digits and a digit or ``X``; their digits.

    The digits come position by position: ``(18, rows)`` uint8, ``X`` as 40 (its code
    minus ``"0"``), so that each position is one contiguous array.
    """
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    canonical = np.diff(offsets) == 18
    if arr.null_count:
        canonical &= pc.is_valid(arr).to_numpy(zero_copy_only=False)
    if not canonical.any():
        return canonical, np.zeros((18, 0), dtype=np.uint8)
    rows = fixed_width_bytes(arr.filter(pa.array(canonical)), 18)
    digits = np.subtract(rows.T, np.uint8(48), out=np.empty(rows.T.shape, dtype=np.uint8))
    shaped = (digits[:17].max(axis=0) <= 9) & ((digits[17] <= 9) | (digits[17] == 40))
    if not shaped.all():
        canonical[canonical] = shaped
        digits = digits[:, shaped]
    return canonical, digits


def _check_digits(digits: np.ndarray, reference_date) -> tuple[np.ndarray, ...]:
    """Status code, birth date, male flag, integer value and birth YYYYMMDD of canonical
    numbers (``digits`` as :func:`_canonical` gives them)."""
    code = {name: i for i, name in enumerate(STATUSES)}

    def number(first: int, last: int) -> np.ndarray:  # digits first..last as int32
        out = digits[first].astype(np.int32)
        for k in range(first + 1, last + 1):
            out *= 10
            out += digits[k]
        return out

    year, month, day = number(6, 9), number(10, 11), number(12, 13)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    dim = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    date_ok = (year >= 1900) & month_ok & (day >= 1) & (day <= dim)
    month_index = np.where(date_ok, (year - 1900) * 12 + month - 1, 0)
    first_of_month = np.arange(
        np.datetime64("1900-01"), np.datetime64("1900-01") + month_index.max() + 1
    ).astype("datetime64[D]").astype(np.int64)  # a small table, looked up per row
    days = first_of_month[month_index] + day - 1
    dates = (days * 86400).astype("datetime64[s]")
    dates[~date_ok] = np.datetime64("NaT")
    reference = (pd.Timestamp(reference_date).normalize() - pd.Timestamp(0)).days
    future = date_ok & (days > reference)
    total = np.zeros(digits.shape[1], dtype=np.int16)  # at most 9 * 100
    for k, weight in enumerate(_WEIGHTS):
        total += digits[k] * np.int16(weight)
    expected = (12 - total % 11) % 11  # ISO 7064 MOD 11-2: "10X98765432"[total % 11]
    last = np.where(digits[17] == 40, 10, digits[17])
    # the first 8 and the next 9 digits each fit in int32
    value = (number(0, 7).astype(np.int64) * 10**9 + number(8, 16)) * 11 + last
    status = np.select(
        [~date_ok, future, last == expected],
        [code["bad_date"], code["future"], code["valid"]],
        code["bad_check"],
    ).astype(np.int8)
    ymd = np.where(date_ok, year * 10000 + month * 100 + day, -1)
    return status, dates, digits[16] % 2 == 1, value, ymd


def _arrow(values: pd.Series) -> pa.LargeStringArray:
    """One contiguous arrow array of a Series as text (pandas may hold several chunks)."""
    text = values if values.dtype == "str" else values.astype("str")
    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    hit = pc.match_substring_regex(arr, f"^(?:{pattern})$")
    return hit.fill_null(False).to_numpy(zero_copy_only=False)


def is_valid(number: str, reference_date: str | pd.Timestamp | None = None) -> bool:
    """True when ``number`` is a well-formed GB 11643 number with a correct check character.

    A plain-Python twin of :func:`validate` for one value (the tests check that both
    agree). A lowercase ``x`` is accepted. With ``reference_date``, a birth date after
    it fails.

    Examples
    --------
    >>> is_valid("11010519491231002x")
    True
    >>> is_valid("4.30527E+17")
    False
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(number))).lstrip("'").upper()
    if not re.fullmatch(_SHAPE, text):
        return False
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if birth.year < 1900:
        return False
    if reference_date is not None and birth > pd.Timestamp(reference_date).date():
        return False
    return check_char(text[:17]) == text[17]


def mask(number: str) -> str:
    """Mask an identity number for display: area code and last four characters only.

    Examples
    --------
    >>> mask(" 43052719900101123x ")
    '430527********123X'
    >>> mask("12345")
    '*****'
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(number))).upper()
    if len(text) != 18:
        return "*" * len(text)
    return text[:6] + "*" * 8 + text[-4:]
