"""What notebook ``06_dynamics`` shows: poverty by village and year, and how it moved.

Every function takes a :class:`~fupin_analysis.panel.Panel` (or a table made from one)
and returns a tidy table; the spatial ones use :mod:`fupin_analysis.spatial` as it is,
on the same weights every year.

:func:`incidence_by_year`
    poor people per village and year over the registered population, with Wilson
    intervals, and the people below that year's poverty line (``poverty_lines.csv``);
:func:`designated_share`
    the designated villages' share of the poor, year by year;
:func:`flows`
    the poor at the start and end of each year per village, and the transitions between;
:func:`returns_by_village`
    exited households that returned to poverty (返贫), per village;
:func:`yearly_rates`, :func:`clusters_by_year`, :func:`cluster_changes`
    village rates with polygons per year, global and local Moran per year, and which
    local clusters appear, persist or dissolve.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import spatial
from ..datum import metric_crs
from ..errors import ConfigError
from ..reference import load_poverty_lines

__all__ = [
    "FLOW_COLUMNS",
    "CHANGES",
    "poor_people",
    "incidence_by_year",
    "designated_share",
    "flows",
    "returns_by_village",
    "return_rates",
    "yearly_rates",
    "clusters_by_year",
    "cluster_changes",
]

#: Transition columns of :func:`flows`, in order (entered, then left).
FLOW_COLUMNS: tuple[str, ...] = (
    "new", "returned", "born_or_married_in", "exited", "removed", "died_or_married_out",
    "household_gone",
)  # fmt: skip
#: Values of ``change`` in :func:`cluster_changes`.
CHANGES: tuple[str, ...] = ("appeared", "persisted", "changed", "dissolved")
_CLUSTERS = ("High-High", "Low-Low", "High-Low", "Low-High")


def poor_people(person_years: pd.DataFrame, year: int) -> pd.DataFrame:
    """The poor of ``year`` (state ``poor``): ``person_key``, ``village_code``, one row each.

    Examples
    --------
    >>> p = pd.DataFrame({"person_key": ["a", "b"], "year": [2016, 2016],
    ...                   "village_code": ["1", "1"], "state": ["poor", "exited"]})
    >>> poor_people(p, 2016)["person_key"].tolist()
    ['a']
    """
    rows = (person_years["year"] == year) & (person_years["state"] == "poor")
    return person_years.loc[rows, ["person_key", "village_code"]].reset_index(drop=True)


def _line(year: int, lines: pd.DataFrame, scope: str) -> float:
    hit = lines[(lines["year"] == year) & (lines["scope"] == scope)]
    if hit.empty:
        known = sorted(lines.loc[lines["scope"] == scope, "year"])
        raise ConfigError(f"poverty_lines.csv: no {scope} line for {year}; known years {known}")
    return float(hit["line_yuan"].iloc[0])


def incidence_by_year(
    person_years: pd.DataFrame,
    registry: pd.DataFrame,
    years: tuple[int, ...],
    *,
    scope: str = "national",
    reference: str | None = None,
) -> pd.DataFrame:
    """Poverty incidence per village and year, and who is below that year's line.

    ``poor`` counts the people of households not exited at the end of the year (未脱贫
    or 返贫), over the registry's population (the same denominators every year: the
    registry is of one year). ``below_line`` counts the registered people (exited or not)
    whose household's income per head is below the year's poverty line, read from
    ``poverty_lines.csv`` for ``scope`` (the national line by default).

    Parameters
    ----------
    person_years : pandas.DataFrame
        ``Panel.person_years``.
    registry : pandas.DataFrame
        The village registry: ``code``, ``population`` (and ``name``).
    years : tuple of int
        The years to give.
    scope : str
        Scope of the poverty line (``national`` or ``hunan``).
    reference : str, optional
        Reference folder of the poverty lines (default: the package's).

    Returns
    -------
    pandas.DataFrame
        One row per village and year, in registry order then year: ``year``, ``code``,
        ``name``, ``designated``, ``population``, ``poor``, ``incidence``, ``ci_low``,
        ``ci_high``, ``line_yuan``, ``below_line``, ``incidence_below_line``.

    Raises
    ------
    ConfigError
        When the line of a year is not in the table.
    """
    lines = load_poverty_lines(reference)
    out = []
    for year in years:
        inc = spatial.incidence(poor_people(person_years, year), registry, year, count="registered")
        rows = person_years[person_years["year"] == year]
        line = _line(year, lines, scope)
        income = pd.to_numeric(rows["income_per_capita"], errors="coerce")
        below = rows[income < line].groupby("village_code").size()
        inc["line_yuan"] = line
        inc["below_line"] = below.reindex(inc["code"], fill_value=0).to_numpy().astype("int64")
        inc["incidence_below_line"] = inc["below_line"] / inc["population"]
        inc.insert(0, "year", int(year))
        out.append(inc)
    result = pd.concat(out, ignore_index=True)
    result["poor"] = result["poor"].astype("int64")
    return result


def designated_share(incidence: pd.DataFrame) -> pd.DataFrame:
    """The designated villages' share of the poor and of the population, per year.

    Examples
    --------
    >>> inc = pd.DataFrame({"year": [2016] * 2 + [2017] * 2, "designated": [True, False] * 2,
    ...                     "population": [100, 300] * 2, "poor": [30, 30, 20, 10]})
    >>> share = designated_share(inc)
    >>> share[["year", "poor", "designated_poor"]].values.tolist()
    [[2016, 60, 30], [2017, 30, 20]]
    >>> share["designated_share"].round(3).tolist(), share["concentration_ratio"].round(3).tolist()
    ([0.5, 0.667], [2.0, 2.667])
    """
    by = incidence.assign(
        designated_poor=incidence["poor"].where(incidence["designated"].astype(bool), 0),
        designated_population=incidence["population"].where(
            incidence["designated"].astype(bool), 0
        ),
    ).groupby("year")
    total = by[["poor", "designated_poor", "population", "designated_population"]].sum()
    out = pd.DataFrame(
        {
            "year": total.index.astype("int64"),
            "poor": total["poor"].astype("int64").to_numpy(),
            "designated_poor": total["designated_poor"].astype("int64").to_numpy(),
            "designated_share": (total["designated_poor"] / total["poor"]).to_numpy(),
            "population_share": (total["designated_population"] / total["population"]).to_numpy(),
        }
    )
    out["concentration_ratio"] = out["designated_share"] / out["population_share"]
    return out


def flows(transitions: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """The poor at the start and end of each year per village, and what moved them.

    A person is counted in the village of their household at the end of the year (at
    the start when they left). ``poor_end = poor_start + entered - left + unobserved_in
    - unobserved_out``. A row per village of the registry and year, and a township total
    (``code``: the township's 9 digits, ``name`` 全乡).

    Parameters
    ----------
    transitions : pandas.DataFrame
        ``Panel.transitions``.
    registry : pandas.DataFrame
        The village registry: ``code``, ``name``.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``code``, ``name``, ``poor_start``, ``stayed``, ``entered``, the
        columns of :data:`FLOW_COLUMNS` (``returned`` counts returns to poverty, from
        exited or after a gap; ``exited`` counts exits of the poor), ``left``,
        ``unobserved_in``, ``unobserved_out``, ``poor_end``.
    """
    t = transitions
    poor_side = t["group"].isin(["entered", "left", "stayed"])
    counted = t[poor_side].assign(
        column=np.where(t.loc[poor_side, "group"] == "stayed", "stayed",
                        t.loc[poor_side, "transition"])
    )  # fmt: skip
    columns = ["stayed", *FLOW_COLUMNS]
    table = pd.crosstab([counted["year"], counted["village_code"]], counted["column"])
    table = table.reindex(columns=columns, fill_value=0)
    groups = pd.crosstab([t["year"], t["village_code"]], t["group"]).reindex(
        columns=["entered", "left"], fill_value=0
    )
    moves = {
        "poor_start": t["from_state"] == "poor",
        "poor_end": t["state"] == "poor",
        "unobserved_in": (t["group"] == "unobserved") & (t["state"] == "poor"),
        "unobserved_out": (t["group"] == "unobserved") & (t["from_state"] == "poor"),
    }
    counts = pd.DataFrame(
        {name: mask.groupby([t["year"], t["village_code"]]).sum() for name, mask in moves.items()}
    )
    years = sorted(t["year"].unique())
    index = pd.MultiIndex.from_product(
        [years, registry["code"].astype("str")], names=["year", "village_code"]
    )
    wide = pd.concat([counts, table, groups], axis=1).reindex(index, fill_value=0).fillna(0)
    wide = wide.astype("int64").reset_index().rename(columns={"village_code": "code"})
    wide["name"] = wide["code"].map(registry.set_index(registry["code"].astype("str"))["name"])
    order = ["year", "code", "name", "poor_start", "stayed", "entered", *FLOW_COLUMNS[:3],
             "left", *FLOW_COLUMNS[3:], "unobserved_in", "unobserved_out", "poor_end"]  # fmt: skip
    wide = wide[order]
    totals = wide.groupby("year", as_index=False)[order[3:]].sum()
    totals["code"] = str(registry["code"].astype("str").iloc[0])[:9]
    totals["name"] = "全乡"
    both = pd.concat([wide, totals[order]], ignore_index=True)
    return both.sort_values(["year"], kind="stable").reset_index(drop=True)


def returns_by_village(
    household_years: pd.DataFrame, transitions: pd.DataFrame, registry: pd.DataFrame
) -> pd.DataFrame:
    """Returns to poverty per village: of the households ever exited, how many returned.

    ``exited_households`` counts the households (followed across years) seen exited in
    some roster before the last; ``returned_households`` those of them later seen poor
    again (with or without a 返贫 mark); ``returned_people`` the people returned. Counted
    in the village of the household when it returned (else when it exited).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``designated``, ``exited_households``,
        ``returned_households``, ``return_rate`` (returned / exited households),
        ``returned_people``.
    """
    h = household_years
    last = h["year"].max()
    exited = h[h["exited"].astype(bool) & (h["year"] < last)]
    exited = exited.sort_values("year").drop_duplicates("panel_household")
    back = transitions[(transitions["from_state"] == "exited") & (transitions["state"] == "poor")]
    returned_households = back.drop_duplicates("panel_household")
    village_of = pd.concat(
        [returned_households.set_index("panel_household")["village_code"],
         exited.set_index("panel_household")["village_code"]]
    )  # fmt: skip
    village_of = village_of[~village_of.index.duplicated()]
    ever = exited["panel_household"].map(village_of).value_counts()
    came_back = returned_households["panel_household"].map(village_of).value_counts()
    people = back.groupby("village_code").size()
    codes = registry["code"].astype("str")
    out = pd.DataFrame(
        {
            "code": codes.to_numpy(),
            "name": registry["name"].to_numpy(),
            "exited_households": ever.reindex(codes, fill_value=0).astype("int64").to_numpy(),
            "returned_households": came_back.reindex(codes, fill_value=0)
            .astype("int64")
            .to_numpy(),
            "returned_people": people.reindex(codes, fill_value=0).astype("int64").to_numpy(),
        }
    )
    designated = h.drop_duplicates("village_code").set_index("village_code")["designated"]
    out.insert(2, "designated", out["code"].map(designated).fillna(False).astype(bool))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = out["returned_households"] / out["exited_households"]
    out.insert(5, "return_rate", rate.where(out["exited_households"] > 0, 0.0))
    return out


def return_rates(returns: pd.DataFrame, villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The village polygons with their return rate, in the metric CRS, indexed by code
    (the frame :func:`clusters_by_year`-style statistics take).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> v = gpd.GeoDataFrame({"code": ["1", "2"]}, geometry=[box(110, 26, 110.1, 26.1),
    ...                      box(110.1, 26, 110.2, 26.1)], crs="EPSG:4326")
    >>> r = pd.DataFrame({"code": ["2", "1"], "name": ["B", "A"], "designated": [0, 1],
    ...                   "return_rate": [0.5, 0.0]})
    >>> return_rates(r, v)["return_rate"].tolist()
    [0.0, 0.5]
    """
    frame = villages[["code", villages.geometry.name]].merge(
        returns, on="code", how="left", validate="one_to_one"
    )
    frame["return_rate"] = frame["return_rate"].fillna(0.0)
    frame = frame.set_index("code")
    return frame.to_crs(metric_crs(frame))


def yearly_rates(
    person_years: pd.DataFrame,
    villages: gpd.GeoDataFrame,
    registry: pd.DataFrame,
    years: tuple[int, ...],
    *,
    weights: object = "queen",
) -> dict[int, gpd.GeoDataFrame]:
    """:func:`fupin_analysis.spatial.village_rates` of each year's poor, same weights.

    Returns
    -------
    dict of int to geopandas.GeoDataFrame
        Year → the village frame (metric CRS, indexed by code: ``name``,
        ``designated``, ``population``, ``poor``, ``incidence``, ``eb``, ``seb`` …).
    """
    return {
        year: spatial.village_rates(
            poor_people(person_years, year),
            villages,
            registry,
            year,
            count="registered",
            weights=weights,
        )  # fmt: skip
        for year in years
    }


def clusters_by_year(
    rates: Mapping[int, gpd.GeoDataFrame],
    column: str = "incidence",
    *,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Global and local Moran's I of ``column`` in every year, on the same weights.

    Returns
    -------
    moran : pandas.DataFrame
        One row per year: ``year``, ``I``, ``EI``, ``z_norm``, ``p_norm``, ``p_sim``.
    local : pandas.DataFrame
        One row per village and year: ``year``, ``code``, ``name``, ``designated``,
        ``poor`` (when the frame has it), the ``column``, ``Ii``, ``p_sim``, ``p_fdr``,
        ``cluster``, ``significant_fdr``.
    """
    morans, locals_ = [], []
    for year, frame in rates.items():
        m = spatial.global_moran(
            frame, column, weights=weights, permutations=permutations, seed=seed
        )
        morans.append({"year": int(year), "I": m.I, "EI": m.EI, "z_norm": m.z_norm,
                       "p_norm": m.p_norm, "p_sim": m.p_sim})  # fmt: skip
        lisa = spatial.local_moran(
            frame, column, weights=weights, permutations=permutations, seed=seed, alpha=alpha
        )
        locals_.append(
            pd.DataFrame(
                {
                    "year": int(year),
                    "code": frame.index.astype("str"),
                    "name": frame["name"].to_numpy(),
                    "designated": frame["designated"].to_numpy(),
                    "value": frame[column].to_numpy(),
                    "Ii": lisa["Ii"].to_numpy(),
                    "p_sim": lisa["p_sim"].to_numpy(),
                    "p_fdr": lisa["p_fdr"].to_numpy(),
                    "cluster": lisa["cluster"].to_numpy(),
                    "significant_fdr": lisa["significant_fdr"].to_numpy(),
                }
            )  # fmt: skip
        )
    return pd.DataFrame(morans), pd.concat(locals_, ignore_index=True)


def cluster_changes(local: pd.DataFrame) -> pd.DataFrame:
    """How each village's local cluster changed from one year to the next.

    ``change``: ``appeared`` (in a cluster now, in none the year before),
    ``persisted`` (the same cluster), ``changed`` (another cluster), ``dissolved`` (in
    none now, in one the year before); NA when in none either year, and in the first
    year. "In a cluster" means High-High, Low-Low, High-Low or Low-High at ``alpha``.

    Examples
    --------
    >>> local = pd.DataFrame({"year": [2016, 2016, 2017, 2017], "code": ["a", "b"] * 2,
    ...     "cluster": ["High-High", "not significant", "not significant", "High-High"]})
    >>> cluster_changes(local)[["year", "code", "previous", "change"]].values.tolist()
    [[2017, 'a', 'High-High', 'dissolved'], [2017, 'b', 'not significant', 'appeared']]
    """
    frame = local.sort_values(["code", "year"], kind="stable")
    previous = frame.groupby("code")["cluster"].shift()
    now_in = frame["cluster"].isin(_CLUSTERS)
    before_in = previous.isin(_CLUSTERS)
    change = np.select(
        [now_in & ~before_in, now_in & (frame["cluster"] == previous), now_in, before_in],
        list(CHANGES),
        "",
    )
    out = frame.assign(previous=previous, change=change)
    out = out[previous.notna() & (out["change"] != "")]
    return out.sort_values(["year", "code"], kind="stable").reset_index(drop=True)[
        [c for c in ("year", "code", "name", "designated", "previous", "cluster", "change")
         if c in out.columns]
    ]  # fmt: skip
