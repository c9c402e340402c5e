"""Tests of fupin_analysis.spatial: known answers (Columbus, Newcombe), islands, min_p,
seeds, multiple testing, incidence definitions, concentration measures."""

from __future__ import annotations

import math
from pathlib import Path

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from fupin_analysis import spatial
from fupin_analysis.errors import ConfigError, FupinError, GeographyError
from fupin_analysis.reference import data_dir, read_village_registry
from fupin_analysis.synth import PLANTED_HIGH_HIGH

# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def columbus() -> gpd.GeoDataFrame:
    return gpd.read_file(libpysal.examples.get_path("columbus.shp"))


def _grid(values, ncol: int, *, island: float | None = None) -> gpd.GeoDataFrame:
    """Unit squares in rows of ``ncol``; with ``island``, one more square far away."""
    geoms = [box(i % ncol, i // ncol, i % ncol + 1, i // ncol + 1) for i in range(len(values))]
    values = list(values)
    if island is not None:
        geoms.append(box(100, 100, 101, 101))
        values.append(island)
    return gpd.GeoDataFrame({"v": values}, geometry=geoms, crs="EPSG:4546")


@pytest.fixture(scope="module")
def clustered() -> gpd.GeoDataFrame:
    """A 6x6 grid, high values in the top-left 3x3 block, plus an island of high value."""
    rng = np.random.default_rng(5)
    values = [(10.0 if (i % 6 < 3 and i // 6 < 3) else 1.0) + rng.normal(0, 0.3) for i in range(36)]
    return _grid(values, 6, island=50.0)


# ----------------------------------------------------------------------------- known answers


def test_global_moran_columbus_known_answer(columbus):
    # Anselin's Columbus CRIME, queen contiguity, row-standardised (GeoDa: I = 0.500189)
    m = spatial.global_moran(columbus, "CRIME", permutations=999, seed=0)
    assert m.I == pytest.approx(0.500189, abs=1e-6)
    assert m.EI == pytest.approx(-0.020833, abs=1e-6)
    assert m.z_norm == pytest.approx(5.6303, abs=1e-4)
    assert m.n == 49 and m.islands == ()
    assert m.p_sim == pytest.approx(1 / 1000)
    assert m.p_norm < 1e-7


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_local_moran_equals_esda_on_columbus(columbus):
    lisa = spatial.local_moran(columbus, "CRIME", permutations=999, seed=3)
    w = libpysal.weights.Queen.from_dataframe(columbus, use_index=True)
    ref = esda.Moran_Local(columbus["CRIME"], w, permutations=999, seed=3)
    np.testing.assert_allclose(lisa["Ii"], ref.Is, rtol=1e-12)
    np.testing.assert_allclose(lisa["p_sim"], ref.p_sim)
    assert lisa["quadrant"].tolist() == [spatial.QUADRANTS[q] for q in ref.q]
    labels = ref.get_cluster_labels(0.05)
    expected = [{"Insignificant": "not significant"}.get(x, x) for x in labels]
    assert lisa["cluster"].tolist() == expected


def test_getis_ord_star_equals_esda_on_columbus(columbus):
    g = spatial.getis_ord(columbus, "CRIME", star=True, permutations=99, seed=1)
    w = libpysal.weights.Queen.from_dataframe(columbus, use_index=True)
    w = libpysal.weights.fill_diagonal(w, 1.0)
    ref = esda.G_Local(columbus["CRIME"], w, transform="R", star=None, permutations=0)
    np.testing.assert_allclose(g["G"], ref.Gs, rtol=1e-12)
    np.testing.assert_allclose(g["z_norm"], ref.Zs, rtol=1e-12)
    hot = g["spot"] == "hot spot"
    assert (g.loc[hot, "z_norm"] > 0).all() and hot.any()


def test_getis_ord_plain_g_differs_from_star(columbus):
    g = spatial.getis_ord(columbus, "CRIME", star=False, permutations=9, seed=1)
    gs = spatial.getis_ord(columbus, "CRIME", star=True, permutations=9, seed=1)
    assert not np.allclose(g["G"], gs["G"])


def test_moran_scatter_slope_is_moran_i(columbus):
    sc = spatial.moran_scatter(columbus, "CRIME")
    slope = np.polyfit(sc["z"], sc["lag"], 1)[0]
    assert slope == pytest.approx(0.500189, abs=1e-6)


def test_wilson_interval_newcombe_known_answers():
    # Newcombe (1998) Stat. Med. 17:857-872, Table I, method 3 (score interval)
    cases = {
        (81, 263): (0.2553, 0.3662),
        (15, 148): (0.0624, 0.1605),
        (0, 20): (0.0, 0.1611),
        (1, 29): (0.0061, 0.1718),
        (29, 29): (0.8830, 1.0),
    }
    for (k, n), (low, high) in cases.items():
        lo, hi = spatial.wilson_interval(k, n)
        assert (round(float(lo), 4), round(float(hi), 4)) == (low, high)


# ----------------------------------------------------------------------------- weights


def test_build_weights_does_not_modify_given_w(columbus):
    w = libpysal.weights.Queen.from_dataframe(columbus, use_index=True)
    before = {i: list(v) for i, v in w.weights.items()}
    spatial.global_moran(columbus, "CRIME", weights=w, permutations=9)
    spatial.local_moran(columbus, "CRIME", weights=w, permutations=9)
    spatial.getis_ord(columbus, "CRIME", weights=w, permutations=9)
    assert w.transform.upper() == "O"
    assert {i: list(v) for i, v in w.weights.items()} == before
    assert all(i not in w.neighbors[i] for i in w.id_order)


def test_build_weights_user_w_by_index_labels_is_realigned():
    gdf = _grid([1.0, 2.0, 3.0], 3).set_index(pd.Index(["c", "a", "b"]))
    w = libpysal.weights.W({"a": ["c", "b"], "b": ["a"], "c": ["a"]}, id_order=["a", "b", "c"])
    built = spatial.build_weights(gdf, w)
    # row order c, a, b → positions 0, 1, 2
    assert built.neighbors == {0: [1], 1: [0, 2], 2: [1]}


def test_build_weights_specs():
    gdf = _grid(range(4), 2, island=0.0)
    assert spatial.build_weights(gdf, "queen").neighbors[0] == [1, 2, 3]
    assert sorted(spatial.build_weights(gdf, "rook").neighbors[0]) == [1, 2]
    assert spatial.build_weights(gdf, "queen").islands == [4]
    assert len(spatial.build_weights(gdf, "knn:2").neighbors[4]) == 2
    band = spatial.build_weights(gdf, "distance:1.5")
    assert sorted(band.neighbors[0]) == [1, 2, 3] and band.islands == [4]
    for bad in ("hexagon", "knn:0", "knn:99", "distance:-3", "queen:2", 3):
        with pytest.raises(ConfigError):
            spatial.build_weights(gdf, bad)
    with pytest.raises(GeographyError):
        spatial.build_weights(gdf.set_crs(None, allow_override=True), "distance:2")


def test_build_weights_distance_projects_geographic_crs():
    # two points ~1.1 km apart (0.01° of latitude) and one ~11 km away
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([110.0, 110.0, 110.0], [26.50, 26.51, 26.60]),
        crs="EPSG:4326",
    )
    w = spatial.build_weights(pts, "distance:2000")
    assert w.neighbors[0] == [1] and w.islands == [2]


# ----------------------------------------------------------------------------- islands


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_island_is_never_a_cluster(clustered):
    island = clustered.index[-1]
    w = libpysal.weights.Rook.from_dataframe(clustered, use_index=True, silence_warnings=True)
    raw = esda.Moran_Local(clustered["v"], w, permutations=999, seed=0)
    # what the pitfall is: esda alone gives the island the smallest p-value there is
    assert raw.p_sim[-1] == pytest.approx(1 / 1000)

    lisa = spatial.local_moran(clustered, "v", weights="rook", permutations=999, seed=0)
    row = lisa.loc[island]
    assert row["island"] and row["cluster"] == "island" and row["n_neighbours"] == 0
    assert not (row["significant"] or row["significant_fdr"] or row["significant_bonferroni"])
    assert np.isnan(row["Ii"]) and np.isnan(row["p_sim"]) and np.isnan(row["min_p"])
    assert pd.isna(row["quadrant"])
    g = spatial.getis_ord(clustered, "v", weights="rook", permutations=999, seed=0)
    assert g.loc[island, "spot"] == "island" and not g.loc[island, "significant"]
    assert spatial.global_moran(clustered, "v", weights="rook", permutations=9).islands == (island,)
    summary = spatial.local_summary(lisa).set_index("measure")["value"]
    assert summary["islands"] == 1


def test_local_moran_finds_planted_block(clustered):
    lisa = spatial.local_moran(clustered, "v", weights="queen", permutations=999, seed=0)
    # units inside the block, whose neighbours are mostly high too
    assert (lisa.loc[[0, 1, 6, 7], "quadrant"] == "HH").all()
    # the block's centre has 8 neighbours all high: it must be a High-High cluster
    assert lisa.loc[7, "cluster"] == "High-High"
    assert set(lisa.loc[lisa["significant"], "cluster"]) <= set(spatial.CLUSTER_LABELS.values())
    assert (lisa.loc[~lisa["significant"] & ~lisa["island"], "cluster"] == "not significant").all()


# ----------------------------------------------------------------------------- min_p


def test_min_p_hand_checked_line_of_five():
    # end units: 1 neighbour among 4 others → 1/4; inner units: C(4, 2) = 6 → 1/6
    w = libpysal.weights.lat2W(5, 1, rook=True)
    np.testing.assert_allclose(
        spatial.min_p_values(w, permutations=9999), [1 / 4, 1 / 6, 1 / 6, 1 / 6, 1 / 4]
    )
    # too few permutations: the Monte Carlo floor 1/(M+1) binds
    np.testing.assert_allclose(spatial.min_p_values(w, permutations=3), [1 / 4] * 5)


def test_min_p_unequal_weights_count_orderings():
    # unit 0 has two neighbours among 3 others: equal weights C(3,2) = 3, unequal 3*2 = 6
    equal = libpysal.weights.W({0: [1, 2], 1: [0], 2: [0], 3: [2]}, silence_warnings=True)
    unequal = libpysal.weights.W(
        {0: [1, 2], 1: [0], 2: [0], 3: [2]},
        {0: [1.0, 2.0], 1: [1.0], 2: [1.0], 3: [1.0]},
        silence_warnings=True,
    )
    assert spatial.min_p_values(equal, 9999)[0] == pytest.approx(1 / 3)
    assert spatial.min_p_values(unequal, 9999)[0] == pytest.approx(1 / 6)


def test_min_p_is_reached_by_the_most_extreme_arrangement():
    # a line of five where the end unit (value 10) neighbours the largest other value: its
    # pseudo p-value is the chance of drawing that neighbour, 1/4, never less
    gdf = _grid([10.0, 9.0, 1.0, 2.0, 3.0], 5)
    lisa = spatial.local_moran(gdf, "v", weights="rook", permutations=9999, seed=0)
    assert lisa.loc[0, "min_p"] == pytest.approx(0.25)
    assert lisa.loc[0, "p_sim"] == pytest.approx(0.25, abs=0.02)
    assert not lisa["can_reach_alpha"].any()
    assert not lisa["significant"].any()
    summary = spatial.local_summary(lisa).set_index("measure")["value"]
    assert summary["cannot_reach_alpha"] == 5


def test_min_p_columbus_rows_match_cardinalities(columbus):
    lisa = spatial.local_moran(columbus, "CRIME", permutations=99, seed=0)
    k = lisa["n_neighbours"].to_numpy()
    expected = np.maximum([1 / math.comb(48, int(x)) for x in k], 1 / 100)
    np.testing.assert_allclose(lisa["min_p"], expected)


# ----------------------------------------------------------------------------- seeds, FDR


def test_same_seed_same_result(columbus):
    a = spatial.local_moran(columbus, "CRIME", permutations=199, seed=11)
    b = spatial.local_moran(columbus, "CRIME", permutations=199, seed=11)
    pd.testing.assert_frame_equal(a, b)
    m1 = spatial.global_moran(columbus, "HOVAL", permutations=199, seed=11)
    m2 = spatial.global_moran(columbus, "HOVAL", permutations=199, seed=11)
    assert m1 == m2
    g1 = spatial.getis_ord(columbus, "CRIME", permutations=199, seed=11)
    g2 = spatial.getis_ord(columbus, "CRIME", permutations=199, seed=11)
    pd.testing.assert_frame_equal(g1, g2)


def test_global_moran_restores_numpy_global_rng(columbus):
    np.random.seed(123)  # noqa: NPY002 - the global generator is what is under test
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    spatial.global_moran(columbus, "CRIME", permutations=99, seed=0)
    assert np.random.random() == expected  # noqa: NPY002


def test_multiple_testing_is_benjamini_hochberg(columbus):
    lisa = spatial.local_moran(columbus, "CRIME", permutations=999, seed=0, alpha=0.1)
    p = lisa["p_sim"].to_numpy()
    m = len(p)
    order = np.argsort(p)
    # BH by hand: adjusted p_(i) = min_{j >= i} p_(j) * m / j
    adj = np.minimum.accumulate((p[order] * m / np.arange(1, m + 1))[::-1])[::-1]
    expected = np.empty(m)
    expected[order] = np.minimum(adj, 1)
    np.testing.assert_allclose(lisa["p_fdr"], expected)
    assert (lisa["significant_fdr"] == (expected < 0.1)).all()
    assert (lisa["significant_bonferroni"] == (p * m < 0.1)).all()
    assert (lisa["significant"] >= lisa["significant_fdr"]).all()
    assert (lisa["significant_fdr"] >= lisa["significant_bonferroni"]).all()


def test_local_rejects_bad_parameters(columbus):
    with pytest.raises(ConfigError):
        spatial.local_moran(columbus, "CRIME", permutations=0)
    with pytest.raises(ConfigError):
        spatial.local_moran(columbus, "CRIME", alpha=1.5)
    with pytest.raises(ConfigError, match="no_such"):
        spatial.global_moran(columbus, "no_such")
    with_nan = columbus.assign(CRIME=columbus["CRIME"].where(columbus.index != 3))
    with pytest.raises(ConfigError, match="missing"):
        spatial.global_moran(with_nan, "CRIME")
    with pytest.raises(ConfigError, match="non-negative"):
        spatial.getis_ord(columbus.assign(x=-columbus["CRIME"]), "x")


# ----------------------------------------------------------------------------- incidence

_A, _B, _C = "430527203203", "430527203207", "430527203208"


@pytest.fixture
def households() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_key": ["h1", "h2", "h3", "h4", "h5"],
            "village_code": [_A, _A, _B, _B, _A],
            "members": [4, 3, 5, 2, 6],
            "exit_year": pd.array([2015, 2016, pd.NA, 2017, pd.NA], dtype="Int64"),
            "first_identified": pd.to_datetime(
                ["2014-05-01", "2014-05-01", "2015-03-01", "2016-10-01", "2017-02-01"]
            ),
        }
    )


@pytest.fixture
def villages() -> pd.DataFrame:
    return pd.DataFrame({"code": [_A, _B, _C], "population": [200, 100, 50]})


def test_incidence_numerator_definitions(households, villages):
    reg = spatial.incidence(households, villages, 2016, count="registered")
    # h5 was first identified in 2017: not yet registered at the end of 2016
    assert reg["poor"].tolist() == [7, 7, 0]
    not_exited = spatial.incidence(households, villages, 2016, count="not_exited")
    # h1 exited 2015, h2 2016 → gone; h4 exits 2017 → still poor at the end of 2016
    assert not_exited["poor"].tolist() == [0, 7, 0]
    y2015 = spatial.incidence(households, villages, 2015, count="not_exited")
    assert y2015["poor"].tolist() == [3, 5, 0]
    assert not_exited["incidence"].tolist() == [0.0, 0.07, 0.0]
    assert not_exited.attrs == {"year": 2016, "count": "not_exited", "confidence": 0.95}
    assert list(not_exited.columns) == [
        "code",
        "name",
        "designated",
        "population",
        "poor",
        "incidence",
        "ci_low",
        "ci_high",
    ]
    assert not_exited["name"].tolist() == ["李家村", "长溪村", "竹桥村"]
    assert not_exited["designated"].tolist() == [True, False, True]
    lo, hi = spatial.wilson_interval(7, 100)
    assert (not_exited.loc[1, "ci_low"], not_exited.loc[1, "ci_high"]) == (lo, hi)
    assert (not_exited["ci_low"] <= not_exited["incidence"]).all()
    assert (not_exited["incidence"] <= not_exited["ci_high"]).all()


def test_incidence_from_members_frame(households, villages):
    members = households.loc[households.index.repeat(households["members"])].drop(columns="members")
    members["person_key"] = [f"p{i}" for i in range(len(members))]
    from_members = spatial.incidence(members, villages, 2016, count="not_exited")
    from_households = spatial.incidence(households, villages, 2016, count="not_exited")
    pd.testing.assert_frame_equal(from_members, from_households)
    with pytest.raises(ConfigError, match="exit_year"):
        spatial.incidence(members.drop(columns="exit_year"), villages, 2016)


def test_incidence_refuses_unknown_villages_and_bad_population(households, villages):
    with pytest.raises(FupinError, match=_B):
        spatial.incidence(households, villages.iloc[[0, 2]], 2016, count="registered")
    with pytest.raises(FupinError, match="population"):
        spatial.incidence(households, villages.assign(population=[200, 0, 50]), 2016)
    with pytest.raises(FupinError, match="population"):
        spatial.incidence(households, villages.assign(population=[200, 3, 50]), 2016)
    with pytest.raises(ConfigError, match="count"):
        spatial.incidence(households, villages, 2016, count="all")
    with pytest.raises(ConfigError, match="more than once"):
        spatial.incidence(households, pd.concat([villages, villages.iloc[[0]]]), 2016)


def test_incidence_keeps_given_names_and_designation(households, villages):
    given = villages.assign(name=["x", "y", "z"], designated=[False, False, True])
    inc = spatial.incidence(households, given, 2016)
    assert inc["name"].tolist() == ["x", "y", "z"]
    assert inc["designated"].tolist() == [False, False, True]


# ----------------------------------------------------------------------------- smoothing


def test_eb_rates_shrink_toward_the_mean():
    gdf = _grid([0] * 6, 3, island=0).drop(columns="v")
    gdf["poor"] = [1, 30, 10, 50, 2, 40, 3]
    gdf["population"] = [10, 100, 1000, 400, 20, 300, 15]
    out = spatial.eb_rates(gdf, weights="rook")
    mean = gdf["poor"].sum() / gdf["population"].sum()
    lo = np.minimum(out["raw"], mean) - 1e-12
    hi = np.maximum(out["raw"], mean) + 1e-12
    assert ((out["eb"] >= lo) & (out["eb"] <= hi)).all()
    # the smallest village moves the most
    moved = (out["eb"] - out["raw"]).abs() / (out["raw"] - mean).abs()
    assert moved.idxmax() == gdf["population"].idxmin()
    # an island's neighbourhood is itself: no spatial smoothing
    assert out["seb"].iloc[-1] == pytest.approx(out["raw"].iloc[-1])
    ref = esda.smoothing.Empirical_Bayes(gdf["poor"].to_numpy(), gdf["population"].to_numpy())
    np.testing.assert_allclose(out["eb"], ref.r.ravel())


# ----------------------------------------------------------------------------- concentration


def _inc(poor, population, designated=None, codes=None):
    n = len(poor)
    codes = codes or [f"c{i:02d}" for i in range(n)]
    return pd.DataFrame(
        {
            "code": codes,
            "name": [f"V{i}" for i in range(n)],
            "designated": designated if designated is not None else [False] * n,
            "population": population,
            "poor": poor,
        }
    )


def test_concentration_hand_checked():
    # four villages of 100; poor 0, 0, 10, 30; the two poorest designated
    inc = _inc([0, 0, 10, 30], [100] * 4, designated=[False, False, True, True])
    c = spatial.concentration(inc).set_index("measure")["value"]
    # Lorenz points (0,0) (.25,0) (.5,0) (.75,.25) (1,1):
    # Gini = 1 - .25 * (0 + 0 + .25 + 1.25) = 0.625; Hoover = .5 * (.25+.25+0+.5) = 0.5
    assert c["gini"] == pytest.approx(0.625)
    assert c["hoover"] == pytest.approx(0.5)
    assert c["designated_share_of_poor"] == 1.0
    assert c["designated_share_of_population"] == 0.5
    assert c["designated_concentration_ratio"] == 2.0
    assert c["incidence_designated"] == 0.2 and c["incidence_other"] == 0.0
    assert c["designation_overlap"] == 2 and c["designation_overlap_share"] == 1.0
    assert c["incidence"] == 0.1 and c["poor"] == 40


def test_lorenz_and_location_quotients():
    inc = _inc([30, 0, 10], [100, 100, 200])
    curve = spatial.lorenz_curve(inc)
    assert curve["code"].tolist()[1:] == ["c01", "c02", "c00"]
    np.testing.assert_allclose(curve["cum_population_share"], [0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(curve["cum_poor_share"], [0, 0, 0.25, 1.0])
    lq = spatial.location_quotients(inc)
    np.testing.assert_allclose(lq["lq"], [3.0, 0.0, 0.5])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 5000), st.floats(0, 1)), min_size=2, max_size=30).filter(
        lambda rows: sum(int(p * r) for p, r in rows) > 0
    )
)
def test_concentration_properties(rows):
    population = [p for p, _ in rows]
    poor = [int(p * r) for p, r in rows]
    inc = _inc(poor, population)
    c = spatial.concentration(inc).set_index("measure")["value"]
    assert -1e-9 <= c["hoover"] <= c["gini"] + 1e-9 <= 1 + 1e-9
    lq = spatial.location_quotients(inc)
    assert (lq["lq"] * lq["share_of_population"]).sum() == pytest.approx(1.0)
    curve = spatial.lorenz_curve(inc)
    # below the diagonal and convex: increments grow with incidence
    assert (curve["cum_poor_share"] <= curve["cum_population_share"] + 1e-9).all()
    # equal incidence everywhere → no concentration
    even = _inc([p * 3 for p in population], [p * 10 for p in population])
    e = spatial.concentration(even).set_index("measure")["value"]
    assert e["gini"] == pytest.approx(0, abs=1e-9) and e["hoover"] == pytest.approx(0, abs=1e-9)


