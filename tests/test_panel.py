"""Linking yearly rosters: against the ground truth of the embedded panel, and on small
hand-made panels whose answer is known (splits, merges, renumbering, gaps, checks)."""

import os
import stat

import pandas as pd
import pytest
from conftest import PANEL_SALT
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_analysis import cli, panel, synth
from fupin_analysis.clean import CleanRoster, clean_roster
from fupin_analysis.errors import FupinError
from fupin_analysis.panel import outputs as panel_outputs
from fupin_analysis.reference import data_dir

RAW = data_dir() / "raw"

# --- the embedded panel against its ground truth ---------------------------------------


@pytest.fixture(scope="module")
def observed(panel_truth, embedded_panel):
    seen = panel_truth[panel_truth["state"].isin(["poor", "exited"])]
    return seen.merge(
        embedded_panel.person_years, on=["person_key", "year"], how="outer", indicator=True,
        suffixes=("_truth", ""),
    )  # fmt: skip


def test_every_person_year_is_linked_by_key(observed):
    assert (observed["_merge"] == "both").all(), observed["_merge"].value_counts()
    assert (observed["state_truth"] == observed["state"]).all()


def test_households_are_followed_as_the_truth_follows_them(observed):
    """The panel's households and the truth's lineages are the same partition."""
    assert observed.groupby("lineage")["panel_household"].nunique().eq(1).all()
    assert observed.groupby("panel_household")["lineage"].nunique().eq(1).all()
    assert observed["lineage"].nunique() == observed["panel_household"].nunique() == 1999


def test_household_links_are_the_planted_ones(observed, embedded_panel):
    h = embedded_panel.household_years[["year", "household_key", "link"]]
    both = observed.merge(h, on=["year", "household_key"], how="left")
    assert (both["household_link"] == both["link"]).all()
    counts = both.drop_duplicates(["year", "household_key"]).groupby("link").size()
    assert counts["split"] == 16 and counts["renumbered"] > 40


def test_every_planted_transition_is_recovered(panel_truth, embedded_panel):
    truth = panel_truth[panel_truth["year"] > synth.PANEL_YEARS[0]]
    both = truth.merge(
        embedded_panel.transitions, on=["person_key", "year"], how="outer", indicator=True,
        suffixes=("_truth", ""),
    )  # fmt: skip
    assert (both["_merge"] == "both").all(), both["_merge"].value_counts()
    for col in ("from_state", "state", "transition", "source"):
        wrong = both[both[f"{col}_truth"] != both[col]]
        assert wrong.empty, wrong[["year", "event", f"{col}_truth", col]].head()
    planted = both.dropna(subset=["event"])
    assert len(planted) > 2000 and planted["event"].nunique() >= 10


def test_splits_continue_the_household_the_head_stayed_in(embedded_panel, panel_truth):
    h = embedded_panel.household_years
    splits = h[h["link"] == "split"]
    assert set(splits["year"]) == {2017, 2018}
    before = h.set_index(["panel_household", "year"])
    for row in splits.itertuples():
        assert (row.parent, row.year) in before.index  # the household left still goes on
        assert (row.parent, row.year - 1) in before.index


def test_merged_households_end_into_their_host(embedded_panel, panel_truth):
    h = embedded_panel.household_years
    merged = h[h["end"] == "merged"]
    assert len(merged) == 6 and set(merged["year"]) == {2017}
    moved = panel_truth[panel_truth["event"].fillna("").str.contains("merged")]
    in_2018 = embedded_panel.person_years.set_index(["person_key", "year"]).loc[
        list(zip(moved["person_key"], moved["year"], strict=True)), "panel_household"
    ]
    assert set(in_2018) == set(merged["merged_into"])


def test_a_renumbered_village_keeps_its_households(embedded_panel):
    h = embedded_panel.household_years
    code = synth.RENUMBERED_VILLAGE[0]
    chachong = h[(h["village_code"] == code) & h["year"].isin([2017, 2018])]
    by_year = chachong.groupby("year")["panel_household"].apply(set)
    assert by_year[2017] <= by_year[2018]
    links = chachong[chachong["year"] == 2018]["link"]
    assert (links[chachong["panel_household"].isin(by_year[2017])] == "renumbered").all()


