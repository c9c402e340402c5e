"""Whether a household has exited poverty, from its exit status (脱贫状态) and exit year
(脱贫年度).

The national system records both; hand-made sheets often keep only one. A household
has exited (``exited``) when

* its 脱贫状态 is stated: it is 已脱贫(享受政策) or 已脱贫(不再享受政策) — the status is
  the household's state as the system keeps it; a 脱贫年度 beside 未脱贫 is often the
  year planned, so the status wins, and the pair is a *conflict* the quality table counts
  (rule ``exit_status_year``);
* else (no status, or a status that is no official term): a 脱贫年度 is stated — the
  status is *derived* from the year;
* else: it has not (a registered household is poor until its exit is recorded).

``exit_status`` itself is never filled in: which of the two 已脱贫 terms applies is not
known from a year. Where the roster has neither column, exits are unknown downstream
(:mod:`fupin_analysis.availability`), not "none".

Examples
--------
>>> status = pd.Series(["未脱贫", None, "已脱贫(享受政策)", "未脱贫", None])
>>> year = pd.Series([None, 2016, 2016, 2016, None], dtype="Int64")
>>> exit_flags(status, year).to_dict("list")
{'exited': [False, True, True, False, False], 'derived': [False, True, False, False, False], \
'conflict': [False, False, False, True, False]}
"""

from __future__ import annotations

import pandas as pd

__all__ = ["EXITED_TERMS", "exit_flags"]

#: The exit statuses that mean exited.
EXITED_TERMS: tuple[str, ...] = ("已脱贫(享受政策)", "已脱贫(不再享受政策)")


def exit_flags(status: pd.Series, year: pd.Series) -> pd.DataFrame:
    """Per household: ``exited``, ``derived`` (from the year alone) and ``conflict``.

    Parameters
    ----------
    status : pandas.Series
        脱贫状态 as official terms (missing where not stated or not an official term).
    year : pandas.Series
        脱贫年度 (missing where not stated or unreadable).

    Returns
    -------
    pandas.DataFrame
        Boolean columns ``exited``, ``derived`` (no status, exited from the stated year)
        and ``conflict`` (status not exited, yet a year stated; ``exited`` follows the
        status), on the index of ``status``.
    """
    stated = status.notna().to_numpy()
    by_status = status.isin(EXITED_TERMS).to_numpy()
    has_year = year.notna().to_numpy()
    return pd.DataFrame(
        {
            "exited": by_status | (~stated & has_year),
            "derived": ~stated & has_year,
            "conflict": stated & ~by_status & has_year,
        },
        index=status.index,
    )
