"""The sentences the monitoring notebooks print, computed from their tables.

Each function turns the result of a library function (:mod:`fupin_analysis.quality`,
:mod:`fupin_analysis.indicators`, :mod:`fupin_analysis.assurances`) into Markdown, so
that a notebook states only what the data say: a count, a share or a village list is
read from the tables, never written into the prose. A figure that cannot be computed
(a village without households, a unit the registry lacks) reads "not available" rather
than ``nan%``.

Examples
--------
>>> percent(0.2404), percent(float("nan"))
('24.0%', 'not available')
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .assurances import DIMENSION_LABELS_ZH, AlkireFoster, IncomeOnly, largest_contribution
from .indicators import DesignatedReadings, VillageSummary
from .reference import TOWNSHIP_CODE, Reference, load_reference

__all__ = [
    "NOT_AVAILABLE",
    "percent",
    "cleaning_outcome",
    "assumed_links_note",
    "reproduction_list",
    "designated_reading",
    "exits_and_aid",
    "af_headline",
    "exit_checks_summary",
    "village_header",
    "village_af",
    "village_exits",
]

#: What a sentence says where a figure cannot be computed.
NOT_AVAILABLE = "not available"


def _missing(value: float | None) -> bool:
    return value is None or bool(pd.isna(value))


def percent(value: float | None, digits: int = 1) -> str:
    """A share as a percentage, or :data:`NOT_AVAILABLE` when it is missing.

    Examples
    --------
    >>> percent(0.5, 0), percent(None)
    ('50%', 'not available')
    """
    return NOT_AVAILABLE if _missing(value) else f"{value:.{digits}%}"


def _number(value: float, unit: str) -> str:
    return percent(value) if unit == "比例" else f"{value:,.0f}"


def cleaning_outcome(summary: pd.DataFrame) -> str:
    """What the cleaning kept and refused, and the number to set beside a published total.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``CleanRoster.summary()`` (``item``, ``value``).

    Examples
    --------
    >>> s = pd.DataFrame({"item": ["rows_read", "members", "households", "quarantined",
    ...     "quarantined_persons", "persons"], "value": [110, 100, 30, 10, 4, 104]})
    >>> print(cleaning_outcome(s)[:80])
    Of **110** data rows, **100** people were kept in **30** households and **10** r
    """
    s: Mapping[str, int] = dict(zip(summary["item"], summary["value"], strict=True))
    return (
        f"Of **{s['rows_read']:,}** data rows, **{s['members']:,}** people were kept in "
        f"**{s['households']:,}** households and **{s['quarantined']:,}** rows were refused. "
        f"Of the refused rows, **{s['quarantined_persons']:,}** are real people refused for a "
        "defect (their identity number is missing, mangled or invalid, or their village is "
        "unknown); the others repeat a row or a person already kept. Counting the refused real "
        f"people too gives **{s['persons']:,}** registered persons: this is the number to set "
        "beside a published total, and the quarantined people are the ones to fix at the source."
    )


def assumed_links_note(assumed: pd.Series) -> str:
    """The villages whose people were matched only through an assumed crosswalk link.

    Parameters
    ----------
    assumed : pandas.Series
        :func:`fupin_analysis.quality.assumed_links` (village → people).

    Examples
    --------
    >>> assumed_links_note(pd.Series({"铁坡村": 200})).endswith("care: 铁坡村 (200 people).")
    True
    >>> assumed_links_note(pd.Series(dtype=int)).endswith("none in this roster.")
    True
    """
    villages = ", ".join(f"{v} ({n:,} people)" for v, n in assumed.items())
    return (
        "Names matched through an **assumed** link (the successor unit of a pre-2016 "
        "village name, such as 下铁坡, 利试, 潭泥 or 大湾, is not documented in any public "
        f"source) are kept but must be read with care: {villages or 'none in this roster'}."
    )


def reproduction_list(reproduction: pd.DataFrame) -> str:
    """One Markdown bullet per published figure: roster, with quarantined, published, status.

    Parameters
    ----------
    reproduction : pandas.DataFrame
        :func:`fupin_analysis.indicators.reproduction`.

    Examples
    --------
    >>> rep = pd.DataFrame({"figure": ["registered_people"], "label_zh": ["贫困人口"],
    ...     "unit": ["人"], "value": [6020.0], "quarantined": [44],
    ...     "value_with_quarantined": [6064.0], "published": [6066.0],
    ...     "status": ["differs"], "reason": ["2 fewer than published"]})
    >>> print(reproduction_list(rep))  # doctest: +NORMALIZE_WHITESPACE
    - **贫困人口** (`registered_people`): roster 6,020, with quarantined 6,064, published
      6,066: **differs** (2 fewer than published); 44 refused by the cleaning count towards it.
    """
    lines = []
    for row in reproduction.itertuples():
        status = "reproduced" if row.status == "reproduced" else f"**differs** ({row.reason})"
        extra = (
            f"; {row.quarantined:,.0f} refused by the cleaning count towards it"
            if row.quarantined
            else ""
        )
        lines.append(
            f"- **{row.label_zh}** (`{row.figure}`): roster {_number(row.value, row.unit)}, "
            f"with quarantined {_number(row.value_with_quarantined, row.unit)}, published "
            f"{_number(row.published, row.unit)}: {status}{extra}."
        )
    return "\n".join(lines)


def designated_reading(readings: DesignatedReadings) -> str:
    """The two readings of "占总人口的24%" and which one the summary means.

    The conclusion follows the numbers: the reading that rounds to the published whole
    percent is named as the one meant; when neither does, the sentence says so.

    Examples
    --------
    >>> r = DesignatedReadings(1597.0, 32000, 6650, 1597 / 32000, 1597 / 6650, 0.24)
    >>> "which rounds to the published 24%" in designated_reading(r)
    True
    """
    published = f"{readings.published:.0%}"
    literal_fits = round(readings.share_of_township, 2) == round(readings.published, 2)
    plausible_fits = round(readings.incidence, 2) == round(readings.published, 2)
    if plausible_fits and not literal_fits:
        verdict = (
            f"which rounds to the published {published}. The figure is therefore the "
            "designated villages' poverty incidence, and “总人口” means those villages' "
            "population, not the township's."
        )
    elif literal_fits:
        verdict = (
            f"while the township reading rounds to the published {published}: “总人口” is "
            "then the township's population."
        )
    else:
        verdict = f"and neither reading rounds to the published {published}."
    far = "" if literal_fits else f", nowhere near {published}"
    return (
        "### The ambiguous “24%”\n\n"
        f"The summary says the 11 designated villages had 1,597 poor people, "
        f"“占总人口的24%”. Against the township's population "
        f"({readings.township_population:,}) the roster's designated-village poor are "
        f"{percent(readings.share_of_township)}{far}. "
        f"Against the designated villages' own registered population "
        f"({readings.designated_population:,}) they are {percent(readings.incidence)}, "
        f"{verdict} The published value is rounded to whole percent, so a difference below "
        "half a point is rounding."
    )


def _total(table: pd.DataFrame) -> pd.Series:
    return table.set_index("village_code").loc[TOWNSHIP_CODE]


def exits_and_aid(
    exits: pd.DataFrame, education: pd.DataFrame, year: int, reference: Reference | None = None
) -> str:
    """The year's exits against the county target, and the education aid the rates imply.

    Parameters
    ----------
    exits, education : pandas.DataFrame
        :func:`fupin_analysis.indicators.exits_by_village` and
        :func:`~fupin_analysis.indicators.education_aid`, with their 合计 rows.
    year : int
    reference : Reference, optional
        The county target (``policy.exit_target_people_2016``).

    Examples
    --------
    >>> ex = pd.DataFrame({"village_code": [TOWNSHIP_CODE], "exited_people": [1777.0],
    ...                    "exit_share": [0.29]})
    >>> ed = pd.DataFrame({"village_code": [TOWNSHIP_CODE], "total_cost_yuan": [3000],
    ...                    "primary_students": [1], "secondary_students": [1]})
    >>> print(exits_and_aid(ex, ed, 2016))  # doctest: +NORMALIZE_WHITESPACE
    In 2016 the roster records 1,777 people exited (29.0% of the registered), against a
    county target of 1,458. Education aid at the published rates comes to 3,000 yuan for 1
    pupils at 小学及以下 and 1 at 初、高中.
    """
    reference = reference or load_reference()
    total, edu = _total(exits), _total(education)
    return (
        f"In {year} the roster records {int(total['exited_people']):,} people exited "
        f"({percent(total['exit_share'])} of the registered), against a county target of "
        f"{reference.policy.exit_target_people_2016:,.0f}. Education aid at the published rates "
        f"comes to {int(edu['total_cost_yuan']):,} yuan for {int(edu['primary_students']):,} "
        f"pupils at 小学及以下 and {int(edu['secondary_students']):,} at 初、高中."
    )


def af_headline(
    result: AlkireFoster, alone: IncomeOnly, *, units: str = "households"
) -> str:
    """H, A and M0 of the township, the largest contribution, and the income-only share.

    Parameters
    ----------
    result : AlkireFoster
        :func:`fupin_analysis.assurances.alkire_foster` without groups.
    alone : IncomeOnly
        :func:`fupin_analysis.assurances.income_only`.
    units : str
        What the index counts (``households`` or ``people``).

    Examples
    --------
    >>> from fupin_analysis.assurances import DIMENSIONS, alkire_foster, income_only
    >>> dep = pd.DataFrame({"income": [True, True, True], "education": [True, False, False],
    ...     "medical": [False] * 3, "housing": [False] * 3, "water": [False] * 3})
    >>> print(af_headline(alkire_foster(dep, k=0.4), income_only(dep)))
    ... # doctest: +NORMALIZE_WHITESPACE
    Across the township 33.3% of registered households are multidimensionally poor at
    k = 0.40; on average they are deprived in 40% of the weighted dimensions, so
    M0 = 0.133. The largest contribution comes from 吃穿不愁(收入) (50%). 66.7% of
    registered households (2 of 3) fall short on income alone, which by itself does not
    reach the cut-off: the index picks out the households whose income poverty comes with
    a failed guarantee.
    """
    row = result.index.iloc[0]
    k = float(row["k"])
    top = largest_contribution(result.dimensions)
    if top is None:
        largest = "No dimension contributes: no unit reaches the cut-off."
    else:
        label = DIMENSION_LABELS_ZH.get(top["dimension"], top["dimension"])
        largest = f"The largest contribution comes from {label} ({top['contribution']:.0%})."
    income_weight = result.dimensions.set_index("dimension")["weight"].get("income", 0.0)
    reaches = income_weight >= k - 1e-9
    consequence = (
        "which by itself reaches the cut-off, so they count as multidimensionally poor."
        if reaches
        else "which by itself does not reach the cut-off: the index picks out the households "
        "whose income poverty comes with a failed guarantee."
    )
    return (
        f"Across the township {percent(row['H'])} of registered {units} are "
        f"multidimensionally poor at k = {k:.2f}; on average they are deprived in "
        f"{percent(row['A'], 0)} of the weighted dimensions, so M0 = {row['M0']:.3f}. "
        f"{largest} {percent(alone.share)} of registered households ({alone.households:,} of "
        f"{alone.of:,}) fall short on income alone, {consequence}"
    )


def exit_checks_summary(
    checks: pd.DataFrame, exit_line: pd.DataFrame, reference: Reference | None = None
) -> str:
    """False exits, eligible households not exited, and units under the village exit line.

    Parameters
    ----------
    checks : pandas.DataFrame
        :func:`fupin_analysis.assurances.exit_checks`.
    exit_line : pandas.DataFrame
        :func:`fupin_analysis.assurances.village_exit_line`.
    reference : Reference, optional
        The exit line (``policy.village_exit_incidence``).

    Examples
    --------
    >>> c = pd.DataFrame({"false_exit": [True, False], "eligible_not_exited": [False, True]})
    >>> line = pd.DataFrame({"village_name": ["李家村", "城内社区"], "designated": [True, False],
    ...                      "below_line": [False, True]})
    >>> print(exit_checks_summary(c, line))  # doctest: +NORMALIZE_WHITESPACE
    1 households are marked exited but fail a criterion; 1 meet every criterion but are
    still registered. 1 of 2 units have a remaining poverty incidence under the 2% village
    exit line; designated villages among them: none.
    """
    reference = reference or load_reference()
    below = exit_line["below_line"].fillna(False).astype(bool)
    designated = exit_line["designated"].fillna(False).astype(bool)
    designated_below = exit_line.loc[below & designated, "village_name"].tolist()
    return (
        f"{int(checks['false_exit'].sum())} households are marked exited but fail a "
        f"criterion; {int(checks['eligible_not_exited'].sum())} meet every criterion but are "
        f"still registered. {int(below.sum())} of {len(exit_line)} units have a "
        f"remaining poverty incidence under the {reference.policy.village_exit_incidence:.0%} "
        f"village exit line; designated villages among them: "
        f"{'、'.join(designated_below) or 'none'}."
    )


def village_header(summary: VillageSummary) -> str:
    """The heading of a village profile: name, code, designation, population, registered poor.

    Examples
    --------
    >>> s = VillageSummary("430527203203", "李家村", True, 600, 1, 3, 0.005)
    >>> print(village_header(s))  # doctest: +NORMALIZE_WHITESPACE
    ## 李家村 (430527203203)
    <BLANKLINE>
    省定贫困村 (provincial-designated poor village); registered population 600; 1
    registered poor households with 3 people (0.5% of the population).
    >>> print(village_header(s._replace(population=None, households=0, people=0, share=None)))
    ... # doctest: +NORMALIZE_WHITESPACE
    ## 李家村 (430527203203)
    <BLANKLINE>
    省定贫困村 (provincial-designated poor village); registered population not available;
    no registered poor households in the roster.
    """
    designation = (
        "省定贫困村 (provincial-designated poor village)" if summary.designated else "非省定贫困村"
    )
    population = (
        f"{summary.population:,}" if summary.population is not None else NOT_AVAILABLE
    )
    if summary.households == 0 and summary.people == 0:
        poor = "no registered poor households in the roster"
    else:
        share = (
            "" if summary.share is None else f" ({percent(summary.share)} of the population)"
        )
        poor = (
            f"{summary.households:,} registered poor households with {summary.people:,} "
            f"people{share}"
        )
    return (
        f"## {summary.name} ({summary.code})\n\n{designation}; registered population "
        f"{population}; {poor}."
    )


def village_af(village: AlkireFoster, township: AlkireFoster, name: str) -> str:
    """A village's multidimensional headcount H and M0 beside the township's.

    A village without households has neither: the sentence says so.

    Examples
    --------
    >>> from fupin_analysis.assurances import alkire_foster
    >>> dep = pd.DataFrame({"income": [True, False], "education": [True, False],
    ...     "medical": [False] * 2, "housing": [False] * 2, "water": [False] * 2})
    >>> village_af(alkire_foster(dep.iloc[:0], k=0.4), alkire_foster(dep, k=0.4), "李家村")
    ... # doctest: +NORMALIZE_WHITESPACE
    'Multidimensional poverty (k = 0.40): H and M0 not available in 李家村 (no registered
    households in the roster); township H = 50.0%, M0 = 0.200.'
    """
    own, town = village.index.iloc[0], township.index.iloc[0]
    k = float(town["k"])
    if own["units"] > 0:
        here = f"H = {percent(own['H'])}, M0 = {own['M0']:.3f} in {name}"
    else:
        here = f"H and M0 {NOT_AVAILABLE} in {name} (no registered households in the roster)"
    return (
        f"Multidimensional poverty (k = {k:.2f}): {here}; township H = {percent(town['H'])}, "
        f"M0 = {town['M0']:.3f}."
    )


def village_exits(
    checks: pd.DataFrame, exit_line: pd.DataFrame, reference: Reference | None = None
) -> str:
    """A village's exits, the exit checks, and its remaining incidence against the line.

    Parameters
    ----------
    checks : pandas.DataFrame
        :func:`fupin_analysis.assurances.exit_checks` of the village's households.
    exit_line : pandas.DataFrame
        :func:`fupin_analysis.assurances.village_exit_line` of the village (one row, or
        none when the registry lacks it).
    reference : Reference, optional

    Examples
    --------
    >>> c = pd.DataFrame({"exited": [True, True], "false_exit": [True, False],
    ...                   "eligible_not_exited": [False, False]})
    >>> print(village_exits(c, pd.DataFrame({"incidence_remaining": []})))
    ... # doctest: +NORMALIZE_WHITESPACE
    2 households exited; 1 of them fail a criterion and 0 households meet every criterion
    but are still registered. Remaining incidence not available (no population).
    """
    reference = reference or load_reference()
    remaining = exit_line["incidence_remaining"]
    incidence = (
        f"{percent(remaining.iloc[0])} against the "
        f"{reference.policy.village_exit_incidence:.0%} village exit line"
        if len(remaining) and not _missing(remaining.iloc[0])
        else f"{NOT_AVAILABLE} (no population)"
    )
    return (
        f"{int(checks['exited'].sum())} households exited; "
        f"{int(checks['false_exit'].sum())} of them fail a criterion and "
        f"{int(checks['eligible_not_exited'].sum())} households meet every criterion but are "
        f"still registered. Remaining incidence {incidence}."
    )
