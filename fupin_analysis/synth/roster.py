"""The synthetic roster: calibration, households, members, identity numbers, mess.

Part of :mod:`fupin_analysis.synth` (which re-exports the public names). The true roster
is calibrated exactly to the work summary (FACTS §1); the planted spatial pattern lives
in :func:`village_units`. The mess is planted by :mod:`fupin_analysis.synth.mess`.

Examples
--------
>>> units = village_units()
>>> int(units["population"].sum()), int(units["poor_people"].sum())
(32000, 6066)
>>> int(units.loc[units["designated"], "poor_people"].sum())
1597
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema
from ..errors import FupinError
from ..reference import load_villages

__all__ = [
    "DEFAULT_SEED",
    "REFERENCE_DATE",
    "EXPORT_DATE",
    "POVERTY_LINE_2016",
    "TITLE",
    "PLANTED_HIGH_HIGH",
    "PLANTED_HIGH",
    "PLANTED_EXIT_CASES",
    "HEADER_VARIANTS",
    "distance_to_s221_km",
    "elevation_m",
    "gb11643_check",
    "meets_exit_criteria",
    "roster_headers",
    "true_roster",
    "village_units",
]

DEFAULT_SEED = 20161205
REFERENCE_DATE = pd.Timestamp("2016-12-31")
EXPORT_DATE = "2016-12-05"
POVERTY_LINE_2016 = 2952.0
COUNTY_CODE = "430527"
TITLE = "寨市乡建档立卡贫困人口名单（合成数据 SYNTHETIC — 非真实人员）"
EXPORT_ROW = f"导出时间：{EXPORT_DATE}"
FIRST_DATA_ROW = 4  # title row, export-date row, header row


#: Designated villages planted as a High-High cluster (codes, official names).
PLANTED_HIGH_HIGH: tuple[tuple[str, str], ...] = (
    ("430527203222", "表田村"),
    ("430527203228", "铁坡村"),
    ("430527203230", "上翁村"),
    ("430527203231", "翁培村"),
)
#: Their neighbours, planted high too.
PLANTED_HIGH: tuple[tuple[str, str], ...] = (
    ("430527203225", "茶冲村"),
    ("430527203229", "和团村"),
    ("430527203209", "兰家村"),
    ("430527203217", "白寨村"),
)

#: Headers written under an alias instead of the official header (planted variants).
HEADER_VARIANTS: dict[str, str] = {
    "id_number": "身份证号码",
    "main_cause": "致贫原因1",
    "months_worked": "务工时间(月)",
    "income_per_capita": "人均纯收入（元）",
}

# Registered population of each unit (sum 32,000; the 11 designated sum to 6,650) and
# the fixed poor counts of the urban-ish units; the rest is set by the planted pattern.
_POPULATION = {
    "001": 1400, "002": 1200, "201": 1480, "203": 640, "207": 1620, "208": 600,
    "209": 560, "212": 1510, "213": 950, "214": 1560, "216": 1590, "217": 1500,
    "219": 1540, "221": 1000, "222": 520, "224": 1500, "225": 580, "228": 650,
    "229": 1520, "230": 540, "231": 560, "234": 1100, "238": 1600, "242": 640,
    "243": 690, "244": 1660, "245": 900, "246": 1500, "247": 670, "504": 220,
}  # fmt: skip
_FIXED_POOR = {"001": 35, "002": 30, "504": 11, "245": 63, "213": 67, "221": 230, "234": 110}
# GCJ-02 points placed for the six units without a published point (flagged imputed).
_IMPUTED_POINTS = {
    "001": (110.0508, 26.5032),
    "002": (110.0452, 26.4991),
    "245": (110.0545, 26.4950),
    "201": (109.9760, 26.4870),
    "246": (110.1020, 26.4560),
    "247": (109.9750, 26.3600),
}
SEAT_GCJ02 = (110.048322, 26.501493)
COUNTY_SEAT_GCJ02 = (110.156439, 26.576953)
#: Schematic S221 (GCJ-02): from the county seat (NE) through the township seat, south
#: through 黄桑村.
S221_GCJ02 = (
    COUNTY_SEAT_GCJ02,
    (110.1150, 26.5480),
    (110.0800, 26.5200),
    SEAT_GCJ02,
    (110.0520, 26.4600),
    (110.0600, 26.4251),
    (110.0700, 26.3700),
    (110.0850, 26.3000),
)
#: Schematic expressway link (GCJ-02), from the seat towards the east.
EXPRESSWAY_GCJ02 = (SEAT_GCJ02, (110.0900, 26.4880), (110.1400, 26.4700), (110.1800, 26.4650))
_DESIGNATED_SEED_NAME = {
    "203": "李家村", "208": "竹桥村", "209": "兰家村", "222": "表田村", "225": "茶冲村",
    "228": "下铁坡村", "230": "上翁村", "231": "翁培村", "242": "潭泥村", "243": "大湾村",
    "247": "利试村",
}  # fmt: skip


def _local_km(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular km around the seat (good to well under 1% over 40 km)."""
    x = (np.asarray(lon) - SEAT_GCJ02[0]) * 111.32 * np.cos(np.radians(26.5))
    y = (np.asarray(lat) - SEAT_GCJ02[1]) * 110.57
    return x, y


