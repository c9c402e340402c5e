"""Helpers of the no-hard-coded-claim test (``tests/test_notebooks.py``): every sentence a
notebook prints about a result is computed from it.

The analysis notebooks (03, 05, 07) run twice: on the embedded roster in the test report,
and on a perturbed copy of it (villages relabelled by a fixed derangement, a quarter of
the households dropped, incomes raised by 60%; a clean folder) with other spatial weights,
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

from fupin_analysis.reference import load_reference

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("03_spatial_concentration", "05_two_assurances", "07_spatial_inference")
#: The perturbed run's parameters: none equal to the test report's (reports.yml).
PERTURBED = {"permutations": 199, "seeds": 3, "join_permutations": 199, "weights": "knn:4",
             "alpha": 0.1, "strata": 5}  # fmt: skip
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
