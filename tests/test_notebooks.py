"""Notebook hygiene and execution, for every notebook of notebooks/ and reports.yml.

Hygiene (fast): a Markdown title first; exactly one cell tagged ``parameters`` whose
parameters papermill lists, each typed, with a default and a comment, including the
common ``output_dir``, ``figure_prefix`` and ``lang``; defaults equal to those of
``reports.yml`` (JupyterLab and the batch report agree); the ``.ipynb`` is stored
without outputs; it agrees with its jupytext ``.py`` source; code cells only call and
present: no function, class or lambda, no loop or comprehension (computations belong in
the package, where they are tested).

Execution (slow): the whole test report — every notebook of reports.yml with its
``test_parameters`` and one village of a fan-out — runs ONCE per session through the real
runner (``report.run_report``, two notebooks at a time). Each notebook must end ``ok``,
write its figures and tables under the names of the convention and, for the notebooks of
``OUTPUT_CHECKS``, exactly the ones it should; the run must leak no personal data; and
re-running one notebook gives byte-identical files. What a reader sees (issue 18): no
page shows a warning, a path of the machine, an index column or a raw value (``True``,
``3.2e+04``); the banner once; every column labelled by the catalogue
(``fupin_analysis/data/columns.csv``), in pages and Excel alike; the index names the
village profiles; and every page renders in headless Chromium (PNGs in
``<run>/screenshots``; skipped without Chromium, failed in CI without it).
"""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import geopandas as gpd
import jupytext
import nbformat
import openpyxl
import pandas as pd
import papermill
import pytest
import yaml
from claims import NOTEBOOKS as CLAIMING
from claims import PERTURBED, perturbed, run, sentences, states_a_result
from conftest import html_tables, page_problems, small_counts_shown
from PIL import ImageOps

from fupin_analysis import clean_roster, disclosure, presentation, reference, report
from fupin_analysis.clean import write_outputs
from fupin_analysis.reference import load_reference
from fupin_analysis.report import webfont

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


#: Statements that compute: a notebook's code cells may not contain them.
_COMPUTING = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.For, ast.AsyncFor,
    ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
)  # fmt: skip


@pytest.mark.parametrize("stem", STEMS)
def test_code_cells_only_call_and_present(stem):
    found = []
    for cell in jupytext.read(NOTEBOOKS / f"{stem}.py").cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, _COMPUTING):
                found.append(f"{type(node).__name__}: {ast.get_source_segment(cell.source, node)}")
    assert not found, "move this into a tested function of the package:\n" + "\n".join(found)


@pytest.mark.parametrize("stem", STEMS)
def test_the_text_of_a_notebook_names_no_place_of_the_embedded_data(stem):
    """A notebook's own prose is read on every township's pages: the embedded township, its
    county and its villages may appear only in a sentence about the embedded dataset, and
    the metric CRS is the data's, not 寨市乡's."""
    places = {"寨市", "绥宁", "EPSG:4546", "S221"} | set(load_reference().villages["name"])
    found = [
        f"{place}: {line.strip()}"
        for cell in jupytext.read(NOTEBOOKS / f"{stem}.py").cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if "embedded" not in line
        for place in places
        if place in line
    ]
    assert not found, found


@pytest.mark.parametrize("stem", STEMS)
def test_defaults_are_those_of_reports_yml(stem):
    """Opening a notebook in JupyterLab gives the results of the batch report."""
    declared = papermill.inspect_notebook(str(NOTEBOOKS / f"{stem}.ipynb"))
    (entry,) = [e for e in CONFIG.notebooks if e.name == stem]
    configured = CONFIG.parameters | entry.parameters
    for key, value in configured.items():
        if key in declared:
            default = yaml.safe_load(declared[key]["default"])
            assert default == value, f"{stem}: {key} defaults to {default!r}, reports.yml {value!r}"


@pytest.mark.parametrize("stem", STEMS)
def test_every_notebook_is_listed_in_reports_yml(stem):
    assert stem in LISTED


@pytest.mark.parametrize("name", LISTED)
def test_every_listed_notebook_exists(name):
    assert (NOTEBOOKS / f"{name}.ipynb").exists()


@pytest.fixture(scope="session")
def test_run(tmp_path_factory):
    """The test report of reports.yml, run once for the whole session."""
    return report.run_report(
        REPO / "reports.yml", out=tmp_path_factory.mktemp("report") / "run", test=True,
        progress=False,
    )  # fmt: skip


def _outputs(out: Path, job_id: str) -> dict[str, list[str]]:
    """The names a run wrote, per folder, without the job prefix: {"figures": [...], ...}."""
    return {
        kind: sorted(p.name.removeprefix(f"{job_id}__") for p in (out / kind).glob(f"{job_id}__*"))
        for kind in ("figures", "tables")
    }


