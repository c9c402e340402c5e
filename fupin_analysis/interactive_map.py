"""An interactive village map for analysts who explore: pan, zoom, hover for a village's figures.

:func:`village_map` makes a Leaflet map (folium) with the villages embedded in the page as
GeoJSON, coloured by incidence in the classes and palette of the static maps
(:data:`fupin_analysis.plots.INCIDENCE_BREAKS`; grey where the rate is suppressed),
designated villages outlined. It needs no
tile server: ``tiles=None`` (the default) draws the villages on a blank background, so
the map works on an office network without internet access; pass ``tiles="OpenStreetMap"``
for a base map. The Leaflet script and style sheet (1.9.3, BSD-2-Clause, kept in
``fupin_analysis/data/leaflet/``) are embedded in the page instead of loaded from a CDN,
so the page is self-contained.

Tooltips follow the disclosure rule of the published tables
(:func:`fupin_analysis.disclosure.protect`): a count of fewer than ``min_count`` people
or households, and the rates computed from it, read ``<3``. Names, ID numbers and phone
numbers are never in the input frames.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> villages = gpd.GeoDataFrame(
...     {"code": ["1", "2"], "name": ["甲村", "乙村"], "designated": [True, False],
...      "population": [400, 300], "poor": [40, 2], "incidence": [0.1, 2 / 300]},
...     geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000)], crs="EPSG:4546")
>>> m = village_map(villages, lang="en")
>>> [f["properties"]["incidence"] for f in embedded(m)["features"]]  # 2 poor: <3
['10.0%', '<3']
>>> "tile.openstreetmap.org" in m.get_root().render()  # no tile server
False
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import colors

from . import plots
from .disclosure import DEFAULT_THRESHOLD, protect
from .outputs import output_stem

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

__all__ = ["TOOLTIP_FIELDS", "village_layer", "village_map", "embedded", "save_map", "as_html"]

#: Column → (Chinese, English) tooltip label, in the order shown; absent columns are skipped.
TOOLTIP_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("村级单位", "unit"),
    "code": ("统计用区划代码", "division code"),
    "designated": ("省定贫困村", "designated poor village"),
    "population": ("户籍人口", "registered population"),
    "households": ("户数", "households"),
    "poor": ("贫困人口", "poor people"),
    "incidence": ("贫困发生率", "incidence"),
}
_NO_DATA = "#eeeeee"
#: Leaflet 1.9.3 (BSD-2-Clause, LICENSE beside it), embedded in every map page.
_LEAFLET = Path(__file__).with_name("data") / "leaflet"


def village_layer(
    polygons: gpd.GeoDataFrame,
    units: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The village polygons with the figures a tooltip shows, joined by ``code``.

    Parameters
    ----------
    polygons : geopandas.GeoDataFrame
        ``code``, ``name``, ``designated`` and the geometry (any CRS).
    units : pandas.DataFrame, optional
        :func:`fupin_analysis.geo.units_overview` (``population``, ``households``).
    rates : pandas.DataFrame, optional
        :func:`fupin_analysis.spatial.incidence` (``poor``, ``incidence``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per polygon, in their order.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> polygons = gpd.GeoDataFrame({"code": ["1"], "name": ["甲村"], "designated": [True]},
    ...                             geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    >>> rates = pd.DataFrame({"code": ["1"], "population": [400], "poor": [40],
    ...                       "incidence": [0.1]})
    >>> village_layer(polygons, rates=rates).columns.tolist()
    ['code', 'name', 'designated', 'geometry', 'population', 'poor', 'incidence']
    """
    layer = polygons[["code", "name", "designated", "geometry"]].copy()
    for extra, columns in ((units, ["population", "households"]), (rates, ["population",
                           "poor", "incidence"])):  # fmt: skip
        if extra is None:
            continue
        wanted = [c for c in columns if c in extra and c not in layer]
        layer = layer.merge(extra[["code", *wanted]], on="code", how="left")
    return layer


def _tooltip_text(layer: pd.DataFrame, lang: str, min_count: int) -> pd.DataFrame:
    """The tooltip columns as text: small counts and their rates ``<3``, shares in %."""
    t = plots.translator(lang)
    shown = [c for c in TOOLTIP_FIELDS if c in layer]
    table = protect(layer[shown].reset_index(drop=True), min_count)
    out = pd.DataFrame(index=table.index)
    for column in shown:
        values = table[column]
        if column == "designated":
            text = values.map({True: t("是", "yes"), False: t("否", "no")})
        elif column == "incidence":
            text = values.map(lambda v: v if isinstance(v, str) else f"{v:.1%}")
        elif column in {"population", "households", "poor"}:
            text = values.map(lambda v: v if isinstance(v, str) else f"{v:,.0f}")
        else:
            text = values.astype("string")
        out[column] = text.astype(object).where(values.notna(), "—")
    return out


