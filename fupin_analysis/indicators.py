"""Programme monitoring: the work summary reproduced, programme tables, village profiles.

A township office writes a work summary (工作总结) every year from its registration
roster. :func:`work_summary` recomputes each figure of the 2016 summary (FACTS §1) from
the clean roster, adds what the cleaning quarantined that would count towards it, and sets
it beside the published value. :func:`programme_tables` builds the tables an office
keeps (education aid, micro-credit, relocation, exits, the village exit line, the
两不愁三保障 checks of :mod:`fupin_analysis.assurances`), and
:func:`write_programme_workbook` writes them as one Excel workbook with Chinese headers.

Education aid levels (FACTS §1: 小学及以下 1,000 yuan, 初、高中 2,000 yuan per student
per year): ``primary`` is 学前教育 and 小学; ``secondary`` is 七至九年级 and 高中. 中职
(secondary vocational school) is *not* counted by default: the summary speaks of 初、高中
students, and vocational students are funded under a separate programme (雨露计划);
``include_vocational=True`` counts them at the secondary rate.

Examples
--------
>>> HEADERS_ZH["value_with_quarantined"]
'含隔离记录'
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import pandas as pd

from .assurances import (
    DIMENSION_LABELS_ZH,
    alkire_foster,
    exit_checks,
    exit_checks_by_village,
    two_assurances,
    village_exit_line,
)
from .availability import EXIT_FIELDS, exits_known, known_fields, not_in_roster
from .excel import repeatable_xlsx
from .presentation import write_sheet
from .reference import (
    Reference,
    load_reference,
    read_village_registry,
    resolve_village_names,
)
from .schema import VALUE_ALIASES, normalize_text

__all__ = [
    "HEADERS_ZH",
    "SHEETS_ZH",
    "PRIMARY_LEVELS",
    "SECONDARY_LEVELS",
    "PUBLISHED_DIGITS",
    "quarantined_people",
    "designated_population",
    "work_summary",
    "reproduction",
    "published_ratios",
    "DesignatedReadings",
    "designated_readings",
    "education_aid",
    "credit_coverage",
    "relocation_progress",
    "exits_by_village",
    "programme_tables",
    "write_programme_workbook",
    "in_village",
    "VillageSummary",
    "village_summary",
    "households_by",
    "age_sex_pyramid",
    "pyramid_wide",
]

#: School levels aided at the primary rate (小学及以下) and at the secondary rate (初、高中).
PRIMARY_LEVELS: tuple[str, ...] = ("学前教育", "小学")
SECONDARY_LEVELS: tuple[str, ...] = ("七至九年级", "高中")
_VOCATIONAL = "中职"

#: Decimal places to which the summary publishes a figure, by unit: shares to whole
#: percent (two places of the fraction); counts and money whole.
PUBLISHED_DIGITS: dict[str, int] = {"比例": 2}

#: Chinese headers of every column the monitoring tables use.
HEADERS_ZH: dict[str, str] = {
    "figure": "指标代码",
    "label_zh": "指标",
    "value": "名册计算值",
    "quarantined": "隔离记录可计入",
    "value_with_quarantined": "含隔离记录",
    "published": "总结公布值",
    "difference": "差异",
    "unit": "单位",
    "note": "说明",
    "village_code": "村代码",
    "village_name": "村名",
    "designated": "省定贫困村",
    "households": "户数",
    "people": "人数",
    "population": "户籍人口",
    "primary_students": "小学及以下学生(人)",
    "primary_cost_yuan": "小学及以下资助(元)",
    "secondary_students": "初高中学生(人)",
    "secondary_cost_yuan": "初高中资助(元)",
    "total_cost_yuan": "资助合计(元)",
    "rated": "已评级户",
    "granted": "已授信户",
    "rated_share": "评级率",
    "granted_share": "授信率",
    "scattered_households": "分散安置户",
    "scattered_people": "分散安置人",
    "concentrated_households": "集中安置户",
    "concentrated_people": "集中安置人",
    "exited_households": "脱贫户",
    "exited_people": "脱贫人口",
    "exit_share": "脱贫人口占比",
    "registered_poor": "建档立卡人口",
    "remaining_poor": "未脱贫人口",
    "incidence_registered": "建档立卡发生率",
    "incidence_remaining": "剩余贫困发生率",
    "exit_line": "退出标准",
    "below_line": "达到退出标准",
    "exited": "已脱贫户",
    "false_exits": "不达标脱贫户",
    "false_exit_share": "不达标脱贫占比",
    "eligible_not_exited": "达标未脱贫户",
    "units": "户数",
    "poor_units": "多维贫困户",
    "H": "贫困发生率H",
    "A": "剥夺强度A",
    "M0": "调整后发生率M0",
    "k": "临界值k",
    "dimension": "维度",
    "weight": "权重",
    "headcount": "剥夺率",
    "censored_headcount": "删减剥夺率",
    "contribution": "贡献率",
    "value_zh": "取值",
    "age_group": "年龄组",
    "sex": "性别",
}

#: Sheet names (Chinese) of the tables :func:`programme_tables` returns.
SHEETS_ZH: dict[str, str] = {
    "work_summary": "工作总结核对",
    "education_aid": "教育资助",
    "credit": "小额信贷",
    "relocation": "易地搬迁",
    "exits": "脱贫进度",
    "village_exit_line": "贫困村退出",
    "exit_checks": "脱贫核查",
    "af_index": "多维贫困指数",
    "af_dimensions": "多维贫困维度贡献",
}


class _Roster(Protocol):
    members: pd.DataFrame
    households: pd.DataFrame
    quarantine: pd.DataFrame


def _names(reference: Reference) -> dict[str, str]:
    return dict(zip(reference.villages["code"], reference.villages["name"], strict=True))


def _term(values: pd.Series, vocabulary: str) -> pd.Series:
    """Raw text → official term (normalised, aliases applied); missing stays missing."""
    aliases = VALUE_ALIASES.get(vocabulary, {})
    text = values.astype("string").map(normalize_text, na_action="ignore")
    text = text.mask(text.eq(""))
    return text.map(lambda v: aliases.get(v, v), na_action="ignore").astype("string")


def quarantined_people(
    quarantine: pd.DataFrame,
    households: pd.DataFrame,
    year: int = 2016,
    reference: Reference | None = None,
) -> pd.DataFrame:
    """Real people the cleaning refused, with the fields the work summary counts.

    Only rows with ``counts_as_person`` True are kept (not repeats of kept rows).
    Household fields (village, relocation, exit, credit) come from the person's kept
    household when the quarantine carries ``household_key`` and that household was kept;
    otherwise from the raw text, filled within the refused rows of the same 户编号 (hand-made
    sheets fill them on the head's row only): village names through the crosswalk, exit
    status and relocation mode through the official vocabularies.

    Parameters
    ----------
    quarantine : pandas.DataFrame
        The clean roster's quarantine (raw canonical columns, ``reason``,
        ``counts_as_person``; ``household_key`` when the cleaning provides it).
    households : pandas.DataFrame
        The clean roster's households.
    year : int
        The year of the exits counted.
    reference : Reference, optional

    Returns
    -------
    pandas.DataFrame
        ``source_row``, ``reason``, ``household`` (its key, or the normalised 户编号),
        ``village`` (the name as written, normalised),
        ``new_household`` (True on one row per refused household that has no kept member),
        ``village_code``, ``designated``, ``relocation_mode``, ``exited_in_year``,
        ``school_status``, ``credit_rated``, ``credit_granted``.

    Notes
    -----
    Without ``household_key`` a refused person's household counts as new when the
    quarantine holds as many real people of its 户编号 as its declared size (人数).

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"source_row": [5, 6, 7], "reason": ["id_mangled"] * 2 + ["duplicate_row"],
    ...     "counts_as_person": [True, True, False], "household_id": ["H1", "H1", "H2"],
    ...     "household_size": ["2", "", "1"], "village": ["李家", "", "李家"],
    ...     "exit_status": ["已脱贫", "", "已脱贫"], "exit_year": ["2016", "", "2016"]})
    >>> out = quarantined_people(q, pd.DataFrame({"household_key": ["K9"]}))
    >>> out[["new_household", "designated", "exited_in_year"]].to_dict("list")
    {'new_household': [True, False], 'designated': [True, True], 'exited_in_year': [True, True]}
    """
    reference = reference or load_reference()
    q = quarantine[quarantine["counts_as_person"].astype(bool)].reset_index(drop=True)

    def col(name: str) -> pd.Series:
        if name in q.columns:
            return q[name]
        return pd.Series(pd.NA, index=q.index, dtype="string")

    keyed = "household_key" in q.columns
    out = pd.DataFrame({"source_row": col("source_row"), "reason": col("reason")})
    if keyed:
        out["household"] = q["household_key"].astype("string")
    else:
        out["household"] = (
            col("household_id").astype("string").map(normalize_text, na_action="ignore")
        )
    out["household"] = out["household"].mask(out["household"].eq("").fillna(False))
    group = out["household"].fillna(pd.Series("row " + out.index.astype(str), index=out.index))

    def filled(values: pd.Series) -> pd.Series:
        """Fill a household field from the household's other refused rows."""
        return values.fillna(values.groupby(group).transform("first"))

    village = col("village").astype("string").map(normalize_text, na_action="ignore")
    out["village"] = filled(village.mask(village.eq("").fillna(False)))
    out["village_code"] = resolve_village_names(out["village"])["code"]
    out["relocation_mode"] = filled(_term(col("relocation_mode"), "relocation_mode"))
    status = filled(_term(col("exit_status"), "exit_status"))
    exit_year = filled(col("exit_year").astype("string").str.extract(r"(\d{4})", expand=False))
    out["exited_in_year"] = status.str.startswith("已脱贫").fillna(False).astype(
        bool
    ) & exit_year.eq(str(year)).fillna(False).astype(bool)
    for name in ("credit_rated", "credit_granted"):
        out[name] = filled(_term(col(name), "yes_no")).eq("是").fillna(False).astype(bool)
    out["school_status"] = _term(col("school_status"), "school_status")

    first = ~group.duplicated()
    if keyed:
        kept = households.set_index("household_key")
        in_kept = out["household"].isin(kept.index).fillna(False).astype(bool)
        rows = out.loc[in_kept, "household"]
        out.loc[in_kept, "village_code"] = rows.map(kept["village_code"]).to_numpy()
        out.loc[in_kept, "relocation_mode"] = rows.map(kept["relocation_mode"]).to_numpy()
        hh_exit = kept["exited"].astype("boolean").fillna(False) & pd.to_numeric(
            kept["exit_year"], errors="coerce"
        ).eq(year).fillna(False)
        out.loc[in_kept, "exited_in_year"] = rows.map(hh_exit).astype(bool).to_numpy()
        for name in ("credit_rated", "credit_granted"):
            flag = kept[name].astype("boolean").fillna(False).astype(bool)
            out.loc[in_kept, name] = rows.map(flag).astype(bool).to_numpy()
        out["new_household"] = first & ~in_kept
    else:
        declared = filled(pd.to_numeric(col("household_size"), errors="coerce").astype("Float64"))
        refused = group.groupby(group).transform("size").astype("Float64")
        out["new_household"] = first & (refused >= declared).fillna(False).astype(bool)
    out["designated"] = out["village_code"].isin(reference.designated_codes)
    return out


