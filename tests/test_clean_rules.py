"""The cleaning rules one by one: each called on a small hand-made state, with known answers.

``tests/test_clean.py`` checks the rules through ``clean_roster``; here each rule function
runs on its own and must record exactly its own row of the quality table.
"""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_id
from test_clean import raw_frame

import fupin_analysis.clean as clean
from fupin_analysis.clean import rules
from fupin_analysis.clean.rules import (
    COLUMN_RULES,
    KEPT_RULES,
    ROW_RULES,
    RULES,
    keep,
    read_rows,
)
from fupin_analysis.schema import REASONS

HEAD = make_id("19700305", "131")  # 男, 46 at 2016-12-31
SPOUSE = make_id("19720810", "242")  # 女, 44
CHILD = make_id("20050101", "353")  # 男, 11
OTHER = make_id("19400220", "415")


def state(**columns) -> rules.Rows:
    """Rows of a small roster: one list per column (village, 户编号, relation default)."""
    n = len(next(iter(columns.values())))
    base = {
        "village": ["李家村"] * n,
        "household_id": ["001"] * n,
        "relation": ["户主"] + ["配偶"] * (n - 1),
    }
    frame = pd.DataFrame({**base, **columns}, dtype="str")
    frame["source_row"] = np.arange(4, 4 + n, dtype=np.int64)
    return read_rows(frame)


def kept_state(**columns) -> rules.Kept:
    """The kept rows of a small roster, after every row rule."""
    rows = state(**columns)
    for rule in ROW_RULES:
        rule(rows)
    return keep(rows)


def recorded(st, rule: str) -> tuple[int, str]:
    row = st.quality.row(rule)
    return row["rows"], row["detail"]


def reasons(rows: rules.Rows) -> list[str]:
    return ["kept" if code == 0 else REASONS[code - 1] for code in rows.reason]


# --- the list of rules ----------------------------------------------------------------------


EXPECTED_ORDER = (
    "text_normalised",
    "empty_marker",
    "summary_row",
    "duplicate_row",
    "id_missing",
    "id_mangled",
    "id_invalid",
    "household_fill",
    "household_missing",
    "unknown_village",
    "duplicate_person",
    "id_normalised",
    "village_assumed",
    "village_variant",
    "value_aliased",
    "household_field_conflict",
    "exit_status_year",
    "sex_mismatch",
    "age_mismatch",
    "household_size_mismatch",
    "head_count",
    "value_unmapped",
    "value_unparsed",
    "unknown_column",
)


def test_rules_in_a_fixed_order_each_once():
    assert RULES == EXPECTED_ORDER
    assert len(set(RULES)) == len(RULES)
    # the refusing rules run in the order of precedence of the quarantine reasons
    assert [r for r in RULES if r in REASONS] == list(REASONS)


def test_quality_table_lists_each_rule_once_in_order():
    quality = clean.clean_roster(raw_frame()).quality
    assert tuple(quality["rule"]) == RULES
    assert clean.RULES == RULES


@pytest.mark.parametrize(
    "rule", [*ROW_RULES, *KEPT_RULES, *COLUMN_RULES], ids=lambda rule: rule.__name__
)
def test_each_rule_records_exactly_its_own_row(rule):
    columns = {"id_number": [HEAD, SPOUSE]}
    if rule in KEPT_RULES:
        target = kept_state(**columns)
    else:
        target = state(**columns)
        if rule in (rules.village_assumed, rules.village_variant):
            rules.unknown_village(target)  # they count on the villages it resolves
    before = len(target.quality.rows)
    assert rule(target) is None
    assert len(target.quality.rows) == before + 1
    assert target.quality.rows[-1]["rule"] == rule.__name__


def test_quality_row_of_a_rule_that_has_not_run():
    with pytest.raises(KeyError):
        state(id_number=[HEAD]).quality.row("head_count")


# --- normalising ----------------------------------------------------------------------------


def test_text_normalised_counts_rows_not_cells():
    rows = state(
        id_number=[HEAD, " ".join(SPOUSE), CHILD],
        village=["李 家村", "李家村", "李家村"],
        household_id=["００１", "001", "001"],
    )
    rules.text_normalised(rows)
    assert recorded(rows, "text_normalised") == (2, "")
    assert rows.work["household_id"].tolist() == ["001"] * 3
    assert rows.household.tolist() == [0, 0, 0]


