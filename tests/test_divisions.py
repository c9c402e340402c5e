"""The shipped national division table and township/county look-up (FACTS §2 known answers)."""

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from fupin_analysis import divisions
from fupin_analysis.divisions import (
    AmbiguousDivisionError,
    UnknownDivisionError,
    find_division,
    load_divisions,
    village_units,
)
from fupin_analysis.errors import FupinError

ROOT = Path(__file__).resolve().parent.parent
#: The project's shared copy of the national table: beside the clone (CI), or in /work.
SHARED = next(
    (
        folder / "shared" / "reference" / "divisions_2016.parquet"
        for folder in (ROOT.parent, ROOT.parent.parent, Path("/work"))
        if (folder / "shared" / "reference" / "divisions_2016.parquet").exists()
    ),
    Path("/nonexistent"),
)
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared divisions_2016 missing")


@pytest.fixture(scope="module")
def table():
    return load_divisions()


def test_row_counts_and_levels(table):
    # the issue: 713,035 rows; levels country … village
    assert len(table) == 713_035
    assert table["code"].is_unique
    assert table["code"].str.fullmatch(r"\d{12}").all()
    assert table["code"].is_monotonic_increasing
    counts = table["level"].value_counts()
    assert counts["country"] == 1 and counts["province"] == 34
    assert list(table.columns) == [
        "code", "parent", "name", "level", "ur_code", "lon_gcj02", "lat_gcj02"
    ]


def test_zhaishi_known_answers(table):
    # FACTS §2: township 430527203 寨市苗族侗族乡 of 绥宁县 430527, 30 units, 李家村's point
    by_code = table.set_index("code")
    assert by_code.loc["430527203000", "name"] == "寨市苗族侗族乡"
    assert by_code.loc["430527000000", "name"] == "绥宁县"
    assert by_code.loc["430527203000", "parent"] == "430527000000"
    assert by_code.loc["430527203203", ["name", "ur_code"]].tolist() == ["李家村", "220"]
    assert by_code.loc["430527203203", "lon_gcj02"] == pytest.approx(110.019444)
    assert by_code.loc["430527203504", "ur_code"] == "123"
    assert (table["parent"] == "430527203000").sum() == 30


def test_every_parent_is_a_division(table):
    assert table["parent"].isin(table["code"]).all()


def test_metadata_credits_the_source():
    meta = pq.read_schema(divisions.DIVISIONS_PATH).metadata
    assert b"CC BY 4.0" in meta[b"license"]
    assert b"Vonng/adcode" in meta[b"license"]
    assert b"National Bureau of Statistics" in meta[b"license"]
    assert meta[b"derivation"].decode() == divisions.DERIVATION


@needs_shared
def test_shipped_table_is_what_build_makes_from_the_shared_source(tmp_path):
    rebuilt = divisions.build(SHARED, tmp_path / "d.parquet")
    shipped = pq.read_table(divisions.DIVISIONS_PATH)
    assert pq.read_table(rebuilt).equals(shipped, check_metadata=True)


@needs_shared
def test_shipped_table_is_lossless(table):
    source = pd.read_parquet(SHARED).sort_values("code").reset_index(drop=True)
    pd.testing.assert_frame_equal(
        table.astype({"level": "str"}), source.astype({"level": "str"}), check_dtype=False
    )


