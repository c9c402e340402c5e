"""What the screening of relocation sites can and cannot say, as facts a report states.

Notebook 04 screens the candidate sites by policy criteria (:func:`relocation.screen_sites`)
and then asks which eligible site the p-median picks. Two things make that question empty
on some data, and a report must say so instead of announcing a result:

* when the chosen site is the only one that passes, "the p-median picks it, gap 0%" is
  true by construction: there was nothing to compare it with;
* when two criteria measure the same thing for a site (on the embedded schematic roads the
  nearest road point of three candidates is the township seat itself, so their distance
  to the road *is* their distance to the seat), two thresholds are one criterion.

:func:`screening_facts` reads both from the tables of :mod:`fupin_analysis.relocation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["ScreeningFacts", "screening_facts"]

#: Pairs of criteria columns of ``evaluate_sites`` that can coincide.
_DISTANCE_PAIRS: tuple[tuple[str, str], ...] = (("road_distance_m", "seat_distance_m"),)


@dataclass(frozen=True)
class ScreeningFacts:
    """What the screening allows one to conclude (:func:`screening_facts`).

    Attributes
    ----------
    sites : int
        Sites screened.
    eligible : tuple of str
        Site ids passing every criterion.
    chosen : tuple of str
        Site ids of the chosen sites.
    comparison_possible : bool
        Whether an eligible site other than the chosen ones exists: without one, the
        p-median among the eligible sites can only pick the chosen site (a tautology).
    same_road_and_seat : tuple of str
        Sites whose distance to the road equals their distance to the seat (within
        ``tolerance_m``): for them the two thresholds are one criterion.
    """

    sites: int
    eligible: tuple[str, ...]
    chosen: tuple[str, ...]
    comparison_possible: bool
    same_road_and_seat: tuple[str, ...]


def screening_facts(
    criteria: pd.DataFrame, screen: pd.DataFrame, *, tolerance_m: float = 1.0
) -> ScreeningFacts:
    """The facts of a site screening: is a comparison possible, do criteria coincide?

    Parameters
    ----------
    criteria : pandas.DataFrame
        :func:`fupin_analysis.relocation.evaluate_sites` (``site_id``, ``status``, and
        the distance columns where present).
    screen : pandas.DataFrame
        :func:`fupin_analysis.relocation.screen_sites` of it (``site_id``, ``eligible``).
    tolerance_m : float
        Distances closer than this count as equal.

    Returns
    -------
    ScreeningFacts

    Examples
    --------
    >>> criteria = pd.DataFrame({"site_id": ["S0", "S1", "S2"],
    ...     "status": ["chosen", "candidate", "candidate"],
    ...     "road_distance_m": [88.4, 71.7, 11415.9],
    ...     "seat_distance_m": [198.5, 7802.7, 11415.9]})
    >>> screen = pd.DataFrame({"site_id": ["S0", "S1", "S2"],
    ...                        "eligible": [True, False, False]})
    >>> facts = screening_facts(criteria, screen)
    >>> facts.comparison_possible, facts.same_road_and_seat
    (False, ('S2',))
    """
    for frame, columns, what in (
        (criteria, ("site_id", "status"), "criteria"),
        (screen, ("site_id", "eligible"), "screen"),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ConfigError(f"screening_facts: the {what} table lacks {missing}")
    eligible = screen.loc[screen["eligible"].astype(bool), "site_id"].astype(str)
    chosen = criteria.loc[criteria["status"] == "chosen", "site_id"].astype(str)
    same: list[str] = []
    for a, b in _DISTANCE_PAIRS:
        if a in criteria.columns and b in criteria.columns:
            close = np.isclose(criteria[a], criteria[b], rtol=0, atol=tolerance_m)
            same += criteria.loc[close, "site_id"].astype(str).tolist()
    return ScreeningFacts(
        sites=len(criteria),
        eligible=tuple(eligible),
        chosen=tuple(chosen),
        comparison_possible=bool(set(eligible) - set(chosen)),
        same_road_and_seat=tuple(same),
    )
