"""What a site screening can say (fupin_analysis.relocation_findings)."""

from __future__ import annotations

import pandas as pd
import pytest

from fupin_analysis import relocation as rl
from fupin_analysis.errors import ConfigError
from fupin_analysis.geo import read_geography
from fupin_analysis.reference import data_dir
from fupin_analysis.relocation_findings import screening_facts


def _criteria(road, seat):
    return pd.DataFrame(
        {
            "site_id": ["S0", "S1", "S2"],
            "status": ["chosen", "candidate", "candidate"],
            "road_distance_m": road,
            "seat_distance_m": seat,
        }
    )


def test_a_comparison_needs_an_eligible_site_besides_the_chosen():
    criteria = _criteria([90.0, 70.0, 1500.0], [200.0, 7800.0, 1500.5])
    only_chosen = rl.screen_sites(criteria, max_road_m=1000, max_seat_m=5000)
    facts = screening_facts(criteria, only_chosen)
    assert facts.eligible == ("S0",) and facts.chosen == ("S0",)
    assert not facts.comparison_possible
    # S2's road point is the seat: 1500 m and 1500.5 m are one criterion at 1 m tolerance
    assert facts.same_road_and_seat == ("S2",)
    looser = rl.screen_sites(criteria, max_road_m=2000, max_seat_m=8000)
    assert screening_facts(criteria, looser).comparison_possible
    assert screening_facts(criteria, looser, tolerance_m=0.1).same_road_and_seat == ()
    with pytest.raises(ConfigError, match="eligible"):
        screening_facts(criteria, looser.drop(columns="eligible"))


def test_embedded_default_screen_leaves_only_the_chosen_site(clean_embedded):
    # the finding: with the default screens "the p-median picks S0" is a tautology,
    # and on the schematic roads three sites' road distance is their seat distance
    geography = read_geography(data_dir() / "raw" / "zhaishi_geography.gpkg")
    criteria = rl.evaluate_sites(rl.origins(clean_embedded, geography), geography)
    facts = screening_facts(criteria, rl.screen_sites(criteria))
    assert facts.eligible == ("S0",) and not facts.comparison_possible
    assert facts.same_road_and_seat == ("S2", "S3", "S4")
