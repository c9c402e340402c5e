"""Tests of fupin_analysis.inputs: what a notebook's inputs make possible, and the reasons
a page gives when they do not (issue 14 item 8), on small hand-made objects."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from fupin_analysis import inputs
from fupin_analysis.errors import FupinError
from fupin_analysis.reference import data_dir

NINE_COLUMNS = frozenset(
    {"village", "household_id", "name", "id_number", "relation", "household_size",
     "household_type", "exit_year", "exit_status"}
)  # fmt: skip


def _clean(**tables) -> SimpleNamespace:
    """A clean roster before CleanRoster.fields: only its tables."""
    return SimpleNamespace(
        members=tables.get("members", pd.DataFrame({"relation": ["户主"]})),
        households=tables.get("households", pd.DataFrame({"village_code": ["522634101204"]})),
    )


def test_fields_come_from_the_clean_roster_when_it_records_them():
    clean = SimpleNamespace(fields=NINE_COLUMNS, members=None, households=None)
    assert inputs.roster_fields(clean) == NINE_COLUMNS
    assert inputs.missing_fields(clean, "relocation_mode") == (
        "the roster has no 易地扶贫搬迁安置方式 column"
    )
    assert inputs.missing_fields(clean, "household_type", "exit_year") is None


def test_fields_are_read_from_the_tables_otherwise():
    clean = _clean(
        members=pd.DataFrame({"relation": ["户主", None], "school_status": [None, None],
                              "not_a_roster_column": [1, 2]}),
        households=pd.DataFrame({"relocation_mode": pd.Series([pd.NA, "分散安置"]),
                                 "safe_water": pd.Series([pd.NA, pd.NA], dtype="boolean")}),
    )  # fmt: skip
    assert inputs.roster_fields(clean) == frozenset({"relation", "relocation_mode"})


def test_every_dimension_is_unmeasured_in_the_nine_column_roster():
    clean = SimpleNamespace(fields=NINE_COLUMNS)
    assert inputs.unmeasured_dimensions(clean) == [
        "income", "education", "medical", "housing", "water"
    ]  # fmt: skip
    both = SimpleNamespace(fields=NINE_COLUMNS | {"medical_insurance"})
    assert "medical" in inputs.unmeasured_dimensions(both)  # needs both insurance columns


def test_tables_the_roster_cannot_fill_are_left_out_with_their_reason():
    clean = SimpleNamespace(fields=NINE_COLUMNS | {"credit_rated", "credit_granted"})
    tables = {name: pd.DataFrame() for name in
              ("work_summary", "education_aid", "credit", "relocation", "exits", "af_index")}
    kept, left = inputs.available_tables(tables, clean)
    assert list(kept) == ["work_summary", "credit", "exits"]
    assert left["relocation"] == "the roster has no 易地扶贫搬迁安置方式 column"
    assert left["education_aid"] == "the roster has no 在校生状况 column"
    assert left["af_index"].startswith("the roster has no 人均纯收入, 在校生状况, ")


def test_registry_given_empty_or_filled(tmp_path):
    empty, reason = inputs.registry("")
    assert reason == "no village registry given"
    assert empty.empty and list(empty.columns) == ["code", "name", "population", "households"]
    template = tmp_path / "registry.csv"
    template.write_text("code,name,population,households\n522634101204,长乌村,,\n"
                        "522634101205,干荣村,,\n", encoding="utf-8")  # fmt: skip
    empty, reason = inputs.registry(template)
    assert empty.empty and reason == (
        "registry.csv lists no population yet (0 of 2 units): fill in its population column"
    )
    half = tmp_path / "half.csv"
    half.write_text("code,name,population\n522634101204,长乌村,812\n522634101205,干荣村,\n",
                    encoding="utf-8")  # fmt: skip
    table, reason = inputs.registry(half)
    assert reason is None and table["code"].tolist() == ["522634101204"]
    assert table.attrs["no_population"] == ["522634101205"]
    embedded = data_dir() / "raw" / "zhaishi_village_registry_2016.csv"
    assert inputs.registry(embedded)[0]["population"].sum() == 32000


def test_a_population_that_is_not_a_number_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,population\n522634101204,812\n522634101205,eight\n", encoding="utf-8")
    with pytest.raises(FupinError, match=r"bad.csv, row 3, column population: 'eight'"):
        inputs.registry(bad)


def test_geography_and_village_rows():
    assert inputs.geography("") == (None, "no geography given")
    geo, reason = inputs.geography(data_dir() / "raw" / "zhaishi_geography.gpkg")
    assert reason is None and len(geo.villages) == 30
    households = pd.DataFrame({"village_code": ["522634101204"]})
    assert inputs.village_rows(households, "522634101206", "开觉村") == (
        "the roster has no households of 开觉村 (522634101206)"
    )


def test_a_townships_own_geography_is_cleaned_against_its_units_and_county(tmp_path):
    """西江镇's units (fupin init), polygons drawn by hand: one with longitude and latitude
    swapped, one name typed with a full-width space, one code not of the township."""
    import geopandas as gpd
    from shapely.geometry import box

    from fupin_analysis.project import init_project

    project = init_project("522634101", tmp_path / "xijiang")
    units = pd.read_csv(project / "reference" / "villages.csv", dtype=str)
    polygons = [box(108.10, 26.40, 108.12, 26.42), box(26.40, 108.12, 26.42, 108.14),
                box(108.14, 26.40, 108.16, 26.42)]  # fmt: skip
    villages = gpd.GeoDataFrame(
        {"code": [units["code"][0], units["code"][1], "430527203203"],
         "name": [units["name"][0], units["name"][1].replace("村", "　村"), "李家村"]},
        geometry=polygons, crs=4326,
    )  # fmt: skip
    villages.to_file(tmp_path / "xijiang.gpkg", layer="villages")

    geo, reason = inputs.geography(tmp_path / "xijiang.gpkg", project / "reference")
    assert reason is None
    done = geo.cleaning.set_index("rule")["rows"]
    assert done["swapped_lonlat"] == 1 and done["outside_county"] == 0
    assert done["name_normalised"] == 1 and done["code_unknown"] == 1
    assert geo.villages.geometry.bounds["minx"].min() > 100  # swapped back
    assert geo.villages["name"].tolist()[1] == units["name"][1]
    # against the embedded 寨市乡 units the same file's 西江镇 codes are unknown
    embedded, _ = inputs.geography(tmp_path / "xijiang.gpkg")
    assert embedded.cleaning.set_index("rule")["rows"]["code_unknown"] == 2
