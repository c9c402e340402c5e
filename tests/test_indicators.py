"""Tests of programme monitoring: indicators.py and assurances.py.

Hand-made frames follow the "Clean roster" contract of docs/architecture.md; the
embedded-dataset tests check the work summary against the published figures (FACTS §1).
"""

from __future__ import annotations

from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_analysis import assurances as asr
from fupin_analysis import findings, presentation, synth
from fupin_analysis import indicators as ind
from fupin_analysis.errors import FupinError
from fupin_analysis.reference import (
    TOWNSHIP_CODE,
    data_dir,
    load_reference,
    read_village_registry,
    resolve_village,
)

LIJIA = "430527203203"  # designated
CHANGXI = "430527203207"  # not designated
DIMS = list(asr.DIMENSIONS)


@pytest.fixture(scope="module")
def ref():
    return load_reference()


# --- Alkire-Foster: a hand computation ------------------------------------------------


def _af_example() -> pd.DataFrame:
    """Five households, five dimensions; deprivations chosen for a hand computation."""
    return pd.DataFrame(
        {
            "village_code": ["v1", "v1", "v1", "v2", "v2"],
            "members": [4, 2, 3, 1, 5],
            "income": [True, True, False, False, True],
            "education": [True, False, False, False, True],
            "medical": [True, False, True, False, True],
            "housing": [False, True, False, False, True],
            "water": [False, False, False, True, True],
        }
    )


def test_alkire_foster_equal_weights_hand_computation():
    # Scores (0.2 per deprivation): 0.6, 0.4, 0.2, 0.2, 1.0. With k = 0.4 the poor are
    # households 1, 2 and 5: q = 3, n = 5, H = 0.6, A = (0.6 + 0.4 + 1.0) / 3 = 2/3,
    # M0 = 2.0 / 5 = 0.4. Censored headcounts: income 3/5, education 2/5, medical 2/5,
    # housing 2/5, water 1/5; contribution = 0.2 * h / 0.4: 0.3, 0.2, 0.2, 0.2, 0.1.
    res = asr.alkire_foster(_af_example(), k=0.4)
    row = res.index.iloc[0]
    assert (row["units"], row["poor_units"]) == (5, 3)
    assert row["H"] == pytest.approx(0.6)
    assert row["A"] == pytest.approx(2 / 3)
    assert row["M0"] == pytest.approx(0.4)
    dims = res.dimensions.set_index("dimension")
    assert dims["censored_headcount"].to_dict() == pytest.approx(
        {"income": 0.6, "education": 0.4, "medical": 0.4, "housing": 0.4, "water": 0.2}
    )
    assert dims["contribution"].to_dict() == pytest.approx(
        {"income": 0.3, "education": 0.2, "medical": 0.2, "housing": 0.2, "water": 0.1}
    )
    # Uncensored: household 3 is deprived in medical and household 4 in water, not poor.
    assert dims.loc["medical", "headcount"] == pytest.approx(0.6)
    assert dims.loc["water", "headcount"] == pytest.approx(0.4)


def test_alkire_foster_unequal_weights_and_groups():
    # Income weighted 0.4, the other four 0.15. Scores: hh1 0.7, hh2 0.55, hh3 0.15,
    # hh4 0.15, hh5 1.0. k = 0.5: poor hh1, hh2 (v1) and hh5 (v2).
    weights = {"income": 2, "education": 0.75, "medical": 0.75, "housing": 0.75, "water": 0.75}
    res = asr.alkire_foster(_af_example(), k=0.5, weights=weights, by="village_code")
    idx = res.index.set_index("village_code")
    assert idx.loc["v1", "H"] == pytest.approx(2 / 3)
    assert idx.loc["v1", "A"] == pytest.approx((0.7 + 0.55) / 2)
    assert idx.loc["v1", "M0"] == pytest.approx(1.25 / 3)
    assert idx.loc["v2", "H"] == pytest.approx(0.5)
    assert idx.loc["v2", "M0"] == pytest.approx(0.5)
    v1 = res.dimensions[res.dimensions["village_code"] == "v1"].set_index("dimension")
    # v1 income: both poor households deprived: 0.4 * (2/3) / (1.25/3) = 0.64.
    assert v1.loc["income", "contribution"] == pytest.approx(0.64)
    assert v1.loc["water", "contribution"] == 0
    assert v1["weight"].sum() == pytest.approx(1)


def test_alkire_foster_person_weighted():
    # Weighting by members: n = 15 people, poor people 4 + 2 + 5 = 11, H = 11/15,
    # M0 = (4*0.6 + 2*0.4 + 5*1.0) / 15 = 8.2 / 15.
    res = asr.alkire_foster(_af_example(), k=0.4, unit_weight="members")
    assert res.index.loc[0, "H"] == pytest.approx(11 / 15)
    assert res.index.loc[0, "M0"] == pytest.approx(8.2 / 15)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.booleans(), min_size=5, max_size=5), min_size=1, max_size=30),
    st.sampled_from([0.2, 0.4, 0.6, 0.8, 1.0]),
)
def test_alkire_foster_identities(matrix, k):
    dep = pd.DataFrame(matrix, columns=DIMS)
    res = asr.alkire_foster(dep, k=k)
    row = res.index.iloc[0]
    assert row["M0"] == pytest.approx(row["H"] * row["A"])
    assert 0 <= row["H"] <= 1
    contributions = res.dimensions["contribution"].sum()
    assert contributions == pytest.approx(1.0 if row["M0"] > 0 else 0.0)
    assert res.index.loc[0, "M0"] <= asr.alkire_foster(dep, k=0.2).index.loc[0, "M0"] + 1e-12


