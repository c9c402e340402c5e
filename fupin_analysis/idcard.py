"""Resident identity numbers of GB 11643-1999, checked on whole Series at once.

An 18-character number is a 6-digit area code, an 8-digit birth date (YYYYMMDD), a
3-digit sequence whose parity gives the sex (odd: 男, even: 女) and an ISO 7064
MOD 11-2 check character (``0``-``9`` or ``X``).

:func:`validate` classifies every value of a Series with numpy (no per-row Python) into
one of the :data:`STATUSES`. Values that Excel turned into numbers in scientific notation
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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import VOCABULARIES, normalize_values

__all__ = [
    "STATUSES",
    "check_char",
    "is_valid",
    "mask",
    "normalize_ids",
    "validate",
]

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = "10X98765432"
_CHECK_BYTES = np.frombuffer(_CHECK.encode("ascii"), dtype=np.uint8)
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
    ids = normalize_ids(values)
    n = len(ids)
    code = {name: i for i, name in enumerate(STATUSES)}
    status = np.full(n, code["malformed"], dtype=np.int8)
    arr = _arrow(ids)
    status[~ids.notna().to_numpy()] = code["missing"]
    status[_matches(arr, _MANGLED)] = code["mangled"]
    shaped = _matches(arr, _SHAPE)
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    sex = np.full(n, -1, dtype=np.int8)  # codes of the sex vocabulary: 0 男, 1 女
    if shaped.any():
        raw_digits = _digit_matrix(ids[shaped])  # uint8; widened per column, not whole

        def digit(k: int) -> np.ndarray:
            return raw_digits[:, k].astype(np.int64)

        year = digit(6) * 1000 + digit(7) * 100 + digit(8) * 10 + digit(9)
        month = digit(10) * 10 + digit(11)
        day = digit(12) * 10 + digit(13)
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        month_ok = (month >= 1) & (month <= 12)
        dim = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
        date_ok = (year >= 1900) & month_ok & (day >= 1) & (day <= dim)
        dates = (
            (np.where(date_ok, year, 1970) - 1970) * 12 + np.where(date_ok, month, 1) - 1
        ).astype("datetime64[M]").astype("datetime64[D]") + (np.where(date_ok, day, 1) - 1)
        dates = np.where(date_ok, dates, np.datetime64("NaT")).astype("datetime64[s]")
        future = date_ok & (dates > np.datetime64(pd.Timestamp(reference_date).date()))
        last = np.where(digit(17) == ord("X") - 48, 10, digit(17))
        total = np.zeros(len(raw_digits), dtype=np.int64)
        for k, weight in enumerate(_WEIGHTS):
            total += digit(k) * weight
        expected = _CHECK_BYTES[total % 11]
        check_ok = np.where(last == 10, ord("X"), last + 48) == expected
        sub = np.select(
            [~date_ok, future, check_ok],
            [code["bad_date"], code["future"], code["valid"]],
            code["bad_check"],
        ).astype(np.int8)
        status[shaped] = sub
        birth[shaped] = dates
        sex[shaped] = np.where(sub != code["valid"], -1, np.where(digit(16) % 2 == 1, 0, 1))
    return pd.DataFrame(
        {
            "id_number": ids,
            "status": pd.Categorical.from_codes(status, categories=list(STATUSES)),
            "birth_date": birth,
            "sex": pd.Categorical.from_codes(sex, dtype=VOCABULARIES["sex"].dtype),
        },
        index=values.index,
    )


def _arrow(values: pd.Series) -> pa.LargeStringArray:
    """One contiguous arrow array of a text Series (pandas may hold several chunks)."""
    arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _matches(arr: pa.Array, pattern: str) -> np.ndarray:
    hit = pc.match_substring_regex(arr, f"^(?:{pattern})$")
    return hit.fill_null(False).to_numpy(zero_copy_only=False)


def _digit_matrix(ids: pd.Series) -> np.ndarray:
    """``(n, 18)`` uint8 digit matrix of ASCII strings of length 18 (``X`` → 40)."""
    arr = _arrow(ids)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset :][: len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(arr), 18) - np.uint8(48)


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
