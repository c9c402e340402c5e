"""The messy export of the synthetic roster and its ground truth; the scale mode.

Part of :mod:`fupin_analysis.synth` (which re-exports the public names).
:func:`messy_roster` plants the defects of real exports in the true roster of
:mod:`fupin_analysis.synth.roster` and returns the ground truth of every raw row;
:func:`scale_roster` makes a large, lightly messy roster for benchmarks.

Examples
--------
>>> sorted(QUARANTINE_DEFECTS)[:2]
['duplicate_person', 'duplicate_row']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import FupinError
from ..reference import resolve_village_names
from .roster import (
    _FULLWIDTH,
    _SURNAMES,
    COUNTY_CODE,
    DEFAULT_SEED,
    FIRST_DATA_ROW,
    _birth_dates,
    _ethnicity,
    _household_attributes,
    _id_numbers,
    _members,
    _names,
    _person_attributes,
    village_units,
)

__all__ = [
    "HEAD_ONLY_FIELDS",
    "QUARANTINE_DEFECTS",
    "MessRates",
    "messy_roster",
    "scale_roster",
]


@dataclass(frozen=True)
class MessRates:
    """Rates of the planted defects (shares of people, rows or households).

    The defaults make a few percent of rows defective. Row-level rates apply to true
    people; household-level rates to households; counts are rounded.
    """

    duplicate_row: float = 0.004
    duplicate_person: float = 0.002
    id_mangled: float = 0.003
    id_invalid: float = 0.0025
    id_missing: float = 0.0015
    id_lowercase_x: float = 0.2  # share of IDs ending in X written with a lowercase x
    unknown_village_households: int = 2
    fullwidth_digits: float = 0.01
    stray_spaces: float = 0.015
    date_format: float = 0.015
    household_fields_head_only: float = 0.02  # households
    household_size_mismatch: float = 0.01  # households
    income_text: float = 0.015  # households
    old_term: float = 0.01  # households, per field (household type, exit status)
    township_variant: float = 0.02  # households
    village_variant: float = 0.03  # non-designated households: short/prefixed names
    # scale of the fixed per-unit chances of an old/variant name (黄桑坪村 0.3, 寨市林场
    # 0.5, 在市村 0.25) and of 李家 without 村 (0.3)
    named_variants: float = 1.0


#: Household fields left blank on members' rows in head-only households.
HEAD_ONLY_FIELDS: tuple[str, ...] = (
    "natural_village", "household_size", "main_cause", "other_causes", "dilapidated_house",
    "safe_water", "income_per_capita", "household_phone", "first_identified",
    "identification_standard", "exit_status", "exit_year", "household_type",
    "relocation_mode", "credit_rated", "credit_granted",
)  # fmt: skip
_HOUSEHOLD_MESS = {"income_text", "household_size_mismatch", "old_term"}
QUARANTINE_DEFECTS = (
    "duplicate_row", "duplicate_person", "id_mangled", "id_invalid", "id_missing",
    "unknown_village",
)  # fmt: skip
# Typos only in villages that are not designated, so that the published designated figure
# stays reproducible from the clean roster plus the quarantine: a refused row with an
# unknown village counts towards the township but cannot be placed in a village.
_TYPOS = {"430527203217": "百寨村", "430527203212": "石里铺村", "430527203207": "常溪村"}
_DATE_FORMATS = ("%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y%m%d", "%Y.%m.%d")


def _text(true: pd.DataFrame) -> pd.DataFrame:
    """Every roster field as the text a clean export holds ('' when empty)."""
    out = pd.DataFrame(index=true.index)
    for col in schema.ROSTER_COLUMNS:
        s = true[col.name]
        if s.dtype == bool:
            s = s.map({True: "是", False: "否"})
        elif s.dtype.kind == "M":
            s = s.dt.strftime("%Y-%m-%d")
        elif s.dtype.kind == "f":
            s = s.map(lambda v: f"{v:.0f}")
        s = s.astype("str").fillna("")
        out[col.name] = s.astype(object)
    return out


def _choose(rng, pool, share_or_n, exclude=()) -> np.ndarray:
    pool = np.setdiff1d(np.asarray(pool), np.asarray(list(exclude), dtype=np.asarray(pool).dtype))
    n = share_or_n if isinstance(share_or_n, int) else int(round(share_or_n * len(pool)))
    return np.sort(rng.choice(pool, min(n, len(pool)), replace=False))


def messy_roster(
    true: pd.DataFrame, seed: int = DEFAULT_SEED, rates: MessRates | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plant the export's defects in the true roster.

    Parameters
    ----------
    true : pandas.DataFrame
        From :func:`true_roster`.
    seed : int
        Seed of the defects (independent of the roster's own draws).
    rates : MessRates, optional
        Defect rates; default :class:`MessRates()`.

    Returns
    -------
    raw : pandas.DataFrame
        One row per data row of the export, canonical column names, every value text
        (``''`` for an empty cell; an Excel-mangled ID is the text ``4.30527E+17``).
    truth : pandas.DataFrame
        Aligned with ``raw``: ``source_row``, ``defects``, ``expected_outcome``,
        ``expected_reason``, ``counts_as_person`` and the ``true_*`` values.

    Examples
    --------
    >>> raw, truth = messy_roster(true_roster())  # doctest: +SKIP
    >>> int(truth["counts_as_person"].sum())  # doctest: +SKIP
    6066
    """
    rates = rates or MessRates()
    rng = np.random.default_rng([seed, 1])
    m = _Mess.of(true)
    unknown, head_only = _plant_village_names(rng, rates, m)
    _plant_household_mess(rng, rates, m, head_only)
    # quarantined ID defects only on members (not heads) of households whose village
    # resolves and whose household fields are on every row
    blocked = m.rows_in(np.concatenate([unknown, head_only]))
    bad_id, x_rows = _plant_id_defects(rng, rates, m, blocked)
    _plant_cell_mess(rng, rates, m, np.r_[bad_id, x_rows], m.rows_in(unknown))
    return _assemble(rng, rates, m, np.r_[blocked, bad_id])


