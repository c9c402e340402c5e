"""The sentences the monitoring notebooks print, computed from their tables.

Each function turns the result of a library function (:mod:`fupin_analysis.quality`,
:mod:`fupin_analysis.indicators`, :mod:`fupin_analysis.assurances`) into Markdown, so
that a notebook states only what the data say: a count, a share or a village list is
read from the tables, never written into the prose. A figure that cannot be computed
(a village without households, a unit the registry lacks) reads "not available" rather
than ``nan%``. Counts of people or households below the disclosure threshold
(``min_count``, as in the published tables: :mod:`fupin_analysis.disclosure`) read
``<3``.

Examples
--------
>>> percent(0.2404), percent(float("nan"))
('24.0%', 'not available')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from .assurances import DIMENSION_LABELS_ZH, AlkireFoster, IncomeOnly, largest_contribution
from .disclosure import DEFAULT_THRESHOLD, shown_count
from .indicators import DesignatedReadings, VillageSummary
from .reference import Reference, load_reference
from .relocation import ScatteredSummary

__all__ = [
    "year_span",
    "geography_cleaning",
    "NOT_AVAILABLE",
    "percent",
    "place_heading",
    "units_reading",
    "published_relocation",
    "scattered_moves",
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


def place_heading(reference: Reference, what: str = "") -> str:
    """The heading a page gives its township (or county), read from the reference folder.

    Examples
    --------
    >>> place_heading(load_reference(), "2016")
    '## 寨市乡 (寨市苗族侗族乡, 430527203) · 2016'
    """
    place = reference.place
    if not place.code:
        name = f"{len(reference.villages)} village-level units"
    elif place.short == place.name:
        name = f"{place.short} ({place.code})"
    else:
        name = f"{place.short} ({place.name}, {place.code})"
    return f"## {name}" + (f" · {what}" if what else "")


def year_span(years: Iterable[int]) -> str:
    """The years a page covers, as its heading writes them.

    Examples
    --------
    >>> year_span([2016]), year_span([2014, 2016, 2015])
    ('2016', '2014–2016')
    """
    first, last = min(years), max(years)
    return f"{first}" if first == last else f"{first}–{last}"


def units_reading(units: pd.DataFrame, *, polygons: bool = False) -> str:
    """What the table of units says: kinds of unit, designation and its links, points.

    Parameters
    ----------
    units : pandas.DataFrame
        :func:`fupin_analysis.geo.units_overview` (``urban_rural``, ``designated``,
        ``designation_link``, ``designated_name``, ``name``, ``lon_wgs84``).
    polygons : bool
        Whether the map draws village polygons from a geography file.

    Examples
    --------
    >>> units = pd.DataFrame({"name": ["李家村", "铁坡村", "城内社区"],
    ...     "urban_rural": ["220", "220", "121"], "designated": [True, True, False],
    ...     "designated_name": ["李家", "下铁坡", None],
    ...     "designation_link": ["same_name", "assumed", None],
    ...     "lon_wgs84": [110.0, None, None]})
    >>> print(units_reading(units))  # doctest: +NORMALIZE_WHITESPACE
    * 3 village-level units: 2 rural villages (urban-rural code 220) and 1 urban or
      near-urban units (codes 1xx).
    * 2 are provincial-designated poor villages; 1 match today's units by name, and 1 are
      linked through an **assumed** crosswalk link (铁坡村 for 下铁坡): a working
      hypothesis, not a fact.
    * 1 of 3 units have a published point (web-map geocoding of uneven quality, so
      approximate); the others are not drawn as points.
    """
    rural = units["urban_rural"].astype("string").eq("220").fillna(False)
    designated = units["designated"].fillna(False).astype(bool)
    assumed = designated & units["designation_link"].astype("string").eq("assumed").fillna(False)
    lines = [
        f"* {len(units)} village-level units: {int(rural.sum())} rural villages (urban-rural "
        f"code 220) and {int((~rural).sum())} urban or near-urban units (codes 1xx)."
    ]
    if designated.any():
        links = ", ".join(
            f"{name} for {old}"
            for name, old in zip(units.loc[assumed, "name"], units.loc[assumed, "designated_name"],
                                 strict=True)
        )  # fmt: skip
        via = (
            f", and {int(assumed.sum())} are linked through an **assumed** crosswalk link "
            f"({links}): a working hypothesis, not a fact"
            if assumed.any()
            else ""
        )
        lines.append(
            f"* {int(designated.sum())} are provincial-designated poor villages; "
            f"{int((designated & ~assumed).sum())} match today's units by name{via}."
        )
    else:
        lines.append(
            "* No unit is marked as a provincial-designated poor village (省定贫困村): mark "
            "them in the reference folder's villages.csv (`designated`)."
        )
    points = int(units["lon_wgs84"].notna().sum())
    lines.append(
        f"* {points} of {len(units)} units have a published point (web-map geocoding of "
        "uneven quality, so approximate); the others are not drawn as points."
    )
    if polygons:
        lines.append(
            "* Village boundaries are not published anywhere: the polygons of a geography "
            "file are approximations unless surveyed, drawn to show neighbourhood only."
        )
    return "\n".join(lines)


def geography_cleaning(quality: pd.DataFrame) -> str:
    """What cleaning did to the geography, from :func:`fupin_analysis.geo.clean_geography`'s
    quality table (``layer``, ``rule``, ``rows``, ``action``).

    Examples
    --------
    >>> q = pd.DataFrame({"layer": ["villages", "villages", "roads"],
    ...     "rule": ["swapped_lonlat", "name_normalised", "empty_geometry"],
    ...     "rows": [1, 0, 2], "action": ["swapped back", "normalised", "dropped"]})
    >>> print(geography_cleaning(q))  # doctest: +NORMALIZE_WHITESPACE
    Cleaning changed the geography: villages: swapped_lonlat 1 (swapped back);
    roads: empty_geometry 2 (dropped).
    >>> geography_cleaning(q.assign(rows=0))
    'The geography needed no cleaning: every rule found 0 features.'
    """
    counted = quality[(quality["rows"] > 0) & (quality["rule"] != "multipart_feature")]
    unchecked = quality.loc[quality["action"].str.startswith("not checked"), "rule"].unique()
    note = (
        f" Not checked: {', '.join(unchecked)} (the county's extent is unknown)."
        if len(unchecked)
        else ""
    )
    if counted.empty:
        return "The geography needed no cleaning: every rule found 0 features." + note
    done = "; ".join(
        f"{layer}: " + ", ".join(f"{r.rule} {r.rows} ({r.action})" for r in rows.itertuples())
        for layer, rows in counted.groupby("layer", sort=False)
    )
    return f"Cleaning changed the geography: {done}." + note


def published_relocation(reference: Reference, year: int | None = None) -> str:
    """What the published figures say about relocation, or that they say nothing.

    Examples
    --------
    >>> print(published_relocation(load_reference(), 2016))  # doctest: +NORMALIZE_WHITESPACE
    The published figures give 41 households / 146 people in scattered resettlement and
    71 households / 261 people in concentrated resettlement, on 8.5 mu of site land.
    """
    value = reference.published_value
    parts = []
    for mode in ("scattered", "concentrated"):
        households, people = value(f"{mode}_households", year), value(f"{mode}_people", year)
        if not (_missing(households) or _missing(people)):
            parts.append(
                f"{households:,.0f} households / {people:,.0f} people in {mode} resettlement"
            )
    if not parts:
        return "No relocation figures are published for this township (published.csv)."
    site = value("concentrated_site_mu", year)
    land = "" if _missing(site) else f", on {site:g} mu of site land"
    return f"The published figures give {' and '.join(parts)}{land}."


def scattered_moves(summary: ScatteredSummary, *, min_count: int = DEFAULT_THRESHOLD) -> str:
    """The scattered moves in a sentence: nearer the road, down the mountain, how far.

    The people of hidden households are hidden with them.

    Examples
    --------
    >>> s = ScatteredSummary(3, 2, 1, 2, 2, 9, 1000.0)
    >>> print(scattered_moves(s))  # doctest: +NORMALIZE_WHITESPACE
    1 of 2 villages with scattered moves (<3 households, <3 people in the roster) moved
    nearer the road; 2 moved down. Median move 1000 m.
    """
    households = shown_count(summary.households, min_count)
    people = households if households.startswith("<") else shown_count(summary.people, min_count)
    return (
        f"{summary.nearer_road} of {summary.known} villages with scattered moves "
        f"({households} households, {people} people in the roster) moved nearer the road; "
        f"{summary.moved_down} moved down. Median move {summary.median_move_m:.0f} m."
    )


def cleaning_outcome(summary: pd.DataFrame, *, min_count: int = DEFAULT_THRESHOLD) -> str:
    """What the cleaning kept and refused, and the number to set beside a published total.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``CleanRoster.summary()`` (``item``, ``value``).
    min_count : int
        Counts below it read ``<min_count``.

    Examples
    --------
    >>> s = pd.DataFrame({"item": ["rows_read", "members", "households", "quarantined",
    ...     "quarantined_persons", "persons"], "value": [110, 100, 30, 10, 4, 104]})
    >>> print(cleaning_outcome(s)[:80])
    Of **110** data rows, **100** people were kept in **30** households and **10** r
    """
    s: Mapping[str, int] = dict(zip(summary["item"], summary["value"], strict=True))
    n = {item: shown_count(value, min_count) for item, value in s.items()}
    return (
        f"Of **{n['rows_read']}** data rows, **{n['members']}** people were kept in "
        f"**{n['households']}** households and **{n['quarantined']}** rows were refused. "
        f"Of the refused rows, **{n['quarantined_persons']}** are real people refused for a "
        "defect (their identity number is missing, mangled or invalid, or their village is "
        "unknown); the others repeat a row or a person already kept. Counting the refused real "
        f"people too gives **{n['persons']}** registered persons: this is the number to set "
        "beside a published total, and the quarantined people are the ones to fix at the source."
    )


def assumed_links_note(assumed: pd.Series, *, min_count: int = DEFAULT_THRESHOLD) -> str:
    """The villages whose people were matched only through an assumed crosswalk link.

    Parameters
    ----------
    assumed : pandas.Series
        :func:`fupin_analysis.quality.assumed_links` (village → people).
    min_count : int
        Counts below it read ``<min_count``.

    Examples
    --------
    >>> assumed_links_note(pd.Series({"铁坡村": 200})).endswith("care: 铁坡村 (200 people).")
    True
    >>> assumed_links_note(pd.Series(dtype=int)).endswith("none in this roster.")
    True
    """
    villages = ", ".join(f"{v} ({shown_count(n, min_count)} people)" for v, n in assumed.items())
    return (
        "Names matched through an **assumed** link (an old village name whose successor "
        "unit is not documented in any public source; `assumed` in the crosswalk) are kept "
        f"but must be read with care: {villages or 'none in this roster'}."
    )


def _figure(value: float, unit: str, min_count: int) -> str:
    """A work-summary figure: a share as a percentage, a count of people or households
    with the disclosure rule, money as it is."""
    if unit == "比例":
        return percent(value)
    if _missing(value):
        return NOT_AVAILABLE
    return shown_count(value, min_count) if unit in ("人", "户") else f"{value:,.0f}"


def reproduction_list(reproduction: pd.DataFrame, *, min_count: int = DEFAULT_THRESHOLD) -> str:
    """One Markdown bullet per published figure: roster, with quarantined, published, status.

    Parameters
    ----------
    reproduction : pandas.DataFrame
        :func:`fupin_analysis.indicators.reproduction`.
    min_count : int
        Counts of people or households below it read ``<min_count``.

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
            f"; {shown_count(row.quarantined, min_count)} refused by the cleaning count "
            "towards it"
            if row.quarantined
            else ""
        )
        lines.append(
            f"- **{row.label_zh}** (`{row.figure}`): roster "
            f"{_figure(row.value, row.unit, min_count)}, with quarantined "
            f"{_figure(row.value_with_quarantined, row.unit, min_count)}, published "
            f"{_number(row.published, row.unit)}: {status}{extra}."
        )
    return "\n".join(lines)


