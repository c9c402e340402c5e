"""Geography: approximate polygons, reading, cleaning, joins and distances."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from fupin_analysis import geo
from fupin_analysis.errors import GeographyError

X0, Y0 = 500_000.0, 2_930_000.0  # metres in EPSG:4546, near 111°E, 26.5°N


def metric_points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=4546)


# ---------------------------------------------------------------- approximate polygons


def test_known_areas_in_the_metric_crs():
    # a 10 km × 10 km square at 110°E, 26.5°N measured in EPSG:4546 is 100 km²
    crs = geo.metric_crs(110.0)
    sq = gpd.GeoSeries([box(X0, Y0, X0 + 10_000, Y0 + 10_000)], crs=crs)
    lonlat = sq.to_crs(4326)
    assert lonlat.to_crs(geo.metric_crs(lonlat)).area.iloc[0] / 1e6 == pytest.approx(100.0)
    # a disc of radius 1 km is π km² (to the polygon approximation of buffer)
    disc = gpd.GeoSeries([Point(X0, Y0).buffer(1000, quad_segs=256)], crs=crs)
    assert disc.area.iloc[0] / 1e6 == pytest.approx(np.pi, rel=1e-4)


def test_voronoi_cells_tile_the_boundary():
    pts = metric_points(
        [(X0 + 1, Y0 + 1), (X0 + 3, Y0 + 1), (X0 + 1, Y0 + 3), (X0 + 3, Y0 + 3)],
        code=["a", "b", "c", "d"],
    )
    cells = geo.approximate_polygons(pts, boundary=box(X0, Y0, X0 + 4, Y0 + 4))
    assert cells.area.round(6).tolist() == [4.0, 4.0, 4.0, 4.0]
    assert cells["code"].tolist() == ["a", "b", "c", "d"]
    assert cells["approximate"].all()
    assert cells.crs == pts.crs
    # each point lies in its own cell
    assert cells.geometry.contains(pts.geometry).all()


def test_cells_in_input_crs_and_order_kept_with_shuffled_index():
    lon = [110.00, 110.05, 110.02, 109.98, 110.04]
    lat = [26.50, 26.52, 26.45, 26.47, 26.55]
    pts = gpd.GeoDataFrame(
        {"code": list("abcde"), "n": [1, 2, 3, 4, 5]},
        geometry=gpd.points_from_xy(lon, lat),
        index=[10, 3, 7, 1, 5],
        crs=4326,
    )
    cells = geo.approximate_polygons(pts, area_km2=200.0)
    assert cells.crs.to_epsg() == 4326
    assert list(cells.index) == [10, 3, 7, 1, 5]
    assert list(cells.columns) == ["code", "n", "geometry", "approximate"]
    assert cells.geometry.contains(pts.geometry).all()
    metric = cells.to_crs(4546)
    assert metric.area.sum() / 1e6 == pytest.approx(200.0, rel=1e-5)
    # the cells do not overlap
    assert shapely.union_all(metric.geometry.to_numpy()).area == pytest.approx(
        metric.area.sum(), rel=1e-9
    )


def test_single_point_gets_the_whole_boundary():
    pts = metric_points([(X0, Y0)], code=["a"])
    cells = geo.approximate_polygons(pts, area_km2=1.0)
    assert cells.area.iloc[0] == pytest.approx(1e6, rel=1e-5)


def test_boundary_as_frame_in_another_crs():
    pts = metric_points([(X0 + 1, Y0 + 1), (X0 + 3, Y0 + 1)])
    bnd = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 4, Y0 + 2)], crs=4546).to_crs(4326)
    cells = geo.approximate_polygons(pts, boundary=bnd)
    assert cells.area.sum() == pytest.approx(8.0, rel=1e-6)


def test_point_outside_boundary_gets_empty_cell():
    pts = metric_points([(X0 + 1, Y0 + 1), (X0 + 100, Y0 + 100)])
    cells = geo.approximate_polygons(pts, boundary=box(X0, Y0, X0 + 2, Y0 + 2))
    assert cells.geometry.is_empty.tolist() == [False, True]


@pytest.mark.parametrize(
    ("points", "kwargs", "match"),
    [
        (metric_points([(X0, Y0), (X0, Y0)]), {"area_km2": 1}, "share a location"),
        (metric_points([(X0, Y0), (X0 + 1, Y0)]), {}, "boundary= or area_km2="),
        (
            metric_points([(X0, Y0), (X0 + 5000, Y0), (X0, Y0 + 5000)]),
            {"area_km2": 1},
            "already covers 12.5 km²",
        ),
        (
            gpd.GeoDataFrame(geometry=[Point(X0, Y0), box(X0, Y0, X0 + 1, Y0 + 1)], crs=4546),
            {"area_km2": 1},
            "row 1 is not",
        ),
        (gpd.GeoDataFrame(geometry=[Point(0, 0)]), {"area_km2": 1}, "no CRS"),
        (metric_points([(X0, Y0)]), {"boundary": "box"}, "boundary must be"),
    ],
)
def test_approximate_polygons_bad_input(points, kwargs, match):
    with pytest.raises(GeographyError, match=match):
        geo.approximate_polygons(points, **kwargs)
