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

import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
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
from .reference import load_crosswalk, load_villages, resolve_village_names
from .schema import normalize_text

__all__ = [
    "CHINA_RECT",
    "COUNTY_BBOX",
    "DATUMS",
    "LAYERS",
    "Geography",
    "approximate_polygons",
    "clean_geography",
    "distance_to_nearest",
    "join_villages",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "metric_crs",
    "normalize_datum",
    "parse_degrees",
    "read_geography",
    "to_datum",
    "transform_coords",
    "units_overview",
    "village_points",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Bounding box of 绥宁县 in WGS84 degrees (lon_min, lat_min, lon_max, lat_max), FACTS §2.
COUNTY_BBOX = (109.826762, 26.262806, 110.540031, 27.143236)

#: Layer roles of a :class:`Geography`, in order; a GeoPackage's layers of these names.
LAYERS = ("villages", "seat", "roads", "sites", "hazards", "scattered")

_AREA_RTOL = 1e-7
_CODE_RE = re.compile(r"^\d{12}$")
_POLYGON_LAYERS = ("villages", "hazards")
_HOW_RANK = {"code": 0, "old_code": 1, "name": 2, "": 3}
_QUALITY_COLUMNS = ["layer", "rule", "rows", "action", "detail"]
_SNAP_DECIMALS = 1  # road vertices closer than ~0.1 m are one network node
_SEGMENT_M = 50.0  # road lines are densified so that points snap to within ~25 m of a road
_TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls"}
_COLUMN_ALIASES = {
    "code": ("code", "village_code", "adcode", "代码", "区划代码", "统计用区划代码", "村代码"),
    "name": ("name", "village", "village_name", "名称", "村名", "村名称", "行政村", "村"),
}
_LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度")
_LAT_NAMES = ("lat", "latitude", "y", "纬度")
_DATUM_SUFFIX = re.compile(r"[_\-(（]*(wgs-?84|gcj-?02|bd-?09|cgcs2000)[)）]?$", re.IGNORECASE)
_HEMISPHERE = {"N": 1, "E": 1, "S": -1, "W": -1, "北": 1, "东": 1, "南": -1, "西": -1}
_DMS_SEPARATORS = re.compile(r"[°º˚度'′’‘\"″”“分秒:,\s]+")


@dataclass
class Geography:
    """The township's geography: one GeoDataFrame per layer, all in WGS84 (EPSG:4326).

    Attributes
    ----------
    villages : geopandas.GeoDataFrame
        Village polygons (or points), with ``code`` and/or ``name``.
    seat, roads, sites, hazards, scattered : geopandas.GeoDataFrame or None
        The other layers, where present (see ``docs/architecture.md`` for their fields).
    datum : dict
        Layer → the datum its coordinates were read in (``"WGS84"``, ``"GCJ-02"`` or
        ``"BD-09"``), before conversion to WGS84.
    source : str
        The file read (empty for a geography built in memory).
    cleaning : pandas.DataFrame or None
        What :func:`clean_geography` did (its quality table), once it has run.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> v = gpd.GeoDataFrame({"code": ["430527203203"]}, geometry=[Point(110.0, 26.5)],
    ...                      crs=4326)
    >>> g = Geography(villages=v)
    >>> list(g.layers), g.to_metric().villages.crs.to_epsg()
    (['villages'], 4546)
    """

    villages: gpd.GeoDataFrame
    seat: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    hazards: gpd.GeoDataFrame | None = None
    scattered: gpd.GeoDataFrame | None = None
    datum: dict[str, str] | None = None
    source: str = ""
    cleaning: pd.DataFrame | None = None

    @property
    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers present, role → GeoDataFrame, in the order of :data:`LAYERS`."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name in LAYERS and getattr(self, f.name) is not None
        }

    def to_metric(self) -> Geography:
        """A copy with every layer in :func:`metric_crs` of the villages (metres)."""
        crs = metric_crs(self.villages)
        return replace(self, **{k: v.to_crs(crs) for k, v in self.layers.items()})


