"""Geography of the embedded synthetic dataset (``zhaishi_geography.gpkg``).

Every layer is synthetic or approximate: village polygons are Voronoi cells of the
villages' points (:func:`fupin_analysis.geo.approximate_polygons`) tiling 420 km²;
elevations come from a smooth invented surface; roads are schematic; hazard zones and
candidate sites are invented. Everything is defined in GCJ-02 (the datum of the
published points) and stored in WGS84, except the layer ``village_points_gcj02``.

Examples
--------
>>> true = pd.DataFrame({"village_code": ["430527203222"] * 2, "household_id": ["h1"] * 2,
...                      "relocation_mode": ["分散安置"] * 2})
>>> layers = geography_layers(true)
>>> list(layers) == list(LAYERS), layers["scattered"]["people"].tolist()
(True, [2])
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from ..geo import approximate_polygons, gcj02_to_wgs84, metric_crs
from .roster import (
    EXPRESSWAY_GCJ02,
    S221_GCJ02,
    SEAT_GCJ02,
    elevation_m,
    village_units,
)

__all__ = ["LAYERS", "geography_layers", "write_geography", "SITES_GCJ02", "HAZARDS_GCJ02"]

#: Layer names in the order they are written.
LAYERS = (
    "villages",
    "village_points_gcj02",
    "seat",
    "roads",
    "sites",
    "hazards",
    "scattered",
)
_FIXED_STAMP = "2016-12-05T00:00:00.000Z"

#: Relocation sites (GCJ-02): the chosen concentrated site ~200 m from the seat, then
#: candidates (site_id, name, status, lon, lat, area_mu, capacity_households).
SITES_GCJ02 = (
    ("S0", "原食品站和老卫生院", "chosen", 110.0497, 26.5002, 8.5, 71),
    ("S1", "黄桑村S221路边", "candidate", 110.0592, 26.4318, 7.0, 58),
    ("S2", "朝仪村村部旁", "candidate", 109.9702, 26.5768, 9.0, 75),
    ("S3", "下寨村山脚", "candidate", 110.0322, 26.5158, 10.0, 83),
    ("S4", "表田村高山台地", "candidate", 109.9418, 26.6200, 12.0, 100),
)
#: Synthetic geological hazard zones (GCJ-02 ellipses): id, kind, lon, lat, rx_m, ry_m.
HAZARDS_GCJ02 = (
    ("H1", "滑坡", 110.0330, 26.5160, 700.0, 450.0),
    ("H2", "崩塌", 109.9520, 26.6000, 900.0, 600.0),
    ("H3", "泥石流", 109.9900, 26.4300, 1200.0, 500.0),
    ("H4", "滑坡", 110.1150, 26.3900, 800.0, 500.0),
)


def _wgs(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(np.atleast_1d(lon), np.atleast_1d(lat))


def _points(lon, lat) -> gpd.GeoSeries:
    x, y = _wgs(lon, lat)
    return gpd.GeoSeries(shapely.points(x, y), crs=4326)


def _line(coords) -> LineString:
    arr = np.asarray(coords, dtype=float)
    x, y = _wgs(arr[:, 0], arr[:, 1])
    return LineString(np.c_[x, y])


def geography_layers(true: pd.DataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the geography file (WGS84, except ``village_points_gcj02``).

    Parameters
    ----------
    true : pandas.DataFrame
        The true roster (``village_code``, ``household_id``, ``relocation_mode``): the
        ``scattered`` layer has one point per village with scattered relocation.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        Keyed by :data:`LAYERS`; columns as documented in ``data/README.md``.
    """
    units = village_units()
    pts = _points(units["lon_gcj02"], units["lat_gcj02"])
    points = gpd.GeoDataFrame(units[["code"]].copy(), geometry=pts.to_numpy(), crs=4326)
    cells = approximate_polygons(points, area_km2=420.0)
    villages = gpd.GeoDataFrame(
        {
            "code": units["code"],
            "name": units["name"],
            "urban_rural": units["urban_rural"],
            "designated": units["designated"],
            "approximate": True,
            "point_imputed": units["point_imputed"],
            "population": units["population"],
            "households": units["households"],
            "elevation_m": units["elevation_m"],
        },
        geometry=cells.geometry.to_numpy(),
        crs=4326,
    )
    gcj = gpd.GeoDataFrame(
        units[["code", "name"]].copy(),
        geometry=shapely.points(units["lon_gcj02"], units["lat_gcj02"]),
        crs=4326,
    )
    seat = gpd.GeoDataFrame(
        {"name": ["寨市（乡政府驻地）"], "elevation_m": elevation_m(*SEAT_GCJ02).round(0)},
        geometry=_points(*SEAT_GCJ02).to_numpy(),
        crs=4326,
    )
    roads = gpd.GeoDataFrame(
        {
            "name": ["S221", "高速连接线"],
            "kind": ["provincial", "expressway_link"],
            "schematic": [True, True],
        },
        geometry=[_line(S221_GCJ02), _line(EXPRESSWAY_GCJ02)],
        crs=4326,
    )
    s = pd.DataFrame(
        SITES_GCJ02,
        columns=["site_id", "name", "status", "lon", "lat", "area_mu", "capacity_households"],
    )
    sites = gpd.GeoDataFrame(
        s[["site_id", "name", "status", "area_mu", "capacity_households"]].assign(
            elevation_m=elevation_m(s["lon"], s["lat"]).round(0)
        ),
        geometry=_points(s["lon"], s["lat"]).to_numpy(),
        crs=4326,
    )
    return {
        "villages": villages,
        "village_points_gcj02": gcj,
        "seat": seat,
        "roads": roads,
        "sites": sites,
        "hazards": _hazards(),
        "scattered": _scattered(true, villages, roads),
    }


