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
    """
    base = Path(roster).parent
    folder = base / others if isinstance(others, str) else None
    if folder is not None and others.strip() and folder.is_dir():
        out = rosters_in_folder(folder)
    else:
        out = parse_rosters(others, base=base)
    out.setdefault(int(roster_year), []).insert(0, Path(roster))
    return dict(sorted(out.items()))


def clean_years(
    rosters: Mapping[int, RosterInput],
    *,
    salt: str | None = None,
    reference: str | Path | None = None,
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
            else clean_roster(part, salt=salt, reference_date=f"{year}-12-31", reference=reference)
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
        household fields of :data:`HOUSEHOLD_FIELDS`), a person's first row in a year
        when listed more than once.
    households : pandas.DataFrame
        One row per household and year (``year``, ``household_key`` and
        :data:`HOUSEHOLD_FIELDS`; ``members`` as listed by the roster).
    repeats : pandas.DataFrame
        The rows left out of ``persons``: ``year``, ``person_key``, ``household_key``
        (of the row left out), ``kept_household_key``.
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
    persons = kept.merge(
        households[["year", "household_key", *fields]], on=["year", "household_key"],
        how="left", validate="many_to_one",
    ).drop(columns="members", errors="ignore")  # fmt: skip
    refused = (
        pd.concat(refused, ignore_index=True)
        if refused
        else pd.DataFrame({"year": [], "household_key": []})
    )
    refused = refused.groupby(["year", "household_key"]).size().rename("persons").reset_index()
    refused["year"] = refused["year"].astype("int64")
    return YearRows(persons, households[["year", "household_key", *fields]], repeats, refused)


def _choice(edges: pd.DataFrame, by: str, prefer: str, order: list[tuple[str, bool]]) -> pd.Series:
    """Per node ``by``: the other end of its chosen edge (preferred edge, then ``order``)."""
    keys = ["_preferred", "weight", *(c for c, _ in order)]
    ascending = [False, False, *(a for _, a in order)]
    ranked = edges.assign(_preferred=edges[prefer]).sort_values(
        [by, *keys], ascending=[True, *ascending], kind="stable"
    )
    first = ranked.drop_duplicates(by)
    other = "successor" if by == "predecessor" else "predecessor"
    return pd.Series(first[other].to_numpy(), index=first[by].to_numpy())


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
    p = persons[["person_key", "year", "household_key", "relation", "source_row"]]
    nodes = (
        p[["year", "household_key"]].drop_duplicates().sort_values(["year", "household_key"])
    ).reset_index(drop=True)
    nodes["node"] = np.arange(len(nodes))
    p = p.merge(nodes, on=["year", "household_key"], how="left", validate="many_to_one")
    person, _ = pd.factorize(p["person_key"])
    p = p.assign(_person=person).sort_values(["_person", "year"], kind="stable")
    same = p["_person"].to_numpy()
    node = p["node"].to_numpy()
    before = np.r_[False, same[1:] == same[:-1]]
    after = np.r_[same[:-1] == same[1:], False]
    p["prev_node"] = np.where(before, np.r_[-1, node[:-1]], -1)
    p["next_node"] = np.where(after, np.r_[node[1:], -1], -1)
    heads = p.assign(_not_head=p["relation"].astype("str") != "户主").sort_values(
        ["node", "_not_head", "source_row"], kind="stable"
    )
    heads = heads.drop_duplicates("node").set_index("node")
    head_prev = heads["prev_node"].reindex(nodes["node"]).to_numpy()
    head_next = heads["next_node"].reindex(nodes["node"]).to_numpy()
    nodes["head_key"] = heads["person_key"].reindex(nodes["node"]).to_numpy()

    linked = p[p["prev_node"] >= 0]
    edges = linked.groupby(["prev_node", "node"]).size().rename("weight").reset_index()
    edges = edges.rename(columns={"prev_node": "predecessor", "node": "successor"})
    year = nodes["year"].to_numpy()
    key = pd.factorize(nodes["household_key"], sort=True)[0]  # ranks: ties broken by key
    edges["pred_year"], edges["pred_key"] = year[edges["predecessor"]], key[edges["predecessor"]]
    edges["succ_year"], edges["succ_key"] = year[edges["successor"]], key[edges["successor"]]
    edges["head_goes"] = head_next[edges["predecessor"]] == edges["successor"]
    edges["head_came"] = head_prev[edges["successor"]] == edges["predecessor"]
    successor = _choice(
        edges, "predecessor", "head_goes", [("succ_year", True), ("succ_key", True)]
    )
    predecessor = _choice(
        edges, "successor", "head_came", [("pred_year", False), ("pred_key", True)]
    )
    nodes["successor"] = successor.reindex(nodes["node"], fill_value=-1).to_numpy()
    nodes["predecessor"] = predecessor.reindex(nodes["node"], fill_value=-1).to_numpy()
    pred = nodes["predecessor"].to_numpy()
    succ = nodes["successor"].to_numpy()
    continues = (pred >= 0) & (succ[np.maximum(pred, 0)] == nodes["node"].to_numpy())

    lineage = np.empty(len(nodes), dtype=object)
    own = (
        nodes["year"].astype("str").to_numpy()
        + "-"
        + nodes["household_key"].astype("str").to_numpy()
    )
    for y in sorted(nodes["year"].unique()):  # predecessors are of earlier years
        at = np.flatnonzero(year == y)
        cont = continues[at]
        lineage[at[cont]] = lineage[pred[at[cont]]]
        lineage[at[~cont]] = own[at[~cont]]
    nodes["panel_household"] = pd.Series(lineage, dtype="str")
    first_year = year.min() if len(year) else 0
    renumbered = continues & (key[np.maximum(pred, 0)] != key)
    nodes["link"] = np.select(
        [year == first_year, continues & ~renumbered, renumbered, pred >= 0],
        ["first", "continued", "renumbered", "split"],
        "new",
    )
    nodes["parent"] = pd.Series(
        np.where(
            ~continues & (pred >= 0) & (year != first_year), lineage[np.maximum(pred, 0)], None
        ),
        dtype="str",
    )
    continued = np.zeros(len(nodes), dtype=bool)
    continued[pred[continues]] = True
    last = year == year.max()
    nodes["end"] = pd.Series(
        np.where(continued | last, None, np.where(succ >= 0, "merged", "gone")), dtype="str"
    )
    nodes["merged_into"] = pd.Series(
        np.where(nodes["end"].eq("merged").to_numpy(), lineage[np.maximum(succ, 0)], None),
        dtype="str",
    )
    return nodes
