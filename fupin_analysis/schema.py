"""Canonical columns, official vocabularies and header aliases of the roster.

The roster of the national poverty-alleviation information system (全国扶贫开发信息系统)
has one row per person and Chinese headers. Inside this package every column has an
English snake_case *canonical name*; values of categorical fields stay the official
Chinese terms, as ordered :class:`pandas.CategoricalDtype`, and English labels are only a
display choice (:func:`label`).

Tables
------
``ROSTER_COLUMNS``
    One :class:`Column` per canonical roster column: its official header, level
    (``person`` or ``household``), whether it is required, whether it is personal data
    (PII), and the vocabulary it takes values from.
``VOCABULARIES``
    Official value lists (FACTS §4), in official order, with English labels.
``VALUE_ALIASES``
    Older or variant terms mapped to today's official term (e.g. 五保户 → 特困供养贫困户).
``HEADER_ALIASES``
    Header strings seen in exports and hand-made sheets → canonical name.

Examples
--------
>>> canonical_header("证件号码")
'id_number'
>>> canonical_header(" 致贫原因1 ")
'main_cause'
>>> label("household_type", "低保贫困户")
'Minimum-livelihood household'
>>> VOCABULARIES["exit_status"].terms[0]
'未脱贫'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "Column",
    "Vocabulary",
    "ROSTER_COLUMNS",
    "OTHER_COLUMNS",
    "VOCABULARIES",
    "VALUE_ALIASES",
    "HEADER_ALIASES",
    "PII_COLUMNS",
    "REQUIRED_COLUMNS",
    "HOUSEHOLD_COLUMNS",
    "PERSON_COLUMNS",
    "REASONS",
    "canonical_header",
    "label",
    "normalize_text",
    "normalize_values",
    "EMPTY_MARKERS",
    "members_schema",
    "households_schema",
    "quarantine_schema",
    "quality_schema",
    "validate_clean",
    "distinct_rows",
    "key_numbers",
]


@dataclass(frozen=True)
class Vocabulary:
    """An official value list: terms in official order and their English labels."""

    name: str
    terms: tuple[str, ...]
    labels_en: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.terms) != len(self.labels_en):
            raise ValueError(f"vocabulary {self.name}: terms and labels differ in length")

    @property
    def dtype(self) -> pd.CategoricalDtype:
        """The ordered categorical dtype of this vocabulary."""
        return pd.CategoricalDtype(list(self.terms), ordered=True)

    def english(self, term: str) -> str:
        """English label of ``term`` (``KeyError`` if it is not an official term)."""
        return dict(zip(self.terms, self.labels_en, strict=True))[term]


def _vocab(name: str, pairs: list[tuple[str, str]]) -> Vocabulary:
    return Vocabulary(name, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))


VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in [
        _vocab("sex", [("男", "Male"), ("女", "Female")]),
        _vocab("yes_no", [("是", "Yes"), ("否", "No")]),
        _vocab(
            "relation",
            [
                ("户主", "Head of household"),
                ("配偶", "Spouse"),
                ("之子", "Son"),
                ("之女", "Daughter"),
                ("之儿媳", "Daughter-in-law"),
                ("之女婿", "Son-in-law"),
                ("之孙子", "Grandson"),
                ("之孙女", "Granddaughter"),
                ("之父", "Father"),
                ("之母", "Mother"),
                ("之兄弟姐妹", "Sibling"),
                ("其他", "Other"),
            ],
        ),
        _vocab(
            "ethnicity",
            [
                ("汉族", "Han"),
                ("苗族", "Miao"),
                ("侗族", "Dong"),
                ("瑶族", "Yao"),
                ("土家族", "Tujia"),
                ("其他", "Other"),
            ],
        ),
        _vocab(
            "household_type",
            [
                ("一般贫困户", "Ordinary poor household"),
                ("低保贫困户", "Minimum-livelihood household"),
                ("特困供养贫困户", "Extreme-poverty support household"),
            ],
        ),
        _vocab(
            "cause",
            [
                ("因病", "Illness"),
                ("因残", "Disability"),
                ("因学", "Schooling costs"),
                ("因灾", "Disaster"),
                ("缺土地", "Lack of land"),
                ("缺水", "Lack of water"),
                ("缺技术", "Lack of skills"),
                ("缺劳力", "Lack of labour"),
                ("缺资金", "Lack of capital"),
                ("交通条件落后", "Poor transport"),
                ("自身发展动力不足", "Lack of motivation"),
                ("因婚", "Marriage"),
                ("因丧", "Funeral"),
                ("其他", "Other"),
            ],
        ),
        _vocab(
            "identification_standard",
            [("国家标准", "National"), ("省定标准", "Provincial"), ("市定标准", "Municipal")],
        ),
        _vocab(
            "exit_status",
            [
                ("未脱贫", "Not exited"),
                ("已脱贫(享受政策)", "Exited (still supported)"),
                ("返贫", "Returned to poverty"),
                ("已脱贫(不再享受政策)", "Exited (support ended)"),
            ],
        ),
        _vocab(
            "education",
            [
                ("学龄前儿童", "Pre-school child"),
                ("文盲或半文盲", "Illiterate or semi-literate"),
                ("小学", "Primary"),
                ("初中", "Junior secondary"),
                ("高中", "Senior secondary"),
                ("大专", "College"),
                ("本科及以上", "Bachelor or above"),
            ],
        ),
        _vocab(
            "school_status",
            [
                ("非在校生", "Not in school"),
                ("学前教育", "Pre-school"),
                ("小学", "Primary school"),
                ("七至九年级", "Junior secondary (grades 7-9)"),
                ("高中", "Senior secondary"),
                ("中职", "Secondary vocational"),
                ("高职", "Higher vocational"),
                ("大专", "College"),
                ("本科及以上", "University"),
            ],
        ),
        _vocab(
            "health",
            [
                ("健康", "Healthy"),
                ("长期慢性病", "Chronic illness"),
                ("患有大病", "Serious illness"),
                ("残疾", "Disabled"),
            ],
        ),
        _vocab(
            "labour_skill",
            [
                ("普通劳动力", "Ordinary labour"),
                ("技能劳动力", "Skilled labour"),
                ("弱劳动力或半劳动力", "Weak or half labour"),
                ("丧失劳动力", "Lost labour capacity"),
                ("无劳动力", "No labour (child or elderly)"),
            ],
        ),
        _vocab(
            "relocation_mode",
            [("集中安置", "Concentrated resettlement"), ("分散安置", "Scattered resettlement")],
        ),
    ]
}

#: Older or variant terms → today's official term, per vocabulary.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "household_type": {
        "一般户": "一般贫困户",
        "一般脱贫户": "一般贫困户",
        "低保户": "低保贫困户",
        "低保脱贫户": "低保贫困户",
        "五保户": "特困供养贫困户",
        "五保贫困户": "特困供养贫困户",
        "特困供养脱贫户": "特困供养贫困户",
    },
    "exit_status": {
        "贫困": "未脱贫",
        "预脱贫": "未脱贫",
        "已脱贫": "已脱贫(享受政策)",
        "脱贫": "已脱贫(享受政策)",
        "已脱贫(享受政策)": "已脱贫(享受政策)",
        "已脱贫(不再享受政策)": "已脱贫(不再享受政策)",
    },
    "sex": {"男性": "男", "女性": "女"},
    "yes_no": {"Y": "是", "N": "否", "有": "是", "没有": "否", "√": "是", "×": "否"},
    "school_status": {
        "学龄前": "学前教育",
        "幼儿园": "学前教育",
        "初中": "七至九年级",
        "普通高中": "高中",
        "在校生": "非在校生",
        "本科": "本科及以上",
    },
    "education": {"文盲": "文盲或半文盲", "半文盲": "文盲或半文盲", "本科": "本科及以上"},
    "labour_skill": {"弱劳动力": "弱劳动力或半劳动力", "半劳动力": "弱劳动力或半劳动力"},
    "relocation_mode": {"集中": "集中安置", "分散": "分散安置"},
}


@dataclass(frozen=True)
class Column:
    """A canonical roster column.

    Attributes
    ----------
    name : str
        Canonical snake_case name.
    header : str
        The national system's header for it.
    level : {"person", "household"}
        ``household`` fields are repeated on every member row in system exports, or
        filled only on the head's row in hand-made sheets.
    required : bool
        A roster without this column cannot be cleaned: the columns that identify a
        person and place a household (行政村, 户编号, 证件号码; ``docs/cleaning.md``,
        "Required and optional columns"). Every other column is optional: its absence
        makes the field unknown, never empty or zero.
    pii : bool
        Personal data: never leaves the clean step except in quarantine.
    vocabulary : str or None
        Key into :data:`VOCABULARIES` for categorical fields.
    label_en : str
        English label for display.
    """

    name: str
    header: str
    level: str
    required: bool
    pii: bool
    vocabulary: str | None
    label_en: str


ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("county", "县(市、区、旗)", "household", False, False, None, "County"),
    Column("township", "乡(镇)", "household", False, False, None, "Township"),
    Column("village", "行政村", "household", True, False, None, "Administrative village"),
    Column("natural_village", "自然村", "household", False, False, None, "Natural village"),
    Column("household_id", "户编号", "household", True, False, None, "Household number"),
    Column("person_id", "人编号", "person", False, False, None, "Person number"),
    Column("name", "姓名", "person", False, True, None, "Name"),
    Column("id_number", "证件号码", "person", True, True, None, "Identity number"),
    Column("sex", "性别", "person", False, False, "sex", "Sex"),
    Column("age", "年龄", "person", False, False, None, "Age"),
    Column("household_size", "人数", "household", False, False, None, "Household size"),
    Column("relation", "与户主关系", "person", False, False, "relation", "Relation to head"),
    Column("ethnicity", "民族", "person", False, False, "ethnicity", "Ethnicity"),
    Column("education", "文化程度", "person", False, False, "education", "Education"),
    Column("school_status", "在校生状况", "person", False, False, "school_status", "Schooling"),
    Column("health", "健康状况", "person", False, False, "health", "Health"),
    Column("labour_skill", "劳动技能", "person", False, False, "labour_skill", "Labour skill"),
    Column("months_worked", "务工时间（月）", "person", False, False, None, "Months in work"),
    Column(
        "medical_insurance",
        "是否参加城乡居民基本医疗保险",
        "person",
        False,
        False,
        "yes_no",
        "Basic medical insurance",
    ),
    Column(
        "critical_illness_insurance",
        "是否参加大病保险",
        "person",
        False,
        False,
        "yes_no",
        "Critical-illness insurance",
    ),
    Column("main_cause", "主要致贫原因", "household", False, False, "cause", "Main cause"),
    Column("other_causes", "其他致贫原因", "household", False, False, None, "Other causes"),
    Column("dilapidated_house", "危房户", "household", False, False, "yes_no", "Unsafe house"),
    Column("safe_water", "是否解决安全饮用水", "household", False, False, "yes_no", "Safe water"),
    Column(
        "income_per_capita",
        "人均纯收入",
        "household",
        False,
        False,
        None,
        "Net income per person (yuan)",
    ),
    Column("household_phone", "户联系电话", "household", False, True, None, "Household phone"),
    Column("person_phone", "人联系电话", "person", False, True, None, "Personal phone"),
    Column("first_identified", "首次识别时间", "household", False, False, None, "First identified"),
    Column("person_identified", "人员识别时间", "person", False, False, None, "Person identified"),
    Column(
        "identification_standard",
        "识别标准",
        "household",
        False,
        False,
        "identification_standard",
        "Identification standard",
    ),
    Column("exit_status", "脱贫状态", "household", False, False, "exit_status", "Exit status"),
    Column("exit_year", "脱贫年度", "household", False, False, None, "Exit year"),
    Column(
        "household_type",
        "贫困户属性",
        "household",
        False,
        False,
        "household_type",
        "Household type",
    ),
    Column(
        "relocation_mode",
        "易地扶贫搬迁安置方式",
        "household",
        False,
        False,
        "relocation_mode",
        "Relocation",
    ),
    Column("credit_rated", "小额信贷评级", "household", False, False, "yes_no", "Credit rated"),
    Column("credit_granted", "小额信贷授信", "household", False, False, "yes_no", "Credit granted"),
)

#: Columns recognised beside the national system's, so that neither is taken for an
#: unknown column or for another field: 序号 (the sheet's row number) and 户主姓名 (the
#: head's name, written on every member's row beside 姓名). No analysis uses them.
OTHER_COLUMNS: tuple[Column, ...] = (
    Column("serial", "序号", "person", False, False, None, "Row number in the sheet"),
    Column("head_name", "户主姓名", "household", False, True, None, "Name of the head"),
)

_BY_NAME = {c.name: c for c in (*ROSTER_COLUMNS, *OTHER_COLUMNS)}

PII_COLUMNS: tuple[str, ...] = tuple(c.name for c in (*ROSTER_COLUMNS, *OTHER_COLUMNS) if c.pii)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in ROSTER_COLUMNS if c.required)
HOUSEHOLD_COLUMNS: tuple[str, ...] = tuple(c.name for c in ROSTER_COLUMNS if c.level == "household")
PERSON_COLUMNS: tuple[str, ...] = tuple(c.name for c in ROSTER_COLUMNS if c.level == "person")

#: Quarantine reasons of the cleaner, in order of precedence (``docs/cleaning.md``).
REASONS: tuple[str, ...] = (
    "summary_row",
    "duplicate_row",
    "id_missing",
    "id_mangled",
    "id_invalid",
    "household_missing",
    "unknown_village",
    "duplicate_person",
)

#: Header spellings of real exports and hand-made sheets, per canonical column (matched
#: after :func:`normalize_text`, so full-width brackets and spaces do not matter). A
#: spelling is listed only where it cannot mean another column: 户主 alone (a name? a 是/否
#: flag?), 编号 (户编号 or 人编号?) and 计划脱贫年度 (a plan, not an exit) are not.
_EXTRA_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "serial": ("序", "序列号", "No", "No.", "编号序号"),
    "county": ("县", "县(市、区)", "县（市、区、旗）", "县市区", "县区", "县名", "所属县",
               "县(市区)", "县(区)", "县(市)"),
    "township": ("乡", "镇", "乡镇", "乡（镇）", "乡镇(街道)", "乡(镇、街道)", "乡镇街道",
                 "乡镇名称", "所属乡镇", "乡(镇)名称"),
    "village": ("村", "村名", "行政村名称", "所在村", "村(社区)", "村别", "村名称", "所属村",
                "所属行政村", "行政村(社区)", "村(居)", "村居", "村委会", "行政村名"),
    "natural_village": ("组", "村民小组", "小组", "组别", "所在组", "组名", "自然组", "自然村(组)",
                        "村民组", "自然村名称"),
    "household_id": ("户号", "户编码", "家庭编号", "户码", "户代码", "贫困户编号", "户ID",
                     "家庭户编号"),
    "person_id": ("人员编号", "成员编号", "人编码", "人口编号", "个人编号", "人员编码"),
    "name": ("户主姓名/成员姓名", "成员姓名", "家庭成员姓名", "人员姓名", "贫困人口姓名",
             "户成员姓名", "本人姓名"),
    "head_name": ("户主名", "户主名字", "户主姓名(贫困户)"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号", "身份证", "身份证件号码",
                  "身份证件号", "居民身份证号码", "身份号码", "证件编号", "身份证号(18位)",
                  "公民身份证号码", "证件号码(身份证)"),
    "age": ("周岁", "年龄(岁)"),
    "household_size": ("家庭人口", "家庭人数", "户人数", "人口数", "家庭人口数", "家庭成员数",
                       "家庭总人口", "户人口数", "家庭人口(人)", "人口", "户籍人口",
                       "家庭人口数(人)", "人数(人)"),
    "relation": ("与户主的关系", "关系", "家庭关系", "户主关系", "与户主关系(称谓)", "称谓",
                 "成员关系"),
    "ethnicity": ("族别",),
    "education": ("学历", "文化", "受教育程度"),
    "school_status": ("在校情况", "在校生情况", "在校状况"),
    "health": ("身体状况", "健康情况"),
    "labour_skill": ("劳动能力", "劳动力状况"),
    "months_worked": ("务工时间(月)", "务工时间", "务工月数", "外出务工时间", "务工时长",
                      "务工时间(月数)"),
    "medical_insurance": ("是否参加新农合", "是否参加新型农村合作医疗", "基本医疗保险",
                          "是否参加城乡居民医疗保险", "是否参加医保", "医保", "新农合", "是否参合",
                          "参加城乡居民基本医疗保险"),
    "critical_illness_insurance": ("大病保险", "是否参加大病医疗保险", "大病医疗保险"),
    "main_cause": ("致贫原因1", "致贫原因", "主要致贫原因1", "致贫主因"),
    "other_causes": ("其他致贫原因1", "致贫原因2", "次要致贫原因"),
    "dilapidated_house": ("是否危房户", "危房", "是否危房"),
    "safe_water": ("饮水安全", "是否饮水安全", "安全饮水", "是否安全饮水"),
    "income_per_capita": ("人均收入", "人均纯收入(元)", "人均纯收入（元）", "家庭人均纯收入",
                          "年人均纯收入", "家庭年人均纯收入", "家庭年人均纯收入(元)",
                          "家庭人均纯收入(元)", "人均可支配收入"),
    "household_phone": ("联系电话", "户主电话", "户主联系电话", "联系方式", "电话", "电话号码"),
    "person_phone": ("个人联系电话", "手机号码", "手机号", "本人电话", "本人联系电话"),
    "first_identified": ("识别时间", "首次识别日期"),
    "person_identified": ("人员识别日期",),
    "exit_status": ("脱贫属性", "贫困户状态", "脱贫情况", "贫困状态"),
    "exit_year": ("脱贫年份", "脱贫时间", "脱贫年", "实际脱贫年度"),
    "household_type": ("贫困户类型", "户属性", "贫困类型", "贫困户类别", "户类型"),
    "relocation_mode": ("搬迁方式", "安置方式", "易地搬迁安置方式", "搬迁安置方式"),
    "credit_rated": ("是否评级", "评级", "信用评级"),
    "credit_granted": ("是否授信", "授信"),
}


def normalize_text(value: str) -> str:
    """NFKC-normalise (full-width → half-width) and remove all whitespace.

    Used for header and code matching, where spaces carry no meaning.

    Examples
    --------
    >>> normalize_text(" 务工时间（月） ")
    '务工时间(月)'
    >>> normalize_text("李 家\\u3000村")
    '李家村'
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


