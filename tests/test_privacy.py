"""Tests of the privacy check (fupin_analysis.privacy and `fupin check`)."""

from __future__ import annotations

import base64
import json
import re
import unicodedata
import zlib
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
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


# --- disguised numbers: each is missed by a scanner that matches the raw text ----------

VALID = gb11643("43052719800101123")  # 430527198001011232
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def found(text: str, names=()) -> list[tuple[str, str]]:
    return [(kind, value) for kind, value, _ in privacy.find_in_text(text, names=names)]


@pytest.mark.parametrize(
    "text",
    [
        "证件号 430527 19800101 1232",
        "证件号 4305 2719 8001 0112 32",
        "证件号 430527\u00a019800101\u00a01232",
        "证件号 430527\u2009198001011232",
    ],
)
def test_id_with_spaces_inside_is_found(text):
    assert found(text) == [("id_number", VALID)]


@pytest.mark.parametrize(
    "text", ["号码:430527-19800101-1232", "号码 430527–1980–0101–1232", "430527.19800101.1232"]
)
def test_id_with_dashes_or_dots_inside_is_found(text):
    assert found(text) == [("id_number", VALID)]


def test_id_in_full_width_digits_is_found():
    assert found(f"证件号码：{VALID.translate(FULL_WIDTH)}") == [("id_number", VALID)]
    with_x = "43052719900101123X"
    assert found(f"证件号码：{with_x.translate(FULL_WIDTH)}") == [("id_number", with_x)]


@pytest.mark.parametrize("prefix", ["ID", "id:", "SFZ", "ＩＤ", "身份证:", "身份证号码"])
def test_id_after_a_prefix_is_found(prefix):
    assert found(f"{prefix}{VALID}") == [("id_number", VALID)]


def test_id_with_zero_width_characters_inside_is_found():
    assert found("\u200b".join(VALID)) == [("id_number", VALID)]


def test_ids_inside_longer_digit_and_hex_strings_are_not_hits():
    sha = "3fa" + VALID + "9c" * 20
    assert found(f"sha256 {sha}; {'a' * 20}{VALID}{'b' * 26}; 9{VALID}; {VALID}7") == []
    assert found("masked 430527********1232, 4305 27** **** **12 32") == []


def test_an_id_written_in_groups_must_be_fully_valid():
    wrong_check = VALID[:-1] + "3"
    assert found(f"编号 {wrong_check}") == [("id_number", wrong_check)]  # in one piece: a hit
    assert found(f"编号 {wrong_check[:6]} {wrong_check[6:14]} {wrong_check[14:]}") == []
    # a row of numbers that happens to hold an ID-shaped run is not one
    assert found(f"1 {VALID[:6]} {VALID[6:14]} {VALID[14:]} 2") == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("电话+8615168236841", "15168236841"),
        ("电话 008615168236841", "15168236841"),
        ("电话 +86 151 6823 6841", "15168236841"),
        ("电话 151.6823.6841", "15168236841"),
        ("电话 1516 8236 841", "15168236841"),
        ("电话 151\u20096823\u20096841", "15168236841"),
        ("电话 151\u00a06823\u00a06841", "15168236841"),
        ("电话 151/6823/6841", "15168236841"),
        ("电话 １５１６８２３６８４１", "15168236841"),
        ("电话 151\u200b6823\u200b6841", "15168236841"),
        ("tel:15168236841", "15168236841"),
        ("电话 15168236841.0", "15168236841"),
    ],
)
def test_disguised_mobile_numbers_are_found(text, value):
    assert found(text) == [("mobile", value)]


@pytest.mark.parametrize(
    "text, value",
    [
        ("村委 (0739)7512345", "0739-7512345"),
        ("村委（０７３９）７５１２３４５", "0739-7512345"),
        ("村委 0739 751 2345", "0739-7512345"),
        ("村委 0739.7512345", "0739-7512345"),
        ("村委 +86 739 7512345", "0739-7512345"),
    ],
)
def test_disguised_landline_numbers_are_found(text, value):
    assert found(text) == [("landline", value)]