@dataclass
class _Mess:
    """The export being made messy: its text, the defects per row, household index."""

    true: pd.DataFrame
    txt: pd.DataFrame
    defects: list[list[str]]
    hh_of: np.ndarray
    rows_of: pd.Series
    is_head: np.ndarray

    @classmethod
    def of(cls, true: pd.DataFrame) -> _Mess:
        _, hh_of = np.unique(true["household_id"].to_numpy(dtype=str), return_inverse=True)
        return cls(
            true=true,
            txt=_text(true),
            defects=[[] for _ in range(len(true))],
            hh_of=hh_of,
            rows_of=pd.Series(np.arange(len(true))).groupby(hh_of).apply(np.asarray),
            is_head=(true["relation"] == "户主").to_numpy(),
        )

    @property
    def n_hh(self) -> int:
        return len(self.rows_of)

    def first(self, column: str, h: int):
        """The true value of a household field of household ``h``."""
        return self.true[column].iloc[self.rows_of[h][0]]

    def rows_in(self, households) -> np.ndarray:
        return np.concatenate([self.rows_of[h] for h in households] + [np.array([], np.int64)])

    def mark(self, rows, code: str) -> None:
        for r in np.atleast_1d(rows):
            self.defects[r].append(code)

    def set(self, rows, column: str, value) -> None:
        self.txt.loc[rows, column] = value


_VILLAGE_VARIANTS = {
    "430527203234": ("黄桑坪村", 0.3, "village_old_name"),
    "430527203504": ("寨市林场", 0.5, "village_variant"),
    "430527203245": ("在市村", 0.25, "village_variant"),
}


