"""``fupin init``: a project folder for any township or county of China.

:func:`init_project` looks the township (or county) up in the national division table
(:mod:`fupin_analysis.divisions`) and writes::

    DIR/
      README.md                 next steps
      registry.csv              population and households per unit, to fill in
      reports.yml               the repository's report config, pointed at this folder
      reference/
        villages.csv            the village-level units (columns of data/reference/)
        crosswalk.csv           every name rosters use → code (unit_names)
        poverty_lines.csv       the national poverty lines (copied from data/reference/)
        README.md               sources, licence, names left out and why

``reference/`` loads with the loaders of :mod:`fupin_analysis.reference` when
``FUPIN_DATA_DIR`` points at ``DIR`` (or ``fupin clean --reference DIR``).
:func:`add_names` records a user's decision about a village name the crosswalk did not
know (``fupin init --add-name OLD=CODE --out DIR``).

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = init_project("寨市乡", Path(tmp) / "zhaishi")
...     sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv"))
['reference/crosswalk.csv', 'reference/poverty_lines.csv', 'reference/villages.csv', 'registry.csv']
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from . import reference as reference_tables
from ._version import __version__
from .divisions import Division, find_division, village_units
from .errors import FupinError
from .report import load_config
from .schema import normalize_text
from .unit_names import crosswalk_names, split_official

__all__ = [
    "REPO_ROOT",
    "VILLAGE_COLUMNS",
    "add_names",
    "init_project",
    "reference_folder",
    "village_table",
]

#: The source checkout this package runs from (notebooks, reports.yml, data/reference).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: Columns of ``villages.csv`` (as ``data/reference/villages.csv``).
VILLAGE_COLUMNS = [
    "code",
    "name",
    "urban_rural",
    "lon_gcj02",
    "lat_gcj02",
    "designated",
    "designated_name",
    "designation_link",
    "source",
    "verified",
]
_SOURCE = (
    "NBS 统计用区划代码 2016 (baseline 2016-07-31) as compiled in Vonng/adcode (CC BY 4.0), "
    "via fupin_analysis/data/divisions_2016.parquet"
)


def _display_names(units: pd.DataFrame) -> pd.Series:
    """Unit names, made unique: where two units share one, the official name, then the
    township in brackets, then the code."""
    names = units["official_name"].map(lambda n: split_official(n).unit)
    for fallback in (
        units["official_name"],
        units["official_name"] + "（" + units["town_name"] + "）",
        units["official_name"] + "（" + units["code"] + "）",
    ):
        names = names.where(~names.duplicated(keep=False), fallback)
    return names


def village_table(units: pd.DataFrame) -> pd.DataFrame:
    """``villages.csv`` rows for village-level units, every value as text.

    Parameters
    ----------
    units : pandas.DataFrame
        :func:`fupin_analysis.divisions.village_units` of a township or county.

    Returns
    -------
    pandas.DataFrame
        :data:`VILLAGE_COLUMNS`: ``name`` is the unit name rosters use (where two
        units share it: the official name, then with the township, then the code),
        points with six decimals, ``designated`` false (the user marks them),
        ``verified`` true.

    Examples
    --------
    >>> table = village_table(village_units("430527203"))
    >>> table.loc[3, ["code", "name", "urban_rural", "lon_gcj02", "designated"]].tolist()
    ['430527203203', '李家村', '220', '110.019444', 'false']
    """
    official = units["official_name"]
    named = official.ne(official.map(lambda n: split_official(n).unit))
    point = units["lon_gcj02"].notna()
    source = (
        _SOURCE
        + named.map({True: "; official name ", False: ""})
        + official.where(named, "")
        + point.map({True: "; point: GCJ-02 (web-map geocoding)", False: "; no point published"})
    )
    return pd.DataFrame(
        {
            "code": units["code"],
            "name": _display_names(units),
            "urban_rural": units["ur_code"].fillna(""),
            "lon_gcj02": units["lon_gcj02"].map(lambda x: "" if pd.isna(x) else f"{x:.6f}"),
            "lat_gcj02": units["lat_gcj02"].map(lambda x: "" if pd.isna(x) else f"{x:.6f}"),
            "designated": "false",
            "designated_name": "",
            "designation_link": "",
            "source": source,
            "verified": "true",
        }
    )[VILLAGE_COLUMNS]


def _crosswalk_table(crosswalk: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": crosswalk["name"],
            "code": crosswalk["code"],
            "evidence": crosswalk["evidence"],
            "old_code": "",
            "verified": "true",
            "source": _SOURCE + "; roster names by fupin_analysis.unit_names",
            "note": crosswalk["note"],
        }
    )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _reports_yml(division: Division, out: Path, template: Path) -> str:
    config = load_config(template)
    notebook_dir = (template.parent / config.notebook_dir).resolve()
    fan_out = "all" if division.level == "town" else "designated"
    notebooks = []
    for entry in config.notebooks:
        item = entry.model_dump(exclude_defaults=True)
        if entry.fan_out is not None:
            item["fan_out"] = fan_out
        notebooks.append(item)
    data = {
        "run_name": division.short_code,
        "notebook_dir": str(notebook_dir),
        "output_root": "reports",
        "jobs": config.jobs,
        "cell_timeout": config.cell_timeout,
        "parameters": config.parameters
        | {
            "roster": str(out / "roster.xlsx"),
            "registry": str(out / "registry.csv"),
            "reference": str(out / "reference"),
            "geography": "",
        },
        "notebooks": notebooks,
    }
    header = (
        f"# Report config of {division.label}, written by `fupin init` from {template}.\n"
        "# Run: FUPIN_DATA_DIR=" + str(out) + " fupin report --config " + str(out / "reports.yml")
        + "\n# Paths are absolute; reports go to reports/<run_name>/ beside this file.\n"
        f"# Fan-out of the village profile: {fan_out} (a county has hundreds of units: mark the\n"
        "# designated ones in reference/villages.csv, or pass --villages CODE,CODE).\n"
    )
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _table_lines(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return lines


def _reference_readme(
    division: Division, units: pd.DataFrame, crosswalk: pd.DataFrame, left_out: pd.DataFrame
) -> str:
    parts = units["official_name"].map(split_official)
    suffixes = pd.Series([p.suffix for p in parts if p.suffix], dtype="str").value_counts()
    nameless = units[~units["code"].isin(crosswalk["code"])]
    lines = [
        f"# Reference tables of {division.label}",
        "",
        f"Written by `fupin init` (fupin_analysis {__version__}) from the NBS statistical "
        "division codes with baseline 2016-07-31 (统计用区划代码), as compiled in the public "
        "repository Vonng/adcode, licensed CC BY 4.0 (data: National Bureau of Statistics of "
        "China), shipped as `fupin_analysis/data/divisions_2016.parquet`. Any use of these "
        "tables must credit Vonng/adcode and NBS.",
        "",
        "| file | rows | what |",
        "|---|---|---|",
        f"| `villages.csv` | {len(units)} | the village-level units: `code`, `name` (the unit "
        "name rosters use, without the committee suffix of the official name; where two "
        "units share it, the official name, with the township or code if need be), "
        "`urban_rural` (NBS urban-rural code), "
        f"GCJ-02 points where published ({int(units['lon_gcj02'].notna().sum())} of "
        f"{len(units)}; web-map geocoding of uneven quality), `designated` |",
        f"| `crosswalk.csv` | {len(crosswalk)} | every name a roster may use → `code`: the "
        "official name (`official_name`), the unit name and the same without 村/社区/嘎查/"
        "居委会 (`same_name`) |",
        "| `poverty_lines.csv` | | national poverty lines (and Hunan's standard), copied from "
        "the repository's `data/reference/` |",
        "",
        "## To do by hand",
        "",
        "- `designated` is **false for every unit**: the source does not say which villages "
        "were provincial-designated poor villages (省定贫困村). Set it to true for yours, with "
        "`designated_name` (the name your documents use) and `designation_link` "
        "(`same_name`, or `assumed` when you are not sure).",
        "- Old names, merged villages and variant spellings are not in the national table. "
        "Add them to `crosswalk.csv` (evidence `renamed`, `variant_spelling`, `code_shift` "
        "with `old_code`, or `assumed` with `verified` false), as the repository's "
        "`data/reference/crosswalk.csv` does for 寨市乡.",
    ]
    if len(suffixes):
        forms = ", ".join(f"{form} ({count})" for form, count in suffixes.items())
        lines += ["", "## Committee suffixes removed", "", f"Official names ended in {forms}."]
    if len(left_out):
        lines += [
            "",
            "## Names left out (the resolver never guesses)",
            "",
            "These names belong to more than one unit here, so a roster row using them is "
            "reported as an unknown village instead of being assigned to one unit:",
            "",
            *_table_lines(left_out),
        ]
    if len(nameless):
        lines += [
            "",
            "## Units with no usable name",
            "",
            "Every name of these units is shared with another unit: rosters must give their "
            "12-digit code, or add a distinguishing name to `crosswalk.csv`:",
            "",
            *_table_lines(nameless[["code", "official_name", "town_name"]]),
        ]
    return "\n".join(lines) + "\n"


def _project_readme(division: Division, out: Path, units: pd.DataFrame) -> str:
    env = f"FUPIN_DATA_DIR={out}"
    towns = f" in {units['town_code'].nunique()} townships" if division.level == "county" else ""
    return "\n".join(
        [
            f"# {division.label}",
            "",
            f"Project folder written by `fupin init {division.short_code}` "
            f"(fupin_analysis {__version__}): {len(units)} village-level units{towns}. "
            "Sources and licence: `reference/README.md`.",
            "",
            "## Next steps",
            "",
            "1. Put your roster at `roster.xlsx` here (or change `roster:` in `reports.yml`).",
            "2. Fill in `registry.csv`: registered population and households of every unit "
            "(the denominators of incidence).",
            "3. In `reference/villages.csv`, mark the provincial-designated poor villages "
            "(`designated` is false for all); add old and variant village names to "
            "`reference/crosswalk.csv` (see `reference/README.md`).",
            "4. Clean the roster against these reference tables:",
            "",
            "   ```sh",
            f"   {env} fupin clean {out / 'roster.xlsx'} --out {out / 'processed'}",
            "   ```",
            "",
            "5. Run the reports:",
            "",
            "   ```sh",
            f"   {env} fupin report --config {out / 'reports.yml'}",
            "   ```",
            "",
            "6. For the dynamics (notebook `06_dynamics`), put the rosters of other years in "
            "a folder `panel/` here, each named with its year (`roster_2015.xlsx`); with "
            "one roster that page says \"not available\".",
            "",
            "`FUPIN_DATA_DIR` makes the package read `reference/` from this folder.",
            "",
        ]
    )


def init_project(
    township: str, out: str | Path, *, template: str | Path | None = None
) -> Path:
    """Write a project folder for a township or county (see the module docstring).

    Parameters
    ----------
    township : str
        A 6-digit county code, a 9- or 12-digit township code, or a name with optional
        county/city/province words (:func:`fupin_analysis.divisions.find_division`).
    out : str or Path
        The folder to write; it must not hold any of the files written.
    template : str or Path, optional
        The report config whose notebooks ``reports.yml`` lists (default: the
        repository's ``reports.yml``).

    Returns
    -------
    Path
        The folder, absolute.

    Raises
    ------
    FupinError
        Unknown or ambiguous township (one line listing the closest names or the
        candidates), a township without village-level units, files already there.
    """
    division = find_division(township)
    units = village_units(division)
    if units.empty:
        raise FupinError(f"{division.label}: no village-level units in the 2016 table")
    out = Path(out).resolve()
    template = Path(template) if template else REPO_ROOT / "reports.yml"
    targets = ["README.md", "registry.csv", "reports.yml", "reference"]
    there = [name for name in targets if (out / name).exists()]
    if there:
        raise FupinError(f"{out}: already holds {', '.join(there)}; choose another --out")
    reports = _reports_yml(division, out, template)
    crosswalk, left_out = crosswalk_names(units)
    villages = village_table(units)

    reference = out / "reference"
    reference.mkdir(parents=True)
    _write_csv(villages, reference / "villages.csv")
    _write_csv(_crosswalk_table(crosswalk), reference / "crosswalk.csv")
    shutil.copyfile(
        REPO_ROOT / "data" / "reference" / "poverty_lines.csv", reference / "poverty_lines.csv"
    )
    (reference / "README.md").write_text(
        _reference_readme(division, units, crosswalk, left_out), encoding="utf-8"
    )
    registry = villages[["code", "name"]].assign(population="", households="")
    _write_csv(registry, out / "registry.csv")
    (out / "reports.yml").write_text(reports, encoding="utf-8")
    (out / "README.md").write_text(_project_readme(division, out, units), encoding="utf-8")
    return out


def reference_folder(folder: str | Path) -> Path:
    """The reference folder of ``folder``: itself when it holds ``villages.csv``, else
    its ``reference/`` (a project folder ``fupin init`` wrote).

    Raises
    ------
    FupinError
        When neither holds ``villages.csv``.

    Examples
    --------
    >>> reference_folder(REPO_ROOT / "data").name
    'reference'
    """
    folder = Path(folder).expanduser()
    for candidate in (folder, folder / "reference"):
        if (candidate / "villages.csv").is_file():
            return candidate.resolve()
    raise FupinError(
        f"{folder}: not a reference folder (no villages.csv in it or in {folder / 'reference'}); "
        "`fupin init TOWNSHIP --out DIR` writes one"
    )


_CODE = re.compile(r"^\d{12}$")


def _parse_pair(pair: str) -> tuple[str, str]:
    name, sep, code = pair.partition("=")
    if not sep or not name.strip() or not code.strip():
        raise FupinError(f"--add-name {pair!r}: write it as NAME=CODE (e.g. 常溪村=430527203207)")
    return name.strip(), code.strip()


def add_names(
    folder: str | Path, pairs: Iterable[str], *, today: dt.date | None = None
) -> pd.DataFrame:
    """Record village names a roster uses in the crosswalk of a reference folder.

    Each ``NAME=CODE`` (CODE a 12-digit code of ``villages.csv``, or a name the
    crosswalk already knows) becomes a row of ``crosswalk.csv``: evidence ``user``,
    ``verified`` false, source ``added by the user on <date>``, appended to the file
    (the rows there are left as they are). A name the crosswalk already links to the
    same unit is left alone.

    Parameters
    ----------
    folder : str or Path
        A reference folder, or a project folder holding one (:func:`reference_folder`).
    pairs : iterable of str
        ``NAME=CODE`` decisions.
    today : datetime.date, optional
        The date written in ``source`` (default: today).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``code``, ``unit`` (the unit's name) and ``added`` (False when the
        crosswalk already had it).

    Raises
    ------
    FupinError
        A malformed pair, a code not in ``villages.csv``, an unknown unit name, or a
        name the crosswalk already links to another unit.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = shutil.copytree(REPO_ROOT / "data" / "reference", folder, dirs_exist_ok=True)
    >>> add_names(folder, ["常溪村=430527203207"], today=dt.date(2026, 1, 2)).values.tolist()
    [['常溪村', '430527203207', '长溪村', True]]
    >>> open(folder / "crosswalk.csv", encoding="utf-8").read().splitlines()[-1]
    '常溪村,430527203207,user,,false,added by the user on 2026-01-02,'
    """
    folder = reference_folder(folder)
    villages = reference_tables.load_villages(folder).set_index("code")["name"]
    crosswalk = reference_tables.load_crosswalk(folder)
    known = dict(zip(crosswalk["name"].map(normalize_text), crosswalk["code"], strict=True))
    date = (today or dt.date.today()).isoformat()
    decided: list[tuple[str, str, str, bool]] = []
    for pair in pairs:
        name, target = _parse_pair(pair)
        code = target if _CODE.match(target) else known.get(normalize_text(target))
        if code is None:
            raise FupinError(
                f"--add-name {pair}: {target!r} is neither a 12-digit code nor a name in "
                f"{folder / 'crosswalk.csv'}"
            )
        if code not in villages.index:
            raise FupinError(
                f"--add-name {pair}: {code} is not a unit of {folder / 'villages.csv'} (a unit "
                "of another township must be added to villages.csv first)"
            )
        key = normalize_text(name)
        if key in known and known[key] != code:
            raise FupinError(
                f"--add-name {pair}: {name} already means {known[key]} "
                f"({villages.get(known[key], '?')}) in {folder / 'crosswalk.csv'}; edit that row "
                "to change it"
            )
        decided.append((name, code, villages[code], key not in known))
        known[key] = code
    added = [d for d in decided if d[3]]
    if added:
        path = folder / "crosswalk.csv"
        header = pd.read_csv(path, nrows=0, encoding="utf-8").columns.tolist()
        text = path.read_bytes()
        with path.open("a", encoding="utf-8", newline="") as handle:
            if text and not text.endswith(b"\n"):
                handle.write("\n")
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
            for name, code, _, _ in added:
                writer.writerow(
                    {
                        **dict.fromkeys(header, ""),
                        "name": name,
                        "code": code,
                        "evidence": "user",
                        "verified": "false",
                        "source": f"added by the user on {date}",
                    }
                )
        for loader in (reference_tables._crosswalk, reference_tables._prefixes):
            loader.cache_clear()  # the next resolution in this process reads the new rows
        reference_tables.load_crosswalk(folder)  # still valid (names unique, codes known)
    return pd.DataFrame(decided, columns=["name", "code", "unit", "added"])