def _tables(*names: str) -> list[str]:
    return sorted(f"{n}.{ext}" for n in names for ext in ("csv", "xlsx"))


def _check_outputs_00_overview(out: Path, job_id: str) -> None:
    assert _outputs(out, job_id) == {
        "figures": ["units_map.png", "villages_map.html"],
        "tables": _tables("geography_cleaning", "units"),
    }
    units = pd.read_csv(out / "tables" / f"{job_id}__units.csv", encoding="utf-8-sig")
    assert len(units) == 30
    cleaning = pd.read_csv(out / "tables" / f"{job_id}__geography_cleaning.csv",
                           encoding="utf-8-sig")  # fmt: skip
    assert set(cleaning["layer"]) == {"villages", "seat", "roads", "sites", "hazards",
                                      "scattered"}  # fmt: skip
    assert (cleaning.loc[cleaning["rule"] != "multipart_feature", "features"] == 0).all()


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
    # the page says the screening compares nothing exactly when only chosen sites pass
    screen = pd.read_csv(out / "tables" / f"{job_id}__site_screening.csv", encoding="utf-8-sig")
    passing = set(screen.loc[screen["eligible"].astype(bool), "site_id"])
    chosen = set(criteria.loc[criteria["status"] == "chosen", "site_id"])
    page = html.unescape((out / "html" / f"{job_id}.html").read_text(encoding="utf-8"))
    assert ("this screening compares nothing" in page) == (0 < len(passing) and passing <= chosen)


def _check_outputs_07_spatial_inference(out: Path, job_id: str) -> None:
    assert _outputs(out, job_id) == {
        "figures": ["exact_cluster_maps.png", "rate_bivariate_maps.png"],
        "tables": _tables(
            "bivariate_geary_local", "detector_discretisation", "detector_ecological",
            "detector_factor", "detector_interaction", "detector_risk", "exact_local",
            "global_tests", "rate_comparison", "regression_coefficients",
            "regression_diagnostics", "regression_fit", "seed_spread",
        ),
    }  # fmt: skip
    local = pd.read_csv(out / "tables" / f"{job_id}__exact_local.csv", encoding="utf-8-sig")
    assert len(local) == 30 and (local["method"] == "exact").all()


def _check_outputs_06_dynamics(out: Path, job_id: str) -> None:
    assert _outputs(out, job_id) == {
        "figures": [
            f"{n}.png"
            for n in ("clusters_by_year_maps", "designated_share", "incidence_by_year_maps",
                      "returns_map", "time_to_exit")
        ],
        "tables": _tables(
            "cluster_changes", "clusters_by_year", "designated_share", "flows",
            "impossible_histories", "incidence_by_year", "linkage_summary", "moran_by_year",
            "returns_by_village", "time_to_exit",
        ),
    }  # fmt: skip
    summary = pd.read_csv(out / "tables" / f"{job_id}__linkage_summary.csv", encoding="utf-8-sig")
    assert summary["year"].tolist() == [2015, 2016, 2017]  # the test run's three years
    private = out.with_name(f"{out.name}.private") / f"{job_id}__linkage_report.csv"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