@pytest.mark.parametrize("k", [0, -0.1, 1.5])
def test_alkire_foster_rejects_bad_cutoff(k):
    with pytest.raises(FupinError, match="cut-off"):
        asr.alkire_foster(_af_example(), k=k)


# --- 两不愁三保障 per household ---------------------------------------------------------


def _households(**overrides) -> pd.DataFrame:
    base = {
        "household_key": ["h1", "h2", "h3", "h4"],
        "village_code": [LIJIA, LIJIA, CHANGXI, CHANGXI],
        "village_name": ["李家村", "李家村", "长溪村", "长溪村"],
        "designated": [True, True, False, False],
        "household_size": [3, 2, 2, 1],
        "members": [3, 2, 2, 1],
        "household_type": ["一般贫困户", "低保贫困户", "一般贫困户", "一般贫困户"],
        "main_cause": ["因病", "因学", "因病", "缺劳力"],
        "income_per_capita": [3500.0, 2952.0, 4100.0, 5000.0],
        "dilapidated_house": pd.array([False, False, False, True], dtype="boolean"),
        "safe_water": pd.array([True, True, True, pd.NA], dtype="boolean"),
        "exit_status": ["已脱贫(享受政策)", "已脱贫(享受政策)", "未脱贫", "未脱贫"],
        "exit_year": pd.array([2016, 2016, pd.NA, pd.NA], dtype="Int64"),
        "exited": [True, True, False, False],
        "relocation_mode": pd.array(["分散安置", pd.NA, "集中安置", pd.NA], dtype="string"),
        "credit_rated": pd.array([True, True, True, False], dtype="boolean"),
        "credit_granted": pd.array([True, False, True, False], dtype="boolean"),
    }
    base.update(overrides)
    return pd.DataFrame(base)


def _members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_key": [f"p{i}" for i in range(8)],
            "household_key": ["h1", "h1", "h1", "h2", "h2", "h3", "h3", "h4"],
            "village_code": [LIJIA] * 5 + [CHANGXI] * 3,
            "sex": ["男", "女", "男", "女", "男", "男", "女", "女"],
            "age": [40, 38, 12, 45, 15, 50, 16, 70],
            # h1's 12-year-old is in school; h2's 15-year-old is out for health reasons;
            # h3's 16-year-old is past compulsory age.
            "school_status": ["非在校生", "非在校生", "小学", "非在校生", "非在校生",
                              "非在校生", "中职", pd.NA],
            "health": ["健康", "健康", "健康", "健康", "患有大病", "健康", "健康", "残疾"],
            "medical_insurance": pd.array(
                [True, True, True, True, True, True, pd.NA, True], dtype="boolean"
            ),
            "critical_illness_insurance": [True] * 8,
        }
    )  # fmt: skip


def test_two_assurances_rules(ref):
    out = asr.two_assurances(_members(), _households(), 2016, ref).set_index("household_key")
    # h2's income equals the 2016 line (2,952): not above it, so deprived.
    assert out["income"].to_dict() == {"h1": False, "h2": True, "h3": False, "h4": False}
    assert not out["education"].any()
    # h3 has a member without recorded insurance; h4's house is dilapidated, water unknown.
    assert out["medical"].to_dict() == {"h1": False, "h2": False, "h3": True, "h4": False}
    assert out["housing"].to_dict() == {"h1": False, "h2": False, "h3": False, "h4": True}
    assert out["water"].to_dict() == {"h1": False, "h2": False, "h3": False, "h4": True}
    assert out["meets_all"].to_dict() == {"h1": True, "h2": False, "h3": False, "h4": False}
    assert out.loc["h1", "poverty_line"] == 2952
    assert out["members"].tolist() == [3, 2, 2, 1]


def test_missing_indicators_count_as_deprived(ref):
    hh = _households(
        income_per_capita=[float("nan"), 3500.0, 3500.0, 3500.0],
        dilapidated_house=pd.array([False, pd.NA, False, False], dtype="boolean"),
        safe_water=pd.array([True, True, pd.NA, True], dtype="boolean"),
    )
    out = asr.two_assurances(_members(), hh, 2016, ref)
    assert out["income"].tolist() == [True, False, False, False]
    assert out["housing"].tolist() == [False, True, False, False]
    assert out["water"].tolist() == [False, False, True, False]


@pytest.mark.parametrize(
    ("age", "status", "health", "deprived"),
    [
        (6, "非在校生", "健康", True),
        (15, pd.NA, "长期慢性病", True),
        (10, "非在校生", "残疾", False),
        (10, "非在校生", "长期慢性病,患有大病", False),
        (5, "非在校生", "健康", False),
        (16, "非在校生", "健康", False),
        (9, "小学", "健康", False),
    ],
)
def test_education_dimension(ref, age, status, health, deprived):
    # h2's adult has a school status, so the roster measures schooling even when h1's
    # child has none (a column without any value would leave the dimension out).
    members = pd.DataFrame(
        {
            "household_key": ["h1", "h2"],
            "age": [age, 40],
            "school_status": pd.array([status, "非在校生"], dtype="string"),
            "health": [health, "健康"],
            "medical_insurance": [True, True],
            "critical_illness_insurance": [True, True],
        }
    )
    hh = _households().iloc[:2]
    education = asr.two_assurances(members, hh, 2016, ref)["education"]
    assert education.tolist() == [deprived, False]


