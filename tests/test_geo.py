"""Geography: approximate polygons, reading, cleaning, joins and distances."""

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
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


# ---------------------------------------------------------------- reading

LIJIA_GCJ = (110.019444, 26.461720)  # FACTS §2, GCJ-02
ZHUQIAO_GCJ = (109.968662, 26.533942)


def village_centres():
    return geo.gcj02_to_wgs84([LIJIA_GCJ[0], ZHUQIAO_GCJ[0]], [LIJIA_GCJ[1], ZHUQIAO_GCJ[1]])


def village_frame(crs=4326):
    lon, lat = village_centres()
    return gpd.GeoDataFrame(
        {"code": ["430527203203", "430527203208"], "name": ["李家村", "竹桥村"]},
        geometry=[Point(x, y).buffer(0.01) for x, y in zip(lon, lat, strict=True)],
        crs=crs,
    )


@pytest.fixture
def gpkg(tmp_path):
    path = tmp_path / "geo.gpkg"
    wgs = village_frame()
    wgs.to_file(path, layer="villages", metadata={"DATUM": "WGS84"})
    pts = gpd.GeoDataFrame(
        {"code": wgs["code"], "name": wgs["name"]},
        geometry=gpd.points_from_xy([LIJIA_GCJ[0], ZHUQIAO_GCJ[0]], [LIJIA_GCJ[1], ZHUQIAO_GCJ[1]]),
        crs=4326,
    )
    pts.to_file(path, layer="village_points_gcj02", metadata={"DATUM": "GCJ-02"})
    roads = gpd.GeoDataFrame(
        {"name": ["S221"]}, geometry=[shapely.LineString([(109.9, 26.4), (110.1, 26.6)])], crs=4326
    )
    roads.to_file(path, layer="roads", metadata={"DATUM": "WGS84"})
    return path


def test_read_geopackage_layers_and_datums(gpkg):
    g = geo.read_geography(gpkg)
    assert set(g.layers) == {"villages", "roads"}
    assert g.datum == {"villages": "WGS84", "roads": "WGS84"}
    assert g.source == str(gpkg)
    assert g.villages.crs.to_epsg() == 4326
    assert g.villages["code"].tolist() == ["430527203203", "430527203208"]
    assert g.sites is None


def test_read_gcj02_layer_converted_to_wgs84(gpkg):
    g = geo.read_geography(gpkg, layers={"villages": "village_points_gcj02"})
    assert g.datum == {"villages": "GCJ-02"}
    wgs = gpd.points_from_xy(*village_centres())
    d = geo.distance_to_nearest(g.villages, gpd.GeoSeries(wgs, crs=4326))
    assert d["distance_m"].max() < 0.01
    assert d["target_index"].tolist() == [0, 1]


def test_undeclared_datum_warns_once_and_assumes_wgs84(tmp_path):
    path = tmp_path / "v.geojson"
    village_frame().to_file(path)
    with pytest.warns(UserWarning, match=r"no datum declared for layers \['villages'\]") as rec:
        g = geo.read_geography(path)
    assert len(rec) == 1
    assert g.datum == {"villages": "WGS84"}


def test_datum_parameter_converts_undeclared_layers(tmp_path):
    path = tmp_path / "v.geojson"
    wgs = village_frame()
    geo.to_datum(wgs, "WGS84", "BD-09").to_file(path)
    g = geo.read_geography(path, datum="bd09")
    assert g.datum == {"villages": "BD-09"}
    shift = g.villages.to_crs(4546).centroid.distance(wgs.to_crs(4546).centroid)
    assert shift.max() < 0.01


def test_cgcs2000_is_read_as_wgs84(tmp_path):
    path = tmp_path / "v.gpkg"
    village_frame().to_crs(4490).to_file(path, layer="villages")
    g = geo.read_geography(path, datum="CGCS2000")
    assert g.villages.crs.to_epsg() == 4326
    assert g.datum == {"villages": "WGS84"}


def test_projected_wgs84_layer_reprojected(tmp_path):
    path = tmp_path / "v.gpkg"
    village_frame().to_crs(4546).to_file(path, layer="villages", metadata={"DATUM": "WGS84"})
    g = geo.read_geography(path)
    assert g.villages.crs.to_epsg() == 4326
    assert g.villages.geometry.iloc[0].centroid.x == pytest.approx(110.015, abs=0.01)


