"""The village frame: one row per village with its polygon, incidence and smoothed rates.

:func:`village_rates` joins the three inputs of a village-level analysis (the clean
roster's households, the geography's village polygons and the registry's populations)
into one GeoDataFrame in a metric CRS, indexed by village code, on which every statistic
of :mod:`fupin_analysis.spatial` runs. :func:`incidence_table` is the published table of
it. Notebook 03 and the tests build the frame through this one function, so they cannot
drift apart.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..datum import metric_crs
from ..errors import FupinError, GeographyError
from .rates import eb_rates, incidence
from .weights import describe_weights

__all__ = ["INCIDENCE_COLUMNS", "INCIDENCE_HEADERS_ZH", "village_rates", "incidence_table"]

#: Columns of :func:`incidence_table`, in order.
INCIDENCE_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "designated",
    "population",
    "poor",
    "incidence",
    "ci_low",
    "ci_high",
    "eb",
    "seb",
)

#: Chinese headers of :func:`incidence_table`, for ``outputs.save_table`` and display.
INCIDENCE_HEADERS_ZH: dict[str, str] = {
    "code": "村代码",
    "name": "村名",
    "designated": "省定贫困村",
    "population": "户籍人口",
    "poor": "贫困人口",
    "incidence": "贫困发生率",
    "ci_low": "95%区间下限",
    "ci_high": "95%区间上限",
    "eb": "经验贝叶斯平滑",
    "seb": "空间经验贝叶斯平滑",
}


def _one_side_only(villages: pd.DataFrame, registry: pd.DataFrame) -> None:
    """Refuse villages in only one of the geography and the registry, naming them."""
    for what, frame in (("villages layer", villages), ("registry", registry)):
        if "code" not in frame.columns:
            raise FupinError(f"village_rates: the {what} has no 'code' column")
        codes = frame["code"].astype("str")
        if codes.duplicated().any():
            dups = sorted(set(codes[codes.duplicated()]))[:5]
            raise FupinError(f"village_rates: the {what} lists codes more than once: {dups}")
    in_geography = set(villages["code"].astype("str"))
    in_registry = set(registry["code"].astype("str"))
    no_polygon = sorted(in_registry - in_geography)
    no_population = sorted(in_geography - in_registry)
    if no_polygon or no_population:
        raise GeographyError(
            "village_rates: the villages layer and the registry must list the same villages; "
            f"in the registry only (no polygon): {no_polygon[:5]}, in the villages layer only "
            f"(no population): {no_population[:5]}; add them or drop them from both"
        )


def village_rates(
    households: pd.DataFrame,
    villages: gpd.GeoDataFrame,
    registry: pd.DataFrame,
    year: int,
    *,
    count: str = "not_exited",
    weights: object = "queen",
    confidence: float = 0.95,
) -> gpd.GeoDataFrame:
    """Each village's polygon, incidence (with Wilson interval) and smoothed rates.

    Steps: the registry's ``population`` (the denominators) is merged by code with the
    geography's ``name`` and ``designated``; :func:`.rates.incidence` counts the poor for
    ``year`` and ``count``; the villages' polygons are joined and projected to the metric
    CRS of :func:`fupin_analysis.datum.metric_crs` (CGCS2000 Gauss-Krüger, EPSG:4546 for
    寨市乡); :func:`.rates.eb_rates` adds the raw, empirical Bayes and spatial empirical
    Bayes rates under ``weights``.

    Parameters
    ----------
    households : pandas.DataFrame
        ``CleanRoster.households`` (or ``.members``), as :func:`.rates.incidence` takes.
    villages : geopandas.GeoDataFrame
        The geography's ``villages`` layer: ``code``, polygon geometry, and optionally
        ``name`` and ``designated`` (else taken from the reference registry by code).
    registry : pandas.DataFrame
        The village registry (:func:`fupin_analysis.reference.read_village_registry`):
        ``code``, ``population``.
    year : int
        The year whose end the counts refer to.
    count : {"not_exited", "registered"}
        Numerator of the incidence, see :func:`.rates.incidence`.
    weights : str or libpysal.weights.W
        Neighbourhoods of the spatial EB rate, see :func:`.weights.build_weights`.
    confidence : float
        Level of the Wilson score interval.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``code``, in the order of the villages layer, in the metric CRS:
        geometry, ``name``, ``designated``, ``population``, ``poor``, ``incidence``,
        ``ci_low``, ``ci_high``, ``raw`` (= ``incidence``), ``eb``, ``seb``. ``attrs``
        holds ``year``, ``count``, ``confidence`` and ``weights``. The functions of
        :mod:`.rates` (``concentration``, ``exit_line_status`` …) take it as they take
        the frame of ``incidence``.

    Raises
    ------
    GeographyError
        When a village is in only one of the villages layer and the registry (it would
        have a population but no polygon, or a polygon but no population).
    FupinError
        As :func:`.rates.incidence`: people in unknown villages, bad populations.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> villages = gpd.GeoDataFrame(
    ...     {"code": ["430527203203", "430527203207"], "name": ["李家村", "长溪村"],
    ...      "designated": [True, False]},
    ...     geometry=[box(110.00, 26.50, 110.02, 26.52), box(110.02, 26.50, 110.04, 26.52)],
    ...     crs="EPSG:4326")
    >>> registry = pd.DataFrame({"code": ["430527203207", "430527203203"],
    ...                          "population": [200, 100]})
    >>> households = pd.DataFrame({"village_code": ["430527203203", "430527203207"],
    ...                            "members": [3, 5], "exit_year": [pd.NA, 2016]})
    >>> rates = village_rates(households, villages, registry, 2016)
    >>> rates[["population", "poor", "incidence"]].reset_index()
               code  population  poor  incidence
    0  430527203203         100     3       0.03
    1  430527203207         200     0       0.00
    >>> rates["name"].tolist(), rates["designated"].tolist()
    (['李家村', '长溪村'], [True, False])
    >>> rates.crs.to_epsg(), rates.attrs["count"]
    (4546, 'not_exited')
    """
    _one_side_only(villages, registry)
    attributes = [c for c in ("name", "designated") if c in villages.columns]
    denominators = registry[["code", "population"]].merge(
        villages[["code", *attributes]], on="code", how="left", validate="one_to_one"
    )
    inc = incidence(households, denominators, year, count=count, confidence=confidence)
    frame = (
        villages[["code", villages.geometry.name]]
        .merge(inc, on="code", validate="one_to_one")
        .set_index("code")
    )
    frame = frame.to_crs(metric_crs(frame))
    frame = frame.join(eb_rates(frame, weights=weights))
    frame.attrs = dict(inc.attrs) | {"weights": describe_weights(weights)}
    return frame


def incidence_table(rates: gpd.GeoDataFrame) -> pd.DataFrame:
    """The incidence table of the villages, highest incidence first.

    Parameters
    ----------
    rates : pandas.DataFrame
        The frame of :func:`village_rates`, or of :func:`.rates.incidence` (no geography:
        no smoothed rates).

    Returns
    -------
    pandas.DataFrame
        The columns :data:`INCIDENCE_COLUMNS` that ``rates`` has (no geometry), sorted by
        ``incidence`` descending.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> rates = gpd.GeoDataFrame(
    ...     {"code": ["a", "b"], "name": ["A", "B"], "designated": [False, True],
    ...      "population": [100, 100], "poor": [1, 9], "incidence": [0.01, 0.09],
    ...      "ci_low": [0.0, 0.05], "ci_high": [0.05, 0.16], "raw": [0.01, 0.09],
    ...      "eb": [0.02, 0.08], "seb": [0.03, 0.07]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)]).set_index("code")
    >>> incidence_table(rates)[["code", "incidence", "eb"]]
      code  incidence    eb
    1    b       0.09  0.08
    0    a       0.01  0.02
    >>> incidence_table(pd.DataFrame(rates.drop(columns=["geometry", "eb", "seb"])
    ...                 ).reset_index()).columns.tolist()[-3:]
    ['incidence', 'ci_low', 'ci_high']
    """
    table = pd.DataFrame(rates.drop(columns=["geometry"], errors="ignore"))
    if "code" not in table.columns:
        table = table.reset_index()
    columns = [c for c in INCIDENCE_COLUMNS if c in table.columns]
    return table[columns].sort_values("incidence", ascending=False)
