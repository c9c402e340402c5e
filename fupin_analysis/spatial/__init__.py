"""Spatial concentration of poverty across villages.

Modules, imported in this order (each uses only the ones before it):

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
:mod:`.exact`
    exact conditional p-values of local Moran (uni- and bivariate), Getis-Ord and
    local Geary: every neighbour set counted; the false-positive rate of a p-value;
:mod:`.association`
    rate Moran (Assunção–Reis), bivariate Moran, join counts, Geary's C (esda);
:mod:`.factors`
    the geographic factors of each village (elevation, distances to road and seat);
:mod:`.detector`
    the geographical detector (地理探测器): factor, interaction, risk, ecological;
:mod:`.regression`
    OLS with LM diagnostics, then the spatial lag or error model (spreg);
:mod:`.findings`
    the table of local results and the facts a report states from the results
    (designation groups, the exit line, clusters, FDR survivors, untestable villages,
    seed sensitivity, false positives, the detector's findings).

Their public names are available here too, e.g. ``spatial.incidence`` and
``spatial.global_moran``. User guide: ``docs/spatial.md``.
"""

from __future__ import annotations

from .association import (
    GlobalTest,
    assuncao_reis,
    bivariate_moran,
    geary,
    global_table,
    join_counts,
    moran_test,
    rate_comparison,
    rate_moran,
)
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
    pseudo_p_spread,
    reachability,
    scatter_line,
)
from .detector import (
    INTERACTIONS,
    RULES,
    discretisation_table,
    discretise,
    ecological_detector,
    factor_detector,
    interaction_detector,
    q_statistic,
    risk_detector,
    stratify,
)
from .exact import (
    ALTERNATIVES,
    exact_getis_ord,
    exact_local_geary,
    exact_local_moran,
    null_rejection_rates,
)
from .factors import (
    CONTINUOUS_FACTORS,
    FACTORS,
    continuous_factors,
    factor_rules,
    missing_factor_parts,
    village_factors,
)
from .findings import (
    AGREEMENTS,
    ClusterSummary,
    DetectorSummary,
    ExitLineSummary,
    FalsePositiveFacts,
    SeedFacts,
    cluster_summary,
    designation_groups,
    detector_summary,
    exit_line_summary,
    false_positive_facts,
    local_results,
    sampling_facts,
    seed_facts,
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
from .regression import SpatialRegression, choose_model, spatial_regression
from .villages import INCIDENCE_COLUMNS, INCIDENCE_HEADERS_ZH, incidence_table, village_rates
from .weights import build_weights

__all__ = [
    "AGREEMENTS",
    "ALTERNATIVES",
    "CONTINUOUS_FACTORS",
    "FACTORS",
    "INTERACTIONS",
    "RULES",
    "DetectorSummary",
    "FalsePositiveFacts",
    "GlobalTest",
    "SeedFacts",
    "SpatialRegression",
    "assuncao_reis",
    "bivariate_moran",
    "choose_model",
    "detector_summary",
    "discretisation_table",
    "discretise",
    "ecological_detector",
    "exact_getis_ord",
    "exact_local_geary",
    "exact_local_moran",
    "factor_detector",
    "factor_rules",
    "false_positive_facts",
    "sampling_facts",
    "geary",
    "global_table",
    "interaction_detector",
    "join_counts",
    "moran_test",
    "rate_comparison",
    "null_rejection_rates",
    "pseudo_p_spread",
    "q_statistic",
    "rate_moran",
    "reachability",
    "risk_detector",
    "scatter_line",
    "seed_facts",
    "spatial_regression",
    "stratify",
    "village_factors",
    "continuous_factors",
    "missing_factor_parts",
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
