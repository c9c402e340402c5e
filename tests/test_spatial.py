"""Tests of fupin_analysis.spatial: known answers (Columbus, Newcombe), islands, min_p,
seeds, multiple testing, incidence definitions, concentration measures."""

from __future__ import annotations

import math

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


# ----------------------------------------------------------------------------- village frame


def _lonlat_villages(codes, names=None, designated=None) -> gpd.GeoDataFrame:
    """Villages as 0.02° squares in a row near 110°E, 26.5°N (WGS84), each touching the next."""
    edges = [110.0, 110.02, 110.04, 110.06, 110.08][: len(codes) + 1]
    geoms = [box(x0, 26.5, x1, 26.52) for x0, x1 in zip(edges, edges[1:], strict=False)]
    columns = {"code": codes}
    if names is not None:
        columns["name"] = names
    if designated is not None:
        columns["designated"] = designated
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:4326")


@pytest.fixture
def three_villages() -> gpd.GeoDataFrame:
    return _lonlat_villages([_A, _B, _C], ["甲", "乙", "丙"], [False, True, False])


def test_village_rates_known_answer(households, villages, three_villages):
    # the registry lists the villages in another order than the geography
    registry = villages.iloc[[2, 0, 1]].assign(name=["x", "y", "z"])
    rates = spatial.village_rates(households, three_villages, registry, 2016)
    # rows in the geography's order, indexed by code; names and designation from it
    assert rates.index.name == "code" and rates.index.tolist() == [_A, _B, _C]
    assert rates["name"].tolist() == ["甲", "乙", "丙"]
    assert rates["designated"].tolist() == [False, True, False]
    # not exited at the end of 2016 (see test_incidence_numerator_definitions): 0, 7, 0
    assert rates["population"].tolist() == [200, 100, 50]
    assert rates["poor"].tolist() == [0, 7, 0]
    assert rates["incidence"].tolist() == [0.0, 0.07, 0.0]
    lo, hi = spatial.wilson_interval(7, 100)
    assert (rates.loc[_B, "ci_low"], rates.loc[_B, "ci_high"]) == (lo, hi)
    # smoothed rates on the projected frame; the raw rate is the incidence
    assert rates.crs.to_epsg() == 4546
    np.testing.assert_array_equal(rates["raw"], rates["incidence"])
    # EB by hand (Marshall 1991): b = 7/350, s2 = sum n (r - b)^2 / sum n, a = s2 - b / mean n
    n = np.array([200.0, 100.0, 50.0])
    r = np.array([0.0, 0.07, 0.0])
    b = 7 / 350
    a = (n * (r - b) ** 2).sum() / n.sum() - b / n.mean()
    np.testing.assert_allclose(rates["eb"], b + a / (a + b / n) * (r - b))
    # spatial EB by hand: the neighbourhoods are A+B, A+B+C and B+C, in a row
    groups = [[0, 1], [0, 1, 2], [1, 2]]
    seb = []
    for i, group in enumerate(groups):
        m = 7 / n[group].sum()
        v = (n[group] * (r[group] - m) ** 2).sum() / n[group].sum() - m / n[group].mean()
        v = max(v, 0.0)
        seb.append(m + (r[i] - m) * v / (v + m / n[i]))
    np.testing.assert_allclose(rates["seb"], seb)
    assert rates.attrs == {
        "year": 2016,
        "count": "not_exited",
        "confidence": 0.95,
        "weights": "queen",
    }
    assert list(rates.columns) == [
        "geometry", "name", "designated", "population", "poor", "incidence", "ci_low",
        "ci_high", "raw", "eb", "seb",
    ]  # fmt: skip


def test_village_rates_count_and_weights(households, villages, three_villages):
    registered = spatial.village_rates(
        households, three_villages, villages, 2016, count="registered", weights="knn:1"
    )
    assert registered["poor"].tolist() == [7, 7, 0]
    assert registered.attrs["count"] == "registered"
    assert registered.attrs["weights"] == "knn:1"
    np.testing.assert_allclose(
        registered["seb"], spatial.eb_rates(registered, weights="knn:1")["seb"]
    )