def test_zipped_shapefile(tmp_path):
    import zipfile

    village_frame().to_file(tmp_path / "v.shp")
    with zipfile.ZipFile(tmp_path / "v.zip", "w") as z:
        for f in tmp_path.glob("v.*"):
            if f.suffix != ".zip":
                z.write(f, f.name)
    g = geo.read_geography(tmp_path / "v.zip", datum="WGS84")
    assert g.villages["name"].tolist() == ["李家村", "竹桥村"]


def test_csv_with_dms_and_datum_suffix(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(
        "区划代码,村名,lon_gcj02,lat_gcj02\n"
        "430527203203,李家村,110°1′10″E,26°27′42.192″N\n"
        "430527203208,竹桥村,109.968662,26.533942\n"
        "430527203201,岩塘村,,\n",
        encoding="utf-8",
    )
    g = geo.read_geography(path)
    assert g.datum == {"villages": "GCJ-02"}
    assert list(g.villages.columns) == ["code", "name", "geometry"]
    expected = geo.gcj02_to_wgs84(110 + 1 / 60 + 10 / 3600, 26 + 27 / 60 + 42.192 / 3600)
    assert g.villages.geometry.iloc[0].x == pytest.approx(float(expected[0]), abs=1e-9)
    assert g.villages.geometry.iloc[2] is None


def test_gb18030_csv_and_xlsx(tmp_path):
    frame = village_frame()
    lon, lat = village_centres()
    table = frame.drop(columns="geometry").assign(经度=lon.round(6), 纬度=lat.round(6))
    table.to_csv(tmp_path / "v.csv", index=False, encoding="gb18030")
    table.to_excel(tmp_path / "v.xlsx", index=False)
    for name in ("v.csv", "v.xlsx"):
        g = geo.read_geography(tmp_path / name, datum="WGS84")
        assert g.villages["name"].tolist() == ["李家村", "竹桥村"]
        assert g.villages.geometry.x.tolist() == pytest.approx(table["经度"].tolist())


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("110.5", 110.5),
        (110.5, 110.5),
        ("-26.25", -26.25),
        ("110°30′", 110.5),
        ("110°30'36\"E", 110.51),
        ("１１０度３０分３６秒", 110.51),
        ("26 15 00 S", -26.25),
        ("北纬26°15'", 26.25),
        ("W 1.5", -1.5),
    ],
)
def test_parse_degrees(text, value):
    assert geo.parse_degrees(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "110°61'", "1.2.3.4", "110°30'12\"X"])
def test_parse_degrees_refuses(text):
    with pytest.raises(ValueError):
        geo.parse_degrees(text)


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=179.99))
def test_property_dms_text_round_trips(value):
    d = int(value)
    m = int((value - d) * 60)
    s = round((value - d - m / 60) * 3600, 4)
    assume(s < 60)
    assert geo.parse_degrees(f"{d}°{m}′{s}″E") == pytest.approx(value, abs=1e-6)


# ---------------------------------------------------------------- bad input