#: Cell values that mean "nothing here" in hand-made sheets (after :func:`normalize_text`).
EMPTY_MARKERS: tuple[str, ...] = ("无", "/", "-", "--", "—", "——", "空", "null", "NULL", "nan")


def normalize_values(values: pd.Series, *, remove_spaces: bool = False) -> pd.Series:
    """Vectorised :func:`normalize_text` of a whole Series (pyarrow compute).

    NFKC (full-width → half-width), leading/trailing whitespace trimmed, and with
    ``remove_spaces`` every inner whitespace removed too (for codes and names). Empty
    results become missing (``NaN`` of the ``str`` dtype). Non-text values are turned
    into text first. A ``str`` Series that needs no change is returned as it is.

    Examples
    --------
    >>> normalize_values(pd.Series(["\uff11\uff12 3", "  a b ", "", None])).tolist()
    ['12 3', 'a b', nan, nan]
    >>> normalize_values(pd.Series(["李 家\u3000村"]), remove_spaces=True).tolist()
    ['李家村']
    >>> normalize_values(pd.Series(["a", ""])).tolist()  # an empty text is missing too
    ['a', nan]
    """
    text = values if values.dtype == "str" else values.astype("str")
    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    ascii_only = pc.all(pc.string_is_ascii(arr)).as_py() in (True, None)
    # text: NFKC on the distinct values only (roster columns repeat a lot), then expand
    encoded = None if ascii_only else pc.dictionary_encode(arr)
    before = arr if ascii_only else encoded.dictionary
    distinct = before if ascii_only else pc.utf8_normalize(before, "NFKC")
    distinct = pc.utf8_trim_whitespace(distinct)
    if remove_spaces and _has_space(distinct):
        distinct = pc.replace_substring_regex(distinct, r"\s+", "")
    empty = pc.equal(pc.utf8_length(distinct), 0)
    distinct = pc.if_else(empty, pa.scalar(None, distinct.type), distinct)
    if values.dtype == "str" and _unchanged(before, distinct):
        return values  # nothing to change (the common case): skip rebuilding the column
    out = (distinct if ascii_only else distinct.take(encoded.indices)).to_pandas()
    out.index = values.index
    out.name = values.name
    return out.astype("str")


