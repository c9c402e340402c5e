"""pyproject.toml and environment.yml must list the same dependencies and lower bounds."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
#: PyPI name → conda-forge name, where they differ.
CONDA_NAME = {"matplotlib": "matplotlib-base"}
#: Dependencies environment.yml installs with pip (published on PyPI only).
PIP_ONLY = {"geodetector"}
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[\w,]+\])?\s*(>=\s*[\w.]+)?")


def _parse(spec: str) -> tuple[str, str | None]:
    match = _REQ.match(spec)
    assert match, spec
    name = match.group(1).lower().replace("_", "-")
    bound = match.group(2).replace(" ", "") if match.group(2) else None
    return name, bound


def _pyproject() -> dict[str, str | None]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    specs = project["dependencies"] + extras["dev"] + extras["scale"]
    return dict(_parse(s) for s in specs)


def _environment() -> dict[str, str | None]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [s for d in env["dependencies"] if isinstance(d, dict) for s in d["pip"] if s != "-e ."]
    parsed = dict(_parse(s) for s in specs + pip)
    parsed.pop("python")
    parsed.pop("pip")
    return parsed


def test_environment_matches_pyproject():
    wanted = {CONDA_NAME.get(name, name): bound for name, bound in _pyproject().items()}
    assert _environment() == wanted


def test_every_dependency_has_a_lower_bound():
    assert all(bound and bound.startswith(">=") for bound in _pyproject().values())


def test_python_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.12" in env["dependencies"]


def test_environment_installs_the_package_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_parts = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert len(pip_parts) == 1 and pip_parts[0][0] == "-e ."
    assert {_parse(s)[0] for s in pip_parts[0][1:]} == PIP_ONLY
