"""The report configuration (``reports.yml``) and the jobs a run makes of it.

:func:`load_config` validates the file (pydantic: unknown keys are errors);
:func:`plan_jobs` turns it, with the command line's ``--only``, ``-p`` and
``--villages``, into :class:`Job` objects: one per notebook, or one per village of a
fan-out, each with its parameters checked against the types the notebook declares.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ConfigError
from ..reference import load_villages, reference_dir, resolve_village_names

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "PATH_PARAMETERS",
    "NotebookEntry",
    "shown_path",
    "ReportConfig",
    "load_config",
    "notebook_source",
    "notebook_parameters",
    "Job",
    "parse_overrides",
    "plan_jobs",
]

_SCALAR_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}

#: Notebook parameters that name input files or folders. Their values are resolved when a
#: run is planned: from the configuration against ``notebook_dir``, from ``-p`` against the
#: folder the command is run from; an empty value means "not given".
PATH_PARAMETERS = frozenset({"roster", "registry", "geography", "reference", "columns"})


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
    >>> cfg = load_config(Path(__file__).resolve().parents[2] / "reports.yml")
    >>> cfg.notebooks[0].name
    '00_overview'
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: report configuration not found; pass --config FILE")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the configuration as UTF-8"
        ) from None
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
    >>> nb = notebook_source(Path(__file__).resolve().parents[2] / "notebooks/00_overview.py")
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
    >>> nb = notebook_source(Path(__file__).resolve().parents[2] / "notebooks/00_overview.py")
    >>> params = notebook_parameters(nb)
    >>> params["figure_prefix"]["default"], params["lang"]["inferred_type_name"]
    ('"00_overview"', 'str')
    """
    try:
        from papermill.inspection import _infer_parameters
    except ImportError:  # a papermill without the private helper: inspect a file copy
        return _parameters_from_file(nb)
    params = _infer_parameters(nb, name="python3", language="python")
    return {p.name: p._asdict() for p in params}


