"""Spatial concentration of poverty across villages.

Five modules, imported in this order (each uses only the ones before it):

:mod:`.weights`
    spatial weights of the village units (libpysal), always a fresh copy;
:mod:`.rates`
    incidence with Wilson intervals, empirical Bayes smoothing, concentration (Gini,
    Hoover, Lorenz, location quotients, designation overlap) and the village exit line;
:mod:`.autocorrelation`
    global and local Moran's I, Getis-Ord Gi*, the Moran scatter and the smallest
    p-value a unit's neighbourhood allows;
:mod:`.villages`
    the village frame (:func:`village_rates`: registry populations, village polygons,
    incidence and smoothed rates in a metric CRS) and its incidence table;
:mod:`.findings`
    the table of local results and the facts a report states from the results
    (designation groups, the exit line, clusters, FDR survivors, untestable villages).

Their public names are available here too, e.g. ``spatial.incidence`` and
``spatial.global_moran``. User guide: ``docs/spatial.md``.
"""

from __future__ import annotations

from .autocorrelation import (
    CLUSTER_LABELS,
    QUADRANTS,
    MoranResult,
    getis_ord,
    global_moran,
    local_moran,
    local_summary,
    min_p_values,
    moran_scatter,
)
from .findings import (
    AGREEMENTS,
    ClusterSummary,
    ExitLineSummary,
    cluster_summary,
    designation_groups,
    exit_line_summary,
    local_results,
    village_names,
)
from .rates import (
    concentration,
    designation_overlap,
    eb_rates,
    exit_line_status,
    incidence,
    location_quotients,
    lorenz_curve,
    wilson_interval,
)
from .villages import INCIDENCE_COLUMNS, INCIDENCE_HEADERS_ZH, incidence_table, village_rates
from .weights import build_weights

__all__ = [
    "AGREEMENTS",
    "CLUSTER_LABELS",
    "INCIDENCE_COLUMNS",
    "INCIDENCE_HEADERS_ZH",
    "QUADRANTS",
    "ClusterSummary",
    "ExitLineSummary",
    "MoranResult",
    "build_weights",
    "cluster_summary",
    "concentration",
    "designation_groups",
    "designation_overlap",
    "eb_rates",
    "exit_line_status",
    "exit_line_summary",
    "getis_ord",
    "global_moran",
    "incidence",
    "incidence_table",
    "local_moran",
    "local_results",
    "local_summary",
    "location_quotients",
    "lorenz_curve",
    "min_p_values",
    "moran_scatter",
    "village_names",
    "village_rates",
    "wilson_interval",
]
