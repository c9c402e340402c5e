"""``scale.sum_quality``: the partitions' quality tables add up to the whole roster's."""

import pandas as pd
import pytest

from fupin_analysis.clean import clean_roster
from fupin_analysis.errors import FupinError
from fupin_analysis.scale import sum_quality

NO_HEADS = "no head: 2 households (no 与户主关系 values: heads unknown); several: 0"


def _table(**details):
    n = len(details)
    return pd.DataFrame({"rule": list(details), "rows": [1] * n, "action": ["a"] * n,
                         "detail": list(details.values())})  # fmt: skip


def test_counts_by_frequency_ties_by_label_suggestions_kept():
    closest = "closest: 三星桥村 430527106209, 星村 1"
    parts = [_table(unknown_village=f"火星X: 2 ({closest}); 乙村: 1 (x)"),
             _table(unknown_village="甲村: 3 (no close name in county 430527); 乙村: 2 (x)")]
    assert sum_quality(parts)["detail"].iloc[0] == (
        "乙村: 3 (x); 甲村: 3 (no close name in county 430527); "
        f"火星X: 2 ({closest})")


def test_fixed_order_lists_and_sentences():
    parts = [_table(summary_row="note: 1", head_count="no head: 1 households; several: 2"),
             _table(summary_row="blank: 4; total: 2", head_count=NO_HEADS)]
    out = sum_quality(parts)["detail"].tolist()
    assert out == ["total: 2; note: 1; blank: 4", "no head: 3 households; several: 2"]
    both_unknown = sum_quality([_table(head_count=NO_HEADS), _table(head_count=NO_HEADS)])
    assert both_unknown["detail"].iloc[0] == NO_HEADS.replace("2 households", "4 households")


def test_tables_of_other_rules_are_refused():
    with pytest.raises(FupinError, match="not the same rules"):
        sum_quality([_table(id_missing=""), _table(id_mangled="")])
    with pytest.raises(FupinError, match="say different things"):
        sum_quality([_table(unknown_column="备注"), _table(unknown_column="说明")])


def test_halves_of_a_roster_without_shared_persons_add_up():
    """Cleaning two sets of whole households apart and summing the quality gives the
    quality of the roster cleaned whole (no person is in both)."""
    from fupin_analysis.ingest import read_roster
    from fupin_analysis.reference import data_dir

    raw = read_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv")
    first = raw["household_id"].isin(raw["household_id"].dropna().unique()[::2])
    ids = raw["id_number"]
    shared = set(ids[first]) & set(ids[~first])
    keep = ~raw["id_number"].isin(shared) | raw["id_number"].isna()
    raw = raw[keep].reset_index(drop=True).__finalize__(raw)
    first = first[keep].to_numpy()
    whole = clean_roster(raw, salt="q")
    parts = [clean_roster(raw[m].reset_index(drop=True).__finalize__(raw), salt="q").quality
             for m in (first, ~first)]  # fmt: skip
    assert len(parts[0]) == len(whole.quality) and (whole.quality["rows"] > 0).sum() > 5
    pd.testing.assert_frame_equal(sum_quality(parts), whole.quality)