def _plant_village_names(rng, rates: MessRates, m: _Mess) -> tuple[np.ndarray, np.ndarray]:
    """Village names as a 2016 roster writes them; returns the unknown-village and the
    head-only households (chosen here to keep the draws in a fixed order)."""
    units = village_units().set_index("code")
    vcode = m.true["village_code"].to_numpy(dtype=str)
    hh_vcode = vcode[[m.rows_of[h][0] for h in range(m.n_hh)]]
    seed_name = units.loc[vcode, "seed_name"].to_numpy(dtype=object)
    m.txt["village"] = np.where(pd.isna(seed_name), m.txt["village"], seed_name)
    typo_hh = np.nonzero(np.isin(hh_vcode, list(_TYPOS)))[0]
    unknown = _choose(rng, typo_hh, rates.unknown_village_households)
    several = np.nonzero(np.bincount(m.hh_of) >= 2)[0]
    head_only = _choose(rng, several, rates.household_fields_head_only, unknown)
    plain = ~units.loc[hh_vcode, "designated"].to_numpy() & ~np.isin(
        hh_vcode, list(_VILLAGE_VARIANTS)
    )
    scale = rates.named_variants
    for h in range(m.n_hh):
        rows, code = m.rows_of[h], hh_vcode[h]
        if h in unknown:
            m.set(rows, "village", _TYPOS[code])
            m.mark(rows, "unknown_village")
        elif code in _VILLAGE_VARIANTS and rng.random() < _VILLAGE_VARIANTS[code][1] * scale:
            m.set(rows, "village", _VILLAGE_VARIANTS[code][0])
            m.mark(rows, _VILLAGE_VARIANTS[code][2])
        elif code == "430527203203" and rng.random() < 0.3 * scale:
            m.set(rows, "village", "李家")
            m.mark(rows, "village_short_name")
        elif plain[h] and rng.random() < rates.village_variant:
            name = units.loc[code, "name"]
            if rng.random() < 0.5 and name.endswith("村"):
                m.set(rows, "village", name[:-1])
                m.mark(rows, "village_short_name")
            else:
                old = "朝仪乡" if code[-3:] in {"221", "224", "229"} else "绥宁县寨市乡"
                m.set(rows, "village", old + name)
                m.mark(rows, "village_prefix")
    for h in _choose(rng, np.arange(m.n_hh), rates.township_variant):
        m.set(m.rows_of[h], "township", "寨市苗族侗族乡")
        m.mark(m.rows_of[h], "township_variant")
    return unknown, head_only


def _plant_household_mess(rng, rates: MessRates, m: _Mess, head_only: np.ndarray) -> None:
    """人数 off by one, income as text, old terms, household fields on the head only."""
    all_hh = np.arange(m.n_hh)
    for h in _choose(rng, all_hh, rates.household_size_mismatch):
        size = len(m.rows_of[h])
        wrong = size + (1 if size == 1 or rng.random() < 0.5 else -1)
        m.set(m.rows_of[h], "household_size", str(wrong))
        m.mark(m.rows_of[h], "household_size_mismatch")
    for h in _choose(rng, all_hh, rates.income_text):
        value = int(m.first("income_per_capita", h))
        wan = value % 100 == 0 and rng.random() < 0.6
        m.set(m.rows_of[h], "income_per_capita", f"{value / 10000:g}万" if wan else f"{value:,}元")
        m.mark(m.rows_of[h], "income_text")
    old_types = {"特困供养贫困户": "五保户", "低保贫困户": "低保户"}
    types = np.array([m.first("household_type", h) for h in all_hh])
    typed = np.nonzero(np.isin(types, list(old_types)))[0]
    for h in _choose(rng, typed, rates.old_term * m.n_hh / max(len(typed), 1)):
        m.set(m.rows_of[h], "household_type", old_types[types[h]])
        m.mark(m.rows_of[h], "old_term")
    for h in _choose(rng, all_hh, rates.old_term):
        if m.first("exit_status", h) == "返贫":  # no older term for it (yearly rosters only)
            continue
        m.set(m.rows_of[h], "exit_status", "已脱贫" if m.first("exited", h) else "贫困")
        m.mark(m.rows_of[h], "old_term")
    for h in head_only:
        members = m.rows_of[h][~m.is_head[m.rows_of[h]]]
        m.set(members, list(HEAD_ONLY_FIELDS), "")
        for r in members:  # the blanked cells no longer carry their household mess
            m.defects[r] = [c for c in m.defects[r] if c not in _HOUSEHOLD_MESS]
        m.mark(members, "household_fields_head_only")