def test_people_refused_in_2016_are_unobserved_not_gone(embedded_panel, embedded_truth):
    refused = embedded_truth[
        (embedded_truth["expected_outcome"] == "quarantine") & embedded_truth["counts_as_person"]
    ]
    from fupin_analysis.clean import keyed_hash

    keys = set(keyed_hash(refused["true_id_number"], PANEL_SALT, "person"))
    t = embedded_panel.transitions
    unseen = t[(t["year"] == 2016) & (t["state"] == "unobserved")]
    assert set(unseen["person_key"]) <= keys and len(unseen) >= len(keys) - 3
    assert (t.loc[t["person_key"].isin(keys) & (t["year"] == 2016), "state"] != "absent").all()


def test_the_planted_impossible_histories_and_nothing_else(embedded_panel, panel_truth):
    c = embedded_panel.checks
    assert sorted(c["check"].unique()) == ["exit_reversed", "exit_year_changed"]
    reversed_ = panel_truth[panel_truth["event"].fillna("").str.contains("exit_reversed")]
    households = set(reversed_.loc[reversed_["year"] == 2016, "household_key"])
    got = c[c["check"] == "exit_reversed"]
    assert set(got["household_key"]) == households and set(got["year"]) == {2016}
    changed = panel_truth[panel_truth["event"].fillna("").str.contains("exit_year_changed")]
    got = c[c["check"] == "exit_year_changed"]
    assert set(got["household_key"]) == set(changed["household_key"])
    assert got["detail"].str.contains("exit year 2016 in 2016, 2017 in 2017").all()


def test_the_poor_add_up_year_by_year(embedded_panel):
    t = embedded_panel.transitions
    p = embedded_panel.person_years
    for year in embedded_panel.years[1:]:
        y = t[t["year"] == year]
        start = int((p[p["year"] == year - 1]["state"] == "poor").sum())
        end = int((p[p["year"] == year]["state"] == "poor").sum())
        unseen = y[y["group"] == "unobserved"]
        assert end == (
            start + (y["group"] == "entered").sum() - (y["group"] == "left").sum()
            + (unseen["state"] == "poor").sum() - (unseen["from_state"] == "poor").sum()
        ), year  # fmt: skip


def test_no_personal_data_in_the_panel_tables(embedded_panel):
    for table in (embedded_panel.person_years, embedded_panel.household_years,
                  embedded_panel.transitions, embedded_panel.checks):  # fmt: skip
        assert not {"name", "id_number", "household_phone", "person_phone"} & set(table.columns)


# --- hand-made panels -----------------------------------------------------------------


def _roster(rows, refused=()):
    """A clean roster from (person, household, relation, age, status, exit_year[,
    identified, birth]) rows; ``refused``: household keys of refused real persons."""
    members, households = [], {}
    for i, row in enumerate(rows):
        person, household, relation, age, status, exit_year, *rest = row
        identified = rest[0] if rest else 2014
        birth = rest[1] if len(rest) > 1 else None
        members.append({"person_key": person, "household_key": household, "relation": relation,
                        "sex": "男", "birth_date": pd.Timestamp(birth) if birth else pd.NaT,
                        "age": age, "source_row": i + 4})  # fmt: skip
        households.setdefault(household, {
            "household_key": household, "village_code": "430527203203",
            "village_name": "李家村", "designated": True, "members": 0,
            "household_type": "一般贫困户", "main_cause": "因病", "income_per_capita": 2000.0,
            "first_identified": pd.Timestamp(f"{identified}-05-01"),
            "identification_standard": "国家标准", "exit_status": status,
            "exit_year": exit_year, "exited": status.startswith("已脱贫"),
            "relocation_mode": None,
        })  # fmt: skip
    h = pd.DataFrame(list(households.values()))
    h["exit_year"] = h["exit_year"].astype("Int64")
    q = pd.DataFrame({"household_key": list(refused), "counts_as_person": [True] * len(refused)})
    return CleanRoster(pd.DataFrame(members), h, q, pd.DataFrame())


POOR, OUT = "未脱贫", "已脱贫(享受政策)"


