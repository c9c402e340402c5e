"""JupyterLab: `make lab` installs the kernel the notebooks declare; notebooks open unchanged."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.combine import combine_inputs_with_outputs

from fupin_analysis.report import runner

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


def _make_variable(name: str) -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name} := (.+)$", text, flags=re.MULTILINE)
    assert match, f"Makefile defines no {name}"
    return match.group(1).strip()


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 9


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_declares_the_kernel_make_lab_installs(source):
    wanted = {"name": _make_variable("KERNEL_NAME"),
              "display_name": _make_variable("KERNEL_DISPLAY_NAME")}  # fmt: skip
    ipynb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    header = jupytext.read(source)
    for spec in (ipynb.metadata["kernelspec"], header.metadata["kernelspec"]):
        assert {k: spec[k] for k in wanted} == wanted
        assert spec["language"] == "python"


def test_the_report_runs_notebooks_on_that_kernel():
    text = Path(runner.__file__).read_text(encoding="utf-8")
    assert f'kernel_name="{_make_variable("KERNEL_NAME")}"' in text


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_ipynb_is_exactly_what_jupytext_writes(source):
    """Lab (through jupytext's contents manager) rewrites nothing on open or save."""
    ipynb = source.with_suffix(".ipynb")
    paired = combine_inputs_with_outputs(
        jupytext.read(source), jupytext.read(ipynb), fmt="py:percent"
    )
    assert jupytext.writes(paired, fmt="ipynb") + "\n" == ipynb.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(("uid", "flag"), [("0", True), ("1000", False)])
def test_make_lab_allows_root_only_as_root(uid, flag):
    dry = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "lab", f"LAB_UID={uid}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    lab = [line for line in dry.stdout.splitlines() if "jupyter lab" in line]
    install = [line for line in dry.stdout.splitlines() if "ipykernel install" in line]
    assert len(lab) == 1 and len(install) == 1
    assert ("--allow-root" in lab[0]) is flag
    assert "--sys-prefix" in install[0] and "--name python3" in install[0]
