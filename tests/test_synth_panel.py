"""The yearly rosters of the embedded panel: the 2016 frame is the calibrated roster, the
other years carry the planted transitions, and the ground truth says them."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from fupin_analysis import clean_roster, synth
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.reference import data_dir, load_villages

RAW = data_dir() / "raw"


@pytest.fixture(scope="module")
def frames():
    messy_truth = pd.read_parquet(RAW / synth.TRUTH_FILE)
    return synth.true_panel(messy_truth=messy_truth)


def test_the_2016_frame_is_the_calibrated_roster(frames):
    years, _ = frames
    true = synth.true_roster()
    assert years[2016].drop(columns="lineage").equals(true)
    assert synth.panel_file(2016) == synth.ROSTER_FILE


def test_every_year_has_its_file_labelled_synthetic_and_ages_at_its_end():
    for year in synth.PANEL_YEARS:
        path = RAW / synth.panel_file(year)
        assert path.exists() and is_synthetic(path), path
    result = clean_roster(RAW / synth.panel_file(2018), reference_date="2018-12-31")
    assert result.quality.set_index("rule").loc["age_mismatch", "rows"] == 0
    assert result.quarantine["reason"].isin(["duplicate_row", "duplicate_person"]).all()
    meta = pq.read_schema(RAW / synth.PANEL_FOLDER / synth.PANEL_TRUTH_FILE).metadata
    assert meta[b"synthetic"] == b"true" and b'"seed": 20161205' in meta[b"generator"]


def test_the_2018_roster_is_a_gb18030_csv_with_its_export_date():
    text = (RAW / synth.panel_file(2018)).read_bytes().decode("gb18030").splitlines()
    assert text[1].startswith("导出时间：2018-12-05")


def test_truth_has_a_row_per_person_in_each_roster(frames, panel_truth):
    years, _ = frames
    present = panel_truth[panel_truth["state"].isin(["poor", "exited", "unobserved"])]
    for year, frame in years.items():
        in_truth = set(present.loc[present["year"] == year, "true_id_number"])
        refused_unseen = set(frame["id_number"]) - in_truth
        assert year == 2016 or not refused_unseen, year
        assert len(refused_unseen) <= 3  # refused in 2016 before ever being seen
    assert not panel_truth.duplicated(["year", "true_id_number"]).any()


def test_planted_events_are_as_documented(frames):
    _, events = frames
    households = events.drop_duplicates(["year", "event"]).set_index(["year", "event"])
    counted = events.groupby(["year", "event"])["id_number"].nunique()
    assert counted[(2016, "married_in")] == 25 and counted[(2016, "died")] == 30
    assert counted[(2015, "married_out")] == 15
    assert (2018, "renumbered") in households.index
    assert len(events.attrs["split_lineages"]) == 16  # 10 in 2017, 6 in 2018
    assert counted[(2018, "merged")] == 6


def test_designated_villages_exit_more_slowly_before_their_2019_push(panel_truth):
    poor = panel_truth[panel_truth["from_state"] == "poor"]
    by = poor.groupby(["year", "designated"])["transition"].apply(
        lambda t: float((t == "exited").mean())
    )
    for year in (2017, 2018):
        assert by[(year, True)] < by[(year, False)]
    assert by[(2019, True)] > by[(2019, False)]


def test_returns_to_poverty_cluster_in_the_south_in_2018(panel_truth):
    back = panel_truth[(panel_truth["transition"] == "returned") & (panel_truth["year"] == 2018)]
    cluster = [code for code, _ in synth.RETURN_CLUSTER]
    share = back["village_code"].isin(cluster).mean()
    assert share > 0.8
    population = load_villages().set_index("code")
    assert set(back["village_code"].unique()) - set(cluster) <= set(population.index)


def test_planted_impossible_histories_are_in_the_events(frames, panel_truth):
    _, events = frames
    reversed_ = events[events["event"] == "exit_reversed"]
    assert set(reversed_["year"]) == {2016}
    rows = panel_truth[panel_truth["event"].fillna("").str.contains("exit_reversed")]
    assert (rows["transition"] == "returned").all() and (rows["source"] == "inferred").all()
    changed = panel_truth[panel_truth["event"].fillna("").str.contains("exit_year_changed")]
    assert (changed["year"] == 2017).all() and (changed["transition"] == "still_exited").all()


def test_households_split_and_merged_keep_their_state(frames):
    """A split family has the state its old household has that year; a merged parent
    the state it had (households whose state changes that year do not merge)."""
    years, events = frames
    for year in (2017, 2018):
        before, after = years[year - 1].set_index("id_number"), years[year].set_index("id_number")
        split = events.loc[(events["year"] == year) & (events["event"] == "split"), "id_number"]
        old_household = before.loc[split, "household_id"]
        stayed = after[after["household_id"].isin(old_household)]
        state_of = stayed.groupby("household_id")["exited"].first()
        assert (
            after.loc[split, "exited"].to_numpy() == old_household.map(state_of).to_numpy()
        ).all()
        merged = events.loc[(events["year"] == year) & (events["event"] == "merged"), "id_number"]
        assert (
            before.loc[merged, "exited"].to_numpy() == after.loc[merged, "exited"].to_numpy()
        ).all()
        assert (after.loc[merged, "relation"].isin(["之父", "之母"])).all()


def test_removed_households_have_someone_under_65_and_gone_ones_nobody(frames):
    years, events = frames
    for year in (2017, 2018, 2019):
        before = years[year - 1]
        for event, young in (("removed", True), ("gone", False)):
            ids = events.loc[(events["year"] == year) & (events["event"] == event), "id_number"]
            households = before[before["id_number"].isin(ids)].groupby("household_id")["age"]
            if len(households.size()):
                assert (households.min() < 65).all() == young, (year, event)
                assert young or (households.size() == 1).all()


def test_every_entry_and_exit_of_the_roster_has_an_event(panel_truth):
    moved = panel_truth[
        (panel_truth["from_state"] == "absent") | (panel_truth["state"] == "absent")
    ]
    assert moved["event"].notna().all()
    expected = {t for t, _ in synth.TRANSITION_OF_EVENT.values()} | {"unobserved"}
    assert set(moved["transition"]) <= expected


def test_another_seed_gives_another_panel():
    years, _ = synth.true_panel(seed=7)
    assert len(years) == 6 and len(years[2016]) == 6066
    assert not np.array_equal(years[2019]["id_number"].to_numpy()[:50],
                              synth.true_panel()[0][2019]["id_number"].to_numpy()[:50])  # fmt: skip
