"""The analyses of notebook 06_dynamics: Kaplan–Meier against a hand computation and
lifelines, the tables against the 2016 roster's published figures, and the planted
patterns of the embedded panel recovered."""

import math

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_analysis import dynamics_plots, geo, plots, reference, spatial, synth
from fupin_analysis.errors import ConfigError
from fupin_analysis.panel import analysis, survival
from fupin_analysis.reference import data_dir

RAW = data_dir() / "raw"


# --- Kaplan–Meier ------------------------------------------------------------------------


def test_kaplan_meier_by_hand():
    """Events at 1 and 3, censored at 2 and 4: S(1) = 3/4, S(3) = 3/4 · 1/2.

    Exponential Greenwood at 1: V = 1/(4·3); log S = log 0.75; the bounds are
    exp(-exp(log(-log S) ∓ 1.95996 √V / log S)).
    """
    km = survival.kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0])
    assert km["at_risk"].tolist() == [4, 3, 2, 1]
    assert km["survival"].tolist() == [0.75, 0.75, 0.375, 0.375]
    log_s, v = math.log(0.75), 1 / 12
    z = 1.959964
    low = math.exp(-math.exp(math.log(-log_s) - z * math.sqrt(v) / log_s))
    high = math.exp(-math.exp(math.log(-log_s) + z * math.sqrt(v) / log_s))
    assert km["ci_low"].iloc[0] == pytest.approx(low, abs=1e-6) == pytest.approx(0.127947, abs=1e-6)
    assert km["ci_high"].iloc[0] == pytest.approx(high, abs=1e-6)


#: lifelines 0.30.3, KaplanMeierFitter().fit(d, e, entry=en): survival, lower, upper.
LIFELINES = {
    1: (0.800000, 0.203809, 0.969180),
    2: (0.666667, 0.194617, 0.904434),
    3: (0.533333, 0.140494, 0.817634),
    4: (0.426667, 0.102136, 0.727609),
    5: (0.320000, 0.062671, 0.625798),
    6: (0.160000, 0.009328, 0.487533),
    7: (0.160000, 0.009328, 0.487533),
}
D, E, EN = (
    [1, 2, 2, 3, 4, 4, 5, 5, 6, 7],
    [1, 1, 0, 1, 0, 1, 1, 0, 1, 0],
    [0, 0, 1, 1, 0, 2, 3, 0, 4, 0],
)


def test_kaplan_meier_with_late_entry_matches_lifelines():
    km = survival.kaplan_meier(D, E, EN).set_index("time")
    for time, (s, low, high) in LIFELINES.items():
        got = km.loc[float(time)]
        assert (got["survival"], got["ci_low"], got["ci_high"]) == pytest.approx(
            (s, low, high), abs=1e-6
        ), time


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.integers(0, 3)), min_size=2,
                max_size=40))  # fmt: skip
def test_kaplan_meier_matches_lifelines_live(units):
    lifelines = pytest.importorskip("lifelines")
    d = np.array([u[0] for u in units], float)
    e = np.array([u[1] for u in units])
    en = np.minimum([u[2] for u in units], d)
    km = survival.kaplan_meier(d, e, en).set_index("time")
    fit = lifelines.KaplanMeierFitter().fit(d, e, entry=en)
    expected = fit.survival_function_.iloc[:, 0].reindex(km.index)
    assert np.allclose(km["survival"], expected, equal_nan=True)


def test_kaplan_meier_properties():
    km = survival.kaplan_meier([3, 1, 2, 2, 5], [1, 1, 1, 0, 1])
    assert km["survival"].is_monotonic_decreasing and km["survival"].iloc[-1] == 0
    assert (km["ci_low"] <= km["survival"]).all() and (km["survival"] <= km["ci_high"]).all()
    with pytest.raises(ConfigError, match="after its unit"):
        survival.kaplan_meier([1], [1], [2])
    with pytest.raises(ConfigError, match="one value per unit"):
        survival.kaplan_meier([1, 2], [1])


def test_exit_durations_and_censoring_as_documented():
    years = (2015, 2016, 2017)
    h = pd.DataFrame({
        "panel_household": ["a", "a", "b", "b", "b", "c", "d", "d", "e"],
        "year": [2015, 2016, 2015, 2016, 2017, 2015, 2016, 2017, 2015],
        "designated": [True] * 5 + [False] * 4,
        "first_identified": pd.to_datetime(
            ["2014-05-01"] * 2 + [None] * 3 + ["2015-05-01", "2016-06-01", "2016-06-01",
                                               "2014-05-01"]),
        "exited": [False, True, False, False, False, False, False, False, True],
        "exit_year": pd.array([None, 2016, None, None, None, None, None, None, 2014],
                              dtype="Int64"),
        "end": [None, None, None, None, None, "gone", None, None, None],
    })  # fmt: skip
    d = survival.exit_durations(h, years).set_index("panel_household")
    assert list(d.index) == ["a", "b", "c", "d"]  # e was exited when first seen
    assert d.loc["a", ["identified", "entry", "duration", "exited"]].tolist() == [2014, 1, 2, True]
    assert d.loc["b", ["identified", "entry", "duration"]].tolist() == [2015, 0, 2]
    assert d["censoring"].fillna("").tolist() == ["", "poor_at_end", "left_roster", "poor_at_end"]


# --- the embedded panel ----------------------------------------------------------------


@pytest.fixture(scope="module")
def registry():
    return reference.read_village_registry(RAW / synth.REGISTRY_FILE)


