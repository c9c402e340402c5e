"""Report outputs: tables with repeatable bytes, the synthetic-data banner, the batch runner.

Notebooks call :func:`save_table` for every table they publish and :func:`show_banner`
once, after their parameters cell. ``fupin report`` (:func:`run_report`) executes the
notebooks listed in ``reports.yml`` and writes one folder per run.

Examples
--------
>>> import pandas as pd
>>> save_table(pd.DataFrame({"code": ["430527203203"], "poor": [120]}), "units",
...            output_dir="", prefix="00_overview")
[]
"""

from __future__ import annotations

import copy
import hashlib
import html
import io
import json
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError, PrivacyError
from .excel import repeatable_xlsx
from .reference import load_villages, resolve_village_names
from .schema import PII_COLUMNS, column

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "SYNTHETIC_BANNER",
    "table_paths",
    "save_table",
    "banner_text",
    "show_banner",
    "MANIFEST_PACKAGES",
    "NotebookEntry",
    "ReportConfig",
    "load_config",
    "notebook_source",
    "notebook_parameters",
    "Job",
    "parse_overrides",
    "plan_jobs",
    "execute_job",
    "ReportRun",
    "run_report",
    "write_manifest",
    "write_index",
    "units_overview",
]

SYNTHETIC_BANNER = (
    "> **合成数据 · SYNTHETIC DATA** — 本报告基于 fupin_analysis 内置的合成数据集"
    "（寨市乡，2016），不涉及任何真实人员，也不代表该乡的真实情况。"
    " This report is made from the package's embedded synthetic dataset: no real person is"
    " in it, and it is not a claim about the real township."
)
# Canonical ``name`` is left out: reference and geography tables use it for place names.
_PII_HEADERS = (frozenset(PII_COLUMNS) - {"name"}) | {column(c).header for c in PII_COLUMNS}


def table_paths(output_dir: str | Path, prefix: str, name: str) -> list[Path]:
    """Where :func:`save_table` writes: ``<output_dir>/tables/<prefix>__<name>.{csv,xlsx}``.

    Raises
    ------
    ConfigError
        When the prefix or name is not a plain file-name part (letters, digits, ``_.-``).

    Examples
    --------
    >>> [p.as_posix() for p in table_paths("out", "02_work_summary", "exits")]
    ['out/tables/02_work_summary__exits.csv', 'out/tables/02_work_summary__exits.xlsx']
    """
    from .plots import output_stem

    stem = output_stem(output_dir, "tables", prefix, name)
    return [stem.with_name(f"{stem.name}.csv"), stem.with_name(f"{stem.name}.xlsx")]


def _publishable(df: pd.DataFrame, name: str) -> pd.DataFrame:
    geometry = [c for c in df.columns if str(df[c].dtype) == "geometry"]
    frame = pd.DataFrame(df.drop(columns=geometry))
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()
    pii = sorted(str(c) for c in frame.columns if str(c) in _PII_HEADERS)
    if pii:
        raise PrivacyError(
            f"table {name}: columns {pii} hold personal data; drop them before save_table"
        )
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_localize(None)
    return frame


def _xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
        ws = writer.sheets[sheet]
        ws.freeze_panes = "A2"
        for idx, col in enumerate(frame.columns, start=1):
            cells = [str(v) for v in (col, *frame[col].head(200).tolist())]
            width = max(len(c.encode("gbk", errors="replace")) for c in cells)
            ws.column_dimensions[ws.cell(1, idx).column_letter].width = min(width + 2, 60)
    return repeatable_xlsx(buffer.getvalue())


