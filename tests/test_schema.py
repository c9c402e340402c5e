"""Vocabularies and header aliases against FACTS §4."""

import pandas as pd
import pytest

from fupin_analysis import schema

FACTS_HEADERS = [
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工时间（月）",
    "是否参加大病保险",
    "致贫原因1",
    "主要致贫原因",
    "危房户",
    "是否解决安全饮用水",
    "人均纯收入",
    "户联系电话",
    "人联系电话",
    "首次识别时间",
    "人员识别时间",
    "脱贫属性",
    "脱贫年度",
    "贫困户属性",
]


@pytest.mark.parametrize("header", FACTS_HEADERS)
def test_every_export_header_of_facts_maps(header):
    assert schema.canonical_header(header) is not None


def test_header_matching_ignores_width_and_spaces():
    assert schema.canonical_header("务工时间(月)") == "months_worked"
    assert schema.canonical_header(" 证件 号码 ") == "id_number"
    assert schema.canonical_header("身份证号码") == "id_number"
    assert schema.canonical_header("备注") is None


def test_official_vocabularies_in_official_order():
    v = schema.VOCABULARIES
    assert v["household_type"].terms == ("一般贫困户", "低保贫困户", "特困供养贫困户")
    assert v["exit_status"].terms == (
        "未脱贫",
        "已脱贫(享受政策)",
        "返贫",
        "已脱贫(不再享受政策)",
    )
    assert v["labour_skill"].terms == (
        "普通劳动力",
        "技能劳动力",
        "弱劳动力或半劳动力",
        "丧失劳动力",
        "无劳动力",
    )
    assert set(v["cause"].terms) >= {
        "因病",
        "因残",
        "因学",
        "因灾",
        "缺土地",
        "缺水",
        "缺技术",
        "缺劳力",
        "缺资金",
        "交通条件落后",
        "自身发展动力不足",
        "其他",
    }
    assert v["identification_standard"].terms == ("国家标准", "省定标准", "市定标准")
    assert v["health"].terms == ("健康", "长期慢性病", "患有大病", "残疾")


def test_old_terms_map_to_todays():
    aliases = schema.VALUE_ALIASES["household_type"]
    assert aliases["五保户"] == "特困供养贫困户"
    assert aliases["低保户"] == "低保贫困户"
    for vocab, table in schema.VALUE_ALIASES.items():
        assert set(table.values()) <= set(schema.VOCABULARIES[vocab].terms), vocab


def test_vocabulary_dtype_is_ordered_official_terms():
    dtype = schema.VOCABULARIES["household_type"].dtype
    values = pd.Series(["低保贫困户", "一般贫困户"], dtype=dtype)
    assert values.min() == "一般贫困户"
    assert list(dtype.categories) == list(schema.VOCABULARIES["household_type"].terms)


def test_labels_are_display_only():
    assert schema.label("exit_status", "未脱贫") == "Not exited"
    assert schema.label("exit_status", "未脱贫", lang="zh") == "未脱贫"
    with pytest.raises(KeyError):
        schema.label("exit_status", "不存在")


def test_pii_columns():
    assert set(schema.PII_COLUMNS) == {
        "name", "head_name", "id_number", "household_phone", "person_phone"
    }
