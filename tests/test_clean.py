"""clean_roster: one test per rule, the invariant, properties, privacy."""

import numpy as np
import pandas as pd
import pytest
from conftest import HEADERS, make_id, small_rows, write_roster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin_analysis import CleanRoster, RosterFormatError, clean_roster, read_roster
from fupin_analysis.clean import (
    HOUSEHOLD_TABLE_COLUMNS,
    MEMBER_COLUMNS,
    REASONS,
    keyed_hash,
    parse_dates,
    parse_numbers,
    to_vocabulary,
)
from fupin_analysis.schema import HEADER_ALIASES

COL = {h: i for i, h in enumerate(HEADERS)}
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def raw_frame(rows=None) -> pd.DataFrame:
    """A raw frame as read_roster returns it, from rows in HEADERS order."""
    rows = small_rows() if rows is None else rows
    names = [HEADER_ALIASES[h.replace("（", "(").replace("）", ")")] for h in HEADERS]
    frame = pd.DataFrame(rows, columns=names, dtype="str").replace("", np.nan)
    frame["source_row"] = np.arange(4, 4 + len(frame), dtype=np.int64)
    return frame


def edit(rows, row, header, value):
    rows[row][COL[header]] = value
    return rows


def quality(result: CleanRoster) -> dict:
    return dict(zip(result.quality["rule"], result.quality["rows"], strict=True))


def check_invariant(raw: pd.DataFrame, result: CleanRoster) -> None:
    assert len(raw) == len(result.members) + len(result.quarantine)
    rows = sorted(result.members["source_row"].tolist() + result.quarantine["source_row"].tolist())
    assert rows == sorted(raw["source_row"].tolist())


# --- a clean roster -----------------------------------------------------------------------


def test_clean_roster_keeps_everyone():
    raw = raw_frame()
    result = clean_roster(raw)
    check_invariant(raw, result)
    assert len(result.members) == 5 and len(result.quarantine) == 0
    assert list(result.members.columns) == list(MEMBER_COLUMNS)
    assert list(result.households.columns) == list(HOUSEHOLD_TABLE_COLUMNS)
    hh = result.households.set_index("village_name")
    assert hh.loc["李家村", "members"] == 3 and hh.loc["李家村", "household_size"] == 3
    assert hh.loc["李家村", "income_per_capita"] == 2800.0
    assert hh.loc["表田村", "income_per_capita"] == 3200.0  # 0.32万
    assert hh.loc["表田村", "household_type"] == "特困供养贫困户"  # 五保户
    assert hh.loc["表田村", "exit_status"] == "已脱贫(享受政策)"
    assert bool(hh.loc["表田村", "exited"]) and hh.loc["表田村", "exit_year"] == 2016
    assert hh.loc["李家村", "first_identified"] == pd.Timestamp("2014-10-01")
    assert hh.loc["李家村", "village_code"] == "430527203203"
    assert bool(hh.loc["李家村", "designated"])
    assert (
        result.quality["rows"]
        .loc[result.quality["action"].str.startswith("quarantined")]
        .eq(0)
        .all()
    )


def test_member_values_derived_from_id_at_reference_date():
    m = clean_roster(raw_frame()).members.set_index("source_row")
    assert m.loc[4, "birth_date"] == pd.Timestamp("1970-03-05")
    assert m.loc[4, "sex"] == "男" and m.loc[5, "sex"] == "女"
    assert m.loc[4, "age"] == 46 and m.loc[4, "birth_year"] == 1970
    later = clean_roster(raw_frame(), reference_date="2020-03-05").members.set_index("source_row")
    assert later.loc[4, "age"] == 50  # birthday on the reference day counts
    assert (
        clean_roster(raw_frame(), reference_date="2020-03-04")
        .members.set_index("source_row")
        .loc[4, "age"]
        == 49
    )


def test_file_path_accepted(make_roster):
    result = clean_roster(make_roster("r.xlsx"))
    assert len(result.members) == 5
    assert result.members["source_row"].tolist() == [4, 5, 6, 7, 8]


