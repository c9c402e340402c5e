"""Tests of the privacy check (fupin_analysis.privacy and `fupin check`)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_analysis import cli, privacy

REPO = Path(__file__).resolve().parent.parent
EMBEDDED_ROSTER = REPO / "data" / "raw" / "zhaishi_roster_2016.xlsx"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
PLANTED_ID = "43052719800101123"  # completed with its check character below


def gb11643(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


ID = gb11643(PLANTED_ID)
NAME = "龙春梅"


def kinds(hits: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(hits["file"], hits["kind"], strict=True))


@pytest.fixture
def clean_run(tmp_path):
    """A small report folder with no personal data in it."""
    (tmp_path / "tables").mkdir()
    pd.DataFrame(
        {
            "village_code": ["430527203203", "430527203208"],
            "village_name": ["李家村", "竹桥村"],
            "incidence": [0.13812345678, 0.2],
            "masked_id": ["430527********123X", "4305**********0011"],
        }
    ).to_csv(tmp_path / "tables" / "t.csv", index=False)
    (tmp_path / "manifest.json").write_text(
        json.dumps({"sha256": "a" * 20 + "430527198001011234" + "b" * 26}), encoding="utf-8"
    )
    (tmp_path / "index.html").write_text("<p>监督电话 0739-7500160；李家村</p>", encoding="utf-8")
    return tmp_path


def test_clean_folder_has_no_hits(clean_run):
    hits = privacy.scan(clean_run, names={"李家", "杨明"})
    assert hits.empty, hits
    assert hits.attrs["files_scanned"] == 3


def test_planted_id_phone_and_name_are_caught_in_text_files(clean_run):
    (clean_run / "tables" / "people.csv").write_text(
        f"village,note\n李家村,{ID}\n竹桥村,电话13812345678\n兰家村,户主{NAME}\n",
        encoding="utf-8-sig",
    )
    (clean_run / "report.md").write_text("联系 0739-1234567", encoding="utf-8")
    hits = privacy.scan(clean_run, names={NAME})
    assert kinds(hits) == [
        ("report.md", "landline"),
        ("tables/people.csv", "id_number"),
        ("tables/people.csv", "mobile"),
        ("tables/people.csv", "name"),
    ]
    row = hits[hits["kind"] == "id_number"].iloc[0]
    assert row["location"] == "line 2"
    assert ID not in row["value"] and row["value"].startswith("43")


def test_values_in_notebooks_html_and_xlsx_are_caught(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [nbformat.v4.new_output("stream", text=f"{NAME}\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    nbformat.write(nb, tmp_path / "a.ipynb")
    (tmp_path / "a.html").write_text(
        f'<img src="data:image/png;base64,iVBOR13812345678w=="><p>{ID}</p>', encoding="utf-8"
    )
    pd.DataFrame({"village": ["李家村"], "head": [f"户主{NAME}"]}).to_excel(
        tmp_path / "a.xlsx", index=False, sheet_name="户"
    )
    hits = privacy.scan(tmp_path, names={NAME})
    assert hits[["file", "kind", "location"]].values.tolist() == [
        ["a.html", "id_number", "line 1"],
        ["a.ipynb", "name", "cell 2"],
        ["a.xlsx", "name", "户!B2"],
    ]


def test_values_in_parquet_text_columns_are_caught(tmp_path):
    pd.DataFrame({"n": [1, 2], "who": ["李家村", f"户主{NAME}"], "id": [None, ID]}).to_parquet(
        tmp_path / "q.parquet"
    )
    hits = privacy.scan(tmp_path, names={NAME})
    assert hits[["kind", "location"]].values.tolist() == [
        ["id_number", "column id"],
        ["name", "column who"],
    ]


def test_values_in_figure_metadata_are_caught(tmp_path):
    for fmt, key in (("png", "Author"), ("svg", "Creator"), ("pdf", "Author")):
        fig, ax = plt.subplots()
        ax.plot([0, 1])
        meta = {key: f"{NAME} {ID}"}
        fig.savefig(tmp_path / f"f.{fmt}", format=fmt, metadata=meta)
        plt.close(fig)
    hits = privacy.scan(tmp_path, names={NAME})
    found = set(zip(hits["file"], hits["kind"], strict=True))
    assert {("f.png", "id_number"), ("f.png", "name"), ("f.svg", "id_number")} <= found
    assert {("f.svg", "name"), ("f.pdf", "id_number"), ("f.pdf", "name")} <= found


def test_a_clean_figure_has_no_hits(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("Lijia 2016")
    for fmt in ("png", "svg", "pdf"):
        fig.savefig(tmp_path / f"f.{fmt}", format=fmt)
    plt.close(fig)
    assert privacy.scan(tmp_path, names={NAME}).empty


def test_place_names_are_not_person_names():
    assert privacy.find_in_text("李家村和兰家村", names={"李家", "兰家"}) == []
    assert privacy.find_in_text("户主杨明，李家村", names={"杨明", "李家"}) == [("name", "杨明", 2)]


def test_single_character_names_are_ignored():
    assert privacy.find_in_text("杨", names={"杨"}) == []


@settings(max_examples=100, deadline=None)
@given(
    area=st.sampled_from(["430527", "110101", "440305", "632801"]),
    birth=st.dates(
        min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2016-12-31").date()
    ),
    seq=st.integers(0, 999),
    before=st.text(alphabet="，, 号码:；\n户主证件", max_size=5),
    after=st.text(alphabet="，, 。；\n", max_size=5),
)
def test_any_valid_id_in_text_is_found(area, birth, seq, before, after):
    number = gb11643(f"{area}{birth:%Y%m%d}{seq:03d}")
    hits = privacy.find_in_text(f"{before}{number}{after}")
    assert [(k, v) for k, v, _ in hits] == [("id_number", number)]


def _roster(path: Path) -> Path:
    frame = pd.DataFrame(
        [
            ["寨市乡建档立卡名单（测试）", None, None],
            ["户编号", "姓名", "证件号码"],
            ["1", NAME, ID],
            ["1", " 杨明 ", gb11643("43052719850202002")],
            ["2", "吴", None],
        ]
    )
    frame.to_excel(path, header=False, index=False)
    return path


def test_roster_names_of_a_sheet_that_is_not_a_full_roster(tmp_path):
    # only a 姓名 column: read_roster refuses it, its names are still read by header
    assert privacy.roster_names(_roster(tmp_path / "r.xlsx")) == {NAME, "杨明"}


@pytest.mark.skipif(not EMBEDDED_ROSTER.exists(), reason="embedded dataset not generated")
def test_roster_names_of_the_embedded_roster():
    names = privacy.roster_names(EMBEDDED_ROSTER)
    assert len(names) > 1000
    assert all(len(n) >= 2 for n in names)


def test_fupin_check_exit_codes(clean_run, tmp_path_factory, capsys):
    assert cli.main(["check", str(clean_run)]) == 0
    assert "no personal data" in capsys.readouterr().out
    (clean_run / "leak.csv").write_text(f"x\n{NAME}\n", encoding="utf-8")
    roster = _roster(tmp_path_factory.mktemp("inputs") / "roster.xlsx")
    assert cli.main(["check", str(clean_run), "--roster", str(roster)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "1 personal-data hits" in captured.err and "leak.csv" in captured.err
    assert NAME not in captured.out + captured.err
