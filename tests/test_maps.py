"""Tests of fupin_analysis.maps: what each map draws (panels, labels, legends, finishing)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from fupin_analysis import maps, plots
from fupin_analysis import relocation as rl

CRS = "EPSG:4546"
X0, Y0 = 500_000, 2_930_000


@pytest.fixture(autouse=True)
def _style():
    plots.use_style()


@pytest.fixture
def rates() -> gpd.GeoDataFrame:
    """Four villages: three of 4 km² in a row, one small (1 km²) urban unit."""
    return gpd.GeoDataFrame(
        {
            "name": ["表田村", "李家村", "铁坡村", "城内社区"],
            "designated": [True, True, False, False],
            "incidence": [0.30, 0.20, 0.05, 0.02],
            "eb": [0.28, 0.19, 0.06, 0.03],
            "seb": [0.26, 0.20, 0.08, 0.04],
        },
        geometry=[
            box(X0, Y0, X0 + 2000, Y0 + 2000),
            box(X0 + 2000, Y0, X0 + 4000, Y0 + 2000),
            box(X0 + 4000, Y0, X0 + 6000, Y0 + 2000),
            box(X0 + 6000, Y0, X0 + 7000, Y0 + 1000),
        ],
        crs=CRS,
        index=pd.Index(["a", "b", "c", "d"], name="code"),
    )


def _finished(ax) -> bool:
    """A map axis is finished: no axes, a north arrow and a scale bar."""
    return (
        not ax.axison
        and "N" in [t.get_text() for t in ax.texts]
        and any(hasattr(a, "txt_label") for a in ax.artists)
    )


def _title(ax) -> str:
    """The axis title where the house style puts it."""
    return ax.get_title(loc=mpl.rcParams["axes.titlelocation"])


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _outside(ax) -> bool:
    """The axis legend lies wholly outside the map's axes (under it)."""
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    return legend.y1 <= ax.get_window_extent().y0 + 1


def _names(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_text() not in {"N", ""}]


def test_incidence_maps_panels_labels_and_legend(rates):
    fig = maps.incidence_maps(rates, title="Incidence 2016", lang="en")
    panels = fig.axes
    assert [_title(ax) for ax in panels] == [
        "Incidence (raw)", "Empirical Bayes", "Spatial empirical Bayes",
    ]  # fmt: skip
    assert all(_finished(ax) for ax in panels)
    # villages over 2 km² are named (romanised in English), the small urban unit is not
    for ax in panels:
        assert sorted(_names(ax)) == ["Biao Tian", "Li Jia", "Tie Po"]
    # the incidence classes of every notebook, each with its count in this panel
    assert _legend(panels[0]) == [
        "≤ 2% (1)", "2%–5% (1)", "5%–10% (0)", "10%–15% (0)", "15%–20% (1)", "20%–30% (1)",
        "> 30% (0)", "designated village",
    ]  # fmt: skip
    assert _legend(panels[2])[:3] == ["≤ 2% (0)", "2%–5% (1)", "5%–10% (1)"]
    assert all(_outside(ax) for ax in panels)
    assert fig.get_suptitle() == "Incidence 2016"
    plt.close(fig)


def test_incidence_maps_colour_by_the_shared_classes_not_the_largest_value(rates):
    """One extreme village does not set the scale: 30 % and 90 % share the top colours."""
    fig_a = maps.incidence_maps(rates, title="t", lang="en", columns=("incidence",))
    extreme = rates.assign(incidence=[0.90, 0.20, 0.05, 0.02])
    fig_b = maps.incidence_maps(extreme, title="t", lang="en", columns=("incidence",))
    colours_a = fig_a.axes[0].collections[0].get_facecolor()
    colours_b = fig_b.axes[0].collections[0].get_facecolor()
    assert (colours_a[1:] == colours_b[1:]).all()  # the other villages keep their colour
    plt.close(fig_a)
    plt.close(fig_b)