def test_summary_counts():
    rows = edit(small_rows(), 0, "证件号码", "4.30527E+17")
    s = clean_roster(raw_frame(rows)).summary().set_index("item")["value"]
    assert s.to_dict() == {
        "rows_read": 5,
        "members": 4,
        "households": 2,
        "quarantined": 1,
        "quarantined_persons": 1,
        "persons": 5,
    }


# --- one test per rule --------------------------------------------------------------------


def test_text_normalised_full_width_and_spaces():
    rows = small_rows()
    rows[0][COL["证件号码"]] = " ".join(rows[0][COL["证件号码"]]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    rows[0][COL["行政村"]] = " 李 家村 "
    rows[0][COL["户编号"]] = "４３０５２７２０３２０３０００１"
    result = clean_roster(raw_frame(rows))
    assert len(result.quarantine) == 0
    assert quality(result)["text_normalised"] == 1
    assert result.households["members"].tolist() == [3, 2]


def test_empty_markers_in_optional_fields():
    rows = small_rows()
    rows[3][COL["脱贫年度"]] = "无"
    rows[4][COL["脱贫年度"]] = "——"
    rows[0][COL["文化程度"]] = "/"
    result = clean_roster(raw_frame(rows))
    assert quality(result)["empty_marker"] == 3
    assert result.households["exit_year"].isna().all()
    assert pd.isna(result.members.set_index("source_row").loc[4, "education"])


def test_numbers_from_text():
    values = pd.Series(["1.2万", "3,100元", "3000.00", "２８００", " 2 500 ", "abc", None])
    assert parse_numbers(values).tolist()[:5] == [12000.0, 3100.0, 3000.0, 2800.0, 2500.0]
    assert parse_numbers(values).iloc[5:].isna().all()


def test_dates_in_mixed_forms():
    values = pd.Series(
        [
            "2016年11月",
            "2016.11",
            "2016-11-23",
            "42697",
            "2016/11/23",
            "2016年11月23日",
            "20161123",
            "2016-11-23 00:00:00",
            "2016-13-01",
            "x",
        ]
    )
    out = parse_dates(values)
    assert out.iloc[:8].dt.strftime("%Y-%m-%d").tolist() == [
        "2016-11-01",
        "2016-11-01",
        "2016-11-23",
        "2016-11-23",
        "2016-11-23",
        "2016-11-23",
        "2016-11-23",
        "2016-11-23",
    ]
    assert out.iloc[8:].isna().all()


@pytest.mark.parametrize("size", ["-3", "1E100", "两"])
def test_impossible_household_size_is_missing_and_counted(size):
    rows = small_rows()
    for r in range(3):  # the three rows of household 1
        rows[r][COL["人数"]] = size
    result = clean_roster(raw_frame(rows))
    assert quality(result)["value_unparsed"] == 3
    assert result.households["household_size"].isna().sum() == 1


def test_unparsed_values_counted():
    rows = small_rows()
    rows[0][COL["人均纯收入"]] = "不详"
    for r in range(1, 3):
        rows[r][COL["人均纯收入"]] = "不详"
    result = clean_roster(raw_frame(rows))
    assert quality(result)["value_unparsed"] == 3  # rows of the household
    assert result.households["income_per_capita"].isna().sum() == 1


def test_old_terms_to_official_vocabulary():
    out = to_vocabulary(pd.Series(["五保户", "低保户", "一般户", "五保"]), "household_type")
    assert out.tolist()[:3] == ["特困供养贫困户", "低保贫困户", "一般贫困户"]
    assert pd.isna(out.iloc[3])
    assert list(out.dtype.categories) == ["一般贫困户", "低保贫困户", "特困供养贫困户"]
    combined = to_vocabulary(pd.Series(["长期慢性病,残疾"]), "health")
    assert combined.tolist() == ["长期慢性病"]


def test_old_terms_counted():
    result = clean_roster(raw_frame())
    assert quality(result)["value_aliased"] == 2  # 五保户 on both rows of household 2


def test_lowercase_x_counted():
    rows = small_rows()
    rows[0][COL["证件号码"]] = "11010519491231002x"
    rows[1][COL["证件号码"]] = "'" + rows[1][COL["证件号码"]]
    assert quality(clean_roster(raw_frame(rows)))["id_normalised"] == 2


def test_unmapped_values_counted():
    rows = edit(small_rows(), 0, "文化程度", "博士后")
    result = clean_roster(raw_frame(rows))
    assert quality(result)["value_unmapped"] == 1


def test_household_fields_filled_from_head_only_within_household():
    rows = small_rows()
    for r in (1, 2):  # the head's members leave household fields empty (hand-made sheet)
        for h in ("人数", "致贫原因1", "人均纯收入", "脱贫属性", "贫困户属性", "行政村"):
            rows[r][COL[h]] = ""
    rows[3][COL["致贫原因1"]] = ""  # head of household 2 without a cause: not filled from 1
    rows[4][COL["致贫原因1"]] = ""
    result = clean_roster(raw_frame(rows))
    assert len(result.quarantine) == 0
    assert quality(result)["household_fill"] == 2
    hh = result.households.set_index("village_name")
    assert hh.loc["李家村", "main_cause"] == "因病"
    assert pd.isna(hh.loc["表田村", "main_cause"])
    assert quality(result)["household_field_conflict"] == 0


def test_fill_down_from_head_even_when_head_is_not_first():
    rows = small_rows()
    rows = [rows[1], rows[0], rows[2]]  # spouse first, head second
    rows[0][COL["人均纯收入"]] = ""
    result = clean_roster(raw_frame(rows))
    assert result.households["income_per_capita"].tolist() == [2800.0]


def test_village_resolution_forms():
    names = ["李家村", "李家", "寨市乡李家村", "绥宁县寨市苗族侗族乡李家", "430527203203"]
    rows = [small_rows()[0][:] for _ in names]
    for i, name in enumerate(names):
        rows[i][COL["行政村"]] = name
        rows[i][COL["户编号"]] = f"H{i}"
        rows[i][COL["证件号码"]] = make_id("19700305", f"{100 + i}")
        rows[i][COL["人数"]] = "1"
    result = clean_roster(raw_frame(rows))
    assert len(result.quarantine) == 0
    assert result.households["village_code"].eq("430527203203").all()


def test_variant_and_old_names_counted():
    rows = small_rows()
    for r in (3, 4):
        rows[r][COL["行政村"]] = "在市村"  # variant spelling of 寨市村
    result = clean_roster(raw_frame(rows))
    assert quality(result)["village_variant"] == 2
    assert "430527203245" in result.households["village_code"].tolist()


def test_assumed_link_kept_and_counted():
    rows = small_rows()
    for r in (3, 4):
        rows[r][COL["行政村"]] = "利试"
    result = clean_roster(raw_frame(rows))
    assert len(result.quarantine) == 0
    assert quality(result)["village_assumed"] == 2
    hh = result.households.set_index("village_code").loc["430527203247"]
    assert hh["village_evidence"] == "assumed" and bool(hh["designated"])


def test_unknown_village_quarantined():
    rows = edit(small_rows(), 3, "行政村", "火星村")
    rows[4][COL["行政村"]] = "火星村"
    result = clean_roster(raw_frame(rows))
    assert result.quarantine["reason"].tolist() == ["unknown_village"] * 2
    assert result.quarantine["counts_as_person"].all()
    assert quality(result)["unknown_village"] == 2


def test_mangled_id_quarantined_never_padded():
    raw = raw_frame(edit(small_rows(), 1, "证件号码", "4.30527E+17"))
    result = clean_roster(raw)
    q = result.quarantine
    assert q["reason"].tolist() == ["id_mangled"]
    assert q["id_number"].tolist() == ["4.30527E+17"]  # raw value kept as it was
    assert bool(q["counts_as_person"].iloc[0])
    check_invariant(raw, result)


def test_wrong_check_character_quarantined():
    good = small_rows()[0][COL["证件号码"]]
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    result = clean_roster(raw_frame(edit(small_rows(), 0, "证件号码", bad)))
    assert result.quarantine["reason"].tolist() == ["id_invalid"]
    assert result.quarantine["detail"].tolist() == ["bad_check"]


def test_lowercase_x_accepted():
    rows = small_rows()
    rows[0][COL["证件号码"]] = "11010519491231002x"
    assert len(clean_roster(raw_frame(rows)).quarantine) == 0


def test_missing_id_quarantined():
    result = clean_roster(raw_frame(edit(small_rows(), 2, "证件号码", "")))
    assert result.quarantine["reason"].tolist() == ["id_missing"]


def test_missing_household_number_quarantined():
    result = clean_roster(raw_frame(edit(small_rows(), 2, "户编号", "")))
    assert result.quarantine["reason"].tolist() == ["household_missing"]


def test_exact_repeat_quarantined_first_kept():
    rows = small_rows()
    rows.insert(3, rows[1][:])
    raw = raw_frame(rows)
    result = clean_roster(raw)
    q = result.quarantine
    assert q["reason"].tolist() == ["duplicate_row"]
    assert q["source_row"].tolist() == [7]
    assert not q["counts_as_person"].iloc[0]
    assert 5 in result.members["source_row"].tolist()
    check_invariant(raw, result)


def test_repeat_differing_only_in_spaces_is_still_a_repeat():
    rows = small_rows()
    rows.append(rows[0][:])
    rows[-1][COL["姓名"]] = "张 大山"
    assert clean_roster(raw_frame(rows)).quarantine["reason"].tolist() == ["duplicate_row"]


def test_repeat_with_identity_number_spaced_or_full_width_is_a_repeat():
    rows = small_rows()
    number = rows[1][COL["证件号码"]]
    rows.append(rows[1][:])
    rows[-1][COL["证件号码"]] = " " + number[:6] + " " + number[6:].translate(FULL_WIDTH)
    result = clean_roster(raw_frame(rows))
    assert result.quarantine["reason"].tolist() == ["duplicate_row"]
    assert quality(result)["text_normalised"] == 1


def test_repeat_with_respelled_identity_number_is_the_same_person_not_a_repeat():
    # 11..x and 11..X are different cells but the same person
    for respell in (str.lower, lambda number: "'" + number):
        rows = small_rows()
        rows[0][COL["证件号码"]] = "11010519491231002X"
        rows.append(rows[0][:])
        rows[-1][COL["证件号码"]] = respell("11010519491231002X")
        q = clean_roster(raw_frame(rows)).quarantine
        assert q["reason"].tolist() == ["duplicate_person"]
        assert q["detail"].tolist() == ["same_household"]


def test_repeat_of_a_row_with_a_mangled_number_is_a_repeat():
    rows = small_rows()
    rows[2][COL["证件号码"]] = "4.30527E+17"
    rows.append(rows[2][:])
    q = clean_roster(raw_frame(rows)).quarantine
    assert q["reason"].tolist() == ["id_mangled", "duplicate_row"]


def test_same_person_in_two_households():
    rows = small_rows()
    rows[4][COL["证件号码"]] = rows[1][COL["证件号码"]]
    result = clean_roster(raw_frame(rows))
    q = result.quarantine
    assert q["reason"].tolist() == ["duplicate_person"]
    assert q["source_row"].tolist() == [8]  # the later occurrence
    assert q["detail"].tolist() == ["other_household"]
    assert not q["counts_as_person"].iloc[0]
    assert (
        "in another household: 1"
        in result.quality.set_index("rule").loc["duplicate_person", "detail"]
    )


def test_household_size_mismatch_counted():
    rows = edit(small_rows(), 0, "人数", "4")
    for r in (1, 2):
        rows[r][COL["人数"]] = "4"
    result = clean_roster(raw_frame(rows))
    assert quality(result)["household_size_mismatch"] == 3
    hh = result.households.set_index("village_name").loc["李家村"]
    assert hh["household_size"] == 4 and hh["members"] == 3


def test_head_count_counted():
    rows = edit(small_rows(), 4, "与户主关系", "户主")  # two heads
    rows[0][COL["与户主关系"]] = "配偶"  # no head
    result = clean_roster(raw_frame(rows))
    assert quality(result)["head_count"] == 5
    assert (
        "no head: 1 households; several: 1"
        in result.quality.set_index("rule").loc["head_count", "detail"]
    )


def test_household_field_conflict_head_value_wins():
    rows = edit(small_rows(), 1, "贫困户属性", "低保贫困户")
    result = clean_roster(raw_frame(rows))
    assert quality(result)["household_field_conflict"] == 3
    hh = result.households.set_index("village_name").loc["李家村"]
    assert hh["household_type"] == "一般贫困户"


def test_member_in_another_village_takes_household_village():
    rows = edit(small_rows(), 2, "行政村", "表田村")
    result = clean_roster(raw_frame(rows))
    assert result.members["village_code"].iloc[2] == "430527203203"
    assert quality(result)["household_field_conflict"] == 3


def test_sex_and_age_mismatch_counted_id_wins():
    raw = raw_frame()
    raw["sex"] = pd.Series(["女", "女", "男", "男", "女"], dtype="str")
    raw["age"] = pd.Series(["46", "44", "30", "76", "74"], dtype="str")
    result = clean_roster(raw)
    assert quality(result)["sex_mismatch"] == 1
    assert quality(result)["age_mismatch"] == 1
    assert result.members["sex"].iloc[0] == "男"


def test_unknown_columns_listed():
    raw = raw_frame()
    raw["备注"] = pd.Series(["x", None, None, None, None], dtype="str")
    result = clean_roster(raw)
    row = result.quality.set_index("rule").loc["unknown_column"]
    assert row["detail"] == "备注" and row["rows"] == 1


def test_missing_required_column_in_frame():
    with pytest.raises(RosterFormatError, match="missing required column"):
        clean_roster(raw_frame().drop(columns="id_number"))


# --- privacy ------------------------------------------------------------------------------


def test_no_pii_in_members_or_households():
    raw = raw_frame()
    result = clean_roster(raw)
    pii = set(raw["name"]) | set(raw["id_number"]) | set(raw["household_phone"])
    for table in (result.members, result.households):
        text = [str(v) for v in table.to_numpy().ravel()]
        assert not pii & set(text)
        assert not any(p in cell for p in pii for cell in text)
        assert not {"name", "id_number", "household_phone", "person_phone"} & set(table.columns)


def test_keys_are_salted_and_stable():
    ids = pd.Series(["a", "b", None])
    one = keyed_hash(ids, "s1", "person")
    assert one.equals(keyed_hash(ids, "s1", "person"))
    assert not one.iloc[:2].equals(keyed_hash(ids, "s2", "person").iloc[:2])
    assert not one.iloc[:2].equals(keyed_hash(ids, "s1", "household").iloc[:2])
    assert one.iloc[:2].str.fullmatch(r"[0-9a-f]{16}").all() and pd.isna(one.iloc[2])
    a = clean_roster(raw_frame(), salt="x").members["person_key"]
    b = clean_roster(raw_frame(), salt="y").members["person_key"]
    assert a.is_unique and not a.equals(b)


# --- invariants and properties ------------------------------------------------------------


def test_cleaning_the_kept_rows_again_changes_nothing():
    rows = small_rows()
    rows.append(rows[0][:])  # a repeat
    rows = edit(rows, 2, "证件号码", "4.30527E+17")
    raw = raw_frame(rows)
    first = clean_roster(raw)
    kept = raw[raw["source_row"].isin(first.members["source_row"])]
    second = clean_roster(kept)
    assert len(second.quarantine) == 0
    pd.testing.assert_frame_equal(first.members, second.members)
    pd.testing.assert_frame_equal(first.households, second.households)


cell = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "无",
            "4.30527E+17",
            "户主",
            "李家村",
            "火星村",
            "1.2万",
            "2016年11月",
            "五保户",
            " ",
            "０",
            "x",
        ]
    ),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, len(HEADERS) - 1), cell), max_size=25))
