"""The batch runner behind ``fupin report``: notebooks executed through papermill.

:func:`run_report` plans the jobs of a configuration (:mod:`.config`), executes each in
a process of its own (papermill's ``cwd`` is process-wide) ``jobs`` at a time, writes each
notebook's pages (:mod:`.pages`), and ends with the privacy check of the run folder.

A run folder belongs to the tool only as far as the tool wrote it (:class:`RunFolder`): a
new or empty folder is claimed with a marker file that lists every file a run wrote; a
later run removes only those files. A folder that holds anything else is refused, so
``--out`` can never delete a user's files.

Ctrl-C stops the workers and their kernels within seconds and leaves an index that says
the run was interrupted; when the ``fupin`` process itself is killed, its workers notice
(a pipe only the runner writes to is cut) and stop too.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import ConfigError, FupinError
from ..outputs import STATUS_FOLDER, NotebookEnds, read_status
from ..provenance import synthetic_inputs
from .config import Job, load_config, notebook_source, plan_jobs
from .pages import (
    ended_notebook,
    merge_manifest_jobs,
    repeatable_notebook,
    stderr_outputs,
    village_titles,
    write_html,
    write_index,
    write_manifest,
)

if TYPE_CHECKING:
    import nbformat

__all__ = ["MARKER", "PRIVATE", "ReportRun", "RunFolder", "execute_job", "run_report"]

#: The file that marks a folder as a run folder of ``fupin report`` and lists what it wrote.
MARKER = ".fupin-run.json"
#: How the marker lists a file of the private folder beside the run folder.
PRIVATE = "private:"
_JOB_FOLDERS = ("figures", "tables")
_PAGE_FILES = (("notebooks", "ipynb"), ("html", "html"), ("logs", "log"))
_STOP_SECONDS = 20.0  # how long a stopped worker gets to shut its kernel down
#: Job statuses of a run that succeeded: a notebook that ran, or said what it could not do.
_SUCCEEDED = ("ok", "not available")


def _job_files(job_id: str) -> list[str]:
    """The files of a job named by its id (relative paths): its pages, written by the
    runner, and the status file the notebook writes (:func:`fupin_analysis.outputs.
    not_available`)."""
    pages = [f"{folder}/{job_id}.{suffix}" for folder, suffix in _PAGE_FILES]
    return [*pages, f"{STATUS_FOLDER}/{job_id}.json"]


def _owned_by_job(rel: str, job_id: str) -> bool:
    folder, _, name = rel.partition("/")
    if rel.startswith(PRIVATE):
        return rel.removeprefix(PRIVATE).startswith(f"{job_id}__")
    return (folder in _JOB_FOLDERS and name.startswith(f"{job_id}__")) or rel in _job_files(
        job_id
    )


@dataclass
class RunFolder:
    """A report folder and the files ``fupin report`` wrote into it.

    Attributes
    ----------
    path : Path
        The folder (absolute).
    written : set of str
        Relative paths of the files runs of the tool wrote there, as recorded in
        :data:`MARKER`, and ``private:<name>`` for the files it wrote into the private
        folder beside it (:func:`fupin_analysis.outputs.private_dir`). Only these are
        ever removed.
    """

    path: Path
    written: set[str] = field(default_factory=set)

    @classmethod
    def claim(cls, path: str | Path) -> RunFolder:
        """Take ``path`` as a run folder, or refuse it.

        A missing or empty folder is claimed (created, marked); a folder with the
        marker is the tool's, with the files its marker lists; a folder of an earlier
        version of the tool (its ``manifest.json`` lists the outputs) is taken over with
        those files. Any other non-empty folder is refused.

        Raises
        ------
        ConfigError
            When the folder holds files the tool did not write, or is not a folder.
        FupinError
            When the folder cannot be created or written.

        Examples
        --------
        >>> import tempfile
        >>> tmp = Path(tempfile.mkdtemp())
        >>> (tmp / "mine.txt").write_text("not a report")
        12
        >>> RunFolder.claim(tmp)
        Traceback (most recent call last):
        ...
        fupin_analysis.errors.ConfigError: ...
        >>> folder = RunFolder.claim(tmp / "run")
        >>> sorted(p.name for p in folder.path.iterdir())
        ['.fupin-run.json']
        """
        path = Path(path).expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise ConfigError(f"--out {path}: exists and is not a folder")
        marker = path / MARKER
        if marker.is_file():
            folder = cls(path, _read_marker(marker))
        elif not path.exists() or not any(path.iterdir()):
            folder = cls(path)
        else:
            earlier = _manifest_outputs(path / "manifest.json")
            if earlier is None:
                entries = sorted(p.name for p in path.iterdir())
                raise ConfigError(
                    f"--out {path}: the folder holds files that fupin report did not write "
                    f"({len(entries)} entries, e.g. {entries[0]}); give a new or empty folder"
                )
            folder = cls(path, earlier | {"manifest.json", "index.html"})
        try:
            path.mkdir(parents=True, exist_ok=True)
            folder.save()
        except OSError as exc:
            raise FupinError(f"--out {path}: cannot write there ({exc.strerror})") from None
        return folder

    def save(self) -> None:
        """Write the marker with the files written so far."""
        data = {"tool": "fupin_analysis report", "written": sorted(self.written)}
        (self.path / MARKER).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    def remove(self, which: set[str]) -> None:
        """Delete those of ``which`` that the tool wrote; forget them.

        A path is removed only when the marker lists it and it stays inside the folder
        (a listed symbolic link is removed itself, never its target).
        """
        for rel in sorted(which & self.written):
            root, inner = (
                (self.private, rel.removeprefix(PRIVATE))
                if rel.startswith(PRIVATE)
                else (self.path, rel)
            )
            target = root / inner
            inside = not Path(inner).is_absolute() and ".." not in Path(inner).parts
            if inside and target.parent.resolve().is_relative_to(root.resolve()):
                if target.is_symlink() or target.is_file():
                    target.unlink()
            self.written.discard(rel)

    def remove_job(self, job_id: str) -> None:
        """Delete what earlier runs of this job wrote (so no stale figure survives)."""
        self.remove({rel for rel in self.written if _owned_by_job(rel, job_id)})

    @property
    def private(self) -> Path:
        """The private folder beside the run folder (``<run>.private``)."""
        return self.path.with_name(f"{self.path.name}.private")

    def snapshot(self) -> dict[str, tuple[int, int]]:
        """``relative path → (mtime_ns, size)`` of every file now in the folder.

        Files of the private folder are listed as ``private:<name>``.
        """
        out = {}
        for p in self.path.rglob("*"):
            if p.is_file() and not p.is_symlink():
                st = p.stat()
                out[p.relative_to(self.path).as_posix()] = (st.st_mtime_ns, st.st_size)
        if self.private.is_dir():
            for p in self.private.iterdir():
                if p.is_file() and not p.is_symlink():
                    st = p.stat()
                    out[PRIVATE + p.name] = (st.st_mtime_ns, st.st_size)
        return out

    def record_job(self, job_id: str, before: Mapping[str, tuple[int, int]]) -> list[str]:
        """Add the job's files that are new or changed since ``before``; return them."""
        now = self.snapshot()
        mine = [
            rel
            for rel, stamp in now.items()
            if _owned_by_job(rel, job_id) and before.get(rel) != stamp
        ]
        self.written.update(mine)
        return mine