#: Notebook → what its single execution below must have written, beyond the file names.
OUTPUT_CHECKS = {
    "00_overview": _check_outputs_00_overview,
    "03_spatial_concentration": _check_outputs_03_spatial_concentration,
    "04_relocation_sites": _check_outputs_04_relocation_sites,
    "07_spatial_inference": _check_outputs_07_spatial_inference,
    "06_dynamics": _check_outputs_06_dynamics,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", LISTED)
def test_listed_notebook_runs_in_the_test_report(name, test_run):
    jobs = test_run.summary[test_run.summary["notebook"] == name]
    assert len(jobs) == 1, jobs
    job = jobs.iloc[0]
    assert job["status"] == "ok", f"{job['job']}, cell {job['failed_cell']}: {job['error']}"
    out = test_run.run_dir
    for kind in ("notebooks", "html", "logs"):
        assert len(list((out / kind).glob(f"{job['job']}.*"))) == 1, kind
    if name in OUTPUT_CHECKS:
        OUTPUT_CHECKS[name](out, job["job"])


@pytest.mark.slow
def test_the_test_report_writes_only_named_outputs_and_no_personal_data(test_run):
    assert test_run.privacy.empty, test_run.privacy.to_string()
    job_ids = set(test_run.summary["job"])
    for path in (test_run.run_dir / "figures").iterdir():
        assert path.name.split("__")[0] in job_ids, path.name
    for path in (test_run.run_dir / "tables").iterdir():
        assert path.name.split("__")[0] in job_ids, path.name


@pytest.mark.slow
def test_published_tables_have_no_household_rows_and_no_small_counts(test_run):
    """Issue 15: no keys, no count of 1 or 2 people or households, every count classified."""
    threshold = disclosure.DEFAULT_THRESHOLD
    unclassified = set()
    for path in sorted((test_run.run_dir / "tables").glob("*.csv")):
        table = pd.read_csv(path, encoding="utf-8-sig")
        assert not {"household_key", "person_key"} & set(table.columns), path.name
        for col in table.columns:
            numbers = pd.to_numeric(table[col], errors="coerce")
            if col in disclosure.COUNT_COLUMNS:
                small = (numbers > 0) & (numbers < threshold)
                assert not small.any(), f"{path.name}: {col} shows {numbers[small].tolist()}"
            whole = numbers.dropna()
            integers = len(whole) and whole.eq(whole.round()).all() and whole.abs().max() > 1
            classified = disclosure.COUNT_COLUMNS | disclosure.NOT_COUNTS
            if integers and col not in classified and col not in disclosure.DERIVED_COLUMNS:
                unclassified.add(col)
    assert not unclassified, f"classify these integer columns in disclosure: {unclassified}"


@pytest.mark.slow
def test_pages_show_no_small_counts_and_state_the_rule(test_run):
    """Issue 15: the tables a page displays are protected as the published files are."""
    threshold = disclosure.DEFAULT_THRESHOLD
    pages = sorted((test_run.run_dir / "html").glob("*.html"))
    assert len(pages) == len(test_run.summary)
    shown = [hit for page in pages for hit in small_counts_shown(page, threshold)]
    assert not shown, "\n".join(shown[:20])
    checked = sum(len(html_tables(page)) for page in pages)
    assert checked > 20  # the pages do show tables, and they were read
    rule = html.escape(disclosure.rule_text(threshold, "zh"), quote=False)
    for page in pages:
        assert rule in page.read_text(encoding="utf-8"), page.name


@pytest.mark.slow
def test_lists_for_follow_up_are_private_and_named_in_the_index(test_run):
    private = test_run.run_dir.with_name(f"{test_run.run_dir.name}.private")
    (listed,) = sorted(private.glob("village_profile-*__households_to_review.csv"))
    assert stat.S_IMODE(listed.stat().st_mode) == 0o600
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    index = (test_run.run_dir / "index.html").read_text(encoding="utf-8")
    assert listed.name in index and f'href="{listed.name}' not in index


@pytest.mark.slow
def test_a_notebook_run_again_gives_byte_identical_files(test_run, tmp_path):
    """Reproducing a figure: 00_overview again, into another folder, byte for byte.

    Figures, tables, the executed notebook and its page are identical; times are in the
    manifest and logs only, and no file names a folder of this machine.
    """
    again = report.run_report(
        REPO / "reports.yml", out=tmp_path / test_run.run_dir.name, only="00_overview",
        test=True, progress=False,
    )  # fmt: skip  # the same run name: pages are titled by it
    assert again.ok, again.summary
    files = sorted(
        p.relative_to(again.run_dir)
        for folder in ("figures", "tables", "notebooks", "html")
        for p in (again.run_dir / folder).iterdir()
    )
    assert len(files) >= 5
    for rel in files:
        assert (again.run_dir / rel).read_bytes() == (test_run.run_dir / rel).read_bytes(), rel
    for rel in [*files, Path("manifest.json"), Path("index.html")]:
        text = (again.run_dir / rel).read_bytes()
        assert str(tmp_path).encode() not in text and str(REPO).encode() not in text, rel
    page = (again.run_dir / "html" / "00_overview.html").read_text(encoding="utf-8")
    assert page.index("SYNTHETIC DATA") < page.index("<img")  # the banner is on top


@pytest.fixture(scope="module")
def perturbed_run(tmp_path_factory, embedded_roster_path):
    """Notebooks 03, 05 and 07 on a perturbed copy of the embedded roster (``claims``)."""
    tmp = tmp_path_factory.mktemp("claims")
    write_outputs(perturbed(clean_roster(embedded_roster_path)), tmp / "perturbed")
    return {stem: run(stem, tmp / "perturbed", tmp, PERTURBED) for stem in CLAIMING}


@pytest.mark.slow
@pytest.mark.parametrize("stem", CLAIMING)
def test_no_sentence_about_a_result_survives_a_perturbation(test_run, perturbed_run, stem):
    """Every sentence stating a result changes when the data, weights and settings change
    (issue 17): a sentence that survives word for word was written by hand."""
    names = set(load_reference().villages["name"])
    before = set(sentences(test_run.run_dir / "notebooks" / f"{stem}.ipynb"))
    after = sentences(perturbed_run[stem])
    assert before and after, f"{stem} printed no sentence"
    survivors = [s for s in after if s in before and states_a_result(s, names)]
    assert not survivors, f"{stem}: sentences that did not follow the data: {survivors}"


# --- Issue 18: what a reader sees (pages, Excel, the index, headless Chromium) ----------


def _pages(run: report.ReportRun) -> list[Path]:
    """The pages of the jobs that ended ok or not available, and the index."""
    shown = run.summary.loc[run.summary["status"] != "failed", "job"]
    return [run.run_dir / "html" / f"{job}.html" for job in shown] + [run.run_dir / "index.html"]


@pytest.mark.slow
def test_pages_show_no_warnings_paths_index_columns_or_raw_values(test_run):
    problems = [problem for page in _pages(test_run) for problem in page_problems(page)]
    assert not problems, "\n".join(problems)
    for page in _pages(test_run):  # every input of the test report is embedded: one banner
        assert page.read_text(encoding="utf-8").count("SYNTHETIC DATA") == 1, page.name


@pytest.mark.slow
def test_every_column_a_report_shows_is_in_the_catalogue(test_run):
    """A new column fails here until data/columns.csv gives its labels and kind."""
    columns = {
        col
        for path in (test_run.run_dir / "tables").glob("*.csv")
        for col in pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns
    }
    assert not presentation.unlabelled(sorted(columns))
    logged = [
        line
        for log in sorted((test_run.run_dir / "logs").glob("*.log"))
        for line in log.read_text(encoding="utf-8").splitlines()
        if "not in the catalogue" in line
    ]
    assert not logged, "\n".join(logged)  # tables a page displays without saving them


@pytest.mark.slow
def test_excel_tables_have_catalogue_headers_and_number_formats(test_run):
    """Every sheet of every workbook (tables and the programme workbook) as officials read it."""
    checked = 0
    for xlsx in sorted((test_run.run_dir / "tables").glob("*.xlsx")):
        for sheet in openpyxl.load_workbook(xlsx).worksheets:
            headers = [str(c.value) for c in sheet[1]]
            assert "index" not in headers, f"{xlsx.name} {sheet.title}"
            assert not presentation.unlabelled(headers), f"{xlsx.name} {sheet.title}"
            csv = xlsx.with_suffix(".csv")
            if csv.exists():
                names = pd.read_csv(csv, encoding="utf-8-sig", nrows=0).columns
                assert headers == [presentation.label(c, "zh") for c in names], xlsx.name
            for j, header in enumerate(headers, start=1):
                kind = presentation.describe(header).kind
                for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                    where = f"{xlsx.name} {sheet.title} {header} {cell.coordinate}"
                    assert not isinstance(cell.value, bool), f"{where}: not 是/否"
                    if isinstance(cell.value, int | float):
                        assert cell.number_format != "General", where
                        assert not cell.number_format.endswith("."), where
                        if kind == "share":
                            assert cell.number_format.endswith("%"), where
                        checked += 1
    assert checked > 1000


@pytest.mark.slow
def test_the_index_names_village_profiles_and_the_runs_parameters(test_run):
    index = (test_run.run_dir / "index.html").read_text(encoding="utf-8")
    villages = reference.load_villages().set_index("code")["name"]
    profiles = [j for j in test_run.summary["job"] if j.startswith("village_profile-")]
    assert profiles
    for job in profiles:
        code = job.removeprefix("village_profile-")
        assert f"<td>{villages[code]}（{code}）</td>" in index
    assert "<h2>Parameters</h2>" in index and "<code>min_count</code>" in index
    assert "<h2>Not available</h2>" in index
    assert "@font-face" in index or webfont.cjk_font_file() is None


def _chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)