def _hazards() -> gpd.GeoDataFrame:
    h = pd.DataFrame(HAZARDS_GCJ02, columns=["hazard_id", "kind", "lon", "lat", "rx", "ry"])
    centres = _points(h["lon"], h["lat"])
    crs = metric_crs(gpd.GeoDataFrame(geometry=centres))
    metric = centres.to_crs(crs)
    shapes = [
        shapely.affinity.scale(c.buffer(1.0, quad_segs=16), rx, ry)
        for c, rx, ry in zip(metric, h["rx"], h["ry"], strict=True)
    ]
    geoms = gpd.GeoSeries(shapes, crs=crs).to_crs(4326)
    return gpd.GeoDataFrame(
        {"hazard_id": h["hazard_id"], "kind": h["kind"], "synthetic": True},
        geometry=geoms.to_numpy(),
        crs=4326,
    )


def _scattered(true: pd.DataFrame, villages: gpd.GeoDataFrame, roads: gpd.GeoDataFrame):
    """One point per village with scattered relocation: the new place, inside the village
    and nearer S221 (70% of the way from the village point to where the straight line
    towards the road leaves the village, or to the road when it runs through it)."""
    hh = true.drop_duplicates("household_id")
    hh = hh[hh["relocation_mode"] == "分散安置"]
    people = true[true["relocation_mode"] == "分散安置"].groupby("village_code").size()
    counts = hh.groupby("village_code").size()
    units = village_units().set_index("code").loc[counts.index]
    origin = _points(units["lon_gcj02"], units["lat_gcj02"])
    crs = metric_crs(gpd.GeoDataFrame(geometry=origin))
    road = roads.loc[roads["name"] == "S221"].to_crs(crs).geometry.iloc[0]
    cells = villages.set_index("code").loc[counts.index].to_crs(crs).geometry
    moved = []
    for p, cell in zip(origin.to_crs(crs), cells, strict=True):
        towards = LineString([p, road.interpolate(road.project(p))])
        inside = towards.intersection(cell)
        part = inside if inside.geom_type == "LineString" else towards
        moved.append(part.interpolate(0.7, normalized=True))
    geoms = gpd.GeoSeries(moved, crs=crs).to_crs(4326)
    # elevation of the new place on the same surface, in GCJ-02 like the points
    lon_g = units["lon_gcj02"].to_numpy() + (geoms.x.to_numpy() - origin.x.to_numpy())
    lat_g = units["lat_gcj02"].to_numpy() + (geoms.y.to_numpy() - origin.y.to_numpy())
    return gpd.GeoDataFrame(
        {
            "code": counts.index.astype(str),
            "households": counts.to_numpy(),
            "people": people.loc[counts.index].to_numpy(),
            "elevation_m": elevation_m(lon_g, lat_g).round(0),
        },
        geometry=geoms.to_numpy(),
        crs=4326,
    )


def write_geography(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write the layers to a GeoPackage with fixed timestamps (repeatable bytes).

    Each layer carries GDAL layer metadata ``DATUM`` (``WGS84`` or ``GCJ-02``) and
    ``SYNTHETIC=true``.

    Examples
    --------
    >>> import tempfile
    >>> true = pd.DataFrame({"village_code": ["430527203222"], "household_id": ["h1"],
    ...                      "relocation_mode": ["分散安置"]})
    >>> path = Path(tempfile.mkdtemp()) / "g.gpkg"
    >>> write_geography(geography_layers(true), path)
    >>> from fupin_analysis.provenance import is_synthetic
    >>> is_synthetic(path)
    True
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    for name in LAYERS:
        datum = "GCJ-02" if name == "village_points_gcj02" else "WGS84"
        layers[name].to_file(
            path,
            layer=name,
            driver="GPKG",
            engine="pyogrio",
            layer_metadata={
                "DATUM": datum,
                "SYNTHETIC": "true",
                "DESCRIPTION": "SYNTHETIC layer of fupin_analysis.synth; approximate, "
                "not a survey; no real person",
            },
        )
    with sqlite3.connect(path) as con:
        con.execute("UPDATE gpkg_contents SET last_change = ?", (_FIXED_STAMP,))
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        if "gpkg_metadata_reference" in tables:
            con.execute("UPDATE gpkg_metadata_reference SET timestamp = ?", (_FIXED_STAMP,))
    with sqlite3.connect(path) as con:
        con.execute("VACUUM")
