"""Tests of fupin_analysis.findings: the sentences the monitoring notebooks print say what
the tables say, and "not available" where a figure cannot be computed."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from fupin_analysis import assurances as asr
from fupin_analysis import findings
from fupin_analysis.indicators import DesignatedReadings, VillageSummary
from fupin_analysis.reference import TOWNSHIP_CODE

DIMS = list(asr.DIMENSIONS)


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(0.2404, 1, "24.0%"), (1.0, 0, "100%"), (float("nan"), 1, "not available"),
     (None, 1, "not available"), (pd.NA, 1, "not available")],
)  # fmt: skip
def test_percent(value, digits, text):
    assert findings.percent(value, digits) == text


def _reproduction(**overrides) -> pd.DataFrame:
    base = {
        "figure": ["registered_people", "designated_incidence"],
        "label_zh": ["贫困人口", "省定贫困村贫困发生率"],
        "unit": ["人", "比例"],
        "value": [6022.0, 0.2383],
        "quarantined": [44.0, 0.0],
        "value_with_quarantined": [6066.0, 0.2383],
        "published": [6066.0, 0.24],
        "status": ["reproduced", "reproduced"],
        "reason": ["", ""],
    }
    return pd.DataFrame(base | overrides)


def test_reproduction_list_one_line_per_figure():
    lines = findings.reproduction_list(_reproduction()).split("\n")
    assert lines == [
        "- **贫困人口** (`registered_people`): roster 6,022, with quarantined 6,066, published "
        "6,066: reproduced; 44 refused by the cleaning count towards it.",
        "- **省定贫困村贫困发生率** (`designated_incidence`): roster 23.8%, with quarantined "
        "23.8%, published 24.0%: reproduced.",
    ]


def test_reproduction_list_gives_the_reason_of_a_difference():
    rep = _reproduction(status=["differs", "reproduced"], reason=["2 fewer than published", ""])
    assert ": **differs** (2 fewer than published); 44 refused" in findings.reproduction_list(rep)


def test_designated_reading_names_the_reading_that_fits():
    plausible = DesignatedReadings(1597.0, 32000, 6650, 1597 / 32000, 1597 / 6650, 0.24)
    text = findings.designated_reading(plausible)
    assert "are 5.0%, nowhere near 24%." in text
    assert "they are 24.0%, which rounds to the published 24%." in text
    assert "the designated villages' poverty incidence" in text
    literal = plausible._replace(share_of_township=0.241, incidence=0.9)
    text = findings.designated_reading(literal)
    assert "nowhere near" not in text
    assert "while the township reading rounds to the published 24%" in text
    neither = plausible._replace(incidence=0.30)
    assert "neither reading rounds to the published 24%" in findings.designated_reading(neither)
    assert "therefore" not in findings.designated_reading(neither)


def test_exits_and_aid_reads_the_total_rows_wherever_they_are():
    exits = pd.DataFrame({"village_code": [TOWNSHIP_CODE, "430527203203"],
                          "exited_people": [1759.0, 5.0], "exit_share": [0.2921, 0.5]})
    edu = pd.DataFrame({"village_code": ["430527203203", TOWNSHIP_CODE],
                        "total_cost_yuan": [1000, 1391000], "primary_students": [1, 705],
                        "secondary_students": [0, 343]})  # fmt: skip
    text = findings.exits_and_aid(exits, edu, 2016)
    assert text.startswith("In 2016 the roster records 1,759 people exited (29.2% of the")
    assert "against a target of 1,458" in text
    assert "1,391,000 yuan for 705 pupils at 小学及以下 and 343 at 初、高中." in text


def test_exits_and_aid_of_a_township_without_published_figures(tmp_path):
    from fupin_analysis.project import init_project
    from fupin_analysis.reference import load_reference

    ref = load_reference(init_project("522634101", tmp_path / "xj") / "reference")
    exits = pd.DataFrame({"village_code": ["522634101", "522634101204"],
                          "exited_people": [2.0, 2.0], "exit_share": [0.1, 0.1]})
    edu = pd.DataFrame({"village_code": ["522634101"], "primary_students": [4],
                        "secondary_students": [0]})  # fmt: skip
    text = findings.exits_and_aid(exits, edu, 2016, ref)
    assert text == (
        "In 2016 the roster records <3 people exited. No education aid rates are published "
        "for this township: 4 pupils at 小学及以下 and 0 at 初、高中."
    )
    assert "1,458" not in text and "target" not in text


def _deprivations(rows: list[list[bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=DIMS)


def test_af_headline_when_income_alone_reaches_the_cut_off():
    dep = _deprivations([[True, False, False, False, False], [True, True, False, False, False]])
    af, alone = asr.alkire_foster(dep, k=0.2), asr.income_only(dep)
    text = findings.af_headline(af, alone, min_count=1)
    assert text.startswith("Across the township 100.0% of registered households are")
    assert "50.0% of registered households (1 of 2) fall short on income alone" in text
    # below the disclosure threshold the count, and the share that gives it away, are hidden
    assert "<3 of <3 registered households fall short" in findings.af_headline(af, alone)
    assert "50.0%" not in findings.af_headline(af, alone)
    assert text.endswith("which by itself reaches the cut-off, so they count as "
                         "multidimensionally poor.")  # fmt: skip


def test_af_headline_when_nobody_is_poor():
    dep = _deprivations([[False, False, False, False, True], [True, False, False, False, False]])
    text = findings.af_headline(asr.alkire_foster(dep, k=0.4), asr.income_only(dep),
                                units="people")  # fmt: skip
    assert "0.0% of registered people are multidimensionally poor" in text
    assert "No dimension contributes: no unit reaches the cut-off." in text
    assert "does not reach the cut-off" in text


def test_exit_checks_summary_lists_designated_villages_under_the_line():
    checks = pd.DataFrame({"false_exit": [True, True, False],
                           "eligible_not_exited": [False, False, True]})  # fmt: skip
    line = pd.DataFrame({"village_name": ["李家村", "竹桥村", "城内社区"],
                         "designated": [True, True, False], "below_line": [True, True, True]})
    text = findings.exit_checks_summary(checks, line, min_count=1)
    assert text.startswith("2 households are marked exited but fail a criterion; 1 meet")
    protected = findings.exit_checks_summary(checks, line)
    assert protected.startswith("<3 households are marked exited but fail a criterion; <3 ")
    assert "3 of 3 units have a remaining poverty incidence under the 2%" in text
    assert text.endswith("designated villages among them: 李家村、竹桥村.")


def test_village_header():
    s = VillageSummary("430527203207", "长溪村", False, 900, 12, 40, 40 / 900)
    assert findings.village_header(s) == (
        "## 长溪村 (430527203207)\n\n非省定贫困村; registered population 900; 12 registered "
        "poor households with 40 people (4.4% of the population)."
    )
    no_population = s._replace(population=None, share=None)
    assert findings.village_header(no_population).endswith(
        "registered population not available; 12 registered poor households with 40 people."
    )
    two = s._replace(households=2, people=9, share=9 / 900)
    assert findings.village_header(two).endswith(
        "registered population 900; <3 registered poor households with <3 people."
    )
    assert findings.village_header(two, min_count=2).endswith(
        "2 registered poor households with 9 people (1.0% of the population)."
    )


@pytest.mark.parametrize(
    ("summary", "shown"),
    [({"rows_read": 9, "members": 7, "households": 3, "quarantined": 2,
       "quarantined_persons": 1, "persons": 8}, ["9", "7", "3", "<3", "<3", "8"])],
)  # fmt: skip
def test_cleaning_outcome_hides_small_counts(summary, shown):
    table = pd.DataFrame({"item": list(summary), "value": list(summary.values())})
    text = findings.cleaning_outcome(table)
    assert [m for m in re.findall(r"\*\*([^*]+)\*\*", text)] == shown
    assert "**2**" in findings.cleaning_outcome(table, min_count=1)


def test_reproduction_list_hides_small_counts_of_people_not_shares():
    rep = _reproduction(value=[2.0, 0.2383], value_with_quarantined=[2.0, 0.2383],
                        quarantined=[1.0, 0.0])  # fmt: skip
    first, second = findings.reproduction_list(rep).split("\n")
    assert "roster <3, with quarantined <3, published 6,066" in first
    assert "<3 refused by the cleaning" in first
    assert "roster 23.8%" in second


def test_village_af_and_exits():
    dep = _deprivations([[True, True, False, False, False], [False] * 5]).assign(
        village_code=["v", "w"]
    )
    village = asr.alkire_foster(dep[dep["village_code"] == "v"], k=0.4)
    township = asr.alkire_foster(dep, k=0.4)
    assert findings.village_af(village, township, "李家村") == (
        "Multidimensional poverty (k = 0.40): H = 100.0%, M0 = 0.400 in 李家村; "
        "township H = 50.0%, M0 = 0.200."
    )
    checks = pd.DataFrame({"exited": [True, True, False], "false_exit": [True, False, False],
                           "eligible_not_exited": [False, False, True]})  # fmt: skip
    line = pd.DataFrame({"incidence_remaining": [0.0125]})
    assert findings.village_exits(checks, line, min_count=1) == (
        "2 households exited; 1 of them fail a criterion and 1 households meet every "
        "criterion but are still registered. Remaining incidence 1.2% against the 2% "
        "village exit line."
    )
    # issue 15: "1 of them fail a criterion" points at a family
    assert findings.village_exits(checks, line).startswith(
        "<3 households exited; <3 of them fail a criterion and <3 households meet"
    )
    nan_line = pd.DataFrame({"incidence_remaining": [float("nan")]})
    assert findings.village_exits(checks, nan_line).endswith(
        "Remaining incidence not available (no population)."
    )
