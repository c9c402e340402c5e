"""What rosters call village-level units, from their official NBS names.

NBS names a village-level unit by its committee: 长乌村委会, 城内社区居委会, 西江镇居民委员会,
双港村委会（南昌经济技术开发区）. Rosters write the unit: 长乌村 or 长乌, 城内社区 or 城内.
:func:`split_official` takes an official name apart, :func:`roster_names` gives the names
rosters use, :func:`crosswalk_names` builds a crosswalk for a set of units that never maps
a name two units could carry, and :func:`suggest` finds the closest units of a county for an
unknown name (difflib of the standard library: the candidates are a county's few hundred
names, so no faster matcher is needed).

Committee suffixes, tried in this order (the first that ends the name applies; the
bracketed parts are optional), with the unit word that replaces them:

- 社区: 社区 + (居民|村民) + (管理委员会|委员会|居委会|村委会|委会|居委): 城内社区居委会 → 城内社区
- 嘎查: 嘎查 + (村民|村|牧) + (委员会|委会): 团结嘎查村委会 → 团结嘎查
- 牧委会: 牧 + (民) + (委员会|委会): 索德牧委会 → 索德牧委会
- 村: 村 + (民) + (委员会|委会|委): 长乌村委会 → 长乌村
- 居委会: 居 + (民) + (委员会|委会|委): 西江镇居民委员会 → 西江镇居委会

A stem that already ends in the unit word keeps it once (新沟村村委会 → 新沟村). A bracketed
note at the end (（南昌经济技术开发区）, (筹)) is dropped first. Other names (林场, 分场,
生活区, typos such as 社区居委会会) are their own unit name. The short name is the unit
name without its unit word (村, 社区, 嘎查, 居委会, 牧委会) when at least two characters
remain.

Examples
--------
>>> roster_names("长乌村委会"), roster_names("城内社区居委会"), roster_names("在市林场")
(['长乌村', '长乌'], ['城内社区', '城内'], ['在市林场'])
>>> parts = split_official("双港村委会（南昌经济技术开发区）")
>>> parts.unit, parts.short, parts.suffix, parts.note
('双港村', '双港', '村委会', '（南昌经济技术开发区）')
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from .schema import normalize_text

__all__ = [
    "COMMITTEE_FORMS",
    "UNIT_WORDS",
    "UnitName",
    "crosswalk_names",
    "roster_names",
    "split_official",
    "suggest",
]

#: (unit word, pattern of the committee suffix ending an official name), in order of trial.
COMMITTEE_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("社区", re.compile(r"社区(?:居民|村民)?(?:管理委员会|委员会|居委会|村委会|委会|居委)$")),
    ("嘎查", re.compile(r"嘎查(?:村民|村|牧)?(?:委员会|委会)$")),
    ("牧委会", re.compile(r"牧民?(?:委员会|委会)$")),
    ("村", re.compile(r"村民?(?:委员会|委会|委)$")),
    ("居委会", re.compile(r"居民?(?:委员会|委会|委)$")),
)
#: Words a short name drops from the end of a unit name (longest first).
UNIT_WORDS = ("居委会", "牧委会", "社区", "嘎查", "村")
_NOTE_RE = re.compile(r"[（(][^（）()]*[）)]$")


@dataclass(frozen=True)
class UnitName:
    """An official name taken apart.

    ``unit`` is what rosters write, ``short`` the same without its unit word (``None``
    when fewer than two characters would remain or the unit name has no unit word),
    ``suffix`` the committee suffix removed (``""`` when none), ``note`` the bracketed
    note removed (``""`` when none).
    """

    official: str
    unit: str
    short: str | None
    suffix: str
    note: str


def split_official(official: str) -> UnitName:
    """Take an official NBS village-level name apart (rules in the module docstring).

    Examples
    --------
    >>> split_official("新沟村村民委员会").unit, split_official("团结嘎查村委会").unit
    ('新沟村', '团结嘎查')
    >>> parts = split_official("西江镇居民委员会")
    >>> parts.unit, parts.short, parts.suffix, parts.note
    ('西江镇居委会', '西江镇', '居民委员会', '')
    >>> split_official("新村村委会").short is None  # 新 alone is too short to be a name
    True
    >>> split_official("于家店村委会（合隆经济开发区）（省级）").note
    '（合隆经济开发区）（省级）'

    """
    name, note = official, ""
    while (match := _NOTE_RE.search(name)) and match.start() > 0:
        name, note = name[: match.start()], match.group(0) + note
    unit, suffix = name, ""
    for word, pattern in COMMITTEE_FORMS:
        match = pattern.search(name)
        if match and match.start() > 0:
            stem, suffix = name[: match.start()], match.group(0)
            unit = stem if stem.endswith(word) else stem + word
            break
    short = None
    for word in UNIT_WORDS:
        if unit.endswith(word) and len(unit) - len(word) >= 2:
            short = unit[: -len(word)]
            break
    return UnitName(official=official, unit=unit, short=short, suffix=suffix, note=note)


def roster_names(official: str) -> list[str]:
    """The names rosters use for a unit: its unit name, then its short name if any.

    Examples
    --------
    >>> roster_names("长乌村委会"), roster_names("西正街社区")
    (['长乌村', '长乌'], ['西正街社区', '西正街'])
    """
    parts = split_official(official)
    return [parts.unit] + ([parts.short] if parts.short else [])


def _forms(units: pd.DataFrame) -> pd.DataFrame:
    """Every name of every unit: official, unit name, short name, with evidence and note."""
    rows = []
    for code, official in zip(units["code"], units["official_name"], strict=True):
        parts = split_official(official)
        rows.append((official, code, "official_name", ""))
        removed = parts.suffix + (f" and the note {parts.note}" if parts.note else "")
        if parts.unit != official:
            rows.append((parts.unit, code, "same_name", f"official name without {removed}"))
        if parts.short:
            word = parts.unit[len(parts.short) :]
            base = "official name" if parts.unit == official else f"unit name {parts.unit}"
            rows.append((parts.short, code, "same_name", f"{base} without {word}"))
    forms = pd.DataFrame(rows, columns=["name", "code", "evidence", "note"])
    forms["key"] = forms["name"].map(normalize_text)
    return forms.drop_duplicates(["key", "code"]).reset_index(drop=True)


def crosswalk_names(units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Crosswalk rows for a set of units, leaving out every name that could mislead.

    A name is left out when two units carry it (李家 of 李家村 and of 李家社区, two 新村村 in
    one county): the resolver looks names up exactly (no 村 added or removed), so every
    name kept resolves to its unit and a left-out name resolves to nothing.

    Parameters
    ----------
    units : pandas.DataFrame
        ``code`` and ``official_name`` (as :func:`fupin_analysis.divisions.village_units`).

    Returns
    -------
    crosswalk : pandas.DataFrame
        ``name``, ``code``, ``evidence`` (``official_name`` or ``same_name``), ``note``.
    left_out : pandas.DataFrame
        ``name``, ``code``, ``reason``: one row per name and unit left out.

    Examples
    --------
    >>> units = pd.DataFrame({"code": ["1", "2", "3"],
    ...                       "official_name": ["李家村委会", "李家社区居委会", "新村村委会"]})
    >>> cw, out = crosswalk_names(units)
    >>> cw["name"].tolist()
    ['李家村委会', '李家村', '李家社区居委会', '李家社区', '新村村委会', '新村']
    >>> out[["name", "code"]].values.tolist()
    [['李家', '1'], ['李家', '2']]
    """
    forms = _forms(units)
    owners = forms.groupby("key")["code"].transform("nunique")
    keep = (owners == 1).to_numpy()
    sharing = forms.groupby("key")["code"].agg(lambda codes: ", ".join(sorted(set(codes))))
    crosswalk = forms.loc[keep, ["name", "code", "evidence", "note"]].reset_index(drop=True)
    dropped = forms[~keep]
    left_out = pd.DataFrame(
        {
            "name": dropped["name"].tolist(),
            "code": dropped["code"].tolist(),
            "reason": ["also a name of " + sharing[k] for k in dropped["key"]],
        },
        dtype="str",
    )
    return crosswalk, left_out


