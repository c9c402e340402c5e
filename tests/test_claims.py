"""No hard-coded claim: every sentence a notebook prints about a result is computed from it.

The analysis notebooks (03, 05, 07) run twice: on the embedded roster, and on a perturbed
copy of it (villages relabelled by a fixed derangement, a quarter of the households
dropped, incomes raised by 60%; both as clean folders) with other spatial weights,
significance level, strata and number of permutations, which change what follows from the
map and the test settings alone (who can reach significance, the false-positive rate).
Every sentence of their Markdown output that states a result (a number other than a
parameter, or a village name) must change: a sentence that survives the perturbation word
for word was written by hand, not computed.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import nbformat
import numpy as np
import papermill
import pytest

from fupin_analysis import clean_roster
from fupin_analysis.clean import write_outputs
from fupin_analysis.reference import load_reference

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("03_spatial_concentration", "05_two_assurances", "07_spatial_inference")
PARAMETERS = {
    "embedded": {"permutations": 99, "seeds": 2, "join_permutations": 99},
    "perturbed": {"permutations": 199, "seeds": 3, "join_permutations": 199,
                  "weights": "knn:4", "alpha": 0.1, "strata": 5},
}  # fmt: skip
#: Numbers a sentence may repeat in both runs: the year, the disclosure threshold, small
#: integers, and the number of villages.
FIXED_NUMBERS = {"2016", "3", "30", "2", "1", "0"}
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?")
NOT_A_RESULT = re.compile(r"notebook \d\d")


def perturbed(clean, seed: int = 7):
    """The clean roster with its villages relabelled, a quarter of its households gone and
    incomes raised; no longer the embedded dataset (nor its planted pattern)."""
    rng = np.random.default_rng(seed)
    villages = load_reference().villages.set_index("code")
    codes = villages.index.to_numpy()
    shift = rng.permutation(len(codes))
    while (shift == np.arange(len(codes))).any():  # a derangement: every village moves
        shift = rng.permutation(len(codes))
    relabel = dict(zip(codes, codes[shift], strict=True))
    households = clean.households.sample(frac=0.75, random_state=seed).copy()
    households["village_code"] = households["village_code"].map(relabel)
    households["village_name"] = households["village_code"].map(villages["name"])
    households["designated"] = households["village_code"].map(villages["designated"])
    households["income_per_capita"] = households["income_per_capita"] * 1.6
    members = clean.members[clean.members["household_key"].isin(households["household_key"])]
    members = members.assign(village_code=members["village_code"].map(relabel))
    return dataclasses.replace(
        clean, households=households, members=members.copy(), synthetic=False
    )


def sentences(notebook: Path) -> list[str]:
    """The sentences of the Markdown a notebook displayed (one list item or sentence each)."""
    nb = nbformat.read(notebook, as_version=4)
    text = "\n".join(
        output["data"]["text/markdown"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "text/markdown" in output.get("data", {})
    )
    parts = re.split(r"(?<=[.;:])\s+|\n+", text)
    return [p.strip(" *-") for p in parts if p.strip(" *-") and not p.startswith("#")]


def states_a_result(sentence: str, village_names: set[str]) -> bool:
    numbers = set(NUMBER.findall(NOT_A_RESULT.sub("", sentence))) - FIXED_NUMBERS
    return bool(numbers) or any(name in sentence for name in village_names)


def run(stem: str, roster: Path, out: Path, parameters: dict) -> Path:
    source = REPO / "notebooks" / f"{stem}.ipynb"
    known = papermill.inspect_notebook(source)
    executed = out / f"{stem}.ipynb"
    papermill.execute_notebook(
        source,
        executed,
        parameters={"roster": str(roster)} | {k: v for k, v in parameters.items() if k in known},
        cwd=str(REPO / "notebooks"),
        progress_bar=False,
        kernel_name="python3",
    )
    return executed


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory, embedded_roster_path):
    tmp = tmp_path_factory.mktemp("claims")
    clean = clean_roster(embedded_roster_path)
    write_outputs(clean, tmp / "embedded")
    write_outputs(perturbed(clean), tmp / "perturbed")
    runs = {}
    for name in ("embedded", "perturbed"):
        (tmp / f"run-{name}").mkdir()
        runs[name] = {
            stem: sentences(run(stem, tmp / name, tmp / f"run-{name}", PARAMETERS[name]))
            for stem in NOTEBOOKS
        }
    return runs


def test_the_perturbation_moves_every_village_and_drops_households(embedded_roster_path):
    clean = clean_roster(embedded_roster_path)
    moved = perturbed(clean)
    assert len(moved.households) == round(0.75 * len(clean.households))
    keys = moved.households.set_index("household_key")["village_code"]
    before = clean.households.set_index("household_key")["village_code"].reindex(keys.index)
    assert (keys != before).all()
    assert set(moved.members["household_key"]) == set(moved.households["household_key"])


@pytest.mark.slow
@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_no_sentence_about_a_result_survives_the_perturbation(both_runs, stem):
    names = set(load_reference().villages["name"])
    before = set(both_runs["embedded"][stem])
    after = both_runs["perturbed"][stem]
    assert after, f"{stem} printed no sentence"
    survivors = [s for s in after if s in before and states_a_result(s, names)]
    assert not survivors, f"{stem}: sentences that did not follow the data: {survivors}"