@pytest.mark.parametrize(
    "text",
    [
        "（０７３９）７５００１６０",
        "0739 750 0160",
        "+86 739 7500160",
        "incidence 0.13812345678, 13812345678.5, v1.3.812, 2016-01-01 12:30",
        "Q 1056 1369 1301 889 Q 1547 409 2034 409",  # SVG path data
        "0  13 812 345 678 9",  # a row of small numbers
        "版本 3.11.7，共 1,381,234,567 元",
    ],
)
def test_public_numbers_decimals_and_rows_of_numbers_are_not_hits(text):
    assert found(text) == []


def test_hits_report_the_original_place_after_normalisation(tmp_path):
    text = (
        "&amp; 第一行 ＡＢＣ\n\u200b第二行 &#26472;\n号码 ４３０５２７ 1980-0101 1232 与 杨 明华\n"
    )
    hits = privacy.find_in_text(text, names={"杨明华"})
    starts = [(k, text[o : o + 4]) for k, _, o in hits]
    assert starts == [("id_number", "４３０５"), ("name", "杨 明华")]
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    assert privacy.scan_file(tmp_path / "a.md", names={"杨明华"}) == [
        ("id_number", "line 3", VALID),
        ("name", "line 3", "杨明华"),
    ]


# --- disguised names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "户主 杨 明华",
        "户主 杨\u3000明\u00a0华",
        "户主 杨<span>明</span>华",
        '户主 <b>杨</b><span class="x">明华</span>',
        "户主 &#26472;明华",
        "户主 &#x6768;&#x660e;&#x534e;",
        "户主 \\u6768\\u660e\\u534e",
        "户主 杨\u200b明华",
        "户主 杨<!-- -->明华",
    ],
)
def test_disguised_names_are_found(text):
    assert found(text, names={"杨明华"}) == [("name", "杨明华")]


def test_a_name_split_by_a_block_tag_or_a_line_break_is_not_joined():
    # table cells and lines are separate texts: a name is not made across them
    assert found("<td>杨</td><td>明华</td>\n杨\n明华", names={"杨明华"}) == []


def test_roster_names_are_normalised_before_matching():
    assert found("户主杨明华", names={" 杨 明华 "}) == [("name", "杨明华")]


def _notebook_with(outputs=(), metadata=None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = list(outputs)
    nb.cells = [cell]
    nb.metadata.update(metadata or {})
    return nb


@pytest.mark.parametrize(
    "mime, data",
    [
        ("application/json", {"rows": [{"village": "李家村", "head": NAME}]}),
        ("application/vnd.custom+json", {"户主": [NAME]}),
        ("text/html", f"<table><tr><td>{NAME[0]}<span>{NAME[1:]}</span></td></tr></table>"),
        ("text/plain", f"户主 {NAME[0]} {NAME[1:]}"),
        ("image/svg+xml", f"<svg><text>{NAME}</text></svg>"),
    ],
)
def test_names_in_notebook_outputs_of_any_mime_type_are_found(tmp_path, mime, data):
    output = nbformat.v4.new_output("display_data", data={mime: data})
    nbformat.write(_notebook_with([output]), tmp_path / "n.ipynb")
    assert privacy.scan_file(tmp_path / "n.ipynb", names={NAME}) == [("name", "cell 1", NAME)]


def test_names_in_notebook_widget_state_are_found(tmp_path):
    state = {"state": {"m1": {"state": {"value": f"户主 {NAME}", "options": ["李家村"]}}}}
    widgets = {"application/vnd.jupyter.widget-state+json": state}
    nbformat.write(_notebook_with(metadata={"widgets": widgets}), tmp_path / "n.ipynb")
    assert privacy.scan_file(tmp_path / "n.ipynb", names={NAME}) == [("name", "metadata", NAME)]


def test_a_png_output_of_a_notebook_has_its_text_chunks_read(tmp_path):
    png = _png_bytes(tmp_path, {"Author": NAME})
    output = nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(png).decode()}
    )
    nbformat.write(_notebook_with([output]), tmp_path / "n.ipynb")
    assert privacy.scan_file(tmp_path / "n.ipynb", names={NAME}) == [
        ("name", "cell 1, png output text Author", NAME)
    ]


