"""Roster names of village-level units, on real official names of the national table."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin_analysis.divisions import load_divisions, village_units
from fupin_analysis.unit_names import (
    COMMITTEE_FORMS,
    crosswalk_names,
    roster_names,
    split_official,
    suggest,
)


@pytest.fixture(scope="module")
def names():
    table = load_divisions()
    return table.set_index("code")["name"]


@pytest.mark.parametrize(
    ("code", "official", "unit", "short"),
    [
        ("522634101204", "长乌村委会", "长乌村", "长乌"),
        ("522634101001", "西江镇居民委员会", "西江镇居委会", "西江镇"),
        ("130631100003", "城内社区居委会", "城内社区", "城内"),
        ("110105034200", "三间房东村村委会", "三间房东村", "三间房东"),
        ("110105027203", "肖村村委会", "肖村", None),  # 肖 alone is too short
        ("150422105204", "乌兰白其嘎查村委会", "乌兰白其嘎查", "乌兰白其"),
        ("150929104200", "白音希勒嘎查牧委会", "白音希勒嘎查", "白音希勒"),
        ("130606204217", "卓雅社区村委会", "卓雅社区", "卓雅"),
        ("310117102026", "山原居委会(筹)", "山原居委会", "山原"),
        ("430527203001", "城内社区", "城内社区", "城内"),
        ("430527203203", "李家村", "李家村", "李家"),
        ("430527203504", "在市林场", "在市林场", None),
    ],
)
def test_real_names_from_the_table(names, code, official, unit, short):
    assert names[code] == official  # the name really is in the table
    parts = split_official(official)
    assert (parts.unit, parts.short) == (unit, short)
    assert roster_names(official) == [unit] + ([short] if short else [])


def test_bracketed_notes_are_dropped(names):
    official = names[names.str.endswith("（南昌经济技术开发区）")].iloc[0]
    parts = split_official(official)
    assert parts.note == "（南昌经济技术开发区）"
    assert official.startswith(parts.unit.removesuffix("村"))
    assert "（" not in parts.unit


_STEM = st.text(alphabet="长乌西江李家新桥塘坪山水东南口村", min_size=2, max_size=5)


@given(stem=_STEM, form=st.sampled_from([
    ("村", "村委会"), ("村", "村民委员会"), ("村", "村委员会"), ("社区", "社区居委会"),
    ("社区", "社区居民委员会"), ("社区", "社区村委会"), ("嘎查", "嘎查村委会"),
    ("居委会", "居民委员会"), ("居委会", "居委会"), ("牧委会", "牧委会"),
]))
def test_suffix_forms_give_stem_and_unit_word(stem, form):
    word, suffix = form
    parts = split_official(stem + suffix)
    assert (parts.suffix, parts.note) == (suffix, "")
    assert parts.unit == (stem if stem.endswith(word) else stem + word)
    assert parts.short is None or len(parts.short) >= 2
    # a unit name is its own unit name: rosters' names are fixed points
    assert split_official(parts.unit).unit == parts.unit
    assert roster_names(parts.unit)[0] == parts.unit


def test_forms_are_tried_in_the_documented_order():
    assert [word for word, _ in COMMITTEE_FORMS] == ["社区", "嘎查", "牧委会", "村", "居委会"]


def test_a_county_with_duplicate_names_leaves_them_out():
    # 绥宁县 (430527) has 上白村 in 唐家坊镇 and 鹅公岭侗族苗族乡, 李家村 in 寨市 and 长铺子
    units = village_units("430527")
    assert units.loc[units["official_name"] == "上白村", "code"].tolist() == [
        "430527104209", "430527201205"
    ]
    crosswalk, left_out = crosswalk_names(units)
    for name in ("上白村", "上白", "李家村", "李家"):
        assert name not in set(crosswalk["name"])
        assert name in set(left_out["name"])
    assert not crosswalk["name"].duplicated().any()
    # 李熙社区 (430527102001) and 李熙村 (430527102201) share 李熙: it is left out, both full
    # names stay (the resolver looks names up exactly, never adding or removing 村)
    assert {"李熙社区", "李熙村"} <= set(crosswalk["name"])
    reasons = left_out.set_index(["name", "code"])["reason"]
    assert reasons["李熙", "430527102201"] == "also a name of 430527102001, 430527102201"
    # one township alone has no such duplicate: every unit keeps its names
    township_cw, township_left = crosswalk_names(village_units("430527203"))
    assert township_left.empty
    assert len(township_cw) == 30 + 29  # official names + all but 在市林场's short name


def test_every_input_unit_is_accounted_for():
    units = village_units("430527")
    crosswalk, left_out = crosswalk_names(units)
    forms = {(n, c) for c, o in zip(units["code"], units["official_name"], strict=True)
             for n in [o, *roster_names(o)]}
    assert forms == set(zip(crosswalk["name"], crosswalk["code"], strict=True)) | set(
        zip(left_out["name"], left_out["code"], strict=True)
    )


def test_suggest_known_answer():
    # difflib ratio 2·M/T: 竹乔村 vs 竹桥村 share 竹, 村 → 2·2/6
    hits = suggest("竹乔村", village_units("430527"), n=3)
    assert "竹桥村" in hits["official_name"].tolist()
    assert hits.loc[hits["official_name"] == "竹桥村", "score"].iloc[0] == pytest.approx(2 / 3)
    assert hits["score"].is_monotonic_decreasing
    assert list(hits.columns) == ["code", "official_name", "matched", "score"]


def test_suggest_nothing_close():
    assert suggest("火星基地", village_units("430527203")).empty


def test_suggest_reads_committee_names():
    units = pd.DataFrame({"code": ["522634101204"], "official_name": ["长乌村委会"]})
    hit = suggest("长乌", units).iloc[0]
    assert (hit["matched"], hit["score"]) == ("长乌", 1.0)