def designated_reading(readings: DesignatedReadings, reference: Reference | None = None) -> str:
    """The two readings of a published designated-village share and which one is meant.

    A work summary may give the designated villages' poor as a share of "总人口" without
    saying whose population. The conclusion follows the numbers: the reading that rounds
    to the published whole percent is named as the one meant; when neither does, the
    sentence says so. The published count and wording come from the reference folder's
    published figures (``designated_villages``, ``designated_people``,
    ``designated_incidence``).

    Examples
    --------
    >>> r = DesignatedReadings(1597.0, 32000, 6650, 1597 / 32000, 1597 / 6650, 0.24)
    >>> text = designated_reading(r)
    >>> "which rounds to the published 24%" in text, "“占总人口的24%”" in text
    (True, True)
    """
    reference = reference or load_reference()
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
    rows = reference.published.set_index("figure") if reference.published is not None else None
    wording = (
        f" “{rows.loc['designated_incidence', 'wording']}”"
        if rows is not None and "designated_incidence" in rows.index
        else ""
    )
    villages = reference.published_value("designated_villages")
    people = reference.published_value("designated_people")
    said = (
        f"the {villages:,.0f} designated villages had {people:,.0f} poor people,"
        if villages == villages and people == people
        else "the designated villages' poor were"
    )
    return (
        f"### The designated villages' “{published}”\n\n"
        f"The summary says {said}{wording or ' ' + published + ' of the population'}. "
        f"Against the township's population "
        f"({readings.township_population:,}) the roster's designated-village poor are "
        f"{percent(readings.share_of_township)}{far}. "
        f"Against the designated villages' own registered population "
        f"({readings.designated_population:,}) they are {percent(readings.incidence)}, "
        f"{verdict} The published value is rounded to whole percent, so a difference below "
        "half a point is rounding."
    )


