"""Relocation (易地扶贫搬迁): origins, site criteria and location-allocation.

The 2016 work summary describes two kinds of resettlement: scattered (分散安置, a new
house "down the mountain, by the road" inside the home village) and concentrated
(集中安置, one site by the township seat). This module asks whether the sites were good
choices by the policy's and the literature's criteria, and how far the chosen site is from
what a location model (p-median, MCLP; :mod:`spopt` with PuLP's bundled CBC) would pick.

Households in a roster have no coordinates: the *origin point* of a household is the
representative point of its village's polygon (or the village point), and its elevation is
the village's ``elevation_m``. Every distance is a straight line in metres in a projected
CRS; a geographic CRS is refused, never used in degrees.

Public functions
----------------
:func:`origins`
    Relocated households with origin village, people, mode and origin point.
:func:`evaluate_sites`
    One row per site (chosen and candidate) with the siting criteria; their sources are
    in :func:`criteria_sources`.
:func:`land_per_person`
    Land of a site per resettled person, in m².
:func:`screen_sites`
    Which sites pass each criterion, under thresholds that are parameters.
:func:`scattered_moves`
    For each village with scattered moves: is the new place nearer the road, and lower?
:func:`flows`
    Origin villages assigned to the nearest of some sites, as lines (for maps).
:func:`optimal_sites`
    p-median (capacitated when capacities are given) or MCLP on a cost matrix in metres,
    with the gap of the actual choice to the optimum.
:func:`sensitivity`
    The optimum for each combination of weight, p and service radius.
:func:`optimality_table`
    Several :func:`optimal_sites` runs side by side: optimum, actual choice, gap.
:func:`relocated_by_mode`, :func:`chosen_site`, :func:`eligible_sites`, :func:`scattered_summary`
    The facts a report states from the results.
:func:`scattered_lines`
    The scattered moves as lines, for maps.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> crs = "EPSG:4546"
>>> orig = gpd.GeoDataFrame(
...     {"village_code": ["430527203203", "430527203208"], "households": [1, 1],
...      "people": [3, 5], "mode": ["concentrated", "concentrated"]},
...     geometry=[Point(0, 0), Point(4000, 0)], crs=crs)
>>> sites = gpd.GeoDataFrame(
...     {"site_id": ["A", "B"], "status": ["chosen", "candidate"]},
...     geometry=[Point(0, 1000), Point(3000, 0)], crs=crs)
>>> best = optimal_sites(orig, sites, p=1)
>>> best.selected["site_id"].tolist(), best.objective, round(best.actual_objective, 1)
(['B'], 14000.0, 23615.5)
>>> round(best.gap, 3)  # the chosen site A is 69% worse than the optimum B
0.687
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
from pulp.apis.coin_api import pulp_cbc_path
from shapely.geometry import LineString
from spopt.locate import MCLP, PMedian
from spopt.locate.base import SpecificationError

from .errors import ConfigError, GeographyError
from .geo import distance_to_nearest, metric_crs
from .reference import load_policy

if TYPE_CHECKING:
    from .geo import Geography

__all__ = [
    "MODES",
    "CRITERIA",
    "HEADERS_ZH",
    "HousingAssumption",
    "LocationResult",
    "origins",
    "criteria_sources",
    "land_per_person",
    "evaluate_sites",
    "screen_sites",
    "scattered_moves",
    "flows",
    "optimal_sites",
    "sensitivity",
    "optimality_table",
    "chosen_site",
    "eligible_sites",
    "relocated_by_mode",
    "ScatteredSummary",
    "scattered_summary",
    "scattered_lines",
]

#: Official relocation modes (clean roster ``relocation_mode``) → the labels used here.
MODES: dict[str, str] = {"集中安置": "concentrated", "分散安置": "scattered"}

_LI_2011 = "Li, Yin & Liu 2011, J. Mountain Science 8(3):466–475 (FACTS §5)"
_PLAN_2016 = "《全国“十三五”易地扶贫搬迁规划》 2016 (FACTS §5)"
_SUMMARY = "2016 work summary (seed document, FACTS §1)"

#: Criterion name → (output columns, unit, what is better, source).
CRITERIA: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "distance": (
        ("mean_distance_m", "people_distance_m", "max_distance_m"),
        "m",
        "lower: the old fields and village stay reachable",
        f"within the same county: {_LI_2011}; no farmland at the site, so the old fields "
        f"must stay in reach: {_SUMMARY}",
    ),
    "road": (
        ("road_distance_m",),
        "m",
        "lower",
        f"accessible to transport: {_LI_2011}; 山上搬路边: {_SUMMARY}",
    ),
    "seat": (
        ("seat_distance_m",),
        "m",
        "lower: services and market at the township seat",
        f"accessible to markets and services: {_LI_2011}",
    ),
    "hazard": (
        ("hazard_distance_m", "in_hazard", "near_hazard"),
        "m / bool",
        "farther; False",
        f"outside geological hazard zones: {_LI_2011}",
    ),
    "elevation": (
        ("elevation_change_m",),
        "m",
        "negative (downhill) or small",
        f"山上搬山下 (down the mountain): {_SUMMARY}; slope < 25°: {_LI_2011}",
    ),
    "land": (
        ("land_m2_per_person", "floor_m2_per_person", "floor_to_cap"),
        "m²/person; ratio",
        "floor_to_cap ≥ 1: land allows houses up to the cap",
        f"enough land: {_LI_2011}; housing ≤ 25 m²/person: {_PLAN_2016}",
    ),
    "capacity": (
        ("capacity_households", "demand_households", "capacity_ok"),
        "households",
        "capacity_ok True",
        f"planned for 71 households: {_SUMMARY}",
    ),
}

#: Chinese headers of the criteria and flow tables, for ``report.save_table``.
HEADERS_ZH: dict[str, str] = {
    "site_id": "安置点编号",
    "name": "名称",
    "status": "状态",
    "area_mu": "用地(亩)",
    "mean_distance_m": "平均距离(米,按户)",
    "people_distance_m": "平均距离(米,按人)",
    "max_distance_m": "最远距离(米)",
    "road_distance_m": "距最近道路(米)",
    "seat_distance_m": "距乡政府(米)",
    "hazard_distance_m": "距灾害隐患区(米)",
    "in_hazard": "位于隐患区内",
    "near_hazard": "位于隐患区缓冲带内",
    "elevation_change_m": "海拔变化(米)",
    "land_m2_per_person": "人均用地(平方米)",
    "floor_m2_per_person": "人均可建面积(平方米)",
    "floor_to_cap": "可建面积/25平方米上限",
    "capacity_households": "容量(户)",
    "demand_households": "需安置(户)",
    "capacity_ok": "容量足够",
    "village_code": "村代码",
    "village_name": "村名",
    "households": "户数",
    "people": "人数",
    "distance_m": "距离(米)",
}


@dataclass(frozen=True)
class HousingAssumption:
    """How a site's land turns into floor area: ``floors`` × ``coverage`` (plot ratio).

    The work summary gives the land (8.5 mu), not the floor area; the 25 m²/person cap is
    on floor area. The link is an assumption: houses of ``floors`` storeys covering the
    share ``coverage`` of the site (the rest is lanes, yards and public space).

    Examples
    --------
    >>> round(HousingAssumption(floors=3, coverage=0.4).plot_ratio, 6)
    1.2
    """

    floors: float = 2.0
    coverage: float = 0.5

    def __post_init__(self) -> None:
        if self.floors <= 0 or not 0 < self.coverage <= 1:
            raise ConfigError(
                f"housing assumption: floors must be > 0 and coverage in (0, 1], got "
                f"floors={self.floors}, coverage={self.coverage}"
            )

    @property
    def plot_ratio(self) -> float:
        """Floor area per unit of site land."""
        return self.floors * self.coverage


@dataclass(frozen=True)
class LocationResult:
    """The outcome of :func:`optimal_sites`.

    Attributes
    ----------
    selected : geopandas.GeoDataFrame
        The sites the model picks: the candidates' columns plus ``households``,
        ``people`` and ``weight`` assigned, ``mean_distance_m`` (weighted) and
        ``max_distance_m``.
    assignments : geopandas.GeoDataFrame
        One row per origin village: ``village_code``, ``households``, ``people``,
        ``weight``, ``site_id``, ``distance_m``, ``covered`` (within ``radius_m``; NA
        without a radius); LineString geometry from origin to site.
    objective : float
        p-median: weight × metres; MCLP: weight covered.
    actual_objective : float or None
        The same objective for the sites whose ``status`` is ``chosen``, each origin
        assigned to its nearest chosen site (with capacities: the best assignment within
        them); None unless exactly ``p`` sites are chosen, or when their capacities cannot
        hold the demand.
    gap : float or None
        Relative shortfall of the actual choice, ≥ 0 and 0 when it is optimal:
        ``(actual - optimum) / optimum`` for p-median, ``(optimum - actual) / optimum``
        for MCLP.
    weighted_coverage : float or None
        Share of the weight within ``radius_m`` of its site (spopt's ``perc_cov`` counts
        origins, not people); None without a radius.
    model : str
        ``"p-median"`` or ``"mclp"``.
    params : dict
        ``p``, ``weight``, ``radius_m``, ``capacity`` (per site, or None), ``mode``.
    """

    selected: gpd.GeoDataFrame
    assignments: gpd.GeoDataFrame
    objective: float
    actual_objective: float | None
    gap: float | None
    weighted_coverage: float | None
    model: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def mean_distance_m(self) -> float:
        """Weighted mean distance from the origins to their assigned sites, metres."""
        a = self.assignments
        return float((a["weight"] * a["distance_m"]).sum() / a["weight"].sum())

    @property
    def actual_coverage(self) -> float | None:
        """MCLP: share of the weight the chosen sites cover (``actual_objective`` / total).

        None for p-median, or when there is no actual objective.
        """
        if self.model != "mclp" or self.actual_objective is None:
            return None
        return self.actual_objective / float(self.assignments["weight"].sum())


def _require_metric(gdf: gpd.GeoDataFrame, what: str) -> None:
    crs = gdf.crs
    if crs is None:
        raise GeographyError(f"{what}: no CRS; set it (e.g. gdf.set_crs(...)) and project it")
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if crs.is_geographic or unit not in ("metre", "meter"):
        raise GeographyError(
            f"{what}: CRS {crs.to_string()} is not in metres; project it first, e.g. "
            "gdf.to_crs(fupin_analysis.geo.metric_crs(gdf)) (EPSG:4546 for 寨市乡)"
        )


def _households(clean_roster: Any) -> pd.DataFrame:
    return getattr(clean_roster, "households", clean_roster)


def origins(clean_roster: Any, geography: Geography) -> gpd.GeoDataFrame:
    """Relocated households with their origin village, people, mode and origin point.

    Parameters
    ----------
    clean_roster : CleanRoster or pandas.DataFrame
        The clean roster (its ``households`` are used) or its households frame:
        ``household_key``, ``village_code``, ``members``, ``relocation_mode``.
    geography : Geography
        Its ``villages`` layer (``code``, ``name``, ``elevation_m``). A geographic CRS is
        projected to :func:`fupin_analysis.geo.metric_crs`; a projected one is kept.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per relocated household: ``household_key``, ``village_code``,
        ``village_name``, ``mode`` (``concentrated`` | ``scattered``), ``mode_zh``
        (集中安置 | 分散安置), ``households`` (1), ``people`` (members found in the clean
        roster), ``elevation_m`` (the village's); Point geometry, the village's
        representative point, in a metric CRS.

    Raises
    ------
    GeographyError
        When a relocated household's village has no geometry.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> from types import SimpleNamespace
    >>> villages = gpd.GeoDataFrame(
    ...     {"code": ["430527203203"], "name": ["李家村"], "elevation_m": [820.0]},
    ...     geometry=[box(0, 0, 2000, 2000)], crs="EPSG:4546")
    >>> hh = pd.DataFrame({"household_key": ["h1", "h2"],
    ...     "village_code": ["430527203203"] * 2, "members": [4, 3],
    ...     "relocation_mode": ["集中安置", pd.NA]})
    >>> origins(hh, SimpleNamespace(villages=villages))[["mode", "people"]]
               mode  people
    0  concentrated       4
    """
    hh = _households(clean_roster)
    mode = hh["relocation_mode"].astype("string").map(MODES)
    moved = hh.loc[mode.notna()]
    villages = geography.villages
    if villages.crs is not None and villages.crs.is_geographic:
        villages = villages.to_crs(metric_crs(villages))
    _require_metric(villages, "villages layer")
    villages = villages.set_index("code")
    missing = sorted(set(moved["village_code"]) - set(villages.index))
    if missing:
        raise GeographyError(
            f"villages layer: relocated households in villages {missing} that have no "
            "geometry; add them to the geography or correct the roster's village codes"
        )
    codes = moved["village_code"].to_numpy()
    out = pd.DataFrame(
        {
            "household_key": moved["household_key"].to_numpy(),
            "village_code": codes,
            "village_name": villages.loc[codes, "name"].to_numpy(),
            "mode": mode.loc[moved.index].to_numpy(),
            "mode_zh": moved["relocation_mode"].astype("string").to_numpy(),
            "households": 1,
            "people": moved["members"].astype("int64").to_numpy(),
            "elevation_m": villages.loc[codes, "elevation_m"].astype(float).to_numpy(),
        }
    )
    points = villages.geometry.representative_point().loc[codes].to_numpy()
    return gpd.GeoDataFrame(out, geometry=points, crs=villages.crs)


def criteria_sources() -> pd.DataFrame:
    """The siting criteria of :func:`evaluate_sites`, one row per output column.

    Returns
    -------
    pandas.DataFrame
        ``criterion``, ``column``, ``unit``, ``better``, ``source``.

    Examples
    --------
    >>> criteria_sources().set_index("column").loc["in_hazard", "criterion"]
    'hazard'
    """
    rows = [
        (name, col, unit, better, source)
        for name, (cols, unit, better, source) in CRITERIA.items()
        for col in cols
    ]
    return pd.DataFrame(rows, columns=["criterion", "column", "unit", "better", "source"])


def land_per_person(area_mu: float, people: float, *, mu_m2: float | None = None) -> float:
    """Site land per resettled person, m² (1 mu = ``Policy.mu_m2`` = 666.67 m²).

    Examples
    --------
    >>> round(land_per_person(8.5, 261), 2)  # the seed's concentrated site
    21.71
    """
    mu = load_policy().mu_m2 if mu_m2 is None else mu_m2
    return area_mu * mu / people if people else float("nan")


def _layer(geography: Geography, name: str, crs: Any) -> gpd.GeoDataFrame:
    layer = getattr(geography, name, None)
    if layer is None or layer.empty:
        raise GeographyError(f"geography: layer {name!r} is missing or empty; it is needed here")
    if layer.crs is None:
        raise GeographyError(f"geography, layer {name}: no CRS")
    return layer.to_crs(crs)


def _nearest_m(points: gpd.GeoSeries, targets: gpd.GeoDataFrame) -> np.ndarray:
    return distance_to_nearest(points, targets)["distance_m"].to_numpy(dtype=float)


def _select_mode(orig: gpd.GeoDataFrame, mode: str | None) -> gpd.GeoDataFrame:
    _require_metric(orig, "origins")
    picked = orig if mode is None else orig.loc[orig["mode"] == mode]
    if picked.empty:
        raise ConfigError(f"origins: no relocated households with mode {mode!r}")
    return picked


def evaluate_sites(
    origins: gpd.GeoDataFrame,
    geography: Geography,
    *,
    criteria: Sequence[str] = tuple(CRITERIA),
    mode: str | None = "concentrated",
    hazard_buffer_m: float = 200.0,
    housing: HousingAssumption = HousingAssumption(),  # noqa: B008 (frozen, immutable)
) -> pd.DataFrame:
    """One row per site (chosen and candidate) with the siting criteria.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        From :func:`origins` (metric CRS; a geographic CRS is refused).
    geography : Geography
        Layers ``sites`` (``site_id``, ``name``, ``status``, ``area_mu``,
        ``capacity_households``, ``elevation_m``), and as the criteria need them
        ``roads``, ``seat``, ``hazards``; projected to the origins' CRS.
    criteria : sequence of str
        Names from :data:`CRITERIA` (default all); see :func:`criteria_sources`.
    mode : str or None
        Which origins are the site's demand (``concentrated``; None: all).
    hazard_buffer_m : float
        ``near_hazard`` is True within this distance of a hazard zone (an assumption).
    housing : HousingAssumption
        The link from land to floor area for the ``land`` criterion.

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``name``, ``status``, ``area_mu``, then the criteria's columns:
        distances (m) from the demand's households — mean over households, mean over
        people, maximum; to the nearest road; to the township seat; to the nearest hazard
        zone (0 inside) with ``in_hazard``/``near_hazard``; ``elevation_change_m`` (site
        minus the people-weighted mean origin elevation; negative is downhill);
        ``land_m2_per_person`` (site land / the demand's people), ``floor_m2_per_person``
        (land × plot ratio) and ``floor_to_cap`` (that / 25 m²); ``capacity_households``,
        ``demand_households``, ``capacity_ok``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> from types import SimpleNamespace
    >>> crs = "EPSG:4546"
    >>> orig = gpd.GeoDataFrame({"mode": ["concentrated"] * 2, "households": [1, 1],
    ...     "people": [3, 5], "elevation_m": [900.0, 700.0]},
    ...     geometry=[Point(0, 0), Point(4000, 0)], crs=crs)
    >>> sites = gpd.GeoDataFrame({"site_id": ["A"], "name": ["x"], "status": ["chosen"],
    ...     "area_mu": [1.0], "capacity_households": [2], "elevation_m": [500.0]},
    ...     geometry=[Point(3000, 0)], crs=crs)
    >>> geo = SimpleNamespace(sites=sites)
    >>> evaluate_sites(orig, geo, criteria=["distance", "elevation", "capacity"]).iloc[0, 4:]
    mean_distance_m        2000.0
    people_distance_m      1750.0
    max_distance_m         3000.0
    elevation_change_m     -275.0
    capacity_households         2
    demand_households           2
    capacity_ok              True
    Name: 0, dtype: object
    """
    unknown = [c for c in criteria if c not in CRITERIA]
    if unknown:
        raise ConfigError(f"evaluate_sites: unknown criteria {unknown}; known: {list(CRITERIA)}")
    demand = _select_mode(origins, mode)
    sites = _layer(geography, "sites", demand.crs).reset_index(drop=True)
    needed = ["site_id", "name", "status", "area_mu"]
    needed += ["elevation_m"] * ("elevation" in criteria)
    needed += ["capacity_households"] * ("capacity" in criteria)
    missing = [c for c in needed if c not in sites.columns]
    if missing:
        raise GeographyError(
            f"geography, layer sites: missing columns {missing}; see docs/architecture.md"
        )
    out = sites[["site_id", "name", "status", "area_mu"]].copy()
    people = demand["people"].to_numpy(dtype=float)
    if "distance" in criteria:
        # rows: sites, columns: origin households
        dist = np.stack([demand.geometry.distance(pt).to_numpy() for pt in sites.geometry])
        out["mean_distance_m"] = dist.mean(axis=1)
        out["people_distance_m"] = dist @ people / people.sum()
        out["max_distance_m"] = dist.max(axis=1)
    if "road" in criteria:
        out["road_distance_m"] = _nearest_m(sites.geometry, _layer(geography, "roads", demand.crs))
    if "seat" in criteria:
        out["seat_distance_m"] = _nearest_m(sites.geometry, _layer(geography, "seat", demand.crs))
    if "hazard" in criteria:
        hz = _nearest_m(sites.geometry, _layer(geography, "hazards", demand.crs))
        out["hazard_distance_m"] = hz
        out["in_hazard"] = hz == 0
        out["near_hazard"] = hz <= hazard_buffer_m
    if "elevation" in criteria:
        origin_elev = float(demand["elevation_m"].to_numpy(dtype=float) @ people / people.sum())
        out["elevation_change_m"] = sites["elevation_m"].astype(float) - origin_elev
    if "land" in criteria:
        land = sites["area_mu"].astype(float).map(lambda mu: land_per_person(mu, people.sum()))
        out["land_m2_per_person"] = land
        out["floor_m2_per_person"] = land * housing.plot_ratio
        out["floor_to_cap"] = out["floor_m2_per_person"] / load_policy().housing_cap_m2_per_person
    if "capacity" in criteria:
        out["capacity_households"] = sites["capacity_households"].astype("Int64")
        out["demand_households"] = int(demand["households"].sum())
        out["capacity_ok"] = (out["capacity_households"] >= out["demand_households"]).astype(
            "boolean"
        )
    return out


def screen_sites(
    table: pd.DataFrame,
    *,
    max_road_m: float | None = 1000.0,
    max_seat_m: float | None = 5000.0,
    avoid_hazard: bool = True,
    downhill: bool = True,
    capacity: bool = True,
) -> pd.DataFrame:
    """Which sites pass each criterion of :func:`evaluate_sites`, and all of them.

    The thresholds are parameters, not policy: the sources say "accessible", "outside
    hazard zones", "down the mountain", without numbers. A criterion whose columns are
    not in ``table`` or whose threshold is None is not applied (column missing).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`evaluate_sites`.
    max_road_m, max_seat_m : float or None
        Farthest acceptable distance to a road and to the township seat.
    avoid_hazard : bool
        Refuse sites within the hazard buffer (``near_hazard``).
    downhill : bool
        Refuse sites not lower than their origins (``elevation_change_m`` ≥ 0).
    capacity : bool
        Refuse sites whose capacity is below the demand.

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``status``, one boolean column per criterion applied (``road_ok``,
        ``seat_ok``, ``hazard_ok``, ``downhill_ok``, ``capacity_ok``) and ``eligible``.

    Examples
    --------
    >>> t = pd.DataFrame({"site_id": ["A", "B"], "status": ["chosen", "candidate"],
    ...     "road_distance_m": [90.0, 4000.0], "near_hazard": [False, False]})
    >>> screen_sites(t)
      site_id     status  road_ok  hazard_ok  eligible
    0       A     chosen     True       True      True
    1       B  candidate    False       True     False
    """
    out = table[["site_id", "status"]].copy()
    has = table.columns
    if max_road_m is not None and "road_distance_m" in has:
        out["road_ok"] = table["road_distance_m"] <= max_road_m
    if max_seat_m is not None and "seat_distance_m" in has:
        out["seat_ok"] = table["seat_distance_m"] <= max_seat_m
    if avoid_hazard and "near_hazard" in has:
        out["hazard_ok"] = ~table["near_hazard"].astype(bool)
    if downhill and "elevation_change_m" in has:
        out["downhill_ok"] = table["elevation_change_m"] < 0
    if capacity and "capacity_ok" in has:
        out["capacity_ok"] = table["capacity_ok"].fillna(False).astype(bool)
    out["eligible"] = out.drop(columns=["site_id", "status"]).all(axis=1)
    return out


def scattered_moves(origins: gpd.GeoDataFrame, geography: Geography) -> pd.DataFrame:
    """For each village with scattered moves: is the new place nearer the road, and lower?

    The old place is the village's origin point (see :func:`origins`), the new place the
    village's point in the ``scattered`` layer. A village in only one of the roster and
    the layer keeps its row, with the other side's values missing.

    Returns
    -------
    pandas.DataFrame
        ``village_code``, ``village_name``, ``households`` and ``people`` (roster),
        ``layer_households`` and ``layer_people`` (the scattered layer), ``move_m``,
        ``old_road_m``, ``new_road_m``, ``nearer_road`` (boolean),
        ``elevation_change_m`` (new minus old).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString, Point
    >>> from types import SimpleNamespace
    >>> crs, x0, y0 = "EPSG:4546", 500_000, 2_930_000
    >>> orig = gpd.GeoDataFrame({"village_code": ["v1"], "village_name": ["甲"],
    ...     "mode": ["scattered"], "households": [1], "people": [4],
    ...     "elevation_m": [900.0]}, geometry=[Point(x0, y0 + 3000)], crs=crs)
    >>> geo = SimpleNamespace(
    ...     scattered=gpd.GeoDataFrame({"code": ["v1"], "households": [1], "people": [4],
    ...         "elevation_m": [600.0]}, geometry=[Point(x0, y0 + 500)], crs=crs),
    ...     roads=gpd.GeoDataFrame(
    ...         geometry=[LineString([(x0 - 9e3, y0), (x0 + 9e3, y0)])], crs=crs))
    >>> scattered_moves(orig, geo).iloc[0, 6:]
    move_m                2500.0
    old_road_m            3000.0
    new_road_m             500.0
    nearer_road             True
    elevation_change_m    -300.0
    Name: 0, dtype: object
    """
    moved = _select_mode(origins, "scattered")
    old = moved.groupby("village_code", sort=True).agg(
        village_name=("village_name", "first"),
        households=("households", "sum"),
        people=("people", "sum"),
        old_elevation=("elevation_m", "first"),
        old_geom=("geometry", "first"),
    )
    new = _layer(geography, "scattered", moved.crs).set_index("code")
    new = new.rename(
        columns={"households": "layer_households", "people": "layer_people"}
    ).rename_axis("village_code")
    both = old.join(new, how="outer").reset_index().sort_values("village_code")
    old_pts = gpd.GeoSeries(both["old_geom"], crs=moved.crs)
    new_pts = gpd.GeoSeries(both["geometry"], crs=moved.crs)
    roads = _layer(geography, "roads", moved.crs)
    old_road = pd.Series(np.nan, index=both.index)
    new_road = pd.Series(np.nan, index=both.index)
    has_old, has_new = old_pts.notna(), new_pts.notna()
    old_road[has_old] = _nearest_m(old_pts[has_old], roads)
    new_road[has_new] = _nearest_m(new_pts[has_new], roads)
    out = pd.DataFrame(
        {
            "village_code": both["village_code"],
            "village_name": both["village_name"],
            "households": both["households"].astype("Int64"),
            "people": both["people"].astype("Int64"),
            "layer_households": both["layer_households"].astype("Int64"),
            "layer_people": both["layer_people"].astype("Int64"),
            "move_m": old_pts.distance(new_pts),
            "old_road_m": old_road,
            "new_road_m": new_road,
            "nearer_road": (new_road < old_road)
            .astype("boolean")
            .mask(old_road.isna() | new_road.isna()),
            "elevation_change_m": both["elevation_m"].astype(float) - both["old_elevation"],
        }
    )
    return out.reset_index(drop=True)


def _demand(orig: gpd.GeoDataFrame, weight: str) -> gpd.GeoDataFrame:
    if weight not in ("people", "households"):
        raise ConfigError(f"weight must be 'people' or 'households', got {weight!r}")
    agg = (
        orig.groupby("village_code", sort=True)
        .agg(
            households=("households", "sum"),
            people=("people", "sum"),
            geometry=("geometry", "first"),
        )
        .reset_index()
    )
    agg["weight"] = agg[weight].astype(float)
    return gpd.GeoDataFrame(agg, geometry="geometry", crs=orig.crs)


def _cost_matrix(demand: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> np.ndarray:
    return np.stack([demand.geometry.distance(pt).to_numpy() for pt in sites.geometry], axis=1)


def _assign(
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    cost: np.ndarray,
    site_of: np.ndarray,
    radius_m: float | None,
) -> gpd.GeoDataFrame:
    rows = np.arange(len(demand))
    dist = cost[rows, site_of]
    out = demand.drop(columns="geometry").assign(
        site_id=sites["site_id"].to_numpy()[site_of],
        distance_m=dist,
        covered=pd.array(
            dist <= radius_m if radius_m is not None else [pd.NA] * len(dist), dtype="boolean"
        ),
    )
    lines = [
        LineString([a, b])
        for a, b in zip(demand.geometry, sites.geometry.to_numpy()[site_of], strict=True)
    ]
    return gpd.GeoDataFrame(out, geometry=lines, crs=demand.crs)


def flows(
    origins: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *, mode: str | None = "concentrated"
) -> gpd.GeoDataFrame:
    """Origin villages assigned to their nearest site, as origin → site lines.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of :attr:`LocationResult.assignments` (``weight`` = people).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> crs = "EPSG:4546"
    >>> orig = gpd.GeoDataFrame({"village_code": ["a", "b"], "mode": ["concentrated"] * 2,
    ...     "households": [1, 1], "people": [2, 3]},
    ...     geometry=[Point(0, 0), Point(0, 5000)], crs=crs)
    >>> sites = gpd.GeoDataFrame({"site_id": ["S"]}, geometry=[Point(0, 1000)], crs=crs)
    >>> flows(orig, sites)[["village_code", "site_id", "distance_m"]]
      village_code site_id  distance_m
    0            a       S      1000.0
    1            b       S      4000.0
    """
    demand = _demand(_select_mode(origins, mode), "people")
    _require_metric(sites, "sites")
    sites = sites.to_crs(demand.crs).reset_index(drop=True)
    cost = _cost_matrix(demand, sites)
    return _assign(demand, sites, cost, cost.argmin(axis=1), None)


def _solver() -> pulp.LpSolver:
    # the CBC binary bundled with PuLP, through COIN_CMD: PULP_CBC_CMD is deprecated for
    # PuLP 4; one thread keeps the solution deterministic
    return pulp.COIN_CMD(path=pulp_cbc_path, msg=False, threads=1)


def _capacities(capacity: Any, sites: gpd.GeoDataFrame) -> np.ndarray | None:
    if capacity is None:
        return None
    if isinstance(capacity, str):
        if capacity not in sites.columns:
            raise ConfigError(f"capacity: candidates have no column {capacity!r}")
        values = pd.to_numeric(sites[capacity], errors="coerce")
        if values.isna().any():
            bad = sites.loc[values.isna(), "site_id"].tolist()
            raise ConfigError(f"capacity: column {capacity!r} is missing for sites {bad}")
        return values.to_numpy(dtype=float)
    values = np.broadcast_to(np.asarray(capacity, dtype=float), (len(sites),))
    return values.copy()


def _solve(
    model: str,
    cost: np.ndarray,
    weights: np.ndarray,
    p: int,
    capacities: np.ndarray | None,
    radius_m: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Selected site indices and the site index of each origin (nearest for MCLP)."""
    # spopt builds its PuLP model through calls PuLP 3.3 marks deprecated for PuLP 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if model == "p-median":
            built = PMedian.from_cost_matrix(cost, weights, p, facility_capacities=capacities)
        else:
            built = MCLP.from_cost_matrix(cost, weights, float(radius_m), p)
        built.problem.solve(_solver())
    if built.problem.status != pulp.LpStatusOptimal:
        status = pulp.LpStatus[built.problem.status]
        raise ConfigError(
            f"{model} with p={p}: the solver found no optimum ({status}); with capacities, "
            "no assignment of whole villages fits them: raise capacity or p"
        )
    chosen = np.array([j for j, y in enumerate(built.fac_vars) if y.value() > 0.5])
    if model == "p-median":
        site_of = np.array(
            [
                next(j for j in range(cost.shape[1]) if built.cli_assgn_vars[i, j].value() > 0.5)
                for i in range(cost.shape[0])
            ]
        )
    else:
        site_of = chosen[cost[:, chosen].argmin(axis=1)]
    return chosen, site_of


def _objective(
    model: str, cost: np.ndarray, weights: np.ndarray, site_of: np.ndarray, radius_m: float | None
) -> float:
    dist = cost[np.arange(len(site_of)), site_of]
    if model == "p-median":
        return float(weights @ dist)
    return float(weights[dist <= radius_m].sum())


def _actual_objective(
    model: str,
    cost: np.ndarray,
    weights: np.ndarray,
    actual: np.ndarray,
    caps: np.ndarray | None,
    radius_m: float | None,
) -> float | None:
    """The objective of the chosen sites; None when their capacities cannot hold the demand."""
    if caps is None:
        actual_of = actual[cost[:, actual].argmin(axis=1)]
        return _objective(model, cost, weights, actual_of, radius_m)
    if caps[actual].sum() < weights.sum():
        return None
    try:
        _, local_of = _solve(model, cost[:, actual], weights, len(actual), caps[actual], radius_m)
    except (ConfigError, SpecificationError):
        return None
    return _objective(model, cost, weights, actual[local_of], radius_m)


def optimal_sites(
    origins: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    p: int = 1,
    capacity: str | float | Sequence[float] | None = None,
    model: str = "p-median",
    radius_m: float | None = None,
    weight: str = "people",
    mode: str | None = "concentrated",
) -> LocationResult:
    """Choose ``p`` of the candidate sites with p-median or MCLP (spopt, CBC).

    Demand points are the origin villages (households aggregated), weighted by people
    or households. Costs are straight-line distances in metres between the origin and
    site points, passed to spopt as a cost matrix.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        From :func:`origins`, in a metric CRS (a geographic CRS is refused).
    candidates : geopandas.GeoDataFrame
        Sites (``site_id``; ``status`` = ``chosen`` marks the actual choice), metric CRS.
    p : int
        Number of sites to open.
    capacity : str, float, sequence or None
        Per-site capacity in the unit of ``weight``: a column of ``candidates`` (e.g.
        ``capacity_households`` with ``weight="households"``), one number for all, or one
        per site. Only for p-median (capacitated p-median, whole villages per site).
    model : {"p-median", "mclp"}
        Minimise weighted distance, or maximise weight within ``radius_m``.
    radius_m : float or None
        Service radius in metres: required for MCLP; for p-median it only adds the
        coverage figure.
    weight : {"people", "households"}
        What each origin village weighs.
    mode : str or None
        Which origins to serve (``concentrated``; None: all).

    Returns
    -------
    LocationResult

    Raises
    ------
    GeographyError
        When origins or candidates are not in a metric CRS.
    ConfigError
        When the parameters are invalid or the capacities cannot hold the demand.
    """
    if model not in ("p-median", "mclp"):
        raise ConfigError(f"model must be 'p-median' or 'mclp', got {model!r}")
    if model == "mclp" and radius_m is None:
        raise ConfigError("mclp needs a service radius: pass radius_m (metres)")
    if model == "mclp" and capacity is not None:
        raise ConfigError("capacity applies to p-median only; MCLP has no capacities")
    _require_metric(candidates, "candidates")
    demand = _demand(_select_mode(origins, mode), weight)
    sites = candidates.to_crs(demand.crs).reset_index(drop=True)
    if not 1 <= p <= len(sites):
        raise ConfigError(f"p must be between 1 and the {len(sites)} candidate sites, got {p}")
    cost = _cost_matrix(demand, sites)
    weights = demand["weight"].to_numpy()
    caps = _capacities(capacity, sites)
    if caps is not None and np.sort(caps)[-p:].sum() < weights.sum():
        raise ConfigError(
            f"capacity too small: the {p} largest sites hold {np.sort(caps)[-p:].sum():g} "
            f"{weight}, the demand is {weights.sum():g} {weight}; raise capacity or p"
        )
    try:
        chosen, site_of = _solve(model, cost, weights, p, caps, radius_m)
    except SpecificationError as exc:
        raise ConfigError(f"{model}: {exc}") from None
    objective = _objective(model, cost, weights, site_of, radius_m)

    actual_objective = gap = None
    if "status" in sites.columns:
        actual = np.flatnonzero(sites["status"].eq("chosen").to_numpy())
        if len(actual) == p:
            actual_objective = _actual_objective(model, cost, weights, actual, caps, radius_m)
        if actual_objective is not None:
            diff = (
                actual_objective - objective
                if model == "p-median"
                else (objective - actual_objective)
            )
            gap = diff / objective if objective else 0.0

    assignments = _assign(demand, sites, cost, site_of, radius_m)
    weighted_coverage = (
        None
        if radius_m is None
        else float(weights[assignments["covered"].to_numpy(dtype=bool)].sum() / weights.sum())
    )
    per_site = assignments.groupby("site_id").agg(
        households=("households", "sum"),
        people=("people", "sum"),
        weight=("weight", "sum"),
        max_distance_m=("distance_m", "max"),
    )
    per_site["mean_distance_m"] = (assignments["weight"] * assignments["distance_m"]).groupby(
        assignments["site_id"]
    ).sum() / per_site["weight"]
    selected = sites.iloc[chosen].merge(per_site.reset_index(), on="site_id", how="left")
    params = {
        "p": p,
        "weight": weight,
        "radius_m": radius_m,
        "capacity": None if caps is None else caps.tolist(),
        "mode": mode,
    }
    return LocationResult(
        selected=selected,
        assignments=assignments,
        objective=objective,
        actual_objective=actual_objective,
        gap=gap,
        weighted_coverage=weighted_coverage,
        model=model,
        params=params,
    )


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def sensitivity(
    origins: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    weights: Sequence[str] = ("people", "households"),
    p_values: Sequence[int] = (1, 2),
    radii_m: Sequence[float] = (3000.0, 6000.0),
    mode: str | None = "concentrated",
) -> pd.DataFrame:
    """The optimum for each combination of weight, p and service radius.

    Uncapacitated: capacities are in the unit of the weight, so one capacity cannot
    serve both weights (run :func:`optimal_sites` with ``capacity`` for that).

    Returns
    -------
    pandas.DataFrame
        One row per (``weight``, ``p``, ``radius_m``) with p ≤ the number of candidates:
        ``median_sites`` (site ids joined by ``+``), ``median_mean_distance_m``,
        ``median_gap``, ``median_coverage`` (weight within the radius),
        ``mclp_sites``, ``mclp_coverage``, ``actual_coverage`` (the chosen sites';
        NaN, as the gaps, unless exactly p sites are chosen), ``mclp_gap``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> crs = "EPSG:4546"
    >>> orig = gpd.GeoDataFrame({"village_code": ["a", "b", "b"],
    ...     "mode": ["concentrated"] * 3, "households": [1, 1, 1], "people": [9, 1, 1]},
    ...     geometry=[Point(0, 0), Point(5000, 0), Point(5000, 0)], crs=crs)
    >>> sites = gpd.GeoDataFrame({"site_id": ["A", "B"], "status": ["chosen", "candidate"]},
    ...     geometry=[Point(500, 0), Point(4500, 0)], crs=crs)
    >>> sensitivity(orig, sites, p_values=[1], radii_m=[1000])[["weight", "median_sites"]]
           weight median_sites
    0      people            A
    1  households            B
    """
    rows = []
    for weight, p in itertools.product(weights, p_values):
        if p > len(candidates):
            continue
        median = optimal_sites(origins, candidates, p=p, weight=weight, mode=mode)
        for radius in radii_m:
            mclp = optimal_sites(
                origins,
                candidates,
                p=p,
                weight=weight,
                mode=mode,
                model="mclp",
                radius_m=radius,
            )
            covered = median.assignments["distance_m"] <= radius
            w = median.assignments["weight"]
            total = mclp.assignments["weight"].sum()
            rows.append(
                {
                    "weight": weight,
                    "p": p,
                    "radius_m": float(radius),
                    "median_sites": "+".join(median.selected["site_id"].astype(str)),
                    "median_mean_distance_m": median.mean_distance_m,
                    "median_gap": _nan(median.gap),
                    "median_coverage": float(w[covered].sum() / w.sum()),
                    "mclp_sites": "+".join(mclp.selected["site_id"].astype(str)),
                    "mclp_coverage": mclp.weighted_coverage,
                    "actual_coverage": _nan(mclp.actual_objective) / total,
                    "mclp_gap": _nan(mclp.gap),
                }
            )
    return pd.DataFrame(rows)


def optimality_table(runs: Mapping[str, LocationResult]) -> pd.DataFrame:
    """One row per location-model run: the optimum, the actual choice and the gap.

    Parameters
    ----------
    runs : mapping of str to LocationResult
        A label of each run (e.g. ``"p-median"``) → its :func:`optimal_sites` result.

    Returns
    -------
    pandas.DataFrame
        In the order of ``runs``: ``model`` (the label), ``weight``, ``optimal_sites``
        (site ids joined by ``+``), ``objective``, ``actual_objective``, ``gap``,
        ``weighted_coverage`` (missing where the result has none).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> crs = "EPSG:4546"
    >>> orig = gpd.GeoDataFrame({"village_code": ["a", "b"], "mode": ["concentrated"] * 2,
    ...     "households": [1, 1], "people": [3, 5]},
    ...     geometry=[Point(0, 0), Point(4000, 0)], crs=crs)
    >>> sites = gpd.GeoDataFrame({"site_id": ["A", "B"], "status": ["chosen", "candidate"]},
    ...     geometry=[Point(0, 1000), Point(3000, 0)], crs=crs)
    >>> runs = {"p-median": optimal_sites(orig, sites),
    ...         "mclp": optimal_sites(orig, sites, model="mclp", radius_m=1500)}
    >>> optimality_table(runs)[["model", "optimal_sites", "objective", "gap"]].round(4)
          model optimal_sites  objective     gap
    0  p-median             B    14000.0  0.6868
    1      mclp             B        5.0  0.4000
    """
    results = list(runs.values())
    return pd.DataFrame(
        {
            "model": list(runs),
            "weight": [r.params["weight"] for r in results],
            "optimal_sites": ["+".join(r.selected["site_id"]) for r in results],
            "objective": [r.objective for r in results],
            "actual_objective": [r.actual_objective for r in results],
            "gap": [r.gap for r in results],
            "weighted_coverage": [r.weighted_coverage for r in results],
        }
    )


def chosen_site(table: pd.DataFrame) -> pd.Series:
    """The row of the chosen site in a table of :func:`evaluate_sites`.

    With several sites whose ``status`` is ``chosen``, the first in the table.

    Raises
    ------
    ConfigError
        When no site is chosen.

    Examples
    --------
    >>> t = pd.DataFrame({"site_id": ["A", "B"], "status": ["candidate", "chosen"]})
    >>> chosen_site(t)["site_id"]
    'B'
    """
    rows = table[table["status"] == "chosen"]
    if rows.empty:
        raise ConfigError("sites: none has status 'chosen'; mark the actual site in the layer")
    return rows.iloc[0]


def eligible_sites(candidates: gpd.GeoDataFrame, screen: pd.DataFrame) -> gpd.GeoDataFrame:
    """The candidate sites that pass every criterion of :func:`screen_sites`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> sites = gpd.GeoDataFrame({"site_id": ["A", "B"]}, geometry=[Point(0, 0), Point(1, 1)])
    >>> screen = pd.DataFrame({"site_id": ["A", "B"], "eligible": [False, True]})
    >>> eligible_sites(sites, screen)["site_id"].tolist()
    ['B']
    """
    passed = screen.loc[screen["eligible"].astype(bool), "site_id"]
    return candidates[candidates["site_id"].isin(passed)]


def relocated_by_mode(origins: gpd.GeoDataFrame) -> pd.DataFrame:
    """Relocated households and people per mode.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        From :func:`origins`.

    Returns
    -------
    pandas.DataFrame
        One row per mode of :data:`MODES` (concentrated first): ``mode``, ``mode_zh``,
        ``households``, ``people`` (0 for a mode without households).

    Examples
    --------
    >>> orig = pd.DataFrame({"mode": ["scattered", "concentrated", "scattered"],
    ...     "households": [1, 1, 1], "people": [4, 3, 2]})
    >>> relocated_by_mode(orig)
               mode mode_zh  households  people
    0  concentrated    集中安置           1       3
    1     scattered    分散安置           2       6
    """
    sums = origins.groupby("mode")[["households", "people"]].sum()
    out = pd.DataFrame({"mode": list(MODES.values()), "mode_zh": list(MODES)})
    for col in ("households", "people"):
        out[col] = out["mode"].map(sums[col]).fillna(0).astype(int)
    return out


@dataclass(frozen=True)
class ScatteredSummary:
    """The scattered moves in numbers (:func:`scattered_summary`).

    Attributes
    ----------
    villages : int
        Villages in the table of :func:`scattered_moves`.
    known : int
        Villages whose old and new distance to the road are both known.
    nearer_road : int
        Of those, villages whose new place is nearer the road ("山上搬路边").
    moved_down : int
        Villages whose new place is lower ("山上搬山下").
    households, people : int
        Scattered households and people in the roster.
    median_move_m : float
        Median distance from the village point to the new place, metres.
    """

    villages: int
    known: int
    nearer_road: int
    moved_down: int
    households: int
    people: int
    median_move_m: float


def scattered_summary(moves: pd.DataFrame) -> ScatteredSummary:
    """How many scattered moves went nearer the road and down the mountain.

    Parameters
    ----------
    moves : pandas.DataFrame
        From :func:`scattered_moves`.

    Examples
    --------
    >>> moves = pd.DataFrame({"households": pd.array([2, 1, pd.NA], dtype="Int64"),
    ...     "people": pd.array([7, 2, pd.NA], dtype="Int64"),
    ...     "nearer_road": pd.array([True, False, pd.NA], dtype="boolean"),
    ...     "elevation_change_m": [-300.0, -50.0, float("nan")],
    ...     "move_m": [800.0, 1200.0, float("nan")]})
    >>> s = scattered_summary(moves)
    >>> s.villages, s.known, s.nearer_road, s.moved_down, s.households, s.people
    (3, 2, 1, 2, 3, 9)
    >>> s.median_move_m
    1000.0
    """
    known = moves["nearer_road"].notna()
    return ScatteredSummary(
        villages=len(moves),
        known=int(known.sum()),
        nearer_road=int(moves.loc[known, "nearer_road"].astype(bool).sum()),
        moved_down=int((moves["elevation_change_m"] < 0).sum()),
        households=int(moves["households"].sum()),
        people=int(moves["people"].sum()),
        median_move_m=float(moves["move_m"].median()),
    )


def scattered_lines(origins: gpd.GeoDataFrame, geography: Geography) -> gpd.GeoDataFrame:
    """The scattered moves as lines, from each village's origin point to its new place.

    Parameters
    ----------
    origins : geopandas.GeoDataFrame
        From :func:`origins`; its scattered households give the villages and old places.
    geography : Geography
        Its ``scattered`` layer (``code``, ``households``, ``people``; the new places),
        projected to the origins' CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per point of the ``scattered`` layer whose village has scattered
        households, in the layer's order: ``village_code``, ``households``, ``people``
        (the layer's); LineString geometry from the old place to the new. Empty when no
        household moved scattered (the layer is then not needed).

    Raises
    ------
    GeographyError
        When households moved scattered but the ``scattered`` layer is missing or empty.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from types import SimpleNamespace
    >>> crs = "EPSG:4546"
    >>> orig = gpd.GeoDataFrame({"village_code": ["v1", "v2"],
    ...     "mode": ["scattered", "concentrated"], "households": [1, 1], "people": [4, 3]},
    ...     geometry=[Point(0, 3000), Point(9000, 0)], crs=crs)
    >>> layer = gpd.GeoDataFrame({"code": ["v1", "v2"], "households": [1, 1],
    ...     "people": [4, 3]}, geometry=[Point(0, 500), Point(9000, 500)], crs=crs)
    >>> lines = scattered_lines(orig, SimpleNamespace(scattered=layer))
    >>> lines["village_code"].tolist(), lines.geometry.iloc[0].length
    (['v1'], 2500.0)
    """
    _require_metric(origins, "origins")
    moved = origins.loc[origins["mode"] == "scattered"]
    old_place = moved.drop_duplicates("village_code").set_index("village_code").geometry
    if moved.empty:
        new = gpd.GeoDataFrame({"code": [], "households": [], "people": []}, geometry=[])
    else:
        new = _layer(geography, "scattered", moved.crs)
        new = new[new["code"].isin(old_place.index)]
    lines = [
        LineString([old_place[code], point])
        for code, point in zip(new["code"], new.geometry, strict=True)
    ]
    out = pd.DataFrame(
        {
            "village_code": new["code"].to_numpy(),
            "households": new["households"].to_numpy(),
            "people": new["people"].to_numpy(),
        }
    )
    return gpd.GeoDataFrame(out, geometry=lines, crs=moved.crs)