def _plant_id_defects(rng, rates: MessRates, m: _Mess, blocked: np.ndarray):
    """Mangled, invalid, missing and lowercase-x IDs; returns the quarantined rows and
    the lowercase-x rows."""
    n = len(m.true)
    members_ok = np.setdiff1d(np.nonzero(~m.is_head)[0], blocked)
    ids = m.true["id_number"].to_numpy(dtype=str)
    digit_check = np.char.isdigit(np.array([i[-1] for i in ids]))
    mangled = _choose(rng, members_ok[digit_check[members_ok]], int(round(rates.id_mangled * n)))
    invalid = _choose(rng, members_ok, int(round(rates.id_invalid * n)), mangled)
    missing = _choose(rng, members_ok, int(round(rates.id_missing * n)), np.r_[mangled, invalid])
    col = m.txt.columns.get_loc("id_number")
    for r in mangled:
        m.txt.iat[r, col] = f"{float(ids[r]):.5E}"
        m.mark(r, "id_mangled")
    for r in invalid:
        wrong = [c for c in "0123456789X" if c != ids[r][-1]]
        m.txt.iat[r, col] = ids[r][:-1] + wrong[rng.integers(len(wrong))]
        m.mark(r, "id_invalid")
    for r in missing:
        m.txt.iat[r, col] = ""
        m.mark(r, "id_missing")
    bad_id = np.r_[mangled, invalid, missing]
    x_rows = _choose(rng, np.nonzero(np.char.endswith(ids, "X"))[0], rates.id_lowercase_x, bad_id)
    for r in x_rows:
        m.txt.iat[r, col] = ids[r][:-1] + "x"
        m.mark(r, "id_lowercase_x")
    return bad_id, x_rows


def _plant_cell_mess(rng, rates: MessRates, m: _Mess, touched_id, unknown_rows) -> None:
    """Full-width digits, stray spaces and other date formats in single cells."""
    n = len(m.true)

    def cell(r, column, value=None):
        j = m.txt.columns.get_loc(column)
        if value is None:
            return m.txt.iat[r, j]
        m.txt.iat[r, j] = value

    for r in _choose(rng, np.arange(n), rates.fullwidth_digits):
        cols = ["age", "months_worked"] + ([] if r in touched_id else ["id_number"])
        col = cols[rng.integers(len(cols))]
        cell(r, col, cell(r, col).translate(_FULLWIDTH))
        m.mark(r, "fullwidth_digits")
    for r in _choose(rng, np.arange(n), rates.stray_spaces):
        cols = ["name", "relation"] + ([] if r in unknown_rows else ["village"])
        cols += [] if r in touched_id else ["id_number"]
        col = cols[rng.integers(len(cols))]
        value = cell(r, col)
        k = int(rng.integers(1, len(value))) if len(value) > 1 else 0
        spaced = [f" {value}", f"{value} ", f"{value[:k]} {value[k:]}", f"{value}\u3000"]
        cell(r, col, spaced[rng.integers(len(spaced))])
        m.mark(r, "stray_spaces")
    for r in _choose(rng, np.arange(n), rates.date_format):
        fmt = _DATE_FORMATS[rng.integers(len(_DATE_FORMATS))]
        for col in ("first_identified", "person_identified"):
            if cell(r, col):
                cell(r, col, m.true[col].iloc[r].strftime(fmt))
        m.mark(r, "date_format")


_TRUE_COLUMNS = (
    "id_number", "village_code", "village", "household_id", "relation", "sex", "birth_date",
    "age", "ethnicity", "education", "school_status", "health", "labour_skill",
    "months_worked", "medical_insurance", "critical_illness_insurance", "household_size",
    "income_per_capita", "exit_status", "exit_year", "exited", "relocation_mode",
    "household_type", "main_cause", "dilapidated_house", "safe_water", "first_identified",
    "designated",
)  # fmt: skip