def distance_to_s221_km(lon, lat) -> np.ndarray:
    """Distance (km) from GCJ-02 points to the schematic S221.

    Examples
    --------
    >>> float(distance_to_s221_km([SEAT_GCJ02[0]], [SEAT_GCJ02[1]])[0])
    0.0
    """
    px, py = _local_km(np.atleast_1d(lon), np.atleast_1d(lat))
    line = np.array(S221_GCJ02)
    lx, ly = _local_km(line[:, 0], line[:, 1])
    best = np.full(px.shape, np.inf)
    for i in range(len(lx) - 1):
        ax, ay, bx, by = lx[i], ly[i], lx[i + 1], ly[i + 1]
        t = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)
        t = np.clip(t, 0.0, 1.0)
        best = np.minimum(best, np.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay)))
    return best


def elevation_m(lon, lat) -> np.ndarray:
    """Synthetic mean elevation (m) at GCJ-02 points: higher to the W/NW and off the road.

    Examples
    --------
    >>> bool(elevation_m([109.94], [26.61])[0] > elevation_m([110.05], [26.50])[0])
    True
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    d = distance_to_s221_km(lon, lat)
    return (
        380.0
        + 1100.0 * (110.14 - lon)
        + 600.0 * (lat - 26.30)
        + 30.0 * d
        - 120.0 * np.exp(-d / 1.5)
    )


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(int)
    short = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def village_units() -> pd.DataFrame:
    """The 30 units with their planted attributes (the calibration of the dataset).

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``code``, ``name``, ``urban_rural``, ``designated``,
        ``seed_name`` (the 2016 roster's name for designated villages), ``lon_gcj02``,
        ``lat_gcj02``, ``point_imputed``, ``dist_s221_km``, ``elevation_m``,
        ``population``, ``households`` (registered), ``poor_people`` (target).

    Examples
    --------
    >>> u = village_units()
    >>> len(u), int(u["point_imputed"].sum())
    (30, 6)
    """
    v = load_villages()
    suffix = v["code"].str[-3:]
    lon = v["lon_gcj02"].astype(float).to_numpy(na_value=np.nan).copy()
    lat = v["lat_gcj02"].astype(float).to_numpy(na_value=np.nan).copy()
    imputed = np.isnan(lon)
    for i, s in enumerate(suffix):
        if imputed[i]:
            lon[i], lat[i] = _IMPUTED_POINTS[s]
    units = pd.DataFrame(
        {
            "code": v["code"].astype(str),
            "name": v["name"].astype(str),
            "urban_rural": v["urban_rural"].astype(str),
            "designated": v["designated"].astype(bool),
            "seed_name": suffix.map(_DESIGNATED_SEED_NAME).astype("str"),
            "lon_gcj02": lon,
            "lat_gcj02": lat,
            "point_imputed": imputed,
        }
    )
    units["dist_s221_km"] = distance_to_s221_km(lon, lat).round(3)
    units["elevation_m"] = elevation_m(lon, lat).round(0)
    units["population"] = suffix.map(_POPULATION).astype(int).to_numpy()
    units["households"] = (units["population"] / (3.1 + 0.4 * units["designated"])).round(0)
    units["households"] = units["households"].astype(int)
    units["poor_people"] = _poor_counts(units, suffix)
    return units


def _zscore(values: pd.Series) -> pd.Series:
    return (values - values.mean()) / values.std()


def _poor_counts(units: pd.DataFrame, suffix: pd.Series) -> np.ndarray:
    """Poor people per unit: the planted pattern, scaled to the published totals.

    A score rises with distance from S221 and elevation, plus a bonus for the planted
    cluster; the designated units share 1,597 poor and the other rural units the rest
    of 6,066, in proportion to population × exp(0.33 × score); the urban-ish units
    have fixed small counts.
    """
    score = 0.55 * _zscore(units["dist_s221_km"]) + 0.45 * _zscore(units["elevation_m"])
    score = score.to_numpy()
    score = score + 1.1 * units["code"].isin([c for c, _ in PLANTED_HIGH_HIGH]).to_numpy()
    score = score + 0.9 * units["code"].isin([c for c, _ in PLANTED_HIGH]).to_numpy()
    rate = np.exp(0.33 * score)
    poor = np.zeros(len(units), dtype=int)
    fixed = suffix.isin(_FIXED_POOR).to_numpy()
    poor[fixed] = suffix[fixed].map(_FIXED_POOR).to_numpy()
    designated = units["designated"].to_numpy()
    pop = units["population"].to_numpy()
    poor[designated] = _largest_remainder(rate[designated] * pop[designated], 1597)
    rest = ~designated & ~fixed
    poor[rest] = _largest_remainder(rate[rest] * pop[rest], 6066 - 1597 - poor[fixed].sum())
    return poor


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# --- households and members -------------------------------------------------------

_SURNAMES = np.array(list("杨龙吴蒋李陈刘张黄袁石粟唐肖谢王曾邓向苏"))
_SURNAME_P = np.array([14, 12, 10, 8, 7, 6, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1], float)
_GIVEN = np.array(list("明华国建平志春秋玉梅兰英芳桂香金银文武德军红云海林松柏永福贵生成庆"))
_CAUSES = np.array(
    ["因病", "缺技术", "缺资金", "因残", "因学", "缺劳力", "交通条件落后", "因灾",
     "缺土地", "自身发展动力不足", "缺水", "其他"]
)  # fmt: skip
_CAUSE_P = np.array([28, 18, 17, 8, 7, 8, 5, 3, 2, 2, 1, 1], float)
_PHONE_PREFIX = np.array(["133", "135", "137", "138", "139", "151", "152", "158", "180", "187"])
_WEIGHTS_11643 = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK_CHARS = np.array(list("10X98765432"))


def gb11643_check(first17: pd.Series | list[str]) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters of 17-digit strings (vectorised).

    Examples
    --------
    >>> gb11643_check(["11010519491231002"]).tolist()
    ['X']
    """
    digits = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8) - 48
    total = (digits.reshape(-1, 17).astype(np.int64) * _WEIGHTS_11643).sum(axis=1)
    return _CHECK_CHARS[total % 11]


