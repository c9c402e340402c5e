"""What happened to each person between two yearly rosters: the transitions.

A person's *state* in a year is ``poor`` (in the roster, household not exited: 未脱贫 or
返贫), ``exited`` (in the roster, household 已脱贫), ``absent`` (not in the roster) or
``unobserved`` (not in the clean roster, but a real person of the household they were
last seen in was refused by the cleaner that year: probably them, so nothing is said).

Between two consecutive years, each person in either year gets one transition
(:data:`TRANSITIONS`), classified from the rosters' own fields where they say it
(``source`` = ``field``) and otherwise inferred from who is where (``inferred``):

========================  =========================================================
``stayed``                poor both years (field: exit status)
``exited``                poor, then exited (field when the exit year is this year)
``still_exited``          exited both years
``returned``              exited, then poor (field when marked 返贫); or absent, then
                          back after having been in an earlier roster (inferred)
``new``                   first seen, in a household nobody was in before (field
                          when first identified this year)
``born_or_married_in``    first seen, in a household seen before (field when born
                          after the previous roster's reference date, 31 December)
``died_or_married_out``   gone, while the household is still there (or merged)
``removed``               gone with the whole household, someone in it under 65
                          (清退 / 剔除, inferred)
``household_gone``        gone with the whole household, everyone in it 65 or older
                          (自然销户, inferred)
``unobserved``            unobserved in either year
========================  =========================================================

Its ``group`` counts the poor: ``entered`` (to poor from absent or exited), ``left``
(from poor to absent or exited), ``stayed`` (poor both years), ``outside`` (neither year
poor), ``unobserved``. So poor at the end = poor at the start + entered - left +
(unobserved → poor) - (poor → unobserved).

Examples
--------
>>> sorted(GROUPS)
['entered', 'left', 'outside', 'stayed', 'unobserved']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "STATES",
    "TRANSITIONS",
    "GROUPS",
    "SOURCES",
    "HOUSEHOLD_GONE_AGE",
    "person_states",
    "person_transitions",
]

#: States of a person in a year, in the order of their codes (0 … 3).
STATES: tuple[str, ...] = ("absent", "poor", "exited", "unobserved")
#: Transition categories (see the module docstring).
TRANSITIONS: tuple[str, ...] = (
    "stayed", "exited", "still_exited", "returned", "new", "born_or_married_in",
    "died_or_married_out", "removed", "household_gone", "unobserved",
)  # fmt: skip
GROUPS: tuple[str, ...] = ("entered", "left", "stayed", "outside", "unobserved")
#: Where a transition's category comes from.
SOURCES: tuple[str, ...] = ("field", "inferred")
#: A household leaving whole is taken to have died out when all were at least this old.
HOUSEHOLD_GONE_AGE = 65
_ABSENT, _POOR, _EXITED, _UNOBSERVED = range(4)


def person_states(
    persons: pd.DataFrame, nodes: pd.DataFrame, refused: pd.DataFrame, years: list[int]
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Each person's state and node in each year.

    Parameters
    ----------
    persons : pandas.DataFrame
        Person-years: ``person_key``, ``year``, ``household_key``, ``exited``.
    nodes : pandas.DataFrame
        :func:`.link.follow_households` of them.
    refused : pandas.DataFrame
        Real persons refused by the cleaner: ``year``, ``household_key``.
    years : list of int
        The years of the panel, in order.

    Returns
    -------
    state : numpy.ndarray
        int8, persons × years: codes of :data:`STATES`.
    node : numpy.ndarray
        int64, persons × years: the person's node (-1 when not in the roster).
    keys : pandas.Index
        The person keys, in row order.
    """
    keys = pd.Index(persons["person_key"].unique())
    row = keys.get_indexer(persons["person_key"])
    col = pd.Index(years).get_indexer(persons["year"])
    node_of = nodes.set_index(["year", "household_key"])["node"]
    at = node_of.reindex(pd.MultiIndex.from_frame(persons[["year", "household_key"]])).to_numpy()
    state = np.zeros((len(keys), len(years)), dtype=np.int8)
    node = np.full((len(keys), len(years)), -1, dtype=np.int64)
    state[row, col] = np.where(persons["exited"].astype(bool).to_numpy(), _EXITED, _POOR)
    node[row, col] = at
    _mark_unobserved(state, node, nodes, refused, years)
    return state, node, keys


