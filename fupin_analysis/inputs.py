"""What a notebook's inputs make possible, and why a part is not available.

A report runs on whatever a township has: a roster without a relocation column, no
geography, a registry still to be filled in, a village without rows. Each function here
answers one such question for a notebook and, when the answer is no, gives the reason a
page states (through :func:`fupin_analysis.outputs.not_available`), naming what is
missing: "the roster has no 易地扶贫搬迁安置方式 column", "no geography given".

:func:`roster_fields`
    the roster columns the input had with at least one value (``CleanRoster.fields``);
:func:`missing_fields`
    the reason when some of the columns a part needs are absent, else ``None``;
:func:`unmeasured_dimensions`
    the 两不愁三保障 dimensions whose roster columns are absent;
:func:`registry`, :func:`geography`
    the village registry and the geography, or ``None`` and the reason;
:func:`yearly_rosters`
    the rosters of every year the dynamics link, or the reason there is only one;
:func:`village_rows`
    the reason when the roster has no rows of a village;
:func:`available_tables`
    the programme tables the roster can fill, and the reasons for the others.

Examples
--------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> clean = SimpleNamespace(fields=frozenset({"village", "household_id", "relation"}))
>>> missing_fields(clean, "relocation_mode")
'the roster has no 易地扶贫搬迁安置方式 column'
>>> missing_fields(clean, "relation") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .schema import ROSTER_COLUMNS, column

if TYPE_CHECKING:
    from .geo import Geography

__all__ = [
    "DIMENSION_FIELDS",
    "TABLE_FIELDS",
    "roster_fields",
    "missing_fields",
    "unmeasured_dimensions",
    "assurances_problem",
    "REGISTRY_COLUMNS",
    "registry",
    "geography",
    "yearly_rosters",
    "village_rows",
    "available_tables",
]

#: The roster columns each 两不愁三保障 dimension is measured from.
DIMENSION_FIELDS: dict[str, tuple[str, ...]] = {
    "income": ("income_per_capita",),
    "education": ("school_status",),
    "medical": ("medical_insurance", "critical_illness_insurance"),
    "housing": ("dilapidated_house",),
    "water": ("safe_water",),
}

_ASSURANCE_FIELDS = tuple(f for fields in DIMENSION_FIELDS.values() for f in fields)

#: The roster columns each programme table of
#: :func:`fupin_analysis.indicators.programme_tables` is computed from (beyond the
#: required ones).
TABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "education_aid": ("school_status",),
    "credit": ("credit_rated", "credit_granted"),
    "relocation": ("relocation_mode",),
    "exit_checks": _ASSURANCE_FIELDS,
    "af_index": _ASSURANCE_FIELDS,
    "af_dimensions": _ASSURANCE_FIELDS,
}


def roster_fields(clean: Any) -> frozenset[str]:
    """The canonical roster columns the cleaned input had with at least one value.

    ``CleanRoster.fields`` where the clean roster records it; otherwise read from its
    tables: a column of ``members`` or ``households`` with a value in some row (an
    empty column and an absent one look the same, as in ``fields``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> clean = SimpleNamespace(
    ...     members=pd.DataFrame({"relation": ["户主"], "school_status": [None]}),
    ...     households=pd.DataFrame({"relocation_mode": pd.Series([pd.NA], dtype="string")}))
    >>> sorted(roster_fields(clean))
    ['relation']
    """
    fields = getattr(clean, "fields", None)
    if fields is not None:
        return frozenset(fields)
    canonical = {c.name for c in ROSTER_COLUMNS}
    found = set()
    for table in (clean.members, clean.households):
        for name in canonical & set(table.columns):
            if table[name].notna().any():
                found.add(name)
    return frozenset(found)


def missing_fields(clean: Any, *fields: str) -> str | None:
    """Why a part that needs the roster columns ``fields`` is not available, else ``None``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> clean = SimpleNamespace(fields=frozenset({"credit_rated"}))
    >>> missing_fields(clean, "credit_rated", "credit_granted", "relocation_mode")
    'the roster has no 小额信贷授信, 易地扶贫搬迁安置方式 columns'
    """
    have = roster_fields(clean)
    absent = [column(f).header for f in fields if f not in have]
    if not absent:
        return None
    return f"the roster has no {', '.join(absent)} column{'s' if len(absent) > 1 else ''}"


def unmeasured_dimensions(clean: Any) -> list[str]:
    """The 两不愁三保障 dimensions (:data:`DIMENSION_FIELDS`) the roster cannot measure.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> unmeasured_dimensions(SimpleNamespace(fields=frozenset({"income_per_capita",
    ...     "school_status", "dilapidated_house"})))
    ['medical', 'water']
    """
    have = roster_fields(clean)
    return [d for d, fields in DIMENSION_FIELDS.items() if not set(fields) <= have]


def assurances_problem(clean: Any) -> str | None:
    """Why 两不愁三保障 and the Alkire-Foster index are not available, else ``None``.

    They need at least two measured dimensions (:data:`DIMENSION_FIELDS`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> print(assurances_problem(SimpleNamespace(fields=frozenset({"income_per_capita"}))))
    ... # doctest: +NORMALIZE_WHITESPACE
    the roster has no 在校生状况, 是否参加城乡居民基本医疗保险, 是否参加大病保险, 危房户,
    是否解决安全饮用水 columns: fewer than two of the five dimensions can be measured
    """
    unmeasured = unmeasured_dimensions(clean)
    if len(DIMENSION_FIELDS) - len(unmeasured) >= 2:
        return None
    fields = [f for d in unmeasured for f in DIMENSION_FIELDS[d]]
    reason = missing_fields(clean, *fields)
    return f"{reason}: fewer than two of the five dimensions can be measured"


#: Columns of an empty village registry (:func:`registry` when there is none).
REGISTRY_COLUMNS = ("code", "name", "population", "households")


def _empty_registry() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in REGISTRY_COLUMNS})
    return frame.astype({"population": "int64", "households": "Int64"})


def registry(path: str | Path | None) -> tuple[pd.DataFrame, str | None]:
    """The village registry (populations), or an empty one and why it is not available.

    Parameters
    ----------
    path : str, Path or None
        The registry file; empty means none was given (never the embedded one).

    Returns
    -------
    (pandas.DataFrame, str or None)
        The registry as :func:`fupin_analysis.reference.read_village_registry` reads it
        (the units with a population), and ``None``; or an empty registry (columns
        :data:`REGISTRY_COLUMNS`, no rows: every population unknown, never the embedded
        registry) and the reason: no registry given, or no unit has a population yet
        (the template ``fupin init`` writes).

    Raises
    ------
    FupinError
        A registry that cannot be read (no ``code`` or ``population`` column, a
        population that is not a number).

    Examples
    --------
    >>> import tempfile
    >>> empty, reason = registry("")
    >>> len(empty), reason
    (0, 'no village registry given')
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "registry.csv"
    ...     _ = path.write_text("code,name,population,households\\n522634101204,长乌村,,\\n")
    ...     registry(path)[1]
    'registry.csv lists no population yet (0 of 1 units): fill in its population column'
    """
    from .reference import read_village_registry

    if not path:
        return _empty_registry(), "no village registry given"
    table = read_village_registry(path)
    if table.empty:
        units = len(table.attrs["no_population"])
        return _empty_registry(), (
            f"{Path(path).name} lists no population yet (0 of {units} units): fill in its "
            "population column"
        )
    return table, None


def geography(
    path: str | Path | None, reference: str | Path | None = None, **read: Any
) -> tuple[Geography | None, str | None]:
    """The geography, read and cleaned, or ``None`` and why not.

    Read with :func:`fupin_analysis.geo.read_geography` (any datum to WGS84), then
    cleaned with :func:`fupin_analysis.geo.clean_geography` against the units of the
    reference folder and the extent of their county
    (:func:`fupin_analysis.divisions.county_extent`); what cleaning did is the
    geography's ``cleaning`` table, for a page to show.

    Parameters
    ----------
    path : str, Path or None
        The geography file; empty means none was given.
    reference : str, Path or None
        The reference folder (default: the embedded tables).
    **read
        Passed to :func:`fupin_analysis.geo.read_geography` (e.g. ``layers``).

    Examples
    --------
    >>> geography("")
    (None, 'no geography given')
    """
    if not path:
        return None, "no geography given"
    from dataclasses import replace

    from .divisions import county_extent
    from .geo import clean_geography, read_geography
    from .reference import load_reference

    units = load_reference(reference or None)
    extent = county_extent(units.place.code) if units.place.code else None
    cleaned, quality = clean_geography(
        read_geography(path, **read), bbox=extent, registry=units.villages
    )
    return replace(cleaned, cleaning=quality), None


def yearly_rosters(
    roster: str | Path, roster_year: int, others: str
) -> tuple[dict[int, list[Path]], str | None]:
    """The rosters by year (:func:`fupin_analysis.panel.link.rosters_by_year`) and
    ``None``, or the rosters found and why there are not two years to link.

    ``others`` names a folder beside the roster (rosters named by year) or gives
    ``YEAR:FILE`` items. A folder that is not there is a missing input, not an error: a
    township with one roster has no dynamics to show.

    Examples
    --------
    >>> found, reason = yearly_rosters("/data/roster_2016.xlsx", 2016, "")
    >>> sorted(found), reason
    ([2016], 'only the 2016 roster was given: linking needs rosters of two or more years')
    >>> yearly_rosters("/data/roster_2016.xlsx", 2016, "panel")[1]
    "no rosters of other years: no folder 'panel' beside the roster"
    >>> sorted(yearly_rosters("/data/r.xlsx", 2016, "2015:r2015.xlsx")[0])
    [2015, 2016]
    """
    from .panel.link import rosters_by_year

    named_folder = others.strip() and not any(c in others for c in ":=")
    if named_folder and not (Path(roster).parent / others.strip()).is_dir():
        return {int(roster_year): [Path(roster)]}, (
            f"no rosters of other years: no folder {others.strip()!r} beside the roster"
        )
    found = rosters_by_year(roster, roster_year, others)
    if len(found) < 2:
        return found, (
            f"only the {roster_year} roster was given: linking needs rosters of two or more "
            "years"
        )
    return found, None


def village_rows(households: pd.DataFrame, code: str, name: str) -> str | None:
    """Why a village's sections are not available (no rows in the roster), else ``None``.

    Examples
    --------
    >>> hh = pd.DataFrame({"village_code": ["522634101204"]})
    >>> village_rows(hh, "522634101206", "开觉村")
    'the roster has no households of 开觉村 (522634101206)'
    >>> village_rows(hh, "522634101204", "长乌村") is None
    True
    """
    if (households["village_code"] == code).any():
        return None
    return f"the roster has no households of {name} ({code})"


def available_tables(
    tables: Mapping[str, pd.DataFrame], clean: Any
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The tables the roster can fill (:data:`TABLE_FIELDS`), and why not the others.

    Returns
    -------
    (dict, dict)
        Name → table of the tables whose columns the roster has, in order; the names of
        the others (joined by ", " where they share a reason) → reason.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> clean = SimpleNamespace(fields=frozenset({"school_status"}))
    >>> kept, left = available_tables({"education_aid": pd.DataFrame(),
    ...     "relocation": pd.DataFrame(), "credit": pd.DataFrame(),
    ...     "af_index": pd.DataFrame(), "exit_checks": pd.DataFrame()}, clean)
    >>> list(kept), list(left)
    (['education_aid'], ['relocation', 'credit', 'af_index, exit_checks'])
    """
    kept: dict[str, pd.DataFrame] = {}
    by_reason: dict[str, list[str]] = {}
    for name, table in tables.items():
        reason = missing_fields(clean, *TABLE_FIELDS.get(name, ()))
        if reason is None:
            kept[name] = table
        else:
            by_reason.setdefault(reason, []).append(name)
    return kept, {", ".join(names): reason for reason, names in by_reason.items()}