def designated_population(
    registry: pd.DataFrame, reference: Reference | None = None
) -> int:
    """Registered population of the designated poor villages (the registry's units).

    Parameters
    ----------
    registry : pandas.DataFrame
        ``code`` and ``population`` of each unit
        (:func:`~fupin_analysis.reference.read_village_registry`).
    reference : Reference, optional
        Which units are designated (``reference.designated_codes``).

    Returns
    -------
    int

    Examples
    --------
    >>> reg = pd.DataFrame({"code": ["430527203203", "430527203207"], "population": [800, 900]})
    >>> designated_population(reg)  # 李家村 is designated, 长溪村 is not
    800
    """
    reference = reference or load_reference()
    designated = registry["code"].isin(reference.designated_codes)
    return int(registry.loc[designated, "population"].sum())


def _students(school_status: pd.Series, include_vocational: bool) -> pd.DataFrame:
    secondary = (*SECONDARY_LEVELS, _VOCATIONAL) if include_vocational else SECONDARY_LEVELS
    status = school_status.astype("string")
    return pd.DataFrame(
        {
            "primary": status.isin(PRIMARY_LEVELS).fillna(False).astype(bool),
            "secondary": status.isin(secondary).fillna(False).astype(bool),
        }
    )


def work_summary(
    clean_roster: _Roster,
    reference: Reference | None = None,
    year: int = 2016,
    *,
    registry: pd.DataFrame | str | Path | None = None,
    include_vocational: bool = False,
) -> pd.DataFrame:
    """The work summary's figures recomputed from the roster, beside the published ones.

    Parameters
    ----------
    clean_roster : CleanRoster
        What :func:`fupin_analysis.clean_roster` returns (``members``, ``households``,
        ``quarantine``).
    reference : Reference, optional
        Reference tables; the published figures and aid rates of ``year`` come from its
        ``published.csv`` (:meth:`~fupin_analysis.reference.Reference.published_value`).
    year : int
        Year of the exits counted (``exit_year``).
    registry : DataFrame or path, optional
        Village registry (denominators of incidence); default the embedded one.
    include_vocational : bool
        Count 中职 students at the secondary aid rate (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``figure`` (stable English id), ``label_zh``, ``value``
        (clean roster), ``quarantined`` (people or households refused by the cleaning
        that would add to the figure's numerator), ``value_with_quarantined`` (the figure
        recomputed with them), ``published`` (NA where the summary gives none),
        ``difference`` (``value_with_quarantined - published``), ``unit``, ``note``.
        A figure whose fields the roster lacks (``clean_roster.fields``; see
        :mod:`fupin_analysis.availability`) has ``value``, ``quarantined`` and
        ``value_with_quarantined`` missing (NaN, never 0) and the note
        ``not in the roster: <header>`` (e.g. 易地扶贫搬迁安置方式 for relocation,
        脱贫状态 or 脱贫年度 for exits, 小额信贷评级, 在校生状况).
        Without published figures (the reference folder has no ``published.csv``) the
        comparison columns ``published`` and ``difference`` are left out.

    Examples
    --------
    >>> from fupin_analysis import clean_roster  # doctest: +SKIP
    >>> ws = work_summary(clean_roster("data/raw/zhaishi_roster_2016.xlsx"))  # doctest: +SKIP
    >>> ws.set_index("figure").loc["registered_people", "published"]  # doctest: +SKIP
    6066.0
    """
    reference = reference or load_reference()

    def published(figure: str) -> float:
        return reference.published_value(figure, year)

    if not isinstance(registry, pd.DataFrame):
        registry = read_village_registry(registry)
    mem, hh = clean_roster.members, clean_roster.households
    known = known_fields(mem, hh, getattr(clean_roster, "fields", None))
    q = quarantined_people(clean_roster.quarantine, hh, year, reference)
    qh = q[q["new_household"]]
    designated = set(reference.designated_codes)

    hh_size = mem.groupby("household_key").size()
    size = hh["household_key"].map(hh_size).fillna(0).astype(int)
    hh_exited = (
        hh["exited"].astype("boolean").fillna(False)
        & pd.to_numeric(hh["exit_year"], errors="coerce").eq(year).fillna(False)
    ).astype(bool)
    mode = hh["relocation_mode"].astype("string")
    # an empty registry (none given) leaves every population unknown, not 0
    has_registry = len(registry) > 0
    designated_pop = (
        float(designated_population(registry, reference)) if has_registry else float("nan")
    )
    township_pop = float(registry["population"].sum()) if has_registry else float("nan")

    rows: list[dict[str, Any]] = []

    def unknown(*names: str, any_of: bool = False) -> str:
        """The note of a figure built on ``names`` when the roster lacks them, else ""."""
        absent = [n for n in names if n not in known]
        if any_of and len(absent) < len(names) or not absent:
            return ""
        return not_in_roster(absent, any_of=any_of)

    def add(figure, label, value, quarantined, published, unit, note="", denom=None, qdenom=0,
            lacking=""):  # fmt: skip
        if lacking:  # the roster does not say: unknown, not 0
            rows.append({"figure": figure, "label_zh": label, "value": float("nan"),
                         "quarantined": float("nan"), "value_with_quarantined": float("nan"),
                         "published": published, "unit": unit, "note": lacking})  # fmt: skip
            return
        if denom is None:
            shown, with_q = value, value + quarantined
        else:
            shown = value / denom if denom else float("nan")
            total = denom + qdenom
            with_q = (value + quarantined) / total if total else float("nan")
        rows.append(
            {
                "figure": figure,
                "label_zh": label,
                "value": float(shown),
                "quarantined": int(quarantined),
                "value_with_quarantined": float(with_q),
                "published": published,
                "unit": unit,
                "note": note,
            }
        )

    add(
        "township_population",
        "总人口",
        township_pop,
        0,
        published("township_population"),
        "人",
        "from the village registry, not the roster",
    )
    add("registered_people", "贫困人口", len(mem), len(q), published("registered_people"), "人")
    add(
        "registered_households",
        "贫困户",
        len(hh),
        len(qh),
        published("registered_households"),
        "户",
        "quarantined: households with no member kept",
    )
    kept_designated = set(hh["village_code"]) & designated
    add(
        "designated_villages",
        "省定贫困村",
        len(kept_designated),
        len((set(q["village_code"].dropna()) & designated) - kept_designated),
        published("designated_villages"),
        "个",
        "designated villages with registered households",
    )
    in_designated = mem["village_code"].isin(designated)
    n_designated = int(in_designated.sum())
    q_designated = int(q["designated"].sum())
    unresolved = q.loc[q["village_code"].isna(), "village"].fillna("(empty)").value_counts()
    unresolved_note = (
        "; not attributed: refused people of unknown villages "
        + ", ".join(f"{name} ×{n}" for name, n in unresolved.items())
        if len(unresolved)
        else ""
    )
    add(
        "designated_people",
        "省定贫困村贫困人口",
        n_designated,
        q_designated,
        published("designated_people"),
        "人",
        "people of households in the 11 designated villages" + unresolved_note,
    )
    add(
        "designated_incidence",
        "省定贫困村贫困发生率",
        n_designated,
        q_designated,
        published("designated_incidence"),
        "比例",
        "poor / the designated villages' registered population: the likely reading of the "
        "published share"
        + unresolved_note,
        denom=designated_pop,
    )
    add(
        "designated_share_of_population",
        "省定贫困村贫困人口占全乡总人口",
        n_designated,
        q_designated,
        published("designated_incidence"),
        "比例",
        "the literal reading of the published share: poor of the designated villages / "
        "township population",
        denom=township_pop,
    )
    for key, term, label in (
        ("scattered", "分散安置", "分散"),
        ("concentrated", "集中安置", "集中"),
    ):
        is_mode = mode.eq(term).fillna(False).astype(bool)
        q_mode = q["relocation_mode"].eq(term).fillna(False).astype(bool)
        add(
            f"{key}_households",
            f"{label}安置户",
            int(is_mode.sum()),
            int((q_mode & q["new_household"]).sum()),
            published(f"{key}_households"),
            "户",
            lacking=unknown("relocation_mode"),
        )
        add(
            f"{key}_people",
            f"{label}安置人口",
            int(size[is_mode].sum()),
            int(q_mode.sum()),
            published(f"{key}_people"),
            "人",
            lacking=unknown("relocation_mode"),
        )
    n_exited = int(size[hh_exited].sum())
    q_exited = int(q["exited_in_year"].sum())
    add(
        "exited_people",
        f"{year}年脱贫人口",
        n_exited,
        q_exited,
        published("exited_people"),
        "人",
        f"members of households exited in {year}",
        lacking=unknown(*EXIT_FIELDS, any_of=True),
    )
    target = published("exit_target_people")
    add(
        "exit_target_completion",
        "脱贫任务完成率",
        n_exited,
        q_exited,
        published("exited_people") / target,
        "比例",
        f"exited / county target of {target:.0f}; published value = "
        f"{published('exited_people'):.0f} / {target:.0f}"
        if target == target
        else "no exit target published",
        denom=target if target == target else 0,
        lacking=unknown(*EXIT_FIELDS, any_of=True),
    )
    for key, label in (("rated", "评级"), ("granted", "授信")):
        flag = hh[f"credit_{key}"].astype("boolean").fillna(False).astype(bool)
        add(
            f"credit_{key}_share",
            f"小额信贷{label}完成率",
            int(flag.sum()),
            int(qh[f"credit_{key}"].sum()),
            published(f"credit_{key}_share"),
            "比例",
            "share of registered households",
            denom=len(hh),
            qdenom=len(qh),
            lacking=unknown(f"credit_{key}"),
        )
    students = _students(mem["school_status"], include_vocational)
    q_students = _students(q["school_status"], include_vocational)
    rates = {
        "primary": published("education_aid_primary_yuan"),
        "secondary": published("education_aid_secondary_yuan"),
    }
    labels = {"primary": "小学及以下", "secondary": "初、高中"}
    # without published aid rates the students are counted and no cost is computed
    aided = all(rate == rate for rate in rates.values())
    total_cost, total_q = 0.0, 0.0
    for level in ("primary", "secondary"):
        n, nq = int(students[level].sum()), int(q_students[level].sum())
        add(
            f"education_{level}_students",
            f"{labels[level]}在校生",
            n,
            nq,
            pd.NA,
            "人",
            "no count published",
            lacking=unknown("school_status"),
        )
        if not aided:
            continue
        add(
            f"education_{level}_cost",
            f"{labels[level]}教育资助",
            n * rates[level],
            nq * rates[level],
            pd.NA,
            "元",
            f"students × {rates[level]:.0f} yuan (published rate); quarantined = their cost",
            lacking=unknown("school_status"),
        )
        total_cost += n * rates[level]
        total_q += nq * rates[level]
    if unknown("school_status"):
        total_cost = total_q = float("nan")
    if aided:
        rows.append(
            {
                "figure": "education_total_cost",
                "label_zh": "教育资助合计",
                "value": total_cost,
                "quarantined": total_q,
                "value_with_quarantined": total_cost + total_q,
                "published": pd.NA,
                "unit": "元",
                "note": unknown("school_status") or "no total published",
            }
        )
    out = pd.DataFrame(rows)
    out["published"] = pd.to_numeric(out["published"]).astype("Float64")
    out["difference"] = out["value_with_quarantined"] - out["published"]
    if reference.published is None:
        out = out.drop(columns=["published", "difference"])
    cols = [
        "figure",
        "label_zh",
        "value",
        "quarantined",
        "value_with_quarantined",
        "published",
        "difference",
        "unit",
        "note",
    ]
    return out[[c for c in cols if c in out.columns]]