def _total(table: pd.DataFrame) -> pd.Series:
    """The total row of a table by village (the township's or county's code, not 12 digits)."""
    codes = table["village_code"].astype("string")
    return table[codes.str.len() != 12].iloc[0]


def exits_and_aid(
    exits: pd.DataFrame,
    education: pd.DataFrame,
    year: int,
    reference: Reference | None = None,
    *,
    min_count: int = DEFAULT_THRESHOLD,
) -> str:
    """The year's exits against the published target, and the education aid.

    Parameters
    ----------
    exits, education : pandas.DataFrame
        :func:`fupin_analysis.indicators.exits_by_village` and
        :func:`~fupin_analysis.indicators.education_aid`, with their 合计 rows.
    year : int
    reference : Reference, optional
        The published exit target of ``year`` (``exit_target_people``); without one the
        sentence gives no target. Without published aid rates the education table has no
        cost: the sentence gives the students only.
    min_count : int
        Counts of people below it read ``<min_count``.

    Examples
    --------
    >>> ex = pd.DataFrame({"village_code": ["430527203"], "exited_people": [1777.0],
    ...                    "exit_share": [0.29]})
    >>> ed = pd.DataFrame({"village_code": ["430527203"], "total_cost_yuan": [30000],
    ...                    "primary_students": [10], "secondary_students": [10]})
    >>> print(exits_and_aid(ex, ed, 2016))  # doctest: +NORMALIZE_WHITESPACE
    In 2016 the roster records 1,777 people exited (29.0% of the registered), against a
    target of 1,458. Education aid at the published rates comes to 30,000 yuan for 10
    pupils at 小学及以下 and 10 at 初、高中.
    >>> print(exits_and_aid(ex, ed.drop(columns="total_cost_yuan"), 2017))
    ... # doctest: +NORMALIZE_WHITESPACE
    In 2017 the roster records 1,777 people exited (29.0% of the registered). No education
    aid rates are published for this township: 10 pupils at 小学及以下 and 10 at 初、高中.
    """
    reference = reference or load_reference()
    total, edu = _total(exits), _total(education)
    target = reference.published_value("exit_target_people", year)
    against = "" if _missing(target) else f", against a target of {target:,.0f}"
    pupils = (
        f"{shown_count(edu['primary_students'], min_count)} pupils at 小学及以下 and "
        f"{shown_count(edu['secondary_students'], min_count)} at 初、高中"
    )
    aid = (
        f"Education aid at the published rates comes to {int(edu['total_cost_yuan']):,} yuan "
        f"for {pupils}."
        if "total_cost_yuan" in education.columns
        else f"No education aid rates are published for this township: {pupils}."
    )
    exited = shown_count(total["exited_people"], min_count)
    share = "" if exited.startswith("<") else f" ({percent(total['exit_share'])} of the registered)"
    return f"In {year} the roster records {exited} people exited{share}{against}. {aid}"