def test_exit_checks_find_false_exit_and_eligible(ref):
    a = asr.two_assurances(_members(), _households(exited=[True, True, False, False]), 2016, ref)
    a.loc[a["household_key"] == "h3", "medical"] = False
    a["meets_all"] = ~a[DIMS].any(axis=1)
    checks = asr.exit_checks(a).set_index("household_key")
    assert checks["false_exit"].to_dict() == {"h1": False, "h2": True, "h3": False, "h4": False}
    assert checks["eligible_not_exited"].to_dict() == {
        "h1": False,
        "h2": False,
        "h3": True,
        "h4": False,
    }
    assert checks.loc["h2", "failed"] == "吃穿不愁(收入)"
    assert checks.loc["h4", "failed"] == "住房安全、饮水安全"
    by_village = asr.exit_checks_by_village(checks.reset_index(), ref).set_index("village_code")
    assert by_village.loc[LIJIA, "false_exits"] == 1
    assert by_village.loc[LIJIA, "false_exit_share"] == 0.5
    assert by_village.loc[CHANGXI, "eligible_not_exited"] == 1
    assert pd.isna(by_village.loc[CHANGXI, "false_exit_share"])


def test_village_exit_line(ref):
    registry = pd.DataFrame({"code": [LIJIA, CHANGXI], "population": [200, 100]})
    out = asr.village_exit_line(_members(), _households(), registry, ref).set_index("village_code")
    # 李家: 5 registered, all exited → 0 %; 长溪: 3 remaining of 100 → 3 %, above 2 %.
    assert out.loc[LIJIA, "incidence_registered"] == pytest.approx(0.025)
    assert out.loc[LIJIA, "remaining_poor"] == 0
    assert bool(out.loc[LIJIA, "below_line"])
    assert out.loc[CHANGXI, "incidence_remaining"] == pytest.approx(0.03)
    assert not out.loc[CHANGXI, "below_line"]
    assert bool(out.loc[LIJIA, "designated"]) and not out.loc[CHANGXI, "designated"]


# --- the work summary on a hand-made roster -------------------------------------------


def _quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": [20, 21, 22, 23],
            "reason": ["id_mangled", "id_invalid", "id_invalid", "duplicate_row"],
            "counts_as_person": [True, True, True, False],
            "household_id": ["H9", "H9", "H1", "H1"],
            "household_size": ["2", "", "3", "3"],
            "village": [" 李家 ", "李家村", "长溪村", "李家"],
            "school_status": ["初中", "非在校生", "小学", "小学"],
            "exit_status": ["已脱贫", "已脱贫", "未脱贫", "已脱贫"],
            "exit_year": ["2016", "2016", "", "2016"],
            "relocation_mode": ["分散", "分散", pd.NA, pd.NA],
            "credit_rated": ["是", "是", "否", "是"],
            "credit_granted": ["否", "否", "否", "是"],
            "household_key": ["h9", "h9", "h1", "h1"],
        }
    )


def _registry() -> pd.DataFrame:
    return pd.DataFrame({"code": [LIJIA, CHANGXI], "population": [100, 400]})


def test_work_summary_on_hand_made_roster(ref):
    roster = SimpleNamespace(members=_members(), households=_households(), quarantine=_quarantine())
    ws = ind.work_summary(roster, ref, 2016, registry=_registry()).set_index("figure")
    assert list(ws.columns) == [
        "label_zh", "value", "quarantined", "value_with_quarantined", "published",
        "difference", "unit", "note",
    ]  # fmt: skip
    v = ws["value"]
    q = ws["quarantined"]
    w = ws["value_with_quarantined"]
    assert (v["registered_people"], q["registered_people"]) == (8, 3)
    # h9 is a household with no member kept; row 22 belongs to the kept h1.
    assert (v["registered_households"], q["registered_households"]) == (4, 1)
    # Row 22 belongs to the kept h1 (李家, designated, scattered, exited in 2016): its
    # household fields come from h1, not from its own raw text (长溪村, no relocation).
    assert (v["designated_people"], q["designated_people"]) == (5, 3)
    assert v["designated_incidence"] == pytest.approx(0.05)
    assert w["designated_incidence"] == pytest.approx(0.08)
    assert v["designated_share_of_population"] == pytest.approx(5 / 500)
    assert (v["scattered_households"], q["scattered_households"]) == (1, 1)
    assert (v["scattered_people"], q["scattered_people"]) == (3, 3)
    assert (v["concentrated_households"], v["concentrated_people"]) == (1, 2)
    assert (v["exited_people"], q["exited_people"]) == (5, 3)
    assert v["exit_target_completion"] == pytest.approx(5 / 1458)
    assert v["credit_granted_share"] == pytest.approx(0.5)
    assert w["credit_rated_share"] == pytest.approx(4 / 5)
    # Students: 小学 (h1) → primary; 中职 not counted; quarantined 初中 → secondary,
    # quarantined 小学 → primary.
    assert (v["education_primary_students"], q["education_primary_students"]) == (1, 1)
    assert (v["education_secondary_students"], q["education_secondary_students"]) == (0, 1)
    assert w["education_total_cost"] == 1000 + 1000 + 2000
    # for money rows the quarantined column is money too: what the refused students cost
    assert q["education_primary_cost"] == 1000 and q["education_secondary_cost"] == 2000
    assert q["education_total_cost"] == 1000 + 2000
    assert ws.loc["registered_people", "published"] == 6066
    assert ws.loc["registered_people", "difference"] == 11 - 6066
    assert pd.isna(ws.loc["education_primary_students", "published"])
    vocational = ind.work_summary(
        roster, ref, 2016, registry=_registry(), include_vocational=True
    ).set_index("figure")
    assert vocational.loc["education_secondary_students", "value"] == 1


