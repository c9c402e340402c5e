"""What :func:`~fupin_analysis.clean.clean_roster` returns: :class:`CleanRoster` and the
columns of its tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..schema import ROSTER_COLUMNS

__all__ = ["HOUSEHOLD_TABLE_COLUMNS", "MEMBER_COLUMNS", "SOURCE_COLUMNS", "CleanRoster"]

#: Columns of ``CleanRoster.sources``, in order (one row per file or sheet read or
#: skipped; lists and mappings of ``raw.attrs["sources"]`` as text).
SOURCE_COLUMNS: tuple[str, ...] = (
    "file",
    "sheet",
    "status",
    "header_row",
    "encoding",
    "rows",
    "unknown_columns",
    "mapped_columns",
)


_ALL_FIELDS = frozenset(c.name for c in ROSTER_COLUMNS)


def _no_sources() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="str") for name in SOURCE_COLUMNS}).astype(
        {"header_row": "Int64", "rows": "Int64"}
    )

#: Columns of ``CleanRoster.members``, in order.
MEMBER_COLUMNS: tuple[str, ...] = (
    "person_key",
    "household_key",
    "village_code",
    "relation",
    "sex",
    "birth_date",
    "birth_year",
    "age",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "labour_skill",
    "months_worked",
    "medical_insurance",
    "critical_illness_insurance",
    "source_file",
    "source_sheet",
    "source_row",
)

#: Columns of ``CleanRoster.households``, in order.
HOUSEHOLD_TABLE_COLUMNS: tuple[str, ...] = (
    "household_key",
    "village_code",
    "village_name",
    "designated",
    "village_evidence",
    "household_size",
    "members",
    "household_type",
    "main_cause",
    "other_causes",
    "dilapidated_house",
    "safe_water",
    "income_per_capita",
    "first_identified",
    "identification_standard",
    "exit_status",
    "exit_year",
    "exited",
    "relocation_mode",
    "credit_rated",
    "credit_granted",
)


@dataclass(frozen=True)
class CleanRoster:
    """The result of :func:`~fupin_analysis.clean.clean_roster`.

    Attributes
    ----------
    members : pandas.DataFrame
        One row per person kept; columns :data:`MEMBER_COLUMNS`. No name, identity
        number or phone number: ``person_key`` and ``household_key`` are salted hashes.
    households : pandas.DataFrame
        One row per household with at least one member kept; columns
        :data:`HOUSEHOLD_TABLE_COLUMNS`. Household fields come from the head's row.
    quarantine : pandas.DataFrame
        Refused rows with their raw values (personal data included: write it with
        mode 0600), ``source_row``, ``reason`` (``REASONS``), ``detail`` and
        ``counts_as_person``.
    quality : pandas.DataFrame
        One row per rule: ``rule``, ``rows`` (rows affected), ``action``, ``detail``.
    fields : frozenset of str
        The canonical roster columns (``schema.ROSTER_COLUMNS``) the input had with at
        least one value (an empty marker such as 无 is no value). A field not in it is
        unknown downstream: never 0, never deprived (:mod:`fupin_analysis.availability`).
        Default: every roster column (a result made by hand).
    sources : pandas.DataFrame
        The files and sheets read or skipped, one row each: :data:`SOURCE_COLUMNS`
        (empty when unknown).
    synthetic : bool
        Every input file was a file of the embedded synthetic dataset.
    cleaning : mapping
        How the keys and values were made: ``salt`` (``"installation"`` or ``"given"``),
        ``salt_fingerprint`` (:func:`fupin_analysis.salt.fingerprint`), ``reference``
        (the reference folder, as text), ``reference_date`` (ISO date); empty when
        unknown.
    """

    members: pd.DataFrame
    households: pd.DataFrame
    quarantine: pd.DataFrame
    quality: pd.DataFrame
    fields: frozenset[str] = field(default_factory=lambda: _ALL_FIELDS)
    sources: pd.DataFrame = field(default_factory=_no_sources)
    synthetic: bool = False
    cleaning: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Counts of the result: ``item``, ``value`` (one row each).

        Examples
        --------
        >>> empty = pd.DataFrame()
        >>> CleanRoster(empty, empty, pd.DataFrame({"reason": [], "counts_as_person": []}),
        ...             empty).summary()["value"].tolist()
        [0, 0, 0, 0, 0, 0]
        """
        q = self.quarantine
        persons = q["counts_as_person"].astype(bool) if len(q) else pd.Series([], dtype=bool)
        items = {
            "rows_read": len(self.members) + len(q),
            "members": len(self.members),
            "households": len(self.households),
            "quarantined": len(q),
            "quarantined_persons": int(persons.sum()),
            "persons": len(self.members) + int(persons.sum()),
        }
        return pd.DataFrame({"item": list(items), "value": list(items.values())})

    def quarantine_by_reason(self) -> pd.DataFrame:
        """Refused rows by reason: ``reason``, ``rows``, ``real_persons``; most rows first.

        ``real_persons`` counts the rows that are real people refused for a defect
        (``counts_as_person``), as opposed to repeats of someone already kept.

        Examples
        --------
        >>> q = pd.DataFrame({"reason": ["id_mangled", "duplicate_row", "id_mangled"],
        ...                   "counts_as_person": [True, False, True], "source_row": [4, 5, 6]})
        >>> empty = pd.DataFrame()
        >>> CleanRoster(empty, empty, q, empty).quarantine_by_reason().values.tolist()
        [['id_mangled', 2, 2], ['duplicate_row', 1, 0]]
        """
        q = self.quarantine
        out = (
            q.groupby("reason", observed=True)
            .agg(rows=("source_row", "size"), real_persons=("counts_as_person", "sum"))
            .reset_index()
            .sort_values("rows", ascending=False, kind="stable")
            .reset_index(drop=True)
        )
        return out.astype({"rows": "int64", "real_persons": "int64"})
