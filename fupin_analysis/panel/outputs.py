"""What ``fupin panel`` writes: the panel's tables, a summary, the private linkage report.

:func:`write_panel` writes ``person_years.parquet``, ``household_years.parquet`` and
``transitions.parquet`` (pseudonymous keys, no name, identity or phone number),
``linkage_summary.csv`` (counts per year, nothing per household) and, into the private
folder beside the output folder (``<out>.private/``, mode 0700, files 0600, see
``docs/privacy.md``), the linkage report: every household split, merged, renumbered,
new or gone, every person unobserved, every impossible history, by key, for an office
to check against its rosters. :func:`linkage_summary` and :func:`check_counts` are the
published tables of notebook ``06_dynamics``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import RosterFormatError
from ..outputs import save_private_table
from . import Panel
from .checks import CHECKS

__all__ = [
    "REPORT_COLUMNS",
    "linkage_summary",
    "check_counts",
    "linkage_report",
    "write_panel",
    "format_panel_summary",
]

#: Columns of :func:`linkage_report`.
REPORT_COLUMNS: tuple[str, ...] = (
    "year", "kind", "panel_household", "household_key", "person_key", "detail",
)  # fmt: skip


def linkage_summary(panel: Panel) -> pd.DataFrame:
    """Counts of the linking, one row per year.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``persons``, ``households``, ``linked_persons`` (also in the previous
        roster), ``new_households``, ``split_households``, ``renumbered_households``,
        ``merged_households`` and ``gone_households`` (ending after this year),
        ``unobserved_persons``, ``refused_persons`` (real persons the cleaner refused).
    """
    p, h, t = panel.person_years, panel.household_years, panel.transitions
    years = list(panel.years)
    links = pd.crosstab(h["year"], h["link"]).reindex(index=years, fill_value=0)
    ends = pd.crosstab(h["year"], h["end"]).reindex(index=years, columns=["merged", "gone"],
                                                    fill_value=0)  # fmt: skip
    linked = t[t["from_state"].isin(["poor", "exited"]) & t["state"].isin(["poor", "exited"])]
    unobserved = t[t["state"] == "unobserved"].groupby("year").size()
    out = pd.DataFrame(
        {
            "year": years,
            "persons": p.groupby("year").size().reindex(years, fill_value=0).to_numpy(),
            "households": h.groupby("year").size().reindex(years, fill_value=0).to_numpy(),
            "linked_persons": linked.groupby("year").size().reindex(years, fill_value=0).to_numpy(),
            "new_households": links.get("new", pd.Series(0, index=years)).to_numpy(),
            "split_households": links.get("split", pd.Series(0, index=years)).to_numpy(),
            "renumbered_households": links.get("renumbered", pd.Series(0, index=years)).to_numpy(),
            "merged_households": ends["merged"].to_numpy(),
            "gone_households": ends["gone"].to_numpy(),
            "unobserved_persons": unobserved.reindex(years, fill_value=0).to_numpy(),
            "refused_persons": panel.refused.groupby("year")["persons"].sum()
            .reindex(years, fill_value=0).to_numpy(),
        }
    )  # fmt: skip
    return out.astype("int64")


def check_counts(panel: Panel) -> pd.DataFrame:
    """Impossible histories found, per check and year: ``check``, ``year``, ``households``
    (distinct households followed), ``persons`` (person checks; 0 otherwise).

    Every check of :data:`~fupin_analysis.panel.checks.CHECKS` is listed in every year
    after the first, found or not.
    """
    c = panel.checks
    grid = pd.MultiIndex.from_product(
        [list(CHECKS), list(panel.years[1:])], names=["check", "year"]
    )
    households = c.groupby(["check", "year"])["panel_household"].nunique()
    persons = (
        c[c["person_key"].notna() & c["person_key"].ne("nan")]
        .groupby(["check", "year"])["person_key"]
        .nunique()
    )
    out = pd.DataFrame(
        {"households": households.reindex(grid, fill_value=0),
         "persons": persons.reindex(grid, fill_value=0)}
    ).reset_index()  # fmt: skip
    return out.astype({"households": "int64", "persons": "int64", "year": "int64"})


def linkage_report(panel: Panel) -> pd.DataFrame:
    """The private linkage report: one row per event an office may want to check.

    ``kind``: a household ``split`` (detail: the household it split from), ``merged``
    (detail: into which), ``renumbered``, ``new`` or ``gone``; a person ``unobserved``;
    or an impossible history (a check of :data:`~fupin_analysis.panel.checks.CHECKS`).
    Keys are the salted pseudonymous keys: an office reads them back with its own salt.
    Never publish it (``save_private_table`` writes it to the private folder).
    """
    h = panel.household_years
    frames = []
    for kind, rows, detail in (
        ("split", h[h["link"] == "split"], "split from " + h["parent"].astype("str")),
        ("renumbered", h[h["link"] == "renumbered"], pd.Series("new household number", h.index)),
        ("new", h[h["link"] == "new"], pd.Series("first seen", h.index)),
        ("merged", h[h["end"] == "merged"], "merged into " + h["merged_into"].astype("str")),
        ("gone", h[h["end"] == "gone"], pd.Series("no member seen again", h.index)),
    ):
        frames.append(
            pd.DataFrame(
                {
                    "year": rows["year"],
                    "kind": kind,
                    "panel_household": rows["panel_household"],
                    "household_key": rows["household_key"],
                    "person_key": pd.NA,
                    "detail": detail[rows.index],
                }
            )  # fmt: skip
        )
    t = panel.transitions
    unseen = t[t["state"] == "unobserved"]
    frames.append(
        pd.DataFrame({"year": unseen["year"], "kind": "unobserved",
                      "panel_household": unseen["panel_household"], "household_key": pd.NA,
                      "person_key": unseen["person_key"],
                      "detail": "not in the clean roster; a person of the household was refused"})
    )  # fmt: skip
    checks = panel.checks.rename(columns={"check": "kind"})
    frames.append(checks[list(REPORT_COLUMNS)])
    report = pd.concat([f for f in frames if len(f)], ignore_index=True)
    report = report.sort_values(["year", "kind", "panel_household"], kind="stable")
    return report[list(REPORT_COLUMNS)].reset_index(drop=True)


def write_panel(panel: Panel, out: str | Path) -> dict[str, Path]:
    """Write the panel's tables into ``out`` and its linkage report beside it, privately.

    Returns
    -------
    dict
        Table name → path written: ``person_years``, ``household_years``,
        ``transitions`` (Parquet), ``linkage_summary`` (CSV, UTF-8) and
        ``linkage_report`` (``<out>.private/panel__linkage_report.csv``, mode 0600).

    Examples
    --------
    >>> import tempfile
    >>> from fupin_analysis.panel import link_panel
    >>> from fupin_analysis.reference import data_dir
    >>> raw = data_dir() / "raw"
    >>> p = link_panel({2015: raw / "panel" / "zhaishi_roster_2015.xlsx",
    ...                 2016: raw / "zhaishi_roster_2016.csv"}, salt="doc")
    >>> paths = write_panel(p, Path(tempfile.mkdtemp()) / "panel")
    >>> sorted(paths)
    ['household_years', 'linkage_report', 'linkage_summary', 'person_years', 'transitions']
    >>> paths["linkage_report"].parent.name
    'panel.private'
    """
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RosterFormatError(
            f"{folder}: cannot create the output folder ({exc.strerror})"
        ) from None
    paths = {
        "person_years": folder / "person_years.parquet",
        "household_years": folder / "household_years.parquet",
        "transitions": folder / "transitions.parquet",
        "linkage_summary": folder / "linkage_summary.csv",
    }
    panel.person_years.to_parquet(paths["person_years"], index=False)
    panel.household_years.to_parquet(paths["household_years"], index=False)
    panel.transitions.to_parquet(paths["transitions"], index=False)
    linkage_summary(panel).to_csv(paths["linkage_summary"], index=False, lineterminator="\n")
    (paths["linkage_report"],) = save_private_table(
        linkage_report(panel), "linkage_report", output_dir=folder, prefix="panel"
    )
    return paths


def format_panel_summary(panel: Panel, written: dict[str, Path]) -> str:
    """The screen ``fupin panel`` prints: counts per year, checks found, files written.

    Examples
    --------
    >>> from fupin_analysis.panel import link_panel
    >>> from fupin_analysis.reference import data_dir
    >>> raw = data_dir() / "raw"
    >>> p = link_panel({2015: raw / "panel" / "zhaishi_roster_2015.xlsx",
    ...                 2016: raw / "zhaishi_roster_2016.csv"}, salt="doc")
    >>> print(format_panel_summary(p, {}).splitlines()[0])
    panel 2015–2016: 1908 households followed, 6311 persons
    """
    summary = linkage_summary(panel)
    lines = [
        f"panel {panel.years[0]}–{panel.years[-1]}: "
        f"{panel.household_years['panel_household'].nunique()} households followed, "
        f"{panel.person_years['person_key'].nunique()} persons",
        summary.to_string(index=False),
    ]
    found = panel.checks.groupby("check").size()
    if len(found):
        lines.append("impossible histories (in the linkage report):")
        lines += [f"  {check:<26}{n:>7}" for check, n in found.items()]
    else:
        lines.append("no impossible history found")
    lines += [f"wrote {name:<16} {path}" for name, path in written.items()]
    return "\n".join(lines)