def _unchanged(before: pa.Array, after: pa.Array) -> bool:
    """Every value of ``after`` equals ``before``'s, missing where it is missing (an empty
    text that became missing is a change: ``pc.equal`` alone skips it)."""
    if after.null_count != before.null_count:
        return False
    return pc.all(pc.equal(before, after)).as_py() in (True, None)


_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[9, 10, 12, 13, 32]] = True  # RE2's \s, which the removal below uses


def _has_space(arr: pa.Array) -> bool:
    """Whether any value holds whitespace (a byte scan when the text is ASCII)."""
    if arr.null_count == len(arr):
        return False
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if arr.buffers()[2] else np.zeros(0)
    if data.size and data.max() < 128:
        return bool(_ASCII_SPACE[data].any())
    return bool(pc.any(pc.match_substring_regex(arr, r"\s")).as_py())


def _header_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for col in (*ROSTER_COLUMNS, *OTHER_COLUMNS):
        table[normalize_text(col.header)] = col.name
        table[normalize_text(col.name)] = col.name
    for name, aliases in _EXTRA_HEADER_ALIASES.items():
        for alias in aliases:
            table[normalize_text(alias)] = name
    return table


#: Normalised header string → canonical name.
HEADER_ALIASES: dict[str, str] = _header_table()


