"""``fupin clean --engine dask`` and ``fupin synth --counties`` (the scale extra)."""

from __future__ import annotations

import pandas as pd
import pytest

from fupin_analysis.cli import main

pytest.importorskip("distributed")


def test_synth_province_then_clean_on_dask(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path / "raw"), "--households", "400",
                 "--counties", "2", "--duplicates", "10", "--per-county"]) == 0  # fmt: skip
    files = capsys.readouterr().out.split()
    assert [f.rsplit("/", 1)[-1] for f in files] == ["430102.csv", "430103.csv"]
    out = tmp_path / "out"
    assert main(["clean", *files, "--engine", "dask", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    members = pd.read_parquet(out / "members", partitioning=None)
    assert f"{len(members)} members" in printed and "in 2 partitions by county" in printed
    excluded = pd.read_csv(out / "quality.csv").set_index("rule").loc["duplicate_person"]
    assert excluded["detail"].startswith("in another household: ")
    assert int(excluded["detail"].split(": ")[1]) >= 10


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--engine", "dask", "--partition-by", "village"], "--partition-by village"),
        (["--partition-by", "county"], "options of --engine dask"),
        (["--engine", "spark"], "--engine spark"),
    ],
)
def test_bad_engine_options_are_one_line(tmp_path, capsys, extra, message):
    roster = tmp_path / "r.csv"
    roster.write_text("行政村,户编号,证件号码\n李家村,001,430527199001011237\n", encoding="utf-8")
    assert main(["clean", str(roster), "--out", str(tmp_path / "out"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_province_options_need_households(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path), "--counties", "3"]) == 2
    assert "give --households too" in capsys.readouterr().err


def test_a_partitioned_folder_read_as_a_clean_folder_is_one_line(tmp_path, capsys):
    from fupin_analysis.clean import clean_roster
    from fupin_analysis.errors import RosterFormatError

    main(["synth", "--out", str(tmp_path / "raw"), "--households", "60", "--counties", "2"])
    [roster] = capsys.readouterr().out.split()
    assert main(["clean", roster, "--engine", "dask", "--out", str(tmp_path / "out")]) == 0
    with pytest.raises(RosterFormatError, match="a partitioned clean folder"):
        clean_roster(tmp_path / "out")


def test_clean_on_a_scheduler_given_by_address(tmp_path, capsys):
    """``--scheduler ADDRESS``: the workers of a cluster already running (with the
    installation's salt, as this process has it) clean the roster; the cluster stays up."""
    import distributed

    from fupin_analysis.salt import default_salt

    main(["synth", "--out", str(tmp_path / "raw"), "--households", "60", "--counties", "2"])
    [roster] = capsys.readouterr().out.split()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0",
                                  env={"FUPIN_SALT": default_salt()}) as cluster:  # fmt: skip
        out = tmp_path / "out"
        assert main(["clean", roster, "--engine", "dask", "--scheduler",
                     cluster.scheduler_address, "--out", str(out)]) == 0  # fmt: skip
        assert "in 2 partitions by county" in capsys.readouterr().out
        assert cluster.scheduler.workers  # not closed by the command
    from fupin_analysis.clean import clean_roster

    members = pd.read_parquet(out / "members", partitioning=None)
    assert sorted(members["person_key"]) == sorted(clean_roster(roster).members["person_key"])
