"""The pages of a run: each notebook's HTML, the run's ``index.html`` and ``manifest.json``.

The HTML of a notebook has no code cells; a header cell on top gives the job, the run,
the package version, the synthetic-data banner when an input is synthetic, and the
parameters. The manifest records inputs and outputs with their sha256, the parameters,
package versions and timings.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..outputs import banner_text
from .config import Job, ReportConfig

if TYPE_CHECKING:
    import nbformat

__all__ = ["MANIFEST_PACKAGES", "write_html", "write_index", "write_manifest"]

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



def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _input_files(parameters: Mapping[str, Any], cwd: Path) -> list[Path]:
    files = []
    for key, value in parameters.items():
        if key in ("output_dir", "figure_prefix") or not isinstance(value, str) or not value:
            continue
        candidate = (cwd / value).resolve()
        if candidate.is_file():
            files.append(candidate)
    return files


def _header_cell(job: Job, run_name: str, notebook_dir: Path) -> nbformat.NotebookNode:
    import nbformat

    shown = {k: v for k, v in job.parameters.items() if k != "output_dir"}
    rows = "\n".join(f"| `{k}` | `{v}` |" for k, v in shown.items())
    banner = banner_text(*_input_files(job.parameters, notebook_dir))
    text = (
        f"**{job.job_id}** · run `{run_name}` · fupin_analysis {_version('fupin_analysis')}\n\n"
        + (f"{banner}\n\n" if banner else "")
        + f"| parameter | value |\n|---|---|\n{rows}\n"
    )
    return nbformat.v4.new_markdown_cell(text)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"



def write_html(nb: nbformat.NotebookNode, job: Job, run_dir: Path, run_name: str) -> Path:
    """Write ``html/<job_id>.html``: the executed notebook without code, header cell on top."""
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    nb.cells.insert(0, _header_cell(job, run_name, job.notebook.parent))
    nb.metadata["title"] = f"{job.job_id} · {run_name}"
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    path = run_dir / "html" / f"{job.job_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path



def _job_record(job: Job, result: Mapping[str, Any], notebook_dir: Path) -> dict[str, Any]:
    return {
        "job": job.job_id,
        "notebook": job.name,
        "source": os.path.relpath(job.notebook, notebook_dir.parent),
        "parameters": {k: v for k, v in job.parameters.items() if k != "output_dir"},
        "status": result["status"],
        "seconds": result["seconds"],
        "failed_cell": result["failed_cell"],
        "error": result["error"],
    }


def merge_manifest_jobs(
    run_dir: Path, planned: list[Job], results: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Jobs of this run, plus those of an earlier manifest that this run did not redo."""
    by_id = {r["job"]: r for r in results}
    notebook_dir = planned[0].notebook.parent if planned else run_dir
    records = [_job_record(job, by_id[job.job_id], notebook_dir) for job in planned]
    previous = run_dir / "manifest.json"
    if previous.exists():
        redone = {r["job"] for r in records}
        try:
            earlier = json.loads(previous.read_text(encoding="utf-8")).get("jobs", [])
        except json.JSONDecodeError:
            earlier = []
        records = [r for r in earlier if r.get("job") not in redone] + records
    return records


def write_manifest(
    run_dir: Path,
    *,
    config_path: Path,
    config: ReportConfig,
    planned: list[Job],
    results: list[dict[str, Any]],
    notebook_dir: Path,
    privacy_hits: int,
) -> Path:
    """Write ``manifest.json``: inputs and outputs with sha256, parameters, versions, timings.

    ``inputs`` are the existing files named by string parameters (path relative to the
    config's folder); ``outputs`` every file of the run folder but the manifest; ``jobs``
    those of this run and, after ``--only``, the earlier records of the others.
    Called by :func:`run_report`; see ``docs/reports.md`` for the fields.
    """
    jobs = merge_manifest_jobs(run_dir, planned, results)
    inputs = sorted({p for job in planned for p in _input_files(job.parameters, notebook_dir)})
    outputs = sorted(
        p
        for p in run_dir.rglob("*")
        if p.is_file() and p.name != "manifest.json" and not p.name.startswith(".")
    )
    manifest = {
        "run_name": config.run_name,
        "config": str(config_path),
        "config_sha256": _sha256(config_path),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in MANIFEST_PACKAGES},
        "shared_parameters": config.parameters,
        "inputs": [
            {"path": os.path.relpath(p, config_path.parent), "sha256": _sha256(p)} for p in inputs
        ],
        "jobs": jobs,
        "outputs": [
            {"path": p.relative_to(run_dir).as_posix(), "sha256": _sha256(p)} for p in outputs
        ],
        "privacy_hits": privacy_hits,
    }
    path = run_dir / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_index(run_dir: Path, jobs: list[Mapping[str, Any]], run_name: str) -> Path:
    """Write ``index.html`` linking every job's report, notebook, figures and tables.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     jobs = [{"job": "nb", "status": "failed", "seconds": 1.0, "error": "E: x"}]
    ...     page = write_index(Path(tmp), jobs, "demo").read_text(encoding="utf-8")
    >>> 'href="html/nb.html"' in page, 'class="failed"' in page
    (True, True)
    """
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh"><head><meta charset="utf-8">',
        f"<title>fupin_analysis report: {esc(run_name)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}"
        "td,th{padding:.2em .6em;text-align:left}.failed{color:#b00}"
        "img{max-width:14em;border:1px solid #ddd;margin:.2em}</style></head><body>",
        f"<h1>fupin_analysis report: {esc(run_name)}</h1>",
        '<p><a href="manifest.json">manifest.json</a>: inputs, parameters, versions,'
        " outputs with sha256</p>",
        "<table><tr><th>job</th><th>status</th><th>seconds</th><th>report</th>"
        "<th>notebook</th><th>log</th></tr>",
    ]
    for job in jobs:
        job_id = str(job["job"])
        status = esc(str(job["status"]))
        if job["status"] != "ok":
            status = f'<span class="failed">{status}: {esc(str(job["error"]))}</span>'
        parts.append(
            f"<tr><td>{esc(job_id)}</td><td>{status}</td><td>{job['seconds']}</td>"
            f'<td><a href="html/{esc(job_id)}.html">HTML</a></td>'
            f'<td><a href="notebooks/{esc(job_id)}.ipynb">ipynb</a></td>'
            f'<td><a href="logs/{esc(job_id)}.log">log</a></td></tr>'
        )
    parts.append("</table>")
    for job in jobs:
        job_id = str(job["job"])
        figures = sorted((run_dir / "figures").glob(f"{job_id}__*"))
        tables = sorted((run_dir / "tables").glob(f"{job_id}__*"))
        if not figures and not tables:
            continue
        parts.append(f"<h2>{esc(job_id)}</h2>")
        for fig in figures:
            href = esc(f"figures/{fig.name}")
            if fig.suffix == ".png":
                parts.append(f'<a href="{href}"><img src="{href}" alt="{esc(fig.name)}"></a>')
            else:
                parts.append(f'<a href="{href}">{esc(fig.name)}</a>')
        if tables:
            links = ", ".join(f'<a href="tables/{esc(t.name)}">{esc(t.name)}</a>' for t in tables)
            parts.append(f"<p>Tables: {links}</p>")
    parts.append("</body></html>\n")
    path = run_dir / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