def canonical_header(header: str) -> str | None:
    """Canonical name of a roster header, or ``None`` when it is not known.

    Matching is on :func:`normalize_text` of the header, so full-width brackets and
    stray spaces do not matter.
    """
    return HEADER_ALIASES.get(normalize_text(header))


def column(name: str) -> Column:
    """The :class:`Column` of a canonical name."""
    return _BY_NAME[name]


def label(name: str, term: str, lang: str = "en") -> str:
    """Display label of an official term: the term itself for ``lang="zh"``.

    ``name`` is a canonical column or a vocabulary name.
    """
    if lang == "zh":
        return term
    vocab = _BY_NAME[name].vocabulary if name in _BY_NAME else name
    return VOCABULARIES[vocab].english(term)


# --- pandera schemas of the clean tables (docs/architecture.md, "Clean roster") ---------

_HEX_DIGIT = np.full(256, 255, dtype=np.uint8)  # byte -> its value as a hex digit
_HEX_DIGIT[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16)


def distinct_categorical_dtype(categories) -> pd.CategoricalDtype:
    """Categorical dtype of text values already known distinct and non-missing (a
    dictionary or a factorisation): skips pandas' uniqueness check, which hashes them
    all again.

    Examples
    --------
    >>> list(distinct_categorical_dtype(["是", "否"]).categories)
    ['是', '否']
    """
    index = pd.Index(categories, dtype="str")
    try:  # private pandas API, worth ~0.5 s on a million rows; the public path is equal
        return pd.CategoricalDtype._from_fastpath(index, ordered=False)
    except (AttributeError, TypeError):
        return pd.CategoricalDtype(index)


