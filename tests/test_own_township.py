"""A township's own roster in, an honest report out (issues 14, 15 and 16), end to end.

A new user's project for 西江镇 (雷山县, Guizhou), made by ``fupin init 522634101``, with a
small roster written here (the nine columns of a village-office sheet), no geography and
no published figures, goes through ``fupin report``: exit 0, every part that needs a
missing input says "not available" and why, and no page claims its people are synthetic,
names 寨市乡, shows a traceback, a warning or a temporary path, or a count of 1 or 2.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
from conftest import small_counts_shown

from fupin_analysis import clean_roster, cli, disclosure
from fupin_analysis.idcard import check_char
from fupin_analysis.project import init_project

#: Village → registered poor households of the roster (控拜村: one household, small counts).
VILLAGES = {"长乌村": 4, "开觉村": 3, "麻料村": 5, "控拜村": 1}
SURNAMES = "杨吴龙李侯唐潘文"
GIVEN = ["秀芬", "德珍", "正兴", "桂英", "家旺", "昌明",
         "玉兰", "光辉", "金凤", "永福", "春梅", "国庆"]  # fmt: skip
RELATIONS = ["户主", "配偶", "之子", "之女", "之孙子"]
WITH_ROWS, WITHOUT_ROWS = "522634101204", "522634101205"  # 长乌村; 干荣村 has no rows


def xijiang_roster(office_headers: bool) -> pd.DataFrame:
    """The roster: 序号, 行政村, 户编号, 姓名, 证件号码, 与户主关系, 人数, 贫困户属性, 脱贫状态,
    脱贫年度.

    With ``office_headers`` the nine columns as a village office writes them: 村,
    身份证号码, 家庭人口数, and no 脱贫状态 (the exit year says who exited).
    """
    rows, n = [], 0
    for v, (village, households) in enumerate(VILLAGES.items()):
        for h in range(households):
            size, exited = 2 + (h + v) % 4, h % 2 == 1
            for m in range(size):
                n += 1
                first17 = (
                    f"522634{1940 + (n * 7) % 70:04d}{1 + n % 12:02d}{1 + n % 28:02d}"
                    f"{(n * 13) % 1000:03d}"
                )
                rows.append({
                    "序号": n, "行政村": village, "户编号": f"5226341012{v + 4:02d}{h + 1:04d}",
                    "姓名": SURNAMES[(h + v) % 8] + GIVEN[n % 12],
                    "证件号码": first17 + check_char(first17),
                    "与户主关系": RELATIONS[min(m, 4)], "人数": size,
                    "贫困户属性": "低保贫困户" if v and h % 2 else "一般贫困户",
                    "脱贫状态": "已脱贫(享受政策)" if exited else "未脱贫",
                    "脱贫年度": "2016" if exited else "",
                })  # fmt: skip
    roster = pd.DataFrame(rows)
    if office_headers:
        roster = roster.drop(columns="脱贫状态").rename(
            columns={"行政村": "村", "证件号码": "身份证号码", "人数": "家庭人口数"}
        )
    return roster


def xijiang_project(folder: Path, *, office_headers: bool, registry: bool) -> Path:
    """``fupin init 522634101`` with the roster in place, the registry filled in or not."""
    init_project("522634101", folder)
    xijiang_roster(office_headers).to_excel(folder / "roster.xlsx", index=False)
    if registry:
        units = pd.read_csv(folder / "registry.csv", dtype=str)
        units["population"] = [800 + 37 * i for i in range(len(units))]
        units["households"] = [200 + 9 * i for i in range(len(units))]
        units.to_csv(folder / "registry.csv", index=False)
    return folder


def run_report(project: Path, out: Path) -> int:
    return cli.main([
        "report", "--config", str(project / "reports.yml"), "--out", str(out),
        "--villages", f"{WITH_ROWS},{WITHOUT_ROWS}",
    ])  # fmt: skip


def assert_honest_pages(out: Path, tmp_path: Path) -> None:
    """No synthetic claim, no 寨市乡, no traceback, warning, temporary path or small count."""
    pages = sorted((out / "html").glob("*.html"))
    assert len(pages) == 10  # eight notebooks and two villages
    for page in [*pages, out / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert "SYNTHETIC" not in text and "合成数据" not in text, page.name
        assert "寨市" not in text, page.name
        assert "Traceback" not in text and "NotebookEnds" not in text, page.name
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in text, page.name
        assert str(tmp_path) not in text and "pytest-of" not in text, page.name
    shown = [hit for page in pages for hit in small_counts_shown(page, 3)]
    assert not shown, shown


@pytest.fixture(scope="module")
def xijiang_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("own")
    project = xijiang_project(tmp / "xijiang", office_headers=False, registry=True)
    out = tmp / "西江镇-2016"
    code = run_report(project, out)
    return code, out, tmp


@pytest.mark.slow
def test_a_township_of_its_own_gets_an_honest_report(xijiang_run):
    code, out, tmp = xijiang_run
    assert code == 0
    assert_honest_pages(out, tmp)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>fupin_analysis report: 西江镇-2016</title>" in index
    assert 'class="failed"' not in index
    index = html.unescape(index)
    for missing in (
        "not available: relocation: the roster has no 易地扶贫搬迁安置方式 column",
        "not available: 两不愁三保障, the multidimensional index and the exit checks: the "
        "roster has no 人均纯收入",
        "not available: spatial statistics (Moran's I, LISA, Getis-Ord Gi*): no geography given",
        "not available: comparison with the published figures: the reference folder has no "
        "published.csv",
        f"not available: the village profile: the roster has no households of 干荣村 "
        f"({WITHOUT_ROWS})",
        "not available: poverty over time: no rosters of other years: no folder 'panel' "
        "beside the roster",
        "not available: spatial inference (exact tests, rates, bivariate statistics, "
        "detector, regression): no geography given",
    ):
        assert missing in index, missing


@pytest.mark.slow
def test_its_pages_name_it_and_compute_from_its_data(xijiang_run):
    _, out, _ = xijiang_run
    html = {p.stem: p.read_text(encoding="utf-8") for p in (out / "html").glob("*.html")}
    assert "西江镇 (522634101)" in html["00_overview"]
    assert "22 village-level units" in html["00_overview"]
    # the incidence table is computed from the roster and the registry, without geography
    incidence = pd.read_csv(
        out / "tables" / "03_spatial_concentration__incidence.csv", encoding="utf-8-sig"
    )
    assert set(incidence["name"]) >= {"长乌村", "开觉村", "麻料村"}
    assert "eb" not in incidence.columns  # no polygons: no smoothed rates
    exit_line = pd.read_csv(
        out / "tables" / "03_spatial_concentration__exit_line.csv", encoding="utf-8-sig"
    )
    assert set(exit_line["line"]) == {0.03}  # Guizhou: the western provinces' 3%
    # the work summary has no comparison column, the exits table its own township's code
    summary = pd.read_csv(out / "tables" / "02_work_summary__work_summary.csv",
                          encoding="utf-8-sig")  # fmt: skip
    assert "published" not in summary.columns
    assert summary.set_index("figure").loc["registered_people", "value"] == 49
    exits = pd.read_csv(out / "tables" / "02_work_summary__exits.csv", encoding="utf-8-sig",
                        dtype={"village_code": str})  # fmt: skip
    assert exits["village_code"].iloc[-1] == "522634101"
    # 控拜村 has one household: no table shows it
    assert exits.set_index("village_name").loc["控拜村", "households"] == "<3"
    assert "1,458" not in html["02_work_summary"] and "6,066" not in html["02_work_summary"]


@pytest.mark.slow
def test_the_village_office_roster_with_an_unfilled_registry(tmp_path):
    """The nine columns as a village office writes them, and registry.csv left as written."""
    project = xijiang_project(tmp_path / "xijiang", office_headers=True, registry=False)
    clean = clean_roster(project / "roster.xlsx", reference=project / "reference")
    assert len(clean.members) == len(xijiang_roster(office_headers=True))
    out = tmp_path / "西江镇-2016"
    assert run_report(project, out) == 0
    assert_honest_pages(out, tmp_path)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "registry.csv lists no population yet (0 of 22 units)" in index
    assert disclosure.DEFAULT_THRESHOLD == 3


@pytest.mark.slow
def test_a_header_mapping_reaches_the_notebooks(tmp_path):
    """A header no alias knows (公民身份号码(新)), mapped by a file given as -p columns=… from
    where the user stands: the work summary counts the same people as with the usual
    header."""
    project = xijiang_project(tmp_path / "xijiang", office_headers=False, registry=True)
    roster = pd.read_excel(project / "roster.xlsx", engine="calamine")
    roster = roster.rename(columns={"证件号码": "公民身份号码(新)"})
    roster.to_excel(project / "roster.xlsx", index=False)
    (tmp_path / "mapping.yml").write_text("公民身份号码(新): 证件号码\n", encoding="utf-8")
    out = tmp_path / "mapped"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        code = cli.main([
            "report", "--config", str(project / "reports.yml"), "--out", str(out),
            "--only", "02_work_summary", "-p", "columns=mapping.yml",
        ])  # fmt: skip
    assert code == 0
    summary = pd.read_csv(out / "tables" / "02_work_summary__work_summary.csv",
                          encoding="utf-8-sig")  # fmt: skip
    assert summary.set_index("figure").loc["registered_people", "value"] == 49
