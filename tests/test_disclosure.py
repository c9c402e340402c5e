"""Statistical disclosure control (issue 15): no small count survives into a published table."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_analysis import disclosure, outputs


def _by_village(counts: list[int], *, total: bool) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "village_code": [f"430527203{200 + i}" for i in range(len(counts))],
            "households": counts,
            "exited_households": [c // 2 for c in counts],
        }
    )
    table["exit_share"] = (table["exited_households"] / table["households"]).where(
        table["households"] > 0
    )
    if total:
        table.loc[len(table)] = ["430527203", sum(counts), sum(c // 2 for c in counts), 0.5]
    return table


def test_one_relocated_household_and_its_move_are_hidden():
    """The issue's case: one scattered household of four, its move and elevation change."""
    moves = pd.DataFrame(
        {
            "village_code": ["430527203217", "430527203222"],
            "households": [1, 6],
            "people": [4, 21],
            "move_m": [2300.0, 800.0],
            "elevation_change_m": [-210.0, -40.0],
        }
    )
    shown = disclosure.protect(moves)
    assert shown.loc[0, ["households", "move_m", "elevation_change_m"]].tolist() == ["<3"] * 3
    assert shown.loc[1, "households"] == 6 and shown.loc[1, "move_m"] == 800.0
    assert shown.loc[0, "people"] == "<3"  # it describes the same household


def test_a_single_hidden_cell_is_not_left_to_subtraction():
    table = _by_village([40, 2, 15, 0], total=True)
    shown = disclosure.protect(table)
    parts = shown["households"].iloc[:-1]
    assert parts.tolist() == [40, "<3", "<3", 0]  # 15, the smallest other, hidden too
    assert shown["households"].iloc[-1] == 57


def test_zero_is_shown_and_threshold_one_hides_nothing():
    table = _by_village([0, 5, 9], total=False)
    assert disclosure.protect(table)["households"].tolist() == [0, 5, 9]
    small = _by_village([1, 2], total=False)
    assert disclosure.protect(small, threshold=1).equals(small)


def test_long_tables_hide_counts_not_shares():
    summary = pd.DataFrame(
        {
            "figure": ["registered_people", "scattered_households", "designated_incidence"],
            "value": [6066, 2, 0.24],
            "quarantined": [44, 1, 0],
        }
    )
    shown = disclosure.protect(summary)
    assert shown["value"].tolist() == [6066, "<3", 0.24]
    assert shown["quarantined"].tolist() == [44, "<3", 0]


def test_a_hidden_quarantine_count_is_not_left_to_subtraction():
    """1,846 households kept and 1,848 with the refused ones would give the hidden 2 away."""
    summary = pd.DataFrame({"figure": ["registered_households"], "value": [1846],
                            "quarantined": [2], "value_with_quarantined": [1848],
                            "published": [1848], "difference": [0]})  # fmt: skip
    shown = disclosure.protect(summary).iloc[0]
    assert shown["value"] == 1846 and shown["published"] == 1848
    assert [shown[c] for c in ("quarantined", "value_with_quarantined", "difference")] == [
        "<3", "<3", "<3"
    ]


def test_the_people_refused_behind_a_share_are_counted_people():
    """A share's row counts, beside it, the refused households of its denominator: two of
    them are two households whatever the row measures; a cost is not a count, but a cost
    of hidden students is hidden with them."""
    summary = pd.DataFrame(
        {
            "figure": ["credit_rated_share", "education_primary_students",
                       "education_primary_cost"],
            "value": [1.0, 2, 2000],
            "quarantined": [2, 1, 1000],
            "unit": ["比例", "人", "元"],
        }
    )  # fmt: skip
    shown = disclosure.protect(summary)
    assert shown["quarantined"].tolist() == ["<3", "<3", "<3"]  # 1,000 yuan: one student
    assert shown["value"].tolist() == [1.0, "<3", "<3"]  # 2,000 yuan: two students


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(0, 12), min_size=1, max_size=12),
    total=st.booleans(),
    threshold=st.integers(2, 5),
)
def test_no_small_count_is_visible_nor_left_alone_beside_a_total(counts, total, threshold):
    table = _by_village(counts, total=total)
    shown = disclosure.protect(table, threshold)
    marker = f"<{threshold}"
    for col in ("households", "exited_households"):
        visible = pd.to_numeric(shown[col], errors="coerce")
        assert not ((visible > 0) & (visible < threshold)).any()
    hidden_base = (shown["households"] == marker) | (shown["exited_households"] == marker)
    assert (shown.loc[hidden_base, "exit_share"] == marker).all()
    if total:
        parts = shown["households"].iloc[:-1]
        hidden = int((parts == marker).sum())
        others = pd.to_numeric(parts[parts != marker], errors="coerce")
        assert hidden != 1 or not (others > 0).any()


def test_save_table_publishes_the_protected_table_and_says_how_many(tmp_path):
    table = _by_village([40, 2, 15], total=True)
    csv, _ = outputs.save_table(table, "exits", output_dir=tmp_path, prefix="nb")
    back = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    assert back["households"].tolist() == ["40", "<3", "<3", "57"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rule_is_stated(lang):
    text = disclosure.rule_text(3, lang)
    assert "<3" in text


def test_a_villages_deprivation_shares_are_hidden_with_their_small_counts():
    """Nine households, one of them poor and deprived in housing: its housing share
    (1/9) would point at it; the income share of seven households would not."""
    from fupin_analysis.assurances import alkire_foster

    deprived = pd.DataFrame({
        "village_code": ["v"] * 9, "income": [True] * 7 + [False] * 2,
        "education": [False] * 9, "medical": [False] * 9,
        "housing": [True] + [False] * 8, "water": [False] * 9,
    })  # fmt: skip
    dims = alkire_foster(deprived, k=0.4, by="village_code").dimensions.set_index("dimension")
    assert dims.loc["housing", "censored_units"] == 1
    shown = disclosure.protect(dims.reset_index()).set_index("dimension")
    hidden = ["censored_units", "censored_headcount", "contribution"]
    assert shown.loc["housing", hidden].tolist() == ["<3", "<3", "<3"]
    assert shown.loc["income", "deprived_units"] == 7
    assert shown.loc["income", "headcount"] == pytest.approx(7 / 9)