def test_map_labels_have_a_halo(rates):
    fig = maps.incidence_maps(rates, title="t", lang="en")
    labels = [t for t in fig.axes[0].texts if t.get_text() in {"Biao Tian", "Li Jia"}]
    assert len(labels) == 2
    assert all(t.get_path_effects() == plots.HALO for t in labels)
    plt.close(fig)


def test_incidence_maps_in_chinese_label_with_the_cjk_font_or_pinyin(rates):
    fig = maps.incidence_maps(rates, title="t", lang="zh")
    assert _title(fig.axes[0]) == plots.tr("贫困发生率（原始）")
    assert _legend(fig.axes[0])[-1] == plots.tr("省定贫困村")
    plt.close(fig)


@pytest.fixture
def local(rates) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster": ["High-High", "High-High", "not significant", "island"],
            "p_sim": [0.0005, 0.02, 0.4, float("nan")],
            "can_reach_alpha": [True, True, False, False],
            "island": [False, False, False, True],
            "spot": ["hot spot", "not significant", "not significant", "island"],
        },
        index=rates.index,
    )


def test_cluster_maps_legends_list_what_is_drawn(rates, local):
    fig = maps.cluster_maps(rates, local, alpha=0.05, title="Clusters", lang="en")
    lisa, significance, gi = fig.axes
    assert all(_finished(ax) for ax in fig.axes)
    assert _title(lisa) == "LISA clusters (p < 0.05)"
    assert _legend(lisa) == ["High-High", "not significant", "island", "designated village"]
    assert _legend(significance) == [
        "p<0.001", "p<0.01", "p<0.05", "n.s.", "cannot reach p<0.05", "designated village",
    ]  # fmt: skip
    assert _legend(gi) == ["hot spot", "not significant", "island", "designated village"]
    assert _title(gi) == "Getis-Ord Gi* hot spots (p < 0.05)"
    assert fig.get_suptitle() == "Clusters"
    plt.close(fig)


def test_cluster_maps_name_the_villages_and_keep_legends_off_the_map(rates, local):
    fig = maps.cluster_maps(rates, local, alpha=0.05, title="Clusters", lang="en")
    assert sorted(_names(fig.axes[0])) == ["Biao Tian", "Li Jia", "Tie Po"]
    assert all(_outside(ax) for ax in fig.axes)
    assert all(_legend(ax)[-1] == "designated village" for ax in fig.axes)
    plt.close(fig)


def test_exact_cluster_maps_legend_off_the_map(rates, local):
    lisa = local.assign(significant_fdr=[True, False, False, False])
    fig = maps.exact_cluster_maps(rates, {"incidence": lisa}, alpha=0.05, title="t", lang="en")
    assert _outside(fig.axes[0])
    assert sorted(_names(fig.axes[0])) == ["Biao Tian", "Li Jia", "Tie Po"]
    plt.close(fig)


def test_cluster_maps_hatch_only_villages_that_cannot_reach_alpha(rates, local):
    fig = maps.cluster_maps(rates, local, alpha=0.05, title="Clusters", lang="en")
    hatched = [c for c in fig.axes[1].collections if c.get_hatch() == "///"]
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == 1  # village c, not the island
    plt.close(fig)
    reachable = local.assign(can_reach_alpha=True)
    fig = maps.cluster_maps(rates, reachable, alpha=0.05, title="Clusters", lang="en")
    assert not [c for c in fig.axes[1].collections if c.get_hatch() == "///"]
    plt.close(fig)