def test_designation_overlap_ranking_and_ties():
    inc = _inc([10, 10, 5, 20], [100, 100, 100, 100], designated=[True, False, True, False])
    out = spatial.designation_overlap(inc)
    # c03 highest; c00 and c01 tie on incidence and poor → code order
    assert out["code"].tolist() == ["c03", "c00", "c01", "c02"]
    assert out["would_designate"].tolist() == [True, True, False, False]
    assert out["agreement"].tolist() == ["ranking only", "both", "neither", "designated only"]
    by_eb = spatial.designation_overlap(inc.assign(eb=[0.1, 0.3, 0.2, 0.0]), by="eb", n=1)
    assert by_eb["code"].iloc[0] == "c01" and by_eb["would_designate"].sum() == 1
    with pytest.raises(ConfigError):
        spatial.designation_overlap(inc, by="nope")


def test_exit_line_status_boundaries():
    inc = _inc([20, 19, 0, 9], [1000, 1000, 30, 449])
    out = spatial.exit_line_status(inc)
    # 20/1000 = 2% is not below 2%; 9/449 = 2.004%; 8/449 would be 1.78%
    assert out["below_line"].tolist() == [False, True, True, False]
    assert out["max_poor_below_line"].tolist() == [19, 19, 0, 8]
    assert out["still_to_exit"].tolist() == [1, 0, 0, 1]
    assert (out["line"] == 0.02).all()
    registered = inc.copy()
    registered.attrs = {"count": "registered"}
    with pytest.raises(ConfigError, match="not_exited"):
        spatial.exit_line_status(registered)