def save_table(
    df: pd.DataFrame,
    name: str,
    *,
    output_dir: str | Path | None,
    prefix: str,
    headers_zh: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write a result table as CSV (UTF-8 with BOM) and XLSX with repeatable bytes.

    Parameters
    ----------
    df : pandas.DataFrame
        The table. A non-default index is written as columns; geometry columns are
        dropped (tables hold attributes, maps hold shapes).
    name : str
        The table's name within its notebook, e.g. ``"exits_by_village"``.
    output_dir : str, Path or None
        The report run folder; empty or ``None`` writes nothing (interactive use).
    prefix : str
        The notebook's ``figure_prefix`` parameter.
    headers_zh : mapping, optional
        Column → Chinese header, used in the XLSX only (the CSV keeps the canonical
        names so it reads back into code unchanged); unmapped columns keep their names.

    Returns
    -------
    list of Path
        ``[csv, xlsx]``, or empty when nothing is written.

    Raises
    ------
    PrivacyError
        When a column is a personal-data column: ``id_number``, ``household_phone``,
        ``person_phone`` or an official header (姓名, 证件号码, 户联系电话, 人联系电话).

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"village_name": ["李家村"], "poor_people": [153]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = save_table(df, "units", output_dir=tmp, prefix="00_overview",
    ...                        headers_zh={"village_name": "行政村", "poor_people": "贫困人口"})
    ...     [p.name for p in paths], paths[0].read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    (['00_overview__units.csv', '00_overview__units.xlsx'], True)
    """
    if not output_dir:
        return []
    csv_path, xlsx_path = table_paths(output_dir, prefix, name)
    frame = _publishable(df, name)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(csv_path, index=False, encoding="utf-8-sig", lineterminator="\n")
    shown = frame.rename(columns=dict(headers_zh or {}))
    xlsx_path.write_bytes(_xlsx_bytes(shown, name[:31]))
    return [csv_path, xlsx_path]


def banner_text(*paths: str | Path) -> str | None:
    """The Markdown banner for a report whose inputs are ``paths``.

    Returns :data:`SYNTHETIC_BANNER` when any existing path is a file of the embedded
    synthetic dataset, and ``None`` otherwise.

    Examples
    --------
    >>> banner_text("no/such/file.xlsx") is None
    True
    """
    existing = [Path(p) for p in paths if p and Path(p).exists()]
    if not existing:
        return None
    from .synth import is_synthetic

    if any(is_synthetic(p) for p in existing):
        return SYNTHETIC_BANNER
    return None


def show_banner(*paths: str | Path) -> None:
    """Display the synthetic-data banner (Markdown) when an input is synthetic.

    Under IPython the banner is displayed as Markdown; elsewhere it is printed.
    Nothing is shown for inputs that are not the embedded dataset.

    Examples
    --------
    >>> show_banner("no/such/file.xlsx")
    """
    text = banner_text(*paths)
    if text is None:
        return
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))


# --- the batch runner ------------------------------------------------------------------

_CODE_RE = re.compile(r"^\d{12}$")
_SCALAR_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}
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


class NotebookEntry(BaseModel):
    """One notebook of ``reports.yml``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[\w.-]+$")
    path: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    test_parameters: dict[str, Any] = Field(default_factory=dict)
    fan_out: str | list[str] | None = None
    fan_out_parameter: str = "village"

    @field_validator("fan_out")
    @classmethod
    def _fan_out_spec(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, str) and value not in ("all", "designated"):
            raise ValueError("use all, designated or a list of 12-digit village codes")
        return value


class ReportConfig(BaseModel):
    """The whole of ``reports.yml`` (see ``docs/reports.md``)."""

    model_config = ConfigDict(extra="forbid")

    run_name: str = Field(default="default", pattern=r"^[\w.-]+$")
    notebook_dir: str = "notebooks"
    output_root: str = "reports"
    jobs: int = Field(default=2, ge=1)
    cell_timeout: int = Field(default=600, ge=1)
    parameters: dict[str, Any] = Field(default_factory=dict)
    notebooks: list[NotebookEntry] = Field(min_length=1)

    @field_validator("notebooks")
    @classmethod
    def _unique_names(cls, value: list[NotebookEntry]) -> list[NotebookEntry]:
        names = [e.name for e in value]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"notebook names must be unique; repeated: {dup}")
        return value


def load_config(path: str | Path) -> ReportConfig:
    """Read and validate a report configuration (``reports.yml``).

    Raises
    ------
    ConfigError
        One line naming the file and the offending key, e.g.
        ``reports.yml: notebooks.2.fan_out: ...``.

    Examples
    --------
    >>> cfg = load_config(Path(__file__).resolve().parent.parent / "reports.yml")
    >>> cfg.notebooks[0].name
    '00_overview'
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: report configuration not found; pass --config FILE")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None
    try:
        return ReportConfig.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"] if re.fullmatch(r"\w+", str(p)))
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{path}: {key or '(top level)'}: {first['msg']}{more}") from None


def notebook_source(path: str | Path) -> nbformat.NotebookNode:
    """The notebook at ``path``: an ``.ipynb``, or a jupytext ``.py`` converted in memory.

    Examples
    --------
    >>> nb = notebook_source(Path(__file__).resolve().parent.parent / "notebooks/00_overview.py")
    >>> nb.nbformat
    4
    """
    import nbformat

    path = Path(path)
    if path.suffix == ".py":
        import jupytext

        nb = jupytext.read(path)
    else:
        nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    return nb


def notebook_parameters(nb: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares (name → name, inferred_type_name, default, help).

    The same as :func:`papermill.inspect_notebook`, for a notebook already in memory.

    Examples
    --------
    >>> nb = notebook_source(Path(__file__).resolve().parent.parent / "notebooks/00_overview.py")
    >>> params = notebook_parameters(nb)
    >>> params["figure_prefix"]["default"], params["lang"]["inferred_type_name"]
    ('"00_overview"', 'str')
    """
    from papermill.inspection import _infer_parameters

    params = _infer_parameters(nb, name="python3", language="python")
    return {p.name: p._asdict() for p in params}


