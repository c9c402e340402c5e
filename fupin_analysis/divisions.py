"""The national table of NBS statistical division codes (2016), shipped with the package.

``fupin_analysis/data/divisions_2016.parquet`` holds every division of China in the
NBS 统计用区划代码 with baseline 2016-07-31: 713,035 rows from the country down to the
666,655 village-level units (村委会, 居委会, 社区, …), as compiled in the public repository
Vonng/adcode (CC BY 4.0; data: National Bureau of Statistics of China). It is a compacted,
lossless derivative of the project's shared copy, rebuilt with :func:`build` (or
``python -m fupin_analysis.divisions build SRC DST``).

:func:`load_divisions` columns (one row per division, sorted by code):

``code``
    12-digit NBS code (text).
``parent``
    Code of the division above it (the country's is its own).
``name``
    Official name as NBS writes it (village-level names carry their committee
    suffix, e.g. ``长乌村委会``; see :mod:`fupin_analysis.unit_names`).
``level``
    ``country``, ``province``, ``city``, ``county``, ``town`` or ``village``
    (ordered categorical).
``ur_code``
    NBS urban-rural code of a village-level unit (``111`` … ``220``), else missing.
``lon_gcj02``, ``lat_gcj02``
    A GCJ-02 point where one is known (about 9% of village-level units), else NaN.

:func:`find_division` looks a township or county up by code or by name (with optional
county/city/province words), :func:`village_units` lists the village-level units under
it.

Examples
--------
>>> town = find_division("寨市乡")
>>> town.code, town.name, town.place
('430527203000', '寨市苗族侗族乡', '湖南省 邵阳市 绥宁县')
>>> len(village_units(town)), find_division("430527").name
(30, '绥宁县')
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import FupinError

__all__ = [
    "DIVISIONS_PATH",
    "county_extent",
    "LEVELS",
    "AmbiguousDivisionError",
    "Division",
    "UnknownDivisionError",
    "build",
    "find_division",
    "load_divisions",
    "name_stem",
    "short_name",
    "village_units",
]

#: The shipped table (package data).
DIVISIONS_PATH = Path(__file__).resolve().parent / "data" / "divisions_2016.parquet"
#: Levels of the table, top down.
LEVELS = ("country", "province", "city", "county", "town", "village")
#: How the shipped table was made from the shared source (also in its metadata).
DERIVATION = (
    "fupin_analysis.divisions.build: rows sorted by code; code and parent delta-encoded text, "
    "level and ur_code dictionary-encoded, GCJ-02 points byte-stream-split; values as in the "
    "source; zstd level 19"
)
#: City-level names that are placeholders, not places (left out of :attr:`Division.place`).
_PLACEHOLDER_CITIES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
#: The 56 officially recognised ethnic groups, as they appear in autonomous names.
_ETHNIC_GROUPS = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
    "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC = "(?:" + "|".join(sorted((g + "族" for g in _ETHNIC_GROUPS), key=len, reverse=True)) + ")+"
#: Kind words that end the names of provinces, cities, counties and townships.
_KINDS = (
    "街道办事处 特别行政区 自治区 自治州 自治县 自治旗 民族乡 民族镇 办事处 街道 地区 林区 特区 "
    "苏木 省 市 州 盟 县 区 旗 乡 镇"
).split()
_KIND = "|".join(sorted(_KINDS, key=len, reverse=True))
_STEM_RE = re.compile(rf"^(.+?)(?:{_ETHNIC})?(?:{_KIND})$")
_SHORT_RE = re.compile(rf"^(.+?)(?:{_ETHNIC}|民族)(?:自治)?(乡|镇|县|旗|州)$")


class UnknownDivisionError(FupinError):
    """No township or county matches the code or name given."""


class AmbiguousDivisionError(FupinError):
    """Several townships or counties match the name given; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list[Division]):
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class Division:
    """A township (``level == "town"``) or county of the national table.

    ``place`` is the province, city and county names above it (placeholders such as
    市辖区 left out; a county's place ends with its city).
    """

    code: str
    name: str
    level: str
    place: str

    @property
    def short_code(self) -> str:
        """The code without its zero tail: 9 digits for a township, 6 for a county."""
        return self.code[:9] if self.level == "town" else self.code[:6]

    @property
    def label(self) -> str:
        """``name (short code, place)``, as errors and README files show it."""
        return f"{self.name} ({self.short_code}, {self.place})"


