"""Tests of fupin_analysis.quality (what came in and what came out of a cleaning run) and
the data-quality sentences of fupin_analysis.findings: the tables notebook 01 shows."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import HEADERS, small_rows

from fupin_analysis import clean_roster, findings, quality, read_roster
from fupin_analysis.reference import load_crosswalk
from fupin_analysis.schema import ROSTER_COLUMNS


@pytest.fixture
def small(make_roster):
    """A five-person roster as the national system exports it: raw and clean."""
    raw = read_roster(make_roster("small.xlsx"))
    return raw, clean_roster(raw)


def test_intake_says_how_the_file_was_read(small):
    raw, _ = small
    items = quality.intake(raw).set_index("item")["value"].to_dict()
    assert items == {
        "file": "small.xlsx",
        "sheet": "贫困人口",
        "header row": "3",  # two title rows, then the headers
        "encoding": "",
        "data rows": "5",
        "unknown columns": "none",
    }


def test_intake_of_a_csv_names_its_encoding_and_unknown_columns(make_roster):
    rows = [row + ["备注"] for row in small_rows()]
    raw = read_roster(make_roster("r.csv", rows, headers=[*HEADERS, "备注栏"]))
    items = quality.intake(raw).set_index("item")["value"]
    assert items["encoding"] == "gb18030"
    assert items["sheet"] == ""
    assert items["unknown columns"] == "备注栏"


def test_roster_columns_present_and_missing(small):
    raw, _ = small
    columns = quality.roster_columns(raw)
    assert columns["column"].tolist() == [c.name for c in ROSTER_COLUMNS]
    present = set(columns.loc[columns["present"], "column"])
    assert present == set(raw.columns) - {"source_file", "source_sheet", "source_row"}
    assert {"village", "household_id", "name", "id_number"} <= present
    missing = quality.missing_columns(raw)
    assert set(missing["column"]) == {c.name for c in ROSTER_COLUMNS} - present
    assert "在校生状况" in missing["header"].tolist()
    # every required column of the national system is in this file
    assert not missing["required"].any()


def test_rules_applied_keeps_the_rules_that_touched_rows(small):
    _, clean = small
    rules = quality.rules_applied(clean.quality)
    touched = clean.quality[clean.quality["rows"] > 0]
    assert rules["rule"].tolist() == touched["rule"].tolist()
    assert rules["refused"].tolist() == touched["action"].str.startswith("quarantined").tolist()


def test_rules_applied_marks_refusals(make_roster):
    rows = small_rows()
    rows[0][5] = "4.30527E+17"  # Excel mangled the identity number
    rules = quality.rules_applied(clean_roster(read_roster(make_roster("r.xlsx", rows))).quality)
    row = rules.set_index("rule").loc["id_mangled"]
    assert row["rows"] == 1 and row["refused"]
    assert not rules.set_index("rule").loc["value_aliased", "refused"]


def test_village_evidence_counts_every_kept_person(small):
    _, clean = small
    evidence = quality.village_evidence(clean.households)
    # 李家村 matches by its official name, 表田村 through the code shift of the merger;
    # villages in ascending order of people (a bar chart read from the top).
    assert evidence.to_dict("index") == {
        "表田村": {"code_shift": 2, "official_name": 0},
        "李家村": {"code_shift": 0, "official_name": 3},
    }
    assert quality.assumed_links(evidence).empty
    assert findings.assumed_links_note(quality.assumed_links(evidence)).endswith(
        "none in this roster."
    )


def test_embedded_assumed_links_are_the_crosswalks_assumed_successors(clean_embedded):
    evidence = quality.village_evidence(clean_embedded.households)
    assert int(evidence.to_numpy().sum()) == len(clean_embedded.members)
    totals = evidence.sum(axis=1).tolist()
    assert totals == sorted(totals)
    assumed = quality.assumed_links(evidence)
    crosswalk = load_crosswalk()
    successors = set(crosswalk.loc[crosswalk["evidence"] == "assumed", "code"])
    households = clean_embedded.households
    assumed_codes = set(households.loc[households["village_name"].isin(assumed.index),
                                       "village_code"])  # fmt: skip
    assert assumed_codes == successors
    for village, people in assumed.items():
        kept = households[
            (households["village_name"] == village) & (households["village_evidence"] == "assumed")
        ]
        assert people == kept["members"].sum() > 0
    note = findings.assumed_links_note(assumed)
    assert all(f"{v} ({n:,} people)" in note for v, n in assumed.items())


def test_cleaning_outcome_sentence_reads_the_summary(small):
    _, clean = small
    text = findings.cleaning_outcome(clean.summary(), min_count=1)
    assert text.startswith("Of **5** data rows, **5** people were kept in **2** households")
    assert "**0** rows were refused" in text and "**5** registered persons" in text
    protected = findings.cleaning_outcome(clean.summary())  # two households: a small count
    assert "people were kept in **<3** households" in protected


def test_quarantine_reasons_table_has_no_index_column(clean_embedded):
    reasons = clean_embedded.quarantine_by_reason()
    assert reasons.columns.tolist() == ["reason", "rows", "real_persons"]
    assert isinstance(reasons.index, pd.RangeIndex)
    assert reasons["rows"].sum() == len(clean_embedded.quarantine)


def test_quality_tables_and_sentences_hold_no_personal_data(make_roster):
    rows = small_rows()
    rows[0][5] = "4.30527E+17"
    raw = read_roster(make_roster("r.xlsx", rows))
    clean = clean_roster(raw)
    evidence = quality.village_evidence(clean.households)
    shown = [
        quality.intake(raw),
        quality.roster_columns(raw),
        quality.rules_applied(clean.quality),
        evidence.reset_index(),
        clean.summary(),
        clean.quarantine_by_reason(),
    ]
    text = "\n".join(frame.to_csv() for frame in shown)
    text += findings.cleaning_outcome(clean.summary())
    text += findings.assumed_links_note(quality.assumed_links(evidence))
    for row in rows:  # names, identity numbers, phone numbers
        for value in (row[4], row[5], row[17]):
            assert value not in text


def test_published_quality_masks_names_typed_in_the_village_column(make_roster):
    rows = small_rows()
    for row in rows[:3]:
        row[2] = "王秀英"  # a person's name typed where the village belongs
    for row in rows[3:]:
        row[2] = "张三"
    clean = clean_roster(read_roster(make_roster("typed.xlsx", rows)))
    full = clean.quality.set_index("rule").loc["unknown_village", "detail"]
    assert "王秀英" in full and "张三" in full  # the cleaning's own table keeps them

    shown = quality.published(clean.quality, min_count=3)
    text = shown.to_csv()
    assert "王秀英" not in text and "张三" not in text
    detail = shown.set_index("rule").loc["unknown_village", "detail"]
    assert "王**: 3" in detail and "张*: <3" in detail
    other = shown["rule"] != "unknown_village"
    assert shown[other].equals(clean.quality[other])
