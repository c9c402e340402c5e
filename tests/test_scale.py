"""Partitioned cleaning on Dask (``fupin_analysis.scale``) gives the single-process result.

The cluster tests need the ``scale`` extra (dask, distributed): ``make setup`` installs
it with ``dev``, so they run in ``make test`` and CI; elsewhere they skip.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from conftest import HEADERS, make_id

from fupin_analysis.clean import clean_roster, write_outputs
from fupin_analysis.errors import FupinError
from fupin_analysis.synth import write_province

distributed = pytest.importorskip("distributed")

from fupin_analysis.scale import clean_partitioned  # noqa: E402

SALT = "scale-test"
SOURCE = ["source_file", "source_sheet", "source_row"]


@pytest.fixture(scope="module")
def client():
    """Two local workers for the small tests, with the tests' salt as a secret."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address="127.0.0.1:0",
        env={"FUPIN_SALT": SALT},
    ) as cluster, distributed.Client(cluster) as c:  # fmt: skip
        yield c


def _odd_rows_csv(path: Path, first_id: str) -> Path:
    """A small roster whose 户编号 are no village codes (one missing), and whose first
    person is ``first_id``."""
    common = ["绥宁县", "寨市乡", "李家村"]
    rows = [
        common + ["001", "张一", first_id, "2", "户主"],
        common + ["001", "张二", make_id("19820202", "222"), "2", "配偶"],
        common + ["A-17", "王三", make_id("19600303", "333"), "1", "户主"],
        common + ["", "赵四", make_id("19900404", "444"), "1", "户主"],
    ]
    lines = [",".join(HEADERS[:8])] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read(out: Path, table: str) -> pd.DataFrame:
    return pd.read_parquet(out / table, partitioning=None)


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows sorted by the text of ``keys`` (categories of a dataset read back come in the
    order of its files, not of the text)."""
    order = frame[keys].astype({k: "str" for k in keys if k != "source_row"})
    return frame.iloc[order.sort_values(keys, kind="stable").index].reset_index(drop=True)


def _assert_same(out: Path, whole) -> None:
    for table, keys in (("members", SOURCE), ("quarantine", SOURCE),
                        ("households", ["household_key"])):  # fmt: skip
        got = _sorted(_read(out, table), keys)
        want = _sorted(getattr(whole, table), keys)
        assert got.columns.tolist() == want.columns.tolist()
        for name in want.columns[want.dtypes.map(pd.api.types.is_datetime64_dtype)]:
            got[name] = got[name].astype(want[name].dtype)  # parquet keeps ms, not s
        # parquet gives plain text where the cleaner had categoricals: compare the values
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False)


@pytest.mark.slow
def test_dask_equals_single_process_on_a_province(tmp_path):
    """310,000 rows of six counties, 300 planted cross-county duplicates per county,
    plus a file of rows without a village code read first: its first person is also in
    a county, later in the order, and loses there."""
    paths = write_province(tmp_path / "raw", 95_000, counties=6, duplicates=300)
    first_county = pd.read_csv(paths[0], skiprows=2, nrows=50, dtype=str)["身份证号码"]
    odd = _odd_rows_csv(tmp_path / "raw" / "odd.csv", first_county.iloc[10])
    inputs = [odd, *paths]
    result = clean_partitioned(inputs, tmp_path / "out", salt=SALT)  # LocalCluster(2)
    whole = clean_roster(inputs, salt=SALT)
    assert len(whole.members) + len(whole.quarantine) >= 300_000
    planted = whole.quarantine.query("reason == 'duplicate_person'")
    assert (planted["detail"] == "other_household").sum() >= 5 * 300
    _assert_same(tmp_path / "out", whole)
    pd.testing.assert_frame_equal(result.quality, whole.quality)
    partitions = result.partitions.set_index("partition")
    assert partitions.loc["unknown", "rows"] == 4
    assert partitions["excluded"].sum() >= 5 * 300  # the cross-county duplicates
    assert result.summary()["rows_read"] == len(whole.members) + len(whole.quarantine)
    quality = pd.read_csv(tmp_path / "out" / "quality.csv", keep_default_na=False)
    assert quality["rows"].tolist() == whole.quality["rows"].tolist()


def test_small_roster_partitions_and_modes(tmp_path, client):
    raw = tmp_path / "raw"
    raw.mkdir()
    [county] = write_province(raw, 300, counties=2, duplicates=5)
    odd = _odd_rows_csv(raw / "odd.csv", make_id("19500101", "555"))
    out = tmp_path / "out"
    result = clean_partitioned([county, odd], out, client=client)
    whole = clean_roster([county, odd], salt=SALT)
    _assert_same(out, whole)
    pd.testing.assert_frame_equal(result.quality, whole.quality)
    assert sorted(p.name for p in (out / "members").iterdir()) == [
        "county_code=430102", "county_code=430103", "county_code=unknown"]
    unknown = _read(out, "quarantine").query("source_file == 'odd.csv'")
    assert unknown["reason"].tolist() == ["household_missing"]
    for path in (out / "quarantine").rglob("*.parquet"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for path in (out / "members").rglob("*.parquet"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]
    members = _read(out, "members")
    assert not {"name", "id_number", "household_phone"} & set(members.columns)
    single = tmp_path / "single"
    write_outputs(whole, single)
    assert (out / "sources.csv").read_text() == (single / "sources.csv").read_text()
    assert (out / "quality.csv").read_text() == (single / "quality.csv").read_text()
    made, single_made = (json.loads((f / "clean.json").read_text()) for f in (out, single))
    for key in ("rows_read", "members", "households", "quarantined", "fields", "synthetic",
                "salt_fingerprint", "reference", "reference_date"):  # fmt: skip
        assert made[key] == single_made[key], key


def test_a_first_occurrence_refused_in_its_partition_is_settled(tmp_path, client):
    """A person's first row in the global order lies in another county's partition and is
    refused there before duplicate_person (its village is unknown): the later county,
    which first assumed that row kept and quarantined the person, is cleaned again and
    keeps the person, as the single process does."""
    raw = tmp_path / "raw"
    raw.mkdir()
    first, second = write_province(raw, 300, counties=2, duplicates=0, per_county=True)
    later = pd.read_csv(second, skiprows=2, nrows=20, dtype=str)
    person = later["身份证号码"].iloc[10]
    household = pd.read_csv(first, skiprows=2, nrows=1, dtype=str)["户编号"].iloc[0]
    odd = raw / "0_odd.csv"  # read first: the person's first row in the global order
    row = ["绥宁县", "寨市乡", "火星村", household[:12] + "9999", "张一", person, "1", "户主"]
    odd.write_text(",".join(HEADERS[:8]) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    inputs = [odd, first, second]
    result = clean_partitioned(inputs, tmp_path / "out", client=client)
    whole = clean_roster(inputs, salt=SALT)
    _assert_same(tmp_path / "out", whole)
    pd.testing.assert_frame_equal(result.quality, whole.quality)
    assert whole.quarantine.query("source_file == '0_odd.csv'")["reason"].tolist() == [
        "unknown_village"]
    key = whole.members.loc[whole.members["source_file"] == second.name, "person_key"]
    assert len(key) == len(set(key))  # the person is kept in the later county
    cleaned = result.partitions.set_index("partition")["cleaned"]
    assert cleaned[household[:6]] == 1 and cleaned[second.name[:6]] == 2


def test_township_partitions(tmp_path, client):
    [county] = write_province(tmp_path, 200, counties=1)
    result = clean_partitioned(county, tmp_path / "out", client=client, partition_by="township")
    assert all(len(p) == 9 for p in result.partitions["partition"])
    assert result.summary()["rows_read"] == len(clean_roster(county, salt=SALT).members) + len(
        clean_roster(county, salt=SALT).quarantine)


def test_workers_without_the_salt_asked_for_are_refused(tmp_path, client):
    [county] = write_province(tmp_path, 50, counties=1)
    with pytest.raises(FupinError, match="FUPIN_SALT"):
        clean_partitioned(county, tmp_path / "out", client=client, salt="another")


def test_bad_partition_kind_and_used_output_are_one_line(tmp_path, client):
    [county] = write_province(tmp_path, 50, counties=1)
    with pytest.raises(FupinError, match="--partition-by village"):
        clean_partitioned(county, tmp_path / "out", client=client, partition_by="village")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(FupinError, match="not an empty folder"):
        clean_partitioned(county, tmp_path / "used", client=client)


def test_county_summary_known_answer(tmp_path, client):
    """Two counties of hand-made households: counts by hand."""
    from fupin_analysis.scale.aggregates import county_summary

    headers = [*HEADERS[:8], "脱贫属性", "脱贫年度", "易地扶贫搬迁安置方式"]
    common = ["绥宁县", "寨市乡", "李家村"]
    rows = [  # 户编号, 姓名, 证件号码, 人数, 关系, 脱贫属性, 脱贫年度, 搬迁
        ["4305272032030001", "甲", make_id("19700101", "111"), "2", "户主", "已脱贫", "2016", ""],
        ["4305272032030001", "乙", make_id("19720101", "222"), "2", "配偶", "", "", ""],
        ["4305272032030002", "丙", make_id("19600101", "331"), "1", "户主", "未脱贫", "", "集中安置"],  # noqa: E501
        ["4305282032030001", "丁", make_id("19800101", "441"), "3", "户主", "已脱贫", "2015", ""],
        ["4305282032030001", "戊", make_id("19820101", "552"), "3", "配偶", "", "", ""],
        ["4305282032030001", "己", "4.30527E+17", "3", "之子", "", "", ""],
    ]
    lines = [",".join(headers)] + [",".join(common + r) for r in rows]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean_partitioned(tmp_path / "r.csv", tmp_path / "out", client=client)
    population = pd.DataFrame({"code": ["430527"], "population": [300]})
    table = county_summary(tmp_path / "out", 2016, population).set_index("code")
    columns = ["households", "people", "exited_households", "exited_people",
               "relocated_households", "quarantined_persons"]  # fmt: skip
    assert table.loc["430527", columns].tolist() == [2, 3, 1, 2, 1, 0]
    assert table.loc["430528", columns].tolist() == [1, 2, 0, 0, 0, 1]
    assert table.loc["43", columns].tolist() == [3, 5, 1, 2, 1, 1]
    assert table.loc["430527", "incidence"] == pytest.approx(1.0)
    assert pd.isna(table.loc["430528", "incidence"])
    assert table.loc["430527", "exited_share"] == pytest.approx(2 / 3)
    assert table.loc["43", "name"] == "湖南省" and table.loc["430527", "name"] == "绥宁县"
    assert table["credit_households"].isna().all()  # no 小额信贷 column: unknown, not 0


def test_local_workers_get_the_malloc_thresholds_and_the_salt_file(tmp_path):
    from fupin_analysis.scale.engine import (
        MALLOC_MMAP_THRESHOLD,
        MALLOC_TRIM_THRESHOLD,
        local_client,
    )

    salt_file = tmp_path / "salt"
    salt_file.write_text("from-a-file\n")

    def environ():
        import dask

        from fupin_analysis.salt import default_salt

        return (os.environ.get("MALLOC_TRIM_THRESHOLD_"), os.environ.get("MALLOC_MMAP_THRESHOLD_"),
                dask.config.get("distributed.worker.profile.enabled"), default_salt())  # fmt: skip

    before = os.environ.get("MALLOC_MMAP_THRESHOLD_")
    with local_client(1, salt_file) as c:
        [found] = c.run(environ).values()
    assert found == (str(MALLOC_TRIM_THRESHOLD), str(MALLOC_MMAP_THRESHOLD), False, "from-a-file")
    assert os.environ.get("MALLOC_MMAP_THRESHOLD_") == before  # this process left as it was
