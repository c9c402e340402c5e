"""Spatial concentration of poverty across villages.

Three modules, imported in this order (each uses only the ones before it):

:mod:`.weights`
    spatial weights of the village units (libpysal), always a fresh copy;
:mod:`.rates`
    incidence with Wilson intervals, empirical Bayes smoothing, concentration (Gini,
    Hoover, Lorenz, location quotients, designation overlap) and the village exit line;
:mod:`.autocorrelation`
    global and local Moran's I, Getis-Ord Gi*, the Moran scatter and the smallest
    p-value a unit's neighbourhood allows.

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
from .weights import build_weights

__all__ = [
    "CLUSTER_LABELS",
    "QUADRANTS",
    "MoranResult",
    "build_weights",
    "concentration",
    "designation_overlap",
    "eb_rates",
    "exit_line_status",
    "getis_ord",
    "global_moran",
    "incidence",
    "local_moran",
    "local_summary",
    "location_quotients",
    "lorenz_curve",
    "min_p_values",
    "moran_scatter",
    "wilson_interval",
]