@pytest.mark.parametrize("suffix", [".geojson", ".json", ".xml", ".htm", ".tsv", ".yml", ".txt"])
def test_names_and_numbers_in_text_formats_are_found(tmp_path, suffix):
    # ensure_ascii: names written as \u escapes, as json.dump does by default
    body = json.dumps({"type": "Feature", "properties": {"户主": NAME, "电话": "151-6823-6841"}})
    (tmp_path / f"a{suffix}").write_text(f"{{\n{body}\n}}", encoding="utf-8")
    assert sorted(privacy.scan_file(tmp_path / f"a{suffix}", names={NAME})) == [
        ("mobile", "line 2", "15168236841"),
        ("name", "line 2", NAME),
    ]


def test_names_in_xlsx_sheet_names_and_properties_are_found(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = f"{NAME}户"
    book.active["A1"] = "李家村"
    book.properties.creator = f"录入 {NAME[0]} {NAME[1:]}"
    book.save(tmp_path / "a.xlsx")
    assert sorted(privacy.scan_file(tmp_path / "a.xlsx", names={NAME})) == [
        ("name", "part docProps/core.xml", NAME),
        ("name", "sheet names", NAME),
    ]


def test_names_in_parquet_column_names_metadata_and_integer_columns_are_found(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({f"{NAME}的电话": [15168236841, 1], "who": pa.array(["李家村", None])})
    table = table.replace_schema_metadata({"note": f"录入 {NAME}"})
    pq.write_table(table, tmp_path / "q.parquet")
    assert sorted(privacy.scan_file(tmp_path / "q.parquet", names={NAME})) == [
        ("mobile", f"column {NAME}的电话", "15168236841"),
        ("name", "column names", NAME),
        ("name", "metadata", NAME),
    ]


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body).to_bytes(4, "big")
    return len(body).to_bytes(4, "big") + kind + body + crc


def _png_bytes(tmp_path, metadata=None) -> bytes:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    fig.savefig(tmp_path / "plain.png", format="png", metadata=metadata)
    plt.close(fig)
    return (tmp_path / "plain.png").read_bytes()


def _with_chunk(png: bytes, chunk: bytes) -> bytes:
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def test_utf8_names_in_png_text_and_ztxt_chunks_are_found(tmp_path):
    png = _png_bytes(tmp_path)
    png = _with_chunk(png, _chunk(b"tEXt", b"Author\0" + NAME.encode()))
    png = _with_chunk(png, _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(f"电话 {ID}".encode())))
    (tmp_path / "f.png").write_bytes(png)
    assert sorted(privacy.scan_file(tmp_path / "f.png", names={NAME})) == [
        ("id_number", "png text Comment", ID),
        ("name", "png text Author", NAME),
    ]


def test_names_in_pdf_hex_strings_are_found(tmp_path):
    fig, ax = plt.subplots()
    fig.savefig(tmp_path / "f.pdf", format="pdf")
    plt.close(fig)
    data = (tmp_path / "f.pdf").read_bytes()
    hex_name = ("FEFF" + NAME.encode("utf-16-be").hex()).encode()
    data = data.replace(b"/Producer", b"/Author <" + hex_name + b"> /Producer", 1)
    (tmp_path / "f.pdf").write_bytes(data)
    assert privacy.scan_file(tmp_path / "f.pdf", names={NAME}) == [("name", "pdf metadata", NAME)]


def test_embedded_png_images_are_cut_out_of_text_files_but_their_text_chunks_read(tmp_path):
    png = _with_chunk(_png_bytes(tmp_path), _chunk(b"tEXt", b"Author\0" + NAME.encode()))
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    (tmp_path / "a.html").write_text(
        f'<p>一</p>\n<img src="{uri}">\n<p>{ID}</p>\n<img src="{uri}"> 电话 13812345678',
        encoding="utf-8",
    )
    assert privacy.scan_file(tmp_path / "a.html", names={NAME}) == [
        ("id_number", "line 3", ID),
        ("mobile", "line 4", "13812345678"),
        ("name", "line 2, embedded png text Author", NAME),
        ("name", "line 4, embedded png text Author", NAME),
    ]