def _mark_unobserved(state, node, nodes, refused, years) -> None:
    """Absent cells whose last household (or its successor that year) had a refused
    real person that year become ``unobserved`` (in place)."""
    if refused.empty:
        return
    seen = np.where(node >= 0, np.arange(len(years)), -1)
    last = np.maximum.accumulate(seen, axis=1)  # the year index of the last observation
    prev = np.full_like(node, -1)
    prev[:, 1:] = np.take_along_axis(node, np.maximum(last[:, :-1], 0), axis=1)
    prev[:, 1:][last[:, :-1] < 0] = -1
    r, c = np.nonzero((node < 0) & (prev >= 0))
    if not len(r):
        return
    lineage = nodes["panel_household"].to_numpy()
    key = nodes["household_key"].to_numpy()
    year = np.asarray(years)[c]
    at_year = nodes.set_index(["panel_household", "year"])["household_key"]
    at_year = at_year[~at_year.index.duplicated()]
    followed = at_year.reindex(pd.MultiIndex.from_arrays([lineage[prev[r, c]], year])).to_numpy()
    refused_pairs = pd.MultiIndex.from_frame(refused[["year", "household_key"]])
    hit = pd.MultiIndex.from_arrays([year, key[prev[r, c]]]).isin(refused_pairs)
    hit |= pd.MultiIndex.from_arrays([year, followed]).isin(refused_pairs)
    state[r[hit], c[hit]] = _UNOBSERVED


