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
# # 寨市乡概况：30 个村级单位与 11 个省定贫困村（2016 年区划）
# Overview of 寨市乡 (Suining County, Hunan): the 30 village-level units of the 2016
# division codes and the 11 provincial-designated poor villages of the 2016 work summary.

# %% tags=["parameters"]
geography: str = "../data/raw/zhaishi_geography.gpkg"  # village polygons; "" for points only
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # population; "" to leave out
output_dir: str = ""  # report run folder; "" writes nothing
figure_prefix: str = "00_overview"  # prefix of saved figures and tables
lang: str = "zh"  # label language: zh or en

# %%
from pathlib import Path

from fupin_analysis import geo, outputs, plots, reference
from fupin_analysis.provenance import is_synthetic

plots.use_style()
outputs.show_banner(geography, registry)

# %% [markdown]
# ## The units and their published points
#
# The reference tables hold the 30 units of the NBS division codes (430527203xxx) and their
# points where name geocoding published one (GCJ-02, the datum of Chinese web maps,
# converted here to WGS84). Six units have no published point.

# %%
ref = reference.load_reference()
points = geo.village_points(ref.villages)
has_registry = bool(registry) and Path(registry).exists()
units = geo.units_overview(
    ref.villages, reference.read_village_registry(registry) if has_registry else None
)
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
    units, "units", output_dir=output_dir, prefix=figure_prefix, headers_zh=headers_zh
)
outputs.localise(units, lang, headers_zh)

# %% [markdown]
# ## Map

# %%
has_polygons = bool(geography) and Path(geography).exists()
polygons = geo.read_geography(geography).villages if has_polygons else None
zh = lang != "en"
title = (
    "寨市乡村级单位与省定贫困村（2016年）" if zh
    else "Zhaishi township: village-level units and designated poor villages, 2016"
)
note = (
    "点位：统计用区划名称地理编码（GCJ-02 转 WGS84）" if zh
    else "Points: NBS unit names geocoded (GCJ-02 converted to WGS84)"
)
if polygons is not None:
    note += "；村界为近似范围" if zh else "; boundaries approximate"
if polygons is not None and is_synthetic(geography):
    note += "（合成数据）" if zh else " (synthetic dataset)"
fig = plots.unit_map(points, polygons, title=title, lang=lang, note=note)
_ = plots.save_figure(fig, "units_map", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## Reading it
#
# * The 30 units span the three pre-2016 townships merged into 寨市苗族侗族乡: the former
#   朝仪乡 in the north-west (朝仪, 表田, 上翁, 翁培, 铁坡 …), the old 寨市 core along S221 in
#   the middle, and the former 黄桑坪乡 in the south (黄桑, 上堡, 老团, 地林, 坪溪).
# * Of the 11 designated poor villages, seven match today's units by name. 下铁坡, 大湾,
#   利试 and 潭泥 are pre-merger names; the reference crosswalk links each to an
#   **assumed** successor (`designation_link = assumed` in the table), which is a
#   working hypothesis, not a fact: their positions on the map inherit that assumption.
# * Points come from name geocoding of uneven quality; six units have none: they are not
#   drawn as points, and where the geography has a polygon for them (placed by the
#   synthetic dataset) their name is written in grey italics. Village boundaries are
#   **not published** anywhere: the polygons are Voronoi cells of the points clipped to
#   an area of about 420 km² (the township's published area), drawn only to show
#   neighbourhood, never a surveyed boundary.