def suggest(name: str, units: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The units whose names are closest to an unknown village name.

    Compares the NFKC-normalised name with every unit, official and short name of
    ``units`` (difflib's ratio) and keeps each unit's best score.

    Parameters
    ----------
    name : str
        A village name as a roster writes it.
    units : pandas.DataFrame
        ``code`` and ``official_name`` of the candidate units, typically the county's
        (:func:`fupin_analysis.divisions.village_units` of the county code).
    n : int
        How many units to return at most.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``official_name``, ``matched`` (the name compared) and ``score``
        (0–1), best first; units scoring under 0.5 are left out.

    Examples
    --------
    >>> from fupin_analysis.divisions import village_units
    >>> suggest("竹乔村", village_units("430527"), n=2)[["official_name", "score"]].values.tolist()
    [['竹溪村', 0.6666666666666666], ['竹桥村', 0.6666666666666666]]
    """
    wanted = normalize_text(name)
    rows = []
    for code, official in zip(units["code"], units["official_name"], strict=True):
        for candidate in dict.fromkeys([official, *roster_names(official)]):
            matcher = difflib.SequenceMatcher(None, wanted, normalize_text(candidate))
            rows.append((code, official, candidate, matcher.ratio()))
    scored = pd.DataFrame(rows, columns=["code", "official_name", "matched", "score"])
    best = scored.sort_values(["score", "code"], ascending=[False, True]).drop_duplicates("code")
    return best[best["score"] >= 0.5].head(n).reset_index(drop=True)
