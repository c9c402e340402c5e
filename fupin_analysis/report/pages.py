"""The pages of a run: each notebook's HTML, the run's ``index.html`` and ``manifest.json``.

Pages are repeatable: the same inputs give the same bytes. Executed notebooks lose
papermill's timings and get cell ids from their position (:func:`repeatable_notebook`);
times and durations go to ``manifest.json`` and the logs only. The HTML of a notebook has
no code cells and no stderr output (warnings go to the log); a header on top names the
job, the run, the package version, the parameters and the parts of the notebook that
were not available, every value escaped. A notebook that ended itself because the rest
of it could not be computed (:func:`ended_notebook`) is stored and shown up to the
section that says why.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Job, ReportConfig, shown_path

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "MANIFEST_PACKAGES",
    "ended_notebook",
    "stderr_outputs",
    "repeatable_notebook",
    "write_html",
    "village_titles",
    "write_index",
    "write_manifest",
]

#: Packages whose versions the manifest records.
MANIFEST_PACKAGES = (
    "fupin_analysis",
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "matplotlib",
    "seaborn",
    "esda",
    "libpysal",
    "spopt",
    "pulp",
    "openpyxl",
    "papermill",
    "nbconvert",
    "pypinyin",
)
_PAPERMILL_RUN_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path")
_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"  # the cells papermill adds on an error
_ENDS = "NotebookEnds"  # fupin_analysis.outputs.NotebookEnds, by name (as nbclient reports it)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def repeatable_notebook(
    nb: nbformat.NotebookNode, shown: Mapping[str, Any] | None = None
) -> nbformat.NotebookNode:
    """The executed notebook without what changes from run to run or machine to machine.

    Removes papermill's start and end times, durations and file paths (notebook and
    cells) and the kernel's execution timestamps, and numbers the cell ids by position
    (papermill gives its injected cell a random one). With ``shown`` (the parameters as
    pages show them, :meth:`.config.Job.shown_parameters`), the injected parameters cell
    and papermill's record of the parameters are written with those values, so the
    stored notebook names no folder of the user's machine. Exceptions and outputs are
    kept.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    >>> nb.metadata["papermill"] = {"start_time": "2026-01-01", "parameters": {"a": 1}}
    >>> nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    >>> out = repeatable_notebook(nb)
    >>> out.metadata["papermill"], out.cells[0].metadata, out.cells[0].id
    ({'parameters': {'a': 1}}, {}, 'cell-0')
    """
    nb = copy.deepcopy(nb)
    run = nb.metadata.get("papermill", {})
    for key in _PAPERMILL_RUN_KEYS:
        run.pop(key, None)
    if shown is not None:
        from papermill.translators import translate_parameters

        run["parameters"] = dict(shown)
        for cell in nb.cells:
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.source = translate_parameters("python3", "python", dict(shown), "Parameters")
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"
        cell.metadata.pop("execution", None)
        timing = cell.metadata.get("papermill", {})
        for key in _PAPERMILL_RUN_KEYS:
            timing.pop(key, None)
        if "papermill" in cell.metadata and not timing:
            del cell.metadata["papermill"]
    return nb


def ended_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An executed notebook that ended itself, cut at the cell that ended it.

    The cell that raised :class:`fupin_analysis.outputs.NotebookEnds` keeps its other
    outputs (the "not available" section) and loses the exception; the cells after it
    (never executed) and papermill's error markers are dropped. A notebook without such
    a cell is returned unchanged (a copy).

    Examples
    --------
    >>> import nbformat
    >>> end = nbformat.v4.new_code_cell("outputs.not_available(...)", outputs=[
    ...     nbformat.v4.new_output("stream", name="stdout", text="not available"),
    ...     nbformat.v4.new_output("error", ename="NotebookEnds", evalue="x", traceback=[])])
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), end,
    ...                                      nbformat.v4.new_markdown_cell("## Later")])
    >>> cut = ended_notebook(nb)
    >>> len(cut.cells), [o["output_type"] for o in cut.cells[1].outputs]
    (2, ['stream'])
    """
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if _PAPERMILL_ERROR_TAG not in c.metadata.get("tags", [])]
    for index, cell in enumerate(nb.cells):
        ends = [
            o
            for o in cell.get("outputs", [])
            if o.get("output_type") == "error" and o.get("ename") == _ENDS
        ]
        if ends:
            cell.outputs = [o for o in cell.outputs if o not in ends]
            nb.cells = nb.cells[: index + 1]
            break
    return nb