# ----------------------------------------------------------------------------- embedded data

_RAW = data_dir() / "raw"
_ROSTER = _RAW / "zhaishi_roster_2016.xlsx"
_GEOGRAPHY = _RAW / "zhaishi_geography.gpkg"
_REGISTRY = _RAW / "zhaishi_village_registry_2016.csv"
_NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_spatial_concentration.ipynb"


@pytest.fixture(scope="module")
def embedded():
    missing = [p.name for p in (_ROSTER, _GEOGRAPHY, _REGISTRY) if not p.exists()]
    if missing:
        pytest.skip(f"embedded dataset not generated yet: {missing} (run `fupin synth`)")
    from fupin_analysis import clean_roster, geo

    clean = clean_roster(_ROSTER)
    villages = geo.read_geography(_GEOGRAPHY).villages
    reg = read_village_registry(_REGISTRY)
    den = reg[["code", "population"]].merge(
        villages[["code", "name", "designated"]], on="code", validate="one_to_one"
    )
    return clean, villages, den, geo.metric_crs(villages)


def _village_gdf(embedded, count):
    clean, villages, den, crs = embedded
    inc = spatial.incidence(clean.households, den, 2016, count=count)
    gdf = villages[["code", "geometry"]].merge(inc, on="code").set_index("code")
    return inc, gdf.to_crs(crs)


