"""The interactive village map of 00_overview: embedded layer, no tiles, no small counts."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from fupin_analysis import interactive_map as im
from fupin_analysis import plots


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    polygons = gpd.GeoDataFrame(
        {"code": ["1", "2", "3"], "name": ["甲村", "乙村", "丙村"],
         "designated": [True, False, False]},
        geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000), box(6000, 0, 9000, 3000)],
        crs="EPSG:4546",
    )  # fmt: skip
    units = pd.DataFrame({"code": ["1", "2", "3"], "population": [400, 300, 1200],
                          "households": [100, 2, 300]})  # fmt: skip
    rates = pd.DataFrame({"code": ["1", "2", "3"], "population": [400, 300, 1200],
                          "poor": [40, 2, 0], "incidence": [0.1, 2 / 300, 0.0]})  # fmt: skip
    return im.village_layer(polygons, units, rates)


def _properties(m) -> list[dict]:
    return [f["properties"] for f in im.embedded(m)["features"]]


def test_tooltips_show_no_small_count_nor_the_rate_made_from_it(layer):
    props = _properties(im.village_map(layer, lang="en"))
    assert [p["poor"] for p in props] == ["40", "<3", "0"]
    assert [p["incidence"] for p in props] == ["10.0%", "<3", "0.0%"]
    assert [p["households"] for p in props] == ["100", "<3", "300"]
    assert [p["designated"] for p in props] == ["yes", "no", "no"]
    assert not any("2" == p["poor"] or "0.7%" == p["incidence"] for p in props)


def test_tooltip_labels_follow_lang(layer):
    html = im.village_map(layer, lang="en").get_root().render()
    assert '"poor people"' in html and '"incidence"' in html


def test_fills_are_the_incidence_classes_of_the_static_maps(layer):
    props = _properties(im.village_map(layer, lang="en"))
    import numpy as np
    from matplotlib import colors
    from matplotlib.pyplot import get_cmap

    bounds = plots.INCIDENCE_BREAKS
    palette = get_cmap(plots.QUANTITY_CMAPS["incidence"])(np.linspace(0.12, 1.0, len(bounds)))
    assert props[0]["fill"] == colors.to_hex(palette[2])  # 10 %: the 5–10 % class
    assert props[2]["fill"] == colors.to_hex(palette[0])  # 0 %: ≤ 2 %
    assert props[1]["fill"] == "#eeeeee"  # 2 poor: the rate is hidden, so is its colour
    assert [p["outline"] for p in props] == ["#000000", "#888888", "#888888"]


def test_no_tile_server_unless_asked(layer):
    offline = im.village_map(layer).get_root().render()
    online = im.village_map(layer, tiles="OpenStreetMap").get_root().render()
    assert "tile.openstreetmap.org" not in offline
    assert "tile.openstreetmap.org" in online


def test_the_page_is_the_same_bytes_every_time(layer, tmp_path):
    first = im.save_map(im.village_map(layer), "villages_map", output_dir=tmp_path / "a",
                        prefix="00_overview")  # fmt: skip
    second = im.save_map(im.village_map(layer), "villages_map", output_dir=tmp_path / "b",
                         prefix="00_overview")  # fmt: skip
    assert [p.name for p in first] == ["00_overview__villages_map.html"]
    assert first[0].read_bytes() == second[0].read_bytes()
    assert str(tmp_path).encode() not in first[0].read_bytes()


def test_the_page_needs_no_network(layer):
    """Leaflet is embedded: no script or style sheet is fetched from elsewhere."""
    import re

    html = im.village_map(layer).get_root().render()
    assert not re.findall(r"<script[^>]+src=|<link[^>]+stylesheet", html)
    assert "L.map(" in html and "Leaflet" in html