def _fill(layer: pd.DataFrame, shown: pd.DataFrame) -> list[str]:
    """Each village's fill: its incidence class in the static maps' palette, grey where the
    tooltip reads ``<3`` (the colour would tell the rate the tooltip hides)."""
    if "incidence" not in layer:
        return [_NO_DATA] * len(layer)
    hidden = shown["incidence"].astype(str).str.startswith("<").to_numpy()
    bounds = np.asarray(plots.INCIDENCE_BREAKS)
    palette = plots.plt.get_cmap(plots.QUANTITY_CMAPS["incidence"])(
        np.linspace(0.12, 1.0, len(bounds))
    )
    values = layer["incidence"].astype(float).to_numpy()
    classes = np.minimum(np.searchsorted(bounds, values, side="left"), len(bounds) - 1)
    return [
        _NO_DATA if np.isnan(v) or gone else colors.to_hex(palette[c])
        for v, c, gone in zip(values, classes, hidden, strict=True)
    ]


def village_map(
    layer: gpd.GeoDataFrame,
    *,
    lang: str = "zh",
    tiles: str | None = None,
    min_count: int = DEFAULT_THRESHOLD,
) -> folium.Map:
    """A Leaflet map of the villages, incidence classes as fills, figures in tooltips.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        :func:`village_layer` (any CRS; drawn in WGS84).
    lang : {"zh", "en"}
        Language of the tooltip labels (village names stay in Chinese).
    tiles : str, optional
        A folium tile name (``"OpenStreetMap"``); ``None`` for no base map (offline).
    min_count : int
        Disclosure threshold of the tooltips.

    Returns
    -------
    folium.Map
        Display it in a notebook, or write it with :func:`save_map`.
    """
    import folium

    t = plots.translator(lang)
    shown = _tooltip_text(layer, lang, min_count)
    data = layer[["geometry"]].to_crs("EPSG:4326").reset_index(drop=True)
    data = data.assign(
        **{c: shown[c] for c in shown}, fill=_fill(layer.reset_index(drop=True), shown),
        outline=np.where(layer["designated"].fillna(False).astype(bool), "#000000", "#888888"),
        weight=np.where(layer["designated"].fillna(False).astype(bool), 2.5, 0.8),
    )  # fmt: skip
    west, south, east, north = data.total_bounds
    m = folium.Map(tiles=tiles, control_scale=True, prefer_canvas=False)
    m.default_js, m.default_css = [], []  # Leaflet is embedded below, not fetched from a CDN
    for tag, name in (("style", "leaflet.css"), ("script", "leaflet.js")):
        code = (_LEAFLET / name).read_text(encoding="utf-8")
        m.get_root().header.add_child(folium.Element(f"<{tag}>{code}</{tag}>"), name=name)
    m.fit_bounds([[south, west], [north, east]])
    labels = [t(*TOOLTIP_FIELDS[c]) for c in shown]
    folium.GeoJson(
        data.to_json(),
        name=t("村级单位", "villages"),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"], "color": f["properties"]["outline"],
            "weight": f["properties"]["weight"], "fillOpacity": 0.8,
        },  # fmt: skip
        tooltip=folium.GeoJsonTooltip(fields=list(shown), aliases=labels, sticky=True),
    ).add_to(m)
    _number_elements(m.get_root())
    return m


def _number_elements(root, start: int = 0) -> int:
    """Give every element a counted id: folium's random ids would change the page's bytes."""
    root._id = f"{start:032x}"
    count = start + 1
    for child in root._children.values():
        count = _number_elements(child, count)
    return count


def embedded(m: folium.Map) -> dict:
    """The GeoJSON of the village layer embedded in ``m`` (what its tooltips show)."""
    import folium

    return next(c.data for c in m._children.values() if isinstance(c, folium.GeoJson))


def as_html(m: folium.Map):
    """The map as a notebook displays it: its HTML only (a folium map's plain-text form
    names a memory address, which would change the executed notebook's bytes every run).

    Examples
    --------
    >>> import folium
    >>> repr(as_html(folium.Map(tiles=None)))
    '<IPython.core.display.HTML object>'
    """
    from IPython.display import HTML

    return HTML(m._repr_html_())


def save_map(m: folium.Map, name: str, *, output_dir: str | Path | None, prefix: str) -> list[Path]:
    """Write the map as one HTML file beside the figures (nothing when ``output_dir`` is empty).

    Examples
    --------
    >>> import folium
    >>> save_map(folium.Map(tiles=None), "villages", output_dir="", prefix="00_overview")
    []
    """
    if not output_dir:
        return []
    stem = output_stem(output_dir, "figures", prefix, name)
    path = stem.with_name(f"{stem.name}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    m.save(str(path))
    return [path]