def stderr_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """What the cells wrote to stderr (warnings): ``(cell number, text)`` each.

    The cell number is its execution count (``In [N]``), else its position.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("1", execution_count=3, outputs=[
    ...     nbformat.v4.new_output("stream", name="stderr", text="UserWarning: x\\n")])
    >>> stderr_outputs(nbformat.v4.new_notebook(cells=[cell]))
    [(3, 'UserWarning: x\\n')]
    """
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                number = cell.get("execution_count")
                found.append((number if number is not None else index, str(output["text"])))
    return found


def _without_stderr(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return nb


def _not_available_html(parts: list[Mapping[str, Any]]) -> str:
    esc = html.escape
    items = "".join(
        f"<li>{esc(str(p['topic']))}: {esc(str(p['reason']))}"
        + (" (the rest of the notebook needs it)" if p.get("rest") else "")
        + "</li>"
        for p in parts
    )
    return f"<p><strong>Not available</strong></p><ul>{items}</ul>" if parts else ""


def _header_cell(
    job: Job, project: Path, run_name: str, not_available: list[Mapping[str, Any]]
) -> nbformat.NotebookNode:
    """Job, run, version, parameters and what was not available, as escaped HTML."""
    import nbformat

    esc = html.escape
    shown = {k: v for k, v in job.shown_parameters(project).items() if k != "output_dir"}
    rows = "".join(
        f"<tr><td><code>{esc(str(k))}</code></td><td><code>{esc(str(v))}</code></td></tr>"
        for k, v in shown.items()
    )
    text = (
        f"<p><strong>{esc(job.job_id)}</strong> · run <code>{esc(run_name)}</code> · "
        f"fupin_analysis {esc(_version('fupin_analysis'))}</p>\n\n"
        f"<table><tr><th>parameter</th><th>value</th></tr>{rows}</table>\n"
        + _not_available_html(not_available)
    )
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = "run-header"
    return cell


def write_html(
    nb: nbformat.NotebookNode,
    job: Job,
    run_dir: Path,
    run_name: str,
    project: Path,
    *,
    not_available: list[Mapping[str, Any]] = (),
) -> Path:
    """Write ``html/<job_id>.html``: the executed notebook without code, a header on top.

    Chinese text renders without a CJK font on the reader's machine: the page names the
    usual CJK families and embeds the subset of one it needs
    (:func:`fupin_analysis.report.webfont.with_font`).

    ``project`` is the folder input paths are shown relative to (the configuration's);
    ``not_available`` the parts the notebook recorded as not available
    (:func:`fupin_analysis.outputs.read_status`), listed in the header. Output written to
    stderr (warnings) is left out of the page.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    >>> job = Job("nb", "nb", Path("nb.ipynb"), {"village": "<img src=x onerror=alert(1)>"})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     page = write_html(nb, job, Path(tmp), "demo", Path(tmp)).read_text(encoding="utf-8")
    >>> "<img src=x" in page, "&lt;img src=x onerror=alert(1)&gt;" in page
    (False, True)
    """
    from nbconvert import HTMLExporter

    from .webfont import with_font

    nb = _without_stderr(repeatable_notebook(nb, job.shown_parameters(project)))
    nb.cells.insert(0, _header_cell(job, project, run_name, list(not_available)))
    nb.metadata["title"] = f"{job.job_id} · {run_name}"
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    path = run_dir / "html" / f"{job.job_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(with_font(body), encoding="utf-8")
    return path


def _job_record(job: Job, result: Mapping[str, Any], project: Path) -> dict[str, Any]:
    return {
        "job": job.job_id,
        "notebook": job.name,
        "source": shown_path(job.notebook, project),
        "parameters": {k: v for k, v in job.shown_parameters(project).items() if k != "output_dir"},
        "status": result["status"],
        "seconds": result["seconds"],
        "failed_cell": result["failed_cell"],
        "error": result["error"],
        "not_available": list(result.get("not_available", [])),
    }


def merge_manifest_jobs(
    run_dir: Path, planned: list[Job], results: list[dict[str, Any]], project: Path
) -> list[dict[str, Any]]:
    """Jobs of this run, plus those of an earlier manifest that this run did not redo.

    A planned job without a result (the run was interrupted) is ``not run``.
    """
    by_id = {r["job"]: r for r in results}
    missing = {"status": "not run", "seconds": None, "failed_cell": None, "error": ""}
    missing["not_available"] = []
    records = [_job_record(job, by_id.get(job.job_id, missing), project) for job in planned]
    previous = run_dir / "manifest.json"
    if previous.exists():
        redone = {r["job"] for r in records}
        try:
            earlier = json.loads(previous.read_text(encoding="utf-8")).get("jobs", [])
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            earlier = []
        records = [r for r in earlier if r.get("job") not in redone] + records
    return records


def write_manifest(
    run_dir: Path,
    *,
    config_path: Path,
    config: ReportConfig,
    jobs: list[dict[str, Any]],
    inputs: Iterable[Path],
    outputs: Iterable[str],
    privacy_hits: int,
    complete: bool,
) -> Path:
    """Write ``manifest.json``: inputs and outputs with sha256, parameters, versions, timings.

    Inputs and the configuration are named relative to the configuration's folder (a
    file outside it by its name), outputs relative to the run folder. ``inputs`` are the
    files the jobs read (a folder input lists its files); ``outputs`` the files the run
    wrote (relative paths);
    ``jobs`` the job records (:func:`merge_manifest_jobs`); ``complete`` is false for an
    interrupted run. Called by :func:`fupin_analysis.report.run_report`; see
    ``docs/reports.md`` for the fields.
    """
    files = sorted({f for p in inputs for f in ([p] if p.is_file() else sorted(p.rglob("*")))})
    project = config_path.parent
    manifest = {
        "run_name": config.run_name,
        "complete": complete,
        "config": config_path.name,
        "config_sha256": _sha256(config_path),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in MANIFEST_PACKAGES},
        "shared_parameters": config.parameters,
        "inputs": [
            {"path": shown_path(p, project), "sha256": _sha256(p)} for p in files if p.is_file()
        ],
        "jobs": jobs,
        "outputs": [
            {"path": rel, "sha256": _sha256(run_dir / rel)}
            for rel in sorted(outputs)
            if (run_dir / rel).is_file() and rel != "manifest.json"
        ],
        "privacy_hits": privacy_hits,
    }
    path = run_dir / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def village_titles(jobs: Iterable[Job]) -> dict[str, str]:
    """Job id → ``name（code）`` for the jobs of a village fan-out (their ``village``).

    Names come from the job's reference folder (its ``reference`` parameter, else the
    embedded tables); a code the folder does not list is shown alone.

    Examples
    --------
    >>> jobs = [Job("village_profile", "village_profile-430527203203", Path("v.ipynb"),
    ...             {"village": "430527203203"}), Job("00_overview", "00_overview",
    ...                                                Path("o.ipynb"), {})]
    >>> village_titles(jobs)
    {'village_profile-430527203203': '李家村（430527203203）'}
    """
    from ..reference import load_villages

    titles = {}
    for job in jobs:
        code = job.parameters.get("village")
        if job.job_id == job.name or not code:
            continue
        villages = load_villages(job.parameters.get("reference") or None)
        names = dict(zip(villages["code"], villages["name"], strict=True))
        name = names.get(str(code))
        titles[job.job_id] = f"{name}（{code}）" if name else str(code)
    return titles