def fixed_width_bytes(values: pd.Series | pa.Array, width: int) -> np.ndarray | None:
    """``(rows, width)`` bytes (a view where it can be) of text values that all take
    ``width`` bytes in UTF-8; ``None`` when one is missing or of another length.

    Examples
    --------
    >>> fixed_width_bytes(pd.Series(["ab", "cd"]), 2).tobytes()
    b'abcd'
    >>> fixed_width_bytes(pd.Series(["ab", "c"]), 2) is None
    True
    """
    arr = pa.array(values, type=pa.large_string(), from_pandas=True) if isinstance(
        values, pd.Series
    ) else values.cast(pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count or len(arr) == 0:
        return None if arr.null_count else np.zeros((0, width), dtype=np.uint8)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset :][: len(arr) + 1]
    if not (np.diff(offsets) == width).all():
        return None
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(-1, width)


def key_numbers(values: pd.Series | pa.Array) -> np.ndarray | None:
    """The 64-bit numbers that keys (16 lowercase hex digits, ``clean.keyed_hash``)
    spell, as ``uint64``; ``None`` when a value is missing or not such a key.

    Examples
    --------
    >>> key_numbers(pd.Series(["0000000000000001", "ffffffffffffffff"])).tolist()
    [1, 18446744073709551615]
    >>> key_numbers(pd.Series(["0000000000000001", "not a key here!!"])) is None
    True
    """
    raw = fixed_width_bytes(values, 16)
    if raw is None:
        return None
    digits = _HEX_DIGIT[raw]
    if (digits == 255).any():
        return None
    spelled = np.ascontiguousarray((digits[:, 0::2] << 4) | digits[:, 1::2]).view(">u8")
    return spelled.ravel().astype(np.uint64)


