"""Which partition a roster row belongs to: the county (or township) its 户编号 starts with.

A 户编号 is the 12-digit code of the household's village followed by a serial number, so
its first six digits name the county and its first nine the township. Households never
cross a village, so a partition by this prefix keeps every household whole; it is read
from the normalised 户编号 (NFKC, spaces removed: the text the cleaner groups households
by), never from the free-text county or township columns, where one misspelt township
would split a household. Rows whose 户编号 does not start with twelve digits (missing,
a short local number such as ``001``, text) all go to the partition :data:`UNKNOWN`:
they are still cleaned, counted and written, as one partition of their own.

Examples
--------
>>> ids = pd.Series(["４３０５２７２０３２０３0001", "430527 203203 0002", "001", None])
>>> partition_keys(ids).tolist()
['430527', '430527', 'unknown', 'unknown']
>>> partition_keys(pd.Series(["4305272032030001"]), "township").tolist()
['430527203']
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import FupinError
from ..schema import normalize_values

__all__ = ["PARTITION_DIGITS", "UNKNOWN", "partition_column", "partition_keys"]

#: Partition kinds and how many leading digits of the village code name one.
PARTITION_DIGITS: dict[str, int] = {"county": 6, "township": 9}

#: The partition of rows whose 户编号 does not start with a 12-digit village code.
UNKNOWN = "unknown"


def partition_column(partition_by: str) -> str:
    """The name of the partition in the output datasets' folders (``county_code=430527``):
    not ``county``, which the quarantine's raw roster columns already use.

    >>> partition_column("county")
    'county_code'
    """
    return f"{partition_by}_code"


def partition_keys(household_id: pd.Series, partition_by: str = "county") -> pd.Series:
    """The partition of each row (a categorical Series on ``household_id``'s index): the
    first digits of the village code its normalised 户编号 starts with
    (:data:`PARTITION_DIGITS`), else :data:`UNKNOWN`.

    Raises
    ------
    FupinError
        For a ``partition_by`` that is not one of :data:`PARTITION_DIGITS`.
    """
    if partition_by not in PARTITION_DIGITS:
        raise FupinError(
            f"--partition-by {partition_by}: partitions are by "
            f"{' or '.join(PARTITION_DIGITS)} (of the 户编号's village code)"
        )
    text = normalize_values(household_id.astype("str"), remove_spaces=True)
    # pyarrow, not a regex per value in Python: a million 户编号 in a few milliseconds
    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    village = pc.fill_null(pc.match_substring_regex(arr, r"^\d{12}"), False)
    prefix = pc.utf8_slice_codeunits(arr, 0, PARTITION_DIGITS[partition_by])
    keys = pc.dictionary_encode(pc.if_else(village, prefix, UNKNOWN))
    return pd.Series(keys.to_pandas(), index=household_id.index, name="partition")