_INDEX_CSS = (
    "body{max-width:72em;margin:2em auto;padding:0 1em;line-height:1.45}"
    "table{border-collapse:collapse;margin:.4em 0 1.2em}"
    "td,th{padding:.25em .7em;text-align:left;vertical-align:top;border-bottom:1px solid #ddd}"
    "th{border-bottom:2px solid #888}.failed{color:#b00}"
    ".na{color:#666}.na ul{margin:.2em 0;padding-left:1.2em}"
    ".interrupted{background:#fde8e8;border:1px solid #b00;padding:.5em}"
    ".synthetic{background:#fff4d6;border:1px solid #d9a400;padding:.5em}"
    "img{max-width:14em;border:1px solid #ddd;margin:.2em}"
)


def _common_parameters(jobs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters every job that has them gives the same value (the run's own)."""
    seen: dict[str, set[str]] = {}
    first: dict[str, Any] = {}
    for job in jobs:
        for key, value in (job.get("parameters") or {}).items():
            seen.setdefault(key, set()).add(json.dumps(value, ensure_ascii=False, sort_keys=True))
            first.setdefault(key, value)
    skip = {"figure_prefix", "output_dir", "village"}
    return {k: first[k] for k in first if len(seen[k]) == 1 and k not in skip}


def _status_cell(job: Mapping[str, Any]) -> str:
    esc = html.escape
    status = esc(str(job["status"]))
    if job["status"] not in ("ok", "not available"):
        error = f": {esc(str(job['error']))}" if job.get("error") else ""
        status = f'<span class="failed">{status}{error}</span>'
    missing = job.get("not_available") or []
    if job["status"] == "not available" or missing:
        items = "".join(
            f"<li>not available: {esc(str(p['topic']))}: {esc(str(p['reason']))}</li>"
            for p in missing
        )
        status = f'<span class="na">{status}<ul>{items}</ul></span>'
    return f"<td>{status}</td>"


def _links_cells(job: Mapping[str, Any]) -> str:
    job_id = html.escape(str(job["job"]))
    if job["status"] == "not run":
        return "<td></td><td></td><td></td>"
    return (
        f'<td><a href="html/{job_id}.html">HTML</a></td>'
        f'<td><a href="notebooks/{job_id}.ipynb">ipynb</a></td>'
        f'<td><a href="logs/{job_id}.log">log</a></td>'
    )


def _not_available_summary(jobs: list[Mapping[str, Any]]) -> list[str]:
    """One line per part not available: topic and reason, then the jobs it concerns."""
    esc = html.escape
    parts: dict[tuple[str, str], list[str]] = {}
    for job in jobs:
        for part in job.get("not_available") or []:
            key = (str(part["topic"]), str(part["reason"]))
            parts.setdefault(key, []).append(str(job["job"]))
    if not parts:
        return ["<h2>Not available</h2><p>Every part of every notebook could be computed.</p>"]
    items = "".join(
        f"<li><strong>{esc(topic)}</strong>: {esc(reason)} "
        f"<span class=\"na\">({esc(', '.join(ids))})</span></li>"
        for (topic, reason), ids in parts.items()
    )
    return [f"<h2>Not available</h2><ul>{items}</ul>"]


def write_index(
    run_dir: Path,
    jobs: list[Mapping[str, Any]],
    run_name: str,
    *,
    complete: bool = True,
    private: Iterable[str] = (),
    synthetic: Iterable[str] = (),
    titles: Mapping[str, str] | None = None,
) -> Path:
    """Write ``index.html`` linking every job's report, notebook, figures and tables.

    The page has no times (they are in the manifest), so identical runs give identical
    bytes. It carries the synthetic-data banner when ``synthetic`` names inputs of the
    run that are files of the embedded synthetic dataset; the parameters the jobs share
    (the run's own); a summary of what was not available, with the jobs each part
    concerns; the notebooks; then the village profiles by name and code (``titles``:
    job id → title, :func:`village_titles`). An interrupted run (``complete=False``)
    says so at the top, and its jobs that did not run are listed as ``not run``. A job
    whose notebook ended because the rest could not be computed is ``not available``
    (grey, never red), and every part a job recorded as not available is listed under
    its status with the reason. ``private`` names the lists for follow-up written to the
    private folder beside the run: the index names them, never links or shows them.
    Chinese text renders without a CJK font on the reader's machine
    (:func:`fupin_analysis.report.webfont.with_font`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     jobs = [{"job": "nb", "status": "failed", "error": "E: x"},
    ...             {"job": "maps", "status": "ok", "not_available": [
    ...                 {"topic": "maps", "reason": "no geography given", "rest": False}]},
    ...             {"job": "v-430527203203", "status": "ok"}]
    ...     page = write_index(Path(tmp), jobs, "demo",
    ...                        titles={"v-430527203203": "李家村（430527203203）"}
    ...                        ).read_text(encoding="utf-8")
    >>> 'href="html/nb.html"' in page, 'class="failed"' in page
    (True, True)
    >>> "not available: maps: no geography given" in page, "SYNTHETIC" in page
    (True, False)
    >>> "<td>李家村（430527203203）</td>" in page
    True
    """
    from ..outputs import synthetic_banner
    from .webfont import with_font

    esc = html.escape
    titles = dict(titles or {})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh"><head><meta charset="utf-8">',
        f"<title>fupin_analysis report: {esc(run_name)}</title>",
        f"<style>{_INDEX_CSS}</style></head><body>",
        f"<h1>fupin_analysis report: {esc(run_name)}</h1>",
    ]
    synthetic = sorted(synthetic)
    if synthetic:
        banner = synthetic_banner(synthetic).removeprefix("> ").replace("**", "")
        parts.append(f'<p class="synthetic">{esc(banner)}</p>')
    if not complete:
        done = sum(1 for job in jobs if job["status"] != "not run")
        parts.append(
            f'<p class="interrupted"><strong>Interrupted run.</strong> {done} of {len(jobs)} '
            "notebooks finished before the run was stopped; the others were not run. "
            "Run the report again for a complete folder.</p>"
        )
    parts.append(
        '<p><a href="manifest.json">manifest.json</a>: inputs, parameters, versions,'
        " outputs with sha256, durations</p>"
    )
    common = _common_parameters(jobs)
    if common:
        rows = "".join(
            f"<tr><td><code>{esc(str(k))}</code></td><td><code>{esc(str(v))}</code></td></tr>"
            for k, v in common.items()
        )
        parts.append(
            f"<h2>Parameters</h2><table><tr><th>parameter</th><th>value</th></tr>{rows}</table>"
        )
    parts += _not_available_summary(jobs)
    notebooks = [job for job in jobs if str(job["job"]) not in titles]
    villages = [job for job in jobs if str(job["job"]) in titles]
    parts.append(
        "<h2>Notebooks</h2><table><tr><th>job</th><th>status</th><th>report</th>"
        "<th>notebook</th><th>log</th></tr>"
    )
    for job in notebooks:
        parts.append(
            f"<tr><td>{esc(str(job['job']))}</td>{_status_cell(job)}{_links_cells(job)}</tr>"
        )
    parts.append("</table>")
    if villages:
        parts.append(
            f"<h2>Village profiles ({len(villages)})</h2><table><tr><th>village</th>"
            "<th>status</th><th>report</th><th>notebook</th><th>log</th></tr>"
        )
        for job in sorted(villages, key=lambda j: str(j["job"])):
            title = esc(titles[str(job["job"])])
            parts.append(f"<tr><td>{title}</td>{_status_cell(job)}{_links_cells(job)}</tr>")
        parts.append("</table>")
    for job in jobs:
        job_id = str(job["job"])
        figures = sorted((run_dir / "figures").glob(f"{job_id}__*"))
        tables = sorted((run_dir / "tables").glob(f"{job_id}__*"))
        if not figures and not tables:
            continue
        parts.append(f"<h2>{esc(titles.get(job_id, job_id))}</h2>")
        for fig in figures:
            href = esc(f"figures/{fig.name}")
            if fig.suffix == ".png":
                parts.append(f'<a href="{href}"><img src="{href}" alt="{esc(fig.name)}"></a>')
            else:
                parts.append(f'<a href="{href}">{esc(fig.name)}</a>')
        if tables:
            links = ", ".join(f'<a href="tables/{esc(t.name)}">{esc(t.name)}</a>' for t in tables)
            parts.append(f"<p>Tables: {links}</p>")
    private = sorted(private)
    if private:
        parts.append(
            f"<h2>Lists for follow-up (private)</h2><p>{len(private)} files in the folder "
            f"<code>{esc(run_dir.name)}.private</code> beside this one, readable by you only "
            "and not part of the report: they list households by pseudonymous key. Do not "
            "publish them.</p><ul>"
            + "".join(f"<li><code>{esc(name)}</code></li>" for name in private)
            + "</ul>"
        )
    parts.append("</body></html>\n")
    path = run_dir / "index.html"
    path.write_text(with_font("\n".join(parts)), encoding="utf-8")
    return path
