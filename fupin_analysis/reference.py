"""Reference tables under ``data/reference/``: typed loaders, validated on load.

Tables (compiled from the project's FACTS; each row carries ``source`` and ``verified``):

``villages.csv``
    The 30 NBS village-level units of 寨市苗族侗族乡 (code 430527203): ``code`` (12 digits),
    ``name``, ``urban_rural`` (NBS urban-rural code), ``lon_gcj02``/``lat_gcj02`` (GCJ-02
    point where published), ``designated`` (a provincial-designated poor village),
    ``designated_name`` (the seed's name for it), ``designation_link`` (``same_name`` or
    ``assumed``).
``crosswalk.csv``
    Every name a roster may use for a unit → ``code``, with ``evidence``
    (``official_name``, ``same_name``, ``code_shift``, ``variant_spelling``, ``renamed``,
    ``assumed``) and ``old_code`` for pre-2016 codes.
``poverty_lines.csv``
    ``year``, ``line_yuan``, ``scope`` (``national`` or ``hunan``).
``published.csv`` (optional)
    The township's published figures (its work summary): ``figure``, ``value``,
    ``unit``, ``year``, ``wording``, ``source``, ``verified``. A folder without one
    (every folder ``fupin init`` writes) has no figures to compare with.

National and provincial rules (25 m² per person, the village exit line, 1 mu) are not a
township's: they ship with the package (``fupin_analysis/data/policy.csv``) and
:func:`load_policy` picks the rows of the province of the folder's villages. The place
the folder covers (a township or a county, for titles) is read from the national
division table through the villages' codes (:attr:`Reference.place`).

Examples
--------
>>> ref = load_reference()
>>> len(ref.villages), int(ref.villages["designated"].sum())
(30, 11)
>>> resolve_village_names(pd.Series(["寨市乡李家村", "利试", "火星村"]))["code"].tolist()
['430527203203', '430527203247', <NA>]
>>> poverty_line(2016)
2952.0
>>> load_policy().housing_cap_m2_per_person
25.0
>>> ref.place.short, ref.published_value("registered_people", 2016)
('寨市乡', 6066.0)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from functools import cache, cached_property
from pathlib import Path

import pandas as pd

from .divisions import Division, find_division, load_divisions, short_name
from .errors import FupinError, ReferenceDataError
from .schema import normalize_text

__all__ = [
    "POLICY_PATH",
    "Place",
    "Policy",
    "Reference",
    "data_dir",
    "reference_dir",
    "load_villages",
    "load_crosswalk",
    "load_poverty_lines",
    "load_policy",
    "load_published",
    "load_reference",
    "poverty_line",
    "resolve_village_names",
    "resolve_village",
    "read_village_registry",
    "TOWNSHIP_CODE",
    "COUNTY_CODE",
]

#: County and township of the embedded dataset (寨市乡); other folders: :attr:`Reference.place`.
COUNTY_CODE = "430527"
TOWNSHIP_CODE = "430527203"
#: National and provincial rules shipped with the package (:func:`load_policy`).
POLICY_PATH = Path(__file__).resolve().parent / "data" / "policy.csv"

#: Prefixes a roster may put before a village name (county, township, old townships).
_PREFIXES = (
    "湖南省",
    "邵阳市",
    "绥宁县",
    "寨市苗族侗族乡",
    "在市苗族乡",
    "寨市苗族乡",
    "寨市乡",
    "在市乡",
    "寨市镇",
    "黄桑坪苗族乡",
    "黄桑坪乡",
    "朝仪侗族乡",
    "朝仪乡",
)
_CODE_RE = re.compile(r"^\d{12}$")


def data_dir() -> Path:
    """The project's ``data/`` folder (``FUPIN_DATA_DIR`` overrides it)."""
    env = os.environ.get("FUPIN_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


def reference_dir(folder: str | Path | None = None) -> Path:
    """The folder of the reference tables: ``folder``, else ``data/reference/``.

    ``folder`` is a reference folder such as ``fupin init`` writes (``<project>/reference``);
    without it, ``FUPIN_DATA_DIR/reference`` or the embedded 寨市乡 tables.
    """
    if folder:
        return Path(folder).expanduser().resolve()
    return data_dir() / "reference"


def _read(
    folder: Path, name: str, required: list[str], dtype: dict | None = None
) -> pd.DataFrame:
    path = folder / name
    if not path.exists():
        raise ReferenceDataError(
            f"{path}: reference table missing; restore it from git (git checkout -- {path})"
        )
    frame = pd.read_csv(path, dtype=dtype or str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ReferenceDataError(f"{path}: missing columns {missing}")
    for col in ("verified", "designated"):
        if col in frame.columns:
            bad = ~frame[col].isin(["true", "false"])
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0]) + 2
                raise ReferenceDataError(f"{path}, row {row}, column {col}: not true/false")
            frame[col] = frame[col].eq("true")
    return frame