def _assemble(rng, rates: MessRates, m: _Mess, blocked: np.ndarray):
    """Add the duplicate rows, order the export, and build the ground truth."""
    true, txt, defects, hh_of, rows_of, is_head = (
        m.true,
        m.txt,
        m.defects,
        m.hh_of,
        m.rows_of,
        m.is_head,
    )
    n = len(true)
    clean = np.array([not d for d in defects])
    clean[blocked] = False
    dup_rows = _choose(rng, np.nonzero(clean)[0], int(round(rates.duplicate_row * n)))
    dup_people = _choose(
        rng, np.nonzero(clean & ~is_head)[0], int(round(rates.duplicate_person * n)), dup_rows
    )
    bad_hosts = set(hh_of[blocked]) | {
        h
        for h in range(len(rows_of))
        if any("household_fields_head_only" in defects[r] for r in rows_of[h])
    }
    key = np.c_[hh_of, np.arange(n) * 10]
    extra_txt, extra_key, extra_src, extra_kind = [], [], [], []
    for r in dup_rows:
        extra_txt.append(txt.iloc[r])
        extra_key.append((hh_of[r], r * 10 + 1))
        extra_src.append(r)
        extra_kind.append("duplicate_row")
    hosts = np.array([h for h in range(len(rows_of)) if h not in bad_hosts])
    # a repeat must come after the person's own row: someone in the last possible host
    # household has nowhere later to be repeated, and is not planted
    dup_people = [r for r in dup_people if len(hosts) and hh_of[r] < hosts[-1]]
    for j, r in enumerate(dup_people):
        later = hosts[hosts > hh_of[r]].tolist()
        same = [
            h
            for h in later
            if true["village_code"].iloc[rows_of[h][0]] == true["village_code"].iloc[r]
        ]
        host = (same or later)[0 if not same else rng.integers(len(same))]
        row = txt.iloc[rows_of[host][0]].copy()
        person = txt.iloc[r]
        for col in schema.PERSON_COLUMNS:
            row[col] = person[col]
        row["relation"] = "其他"
        row["person_id"] = row["household_id"] + f"{len(rows_of[host]) + 1 + j:02d}"
        extra_txt.append(row)
        extra_key.append((host, 10**7 + j))
        extra_src.append(r)
        extra_kind.append("duplicate_person")
    raw = pd.concat([txt, pd.DataFrame(extra_txt)], ignore_index=True)
    keys = np.r_[key, np.array(extra_key).reshape(-1, 2)]
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    src = np.r_[np.arange(n), np.array(extra_src, dtype=int)]
    kind = np.r_[np.full(n, "", dtype=object), np.array(extra_kind, dtype=object)]
    raw = raw.iloc[order].reset_index(drop=True)
    src, kind = src[order], kind[order]
    row_defects = [
        ";".join(sorted(set(defects[s]))) if not k else k for s, k in zip(src, kind, strict=True)
    ]
    truth = pd.DataFrame({"source_row": np.arange(len(raw)) + FIRST_DATA_ROW})
    truth["defects"] = pd.Series(row_defects, dtype="str").replace("", pd.NA)
    reason = [next((c for c in d.split(";") if c in QUARANTINE_DEFECTS), "") for d in row_defects]
    truth["expected_outcome"] = np.where(np.array(reason) != "", "quarantine", "clean")
    truth["expected_reason"] = pd.Series(reason, dtype="str").replace("", pd.NA)
    truth["counts_as_person"] = kind == ""
    t = true.iloc[src].reset_index(drop=True)
    # a repeated person's true values (household included) are those of the first row
    for col in _TRUE_COLUMNS:
        truth[f"true_{col}"] = t[col]
    truth["planted_exit_case"] = t["planted_exit_case"]
    truth["meets_exit_criteria"] = t["meets_exit_criteria"]
    resolved = resolve_village_names(raw["village"])
    truth["village_evidence"] = resolved["evidence"].astype("str")
    expected = truth["true_village_code"].where(truth["expected_reason"] != "unknown_village", "")
    mismatch = (resolved["code"].fillna("") != expected) & (kind != "duplicate_person")
    if mismatch.any():
        names = sorted(set(raw.loc[mismatch, "village"]))
        raise FupinError(f"synth: village names that do not resolve as planted: {names}")
    return raw, truth