@needs_shared
def test_build_command(tmp_path, capsys):
    assert divisions.main(["build", str(SHARED), str(tmp_path / "x.parquet")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "x.parquet")
    assert len(pq.read_table(tmp_path / "x.parquet")) == 713_035


def test_build_refuses_a_malformed_code(tmp_path):
    bad = load_divisions().head(3)
    bad.loc[1, "code"] = "43052720320"
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(FupinError, match="bad.parquet, column code: not every value"):
        divisions.build(tmp_path / "bad.parquet", tmp_path / "out.parquet")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("430527203", "430527203000"),
        ("430527203000", "430527203000"),
        ("430527", "430527000000"),
        ("寨市苗族侗族乡", "430527203000"),
        ("寨市乡", "430527203000"),  # everyday short form
        ("寨市", "430527203000"),  # stem: no kind word
        ("  寨市乡 ", "430527203000"),
        ("寨市乡 绥宁县", "430527203000"),
        ("绥宁县", "430527000000"),
        ("城步县", "430529000000"),  # 城步苗族自治县
        ("西江镇 雷山县", "522634101000"),
        ("雷山县 西江镇", "522634101000"),
        ("西江镇 黔东南州", "522634101000"),
        ("西江镇 贵州", "522634101000"),
        ("５２２６３４１０１", "522634101000"),  # full-width digits
        ("653130103", "653130103001"),  # 三岔口镇: the one township code not ending in 000
    ],
)
def test_find_division(query, code):
    assert find_division(query).code == code


def test_division_label_names_its_place():
    town = find_division("西江镇 雷山县")
    assert town.label == "西江镇 (522634101, 贵州省 黔东南苗族侗族自治州 雷山县)"
    assert (town.level, town.short_code) == ("town", "522634101")
    county = find_division("430527")
    assert county.label == "绥宁县 (430527, 湖南省 邵阳市)"


def test_ambiguous_name_lists_candidates_with_their_counties():
    with pytest.raises(AmbiguousDivisionError) as err:
        find_division("西江镇")
    candidates = err.value.candidates
    assert [c.short_code for c in candidates] == [
        "220521109", "360733102", "441882118", "522634101", "621126104"
    ]
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("西江镇: 5 townships or counties match")
    for county in ("通化县", "会昌县", "连州市", "雷山县", "岷县"):
        assert county in message


def test_long_ambiguity_is_cut_but_counted():
    with pytest.raises(AmbiguousDivisionError, match=r"; and \d+ more;") as err:
        find_division("城关镇")
    assert len(err.value.candidates) > 100


def test_a_kind_word_is_not_replaced():
    # 寨市镇 is not a name in the table: no guess, the closest names instead
    closest = "closest: 寨市苗族侗族乡 \\(湖南省 邵阳市 绥宁县\\)"
    with pytest.raises(UnknownDivisionError, match=closest):
        find_division("寨市镇")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("430527203203", "a village-level code; give its township, 430527203"),
        ("430500", "邵阳市 is a city"),
        ("4305272", "6 \\(county\\), 9 \\(township\\) or 12 digits"),
        ("999999999", "no division with this code"),
        ("火星乡", "no township or county of that name"),
        ("", "give a township or county"),
    ],
)
def test_unknown_queries(query, message):
    with pytest.raises(UnknownDivisionError, match=message):
        find_division(query)


def test_village_units_of_a_township_match_the_shipped_reference():
    units = village_units("430527203")
    shipped = pd.read_csv(ROOT / "data" / "reference" / "villages.csv", dtype=str)
    assert units["code"].tolist() == shipped["code"].tolist()
    assert units["official_name"].tolist() == shipped["name"].tolist()
    assert (units["town_code"] == "430527203000").all()


def test_village_units_of_a_county(table):
    units = village_units("430527")
    expected = table[(table["level"] == "village") & table["code"].str.startswith("430527")]
    assert units["code"].tolist() == expected["code"].tolist()
    assert units["town_code"].nunique() == (
        (table["level"] == "town") & table["code"].str.startswith("430527")
    ).sum()


def test_name_stem():
    assert divisions.name_stem("寨市苗族侗族乡") == "寨市"
    assert divisions.name_stem("莫力达瓦达斡尔族自治旗") == "莫力达瓦"
    assert divisions.name_stem("东华门街道办事处") == "东华门"
    assert divisions.name_stem("镇") == "镇"


def test_table_is_package_data():
    # an installed wheel must carry the table: pyproject's package-data names it
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["fupin_analysis"]
    relative = divisions.DIVISIONS_PATH.relative_to(ROOT / "fupin_analysis").as_posix()
    assert any(fnmatch.fnmatch(relative, p) for p in patterns)