def af_headline(
    result: AlkireFoster,
    alone: IncomeOnly,
    *,
    units: str = "households",
    min_count: int = DEFAULT_THRESHOLD,
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
    min_count : int
        Counts of households below it read ``<min_count``.

    Examples
    --------
    >>> from fupin_analysis.assurances import DIMENSIONS, alkire_foster, income_only
    >>> dep = pd.DataFrame({"income": [True, True, True], "education": [True, False, False],
    ...     "medical": [False] * 3, "housing": [False] * 3, "water": [False] * 3})
    >>> print(af_headline(alkire_foster(dep, k=0.4), income_only(dep), min_count=1))
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
    households, of = shown_count(alone.households, min_count), shown_count(alone.of, min_count)
    short = (
        f"{households} of {of} registered households"
        if households.startswith("<")  # the share would give the hidden count away
        else f"{percent(alone.share)} of registered households ({households} of {of})"
    )
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
        f"{largest} {short} fall short on income alone, {consequence}"
    )


def exit_checks_summary(
    checks: pd.DataFrame,
    exit_line: pd.DataFrame,
    reference: Reference | None = None,
    *,
    min_count: int = DEFAULT_THRESHOLD,
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
    min_count : int
        Counts of households below it read ``<min_count``.

    Examples
    --------
    >>> c = pd.DataFrame({"false_exit": [True, False], "eligible_not_exited": [False, True]})
    >>> line = pd.DataFrame({"village_name": ["李家村", "城内社区"], "designated": [True, False],
    ...                      "below_line": [False, True]})
    >>> print(exit_checks_summary(c, line))  # doctest: +NORMALIZE_WHITESPACE
    <3 households are marked exited but fail a criterion; <3 meet every criterion but are
    still registered. 1 of 2 units have a remaining poverty incidence under the 2% village
    exit line; designated villages among them: none.
    """
    reference = reference or load_reference()
    below = exit_line["below_line"].fillna(False).astype(bool)
    designated = exit_line["designated"].fillna(False).astype(bool)
    designated_below = exit_line.loc[below & designated, "village_name"].tolist()
    return (
        f"{shown_count(checks['false_exit'].sum(), min_count)} households are marked exited "
        "but fail a criterion; "
        f"{shown_count(checks['eligible_not_exited'].sum(), min_count)} meet every criterion "
        f"but are still registered. {int(below.sum())} of {len(exit_line)} units have a "
        f"remaining poverty incidence under the {reference.policy.village_exit_incidence:.0%} "
        f"village exit line; designated villages among them: "
        f"{'、'.join(designated_below) or 'none'}."
    )


def village_header(summary: VillageSummary, *, min_count: int = DEFAULT_THRESHOLD) -> str:
    """The heading of a village profile: name, code, designation, population, registered poor.

    Counts of households or people below ``min_count`` read ``<min_count``, and the
    share computed from them is left out.

    Examples
    --------
    >>> s = VillageSummary("430527203203", "李家村", True, 600, 4, 15, 0.025)
    >>> print(village_header(s))  # doctest: +NORMALIZE_WHITESPACE
    ## 李家村 (430527203203)
    <BLANKLINE>
    省定贫困村 (provincial-designated poor village); registered population 600; 4
    registered poor households with 15 people (2.5% of the population).
    >>> print(village_header(s._replace(households=1, people=3)))
    ... # doctest: +NORMALIZE_WHITESPACE
    ## 李家村 (430527203203)
    <BLANKLINE>
    省定贫困村 (provincial-designated poor village); registered population 600; <3
    registered poor households with <3 people.
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
    households = shown_count(summary.households, min_count)
    hidden = households.startswith("<")  # the people of hidden households are hidden too
    people = shown_count(min(summary.people, 1) if hidden else summary.people, min_count)
    if summary.households == 0 and summary.people == 0:
        poor = "no registered poor households in the roster"
    else:
        share = (
            ""
            if summary.share is None or hidden
            else f" ({percent(summary.share)} of the population)"
        )
        poor = f"{households} registered poor households with {people} people{share}"
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
    checks: pd.DataFrame,
    exit_line: pd.DataFrame,
    reference: Reference | None = None,
    *,
    min_count: int = DEFAULT_THRESHOLD,
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
    min_count : int
        Counts of households below it read ``<min_count``.

    Examples
    --------
    >>> c = pd.DataFrame({"exited": [True, True], "false_exit": [True, False],
    ...                   "eligible_not_exited": [False, False]})
    >>> print(village_exits(c, pd.DataFrame({"incidence_remaining": []})))
    ... # doctest: +NORMALIZE_WHITESPACE
    <3 households exited; <3 of them fail a criterion and 0 households meet every criterion
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
        f"{shown_count(checks['exited'].sum(), min_count)} households exited; "
        f"{shown_count(checks['false_exit'].sum(), min_count)} of them fail a criterion and "
        f"{shown_count(checks['eligible_not_exited'].sum(), min_count)} households meet every "
        "criterion but are "
        f"still registered. Remaining incidence {incidence}."
    )