def _gap(difference: float, unit: str) -> str:
    """How far a figure is from the published one, in words."""
    if unit == "比例":
        side = "above" if difference > 0 else "below"
        return f"{abs(difference) * 100:.1f} percentage points {side} the published value"
    side = "more" if difference > 0 else "fewer"
    return f"{abs(difference):,.0f} {side} than published"


def reproduction(ws: pd.DataFrame) -> pd.DataFrame:
    """Whether the roster reproduces each published figure, and why not where it does not.

    A figure is *reproduced* when its value with the quarantined people
    (``value_with_quarantined``) equals the published value at the precision the summary
    publishes (:data:`PUBLISHED_DIGITS`: shares to whole percent, counts whole).

    Parameters
    ----------
    ws : pandas.DataFrame
        What :func:`work_summary` returns.

    Returns
    -------
    pandas.DataFrame
        One row per figure with a published value, in the order of ``ws``: ``figure``,
        ``label_zh``, ``unit``, ``value``, ``quarantined``, ``value_with_quarantined``,
        ``published``, ``digits`` (the published precision), ``status``
        (``reproduced``, ``differs``, or ``not available`` for a figure whose fields the
        roster lacks) and ``reason``: empty when reproduced; for a figure not
        available, its note (``not in the roster: …``); else how far the figure is from
        the published one and, when the figure has a note, the note (e.g. the literal
        reading of "24%", or the refused people of unknown villages).

    Examples
    --------
    >>> ws = pd.DataFrame({"figure": ["registered_people", "designated_incidence"],
    ...     "label_zh": ["贫困人口", "省定贫困村贫困发生率"], "value": [6020.0, 0.2383],
    ...     "quarantined": [44, 12], "value_with_quarantined": [6064.0, 0.2402],
    ...     "published": [6066.0, 0.24], "difference": [-2.0, 0.0002], "unit": ["人", "比例"],
    ...     "note": ["", "poor / population"]})
    >>> reproduction(ws)[["status", "reason"]].values.tolist()
    [['differs', '2 fewer than published'], ['reproduced', '']]
    >>> lacking = ws.assign(value=float("nan"), value_with_quarantined=float("nan"),
    ...                     note="not in the roster: 脱贫状态 or 脱贫年度")
    >>> reproduction(lacking)[["status", "reason"]].values.tolist()[0]
    ['not available', 'not in the roster: 脱贫状态 or 脱贫年度']
    """
    rows = ws[ws["published"].notna()]
    out = rows[
        ["figure", "label_zh", "unit", "value", "quarantined", "value_with_quarantined",
         "published"]
    ].reset_index(drop=True)  # fmt: skip
    out["published"] = out["published"].astype(float)
    out["digits"] = out["unit"].map(PUBLISHED_DIGITS).fillna(0).astype(int)
    same = [
        round(value, digits) == round(published, digits)
        for value, published, digits in zip(
            out["value_with_quarantined"], out["published"], out["digits"], strict=True
        )
    ]
    notes = rows["note"].fillna("").astype(str).to_numpy()
    lacking = [
        pd.isna(value) and note.startswith("not in the roster")
        for value, note in zip(out["value_with_quarantined"], notes, strict=True)
    ]
    out["status"] = [
        "not available" if lack else "reproduced" if s else "differs"
        for s, lack in zip(same, lacking, strict=True)
    ]
    reasons = []
    for s, lack, value, published, unit, note in zip(
        same, lacking, out["value_with_quarantined"], out["published"], out["unit"], notes,
        strict=True,
    ):  # fmt: skip
        if s or lack:
            reasons.append(note if lack else "")
            continue
        gap = (
            "cannot be computed from this roster and registry"
            if pd.isna(value)
            else _gap(value - published, unit)
        )
        reasons.append(f"{gap}; {note}" if note else gap)
    out["reason"] = reasons
    return out