@dataclass(frozen=True)
class Job:
    """One notebook execution: a config entry, or one village of a fan-out.

    ``job_id`` is the prefix of everything the execution writes (``<notebook>`` or
    ``<notebook>-<village code>``).
    """

    name: str
    job_id: str
    notebook: Path
    parameters: dict[str, Any]


def _locate_notebook(entry: NotebookEntry, notebook_dir: Path) -> Path:
    if entry.path:
        return (notebook_dir / entry.path).resolve()
    for suffix in (".ipynb", ".py"):
        candidate = notebook_dir / f"{entry.name}{suffix}"
        if candidate.exists():
            return candidate.resolve()
    return (notebook_dir / f"{entry.name}.ipynb").resolve()


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """``["KEY=VALUE", ...]`` (the ``-p`` options) → ``{KEY: VALUE}``, values still text.

    Examples
    --------
    >>> parse_overrides(["permutations=99", "village=430527203203"])
    {'permutations': '99', 'village': '430527203203'}
    """
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"-p {item!r}: write KEY=VALUE with KEY a parameter name")
        out[key.strip()] = value
    return out


class _OverrideText(str):
    """A ``-p`` value, still text: converted to the notebook's declared type."""


def _coerce(value: Any, declared: dict[str, Any] | None, where: str) -> Any:
    """A parameter value checked (and, from ``-p`` text, converted) against its declared type."""
    kind = (declared or {}).get("inferred_type_name", "None")
    if isinstance(value, _OverrideText):
        if kind == "str":
            return str(value)
        parsed = yaml.safe_load(str(value)) if str(value) else ""
        value = parsed
    allowed = _SCALAR_TYPES.get(kind)
    ok = allowed is None or (
        isinstance(value, allowed) and not (kind in ("int", "float") and isinstance(value, bool))
    )
    if not ok:
        raise ConfigError(
            f"{where}: {value!r} is not a {kind} as the notebook declares"
            + (" (quote codes in YAML)" if kind == "str" else "")
        )
    return value


def _fan_out_codes(spec: str | list[str]) -> list[str]:
    villages = load_villages()
    if spec == "all":
        return villages["code"].tolist()
    if spec == "designated":
        return villages.loc[villages["designated"], "code"].tolist()
    given = pd.Series([str(c).strip() for c in spec], dtype="str")
    codes = resolve_village_names(given)["code"]
    unknown = given[codes.isna()].tolist()
    if unknown:
        raise ConfigError(
            f"villages {unknown}: not codes or known names of the 30 units (see "
            "data/reference/villages.csv); use all, designated or CODE,CODE"
        )
    return codes.tolist()