def parse_degrees(value: object) -> float:
    """Read one coordinate: decimal degrees or degree-minute-second text.

    Accepts ``110.0483``, ``"-26.5"``, ``"110°2'54″E"``, ``"110°02′54.0″"``,
    ``"110度2分54秒"``, ``"26 30 5.4 N"``, ``"北纬26°30'"``. South and west (S, W, 南, 西)
    are negative. Missing values give NaN.

    Raises
    ------
    ValueError
        For text that is not a coordinate (minutes or seconds of 60 or more included).

    Examples
    --------
    >>> parse_degrees("110°2′54″E"), parse_degrees("26度30分"), parse_degrees("1.5 W")
    (110.04833333333333, 26.5, -1.5)
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return float("nan")
    if isinstance(value, int | float | np.number):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    if not text:
        return float("nan")
    text = text.replace("经度", "").replace("纬度", "").replace("东经", "E").replace("北纬", "N")
    sign = 1
    for mark, s in _HEMISPHERE.items():
        if text.startswith(mark) or text.endswith(mark):
            sign, text = s, text.strip(mark)
            break
    if text.startswith("-"):
        sign, text = -sign, text[1:]
    numbers = re.findall(r"\d+(?:\.\d+)?", text)
    rest = _DMS_SEPARATORS.sub("", re.sub(r"\d+(?:\.\d+)?", "", text))
    if not numbers or len(numbers) > 3 or rest:
        raise ValueError(f"not a coordinate: {value!r}")
    parts = [float(n) for n in numbers]
    if any(p >= 60 for p in parts[1:]):
        raise ValueError(f"minutes or seconds of 60 or more: {value!r}")
    return sign * sum(p / 60**i for i, p in enumerate(parts))


def _key(column: str) -> str:
    return unicodedata.normalize("NFKC", str(column)).strip().lower().replace(" ", "")


def _canonical_columns(frame: pd.DataFrame) -> pd.DataFrame:
    renames = {}
    for canon, aliases in _COLUMN_ALIASES.items():
        if canon in frame.columns:
            continue
        for col in frame.columns:
            if _key(col) in aliases and col not in renames:
                renames[col] = canon
                break
    return frame.rename(columns=renames)


def _coordinate_column(frame: pd.DataFrame, names: tuple[str, ...]) -> tuple[str, str | None]:
    for col in frame.columns:
        key = _key(col)
        hint = _DATUM_SUFFIX.search(key)
        if _DATUM_SUFFIX.sub("", key) in names:
            return col, (normalize_datum(hint.group(1)) if hint else None)
    return "", None


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in {".xlsx", ".xls"}:
        try:
            return pd.read_excel(path, dtype=str, engine="calamine")
        except Exception as exc:
            raise GeographyError(f"{path}: cannot read as a workbook ({exc})") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise GeographyError(f"{path}: cannot read as CSV ({exc})") from None
    raise GeographyError(f"{path}: not UTF-8 or GB18030 text; re-save it as UTF-8 CSV")


def _points_from_table(path: Path) -> tuple[gpd.GeoDataFrame, str | None]:
    frame = _read_table(path)
    lon_col, lon_hint = _coordinate_column(frame, _LON_NAMES)
    lat_col, lat_hint = _coordinate_column(frame, _LAT_NAMES)
    if not lon_col or not lat_col:
        raise GeographyError(
            f"{path}: no longitude/latitude columns (looked for lon/lng/longitude/经度 and "
            "lat/latitude/纬度); rename them, or save the file as GeoPackage or GeoJSON"
        )
    coords = {}
    for col in (lon_col, lat_col):
        values = []
        for i, raw in enumerate(frame[col].tolist()):
            try:
                values.append(parse_degrees(raw))
            except ValueError:
                raise GeographyError(
                    f"{path}, row {i + 2}, column {col}: cannot read {raw!r} as degrees "
                    "(decimal, or degree-minute-second text such as 110°2′54″E); fix the cell"
                ) from None
        coords[col] = np.array(values, dtype=float)
    missing = np.isnan(coords[lon_col]) | np.isnan(coords[lat_col])
    points = gpd.points_from_xy(coords[lon_col], coords[lat_col])
    points[missing] = None
    gdf = gpd.GeoDataFrame(frame.drop(columns=[lon_col, lat_col]), geometry=points, crs=4326)
    return gdf, lon_hint or lat_hint


def _roles(path: Path, available: list[str], layers) -> dict[str, str]:
    if layers is None:
        roles = {r: r for r in LAYERS if r in available}
        if "villages" not in roles:
            if len(available) != 1:
                raise GeographyError(
                    f"{path}: no layer named 'villages' among {available}; pass "
                    "layers={'villages': '<layer name>', ...}"
                )
            roles = {"villages": available[0]}
        return roles
    roles = dict(layers) if isinstance(layers, Mapping) else {r: r for r in layers}
    unknown = sorted(set(roles) - set(LAYERS))
    if unknown:
        raise GeographyError(f"{path}: unknown layer roles {unknown}; use some of {list(LAYERS)}")
    if "villages" not in roles:
        raise GeographyError(f"{path}: layers must include 'villages'")
    missing = [name for name in roles.values() if name not in available]
    if missing:
        raise GeographyError(f"{path}: no layer {missing[0]!r}; the file has {available}")
    return roles


def _declared_datum(where: str, metadata: Mapping | None, hint: str | None, datum: str | None):
    declared = None
    meta = {str(k).upper(): v for k, v in (metadata or {}).items()}
    try:
        if "DATUM" in meta:
            declared = normalize_datum(meta["DATUM"])
        elif hint is not None:
            declared = hint
        wanted = None if datum is None else normalize_datum(datum)
    except GeographyError as exc:
        raise GeographyError(f"{where}: {exc}") from None
    if declared and wanted and declared != wanted:
        raise GeographyError(
            f"{where}: the layer declares datum {declared} but datum={datum!r} was passed; "
            "drop the parameter, or fix the layer's DATUM metadata if it is wrong"
        )
    return declared or wanted


def _to_wgs84(gdf: gpd.GeoDataFrame, where: str, datum: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise GeographyError(
            f"{where}: no CRS (a shapefile without its .prj?); add the .prj, or re-save the "
            "layer with its CRS (EPSG:4326 for longitude/latitude)"
        )
    if datum != "WGS84":
        if not gdf.crs.is_geographic:
            raise GeographyError(
                f"{where}: declared {datum}, but its CRS {gdf.crs.name!r} is projected; "
                f"{datum} exists only as longitude/latitude: declare the right datum"
            )
        return to_datum(gdf, datum, "WGS84")
    return gdf if gdf.crs.equals(4326) else gdf.to_crs(4326)


def read_geography(
    path: str | Path,
    *,
    datum: str | None = None,
    layers: Sequence[str] | Mapping[str, str] | None = None,
) -> Geography:
    """Read a township's geography into WGS84.

    Formats: GeoPackage (layers by name), GeoJSON, Shapefile (also zipped), and CSV/XLSX
    with longitude/latitude columns (decimal or degree-minute-second text; a datum
    suffix such as ``lon_gcj02`` declares the datum). Single-layer files are the
    ``villages`` layer.

    The datum of each layer is its GDAL layer metadata ``DATUM`` (or a column suffix),
    else the ``datum`` parameter; if neither says, one warning names the layers assumed
    WGS84. CGCS2000 is read as WGS84. Every layer is converted to WGS84 (EPSG:4326).
    Known column aliases are renamed to ``code`` and ``name`` (e.g. 区划代码, 村名).

    Parameters
    ----------
    path : str or Path
        The file.
    datum : str, optional
        Datum of layers that declare none: ``WGS84``, ``CGCS2000``, ``GCJ-02``, ``BD-09``.
    layers : sequence or mapping, optional
        Roles to read (names of :data:`LAYERS`, each the layer of that name), or a mapping
        role → layer name. Default: every layer named like a role.

    Returns
    -------
    Geography

    Raises
    ------
    GeographyError
        For a missing file, a file that is not geodata, an unknown or missing layer, an
        empty layer, villages without a name or code column, a layer without CRS, a datum
        parameter that contradicts the layer's declaration, or an offset datum declared
        for projected coordinates.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "v.csv"
    >>> _ = csv.write_text("村名,经度,纬度\\n李家村,110°1′10″E,26°27′42″N\\n", encoding="utf-8")
    >>> g = read_geography(csv, datum="GCJ-02")
    >>> g.villages["name"].tolist(), g.datum
    (['李家村'], {'villages': 'GCJ-02'})
    >>> round(float(g.villages.geometry.x.iloc[0]), 4)
    110.0148
    """
    path = Path(path)
    if not path.exists():
        raise GeographyError(f"{path}: no such file")
    out: dict[str, gpd.GeoDataFrame] = {}
    datums: dict[str, str] = {}
    undeclared = []
    if path.suffix.lower() in _TABLE_SUFFIXES:
        gdf, hint = _points_from_table(path)
        frames = {"villages": (gdf, f"{path}", None, hint)}
    else:
        try:
            available = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
        except DataSourceError:
            raise GeographyError(
                f"{path}: not a geodata file GDAL can read; use GeoPackage, GeoJSON, "
                "Shapefile (or .zip of one), or CSV/XLSX with lon/lat columns"
            ) from None
        frames = {}
        for role, layer in _roles(path, available, layers).items():
            where = f"{path}, layer {layer}"
            try:
                gdf = pyogrio.read_dataframe(path, layer=layer)
                meta = pyogrio.read_info(path, layer=layer)["layer_metadata"]
            except (DataSourceError, DataLayerError) as exc:
                raise GeographyError(f"{where}: cannot be read ({exc})") from None
            frames[role] = (gdf, where, meta, None)
    for role, (gdf, where, meta, hint) in frames.items():
        if gdf.empty:
            raise GeographyError(f"{where}: the layer has no features; fill it or leave it out")
        gdf = _canonical_columns(gdf)
        if role == "villages" and not {"code", "name"} & set(gdf.columns):
            raise GeographyError(
                f"{where}: no name or code column (looked for code/代码/区划代码 and "
                f"name/名称/村名; found {list(gdf.columns.drop(gdf.geometry.name))}); "
                "rename one of them"
            )
        declared = _declared_datum(where, meta, hint, datum)
        if declared is None:
            undeclared.append(role)
        datums[role] = declared or "WGS84"
        out[role] = _to_wgs84(gdf, where, datums[role])
    if undeclared:
        warnings.warn(
            f"{path}: no datum declared for layers {undeclared}; assuming WGS84 (pass "
            "datum='GCJ-02' for coordinates from Chinese web maps)",
            UserWarning,
            stacklevel=2,
        )
    return Geography(**out, datum=datums, source=str(path))


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


def _labels(index: pd.Index, limit: int = 10) -> str:
    shown = ", ".join(str(i) for i in index[:limit])
    return f"rows {shown}" + (" …" if len(index) > limit else "") if len(index) else ""


def _swap_xy(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])


def _bbox_hits(geoms: np.ndarray, bbox: tuple[float, float, float, float]) -> np.ndarray:
    return shapely.intersects(geoms, shapely.box(*bbox))


def _clean_layer(role: str, gdf: gpd.GeoDataFrame, bbox, codes: set[str], add) -> gpd.GeoDataFrame:
    gname = gdf.geometry.name
    if gdf.crs is not None and not gdf.crs.equals(4326):
        gdf = gdf.to_crs(4326)
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    add(role, "empty_geometry", empty, "dropped")
    gdf = gdf.loc[~empty].copy()

    invalid = ~gdf.geometry.is_valid
    add(role, "invalid_geometry", invalid, "made valid")
    if invalid.any():
        method = "structure" if role in _POLYGON_LAYERS else "linework"
        fixed = shapely.make_valid(gdf.geometry[invalid].to_numpy(), method=method)
        gdf.loc[invalid, gname] = gpd.GeoSeries(fixed, index=gdf.index[invalid], crs=gdf.crs)

    attrs = gdf.drop(columns=gname).astype("string").fillna("\x00")
    attrs["_wkb"] = shapely.to_wkb(shapely.normalize(gdf.geometry.to_numpy()), hex=True)
    duplicate = pd.Series(attrs.duplicated().to_numpy(), index=gdf.index)
    add(role, "duplicate_feature", duplicate, "dropped (first kept)")
    gdf = gdf.loc[~duplicate].copy()

    if bbox is None:
        unchecked = pd.Series(False, index=gdf.index)
        for rule in ("swapped_lonlat", "outside_county"):
            add(role, rule, unchecked, "not checked: the county's extent is unknown")
        gdf["outside_county"] = pd.array([pd.NA] * len(gdf), dtype="boolean")
        return _clean_units(role, gdf, codes, add)
    geoms = gdf.geometry.to_numpy()
    inside = _bbox_hits(geoms, bbox)
    swapped = ~inside & _bbox_hits(_swap_xy(geoms), bbox)
    add(role, "swapped_lonlat", pd.Series(swapped, index=gdf.index), "swapped back")
    if swapped.any():
        geoms = geoms.copy()
        geoms[swapped] = _swap_xy(geoms[swapped])
        gdf[gname] = gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)
    outside = pd.Series(~(inside | swapped), index=gdf.index)
    add(role, "outside_county", outside, "flagged in column outside_county (kept)")
    gdf["outside_county"] = outside.to_numpy()
    return _clean_units(role, gdf, codes, add)


def _clean_units(role: str, gdf: gpd.GeoDataFrame, codes: set[str], add) -> gpd.GeoDataFrame:
    multi = gdf.geometry.geom_type.str.startswith("Multi")
    add(role, "multipart_feature", multi, "kept as one unit")
    if "code" in gdf.columns and role in ("villages", "scattered"):
        gdf = _clean_codes(role, gdf, codes, add)
    if role == "villages" and "name" in gdf.columns:
        names = gdf["name"].astype("string")
        normal = names.map(normalize_text, na_action="ignore").astype("string")
        add(role, "name_normalised", (normal != names).fillna(False), "normalised (NFKC, spaces)")
        gdf["name"] = normal
    if role == "villages" and "code" in gdf.columns:
        gdf = _merge_parts(gdf, add)
    return gdf


def _clean_codes(role: str, gdf: gpd.GeoDataFrame, codes: set[str], add) -> gpd.GeoDataFrame:
    raw = gdf["code"].astype("string")
    code = raw.map(normalize_text, na_action="ignore").astype("string")
    code = code.str.replace(r"\.0$", "", regex=True)  # a code read as a number
    malformed = code.notna() & ~code.str.match(_CODE_RE).fillna(False)
    add(role, "code_malformed", malformed, "cleared (joined by name instead)")
    code = code.mask(malformed)
    unknown = code.notna() & ~code.isin(codes)
    add(role, "code_unknown", unknown, "kept; not in the village registry (joined by name)")
    gdf["code"] = code
    return gdf


def _merge_parts(gdf: gpd.GeoDataFrame, add) -> gpd.GeoDataFrame:
    repeated = gdf["code"].notna() & gdf["code"].duplicated(keep="first")
    add("villages", "parts_merged", repeated, "rows of one code merged into one multi-part unit")
    if not repeated.any():
        return gdf
    gname = gdf.geometry.name
    merged = (
        gdf.loc[gdf["code"].notna()]
        .groupby("code", sort=False)[gname]
        .agg(lambda g: shapely.union_all(g.to_numpy()))
    )
    keep = gdf.loc[~repeated].copy()
    has = keep["code"].notna()
    keep.loc[has, gname] = gpd.GeoSeries(
        merged.loc[keep.loc[has, "code"]].to_numpy(), index=keep.index[has], crs=gdf.crs
    )
    return keep


def clean_geography(
    geo: Geography,
    *,
    bbox: tuple[float, float, float, float] | None = COUNTY_BBOX,
    registry: pd.DataFrame | None = None,
) -> tuple[Geography, pd.DataFrame]:
    """Clean every layer of a geography, counting each rule.

    Per layer, in order: empty geometries dropped; invalid geometries made valid
    (polygon layers stay polygonal); duplicate features (same geometry and attributes)
    dropped; swapped lon/lat detected (a feature outside ``bbox`` that falls in it
    when swapped) and swapped back; features still outside ``bbox`` flagged in a new
    boolean column ``outside_county`` (kept); multi-part features kept as one unit. For
    ``villages`` (and ``scattered``): codes NFKC-normalised and checked against the
    registry (malformed → cleared, unknown → kept and reported); names normalised with
    :func:`fupin_analysis.schema.normalize_text`, as the roster's are; rows sharing a code
    merged into one multi-part unit.

    Parameters
    ----------
    geo : Geography
        As read by :func:`read_geography` (WGS84).
    bbox : tuple of float or None
        (lon_min, lat_min, lon_max, lat_max), WGS84; default the county's,
        :data:`COUNTY_BBOX` (for another township,
        :func:`fupin_analysis.divisions.county_extent`). ``None``: the extent is unknown,
        and swapped or far-off features are not checked (the quality table says so).
    registry : pandas.DataFrame, optional
        Village registry with ``code`` (default :func:`fupin_analysis.reference.load_villages`).

    Returns
    -------
    tuple
        ``(Geography, quality)``; ``quality`` has one row per layer and rule: ``layer``,
        ``rule``, ``rows`` (features affected), ``action``, ``detail`` (row labels).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> v = gpd.GeoDataFrame({"code": ["430527203203", "430527203208"],
    ...                       "name": ["李家 村", "竹桥村"]},
    ...                      geometry=[Point(110.0, 26.5), Point(26.5, 110.0)], crs=4326)
    >>> clean, quality = clean_geography(Geography(villages=v))
    >>> clean.villages["name"].tolist(), clean.villages.geometry.x.round(1).tolist()
    (['李家村', '竹桥村'], [110.0, 110.0])
    >>> quality.set_index("rule").loc[["swapped_lonlat", "name_normalised"], "rows"].tolist()
    [1, 1]
    """
    codes = set((load_villages() if registry is None else registry)["code"].astype(str))
    rows: list[tuple] = []

    def add(layer: str, rule: str, mask: pd.Series, action: str) -> None:
        hit = mask[mask.to_numpy(dtype=bool)].index
        rows.append((layer, rule, len(hit), action, _labels(hit)))

    cleaned = {role: _clean_layer(role, gdf, bbox, codes, add) for role, gdf in geo.layers.items()}
    if cleaned["villages"].empty:
        raise GeographyError(
            f"{geo.source or 'geography'}: no village features left after cleaning"
        )
    quality = pd.DataFrame(rows, columns=_QUALITY_COLUMNS)
    quality["rows"] = quality["rows"].astype("int64")
    return replace(geo, **cleaned), quality


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    col = next((c for c in names if c in frame.columns), None)
    if col is None:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[col].astype("string").map(normalize_text, na_action="ignore").astype("string")


def _keys(frame: pd.DataFrame, code_cols, name_cols, codes: set[str], old: dict) -> pd.DataFrame:
    """Resolve rows to registry codes: code, else pre-2016 code, else crosswalked name."""
    code, name = _column(frame, code_cols), _column(frame, name_cols)
    by_code = code.where(code.isin(codes))
    by_old = code.map(old).astype("string")
    by_name = resolve_village_names(name)["code"]
    how = np.select(
        [by_code.notna(), by_old.notna(), by_name.notna()], ["code", "old_code", "name"], ""
    )
    return pd.DataFrame(
        {"key": by_code.fillna(by_old).fillna(by_name), "how": how, "code": code, "name": name},
        index=frame.index,
    )


def join_villages(
    members_or_households: pd.DataFrame,
    villages: gpd.GeoDataFrame | Geography,
    *,
    registry: pd.DataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Attach village geometry to roster rows: by 12-digit code first, then by crosswalked name.

    Both sides are resolved to a registry code: a known 12-digit code as it is, otherwise
    the name through the crosswalk (old names, variant spellings, assumed links; see
    :func:`fupin_analysis.reference.resolve_village_names`). Nothing is dropped: every
    roster row is in ``joined`` (empty geometry when unmatched) and every mismatch is in
    the report.

    Parameters
    ----------
    members_or_households : pandas.DataFrame
        Roster rows with ``village_code`` and/or ``village_name``/``village``.
    villages : geopandas.GeoDataFrame or Geography
        Village features with ``code`` and/or ``name``.
    registry : pandas.DataFrame, optional
        Village registry (default :func:`fupin_analysis.reference.load_villages`).

    Returns
    -------
    joined : geopandas.GeoDataFrame
        The roster rows (same index and order) plus ``village_code`` (resolved; NA when
        unresolved), ``join_by`` (``code`` when both sides matched by a current code,
        ``old_code`` when a pre-2016 code was needed, ``name`` when a crosswalked name
        was needed, NA when unmatched) and the village geometry (CRS of
        ``villages``).
    report : pandas.DataFrame
        One row per unmatched village: ``side`` (``roster``: roster rows whose village
        has no geometry; ``geography``: features with no roster rows or not usable),
        ``code``, ``name``, ``rows`` (roster rows or features), ``reason``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> v = gpd.GeoDataFrame({"code": ["430527203203", None], "name": ["李家村", "竹桥"]},
    ...                      geometry=[Point(110.0, 26.5), Point(109.96, 26.53)], crs=4326)
    >>> hh = pd.DataFrame({"village_name": ["李家", "朝仪乡表田村", "在市乡竹桥村"]})
    >>> joined, report = join_villages(hh, v)
    >>> joined["join_by"].tolist()
    ['name', <NA>, 'name']
    >>> report[["side", "name", "rows", "reason"]].to_dict("records")
    [{'side': 'roster', 'name': '表田村', 'rows': 1, 'reason': 'no geometry'}]
    """
    gdf = villages.villages if isinstance(villages, Geography) else villages
    reg = load_villages() if registry is None else registry
    codes = set(reg["code"].astype(str))
    official = dict(zip(reg["code"].astype(str), reg["name"], strict=True))

    old = (
        load_crosswalk()
        .query("old_code != ''")
        .drop_duplicates("old_code")
        .set_index("old_code")["code"]
        .to_dict()
    )
    geo_keys = _keys(gdf, ("code",), ("name",), codes, old)
    order = np.argsort(geo_keys["how"].map(_HOW_RANK).to_numpy(), kind="stable")
    ranked = geo_keys.iloc[order]
    dup = ranked["key"].notna() & ranked["key"].duplicated(keep="first")
    usable = ranked.loc[ranked["key"].notna() & ~dup]
    geometry_of = pd.Series(gdf.geometry.loc[usable.index].to_numpy(), index=usable["key"])
    geo_how = pd.Series(usable["how"].to_numpy(), index=usable["key"])

    if not {"village_code", "village_name", "village"} & set(members_or_households.columns):
        raise GeographyError(
            "join_villages: the roster frame has neither village_code nor village_name/village; "
            "pass the clean roster's members or households"
        )
    keys = _keys(members_or_households, ("village_code",), ("village_name", "village"), codes, old)
    matched = keys["key"].isin(geometry_of.index)
    joined = members_or_households.copy()
    joined["village_code"] = keys["key"]
    # a join is as strong as the weaker side's resolution
    rank = np.maximum(
        keys["how"].map(_HOW_RANK).to_numpy(), keys["key"].map(geo_how).map(_HOW_RANK).fillna(3)
    )
    joined["join_by"] = pd.Series(
        np.array(list(_HOW_RANK) + [""])[rank.astype(int)], index=joined.index, dtype="string"
    ).where(matched)
    geoms = keys["key"].map(geometry_of).where(matched, None)
    joined = gpd.GeoDataFrame(joined, geometry=gpd.GeoSeries(geoms, crs=gdf.crs))

    report = []
    miss = keys.loc[~matched]
    for (key, code, name), group in miss.groupby(["key", "code", "name"], dropna=False, sort=True):
        resolved = not pd.isna(key)
        report.append(
            (
                "roster",
                key if resolved else code,
                official.get(key, name) if resolved else name,
                len(group),
                "no geometry" if resolved else "unknown village",
            )
        )
    roster_keys = set(keys["key"].dropna())
    for idx, row in ranked.iterrows():
        if pd.isna(row["key"]):
            reason = "unknown code and name"
        elif dup.loc[idx]:
            reason = "duplicate of another feature"
        elif row["key"] not in roster_keys:
            reason = "no roster rows"
        else:
            continue
        key = row["key"] if not pd.isna(row["key"]) else row["code"]
        name = official.get(row["key"], row["name"]) if not pd.isna(row["key"]) else row["name"]
        report.append(("geography", key, name, 1, reason))
    report = pd.DataFrame(report, columns=["side", "code", "name", "rows", "reason"])
    report = report.astype({"code": "string", "name": "string", "rows": "int64"})
    return joined, report