def _are_keys(values: pd.Series, unique: bool = False) -> bool:
    """Every value is 16 lowercase hex digits (a key of ``clean.keyed_hash``) and, with
    ``unique``, no two are equal (checked on the 64-bit numbers the digits spell: the
    same answer as comparing the text, for a fraction of the cost on a million rows)."""
    numbers = key_numbers(values)
    if numbers is None:
        return False
    return not unique or not pd.Series(numbers).duplicated().any()


def _are_village_codes(values: pd.Series) -> bool:
    """Every value is a 12-digit NBS division code (of any county: the reference tables
    say which units exist)."""
    raw = fixed_width_bytes(values, 12)
    if raw is None:
        return False
    return bool(((raw >= ord("0")) & (raw <= ord("9"))).all())


def distinct_rows(frame: pd.DataFrame) -> bool:
    """No two rows of ``frame`` share (``source_file``, ``source_sheet``,
    ``source_row``), the identity of an input row (checked on integer codes: a roster of
    one file and sheet costs one duplicate check of ``source_row``).

    Examples
    --------
    >>> frame = pd.DataFrame({"source_file": ["a.csv", "b.csv"], "source_sheet": ["", ""],
    ...                       "source_row": [4, 4]})
    >>> distinct_rows(frame), distinct_rows(frame.assign(source_file="a.csv"))
    (True, False)
    """
    row = frame["source_row"].to_numpy(dtype=np.int64)
    key = np.zeros(len(frame), dtype=np.int64)
    for name in ("source_file", "source_sheet"):
        codes, uniques = pd.factorize(frame[name])
        if len(uniques) > 1:
            key = key * len(uniques) + codes
    if key.any():
        return not pd.DataFrame({"key": key, "row": row}).duplicated().any()
    return not pd.Series(row).duplicated().any()