@pytest.mark.slow
def test_every_page_renders_in_headless_chromium(test_run):
    """The visual check: each page to a PNG under ``<run>/screenshots`` for a person to see.

    ``FUPIN_SCREENSHOTS`` names a folder the PNGs are copied to as well (CI artifacts).
    """
    from PIL import Image

    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: .ci/run installs the Debian package")
        pytest.skip("chromium is not installed (apt-get install chromium): no visual check")
    folder = test_run.run_dir / "screenshots"
    folder.mkdir(exist_ok=True)
    for page in _pages(test_run):
        png = folder / f"{page.stem}.png"
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={folder / '.profile'}", "--window-size=1280,12000",
             f"--screenshot={png}", page.as_uri()],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0 and png.is_file(), f"{page.name}: {done.stderr[-500:]}"
        with Image.open(png) as image:
            drawn = ImageOps.invert(image.convert("RGB")).getbbox()
            assert drawn is not None and drawn[3] > 400, f"{page.name}: blank page"
            image.crop((0, 0, image.width, min(image.height, drawn[3] + 40))).save(png)
    artifacts = os.environ.get("FUPIN_SCREENSHOTS")
    if artifacts:
        shutil.copytree(folder, artifacts, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".profile"))  # fmt: skip
    assert len(list(folder.glob("*.png"))) == len(_pages(test_run))