def test_quarantined_people_fill_household_fields_from_head_row(ref):
    q = _quarantine().drop(columns="household_key")
    q.loc[1, ["village", "exit_status", "exit_year", "relocation_mode"]] = ""
    out = ind.quarantined_people(q, _households(), 2016, ref)
    assert out.loc[1, "village_code"] == LIJIA
    assert out.loc[1, "exited_in_year"]
    assert out.loc[1, "relocation_mode"] == "分散安置"


def test_quarantined_people_without_household_key(ref):
    q = _quarantine().drop(columns="household_key")
    out = ind.quarantined_people(q, _households(), 2016, ref)
    assert len(out) == 3
    # Without keys, a household is new when all its declared members were refused:
    # H9 (2 of 2), not H1 (1 of 3).
    assert out["new_household"].tolist() == [True, False, False]
    assert out["village_code"].tolist() == [LIJIA, LIJIA, CHANGXI]


# --- programme tables and the workbook --------------------------------------------------


def test_programme_tables_by_village(ref):
    mem, hh = _members(), _households()
    edu = ind.education_aid(mem, ref).set_index("village_code")
    assert edu.loc[LIJIA, "primary_students"] == 1
    assert edu.loc[TOWNSHIP_CODE, "village_name"] == "合计"
    assert edu.loc[TOWNSHIP_CODE, "total_cost_yuan"] == 1000
    credit = ind.credit_coverage(hh, ref).set_index("village_code")
    assert credit.loc[CHANGXI, "rated_share"] == 0.5
    assert credit.loc[TOWNSHIP_CODE, "granted_share"] == 0.5
    reloc = ind.relocation_progress(mem, hh, ref).set_index("village_code")
    assert reloc.loc[LIJIA, "scattered_people"] == 3
    assert reloc.loc[CHANGXI, "concentrated_households"] == 1
    exits = ind.exits_by_village(mem, hh, 2016, ref).set_index("village_code")
    assert exits.loc[LIJIA, "exit_share"] == 1
    assert exits.loc[TOWNSHIP_CODE, "exited_people"] == 5
    assert exits.loc[TOWNSHIP_CODE, "exit_share"] == pytest.approx(5 / 8)