def build(src: str | Path, dst: str | Path) -> Path:
    """Write the compacted national table ``dst`` from the shared ``src`` parquet.

    Lossless: :func:`load_divisions` of ``dst`` equals ``src`` sorted by code. The
    source's ``source`` and ``license`` metadata are kept and ``derivation`` added.

    Examples
    --------
    >>> import tempfile
    >>> rows = pa.table({"code": ["430527203203", "430527203000"],
    ...                  "parent": ["430527203000", "430527000000"],
    ...                  "name": ["李家村", "寨市苗族侗族乡"],
    ...                  "level": ["village", "town"], "ur_code": ["220", None],
    ...                  "lon_gcj02": [110.019444, 110.048322], "lat_gcj02": [26.46172, 26.501493]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pq.write_table(rows, Path(tmp) / "src.parquet")
    ...     out = build(Path(tmp) / "src.parquet", Path(tmp) / "dst.parquet")
    ...     load_divisions(out)[["code", "name", "level", "ur_code"]].values.tolist()
    [['430527203000', '寨市苗族侗族乡', 'town', nan], ['430527203203', '李家村', 'village', '220']]
    """
    table = pq.read_table(src)
    for column in ("code", "parent"):
        text = pc.cast(table[column], pa.string())
        if not pc.all(pc.match_substring_regex(text, r"^[1-9]\d{11}$")).as_py():
            raise FupinError(f"{src}, column {column}: not every value is a 12-digit code")
    table = table.sort_by("code")
    compact = pa.table(
        {
            "code": pc.cast(table["code"], pa.string()),
            "parent": pc.cast(table["parent"], pa.string()),
            "name": pc.cast(table["name"], pa.string()),
            "level": pc.cast(table["level"], pa.string()).dictionary_encode(),
            "ur_code": pc.cast(table["ur_code"], pa.string()).dictionary_encode(),
            "lon_gcj02": pc.cast(table["lon_gcj02"], pa.float64()),
            "lat_gcj02": pc.cast(table["lat_gcj02"], pa.float64()),
        }
    )
    meta = dict(table.schema.metadata or {})
    meta[b"derivation"] = DERIVATION.encode()
    compact = compact.replace_schema_metadata(meta)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        compact,
        dst,
        compression="zstd",
        compression_level=19,
        use_dictionary=["level", "ur_code"],
        column_encoding={
            "code": "DELTA_BYTE_ARRAY",
            "parent": "DELTA_BYTE_ARRAY",
            "lon_gcj02": "BYTE_STREAM_SPLIT",
            "lat_gcj02": "BYTE_STREAM_SPLIT",
        },
    )
    return dst