def _read_marker(marker: Path) -> set[str]:
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        return {str(p) for p in data.get("written", [])}
    except (OSError, ValueError, AttributeError):
        return set()  # unreadable: remove nothing rather than guess


def _manifest_outputs(manifest: Path) -> set[str] | None:
    """Outputs listed by a manifest of an earlier version of the tool, else None."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if "fupin_analysis" not in data.get("packages", {}):
            return None
        return {str(o["path"]) for o in data["outputs"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# --- one job, in a worker process -----------------------------------------------------


def execute_job(
    job: Job, run_dir: Path, cell_timeout: int, run_name: str, project: Path
) -> dict[str, Any]:
    """Execute one job with papermill and export its HTML; never raises for a notebook error.

    The notebook runs with the run folder as its working folder and its input paths
    relative to it (:meth:`Job.parameters_in`). Writes ``notebooks/<job_id>.ipynb``
    (executed, repeatable: :func:`.pages.repeatable_notebook`), ``html/<job_id>.html``
    (no code cells; a header with the parameters) and ``logs/<job_id>.log`` (stderr of
    papermill and the kernel) under ``run_dir``; the notebook itself writes
    ``figures/`` and ``tables/``. Stored notebook and page show input paths relative to
    ``project`` (:meth:`Job.shown_parameters`). Runs in a worker process (papermill's
    ``cwd`` is process-wide).

    A notebook that ends itself because the rest of it cannot be computed
    (:class:`fupin_analysis.outputs.NotebookEnds`, raised by ``outputs.not_available(...,
    rest=True)``) is ``not available``, not ``failed``: its stored notebook and page end
    at the section that says why. Output a cell wrote to stderr (warnings) goes to the
    log, not to the page.

    Returns
    -------
    dict
        ``job``, ``notebook``, ``status`` (``ok``, ``not available`` or ``failed``),
        ``seconds``, ``failed_cell`` (the failing cell's execution count, ``In [N]`` in
        the executed notebook, else ``None``), ``error`` (one line, else ``""``),
        ``not_available`` (the parts the notebook recorded as not available: ``topic``,
        ``reason``, ``rest``).

    Examples
    --------
    >>> job = Job("00_overview", "00_overview", Path("notebooks/00_overview.ipynb").resolve(),
    ...           {"figure_prefix": "00_overview"})
    >>> execute_job(job, Path("reports/try").resolve(), 600, "try", Path.cwd())  # doctest: +SKIP
    {'job': '00_overview', 'notebook': '00_overview', 'status': 'ok', ...}
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
    result["not_available"] = read_status(run_dir, job.job_id)
    if result.get("ename") == NotebookEnds.__name__ and any(
        part["rest"] for part in result["not_available"]
    ):
        result |= {"status": "not available", "failed_cell": None, "error": ""}
        executed = ended_notebook(executed) if executed is not None else None
    result.pop("ename", None)
    if executed is not None:
        import nbformat

        with log.open("a", encoding="utf-8") as stream:
            for cell, text in stderr_outputs(executed):
                stream.write(f"--- stderr of cell {cell} ---\n{text}")
        nbformat.write(repeatable_notebook(executed, job.shown_parameters(project)), out_nb)
        write_html(
            executed, job, run_dir, run_name, project, not_available=result["not_available"]
        )
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
        result |= {"status": "failed", "error": f"notebook file not found: {job.notebook.name}"}
        return None
    try:
        executed = papermill.execute_notebook(
            notebook_source(job.notebook),
            str(out_nb),
            parameters=job.parameters_in(run_dir),
            kernel_name="python3",
            language="python",
            cwd=str(run_dir),
            progress_bar=False,
            execution_timeout=cell_timeout,
        )
    except PapermillExecutionError as exc:
        result |= {
            "status": "failed",
            "failed_cell": exc.exec_count if exc.exec_count is not None else exc.cell_index,
            "error": f"{exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}",
            "ename": exc.ename,
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


def _worker(conn: Connection, lifeline: Connection, job: Job, *args: Any) -> None:
    """Body of a worker process: one job, its result sent back through ``conn``.

    ``lifeline`` is the reading end of a pipe whose only writer is the runner: when the
    runner dies (even by SIGKILL) the read ends, and the worker stops itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides what Ctrl-C does
    signal.signal(signal.SIGTERM, _exit_on_signal)
    threading.Thread(target=_stop_when_cut, args=(lifeline,), daemon=True).start()
    try:
        conn.send(execute_job(job, *args))
    finally:
        conn.close()


def _exit_on_signal(signum: int, frame: object) -> None:
    # SystemExit unwinds papermill, which shuts the kernel down on its way out
    raise SystemExit(128 + signum)


def _stop_when_cut(lifeline: Connection) -> None:
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def _context() -> multiprocessing.context.BaseContext:
    """Fork from a clean server where available (fast, no inherited threads), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["fupin_analysis.report.runner"])
        return ctx
    return multiprocessing.get_context("spawn")