def test_a_split_a_merge_and_a_renumbering():
    y2015 = _roster([
        ("dad", "h1", "户主", 60, POOR, None), ("son", "h1", "之子", 30, POOR, None),
        ("wife", "h1", "之儿媳", 28, POOR, None), ("gran", "h2", "户主", 80, POOR, None),
        ("x", "h3", "户主", 40, POOR, None),
    ])  # fmt: skip
    y2016 = _roster([
        ("dad", "h1", "户主", 61, POOR, None), ("gran", "h1", "之母", 81, POOR, None),
        ("son", "h4", "户主", 31, POOR, None), ("wife", "h4", "配偶", 29, POOR, None),
        ("x", "h9", "户主", 41, POOR, None),
    ])  # fmt: skip
    p = panel.link_rosters({2015: [y2015], 2016: [y2016]})
    h = p.household_years.set_index(["year", "household_key"])
    assert h.loc[(2016, "h1"), ["panel_household", "link"]].tolist() == ["2015-h1", "continued"]
    assert h.loc[(2016, "h4"), ["link", "parent"]].tolist() == ["split", "2015-h1"]
    assert h.loc[(2015, "h2"), ["end", "merged_into"]].tolist() == ["merged", "2015-h1"]
    assert h.loc[(2016, "h9"), ["panel_household", "link"]].tolist() == ["2015-h3", "renumbered"]
    assert (p.transitions["transition"] == "stayed").all()


def test_a_household_follows_its_head_when_the_head_moves_out():
    """The head leaves for a new household with the others staying: the household goes
    with the head; the ones left behind are the split."""
    y2015 = _roster([("a", "h1", "户主", 50, POOR, None), ("b", "h1", "之子", 20, POOR, None),
                     ("c", "h1", "之女", 18, POOR, None)])  # fmt: skip
    y2016 = _roster([("a", "h2", "户主", 51, POOR, None), ("b", "h1", "户主", 21, POOR, None),
                     ("c", "h1", "之妹", 19, POOR, None)])  # fmt: skip
    h = panel.link_rosters({2015: [y2015], 2016: [y2016]}).household_years
    h = h.set_index(["year", "household_key"])
    assert h.loc[(2016, "h2"), ["panel_household", "link"]].tolist() == ["2015-h1", "renumbered"]
    assert h.loc[(2016, "h1"), ["panel_household", "link"]].tolist() == ["2016-h1", "split"]


def test_leaving_is_classified_by_who_leaves():
    y2015 = _roster([
        ("a", "h1", "户主", 50, POOR, None), ("b", "h1", "之女", 22, POOR, None),
        ("c", "h2", "户主", 80, POOR, None), ("d", "h2", "配偶", 78, POOR, None),
        ("e", "h3", "户主", 40, POOR, None), ("f", "h3", "之父", 70, POOR, None),
        ("g", "h5", "户主", 45, OUT, 2015),
    ])  # fmt: skip
    y2016 = _roster([
        ("a", "h1", "户主", 51, OUT, 2016), ("baby", "h1", "之孙女", 0, OUT, 2016, 2014,
                                             "2016-03-01"),
        ("wife", "h1", "之儿媳", 25, OUT, 2016, 2014, "1991-02-01"),
        ("n", "h6", "户主", 33, POOR, None, 2016), ("g", "h5", "户主", 46, "返贫", 2015),
    ])  # fmt: skip
    t = panel.link_rosters({2015: [y2015], 2016: [y2016]}).transitions.set_index("person_key")
    got = t[["transition", "source", "group"]].apply(tuple, axis=1).to_dict()
    assert got == {
        "a": ("exited", "field", "left"),
        "b": ("died_or_married_out", "inferred", "left"),
        "c": ("household_gone", "inferred", "left"),
        "d": ("household_gone", "inferred", "left"),
        "e": ("removed", "inferred", "left"),
        "f": ("removed", "inferred", "left"),
        "g": ("returned", "field", "entered"),
        "baby": ("born_or_married_in", "field", "outside"),
        "wife": ("born_or_married_in", "inferred", "outside"),
        "n": ("new", "field", "entered"),
    }


