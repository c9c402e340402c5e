"""``clean_roster(..., exclude_persons=...)``: persons found first in another part."""

import pandas as pd
import pytest

from fupin_analysis.clean import clean_roster
from fupin_analysis.clean.keys import keyed_hash
from fupin_analysis.ingest import read_roster
from fupin_analysis.reference import data_dir

SALT = "exclude-test"
ROSTER = data_dir() / "raw" / "zhaishi_roster_2016.csv"


def _frame(**columns):
    n = len(columns["id_number"])
    base = {"village": ["李家村"] * n, "relation": ["户主"] * n,
            "source_row": list(range(4, 4 + n))}  # fmt: skip
    return pd.DataFrame(base | columns)


def test_excluded_person_is_quarantined_as_other_household():
    raw = _frame(household_id=["001", "002", "002"],
                 id_number=["430527199001011237", "430527198505052003", "430527198505052003"],
                 relation=["户主", "户主", "之子"])  # fmt: skip
    key = keyed_hash(pd.Series(["430527198505052003"]), SALT, "person").iloc[0]
    result = clean_roster(raw, salt=SALT, exclude_persons=[key])
    q = result.quarantine
    assert q["source_row"].tolist() == [5, 6]
    assert q["reason"].tolist() == ["duplicate_person"] * 2
    assert q["detail"].tolist() == ["other_household"] * 2
    assert not q["counts_as_person"].any()
    row = result.quality.set_index("rule").loc["duplicate_person"]
    assert (row["rows"], row["detail"]) == (2, "in another household: 2")
    assert result.members["source_row"].tolist() == [4]
    assert result.households["members"].tolist() == [1]


def test_no_exclusion_changes_nothing_and_unknown_keys_are_ignored():
    raw = _frame(household_id=["001", "002"],
                 id_number=["430527199001011237", "430527198505052003"])  # fmt: skip
    plain = clean_roster(raw, salt=SALT)
    excluded = clean_roster(raw, salt=SALT, exclude_persons=["0123456789abcdef"])
    pd.testing.assert_frame_equal(plain.members, excluded.members)
    pd.testing.assert_frame_equal(plain.quality, excluded.quality)


def test_excluded_person_refused_earlier_keeps_its_first_reason():
    raw = _frame(household_id=["001", None],
                 id_number=["430527199001011237", "430527198505052003"])  # fmt: skip
    key = keyed_hash(pd.Series(["430527198505052003"]), SALT, "person").iloc[0]
    result = clean_roster(raw, salt=SALT, exclude_persons=[key])
    assert result.quarantine["reason"].tolist() == ["household_missing"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["source_file", "source_sheet", "source_row"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("split", [0.3, 0.7])
def test_two_parts_with_exclusions_give_the_whole_result(split):
    """Cleaning two parts (whole households each) and excluding, in the later part, the
    persons kept in both gives what cleaning the roster whole gives."""
    raw = read_roster(ROSTER)
    households = raw["household_id"].dropna().unique()
    first = set(households[: int(len(households) * split)])
    in_first = raw["household_id"].isin(first)
    # a person of the later part also in a household of the first, earlier in the file
    raw.loc[raw.index[in_first][0], "id_number"] = raw.loc[raw.index[~in_first][5], "id_number"]
    whole = clean_roster(raw, salt=SALT)
    parts = [raw[in_first], raw[~in_first]]
    cleaned = [clean_roster(p.reset_index(drop=True).__finalize__(raw), salt=SALT)
               for p in parts]  # fmt: skip
    both = set(cleaned[0].members["person_key"]) & set(cleaned[1].members["person_key"])
    order = {part: p.index.to_series(index=p["source_row"]) for part, p in enumerate(parts)}
    first_part = {}
    for key in both:
        rows = [order[k][cleaned[k].members.set_index("person_key").loc[key, "source_row"]]
                for k in (0, 1)]  # fmt: skip
        first_part[key] = 0 if rows[0] < rows[1] else 1
    assert 0 in first_part.values()  # the planted person, first in the first part
    plain = pd.concat([c.members for c in cleaned])
    assert len(plain) > len(whole.members)  # without the exclusions, persons twice
    again = [clean_roster(p.reset_index(drop=True).__finalize__(raw), salt=SALT,
                          exclude_persons=[k for k, f in first_part.items() if f != part])
             for part, p in enumerate(parts)]  # fmt: skip
    for table in ("members", "households", "quarantine"):
        got = pd.concat([getattr(r, table) for r in again], ignore_index=True)
        want = getattr(whole, table)
        if table == "households":
            got = got.sort_values("household_key").reset_index(drop=True)
            want = want.sort_values("household_key").reset_index(drop=True)
        else:
            got, want = _sorted(got), _sorted(want)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False)
    assert len(whole.quarantine.query("reason == 'duplicate_person'")) > 0


def test_a_position_excludes_only_when_the_person_comes_at_or_after_it():
    """``{key: position}``: found elsewhere before this input's row ``position``."""
    twice = "430527198505052003"
    raw = _frame(household_id=["001", "002", "003"],
                 id_number=["430527199001011237", twice, twice])  # fmt: skip
    key = keyed_hash(pd.Series([twice]), SALT, "person").iloc[0]
    after = clean_roster(raw, salt=SALT, exclude_persons={key: 1})  # elsewhere before row 1
    assert after.quarantine["source_row"].tolist() == [5, 6]
    assert after.quarantine["detail"].tolist() == ["other_household"] * 2
    before = clean_roster(raw, salt=SALT, exclude_persons={key: 2})  # row 1 comes first
    assert before.members["source_row"].tolist() == [4, 5]
    assert before.quarantine["source_row"].tolist() == [6]
    assert before.quarantine["detail"].tolist() == ["other_household"]  # within this input
    plain = clean_roster(raw, salt=SALT)
    pd.testing.assert_frame_equal(before.quarantine, plain.quarantine)


def test_a_position_counts_from_the_first_row_still_kept():
    """The person's first row here was refused before duplicate_person (no household):
    its next row is its first occurrence here, and it comes after the place elsewhere."""
    raw = _frame(household_id=[None, "002"],
                 id_number=["430527198505052003", "430527198505052003"])  # fmt: skip
    key = keyed_hash(pd.Series(["430527198505052003"]), SALT, "person").iloc[0]
    result = clean_roster(raw, salt=SALT, exclude_persons={key: 1})
    assert result.quarantine["reason"].tolist() == ["household_missing", "duplicate_person"]
    assert result.members.empty
