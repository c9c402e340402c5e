"""`fupin init`: project folders for any township or county, checked against the shipped
reference of 寨市乡 (FACTS §2) and used end to end by the reference loaders and the cleaner."""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import make_id, write_roster

from fupin_analysis import cli, reference
from fupin_analysis.divisions import load_divisions
from fupin_analysis.errors import ConfigError, FupinError
from fupin_analysis.project import VILLAGE_COLUMNS, init_project
from fupin_analysis.report import load_config, plan_jobs
from fupin_analysis.unit_names import roster_names

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "reference"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def project_data(monkeypatch):
    """``use(folder)``: the reference loaders read ``folder/reference`` until the test ends."""

    def use(folder: Path) -> None:
        monkeypatch.setenv("FUPIN_DATA_DIR", str(folder))  # tables are cached per folder

    return use


@pytest.fixture(scope="module")
def zhaishi(tmp_path_factory) -> Path:
    return init_project("430527203", tmp_path_factory.mktemp("p") / "zhaishi")


@pytest.fixture(scope="module")
def suining(tmp_path_factory) -> Path:
    return init_project("430527", tmp_path_factory.mktemp("p") / "suining")


def test_folder_layout(zhaishi):
    files = sorted(str(p.relative_to(zhaishi)) for p in zhaishi.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "reference/README.md",
        "reference/crosswalk.csv",
        "reference/poverty_lines.csv",
        "reference/villages.csv",
        "registry.csv",
        "reports.yml",
    ]


def test_zhaishi_units_equal_the_shipped_reference(zhaishi):
    written = _read(zhaishi / "reference" / "villages.csv")
    shipped = _read(SHIPPED / "villages.csv")
    assert list(written.columns) == VILLAGE_COLUMNS == list(shipped.columns)
    for column in ("code", "name", "urban_rural"):
        assert written[column].tolist() == shipped[column].tolist(), column
    # the same GCJ-02 points (six decimals), and none where the shipped table has none
    for column in ("lon_gcj02", "lat_gcj02"):
        assert written[column].tolist() == shipped[column].tolist(), column
    assert (written["designated"] == "false").all()
    assert written["source"].str.contains("Vonng/adcode \\(CC BY 4.0\\)").all()
    assert (written["verified"] == "true").all()


def test_zhaishi_crosswalk_is_the_shipped_one_without_merger_names(zhaishi):
    written = _read(zhaishi / "reference" / "crosswalk.csv")
    shipped = _read(SHIPPED / "crosswalk.csv")
    assert list(written.columns) == list(shipped.columns)
    current = shipped[shipped["evidence"].isin(["official_name", "same_name", "code_shift"])]
    assert set(zip(written["name"], written["code"], strict=True)) == set(
        zip(current["name"], current["code"], strict=True)
    )
    assert set(written["evidence"]) == {"official_name", "same_name"}


def test_written_folder_loads_with_the_reference_loaders(zhaishi, project_data):
    project_data(zhaishi)
    villages = reference.load_villages()
    assert len(villages) == 30 and not villages["designated"].any()
    assert villages["lon_gcj02"].notna().sum() == 24  # FACTS §2: 6 units have no point
    assert len(reference.load_crosswalk()) == 59
    assert reference.poverty_line(2016) == 2952
    resolved = reference.resolve_village_names(pd.Series(["李家", "表田村", "利试", "在市"]))
    # merger names (利试 → assumed) stay in the shipped crosswalk only
    assert resolved["code"].fillna("").tolist() == ["430527203203", "430527203222", "", ""]


@pytest.mark.parametrize("query", ["430527203000", "寨市乡", "寨市苗族侗族乡 绥宁县"])
def test_code_and_names_give_the_same_folder(zhaishi, tmp_path, query):
    other = init_project(query, tmp_path / "again")
    for name in ("reference/villages.csv", "reference/crosswalk.csv", "registry.csv"):
        assert (other / name).read_bytes() == (zhaishi / name).read_bytes(), name


def test_registry_template(zhaishi):
    registry = _read(zhaishi / "registry.csv")
    villages = _read(zhaishi / "reference" / "villages.csv")
    assert list(registry.columns) == ["code", "name", "population", "households"]
    assert registry[["code", "name"]].equals(villages[["code", "name"]])
    assert (registry[["population", "households"]] == "").all().all()


