"""Scale mode of the synthetic roster: many counties of a province, county by county.

Each county is made by :func:`~.mess.scale_roster` (its own seed) and written before the
next is made, so memory holds one county whatever the province's size. The counties are
the real counties of the province in the national division table
(:func:`fupin_analysis.divisions.load_divisions`) that have village-level units; every
户编号 is the 12-digit code of a real village of its county followed by a four-digit
serial, so partitions by county (:mod:`fupin_analysis.scale`) find the counties. The
village names stay those of 寨市乡's units, so that the embedded reference resolves them.
Identity numbers start with their county's code, so two counties share no person but the
duplicates planted.

Cross-county duplicates are planted: in every county but the first, ``duplicates`` rows
take the identity number of a person of the county before (written earlier in the
files): the cleaner keeps the earlier person and quarantines the later rows as
``duplicate_person`` (``other_household``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..divisions import load_divisions
from ..errors import FupinError
from .mess import scale_roster

__all__ = ["province_counties", "province_rosters"]


def province_counties(province: str, counties: int) -> list[tuple[str, np.ndarray]]:
    """The first ``counties`` counties (by code) of ``province`` (two digits) that have
    village-level units, each with its village codes.

    Examples
    --------
    >>> [(code, len(villages)) for code, villages in province_counties("43", 2)]
    [('430102', 72), ('430103', 86)]
    """
    table = load_divisions()
    villages = table.loc[(table["level"] == "village") & table["code"].str.startswith(province),
                         "code"].to_numpy(dtype=str)  # fmt: skip
    county_of = np.char.ljust(villages.astype("<U12"), 12).astype("<U6")
    codes = np.unique(county_of)
    if not len(codes):
        raise FupinError(f"--province {province}: no county with villages under that code")
    if counties > len(codes):
        raise FupinError(f"--counties {counties}: province {province} has {len(codes)} "
                         "counties with villages")  # fmt: skip
    return [(str(code), villages[county_of == code]) for code in codes[:counties]]


def _in_villages(rng: np.random.Generator, table: pa.Table, villages: np.ndarray) -> pa.Table:
    """``table`` with every 户编号 (and 人员编号) a village code of ``villages`` and a
    four-digit serial within that village."""
    old = table.column("household_id")
    distinct, position = np.unique(old.to_numpy(zero_copy_only=False), return_inverse=True)
    village = rng.integers(0, len(villages), len(distinct))
    serial = np.zeros(len(distinct), dtype=np.int64)
    order = np.argsort(village, kind="stable")
    first = np.searchsorted(village[order], village[order])
    serial[order] = np.arange(len(distinct)) - first + 1
    if serial.max() > 9999:
        raise FupinError(f"{len(distinct)} households: more than 9,999 in a village; "
                         "use more counties")  # fmt: skip
    new = np.char.add(villages[village], np.char.zfill(serial.astype(str), 4))[position]
    person = pc.utf8_slice_codeunits(table.column("person_id"), -2)
    table = table.set_column(table.schema.get_field_index("household_id"), "household_id",
                             pa.array(new))  # fmt: skip
    return table.set_column(table.schema.get_field_index("person_id"), "person_id",
                            pc.binary_join_element_wise(pa.array(new), person, ""))  # fmt: skip


def province_rosters(
    province: str, counties: int, households: int, duplicates: int, seed: int
) -> Iterator[tuple[str, pa.Table]]:
    """Per county (in code order), its roster: ``households`` households (canonical
    column names, text), ``duplicates`` rows of which carry the identity number of a
    person of the county before.

    Examples
    --------
    >>> made = list(province_rosters("43", 2, 40, 3, seed=1))
    >>> [(code, table.num_rows > 40) for code, table in made]
    [('430102', True), ('430103', True)]
    >>> first_ids = set(made[0][1].column("id_number").to_pylist())
    >>> later = made[1][1].column("id_number").to_pylist()
    >>> sum(i in first_ids for i in later if len(i) == 18)  # the planted ones only
    3
    """
    earlier: np.ndarray | None = None
    for k, (code, villages) in enumerate(province_counties(province, counties)):
        rng = np.random.default_rng([seed, 3, k])
        # identity numbers of the county's own code: persons of two counties are two
        # persons, but for the duplicates planted below
        roster = scale_roster(households, seed * 1000 + k, area=code)
        table = _in_villages(rng, roster, villages)
        ids = table.column("id_number").to_numpy(zero_copy_only=False)
        valid = np.flatnonzero(np.char.str_len(ids.astype(str)) == 18)
        if earlier is not None and duplicates:
            rows = rng.choice(valid, min(duplicates, len(valid), len(earlier)), replace=False)
            ids = ids.copy()
            ids[rows] = rng.choice(earlier, len(rows), replace=False)
            table = table.set_column(table.schema.get_field_index("id_number"), "id_number",
                                     pa.array(ids))  # fmt: skip
        earlier = ids[rng.choice(valid, min(max(duplicates, 1) * 4, len(valid)), replace=False)]
        yield code, table