def test_village_rates_names_from_the_reference_when_the_layer_has_none(households, villages):
    bare = _lonlat_villages([_A, _B, _C])
    rates = spatial.village_rates(households, bare, villages, 2016)
    assert rates["name"].tolist() == ["李家村", "长溪村", "竹桥村"]
    assert rates["designated"].tolist() == [True, False, True]


def test_village_rates_refuse_villages_on_one_side_only(households, villages, three_villages):
    # the drift this function ends: notebook 03 merged the registry with the geography
    # keeping registry-only villages (in the concentration tables, not on the maps), while
    # the test merged them away; now a village without polygon or population is an error
    with pytest.raises(GeographyError, match=rf"registry only \(no polygon\): \['{_C}'\]"):
        spatial.village_rates(households, three_villages.iloc[:2], villages, 2016)
    with pytest.raises(GeographyError, match=rf"layer only \(no population\): \['{_C}'\]"):
        spatial.village_rates(households, three_villages, villages.iloc[:2], 2016)
    with pytest.raises(FupinError, match="more than once"):
        spatial.village_rates(
            households, three_villages, pd.concat([villages, villages.iloc[[0]]]), 2016
        )


def test_rates_functions_take_the_village_frame(households, villages, three_villages):
    rates = spatial.village_rates(households, three_villages, villages, 2016)
    inc = spatial.incidence(households, villages.assign(**{
        "name": ["甲", "乙", "丙"], "designated": [False, True, False]}), 2016)
    pd.testing.assert_frame_equal(spatial.concentration(rates), spatial.concentration(inc))
    pd.testing.assert_frame_equal(spatial.lorenz_curve(rates), spatial.lorenz_curve(inc))
    pd.testing.assert_frame_equal(
        spatial.location_quotients(rates), spatial.location_quotients(inc)
    )
    pd.testing.assert_frame_equal(
        spatial.designation_overlap(rates), spatial.designation_overlap(inc)
    )
    pd.testing.assert_frame_equal(spatial.exit_line_status(rates), spatial.exit_line_status(inc))
    registered = spatial.village_rates(
        households, three_villages, villages, 2016, count="registered"
    )
    with pytest.raises(ConfigError, match="not_exited"):
        spatial.exit_line_status(registered)


def test_incidence_table_columns_and_order(households, villages, three_villages):
    rates = spatial.village_rates(
        households, three_villages, villages, 2016, count="registered"
    )
    table = spatial.incidence_table(rates)
    assert list(table.columns) == list(spatial.INCIDENCE_COLUMNS)
    assert set(spatial.INCIDENCE_HEADERS_ZH) == set(spatial.INCIDENCE_COLUMNS)
    # 7/100 above 7/200 above 0/50
    assert table["code"].tolist() == [_B, _A, _C]
    assert table["incidence"].is_monotonic_decreasing


# ----------------------------------------------------------------------------- findings


def test_designation_groups_lists_every_agreement_in_rank_order():
    inc = _inc([10, 10, 5, 20], [100, 100, 100, 100], designated=[True, False, True, False])
    groups = spatial.designation_groups(spatial.designation_overlap(inc))
    assert list(groups) == list(spatial.AGREEMENTS)
    assert groups == {
        "both": ["V0"],
        "designated only": ["V2"],
        "ranking only": ["V3"],
        "neither": ["V1"],
    }
    with pytest.raises(ConfigError, match="agreement"):
        spatial.designation_groups(inc)


def test_exit_line_summary_counts_below_and_still_to_exit():
    inc = _inc([20, 19, 0, 9], [1000, 1000, 30, 449], designated=[True, True, False, False])
    summary = spatial.exit_line_summary(spatial.exit_line_status(inc))
    # below: V1 (19/1000) and V2 (0/30); still to exit: V0 1, V3 1 (see the boundaries test)
    assert summary == spatial.ExitLineSummary(
        villages=4, below=("V1", "V2"), below_designated=1, still_to_exit=2
    )