def plan_jobs(
    config: ReportConfig,
    *,
    notebook_dir: Path,
    only: str | None = None,
    overrides: Mapping[str, str] | None = None,
    villages: str | None = None,
    test: bool = False,
) -> list[Job]:
    """The executions a run makes, in config order, with their parameters.

    Shared ``parameters`` go to every notebook that declares them; an entry's own
    ``parameters`` (and, with ``test=True``, its ``test_parameters``) are passed as
    given; ``overrides`` (``-p KEY=VALUE``) go to every planned notebook that declares
    the key. A fan-out entry becomes one job per village (``villages`` overrides its
    ``fan_out``: ``all``, ``designated`` or ``CODE,CODE`` — codes or any crosswalked
    village name; an override of its fan-out
    parameter, e.g. ``-p village=CODE``, runs that one village); with ``test=True``
    only the first village. A notebook file that does not exist still gets its job (which then
    fails clearly); its parameters cannot be checked.

    Raises
    ------
    ConfigError
        Unknown ``--only`` name, an override no planned notebook declares, a value not
        of the declared type, an unknown village code.

    Examples
    --------
    >>> root = Path(__file__).resolve().parent.parent
    >>> config = load_config(root / "reports.yml")
    >>> jobs = plan_jobs(config, notebook_dir=root / "notebooks", only="village_profile")
    >>> len(jobs), jobs[0].job_id, jobs[0].parameters["village"]
    (11, 'village_profile-430527203203', '430527203203')
    """
    entries = config.notebooks
    if only is not None:
        entries = [e for e in entries if e.name == only]
        if not entries:
            names = [e.name for e in config.notebooks]
            raise ConfigError(f"--only {only}: no such notebook in the config; one of {names}")
    overrides = {k: _OverrideText(v) for k, v in (overrides or {}).items()}
    used: set[str] = set()
    jobs: list[Job] = []
    for index, entry in enumerate(entries):
        path = _locate_notebook(entry, notebook_dir)
        declared = notebook_parameters(notebook_source(path)) if path.exists() else None
        where = f"notebooks.{index} ({entry.name})"
        params: dict[str, Any] = {}
        for key, value in config.parameters.items():
            if declared is None or key in declared:
                params[key] = _coerce(value, (declared or {}).get(key), f"parameters.{key}")
        own = dict(entry.parameters) | (dict(entry.test_parameters) if test else {})
        for key, value in own.items():
            params[key] = _coerce(value, (declared or {}).get(key), f"{where}.{key}")
        for key, value in overrides.items():
            if declared is not None and key in declared:
                params[key] = _coerce(value, declared[key], f"-p {key}")
                used.add(key)
        fan_out = entry.fan_out
        if fan_out is not None and villages is not None:
            fan_out = villages if villages in ("all", "designated") else villages.split(",")
        if fan_out is not None and entry.fan_out_parameter in params:
            fan_out = [params[entry.fan_out_parameter]]  # -p village=CODE: just that one
        if fan_out is None:
            jobs.append(Job(entry.name, entry.name, path, params | {"figure_prefix": entry.name}))
            continue
        codes = _fan_out_codes(fan_out)
        for code in codes[:1] if test else codes:
            job_id = f"{entry.name}-{code}"
            jobs.append(
                Job(
                    entry.name,
                    job_id,
                    path,
                    params | {entry.fan_out_parameter: code, "figure_prefix": job_id},
                )
            )
    unused = sorted(set(overrides) - used)
    if unused:
        raise ConfigError(f"-p {unused[0]}: no planned notebook declares this parameter")
    return jobs


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
        _write_html(executed, job, run_dir, run_name)
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


def _write_html(nb: nbformat.NotebookNode, job: Job, run_dir: Path, run_name: str) -> Path:
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

    from .privacy import roster_names, scan

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
    write_index(run_dir, _merge_manifest_jobs(run_dir, planned, results), config.run_name)
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


def _merge_manifest_jobs(
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
    jobs = _merge_manifest_jobs(run_dir, planned, results)
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


def units_overview(villages: pd.DataFrame, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table of the village-level units for the overview report.

    Parameters
    ----------
    villages : pandas.DataFrame
        The village registry of the reference tables
        (:func:`fupin_analysis.reference.load_villages`).
    registry : pandas.DataFrame, optional
        A population registry with ``code``, ``population``, ``households``
        (e.g. :func:`fupin_analysis.indicators.read_village_registry`).

    Returns
    -------
    pandas.DataFrame
        One row per unit in code order: ``code``, ``name``, ``urban_rural``,
        ``designated``, ``designated_name`` (the work summary's name, NA when not
        designated), ``designation_link`` (``same_name`` or ``assumed``), ``lon_wgs84``
        and ``lat_wgs84`` (the published GCJ-02 point converted; NA when none), and with
        a registry ``population`` and ``households`` (Int64).

    Examples
    --------
    >>> from fupin_analysis.reference import load_villages
    >>> t = units_overview(load_villages())
    >>> len(t), int(t["designated"].sum()), int(t["lon_wgs84"].notna().sum())
    (30, 11, 24)
    """
    from .plots import village_points

    points = village_points(villages)
    out = villages[
        ["code", "name", "urban_rural", "designated", "designated_name", "designation_link"]
    ].copy()
    for col in ("designated_name", "designation_link"):
        out[col] = out[col].astype("str").replace("", pd.NA)
    coords = pd.DataFrame(
        {"code": points["code"], "lon_wgs84": points.geometry.x, "lat_wgs84": points.geometry.y}
    )
    out = out.merge(coords.round(6), on="code", how="left")
    if registry is not None:
        counts = registry[["code", "population", "households"]].astype(
            {"code": "str", "population": "Int64", "households": "Int64"}
        )
        out = out.merge(counts, on="code", how="left")
    return out.sort_values("code").reset_index(drop=True)
