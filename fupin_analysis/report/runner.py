"""The batch runner behind ``fupin report``: notebooks executed through papermill.

:func:`run_report` plans the jobs of a configuration (:mod:`.config`), executes each in
its own process (papermill's ``cwd`` is process-wide) ``jobs`` at a time, writes each
notebook's pages (:mod:`.pages`), and ends with the privacy check of the run folder.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .config import Job, load_config, notebook_source, plan_jobs
from .pages import merge_manifest_jobs, write_html, write_index, write_manifest

if TYPE_CHECKING:
    import nbformat

__all__ = ["ReportRun", "execute_job", "run_report"]


def execute_job(job: Job, run_dir: Path, cell_timeout: int, run_name: str) -> dict[str, Any]:
    """Execute one job with papermill and export its HTML; never raises for a notebook error.

    Writes ``notebooks/<job_id>.ipynb`` (executed), ``html/<job_id>.html`` (no code
    cells; parameters and the synthetic-data banner on top) and ``logs/<job_id>.log``
    (stderr of papermill and the kernel) under ``run_dir``; the
    notebook itself writes ``figures/`` and ``tables/``. Runs in a worker process
    (papermill's ``cwd`` is process-wide).

    Returns
    -------
    dict
        ``job``, ``notebook``, ``status`` (``ok`` or ``failed``), ``seconds``,
        ``failed_cell`` (the failing cell's execution count, ``In [N]`` in the executed
        notebook, else ``None``),
        ``error`` (one line, else ``""``).

    Examples
    --------
    >>> job = Job("00_overview", "00_overview", Path("notebooks/00_overview.ipynb").resolve(),
    ...           {"figure_prefix": "00_overview"})
    >>> execute_job(job, Path("reports/try").resolve(), 600, "try")["status"]  # doctest: +SKIP
    'ok'
    """
    start = time.perf_counter()
    result = {"job": job.job_id, "notebook": job.name, "status": "ok", "failed_cell": None}
    result["error"] = ""
    out_nb = run_dir / "notebooks" / f"{job.job_id}.ipynb"
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    log = run_dir / "logs" / f"{job.job_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as stream, _stderr_to(stream):
        executed = _execute(job, out_nb, run_dir, cell_timeout, result)
    if executed is not None:
        write_html(executed, job, run_dir, run_name)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


@contextmanager
def _stderr_to(stream: io.TextIOBase) -> Iterator[None]:
    """Send this process's stderr (and its kernel's, which inherits it) to ``stream``."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(stream.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _execute(
    job: Job, out_nb: Path, run_dir: Path, cell_timeout: int, result: dict[str, Any]
) -> nbformat.NotebookNode | None:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed = None
    if not job.notebook.exists():
        result |= {"status": "failed", "error": f"notebook file not found: {job.notebook}"}
    else:
        try:
            executed = papermill.execute_notebook(
                notebook_source(job.notebook),
                str(out_nb),
                parameters=job.parameters | {"output_dir": str(run_dir)},
                kernel_name="python3",
                language="python",
                cwd=str(job.notebook.parent),
                progress_bar=False,
                execution_timeout=cell_timeout,
            )
        except PapermillExecutionError as exc:
            result |= {
                "status": "failed",
                "failed_cell": exc.exec_count if exc.exec_count is not None else exc.cell_index,
                "error": f"{exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}",
            }
        except Exception as exc:  # noqa: BLE001 - a timeout, dead kernel, bad notebook
            first = str(exc).strip().splitlines()
            result |= {
                "status": "failed",
                "error": f"{type(exc).__name__}: {first[0] if first else ''}",
            }
        if executed is None and out_nb.exists():
            executed = nbformat.read(out_nb, as_version=4)
    return executed



_RUN_FOLDERS = ("figures", "tables", "notebooks", "html", "logs")


def _clear_run(run_dir: Path) -> None:
    """Remove every output of an earlier full run (the runner's folders and manifest)."""
    for folder in _RUN_FOLDERS:
        if (run_dir / folder).is_dir():
            for path in (run_dir / folder).iterdir():
                if path.is_file():
                    path.unlink()
    (run_dir / "manifest.json").unlink(missing_ok=True)


def _clear_job_outputs(run_dir: Path, job_id: str) -> None:
    """Remove what an earlier run of this job wrote, so no stale figure survives."""
    for folder in ("figures", "tables"):
        for path in (run_dir / folder).glob(f"{job_id}__*"):
            path.unlink()
    for folder, suffix in (("notebooks", "ipynb"), ("html", "html"), ("logs", "log")):
        (run_dir / folder / f"{job_id}.{suffix}").unlink(missing_ok=True)