def _check_codes(frame: pd.DataFrame, path: str) -> None:
    bad = ~frame["code"].str.match(_CODE_RE)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise ReferenceDataError(
            f"{path}, row {row}, column code: {frame['code'].iloc[row - 2]!r} is not a "
            "12-digit NBS division code"
        )


@cache
def _villages(folder: Path) -> pd.DataFrame:
    frame = _read(
        folder,
        "villages.csv",
        ["code", "name", "urban_rural", "lon_gcj02", "lat_gcj02", "designated", "source"],
    )
    _check_codes(frame, "villages.csv")
    if not frame["code"].is_unique:
        raise ReferenceDataError("villages.csv, column code: codes are not unique")
    for col in ("lon_gcj02", "lat_gcj02"):
        frame[col] = pd.to_numeric(frame[col].replace("", None), errors="raise").astype("Float64")
    return frame


def load_villages(folder: str | Path | None = None) -> pd.DataFrame:
    """The village registry (one row per NBS unit), validated; a fresh copy each call.

    Tables are read once per reference folder (:func:`reference_dir`: ``folder``, or
    ``FUPIN_DATA_DIR`` followed at every call).
    """
    return _villages(reference_dir(folder)).copy()


@cache
def _crosswalk(folder: Path) -> pd.DataFrame:
    frame = _read(
        folder, "crosswalk.csv", ["name", "code", "evidence", "old_code", "verified", "source"]
    )
    _check_codes(frame, "crosswalk.csv")
    frame["key"] = frame["name"].map(normalize_text)
    dup = frame["key"].duplicated(keep=False)
    if dup.any():
        raise ReferenceDataError(
            f"crosswalk.csv, column name: ambiguous names {sorted(frame.loc[dup, 'name'])}"
        )
    unknown = ~frame["code"].isin(_villages(folder)["code"])
    if unknown.any():
        raise ReferenceDataError(
            f"crosswalk.csv: codes not in villages.csv: {sorted(frame.loc[unknown, 'code'])}"
        )
    return frame


def load_crosswalk(folder: str | Path | None = None) -> pd.DataFrame:
    """The name crosswalk (name → code, evidence), validated; a fresh copy each call."""
    return _crosswalk(reference_dir(folder)).drop(columns="key").copy()


def load_poverty_lines(folder: str | Path | None = None) -> pd.DataFrame:
    """National (and Hunan) poverty lines by year, yuan per person per year."""
    frame = _read(
        reference_dir(folder),
        "poverty_lines.csv",
        ["year", "line_yuan", "scope", "verified", "source"],
    )
    frame["year"] = frame["year"].astype(int)
    frame["line_yuan"] = frame["line_yuan"].astype(float)
    return frame


def poverty_line(year: int, scope: str = "national", folder: str | Path | None = None) -> float:
    """The poverty line of ``year`` (yuan per person per year).

    Raises
    ------
    ReferenceDataError
        When the table has no line for that year and scope.
    """
    lines = load_poverty_lines(folder)
    hit = lines[(lines["year"] == int(year)) & (lines["scope"] == scope)]
    if hit.empty:
        known = sorted(lines.loc[lines["scope"] == scope, "year"])
        raise ReferenceDataError(
            f"poverty_lines.csv: no {scope} line for {year}; known years {known}"
        )
    return float(hit["line_yuan"].iloc[0])


@dataclass(frozen=True)
class Policy:
    """National and provincial rules the analysis uses (``fupin_analysis/data/policy.csv``).

    None of them is a township's own: a township's published figures are in its
    reference folder (:func:`load_published`).
    """

    housing_cap_m2_per_person: float
    village_exit_incidence: float
    mu_m2: float
    relocation_national_concentrated_share: float
    site_max_slope_deg: float


def _province(folder: Path) -> str | None:
    """The province code of a reference folder's villages (None when they span several)."""
    provinces = set(_villages(folder)["code"].str[:2])
    return provinces.pop() if len(provinces) == 1 else None