@cache
def _divisions(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FupinError(
            f"{path}: national division table missing; reinstall fupin_analysis or rebuild it "
            "with `python -m fupin_analysis.divisions build SRC DST`"
        )
    table = pq.read_table(path)
    ur_code = table.schema.get_field_index("ur_code")
    frame = table.set_column(ur_code, "ur_code", pc.cast(table["ur_code"], pa.string())).to_pandas()
    frame["level"] = frame["level"].cat.set_categories(LEVELS, ordered=True)
    return frame


def load_divisions(path: str | Path | None = None) -> pd.DataFrame:
    """The national division table (columns in the module docstring); a fresh copy.

    Examples
    --------
    >>> d = load_divisions()
    >>> len(d), d["level"].value_counts()["village"]
    (713035, np.int64(666655))
    >>> d.loc[d["code"] == "430527203203", ["name", "ur_code"]].values.tolist()
    [['李家村', '220']]
    """
    return _divisions(Path(path) if path else DIVISIONS_PATH).copy()


def county_extent(
    code: str, margin: float = 0.25, path: str | Path | None = None
) -> tuple[float, float, float, float] | None:
    """The extent of a county from the points of its divisions, with a margin, in degrees.

    The table has points (GCJ-02, within about 500 m of WGS84: far less than the margin)
    for some of a county's units only, so the extent of those points is widened by
    ``margin`` degrees on every side. What it serves: telling a feature with swapped
    longitude and latitude (thousands of kilometres off) from one in the county.

    Parameters
    ----------
    code : str
        Any code within the county (its first six digits are used).
    margin : float
        Degrees added on each side.
    path : str or Path, optional
        Another division table (default: the shipped one).

    Returns
    -------
    tuple of float or None
        ``(lon_min, lat_min, lon_max, lat_max)``, or ``None`` when the table has no point
        in the county.

    Examples
    --------
    >>> [round(v, 2) for v in county_extent("430527203")]  # 绥宁县
    [109.63, 26.06, 110.76, 27.33]
    >>> county_extent("990000") is None
    True
    """
    table = pq.read_table(
        Path(path) if path else DIVISIONS_PATH, columns=["code", "lon_gcj02", "lat_gcj02"]
    )
    points = table.filter(pc.starts_with(table["code"], str(code)[:6])).to_pandas().dropna()
    if points.empty:
        return None
    return (
        float(points["lon_gcj02"].min()) - margin,
        float(points["lat_gcj02"].min()) - margin,
        float(points["lon_gcj02"].max()) + margin,
        float(points["lat_gcj02"].max()) + margin,
    )


def name_stem(name: str) -> str:
    """A division name without its kind word and the ethnic groups before it.

    Used to match what people type (寨市 for 寨市苗族侗族乡) to official names. A name
    that would be left with fewer than two characters is its own stem.

    Examples
    --------
    >>> name_stem("寨市苗族侗族乡"), name_stem("城步苗族自治县"), name_stem("东华门街道办事处")
    ('寨市', '城步', '东华门')
    >>> name_stem("湘西土家族苗族自治州"), name_stem("城区")
    ('湘西', '城区')
    """
    match = _STEM_RE.match(name)
    return match.group(1) if match and len(match.group(1)) >= 2 else name


def short_name(name: str) -> str:
    """The everyday name of an ethnic or autonomous unit: 寨市苗族侗族乡 → 寨市乡.

    Examples
    --------
    >>> short_name("寨市苗族侗族乡"), short_name("城步苗族自治县"), short_name("绥宁县")
    ('寨市乡', '城步县', '绥宁县')
    """
    match = _SHORT_RE.match(name)
    return match.group(1) + match.group(2) if match else name


@cache
def _places(path: Path) -> pd.DataFrame:
    """Provinces to townships with the names (and stems) of the divisions above them."""
    frame = _divisions(path)
    places = frame[frame["level"].isin(("province", "city", "county", "town"))]
    places = places[["code", "name", "level"]].reset_index(drop=True)
    names = places.set_index("code")["name"]
    stems = {name: name_stem(name) for name in names.unique()} | {"": ""}
    for column, width in (("province", 2), ("city", 4), ("county", 6)):
        above = places["code"].str[:width].str.pad(12, side="right", fillchar="0")
        name = above.map(names).fillna("").astype(str)
        # a division is not above itself; placeholder cities (市辖区, …) are no places
        name = name.where(above.ne(places["code"]) & ~name.isin(_PLACEHOLDER_CITIES), "")
        places[column] = name
        places[f"{column}_stem"] = name.map(stems)
    places["level"] = places["level"].astype(str)
    places["short"] = places["name"].map({name: short_name(name) for name in stems})
    places["stem"] = places["name"].map(stems)
    return places


def _place_text(row) -> str:
    above = {"town": (row.province, row.city, row.county), "county": (row.province, row.city)}
    return " ".join(p for p in above.get(row.level, ()) if p)


def _division(row) -> Division:
    return Division(code=row.code, name=row.name, level=row.level, place=_place_text(row))


def _by_code(digits: str, places: pd.DataFrame, path: Path) -> Division:
    if len(digits) not in (6, 9, 12):
        raise UnknownDivisionError(
            f"{digits}: a code has 6 (county), 9 (township) or 12 digits"
        )
    code = digits.ljust(12, "0")
    hit = places[places["code"] == code]
    if hit.empty and len(digits) == 9:  # one township's code does not end in 000
        hit = places[places["level"].eq("town") & places["code"].str.startswith(digits)]
    if hit.empty:
        frame = _divisions(path)
        level = frame.loc[frame["code"] == code, "level"]
        if not level.empty and level.iloc[0] == "village":
            raise UnknownDivisionError(
                f"{digits}: a village-level code; give its township, {code[:9]}"
            )
        raise UnknownDivisionError(f"{digits}: no division with this code in the 2016 table")
    row = next(hit.itertuples(index=False))
    if row.level not in ("town", "county"):
        raise UnknownDivisionError(
            f"{digits}: {row.name} is a {row.level}; give a township or county"
        )
    return _division(row)


def _by_name(words: list[str], places: pd.DataFrame) -> list[Division]:
    """Townships and counties matching one word, the other words matching their ancestors.

    Each word is tried as the unit's name (so word order does not matter). A word
    matches a name exactly or as its short form (寨市乡 for 寨市苗族侗族乡); a word without
    a kind word (寨市, 绥宁) matches by stem. Other words match an ancestor by stem.
    """
    units = places[places["level"].isin(("town", "county"))]
    found: dict[str, Division] = {}
    for i, word in enumerate(words):
        scope = units
        for other in words[:i] + words[i + 1 :]:
            stem = name_stem(other)
            hit = pd.Series(False, index=scope.index)
            for column in ("province", "city", "county"):
                hit |= scope[f"{column}_stem"].eq(stem)
            scope = scope[hit]
        chosen = scope[scope["name"].eq(word) | scope["short"].eq(word)]
        if chosen.empty and name_stem(word) == word:  # no kind word: 寨市, 绥宁
            chosen = scope[scope["stem"].eq(word)]
        for row in chosen.itertuples(index=False):
            found.setdefault(row.code, _division(row))
    return sorted(found.values(), key=lambda d: d.code)


def find_division(query: str, path: str | Path | None = None) -> Division:
    """The township or county a code or name designates.

    Parameters
    ----------
    query : str
        A code (6 digits: county; 9 or 12: township or county) or a name, optionally
        followed (or preceded) by county, city or province words separated by spaces:
        ``"寨市乡"``, ``"西江镇 雷山县"``. Names match exactly, in their everyday short
        form (寨市苗族侗族乡 as 寨市乡) or, for a word without a kind word such as 乡,
        镇, 县, by stem (寨市); a name with another kind word does not match (寨市镇 is
        unknown, with 寨市苗族侗族乡 among the closest names).
    path : str or Path, optional
        The national table (default: the shipped one).

    Raises
    ------
    UnknownDivisionError
        No match; the message lists the closest names (difflib).
    AmbiguousDivisionError
        Several matches; the message lists them with their county, city and province.

    Examples
    --------
    >>> find_division("430527203").label
    '寨市苗族侗族乡 (430527203, 湖南省 邵阳市 绥宁县)'
    >>> find_division("西江镇 雷山县").label
    '西江镇 (522634101, 贵州省 黔东南苗族侗族自治州 雷山县)'
    """
    path = Path(path) if path else DIVISIONS_PATH
    places = _places(path)
    words = unicodedata.normalize("NFKC", str(query)).split()
    if not words:
        raise UnknownDivisionError("give a township or county code or name")
    if len(words) == 1 and words[0].isdigit():
        return _by_code(words[0], places, path)
    hits = _by_name(words, places)
    if len(hits) == 1:
        return hits[0]
    if hits:
        shown = "; ".join(d.label for d in hits[:12])
        more = f"; and {len(hits) - 12} more" if len(hits) > 12 else ""
        raise AmbiguousDivisionError(
            f"{query}: {len(hits)} townships or counties match: {shown}{more}; add a county, "
            "city or province word (e.g. \"西江镇 雷山县\") or give the code",
            hits,
        )
    raise UnknownDivisionError(
        f"{query}: no township or county of that name{_closest(words, places)}"
    )


def _closest(words: list[str], places: pd.DataFrame) -> str:
    """``; closest: a (place), …``: names of the same stem first, then difflib's closest."""
    units = places[places["level"].isin(("town", "county"))]
    same_stem = units.loc[units["stem"].eq(name_stem(words[0])), "name"].tolist()
    names = sorted(set(units["name"]) | set(units["short"]))
    close = same_stem + difflib.get_close_matches(words[0], names, n=5, cutoff=0.6)
    labels = []
    for name in dict.fromkeys(close):
        rows = units[units["name"].eq(name) | units["short"].eq(name)]
        row = next(rows.itertuples(index=False))
        extra = f" and {len(rows) - 1} more" if len(rows) > 1 else ""
        labels.append(f"{row.name} ({_place_text(row)}{extra})")
    return "; closest: " + ", ".join(labels[:5]) if labels else ""


def village_units(division: Division | str, path: str | Path | None = None) -> pd.DataFrame:
    """The village-level units of a township or county, sorted by code.

    Parameters
    ----------
    division : Division or str
        A :class:`Division`, or a code or name for :func:`find_division`.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``official_name``, ``ur_code``, ``lon_gcj02``, ``lat_gcj02``,
        ``town_code`` (12 digits) and ``town_name``.

    Examples
    --------
    >>> units = village_units("430527203")
    >>> len(units), units["official_name"].iloc[3], units["town_name"].unique().tolist()
    (30, '李家村', ['寨市苗族侗族乡'])
    >>> len(village_units("430527")), village_units("430527")["town_code"].nunique()
    (239, 17)
    """
    path = Path(path) if path else DIVISIONS_PATH
    if not isinstance(division, Division):
        division = find_division(division, path)
    frame = _divisions(path)
    if division.level == "town":
        towns = frame[frame["code"] == division.code]
    else:
        towns = frame[(frame["parent"] == division.code) & (frame["level"] == "town")]
    units = frame[frame["parent"].isin(towns["code"]) & (frame["level"] == "village")]
    out = units.rename(columns={"name": "official_name", "parent": "town_code"})
    out["town_name"] = out["town_code"].map(towns.set_index("code")["name"]).astype(str)
    columns = ["code", "official_name", "ur_code", "lon_gcj02", "lat_gcj02", "town_code"]
    return out[[*columns, "town_name"]].sort_values("code").reset_index(drop=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fupin_analysis.divisions build SRC DST``: rebuild the shipped table."""
    parser = argparse.ArgumentParser(prog="python -m fupin_analysis.divisions")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="compact the shared national table into the package")
    p.add_argument("src", type=Path, help="the shared divisions_2016.parquet")
    p.add_argument("dst", type=Path, nargs="?", default=DIVISIONS_PATH, help="output parquet")
    args = parser.parse_args(argv)
    print(build(args.src, args.dst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
