"""Which figures a roster supports: the fields it has, the 两不愁三保障 dimensions it
measures, and the parts of the reports that are available.

A roster field is *known* when the roster had the column with at least one value
(``CleanRoster.fields``) and the clean tables hold a value of it. A field that is not
known is unknown everywhere downstream: a figure counted from it is missing (never 0),
a dimension measured by it is left out (never "deprived"), and a report section built
on it says "not available" with the reason :func:`availability` gives. Where only the
clean tables are at hand (no ``fields``), a field is known when its column holds a
value; 易地扶贫搬迁安置方式 cannot be judged that way (an empty cell means "not
relocated") and is then taken as known.

Examples
--------
>>> import pandas as pd
>>> members = pd.DataFrame({"household_key": ["a"], "school_status": ["小学"]})
>>> households = pd.DataFrame({"household_key": ["a"], "income_per_capita": [float("nan")],
...     "exit_status": [None], "exit_year": [2016], "relocation_mode": [None]})
>>> known = known_fields(members, households, {"school_status", "exit_year", "income_per_capita"})
>>> sorted(known)  # 人均纯收入 was a column, but no value of it was readable
['exit_year', 'school_status']
>>> measured_dimensions(known), exits_known(known)
(('education',), True)
>>> not_in_roster(("relocation_mode",))
'not in the roster: 易地扶贫搬迁安置方式'
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from .schema import ROSTER_COLUMNS

__all__ = [
    "DIMENSION_FIELDS",
    "DIMENSION_LABELS_ZH",
    "EXIT_FIELDS",
    "MIN_DIMENSIONS",
    "TOPICS",
    "Topic",
    "availability",
    "exits_known",
    "header",
    "known_fields",
    "measured_dimensions",
    "not_in_roster",
]

#: The five dimensions of 两不愁三保障 (``assurances.DIMENSIONS``) and the roster fields
#: that measure each: a dimension is measured when one of its fields is known.
DIMENSION_FIELDS: dict[str, tuple[str, ...]] = {
    "income": ("income_per_capita",),
    "education": ("school_status",),
    "medical": ("medical_insurance", "critical_illness_insurance"),
    "housing": ("dilapidated_house",),
    "water": ("safe_water",),
}

#: Chinese labels of the dimensions, for tables, figures and reasons.
DIMENSION_LABELS_ZH: dict[str, str] = {
    "income": "吃穿不愁(收入)",
    "education": "义务教育",
    "medical": "基本医疗",
    "housing": "住房安全",
    "water": "饮水安全",
}

#: Fields that say whether a household exited: either will do (``clean.exits``).
EXIT_FIELDS: tuple[str, ...] = ("exit_status", "exit_year")

#: Fewest measured dimensions for an Alkire-Foster index: with one, it is a headcount.
MIN_DIMENSIONS = 2

_HEADERS = {c.name: c.header for c in ROSTER_COLUMNS}
_NAMES = frozenset(_HEADERS)
#: Clean-table columns in which a missing value is itself a statement (not relocated,
#: not exited, no other cause): a column without values is then no sign of absence.
_EMPTY_MEANS_NONE = frozenset({"relocation_mode", "exit_year", "other_causes"})
#: Without ``fields``, those of them whose absence cannot be told from the tables.
_ASSUMED_WITHOUT_FIELDS = frozenset({"relocation_mode", "other_causes"})


def header(name: str) -> str:
    """The official Chinese header of a roster field (``schema.ROSTER_COLUMNS``).

    Examples
    --------
    >>> header("relocation_mode")
    '易地扶贫搬迁安置方式'
    """
    return _HEADERS[name]


def not_in_roster(names: Iterable[str], *, any_of: bool = False) -> str:
    """The note of a figure whose fields the roster lacks: ``not in the roster: <header>``.

    Examples
    --------
    >>> not_in_roster(["credit_rated", "credit_granted"])
    'not in the roster: 小额信贷评级, 小额信贷授信'
    >>> not_in_roster(EXIT_FIELDS, any_of=True)
    'not in the roster: 脱贫状态 or 脱贫年度'
    """
    return "not in the roster: " + (" or " if any_of else ", ").join(header(n) for n in names)


def known_fields(
    members: pd.DataFrame, households: pd.DataFrame, fields: Collection[str] | None = None
) -> frozenset[str]:
    """The roster fields known for these clean tables.

    Parameters
    ----------
    members, households : pandas.DataFrame
        Clean tables (or any subset of their rows and columns; a table without rows
        tells nothing against a field).
    fields : collection of str, optional
        ``CleanRoster.fields``: the fields the input had. A field of the tables with no
        value is not known even if listed (its values were all unreadable); without
        ``fields``, every field with a value is known, and so are the fields the tables
        cannot tell about (:data:`_ASSUMED_WITHOUT_FIELDS`, the fields not in them).

    Returns
    -------
    frozenset of str
    """
    in_tables = {}  # field → its column has a value (a table without rows tells nothing)
    for frame in (members, households):
        for name in _NAMES.intersection(frame.columns):
            has = frame.empty or bool(frame[name].notna().any())
            in_tables[name] = in_tables.get(name, False) or has
    if fields is None:
        stated = {name for name, has in in_tables.items() if has}
        untold = (_NAMES - set(in_tables)) | (_ASSUMED_WITHOUT_FIELDS & set(in_tables))
        return frozenset(stated | untold)
    return frozenset(
        name
        for name in fields
        if name in _NAMES and (in_tables.get(name, True) or name in _EMPTY_MEANS_NONE)
    )


def measured_dimensions(known: Collection[str]) -> tuple[str, ...]:
    """The dimensions (in policy order) that a set of known fields measures.

    Examples
    --------
    >>> measured_dimensions({"income_per_capita", "safe_water", "critical_illness_insurance"})
    ('income', 'medical', 'water')
    """
    return tuple(d for d, needs in DIMENSION_FIELDS.items() if set(needs) & set(known))


def exits_known(known: Collection[str]) -> bool:
    """Whether the known fields say which households exited (脱贫状态 or 脱贫年度).

    Examples
    --------
    >>> exits_known({"exit_year"}), exits_known({"household_type"})
    (True, False)
    """
    return bool(set(EXIT_FIELDS) & set(known))


@dataclass(frozen=True)
class Topic:
    """A part of the reports and the roster fields it is built on.

    Attributes
    ----------
    topic : str
        Its name (``relocation``, ``credit`` …).
    notebooks : tuple of str
        The notebooks that show it.
    fields : tuple of str
        The fields it needs.
    any_of : bool
        One of ``fields`` is enough (else all are needed).
    """

    topic: str
    notebooks: tuple[str, ...]
    fields: tuple[str, ...]
    any_of: bool = False


_MONITORING = ("02_work_summary", "village_profile")

#: The parts of the reports built on optional roster fields. The dimensions of
#: 两不愁三保障 (:data:`DIMENSION_FIELDS`), the Alkire-Foster index and the exit checks
#: are listed by :func:`availability` too.
TOPICS: tuple[Topic, ...] = (
    Topic("exits", ("02_work_summary", "03_spatial_concentration", "05_two_assurances",
                    "village_profile"), EXIT_FIELDS, any_of=True),  # fmt: skip
    Topic("relocation", ("02_work_summary", "04_relocation_sites", "village_profile"),
          ("relocation_mode",)),  # fmt: skip
    Topic("credit", _MONITORING, ("credit_rated", "credit_granted")),
    Topic("education_aid", _MONITORING, ("school_status",)),
    Topic("household_types", ("village_profile",), ("household_type",)),
    Topic("causes", ("village_profile",), ("main_cause",)),
)

_ASSURANCES = ("05_two_assurances", "village_profile")


def _why_missing(names: Iterable[str], had: Collection[str] | None, *, any_of: bool) -> str:
    """Why the fields ``names`` are unknown: the roster has no such column, or the column
    has no readable value."""
    names = list(names)
    absent = [n for n in names if had is None or n not in had]
    unreadable = [n for n in names if n not in absent]
    parts = []
    if absent:
        joined = (" nor a " if any_of else ", ").join(header(n) for n in absent)
        parts.append(
            f"the roster has {'neither a' if any_of and len(absent) > 1 else 'no'} {joined} "
            f"column{'s' if len(absent) > 1 and not any_of else ''}"
        )
    if unreadable:
        joined = ", ".join(header(n) for n in unreadable)
        parts.append(f"the roster's {joined} column{'s have' if len(unreadable) > 1 else ' has'} "
                     "no readable value")  # fmt: skip
    return "; ".join(parts)


class _Tables(Protocol):
    members: pd.DataFrame
    households: pd.DataFrame


def availability(clean: _Tables, *, min_dimensions: int = MIN_DIMENSIONS) -> pd.DataFrame:
    """Which parts of the reports a clean roster supports, and why not where it does not.

    Parameters
    ----------
    clean : CleanRoster
        A clean roster (``members``, ``households``; ``fields`` when it has them).
    min_dimensions : int
        Fewest measured dimensions for the Alkire-Foster index.

    Returns
    -------
    pandas.DataFrame
        One row per topic: :data:`TOPICS`, then ``income``, ``education``, ``medical``,
        ``housing``, ``water`` (the dimensions), ``alkire_foster`` and ``exit_checks``.
        Columns ``topic``, ``notebooks`` (comma-separated), ``available`` (bool),
        ``missing_fields`` (the Chinese headers of the unknown fields it would use, joined
        by 、; for an available index or check, the fields of the dimensions left out)
        and ``reason`` (empty when available with nothing left out; else e.g. "the roster
        has no 易地扶贫搬迁安置方式 column", or for the index "left out: 饮水安全 (…)").

    Examples
    --------
    >>> from fupin_analysis import clean_roster
    >>> from fupin_analysis.reference import data_dir
    >>> table = availability(clean_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv"))
    >>> bool(table["available"].all()), bool(table["reason"].eq("").all())
    (True, True)
    """
    had = getattr(clean, "fields", None)
    known = known_fields(clean.members, clean.households, had)
    rows = []

    def add(topic: str, notebooks: tuple[str, ...], available: bool, missing, reason: str):
        rows.append({"topic": topic, "notebooks": ", ".join(notebooks), "available": available,
                     "missing_fields": "、".join(header(n) for n in missing),
                     "reason": reason})  # fmt: skip

    for t in TOPICS:
        missing = [n for n in t.fields if n not in known]
        ok = len(missing) < len(t.fields) if t.any_of else not missing
        add(t.topic, t.notebooks, ok, [] if ok else missing,
            "" if ok else _why_missing(missing, had, any_of=t.any_of))  # fmt: skip
    measured = measured_dimensions(known)
    unmeasured = [d for d in DIMENSION_FIELDS if d not in measured]
    left_out_fields = [n for d in unmeasured for n in DIMENSION_FIELDS[d]]
    for d, needs in DIMENSION_FIELDS.items():
        ok = d in measured
        add(d, _ASSURANCES, ok, [] if ok else needs,
            "" if ok else _why_missing(needs, had, any_of=len(needs) > 1))  # fmt: skip
    left_out = "; ".join(
        f"{DIMENSION_LABELS_ZH[d]} ({_why_missing(DIMENSION_FIELDS[d], had, any_of=True)})"
        for d in unmeasured
    )
    if len(measured) >= min_dimensions:
        add("alkire_foster", _ASSURANCES, True, left_out_fields,
            f"left out: {left_out}" if unmeasured else "")  # fmt: skip
    else:
        add("alkire_foster", _ASSURANCES, False, left_out_fields,
            f"only {len(measured)} of {len(DIMENSION_FIELDS)} dimensions measured, "
            f"{min_dimensions} needed; left out: {left_out}")  # fmt: skip
    if not exits_known(known):
        add("exit_checks", _ASSURANCES, False, EXIT_FIELDS,
            _why_missing(EXIT_FIELDS, had, any_of=True))  # fmt: skip
    elif not measured:
        add("exit_checks", _ASSURANCES, False, left_out_fields,
            f"no criterion measured; left out: {left_out}")  # fmt: skip
    else:
        add("exit_checks", _ASSURANCES, True, left_out_fields,
            f"checked against {', '.join(DIMENSION_LABELS_ZH[d] for d in measured)} only; "
            f"left out: {left_out}" if unmeasured else "")  # fmt: skip
    return pd.DataFrame(rows).astype({"available": bool})
