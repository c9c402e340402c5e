"""Rosters beyond one process: partitioned cleaning and aggregates on Dask.

Needs the optional dependencies of the ``scale`` extra (``pip install
fupin_analysis[scale]``: ``dask[dataframe]`` and ``distributed``); the rest of the
package never imports them. See ``docs/scale.md`` for when to use it.

:func:`clean_partitioned`
    Clean roster files partition by partition (by county of the 户编号) on a Dask
    cluster, with the same result as :func:`~fupin_analysis.clean.clean_roster`, written
    as partitioned Parquet datasets (:mod:`.engine`).
:func:`county_summary`
    County and province counts from the partitioned dataset, reading a few columns
    partition by partition (:mod:`.aggregates`).
:func:`partition_keys`
    The partition of each row (:mod:`.partitions`).
:func:`sum_quality`
    The quality table of the whole roster from the partitions' (:mod:`.quality`).
"""

from .aggregates import SUMMARY_COLUMNS, county_summary
from .engine import TABLES, PartitionedClean, clean_partitioned
from .partitions import PARTITION_DIGITS, UNKNOWN, partition_column, partition_keys
from .quality import sum_quality

__all__ = [
    "PARTITION_DIGITS",
    "SUMMARY_COLUMNS",
    "TABLES",
    "UNKNOWN",
    "PartitionedClean",
    "clean_partitioned",
    "county_summary",
    "partition_column",
    "partition_keys",
    "sum_quality",
]