def test_a_person_refused_one_year_is_unobserved_and_comes_back():
    y2015 = _roster([("a", "h1", "户主", 50, POOR, None), ("b", "h1", "配偶", 48, POOR, None)])
    y2016 = _roster([("a", "h1", "户主", 51, POOR, None)], refused=["h1"])
    y2017 = _roster([("a", "h1", "户主", 52, POOR, None), ("b", "h1", "配偶", 50, POOR, None)])
    t = panel.link_rosters({2015: [y2015], 2016: [y2016], 2017: [y2017]}).transitions
    b = t[t["person_key"] == "b"].set_index("year")
    assert b["state"].tolist() == ["unobserved", "poor"]
    assert b["transition"].tolist() == ["unobserved", "unobserved"]
    alone = _roster([("a", "h1", "户主", 51, POOR, None)])
    without = panel.link_rosters({2015: [y2015], 2016: [alone], 2017: [y2017]})
    b = without.transitions[without.transitions["person_key"] == "b"]
    assert b["transition"].tolist() == ["died_or_married_out", "returned"]


def test_impossible_histories_are_flagged():
    y2015 = _roster([("a", "h1", "户主", 50, OUT, 2015), ("b", "h2", "户主", 40, POOR, None),
                     ("c", "h3", "户主", 30, OUT, 2015)])  # fmt: skip
    y2016 = _roster([("a", "h1", "户主", 51, POOR, None), ("b", "h2", "户主", 40, "返贫", None),
                     ("c", "h3", "户主", 31, OUT, 2016)])  # fmt: skip
    c = panel.link_rosters({2015: [y2015], 2016: [y2016]}).checks
    assert c[["check", "household_key"]].values.tolist() == [
        ["exit_reversed", "h1"],
        ["returned_without_exit", "h2"],
        ["exit_year_changed", "h3"],
        ["age_not_advancing", "h2"],
    ]
    assert c["person_key"].isna().tolist() == [True, True, True, False]


def test_a_person_in_two_files_of_one_year():
    y2015 = _roster([("a", "h1", "户主", 50, POOR, None)])
    part1 = _roster([("a", "h1", "户主", 51, POOR, None)])
    part2 = _roster([("a", "h7", "之子", 51, POOR, None), ("z", "h7", "户主", 60, POOR, None)])
    part3 = _roster([("z", "h7", "户主", 60, POOR, None)])
    p = panel.link_rosters({2015: [y2015], 2016: [part1, part2, part3]})
    c = p.checks
    assert c["check"].tolist() == ["person_in_two_households", "person_listed_twice"]
    assert c["detail"].tolist()[0] == "also in household h1"
    assert len(p.person_years[p.person_years["year"] == 2016]) == 2


def test_a_year_cleaned_with_the_wrong_reference_date(make_roster):
    path = make_roster("r.csv")
    rosters = {2015: clean_roster(path, salt="s", reference_date="2015-12-31"),
               2016: clean_roster(path, salt="s", reference_date="2015-12-31")}  # fmt: skip
    c = panel.link_rosters({y: [r] for y, r in rosters.items()}).checks
    assert set(c["check"]) == {"age_not_advancing"} and len(c) == 5
    right = {2015: path, 2016: path}
    assert panel.link_panel(right, salt="s").checks.empty


def test_years_and_rosters_are_given_clearly(tmp_path):
    with pytest.raises(FupinError, match="at least two years"):
        panel.clean_years({2016: RAW / synth.ROSTER_FILE})
    with pytest.raises(FupinError, match="not a year"):
        panel.clean_years({"2016": RAW / synth.ROSTER_FILE, 2017: RAW / synth.ROSTER_FILE})
    with pytest.raises(FupinError, match="YEAR:FILE"):
        panel.parse_rosters("2016 roster.xlsx")
    parts = panel.parse_rosters(["2016=a.xlsx", "2016:b.xlsx"], base=tmp_path)
    assert parts == {2016: [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]}
    found = panel.rosters_by_year(RAW / synth.ROSTER_FILE, 2016, synth.PANEL_FOLDER)
    assert list(found) == list(synth.PANEL_YEARS)
    assert [p.name for p in found[2016]] == [synth.ROSTER_FILE]


# --- fupin panel ------------------------------------------------------------------------


