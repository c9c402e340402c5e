"""`fupin clean`: outputs, file modes, summary, exit codes."""

import stat
import zipfile

import pandas as pd
import pytest

from fupin_analysis.cli import main


def test_clean_writes_tables_and_summary(make_roster, tmp_path, capsys):
    out = tmp_path / "out" / "nested"
    assert main(["clean", str(make_roster("r.xlsx")), "--out", str(out)]) == 0
    for name in ("members.parquet", "households.parquet", "quarantine.parquet", "quality.csv"):
        assert (out / name).is_file(), name
    assert stat.S_IMODE((out / "quarantine.parquet").stat().st_mode) == 0o600
    members = pd.read_parquet(out / "members.parquet")
    assert len(members) == 5
    assert len(pd.read_parquet(out / "households.parquet")) == 2
    text = capsys.readouterr().out
    assert "5 rows read" in text and "members" in text
    assert "张大山" not in text


def test_quarantine_mode_is_reset_on_overwrite(make_roster, tmp_path):
    out = tmp_path / "out"
    assert main(["clean", str(make_roster("r.csv")), "--out", str(out)]) == 0
    (out / "quarantine.parquet").chmod(0o644)  # an earlier output, opened up by hand
    assert main(["clean", str(make_roster("r.csv")), "--out", str(out)]) == 0
    assert stat.S_IMODE((out / "quarantine.parquet").stat().st_mode) == 0o600


def test_exit_0_with_quarantined_rows(make_roster, tmp_path):
    from conftest import small_rows

    rows = small_rows()
    rows[0][5] = "4.30527E+17"
    out = tmp_path / "o"
    assert main(["clean", str(make_roster("r.xlsx", rows)), "--out", str(out)]) == 0
    q = pd.read_parquet(out / "quarantine.parquet")
    assert q["reason"].tolist() == ["id_mangled"]


def test_salt_changes_keys(make_roster, tmp_path):
    path = str(make_roster("r.xlsx"))
    main(["clean", path, "--out", str(tmp_path / "a"), "--salt", "one"])
    main(["clean", path, "--out", str(tmp_path / "b"), "--salt", "two"])
    main(["clean", path, "--out", str(tmp_path / "c"), "--salt", "one"])
    keys = [pd.read_parquet(tmp_path / d / "members.parquet")["person_key"] for d in "abc"]
    assert not keys[0].equals(keys[1])
    assert keys[0].equals(keys[2])


def _bad_files(tmp_path):
    import numpy as np
    from conftest import small_rows, write_roster

    (tmp_path / "empty.csv").write_bytes(b"")
    write_roster(tmp_path / "headers_only_wrong.xlsx", [], headers=["月份", "金额"])
    (tmp_path / "roster.docx").write_text("x")
    with zipfile.ZipFile(tmp_path / "corrupt.xlsx", "w") as z:
        z.writestr("x.txt", "x")
    noise = np.random.default_rng(0).integers(0, 256, 2048, dtype=np.uint8).tobytes()
    (tmp_path / "noise.csv").write_bytes(noise)
    write_roster(tmp_path / "headers_only.xlsx", [])
    write_roster(tmp_path / "utf16.csv", small_rows(), encoding="utf-16-le")
    return ["empty.csv", "headers_only_wrong.xlsx", "roster.docx", "corrupt.xlsx", "noise.csv",
            "utf16.csv", "missing.xlsx", "headers_only.xlsx"]


@pytest.mark.parametrize("index", range(8))
def test_unusable_input_exits_2_with_one_line(tmp_path, capsys, index):
    name = _bad_files(tmp_path)[index]
    code = main(["clean", str(tmp_path / name), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("fupin clean: ") and err.count("\n") == 1
    assert name in err
    assert not (tmp_path / "out" / "members.parquet").exists()