@pytest.fixture
def geography() -> SimpleNamespace:
    """Two villages, a road, a hazard, a chosen and a candidate site, one scattered move."""
    return SimpleNamespace(
        villages=gpd.GeoDataFrame(
            {"code": ["v1", "v2"], "name": ["甲村", "乙村"], "elevation_m": [900.0, 700.0]},
            geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000), box(X0 + 2000, Y0, X0 + 4000, Y0 + 2000)],
            crs=CRS,
        ),
        sites=gpd.GeoDataFrame(
            {"site_id": ["S0", "S1"], "status": ["chosen", "candidate"]},
            geometry=[Point(X0 + 3500, Y0 - 500), Point(X0 + 500, Y0 + 500)],
            crs=CRS,
        ),
        roads=gpd.GeoDataFrame(
            {"name": ["S221"]}, geometry=[LineString([(X0, Y0 - 600), (X0 + 4000, Y0 - 600)])],
            crs=CRS,
        ),
        hazards=gpd.GeoDataFrame(
            {"hazard_id": ["H1"]}, geometry=[box(X0 + 100, Y0 + 1500, X0 + 600, Y0 + 1900)],
            crs=CRS,
        ),
        seat=gpd.GeoDataFrame({"name": ["乡政府"]}, geometry=[Point(X0 + 3600, Y0 - 700)], crs=CRS),
        scattered=gpd.GeoDataFrame(
            {"code": ["v2"], "households": [1], "people": [3]},
            geometry=[Point(X0 + 3000, Y0 + 200)],
            crs=CRS,
        ),
    )


def test_relocation_map_draws_flows_moves_sites_and_legend(geography):
    households = pd.DataFrame(
        {
            "household_key": ["h1", "h2", "h3"],
            "village_code": ["v1", "v2", "v2"],
            "members": [4, 2, 3],
            "relocation_mode": ["集中安置", "集中安置", "分散安置"],
        }
    )
    orig = rl.origins(households, geography)
    optimum = rl.optimal_sites(orig, geography.sites)
    fig = maps.relocation_map(
        geography, orig, optimum, title="Relocation", lang="en", min_count=1
    )
    ax = fig.axes[0]
    assert _finished(ax) and _title(ax) == "Relocation"
    texts = [t.get_text() for t in ax.texts]
    assert "S0" in texts and "S1" in texts
    arrows = [t for t in ax.texts if t.get_text() == "" and t.arrow_patch is not None]
    assert len(arrows) == 1  # the one scattered move, from 乙村's point to its new place
    assert arrows[0].xy == (X0 + 3000, Y0 + 200)
    assert _legend(ax) == [
        "hazard zone",
        "road (schematic)",
        "concentrated: origin → chosen site (width, size ∝ people)",
        "scattered: village → new place",
        "chosen site",
        "candidate site",
        "p-median optimum (p = 1)",
        "township seat",
    ]
    # the two concentrated villages' flow origins, dot size 4 × people
    flows = next(c for c in ax.collections if c.get_offsets().shape[0] == 2)
    assert sorted(flows.get_sizes().tolist()) == [8.0, 16.0]
    plt.close(fig)

    # issue 15: one household of four people is not drawn four people wide
    fig = maps.relocation_map(geography, orig, optimum, title="Relocation", lang="en")
    ax = fig.axes[0]
    assert "concentrated, fewer than 3 households: not to scale" in _legend(ax)
    flows = next(c for c in ax.collections if c.get_offsets().shape[0] == 2)
    assert flows.get_sizes().tolist() == [12.0, 12.0]  # one size, whatever the people
    lines = [c for c in ax.collections if c.get_linestyle()[0][1] is not None]
    assert len(lines) == 1 and set(lines[0].get_linewidths()) == {0.8}  # dashed, one width
    plt.close(fig)


def test_the_same_map_twice_gives_identical_bytes(rates, local, tmp_path):
    first = plots.save_figure(
        maps.cluster_maps(rates, local, alpha=0.05, title="t", lang="zh"),
        "clusters", output_dir=tmp_path / "a", prefix="03",
    )  # fmt: skip
    second = plots.save_figure(
        maps.cluster_maps(rates, local, alpha=0.05, title="t", lang="zh"),
        "clusters", output_dir=tmp_path / "b", prefix="03",
    )  # fmt: skip
    assert first[0].read_bytes() == second[0].read_bytes()