def test_arbitrary_text_never_crashes_and_keeps_invariant(edits):
    rows = small_rows() + small_rows()[:2]  # two exact repeats too
    for r, c, value in edits:
        rows[r][c] = "" if value is None else value
    raw = raw_frame(rows)
    result = clean_roster(raw)
    check_invariant(raw, result)
    assert set(result.quarantine["reason"]) <= set(REASONS)
    assert result.members["person_key"].is_unique


@settings(max_examples=10, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.text(max_size=8)), min_size=len(HEADERS), max_size=len(HEADERS)
        ),
        min_size=1,
        max_size=8,
    )
)
def test_arbitrary_rows_in_a_file(tmp_path_factory, rows):
    rows = [["" if v is None else v for v in r] for r in rows]
    path = write_roster(tmp_path_factory.mktemp("h") / "r.csv", rows, encoding="utf-8")
    try:
        raw = read_roster(path)
    except RosterFormatError:
        return  # e.g. every row empty
    check_invariant(raw, clean_roster(raw))


# --- the embedded dataset against its ground truth ----------------------------------------


def _outcomes(result: CleanRoster) -> pd.DataFrame:
    kept = result.members[["source_row"]].assign(reason="")
    refused = result.quarantine[["source_row", "reason", "counts_as_person"]]
    return pd.concat([kept, refused]).set_index("source_row").sort_index()