def _weighted_order(rng: np.random.Generator, idx: np.ndarray, weight: np.ndarray):
    return rng.choice(idx, size=len(idx), replace=False, p=weight / weight.sum())


def _pick_exact(
    rng: np.random.Generator,
    sizes: np.ndarray,
    order: np.ndarray,
    people: int,
    k: int | None = None,
) -> np.ndarray:
    """Indices of households (from ``order``, preferred first) with exactly ``people``
    members and exactly ``k`` households (default: as many as the greedy take of
    ``order`` gives): swaps that close the gap, or a random swap when none does."""
    if k is None:
        k = int(np.searchsorted(np.cumsum(sizes[order]), people, side="right"))
    chosen, rest = order[:k].copy(), order[k:].copy()
    for _ in range(10_000):
        diff = people - int(sizes[chosen].sum())
        if diff == 0:
            return np.sort(chosen)
        delta = sizes[rest][None, :] - sizes[chosen][:, None]
        ok = np.argwhere((np.sign(delta) == np.sign(diff)) & (np.abs(delta) <= abs(diff)))
        if len(ok) == 0:
            ok = np.argwhere(delta != 0)
        if len(ok) == 0:
            break
        i, j = ok[rng.integers(len(ok))]
        chosen[i], rest[j] = rest[j], chosen[i]
    raise FupinError(f"synth: cannot pick households with exactly {people} people")


def _household_sizes(rng: np.random.Generator, poor: np.ndarray, n_households: int):
    n_hh = _largest_remainder(poor.astype(float), n_households)
    sizes = []
    for people, k in zip(poor, n_hh, strict=True):
        s = 1 + rng.multinomial(people - k, np.full(k, 1.0 / k))
        while (s > 8).any():
            big, small = np.argmax(s), rng.choice(np.nonzero(s < 8)[0])
            s[big] -= 1
            s[small] += 1
        sizes.append(s)
    return n_hh, np.concatenate(sizes)


