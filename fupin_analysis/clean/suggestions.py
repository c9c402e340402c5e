"""Suggestions for village names the crosswalk does not know: the closest names of the
same county, from the national division table.

The county is the first six digits of the reference folder's village codes (every county
they span). Names are compared by :func:`fupin_analysis.unit_names.suggest` (official,
unit and short names; difflib's ratio, 0.5 at least). A suggestion outside the reference
folder's units (another township of the county) says so: adding it to the crosswalk
needs that unit in ``villages.csv`` too. Among equal scores the folder's own units
come first.

Examples
--------
>>> from fupin_analysis.reference import reference_dir
>>> village_suggestions(["常溪村", "火星X"], reference_dir())  # doctest: +NORMALIZE_WHITESPACE
{'常溪村': 'closest: 长溪村 430527203207, 坪溪村 430527203244,
 大溪村 430527101213 (武阳镇, not in the reference folder)',
 '火星X': 'no close name in county 430527'}
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..divisions import DIVISIONS_PATH
from ..reference import load_villages
from ..unit_names import split_official, suggest

__all__ = ["village_suggestions"]


@cache
def _county_units(county: str) -> pd.DataFrame:
    """``code``, ``official_name``, ``town_name`` of the county's village-level units (the
    county's rows only are read from the national table)."""
    table = pq.read_table(
        DIVISIONS_PATH,
        columns=["code", "parent", "name", "level"],
        filters=[("code", ">=", county + "000000"), ("code", "<=", county + "999999")],
    ).to_pandas()
    level = table["level"].astype("str")
    towns = table[level.eq("town")].set_index("code")["name"]
    units = table[level.eq("village")]
    return pd.DataFrame(
        {
            "code": units["code"].astype("str"),
            "official_name": units["name"].astype("str"),
            "town_name": units["parent"].map(towns).astype("str"),
        }
    ).reset_index(drop=True)


def village_suggestions(names: list[str], folder: Path, n: int = 3) -> dict[str, str]:
    """Per unknown village name, ``closest: <unit> <code>, …`` (units of the county not
    in the reference folder marked with their township), or ``no close name in county
    <code>``."""
    known = set(load_villages(folder)["code"])
    counties = sorted({code[:6] for code in known})
    if not counties:
        return dict.fromkeys(names, "no close name: the reference folder lists no unit")
    units = pd.concat([_county_units(c) for c in counties], ignore_index=True)
    towns = units.set_index("code")["town_name"]
    out = {}
    for name in names:
        found = suggest(name, units, n=len(units))
        found["elsewhere"] = ~found["code"].isin(known)  # equal scores: this folder's first
        found = found.sort_values(["score", "elsewhere", "code"], ascending=[False, True, True])
        found = found.head(n)
        if found.empty:
            out[name] = f"no close name in county {', '.join(counties)}"
            continue
        listed = []
        for code, official in zip(found["code"], found["official_name"], strict=True):
            where = "" if code in known else f" ({towns[code]}, not in the reference folder)"
            listed.append(f"{split_official(official).unit} {code}{where}")
        out[name] = "closest: " + ", ".join(listed)
    return out
