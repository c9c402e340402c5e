"""Exact conditional p-values (fupin_analysis.spatial.exact) against brute force.

Every known answer here is computed independently of the module: the neighbour sets are
listed one by one with itertools, and the statistic is recomputed from its formula for
each of them.
"""

from __future__ import annotations

import itertools
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
from fupin_analysis.errors import ConfigError
from fupin_analysis.spatial import exact

# ----------------------------------------------------------------------------- helpers


def _grid(values, ncol: int) -> gpd.GeoDataFrame:
    geoms = [box(i % ncol, i // ncol, i % ncol + 1, i // ncol + 1) for i in range(len(values))]
    return gpd.GeoDataFrame({"v": list(values)}, geometry=geoms, crs="EPSG:4546")


def _brute_tails(statistic, values, i, neighbours):
    """P(stat >= observed), P(stat <= observed) over every neighbour set of unit i.

    ``statistic(i, subset_values)`` is recomputed for each of the C(n-1, k) sets of k
    values drawn from the other units.
    """
    others = [values[j] for j in range(len(values)) if j != i]
    observed = statistic(i, [values[j] for j in neighbours])
    stats = np.array(
        [statistic(i, list(combo)) for combo in itertools.combinations(others, len(neighbours))]
    )
    tol = 1e-9 * max(1.0, abs(observed))
    return (stats >= observed - tol).mean(), (stats <= observed + tol).mean(), len(stats)


def _neighbours(gdf, weights):
    w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
    if weights == "rook":
        w = libpysal.weights.Rook.from_dataframe(gdf, use_index=False, silence_warnings=True)
    return [sorted(w.neighbors[i]) for i in range(len(gdf))]


@pytest.fixture(scope="module")
def small() -> gpd.GeoDataFrame:
    """A 3x4 grid with distinct values, higher in the left columns."""
    values = [9.1, 7.3, 2.2, 1.4, 8.6, 6.1, 3.3, 0.7, 5.2, 4.8, 2.9, 1.1]
    frame = _grid(values, 4)
    frame["x"] = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5, 5.8, 9.7]
    return frame


# ----------------------------------------------------------------------------- the counter


@settings(max_examples=80, deadline=None)
@given(
    pool=st.lists(st.integers(-4, 6), min_size=1, max_size=11),
    k=st.integers(0, 11),
    observed=st.integers(-20, 30),
)
def test_subset_sum_tails_equals_listing_every_subset(pool, k, observed):
    # small integers: many ties, which must count in both tails
    k = min(k, len(pool))
    sums = [sum(c) for c in itertools.combinations(pool, k)]
    expected = (
        sum(s >= observed for s in sums),
        sum(s <= observed for s in sums),
        math.comb(len(pool), k),
    )
    assert exact.subset_sum_tails(np.array(pool, dtype=float), k, float(observed)) == expected


def test_subset_sum_tails_refuses_beyond_the_limit():
    pool = np.arange(29, dtype=float)
    assert exact.subset_sums_needed(29, 8) == 35730
    with pytest.raises(ConfigError, match="limit"):
        exact.subset_sum_tails(pool, 8, 100.0, limit=35729)
    at_least, at_most, total = exact.subset_sum_tails(pool, 8, 100.0, limit=35730)
    assert total == math.comb(29, 8) and at_least + at_most >= total
    with pytest.raises(ConfigError, match="out of"):
        exact.subset_sum_tails(pool, 30, 1.0)


# ----------------------------------------------------------------------------- statistics


@pytest.mark.parametrize("weights", ["queen", "rook"])
def test_exact_local_moran_equals_brute_force(small, weights):
    values = small["v"].to_numpy()
    n = len(values)
    z = values - values.mean()

    def moran(i, neighbour_values):
        # I_i = (n - 1) z_i * mean(z_j) / sum(z^2), z about the mean of all values
        zj = np.asarray(neighbour_values) - values.mean()
        return (n - 1) * z[i] * zj.mean() / (z**2).sum()

    two_sided = exact.exact_local_moran(small, "v", weights=weights)
    directed = exact.exact_local_moran(small, "v", weights=weights, alternative="directed")
    for i, neighbours in enumerate(_neighbours(small, weights)):
        ge, le, total = _brute_tails(moran, values, i, neighbours)
        row = two_sided.iloc[i]
        assert row["method"] == "exact" and row["arrangements"] == total
        assert row["p_greater"] == pytest.approx(ge, abs=1e-12)
        assert row["p_less"] == pytest.approx(le, abs=1e-12)
        assert row["p_value"] == pytest.approx(min(1.0, 2 * min(ge, le)), abs=1e-12)
        assert directed.iloc[i]["p_value"] == pytest.approx(min(ge, le), abs=1e-12)
        assert row["p_se"] == 0
        assert row["min_p"] == pytest.approx(min(1.0, 2 / total))
        assert directed.iloc[i]["min_p"] == pytest.approx(1 / total)
        assert row["Ii"] == pytest.approx(moran(i, values[neighbours]), rel=1e-12)


def test_exact_local_moran_statistic_and_labels_are_esdas(small):
    lisa = exact.exact_local_moran(small, "v", weights="queen")
    w = libpysal.weights.Queen.from_dataframe(small, use_index=False, silence_warnings=True)
    ref = esda.Moran_Local(small["v"], w, permutations=0)
    np.testing.assert_allclose(lisa["Ii"], ref.Is, rtol=1e-12)
    assert lisa["quadrant"].tolist() == [spatial.QUADRANTS[q] for q in ref.q]
    significant = lisa["p_value"] < 0.05
    assert (lisa["significant"] == significant).all()
    labels = lisa["quadrant"].map(spatial.CLUSTER_LABELS).where(significant, "not significant")
    assert lisa["cluster"].tolist() == labels.tolist()


def test_exact_bivariate_moran_equals_brute_force(small):
    x, y = small["v"].to_numpy(), small["x"].to_numpy()
    n = len(x)
    zx = (x - x.mean()) / x.std()

    def bivariate(i, neighbour_y):
        zy = (np.asarray(neighbour_y) - y.mean()) / y.std()
        return (n - 1) * zx[i] * zy.mean() / (zx**2).sum()

    lisa = exact.exact_local_moran(small, "v", lag_of="x", weights="queen")
    w = libpysal.weights.Queen.from_dataframe(small, use_index=False, silence_warnings=True)
    ref = esda.Moran_Local_BV(x, y, w, permutations=0)
    np.testing.assert_allclose(lisa["Ii"], ref.Is, rtol=1e-12)
    for i, neighbours in enumerate(_neighbours(small, "queen")):
        # the neighbours' y values are drawn from the y values of the other units
        others = [y[j] for j in range(n) if j != i]
        observed = bivariate(i, y[neighbours])
        stats = np.array([bivariate(i, c) for c in itertools.combinations(others, len(neighbours))])
        ge = (stats >= observed - 1e-9).mean()
        assert lisa.iloc[i]["p_greater"] == pytest.approx(ge, abs=1e-12)
    assert lisa.attrs["lag_of"] == "x"


def test_exact_getis_ord_star_equals_brute_force(small):
    values = small["v"].to_numpy()
    total = values.sum()

    def gi_star(i, neighbour_values):
        # row-standardised Gi*: (y_i + sum of neighbours) / (k + 1), over the total
        return (values[i] + sum(neighbour_values)) / (len(neighbour_values) + 1) / total

    gi = exact.exact_getis_ord(small, "v", weights="queen")
    reference = spatial.getis_ord(small, "v", weights="queen", permutations=9, seed=0)
    np.testing.assert_allclose(gi["G"], reference["G"], rtol=1e-12)
    np.testing.assert_allclose(gi["z_norm"], reference["z_norm"], rtol=1e-12)
    for i, neighbours in enumerate(_neighbours(small, "queen")):
        ge, le, _ = _brute_tails(gi_star, values, i, neighbours)
        assert gi.iloc[i]["G"] == pytest.approx(gi_star(i, values[neighbours]), rel=1e-12)
        assert gi.iloc[i]["p_greater"] == pytest.approx(ge, abs=1e-12)
        assert gi.iloc[i]["p_less"] == pytest.approx(le, abs=1e-12)
    hot = gi["spot"] == "hot spot"
    assert (gi.loc[hot, "p_greater"] < gi.loc[hot, "p_less"]).all()


def test_exact_local_geary_equals_brute_force(small):
    values = small["v"].to_numpy()
    z = (values - values.mean()) / values.std()

    def geary(i, neighbour_values):
        zj = (np.asarray(neighbour_values) - values.mean()) / values.std()
        return ((z[i] - zj) ** 2).mean()

    local = exact.exact_local_geary(small, "v", weights="rook")
    w = libpysal.weights.Rook.from_dataframe(small, use_index=False, silence_warnings=True)
    ref = esda.Geary_Local(connectivity=w, permutations=0, labels=False).fit(small["v"])
    np.testing.assert_allclose(local["c"], ref.localG, rtol=1e-12)
    for i, neighbours in enumerate(_neighbours(small, "rook")):
        ge, le, _ = _brute_tails(geary, values, i, neighbours)
        # positive association (neighbours alike) is a small c: the lower tail
        assert local.iloc[i]["p_greater"] == pytest.approx(le, abs=1e-12)
        assert local.iloc[i]["p_less"] == pytest.approx(ge, abs=1e-12)


def test_a_unit_at_the_mean_has_p_one_and_islands_nothing():
    frame = _grid([1.0, 2.0, 3.0, 4.0, 5.0], 5)
    frame = pd.concat(
        [frame, gpd.GeoDataFrame({"v": [9.0]}, geometry=[box(50, 50, 51, 51)], crs="EPSG:4546")]
    ).reset_index(drop=True)
    # mean of 1, 2, 3, 4, 5, 9 is 4: unit 3 sits at the mean, its I is 0 whatever happens
    lisa = exact.exact_local_moran(frame, "v", weights="rook")
    assert lisa.loc[3, "p_greater"] == 1.0 and lisa.loc[3, "p_value"] == 1.0
    island = lisa.loc[5]
    assert island["island"] and island["method"] == "island" and island["cluster"] == "island"
    assert np.isnan(island["p_value"]) and not island["significant"]


# ----------------------------------------------------------------------------- fallback


def test_beyond_the_limit_permutations_with_their_standard_error(small):
    exact_p = exact.exact_local_moran(small, "v", weights="queen")
    sampled = exact.exact_local_moran(
        small, "v", weights="queen", limit=1, permutations=20000, seed=4
    )
    assert (sampled["method"] == "permutation").all()
    assert (sampled["p_se"] > 0).all()
    tails = np.minimum(sampled["p_greater"], sampled["p_less"])
    np.testing.assert_allclose(sampled["p_se"], 2 * np.sqrt(tails * (1 - tails) / 20000))
    # within 4 standard errors of the exact value (plus the 1/(M+1) of the estimator)
    gap = (sampled["p_value"] - exact_p["p_value"]).abs()
    assert (gap <= 4 * sampled["p_se"] + 2 / 20001).all()
    again = exact.exact_local_moran(
        small, "v", weights="queen", limit=1, permutations=20000, seed=4
    )
    pd.testing.assert_frame_equal(sampled, again)
    with pytest.raises(ConfigError, match="permutations"):
        exact.exact_local_moran(small, "v", weights="queen", limit=1, permutations=0)


def test_unequal_weights_are_sampled_not_counted(small):
    w = libpysal.weights.Queen.from_dataframe(small, use_index=False, silence_warnings=True)
    weighted = libpysal.weights.W(
        w.neighbors,
        {i: [1.0 + (j % 3) for j in w.neighbors[i]] for i in w.neighbors},
        silence_warnings=True,
    )
    lisa = exact.exact_local_moran(small, "v", weights=weighted, permutations=999, seed=1)
    assert set(lisa["method"]) == {"permutation"}
    assert (lisa["p_se"] > 0).all()


def test_bad_alternative_and_alpha(small):
    with pytest.raises(ConfigError, match="alternative"):
        exact.exact_local_moran(small, "v", alternative="folded")
    with pytest.raises(ConfigError, match="alpha"):
        exact.exact_getis_ord(small, "v", alpha=0)
    with pytest.raises(ConfigError, match="non-negative"):
        exact.exact_getis_ord(small.assign(v=-small["v"]), "v")


# ----------------------------------------------------------------------------- null rates


def test_null_rejection_rates_equal_relabelling_every_way():
    # a row of 7 with values 2^0 .. 2^6: every subset sum is distinct. Relabel the values
    # over the units in all 7! ways and count how often each unit's exact p < alpha.
    frame = _grid([2.0**i for i in range(7)], 7)
    values = frame["v"].to_numpy()
    neighbours = _neighbours(frame, "rook")
    alpha = 0.3
    for alternative in ("two-sided", "directed", "greater"):
        rejected = np.zeros(7)
        for order in itertools.permutations(range(7)):
            relabelled = values[list(order)]
            for i, nb in enumerate(neighbours):
                others = np.delete(relabelled, i)
                sums = np.array([sum(c) for c in itertools.combinations(others, len(nb))])
                observed = relabelled[nb].sum()
                z = relabelled[i] - relabelled.mean()
                up, down = (sums >= observed).mean(), (sums <= observed).mean()
                greater = up if z > 0 else down
                less = down if z > 0 else up
                p = {
                    "two-sided": min(1.0, 2 * min(greater, less)),
                    "directed": min(greater, less),
                    "greater": greater,
                }[alternative]
                rejected[i] += p < alpha
        rates = exact.null_rejection_rates(frame, weights="rook", alpha=alpha,
                                           alternative=alternative)  # fmt: skip
        np.testing.assert_allclose(rates["rejection_rate"], rejected / math.factorial(7))


# ----------------------------------------------------------------------------- embedded data


@pytest.fixture(scope="module")
def embedded_rates(clean_embedded):
    from fupin_analysis import geo
    from fupin_analysis.reference import data_dir, read_village_registry

    raw = data_dir() / "raw"
    villages = geo.read_geography(raw / "zhaishi_geography.gpkg").villages
    registry = read_village_registry(raw / "zhaishi_village_registry_2016.csv")
    return spatial.village_rates(clean_embedded.households, villages, registry, 2016)


def test_embedded_significant_villages_do_not_depend_on_the_seed(embedded_rates):
    # esda's pseudo p-values move with the seed: 铁杉林村 on the EB rate (exact directed p
    # 0.0504) is significant with some seeds and not with others
    name = embedded_rates["name"]
    simulated = {
        seed: spatial.local_moran(embedded_rates, "eb", permutations=9999, seed=seed)["p_sim"]
        for seed in range(10)
    }
    tieshanlin = [float(p[name == "铁杉林村"].iloc[0]) for p in simulated.values()]
    assert min(tieshanlin) < 0.05 < max(tieshanlin)
    decided = {
        seed: exact.exact_local_moran(embedded_rates, "eb", seed=seed, permutations=99)
        for seed in (0, 1, 20161231)
    }
    assert all((d["method"] == "exact").all() for d in decided.values())
    sets = {tuple(d.index[d["significant"]]) for d in decided.values()}
    assert len(sets) == 1
    directed = exact.exact_local_moran(embedded_rates, "eb", alternative="directed")
    assert float(directed.loc[name == "铁杉林村", "p_value"].iloc[0]) == pytest.approx(
        0.0504, abs=5e-5
    )


def test_embedded_exact_directed_p_is_the_limit_of_esdas(embedded_rates):
    directed = exact.exact_local_moran(embedded_rates, "incidence", alternative="directed")
    simulated = spatial.local_moran(embedded_rates, "incidence", permutations=9999, seed=7)
    se = np.sqrt(directed["p_value"] * (1 - directed["p_value"]) / 9999)
    gap = (simulated["p_sim"] - directed["p_value"]).abs()
    assert (gap <= 4.5 * se + 2 / 10000).all()


def test_embedded_directed_p_doubles_false_positives(embedded_rates):
    # the measurement: incidence relabelled at random over the 30 queen units,
    # 150 times; the directed p finds ~2.7-3 "significant" villages per run, not 1.5
    rng = np.random.default_rng(2016)
    frame = embedded_rates[["incidence", "geometry"]].copy()
    counts = {"directed": [], "two-sided": []}
    values = frame["incidence"].to_numpy()
    for _ in range(150):
        frame["incidence"] = rng.permutation(values)
        for alternative in counts:
            lisa = exact.exact_local_moran(frame, "incidence", alternative=alternative)
            counts[alternative].append(int(lisa["significant"].sum()))
    expected = {
        alt: exact.null_rejection_rates(frame, alternative=alt)["rejection_rate"].sum()
        for alt in counts
    }
    assert expected["directed"] == pytest.approx(2.996, abs=1e-3)
    assert expected["two-sided"] == pytest.approx(1.498, abs=1e-3)
    for alternative, found in counts.items():
        found = np.array(found)
        se = found.std(ddof=1) / np.sqrt(len(found))
        assert abs(found.mean() - expected[alternative]) < 4 * se
    assert np.mean(counts["directed"]) > 2.3 > 1.9 > np.mean(counts["two-sided"])


# ----------------------------------------------------------------------------- stated facts


def test_scatter_line_is_moran_i_only_without_islands():
    columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    full = spatial.moran_scatter(columbus, "CRIME")
    slope, intercept = spatial.scatter_line(full)
    assert slope == pytest.approx(spatial.global_moran(columbus, "CRIME", permutations=0).I)
    assert intercept == pytest.approx(full["lag"].mean())
    # unit 0 moved far away: an island (the measurement)
    moved = columbus.copy()
    moved.loc[0, "geometry"] = box(100, 100, 101, 101)
    moran = spatial.global_moran(moved, "CRIME", permutations=0)
    scatter = spatial.moran_scatter(moved, "CRIME")
    with_zero_lag = np.polyfit(scatter["z"], scatter["lag"].fillna(0), 1)[0]
    assert (round(moran.I, 4), round(with_zero_lag, 4)) == (0.4872, 0.4772)
    # esda: I = n / (n - h) * that slope
    assert moran.I == pytest.approx(49 / 48 * with_zero_lag, rel=1e-12)
    drawn = scatter[~scatter["island"]]
    expected = np.polyfit(drawn["z"], drawn["lag"], 1)
    assert spatial.scatter_line(scatter) == pytest.approx(tuple(expected), rel=1e-12)
    assert abs(spatial.scatter_line(scatter)[0] - moran.I) > 1e-3


def test_reachability_by_hand():
    local = pd.DataFrame(
        {
            "island": [False, False, False, False, True],
            "min_p": [0.001, 0.002, 0.03, 0.06, np.nan],
            "p_value": [0.001, 0.3, 0.4, 0.5, np.nan],
        }
    )
    reach = spatial.reachability(local, alpha=0.05)
    # m = 4 tested units: Bonferroni needs min_p < 0.0125
    assert reach["can_reach_bonferroni"].tolist() == [True, True, False, False, False]
    assert reach["can_reach_alpha"].tolist() == [True, True, True, False, False]
    # FDR: unit 1 at 0.002 beside 0.001, 0.4, 0.5 → rank 2, 0.002 <= 2 * 0.05 / 4
    # unit 2 at 0.03 beside 0.001, 0.3, 0.5 → rank 2, 0.03 > 0.025, nor later ranks
    assert reach["can_reach_fdr"].tolist() == [True, True, False, False, False]


def test_embedded_reachability_seeds_and_false_positives_as_stated(embedded_rates):
    rates = embedded_rates
    lisa = spatial.local_moran(rates, "incidence", permutations=9999, seed=20161231)
    gi = spatial.getis_ord(rates, "incidence", permutations=999, seed=20161231)
    local = spatial.local_results(rates, "incidence", lisa, gi)
    found = spatial.cluster_summary(local)
    # every village can reach 0.05, but 坪溪村 (2 neighbours: min p 1/406) never 0.05/30
    assert found.cannot_reach_alpha == ()
    pingxi = local[local["name"] == "坪溪村"].iloc[0]
    assert pingxi["n_neighbours"] == 2 and pingxi["min_p"] == pytest.approx(1 / 406)
    assert "坪溪村" in found.cannot_reach_bonferroni
    assert set(found.cannot_reach_bonferroni) == set(
        local.loc[local["min_p"] * 30 >= 0.05, "name"]
    )
    # another seed moves pseudo p-values in the second decimal, not the third
    spread = spatial.pseudo_p_spread(rates, "eb", seeds=range(10))
    facts = spatial.seed_facts(rates, spread)
    assert facts.seeds == 10 and facts.largest_change > 0.01
    assert "铁杉林村" in facts.flips
    # false positives under no pattern: ~3 with the directed p, ~1.5 two-sided
    fp = spatial.false_positive_facts(
        spatial.null_rejection_rates(rates, alternative="directed"),
        spatial.null_rejection_rates(rates),
    )
    assert fp.villages == 30
    assert fp.expected_directed == pytest.approx(2.996, abs=1e-3)
    assert fp.expected_two_sided == pytest.approx(1.498, abs=1e-3)
    assert fp.rate_directed > 1.9 * fp.alpha and fp.rate_two_sided <= fp.alpha


def test_embedded_two_sided_exact_clusters_as_the_readme_says(embedded_rates):
    # README ("The data it expects"): what the report's default finds after the 2016 exits
    lisa = exact.exact_local_moran(embedded_rates, "incidence")
    high_high = set(embedded_rates.loc[lisa["cluster"] == "High-High", "name"])
    assert high_high == {"朝仪村", "表田村", "铁坡村", "和团村", "上翁村"}
    directed = exact.exact_local_moran(embedded_rates, "incidence", alternative="directed")
    assert (int(lisa["significant"].sum()), int(directed["significant"].sum())) == (12, 14)
    weng_pei = embedded_rates["name"] == "翁培村"
    assert lisa.loc[weng_pei, "quadrant"].iloc[0] == "HH"
    assert not lisa.loc[weng_pei, "significant"].iloc[0]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in high_high | {"翁培村"}:
        assert name in readme