def _members(rng: np.random.Generator, sizes: np.ndarray, head_female: float = 0.12):
    """Vectorised household composition: relation, sex and age of every member."""
    n_hh = len(sizes)
    hh = np.repeat(np.arange(n_hh), sizes)
    starts = np.cumsum(sizes) - sizes
    pos = np.arange(len(hh)) - starts[hh]
    single = sizes == 1
    head_age = np.where(
        single, rng.integers(55, 90, n_hh), np.round(rng.triangular(26, 50, 80, n_hh))
    ).astype(int)
    head_male = rng.random(n_hh) >= head_female
    spouse = (sizes >= 2) & (rng.random(n_hh) < 0.82)
    old = head_age >= 58
    parent = (head_age < 46) & (sizes >= 4) & (rng.random(n_hh) < 0.35)
    u = rng.random(len(hh))
    ha = head_age[hh]
    # positions after head (and spouse): children; in old heads' households the third
    # slot is a daughter-in-law and later slots grandchildren; a parent takes the last slot
    k = pos - 1 - spouse[hh]
    relation = np.full(len(hh), "之子", dtype=object)
    relation[u < 0.45] = "之女"
    relation[(pos == 1) & spouse[hh]] = "配偶"
    in_law = old[hh] & (k == 1) & (sizes[hh] >= 4)
    relation[in_law] = "之儿媳"
    relation[old[hh] & (k == 0) & (sizes[hh] >= 4)] = "之子"  # the daughter-in-law's husband
    grand = old[hh] & (k >= 2)
    relation[grand] = np.where(u[grand] < 0.5, "之孙子", "之孙女")
    last = pos == sizes[hh] - 1
    is_parent = parent[hh] & last & (k >= 1)
    relation[is_parent] = np.where(u[is_parent] < 0.4, "之父", "之母")
    relation[pos == 0] = "户主"
    child = np.isin(relation, ["之子", "之女"])
    age = np.empty(len(hh), dtype=int)
    age[pos == 0] = head_age
    sp = relation == "配偶"
    age[sp] = np.clip(ha[sp] + rng.integers(-6, 3, sp.sum()), 18, 95)
    v = rng.random(len(hh))
    age[child] = np.floor(v[child] * np.clip(ha[child] - 20, 1, 40)).astype(int)
    grown = child & old[hh]
    age[grown] = np.clip(ha[grown] - rng.integers(22, 34, grown.sum()), 16, 70)
    age[in_law] = np.clip(ha[in_law] - rng.integers(22, 34, in_law.sum()), 18, 60)
    age[grand] = np.floor(v[grand] * np.clip(ha[grand] - 42, 1, 25)).astype(int)
    age[is_parent] = np.clip(ha[is_parent] + rng.integers(22, 32, is_parent.sum()), 0, 99)
    male = np.isin(relation, ["之子", "之孙子", "之父"])
    male |= (relation == "户主") & head_male[hh]
    male |= sp & ~head_male[hh]
    return pd.DataFrame({"hh": hh, "pos": pos, "relation": relation, "male": male, "age": age})


def _id_numbers(
    rng: np.random.Generator, birth: pd.Series, male: np.ndarray, area: str = COUNTY_CODE
) -> np.ndarray:
    """Unique valid GB 11643 numbers of the county ``area`` (default 绥宁县) whose birth
    date and sex match."""
    ymd = (birth.dt.year * 10000 + birth.dt.month * 100 + birth.dt.day).to_numpy(np.int64)
    base = (int(area) * 10**8 + ymd) * 1000
    seq = 2 * rng.integers(0, 500, len(ymd)) + male.astype(np.int64)
    while True:
        first17 = base + seq
        dup = pd.Series(first17).duplicated().to_numpy()
        if not dup.any():
            break
        seq[dup] = 2 * rng.integers(0, 500, dup.sum()) + male[dup].astype(np.int64)
    total = np.zeros(len(first17), dtype=np.int64)
    rest = first17.copy()
    for weight in _WEIGHTS_11643[::-1]:
        total += (rest % 10) * weight
        rest //= 10
    return np.char.add(first17.astype(str), _CHECK_CHARS[total % 11])


def _year_end(year: np.ndarray) -> np.ndarray:
    """31 December of each year, as datetime64[D]."""
    return (np.asarray(year, dtype=np.int64) - 1969).astype("datetime64[Y]").astype(
        "datetime64[D]"
    ) - np.timedelta64(1, "D")


def _birth_dates(rng: np.random.Generator, age: np.ndarray) -> pd.Series:
    """Birth dates whose completed age at :data:`REFERENCE_DATE` is ``age``."""
    last = _year_end(REFERENCE_DATE.year - np.asarray(age))
    born = last - rng.integers(0, 365, len(age)).astype("timedelta64[D]")
    return pd.Series(born.astype("datetime64[us]"))


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    given = _GIVEN[rng.integers(0, len(_GIVEN), n)]
    two = rng.random(n) < 0.7
    given = np.where(two, np.char.add(given, _GIVEN[rng.integers(0, len(_GIVEN), n)]), given)
    return given


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    tail = np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)
    return np.char.add(_PHONE_PREFIX[rng.integers(0, len(_PHONE_PREFIX), n)], tail)


