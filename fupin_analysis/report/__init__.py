"""``fupin report``: notebooks executed in batch into one folder per run.

:mod:`.config`
    ``reports.yml`` validated, and the jobs a run makes of it;
:mod:`.pages`
    each notebook's HTML page, the run's ``index.html`` and ``manifest.json``;
:mod:`.runner`
    execution through papermill, one process per notebook, and the privacy check.

What a notebook itself writes (tables, figures, the banner) is :mod:`fupin_analysis.outputs`.
User guide: ``docs/reports.md``.
"""

from __future__ import annotations

from .config import (
    Job,
    NotebookEntry,
    ReportConfig,
    load_config,
    notebook_parameters,
    notebook_source,
    parse_overrides,
    plan_jobs,
)
from .pages import MANIFEST_PACKAGES, write_index, write_manifest
from .runner import ReportRun, execute_job, run_report

__all__ = [
    "MANIFEST_PACKAGES",
    "Job",
    "NotebookEntry",
    "ReportConfig",
    "ReportRun",
    "execute_job",
    "load_config",
    "notebook_parameters",
    "notebook_source",
    "parse_overrides",
    "plan_jobs",
    "run_report",
    "write_index",
    "write_manifest",
]
