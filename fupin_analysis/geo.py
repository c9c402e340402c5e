"""Geography of the township: reading, datums, cleaning, joins, approximate polygons, distances.

The datum transforms and the metric CRS live in :mod:`fupin_analysis.datum` and are
re-exported here. See ``docs/geography.md``.

Examples
--------
>>> from shapely.geometry import Point
>>> pts = gpd.GeoDataFrame({"code": ["a", "b"]},
...                        geometry=[Point(110.0, 26.5), Point(110.05, 26.5)], crs=4326)
>>> cells = approximate_polygons(pts, area_km2=50.0)
>>> area = cells.to_crs(metric_crs(cells)).area.sum() / 1e6
>>> round(float(area), 3), cells["approximate"].tolist()
(50.0, [True, True])
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .datum import (
    CHINA_RECT,
    DATUMS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    metric_crs,
    normalize_datum,
    to_datum,
    transform_coords,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from .errors import GeographyError

__all__ = [
    "CHINA_RECT",
    "COUNTY_BBOX",
    "DATUMS",
    "approximate_polygons",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "metric_crs",
    "normalize_datum",
    "to_datum",
    "transform_coords",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Bounding box of 绥宁县 in WGS84 degrees (lon_min, lat_min, lon_max, lat_max), FACTS §2.
COUNTY_BBOX = (109.826762, 26.262806, 110.540031, 27.143236)

_AREA_RTOL = 1e-7


def _as_metric_boundary(boundary, input_crs, crs) -> BaseGeometry:
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        series = boundary.geometry if isinstance(boundary, gpd.GeoDataFrame) else boundary
        if series.crs is None:
            series = series.set_crs(input_crs)
        geom = shapely.union_all(series.to_crs(crs).to_numpy())
    elif isinstance(boundary, BaseGeometry):
        geom = gpd.GeoSeries([boundary], crs=input_crs).to_crs(crs).iloc[0]
    else:
        raise GeographyError(
            f"boundary must be a shapely geometry, GeoSeries or GeoDataFrame, "
            f"not {type(boundary).__name__}"
        )
    if geom is None or geom.is_empty or geom.area <= 0:
        raise GeographyError("boundary has no area; pass a polygon boundary")
    return shapely.make_valid(geom)


def _buffer_to_area(geom: BaseGeometry, target_m2: float) -> BaseGeometry:
    """Buffer ``geom`` by the distance that gives it ``target_m2`` of area (bisection)."""
    if geom.area >= target_m2:
        raise GeographyError(
            f"the points' convex hull already covers {geom.area / 1e6:.1f} km², more than "
            f"area_km2={target_m2 / 1e6:.1f}; pass a larger area_km2 or a boundary"
        )
    lo, hi = 0.0, 1.1 * np.sqrt(target_m2 / np.pi) + 1.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        area = geom.buffer(mid).area
        if abs(area - target_m2) <= _AREA_RTOL * target_m2:
            break
        lo, hi = (mid, hi) if area < target_m2 else (lo, mid)
    return geom.buffer(mid)


def approximate_polygons(
    points: gpd.GeoDataFrame,
    *,
    boundary: BaseGeometry | gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    area_km2: float | None = None,
) -> gpd.GeoDataFrame:
    """Approximate polygons from points: Voronoi cells clipped to a boundary.

    The cells are computed in :func:`metric_crs`. The boundary is the one given, or
    else the points' convex hull buffered until it covers ``area_km2`` (e.g. the
    township's published 420 km²). Such polygons are an approximation for maps and
    neighbourhoods, never a survey; the result says so in its ``approximate`` column.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        One Point per unit, with a CRS; distinct locations.
    boundary : shapely geometry, GeoSeries or GeoDataFrame, optional
        The area to tile (a bare geometry, or a series without CRS, is taken to be in
        the CRS of ``points``).
    area_km2 : float, optional
        Area of the buffered hull when no boundary is given.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows, index and columns as ``points`` with Polygon/MultiPolygon geometry
        in the CRS of ``points``, plus ``approximate`` (True). A point outside the
        boundary gets an empty geometry.

    Raises
    ------
    GeographyError
        When the points are not distinct non-empty points with a CRS, when neither
        ``boundary`` nor ``area_km2`` is given, or when the area is too small.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> x0, y0 = 500_000, 2_930_000  # metres in EPSG:4546 (central meridian 111°E)
    >>> pts = gpd.GeoDataFrame({"v": [1, 2]}, geometry=[Point(x0, y0), Point(x0 + 2, y0)],
    ...                        crs="EPSG:4546")
    >>> cells = approximate_polygons(pts, boundary=box(x0 - 1, y0 - 1, x0 + 3, y0 + 1))
    >>> cells.area.tolist(), cells.columns.tolist()
    ([4.0, 4.0], ['v', 'geometry', 'approximate'])
    """
    if points.crs is None:
        raise GeographyError("points have no CRS; set it (e.g. points.set_crs(4326)) first")
    geom = points.geometry
    bad = geom.isna() | geom.is_empty | (geom.geom_type != "Point")
    if bad.any():
        raise GeographyError(
            f"approximate_polygons needs one non-empty Point per row; row {bad.idxmax()!r} "
            "is not; drop or fix it first"
        )
    crs = metric_crs(points)
    metric = geom.to_crs(crs)
    xy = shapely.get_coordinates(metric.to_numpy())
    _, first, counts = np.unique(xy, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        row = points.index[first[counts > 1][0]]
        raise GeographyError(
            f"points share a location (row {row!r} and others); one point per unit needed"
        )
    if boundary is not None:
        clip = _as_metric_boundary(boundary, points.crs, crs)
    elif area_km2 is not None:
        clip = _buffer_to_area(shapely.MultiPoint(xy).convex_hull, float(area_km2) * 1e6)
    else:
        raise GeographyError("approximate_polygons needs boundary= or area_km2=")
    cells = shapely.voronoi_polygons(shapely.MultiPoint(xy), extend_to=clip, ordered=True)
    clipped = shapely.intersection(np.asarray(cells.geoms), clip)
    out = points.copy()
    out[points.geometry.name] = gpd.GeoSeries(clipped, index=points.index, crs=crs).to_crs(
        points.crs
    )
    out["approximate"] = True
    return out