def test_empty_marker_only_in_optional_fields():
    rows = state(
        id_number=[HEAD, SPOUSE, CHILD],
        village=["李家村", "无", "李家村"],
        relation=["户主", "无", "之子"],
        exit_year=["无", "——", "2016"],
        education=["小学", "/", "小学"],
    )
    rules.empty_marker(rows)
    assert recorded(rows, "empty_marker") == (2, "")
    assert rows.work["exit_year"].isna().tolist() == [True, True, False]
    assert rows.work["relation"].isna().tolist() == [False, True, False]  # optional
    assert rows.work["village"].tolist()[1] == "无"  # required: left for the rules to see


# --- refusing, in order of precedence -------------------------------------------------------


def test_duplicate_row_exact_repeat_only():
    rows = state(
        id_number=[HEAD, HEAD, HEAD, SPOUSE],
        relation=["户主", "户主", "户主", "配偶"],
        name=["张大山", "张 大山", "张小山", "李小花"],
    )
    rules.duplicate_row(rows)
    assert reasons(rows) == ["kept", "duplicate_row", "kept", "kept"]  # a space is noise
    assert recorded(rows, "duplicate_row") == (1, "")


def test_identity_rules_and_their_details():
    future = make_id("20200101", "111")  # born after the reference date
    rows = state(
        id_number=[HEAD, None, "4.30527E+17", HEAD[:17] + "0", SPOUSE[:17] + "0", future,
                   "12345"],
    )
    rules.id_missing(rows)
    rules.id_mangled(rows)
    rules.id_invalid(rows)
    assert reasons(rows) == ["kept", "id_missing", "id_mangled"] + ["id_invalid"] * 4
    assert rows.detail.tolist()[3:] == ["bad_check", "bad_check", "future", "malformed"]
    assert recorded(rows, "id_missing") == (1, "")
    assert recorded(rows, "id_mangled") == (1, "")
    assert recorded(rows, "id_invalid") == (4, "bad_check: 2; future: 1; malformed: 1")


def test_a_row_keeps_its_first_reason():
    rows = state(id_number=["4.30527E+17", "4.30527E+17"], relation=["户主", "户主"])
    rules.duplicate_row(rows)
    rules.id_mangled(rows)
    assert reasons(rows) == ["id_mangled", "duplicate_row"]
    assert recorded(rows, "id_mangled") == (1, "")


def test_household_fill_from_the_head_of_the_same_household_only():
    rows = state(
        id_number=[SPOUSE, HEAD, CHILD, OTHER],
        household_id=["001", "001", "001", "002"],
        relation=["配偶", "户主", "之子", "户主"],
        household_type=[None, "五保户", "一般贫困户", None],
        main_cause=[None, None, None, "因病"],
    )
    rules.household_fill(rows)
    assert rows.work["household_type"].tolist() == ["五保户", "五保户", "一般贫困户", np.nan]
    assert rows.work["main_cause"].isna().tolist() == [True, True, True, False]
    assert rows.filled["household_type"].tolist() == [True, False, False, False]
    assert "main_cause" not in rows.filled or not rows.filled["main_cause"].any()
    assert recorded(rows, "household_fill") == (1, "")


def test_summary_row_narrowly_and_never_a_person_with_an_identity_number():
    cases = [  # 序号, 村, 户编号, 姓名, 证件号码, 备注 → reason, detail
        ("1", "李家村", "001", None, HEAD, None, "kept", ""),
        ("合计", "李家村", "001", None, SPOUSE, None, "kept", ""),
        ("合 计", None, None, None, None, None, "summary_row", "total"),
        (None, "和团村小计", None, None, None, None, "summary_row", "total"),
        (None, "李家村", None, "张合计", None, None, "id_missing", ""),
        (None, "李家村", "002", "张三", None, "合计", "id_missing", ""),
        (None, None, None, "填表人：李四", None, None, "summary_row", "signature"),
        ("注：1. 本表以户为单位", None, None, None, None, None, "summary_row", "note"),
        ("12", None, None, None, None, None, "summary_row", "blank"),
        (None, " ", None, None, "  ", None, "summary_row", "blank"),
        (None, None, None, None, "合计", "6人", "summary_row", "total"),
        (None, None, "003", None, None, None, "id_missing", ""),
        ("总计", None, None, None, "4.30527E+17", None, "id_mangled", ""),
        (None, "Total:", None, None, None, None, "summary_row", "total"),
        (None, None, None, None, None, "审核人", "summary_row", "signature"),
    ]
    frame = pd.DataFrame(
        [c[:6] for c in cases],
        columns=["serial", "village", "household_id", "name", "id_number", "备注"],
        dtype="str",
    )
    frame["relation"] = ["户主", "配偶"] + [None] * (len(cases) - 2)
    frame["source_row"] = np.arange(4, 4 + len(cases), dtype=np.int64)
    rows = read_rows(frame)
    for rule in ROW_RULES:
        rule(rows)
    assert reasons(rows) == [c[6] for c in cases]
    assert [rows.detail[k] for k, c in enumerate(cases) if c[6] == "summary_row"] == [
        c[7] for c in cases if c[6] == "summary_row"
    ]
    assert recorded(rows, "summary_row") == (
        9, "total: 4; signature: 2; note: 1; blank: 2"
    )
    quarantine = clean.clean_roster(frame).quarantine.set_index("source_row")
    summary = quarantine["reason"].eq("summary_row")
    assert not quarantine.loc[summary, "counts_as_person"].any()
    assert quarantine.loc[~summary, "counts_as_person"].all()