def test_embedded_planted_high_high_is_recovered(embedded):
    inc, gdf = _village_gdf(embedded, "registered")
    moran = spatial.global_moran(gdf, "incidence", permutations=9999, seed=0)
    assert moran.I > 0 and moran.p_sim < 0.05 and moran.p_norm < 0.05
    assert moran.islands == ()
    lisa = spatial.local_moran(gdf, "incidence", permutations=9999, seed=0)
    planted = [code for code, _ in PLANTED_HIGH_HIGH]
    assert lisa.loc[planted, "cluster"].tolist() == ["High-High"] * len(planted)
    # and no planted village is on the low side
    assert not lisa.loc[planted, "quadrant"].isin(["LL", "LH"]).any()


def test_embedded_incidence_matches_the_work_summary(embedded):
    clean, _, _, _ = embedded
    inc, _ = _village_gdf(embedded, "registered")
    assert inc["poor"].sum() == clean.households["members"].sum()
    assert inc["population"].sum() == 32000  # FACTS §1: 3.2万人
    c = spatial.concentration(inc).set_index("measure")["value"]
    assert c["designated_villages"] == 11
    # FACTS §1: 1,597 poor in the designated villages, "24%" of their population
    assert abs(c["incidence_designated"] - 0.24) < 0.01
    assert c["designated_concentration_ratio"] > 1
    not_exited, _ = _village_gdf(embedded, "not_exited")
    assert (not_exited["poor"] <= inc["poor"]).all()
    assert not_exited["poor"].sum() < inc["poor"].sum()