def _road_graph(roads: gpd.GeoSeries) -> nx.Graph:
    graph = nx.Graph()
    lines = shapely.segmentize(roads.explode(index_parts=False).to_numpy(), _SEGMENT_M)
    for line in lines:
        if line is None or line.is_empty or line.geom_type != "LineString":
            continue
        xy = np.round(shapely.get_coordinates(line), _SNAP_DECIMALS)
        nodes = [tuple(p) for p in xy]
        lengths = np.hypot(*np.diff(xy, axis=0).T)
        for a, b, w in zip(nodes[:-1], nodes[1:], lengths, strict=True):
            if a != b and (not graph.has_edge(a, b) or graph[a][b]["weight"] > w):
                graph.add_edge(a, b, weight=float(w))
    return graph


def _snap(graph: nx.Graph, geoms: np.ndarray) -> tuple[list, np.ndarray]:
    nodes = list(graph.nodes)
    tree = shapely.STRtree(shapely.points(np.array(nodes)))
    (_, hit), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
    return [nodes[i] for i in hit], dist


def distance_to_nearest(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    targets: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    network: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> pd.DataFrame:
    """Distance in metres from each point to the nearest target, in :func:`metric_crs`.

    Without ``network`` the distance is the straight line to the nearest target
    feature (points, lines such as roads, or polygons; 0 inside a polygon). With a road
    ``network`` (LineStrings) it is the distance along the roads: the road lines are
    split into segments of at most 50 m whose vertices are graph nodes (roads connect
    where they share a vertex, to 0.1 m), each point and each target is snapped to its
    nearest node, and the snap distances are added to the shortest path. A point with
    no road path to any target falls back to the straight line; ``method`` says which.

    Parameters
    ----------
    points : GeoDataFrame or GeoSeries
        The origins (polygons use their representative point on a network), with a CRS.
    targets : GeoDataFrame or GeoSeries
        The features to reach, with a CRS; Points when ``network`` is given.
    network : GeoDataFrame or GeoSeries, optional
        Road lines, with a CRS.

    Returns
    -------
    pandas.DataFrame
        Index of ``points``; ``distance_m`` (float, NaN for an empty geometry),
        ``target_index`` (index label of the nearest target), ``method``
        (``network`` or ``straight_line``).

    Examples
    --------
    >>> from shapely.geometry import LineString, Point
    >>> x0, y0 = 500_000, 2_930_000
    >>> road = gpd.GeoSeries([LineString([(x0, y0), (x0 + 1000, y0), (x0 + 1000, y0 + 1000)])],
    ...                      crs=4546)
    >>> pts = gpd.GeoSeries([Point(x0, y0 + 30)], crs=4546)
    >>> site = gpd.GeoSeries([Point(x0 + 1030, y0 + 1000)], index=["s1"], crs=4546)
    >>> distance_to_nearest(pts, road).round(1).to_dict("records")
    [{'distance_m': 30.0, 'target_index': 0, 'method': 'straight_line'}]
    >>> distance_to_nearest(pts, site, network=road).round(1).to_dict("records")
    [{'distance_m': 2060.0, 'target_index': 's1', 'method': 'network'}]
    """
    for what, frame in (("points", points), ("targets", targets), ("network", network)):
        if frame is not None and frame.crs is None:
            raise GeographyError(f"distance_to_nearest: {what} have no CRS; set it first")
    if targets.empty:
        raise GeographyError("distance_to_nearest: no targets")
    crs = metric_crs(points)
    origin = gpd.GeoSeries(points.geometry, crs=points.crs).to_crs(crs)
    goal = gpd.GeoSeries(targets.geometry, crs=targets.crs).to_crs(crs)
    out = pd.DataFrame(
        {
            "distance_m": np.nan,
            "target_index": pd.Series([None] * len(origin), dtype=object),
            "method": pd.Series(["straight_line"] * len(origin), dtype="string"),
        }
    )
    valid = ~(origin.isna() | origin.is_empty).to_numpy()
    (src, hit), dist = goal.sindex.nearest(origin[valid], return_distance=True, return_all=False)
    rows = np.flatnonzero(valid)[src]
    out.loc[rows, "distance_m"] = dist
    out.loc[rows, "target_index"] = goal.index.to_numpy()[hit]
    if network is not None:
        if not (goal.geom_type == "Point").all():
            raise GeographyError("distance_to_nearest: network distances need Point targets")
        graph = _road_graph(gpd.GeoSeries(network.geometry, crs=network.crs).to_crs(crs))
        if graph.number_of_nodes() == 0:
            raise GeographyError("distance_to_nearest: the network has no road lines")
        t_nodes, t_snap = _snap(graph, goal.to_numpy())
        source = object()
        entry: dict = {}
        for j, (node, d) in enumerate(zip(t_nodes, t_snap, strict=True)):
            if node not in entry or entry[node][0] > d:
                entry[node] = (d, j)
        graph.add_weighted_edges_from((source, node, d) for node, (d, _) in entry.items())
        reach, paths = nx.single_source_dijkstra(graph, source)
        starts = origin[valid].representative_point().to_numpy()
        p_nodes, p_snap = _snap(graph.subgraph(n for n in graph if n is not source), starts)
        for row, node, d in zip(np.flatnonzero(valid), p_nodes, p_snap, strict=True):
            if node in reach:
                out.loc[row, "distance_m"] = d + reach[node]
                out.loc[row, "target_index"] = goal.index[entry[paths[node][1]][1]]
                out.loc[row, "method"] = "network"
    out.index = origin.index
    return out


def village_points(villages: pd.DataFrame) -> gpd.GeoDataFrame:
    """WGS84 points of the units that have a published GCJ-02 point.

    Parameters
    ----------
    villages : pandas.DataFrame
        The village registry (:func:`fupin_analysis.reference.load_villages`), with
        ``lon_gcj02`` and ``lat_gcj02``.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows with a point (same columns), geometry in EPSG:4326 converted from
        GCJ-02 with :func:`fupin_analysis.geo.gcj02_to_wgs84`.

    Examples
    --------
    >>> from fupin_analysis.reference import load_villages
    >>> pts = village_points(load_villages())
    >>> len(pts), pts.crs.to_epsg()
    (24, 4326)
    """
    has = villages["lon_gcj02"].notna() & villages["lat_gcj02"].notna()
    rows = villages[has]
    lon, lat = gcj02_to_wgs84(
        rows["lon_gcj02"].to_numpy(dtype=float), rows["lat_gcj02"].to_numpy(dtype=float)
    )
    return gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def units_overview(villages: pd.DataFrame, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table of the village-level units for the overview report.

    Parameters
    ----------
    villages : pandas.DataFrame
        The village registry of the reference tables
        (:func:`fupin_analysis.reference.load_villages`).
    registry : pandas.DataFrame, optional
        A population registry with ``code``, ``population``, ``households``
        (e.g. :func:`fupin_analysis.indicators.read_village_registry`).

    Returns
    -------
    pandas.DataFrame
        One row per unit in code order: ``code``, ``name``, ``urban_rural``,
        ``designated``, ``designated_name`` (the work summary's name, NA when not
        designated), ``designation_link`` (``same_name`` or ``assumed``), ``lon_wgs84``
        and ``lat_wgs84`` (the published GCJ-02 point converted; NA when none), and with
        a registry ``population`` and ``households`` (Int64).

    Examples
    --------
    >>> from fupin_analysis.reference import load_villages
    >>> t = units_overview(load_villages())
    >>> len(t), int(t["designated"].sum()), int(t["lon_wgs84"].notna().sum())
    (30, 11, 24)
    """
    points = village_points(villages)
    out = villages[
        ["code", "name", "urban_rural", "designated", "designated_name", "designation_link"]
    ].copy()
    for col in ("designated_name", "designation_link"):
        out[col] = out[col].astype("str").replace("", pd.NA)
    coords = pd.DataFrame(
        {"code": points["code"], "lon_wgs84": points.geometry.x, "lat_wgs84": points.geometry.y}
    )
    out = out.merge(coords.round(6), on="code", how="left")
    if registry is not None:
        counts = registry[["code", "population", "households"]].astype(
            {"code": "str", "population": "Int64", "households": "Int64"}
        )
        out = out.merge(counts, on="code", how="left")
    return out.sort_values("code").reset_index(drop=True)
