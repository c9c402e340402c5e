"""Reference tables checked against the project's FACTS (FACTS.md §1–§3, §5)."""

import pandas as pd
import pytest

from fupin_analysis import reference
from fupin_analysis.errors import ReferenceDataError

SEED_DESIGNATED = [
    "李家",
    "大湾",
    "竹桥",
    "利试",
    "下铁坡",
    "翁培",
    "上翁",
    "茶冲",
    "表田",
    "兰家",
    "潭泥",
]
UNKNOWN_SUCCESSOR = ["大湾", "利试", "潭泥", "下铁坡"]


@pytest.fixture(scope="module")
def ref():
    return reference.load_reference()


def test_thirty_units_with_unique_township_codes(ref):
    villages = ref.villages
    assert len(villages) == 30
    assert villages["code"].is_unique
    assert villages["code"].str.fullmatch(r"430527203\d{3}").all()


def test_published_points_known_answers(ref):
    villages = ref.villages.set_index("code")
    # FACTS §2: 李家村 at 110.019444, 26.461720 (GCJ-02); 6 units have no point.
    assert villages.loc["430527203203", "name"] == "李家村"
    assert villages.loc["430527203203", "lon_gcj02"] == pytest.approx(110.019444)
    assert villages.loc["430527203203", "lat_gcj02"] == pytest.approx(26.461720)
    assert int(villages["lon_gcj02"].isna().sum()) == 6
    assert villages.loc["430527203504", "urban_rural"] == "123"


def test_eleven_designated_names_resolve_to_distinct_designated_units(ref):
    resolved = reference.resolve_village_names(pd.Series(SEED_DESIGNATED))
    assert resolved["code"].notna().all()
    assert resolved["code"].nunique() == 11
    assert set(resolved["code"]) == set(ref.designated_codes)
    assumed = resolved.set_index(pd.Index(SEED_DESIGNATED))["evidence"]
    for name in UNKNOWN_SUCCESSOR:
        assert assumed[name] == "assumed", name
    for name in set(SEED_DESIGNATED) - set(UNKNOWN_SUCCESSOR):
        assert assumed[name] != "assumed", name


def test_assumed_links_are_marked_unverified(ref):
    cw = ref.crosswalk
    assumed = cw[cw["evidence"] == "assumed"]
    assert not assumed["verified"].any()
    assert set(assumed["name"]) >= set(UNKNOWN_SUCCESSOR)
    assert (cw.loc[cw["evidence"] != "assumed", "verified"]).all()


@pytest.mark.parametrize(
    ("raw", "code", "evidence"),
    [
        ("李家村", "430527203203", "official_name"),
        ("李家", "430527203203", "same_name"),
        (" 寨市乡 李家村 ", "430527203203", "official_name"),
        ("绥宁县寨市苗族侗族乡表田村", "430527203222", "code_shift"),
        ("寨市林场", "430527203504", "variant_spelling"),
        ("在市村", "430527203245", "variant_spelling"),
        ("黄桑坪村", "430527203234", "renamed"),
        ("潭泥水", "430527203242", "assumed"),
        ("430527203217", "430527203217", "code"),
        ("ＬＩ", None, None),
        ("火星村", None, None),
    ],
)
def test_resolve_variants_and_unknowns(raw, code, evidence):
    hit = reference.resolve_village_names(pd.Series([raw])).iloc[0]
    if code is None:
        assert pd.isna(hit["code"])
    else:
        assert hit["code"] == code
        assert hit["evidence"] == evidence


def test_code_shift_rows_carry_old_codes(ref):
    # FACTS §2: 202208 铁坡 → 203228 铁坡村 (xxx + 20).
    cw = ref.crosswalk.set_index("name")
    assert cw.loc["铁坡村", "old_code"] == "430527202208"
    assert cw.loc["铁坡村", "code"] == "430527203228"
    shifted = ref.crosswalk[ref.crosswalk["evidence"] == "code_shift"]
    old = shifted["old_code"].str[-3:].astype(int)
    new = shifted["code"].str[-3:].astype(int)
    assert (new - old == 20).all()


def test_poverty_lines_known_answers():
    assert reference.poverty_line(2011) == 2536
    assert reference.poverty_line(2016) == 2952
    assert reference.poverty_line(2020, scope="hunan") == 4000
    lines = reference.load_poverty_lines()
    unverified = lines.loc[~lines["verified"], "year"].tolist()
    assert unverified == [2017, 2018]
    with pytest.raises(ReferenceDataError, match="no national line for 2030"):
        reference.poverty_line(2030)


def test_policy_constants():
    policy = reference.load_policy()
    assert policy.housing_cap_m2_per_person == 25
    assert policy.village_exit_incidence == 0.02
    assert policy.mu_m2 == pytest.approx(666.67)
    assert policy.site_max_slope_deg == 25
    assert policy.relocation_national_concentrated_share == pytest.approx(0.764)