def _dates(rng: np.random.Generator, n: int) -> pd.Series:
    """首次识别时间: mostly the 2014 registration drive, some 2015/2016 additions."""
    year = rng.choice([2014, 2015, 2016], n, p=[0.85, 0.10, 0.05])
    months = (np.asarray(year, dtype=np.int64) - 1970) * 12 + 3
    april = months.astype("datetime64[M]").astype("datetime64[D]")
    day = april + rng.integers(0, 200, n).astype("timedelta64[D]")
    return pd.Series(day.astype("datetime64[us]"))


def _person_attributes(rng: np.random.Generator, m: pd.DataFrame) -> pd.DataFrame:
    """Schooling, education, health, labour, insurance by age (vectorised)."""
    n = len(m)
    age = m["age"].to_numpy()
    u = rng.random(n)
    school = np.full(n, "非在校生", dtype=object)
    school[(age >= 3) & (age <= 5) & (u < 0.7)] = "学前教育"
    school[(age >= 6) & (age <= 11)] = "小学"
    school[(age >= 12) & (age <= 14)] = "七至九年级"
    hs = (age >= 15) & (age <= 17)
    school[hs & (u < 0.5)] = "高中"
    school[hs & (u >= 0.5) & (u < 0.8)] = "中职"
    if_15 = (age == 15) & (u >= 0.8)
    school[if_15] = "七至九年级"
    uni = (age >= 18) & (age <= 22)
    school[uni & (u < 0.08)] = "高职"
    school[uni & (u >= 0.08) & (u < 0.16)] = "大专"
    school[uni & (u >= 0.16) & (u < 0.22)] = "本科及以上"
    edu_by_school = {
        "学前教育": "学龄前儿童", "小学": "小学", "七至九年级": "初中", "高中": "高中",
        "中职": "高中", "高职": "大专", "大专": "大专", "本科及以上": "本科及以上",
    }  # fmt: skip
    education = pd.Series(school).map(edu_by_school).to_numpy(dtype=object)
    adult = school == "非在校生"
    w = rng.random(n)
    older = np.clip((age - 20) / 60, 0, 1)
    education[adult] = np.select(
        [w[adult] < 0.05 + 0.45 * older[adult], w[adult] < 0.35 + 0.5 * older[adult],
         w[adult] < 0.85 + 0.1 * older[adult]],
        ["文盲或半文盲", "小学", "初中"],
        "高中",
    )  # fmt: skip
    education[age < 6] = "学龄前儿童"
    h = rng.random(n)
    health = np.full(n, "健康", dtype=object)
    health[h < 0.02 + 0.35 * older] = "长期慢性病"
    health[h < 0.03] = "患有大病"
    health[(h >= 0.97)] = "残疾"
    labour = np.full(n, "无劳动力", dtype=object)
    working = (age >= 16) & (age < 60) & adult
    s = rng.random(n)
    labour[working] = np.select(
        [s[working] < 0.1, s[working] < 0.85], ["技能劳动力", "普通劳动力"], "弱劳动力或半劳动力"
    )
    senior = age >= 60
    labour[senior] = np.where(
        s[senior] < 0.5, "弱劳动力或半劳动力", np.where(s[senior] < 0.8, "丧失劳动力", "无劳动力")
    )
    ill = np.isin(health, ["患有大病", "残疾"]) & (age >= 16)
    labour[ill] = np.where(s[ill] < 0.6, "丧失劳动力", "弱劳动力或半劳动力")
    months = np.where(np.isin(labour, ["普通劳动力", "技能劳动力"]), rng.integers(0, 13, n), 0)
    months = np.where(labour == "弱劳动力或半劳动力", rng.integers(0, 5, n), months)
    return pd.DataFrame(
        {
            "school_status": school,
            "education": education,
            "health": health,
            "labour_skill": labour,
            "months_worked": months,
            "medical_insurance": rng.random(n) < 0.975,
            "critical_illness_insurance": rng.random(n) < 0.955,
        }
    )


