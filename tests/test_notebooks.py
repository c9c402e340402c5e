"""Notebook hygiene and execution, for every notebook of notebooks/ and reports.yml.

Hygiene (fast): a Markdown title first; exactly one cell tagged ``parameters`` whose
parameters papermill lists, each typed, with a default and a comment, including the
common ``output_dir``, ``figure_prefix`` and ``lang``; the ``.ipynb`` is stored without
outputs; it agrees with its jupytext ``.py`` source.

Execution (slow): every notebook listed in reports.yml runs through papermill from the
notebooks/ folder with its ``test_parameters`` (and one village of a fan-out), writes
its figures and tables under the names of the convention, and leaks no personal data;
for the notebooks of ``OUTPUT_CHECKS``, exactly the figures and tables it should.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import jupytext
import nbformat
import pandas as pd
import papermill
import pytest

from fupin_analysis import privacy, report

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
CONFIG = report.load_config(REPO / "reports.yml")
LISTED = [entry.name for entry in CONFIG.notebooks]
STEMS = sorted(
    {p.stem for p in NOTEBOOKS.glob("*.ipynb")} | {p.stem for p in NOTEBOOKS.glob("*.py")}
)
COMMON = {"output_dir": "str", "figure_prefix": "str", "lang": "str"}


def _ipynb(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ())))
        for c in nb.cells
        if c.source.strip()
    ]


def test_there_are_notebooks():
    assert "00_overview" in STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_is_paired_and_both_files_agree(stem):
    py, ipynb = NOTEBOOKS / f"{stem}.py", NOTEBOOKS / f"{stem}.ipynb"
    assert py.exists(), f"{py.name} missing: author notebooks as jupytext py:percent"
    assert ipynb.exists(), f"{ipynb.name} missing: run jupytext --to ipynb {py.name}"
    assert _cells(jupytext.read(py)) == _cells(_ipynb(stem)), "run `make notebooks` to sync"


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_is_stored_without_outputs(stem):
    for cell in _ipynb(stem).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{stem}: outputs stored in a cell"
            assert cell.execution_count is None, f"{stem}: execution count stored"


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_starts_with_a_title_and_one_parameters_cell(stem):
    nb = _ipynb(stem)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"


@pytest.mark.parametrize("stem", STEMS)
def test_parameters_are_typed_commented_and_listed_by_papermill(stem):
    params = papermill.inspect_notebook(str(NOTEBOOKS / f"{stem}.ipynb"))
    tagged = next(c for c in _ipynb(stem).cells if "parameters" in c.metadata.get("tags", []))
    assigned = re.findall(r"^(\w+)\s*[:=]", tagged.source, flags=re.MULTILINE)
    assert sorted(params) == sorted(assigned), "papermill could not parse every line"
    for name, info in params.items():
        assert info["inferred_type_name"] != "None", f"{name}: give it a type annotation"
        assert info["default"] not in (None, ""), f"{name}: no default"
        assert info["help"].strip(), f"{name}: add a comment saying what it is"
    for name, kind in COMMON.items():
        assert params.get(name, {}).get("inferred_type_name") == kind, f"{name}: missing"
    assert params["output_dir"]["default"] in ('""', "''")
    assert params["figure_prefix"]["default"].strip("\"'") == stem


@pytest.mark.parametrize("stem", STEMS)
def test_every_notebook_is_listed_in_reports_yml(stem):
    assert stem in LISTED


@pytest.mark.parametrize("name", LISTED)
def test_every_listed_notebook_exists(name):
    assert (NOTEBOOKS / f"{name}.ipynb").exists()


@pytest.fixture(scope="session")
def roster_names():
    roster = CONFIG.parameters.get("roster")
    path = (NOTEBOOKS / roster).resolve() if roster else None
    return privacy.roster_names(path) if path and path.exists() else set()


def _outputs(out: Path, job_id: str) -> dict[str, list[str]]:
    """The names a run wrote, per folder, without the job prefix: {"figures": [...], ...}."""
    return {
        kind: sorted(p.name.removeprefix(f"{job_id}__") for p in (out / kind).glob("*"))
        for kind in ("figures", "tables")
    }


def _tables(*names: str) -> list[str]:
    return sorted(f"{n}.{ext}" for n in names for ext in ("csv", "xlsx"))


def _check_outputs_00_overview(out: Path, job_id: str) -> None:
    assert _outputs(out, job_id) == {"figures": ["units_map.png"], "tables": _tables("units")}
    units = pd.read_csv(out / "tables" / f"{job_id}__units.csv", encoding="utf-8-sig")
    assert len(units) == 30


def _check_outputs_03_spatial_concentration(out: Path, job_id: str) -> None:
    assert _outputs(out, job_id) == {
        "figures": [
            f"{n}.png"
            for n in ("incidence_maps", "local_cluster_maps", "lorenz_curve", "moran_scatter")
        ],
        "tables": _tables(
            "concentration", "designation_overlap", "exit_line", "global_moran", "incidence",
            "local_clusters", "local_summary", "location_quotients",
        ),
    }  # fmt: skip
    local = pd.read_csv(out / "tables" / f"{job_id}__local_clusters.csv", encoding="utf-8-sig")
    assert len(local) == 30


def _check_outputs_04_relocation_sites(out: Path, job_id: str) -> None:
    assert _outputs(out, job_id) == {
        "figures": ["map_origins_sites.png"],
        "tables": _tables(
            "optimality_gap", "scattered_moves", "sensitivity", "site_criteria", "site_screening"
        ),
    }
    criteria = pd.read_csv(out / "tables" / f"{job_id}__site_criteria.csv", encoding="utf-8-sig")
    geography = (NOTEBOOKS / CONFIG.parameters["geography"]).resolve()
    assert len(criteria) == len(gpd.read_file(geography, layer="sites"))


#: Notebook → what its single execution below must have written, beyond the file names.
OUTPUT_CHECKS = {
    "00_overview": _check_outputs_00_overview,
    "03_spatial_concentration": _check_outputs_03_spatial_concentration,
    "04_relocation_sites": _check_outputs_04_relocation_sites,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", LISTED)
def test_listed_notebook_executes_on_test_parameters(name, tmp_path, roster_names):
    if not (NOTEBOOKS / f"{name}.ipynb").exists():
        pytest.skip(f"{name}.ipynb not written yet (test_every_listed_notebook_exists fails)")
    (job,) = [
        j
        for j in report.plan_jobs(CONFIG, notebook_dir=NOTEBOOKS, only=name, test=True)
        if j.name == name
    ]
    out = tmp_path / "run"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(tmp_path / f"{job.job_id}.ipynb"),
        parameters=job.parameters | {"output_dir": str(out)},
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    written = sorted(p for p in out.rglob("*") if p.is_file())
    for path in written:
        assert path.parent.name in ("figures", "tables"), path
        assert path.name.startswith(f"{job.job_id}__"), path.name
    hits = privacy.scan(tmp_path, names=roster_names)
    assert hits.empty, hits.to_string()
    if name in OUTPUT_CHECKS:
        OUTPUT_CHECKS[name](out, job.job_id)