def test_reports_yml_points_at_the_folder(zhaishi, project_data):
    config = load_config(zhaishi / "reports.yml")
    template = load_config(ROOT / "reports.yml")
    assert Path(config.notebook_dir) == ROOT / "notebooks"
    assert config.parameters["reference"] == str(zhaishi / "reference")
    assert config.parameters["registry"] == str(zhaishi / "registry.csv")
    assert config.parameters["roster"] == str(zhaishi / "roster.xlsx")
    assert config.parameters["geography"] == ""
    assert [e.name for e in config.notebooks] == [e.name for e in template.notebooks]
    project_data(zhaishi)
    with pytest.raises(ConfigError, match="roster.xlsx: not found"):  # until the user adds it
        plan_jobs(config, notebook_dir=Path(config.notebook_dir), only="village_profile")
    (zhaishi / "roster.xlsx").write_bytes(b"the township's roster")
    jobs = plan_jobs(config, notebook_dir=Path(config.notebook_dir), only="village_profile")
    assert len(jobs) == 30  # a township's profile fans out over all its units


def test_readmes_say_what_to_do(zhaishi):
    readme = (zhaishi / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# 寨市苗族侗族乡 (430527203, 湖南省 邵阳市 绥宁县)")
    assert f"FUPIN_DATA_DIR={zhaishi} fupin report --config {zhaishi / 'reports.yml'}" in readme
    ref = (zhaishi / "reference" / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in ref and "Vonng/adcode" in ref
    assert "`designated` is **false for every unit**" in ref


def test_county_project(suining, project_data):
    villages = _read(suining / "reference" / "villages.csv")
    table = load_divisions()
    expected = table[(table["level"] == "village") & table["code"].str.startswith("430527")]
    assert villages["code"].tolist() == expected["code"].tolist()
    assert villages["name"].is_unique
    # two 李家村: each named with its township
    assert villages.set_index("code").loc[["430527203203", "430527207212"], "name"].tolist() == [
        "李家村（寨市苗族侗族乡）",
        "李家村（长铺子苗族侗族乡）",
    ]
    project_data(suining)
    assert len(reference.load_villages()) == len(expected)
    config = load_config(suining / "reports.yml")
    (suining / "roster.xlsx").write_bytes(b"the county's roster")
    assert plan_jobs(config, notebook_dir=Path(config.notebook_dir), only="village_profile") == []
    readme = (suining / "reference" / "README.md").read_text(encoding="utf-8")
    assert "| 430527203203 | 李家村 | 寨市苗族侗族乡 |" in readme  # a unit with no usable name


def test_resolver_never_guesses_in_a_county(suining, project_data):
    # every name of every unit resolves to that unit or to nothing, never to another unit
    project_data(suining)
    units = load_divisions()
    units = units[(units["level"] == "village") & units["code"].str.startswith("430527")]
    names, owners = [], []
    for code, official in zip(units["code"], units["name"], strict=True):
        for name in [official, *roster_names(official)]:
            names.append(name)
            owners.append(code)
    resolved = reference.resolve_village_names(pd.Series(names))["code"]
    wrong = resolved.notna() & resolved.ne(pd.Series(owners))
    assert not wrong.any(), resolved[wrong]
    assert resolved.notna().mean() > 0.9


def test_cli_init_in_another_province(tmp_path, capsys, project_data, make_roster):
    assert cli.main(["init", "西江镇", "雷山县", "--out", str(tmp_path / "xijiang")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        f"西江镇 (522634101, 贵州省 黔东南苗族侗族自治州 雷山县): project folder "
        f"{tmp_path / 'xijiang'}"
    )
    villages = _read(tmp_path / "xijiang" / "reference" / "villages.csv")
    assert len(villages) == 22
    assert villages.loc[1, ["code", "name"]].tolist() == ["522634101204", "长乌村"]
    assert villages.loc[0, "name"] == "西江镇居委会"
    assert "official name 长乌村委会" in villages.loc[1, "source"]
    project_data(tmp_path / "xijiang")
    resolved = reference.resolve_village_names(pd.Series(["长乌村委会", "长乌村", "长乌"]))
    assert resolved["code"].tolist() == ["522634101204"] * 3


def test_a_roster_of_another_county_passes_validation(tmp_path, project_data):
    # issue item 5: nothing validates only 绥宁县 (430527) any more
    from fupin_analysis import clean_roster

    init_project("522634101", tmp_path / "xijiang")
    project_data(tmp_path / "xijiang")
    common = ["雷山县", "西江镇"]
    rows = [
        common + ["长乌村", "5226341012040001", "杨大山", make_id("19700305", "131", "522634"),
                  "2", "户主", "小学", "健康", "6", "因病", "2,800元", "2014年10月", "未脱贫", "",
                  "一般贫困户", "13307391234"],
        common + ["长乌村", "5226341012040001", "李小花", make_id("19720810", "242", "522634"),
                  "2", "配偶", "初中", "健康", "0", "因病", "2,800元", "2014年10月", "未脱贫", "",
                  "一般贫困户", "13307391234"],
        common + ["西江镇居委会", "5226341010010002", "侯老五",
                  make_id("19400220", "415", "522634"), "1", "户主", "小学", "残疾", "0",
                  "缺劳力", "3200", "2014.10", "已脱贫", "2016", "一般贫困户", "13507390000"],
    ]
    path = write_roster(tmp_path / "xijiang.xlsx", rows)
    result = clean_roster(path)
    assert result.quarantine.empty
    assert sorted(result.members["village_code"]) == [
        "522634101001", "522634101204", "522634101204"
    ]


def test_cli_ambiguous_name_exits_2_with_candidates(tmp_path, capsys):
    assert cli.main(["init", "西江镇", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("fupin init: 西江镇: 5 townships or counties match: ")
    assert "西江镇 (522634101, 贵州省 黔东南苗族侗族自治州 雷山县)" in err
    assert "西江镇 (360733102, 江西省 赣州市 会昌县)" in err
    assert not (tmp_path / "x").exists()


def test_cli_unknown_name_exits_2_with_closest(tmp_path, capsys):
    assert cli.main(["init", "寨市镇", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "寨市镇: no township or county of that name; closest: 寨市苗族侗族乡" in err
    assert not (tmp_path / "x").exists()


def test_existing_folder_is_not_overwritten(zhaishi, capsys):
    before = (zhaishi / "registry.csv").read_bytes()
    assert cli.main(["init", "430527203", "--out", str(zhaishi)]) == 2
    assert "already holds README.md, registry.csv, reports.yml, reference" in (
        capsys.readouterr().err
    )
    assert (zhaishi / "registry.csv").read_bytes() == before


def test_missing_template_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="report configuration not found"):
        init_project("430527203", tmp_path / "p", template=tmp_path / "none.yml")
    assert not (tmp_path / "p").exists()


def test_reports_yml_is_plain_yaml(zhaishi):
    data = yaml.safe_load((zhaishi / "reports.yml").read_text(encoding="utf-8"))
    assert data["run_name"] == "430527203"
    (profile,) = [e for e in data["notebooks"] if e["name"] == "village_profile"]
    assert profile == {"name": "village_profile", "fan_out": "all"}


def test_init_errors_are_fupin_errors(tmp_path):
    with pytest.raises(FupinError):
        init_project("430500", tmp_path / "city")


def test_a_reference_folder_given_explicitly_resolves_its_own_prefixed_names(tmp_path):
    """clean_roster(reference=...) and resolve_village_names(folder): no environment needed."""
    from fupin_analysis import clean_roster

    project = init_project("522634101", tmp_path / "xijiang")
    folder = project / "reference"
    names = pd.Series(
        ["贵州省雷山县西江镇长乌村", "西江镇长乌", "雷山县西江镇居委会", "西江镇居委会"]
    )
    codes = reference.resolve_village_names(names, folder)["code"].tolist()
    assert codes == ["522634101204", "522634101204", "522634101001", "522634101001"]
    assert reference.resolve_village_names(names)["code"].isna().all()  # not 寨市乡's units
    rows = [["雷山县", "西江镇", "西江镇长乌村", "5226341012040001", "杨大山",
             make_id("19700305", "131", "522634"), "1", "户主", "小学", "健康", "6", "因病",
             "2,800元", "2014年10月", "未脱贫", "", "一般贫困户", "13307391234"]]  # fmt: skip
    result = clean_roster(write_roster(tmp_path / "r.xlsx", rows), reference=folder)
    assert result.quarantine.empty
    assert result.households["village_name"].tolist() == ["长乌村"]