@cache
def _policy_table() -> pd.DataFrame:
    frame = _read(POLICY_PATH.parent, POLICY_PATH.name, ["key", "value", "unit", "provinces"])
    frame["provinces"] = frame["provinces"].str.split()
    return frame


def load_policy(folder: str | Path | None = None, *, province: str | None = None) -> Policy:
    """The rules for the province of a reference folder's villages, as a typed :class:`Policy`.

    A row of the policy table applies to every province (``provinces`` empty) or to the
    provinces it lists; a province's own row wins. The western provinces' village exit
    line is 3% (2% elsewhere).

    Parameters
    ----------
    folder : str or Path, optional
        The reference folder (:func:`reference_dir`) whose villages give the province.
    province : str, optional
        A 2-digit province code, instead of the folder's.

    Examples
    --------
    >>> load_policy().village_exit_incidence, load_policy(province="52").village_exit_incidence
    (0.02, 0.03)
    """
    if province is None:
        province = _province(reference_dir(folder))
    frame = _policy_table()
    values = {}
    for row in frame.itertuples():
        general = not row.provinces
        if general and row.key not in values or province in (row.provinces or []):
            values[row.key] = row.value
    names = [f.name for f in fields(Policy)]
    missing = [n for n in names if n not in values]
    if missing:
        raise ReferenceDataError(f"{POLICY_PATH}: missing keys {missing}")
    try:
        return Policy(**{n: float(values[n]) for n in names})
    except ValueError as exc:
        raise ReferenceDataError(f"{POLICY_PATH}, column value: {exc}") from None


#: Columns of ``published.csv`` (:func:`load_published`).
_PUBLISHED_COLUMNS = ["figure", "value", "unit", "year", "wording", "source", "verified"]


def load_published(folder: str | Path | None = None) -> pd.DataFrame | None:
    """The township's published figures (``published.csv`` of the folder), or None.

    Returns
    -------
    pandas.DataFrame or None
        One row per figure: ``figure`` (the ids of
        :func:`fupin_analysis.indicators.work_summary`, and ``exit_target_people``,
        ``township_area_km2``, ``concentrated_site_mu``, ``education_aid_primary_yuan``,
        ``education_aid_secondary_yuan``), ``value`` (float), ``unit``, ``year`` (int),
        ``wording`` (as published), ``source``, ``verified``; None when the folder has no
        ``published.csv``.

    Raises
    ------
    ReferenceDataError
        A missing column, a value or year that is not a number, a figure listed twice
        for one year.

    Examples
    --------
    >>> target = load_published().set_index("figure").loc["exit_target_people"]
    >>> target["value"], target["year"], target["wording"]
    (np.float64(1458.0), np.int64(2016), '脱贫任务为1458人')
    """
    folder = reference_dir(folder)
    if not (folder / "published.csv").is_file():
        return None
    frame = _read(folder, "published.csv", _PUBLISHED_COLUMNS)
    for col, kind in (("value", float), ("year", int)):
        number = pd.to_numeric(frame[col], errors="coerce")
        if number.isna().any():
            row = int(number.isna().to_numpy().nonzero()[0][0]) + 2
            raise ReferenceDataError(
                f"{folder / 'published.csv'}, row {row}, column {col}: not a number"
            )
        frame[col] = number.astype(kind)
    repeated = frame.duplicated(["figure", "year"])
    if repeated.any():
        raise ReferenceDataError(
            f"{folder / 'published.csv'}: figures listed twice for one year: "
            f"{sorted(frame.loc[repeated, 'figure'])}"
        )
    return frame[_PUBLISHED_COLUMNS]


@cache
def _prefixes(folder: Path) -> tuple[str, ...]:
    """Place names a roster may put before a village name, longest first.

    The names (official and everyday, e.g. 寨市苗族侗族乡 and 寨市乡) of the province,
    city, county and township of every unit of the folder, from the national division
    table, and the pre-merger names of 寨市乡 (:data:`_PREFIXES`). Never a bare stem
    (寨市): 寨市村 must stay 寨市村.
    """
    codes = _villages(folder)["code"]
    parents = {c[:n].ljust(12, "0") for c in codes for n in (2, 4, 6, 9)}
    table = load_divisions()
    names = table.loc[table["code"].isin(parents), "name"]
    found = set(names) | {short_name(n) for n in names}
    return tuple(sorted(found | set(_PREFIXES), key=len, reverse=True))


