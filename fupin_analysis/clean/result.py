"""What :func:`~fupin_analysis.clean.clean_roster` returns: :class:`CleanRoster` and the
columns of its tables."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["HOUSEHOLD_TABLE_COLUMNS", "MEMBER_COLUMNS", "CleanRoster"]

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
    """

    members: pd.DataFrame
    households: pd.DataFrame
    quarantine: pd.DataFrame
    quality: pd.DataFrame

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