def published_ratios(ws: pd.DataFrame) -> pd.DataFrame:
    """Each published figure as roster ÷ published, without and with the quarantined.

    Parameters
    ----------
    ws : pandas.DataFrame
        What :func:`work_summary` returns.

    Returns
    -------
    pandas.DataFrame
        One row per figure with a published value: ``figure``, ``label_zh``,
        ``clean_only`` (``value / published``) and ``with_quarantined``
        (``value_with_quarantined / published``); 1 means reproduced.

    Examples
    --------
    >>> ws = pd.DataFrame({"figure": ["registered_people", "education_total_cost"],
    ...     "label_zh": ["贫困人口", "教育资助合计"], "value": [6000.0, 1e6],
    ...     "value_with_quarantined": [6066.0, 1e6],
    ...     "published": pd.array([6066, pd.NA], dtype="Float64")})
    >>> published_ratios(ws)[["clean_only", "with_quarantined"]].round(4).values.tolist()
    [[0.9891, 1.0]]
    """
    counted = ws[ws["published"].notna()]
    published = counted["published"].astype(float)
    return pd.DataFrame(
        {
            "figure": counted["figure"],
            "label_zh": counted["label_zh"],
            "clean_only": counted["value"] / published,
            "with_quarantined": counted["value_with_quarantined"] / published,
        }
    ).reset_index(drop=True)


