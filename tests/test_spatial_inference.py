"""Rate Moran, bivariate Moran, join counts, Geary (spatial.association), the geographical
detector (spatial.detector) and spatial regression (spatial.regression).

Known answers are hand formulas written out here, an independent implementation of the
geographical detector (the PyPI ``geodetector`` package, a test dependency only) and the
maximum of the concentrated likelihood found by a grid search.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import box

from fupin_analysis.errors import ConfigError
from fupin_analysis.spatial import association, detector, regression


@pytest.fixture(scope="module")
def columbus() -> gpd.GeoDataFrame:
    return gpd.read_file(libpysal.examples.get_path("columbus.shp"))


def _row_standardised(gdf: gpd.GeoDataFrame) -> np.ndarray:
    w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
    dense, _ = w.full()
    sums = dense.sum(axis=1, keepdims=True)
    return np.divide(dense, sums, out=np.zeros_like(dense), where=sums > 0)


# ----------------------------------------------------------------------------- association


def test_assuncao_reis_by_hand():
    frame = pd.DataFrame({"poor": [10, 50, 5, 30], "population": [100, 200, 100, 150]})
    e, n = frame["poor"].to_numpy(float), frame["population"].to_numpy(float)
    b = e.sum() / n.sum()
    r = e / n
    a = (n * (r - b) ** 2).sum() / n.sum() - b / n.mean()
    expected = (r - b) / np.sqrt(a + b / n)
    np.testing.assert_allclose(association.assuncao_reis(frame), expected, rtol=1e-12)
    with pytest.raises(ConfigError, match="positive"):
        association.assuncao_reis(frame.assign(population=[100, 0, 100, 150]))


def test_rate_moran_is_moran_of_the_standardised_rate(columbus):
    frame = columbus.assign(events=columbus["CRIME"].round(), base=columbus["HOVAL"] * 10)
    result = association.rate_moran(frame, events="events", base="base", permutations=99, seed=3)
    z = association.assuncao_reis(frame, events="events", base="base").to_numpy()
    z = z - z.mean()
    w = _row_standardised(frame)
    expected = len(z) / w.sum() * (z @ w @ z) / (z @ z)
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.expected == pytest.approx(-1 / 48)
    again = association.rate_moran(frame, events="events", base="base", permutations=99, seed=3)
    assert again == result


def test_bivariate_moran_by_hand(columbus):
    result = association.bivariate_moran(columbus, "CRIME", "INC", permutations=99, seed=1)
    x, y = columbus["CRIME"].to_numpy(), columbus["INC"].to_numpy()
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    expected = zx @ _row_standardised(columbus) @ zy / (len(x) - 1)
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.variable == "CRIME ~ lag(INC)"
    # rich neighbourhoods, low crime: negative association, so p_greater is large
    assert result.value < 0 and result.p_greater > 0.9 and result.p_two_sided <= 0.02


def test_geary_by_hand_and_direction(columbus):
    result = association.geary(columbus, "CRIME", permutations=999, seed=0)
    y = columbus["CRIME"].to_numpy()
    w = _row_standardised(columbus)
    d = (y[:, None] - y[None, :]) ** 2
    expected = (len(y) - 1) * (w * d).sum() / (2 * w.sum() * ((y - y.mean()) ** 2).sum())
    assert result.value == pytest.approx(expected, rel=1e-12)
    # crime clusters: C well below 1, positive association at the smallest p there is
    assert result.value < 1 and result.p_greater == pytest.approx(1 / 1000)
    assert result.p_two_sided == pytest.approx(2 / 1000)
    assert result.p_greater_se == pytest.approx(np.sqrt(0.001 * 0.999 / 999))


def test_join_counts_by_hand():
    # a row of 8: flagged units 0, 1, 2 and 6 → black-black joins 0-1 and 1-2
    flags = [True, True, True, False, False, False, True, False]
    row = gpd.GeoDataFrame({"flag": flags}, geometry=[box(i, 0, i + 1, 1) for i in range(8)])
    result = association.join_counts(row, "flag", weights="rook", permutations=999, seed=2)
    assert result.value == 2.0
    # under relabelling, E[BB] = J * m (m - 1) / (n (n - 1)) with J = 7 joins, m = 4 of n = 8
    analytic = 7 * 4 * 3 / (8 * 7)
    assert result.expected == pytest.approx(analytic, abs=4 * 0.8 / np.sqrt(999))
    # exactly: P(BB >= 2) over all C(8, 4) labellings
    counts = []
    for chosen in itertools.combinations(range(8), 4):
        s = set(chosen)
        counts.append(sum(i in s and i + 1 in s for i in range(7)))
    exact_p = np.mean(np.array(counts) >= 2)
    assert abs(result.p_greater - exact_p) < 4 * result.p_greater_se + 1 / 1000
    with pytest.raises(ConfigError, match="yes/no"):
        association.join_counts(row.assign(flag=[1, 2, 0, 0, 0, 0, 1, 0]), "flag")


def test_global_tests_report_islands_restore_the_generator_and_tabulate(columbus):
    with_island = pd.concat(
        [columbus[["CRIME", "INC", "geometry"]],
         gpd.GeoDataFrame({"CRIME": [10.0], "INC": [5.0]}, geometry=[box(0, 0, 0.1, 0.1)],
                          crs=columbus.crs)],
        ignore_index=True,
    )  # fmt: skip
    np.random.seed(5)  # noqa: NPY002 - the global generator is what is under test
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002
    result = association.geary(with_island, "CRIME", permutations=9, seed=0)
    assert np.random.random() == expected  # noqa: NPY002
    assert result.islands == (49,)
    table = association.global_table(
        {"geary": result, "bv": association.bivariate_moran(with_island, "CRIME", "INC",
                                                            permutations=9)}
    )  # fmt: skip
    assert table["label"].tolist() == ["geary", "bv"]
    assert table["islands"].tolist() == [1, 1]
    with pytest.raises(ConfigError, match="permutations"):
        association.geary(columbus, "CRIME", permutations=0)


# ----------------------------------------------------------------------------- detector


def test_q_f_and_lambda_by_hand():
    # Y = 1 2 3 | 7 8 9: stratum means 2 and 8, mean 5, population variance 58/6
    y = [1.0, 2.0, 3.0, 7.0, 8.0, 9.0]
    strata = pd.DataFrame({"side": ["W"] * 3 + ["E"] * 3})
    row = detector.factor_detector(y, strata).iloc[0]
    q = 1 - (2 + 2) / 58
    f = (6 - 2) / (2 - 1) * q / (1 - q)
    lam = (2**2 + 8**2 - (np.sqrt(3) * 2 + np.sqrt(3) * 8) ** 2 / 6) / (58 / 6)
    assert row["q"] == pytest.approx(q, abs=1e-15) and f == pytest.approx(54.0)
    assert row["F"] == pytest.approx(f, rel=1e-12)
    assert row["lambda"] == pytest.approx(18 / (58 / 6), rel=1e-12) == lam
    assert row["p_value"] == pytest.approx(stats.ncf.sf(54.0, 1, 4, lam), rel=1e-12)
    assert row["p_central"] == pytest.approx(stats.f.sf(54.0, 1, 4), rel=1e-12)
    assert row["p_central"] < row["p_value"]
    assert (row["strata"], row["smallest_stratum"]) == (2, 3)


@pytest.fixture(scope="module")
def table_30() -> tuple[np.ndarray, pd.DataFrame]:
    """30 units, a rate rising with two factors, strata of at least two units."""
    rng = np.random.default_rng(17)
    a = np.repeat([0, 1, 2], 10)
    b = np.tile(np.repeat([0, 1], 5), 3)
    c = np.tile([0, 1, 2, 3, 4], 6)
    y = 0.1 + 0.05 * a + 0.03 * b + rng.normal(0, 0.02, 30)
    return y, pd.DataFrame({"a": a, "b": b, "c": c})


def _categorical(strata: pd.DataFrame) -> pd.DataFrame:
    # strings: the reference package then takes them as strata, not as numbers to cut
    return strata.astype(str)


def test_factor_detector_equals_the_geodetector_package(table_30):
    from geodetector import FactorDetector

    y, strata = table_30
    ours = detector.factor_detector(y, strata).set_index("factor")
    for factor in strata.columns:
        ref = FactorDetector().fit(_categorical(strata[[factor]]), y)
        assert ours.loc[factor, "q"] == pytest.approx(ref.q_value_, abs=1e-12)
        assert ours.loc[factor, "p_value"] == pytest.approx(ref.p_value_, abs=1e-12)


def test_interaction_detector_equals_the_geodetector_package(table_30):
    from geodetector import InteractionDetector

    y, strata = table_30
    ours = detector.interaction_detector(y, strata)
    ref = InteractionDetector().fit(_categorical(strata), y)
    classes = dict(enumerate(detector.INTERACTIONS))
    assert len(ours) == len(ref.pairs_) == 3
    for mine, theirs in zip(ours.to_dict("records"), ref.pairs_, strict=True):
        assert (mine["factor_1"], mine["factor_2"]) == (theirs["factor_1"], theirs["factor_2"])
        for key in ("q_1", "q_2", "q_12"):
            assert mine[key] == pytest.approx(theirs[key], abs=1e-12)
        assert mine["interaction"] == classes[theirs["interaction_type"]]


def test_risk_and_ecological_detectors_equal_the_geodetector_package(table_30):
    from geodetector import EcologicalDetector, RiskDetector

    y, strata = table_30
    risk = detector.risk_detector(y, strata)
    ref = RiskDetector().fit(_categorical(strata), y).risk_result_
    for factor in strata.columns:
        mine = risk[risk["factor"] == factor]
        theirs = ref[factor]
        assert len(mine) == len(theirs)
        np.testing.assert_allclose(mine["t"], theirs["t_stat"], atol=1e-12)
        np.testing.assert_allclose(mine["p_value"], theirs["p_value"], atol=1e-12)
    eco = detector.ecological_detector(y, strata)
    ref_eco = EcologicalDetector().fit(_categorical(strata), y).eco_result_
    np.testing.assert_allclose(eco["F"], ref_eco["f_stat"], atol=1e-12)
    np.testing.assert_allclose(eco["p_value"], ref_eco["p_value"], atol=1e-12)


def test_interaction_classes_on_hand_cases():
    cases = {
        (0.3, 0.2, 0.1): "nonlinear-weaken",
        (0.3, 0.2, 0.2): "uni-weaken",
        (0.3, 0.2, 0.3): "uni-weaken",
        (0.3, 0.2, 0.4): "bi-enhance",
        (0.3, 0.2, 0.5): "independent",
        (0.3, 0.2, 0.7): "nonlinear-enhance",
    }
    for (q1, q2, q12), expected in cases.items():
        assert detector.interaction_class(q1, q2, q12) == expected


def test_overlay_of_two_halves_is_nonlinear_enhance_by_hand():
    # y = a XOR b: neither factor alone explains anything, together everything
    y = [0.0, 1.0, 1.0, 0.0] * 2
    strata = pd.DataFrame({"a": [0, 0, 1, 1] * 2, "b": [0, 1, 0, 1] * 2})
    row = detector.interaction_detector(y, strata).iloc[0]
    assert (row["q_1"], row["q_2"], row["q_12"]) == (0.0, 0.0, 1.0)
    assert row["interaction"] == "nonlinear-enhance" and row["smallest_stratum"] == 2


def test_singleton_strata_are_kept_and_reported():
    y = [1.0, 2.0, 3.0, 10.0]
    strata = pd.DataFrame({"x": [0, 0, 0, 1]})
    row = detector.factor_detector(y, strata).iloc[0]
    # the stratum {10} explains its unit perfectly: SSW = 2 of SST = 50 (mean 4)
    assert row["q"] == pytest.approx(1 - 2 / 50)
    assert row["smallest_stratum"] == 1
    risk = detector.risk_detector(y, strata)
    assert np.isnan(risk.loc[0, "t"]) and not risk.loc[0, "significant"]


def test_discretisation_rules_and_the_table():
    values = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 100])
    assert detector.discretise(values, "equal", 3).tolist() == [0] * 8 + [1]
    assert detector.discretise(values, "quantile", 3).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    # Fisher-Jenks: the outlier alone, then the cut that minimises within variance
    assert detector.discretise(values, "natural", 3).tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2]
    assert detector.discretise([5.0, 5.0, 5.0], "quantile", 4).tolist() == [0, 0, 0]
    with pytest.raises(ConfigError, match="rule"):
        detector.discretise(values, "jenks", 3)
    y = np.arange(9.0)
    table = detector.discretisation_table(y, pd.DataFrame({"v": values}), ks=(2, 3))
    assert list(zip(table["rule"], table["k"], strict=True)) == [
        ("equal", 2), ("equal", 3), ("quantile", 2), ("quantile", 3), ("natural", 2),
        ("natural", 3),
    ]  # fmt: skip
    for rule, k, q in zip(table["rule"], table["k"], table["q"], strict=True):
        assert q == pytest.approx(detector.q_statistic(y, detector.discretise(values, rule, k)))
    strata = detector.stratify(
        pd.DataFrame({"v": values, "kind": list("abababab") + ["c"]}),
        {"v": "quantile", "kind": "categorical"},
        k=3,
    )
    assert strata["kind"].tolist() == [0, 1, 0, 1, 0, 1, 0, 1, 2]
    assert strata.attrs["rules"] == {"v": ("quantile", 3), "kind": ("categorical", None)}
    with pytest.raises(ConfigError, match="missing"):
        detector.stratify(pd.DataFrame({"v": [1.0, np.nan]}), {"v": "equal"})


# ----------------------------------------------------------------------------- regression


def test_ols_and_lm_tests_by_hand(columbus):
    fit = regression.spatial_regression(columbus, "CRIME", ["INC", "HOVAL"], model="ols")
    y = columbus["CRIME"].to_numpy()
    x = np.column_stack([np.ones(len(y)), columbus[["INC", "HOVAL"]].to_numpy()])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    ols = fit.coefficients[fit.coefficients["model"] == "ols"]
    np.testing.assert_allclose(ols["coefficient"], beta, rtol=1e-10)
    # Anselin (1988) LM tests from the OLS residuals e, s2 = e'e / n, T = tr(W'W + WW)
    w = _row_standardised(columbus)
    n = len(y)
    e = y - x @ beta
    s2 = e @ e / n
    t = np.trace(w.T @ w + w @ w)
    wxb = w @ x @ beta
    m = np.eye(n) - x @ np.linalg.solve(x.T @ x, x.T)
    nj = wxb @ m @ wxb / s2 + t
    d_err, d_lag = e @ w @ e / s2, e @ w @ y / s2
    expected = {
        "lm_error": d_err**2 / t,
        "lm_lag": d_lag**2 / nj,
        "rlm_lag": (d_lag - d_err) ** 2 / (nj - t),
        "rlm_error": (d_err - t / nj * d_lag) ** 2 / (t * (1 - t / nj)),
    }
    found = fit.diagnostics.set_index("test")["statistic"]
    for test, value in expected.items():
        assert found[test] == pytest.approx(value, rel=1e-8), test
    p = fit.diagnostics.set_index("test")["p_value"]
    assert p["lm_lag"] == pytest.approx(stats.chi2.sf(expected["lm_lag"], 1), rel=1e-8)
    assert fit.model == "ols" and "asked for" in fit.reason


def test_lag_model_maximises_the_concentrated_likelihood(columbus):
    fit = regression.spatial_regression(columbus, "CRIME", ["INC", "HOVAL"])
    assert fit.model == "lag"
    lag = fit.coefficients[fit.coefficients["model"] == "lag"].set_index("variable")
    y = columbus["CRIME"].to_numpy()
    x = np.column_stack([np.ones(len(y)), columbus[["INC", "HOVAL"]].to_numpy()])
    w = _row_standardised(columbus)
    n = len(y)

    def concentrated(rho):
        ay = y - rho * (w @ y)
        e = ay - x @ np.linalg.lstsq(x, ay, rcond=None)[0]
        return -n / 2 * np.log(e @ e / n) + np.linalg.slogdet(np.eye(n) - rho * w)[1]

    grid = np.linspace(0.0, 0.9, 9001)
    best = grid[np.argmax([concentrated(r) for r in grid])]
    assert lag.loc["rho", "coefficient"] == pytest.approx(best, abs=2e-4)
    rho = lag.loc["rho", "coefficient"]
    beta = np.linalg.lstsq(x, y - rho * (w @ y), rcond=None)[0]
    np.testing.assert_allclose(lag.loc[["constant", "INC", "HOVAL"], "coefficient"], beta,
                               rtol=1e-6)  # fmt: skip
    assert fit.fit["model"].tolist() == ["ols", "lag"]
    assert fit.fit.set_index("model").loc["lag", "log_likelihood"] > fit.fit.set_index(
        "model"
    ).loc["ols", "log_likelihood"]


def _diagnostics(p_lag, p_error, p_rlag, p_rerror, s_rlag=1.0, s_rerror=2.0):
    return pd.DataFrame(
        {
            "test": ["lm_lag", "lm_error", "rlm_lag", "rlm_error"],
            "statistic": [5.0, 5.0, s_rlag, s_rerror],
            "p_value": [p_lag, p_error, p_rlag, p_rerror],
        }
    )


def test_choose_model_rule():
    assert regression.choose_model(_diagnostics(0.2, 0.3, 0.5, 0.5))[0] == "ols"
    assert regression.choose_model(_diagnostics(0.01, 0.3, 0.5, 0.5))[0] == "lag"
    assert regression.choose_model(_diagnostics(0.2, 0.01, 0.5, 0.5))[0] == "error"
    assert regression.choose_model(_diagnostics(0.01, 0.01, 0.01, 0.5))[0] == "lag"
    assert regression.choose_model(_diagnostics(0.01, 0.01, 0.5, 0.01))[0] == "error"
    # both or neither robust test significant: the larger robust statistic
    assert regression.choose_model(_diagnostics(0.01, 0.01, 0.01, 0.01, 9.0, 7.0))[0] == "lag"
    assert regression.choose_model(_diagnostics(0.01, 0.01, 0.2, 0.3, 1.0, 2.0))[0] == "error"
    # the level matters
    assert regression.choose_model(_diagnostics(0.03, 0.3, 0.5, 0.5), alpha=0.01)[0] == "ols"
    with pytest.raises(ConfigError, match="lack"):
        regression.choose_model(_diagnostics(0.2, 0.3, 0.5, 0.5).iloc[:2])


def test_spatial_regression_refuses_islands_and_too_few_units(columbus):
    island = pd.concat(
        [columbus[["CRIME", "INC", "geometry"]],
         gpd.GeoDataFrame({"CRIME": [1.0], "INC": [2.0]}, geometry=[box(0, 0, 0.1, 0.1)],
                          crs=columbus.crs)],
        ignore_index=True,
    )  # fmt: skip
    with pytest.raises(ConfigError, match="no neighbours"):
        regression.spatial_regression(island, "CRIME", ["INC"])
    with pytest.raises(ConfigError, match="cannot fit"):
        regression.spatial_regression(columbus.iloc[:4], "CRIME", ["INC", "HOVAL"])
    with pytest.raises(ConfigError, match="model"):
        regression.spatial_regression(columbus, "CRIME", ["INC"], model="sarma")


def test_local_rate_moran_is_the_exact_lisa_of_the_standardised_rate(columbus):
    # esda's Moran_Local_Rate is Moran_Local of the Assunção–Reis rate: the exact LISA of
    # that column has the same statistic (and its exact p-values)
    import esda

    from fupin_analysis.spatial import exact

    frame = columbus.assign(events=columbus["CRIME"].round(), base=columbus["HOVAL"] * 10)
    frame["ar_rate"] = association.assuncao_reis(frame, events="events", base="base")
    w = libpysal.weights.Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    ref = esda.Moran_Local_Rate(frame["events"], frame["base"], w, permutations=0)
    lisa = exact.exact_local_moran(frame, "ar_rate")
    np.testing.assert_allclose(lisa["Ii"], ref.Is, rtol=1e-12)
