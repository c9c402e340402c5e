"""Datum transforms (GCJ-02, BD-09, WGS84) and the metric CRS.

Published reference pairs (the standard algorithm's well-known implementations):

- googollee/eviltransform ``python/test.py``: WGS84 → GCJ-02 for Shanghai, Shenzhen and
  Beijing (compared there to 6 decimals). Its BD-09 pairs are not used: they come from a
  different BD-09 implementation and disagree with every standard formula by ~10 m.
- wandergis/coordtransform ``test/app.js``: the four transforms at (116.404, 39.915).
  Its ``gcj02towgs84`` is the one-step approximation (1–2 m), so ours, which is exact,
  is compared with a metre tolerance there and exactly on the other three.
- cran/geoChina ``R/cst.R``: Beijing railway station, WGS-84 (39.90105, 116.42079),
  GCJ-02 (39.90245, 116.42703), BD-09 (39.90851, 116.43351), given to 5 decimals.
"""

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
)

from fupin_analysis import datum
from fupin_analysis.errors import GeographyError

GEOD = pyproj.Geod(ellps="WGS84")

# (wgs_lon, wgs_lat, gcj_lon, gcj_lat) from googollee/eviltransform python/test.py
EVILTRANSFORM = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVILTRANSFORM)
def test_wgs84_to_gcj02_eviltransform_pairs(wlon, wlat, glon, glat):
    lon, lat = datum.wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-6)
    assert lat == pytest.approx(glat, abs=1e-6)


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVILTRANSFORM)
def test_gcj02_to_wgs84_eviltransform_pairs(wlon, wlat, glon, glat):
    lon, lat = datum.gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat) < 0.1


def test_coordtransform_pairs():
    # wandergis/coordtransform test/app.js, all from (116.404, 39.915)
    assert datum.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-9
    )
    assert datum.gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-9
    )
    # their bd09togcj02 is the closed form; ours is iterated to the exact inverse (cm apart)
    lon, lat = datum.bd09_to_gcj02(116.404, 39.915)
    assert metres(lon, lat, 116.39762729119315, 39.90865673957631) < 0.1
    # their gcj02towgs84 is the one-step approximation (1-2 m)
    lon, lat = datum.gcj02_to_wgs84(116.404, 39.915)
    assert metres(lon, lat, 116.39775550083061, 39.91359571849836) < 3.0


def test_geochina_beijing_railway_station():
    # cran/geoChina R/cst.R: values given to 5 decimals (about 1 m)
    wgs, gcj, bd = (116.42079, 39.90105), (116.42703, 39.90245), (116.43351, 39.90851)
    assert metres(*datum.wgs84_to_gcj02(*wgs), *gcj) < 1.5
    assert metres(*datum.gcj02_to_bd09(*gcj), *bd) < 1.5
    assert metres(*datum.bd09_to_gcj02(*bd), *gcj) < 1.5
    assert metres(*datum.bd09_to_wgs84(*bd), *wgs) < 1.5
    assert metres(*datum.wgs84_to_bd09(*wgs), *bd) < 1.5


def test_offset_at_the_township_matches_facts():
    # FACTS §2: GCJ-02 → WGS84 here is about Δlon −0.0046°, Δlat +0.0034°
    glon, glat = 110.048322, 26.501493
    lon, lat = datum.gcj02_to_wgs84(glon, glat)
    assert lon - glon == pytest.approx(-0.0046, abs=0.0002)
    assert lat - glat == pytest.approx(0.0034, abs=0.0002)


def test_gcj_inverse_better_than_a_centimetre_over_the_county():
    rng = np.random.default_rng(7)
    lon = rng.uniform(109.826762, 110.540031, 500)
    lat = rng.uniform(26.262806, 27.143236, 500)
    back = datum.wgs84_to_gcj02(*datum.gcj02_to_wgs84(lon, lat))
    assert metres(back[0], back[1], lon, lat).max() < 0.01
    back = datum.gcj02_to_bd09(*datum.bd09_to_gcj02(lon, lat))
    assert metres(back[0], back[1], lon, lat).max() < 0.01


def test_identity_outside_china():
    lon, lat = np.array([2.35, -74.0, 150.0]), np.array([48.85, 40.7, -33.9])
    for func in (
        datum.wgs84_to_gcj02,
        datum.gcj02_to_wgs84,
        datum.gcj02_to_bd09,
        datum.bd09_to_gcj02,
        datum.wgs84_to_bd09,
        datum.bd09_to_wgs84,
    ):
        out = func(lon, lat)
        np.testing.assert_array_equal(out[0], lon)
        np.testing.assert_array_equal(out[1], lat)


def test_vectorised_shapes_and_scalars():
    lon, lat = datum.wgs84_to_gcj02(np.full((2, 3), 110.0), 26.5)
    assert lon.shape == lat.shape == (2, 3)
    scalar = datum.gcj02_to_wgs84(110.0, 26.5)
    assert np.ndim(scalar[0]) == 0 and isinstance(float(scalar[0]), float)
    empty = datum.gcj02_to_wgs84(np.array([]), np.array([]))
    assert empty[0].shape == (0,)