class DesignatedReadings(NamedTuple):
    """The two readings of "1,597 poor, 占总人口的24%" (see :func:`designated_readings`)."""

    #: Poor people in the designated villages (with the quarantined).
    designated_people: float
    #: The township's registered population (the registry's sum).
    township_population: int
    #: The designated villages' registered population.
    designated_population: int
    #: Designated poor ÷ township population: the literal reading.
    share_of_township: float
    #: Designated poor ÷ designated villages' population: the plausible reading.
    incidence: float
    #: The published share (0.24).
    published: float


def designated_readings(
    ws: pd.DataFrame, registry: pd.DataFrame, reference: Reference | None = None
) -> DesignatedReadings:
    """The designated villages' poor against the township and against their own population.

    The summary says the 11 designated villages had 1,597 poor, "占总人口的24%": against
    the township's 32,000 that is 5%, against the villages' own population (6,650) 24%.

    Parameters
    ----------
    ws : pandas.DataFrame
        What :func:`work_summary` returns (the ``designated_*`` figures, with quarantined).
    registry : pandas.DataFrame
        The village registry (``code``, ``population``).
    reference : Reference, optional

    Returns
    -------
    DesignatedReadings

    Examples
    --------
    >>> ws = pd.DataFrame({"figure": ["designated_people", "designated_incidence",
    ...     "designated_share_of_population"], "value_with_quarantined": [160.0, 0.2, 0.1],
    ...     "published": [1597.0, 0.24, 0.24]})
    >>> reg = pd.DataFrame({"code": ["430527203203", "430527203207"], "population": [800, 800]})
    >>> r = designated_readings(ws, reg)
    >>> r.designated_population, r.township_population, r.incidence, r.share_of_township
    (800, 1600, 0.2, 0.1)
    """
    figures = ws.set_index("figure")["value_with_quarantined"]
    published = ws.set_index("figure")["published"]
    return DesignatedReadings(
        designated_people=float(figures["designated_people"]),
        township_population=int(registry["population"].sum()),
        designated_population=designated_population(registry, reference),
        share_of_township=float(figures["designated_share_of_population"]),
        incidence=float(figures["designated_incidence"]),
        published=float(published["designated_incidence"]),
    )