def test_bad_cell_names_file_row_column(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("name,lon,lat\n李家村,110.0,26.5\n竹桥村,东边,26.5\n", encoding="utf-8")
    with pytest.raises(GeographyError, match=r"v.csv, row 3, column lon: cannot read '东边'"):
        geo.read_geography(path, datum="WGS84")


def test_declared_datum_contradicted(gpkg):
    with pytest.raises(GeographyError, match=r"layer villages: the layer declares datum WGS84"):
        geo.read_geography(gpkg, datum="GCJ-02")


def test_offset_datum_on_projected_layer(tmp_path):
    path = tmp_path / "v.gpkg"
    village_frame().to_crs(4546).to_file(path, layer="villages", metadata={"DATUM": "GCJ-02"})
    with pytest.raises(GeographyError, match="layer villages: declared GCJ-02, but its CRS"):
        geo.read_geography(path)


def test_unknown_declared_datum(tmp_path):
    path = tmp_path / "v.gpkg"
    village_frame().to_file(path, layer="villages", metadata={"DATUM": "Xian80"})
    with pytest.raises(GeographyError, match="layer villages: unknown datum 'Xian80'"):
        geo.read_geography(path)


def test_empty_layer(tmp_path):
    path = tmp_path / "v.gpkg"
    village_frame().iloc[:0].to_file(path, layer="villages", metadata={"DATUM": "WGS84"})
    with pytest.raises(GeographyError, match="layer villages: the layer has no features"):
        geo.read_geography(path)


def test_no_name_or_code_column(tmp_path):
    path = tmp_path / "v.gpkg"
    village_frame().drop(columns=["code", "name"]).assign(pop=1).to_file(
        path, layer="villages", metadata={"DATUM": "WGS84"}
    )
    with pytest.raises(GeographyError, match=r"layer villages: no name or code column"):
        geo.read_geography(path)


def test_crs_less_shapefile(tmp_path):
    frame = village_frame(crs=None)
    with pytest.warns(UserWarning):  # pyogrio warns that it writes no .prj
        frame.to_file(tmp_path / "v.shp")
    with pytest.raises(GeographyError, match=r"v.shp, layer v: no CRS .*add the .prj"):
        geo.read_geography(tmp_path / "v.shp", datum="WGS84")


def test_not_geodata(tmp_path):
    path = tmp_path / "notes.txt.gpkg"
    path.write_text("not a map", encoding="utf-8")
    with pytest.raises(GeographyError, match="notes.txt.gpkg: not a geodata file"):
        geo.read_geography(path)


def test_missing_file_and_layers(tmp_path, gpkg):
    with pytest.raises(GeographyError, match="no such file"):
        geo.read_geography(tmp_path / "none.gpkg")
    with pytest.raises(GeographyError, match="no layer 'parcels'"):
        geo.read_geography(gpkg, layers={"villages": "parcels"})
    with pytest.raises(GeographyError, match="unknown layer roles"):
        geo.read_geography(gpkg, layers=["villages", "rivers"])
    with pytest.raises(GeographyError, match="must include 'villages'"):
        geo.read_geography(gpkg, layers=["roads"])


def test_csv_without_coordinates(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("name,pop\n李家村,3\n", encoding="utf-8")
    with pytest.raises(GeographyError, match="no longitude/latitude columns"):
        geo.read_geography(path)


# ---------------------------------------------------------------- cleaning


def messy_villages():
    lijia = Point(110.0, 26.5).buffer(0.01)
    bowtie = shapely.Polygon([(110.1, 26.6), (110.12, 26.62), (110.12, 26.6), (110.1, 26.62)])
    rows = [
        ("430527203203", "李家村", lijia),  # 0 fine
        ("430527203203", "李家村", lijia),  # 1 duplicate of 0
        ("430527203208", "竹桥 村", bowtie),  # 2 invalid, name with space
        ("430527203209", "兰家村", Point(26.55, 110.0).buffer(0.01)),  # 3 swapped
        ("430527203214", "高仓村", Point(112.0, 28.0).buffer(0.01)),  # 4 outside
        ("430527203216", "下寨村", None),  # 5 empty
        ("４３０５２７２０３２１７", "白寨村", Point(110.02, 26.55).buffer(0.005)),  # 6 full-width
        ("4305272032", "正板村", Point(109.98, 26.52).buffer(0.005)),  # 7 malformed code
        ("430527209999", "火星村", Point(109.99, 26.52).buffer(0.005)),  # 8 unknown code
        ("430527203217", "白寨村", Point(110.04, 26.55).buffer(0.005)),  # 9 second part of 6
        (
            "430527203221",
            "朝仪村",
            shapely.MultiPolygon(
                [Point(109.96, 26.58).buffer(0.003), Point(109.97, 26.58).buffer(0.003)]
            ),
        ),  # 10 multi-part
    ]
    code, name, geom = zip(*rows, strict=True)
    return gpd.GeoDataFrame({"code": code, "name": name}, geometry=list(geom), crs=4326)


def test_clean_geography_counts_every_rule():
    raw = messy_villages()
    clean, quality = geo.clean_geography(geo.Geography(villages=raw, source="x.gpkg"))
    q = quality.set_index("rule")
    assert (quality["layer"] == "villages").all()
    expected = {
        "empty_geometry": 1,
        "invalid_geometry": 1,
        "duplicate_feature": 1,
        "swapped_lonlat": 1,
        "outside_county": 1,
        "multipart_feature": 2,  # 朝仪村, and the bow-tie made valid as two triangles
        "code_malformed": 1,
        "code_unknown": 1,
        "name_normalised": 1,
        "parts_merged": 1,
    }
    assert q["rows"].to_dict() == expected
    assert q.loc["swapped_lonlat", "detail"] == "rows 3"
    v = clean.villages
    # 11 rows - empty - duplicate - merged part
    assert len(v) == 8
    assert v.geometry.is_valid.all()
    assert v.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert v.loc[3].geometry.centroid.x == pytest.approx(110.0)
    assert v["outside_county"].tolist() == [False, False, False, True, False, False, False, False]
    assert v.loc[2, "name"] == "竹桥村"
    assert pd.isna(v.loc[7, "code"])
    assert v.loc[8, "code"] == "430527209999"
    merged = v.loc[v["code"] == "430527203217"].geometry.iloc[0]
    assert merged.geom_type == "MultiPolygon" and len(merged.geoms) == 2
    assert clean.source == "x.gpkg"
    assert len(raw) == 11  # input untouched


def test_clean_geography_all_layers_and_nothing_lost_silently():
    roads = gpd.GeoDataFrame(
        {"name": ["S221", "S221"]},
        geometry=[shapely.LineString([(110, 26.5), (110.1, 26.6)])] * 2,
        crs=4326,
    )
    g = geo.Geography(villages=village_frame(), roads=roads)
    clean, quality = geo.clean_geography(g)
    assert len(clean.roads) == 1
    dropped = quality.loc[quality["action"].str.startswith("dropped"), "rows"].sum()
    assert dropped == len(g.villages) + len(g.roads) - len(clean.villages) - len(clean.roads)
    assert set(quality["layer"]) == {"villages", "roads"}


def test_clean_geography_refuses_when_no_village_left():
    v = gpd.GeoDataFrame({"code": ["430527203203"]}, geometry=[None], crs=4326)
    with pytest.raises(GeographyError, match="no village features left"):
        geo.clean_geography(geo.Geography(villages=v))


# ---------------------------------------------------------------- joins


def test_join_by_code_old_code_and_old_and_variant_names():
    v = village_frame()
    extra = gpd.GeoDataFrame(
        {
            "code": ["430527202208", pd.NA, pd.NA, "430527203245"],
            "name": ["铁坡", "黄桑坪", "寨市林场", "寨市村"],
        },
        geometry=[Point(109.98, 26.58), Point(110.06, 26.42), Point(110.05, 26.50), Point(0, 0)],
        crs=4326,
    )
    villages = pd.concat([v, extra], ignore_index=True)
    hh = pd.DataFrame(
        {
            "household_key": ["h1", "h2", "h3", "h4", "h5", "h6", "h7"],
            "village_code": [
                "430527203203",  # current code, geography by code
                pd.NA,
                pd.NA,
                "430527203228",  # current code; geography has the old code
                pd.NA,
                pd.NA,
                pd.NA,
            ],
            "village_name": [
                "李家村",
                "在市乡竹桥村",  # prefixed with the old township's variant spelling
                "黄桑坪村",  # renamed → 黄桑村
                "铁坡村",
                "在市林场",  # variant spelling of 寨市林场
                "潭泥",  # assumed link → 地林村, no geometry
                "火星村",  # unknown
            ],
        }
    )
    joined, report = geo.join_villages(hh, villages)
    assert len(joined) == len(hh)
    assert joined.crs.to_epsg() == 4326
    assert joined["village_code"].tolist()[:6] == [
        "430527203203",
        "430527203208",
        "430527203234",
        "430527203228",
        "430527203504",
        "430527203242",
    ]
    assert joined["join_by"].fillna("-").tolist() == [
        "code",
        "name",
        "name",
        "old_code",
        "name",
        "-",
        "-",
    ]
    assert joined.geometry.iloc[3].equals(Point(109.98, 26.58))
    assert joined.geometry.iloc[5] is None
    roster_side = report.loc[report["side"] == "roster"].fillna({"code": "-"})
    assert roster_side[["code", "name", "rows", "reason"]].values.tolist() == [
        ["430527203242", "地林村", 1, "no geometry"],
        ["-", "火星村", 1, "unknown village"],
    ]
    geo_side = report.loc[report["side"] == "geography"].set_index("code")
    assert geo_side.loc["430527203245", "reason"] == "no roster rows"
    assert geo_side.loc["430527203245", "name"] == "寨市村"
    assert len(geo_side) == 1


def test_join_reports_duplicates_and_unknown_features_and_counts_rows():
    v = gpd.GeoDataFrame(
        {"code": ["430527203203", pd.NA, pd.NA], "name": ["李家村", "李家", "无名村"]},
        geometry=[Point(110, 26.5), Point(110.01, 26.5), Point(110.02, 26.5)],
        crs=4326,
    )
    members = pd.DataFrame({"village_code": ["430527203203"] * 3 + ["430527203208"] * 2})
    joined, report = geo.join_villages(members, geo.Geography(villages=v))
    assert joined.geometry.iloc[0].equals(Point(110, 26.5))  # the code match wins
    r = report.set_index(["side", "reason"])
    assert r.loc[("roster", "no geometry"), "rows"] == 2
    assert r.loc[("geography", "duplicate of another feature"), "name"] == "李家村"
    assert r.loc[("geography", "unknown code and name"), "name"] == "无名村"
    # every roster row is joined or counted in the report
    assert joined.geometry.notna().sum() + report.query("side == 'roster'")["rows"].sum() == 5


def test_join_needs_a_village_column():
    with pytest.raises(GeographyError, match="neither village_code nor village_name"):
        geo.join_villages(pd.DataFrame({"x": [1]}), village_frame())


# ---------------------------------------------------------------- distances


def test_straight_line_distances_in_metres():
    crs = geo.metric_crs(110.0)
    pts = gpd.GeoSeries(
        [Point(X0, Y0), Point(X0 + 5000, Y0), None], index=["a", "b", "c"], crs=crs
    ).to_crs(4326)
    sites = gpd.GeoDataFrame(
        {"site_id": ["s1", "s2"]},
        geometry=[Point(X0 + 300, Y0 + 400), Point(X0 + 5000, Y0 + 1000)],
        index=[7, 8],
        crs=crs,
    )
    d = geo.distance_to_nearest(pts, sites)
    assert list(d.index) == ["a", "b", "c"]
    assert d["distance_m"].iloc[:2].tolist() == pytest.approx([500.0, 1000.0], abs=1e-3)
    assert d["target_index"].tolist()[:2] == [7, 8]
    assert np.isnan(d["distance_m"].iloc[2])
    assert (d["method"] == "straight_line").all()


def test_network_distance_along_roads_with_fallback():
    crs = 4546
    roads = gpd.GeoSeries(
        [
            shapely.LineString([(X0, Y0), (X0 + 2000, Y0)]),
            shapely.LineString([(X0 + 2000, Y0), (X0 + 2000, Y0 + 3000)]),
            shapely.LineString([(X0 + 9000, Y0 + 9000), (X0 + 9500, Y0 + 9000)]),  # isolated
        ],
        crs=crs,
    )
    pts = gpd.GeoSeries([Point(X0 + 10, Y0 - 20), Point(X0 + 9000, Y0 + 9010)], crs=crs)
    sites = gpd.GeoSeries([Point(X0 + 2000, Y0 + 3000), Point(X0 + 100, Y0 + 2500)], crs=crs)
    d = geo.distance_to_nearest(pts, sites, network=roads)
    # snap to the road start (50 m segments), 2000 m east, 3000 m north; site 1 is
    # nearer in a straight line but 1900 m off the road
    assert d.loc[0, "method"] == "network"
    assert d.loc[0, "distance_m"] == pytest.approx(np.hypot(10, 20) + 2000 + 3000, abs=1e-6)
    assert d.loc[0, "target_index"] == 0
    straight = geo.distance_to_nearest(pts, sites)
    assert straight.loc[0, "target_index"] == 1
    # the isolated road reaches no site: straight line
    assert d.loc[1, "method"] == "straight_line"
    assert d.loc[1, "distance_m"] == pytest.approx(straight.loc[1, "distance_m"])


def test_distance_bad_input():
    pts = gpd.GeoSeries([Point(X0, Y0)], crs=4546)
    road = gpd.GeoSeries([shapely.LineString([(X0, Y0), (X0 + 1, Y0)])], crs=4546)
    with pytest.raises(GeographyError, match="need Point targets"):
        geo.distance_to_nearest(pts, road, network=road)
    with pytest.raises(GeographyError, match="no CRS"):
        geo.distance_to_nearest(gpd.GeoSeries([Point(0, 0)]), road)
    with pytest.raises(GeographyError, match="no targets"):
        geo.distance_to_nearest(pts, road.iloc[:0])


def test_geography_to_metric():
    g = geo.Geography(villages=village_frame(), roads=None)
    m = g.to_metric()
    assert m.villages.crs.to_epsg() == 4546
    assert g.villages.crs.to_epsg() == 4326
    assert m.villages.area.iloc[0] > 1e6


# ---------------------------------------------------------------- the embedded geography

EMBEDDED = Path(__file__).resolve().parent.parent / "data" / "raw" / "zhaishi_geography.gpkg"
needs_embedded = pytest.mark.skipif(not EMBEDDED.exists(), reason="embedded geography absent")


@pytest.fixture(scope="module")
def embedded():
    return geo.read_geography(EMBEDDED)


@needs_embedded
def test_embedded_reads_with_declared_datums_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = geo.read_geography(EMBEDDED)
    assert set(g.layers) == set(geo.LAYERS)
    assert set(g.datum.values()) == {"WGS84"}
    assert len(g.villages) == 30
    assert all(layer.crs.to_epsg() == 4326 for layer in g.layers.values())


@needs_embedded
def test_embedded_gcj02_copy_agrees_with_wgs84_layer(embedded):
    gcj = geo.read_geography(EMBEDDED, layers={"villages": "village_points_gcj02"})
    assert gcj.datum == {"villages": "GCJ-02"}
    crs = geo.metric_crs(embedded.villages)
    # the villages layer is the Voronoi tiling (420 km²) of the WGS84 points: rebuild it
    # from the GCJ-02 copy and compare, feature by feature
    rebuilt = geo.approximate_polygons(gcj.villages, area_km2=420.0).to_crs(crs)
    stored = embedded.villages.set_index("code").loc[gcj.villages["code"]].to_crs(crs)
    dist = shapely.hausdorff_distance(rebuilt.geometry.to_numpy(), stored.geometry.to_numpy())
    assert dist.max() < 1.0
    # and each converted point lies in its own village
    inside = stored.geometry.to_numpy()
    points = gcj.villages.to_crs(crs).geometry.to_numpy()
    assert shapely.contains(inside, points).all()


@needs_embedded
def test_embedded_is_clean_and_joins_the_registry(embedded):
    clean, quality = geo.clean_geography(embedded)
    defects = quality.loc[quality["rule"] != "multipart_feature"]
    assert defects["rows"].sum() == 0, defects.loc[defects["rows"] > 0]
    registry = pd.read_csv(EMBEDDED.parent / "zhaishi_village_registry_2016.csv", dtype=str)
    joined, report = geo.join_villages(registry.rename(columns={"code": "village_code"}), clean)
    assert report.empty
    assert (joined["join_by"] == "code").all()
    area = clean.to_metric().villages.area.sum() / 1e6
    assert area == pytest.approx(420.0, rel=1e-4)


@needs_embedded
def test_embedded_distances_to_roads_and_sites(embedded):
    m = embedded.to_metric()
    to_road = geo.distance_to_nearest(m.villages.representative_point(), m.roads)
    assert to_road["distance_m"].between(0, 30_000).all()
    chosen = m.sites.loc[m.sites["status"] == "chosen"]
    along = geo.distance_to_nearest(m.scattered, chosen, network=m.roads)
    straight = geo.distance_to_nearest(m.scattered, chosen)
    network = along["method"] == "network"
    assert (along.loc[network, "distance_m"] >= straight.loc[network, "distance_m"] - 1e-6).all()


def test_units_overview_known_values():
    from fupin_analysis.reference import load_villages

    table = geo.units_overview(load_villages())
    lijia = table.set_index("code").loc["430527203203"]
    # GCJ-02 110.019444, 26.461720 (FACTS §2); the offset here is about -0.0046°, +0.0034°
    assert lijia["lon_wgs84"] == pytest.approx(110.019444 - 0.0046, abs=3e-4)
    assert lijia["lat_wgs84"] == pytest.approx(26.461720 + 0.0034, abs=3e-4)
    assert table["code"].is_monotonic_increasing and len(table) == 30
    assert table.loc[table["designation_link"].eq("assumed"), "designated"].all()
    registry = pd.DataFrame(
        {"code": table["code"], "population": 1000, "households": 300, "extra": 1}
    )
    with_counts = geo.units_overview(load_villages(), registry)
    assert int(with_counts["population"].sum()) == 30_000
    assert "extra" not in with_counts.columns
