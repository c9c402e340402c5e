"""Linking yearly rosters: persons by their salted key, households by their members.

A yearly roster gives every person a ``person_key`` (the salted hash of the identity
number: the same person has the same key every year, given the same salt) and every
household a ``household_key`` (the salted hash of 户编号, which can change between
exports). Persons are therefore linked by key; households are followed by their members
(:func:`follow_households`):

* each household of a year (a *node*) is joined to the nodes where its members were seen
  last (*predecessors*) and next (*successors*), weighted by how many members they share;
* a node chooses the predecessor its head (户主) was in, or, when the head is new, the
  one it shares most members with; a node chooses the successor its head goes to, or,
  when the head is not seen again, the one it shares most members with (ties: the
  nearest year, then the smallest key);
* a node continues a household (same ``panel_household``) when the choice is mutual.
  Otherwise it starts one: ``split`` when it has a predecessor (its members came from a
  household that continues elsewhere), ``new`` when none. A household that no node
  continues ends: ``merged`` (into the household of its chosen successor) when some
  member is seen again, ``gone`` when none is.

So a household is followed by its head: when a married son leaves with his family, the
parents' household continues and the son's is a split; when an old parent living alone
joins a child's household, the child's continues and the parent's ends merged into it;
a household whose number changed is the same household (``renumbered``).

Examples
--------
>>> members = pd.DataFrame({
...     "person_key": ["a", "b", "c", "a", "b", "c"], "year": [2015] * 3 + [2016] * 3,
...     "household_key": ["h1", "h1", "h1", "h1", "h1", "h2"],
...     "relation": ["户主", "之子", "之儿媳", "户主", "之子", "户主"],
...     "source_row": [1, 2, 3, 1, 2, 3]})
>>> nodes = follow_households(members)
>>> nodes[["year", "household_key", "panel_household", "link"]].values.tolist()
... # doctest: +NORMALIZE_WHITESPACE
[[2015, 'h1', '2015-h1', 'first'], [2016, 'h1', '2015-h1', 'continued'],
 [2016, 'h2', '2016-h2', 'split']]
>>> nodes["parent"].tolist()
[nan, nan, '2015-h1']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..clean import CleanRoster, clean_roster
from ..errors import FupinError

__all__ = [
    "HOUSEHOLD_FIELDS",
    "LINKS",
    "ENDS",
    "RosterInput",
    "YearRows",
    "parse_rosters",
    "rosters_by_year",
    "rosters_in_folder",
    "clean_years",
    "year_rows",
    "follow_households",
]

#: How a household-year relates to the earlier years (``link`` of the household-years).
LINKS: tuple[str, ...] = ("first", "continued", "renumbered", "split", "new")
#: How a household ends (``end`` of its last household-year before the last year).
ENDS: tuple[str, ...] = ("merged", "gone")
#: Household fields carried into the person-years and household-years.
HOUSEHOLD_FIELDS: tuple[str, ...] = (
    "village_code", "village_name", "designated", "members", "household_type", "main_cause",
    "income_per_capita", "first_identified", "identification_standard", "exit_status",
    "exit_year", "exited", "relocation_mode",
)  # fmt: skip
#: Household fields carried into the person-years.
_CARRIED = ("village_code", "designated", "income_per_capita", "first_identified",
            "exit_status", "exit_year", "exited")  # fmt: skip
_PERSON_FIELDS = ("person_key", "household_key", "relation", "sex", "birth_date", "age",
                  "source_row")  # fmt: skip

#: A year's roster: a clean roster, a roster file, or several of them (one per file).
RosterInput = CleanRoster | str | Path | Sequence[CleanRoster | str | Path]


def parse_rosters(
    given: str | Sequence[str], base: str | Path | None = None
) -> dict[int, list[Path]]:
    """Rosters by year from ``YEAR:FILE`` (or ``YEAR=FILE``) items.

    Parameters
    ----------
    given : str or sequence of str
        Items, or one text of items separated by commas. A year given twice has two
        files (a roster exported in several files).
    base : str or Path, optional
        Folder that relative file names are relative to (default: as given).

    Returns
    -------
    dict of int to list of Path
        Years in order.

    Raises
    ------
    FupinError
        When an item is not a year, a colon (or equals sign) and a file.

    Examples
    --------
    >>> parse_rosters("2015:a.xlsx, 2014:b.csv,2015=c.xlsx", base="/data")
    {2014: [PosixPath('/data/b.csv')], 2015: [PosixPath('/data/a.xlsx'), PosixPath('/data/c.xlsx')]}
    """
    items = given.split(",") if isinstance(given, str) else list(given)
    out: dict[int, list[Path]] = {}
    for item in (i.strip() for i in items):
        if not item:
            continue
        cut = min((item.find(sep) for sep in ":=" if sep in item), default=-1)
        year, path = item[:cut].strip(), item[cut + 1 :].strip()
        if cut < 0 or not year.isdigit() or not path:
            raise FupinError(
                f"{item!r}: give each roster as YEAR:FILE (e.g. 2016:roster_2016.xlsx)"
            )
        file = Path(path).expanduser()
        if base is not None and not file.is_absolute():
            file = Path(base) / file
        out.setdefault(int(year), []).append(file)
    return dict(sorted(out.items()))


_ROSTER_SUFFIXES = (".xlsx", ".xls", ".csv", ".parquet")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def rosters_in_folder(folder: str | Path) -> dict[int, list[Path]]:
    """The roster files of a folder whose names hold a year (``roster_2015.xlsx``).

    Files of other types, or without a year in their name, are left out; two files of
    one year are two parts of that year's roster.

    Examples
    --------
    >>> from fupin_analysis.reference import data_dir
    >>> found = rosters_in_folder(data_dir() / "raw" / "panel")
    >>> list(found), found[2018][0].name
    ([2014, 2015, 2017, 2018, 2019], 'zhaishi_roster_2018.csv')
    """
    out: dict[int, list[Path]] = {}
    for path in sorted(Path(folder).iterdir()):
        year = _YEAR_IN_NAME.search(path.stem)
        if path.is_file() and path.suffix.lower() in _ROSTER_SUFFIXES and year:
            out.setdefault(int(year.group(1)), []).append(path)
    return dict(sorted(out.items()))


def rosters_by_year(
    roster: str | Path, roster_year: int, others: str | Sequence[str]
) -> dict[int, list[Path]]:
    """One roster with its year, and the other years' rosters, found from its folder.

    What notebook ``06_dynamics`` takes: its ``roster`` parameter (the shared roster of
    the report), ``roster_year`` and ``other_rosters``: a folder (relative to the
    roster's folder) of rosters named with their year (:func:`rosters_in_folder`), or
    ``YEAR:FILE`` items (:func:`parse_rosters`, relative to the roster's folder).

    Raises
    ------
    FupinError
        When ``others`` is neither a folder nor ``YEAR:FILE`` items.

    Examples
    --------
    >>> rosters_by_year("/data/r2016.xlsx", 2016, "2015:r2015.xlsx")
    {2015: [PosixPath('/data/r2015.xlsx')], 2016: [PosixPath('/data/r2016.xlsx')]}
    >>> rosters_by_year("/data/r2016.xlsx", 2016, "yearly")
    Traceback (most recent call last):
    ...
    fupin_analysis.errors.FupinError: other rosters 'yearly': no such folder beside ...
    """
    base = Path(roster).parent
    folder = base / others if isinstance(others, str) else None
    if folder is not None and others.strip() and folder.is_dir():
        out = rosters_in_folder(folder)
    elif isinstance(others, str) and others.strip() and not any(c in others for c in ":="):
        raise FupinError(
            f"other rosters {others!r}: no such folder beside {roster} ({folder}); give a "
            "folder of rosters named by year, or YEAR:FILE items separated by commas"
        )
    else:
        out = parse_rosters(others, base=base)
    out.setdefault(int(roster_year), []).insert(0, Path(roster))
    return dict(sorted(out.items()))


def clean_years(
    rosters: Mapping[int, RosterInput],
    *,
    salt: str | None = None,
    reference: str | Path | None = None,
    columns: str | Path | Mapping[str, str] | None = None,
) -> dict[int, list[CleanRoster]]:
    """Clean every year's roster (files only; clean rosters are taken as they are).

    A file of year ``Y`` is cleaned with ages at 31 December of ``Y``
    (``reference_date``), so that ages advance one a year. Every year must use the same
    salt: persons are linked by their salted keys.

    Parameters
    ----------
    rosters : mapping of int to CleanRoster, path or a list of them
        Year → its roster; several for a year whose roster comes in several files.
    salt : str, optional
        Salt of the keys (default: this installation's, as ``clean_roster``).
    reference : str or Path, optional
        Reference folder of the township, as ``clean_roster``.
    columns : str, Path or mapping, optional
        Header mapping of the files (your header → canonical name), as ``clean_roster``.

    Returns
    -------
    dict of int to list of CleanRoster
        Years in order.

    Raises
    ------
    FupinError
        When no year or fewer than two years are given, or a year is not a year.

    Examples
    --------
    >>> from fupin_analysis.reference import data_dir
    >>> raw = data_dir() / "raw"
    >>> years = clean_years({2016: raw / "zhaishi_roster_2016.csv",
    ...                      2015: raw / "panel" / "zhaishi_roster_2015.xlsx"})
    >>> list(years), [len(r[0].members) for r in years.values()]
    ([2015, 2016], [5844, 6022])
    """
    if len(rosters) < 2:
        raise FupinError(f"panel: give the rosters of at least two years (got {len(rosters)})")
    for year in rosters:
        if not isinstance(year, int | np.integer) or not 1900 < int(year) < 2100:
            raise FupinError(f"panel: {year!r} is not a year; give rosters as YEAR=FILE")
    out = {}
    for year in sorted(rosters):
        given = rosters[year]
        parts = [given] if isinstance(given, CleanRoster | str | Path) else list(given)
        if not parts:
            raise FupinError(f"panel: no roster for {year}")
        out[int(year)] = [
            part
            if isinstance(part, CleanRoster)
            else clean_roster(
                part, salt=salt, reference_date=f"{year}-12-31", reference=reference,
                columns=columns,
            )  # fmt: skip
            for part in parts
        ]
    return out


@dataclass(frozen=True)
class YearRows:
    """The rows of every year, one table each (what :func:`year_rows` returns).

    Attributes
    ----------
    persons : pandas.DataFrame
        One row per person and year (``year``, ``part``, the member columns and the
        household's ``village_code``, ``designated``, ``income_per_capita``,
        ``first_identified``, ``exit_status``, ``exit_year``, ``exited``), a person's
        first row in a year when listed more than once.
    households : pandas.DataFrame
        One row per household and year (``year``, ``household_key`` and
        :data:`HOUSEHOLD_FIELDS`; ``members`` as listed by the roster).
    repeats : pandas.DataFrame
        The rows left out of ``persons``: ``year``, ``person_key``, ``household_key``
        (of the row left out), ``kept_household_key``.

    Keys (``person_key``, ``household_key``) are categoricals sharing one dtype per kind
    of key, so that joins, sorts and groups work on integer codes.
    refused : pandas.DataFrame
        Real persons the cleaner refused, per year and household: ``year``,
        ``household_key``, ``persons``.
    """

    persons: pd.DataFrame
    households: pd.DataFrame
    repeats: pd.DataFrame
    refused: pd.DataFrame


def year_rows(years: Mapping[int, Sequence[CleanRoster]]) -> YearRows:
    """Stack the clean rosters of every year into person-year and household-year rows.

    Examples
    --------
    >>> from fupin_analysis.clean.result import CleanRoster
    >>> m = pd.DataFrame({"person_key": ["a", "b"], "household_key": ["h1", "h2"],
    ...                   "relation": ["户主", "户主"], "source_row": [4, 5]})
    >>> h = pd.DataFrame({"household_key": ["h1", "h2"], "exited": [False, True]})
    >>> q = pd.DataFrame({"household_key": ["h3"], "counts_as_person": [True]})
    >>> again = pd.DataFrame({"person_key": ["a"], "household_key": ["h9"],
    ...                       "relation": ["户主"], "source_row": [4]})
    >>> rows = year_rows({2016: [CleanRoster(m, h, q, pd.DataFrame()),
    ...                          CleanRoster(again, h.iloc[:0], q.iloc[:0], pd.DataFrame())]})
    >>> len(rows.persons), rows.repeats[["person_key", "household_key"]].values.tolist()
    (2, [['a', 'h9']])
    >>> rows.refused.values.tolist()
    [[2016, 'h3', 1]]
    """
    persons, households, refused = [], [], []
    for year, parts in years.items():
        for part, roster in enumerate(parts):
            m = roster.members[[c for c in _PERSON_FIELDS if c in roster.members]].copy()
            m.insert(0, "year", int(year))
            m.insert(1, "part", part)
            persons.append(m)
            h = roster.households.copy()
            h.insert(0, "year", int(year))
            households.append(h)
            q = roster.quarantine
            if len(q) and "household_key" in q:
                real = q[q["counts_as_person"].astype(bool) & q["household_key"].notna()]
                refused.append(
                    pd.DataFrame({"year": int(year), "household_key": real["household_key"]})
                )
    persons = pd.concat(persons, ignore_index=True)
    households = pd.concat(households, ignore_index=True)
    refused = (
        pd.concat(refused, ignore_index=True)
        if refused
        else pd.DataFrame({"year": pd.Series([], dtype="int64"),
                           "household_key": pd.Series([], dtype="str")})
    )  # fmt: skip
    # keys as categoricals of one dtype per kind: the same values, but joins, sorts and
    # groups work on integer codes (many times faster, and smaller, for a county)
    persons["person_key"] = _categorical(persons["person_key"])
    keys = _categorical(
        pd.concat([persons["household_key"], households["household_key"],
                   refused["household_key"]], ignore_index=True)
    )  # fmt: skip
    sizes = np.cumsum([0, len(persons), len(households), len(refused)])
    persons["household_key"] = keys[sizes[0] : sizes[1]].to_numpy()
    households["household_key"] = keys[sizes[1] : sizes[2]].to_numpy()
    refused["household_key"] = keys[sizes[2] : sizes[3]].to_numpy()
    households = households.drop_duplicates(["year", "household_key"]).reset_index(drop=True)
    repeated = persons.duplicated(["year", "person_key"])
    kept = persons[~repeated]
    repeats = persons.loc[repeated, ["year", "person_key", "household_key"]].merge(
        kept[["year", "person_key", "household_key"]].rename(
            columns={"household_key": "kept_household_key"}
        ),
        on=["year", "person_key"],
        how="left",
    )
    fields = [c for c in HOUSEHOLD_FIELDS if c in households]
    carried = [c for c in _CARRIED if c in households]
    persons = kept.merge(
        households[["year", "household_key", *carried]], on=["year", "household_key"],
        how="left", validate="many_to_one",
    )  # fmt: skip
    refused = (
        refused.groupby(["year", "household_key"], observed=True)
        .size()
        .rename("persons")
        .reset_index()
    )
    refused["year"] = refused["year"].astype("int64")
    return YearRows(persons, households[["year", "household_key", *fields]], repeats, refused)


def _categorical(values: pd.Series) -> pd.Series:
    """``values`` as a categorical of text, built from one factorisation (no look-up of
    every value in the categories)."""
    codes, uniques = pd.factorize(values)
    dtype = pd.CategoricalDtype(pd.Index(uniques, dtype="str"))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=values.index)


def follow_households(persons: pd.DataFrame) -> pd.DataFrame:
    """Follow households across years by their members (the rule of the module docstring).

    Parameters
    ----------
    persons : pandas.DataFrame
        One row per person and year: ``person_key``, ``year``, ``household_key``,
        ``relation``, ``source_row``.

    Returns
    -------
    pandas.DataFrame
        One row per household and year (a node), ordered by year and key: ``year``,
        ``household_key``, ``node`` (row number), ``panel_household`` (the household
        followed across years: ``"<first year>-<its key then>"``), ``link`` (one of
        :data:`LINKS`), ``parent`` (for a split, the household it split from), ``end``
        (one of :data:`ENDS` at a household's last node before the last year),
        ``merged_into``, ``head_key`` (the person heading it), ``predecessor`` and
        ``successor`` (the node chosen, -1 when none).
    """
    person = pd.factorize(persons["person_key"])[0]
    household, households = pd.factorize(persons["household_key"])
    text = pd.Index(households).astype("str")
    rank = np.empty(len(text), dtype=np.int64)
    rank[text.argsort()] = np.arange(len(text))  # households in key order
    year = persons["year"].to_numpy(dtype=np.int64)
    first_year = int(year.min())
    # nodes: the distinct (year, household), ordered by year then key
    pairs, node = np.unique((year - first_year) * len(text) + rank[household],
                            return_inverse=True)  # fmt: skip
    node_year, node_rank = pairs // len(text) + first_year, pairs % len(text)
    node_household = np.argsort(rank)[node_rank]
    n = len(pairs)
    # each person's previous and next node
    order = np.lexsort((year, person))
    same = person[order][1:] == person[order][:-1]
    prev_node, next_node = np.full(len(node), -1), np.full(len(node), -1)
    prev_node[order[1:][same]] = node[order[:-1][same]]
    next_node[order[:-1][same]] = node[order[1:][same]]
    # each node's head: its 户主 (the first by row when several), else its first row
    is_head = (persons["relation"] == "户主").to_numpy(dtype=bool, na_value=False)
    source_row = pd.to_numeric(persons["source_row"]).to_numpy(dtype=float, na_value=np.inf)
    by_node = np.lexsort((source_row, ~is_head, node))
    head_row = by_node[np.r_[True, node[by_node][1:] != node[by_node][:-1]]]
    head_prev, head_next = prev_node[head_row], next_node[head_row]
    # edges between a node and the next node of its members, weighted by members shared
    linked = prev_node >= 0
    edges, weight = np.unique(prev_node[linked].astype(np.int64) * n + node[linked],
                              return_counts=True)  # fmt: skip
    a, b = edges // n, edges % n
    choose = np.lexsort((node_rank[b], node_year[b], -weight, head_next[a] != b, a))
    first = choose[np.r_[True, a[choose][1:] != a[choose][:-1]]]
    successor = np.full(n, -1)
    successor[a[first]] = b[first]
    choose = np.lexsort((node_rank[a], -node_year[a], -weight, head_prev[b] != a, b))
    first = choose[np.r_[True, b[choose][1:] != b[choose][:-1]]]
    predecessor = np.full(n, -1)
    predecessor[b[first]] = a[first]
    pred = predecessor
    continues = (pred >= 0) & (successor[np.maximum(pred, 0)] == np.arange(n))

    lineage = np.arange(n)  # the first node of each node's household
    for y in np.unique(node_year):  # predecessors are of earlier years
        at = np.flatnonzero((node_year == y) & continues)
        lineage[at] = lineage[pred[at]]
    starts = np.unique(lineage)
    labels = pd.Index(
        pd.Series(node_year[starts]).astype("str") + "-" + text[node_household[starts]].to_numpy()
    )
    label_dtype = pd.CategoricalDtype(labels)
    code_of = np.full(n, -1)
    code_of[starts] = np.arange(len(starts))

    def label(nodes_: np.ndarray) -> pd.Categorical:
        codes = np.where(nodes_ >= 0, code_of[lineage[np.maximum(nodes_, 0)]], -1)
        return pd.Categorical.from_codes(codes, dtype=label_dtype)

    renumbered = continues & (node_rank[np.maximum(pred, 0)] != node_rank)
    link = np.select(
        [node_year == first_year, continues & ~renumbered, renumbered, pred >= 0], [0, 1, 2, 3], 4
    )
    continued = np.zeros(n, dtype=bool)
    continued[pred[continues]] = True
    open_end = ~continued & (node_year < node_year.max())
    end = np.where(open_end, np.where(successor >= 0, 0, 1), -1)
    split = ~continues & (pred >= 0) & (node_year != first_year)
    return pd.DataFrame(
        {
            "year": node_year,
            "household_key": pd.Series(households).take(node_household).reset_index(drop=True),
            "node": np.arange(n),
            "panel_household": label(np.arange(n)),
            "link": pd.Categorical.from_codes(link, LINKS),
            "parent": label(np.where(split, pred, -1)),
            "end": pd.Categorical.from_codes(end, ENDS),
            "merged_into": label(np.where(end == 0, successor, -1)),
            "head_key": persons["person_key"].take(head_row).reset_index(drop=True),
            "predecessor": predecessor,
            "successor": successor,
        }
    )