def _by_village(frame: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    frame = frame.reset_index().sort_values("village_code", kind="stable")
    frame.insert(1, "village_name", frame["village_code"].map(_names(reference)))
    return frame.reset_index(drop=True)


def _total_row(
    frame: pd.DataFrame, shares: Mapping[str, tuple[str, str]], reference: Reference
) -> pd.DataFrame:
    """Append a 合计 row (code = the township's) summing counts and recomputing shares."""
    total = frame.drop(columns=["village_code", "village_name"]).sum(numeric_only=True)
    for share, (num, den) in shares.items():
        total[share] = total[num] / total[den] if total[den] else float("nan")
    code = reference.place.code
    row = pd.DataFrame([{"village_code": code, "village_name": "合计", **total}])
    return pd.concat([frame, row.astype(frame.dtypes.to_dict())], ignore_index=True)


def _not_known(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` with ``columns`` missing throughout (nullable; counts stay integer)."""
    out = frame.copy()
    for name in columns:
        kind = "Int64" if pd.api.types.is_integer_dtype(out[name].dtype) else "Float64"
        out[name] = pd.Series(pd.NA, index=out.index, dtype=kind)
    return out


def education_aid(
    members: pd.DataFrame,
    reference: Reference | None = None,
    *,
    include_vocational: bool = False,
    total: bool = True,
    fields: Collection[str] | None = None,
) -> pd.DataFrame:
    """Education aid by village: students at each aided level × the published rate.

    Parameters
    ----------
    members : pandas.DataFrame
        Clean members (``village_code``, ``school_status``).
    reference : Reference, optional
        Aid rates from its published figures (``education_aid_primary_yuan``,
        ``education_aid_secondary_yuan``).
    include_vocational : bool
        Count 中职 at the secondary rate.
    total : bool
        Append a 合计 row (``village_code`` = the township code).
    fields : collection of str, optional
        ``CleanRoster.fields``: without a known 在校生状况 the counts are missing
        (:func:`fupin_analysis.availability.known_fields`).

    Returns
    -------
    pandas.DataFrame
        ``village_code``, ``village_name``, ``primary_students``, ``primary_cost_yuan``,
        ``secondary_students``, ``secondary_cost_yuan``, ``total_cost_yuan``; without
        published rates the students only (no cost columns).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"village_code": ["430527203203"] * 3,
    ...                   "school_status": ["小学", "高中", "中职"]})
    >>> education_aid(m, total=False).iloc[0, 2:].tolist()
    [1, 1000, 1, 2000, 3000]
    """
    reference = reference or load_reference()
    rates = {
        level: reference.published_value(f"education_aid_{level}_yuan")
        for level in ("primary", "secondary")
    }
    s = _students(members["school_status"], include_vocational)
    s["village_code"] = members["village_code"].to_numpy()
    grouped = s.groupby("village_code").sum()
    out = pd.DataFrame(
        {
            "primary_students": grouped["primary"].astype(int),
            "secondary_students": grouped["secondary"].astype(int),
        }
    )
    if all(rate == rate for rate in rates.values()):
        for level in ("primary", "secondary"):
            cost = (grouped[level] * rates[level]).astype(int)
            out.insert(out.columns.get_loc(f"{level}_students") + 1, f"{level}_cost_yuan", cost)
        out["total_cost_yuan"] = out["primary_cost_yuan"] + out["secondary_cost_yuan"]
    out = _by_village(out, reference)
    out = _total_row(out, {}, reference) if total else out
    if "school_status" not in known_fields(members, pd.DataFrame(), fields):
        return _not_known(out, list(out.columns[2:]))
    return out


def credit_coverage(
    households: pd.DataFrame,
    reference: Reference | None = None,
    *,
    total: bool = True,
    fields: Collection[str] | None = None,
) -> pd.DataFrame:
    """Micro-credit coverage by village: households rated (评级) and granted (授信).

    Parameters
    ----------
    households : pandas.DataFrame
        Clean households (``village_code``, ``credit_rated``, ``credit_granted``; a
        missing flag counts as not rated / not granted).
    reference : Reference, optional
        For village names.
    total : bool
        Append a 合计 row (``village_code`` = the township code).
    fields : collection of str, optional
        ``CleanRoster.fields``: without a known 小额信贷评级 (授信) the counts and shares of
        rated (granted) households are missing.

    Returns
    -------
    pandas.DataFrame
        ``village_code``, ``village_name``, ``households``, ``rated``, ``granted``,
        ``rated_share``, ``granted_share``; a 合计 row last when ``total``.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"village_code": ["430527203203"] * 2,
    ...     "credit_rated": [True, True], "credit_granted": [True, False]})
    >>> credit_coverage(h)[["village_name", "granted_share"]].to_dict("list")
    {'village_name': ['李家村', '合计'], 'granted_share': [0.5, 0.5]}
    """
    reference = reference or load_reference()
    work = pd.DataFrame(
        {
            "village_code": households["village_code"],
            "rated": households["credit_rated"].astype("boolean").fillna(False).astype(int),
            "granted": households["credit_granted"].astype("boolean").fillna(False).astype(int),
        }
    )
    out = work.groupby("village_code").agg(
        households=("rated", "size"), rated=("rated", "sum"), granted=("granted", "sum")
    )
    out["rated_share"] = out["rated"] / out["households"]
    out["granted_share"] = out["granted"] / out["households"]
    out = _by_village(out, reference)
    shares = {"rated_share": ("rated", "households"), "granted_share": ("granted", "households")}
    out = _total_row(out, shares, reference) if total else out
    known = known_fields(pd.DataFrame(), households, fields)
    lacking = [c for key in ("rated", "granted") if f"credit_{key}" not in known
               for c in (key, f"{key}_share")]  # fmt: skip
    return _not_known(out, lacking) if lacking else out


def _household_sizes(members: pd.DataFrame, households: pd.DataFrame) -> pd.Series:
    found = members.groupby("household_key").size()
    return households["household_key"].map(found).fillna(0).astype(int)


def relocation_progress(
    members: pd.DataFrame,
    households: pd.DataFrame,
    reference: Reference | None = None,
    *,
    total: bool = True,
    fields: Collection[str] | None = None,
) -> pd.DataFrame:
    """Relocation (易地扶贫搬迁) households and people by village and mode.

    Parameters
    ----------
    members, households : pandas.DataFrame
        The clean roster's tables (people are the members found per household).
    reference : Reference, optional
        For village names.
    total : bool
        Append a 合计 row (``village_code`` = the township code).

    Returns
    -------
    pandas.DataFrame
        ``village_code``, ``village_name``, ``scattered_households``,
        ``scattered_people``, ``concentrated_households``, ``concentrated_people``; only
        villages with relocated households; a 合计 row last when ``total``. When the
        roster has no 易地扶贫搬迁安置方式 (``fields``), every village with households and
        the counts missing.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"household_key": ["a", "b"], "village_code": ["430527203203"] * 2,
    ...     "relocation_mode": ["集中安置", pd.NA]})
    >>> m = pd.DataFrame({"household_key": ["a", "a", "b"]})
    >>> relocation_progress(m, h, total=False).iloc[0, 2:].tolist()
    [0, 0, 1, 2]
    """
    reference = reference or load_reference()
    mode = households["relocation_mode"].astype("string")
    size = _household_sizes(members, households)
    work = pd.DataFrame({"village_code": households["village_code"]})
    for key, term in (("scattered", "分散安置"), ("concentrated", "集中安置")):
        flag = mode.eq(term).fillna(False).astype(bool)
        work[f"{key}_households"] = flag.astype(int)
        work[f"{key}_people"] = size.where(flag, 0)
    out = work.groupby("village_code").sum()
    relocation_known = "relocation_mode" in known_fields(members, households, fields)
    out = out[out.sum(axis=1) > 0] if relocation_known else out
    out = _by_village(out, reference)
    out = _total_row(out, {}, reference) if total else out
    return out if relocation_known else _not_known(out, list(out.columns[2:]))


def exits_by_village(
    members: pd.DataFrame,
    households: pd.DataFrame,
    year: int = 2016,
    reference: Reference | None = None,
    *,
    total: bool = True,
    fields: Collection[str] | None = None,
) -> pd.DataFrame:
    """Exits of ``year`` by village: households and people exited, share of the registered.

    Parameters
    ----------
    members, households : pandas.DataFrame
        The clean roster's tables; a household counts when ``exited`` and
        ``exit_year == year``.
    year : int
    reference : Reference, optional
        For village names.
    total : bool
        Append a 合计 row (``village_code`` = the township code).

    Returns
    -------
    pandas.DataFrame
        ``village_code``, ``village_name``, ``households``, ``people``,
        ``exited_households``, ``exited_people``, ``exit_share`` (of people); a 合计 row
        last when ``total``. Without 脱贫状态 and 脱贫年度 (``fields``) the exit columns
        are missing.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"household_key": ["a", "b"], "village_code": ["430527203203"] * 2,
    ...     "exited": [True, True], "exit_year": [2016, 2015]})
    >>> m = pd.DataFrame({"household_key": ["a", "a", "b"]})
    >>> exits_by_village(m, h, total=False)[["exited_people", "exit_share"]].iloc[0].tolist()
    [2.0, 0.6666666666666666]
    """
    reference = reference or load_reference()
    size = _household_sizes(members, households)
    exited = (
        households["exited"].astype("boolean").fillna(False)
        & pd.to_numeric(households["exit_year"], errors="coerce").eq(year).fillna(False)
    ).astype(bool)
    work = pd.DataFrame(
        {
            "village_code": households["village_code"],
            "households": 1,
            "people": size,
            "exited_households": exited.astype(int),
            "exited_people": size.where(exited, 0),
        }
    )
    out = work.groupby("village_code").sum()
    out["exit_share"] = out["exited_people"] / out["people"]
    out = _by_village(out, reference)
    shares = {"exit_share": ("exited_people", "people")}
    out = _total_row(out, shares, reference) if total else out
    if exits_known(known_fields(members, households, fields)):
        return out
    return _not_known(out, ["exited_households", "exited_people", "exit_share"])


def programme_tables(
    clean_roster: _Roster,
    reference: Reference | None = None,
    year: int = 2016,
    *,
    registry: pd.DataFrame | str | Path | None = None,
    k: float = 1 / 3,
    include_vocational: bool = False,
) -> dict[str, pd.DataFrame]:
    """Every monitoring table of a year, keyed by the names of :data:`SHEETS_ZH`.

    Parameters
    ----------
    clean_roster : CleanRoster
    reference : Reference, optional
    year : int
    registry : DataFrame or path, optional
        Village registry; default the embedded one.
    k : float
        Alkire-Foster cut-off.
    include_vocational : bool
        Count 中职 at the secondary aid rate.

    Returns
    -------
    dict of str to DataFrame
        ``work_summary``, ``education_aid``, ``credit``, ``relocation``, ``exits``,
        ``village_exit_line``, ``exit_checks`` (by village), ``af_index`` and
        ``af_dimensions`` (by village, township first). Figures built on fields the
        roster lacks (``clean_roster.fields``) are missing, never 0; the index is missing
        when fewer than two dimensions are measured, and leaves out the others.

    Examples
    --------
    >>> tables = programme_tables(roster)  # doctest: +SKIP
    >>> list(tables) == list(SHEETS_ZH)  # doctest: +SKIP
    True
    """
    reference = reference or load_reference()
    if not isinstance(registry, pd.DataFrame):
        registry = read_village_registry(registry)
    mem, hh = clean_roster.members, clean_roster.households
    fields = getattr(clean_roster, "fields", None)
    assurances = two_assurances(mem, hh, year, reference, fields=fields)
    overall = alkire_foster(assurances, k=k)
    by_village = alkire_foster(assurances, k=k, by="village_code")
    township = reference.place.code
    af_index = pd.concat(
        [overall.index.assign(village_code=township), by_village.index], ignore_index=True
    )
    af_dims = pd.concat(
        [overall.dimensions.assign(village_code=township), by_village.dimensions],
        ignore_index=True,
    )
    names = {**_names(reference), township: reference.place.total_label}
    af_index, af_dims = (
        frame.assign(village_name=frame["village_code"].map(names))[
            ["village_code", "village_name", *frame.columns.drop("village_code")]
        ]
        for frame in (af_index, af_dims)
    )
    af_dims["dimension"] = af_dims["dimension"].map(DIMENSION_LABELS_ZH)
    return {
        "work_summary": work_summary(
            clean_roster, reference, year, registry=registry, include_vocational=include_vocational
        ),
        "education_aid": education_aid(
            mem, reference, include_vocational=include_vocational, fields=fields
        ),
        "credit": credit_coverage(hh, reference, fields=fields),
        "relocation": relocation_progress(mem, hh, reference, fields=fields),
        "exits": exits_by_village(mem, hh, year, reference, fields=fields),
        "village_exit_line": village_exit_line(mem, hh, registry, reference, fields=fields),
        "exit_checks": exit_checks_by_village(exit_checks(assurances), reference),
        "af_index": af_index,
        "af_dimensions": af_dims,
    }


def write_programme_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    headers_zh: Mapping[str, str] | None = None,
    sheets_zh: Mapping[str, str] | None = None,
) -> Path:
    """Write tables to one Excel workbook for officials, with identical bytes each run.

    Each table is a sheet named by ``sheets_zh`` (default :data:`SHEETS_ZH`, else the
    key), written by :func:`fupin_analysis.presentation.write_sheet` as every table of a
    report is: the Chinese headers of the column catalogue (``headers_zh``, default
    :data:`HEADERS_ZH`, for columns it lacks), a bold frozen header row, column widths
    fitted to the text, number formats by kind (``#,##0``, ``0.0%``), and fixed
    timestamps.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet key → table (e.g. what :func:`programme_tables` returns); written in order.
    path : str or Path
        The ``.xlsx`` file to write (its folder is created).
    headers_zh : mapping, optional
        Column → Chinese header, for columns the catalogue does not describe.
    sheets_zh : mapping, optional
        Table key → sheet name (cut to Excel's 31 characters).

    Returns
    -------
    Path

    Examples
    --------
    >>> import pandas as pd, tempfile, openpyxl
    >>> t = {"credit": pd.DataFrame({"village_name": ["李家村"], "rated_share": [1.0]})}
    >>> p = write_programme_workbook(t, tempfile.mkdtemp() + "/a.xlsx")
    >>> ws = openpyxl.load_workbook(p)["小额信贷"]
    >>> [c.value for c in ws[1]], ws["B2"].number_format
    (['村名', '评级率'], '0.0%')
    """
    from openpyxl import Workbook

    headers_zh = HEADERS_ZH if headers_zh is None else headers_zh
    sheets_zh = SHEETS_ZH if sheets_zh is None else sheets_zh
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    for key, frame in tables.items():
        write_sheet(wb.create_sheet(str(sheets_zh.get(key, key))[:31]), frame, "zh", headers_zh)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(repeatable_xlsx(buffer.getvalue()))
    return path


def households_by(
    households: pd.DataFrame, column: str, village_code: str | None = None
) -> pd.DataFrame:
    """Households and people by the values of one household attribute.

    Parameters
    ----------
    households : pandas.DataFrame
        Clean households (``members`` = people found in the household).
    column : str
        E.g. ``household_type``, ``main_cause``, ``exit_status``, ``relocation_mode``.
    village_code : str, optional
        Restrict to one village.

    Returns
    -------
    pandas.DataFrame
        ``value_zh`` (the official term, or 未填 when missing), ``households``, ``people``;
        in vocabulary order when the column is categorical, else by descending count.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"village_code": ["v", "v", "w"], "members": [3, 2, 4],
    ...                   "main_cause": ["因病", "因学", "因病"]})
    >>> households_by(h, "main_cause").to_dict("records")
    [{'value_zh': '因病', 'households': 2, 'people': 7}, \
{'value_zh': '因学', 'households': 1, 'people': 2}]
    """
    frame = (
        households
        if village_code is None
        else households[households["village_code"] == village_code]
    )
    values = frame[column]
    categorical = isinstance(values.dtype, pd.CategoricalDtype)
    work = pd.DataFrame(
        {
            "value_zh": values.astype("string").fillna("未填"),
            "people": pd.to_numeric(frame["members"]).fillna(0).astype(int),
        }
    )
    out = (
        work.groupby("value_zh", sort=False)
        .agg(households=("people", "size"), people=("people", "sum"))
        .reset_index()
    )
    if categorical:
        order = {term: i for i, term in enumerate([*values.cat.categories, "未填"])}
        out = out.sort_values("value_zh", key=lambda s: s.map(order), kind="stable")
    else:
        out = out.sort_values(["households", "value_zh"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def age_sex_pyramid(
    members: pd.DataFrame, village_code: str | None = None, width: int = 5, top: int = 80
) -> pd.DataFrame:
    """People by age group and sex (the data of a population pyramid).

    Parameters
    ----------
    members : pandas.DataFrame
        Clean members (``age``, ``sex``, ``village_code``).
    village_code : str, optional
        Restrict to one village.
    width : int
        Years per age group.
    top : int
        Start of the open last group (``80+``).

    Returns
    -------
    pandas.DataFrame
        ``age_group`` (ordered categorical: ``0-4``, ``5-9``, … ``80+``), ``sex`` (男, 女),
        ``people``; every group and sex present, zeros included.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"age": [3, 4, 81], "sex": ["男", "女", "女"]})
    >>> p = age_sex_pyramid(m)
    >>> p[p["people"] > 0].astype({"age_group": str}).to_dict("records")
    [{'age_group': '0-4', 'sex': '男', 'people': 1}, \
{'age_group': '0-4', 'sex': '女', 'people': 1}, {'age_group': '80+', 'sex': '女', 'people': 1}]
    """
    frame = members if village_code is None else members[members["village_code"] == village_code]
    edges = list(range(0, top + 1, width))
    labels = [f"{a}-{a + width - 1}" for a in edges[:-1]] + [f"{top}+"]
    age = pd.to_numeric(frame["age"], errors="coerce")
    groups = pd.cut(age, bins=[*edges, float("inf")], right=False, labels=labels)
    work = pd.DataFrame({"age_group": groups, "sex": frame["sex"].astype("string")})
    counts = work.dropna().groupby(["age_group", "sex"], observed=False).size()
    full = pd.MultiIndex.from_product(
        [groups.cat.categories, ["男", "女"]], names=["age_group", "sex"]
    )
    out = counts.reindex(full, fill_value=0).rename("people").reset_index()
    out["age_group"] = pd.Categorical(out["age_group"], categories=labels, ordered=True)
    out["people"] = out["people"].astype(int)
    return out


def pyramid_wide(pyramid: pd.DataFrame) -> pd.DataFrame:
    """An age-sex pyramid as a wide table: one row per age group, columns 男 and 女.

    Parameters
    ----------
    pyramid : pandas.DataFrame
        What :func:`age_sex_pyramid` returns.

    Returns
    -------
    pandas.DataFrame
        Index ``age_group`` (youngest first), columns ``男``, ``女`` (people).

    Examples
    --------
    >>> wide = pyramid_wide(age_sex_pyramid(pd.DataFrame({"age": [3, 81], "sex": ["女", "男"]})))
    >>> wide.loc["0-4"].tolist(), wide.loc["80+"].tolist()
    ([0, 1], [1, 0])
    """
    wide = pyramid.pivot(index="age_group", columns="sex", values="people")
    return wide.reindex(columns=["男", "女"])


def in_village(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    """The rows of a roster table (members, households, 两不愁三保障 status) of one village.

    Examples
    --------
    >>> h = pd.DataFrame({"village_code": ["430527203203", "430527203207"], "members": [3, 2]})
    >>> in_village(h, "430527203207")["members"].tolist()
    [2]
    """
    return frame[frame["village_code"] == code]


class VillageSummary(NamedTuple):
    """One village's registered poor beside its population (see :func:`village_summary`)."""

    #: 12-digit code.
    code: str
    #: Official name.
    name: str
    #: A provincial-designated poor village.
    designated: bool
    #: Registered population from the registry; None when the registry has none.
    population: int | None
    #: Registered poor households in the roster.
    households: int
    #: Registered poor people in the roster.
    people: int
    #: ``people / population``; None without a population.
    share: float | None


def village_summary(
    code: str,
    members: pd.DataFrame,
    households: pd.DataFrame,
    registry: pd.DataFrame,
    reference: Reference | None = None,
) -> VillageSummary:
    """A village's name, designation, population and registered poor.

    A village with no rows in the roster has 0 households and 0 people (a share of 0
    when its population is known); a village the registry lacks, or lists with no
    population, has ``population`` and ``share`` None.

    Parameters
    ----------
    code : str
        12-digit code (e.g. from :func:`fupin_analysis.reference.resolve_village`).
    members, households : pandas.DataFrame
        The clean roster's tables (all villages).
    registry : pandas.DataFrame
        ``code`` and ``population`` of each unit.
    reference : Reference, optional

    Returns
    -------
    VillageSummary

    Examples
    --------
    >>> h = pd.DataFrame({"village_code": ["430527203203"]})
    >>> m = pd.DataFrame({"village_code": ["430527203203"] * 3})
    >>> reg = pd.DataFrame({"code": ["430527203203"], "population": [600]})
    >>> s = village_summary("430527203203", m, h, reg)
    >>> s.name, s.designated, s.households, s.people, s.share
    ('李家村', True, 1, 3, 0.005)
    >>> village_summary("430527203207", m, h, reg)[3:]
    (None, 0, 0, None)
    """
    reference = reference or load_reference()
    villages = reference.villages.set_index("code")
    known = registry.loc[registry["code"] == code, "population"]
    population = int(known.iloc[0]) if len(known) and known.iloc[0] > 0 else None
    people = len(in_village(members, code))
    return VillageSummary(
        code=code,
        name=str(villages.loc[code, "name"]),
        designated=bool(villages.loc[code, "designated"]),
        population=population,
        households=len(in_village(households, code)),
        people=people,
        share=people / population if population else None,
    )