def _without_prefixes(name: str, prefixes: tuple[str, ...]) -> list[str]:
    """``name``, then ``name`` with one more leading place name removed each time."""
    forms = [name]
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if name.startswith(prefix) and len(name) > len(prefix):
                name = name[len(prefix) :]
                forms.append(name)
                changed = True
                break
    return forms


def resolve_village_names(names: pd.Series, folder: str | Path | None = None) -> pd.DataFrame:
    """Resolve village names as a roster writes them to 12-digit codes.

    Names are NFKC-normalised and all whitespace removed; then looked up in the crosswalk
    as written, and again after each leading place name (province, city, county,
    township: :func:`_prefixes`) is removed, exactly (the crosswalk lists each unit with
    and without its 村/社区: adding or removing 村 here would guess between 李家村 and
    李家社区). A 12-digit code of a known unit is accepted as it is.

    Parameters
    ----------
    names : pandas.Series
        Raw village names (any dtype; missing values stay unresolved).
    folder : str or Path, optional
        The reference folder (:func:`reference_dir`).

    Returns
    -------
    pandas.DataFrame
        Aligned with ``names``: ``code`` (string, ``<NA>`` when unresolved),
        ``matched_name`` (the crosswalk name used), ``evidence`` and ``verified`` of
        the link.
    """
    folder = reference_dir(folder)
    cw = _crosswalk(folder).set_index("key")
    known_codes = set(_villages(folder)["code"])
    prefixes = _prefixes(folder)
    out = {"code": [], "matched_name": [], "evidence": [], "verified": []}
    cache_: dict[str, tuple] = {}
    for raw in names.tolist():
        if raw is None or (isinstance(raw, float) and pd.isna(raw)) or raw is pd.NA:
            hit = (None, None, None, None)
        else:
            key = normalize_text(raw)
            if key not in cache_:
                cache_[key] = _resolve_one(key, cw, known_codes, prefixes)
            hit = cache_[key]
        for field, value in zip(out, hit, strict=True):
            out[field].append(value)
    frame = pd.DataFrame(out, index=names.index)
    for col in ("code", "matched_name", "evidence"):
        frame[col] = frame[col].astype("string")
    frame["verified"] = frame["verified"].astype("boolean")
    return frame


def _resolve_one(
    key: str, cw: pd.DataFrame, known_codes: set[str], prefixes: tuple[str, ...]
) -> tuple:
    if key in known_codes:
        return (key, key, "code", True)
    # the name as written first (西江镇居委会 is a unit's name, not 西江镇 + 居委会)
    for form in _without_prefixes(key, prefixes):
        if form in cw.index:
            row = cw.loc[form]
            return (row["code"], row["name"], row["evidence"], bool(row["verified"]))
    return (None, None, None, None)


def resolve_village(village: str, folder: str | Path | None = None) -> str:
    """The 12-digit code of a village given by code or by any crosswalked name.

    Raises
    ------
    FupinError
        When the name is not in the crosswalk.

    Examples
    --------
    >>> resolve_village("430527203203"), resolve_village("寨市乡 李家村"), resolve_village("利试")
    ('430527203203', '430527203203', '430527203247')
    """
    folder = reference_dir(folder)
    code = resolve_village_names(pd.Series([village]), folder)["code"].iloc[0]
    if pd.isna(code):
        raise FupinError(
            f"village {village!r} is not a known unit: give a 12-digit code or a name in "
            f"{folder / 'crosswalk.csv'}"
        )
    return str(code)


