"""The perturbation of the no-hard-coded-claim test (``tests/claims.py``) really perturbs."""

from __future__ import annotations

from claims import perturbed

from fupin_analysis import clean_roster


def test_the_perturbation_moves_every_village_and_drops_households(embedded_roster_path):
    clean = clean_roster(embedded_roster_path)
    moved = perturbed(clean)
    assert len(moved.households) == round(0.75 * len(clean.households))
    keys = moved.households.set_index("household_key")["village_code"]
    before = clean.households.set_index("household_key")["village_code"].reindex(keys.index)
    assert (keys != before).all()
    assert set(moved.members["household_key"]) == set(moved.households["household_key"])
