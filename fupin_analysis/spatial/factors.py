"""The geographic factors of each village: what the geographical detector and the spatial
regression ask about.

:func:`village_factors` reads them from the geography, each only where its layer or column
is there, and says why the others are not:

``elevation_100m``
    the village's mean elevation (``elevation_m`` of the villages layer), in hundreds of
    metres;
``road_km``
    straight-line distance from the village's representative point to the nearest road
    (``roads`` layer; schematic lines in the embedded data);
``seat_km``
    straight-line distance to the township seat (``seat`` layer);
``urban_rural``
    the NBS urban-rural code of the unit (``urban_rural`` of the villages layer: 121
    urban centre … 220 village), categorical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from ..geo import distance_to_nearest

if TYPE_CHECKING:
    from ..geo import Geography

__all__ = [
    "FACTORS",
    "CONTINUOUS_FACTORS",
    "village_factors",
    "factor_rules",
    "continuous_factors",
    "missing_factor_parts",
]

#: Factor → what it is (for tables and "not available" lines).
FACTORS: dict[str, str] = {
    "elevation_100m": "mean elevation (hundreds of metres)",
    "road_km": "distance to the nearest road (km, straight line)",
    "seat_km": "distance to the township seat (km, straight line)",
    "urban_rural": "NBS urban-rural code (categorical)",
}
#: The factors that must be cut into strata for the geographical detector.
CONTINUOUS_FACTORS: tuple[str, ...] = ("elevation_100m", "road_km", "seat_km")


def _layer(geography: Geography | None, name: str) -> gpd.GeoDataFrame | None:
    layer = getattr(geography, name, None) if geography is not None else None
    return layer if layer is not None and not layer.empty else None


def village_factors(rates: gpd.GeoDataFrame, geography: Geography | None) -> pd.DataFrame:
    """The factors of :data:`FACTORS` available for each village of ``rates``.

    Parameters
    ----------
    rates : geopandas.GeoDataFrame
        The village frame (:func:`.villages.village_rates`), indexed by code, with a CRS.
    geography : fupin_analysis.geo.Geography or None
        The township's layers (None: only what ``rates`` itself holds is used).

    Returns
    -------
    pandas.DataFrame
        Indexed as ``rates``, one column per available factor, in the order of
        :data:`FACTORS`. ``attrs["unavailable"]`` maps each missing factor to the reason
        (a missing layer, column or value).

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> from fupin_analysis.geo import Geography
    >>> villages = gpd.GeoDataFrame({"code": ["a", "b"], "elevation_m": [500.0, 900.0]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=4546)
    >>> rates = villages[["code", "geometry"]].set_index("code")
    >>> road = gpd.GeoDataFrame(geometry=[LineString([(0, -500), (2000, -500)])], crs=4546)
    >>> factors = village_factors(rates, Geography(villages=villages, roads=road))
    >>> factors.round(2).to_dict("list")
    {'elevation_100m': [5.0, 9.0], 'road_km': [1.0, 1.0]}
    >>> sorted(factors.attrs["unavailable"])
    ['seat_km', 'urban_rural']
    """
    out = pd.DataFrame(index=rates.index)
    unavailable: dict[str, str] = {}
    villages = geography.villages if geography is not None else None
    by_code = (
        villages.assign(code=villages["code"].astype(str)).set_index("code")
        if villages is not None and "code" in villages.columns
        else None
    )
    for factor, column, scale in (("elevation_100m", "elevation_m", 100.0),
                                  ("urban_rural", "urban_rural", None)):  # fmt: skip
        if by_code is None or column not in by_code.columns:
            unavailable[factor] = f"the villages layer has no {column!r} column"
            continue
        values = by_code[column].reindex(rates.index.astype(str))
        if values.isna().any():
            missing = list(rates.index[values.isna().to_numpy()][:5])
            unavailable[factor] = f"{column!r} missing for villages {missing}"
            continue
        out[factor] = (
            pd.to_numeric(values).to_numpy() / scale if scale else values.astype(str).to_numpy()
        )
    points = gpd.GeoDataFrame(geometry=rates.representative_point(), crs=rates.crs)
    for factor, name in (("road_km", "roads"), ("seat_km", "seat")):
        layer = _layer(geography, name)
        if layer is None:
            unavailable[factor] = f"no {name!r} layer in the geography"
            continue
        out[factor] = distance_to_nearest(points, layer)["distance_m"].to_numpy() / 1000
    out = out[[f for f in FACTORS if f in out.columns]]
    out.attrs = {"unavailable": unavailable}
    return out


def factor_rules(factors: pd.DataFrame, rule: str) -> dict[str, str]:
    """The discretisation rule of each factor: ``rule`` for continuous ones, else
    ``"categorical"`` (for :func:`.detector.stratify`).

    Examples
    --------
    >>> factor_rules(pd.DataFrame(columns=["road_km", "urban_rural"]), "quantile")
    {'road_km': 'quantile', 'urban_rural': 'categorical'}
    """
    return {f: rule if f in CONTINUOUS_FACTORS else "categorical" for f in factors.columns}


def continuous_factors(factors: pd.DataFrame | None) -> list[str]:
    """The continuous factors of :data:`CONTINUOUS_FACTORS` present in ``factors``.

    Examples
    --------
    >>> continuous_factors(pd.DataFrame(columns=["urban_rural", "road_km"]))
    ['road_km']
    >>> continuous_factors(None)
    []
    """
    if factors is None:
        return []
    return [f for f in CONTINUOUS_FACTORS if f in factors.columns]


def missing_factor_parts(factors: pd.DataFrame) -> dict[str, str]:
    """Each factor :func:`village_factors` could not compute, as ``topic → reason`` for
    :func:`fupin_analysis.outputs.not_available_parts`.

    Examples
    --------
    >>> factors = pd.DataFrame()
    >>> factors.attrs = {"unavailable": {"road_km": "no 'roads' layer in the geography"}}
    >>> for topic, reason in missing_factor_parts(factors).items():  # doctest: +ELLIPSIS
    ...     print(topic, "|", reason)
    factor road_km, distance to the nearest road (km, straight line) | no 'roads' layer ...
    """
    return {
        f"factor {name}, {FACTORS[name]}": reason
        for name, reason in factors.attrs.get("unavailable", {}).items()
    }