def read_village_registry(path: str | Path | None = None) -> pd.DataFrame:
    """Read a village registry: ``code``, ``name``, ``population``, ``households``.

    The registry holds the registered population of each unit, the denominators of
    incidence. Units whose population is left empty (the template ``fupin init``
    writes, still to be filled in) are left out and listed in ``attrs["no_population"]``.

    Parameters
    ----------
    path : str or Path, optional
        CSV file; default the embedded ``data/raw/zhaishi_village_registry_2016.csv``.

    Raises
    ------
    FupinError
        When the file is missing, lacks a column, or a population is not a whole number
        (one line naming the row).

    Examples
    --------
    >>> reg = read_village_registry()
    >>> len(reg), int(reg["population"].sum()), reg.attrs["no_population"]
    (30, 32000, [])
    """
    path = Path(path) if path else data_dir() / "raw" / "zhaishi_village_registry_2016.csv"
    if not path.exists():
        raise FupinError(f"{path}: village registry not found; run `fupin synth` or pass a path")
    frame = pd.read_csv(path, dtype={"code": str}, encoding="utf-8-sig")
    missing = [c for c in ("code", "population") if c not in frame.columns]
    if missing:
        raise FupinError(f"{path}: village registry lacks columns {missing}")
    population = pd.to_numeric(frame["population"], errors="coerce")
    given = frame["population"].notna()
    bad = given & (population.isna() | population.mod(1).ne(0))
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise FupinError(
            f"{path}, row {row + 2}, column population: {frame['population'].iloc[row]!r} "
            "is not a whole number"
        )
    no_population = sorted(frame.loc[~given, "code"].astype(str))
    frame = frame[given].copy()
    frame["population"] = population[given].astype(int)
    frame.attrs["no_population"] = no_population
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class Place:
    """The township (or county) a reference folder covers, for titles and total rows.

    ``code`` is the 9-digit township or 6-digit county code (the code of the total row
    of a table by village), ``name`` the official name (寨市苗族侗族乡), ``short`` the
    everyday one (寨市乡), ``level`` ``town`` or ``county`` (``area`` when the villages
    span several counties: no name).
    """

    code: str
    name: str
    short: str
    level: str

    @property
    def total_label(self) -> str:
        """The name of a total row: 全乡, 全镇, 全县 (else 合计).

        Examples
        --------
        >>> Place("522634101", "西江镇", "西江镇", "town").total_label
        '全镇'
        """
        kind = self.short[-1:]
        return f"全{kind}" if kind in ("乡", "镇", "县") else "合计"

    @classmethod
    def of_codes(cls, codes: pd.Series) -> Place:
        """The smallest township or county holding every village code (the division table).

        Examples
        --------
        >>> Place.of_codes(pd.Series(["522634101204", "522634101205"])).short
        '西江镇'
        >>> county = Place.of_codes(pd.Series(["430527203203", "430527101201"]))
        >>> county.code, county.short, county.level
        ('430527', '绥宁县', 'county')
        """
        for width in (9, 6):
            prefixes = set(codes.astype(str).str[:width])
            if len(prefixes) == 1:
                try:
                    division: Division = find_division(prefixes.pop())
                except FupinError:
                    continue
                return cls(
                    division.short_code, division.name, short_name(division.name), division.level
                )
        return cls("", "", "", "area")


@dataclass(frozen=True)
class Reference:
    """All reference tables of one folder in a bundle (what analysis functions take).

    ``published`` is the township's published figures (:func:`load_published`), None
    when the folder has none; ``policy`` the national and provincial rules for the
    folder's province (:func:`load_policy`).
    """

    villages: pd.DataFrame
    crosswalk: pd.DataFrame
    poverty_lines: pd.DataFrame
    policy: Policy
    folder: Path
    published: pd.DataFrame | None = None

    @property
    def designated_codes(self) -> list[str]:
        """Codes of the provincial-designated poor villages (as crosswalked)."""
        return self.villages.loc[self.villages["designated"], "code"].tolist()

    def village_name(self, code: str) -> str:
        """Official name of a 12-digit code."""
        return self.villages.set_index("code").loc[code, "name"]

    @cached_property
    def place(self) -> Place:
        """The township or county of the villages (:meth:`Place.of_codes`)."""
        return Place.of_codes(self.villages["code"])

    def published_value(self, figure: str, year: int | None = None) -> float:
        """A published figure (of ``year`` when given), NaN when there is none.

        Examples
        --------
        >>> ref = load_reference()
        >>> ref.published_value("exited_people", 2016), ref.published_value("exited_people", 2017)
        (1777.0, nan)
        """
        if self.published is None:
            return float("nan")
        rows = self.published[self.published["figure"] == figure]
        if year is not None:
            rows = rows[rows["year"] == int(year)]
        return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def load_reference(folder: str | Path | Reference | None = None) -> Reference:
    """Load and validate every reference table of a folder (:func:`reference_dir`).

    A :class:`Reference` given is returned as it is, so functions can take either.

    Examples
    --------
    >>> load_reference().folder.name
    'reference'
    """
    if isinstance(folder, Reference):
        return folder
    folder = reference_dir(folder)
    return Reference(
        villages=load_villages(folder),
        crosswalk=load_crosswalk(folder),
        poverty_lines=load_poverty_lines(folder),
        policy=load_policy(folder),
        folder=folder,
        published=load_published(folder),
    )