def _parameters_from_file(nb: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    import tempfile

    import nbformat
    import papermill

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notebook.ipynb"
        nbformat.write(nb, path)
        return papermill.inspect_notebook(str(path), parameters={})


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

    def parameters_in(self, run_dir: Path) -> dict[str, Any]:
        """The parameters as the notebook gets them when run in ``run_dir``.

        Input paths are written relative to the run folder (absolute only where no
        relative path exists, e.g. another drive); ``output_dir`` is ``"."``.

        Examples
        --------
        >>> job = Job("nb", "nb", Path("/p/notebooks/nb.ipynb"),
        ...           {"roster": "/p/data/r.xlsx", "year": 2016})
        >>> job.parameters_in(Path("/p/reports/default"))
        {'roster': '../../data/r.xlsx', 'year': 2016, 'output_dir': '.'}
        """
        params = dict(self.parameters)
        for key, path in self.inputs.items():
            try:
                params[key] = Path(os.path.relpath(path, run_dir)).as_posix()
            except ValueError:  # no relative path between drives
                params[key] = str(path)
        return params | {"output_dir": "."}

    def shown_parameters(self, project: Path) -> dict[str, Any]:
        """The parameters as pages and the manifest show them, without the user's folders.

        Input paths inside ``project`` (the folder of the configuration) are shown
        relative to it; a path outside it by its name alone (the manifest identifies the
        file by its sha256). ``output_dir`` is ``"."``, the run folder.

        Examples
        --------
        >>> job = Job("nb", "nb", Path("/p/notebooks/nb.ipynb"),
        ...           {"roster": "/p/data/r.xlsx", "registry": "/home/me/reg.csv"})
        >>> job.shown_parameters(Path("/p"))
        {'roster': 'data/r.xlsx', 'registry': 'reg.csv', 'output_dir': '.'}
        """
        params = dict(self.parameters)
        for key, path in self.inputs.items():
            params[key] = shown_path(path, project)
        return params | {"output_dir": "."}

    @property
    def inputs(self) -> dict[str, Path]:
        """The input files and folders the job reads: path parameter name → absolute path."""
        return {
            key: Path(value)
            for key, value in self.parameters.items()
            if key in PATH_PARAMETERS and isinstance(value, str) and value
        }


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


def _fan_out_codes(spec: str | list[str], reference: str | None = None) -> list[str]:
    """The village codes of a fan-out, from the job's reference folder (or the default)."""
    villages = load_villages(reference or None)
    if spec == "all":
        return villages["code"].tolist()
    if spec == "designated":
        return villages.loc[villages["designated"], "code"].tolist()
    given = pd.Series([str(c).strip() for c in spec], dtype="str")
    codes = resolve_village_names(given, reference or None)["code"]
    unknown = given[codes.isna()].tolist()
    if unknown:
        folder = reference_dir(reference or None)
        raise ConfigError(
            f"villages {unknown}: not codes or known names of the {len(villages)} units of "
            f"{folder / 'villages.csv'}; use all, designated or CODE,CODE"
        )
    return list(dict.fromkeys(codes.tolist()))  # one job per village, however it was named


def shown_path(path: Path, project: Path) -> str:
    """``path`` relative to ``project`` when inside it, else its name alone.

    Examples
    --------
    >>> shown_path(Path("/p/data/r.xlsx"), Path("/p")), shown_path(Path("/q/r.xlsx"), Path("/p"))
    ('data/r.xlsx', 'r.xlsx')
    """
    path = Path(path)
    if path.is_relative_to(project):
        return path.relative_to(project).as_posix()
    return path.name


def _resolve_path(value: Any, base: Path, where: str) -> Any:
    """A path parameter made absolute against ``base``; it must exist."""
    if not isinstance(value, str) or not value:
        return value
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.exists():
        raise ConfigError(f"{where}: {value}: not found (looked for {path.resolve()})")
    return str(path.resolve())


def plan_jobs(
    config: ReportConfig,
    *,
    notebook_dir: Path,
    only: str | None = None,
    overrides: Mapping[str, str] | None = None,
    villages: str | None = None,
    test: bool = False,
    cwd: Path | None = None,
) -> list[Job]:
    """The executions a run makes, in config order, with their parameters.

    Path parameters (:data:`PATH_PARAMETERS`) are made absolute and must exist: values of
    the configuration are relative to ``notebook_dir``, values of ``overrides`` to ``cwd``
    (default: the current folder, where the user typed the command).

    Shared ``parameters`` go to every notebook that declares them; an entry's own
    ``parameters`` (and, with ``test=True``, its ``test_parameters``) are passed as
    given; ``overrides`` (``-p KEY=VALUE``) go to every planned notebook that declares
    the key. A fan-out entry becomes one job per village of its reference folder (its
    ``reference`` parameter, else the default tables; ``villages`` overrides its
    ``fan_out``: ``all``, ``designated`` or ``CODE,CODE`` — codes or any crosswalked
    village name; an override of its fan-out
    parameter, e.g. ``-p village=CODE``, runs that one village); with ``test=True``
    only the first village. A notebook file that does not exist still gets its job (which then
    fails clearly); its parameters cannot be checked.

    Raises
    ------
    ConfigError
        Unknown ``--only`` name, an override no planned notebook declares, a value not
        of the declared type, an input path that does not exist, an unknown village code.

    Examples
    --------
    >>> root = Path(__file__).resolve().parents[2]
    >>> config = load_config(root / "reports.yml")
    >>> jobs = plan_jobs(config, notebook_dir=root / "notebooks", only="village_profile")
    >>> len(jobs), jobs[0].job_id, jobs[0].parameters["village"]
    (11, 'village_profile-430527203203', '430527203203')
    >>> jobs[0].inputs["roster"] == root / "data" / "raw" / "zhaishi_roster_2016.xlsx"
    True
    """
    cwd = Path.cwd() if cwd is None else cwd
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
                if key in PATH_PARAMETERS:
                    params[key] = _resolve_path(params[key], notebook_dir, f"parameters.{key}")
        own = dict(entry.parameters) | (dict(entry.test_parameters) if test else {})
        for key, value in own.items():
            params[key] = _coerce(value, (declared or {}).get(key), f"{where}.{key}")
            if key in PATH_PARAMETERS:
                params[key] = _resolve_path(params[key], notebook_dir, f"{where}.{key}")
        for key, value in overrides.items():
            if declared is not None and key in declared:
                params[key] = _coerce(value, declared[key], f"-p {key}")
                if key in PATH_PARAMETERS:
                    params[key] = _resolve_path(params[key], cwd, f"-p {key}")
                used.add(key)
        fan_out = entry.fan_out
        if fan_out is not None and villages is not None:
            fan_out = villages if villages in ("all", "designated") else villages.split(",")
        if fan_out is not None and entry.fan_out_parameter in params:
            fan_out = [params[entry.fan_out_parameter]]  # -p village=CODE: just that one
        if fan_out is None:
            jobs.append(Job(entry.name, entry.name, path, params | {"figure_prefix": entry.name}))
            continue
        codes = _fan_out_codes(fan_out, params.get("reference"))
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