def test_workbook_opens_with_chinese_headers_and_is_deterministic(tmp_path, ref):
    roster = SimpleNamespace(members=_members(), households=_households(), quarantine=_quarantine())
    tables = ind.programme_tables(roster, ref, 2016, registry=_registry())
    assert list(tables) == list(ind.SHEETS_ZH)
    first = ind.write_programme_workbook(tables, tmp_path / "a" / "monitoring.xlsx")
    second = ind.write_programme_workbook(tables, tmp_path / "b" / "monitoring.xlsx")
    assert first.read_bytes() == second.read_bytes()
    wb = openpyxl.load_workbook(first)
    assert wb.sheetnames == list(ind.SHEETS_ZH.values())
    ws = wb["工作总结核对"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["指标代码", "指标", "名册计算值"]
    assert "总结公布值" in headers
    assert ws.freeze_panes == "A2"
    assert ws.max_row == len(tables["work_summary"]) + 1
    edu = wb["教育资助"]
    assert [c.value for c in edu[1]][:3] == ["村代码", "村名", "小学及以下学生（人）"]
    assert edu["D2"].number_format == "#,##0"
    assert wb["小额信贷"]["F2"].number_format == "0.0%"
    assert wb.properties.modified.year == 2016


def test_resolve_village_by_code_and_name():
    assert resolve_village("下铁坡") == "430527203228"
    assert resolve_village("430527203228") == "430527203228"
    with pytest.raises(FupinError, match="火星村"):
        resolve_village("火星村")


def test_profile_helpers():
    hh, mem = _households(), _members()
    by_cause = ind.households_by(hh, "main_cause", LIJIA)
    assert by_cause.to_dict("records") == [
        {"value_zh": "因学", "households": 1, "people": 2},
        {"value_zh": "因病", "households": 1, "people": 3},
    ]
    pyramid = ind.age_sex_pyramid(mem)
    assert pyramid["people"].sum() == len(mem)
    assert (
        pyramid.loc[(pyramid["age_group"] == "15-19") & (pyramid["sex"] == "男"), "people"].item()
        == 1
    )
    assert list(pyramid["age_group"].cat.categories)[-1] == "80+"


def test_critical_illness_insurance_is_part_of_medical(ref):
    members = _members().assign(critical_illness_insurance=[True] * 7 + [False])
    out = asr.two_assurances(members, _households(), 2016, ref).set_index("household_key")
    assert out.loc["h4", "medical"]
    assert not out.loc["h1", "medical"]


# --- the embedded dataset ---------------------------------------------------------------

RAW = data_dir() / "raw"
SHARES = {"designated_incidence", "designated_share_of_population", "exit_target_completion",
          "credit_rated_share", "credit_granted_share"}  # fmt: skip


@pytest.fixture(scope="module")
def embedded(clean_embedded):
    return clean_embedded


@pytest.fixture(scope="module")
def truth(embedded_truth):
    return embedded_truth


@pytest.fixture(scope="module")
def registry():
    return read_village_registry(RAW / "zhaishi_village_registry_2016.csv")


def _published_rows(ws: pd.DataFrame) -> pd.DataFrame:
    # The literal reading of "24%" (share of the township) is shown, not reproduced.
    return ws[ws["published"].notna() & (ws["figure"] != "designated_share_of_population")]


def _matches(ws: pd.DataFrame, column: str) -> dict[str, bool]:
    """Figure → equal to the published value (shares at the published precision, 2 d.p.)."""
    out = {}
    for row in _published_rows(ws).itertuples():
        value = getattr(row, column)
        if row.figure in SHARES:
            out[row.figure] = round(value, 2) == round(float(row.published), 2)
        else:
            out[row.figure] = value == row.published
    return out


def test_work_summary_embedded_roster_plus_quarantine_equals_published(
    embedded, truth, registry, ref
):
    ws = ind.work_summary(embedded, ref, 2016, registry=registry).set_index("figure")
    matches = _matches(ws.reset_index(), "value_with_quarantined")
    # People refused for an unknown village count towards the township only; the embedded
    # dataset plants such typos only outside the designated villages.
    unplaced = truth[(truth["expected_reason"] == "unknown_village")]
    assert len(unplaced) > 0 and not unplaced["true_designated"].any()
    assert all(matches.values()), {k: v for k, v in matches.items() if not v}
    # The cleaning did refuse people who count: without them several figures fall short.
    assert ws.loc["registered_people", "quarantined"] == int(truth["counts_as_person"].sum()) - len(
        embedded.members
    )
    assert ws.loc["registered_people", "value"] < 6066
    assert ws.loc["exited_people", "value"] < 1777
    # The literal reading of "占总人口的24%" is about 5%, not 24%.
    assert ws.loc["designated_share_of_population", "value_with_quarantined"] == pytest.approx(
        0.05, abs=0.001
    )


def _roster_from_truth(true: pd.DataFrame) -> SimpleNamespace:
    members = true.assign(person_key=true["person_id"], household_key=true["household_id"])
    hh_cols = ["village_code", "designated", "income_per_capita", "dilapidated_house",
               "safe_water", "exit_status", "exit_year", "exited", "relocation_mode",
               "credit_rated", "credit_granted", "household_type", "main_cause"]  # fmt: skip
    households = true.groupby("household_id", sort=False)[hh_cols].first()
    households["members"] = true.groupby("household_id", sort=False).size()
    households = households.rename_axis("household_key").reset_index()
    households["relocation_mode"] = households["relocation_mode"].astype("string")
    empty = pd.DataFrame({"source_row": [], "reason": [], "counts_as_person": []})
    return SimpleNamespace(members=members, households=households, quarantine=empty)


def test_work_summary_ground_truth_equals_published_exactly(truth, registry, ref):
    true = synth.true_roster()
    # The true roster is the truth file's people (rows that count as a person).
    assert len(true) == int(truth["counts_as_person"].sum())
    ws = ind.work_summary(_roster_from_truth(true), ref, 2016, registry=registry)
    matches = _matches(ws, "value")
    assert all(matches.values()), {k: v for k, v in matches.items() if not v}
    assert len(matches) == 14
    counts = _published_rows(ws)
    counts = counts[~counts["figure"].isin(SHARES)]
    assert (counts["difference"] == 0).all()
    assert (ws["quarantined"] == 0).all()


def test_exit_checks_find_the_planted_cases(embedded, truth, ref):
    status = asr.two_assurances(embedded.members, embedded.households, 2016, ref)
    checks = asr.exit_checks(status)
    rows = embedded.members.merge(truth[["source_row", "planted_exit_case"]], on="source_row")
    case = rows.groupby("household_key")["planted_exit_case"].first()
    checks["case"] = checks["household_key"].map(case).astype("string")
    planted_false = checks["case"].str.startswith("false_exit").fillna(False).astype(bool)
    planted_eligible = checks["case"].eq("eligible_not_exited").fillna(False).astype(bool)
    assert int(planted_false.sum()) == 8
    assert int(planted_eligible.sum()) == 10
    assert checks["false_exit"].equals(planted_false)
    assert checks["eligible_not_exited"].equals(planted_eligible)
    failed = checks.loc[planted_false].set_index("case")["failed"]
    assert set(failed["false_exit_income"]) == {"吃穿不愁(收入)"}
    assert set(failed["false_exit_house"]) == {"住房安全"}
    assert set(failed["false_exit_insurance"]) == {"基本医疗"}
    assert failed["false_exit_school"] == "义务教育"


def test_embedded_workbook_sheets_and_headers(embedded, registry, ref, tmp_path):
    tables = ind.programme_tables(embedded, ref, 2016, registry=registry)
    path = ind.write_programme_workbook(tables, tmp_path / "programme.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == list(ind.SHEETS_ZH.values())
    for key, sheet in ind.SHEETS_ZH.items():
        header = [c.value for c in next(wb[sheet].iter_rows(max_row=1))]
        assert header == [presentation.label(c, "zh") for c in tables[key].columns], key
        assert not presentation.unlabelled(tables[key].columns), key
    edu = tables["education_aid"].set_index("village_code")
    total = edu.loc[TOWNSHIP_CODE]
    assert (
        total["total_cost_yuan"]
        == 1000 * total["primary_students"] + 2000 * total["secondary_students"]
    )
    exits = tables["exits"]
    assert exits.iloc[-1]["exited_people"] == exits.iloc[:-1]["exited_people"].sum()
    summary = tables["work_summary"].set_index("figure")
    assert exits.iloc[-1]["exited_people"] == summary.loc["exited_people", "value"]


# --- reproduction of the published figures (notebook 02) -------------------------------


def _hand_work_summary(ref) -> pd.DataFrame:
    roster = SimpleNamespace(members=_members(), households=_households(), quarantine=_quarantine())
    return ind.work_summary(roster, ref, 2016, registry=_registry())


def test_reproduction_of_the_embedded_roster(embedded, registry, ref):
    ws = ind.work_summary(embedded, ref, 2016, registry=registry)
    rep = ind.reproduction(ws).set_index("figure")
    assert list(rep.index) == ws.loc[ws["published"].notna(), "figure"].tolist()
    expected = _matches(ws, "value_with_quarantined")
    assert {f: rep.loc[f, "status"] == "reproduced" for f in expected} == expected
    assert (rep.drop(index="designated_share_of_population")["status"] == "reproduced").all()
    assert (rep.loc[rep["status"] == "reproduced", "reason"] == "").all()
    # The literal reading of "占总人口的24%" (5% of the township) is the one that differs.
    literal = rep.loc["designated_share_of_population"]
    assert literal["status"] == "differs"
    assert literal["reason"].startswith("19.0 percentage points below the published value; ")
    assert "literal reading" in literal["reason"]
    assert rep.loc["designated_incidence", "digits"] == 2
    assert rep.loc["registered_people", "digits"] == 0


def test_reproduction_names_why_each_figure_differs(ref):
    rep = ind.reproduction(_hand_work_summary(ref)).set_index("figure")
    differs = rep[rep["status"] == "differs"]
    assert len(differs) > 0
    assert differs["reason"].str.len().gt(0).all()
    # 8 kept + 3 quarantined people against 6,066: no note, the gap says why.
    assert rep.loc["registered_people", "reason"] == "6,055 fewer than published"
    # 4 of 5 households rated against the published 100%.
    assert rep.loc["credit_rated_share", "reason"] == (
        "20.0 percentage points below the published value; share of registered households"
    )
    lines = findings.reproduction_list(ind.reproduction(_hand_work_summary(ref)))
    assert "()" not in lines and "nan" not in lines
    assert lines.count("\n") == len(rep) - 1


def _one_figure(figure: str, value: float, published: float, unit: str, note: str = ""):
    return pd.DataFrame({
        "figure": [figure], "label_zh": ["x"], "value": [value], "quarantined": [0],
        "value_with_quarantined": [value], "published": pd.array([published], dtype="Float64"),
        "difference": [value - published], "unit": [unit], "note": [note],
    })  # fmt: skip


@pytest.mark.parametrize(
    ("value", "published", "unit", "status", "reason"),
    [
        (0.2449, 0.24, "比例", "reproduced", ""),  # rounds to the published whole percent
        (0.2351, 0.24, "比例", "reproduced", ""),
        (0.2551, 0.24, "比例", "differs", "1.5 percentage points above the published value"),
        (6066.0, 6066, "人", "reproduced", ""),
        (6067.0, 6066, "人", "differs", "1 more than published"),
        (1846.0, 1848, "户", "differs", "2 fewer than published"),
        (float("nan"), 0.24, "比例", "differs", "cannot be computed from this roster and registry"),
    ],
)
def test_reproduction_at_the_published_precision(value, published, unit, status, reason):
    rep = ind.reproduction(_one_figure("f", value, published, unit)).iloc[0]
    assert (rep["status"], rep["reason"]) == (status, reason)


def test_reproduction_reason_keeps_the_note():
    rep = ind.reproduction(_one_figure("f", 0.05, 0.24, "比例", "the literal reading")).iloc[0]
    assert rep["reason"] == "19.0 percentage points below the published value; the literal reading"


def test_published_ratios(ref):
    ws = _hand_work_summary(ref)
    ratios = ind.published_ratios(ws).set_index("figure")
    assert list(ratios.index) == ws.loc[ws["published"].notna(), "figure"].tolist()
    assert ratios.loc["registered_people", "clean_only"] == pytest.approx(8 / 6066)
    assert ratios.loc["registered_people", "with_quarantined"] == pytest.approx(11 / 6066)
    assert ratios.loc["credit_rated_share", "with_quarantined"] == pytest.approx(0.8)


def test_designated_population(ref):
    codes = [LIJIA, CHANGXI, "430527203208"]
    registry = pd.DataFrame({"code": codes, "population": [100, 400, 50]})
    assert ind.designated_population(registry, ref) == 150  # 李家 and 竹桥 are designated


def test_designated_readings_of_the_embedded_roster(embedded, registry, ref):
    ws = ind.work_summary(embedded, ref, 2016, registry=registry)
    readings = ind.designated_readings(ws, registry, ref)
    assert readings.designated_people == 1597
    assert (readings.township_population, readings.designated_population) == (32000, 6650)
    assert readings.incidence == pytest.approx(1597 / 6650)
    assert readings.share_of_township == pytest.approx(1597 / 32000)
    assert readings.published == 0.24
    text = findings.designated_reading(readings)
    assert "(6,650) they are 24.0%, which rounds to the published 24%" in text
    assert "(32,000) the roster's designated-village poor are 5.0%, nowhere near 24%" in text


# --- the village profile ----------------------------------------------------------------


def test_village_profile_of_a_crosswalked_name(embedded, registry, ref):
    code = resolve_village("下铁坡")
    assert code == "430527203228"
    mem = ind.in_village(embedded.members, code)
    hh = ind.in_village(embedded.households, code)
    assert len(mem) > 0 and (mem["village_code"] == code).all()
    profile = ind.village_summary(code, embedded.members, embedded.households, registry, ref)
    population = int(registry.set_index("code").loc[code, "population"])
    assert (profile.name, profile.designated, profile.population) == ("铁坡村", True, population)
    assert (profile.households, profile.people) == (len(hh), len(mem))
    assert profile.share == pytest.approx(len(mem) / population)
    assert findings.village_header(profile).startswith("## 铁坡村 (430527203228)\n\n省定贫困村")
    exits = ind.exits_by_village(mem, hh, 2016, ref, total=False)
    assert exits["village_code"].tolist() == [code]
    wide = ind.pyramid_wide(ind.age_sex_pyramid(mem))
    assert list(wide.columns) == ["男", "女"]
    assert int(wide.to_numpy().sum()) == len(mem[mem["age"].notna() & mem["sex"].notna()])
    status = asr.two_assurances(embedded.members, embedded.households, 2016, ref)
    own = ind.in_village(status, code)
    compare = asr.village_deprivation(asr.alkire_foster(own, k=0.4),
                                      asr.alkire_foster(status, k=0.4))  # fmt: skip
    assert compare["village"].tolist() == pytest.approx(own[DIMS].mean().tolist())
    assert compare["township"].tolist() == pytest.approx(status[DIMS].mean().tolist())


def test_village_profile_of_a_unit_resolved_by_name(embedded, ref):
    code = resolve_village("寨市林场")
    mem, hh = ind.in_village(embedded.members, code), ind.in_village(embedded.households, code)
    exits = ind.exits_by_village(mem, hh, 2016, ref, total=False)
    assert exits["village_code"].tolist() == ["430527203504"]


YANTANG = "430527203201"  # a unit with no row in the hand-made roster


@pytest.mark.parametrize("in_registry", [True, False])
def test_village_with_no_rows_gives_not_available_facts(ref, in_registry):
    members, households = _members(), _households()
    registry = _registry()
    if in_registry:
        registry = pd.concat([registry, pd.DataFrame({"code": [YANTANG], "population": [300]})])
    profile = ind.village_summary(YANTANG, members, households, registry, ref)
    assert (profile.name, profile.households, profile.people) == ("岩塘村", 0, 0)
    assert profile.population == (300 if in_registry else None)
    assert profile.share == (0.0 if in_registry else None)
    mem, hh = ind.in_village(members, YANTANG), ind.in_village(households, YANTANG)
    assert ind.households_by(hh, "main_cause").empty
    assert ind.pyramid_wide(ind.age_sex_pyramid(mem)).to_numpy().sum() == 0
    status = asr.two_assurances(members, households, 2016, ref)
    village = asr.alkire_foster(ind.in_village(status, YANTANG), k=0.4)
    township = asr.alkire_foster(status, k=0.4)
    compare = asr.village_deprivation(village, township)
    assert compare["village"].isna().all() and compare["township"].notna().all()
    checks = asr.exit_checks(ind.in_village(status, YANTANG))
    assert asr.flagged_households(checks).empty
    assert ind.exits_by_village(mem, hh, 2016, ref, total=False).empty
    line = ind.in_village(asr.village_exit_line(mem, hh, registry, ref), YANTANG)
    sentences = [
        findings.village_header(profile),
        findings.village_af(village, township, profile.name),
        findings.village_exits(checks, line, ref),
    ]
    text = "\n".join(sentences)
    assert "nan" not in text.lower()
    assert "no registered poor households in the roster" in sentences[0]
    assert "H and M0 not available in 岩塘村" in sentences[1]
    assert sentences[2].startswith("0 households exited; 0 of them fail a criterion")
    if in_registry:
        assert "Remaining incidence 0.0% against the 2% village exit line" in sentences[2]
    else:
        assert "registered population not available" in sentences[0]
        assert "Remaining incidence not available" in sentences[2]


def test_pyramid_wide_keeps_every_age_group():
    wide = ind.pyramid_wide(ind.age_sex_pyramid(_members()))
    assert wide.index.tolist()[0] == "0-4" and wide.index.tolist()[-1] == "80+"
    assert wide.loc["10-14", "男"] == 1 and wide.loc["15-19"].tolist() == [1, 1]
    assert int(wide.to_numpy().sum()) == len(_members())


# --- the index and the exit checks as notebook 05 shows them ------------------------------


def test_dimension_table_and_largest_contribution():
    res = asr.alkire_foster(_af_example(), k=0.4)
    dims = asr.dimension_table(res.dimensions)
    assert dims["label"].tolist() == [asr.DIMENSION_LABELS_ZH[d] for d in DIMS]
    top = asr.largest_contribution(dims)
    assert (top["dimension"], top["contribution"]) == ("income", pytest.approx(0.3))
    nobody = asr.alkire_foster(_af_example().assign(**dict.fromkeys(DIMS, False)), k=0.4)
    assert asr.largest_contribution(nobody.dimensions) is None
    # medical, housing and water contribute equally: the first of them in policy order
    tie = pd.DataFrame([[False, False, True, True, False], [False, False, False, True, True],
                        [False, False, True, False, True]], columns=DIMS)
    assert asr.largest_contribution(asr.alkire_foster(tie, k=0.4).dimensions)["dimension"] == (
        "medical"
    )


def test_income_only_hand_count():
    dep = _af_example().astype(dict.fromkeys(DIMS, "boolean"))
    dep.loc[2, DIMS] = [True, False, False, False, False]  # income alone
    dep.loc[3, DIMS] = [True, False, False, False, pd.NA]  # water unknown: deprived
    alone = asr.income_only(dep)
    assert (alone.households, alone.of) == (1, 5)
    assert alone.share == pytest.approx(0.2)
    assert asr.income_only(dep.iloc[:0]).households == 0


def test_income_only_on_the_embedded_roster_is_not_most(embedded, ref):
    status = asr.two_assurances(embedded.members, embedded.households, 2016, ref)
    alone = asr.income_only(status)
    by_hand = status["income"] & ~status[["education", "medical", "housing", "water"]].any(axis=1)
    assert (alone.households, alone.of) == (int(by_hand.sum()), len(status))
    assert 0 < alone.share < 0.5  # a minority: "most households" would be false
    text = findings.af_headline(asr.alkire_foster(status, k=0.4), alone)
    assert f"{alone.share:.1%} of registered households ({alone.households:,} of " in text
    assert "Most" not in text
    assert "The largest contribution comes from 吃穿不愁(收入)" in text


def test_contributions_wide_and_village_names(ref):
    by_village = asr.alkire_foster(_af_example(), k=0.4, by="village_code")
    wide = asr.contributions_wide(by_village.dimensions)
    assert list(wide.columns) == DIMS and list(wide.index) == ["v1", "v2"]
    # v1 (k = 0.4): households 1 and 2 are poor, M0 = (0.6 + 0.4) / 3; income is deprived
    # in both, so it contributes 0.2 * (2/3) / (1/3) = 0.4.
    assert wide.loc["v1", "income"] == pytest.approx(0.4)
    named = asr.with_village_names(pd.DataFrame({"village_code": [LIJIA, "v9"]}), ref)
    assert named["village_name"].tolist()[0] == "李家村" and pd.isna(named["village_name"][1])


def test_false_exits_by_criteria_and_flagged_households_embedded(embedded, ref):
    status = asr.two_assurances(embedded.members, embedded.households, 2016, ref)
    checks = asr.exit_checks(status)
    by_criteria = asr.false_exits_by_criteria(checks)
    assert dict(zip(by_criteria["failed"], by_criteria["households"], strict=True)) == {
        "吃穿不愁(收入)": 3, "住房安全": 2, "基本医疗": 2, "义务教育": 1,
    }  # fmt: skip
    flagged = asr.flagged_households(checks)
    assert len(flagged) == 8 + 10
    assert (flagged["false_exit"] | flagged["eligible_not_exited"]).all()
    by_village = asr.exit_checks_by_village(checks, ref)
    assert (by_village["false_exits"].sum(), by_village["eligible_not_exited"].sum()) == (8, 10)


def test_villages_with_assurances_keeps_every_polygon(embedded, registry, ref):
    import geopandas as gpd

    villages = gpd.read_file(RAW / "zhaishi_geography.gpkg", layer="villages")
    status = asr.two_assurances(embedded.members, embedded.households, 2016, ref)
    index = asr.alkire_foster(status, k=0.4, by="village_code").index
    checks = asr.exit_checks_by_village(asr.exit_checks(status), ref)
    line = asr.village_exit_line(embedded.members, embedded.households, registry, ref)
    mapped = asr.villages_with_assurances(villages, index, checks, line)
    assert isinstance(mapped, gpd.GeoDataFrame)
    assert mapped["code"].tolist() == villages["code"].tolist()
    m0 = index.set_index("village_code")["M0"]
    assert mapped["M0"].tolist() == pytest.approx(mapped["code"].map(m0).tolist(), nan_ok=True)
    below = line.set_index("village_code")["below_line"]
    assert mapped["below_line"].tolist() == mapped["code"].map(below).tolist()
    assert (mapped["false_exits"].sum(), mapped["eligible_not_exited"].sum()) == (8, 10)
    text = findings.exit_checks_summary(asr.exit_checks(status), line, ref)
    assert text.startswith("8 households are marked exited but fail a criterion; 10 meet")
    assert "designated villages among them: none." in text