@pytest.fixture(scope="module")
def incidence(embedded_panel, registry):
    return analysis.incidence_by_year(embedded_panel.person_years, registry, embedded_panel.years)


def test_2016_incidence_is_the_published_roster_s(incidence, clean_embedded, registry):
    """The panel's 2016 poor per village are the 2016 roster's remaining poor."""
    published = spatial.incidence(clean_embedded.households, registry, 2016)
    ours = incidence[incidence["year"] == 2016].reset_index(drop=True)
    assert ours["code"].tolist() == published["code"].tolist()
    assert ours["poor"].tolist() == published["poor"].astype("int64").tolist()
    assert ours["incidence"].tolist() == pytest.approx(published["incidence"].tolist())


def test_each_year_uses_its_poverty_line(incidence, embedded_panel):
    lines = incidence.groupby("year")["line_yuan"].first().to_dict()
    assert lines == {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218}
    p = embedded_panel.person_years
    in_2018 = p[(p["year"] == 2018) & (p["income_per_capita"] < 2995)]
    assert incidence.loc[incidence["year"] == 2018, "below_line"].sum() == len(in_2018)
    with pytest.raises(ConfigError, match="no national line for 2030"):
        analysis.incidence_by_year(p, reference.read_village_registry(), (2030,))


def test_the_designated_villages_share_rises_as_the_others_exit_first(incidence):
    share = analysis.designated_share(incidence).set_index("year")
    assert share.loc[2016, "designated_poor"] == int(
        incidence.query("year == 2016 and designated")["poor"].sum()
    )
    assert share.loc[2016, "population_share"] == pytest.approx(6650 / 32000)
    assert share.loc[2018, "designated_share"] > share.loc[2016, "designated_share"] + 0.05


def test_flows_add_up_per_village_and_the_total_is_the_sum(embedded_panel, registry):
    f = analysis.flows(embedded_panel.transitions, registry)
    entered = f[["new", "returned", "born_or_married_in"]].sum(axis=1)
    left = f[["exited", "removed", "died_or_married_out", "household_gone"]].sum(axis=1)
    assert (f["entered"] == entered).all() and (f["left"] == left).all()
    balance = f["poor_start"] + f["entered"] - f["left"] + f["unobserved_in"] - f["unobserved_out"]
    assert (f["poor_end"] == balance).all()
    totals = f[f["name"] == "全乡"].set_index("year")
    villages = f[f["name"] != "全乡"].groupby("year").sum(numeric_only=True)
    assert (totals["poor_end"] == villages["poor_end"]).all()
    assert totals.loc[2016, "poor_end"] == 4263 and totals.loc[2016, "exited"] == 1623


def test_returns_cluster_where_they_were_planted(embedded_panel, registry):
    returns = analysis.returns_by_village(
        embedded_panel.household_years, embedded_panel.transitions, registry
    )
    cluster = {code for code, _ in synth.RETURN_CLUSTER}
    top = set(returns.nlargest(4, "return_rate")["code"])
    assert top == cluster
    villages = geo.read_geography(RAW / synth.GEOGRAPHY_FILE).villages
    frame = analysis.return_rates(returns, villages)
    lisa = spatial.local_moran(frame, "return_rate", permutations=999, seed=1)
    assert cluster <= set(frame.index[lisa["cluster"] == "High-High"])


@pytest.fixture(scope="module")
def yearly(embedded_panel, registry):
    villages = geo.read_geography(RAW / synth.GEOGRAPHY_FILE).villages
    rates = analysis.yearly_rates(embedded_panel.person_years, villages, registry,
                                  embedded_panel.years)  # fmt: skip
    moran, local = analysis.clusters_by_year(rates, permutations=999, seed=1)
    return rates, moran, local


def test_the_planted_north_west_cluster_holds_then_dissolves(yearly):
    _, moran, local = yearly
    planted = {code for code, _ in synth.PLANTED_HIGH_HIGH}
    high = local[local["cluster"] == "High-High"].groupby("year")["code"].apply(set)
    assert planted <= high[2014]  # before any exit: the planted pattern itself
    assert len(planted & high[2019]) < len(planted)
    assert moran.set_index("year")["I"].is_monotonic_decreasing
    changes = analysis.cluster_changes(local)
    assert set(changes["change"]) <= set(analysis.CHANGES)
    dissolved = changes[(changes["year"] == 2019) & (changes["change"] == "dissolved")]
    assert planted & set(dissolved["code"])


def test_designated_villages_take_longer_to_exit(embedded_panel):
    durations = survival.exit_durations(embedded_panel.household_years, embedded_panel.years)
    curves = survival.exit_curves(durations)
    medians = survival.median_time(curves).set_index("designated")["median_years"]
    assert medians[True] > medians[False]
    assert set(durations["censoring"].dropna()) <= set(survival.CENSORING)
    at_3 = curves[curves["years"] == 3].set_index("designated")["survival"]
    assert at_3[True] > at_3[False]


def test_small_multiples_have_a_map_per_year(yearly):
    rates, _, local = yearly
    plots.use_style()
    fig = dynamics_plots.incidence_by_year_maps(rates, title="t", lang="en")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert [str(y) for y in rates] == titles[: len(rates)]
    plt.close(fig)
    fig = dynamics_plots.clusters_by_year_maps(rates, local, alpha=0.05, title="t", lang="en")
    assert "High-High" in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)
    assert isinstance(next(iter(rates.values())), gpd.GeoDataFrame)
