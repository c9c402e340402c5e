"""Poverty over time: yearly rosters linked into a panel (user guide: ``docs/dynamics.md``).

:func:`link_panel` takes one roster per year (clean rosters or files, cleaned with ages
at the end of their year), links persons by their salted key and households by their
members (:mod:`.link`), classifies what happened to each person between consecutive
years (:mod:`.transitions`) and flags histories that cannot be true (:mod:`.checks`).
The analyses of notebook ``06_dynamics`` are in :mod:`.analysis` (incidence by village
and year, the designated villages' share, flows, returns, clusters per year) and
:mod:`.survival` (time to exit, Kaplan–Meier); :mod:`.outputs` writes the tables of
``fupin panel`` and the private linkage report.

Modules, imported in this order (each uses only the ones before it): :mod:`.link`,
:mod:`.transitions`, :mod:`.checks`, :mod:`.survival`, :mod:`.analysis`, :mod:`.outputs`.

Examples
--------
>>> from fupin_analysis.reference import data_dir
>>> raw = data_dir() / "raw"
>>> panel = link_panel({2015: raw / "panel" / "zhaishi_roster_2015.xlsx",
...                     2016: raw / "zhaishi_roster_2016.csv"}, salt="doc")
>>> panel.years, len(panel.person_years)
((2015, 2016), 11866)
>>> panel.transitions.groupby("group", observed=True).size().to_dict()
{'entered': 337, 'left': 1869, 'stayed': 3926, 'outside': 136, 'unobserved': 43}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .checks import CHECK_COLUMNS, CHECKS, impossible_histories
from .link import (
    ENDS,
    HOUSEHOLD_FIELDS,
    LINKS,
    RosterInput,
    clean_years,
    follow_households,
    parse_rosters,
    rosters_by_year,
    rosters_in_folder,
    year_rows,
)
from .transitions import GROUPS, STATES, TRANSITIONS, person_states, person_transitions

__all__ = [
    "CHECKS",
    "CHECK_COLUMNS",
    "ENDS",
    "GROUPS",
    "HOUSEHOLD_YEAR_COLUMNS",
    "LINKS",
    "PERSON_YEAR_COLUMNS",
    "STATES",
    "TRANSITIONS",
    "Panel",
    "link_panel",
    "link_rosters",
    "clean_years",
    "parse_rosters",
    "rosters_by_year",
    "rosters_in_folder",
    "follow_households",
    "HOUSEHOLD_FIELDS",
]

#: Columns of ``Panel.person_years``.
PERSON_YEAR_COLUMNS: tuple[str, ...] = (
    "person_key", "year", "household_key", "panel_household", "village_code", "designated",
    "relation", "sex", "birth_date", "age", "state", "exit_status", "exit_year",
    "first_identified", "income_per_capita", "part", "source_row",
)  # fmt: skip
#: Columns of ``Panel.household_years``.
HOUSEHOLD_YEAR_COLUMNS: tuple[str, ...] = (
    "panel_household", "year", "household_key", "link", "parent", "end", "merged_into",
    "village_code", "village_name", "designated", "members", "household_type", "main_cause",
    "income_per_capita", "first_identified", "identification_standard", "exit_status",
    "exit_year", "exited", "state", "relocation_mode",
)  # fmt: skip


@dataclass(frozen=True)
class Panel:
    """Yearly rosters linked (what :func:`link_panel` returns). No name, identity or
    phone number anywhere; persons and households by their salted keys.

    Attributes
    ----------
    years : tuple of int
        The years, in order.
    person_years : pandas.DataFrame
        One row per person and year in that year's clean roster:
        :data:`PERSON_YEAR_COLUMNS` (``state`` ``poor`` or ``exited``; ``part``: which
        of the year's files; ``source_row``: the row there).
    household_years : pandas.DataFrame
        One row per household and year: :data:`HOUSEHOLD_YEAR_COLUMNS`
        (``panel_household``: the household followed across years; ``link``,
        ``parent``, ``end``, ``merged_into``: see :mod:`.link`; ``members``: people in
        ``person_years``).
    transitions : pandas.DataFrame
        :func:`.transitions.person_transitions`: one row per person and pair of consecutive
        years.
    checks : pandas.DataFrame
        :func:`.checks.impossible_histories`.
    refused : pandas.DataFrame
        Real persons the cleaner refused, per year and household: ``year``,
        ``household_key``, ``persons``.
    """

    years: tuple[int, ...]
    person_years: pd.DataFrame
    household_years: pd.DataFrame
    transitions: pd.DataFrame
    checks: pd.DataFrame
    refused: pd.DataFrame


_KEYS = ("person_key", "household_key", "panel_household", "village_code", "parent",
         "merged_into")  # fmt: skip


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Key columns made categorical for speed back to text (small vocabularies such as
    a transition's ``state`` stay categorical)."""
    kinds = {
        c: "str"
        for c in _KEYS
        if c in frame.columns and isinstance(frame[c].dtype, pd.CategoricalDtype)
    }
    return frame.astype(kinds)


def link_rosters(years: Mapping[int, list]) -> Panel:
    """Link clean rosters, already one list per year (see :func:`link_panel`)."""
    rows = year_rows(years)
    nodes = follow_households(rows.persons)
    lineage = nodes[["year", "household_key", "panel_household"]]
    persons = rows.persons.merge(lineage, on=["year", "household_key"], how="left")
    persons["state"] = persons["exited"].astype(bool).map({True: "exited", False: "poor"})
    order = list(years)
    state, node, keys = person_states(persons, nodes, rows.refused, order)
    moves = person_transitions(persons, nodes, state, node, keys, order)
    households = rows.households.merge(
        nodes.drop(columns=["node", "head_key", "predecessor", "successor"]),
        on=["year", "household_key"], how="inner", validate="one_to_one",
    )  # fmt: skip
    members = persons.groupby(["year", "household_key"]).size().rename("members")
    households["members"] = members.reindex(
        pd.MultiIndex.from_frame(households[["year", "household_key"]])
    ).to_numpy()
    households["state"] = households["exited"].astype(bool).map({True: "exited", False: "poor"})
    checks = impossible_histories(households, persons, rows.repeats)
    persons = persons.sort_values(["year", "panel_household"], kind="stable")
    households = households.sort_values(["year", "panel_household"], kind="stable")
    return Panel(
        years=tuple(order),
        person_years=_text(persons.reindex(columns=list(PERSON_YEAR_COLUMNS))).reset_index(
            drop=True
        ),
        household_years=_text(
            households.reindex(columns=list(HOUSEHOLD_YEAR_COLUMNS))
        ).reset_index(drop=True),
        transitions=_text(moves),
        checks=_text(checks),
        refused=_text(rows.refused),
    )


def link_panel(
    rosters: Mapping[int, RosterInput],
    *,
    salt: str | None = None,
    reference: str | Path | None = None,
    columns: str | Path | Mapping[str, str] | None = None,
) -> Panel:
    """Link yearly rosters into a panel of persons and households.

    Parameters
    ----------
    rosters : mapping of int to CleanRoster, path or a list of them
        Year → its roster (:func:`.link.clean_years`): a clean roster, a roster file
        (cleaned with ages at 31 December of its year), or several for a year exported
        in several files. At least two years; every year with the same salt.
    salt : str, optional
        Salt of the keys of the files cleaned here (default: this installation's).
    reference : str or Path, optional
        Reference folder of the township, as ``clean_roster``.
    columns : str, Path or mapping, optional
        Header mapping of the files (your header → canonical name), as ``clean_roster``.

    Returns
    -------
    Panel

    Raises
    ------
    FupinError
        When fewer than two years are given, a year is not a year, or a roster cannot
        be read (the cleaner's one-line error naming the file).
    """
    return link_rosters(
        clean_years(rosters, salt=salt, reference=reference, columns=columns)
    )