def test_household_missing():
    rows = state(id_number=[HEAD, SPOUSE], household_id=["001", None])
    rules.household_missing(rows)
    assert reasons(rows) == ["kept", "household_missing"]
    assert recorded(rows, "household_missing") == (1, "")


def test_unknown_village_resolves_and_refuses():
    rows = state(
        id_number=[HEAD, SPOUSE, CHILD, OTHER],
        village=["火星村", "火星村", None, "李家"],
        household_id=["001", "001", "002", "003"],
        relation=["户主", "配偶", "户主", "户主"],
    )
    rules.unknown_village(rows)
    assert reasons(rows) == ["unknown_village"] * 3 + ["kept"]
    mars = "closest: 三星桥村 430527106209 (瓦屋塘镇, not in the reference folder)"
    assert recorded(rows, "unknown_village") == (
        3, f"火星村: 2 ({mars}); (empty): 1 (no village name)"
    )
    assert rows.detail.tolist() == [mars, mars, "no village name", ""]
    assert list(rows.villages.codes) == ["430527203203"]
    assert rows.villages.code.tolist() == [-1, -1, -1, 0]


def test_duplicate_person_first_kept_and_where_the_copy_is():
    rows = state(
        id_number=[HEAD, SPOUSE, HEAD, SPOUSE.lower(), SPOUSE],
        household_id=["001", "001", "002", "001", "001"],
        relation=["户主", "配偶", "户主", "配偶", "之女"],
    )
    rules.duplicate_person(rows)
    assert reasons(rows) == ["kept", "kept"] + ["duplicate_person"] * 3
    assert rows.detail.tolist()[2:] == ["other_household", "same_household", "same_household"]
    assert recorded(rows, "duplicate_person") == (3, "in another household: 1")


def test_duplicate_person_ignores_rows_already_refused():
    rows = state(id_number=[HEAD, HEAD], household_id=[None, "001"])
    rules.household_missing(rows)
    rules.duplicate_person(rows)
    assert reasons(rows) == ["household_missing", "kept"]
    assert recorded(rows, "duplicate_person") == (0, "in another household: 0")


# --- counting how kept rows were matched ----------------------------------------------------


def test_id_normalised_counts_kept_rows_only():
    rows = state(
        id_number=["11010519491231002x", "'" + SPOUSE, "'" + CHILD],
        household_id=["001", "001", None],
    )
    rules.household_missing(rows)
    rules.id_normalised(rows)
    assert recorded(rows, "id_normalised") == (2, "")


def test_village_assumed_and_variant():
    rows = state(
        id_number=[HEAD, SPOUSE, CHILD, OTHER],
        village=["利试", "利试", "在市村", "李家村"],
    )
    rules.unknown_village(rows)
    rules.village_assumed(rows)
    rules.village_variant(rows)
    assert recorded(rows, "village_assumed") == (2, "利试: 2")
    assert recorded(rows, "village_variant") == (1, "variant_spelling: 1")


# --- the kept rows' values ------------------------------------------------------------------


def test_keep_needs_the_villages_resolved():
    with pytest.raises(ValueError, match="unknown_village"):
        keep(state(id_number=[HEAD]))


def test_value_aliased_counts_a_filled_value_once():
    kept = kept_state(
        id_number=[HEAD, SPOUSE, CHILD],
        household_type=["五保户", None, None],
        exit_status=["已脱贫", "已脱贫", "已脱贫(享受政策)"],
    )
    rules.value_aliased(kept)
    # rows, not cells: the head's (五保户, 已脱贫) and the spouse's (已脱贫); the child's
    # 五保户 was filled from the head's row and is not counted again
    assert recorded(kept, "value_aliased") == (2, "")


def test_household_field_conflict_compares_parsed_values():
    kept = kept_state(
        id_number=[HEAD, SPOUSE, CHILD, OTHER, make_id("19420615", "526")],
        household_id=["001", "001", "001", "002", "002"],
        relation=["户主", "配偶", "之子", "户主", "配偶"],
        income_per_capita=["2,800元", "2800", "0.28万", "3200", "3000"],
        village=["李家村", "李家村", "李家村", "李家村", "表田村"],
    )
    rules.household_field_conflict(kept)
    assert recorded(kept, "household_field_conflict") == (
        2,
        "income_per_capita: 1 households; village_code: 1 households",
    )


