"""A field the roster does not have is unknown downstream, never 0 nor deprived (issue 14
item 3): exit status derived from the exit year, the work summary's "not in the roster",
the Alkire-Foster index of the measured dimensions only, exit checks of measured criteria.

The small roster is a village office's own sheet of nine columns: 序号, 村, 户编号, 姓名,
身份证号码, 与户主关系, 家庭人口数, 贫困户属性, 脱贫年度.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import make_id, small_rows, write_roster
from hypothesis import given
from hypothesis import strategies as st

from fupin_analysis import assurances as asr
from fupin_analysis import clean_roster
from fupin_analysis import indicators as ind
from fupin_analysis.availability import (
    DIMENSION_FIELDS,
    availability,
    header,
    known_fields,
    measured_dimensions,
)
from fupin_analysis.reference import load_reference
from fupin_analysis.schema import canonical_header

DIMS = list(asr.DIMENSIONS)


def nine_headers() -> list[str]:
    """The nine headers; 家庭人口数 as 人数 where the header aliases do not know it yet."""
    headers = ["序号", "村", "户编号", "姓名", "身份证号码", "与户主关系", "家庭人口数",
               "贫困户属性", "脱贫年度"]  # fmt: skip
    if canonical_header("家庭人口数") is None:
        headers[6] = "人数"
    return headers


def nine_rows() -> list[list[str]]:
    """Three households: 李家村 exited 2016 (3 people), 表田村 not exited (2), 长溪村
    exited 2015 (1)."""
    return [
        ["1", "李家村", "4305272032030001", "张大山", make_id("19700305", "131"), "户主", "3",
         "一般贫困户", "2016"],
        ["2", "李家村", "4305272032030001", "李小花", make_id("19720810", "242"), "配偶", "3",
         "一般贫困户", "2016"],
        ["3", "李家村", "4305272032030001", "张小明", make_id("20050101", "353"), "之子", "3",
         "一般贫困户", "2016"],
        ["4", "表田村", "4305272032220002", "杨老五", make_id("19400220", "415"), "户主", "2",
         "五保户", ""],
        ["5", "表田村", "4305272032220002", "杨阿婆", make_id("19420615", "526"), "配偶", "2",
         "五保户", ""],
        ["6", "长溪村", "4305272032070003", "王小二", make_id("19850101", "617"), "户主", "1",
         "低保贫困户", "2015"],
    ]  # fmt: skip


@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.fixture(scope="module", params=["xlsx", "csv"])
def nine(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("nine") / f"office.{request.param}"
    return clean_roster(write_roster(path, nine_rows(), headers=nine_headers(), titles=0))


def exited_by_village(clean) -> dict[str, bool]:
    hh = clean.households
    return dict(zip(hh["village_name"], hh["exited"], strict=True))


# --- fields and exits ---------------------------------------------------------------------


def test_fields_are_the_columns_with_a_value(nine):
    assert nine.fields == {"village", "household_id", "name", "id_number", "relation",
                           "household_size", "household_type", "exit_year"}  # fmt: skip
    assert len(nine.members) == 6 and nine.quarantine.empty


def test_exit_status_derived_from_exit_year(nine):
    assert exited_by_village(nine) == {"李家村": True, "表田村": False, "长溪村": True}
    assert nine.households["exit_status"].isna().all()  # never filled in: which 已脱贫?
    row = nine.quality.set_index("rule").loc["exit_status_year"]
    assert row["rows"] == 0
    assert row["detail"].endswith("exit derived from 脱贫年度: 2 households")


def test_exit_status_and_year_in_conflict_are_counted_and_the_status_wins(make_roster):
    rows = small_rows()  # 脱贫属性 (status) and 脱贫年度 (year) are columns 14 and 15
    for row in rows[:3]:
        row[15] = "2016"  # 未脱贫 yet an exit year: a conflict
    rows[3][14] = rows[4][14] = ""  # no status: the year 2016 says exited
    clean = clean_roster(make_roster("r.xlsx", rows))
    assert exited_by_village(clean) == {"李家村": False, "表田村": True}
    row = clean.quality.set_index("rule").loc["exit_status_year"]
    assert row["rows"] == 3
    assert row["detail"] == (
        "未脱贫 with a 脱贫年度: 1 households; exit derived from 脱贫年度: 1 households"
    )


def test_embedded_exits_unchanged(clean_embedded):
    hh = clean_embedded.households
    exited = hh["exit_status"].isin(["已脱贫(享受政策)", "已脱贫(不再享受政策)"])
    assert hh["exited"].dtype == bool and hh["exited"].equals(exited)
    row = clean_embedded.quality.set_index("rule").loc["exit_status_year"]
    assert row["rows"] == 0


# --- the work summary ---------------------------------------------------------------------


def test_work_summary_says_not_in_the_roster_never_zero(nine, ref):
    ws = ind.work_summary(nine, ref, 2016).set_index("figure")
    lacking = {
        "scattered_households": "易地扶贫搬迁安置方式",
        "concentrated_people": "易地扶贫搬迁安置方式",
        "credit_rated_share": "小额信贷评级",
        "credit_granted_share": "小额信贷授信",
        "education_primary_students": "在校生状况",
        "education_total_cost": "在校生状况",
    }
    for figure, column in lacking.items():
        row = ws.loc[figure]
        assert pd.isna(row["value"]) and pd.isna(row["value_with_quarantined"]), figure
        assert pd.isna(row["quarantined"]), figure
        assert row["note"] == f"not in the roster: {column}", figure
    assert ws.loc["registered_people", "value"] == 6
    # exits come from 脱贫年度 alone: 李家村's 3 people in 2016 (长溪村's exit is 2015)
    assert ws.loc["exited_people", "value"] == 3
    status = ind.reproduction(ws.reset_index()).set_index("figure")["status"]
    assert status["scattered_households"] == "not available"
    assert status["registered_people"] == "differs"


def test_work_summary_without_exit_columns(make_roster, ref):
    headers = nine_headers()[:-1]
    rows = [row[:-1] for row in nine_rows()]
    clean = clean_roster(make_roster("r.csv", rows, headers=headers, titles=0))
    assert not clean.households["exited"].any()  # a registered household until an exit
    ws = ind.work_summary(clean, ref, 2016).set_index("figure")
    assert pd.isna(ws.loc["exited_people", "value"])
    assert ws.loc["exited_people", "note"] == "not in the roster: 脱贫状态 or 脱贫年度"
    exits = ind.exits_by_village(clean.members, clean.households, 2016, ref, fields=clean.fields)
    assert exits["exited_people"].isna().all() and exits["people"].sum() == 2 * 6
    line = asr.village_exit_line(clean.members, clean.households,
                                 pd.DataFrame({"code": ["430527203203"], "population": [100]}),
                                 ref, fields=clean.fields)  # fmt: skip
    assert line["remaining_poor"].isna().all() and line["below_line"].isna().all()
    assert line["registered_poor"].tolist() == [3]


def test_programme_tables_count_nothing_the_roster_lacks(nine, ref):
    tables = ind.programme_tables(nine, ref, 2016)
    assert tables["credit"][["rated", "granted", "rated_share"]].isna().all().all()
    assert tables["credit"]["households"].tolist() == [1, 1, 1, 3]
    assert tables["relocation"].drop(columns=["village_code", "village_name"]).isna().all().all()
    assert tables["education_aid"]["total_cost_yuan"].isna().all()
    assert tables["exits"]["exited_people"].tolist()[-1] == 3  # the 合计 row
    assert tables["af_index"][["H", "A", "M0"]].isna().all().all()
    # no criterion measured: the exited households are not known either way
    assert tables["exit_checks"]["false_exits"].isna().tolist() == [True, True, False]


def test_embedded_tables_the_same_with_or_without_fields(clean_embedded, ref):
    # The embedded roster has every field: its fields change no table.
    tables = ind.programme_tables(clean_embedded, ref, 2016)
    bare = SimpleNamespace(members=clean_embedded.members,
                           households=clean_embedded.households,
                           quarantine=clean_embedded.quarantine)  # fmt: skip
    for name, table in ind.programme_tables(bare, ref, 2016).items():
        pd.testing.assert_frame_equal(tables[name], table, obj=name)
    ws = tables["work_summary"]
    assert ws["value"].notna().all() and not ws["note"].str.startswith("not in the").any()
    assert tables["af_index"][["H", "M0"]].notna().all().all()


# --- two assurances and the index -----------------------------------------------------------


def test_nine_columns_measure_no_dimension_and_refuse_an_index(nine, ref):
    for fields in (nine.fields, None):  # with the fields, or from the tables alone
        status = asr.two_assurances(nine.members, nine.households, 2016, ref, fields=fields)
        assert status[DIMS].isna().all().all()
        assert (status["deprivations"] == 0).all()
        result = asr.alkire_foster(status, k=0.4)
        assert not result.available
        assert result.left_out == tuple(DIMS)
        assert result.index[["poor_units", "H", "A", "M0"]].isna().all().all()
        assert result.index["units"].tolist() == [3.0]
        assert asr.income_only(status).households is None


def test_exit_checks_call_no_one_false_for_unmeasured_criteria(nine, ref):
    status = asr.two_assurances(nine.members, nine.households, 2016, ref, fields=nine.fields)
    checks = asr.exit_checks(status)
    assert asr.checked_criteria(status) == ()
    assert not checks["false_exit"].fillna(False).any()
    # no criterion measured: an exited household is not known either way; one that did
    # not exit is no false exit
    exited = checks["exited"].astype(bool)
    assert checks.loc[exited, "false_exit"].isna().all()
    assert checks.loc[~exited, "false_exit"].eq(False).all()
    assert checks["failed"].eq("").all()
    by_village = asr.exit_checks_by_village(checks, load_reference())
    assert by_village["village_name"].tolist() == ["李家村", "长溪村", "表田村"]
    assert by_village["false_exits"].isna().tolist() == [True, True, False]
    assert by_village["exited"].tolist() == [1, 1, 0]
    # nobody to visit, no false exits by criteria, no largest contribution
    assert asr.flagged_households(checks).empty
    assert asr.false_exits_by_criteria(checks).empty
    assert asr.largest_contribution(asr.alkire_foster(status).dimensions) is None


def test_one_measured_criterion_is_the_only_one_checked(make_roster, ref):
    headers = [*nine_headers(), "人均纯收入"]
    incomes = ["2000", "2000", "2000", "5000", "5000", "5000"]
    rows = [[*row, income] for row, income in zip(nine_rows(), incomes, strict=True)]
    clean = clean_roster(make_roster("r.xlsx", rows, headers=headers, titles=0))
    status = asr.two_assurances(clean.members, clean.households, 2016, ref, fields=clean.fields)
    assert measured_dimensions(known_fields(clean.members, clean.households, clean.fields)) == (
        "income",
    )
    checks = asr.exit_checks(status).set_index(clean.households["village_name"])
    assert asr.checked_criteria(status) == ("吃穿不愁(收入)",)
    # 李家村 exited below the income line: a false exit, on income; 长溪村 exited above it
    # and is not called false for the unmeasured criteria; 表田村 is not known eligible.
    assert checks["false_exit"].tolist() == [True, False, False]
    assert checks.loc["李家村", "failed"] == "吃穿不愁(收入)"
    assert pd.isna(checks.loc["表田村", "eligible_not_exited"])
    result = asr.alkire_foster(status, k=0.4)
    assert not result.available and result.left_out == tuple(DIMS[1:])
    assert result.dimensions.set_index("dimension")["headcount"].to_dict() == {
        "income": pytest.approx(1 / 3)
    }


@given(st.sets(st.sampled_from(DIMS)), st.floats(0.05, 1.0))
def test_index_uses_only_the_measured_dimensions(unmeasured, k):
    deprived = pd.DataFrame(
        {d: [bool((i >> j) & 1) for i in range(32)] for j, d in enumerate(DIMS)}
    )  # every combination of deprivations once
    partial = deprived.copy()
    for d in unmeasured:
        partial[d] = pd.Series(pd.NA, index=partial.index, dtype="boolean")
    kept = [d for d in DIMS if d not in unmeasured]
    result = asr.alkire_foster(partial, k=k)
    assert result.left_out == tuple(d for d in DIMS if d in unmeasured)
    assert result.available == (len(kept) >= 2)
    if result.available:  # the same as an index built on the measured columns alone
        alone = asr.alkire_foster(deprived[kept], k=k, weights=dict.fromkeys(kept, 1.0))
        pd.testing.assert_frame_equal(result.index, alone.index)
        pd.testing.assert_frame_equal(result.dimensions, alone.dimensions)
        assert set(result.dimensions["dimension"]) == set(kept)
    else:
        assert result.index["M0"].isna().all()


@given(st.sets(st.sampled_from(DIMS)))
def test_no_false_exit_for_a_criterion_not_measured(unmeasured):
    deprived = pd.DataFrame(
        {d: [bool((i >> j) & 1) for i in range(32)] for j, d in enumerate(DIMS)}
    )
    status = deprived.assign(household_key=[f"h{i}" for i in range(32)], village_code="v",
                             exited=True, exit_year=2016)  # fmt: skip
    for d in unmeasured:
        status[d] = pd.Series(pd.NA, index=status.index, dtype="boolean")
    kept = [d for d in DIMS if d not in unmeasured]
    fails = deprived[kept].any(axis=1)
    status["meets_all"] = (~fails).astype(bool) if not unmeasured else (
        pd.Series(pd.NA, index=status.index, dtype="boolean").mask(fails, False))  # fmt: skip
    checks = asr.exit_checks(status)
    if kept:
        assert checks["false_exit"].astype(bool).tolist() == fails.tolist()
        labels = {asr.DIMENSION_LABELS_ZH[d] for d in unmeasured}
        assert not any(set(f.split("、")) & labels for f in checks["failed"])
    else:
        assert checks["false_exit"].isna().all()


# --- availability -------------------------------------------------------------------------


def test_availability_of_the_nine_columns(nine):
    table = availability(nine).set_index("topic")
    assert table.loc["exits", "available"] and table.loc["household_types", "available"]
    assert not table.loc["relocation", "available"]
    assert table.loc["relocation", "missing_fields"] == "易地扶贫搬迁安置方式"
    assert table.loc["relocation", "reason"] == "the roster has no 易地扶贫搬迁安置方式 column"
    assert "04_relocation_sites" in table.loc["relocation", "notebooks"]
    assert table.loc["medical", "reason"] == (
        "the roster has neither a 是否参加城乡居民基本医疗保险 nor a 是否参加大病保险 column"
    )
    assert not table.loc["alkire_foster", "available"]
    assert table.loc["alkire_foster", "reason"].startswith("only 0 of 5 dimensions measured")
    assert not table.loc["exit_checks", "available"]
    assert set(header(n) for needs in DIMENSION_FIELDS.values() for n in needs) == set(
        table.loc["alkire_foster", "missing_fields"].split("、")
    )


def test_availability_names_a_column_without_a_readable_value(make_roster):
    headers = [*nine_headers(), "是否解决安全饮用水", "危房户", "人均纯收入"]
    rows = [[*row, "不知道", "否", "3000"] for row in nine_rows()]
    clean = clean_roster(make_roster("r.xlsx", rows, headers=headers, titles=0))
    assert "safe_water" in clean.fields  # the column had text, none of it readable
    table = availability(clean).set_index("topic")
    assert table.loc["water", "reason"] == (
        "the roster's 是否解决安全饮用水 column has no readable value"
    )
    index, checks = table.loc["alkire_foster"], table.loc["exit_checks"]
    assert index["available"] and checks["available"]
    assert index["reason"].startswith("left out: 义务教育 (the roster has no 在校生状况 column)")
    assert checks["reason"].startswith("checked against 吃穿不愁(收入), 住房安全 only")


def test_availability_of_the_embedded_roster(clean_embedded):
    table = availability(clean_embedded)
    assert table["available"].all() and table["reason"].eq("").all()
    assert table["missing_fields"].eq("").all()