def test_fupin_panel_writes_tables_and_a_private_report(tmp_path, capsys):
    out = tmp_path / "panel"
    args = [f"2015={RAW / synth.panel_file(2015)}", f"2016:{RAW / synth.panel_file(2016)}"]
    assert cli.main(["panel", *args, "--out", str(out), "--salt", "s"]) == 0
    printed = capsys.readouterr().out
    assert "exit_reversed" in printed and "linkage_report" in printed
    person_years = pd.read_parquet(out / "person_years.parquet")
    assert set(person_years["year"]) == {2015, 2016}
    assert not {"name", "id_number"} & set(person_years.columns)
    report = tmp_path / "panel.private" / "panel__linkage_report.csv"
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(report.parent).st_mode) == 0o700
    assert "exit_reversed" in report.read_text(encoding="utf-8-sig")
    assert cli.main(["check", str(out)]) == 0


def test_fupin_panel_refuses_bad_arguments_in_one_line(tmp_path, capsys):
    assert cli.main(["panel", "2016", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "YEAR:FILE" in err
    assert cli.main(["panel", "2015=no.xlsx", "2016=no.csv", "--out", str(tmp_path)]) == 2
    assert "no.xlsx" in capsys.readouterr().err


def test_linkage_summary_counts_the_embedded_panel(embedded_panel):
    summary = panel_outputs.linkage_summary(embedded_panel).set_index("year")
    assert summary.loc[2016, "refused_persons"] == 44
    assert summary.loc[2017, "split_households"] == 10
    assert summary.loc[2017, "merged_households"] == 6
    assert summary.loc[2018, "renumbered_households"] > 40
    report = panel_outputs.linkage_report(embedded_panel)
    assert set(report["kind"]) >= {"split", "merged", "renumbered", "new", "gone", "unobserved"}
    counts = panel_outputs.check_counts(embedded_panel)
    assert counts.set_index(["check", "year"]).loc[("exit_reversed", 2016), "households"] == 2


# --- properties on random panels ----------------------------------------------------------


@st.composite
def random_panels(draw):
    """Three yearly rosters of up to 12 people moving between up to 5 households."""
    years = {}
    for year in (2015, 2016, 2017):
        rows = []
        for person in range(draw(st.integers(2, 12))):
            if draw(st.booleans()) and person:
                continue  # absent this year
            household = draw(st.integers(0, 4))
            status = draw(st.sampled_from([POOR, OUT, "返贫"]))
            rows.append((f"p{person}", f"h{household}", "之子", 30 + year - 2015, status, None))
        heads = {}
        for i, row in enumerate(rows):  # the first person of a household heads it
            if row[1] not in heads:
                heads[row[1]] = i
                rows[i] = (row[0], row[1], "户主", *row[3:])
        statuses = {r[1]: r[4] for r in rows}
        rows = [(*r[:4], statuses[r[1]], 2015 if statuses[r[1]] == OUT else None) for r in rows]
        years[year] = [_roster(rows)]
    return years


@settings(max_examples=20, deadline=None)
@given(random_panels(), st.sampled_from(["x", "y"]))
def test_linking_invariants(years, prefix):
    p = panel.link_rosters(years)
    h = p.household_years
    assert not h.duplicated(["panel_household", "year"]).any()  # one node a year at most
    assert set(h["link"]) <= set(panel.LINKS) and set(h["end"].dropna()) <= set(panel.ENDS)
    t = p.transitions
    assert not t.duplicated(["person_key", "year"]).any()
    assert set(t["transition"]) <= set(panel.TRANSITIONS)
    poor = p.person_years[p.person_years["state"] == "poor"].groupby("year").size()
    for year in (2016, 2017):
        y = t[t["year"] == year]
        change = (y["group"] == "entered").sum() - (y["group"] == "left").sum()
        assert poor.get(year, 0) == poor.get(year - 1, 0) + change
    # renumbering every household of the last year changes nothing but the links
    renamed = dict(years)
    last = years[2017][0]
    renamed[2017] = [CleanRoster(
        last.members.assign(household_key=prefix + last.members["household_key"]),
        last.households.assign(household_key=prefix + last.households["household_key"]),
        last.quarantine, last.quality,
    )]  # fmt: skip
    again = panel.link_rosters(renamed)
    assert again.transitions[["person_key", "year", "transition", "source"]].equals(
        t[["person_key", "year", "transition", "source"]]
    )
    same = again.person_years.groupby("panel_household")["person_key"].apply(frozenset)
    before = p.person_years.groupby("panel_household")["person_key"].apply(frozenset)
    assert sorted(map(sorted, same)) == sorted(map(sorted, before))
