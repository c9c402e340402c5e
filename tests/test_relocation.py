"""Tests of fupin_analysis.relocation: origins, site criteria, location-allocation."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from fupin_analysis import relocation as rl
from fupin_analysis.errors import ConfigError, GeographyError
from fupin_analysis.geo import metric_crs, read_geography
from fupin_analysis.reference import load_reference

CRS = "EPSG:4546"  # CGCS2000 / 3-degree Gauss-Kruger CM 111E, metres
X0, Y0 = 500_000, 2_930_000  # near 111°E, 26.5°N, where geo.metric_crs picks EPSG:4546


def P(x: float, y: float) -> Point:
    """A point at (x, y) metres from the fixtures' origin."""
    return Point(X0 + x, Y0 + y)


def B(x0: float, y0: float, x1: float, y1: float):
    """A box in metres from the fixtures' origin."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


# --- hand-made geography --------------------------------------------------------------


@pytest.fixture
def geography() -> SimpleNamespace:
    """Three 2 km square villages along x; a road along y = 0; one hazard; three sites."""
    villages = gpd.GeoDataFrame(
        {
            "code": ["430527203203", "430527203208", "430527203209"],
            "name": ["李家村", "竹桥村", "兰家村"],
            "elevation_m": [900.0, 700.0, 500.0],
        },
        geometry=[B(0, 1000, 2000, 3000), B(4000, 1000, 6000, 3000), B(8000, 0, 10000, 2000)],
        crs=CRS,
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1", "S2", "S3"],
            "name": ["原食品站", "候选甲", "候选乙"],
            "status": ["chosen", "candidate", "candidate"],
            "area_mu": [8.5, 4.0, np.nan],
            "capacity_households": [5, 2, 3],
            "elevation_m": [400.0, 650.0, 1000.0],
        },
        geometry=[P(5000, 100), P(1000, 500), P(9000, 5000)],
        crs=CRS,
    )
    return SimpleNamespace(
        villages=villages,
        sites=sites,
        roads=gpd.GeoDataFrame(
            {"name": ["S221"]}, geometry=[LineString([(X0 - 5000, Y0), (X0 + 15000, Y0)])], crs=CRS
        ),
        seat=gpd.GeoDataFrame({"name": ["寨市"]}, geometry=[P(5000, -300)], crs=CRS),
        hazards=gpd.GeoDataFrame(
            {"hazard_id": ["H1"]}, geometry=[B(8500, 4500, 9500, 5500)], crs=CRS
        ),
        scattered=gpd.GeoDataFrame(
            {"code": ["430527203203", "430527203209"], "households": [2, 1], "people": [7, 2],
             "elevation_m": [600.0, 550.0]},
            geometry=[P(1000, 200), P(9000, 1800)],
            crs=CRS,
        ),
    )


@pytest.fixture
def households() -> pd.DataFrame:
    mode = pd.Categorical(
        ["集中安置", "集中安置", "集中安置", "分散安置", "分散安置", None, "集中安置"],
        categories=["集中安置", "分散安置"],
    )
    return pd.DataFrame(
        {
            "household_key": [f"h{i}" for i in range(7)],
            "village_code": ["430527203203", "430527203203", "430527203208",
                             "430527203203", "430527203209", "430527203208", "430527203209"],
            "members": [4, 3, 5, 6, 2, 1, 2],
            "relocation_mode": mode,
        }
    )


@pytest.fixture
def orig(households, geography) -> gpd.GeoDataFrame:
    return rl.origins(households, geography)


# --- origins --------------------------------------------------------------------------


def test_origins_keep_relocated_households_at_village_points(orig, households, geography):
    assert orig["household_key"].tolist() == ["h0", "h1", "h2", "h3", "h4", "h6"]
    assert orig["mode"].tolist() == ["concentrated"] * 3 + ["scattered"] * 2 + ["concentrated"]
    assert orig["mode_zh"].tolist()[:4] == ["集中安置", "集中安置", "集中安置", "分散安置"]
    assert orig["people"].tolist() == [4, 3, 5, 6, 2, 2]
    assert orig["elevation_m"].tolist() == [900.0, 900.0, 700.0, 900.0, 500.0, 500.0]
    assert orig["village_name"].iloc[2] == "竹桥村"
    polygons = geography.villages.set_index("code").geometry.loc[orig["village_code"]]
    assert orig.geometry.within(polygons, align=False).all()
    assert orig.crs == CRS
    assert not {"name", "id_number", "phone"} & set(orig.columns)


def test_origins_accept_a_clean_roster_object(households, geography):
    a = rl.origins(SimpleNamespace(households=households), geography)
    b = rl.origins(households, geography)
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))


def test_origins_project_geographic_villages_to_metres(households, geography):
    wgs = SimpleNamespace(villages=geography.villages.to_crs(4326))
    out = rl.origins(households, wgs)
    assert out.crs == metric_crs(wgs.villages) and out.crs.is_projected
    first = rl.origins(households, geography).to_crs(out.crs).geometry.iloc[0]
    assert out.geometry.iloc[0].distance(first) < 50  # representative points, ≈ same place


def test_origins_refuse_households_without_village_geometry(households, geography):
    hh = households.assign(village_code=households["village_code"].replace(
        "430527203209", "430527203231"))
    with pytest.raises(GeographyError, match="430527203231"):
        rl.origins(hh, geography)


# --- site criteria --------------------------------------------------------------------


def test_land_per_person_of_the_seed_site_is_exact():
    assert rl.land_per_person(8.5, 261) == 8.5 * 666.67 / 261
    assert round(rl.land_per_person(8.5, 261), 1) == 21.7
    assert rl.land_per_person(1.0, 2, mu_m2=600.0) == 300.0


def test_evaluate_sites_matches_hand_computation(orig, geography):
    table = rl.evaluate_sites(orig, geography, hazard_buffer_m=200.0).set_index("site_id")
    # concentrated demand: 2 households (7 people) at 李家 (1000, 2000), 1 (5) at 竹桥
    # (5000, 2000), 1 (2) at 兰家 (9000, 1000)
    pts = [(1000, 2000)] * 2 + [(5000, 2000), (9000, 1000)]
    people = np.array([4, 3, 5, 2])
    s1 = np.array([math.dist(p, (5000, 100)) for p in pts])  # chosen site S1 at (5000, 100)
    row = table.loc["S1"]
    assert row["mean_distance_m"] == pytest.approx(s1.mean())
    assert row["people_distance_m"] == pytest.approx(s1 @ people / people.sum())
    assert row["max_distance_m"] == pytest.approx(s1.max())
    assert row["road_distance_m"] == pytest.approx(100.0)
    assert row["seat_distance_m"] == pytest.approx(400.0)
    assert row["hazard_distance_m"] == pytest.approx(math.dist((5000, 100), (8500, 4500)))
    assert not row["in_hazard"] and not row["near_hazard"]
    origin_elev = (900 * 7 + 700 * 5 + 500 * 2) / 14
    assert row["elevation_change_m"] == pytest.approx(400.0 - origin_elev)
    assert row["land_m2_per_person"] == 8.5 * 666.67 / 14
    assert row["floor_m2_per_person"] == pytest.approx(8.5 * 666.67 / 14 * 1.0)
    assert row["floor_to_cap"] == pytest.approx(8.5 * 666.67 / 14 / 25)
    assert row["capacity_households"] == 5 and row["demand_households"] == 4
    assert bool(row["capacity_ok"])
    # S3 sits inside the hazard polygon; S2 is too small; S3 has no land figure
    assert table.loc["S3", "in_hazard"] and table.loc["S3", "hazard_distance_m"] == 0
    assert not bool(table.loc["S2", "capacity_ok"])
    assert math.isnan(table.loc["S3", "land_m2_per_person"])
    assert table["status"].tolist() == ["chosen", "candidate", "candidate"]


def test_land_criterion_of_the_seed_site_with_261_people(geography):
    # 71 households, 261 people at one village: the seed's planned concentrated move
    hh = pd.DataFrame(
        {
            "household_key": [f"h{i}" for i in range(71)],
            "village_code": "430527203208",
            "members": [4] * 48 + [3] * 23,
            "relocation_mode": "集中安置",
        }
    )
    table = rl.evaluate_sites(
        rl.origins(hh, geography), geography, criteria=["land", "capacity"],
        housing=rl.HousingAssumption(floors=3, coverage=0.4),
    ).set_index("site_id")
    assert table.loc["S1", "land_m2_per_person"] == 8.5 * 666.67 / 261
    assert table.loc["S1", "floor_m2_per_person"] == pytest.approx(8.5 * 666.67 / 261 * 1.2)
    assert table.loc["S1", "demand_households"] == 71
    assert list(table.columns) == [
        "name", "status", "area_mu", "land_m2_per_person", "floor_m2_per_person",
        "floor_to_cap", "capacity_households", "demand_households", "capacity_ok",
    ]


def test_near_hazard_follows_the_buffer(orig, geography):
    far = math.dist((1000, 500), (8500, 4500))
    near = rl.evaluate_sites(orig, geography, criteria=["hazard"], hazard_buffer_m=far + 1)
    assert near.set_index("site_id").loc["S2", "near_hazard"]
    not_near = rl.evaluate_sites(orig, geography, criteria=["hazard"], hazard_buffer_m=far - 1)
    assert not not_near.set_index("site_id").loc["S2", "near_hazard"]


def test_every_criterion_column_has_a_source(orig, geography):
    sources = rl.criteria_sources()
    table = rl.evaluate_sites(orig, geography)
    assert set(table.columns) - {"site_id", "name", "status", "area_mu"} == set(sources["column"])
    assert sources["source"].str.contains("FACTS").all()
    assert set(rl.HEADERS_ZH) >= set(table.columns)


def test_evaluate_sites_refuses_unknown_criteria_and_degrees(orig, geography):
    with pytest.raises(ConfigError, match="slope"):
        rl.evaluate_sites(orig, geography, criteria=["slope"])
    with pytest.raises(GeographyError, match="not in metres"):
        rl.evaluate_sites(orig.to_crs(4326), geography)


def test_missing_layer_or_column_is_named(orig, geography):
    sites = geography.sites
    geography.sites = sites.drop(columns="capacity_households")
    with pytest.raises(GeographyError, match="sites: missing columns .'capacity_households'"):
        rl.evaluate_sites(orig, geography)
    assert "capacity_ok" not in rl.evaluate_sites(orig, geography, criteria=["distance"])
    geography.sites = sites
    geography.hazards = None
    with pytest.raises(GeographyError, match="hazards"):
        rl.evaluate_sites(orig, geography)


def test_housing_assumption_is_validated():
    assert rl.HousingAssumption(floors=2, coverage=0.5).plot_ratio == 1.0
    with pytest.raises(ConfigError, match="coverage"):
        rl.HousingAssumption(coverage=1.5)


def test_scattered_moves(orig, geography):
    moves = rl.scattered_moves(orig, geography).set_index("village_code")
    assert moves.index.tolist() == ["430527203203", "430527203209"]
    li = moves.loc["430527203203"]
    assert (li["households"], li["people"], li["layer_households"], li["layer_people"]) == (
        1, 6, 2, 7)
    assert li["old_road_m"] == pytest.approx(2000.0)
    assert li["new_road_m"] == pytest.approx(200.0)
    assert li["move_m"] == pytest.approx(1800.0)
    assert bool(li["nearer_road"])
    assert li["elevation_change_m"] == pytest.approx(-300.0)
    lan = moves.loc["430527203209"]
    assert lan["old_road_m"] == pytest.approx(1000.0) and lan["new_road_m"] == pytest.approx(
        1800.0)
    assert not bool(lan["nearer_road"])


def test_scattered_moves_keep_villages_on_one_side_only(orig, geography):
    geography.scattered = geography.scattered.iloc[[0]].assign(code="430527203231")
    moves = rl.scattered_moves(orig, geography).set_index("village_code")
    assert sorted(moves.index) == ["430527203203", "430527203209", "430527203231"]
    assert pd.isna(moves.loc["430527203231", "people"])
    assert pd.isna(moves.loc["430527203203", "nearer_road"])
    assert moves.loc["430527203231", "layer_people"] == 7


def test_flows_go_to_the_nearest_site(orig, geography):
    out = rl.flows(orig, geography.sites)
    # 兰家 (9000, 1000) is 4000 m from S3 and 4100 m from S1
    assert out["site_id"].tolist() == ["S2", "S1", "S3"]
    assert out.geometry.length.to_numpy() == pytest.approx(out["distance_m"].to_numpy())
    assert out["people"].sum() == 14


# --- location-allocation --------------------------------------------------------------


def _instance(coords_o, coords_s, people, status=None) -> tuple:
    n = len(coords_o)
    orig = gpd.GeoDataFrame(
        {
            "village_code": [f"v{i:02d}" for i in range(n)],
            "mode": "concentrated",
            "households": 1,
            "people": people,
        },
        geometry=[Point(x, y) for x, y in coords_o],
        crs=CRS,
    )
    sites = gpd.GeoDataFrame(
        {"site_id": [f"s{j}" for j in range(len(coords_s))],
         "status": status or ["candidate"] * len(coords_s)},
        geometry=[Point(x, y) for x, y in coords_s],
        crs=CRS,
    )
    return orig, sites


def _brute_median(cost, w, p, caps=None) -> float:
    n, m = cost.shape
    best = math.inf
    for chosen in itertools.combinations(range(m), p):
        if caps is None:
            best = min(best, float(w @ cost[:, chosen].min(axis=1)))
            continue
        for assign in itertools.product(chosen, repeat=n):
            load = np.zeros(m)
            np.add.at(load, list(assign), w)
            if (load <= caps).all():
                best = min(best, float(w @ cost[np.arange(n), list(assign)]))
    return best


coords = st.tuples(st.integers(0, 20_000), st.integers(0, 20_000))


@settings(max_examples=25, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 7),
    m=st.integers(1, 4),
)
def test_p_median_equals_brute_force(data, n, m):
    co = data.draw(st.lists(coords, min_size=n, max_size=n))
    cs = data.draw(st.lists(coords, min_size=m, max_size=m, unique=True))
    people = data.draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    p = data.draw(st.integers(1, m))
    orig, sites = _instance(co, cs, people)
    result = rl.optimal_sites(orig, sites, p=p)
    cost = np.array([[math.dist(a, b) for b in cs] for a in co])
    assert result.objective == pytest.approx(_brute_median(cost, np.array(people, float), p))
    assert len(result.selected) == p
    # the assignment reproduces the objective
    a = result.assignments
    assert float((a["weight"] * a["distance_m"]).sum()) == pytest.approx(result.objective)


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_p_median_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    co = rng.integers(0, 10_000, size=(5, 2)).tolist()
    cs = rng.integers(0, 10_000, size=(3, 2)).tolist()
    people = rng.integers(1, 10, size=5)
    caps = np.full(3, math.ceil(people.sum() * 0.6))
    orig, sites = _instance(co, cs, people.tolist())
    result = rl.optimal_sites(orig, sites, p=2, capacity=float(caps[0]))
    cost = np.array([[math.dist(a, b) for b in cs] for a in co])
    expected = _brute_median(cost, people.astype(float), 2, caps)
    assert result.objective == pytest.approx(expected)
    assert (result.selected["weight"] <= caps[0]).all()


def test_capacity_too_small_is_a_clear_error(orig, geography):
    with pytest.raises(ConfigError, match="capacity too small.*hold 2 households.*demand is 4"):
        rl.optimal_sites(orig, geography.sites.iloc[[1]], capacity="capacity_households",
                         weight="households")
    with pytest.raises(ConfigError, match="capacity too small"):
        rl.optimal_sites(orig, geography.sites, p=2, capacity=3.0)


def test_capacity_column_is_used(geography):
    # two villages of 3 households each; S1 holds 5, so one village must go elsewhere
    hh = pd.DataFrame({
        "household_key": [f"h{i}" for i in range(6)],
        "village_code": ["430527203208"] * 3 + ["430527203209"] * 3,
        "members": 1, "relocation_mode": "集中安置",
    })
    o = rl.origins(hh, geography)
    free = rl.optimal_sites(o, geography.sites, p=2, weight="households")
    capped = rl.optimal_sites(o, geography.sites, p=2, weight="households",
                              capacity="capacity_households")
    assert (capped.selected["weight"].to_numpy()
            <= capped.selected["capacity_households"].to_numpy()).all()
    assert capped.objective >= free.objective
    assert capped.params["capacity"] == [5.0, 2.0, 3.0]


def test_actual_choice_under_capacities():
    # the chosen site s0 holds 4 of 6 people: the actual objective respects that
    orig, sites = _instance([(0, 0), (0, 10), (1000, 0)], [(0, 5), (1000, 5)], [3, 1, 2],
                            status=["chosen", "candidate"])
    free = rl.optimal_sites(orig, sites, p=1)
    assert free.actual_objective == pytest.approx(3 * 5 + 1 * 5 + 2 * math.dist((1000, 0), (0, 5)))
    capped = rl.optimal_sites(orig, sites, p=2, capacity=[4.0, 4.0])
    assert capped.actual_objective is None and capped.gap is None  # 1 chosen, p = 2
    sites.loc[1, "status"] = "chosen"
    capped = rl.optimal_sites(orig, sites, p=2, capacity=[4.0, 4.0])
    assert capped.actual_objective == pytest.approx(capped.objective)
    assert capped.gap == 0.0
    tight = rl.optimal_sites(orig, sites.assign(status=["chosen", "candidate"]), p=1,
                             capacity=[4.0, 6.0])
    assert tight.actual_objective is None and tight.gap is None  # s0 cannot hold 6 people
    assert tight.selected["site_id"].tolist() == ["s1"]


def test_infeasible_packing_is_a_clear_error():
    # total capacity suffices (5 + 5 ≥ 9) but whole villages of 3 people do not fit (3 + 3 > 5)
    orig, sites = _instance([(0, 0), (10, 0), (20, 0)], [(0, 5), (20, 5)], [3, 3, 3])
    with pytest.raises(ConfigError, match="no optimum.*raise capacity or p"):
        rl.optimal_sites(orig, sites, p=2, capacity=5.0)


def test_geographic_crs_is_refused(orig, geography):
    with pytest.raises(GeographyError, match="EPSG:4326|not in metres"):
        rl.optimal_sites(orig, geography.sites.to_crs(4326))
    with pytest.raises(GeographyError, match="not in metres"):
        rl.optimal_sites(orig.to_crs(4326), geography.sites)
    with pytest.raises(GeographyError, match="no CRS"):
        rl.optimal_sites(orig, geography.sites.set_crs(None, allow_override=True))


def test_gap_of_the_actual_choice(orig, geography):
    result = rl.optimal_sites(orig, geography.sites, p=1, radius_m=3000.0)
    demand = orig[orig["mode"] == "concentrated"]
    d_s1 = demand.geometry.distance(P(5000, 100)).to_numpy()
    actual = float(demand["people"].to_numpy() @ d_s1)
    assert result.actual_objective == pytest.approx(actual)
    assert result.gap == pytest.approx((actual - result.objective) / result.objective)
    assert result.gap >= 0
    best = result.selected["site_id"].iloc[0]
    if best == "S1":
        assert result.gap == 0
    # coverage within 3 km of the assigned site, weighted by people
    a = result.assignments
    assert result.weighted_coverage == pytest.approx(
        a.loc[a["distance_m"] <= 3000, "people"].sum() / a["people"].sum())
    # no gap when the number of chosen sites differs from p
    assert rl.optimal_sites(orig, geography.sites, p=2).gap is None


def test_actual_choice_that_is_optimal_has_zero_gap():
    orig, sites = _instance([(0, 0), (100, 0)], [(50, 0), (5000, 0)], [1, 1],
                            status=["chosen", "candidate"])
    result = rl.optimal_sites(orig, sites)
    assert result.selected["site_id"].tolist() == ["s0"]
    assert result.gap == 0.0
    assert result.mean_distance_m == pytest.approx(50.0)


def test_mclp_weights_people_not_villages():
    # one big village near s1, three small ones near s0: spopt's perc_cov (villages)
    # would prefer s0, the people-weighted MCLP picks s1
    orig, sites = _instance(
        [(0, 0), (0, 100), (100, 0), (10_000, 0)], [(50, 50), (10_000, 50)], [1, 1, 1, 50],
        status=["chosen", "candidate"],
    )
    result = rl.optimal_sites(orig, sites, model="mclp", radius_m=500.0)
    assert result.selected["site_id"].tolist() == ["s1"]
    assert result.objective == 50.0
    assert result.weighted_coverage == pytest.approx(50 / 53)
    assert result.actual_objective == 3.0
    assert result.gap == pytest.approx((50 - 3) / 50)
    by_households = rl.optimal_sites(orig, sites, model="mclp", radius_m=500.0,
                                     weight="households")
    assert by_households.selected["site_id"].tolist() == ["s0"]
    assert by_households.weighted_coverage == pytest.approx(3 / 4)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), n=st.integers(1, 6), m=st.integers(1, 4),
       radius=st.integers(1_000, 12_000))
def test_mclp_equals_brute_force(data, n, m, radius):
    co = data.draw(st.lists(coords, min_size=n, max_size=n))
    cs = data.draw(st.lists(coords, min_size=m, max_size=m, unique=True))
    people = data.draw(st.lists(st.integers(1, 30), min_size=n, max_size=n))
    p = data.draw(st.integers(1, m))
    orig, sites = _instance(co, cs, people)
    result = rl.optimal_sites(orig, sites, p=p, model="mclp", radius_m=float(radius))
    cost = np.array([[math.dist(a, b) for b in cs] for a in co])
    w = np.array(people, float)
    best = max(
        float(w[(cost[:, list(c)] <= radius).any(axis=1)].sum())
        for c in itertools.combinations(range(m), p)
    )
    assert result.objective == pytest.approx(best)
    assert result.weighted_coverage == pytest.approx(best / w.sum())


def test_invalid_parameters(orig, geography):
    with pytest.raises(ConfigError, match="radius_m"):
        rl.optimal_sites(orig, geography.sites, model="mclp")
    with pytest.raises(ConfigError, match="model"):
        rl.optimal_sites(orig, geography.sites, model="p-centre")
    with pytest.raises(ConfigError, match="between 1 and the 3"):
        rl.optimal_sites(orig, geography.sites, p=4)
    with pytest.raises(ConfigError, match="weight"):
        rl.optimal_sites(orig, geography.sites, weight="area")
    with pytest.raises(ConfigError, match="p-median only"):
        rl.optimal_sites(orig, geography.sites, model="mclp", radius_m=1.0, capacity=9.0)
    with pytest.raises(ConfigError, match="no column"):
        rl.optimal_sites(orig, geography.sites, capacity="beds")
    with pytest.raises(ConfigError, match="mode 'moved'"):
        rl.optimal_sites(orig, geography.sites, mode="moved")


def test_solutions_are_deterministic(orig, geography):
    a = rl.optimal_sites(orig, geography.sites, p=2)
    b = rl.optimal_sites(orig, geography.sites, p=2)
    pd.testing.assert_frame_equal(pd.DataFrame(a.assignments), pd.DataFrame(b.assignments))
    assert a.objective == b.objective


def test_sensitivity_grid(orig, geography):
    table = rl.sensitivity(orig, geography.sites, p_values=[1, 2, 9], radii_m=[2000, 4000])
    assert len(table) == 2 * 2 * 2  # p = 9 > 3 candidates is skipped
    assert table[["weight", "p", "radius_m"]].drop_duplicates().shape[0] == 8
    one = table[(table["weight"] == "people") & (table["p"] == 1) & (table["radius_m"] == 2000)]
    direct = rl.optimal_sites(orig, geography.sites, model="mclp", radius_m=2000.0)
    assert one["mclp_coverage"].iloc[0] == pytest.approx(direct.weighted_coverage)
    assert one["median_gap"].iloc[0] == pytest.approx(rl.optimal_sites(orig, geography.sites).gap)
    assert table.loc[table["p"] == 2, "median_gap"].isna().all()
    # more sites never cover less, a larger radius never covers less
    wide = table.set_index(["weight", "p", "radius_m"])["mclp_coverage"]
    assert (wide.xs(2, level="p") >= wide.xs(1, level="p") - 1e-12).all()
    assert (wide.xs(4000.0, level="radius_m") >= wide.xs(2000.0, level="radius_m") - 1e-12).all()


def test_screen_sites_applies_each_threshold(orig, geography):
    table = rl.evaluate_sites(orig, geography)
    screen = rl.screen_sites(table, max_road_m=600.0, max_seat_m=5000.0).set_index("site_id")
    # S1: 100 m from the road, 400 m from the seat, downhill, big enough: eligible
    assert screen.loc["S1"].drop("status").all()
    # S2 (1000, 500): 500 m from the road, 4.1 km from the seat, at 650 m below the
    # 771.4 m people-weighted origin elevation, but it holds 2 of the 4 households
    assert screen.loc["S2", "road_ok"] and screen.loc["S2", "seat_ok"]
    assert screen.loc["S2", "downhill_ok"] and not screen.loc["S2", "capacity_ok"]
    # S3 is in the hazard zone, 5 km from the road and uphill
    assert not screen.loc["S3", ["road_ok", "hazard_ok", "downhill_ok"]].any()
    assert screen["eligible"].tolist() == [True, False, False]
    loose = rl.screen_sites(table, max_road_m=None, max_seat_m=None, avoid_hazard=False,
                            downhill=False, capacity=False)
    assert list(loose.columns) == ["site_id", "status", "eligible"]
    assert loose["eligible"].all()


# --- what the notebook states ----------------------------------------------------------


def _people_example():
    # one big village near s1, three small ones near the chosen s0 (as the MCLP test)
    return _instance(
        [(0, 0), (0, 100), (100, 0), (10_000, 0)], [(50, 50), (10_000, 50)], [1, 1, 1, 50],
        status=["chosen", "candidate"],
    )


def test_optimality_table_has_one_row_per_run_in_order():
    orig, sites = _people_example()
    median = rl.optimal_sites(orig, sites, radius_m=500.0)
    cover = rl.optimal_sites(orig, sites, model="mclp", radius_m=500.0)
    plain = rl.optimal_sites(orig, sites, p=2, weight="households")
    table = rl.optimality_table({"p-median": median, "mclp": cover, "two sites": plain})
    assert list(table.columns) == [
        "model", "weight", "optimal_sites", "objective", "actual_objective", "gap",
        "weighted_coverage",
    ]  # fmt: skip
    assert table["model"].tolist() == ["p-median", "mclp", "two sites"]
    assert table["weight"].tolist() == ["people", "people", "households"]
    assert table["optimal_sites"].tolist() == ["s1", "s1", "s0+s1"]
    # MCLP within 500 m: s1 covers the 50 people, the chosen s0 the 3 others
    assert table.loc[1, ["objective", "actual_objective"]].tolist() == [50.0, 3.0]
    assert table.loc[1, "gap"] == pytest.approx(47 / 50)
    assert table.loc[1, "weighted_coverage"] == pytest.approx(50 / 53)
    assert table.loc[0, "objective"] == median.objective
    assert table.loc[0, "gap"] == pytest.approx(
        (median.actual_objective - median.objective) / median.objective
    )
    # two sites against one chosen: no actual objective, no gap; no radius, no coverage
    assert table.loc[2, ["actual_objective", "gap", "weighted_coverage"]].isna().all()


def test_actual_coverage_of_the_chosen_sites():
    orig, sites = _people_example()
    cover = rl.optimal_sites(orig, sites, model="mclp", radius_m=500.0)
    assert cover.actual_coverage == pytest.approx(3 / 53)
    assert rl.optimal_sites(orig, sites, radius_m=500.0).actual_coverage is None
    assert rl.optimal_sites(orig, sites, p=2, model="mclp", radius_m=500.0).actual_coverage is None


def test_chosen_site_and_eligible_sites(orig, geography):
    table = rl.evaluate_sites(orig, geography)
    assert rl.chosen_site(table)["site_id"] == "S1"
    with pytest.raises(ConfigError, match="chosen"):
        rl.chosen_site(table.assign(status="candidate"))
    screen = rl.screen_sites(table, max_road_m=600.0, max_seat_m=5000.0)
    eligible = rl.eligible_sites(geography.sites, screen)
    assert eligible["site_id"].tolist() == ["S1"]
    loose = rl.screen_sites(table, max_road_m=None, max_seat_m=None, avoid_hazard=False,
                            downhill=False, capacity=False)
    assert rl.eligible_sites(geography.sites, loose)["site_id"].tolist() == ["S1", "S2", "S3"]


def test_relocated_by_mode(orig):
    by_mode = rl.relocated_by_mode(orig)
    # concentrated: h0 (4), h1 (3), h2 (5), h6 (2); scattered: h3 (6), h4 (2)
    assert by_mode.to_dict("list") == {
        "mode": ["concentrated", "scattered"],
        "mode_zh": ["集中安置", "分散安置"],
        "households": [4, 2],
        "people": [14, 8],
    }
    only = rl.relocated_by_mode(orig[orig["mode"] == "scattered"])
    assert only["households"].tolist() == [0, 2] and only["people"].tolist() == [0, 8]


def test_scattered_summary(orig, geography):
    summary = rl.scattered_summary(rl.scattered_moves(orig, geography))
    # 李家 moved 1800 m toward the road and 300 m down; 兰家 800 m away from it, 50 m up
    assert summary == rl.ScatteredSummary(
        villages=2, known=2, nearer_road=1, moved_down=1, households=2, people=8,
        median_move_m=1300.0,
    )  # fmt: skip
    geography.scattered = geography.scattered.iloc[[0]].assign(code="430527203231")
    one_sided = rl.scattered_summary(rl.scattered_moves(orig, geography))
    assert (one_sided.villages, one_sided.known, one_sided.nearer_road) == (3, 0, 0)


def test_scattered_lines_go_from_the_village_point_to_the_new_place(orig, geography):
    lines = rl.scattered_lines(orig, geography)
    assert lines["village_code"].tolist() == ["430527203203", "430527203209"]
    assert lines["people"].tolist() == [7, 2]  # the layer's
    li = lines.geometry.iloc[0]
    assert li.coords[0] == (X0 + 1000, Y0 + 2000) and li.coords[-1] == (X0 + 1000, Y0 + 200)
    assert lines.crs == orig.crs


def test_scattered_lines_leave_out_villages_without_scattered_households(orig, geography):
    # 竹桥 (…208) has only a concentrated household: a new place there is not its move
    extra = geography.scattered.iloc[[0]].assign(code="430527203208")
    geography.scattered = pd.concat([geography.scattered, extra], ignore_index=True)
    assert "430527203208" not in set(rl.scattered_lines(orig, geography)["village_code"])
    none = rl.scattered_lines(orig[orig["mode"] == "concentrated"], SimpleNamespace())
    assert none.empty and list(none.columns) == ["village_code", "households", "people",
                                                 "geometry"]
    with pytest.raises(GeographyError, match="scattered"):
        rl.scattered_lines(orig, SimpleNamespace(scattered=None))


# --- the embedded dataset -------------------------------------------------------------

GEOGRAPHY = Path(__file__).resolve().parent.parent / "data" / "raw" / "zhaishi_geography.gpkg"


@pytest.fixture(scope="module")
def embedded(clean_embedded):
    if not GEOGRAPHY.exists():
        pytest.skip("embedded geography missing: run `fupin synth --out data/raw`")
    geo = read_geography(GEOGRAPHY)
    return clean_embedded, geo, rl.origins(clean_embedded, geo)


def test_embedded_origins_match_the_roster(embedded, embedded_truth):
    _, _, orig = embedded
    published = load_reference().published_value
    counts = orig.groupby("mode")[["households", "people"]].sum()
    assert counts.loc["concentrated", "households"] == published("concentrated_households") == 71
    assert counts.loc["scattered", "households"] == published("scattered_households") == 41
    # people kept by the cleaning: the true relocated people less those it quarantined
    kept = embedded_truth[embedded_truth["expected_outcome"] == "clean"]
    expected = kept["true_relocation_mode"].value_counts()
    assert counts.loc["concentrated", "people"] == expected["集中安置"]
    assert counts.loc["scattered", "people"] == expected["分散安置"]
    assert orig.crs.to_epsg() == 4546


def test_embedded_chosen_site_criteria_match_hand_computation(embedded):
    cr, geo, orig = embedded
    table = rl.evaluate_sites(orig, geo, hazard_buffer_m=200.0)
    row = table[table["status"] == "chosen"].iloc[0]

    def layer(name):
        return gpd.read_file(GEOGRAPHY, layer=name).to_crs(4546)

    villages = layer("villages").set_index("code")
    site = layer("sites").query("status == 'chosen'").iloc[0]
    hh = cr.households[cr.households["relocation_mode"] == "集中安置"]
    xy = site.geometry
    dists, people, elevs = [], [], []
    for code, members in zip(hh["village_code"], hh["members"], strict=True):
        village = villages.loc[code]
        dists.append(village.geometry.representative_point().distance(xy))
        people.append(int(members))
        elevs.append(float(village["elevation_m"]))
    dists, people = np.array(dists), np.array(people)
    assert row["mean_distance_m"] == pytest.approx(dists.mean(), abs=0.01)
    assert row["people_distance_m"] == pytest.approx(dists @ people / people.sum(), abs=0.01)
    assert row["max_distance_m"] == pytest.approx(dists.max(), abs=0.01)
    assert row["road_distance_m"] == pytest.approx(
        min(line.distance(xy) for line in layer("roads").geometry), abs=0.01)
    assert row["seat_distance_m"] == pytest.approx(layer("seat").geometry.iloc[0].distance(xy),
                                                   abs=0.01)
    hazard = min(poly.distance(xy) for poly in layer("hazards").geometry)
    assert row["hazard_distance_m"] == pytest.approx(hazard, abs=0.01)
    assert row["near_hazard"] == (hazard <= 200.0)
    assert row["elevation_change_m"] == pytest.approx(
        site["elevation_m"] - np.array(elevs) @ people / people.sum())
    assert row["area_mu"] == 8.5
    assert row["land_m2_per_person"] == 8.5 * 666.67 / people.sum()
    assert row["capacity_households"] == 71 and row["demand_households"] == len(hh) == 71
    # one row per site of the layer, as in notebook 04's site_criteria table
    assert table["site_id"].tolist() == layer("sites")["site_id"].tolist()