def scale_roster(households: int, seed: int = DEFAULT_SEED, area: str = COUNTY_CODE) -> pa.Table:
    """A large roster for benchmarks: many townships, vectorised, light mess.

    Townships of about 1,850 households each (township column ``合成乡NNNN``), villages
    named after the 30 units of 寨市乡 (so they resolve), household numbers unique
    across townships, valid IDs of the county ``area`` (default 绥宁县); about 1% of rows
    get full-width digits, 2% stray spaces, 0.3% IDs mangled as ``4.30527E+17`` and 0.4%
    are repeated rows.

    Parameters
    ----------
    households : int
        Number of households (≈ 3.3 people each).
    seed : int
        Random seed.
    area : str
        The six-digit county code the identity numbers start with.

    Returns
    -------
    pyarrow.Table
        Canonical column names, every value text ('' for empty).

    Examples
    --------
    >>> r = scale_roster(50).to_pandas()
    >>> int(r["household_id"].nunique()), r.columns[:3].tolist()
    (50, ['county', 'township', 'village'])
    """
    rng = np.random.default_rng([seed, 2])
    sizes = np.minimum(1 + rng.poisson(2.28, households), 8)
    hh = _household_attributes(rng, sizes)
    m = _members(rng, sizes)
    m = pd.concat([m, _person_attributes(rng, m)], axis=1)
    h = m["hh"].to_numpy()
    township = np.arange(households) // 1850
    village = rng.integers(0, 30, households)
    units = village_units()
    exited = rng.random(households) < 0.3
    income = np.where(exited, np.round(rng.uniform(3010, 6800, households), -1),
                      hh["income_per_capita"].to_numpy())  # fmt: skip
    hh_id = np.char.add(
        np.char.add(COUNTY_CODE, np.char.zfill((township + 100).astype(str), 3)),
        np.char.zfill(np.arange(households).astype(str), 7),
    )
    birth = _birth_dates(rng, m["age"].to_numpy())
    male = m["male"].to_numpy()
    yes_no = np.array(["否", "是"])
    first = hh["first_identified"].dt.strftime("%Y-%m-%d")
    # household fields are made per household and spread to members by Arrow's take
    household = {
        "township": np.char.add("合成乡", np.char.zfill(township.astype(str), 4)),
        "village": units["name"].to_numpy(dtype=str)[village],
        "natural_village": hh["natural_village"],
        "household_id": hh_id,
        "household_size": sizes.astype(str),
        "main_cause": hh["main_cause"],
        "other_causes": hh["other_causes"].fillna(""),
        "dilapidated_house": yes_no[hh["dilapidated_house"].to_numpy().astype(int)],
        "safe_water": yes_no[hh["safe_water"].to_numpy().astype(int)],
        "income_per_capita": income.astype(int).astype(str),
        "household_phone": hh["household_phone"],
        "first_identified": first,
        "identification_standard": hh["identification_standard"],
        "exit_status": np.where(exited, "已脱贫(享受政策)", "未脱贫"),
        "exit_year": np.where(exited, "2016", ""),
        "household_type": hh["household_type"],
    }
    n = len(m)
    ids = _id_numbers(rng, birth, male, area)
    pos = m["pos"].to_numpy() + 1
    person = {
        "person_id": np.char.add(hh_id[h], np.char.zfill(pos.astype(str), 2)),
        "name": np.char.add(_SURNAMES[rng.integers(0, len(_SURNAMES), n)], _names(rng, n)),
        "id_number": ids,
        "sex": np.where(male, "男", "女"),
        "age": m["age"].to_numpy().astype(str),
        "relation": m["relation"],
        "ethnicity": _ethnicity(rng, units["code"].to_numpy(dtype=str)[village], h),
        "education": m["education"],
        "school_status": m["school_status"],
        "health": m["health"],
        "labour_skill": m["labour_skill"],
        "months_worked": m["months_worked"].to_numpy().astype(str),
        "medical_insurance": yes_no[m["medical_insurance"].to_numpy().astype(int)],
        "critical_illness_insurance": yes_no[
            m["critical_illness_insurance"].to_numpy().astype(int)
        ],
        "person_identified": first.to_numpy(dtype=str)[h],
    }
    wide = rng.random(n) < 0.01
    person["age"] = np.where(wide, np.char.translate(person["age"], _FULLWIDTH), person["age"])
    spaced = rng.random(n) < 0.02
    person["name"] = np.where(spaced, np.char.add(person["name"], " "), person["name"])
    mangled = (rng.random(n) < 0.003) & np.char.isdigit(ids)
    person["id_number"] = np.where(mangled, "4.30527E+17", ids)
    constant = {"county": "绥宁县", "person_phone": "", "relocation_mode": "",
                "credit_rated": "是", "credit_granted": "是"}  # fmt: skip
    members = pa.array(h)
    columns = {}
    for col in schema.ROSTER_COLUMNS:
        if col.name in household:
            values = pa.array(np.asarray(household[col.name], dtype=str)).take(members)
        elif col.name in person:
            values = pa.array(np.asarray(person[col.name], dtype=str))
        else:
            values = pa.array(np.full(n, constant[col.name]))
        columns[col.name] = values
    take = np.repeat(np.arange(n), 1 + (rng.random(n) < 0.004))
    return pa.table(columns).take(take)
