"""Clean a raw roster into members, households, quarantine and a quality report.

:func:`clean_roster` applies one small, vectorised function per rule. Every input row
ends in exactly one of ``members`` or ``quarantine`` (with a ``reason``); the ``quality``
table has one row per rule saying how many rows it touched and what was done. Nothing is
repaired by guessing: an identity number Excel turned into ``4.30527E+17`` is refused,
not padded.

Quarantine reasons, in order of precedence (a row gets the first that applies):

``summary_row``
    not a person: a totals or subtotal row (合计, 小计 …), a signature line, a note under
    the table or a blank separator row, without an identity number.
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

``counts_as_person`` is False for ``summary_row`` (not a person), ``duplicate_row`` and
``duplicate_person`` (a repeat of someone already counted) and True otherwise (a real
person refused for a defect).

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
>>> result.quarantine["detail"].tolist()[1]  # the closest names of the county
'closest: 三星桥村 430527106209 (瓦屋塘镇, not in the reference folder)'
>>> cols = ["village_name", "household_type", "household_size", "members"]
>>> result.households[cols].values.tolist()
[['李家村', '特困供养贫困户', 2, 1]]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..errors import FupinError
from ..reference import Reference, reference_dir
from ..salt import default_salt, fingerprint
from ..schema import REASONS, validate_clean
from .keys import keyed_hash
from .origin import describe
from .outputs import clean_folder, format_summary, read_clean, write_outputs
from .result import HOUSEHOLD_TABLE_COLUMNS, MEMBER_COLUMNS, CleanRoster
from .rules import COLUMN_RULES, KEPT_RULES, ROW_RULES, RULES
from .state import DEFAULT_REFERENCE_DATE, Rows, elsewhere_positions, keep, read_raw, read_rows
from .tables import member_and_household_tables, quarantine_table
from .values import parse_dates, parse_numbers, to_boolean, to_vocabulary

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "CleanRoster",
    "clean_roster",
    "clean_rows",
    "read_clean",
    "REASONS",
    "RULES",
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


def _same_cleaning(
    result: CleanRoster,
    folder: Path,
    salt: str | None,
    reference: str | Path | None,
    reference_date: str | pd.Timestamp | None,
) -> CleanRoster:
    """``result`` (read from the clean folder ``folder``), or an error when the arguments
    given ask for another cleaning than the one the folder holds."""
    made = result.cleaning
    asked = []
    if salt is not None and fingerprint(salt) != made.get("salt_fingerprint"):
        asked.append("another salt")
    if reference and str(reference_dir(reference)) != made.get("reference"):  # "": default
        asked.append(f"the reference folder {reference_dir(reference)}")
    if reference_date is not None and reference_date != "":
        date = pd.Timestamp(reference_date).date().isoformat()
        if date != made.get("reference_date"):
            asked.append(f"the reference date {date}")
    if asked:
        raise FupinError(
            f"{folder}: a clean folder made with reference date {made.get('reference_date')} "
            f"and reference {made.get('reference')}; asked for {' and '.join(asked)}: "
            "clean the roster again with them, or pass none"
        )
    return result


def clean_roster(
    raw_or_path: pd.DataFrame | str | Path | Sequence[str | Path],
    *,
    salt: str | None = None,
    reference_date: str | pd.Timestamp | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    reference: str | Path | Reference | None = None,
    columns: str | Path | Mapping | None = None,
    exclude_persons: Collection[str] | Mapping[str, int] = (),
) -> CleanRoster:
    """Clean a roster: members, households, quarantine and the quality report.

    Parameters
    ----------
    raw_or_path : pandas.DataFrame, str, pathlib.Path or a list of them
        Roster files and folders (read together with ``sheet``, ``encoding`` and
        ``columns`` by :func:`~fupin_analysis.ingest.read_roster`: duplicates across
        files are found), a frame ``read_roster`` returned, any DataFrame of a roster
        (its headers understood and values read as from a file), or a clean output
        folder of ``fupin clean`` (or one of its tables): that folder is read back as it
        was written (:func:`read_clean`), not cleaned again.
    columns : str, Path or dict, optional
        The column mapping (a YAML file or a dict ``header: column``) for headers the
        package does not know (:func:`~fupin_analysis.ingest.load_columns`).
    salt : str, optional
        Salt of the pseudonymous ``person_key`` and ``household_key``. Default: this
        installation's secret (:func:`fupin_analysis.salt.default_salt`), the same in
        every run on this machine, known to nobody else.
    reference_date : str or pandas.Timestamp, optional
        Day at which ages are computed; a birth date after it is invalid. Default
        2016-12-31 (for a clean folder: the date it was made with).
    sheet, encoding : str, optional
        Passed to ``read_roster`` when ``raw_or_path`` is a path.
    reference : str, Path or Reference, optional
        The reference folder whose units and crosswalk the village names are resolved
        with (``fupin init`` writes one per township); default
        :func:`~fupin_analysis.reference.reference_dir` (``FUPIN_DATA_DIR`` or the
        embedded 寨市乡 tables).
    exclude_persons : collection of str, or mapping of str to int, optional
        Persons (their ``person_key``, made with the same ``salt``) found in another
        part of the roster. A collection: found there first, so every row of theirs
        still kept when ``duplicate_person`` runs is quarantined as
        ``duplicate_person`` (detail ``other_household``), as if the earlier occurrence
        were in this input. A mapping ``person_key: position``: found there before this
        input's row at ``position`` (0-based), so their rows go only when their first
        row still kept here comes at or after it. This is how a roster cleaned in parts
        (:func:`fupin_analysis.scale.clean_partitioned`) gets the result of cleaning it
        whole. Default: none.

    Returns
    -------
    CleanRoster
        ``len(raw) == len(members) + len(quarantine)``, always.

    Raises
    ------
    RosterFormatError
        When the input cannot be read as a roster or lacks a required column.
    FupinError
        For a clean folder, when ``salt``, ``reference`` or ``reference_date`` is given
        and differs from what the folder was made with.

    Examples
    --------
    >>> from fupin_analysis.reference import data_dir
    >>> result = clean_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv")
    >>> result.summary()["value"].tolist()  # rows_read, members, households, … persons
    [6102, 6022, 1846, 80, 44, 6066]
    >>> result.quality["rule"].tolist() == list(RULES)
    True
    """
    folder = reference.folder if isinstance(reference, Reference) else reference
    made = clean_folder(raw_or_path) if isinstance(raw_or_path, str | Path) else None
    if made is not None:
        return _same_cleaning(read_clean(made), made, salt, folder, reference_date)
    raw = read_raw(raw_or_path, sheet, encoding, columns)
    return clean_rows(raw, raw_or_path, salt=salt, reference_date=reference_date,
                      reference=folder, exclude_persons=exclude_persons)[0]  # fmt: skip


def clean_rows(
    raw: pd.DataFrame,
    origin: pd.DataFrame | str | Path | Sequence[str | Path] | None = None,
    *,
    salt: str | None = None,
    reference_date: str | pd.Timestamp | None = None,
    reference: str | Path | None = None,
    exclude_persons: Collection[str] | Mapping[str, int] = (),
) -> tuple[CleanRoster, Rows]:
    """:func:`clean_roster` of a frame ``read_roster`` returned, and the state of its rows
    at the end (``Rows.reason``: which rows were refused, and why), for an engine that
    must know each input row's fate (:mod:`fupin_analysis.scale`).

    ``origin`` is what the frame was read from (the paths given to ``clean_roster``, for
    the result's description); default the frame.

    Examples
    --------
    >>> from fupin_analysis.ingest import read_roster
    >>> from fupin_analysis.reference import data_dir
    >>> raw = read_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv")
    >>> result, rows = clean_rows(raw)
    >>> int((rows.reason == 0).sum()) == len(result.members)
    True
    """
    reference_date = DEFAULT_REFERENCE_DATE if reference_date is None else reference_date
    rows = read_rows(raw, reference_date, reference)
    salt_given = salt is not None
    salt = salt if salt_given else default_salt()
    if len(exclude_persons):
        rows.elsewhere = elsewhere_positions(rows, salt, exclude_persons)
    for rule in ROW_RULES:  # normalise; refuse, in order of precedence; count matches
        rule(rows)
    kept = keep(rows)  # the kept rows, their fields parsed once per distinct text
    for rule in KEPT_RULES:  # the kept rows' values
        rule(kept)
    for rule in COLUMN_RULES:
        rule(rows)
    members, households = member_and_household_tables(kept, salt)
    result = CleanRoster(
        members,
        households,
        quarantine_table(rows, salt),
        rows.quality.frame(),
        **describe(
            raw if origin is None else origin,
            raw,  # with its sources in attrs, which rows.raw does not carry
            rows.work,
            salt=salt,
            salt_given=salt_given,
            reference=rows.reference,
            reference_date=rows.reference_date,
        ),
    )
    validate_clean(result.members, result.households, result.quarantine, result.quality)
    return result, rows