def _household_attributes(rng: np.random.Generator, sizes: np.ndarray) -> pd.DataFrame:
    """Household fields drawn at random (before calibration)."""
    n = len(sizes)
    u = rng.random(n)
    single = sizes == 1
    htype = np.where(
        single,
        np.select([u < 0.35, u < 0.7], ["特困供养贫困户", "低保贫困户"], "一般贫困户"),
        np.select([u < 0.02, u < 0.20], ["特困供养贫困户", "低保贫困户"], "一般贫困户"),
    )
    main = rng.choice(_CAUSES, n, p=_CAUSE_P / _CAUSE_P.sum())
    extra = rng.integers(0, 3, n)
    pool = rng.choice(_CAUSES[:9], (n, 2))
    c1 = np.where((extra >= 1) & (pool[:, 0] != main), pool[:, 0], "")
    second = (extra >= 2) & (pool[:, 1] != main) & (pool[:, 1] != pool[:, 0])
    c2 = np.where(second, pool[:, 1], "")
    others = np.where(
        (c1 != "") & (c2 != ""), np.char.add(np.char.add(c1, "、"), c2), np.char.add(c1, c2)
    )
    first = _dates(rng, n)
    return pd.DataFrame(
        {
            "natural_village": np.char.add(rng.integers(1, 13, n).astype(str), "组"),
            "household_type": htype,
            "main_cause": main,
            "other_causes": pd.Series(others, dtype="str").replace("", pd.NA),
            "identification_standard": rng.choice(
                ["国家标准", "省定标准", "市定标准"], n, p=[0.92, 0.06, 0.02]
            ),
            "first_identified": first,
            "dilapidated_house": rng.random(n) < 0.18,
            "safe_water": rng.random(n) >= 0.08,
            "income_per_capita": np.round(rng.uniform(1400, 2940, n), -1),
            "exited": np.zeros(n, dtype=bool),
            "relocation_mode": pd.Series([pd.NA] * n, dtype="str"),
            "household_phone": _phones(rng, n),
        }
    )


def _dropout_ok(m: pd.DataFrame) -> pd.Series:
    """Per member: True unless a 6–15 year-old out of school without a health reason."""
    out = (m["age"] >= 6) & (m["age"] <= 15) & (m["school_status"] == "非在校生")
    return ~(out & ~m["health"].isin(["残疾", "患有大病"]))