def person_transitions(
    persons: pd.DataFrame,
    nodes: pd.DataFrame,
    state: np.ndarray,
    node: np.ndarray,
    keys: pd.Index,
    years: list[int],
) -> pd.DataFrame:
    """One row per person and pair of consecutive years in which the person is in either.

    Parameters
    ----------
    persons : pandas.DataFrame
        Person-years with ``person_key``, ``year``, ``birth_date``, ``age``,
        ``village_code``, ``designated``, ``exit_status``, ``exit_year``,
        ``first_identified``.
    nodes : pandas.DataFrame
        :func:`.link.follow_households` of them.
    state, node, keys
        :func:`person_states`.
    years : list of int
        The years of the panel, in order.

    Returns
    -------
    pandas.DataFrame
        ``year`` (the later year), ``from_year``, ``person_key``, ``panel_household``
        (the later year's, else the earlier's), ``village_code``, ``designated`` (of that
        household), ``from_state``, ``state`` (categoricals of :data:`STATES`),
        ``transition`` (of :data:`TRANSITIONS`), ``group`` (of :data:`GROUPS`),
        ``source`` (of :data:`SOURCES`).
    """
    p = persons[["person_key", "year", "exit_year", "exit_status", "birth_date",
                 "first_identified"]].set_index(["person_key", "year"])  # fmt: skip
    lineage, lineages = pd.factorize(nodes["panel_household"])  # codes, one per node
    came_before = nodes["link"].isin(["continued", "renumbered", "split"]).to_numpy()
    ended_merged = (nodes["end"] == "merged").to_numpy(dtype=bool, na_value=False)
    lineage_years = pd.MultiIndex.from_arrays([lineage, nodes["year"].to_numpy()])
    household = (
        persons[["year", "household_key", "village_code", "designated"]]
        .drop_duplicates(["year", "household_key"])
        .set_index(["year", "household_key"])
    )
    at_node = pd.MultiIndex.from_frame(nodes[["year", "household_key"]])
    village, villages = pd.factorize(household["village_code"].reindex(at_node))
    designated = household["designated"].reindex(at_node).to_numpy()
    all_old = _all_old(persons, nodes)
    ever = np.maximum.accumulate(state > 0, axis=1)
    code = {name: i for i, name in enumerate(TRANSITIONS)}
    out = []
    for j in range(1, len(years)):
        y0, y1 = years[j - 1], years[j]
        s0, s1 = state[:, j - 1], state[:, j]
        rows = np.flatnonzero((s0 > 0) | (s1 > 0))
        s0, s1, n0, n1 = s0[rows], s1[rows], node[rows, j - 1], node[rows, j]
        here = np.maximum(np.where(n1 >= 0, n1, n0), 0)
        person = keys[rows]
        later = p.reindex(pd.MultiIndex.from_arrays([person, np.full(len(rows), y1)]))
        exit_now = later["exit_year"].to_numpy(dtype="float", na_value=np.nan) == y1
        marked = (later["exit_status"] == "返贫").to_numpy(dtype=bool, na_value=False)
        born = (later["birth_date"] > pd.Timestamp(f"{y0}-12-31")).fillna(False).to_numpy()
        first = pd.to_datetime(later["first_identified"]).dt.year.to_numpy(na_value=0) == y1
        seen_before = ever[rows, max(j - 2, 0)] & (j >= 2) & (s0 == _ABSENT)
        household_before = came_before[np.maximum(n1, 0)]
        household_here = pd.MultiIndex.from_arrays(
            [lineage[np.maximum(n0, 0)], np.full(len(rows), y1)]
        ).isin(lineage_years)
        merged = ended_merged[np.maximum(n0, 0)]
        old = all_old[np.maximum(n0, 0)]
        unobserved = (s0 == _UNOBSERVED) | (s1 == _UNOBSERVED)
        leaving = (s0 != _ABSENT) & (s1 == _ABSENT)
        entering = (s0 == _ABSENT) & (s1 != _ABSENT)
        cases = [
            (unobserved, "unobserved", False),
            ((s0 == _POOR) & (s1 == _POOR), "stayed", True),
            ((s0 == _POOR) & (s1 == _EXITED), "exited", exit_now),
            ((s0 == _EXITED) & (s1 == _EXITED), "still_exited", True),
            ((s0 == _EXITED) & (s1 == _POOR), "returned", marked),
            (leaving & (household_here | merged), "died_or_married_out", False),
            (leaving & old, "household_gone", False),
            (leaving, "removed", False),
            (entering & seen_before, "returned", False),
            (entering & household_before, "born_or_married_in", born),
            (entering, "new", first),
        ]
        conditions = [c for c, _, _ in cases]
        transition = np.select(conditions, [code[n] for _, n, _ in cases], -1)
        field = np.select(conditions, [np.broadcast_to(f, len(rows)) for _, _, f in cases], False)
        group = np.select(
            [unobserved, (s0 == _POOR) & (s1 == _POOR), s1 == _POOR, s0 == _POOR],
            [GROUPS.index(g) for g in ("unobserved", "stayed", "entered", "left")],
            GROUPS.index("outside"),
        )
        out.append(
            pd.DataFrame(
                {"year": y1, "from_year": y0, "person_key": person,
                 "panel_household": pd.Categorical.from_codes(lineage[here], lineages),
                 "village_code": pd.Categorical.from_codes(village[here], villages),
                 "designated": designated[here],
                 "from_state": pd.Categorical.from_codes(s0, STATES),
                 "state": pd.Categorical.from_codes(s1, STATES),
                 "transition": pd.Categorical.from_codes(transition, TRANSITIONS),
                 "group": pd.Categorical.from_codes(group, GROUPS),
                 "source": pd.Categorical.from_codes(field.astype(int), SOURCES[::-1])}
            )  # fmt: skip
        )
    result = pd.concat(out, ignore_index=True)
    result["designated"] = result["designated"].astype("boolean")
    return result


def _all_old(persons: pd.DataFrame, nodes: pd.DataFrame) -> np.ndarray:
    """Per node: every member at least :data:`HOUSEHOLD_GONE_AGE` (a missing age is not)."""
    age = pd.to_numeric(persons["age"], errors="coerce")
    young = (age < HOUSEHOLD_GONE_AGE) | age.isna()
    by = young.groupby([persons["year"], persons["household_key"]], observed=True).any()
    young_node = by.reindex(pd.MultiIndex.from_frame(nodes[["year", "household_key"]]))
    return ~young_node.fillna(True).to_numpy(dtype=bool)