def _distinct_rows_check():
    import pandera.pandas as pa

    return pa.Check(distinct_rows, name="(source_file, source_sheet, source_row) distinct")


def _key_check(unique: bool = False):
    import pandera.pandas as pa

    what = "distinct keys" if unique else "keys"
    return pa.Check(lambda s: _are_keys(s, unique), name=f"{what}: 16 lowercase hex digits")


def _village_code_check():
    import pandera.pandas as pa

    return pa.Check(_are_village_codes, name="village codes: 12 digits")


def _cat(vocab: str, nullable: bool = True):
    import pandera.pandas as pa

    return pa.Column(VOCABULARIES[vocab].dtype, nullable=nullable)


def members_schema():
    """Pandera schema of ``CleanRoster.members`` (one row per person kept).

    Examples
    --------
    >>> "person_key" in members_schema().columns
    True
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            # keys and codes are checked on their bytes: a regex (or pandera's unique)
            # per row costs more than the rest of the validation on a million rows
            "person_key": pa.Column(str, _key_check(unique=True)),
            "household_key": pa.Column(str, _key_check()),
            "village_code": pa.Column(str, _village_code_check()),
            "relation": _cat("relation"),
            "sex": _cat("sex", nullable=False),
            "birth_date": pa.Column("datetime64[s]"),
            "birth_year": pa.Column("int64", pa.Check.ge(1900)),
            "age": pa.Column("int64", pa.Check.ge(0)),
            "ethnicity": _cat("ethnicity"),
            "education": _cat("education"),
            "school_status": _cat("school_status"),
            "health": _cat("health"),
            "labour_skill": _cat("labour_skill"),
            "months_worked": pa.Column("float64", nullable=True),
            "medical_insurance": pa.Column("boolean", nullable=True),
            "critical_illness_insurance": pa.Column("boolean", nullable=True),
            "source_file": pa.Column("category"),
            "source_sheet": pa.Column("category"),
            "source_row": pa.Column("int64"),
        },
        checks=_distinct_rows_check(),
        strict=True,
        ordered=True,
        name="members",
    )


def households_schema():
    """Pandera schema of ``CleanRoster.households`` (one row per household kept).

    Examples
    --------
    >>> households_schema().columns["members"].dtype
    DataType(int64)
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "household_key": pa.Column(str, _key_check(unique=True)),
            "village_code": pa.Column(str, _village_code_check()),
            "village_name": pa.Column(str),
            "designated": pa.Column(bool),
            "village_evidence": pa.Column(str),
            "household_size": pa.Column("Int64", pa.Check.ge(0), nullable=True),
            "members": pa.Column("int64", pa.Check.ge(1)),
            "household_type": _cat("household_type"),
            "main_cause": _cat("cause"),
            "other_causes": pa.Column(str, nullable=True),
            "dilapidated_house": pa.Column("boolean", nullable=True),
            "safe_water": pa.Column("boolean", nullable=True),
            "income_per_capita": pa.Column("float64", nullable=True),
            "first_identified": pa.Column("datetime64[s]", nullable=True),
            "identification_standard": _cat("identification_standard"),
            "exit_status": _cat("exit_status"),
            "exit_year": pa.Column("Int64", nullable=True),
            "exited": pa.Column(bool),
            "relocation_mode": _cat("relocation_mode"),
            "credit_rated": pa.Column("boolean", nullable=True),
            "credit_granted": pa.Column("boolean", nullable=True),
        },
        strict=True,
        ordered=True,
        name="households",
    )