@dataclass
class _Running:
    job: Job
    process: multiprocessing.process.BaseProcess
    conn: Connection
    lifeline: Connection
    before: dict[str, tuple[int, int]]


def _run_jobs(ordered, folder: RunFolder, workers: int, on_done, *job_args: Any) -> None:
    """Run the jobs, ``workers`` at a time; call ``on_done(job, result)`` as each ends.

    On KeyboardInterrupt, stops every running worker (SIGTERM, then SIGKILL after
    :data:`_STOP_SECONDS`) and re-raises.
    """
    ctx = _context()
    queue = list(ordered)
    running: list[_Running] = []
    try:
        while queue or running:
            while queue and len(running) < workers:
                job = queue.pop(0)
                folder.remove_job(job.job_id)
                before = folder.snapshot()
                ours, theirs = ctx.Pipe(duplex=False)
                cut, hold = ctx.Pipe(duplex=False)
                process = ctx.Process(
                    target=_worker,
                    args=(theirs, cut, job, folder.path, *job_args),
                    daemon=False,
                )
                process.start()
                theirs.close()
                cut.close()
                running.append(_Running(job, process, ours, hold, before))
            ready = wait([r.conn for r in running] + [r.process.sentinel for r in running], 1.0)
            for r in [r for r in running if r.conn in ready or r.process.sentinel in ready]:
                result = _collect(r)
                if result is None:
                    continue  # the process ended but its result is still in the pipe
                running.remove(r)
                folder.record_job(r.job.job_id, r.before)
                on_done(r.job, result)
    except KeyboardInterrupt:
        _stop(running)
        for r in running:
            folder.record_job(r.job.job_id, r.before)
        raise