def test_embedded_every_planted_defect_found_and_no_clean_row_refused(
    clean_embedded, embedded_truth
):
    truth = embedded_truth.set_index("source_row").sort_index()
    got = _outcomes(clean_embedded)
    assert got.index.equals(truth.index)  # every raw row accounted for, exactly once
    expected = truth["expected_reason"].fillna("")
    wrong = got["reason"] != expected
    assert not wrong.any(), truth.loc[wrong, ["defects", "expected_reason"]].join(got).head()
    refused = got["reason"] != ""
    assert (
        got.loc[refused, "counts_as_person"]
        .astype(bool)
        .equals(truth.loc[refused, "counts_as_person"])
    )


def test_embedded_published_totals(clean_embedded, embedded_truth):
    s = clean_embedded.summary().set_index("item")["value"]
    assert s["persons"] == 6066  # the work summary's registered poor people
    persons = embedded_truth[embedded_truth["counts_as_person"]]
    assert persons["true_household_id"].nunique() == 1848
    assert len(clean_embedded.households) <= 1848


def _text(values: pd.Series) -> pd.Series:
    return values.astype("str").fillna("")


def test_embedded_clean_values_match_truth(clean_embedded, embedded_truth):
    truth = embedded_truth.set_index("source_row")
    m = clean_embedded.members.set_index("source_row")
    t = truth.loc[m.index]
    for col in (
        "village_code",
        "relation",
        "sex",
        "ethnicity",
        "education",
        "school_status",
        "health",
        "labour_skill",
    ):
        assert (_text(m[col]) == _text(t[f"true_{col}"])).all(), col
    assert (m["age"] == t["true_age"]).all()
    assert (m["birth_date"] == t["true_birth_date"].astype("datetime64[s]")).all()
    assert (m["months_worked"] == t["true_months_worked"]).all()
    for col in ("medical_insurance", "critical_illness_insurance"):
        assert (m[col].astype(bool) == t[f"true_{col}"]).all(), col
    h = clean_embedded.households.set_index("household_key").loc[m["household_key"]]
    h.index = m.index
    for col in ("household_type", "main_cause", "exit_status", "relocation_mode"):
        assert (_text(h[col]) == _text(t[f"true_{col}"])).all(), col
    for col in ("income_per_capita", "exited", "designated", "dilapidated_house", "safe_water"):
        assert (h[col].astype(float) == t[f"true_{col}"].astype(float)).all(), col
    assert (h["first_identified"] == t["true_first_identified"].astype("datetime64[s]")).all()
    assert h["exit_year"].astype("Float64").equals(t["true_exit_year"].astype("Float64"))
    assert (h["village_evidence"] == t["village_evidence"]).all()