@dataclass
class ReportRun:
    """The outcome of :func:`run_report`.

    ``summary`` has one row per job: ``job``, ``notebook``, ``status``, ``seconds``,
    ``failed_cell``, ``error``. ``privacy`` is the hit table of
    :func:`fupin_analysis.privacy.scan` (empty when clean).
    """

    run_dir: Path
    summary: pd.DataFrame
    privacy: pd.DataFrame
    seconds: float

    @property
    def failed(self) -> pd.DataFrame:
        """Rows of ``summary`` whose notebook failed."""
        return self.summary[self.summary["status"] != "ok"]

    @property
    def ok(self) -> bool:
        """True when every notebook ran and the privacy check found nothing."""
        return self.failed.empty and self.privacy.empty


def run_report(
    config_path: str | Path = "reports.yml",
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    only: str | None = None,
    overrides: Mapping[str, str] | None = None,
    villages: str | None = None,
    test: bool = False,
    progress: bool = True,
) -> ReportRun:
    """Execute the notebooks of a report configuration into one run folder.

    Each job runs in its own process through papermill, ``jobs`` at a time (config
    ``jobs``, default 2); one failure does not stop the others. At the end the run
    folder gets ``index.html`` and ``manifest.json``, and the privacy check scans it
    (names from the ``roster`` parameter when there is one).

    Parameters
    ----------
    config_path : str or Path
        ``reports.yml``; relative ``notebook_dir`` and ``output_root`` are taken from
        the config file's folder.
    out : str or Path, optional
        The run folder (default ``<output_root>/<run_name>``).
    jobs : int, optional
        Notebooks executed at once.
    only : str, optional
        Run only this config entry: earlier outputs of the others are kept (without
        it, the run folder's earlier outputs are all removed first).
    overrides : mapping, optional
        ``-p KEY=VALUE`` pairs, see :func:`plan_jobs`.
    villages : str, optional
        Fan-out override: ``all``, ``designated`` or ``CODE,CODE``.
    test : bool
        Use each entry's ``test_parameters`` and one village per fan-out.
    progress : bool
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    ReportRun

    Examples
    --------
    >>> run = run_report("reports.yml", only="00_overview")  # doctest: +SKIP
    >>> run.ok, run.run_dir.name  # doctest: +SKIP
    (True, 'default')
    """
    from tqdm.auto import tqdm

    from ..privacy import roster_names, scan

    started = time.perf_counter()
    config_path = Path(config_path).resolve()
    config = load_config(config_path)
    base = config_path.parent
    notebook_dir = (base / config.notebook_dir).resolve()
    run_dir = Path(out).resolve() if out else (base / config.output_root / config.run_name)
    run_dir = run_dir.resolve()
    planned = plan_jobs(
        config,
        notebook_dir=notebook_dir,
        only=only,
        overrides=overrides,
        villages=villages,
        test=test,
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    ordered = _longest_first(planned, run_dir)
    if only is None:
        _clear_run(run_dir)
    for job in planned:
        _clear_job_outputs(run_dir, job.job_id)
    results = []
    workers = max(1, min(jobs or config.jobs, len(planned)))
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
        tqdm(total=len(planned), desc="fupin report", unit="nb", disable=not progress) as bar,
    ):
        futures = {
            pool.submit(execute_job, job, run_dir, config.cell_timeout, config.run_name): job
            for job in ordered
        }
        # Read the roster's names while the workers run: the main process is idle.
        roster = config.parameters.get("roster")
        roster_path = (notebook_dir / roster).resolve() if isinstance(roster, str) else None
        names = roster_names(roster_path) if roster_path and roster_path.is_file() else None
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died
                result = {"job": job.job_id, "notebook": job.name, "status": "failed"}
                result |= {"failed_cell": None, "error": f"{type(exc).__name__}: {exc}"}
                result["seconds"] = float("nan")
            results.append(result)
            bar.set_postfix_str(f"{job.job_id} {result['status']}")
            bar.update()
    order = {job.job_id: i for i, job in enumerate(planned)}
    results.sort(key=lambda r: order[r["job"]])
    summary = pd.DataFrame(
        results, columns=["job", "notebook", "status", "seconds", "failed_cell", "error"]
    )
    summary["failed_cell"] = summary["failed_cell"].astype("Int64")
    write_index(run_dir, merge_manifest_jobs(run_dir, planned, results), config.run_name)
    hits = scan(run_dir, names=names)
    write_manifest(
        run_dir,
        config_path=config_path,
        config=config,
        planned=planned,
        results=results,
        notebook_dir=notebook_dir,
        privacy_hits=len(hits),
    )
    return ReportRun(run_dir, summary, hits, round(time.perf_counter() - started, 2))


def _longest_first(planned: list[Job], run_dir: Path) -> list[Job]:
    """Jobs ordered by their time in the folder's previous run, longest first.

    Starting long notebooks first shortens the wall time of a pool; jobs without a
    previous time keep config order, ahead of the timed ones.
    """
    try:
        earlier = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["jobs"]
        seconds = {j["job"]: float(j["seconds"]) for j in earlier if j["seconds"] == j["seconds"]}
    except (OSError, ValueError, KeyError, TypeError):
        seconds = {}
    return sorted(planned, key=lambda job: -seconds.get(job.job_id, float("inf")))