def quarantine_schema():
    """Pandera schema of ``CleanRoster.quarantine`` (raw columns may vary).

    Examples
    --------
    >>> sorted(quarantine_schema().columns)  # doctest: +NORMALIZE_WHITESPACE
    ['counts_as_person', 'detail', 'household_key', 'reason', 'source_file', 'source_row',
     'source_sheet']
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "source_file": pa.Column(str),
            "source_sheet": pa.Column(str),
            "source_row": pa.Column("int64"),
            "reason": pa.Column(str, pa.Check.isin(REASONS)),
            "detail": pa.Column(str, nullable=True),
            "counts_as_person": pa.Column(bool),
            "household_key": pa.Column(str, nullable=True),
        },
        name="quarantine",
    )


def quality_schema():
    """Pandera schema of ``CleanRoster.quality`` (one row per rule).

    Examples
    --------
    >>> list(quality_schema().columns)
    ['rule', 'rows', 'action', 'detail']
    """
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "rule": pa.Column(str, unique=True),
            "rows": pa.Column("int64", pa.Check.ge(0)),
            "action": pa.Column(str),
            "detail": pa.Column(str, nullable=True),
        },
        strict=True,
        ordered=True,
        name="quality",
    )


def validate_clean(
    members: pd.DataFrame,
    households: pd.DataFrame,
    quarantine: pd.DataFrame,
    quality: pd.DataFrame,
) -> None:
    """Validate the four clean tables; raise ``FupinError`` naming the first failure.

    A failure here is a bug of the cleaner, not of the input.
    """
    import pandera.errors

    from .errors import FupinError

    for schema_, frame in (
        (members_schema(), members),
        (households_schema(), households),
        (quarantine_schema(), quarantine),
        (quality_schema(), quality),
    ):
        try:
            schema_.validate(frame)
        except pandera.errors.SchemaError as exc:
            raise FupinError(
                f"clean table {schema_.name} failed validation: {_failure(exc)} "
                "(a bug; please report)"
            ) from exc


def _failure(exc) -> str:
    """One line from a pandera ``SchemaError``: the check and its first failure cases."""
    first = str(exc).splitlines()[0]
    cases = getattr(exc, "failure_cases", None)
    if not isinstance(cases, pd.DataFrame) or cases.empty or "failure_case" not in cases:
        return first
    shown = cases.head(5)
    where = shown["index"].tolist() if "index" in shown else [None] * len(shown)
    listed = ", ".join(
        f"{value!r}" + (f" at row {row}" if row is not None else "")
        for value, row in zip(shown["failure_case"], where, strict=True)
    )
    more = f" and {len(cases) - len(shown)} more" if len(cases) > len(shown) else ""
    return f"{first}; failure cases: {listed}{more}"