def test_files_of_an_unknown_type_are_read_as_text_or_listed_as_not_read(tmp_path):
    (tmp_path / "notes.dat").write_text(f"户主 {NAME} {ID}", encoding="utf-8")
    (tmp_path / "font.woff2").write_bytes(b"wOF2\x00\x01\xff\xfe\x80")
    hits = privacy.scan(tmp_path, names={NAME})
    assert kinds(hits) == [("notes.dat", "id_number"), ("notes.dat", "name")]
    assert [file for file, _ in hits.attrs["not_read"]] == ["font.woff2"]
    assert "(.woff2)" in hits.attrs["not_read"][0][1]


# --- damaged files: never a crash, always a row --------------------------------------------


def _unreadable(path: Path) -> list[tuple[str, str, str]]:
    return [row for row in privacy.scan_file(path) if row[0] == "unreadable"]


def test_a_truncated_xlsx_is_unreadable(tmp_path):
    pd.DataFrame({"a": range(50)}).to_excel(tmp_path / "a.xlsx", index=False)
    data = (tmp_path / "a.xlsx").read_bytes()
    (tmp_path / "a.xlsx").write_bytes(data[: len(data) // 2])
    assert len(_unreadable(tmp_path / "a.xlsx")) == 1


def test_a_corrupt_parquet_is_unreadable(tmp_path):
    pd.DataFrame({"who": ["李家村"] * 100}).to_parquet(tmp_path / "q.parquet")
    data = bytearray((tmp_path / "q.parquet").read_bytes())
    data[len(data) - 12 : len(data) - 8] = b"\xff\xff\xff\x7f"  # footer length past the file
    (tmp_path / "q.parquet").write_bytes(bytes(data))
    ((kind, location, reason),) = _unreadable(tmp_path / "q.parquet")
    assert location == "file" and "Parquet" in reason


def test_a_notebook_that_is_not_json_is_unreadable(tmp_path):
    (tmp_path / "n.ipynb").write_text('{"cells": [', encoding="utf-8")
    ((_, location, reason),) = _unreadable(tmp_path / "n.ipynb")
    assert location == "file" and "invalid JSON" in reason


def test_a_png_with_a_bad_chunk_crc_is_unreadable(tmp_path):
    png = bytearray(_png_bytes(tmp_path))
    idat = png.index(b"IDAT")
    png[idat + 10] ^= 0xFF
    (tmp_path / "f.png").write_bytes(bytes(png))
    assert _unreadable(tmp_path / "f.png") == [
        ("unreadable", "file", f"bad CRC in chunk IDAT at byte {idat - 4}")
    ]


def test_a_png_with_a_truncated_ztxt_chunk_is_unreadable(tmp_path):
    text = zlib.compress(f"户主 {NAME}".encode() * 20)
    png = _with_chunk(_png_bytes(tmp_path), _chunk(b"zTXt", b"Comment\0\0" + text[:10]))
    (tmp_path / "f.png").write_bytes(png)
    ((_, _, reason),) = _unreadable(tmp_path / "f.png")
    assert reason.startswith("bad zTXt chunk at byte")


def test_a_truncated_png_is_unreadable(tmp_path):
    png = _png_bytes(tmp_path)
    (tmp_path / "f.png").write_bytes(png[: len(png) // 2])
    ((_, _, reason),) = _unreadable(tmp_path / "f.png")
    assert reason.startswith("truncated PNG")


def test_a_broken_png_inside_a_notebook_is_unreadable(tmp_path):
    png = bytearray(_png_bytes(tmp_path))
    png[png.index(b"IDAT") + 10] ^= 0xFF
    output = nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(bytes(png)).decode()}
    )
    nbformat.write(_notebook_with([output]), tmp_path / "n.ipynb")
    ((_, location, reason),) = _unreadable(tmp_path / "n.ipynb")
    assert location == "cell 1, png output" and reason.startswith("bad CRC in chunk IDAT")


def test_a_truncated_pdf_is_unreadable(tmp_path):
    fig, ax = plt.subplots()
    fig.savefig(tmp_path / "f.pdf", format="pdf")
    plt.close(fig)
    data = (tmp_path / "f.pdf").read_bytes()
    (tmp_path / "f.pdf").write_bytes(data[: len(data) // 2])
    ((_, _, reason),) = _unreadable(tmp_path / "f.pdf")
    assert reason == "truncated PDF: no %%EOF marker at the end"


@pytest.mark.parametrize("suffix", [".csv", ".html", ".md"])
def test_a_text_file_that_is_not_utf8_is_unreadable(tmp_path, suffix):
    (tmp_path / f"t{suffix}").write_bytes(f"户主,{NAME}\n".encode("gb18030"))
    ((_, location, reason),) = _unreadable(tmp_path / f"t{suffix}")
    assert location == "file" and reason.startswith("not UTF-8 text")


def test_a_file_without_the_signature_of_its_type_is_read_as_text_if_it_is_text(tmp_path):
    (tmp_path / "f.png").write_text(f"户主 {NAME}", encoding="utf-8")
    (tmp_path / "q.parquet").write_text(f"证件 {ID}", encoding="utf-8")
    (tmp_path / "g.png").write_bytes(b"GIF89a\x01\x00\xf7\x00")
    hits = privacy.scan(tmp_path, names={NAME})
    assert hits[["file", "kind", "location"]].values.tolist() == [
        ["f.png", "name", "line 1"],
        ["g.png", "unreadable", "file"],
        ["q.parquet", "id_number", "line 1"],
    ]


def test_unreadable_files_are_rows_of_the_scan(tmp_path):
    (tmp_path / "ok.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    hits = privacy.scan(tmp_path)
    assert hits[["file", "kind"]].values.tolist() == [["bad.xlsx", "unreadable"]]
    assert hits.attrs["files_scanned"] == 2


# --- fupin check ----------------------------------------------------------------------------


def _check(capsys, *argv) -> tuple[int, str, str]:
    status = cli.main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_fupin_check_with_a_missing_roster_is_one_line(clean_run, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _check(capsys, clean_run, "--roster", "nowhere/roster.xlsx")
    assert status == 2 and out == ""
    assert err == (
        "fupin check: nowhere/roster.xlsx: roster not found "
        f"(looked for {tmp_path / 'nowhere' / 'roster.xlsx'})\n"
    )


def test_fupin_check_with_an_unreadable_roster_is_one_line(clean_run, tmp_path, capsys):
    (tmp_path / "roster.xlsx").write_bytes(b"PK\x03\x04 broken")
    status, out, err = _check(capsys, clean_run, "--roster", tmp_path / "roster.xlsx")
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "cannot read the roster" in err


def test_fupin_check_on_a_missing_path_is_one_line(tmp_path, capsys):
    status, out, err = _check(capsys, tmp_path / "missing")
    assert status == 2
    assert err == (
        f"fupin check: {tmp_path / 'missing'}: no such file or folder "
        f"(looked for {tmp_path / 'missing'})\n"
    )


def test_fupin_check_fails_on_an_unreadable_file(clean_run, capsys):
    (clean_run / "tables" / "broken.parquet").write_bytes(b"PAR1 not really")
    status, out, err = _check(capsys, clean_run)
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "1 files could not be read" in err and "tables/broken.parquet" in err
    assert re.search(r"tables/broken.parquet +unreadable +file +not a readable Parquet", out)


def test_fupin_check_lists_files_it_does_not_read(clean_run, capsys):
    (clean_run / "logo.jpg").write_bytes(b"\xff\xd8\xff\xe0 JFIF \xff\xd9")
    status, out, err = _check(capsys, clean_run)
    assert status == 0 and err == ""
    assert out.splitlines()[0].startswith("not read: logo.jpg: binary file")
    assert out.splitlines()[1].endswith("(4 files, 1 not read (listed above))")


def test_fupin_check_reports_disguised_data_masked(clean_run, capsys):
    (clean_run / "leak.html").write_text(
        f"<p>户主 {NAME[0]}<i>{NAME[1:]}</i>，电话 +86 151.6823.6841</p>", encoding="utf-8"
    )
    status, out, err = _check(capsys, clean_run, "--roster", _roster(clean_run.parent / "r.xlsx"))
    assert status == 2 and "2 personal-data hits in 1 of 4 files" in err
    assert NAME not in out + err and "15168236841" not in out + err


# --- properties ---------------------------------------------------------------------------

SEPARATORS = [" ", "-", ".", "/", "\u00a0", "\u2009", "\u3000", "–", " - ", "\u200b", "·"]


@settings(max_examples=200, deadline=None)
@given(
    area=st.sampled_from(["430527", "110101", "440305", "632801", "510104", "820000"]),
    birth=st.dates(
        min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2016-12-31").date()
    ),
    seq=st.integers(0, 999),
    cuts=st.sets(st.integers(1, 17), max_size=5),
    separators=st.one_of(
        st.sampled_from(SEPARATORS).map(lambda sep: [sep] * 5),
        # mixed: any but a dot, as one dot between two groups reads as a decimal point
        st.lists(st.sampled_from([s for s in SEPARATORS if s != "."]), min_size=5, max_size=5),
    ),
    wide=st.lists(st.booleans(), min_size=18, max_size=18),
    prefix=st.sampled_from(["", "ID", "SFZ", "身份证:", "证件号码：", "No.", "号码 "]),
    before=st.text(alphabet="户主证件，。；\n李家村 ab", max_size=8),
    after=st.text(alphabet="，。；\n户ab 号", max_size=8),
)
def test_any_valid_id_in_any_disguise_is_found(
    area, birth, seq, cuts, separators, wide, prefix, before, after
):
    # split once by a dot, an ID is a decimal number (4.30527198001011232): not looked for
    assume(not (len(cuts) == 1 and separators[0] == "."))
    number = gb11643(f"{area}{birth:%Y%m%d}{seq:03d}")
    chars = [c.translate(FULL_WIDTH) if w else c for c, w in zip(number, wide, strict=True)]
    pieces, last = [], 0
    for k, cut in enumerate(sorted(cuts)):
        pieces += ["".join(chars[last:cut]), separators[k]]
        last = cut
    disguised = "".join(pieces + chars[last:])
    text = f"{before}：{prefix}{disguised}，{after}"
    assert [(k, v) for k, v, _ in privacy.find_in_text(text)] == [("id_number", number)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789０１２３４５６７８９Xx -./\u00a0·()+，。ID号杨\n", max_size=60))
def test_no_id_is_reported_that_the_digits_of_the_text_do_not_hold(text):
    digits = re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", text).upper())
    ids = [v for k, v, _ in privacy.find_in_text(text) if k == "id_number"]
    assert all(v in digits for v in ids)
    if not any(privacy._ID_SHAPE.fullmatch(digits[i : i + 18]) for i in range(len(digits))):
        assert ids == []


@settings(max_examples=100, deadline=None)
@given(
    rows=st.integers(1, 12),
    columns=st.lists(
        st.sampled_from(["count", "small", "rate", "amount", "year", "code", "date", "wide"]),
        min_size=1,
        max_size=8,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_tables_of_report_numbers_printed_by_pandas_hold_no_numbers(rows, columns, seed):
    # the numbers a report prints: counts, rates, amounts, years, 12-digit village codes,
    # dates; as a notebook shows them (repr, HTML, JSON) and as tables are written (CSV)
    rng = np.random.default_rng(seed)
    make = {
        "count": lambda: rng.integers(0, 200_000, rows),
        "small": lambda: rng.integers(0, 1_000, rows),
        "rate": lambda: rng.random(rows),
        "amount": lambda: np.round(rng.random(rows) * 10 ** rng.integers(1, 7), 2),
        "year": lambda: rng.integers(2014, 2021, rows),
        "code": lambda: rng.integers(430527_000_000, 430527_999_999, rows),
        "date": lambda: pd.to_datetime(rng.integers(1.4e9, 1.6e9, rows), unit="s"),
        "wide": lambda: rng.integers(0, 10_000, rows).astype(float),
    }
    frame = pd.DataFrame({f"{kind}{k}": make[kind]() for k, kind in enumerate(columns)})
    for text in (repr(frame), frame.to_html(), frame.to_csv(), frame.to_json(date_format="iso")):
        assert [hit for hit in privacy.find_in_text(text) if hit[0] != "name"] == [], text