def test_inputs_are_not_modified():
    lon, lat = np.array([110.0, 110.1]), np.array([26.5, 26.6])
    datum.wgs84_to_gcj02(lon, lat)
    datum.gcj02_to_wgs84(lon, lat)
    np.testing.assert_array_equal(lon, [110.0, 110.1])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("WGS84", "WGS84"),
        ("wgs-84", "WGS84"),
        ("EPSG:4326", "WGS84"),
        ("CGCS2000", "WGS84"),
        ("gcj02", "GCJ-02"),
        ("GCJ-02", "GCJ-02"),
        ("bd09", "BD-09"),
        ("BD-09", "BD-09"),
    ],
)
def test_normalize_datum(name, expected):
    assert datum.normalize_datum(name) == expected


def test_unknown_datum_is_an_error():
    with pytest.raises(GeographyError, match="unknown datum 'Beijing54'"):
        datum.normalize_datum("Beijing54")


def test_to_datum_every_geometry_type_and_back():
    geoms = [
        Point(110.0, 26.5),
        LineString([(110.0, 26.5), (110.1, 26.6)]),
        Polygon([(110.0, 26.5), (110.1, 26.5), (110.1, 26.6)]),
        MultiPolygon([Polygon([(110.0, 26.5), (110.1, 26.5), (110.1, 26.6)])]),
        GeometryCollection([Point(110.2, 26.7), LineString([(110, 26), (111, 27)])]),
        None,
    ]
    gdf = gpd.GeoDataFrame({"k": range(6)}, geometry=geoms, crs=4326)
    gcj = datum.to_datum(gdf, "WGS84", "GCJ-02")
    assert gcj.geometry.geom_type.tolist()[:5] == gdf.geometry.geom_type.tolist()[:5]
    assert gcj.geometry.iloc[5] is None
    assert gcj["k"].tolist() == list(range(6))
    assert gcj.geometry.iloc[0].x == pytest.approx(float(datum.wgs84_to_gcj02(110.0, 26.5)[0]))
    back = datum.to_datum(gcj, "gcj02", "wgs84")
    for a, b in zip(back.geometry[:5], gdf.geometry[:5], strict=True):
        assert a.equals_exact(b, tolerance=1e-9)
    assert gdf.geometry.iloc[0].x == 110.0  # input untouched


def test_to_datum_refuses_projected_data():
    gdf = gpd.GeoDataFrame(geometry=[Point(500000, 2930000)], crs=4546)
    with pytest.raises(GeographyError, match="projected CRS"):
        datum.to_datum(gdf, "GCJ-02", "WGS84")


@pytest.mark.parametrize(
    ("lon", "epsg"),
    [(110.04, 4546), (75.0, 4534), (135.0, 4554), (109.4, 4545), (109.6, 4546), (117.2, 4548)],
)
def test_metric_crs_zone(lon, epsg):
    crs = datum.metric_crs(lon)
    assert crs.to_epsg() == epsg
    assert "CGCS2000 / 3-degree Gauss-Kruger" in crs.name


def test_metric_crs_from_frames():
    gdf = gpd.GeoDataFrame(geometry=[Point(109.9, 26.3), Point(110.5, 27.1)], crs=4326)
    assert datum.metric_crs(gdf).to_epsg() == 4546
    assert datum.metric_crs(gdf.to_crs(3857).geometry).to_epsg() == 4546
    with pytest.raises(GeographyError, match="no CRS"):
        datum.metric_crs(gpd.GeoDataFrame(geometry=[Point(110, 26)]))
    with pytest.raises(GeographyError, match="outside China"):
        datum.metric_crs(2.35)


# hypothesis: points well inside China (away from the rectangle's edges)
lons = st.floats(min_value=75.0, max_value=134.0)
lats = st.floats(min_value=18.0, max_value=53.0)
steps = st.floats(min_value=1e-4, max_value=0.05)


@settings(max_examples=200, deadline=None)
@given(lons, lats)
def test_property_round_trips_invertible(lon, lat):
    for fwd, inv in (
        (datum.wgs84_to_gcj02, datum.gcj02_to_wgs84),
        (datum.gcj02_to_bd09, datum.bd09_to_gcj02),
        (datum.wgs84_to_bd09, datum.bd09_to_wgs84),
    ):
        assert metres(*inv(*fwd(lon, lat)), lon, lat) < 0.01
        assert metres(*fwd(*inv(lon, lat)), lon, lat) < 0.01


@settings(max_examples=200, deadline=None)
@given(lons, lats, steps)
def test_property_monotone(lon, lat, step):
    # a point further east (north) stays further east (north): the offset varies slowly
    for func in (
        datum.wgs84_to_gcj02,
        datum.gcj02_to_wgs84,
        datum.gcj02_to_bd09,
        datum.bd09_to_gcj02,
    ):
        x0, y0 = func(lon, lat)
        x1, _ = func(lon + step, lat)
        _, y1 = func(lon, lat + step)
        assert x1 > x0
        assert y1 > y0


@settings(max_examples=100, deadline=None)
@given(lons, lats)
def test_property_offset_is_bounded(lon, lat):
    # GCJ-02 shifts by hundreds of metres, never kilometres; BD-09 adds about 1 km more
    assert 10 < metres(*datum.wgs84_to_gcj02(lon, lat), lon, lat) < 1500
    assert metres(*datum.gcj02_to_bd09(lon, lat), lon, lat) < 1500