@pytest.mark.parametrize(
    ("province", "line"),
    [("43", 0.02), ("52", 0.03), ("65", 0.03), ("15", 0.03), ("11", 0.02), ("44", 0.02)],
)
def test_village_exit_line_is_3_percent_in_the_western_provinces(province, line):
    # FACTS §5: below 2% (3% in western provinces; Hunan uses 2%)
    assert reference.load_policy(province=province).village_exit_incidence == line


def test_policy_ships_with_the_package_not_in_a_reference_folder(tmp_path):
    from fupin_analysis.project import init_project

    folder = init_project("522634101", tmp_path / "xijiang") / "reference"
    assert not (folder / "policy.csv").exists()
    ref = reference.load_reference(folder)
    assert ref.policy.village_exit_incidence == 0.03  # Guizhou is a western province
    assert reference.POLICY_PATH.is_file()
    assert not (reference.reference_dir() / "policy.csv").exists()


def test_published_figures_of_the_work_summary(ref):
    # FACTS §1, every figure with its original wording
    pub = ref.published.set_index("figure")
    assert pub.loc["registered_people", "value"] == 6066
    assert pub.loc["registered_households", "value"] == 1848
    assert pub.loc["exit_target_people", "value"] == 1458
    assert pub.loc["exited_people", "value"] == 1777
    assert pub.loc["designated_incidence", "value"] == 0.24
    assert (pub["year"] == 2016).all()
    assert pub.loc["concentrated_site_mu", "wording"] == "总用地面积8.5亩"
    site = ref.published_value("concentrated_site_mu") * ref.policy.mu_m2
    assert site / ref.published_value("concentrated_people") == pytest.approx(21.71, abs=0.01)
    assert ref.published_value("no_such_figure") != ref.published_value("no_such_figure")  # NaN
    assert ref.published_value("registered_people", 2017) != 6066


def test_a_folder_without_published_figures_has_none(tmp_path):
    from fupin_analysis.project import init_project

    folder = init_project("522634101", tmp_path / "xijiang") / "reference"
    ref = reference.load_reference(folder)
    assert ref.published is None
    assert pd.isna(ref.published_value("registered_people", 2016))


def test_broken_published_figures_are_a_clear_error(tmp_path):
    folder = tmp_path / "reference"
    folder.mkdir()
    source = reference.reference_dir() / "published.csv"
    text = source.read_text(encoding="utf-8").replace(",6066,", ",six thousand,")
    (folder / "published.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"published.csv, row 4, column value"):
        reference.load_published(folder)
    (folder / "published.csv").write_text(
        source.read_text(encoding="utf-8") + "registered_people,1,人,2016,x,y,true\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match=r"listed twice for one year: \['registered"):
        reference.load_published(folder)


@pytest.mark.parametrize(
    ("codes", "place"),
    [
        (["430527203203", "430527203504"],
         ("430527203", "寨市苗族侗族乡", "寨市乡", "town", "全乡")),
        (["522634101204"], ("522634101", "西江镇", "西江镇", "town", "全镇")),
        (["522634101204", "522634100201"], ("522634", "雷山县", "雷山县", "county", "全县")),
        (["430527203203", "522634101204"], ("", "", "", "area", "合计")),
    ],
)
def test_the_place_of_a_folder_comes_from_the_division_table(codes, place):
    found = reference.Place.of_codes(pd.Series(codes))
    assert (found.code, found.name, found.short, found.level, found.total_label) == place


def test_the_embedded_folder_is_zhaishi(ref):
    assert (ref.place.code, ref.place.short) == ("430527203", "寨市乡")


def test_every_row_cites_a_source(ref):
    for frame in (ref.villages, ref.crosswalk, ref.poverty_lines):
        assert frame["source"].str.len().gt(10).all()


def test_broken_table_is_a_clear_error(tmp_path, monkeypatch):
    ref_dir = tmp_path / "reference"
    ref_dir.mkdir()
    src = reference.reference_dir() / "villages.csv"
    text = src.read_text(encoding="utf-8").replace("430527203217", "43052720321", 1)
    (ref_dir / "villages.csv").write_text(text, encoding="utf-8")
    monkeypatch.setenv("FUPIN_DATA_DIR", str(tmp_path))
    reference._villages.cache_clear()
    try:
        with pytest.raises(ReferenceDataError, match=r"villages.csv, row \d+, column code"):
            reference.load_villages()
    finally:
        monkeypatch.delenv("FUPIN_DATA_DIR")
        reference._villages.cache_clear()


def test_missing_table_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FUPIN_DATA_DIR", str(tmp_path))
    with pytest.raises(ReferenceDataError, match="poverty_lines.csv: reference table missing"):
        reference.load_poverty_lines()