def test_embedded_quality_counts_match_planted_defects(clean_embedded, embedded_truth):
    q = quality(clean_embedded)
    truth = embedded_truth.set_index("source_row")
    kept = truth.loc[clean_embedded.members["source_row"]]
    assert q["village_assumed"] == int((kept["village_evidence"] == "assumed").sum())
    for reason in REASONS:
        assert q[reason] == int((truth["expected_reason"] == reason).sum()), reason
    # every household with a planted size defect is reported
    planted = truth[truth["defects"].str.contains("household_size_mismatch")]
    m = clean_embedded.members.set_index("source_row")
    keys = set(m.loc[m.index.intersection(planted.index), "household_key"])
    hh = clean_embedded.households.set_index("household_key").loc[sorted(keys)]
    assert (hh["household_size"] != hh["members"]).all()
    assert q["household_size_mismatch"] > 0

    def planted(*defects):
        return int(kept["defects"].str.contains("|".join(defects)).sum())

    assert q["household_fill"] == planted("household_fields_head_only")
    assert q["village_variant"] == planted("village_variant", "village_old_name")
    assert q["value_aliased"] == planted("old_term")
    assert q["id_normalised"] == planted("id_lowercase_x")


def test_embedded_csv_and_xlsx_give_the_same_tables(clean_embedded, embedded_roster_path):
    from_csv = clean_roster(embedded_roster_path.with_suffix(".csv"))
    where = ["source_file", "source_sheet"]
    assert from_csv.members["source_file"].unique().tolist() == ["zhaishi_roster_2016.csv"]
    assert clean_embedded.members["source_sheet"].unique().tolist() == ["贫困人口名单"]
    pd.testing.assert_frame_equal(
        clean_embedded.members.drop(columns=where), from_csv.members.drop(columns=where)
    )
    pd.testing.assert_frame_equal(clean_embedded.households, from_csv.households)


