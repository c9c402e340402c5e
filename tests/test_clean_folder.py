"""The clean output folder (issue 14 item 6, issue 15 item 7): read back exactly, used as
a roster, written all or nothing, never through a link; the salt it was made with.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import small_rows, write_roster
from test_unknown_fields import nine_headers, nine_rows

from fupin_analysis import clean_roster
from fupin_analysis.clean import read_clean, write_outputs
from fupin_analysis.cli import main
from fupin_analysis.errors import FupinError
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.salt import fingerprint

FILES = {"members.parquet", "households.parquet", "quarantine.parquet", "quality.csv",
         "sources.csv", "clean.json"}  # fmt: skip


def assert_same(a, b) -> None:
    """Two CleanRosters equal frame for frame, dtypes included, and in what they carry."""
    for name in ("members", "households", "quarantine", "quality", "sources"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert (a.fields, a.synthetic, dict(a.cleaning)) == (b.fields, b.synthetic, dict(b.cleaning))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def small(tmp_path):
    return clean_roster(write_roster(tmp_path / "small.xlsx", small_rows()))


@pytest.fixture
def nine(tmp_path):
    path = write_roster(tmp_path / "office.csv", nine_rows(), headers=nine_headers(), titles=0)
    return clean_roster(path)


# --- reading back -------------------------------------------------------------------------


def test_embedded_round_trip(clean_embedded, tmp_path):
    written = write_outputs(clean_embedded, tmp_path / "clean")
    assert {p.name for p in written.values()} == FILES
    again = read_clean(tmp_path / "clean")
    assert_same(clean_embedded, again)
    assert again.synthetic and len(again.fields) == 36


@pytest.mark.parametrize("roster", ["small", "nine"])
def test_small_round_trip(roster, request, tmp_path):
    clean = request.getfixturevalue(roster)
    write_outputs(clean, tmp_path / "c")
    assert_same(clean, read_clean(tmp_path / "c"))
    assert not clean.synthetic


def test_round_trip_of_quarantine_and_text_that_a_spreadsheet_would_run(tmp_path):
    rows = small_rows()
    rows[0][2] = "=cmd|' /C calc'!A0"  # a village typed as a formula: refused, echoed
    rows[1][5] = "4.30527E+17"
    clean = clean_roster(write_roster(tmp_path / "r.csv", rows), salt="s")
    assert len(clean.quarantine) == 2
    write_outputs(clean, tmp_path / "c")
    text = (tmp_path / "c" / "quality.csv").read_text(encoding="utf-8")
    assert "'=cmd" in text and ",=cmd" not in text and '"=cmd' not in text
    assert_same(clean, read_clean(tmp_path / "c"))


def test_sources_of_one_file(small):
    assert small.sources[["file", "sheet", "status", "header_row", "rows"]].values.tolist() == [
        [str(small.sources["file"][0]), "贫困人口", "read", 3, 5]
    ]
    assert small.sources["file"][0].endswith("small.xlsx")


def test_clean_roster_of_a_clean_folder_reads_it(small, tmp_path):
    write_outputs(small, tmp_path / "c")
    for given in (tmp_path / "c", str(tmp_path / "c"), tmp_path / "c" / "members.parquet",
                  tmp_path / "c" / "households.parquet"):  # fmt: skip
        assert_same(small, clean_roster(given))


def test_clean_folder_refuses_another_cleaning(small, tmp_path):
    write_outputs(small, tmp_path / "c")
    with pytest.raises(FupinError, match="reference date 2017-06-30"):
        clean_roster(tmp_path / "c", reference_date="2017-06-30")
    with pytest.raises(FupinError, match="another salt"):
        clean_roster(tmp_path / "c", salt="not the salt it was made with")
    assert_same(small, clean_roster(tmp_path / "c", reference_date="2016-12-31"))


def test_is_synthetic_of_a_clean_folder(clean_embedded, small, tmp_path):
    write_outputs(clean_embedded, tmp_path / "embedded")
    write_outputs(small, tmp_path / "own")
    assert is_synthetic(tmp_path / "embedded")
    assert is_synthetic(tmp_path / "embedded" / "members.parquet")
    assert not is_synthetic(tmp_path / "own")
    assert not is_synthetic(tmp_path / "own" / "members.parquet")


def test_synthetic_from_a_frame_read_from_the_embedded_file(embedded_roster_path):
    from fupin_analysis import read_roster

    raw = read_roster(embedded_roster_path)
    assert clean_roster(raw, salt="s").synthetic
    raw.attrs["synthetic"] = False  # a reader that knows better is believed
    assert not clean_roster(raw, salt="s").synthetic


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("clean.json", "not json"),
        ("clean.json", json.dumps({"tool": "something else"})),
        ("members.parquet", None),
        ("quality.csv", "a,b\n1,2\n"),
    ],
)
def test_broken_clean_folder_is_one_line(small, tmp_path, name, content):
    write_outputs(small, tmp_path / "c")
    target = tmp_path / "c" / name
    if content is None:
        target.unlink()
    else:
        target.write_text(content, encoding="utf-8")
    with pytest.raises(FupinError) as info:
        read_clean(tmp_path / "c")
    assert "\n" not in str(info.value) and str(tmp_path / "c") in str(info.value)


def test_tables_of_two_runs_are_refused(small, nine, tmp_path):
    write_outputs(small, tmp_path / "a")
    write_outputs(nine, tmp_path / "b")
    os.replace(tmp_path / "b" / "members.parquet", tmp_path / "a" / "members.parquet")
    with pytest.raises(FupinError, match="not of one run"):
        read_clean(tmp_path / "a")


# --- the salt -------------------------------------------------------------------------------


def test_marker_records_the_kind_of_salt_never_the_salt(make_roster, tmp_path):
    path = make_roster("r.xlsx")
    write_outputs(clean_roster(path, salt="my secret salt"), tmp_path / "given")
    write_outputs(clean_roster(path), tmp_path / "here")
    given = (tmp_path / "given" / "clean.json").read_text(encoding="utf-8")
    assert "my secret salt" not in given
    assert json.loads(given)["salt"] == "given"
    assert json.loads(given)["salt_fingerprint"] == fingerprint("my secret salt")
    here = json.loads((tmp_path / "here" / "clean.json").read_text(encoding="utf-8"))
    assert here["salt"] == "installation"


def test_keys_of_another_installation_warn_once_in_one_line(make_roster, tmp_path, monkeypatch):
    write_outputs(clean_roster(make_roster("r.xlsx")), tmp_path / "c")
    with warnings.catch_warnings(record=True) as here:
        warnings.simplefilter("always")
        read_clean(tmp_path / "c")
    assert not [w for w in here if "salt" in str(w.message)]
    monkeypatch.setenv("FUPIN_SALT", "another machine's secret")
    with pytest.warns(UserWarning, match="another installation's salt") as caught:
        read_clean(tmp_path / "c")
    assert len(caught) == 1 and "\n" not in str(caught[0].message)
    # a machine with no salt yet: the keys are another's, and reading makes no salt
    monkeypatch.delenv("FUPIN_SALT")
    monkeypatch.setenv("FUPIN_SALT_FILE", str(tmp_path / "no" / "salt"))
    with pytest.warns(UserWarning, match="another installation's salt"):
        read_clean(tmp_path / "c")
    assert not (tmp_path / "no").exists()


# --- writing all or nothing -------------------------------------------------------------------


def _stop_after_first(monkeypatch, owner, name: str) -> list:
    """Make the second call of ``owner.name`` raise KeyboardInterrupt (one Ctrl-C mid-way)."""
    real, calls = getattr(owner, name), []

    def write_then_stop(*args, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, write_then_stop)
    return calls


@pytest.mark.parametrize("writer", ["parquet", "csv"])
def test_interrupt_leaves_the_previous_outputs(small, nine, tmp_path, monkeypatch, writer):
    import pyarrow.parquet as pq

    out = tmp_path / "outputs" / "c"
    write_outputs(small, out)
    before = snapshot(out)
    if writer == "parquet":  # after members.parquet
        calls = _stop_after_first(monkeypatch, pq, "write_table")
    else:  # after the three tables and quality.csv
        calls = _stop_after_first(monkeypatch, pd.DataFrame, "to_csv")
    with pytest.raises(KeyboardInterrupt):
        write_outputs(nine, out)
    assert len(calls) == 2  # one file written, the second interrupted
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["c"]  # no leftovers beside it
    monkeypatch.undo()
    write_outputs(nine, out)
    assert_same(nine, read_clean(out))


def test_interrupt_between_the_renames_restores_the_previous_outputs(
    small, nine, tmp_path, monkeypatch
):
    out = tmp_path / "outputs" / "c"
    write_outputs(small, out)
    before = snapshot(out)
    calls = _stop_after_first(monkeypatch, os, "rename")  # out moved aside, then Ctrl-C
    with pytest.raises(KeyboardInterrupt):
        write_outputs(nine, out)
    assert len(calls) >= 2
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["c"]


def test_full_disk_is_one_line_and_leaves_the_previous_outputs(small, nine, tmp_path, monkeypatch):
    out = tmp_path / "outputs" / "c"
    write_outputs(small, out)
    before = snapshot(out)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("fupin_analysis.clean.outputs._write_text", full)
    with pytest.raises(FupinError, match="No space left on device") as info:
        write_outputs(nine, out)
    assert "\n" not in str(info.value)
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["c"]


def test_a_link_at_the_quarantine_is_not_followed(small, tmp_path):
    out = tmp_path / "c"
    write_outputs(small, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out / "quarantine.parquet").unlink()
    (out / "quarantine.parquet").symlink_to(victim)
    write_outputs(small, out)
    assert victim.read_text(encoding="utf-8") == "keep me"
    quarantine = out / "quarantine.parquet"
    assert not quarantine.is_symlink()
    assert stat.S_IMODE(quarantine.stat().st_mode) == 0o600
    assert_same(small, read_clean(out))


def test_a_link_as_the_output_folder_is_refused(small, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(FupinError, match="symbolic link"):
        write_outputs(small, tmp_path / "link")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_folder_of_other_files_is_refused_untouched(small, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(FupinError, match="fupin clean did not write") as info:
        write_outputs(small, out)
    assert "\n" not in str(info.value)
    assert snapshot(out) == {"notes.txt": b"my notes"}
    write_outputs(small, tmp_path / "c")
    (tmp_path / "c" / "notes.txt").write_text("added later", encoding="utf-8")
    with pytest.raises(FupinError, match="fupin clean did not write"):
        write_outputs(small, tmp_path / "c")
    assert (tmp_path / "c" / "notes.txt").read_text(encoding="utf-8") == "added later"


def test_an_empty_folder_and_an_earlier_output_are_replaced(small, tmp_path):
    (tmp_path / "empty").mkdir()
    write_outputs(small, tmp_path / "empty")
    assert {p.name for p in (tmp_path / "empty").iterdir()} == FILES
    earlier = tmp_path / "earlier"  # what fupin clean wrote before clean.json
    earlier.mkdir()
    for name in ("members.parquet", "households.parquet", "quarantine.parquet", "quality.csv"):
        (earlier / name).write_bytes(b"old")
    write_outputs(small, earlier)
    assert_same(small, read_clean(earlier))


def test_cli_refuses_a_folder_of_other_files_with_one_line(make_roster, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    assert main(["clean", str(make_roster("r.xlsx")), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fupin clean did not write" in err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"


# --- the report on a clean folder -------------------------------------------------------------


@pytest.mark.slow
def test_report_on_a_clean_folder_equals_the_report_on_the_roster(
    clean_embedded, embedded_roster_path, tmp_path
):
    from fupin_analysis import report

    config = Path(__file__).resolve().parent.parent / "reports.yml"
    write_outputs(clean_embedded, tmp_path / "clean")
    tables = {}
    for name, roster in (("raw", embedded_roster_path), ("folder", tmp_path / "clean")):
        run = report.run_report(config, out=tmp_path / name, only="05_two_assurances",
                                overrides={"roster": str(roster)}, test=True, progress=False)
        assert run.summary["status"].tolist() == ["ok"], run.summary["error"].tolist()
        tables[name] = {p.name: p.read_bytes() for p in (run.run_dir / "tables").iterdir()}
    assert tables["raw"] and tables["folder"] == tables["raw"]
