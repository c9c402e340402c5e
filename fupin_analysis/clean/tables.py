"""The clean tables, built from the state the rules leave: ``members`` and ``households``
from the kept rows (:class:`~.state.Kept`), ``quarantine`` from the refused ones
(:class:`~.state.Rows`).

Examples
--------
>>> from fupin_analysis.clean.state import keep, read_rows, resolve_villages
>>> rows = read_rows(pd.DataFrame({
...     "village": ["李家村", "火星村"], "household_id": ["001", "002"],
...     "id_number": ["430527199001011237", "430527198505052003"],
...     "relation": ["户主", "户主"], "household_type": ["五保户", "一般贫困户"],
...     "source_row": [4, 5]}))
>>> rows.villages = resolve_villages(rows.work["village"])
>>> _ = rows.refuse(rows.villages.code < 0, "unknown_village")
>>> members, households = member_and_household_tables(keep(rows), salt="doc")
>>> households[["village_name", "household_type", "members"]].values.tolist()
[['李家村', '特困供养贫困户', 1]]
>>> quarantine_table(rows, salt="doc")[["source_row", "reason"]].values.tolist()
[[5, 'unknown_village']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..reference import load_villages
from ..schema import REASONS, VOCABULARIES
from .exits import exit_flags
from .keys import hash64, hex_keys, keyed_hash, person_hashes
from .result import HOUSEHOLD_TABLE_COLUMNS, MEMBER_COLUMNS
from .state import NOT_A_PERSON, Kept, Rows

__all__ = ["member_and_household_tables", "quarantine_table"]


def member_and_household_tables(kept: Kept, salt: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``members`` (one row per kept row) and ``households`` (one row per household with
    a kept member, its values from the head's row), keys salted with ``salt``."""
    household_ids = kept.work["household_id"].cat  # kept rows all have one
    categories = pa.array(household_ids.categories, type=pa.large_string())
    per_household_id = hash64(categories.cast(pa.large_binary()), salt, "household")
    household_hash = per_household_id[household_ids.codes.to_numpy()]
    return _members(kept, household_hash, salt), _households(kept, household_hash)


def _members(kept: Kept, household_hash: np.ndarray, salt: str) -> pd.DataFrame:
    """One row per kept row; person fields parsed, the rest from the identity number."""
    members = pd.DataFrame(index=pd.RangeIndex(len(kept.work)))
    # kept identity numbers are distinct (duplicate_person) and canonical: 18 bytes each
    members["person_key"] = hex_keys(person_hashes(kept.id_numbers, salt))
    members["household_key"] = hex_keys(household_hash)
    household_village = kept.village[kept.head_of[kept.household]]
    members["village_code"] = pd.Series(kept.villages.codes.take(household_village))
    members["relation"] = kept.relation
    members["sex"] = pd.Categorical.from_codes(kept.sex, dtype=VOCABULARIES["sex"].dtype)
    members["birth_date"] = kept.birth_date
    members["birth_year"] = kept.birth_year
    members["age"] = kept.age
    for name in MEMBER_COLUMNS:
        if name in kept.person_fields:
            members[name] = kept.person_fields[name].take()
    members["source_file"] = kept.source_file
    members["source_sheet"] = kept.source_sheet
    members["source_row"] = kept.source_row
    return members[list(MEMBER_COLUMNS)]


def _households(kept: Kept, household_hash: np.ndarray) -> pd.DataFrame:
    """One row per household, with the values of its head's row."""
    heads = kept.heads
    villages = load_villages(kept.reference).set_index("code")
    h = pd.DataFrame(index=pd.RangeIndex(len(kept.households)))
    h["household_key"] = hex_keys(household_hash[heads])
    at_code = kept.village[heads]
    codes = kept.villages.codes
    h["village_code"] = pd.Series(codes.take(at_code))
    per_code = pd.Series(codes)  # looked up once per village, then spread
    for name, kind in (("village_name", "str"), ("designated", bool)):
        field = "name" if name == "village_name" else name
        values = per_code.map(villages[field]).take(at_code).reset_index(drop=True)
        h[name] = values.astype(kind)
    evidence = pa.array(kept.villages.evidence, type=pa.large_string())
    h["village_evidence"] = pd.Series(
        evidence.take(kept.village_name[heads]).to_pandas(), dtype="str"
    )
    h["members"] = kept.members_found.astype("int64")
    for name, parsed in kept.household_fields.items():
        h[name] = parsed.take(heads)
    h["exited"] = exit_flags(h["exit_status"], h["exit_year"])["exited"]
    return h[list(HOUSEHOLD_TABLE_COLUMNS)]


def _raw_rows(values: pd.Series, rows: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The values of ``rows`` as read (a categorical column as its text)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()[rows]
        return values.cat.categories.astype("str").take(codes, allow_fill=True).array
    return values.array.take(rows)


def quarantine_table(rows: Rows, salt: str) -> pd.DataFrame:
    """The refused rows as read (``source_file``, ``source_sheet``, ``source_row``
    included), with ``reason``, ``detail``, ``household_key`` and ``counts_as_person``,
    in input order (files in the order read, then sheets, then rows)."""
    raw, reason = rows.raw, rows.reason
    refused = reason != 0
    refused_rows = np.flatnonzero(refused)  # few: take them, not filter every column by mask
    quarantine = pd.DataFrame(
        {name: _raw_rows(raw[name], refused_rows) for name in raw.columns},
        index=raw.index[refused_rows],
    )
    names = np.asarray(("",) + REASONS, dtype=object)
    quarantine["reason"] = pd.Series(names[reason[refused]], index=quarantine.index, dtype="str")
    quarantine["detail"] = pd.Series(rows.detail[refused], index=quarantine.index, dtype="str")
    quarantine["household_key"] = keyed_hash(
        rows.work["household_id"].iloc[refused_rows], salt, "household"
    ).set_axis(quarantine.index)
    quarantine["counts_as_person"] = ~rows.refused_for(*NOT_A_PERSON)[refused]
    return quarantine.reset_index(drop=True)