def test_embedded_cleaning_the_kept_rows_again_changes_nothing(
    clean_embedded, embedded_roster_path
):
    raw = read_roster(embedded_roster_path)
    kept = raw[raw["source_row"].isin(clean_embedded.members["source_row"])]
    again = clean_roster(kept)
    assert len(again.quarantine) == 0
    pd.testing.assert_frame_equal(clean_embedded.members, again.members)
    pd.testing.assert_frame_equal(clean_embedded.households, again.households)


def test_embedded_quarantine_links_refused_people_to_their_household(
    clean_embedded, embedded_truth
):
    q = clean_embedded.quarantine
    truth = embedded_truth.set_index("source_row")
    kept_keys = set(clean_embedded.households["household_key"])
    id_defect = q["reason"].isin(["id_missing", "id_mangled", "id_invalid"])
    # a member refused for a bad ID belongs to a household that was kept
    assert id_defect.any() and q.loc[id_defect, "household_key"].isin(kept_keys).all()
    # and to the same household as the kept members with the same true 户编号
    members = clean_embedded.members.assign(
        true_hh=truth.loc[clean_embedded.members["source_row"], "true_household_id"].to_numpy()
    )
    key_of = members.drop_duplicates("true_hh").set_index("true_hh")["household_key"]
    refused_true = truth.loc[q.loc[id_defect, "source_row"], "true_household_id"]
    assert (
        q.loc[id_defect, "household_key"].to_numpy() == key_of.loc[refused_true].to_numpy()
    ).all()
    assert "household_id" not in clean_embedded.households.columns


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("members", "person_key", "duplicate"),
        ("members", "person_key", "ABCDEF0123456789"),  # upper case: not a key
        ("members", "person_key", "abcdef012345678"),  # 15 digits
        ("members", "household_key", "abcdef012345678g"),
        ("households", "household_key", "duplicate"),
        ("members", "village_code", "43052710000a"),
        ("households", "village_code", "４３０５２７１０００００"),  # full-width digits
        ("households", "village_code", "4305271000000"),
    ],
)
def test_validation_refuses_broken_keys_and_codes(table, column, value):
    from fupin_analysis.errors import FupinError
    from fupin_analysis.schema import validate_clean

    result = clean_roster(raw_frame())
    tables = {name: getattr(result, name).copy() for name in ("members", "households")}
    frame = tables[table]
    frame[column] = frame[column].astype("str")
    frame.loc[1, column] = frame.loc[0, column] if value == "duplicate" else value
    validate_clean(result.members, result.households, result.quarantine, result.quality)
    with pytest.raises(FupinError, match=f"clean table {table} failed validation"):
        validate_clean(tables["members"], tables["households"], result.quarantine,
                       result.quality)


def test_validation_accepts_codes_of_any_county():
    # issue 16 item 5: the reference tables say which units exist, not a hard-coded county
    from fupin_analysis.schema import validate_clean

    result = clean_roster(raw_frame())
    members = result.members.copy()
    members["village_code"] = members["village_code"].astype("str")
    members.loc[1, "village_code"] = "522634101204"  # 长乌村, 雷山县, Guizhou
    validate_clean(members, result.households, result.quarantine, result.quality)
