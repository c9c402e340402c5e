# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 概况：村级单位与省定贫困村
# *Overview: the village-level units of the NBS 2016 division codes and the
# provincial-designated poor villages (省定贫困村) of the township in the reference folder.*

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # roster for incidence; "" to leave out
geography: str = "../data/raw/zhaishi_geography.gpkg"  # village polygons; "" for points only
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # population; "" to leave out
reference: str = ""  # reference folder (fupin init); "" for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder; "" writes nothing
figure_prefix: str = "00_overview"  # prefix of saved figures and tables
lang: str = "zh"  # label language: zh or en
year: int = 2016  # incidence of the interactive map at the end of this year
tiles: str = ""  # base map of the interactive map, e.g. "OpenStreetMap"; "" for none (offline)

# %%
from IPython.display import Markdown, display

from fupin_analysis import (
    clean_roster,
    findings,
    geo,
    inputs,
    interactive_map,
    outputs,
    plots,
    spatial,
)
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster, geography=geography, registry=registry)
ref = load_reference(reference)
place = ref.place.short
display(Markdown(findings.place_heading(ref)))
outputs.show_rule(min_count, lang)

# %% [markdown]
# ## The units and their published points
#
# The reference tables hold the village-level units of the NBS division codes and their
# points where name geocoding published one (GCJ-02, the datum of Chinese web maps,
# converted here to WGS84).

# %%
points = geo.village_points(ref.villages)
population, no_registry = inputs.registry(registry)
units = geo.units_overview(ref.villages, population)
headers_zh = {
    "code": "统计用区划代码",
    "name": "村级单位",
    "urban_rural": "城乡分类代码",
    "designated": "省定贫困村",
    "designated_name": "工作总结中的村名",
    "designation_link": "对应依据",
    "lon_wgs84": "经度(WGS84)",
    "lat_wgs84": "纬度(WGS84)",
    "population": "户籍人口",
    "households": "户数",
}
_ = outputs.save_table(
    units, "units", output_dir=output_dir, prefix=figure_prefix, headers_zh=headers_zh,
    min_count=min_count,
)  # fmt: skip
display(outputs.shown(units, lang, headers_zh, min_count))

# %%
if no_registry:
    outputs.not_available(
        "population of each unit", no_registry, output_dir=output_dir, prefix=figure_prefix
    )

# %% [markdown]
# ## Map

# %%
layers, no_geography = inputs.geography(geography, reference)
polygons = layers.villages if layers is not None else None
t = plots.translator(lang)
title = t(f"{place}村级单位与省定贫困村",
          f"{place}: village-level units and designated poor villages")  # fmt: skip
note = t(
    "点位：统计用区划名称地理编码（GCJ-02 转 WGS84），为近似位置",
    "Points: NBS unit names geocoded (GCJ-02 converted to WGS84), approximate",
)
if polygons is not None:
    note += t("；村界为近似范围", "; boundaries approximate")
if polygons is not None and is_synthetic(geography):
    note += t("（合成数据）", " (synthetic dataset)")
if polygons is None and points.empty:
    outputs.not_available(
        "map of the units", f"{no_geography}, and no unit has a published point",
        output_dir=output_dir, prefix=figure_prefix,
    )  # fmt: skip
else:
    fig = plots.unit_map(points, polygons, title=title, lang=lang, note=note)
    _ = plots.save_figure(fig, "units_map", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## What cleaning did to the geography
#
# The geography is cleaned where it is read (`docs/geography.md`): empty and duplicate
# features dropped, invalid ones made valid, longitude and latitude swapped back,
# features outside the county flagged, codes and names checked against the reference
# folder's units. `features` counts map features, not people; the page lists the rules
# that changed something, the table written lists every rule.

# %%
if layers is not None:
    geography_cleaning = layers.cleaning.rename(columns={"rows": "features"})
    _ = outputs.save_table(geography_cleaning, "geography_cleaning", output_dir=output_dir,
                           prefix=figure_prefix, min_count=min_count)  # fmt: skip
    display(Markdown(findings.geography_cleaning(layers.cleaning)))
    changed = geography_cleaning[geography_cleaning["features"] > 0]
    if len(changed):
        display(outputs.shown(changed, lang, min_count=min_count))

# %% [markdown]
# ## Interactive map
#
# For analysts who explore: pan, zoom and hover over a village for its population,
# poor people and incidence at the end of `year` (counts under `min_count`, and the rates
# computed from them, read <3). The villages are embedded in the page and there is no
# base map unless `tiles` names one, so it opens without a connection to a tile server;
# the same map is saved as `figures/00_overview__villages_map.html`.

# %%
rates = None
if roster and not no_registry and polygons is not None:
    clean = clean_roster(roster, reference=reference, columns=columns or None)
    rates = spatial.incidence(clean.households, population, year)
if polygons is None:
    outputs.not_available("interactive map", no_geography, output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip
else:
    layer = interactive_map.village_layer(polygons, units, rates)
    village_map = interactive_map.village_map(layer, lang=lang, tiles=tiles or None,
                                              min_count=min_count)  # fmt: skip
    _ = interactive_map.save_map(village_map, "villages_map", output_dir=output_dir,
                                 prefix=figure_prefix)  # fmt: skip
    display(interactive_map.as_html(village_map))

# %% [markdown]
# ## Reading it

# %%
display(Markdown(findings.units_reading(units, polygons=polygons is not None)))