@pytest.mark.slow
def test_notebook_runs_and_writes_figures_and_tables(embedded, tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(_NOTEBOOK),
        str(out),
        parameters={"permutations": 99, "output_dir": str(tmp_path / "run"), "lang": "en"},
        kernel_name="python3",
        cwd=str(_NOTEBOOK.parent),
        progress_bar=False,
    )
    figures = sorted(p.name for p in (tmp_path / "run" / "figures").iterdir())
    assert figures == [
        f"03_spatial_concentration__{n}.png"
        for n in ("incidence_maps", "local_cluster_maps", "lorenz_curve", "moran_scatter")
    ]
    tables = {p.stem.split("__")[1] for p in (tmp_path / "run" / "tables").glob("*.csv")}
    assert tables == {
        "incidence", "concentration", "location_quotients", "designation_overlap",
        "exit_line", "global_moran", "local_clusters", "local_summary",
    }  # fmt: skip
    local = pd.read_csv(
        tmp_path / "run" / "tables" / "03_spatial_concentration__local_clusters.csv"
    )
    assert len(local) == 30
    # no ID number, phone number or roster name in the executed notebook, figures, tables
    from fupin_analysis.privacy import roster_names, scan

    hits = scan(tmp_path, names=roster_names(_ROSTER))
    assert hits.empty, hits.head().to_dict("records")