def test_local_results_joins_lisa_and_gi(clustered):
    frame = clustered.assign(
        name=[f"V{i}" for i in range(len(clustered))], designated=False
    )
    lisa = spatial.local_moran(frame, "v", weights="queen", permutations=99, seed=0)
    gi = spatial.getis_ord(frame, "v", weights="queen", permutations=99, seed=0)
    local = spatial.local_results(frame, "v", lisa, gi)
    assert local.index.equals(frame.index)
    assert list(local.columns) == [
        "name", "designated", "v", *lisa.columns, "G", "gi_z", "gi_p_sim", "spot",
        "can_reach_fdr", "can_reach_bonferroni",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(local[list(lisa.columns)], lisa, check_like=False)
    np.testing.assert_array_equal(local["gi_z"], gi["z_norm"])
    np.testing.assert_array_equal(local["gi_p_sim"], gi["p_sim"])
    with pytest.raises(ConfigError, match="spot"):
        spatial.local_results(frame, "v", lisa, gi.drop(columns="spot"))


def test_eb_rates_of_zero_event_neighbourhoods_are_zero_not_nan():
    # esda divides 0 by 0 for a neighbourhood (or a township) without events
    gdf = _grid([0] * 4, 4, island=0).drop(columns="v")
    gdf["poor"] = [0, 0, 5, 3, 0]
    gdf["population"] = [100, 120, 80, 90, 60]
    out = spatial.eb_rates(gdf, weights="rook")
    # unit 0's neighbourhood (0, 1) and the island (4) have no poor
    assert out.loc[[0, 4], "seb"].tolist() == [0.0, 0.0]
    assert out["seb"].notna().all() and out["eb"].notna().all()
    # unit 1's neighbourhood (0, 1, 2) has poor: smoothed above its raw 0
    assert out.loc[1, "seb"] > 0
    none = spatial.eb_rates(gdf.assign(poor=0), weights="rook")
    assert (none[["raw", "eb", "seb"]] == 0).all().all()


def test_cluster_summary_of_a_planted_block_and_an_island(clustered):
    frame = clustered.assign(
        name=[f"V{i}" for i in range(len(clustered))], designated=False
    )
    lisa = spatial.local_moran(frame, "v", weights="queen", permutations=999, seed=0)
    gi = spatial.getis_ord(frame, "v", weights="queen", permutations=999, seed=0)
    found = spatial.cluster_summary(spatial.local_results(frame, "v", lisa, gi))
    counts = spatial.local_summary(lisa).set_index("measure")["value"]
    assert found.villages == 37
    assert found.islands == ("V36",)
    # the block's centre (8 high neighbours) is High-High
    assert "V7" in found.high_high
    assert (found.significant, found.significant_fdr, found.significant_bonferroni) == (
        counts["significant"],
        counts["significant_fdr"],
        counts["significant_bonferroni"],
    )
    assert found.hot_spots == int((gi["spot"] == "hot spot").sum()) > 0
    assert found.cold_spots == int((gi["spot"] == "cold spot").sum())
    assert found.cannot_reach_alpha == ()
    assert found.largest_min_p == pytest.approx(lisa["min_p"].max())


def test_cluster_summary_fdr_survivors_are_high_high_quadrant_only():
    local = pd.DataFrame(
        {
            "name": ["A", "B", "C", "D", "E"],
            "cluster": ["High-High", "High-High", "Low-Low", "High-Low", "not significant"],
            "quadrant": ["HH", "HH", "LL", "HL", "HH"],
            "significant": [True, True, True, True, False],
            "significant_fdr": [True, False, True, True, False],
            "significant_bonferroni": [True, False, False, False, False],
            "can_reach_alpha": [True] * 5,
            "island": [False] * 5,
            "min_p": [0.001, 0.001, 0.002, 0.004, 0.03],
            "spot": ["hot spot", "hot spot", "cold spot", "not significant", "not significant"],
        }
    )
    found = spatial.cluster_summary(local)
    assert found.high_high == ("A", "B") and found.low_low == ("C",)
    assert found.high_high_fdr == ("A",)
    assert (found.significant, found.significant_fdr, found.significant_bonferroni) == (4, 3, 1)
    assert (found.hot_spots, found.cold_spots) == (2, 1)
    assert found.largest_min_p == 0.03
    with pytest.raises(ConfigError, match="spot"):
        spatial.cluster_summary(local.drop(columns="spot"))


def test_cluster_summary_names_villages_that_cannot_reach_alpha():
    # a line of five: no unit can reach p < 0.05 (see the min_p tests)
    gdf = _grid([10.0, 9.0, 1.0, 2.0, 3.0], 5).assign(name=list("ABCDE"), designated=False)
    lisa = spatial.local_moran(gdf, "v", weights="rook", permutations=999, seed=0)
    gi = spatial.getis_ord(gdf, "v", weights="rook", permutations=999, seed=0)
    found = spatial.cluster_summary(spatial.local_results(gdf, "v", lisa, gi))
    assert found.cannot_reach_alpha == tuple("ABCDE")
    assert found.high_high == () and found.significant == 0 and found.islands == ()
    assert found.largest_min_p == pytest.approx(0.25)


def test_village_names_in_the_order_asked(households, villages, three_villages):
    rates = spatial.village_rates(households, three_villages, villages, 2016)
    assert spatial.village_names(rates, [_C, _A]) == ["丙", "甲"]
    assert spatial.village_names(rates, ()) == []


# ----------------------------------------------------------------------------- embedded data

_RAW = data_dir() / "raw"
_GEOGRAPHY = _RAW / "zhaishi_geography.gpkg"
_REGISTRY = _RAW / "zhaishi_village_registry_2016.csv"


@pytest.fixture(scope="module")
def embedded(clean_embedded):
    missing = [p.name for p in (_GEOGRAPHY, _REGISTRY) if not p.exists()]
    if missing:
        pytest.skip(f"embedded dataset not generated yet: {missing} (run `fupin synth`)")
    from fupin_analysis import geo

    villages = geo.read_geography(_GEOGRAPHY).villages
    return clean_embedded, villages, read_village_registry(_REGISTRY)


def _village_rates(embedded, count):
    """The village frame of notebook 03, built by the same function."""
    clean, villages, registry = embedded
    return spatial.village_rates(clean.households, villages, registry, 2016, count=count)


def test_embedded_planted_high_high_is_recovered(embedded):
    rates = _village_rates(embedded, "registered")
    moran = spatial.global_moran(rates, "incidence", permutations=9999, seed=0)
    assert moran.I > 0 and moran.p_sim < 0.05 and moran.p_norm < 0.05
    assert moran.islands == ()
    lisa = spatial.local_moran(rates, "incidence", permutations=9999, seed=0)
    planted = [code for code, _ in PLANTED_HIGH_HIGH]
    assert lisa.loc[planted, "cluster"].tolist() == ["High-High"] * len(planted)
    # and no planted village is on the low side
    assert not lisa.loc[planted, "quadrant"].isin(["LL", "LH"]).any()
    gi = spatial.getis_ord(rates, "incidence", permutations=999, seed=0)
    local = spatial.local_results(rates, "incidence", lisa, gi)
    # one row per village of the township, as in notebook 03's local_clusters table
    assert len(local) == 30 and local.index.equals(rates.index)
    found = spatial.cluster_summary(local)
    assert set(rates.loc[planted, "name"]) <= set(found.high_high)
    assert found.islands == () and found.cannot_reach_alpha == ()


def test_embedded_incidence_matches_the_work_summary(embedded):
    clean, villages, registry = embedded
    rates = _village_rates(embedded, "registered")
    assert rates.index.tolist() == villages["code"].tolist()
    assert rates.crs.to_epsg() == 4546
    assert rates["poor"].sum() == clean.households["members"].sum()
    assert rates["population"].sum() == 32000  # FACTS §1: 3.2万人
    c = spatial.concentration(rates).set_index("measure")["value"]
    assert c["designated_villages"] == 11
    # FACTS §1: 1,597 poor in the designated villages, "24%" of their population
    assert abs(c["incidence_designated"] - 0.24) < 0.01
    assert c["designated_concentration_ratio"] > 1
    not_exited = _village_rates(embedded, "not_exited")
    assert (not_exited["poor"] <= rates["poor"]).all()
    assert not_exited["poor"].sum() < rates["poor"].sum()
    # the exit line of docs/spatial.md: only the two urban communities are below 2%
    exits = spatial.exit_line_summary(spatial.exit_line_status(not_exited))
    assert set(exits.below) == {"城内社区", "西正街社区"}