def _collect(r: _Running) -> dict[str, Any] | None:
    if r.conn.poll():
        try:
            result = r.conn.recv()
        except EOFError:
            result = None
        if result is not None:
            r.process.join()
            r.conn.close()
            r.lifeline.close()
            return result
    if r.process.is_alive():
        return None
    r.process.join()
    r.conn.close()
    r.lifeline.close()
    return {
        "job": r.job.job_id,
        "notebook": r.job.name,
        "status": "failed",
        "failed_cell": None,
        "error": f"the worker process died (exit code {r.process.exitcode})",
        "seconds": float("nan"),
        "not_available": [],
    }


def _stop(running: list[_Running]) -> None:
    for r in running:
        if r.process.is_alive():
            r.process.terminate()
    deadline = time.monotonic() + _STOP_SECONDS
    for r in running:
        r.process.join(max(0.0, deadline - time.monotonic()))
        if r.process.is_alive():
            r.process.kill()
            r.process.join()


# --- a whole run ----------------------------------------------------------------------


@dataclass
class ReportRun:
    """The outcome of :func:`run_report`.

    ``summary`` has one row per job: ``job``, ``notebook``, ``status`` (``ok``, ``not
    available``, ``failed``), ``seconds``, ``failed_cell``, ``error``, ``not_available``
    (how many parts of the notebook were not available). ``privacy`` is the hit table of
    :func:`fupin_analysis.privacy.scan` (empty when clean).
    """

    run_dir: Path
    summary: pd.DataFrame
    privacy: pd.DataFrame
    seconds: float

    @property
    def failed(self) -> pd.DataFrame:
        """Rows of ``summary`` whose notebook failed (not "ok" nor "not available")."""
        return self.summary[~self.summary["status"].isin(_SUCCEEDED)]

    @property
    def ok(self) -> bool:
        """True when every notebook ran (or ended "not available") and the privacy check
        found nothing."""
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
    with the names of every roster the jobs analysed.

    Parameters
    ----------
    config_path : str or Path
        ``reports.yml``; relative ``notebook_dir`` and ``output_root`` are taken from
        the config file's folder.
    out : str or Path, optional
        The run folder (default ``<output_root>/<run_name>``); it must be new, empty,
        or a run folder of this tool (:class:`RunFolder`). Its name is the run's name
        in the titles of the pages and the index.
    jobs : int, optional
        Notebooks executed at once (at least 1).
    only : str, optional
        Run only this config entry: earlier outputs of the others are kept (without
        it, the outputs of earlier runs in the folder are all removed first).
    overrides : mapping, optional
        ``-p KEY=VALUE`` pairs, see :func:`.config.plan_jobs`; paths in them are relative
        to the current folder.
    villages : str, optional
        Fan-out override: ``all``, ``designated`` or ``CODE,CODE``.
    test : bool
        Use each entry's ``test_parameters`` and one village per fan-out.
    progress : bool
        Show a progress bar (tqdm, on stderr).

    Returns
    -------
    ReportRun

    Raises
    ------
    ConfigError
        Bad configuration, parameters or ``--out`` folder.
    KeyboardInterrupt
        After Ctrl-C, once the workers are stopped and the index says the run is
        incomplete.

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
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs {jobs}: give at least 1 notebook at a time")
    base = config_path.parent
    notebook_dir = (base / config.notebook_dir).resolve()
    planned = plan_jobs(
        config,
        notebook_dir=notebook_dir,
        only=only,
        overrides=overrides,
        villages=villages,
        test=test,
    )
    folder = RunFolder.claim(Path(out) if out else base / config.output_root / config.run_name)
    run_dir = folder.path
    run_name = run_dir.name
    ordered = _longest_first(planned, run_dir)
    if only is None:
        folder.remove(set(folder.written))
    folder.save()
    results: list[dict[str, Any]] = []
    workers = max(1, min(jobs or config.jobs, len(planned)))
    complete = False
    with tqdm(total=len(planned), desc="fupin report", unit="nb", disable=not progress) as bar:

        def done(job: Job, result: dict[str, Any]) -> None:
            results.append(result)
            folder.save()
            bar.set_postfix_str(f"{job.job_id} {result['status']}")
            bar.update()

        try:
            _run_jobs(ordered, folder, workers, done, config.cell_timeout, run_name, base)
            complete = True
        finally:
            records = merge_manifest_jobs(run_dir, planned, results, base)
            private = sorted(
                p.removeprefix(PRIVATE) for p in folder.written if p.startswith(PRIVATE)
            )
            synthetic = sorted(
                {name for job in planned for name in synthetic_inputs(job.inputs)}
            )
            write_index(
                run_dir,
                records,
                run_name,
                complete=complete,
                private=private,
                synthetic=synthetic,
                titles=village_titles(planned),
            )
            folder.written.add("index.html")
            rosters = {job.inputs["roster"] for job in planned if "roster" in job.inputs}
            names = set().union(*(roster_names(p) for p in rosters if p.is_file()))
            hits = scan(run_dir, names=names or None) if complete else pd.DataFrame()
            folder.written.add("manifest.json")
            write_manifest(
                run_dir,
                config_path=config_path,
                config=config,
                jobs=records,
                inputs={p for job in planned for p in job.inputs.values()},
                outputs={p for p in folder.written if not p.startswith(PRIVATE)},
                privacy_hits=len(hits),
                complete=complete,
            )
            folder.save()
    order = {job.job_id: i for i, job in enumerate(planned)}
    results.sort(key=lambda r: order[r["job"]])
    summary = pd.DataFrame(
        results,
        columns=["job", "notebook", "status", "seconds", "failed_cell", "error", "not_available"],
    )
    summary["failed_cell"] = summary["failed_cell"].astype("Int64")
    summary["not_available"] = summary["not_available"].map(len).astype("int64")
    return ReportRun(run_dir, summary, hits, round(time.perf_counter() - started, 2))


def _longest_first(planned: list[Job], run_dir: Path) -> list[Job]:
    """Jobs ordered by their time in the folder's previous run, longest first.

    Starting long notebooks first shortens the wall time of a pool; jobs without a
    previous time keep config order, ahead of the timed ones.
    """
    try:
        earlier = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["jobs"]
        seconds = {
            j["job"]: float(j["seconds"])
            for j in earlier
            if isinstance(j.get("seconds"), int | float) and j["seconds"] == j["seconds"]
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        seconds = {}
    return sorted(planned, key=lambda job: -seconds.get(job.job_id, float("inf")))