def test_sex_and_age_mismatch_against_the_identity_number():
    kept = kept_state(
        id_number=[HEAD, SPOUSE, CHILD],
        relation=["户主", "配偶", "之子"],
        sex=["女", "女", None],
        age=["45", "42", "十一"],
    )
    rules.sex_mismatch(kept)
    rules.age_mismatch(kept)
    assert kept.sex.tolist() == [0, 1, 0]  # 男, 女, 男 by the 17th digit
    assert kept.age.tolist() == [46, 44, 11]
    assert recorded(kept, "sex_mismatch") == (1, "")
    assert recorded(kept, "age_mismatch") == (1, "")  # 42 against 44; 十一 unread


def test_household_size_mismatch_and_refused_persons():
    kept = kept_state(
        id_number=[HEAD, SPOUSE, "4.30527E+17", OTHER, OTHER],
        household_id=["001", "001", "001", "002", "002"],
        relation=["户主", "配偶", "之子", "户主", "户主"],
        household_size=["3", "3", "3", "2", "2"],
    )
    # household 001: 2 found, 1 real person refused (mangled ID): explained
    # household 002: 1 found, the other row is a repeat (not a person): not explained
    rules.household_size_mismatch(kept)
    assert kept.members_found.tolist() == [2, 1] and kept.refused_persons.tolist() == [1, 0]
    assert recorded(kept, "household_size_mismatch") == (
        3,
        "2 households, of which 1 match once the quarantined real persons are added back",
    )


def test_household_size_unreadable_is_a_mismatch():
    kept = kept_state(id_number=[HEAD], household_size=["两"])
    rules.household_size_mismatch(kept)
    assert recorded(kept, "household_size_mismatch")[0] == 1


def test_head_count():
    kept = kept_state(
        id_number=[HEAD, SPOUSE, CHILD, OTHER],
        household_id=["001", "001", "002", "002"],
        relation=["户主", "户主", "之子", "配偶"],
    )
    rules.head_count(kept)
    assert recorded(kept, "head_count") == (4, "no head: 1 households; several: 1")


def test_values_unmapped_and_unparsed_per_field():
    kept = kept_state(
        id_number=[HEAD, SPOUSE, CHILD],
        relation=["户主", "配偶", "之子"],
        education=["博士后", "小学", "硕士后"],
        income_per_capita=["不详", None, None],
        months_worked=["六", "6", "半年"],
        medical_insurance=["也许", "是", "否"],
    )
    rules.value_unmapped(kept)
    rules.value_unparsed(kept)
    assert recorded(kept, "value_unmapped") == (3, "education: 2; medical_insurance: 1")
    # the head's unreadable income is filled down to both members: three rows
    assert recorded(kept, "value_unparsed") == (5, "months_worked: 2; income_per_capita: 3")


def test_unknown_column():
    rows = state(id_number=[HEAD, SPOUSE], 备注=["x", None], 其他=[None, None])
    rules.unknown_column(rows)
    assert recorded(rows, "unknown_column") == (1, "备注, 其他")


# --- the package ----------------------------------------------------------------------------


def test_public_names_importable_from_fupin_analysis_clean():
    names = {
        "CleanRoster", "clean_roster", "REASONS", "keyed_hash", "parse_numbers", "parse_dates",
        "to_vocabulary", "to_boolean", "write_outputs", "format_summary", "MEMBER_COLUMNS",
        "HOUSEHOLD_TABLE_COLUMNS", "read_clean",
    }
    assert names <= set(clean.__all__)
    assert all(hasattr(clean, name) for name in clean.__all__)
    assert callable(clean.CleanRoster.summary) and callable(clean.CleanRoster.quarantine_by_reason)


@pytest.mark.parametrize(
    "path",
    [
        *(f"{m}.py" for m in ("schema", "idcard", "reference", "errors", "divisions",
                              "unit_names", "provenance", "salt", "excel")),
        *(f"ingest/{p.name}" for p in (Path(clean.__file__).parent.parent / "ingest").glob(
            "*.py")),
    ],
)
def test_imports_flow_one_way(path):
    """The modules clean uses never import it."""
    module = path
    path = Path(clean.__file__).parent.parent / path
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert "clean" not in (node.module or "").split("."), (module, node.module)
            assert "clean" not in [a.name for a in node.names], (module, node.module)
        elif isinstance(node, ast.Import):
            assert not any("clean" in a.name.split(".") for a in node.names), module