def meets_exit_criteria(households: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """The household exit test planted in the dataset (income and 两不愁三保障).

    A household meets it when its per-capita income exceeds the 2016 line (2,952 yuan),
    it is not a dilapidated house (危房户 否), it has safe water, every member has basic
    medical and critical-illness insurance, and no member aged 6–15 is out of school
    except for health reasons (残疾 or 患有大病).

    Parameters
    ----------
    households : pandas.DataFrame
        Indexed by household number; ``income_per_capita``, ``dilapidated_house``,
        ``safe_water`` (booleans for the last two).
    members : pandas.DataFrame
        ``hh`` (household number), ``age``, ``school_status``, ``health``,
        ``medical_insurance``, ``critical_illness_insurance``.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``households``.

    Examples
    --------
    >>> hh = pd.DataFrame({"income_per_capita": [3000.0, 2000.0],
    ...                    "dilapidated_house": [False, False], "safe_water": [True, True]})
    >>> mm = pd.DataFrame({"hh": [0, 1], "age": [40, 40], "school_status": ["非在校生"] * 2,
    ...                    "health": ["健康"] * 2, "medical_insurance": [True, True],
    ...                    "critical_illness_insurance": [True, True]})
    >>> meets_exit_criteria(hh, mm).tolist()
    [True, False]
    """
    ok = _dropout_ok(members) & members["medical_insurance"] & members["critical_illness_insurance"]
    member_ok = ok.groupby(members["hh"]).all().reindex(households.index, fill_value=True)
    return (
        (households["income_per_capita"] > POVERTY_LINE_2016)
        & ~households["dilapidated_house"]
        & households["safe_water"]
        & member_ok
    )


#: Planted exit cases: household counts of false exits (by the criterion they fail) and
#: of households that meet every criterion but are not exited.
PLANTED_EXIT_CASES: dict[str, int] = {
    "false_exit_income": 3,
    "false_exit_house": 2,
    "false_exit_school": 1,
    "false_exit_insurance": 2,
    "eligible_not_exited": 10,
}


def _calibrate(rng, units, hh: pd.DataFrame, m: pd.DataFrame) -> None:
    """Relocation, exits and the exit checks, exactly as FACTS §1 (in place)."""
    sizes = hh["size"].to_numpy()
    unit = units.set_index("code").loc[hh["village_code"]]
    elev = unit["elevation_m"].to_numpy()
    inc = (unit["poor_people"] / unit["population"]).to_numpy()
    rural = (unit["urban_rural"] == "220").to_numpy()
    idx = np.arange(len(hh))
    high = idx[rural & (elev >= 880) & (sizes >= 2) & (sizes <= 6)]
    conc = _pick_exact(rng, sizes, _weighted_order(rng, high, elev[high] - 850), 261, 71)
    hh.loc[conc, "relocation_mode"] = "集中安置"
    mid = np.setdiff1d(idx[rural & (elev >= 600) & (sizes >= 2) & (sizes <= 6)], conc)
    scat = _pick_exact(rng, sizes, rng.permutation(mid), 146, 41)
    hh.loc[scat, "relocation_mode"] = "分散安置"
    hh.loc[conc, "dilapidated_house"] = rng.random(len(conc)) < 0.8
    # dropouts: a few 6–15 year-olds out of school, about half for health reasons
    school_age = m.index[(m["age"] >= 6) & (m["age"] <= 15)].to_numpy()
    drop = rng.choice(school_age, 14, replace=False)
    m.loc[drop, "school_status"] = "非在校生"
    m.loc[drop[:7], "health"] = rng.choice(["残疾", "患有大病"], 7)
    m.loc[drop[:7], "labour_skill"] = "无劳动力"
    pool = np.setdiff1d(idx, conc)
    exited = _pick_exact(rng, sizes, _weighted_order(rng, pool, 1.0 / (0.3 + inc[pool])), 1777)
    hh.loc[exited, "exited"] = True
    members_of = m.groupby("hh").groups
    _make_eligible(rng, hh, m, exited, members_of)
    hh["planted_exit_case"] = pd.Series([pd.NA] * len(hh), dtype="str")
    cases = iter(rng.permutation(np.setdiff1d(exited, scat)))
    for case in ("false_exit_income", "false_exit_house", "false_exit_insurance"):
        for _ in range(PLANTED_EXIT_CASES[case]):
            h = next(cases)
            hh.loc[h, "planted_exit_case"] = case
            if case == "false_exit_income":
                hh.loc[h, "income_per_capita"] = float(np.round(rng.uniform(2500, 2940), -1))
            elif case == "false_exit_house":
                hh.loc[h, "dilapidated_house"] = True
            else:
                m.loc[members_of[h][-1], "medical_insurance"] = False
    kids = m.loc[m["hh"].isin(exited) & m["age"].between(7, 14)]
    kids = kids[hh.loc[kids["hh"], "planted_exit_case"].isna().to_numpy()]
    kid = kids.index[rng.integers(len(kids))]
    m.loc[kid, ["school_status", "health"]] = ["非在校生", "健康"]
    hh.loc[m.loc[kid, "hh"], "planted_exit_case"] = "false_exit_school"
    not_exited = np.setdiff1d(idx, np.concatenate([exited, conc]))
    eligible = rng.choice(not_exited, PLANTED_EXIT_CASES["eligible_not_exited"], replace=False)
    _make_eligible(rng, hh, m, eligible, members_of)
    hh.loc[eligible, "planted_exit_case"] = "eligible_not_exited"


def _make_eligible(rng, hh, m, which, members_of) -> None:
    hh.loc[which, "income_per_capita"] = np.round(rng.uniform(3010, 6800, len(which)), -1)
    hh.loc[which, ["dilapidated_house", "safe_water"]] = [False, True]
    rows = np.concatenate([np.asarray(members_of[h]) for h in which])
    m.loc[rows, ["medical_insurance", "critical_illness_insurance"]] = [True, True]
    bad = m.loc[rows].index[~_dropout_ok(m.loc[rows])]
    m.loc[bad, "school_status"] = np.where(m.loc[bad, "age"] <= 11, "小学", "七至九年级")


_ETHNIC = np.array(["苗族", "侗族", "汉族", "瑶族", "其他"])


def _ethnicity(rng, village_code: np.ndarray, hh: np.ndarray) -> np.ndarray:
    dong = pd.Series(village_code).str[-3:].astype(int).between(221, 231).to_numpy()
    p_dong, p_miao = [0.25, 0.55, 0.18, 0.01, 0.01], [0.55, 0.2, 0.22, 0.02, 0.01]
    base = np.where(
        dong, rng.choice(_ETHNIC, len(dong), p=p_dong), rng.choice(_ETHNIC, len(dong), p=p_miao)
    )
    own = rng.choice(_ETHNIC, len(hh), p=p_miao)
    return np.where(rng.random(len(hh)) < 0.85, base[hh], own)


def true_roster(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The true (clean) roster: one row per registered poor person, FACTS §1 exactly.

    Columns are the canonical names of :data:`fupin_analysis.schema.ROSTER_COLUMNS` with
    clean typed values (household fields on every row; booleans for yes/no fields;
    ``first_identified``/``person_identified``/``birth_date`` as datetimes; ``age`` in
    completed years at :data:`REFERENCE_DATE`), plus ``village_code``, ``birth_date``,
    ``designated``, ``exited``, ``planted_exit_case`` (household-level, NA or a key of
    :data:`PLANTED_EXIT_CASES`) and ``meets_exit_criteria``.

    Examples
    --------
    >>> t = true_roster()  # doctest: +SKIP
    >>> len(t), t["household_id"].nunique()  # doctest: +SKIP
    (6066, 1848)
    """
    rng = np.random.default_rng(seed)
    units = village_units()
    n_hh, sizes = _household_sizes(rng, units["poor_people"].to_numpy(), 1848)
    village = np.repeat(units["code"].to_numpy(), n_hh)
    seq = np.concatenate([np.arange(1, k + 1) for k in n_hh])
    hh = _household_attributes(rng, sizes)
    hh.insert(0, "village_code", village)
    hh.insert(
        1, "household_id", np.char.add(village.astype(str), np.char.zfill(seq.astype(str), 4))
    )
    hh.insert(2, "size", sizes)
    m = _members(rng, sizes)
    m = pd.concat([m, _person_attributes(rng, m)], axis=1)
    # causes of illness and disability show in a member's health
    sick_hh = hh.index[hh["main_cause"].isin(["因病", "因残"])]
    heads = m.index[(m["pos"] == 0) & m["hh"].isin(sick_hh)]
    ill = np.where(hh.loc[m.loc[heads, "hh"], "main_cause"] == "因病",
                   rng.choice(["患有大病", "长期慢性病"], len(heads)), "残疾")  # fmt: skip
    m.loc[heads, "health"] = ill
    m.loc[heads, "labour_skill"] = "弱劳动力或半劳动力"
    _calibrate(rng, units, hh, m)
    hh["meets_exit_criteria"] = meets_exit_criteria(hh, m)
    birth = _birth_dates(rng, m["age"].to_numpy())
    male = m["male"].to_numpy()
    surname = _SURNAMES[rng.choice(len(_SURNAMES), len(hh), p=_SURNAME_P / _SURNAME_P.sum())]
    own_surname = _SURNAMES[rng.choice(len(_SURNAMES), len(m), p=_SURNAME_P / _SURNAME_P.sum())]
    married_in = m["relation"].isin(["配偶", "之儿媳", "之父", "之母"]).to_numpy()
    family = np.where(married_in, own_surname, surname[m["hh"].to_numpy()])
    h = hh.loc[m["hh"]].reset_index(drop=True)
    adult = m["age"].to_numpy() >= 18
    person_phone = np.where(adult & (rng.random(len(m)) < 0.3), _phones(rng, len(m)), None)
    identified = np.maximum(h["first_identified"].to_numpy(), birth.to_numpy())
    out = pd.DataFrame(
        {
            "county": "绥宁县",
            "township": "寨市乡",
            "village": units.set_index("code").loc[h["village_code"], "name"].to_numpy(),
            "natural_village": h["natural_village"],
            "household_id": h["household_id"],
            "person_id": np.char.add(
                h["household_id"].to_numpy(dtype=str),
                np.char.zfill((m["pos"] + 1).to_numpy().astype(str), 2),
            ),
            "name": np.char.add(family.astype(str), _names(rng, len(m)).astype(str)),
            "id_number": _id_numbers(rng, birth, male),
            "sex": np.where(male, "男", "女"),
            "age": m["age"],
            "household_size": h["size"],
            "relation": m["relation"],
            "ethnicity": _ethnicity(rng, hh["village_code"].to_numpy(), m["hh"].to_numpy()),
            "education": m["education"],
            "school_status": m["school_status"],
            "health": m["health"],
            "labour_skill": m["labour_skill"],
            "months_worked": m["months_worked"],
            "medical_insurance": m["medical_insurance"],
            "critical_illness_insurance": m["critical_illness_insurance"],
            "main_cause": h["main_cause"],
            "other_causes": h["other_causes"],
            "dilapidated_house": h["dilapidated_house"],
            "safe_water": h["safe_water"],
            "income_per_capita": h["income_per_capita"],
            "household_phone": h["household_phone"],
            "person_phone": pd.Series(person_phone, dtype="str"),
            "first_identified": h["first_identified"],
            "person_identified": identified,
            "identification_standard": h["identification_standard"],
            "exit_status": np.where(h["exited"], "已脱贫(享受政策)", "未脱贫"),
            "exit_year": pd.array(np.where(h["exited"], 2016, 0), dtype="Int64"),
            "household_type": h["household_type"],
            "relocation_mode": h["relocation_mode"],
            "credit_rated": True,
            "credit_granted": True,
            "village_code": h["village_code"],
            "birth_date": birth,
            "designated": units.set_index("code").loc[h["village_code"], "designated"].to_numpy(),
            "exited": h["exited"],
            "planted_exit_case": h["planted_exit_case"],
            "meets_exit_criteria": h["meets_exit_criteria"],
        }
    )
    out.loc[~out["exited"], "exit_year"] = pd.NA
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("str")
    return out


def roster_headers() -> list[str]:
    """The header row of the embedded roster: official headers with the planted variants.

    Examples
    --------
    >>> h = roster_headers()
    >>> h[:3], "身份证号码" in h, "证件号码" in h
    (['县(市、区、旗)', '乡(镇)', '行政村'], True, False)
    """
    return [HEADER_VARIANTS.get(c.name, c.header) for c in schema.ROSTER_COLUMNS]
