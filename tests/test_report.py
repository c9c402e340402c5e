"""Tests of fupin_analysis.report: configuration, planning, runs, pages."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from fupin_analysis import cli, report
from fupin_analysis.errors import ConfigError

# --- configuration and planning ------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
PLANNED = [
    "00_overview",
    "01_data_quality",
    "02_work_summary",
    "03_spatial_concentration",
    "04_relocation_sites",
    "05_two_assurances",
    "06_dynamics",
    "07_spatial_inference",
    "village_profile",
]


def _notebook(path: Path, params: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# test notebook"), cell]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in body.split("\n\n") if src.strip()]
    nbformat.write(nb, path)
    return path


COMMON = (
    'output_dir: str = ""  # run folder\n'
    'figure_prefix: str = "nb"  # prefix\n'
    'lang: str = "zh"  # labels\n'
)


def _config(folder: Path, text: str) -> Path:
    path = folder / "reports.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def planning(tmp_path):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "a.ipynb", COMMON + "n: int = 3  # count\nroster: str = 'r.xlsx'  # in", "")
    _notebook(nbdir / "prof.ipynb", COMMON + 'village: str = "430527203203"  # code', "")
    (tmp_path / "r.xlsx").write_bytes(b"a roster")
    config = _config(
        tmp_path,
        "notebook_dir: nbs\n"
        "parameters: {roster: ../r.xlsx, seed: 7}\n"
        "notebooks:\n"
        "  - name: a\n"
        "    parameters: {n: 5}\n"
        "    test_parameters: {n: 1}\n"
        "  - name: prof\n"
        "    fan_out: designated\n"
        "  - name: missing\n",
    )
    return report.load_config(config), nbdir


def test_repository_config_lists_the_planned_notebooks_in_order():
    config = report.load_config(REPO / "reports.yml")
    assert [e.name for e in config.notebooks] == PLANNED
    (profile,) = [e for e in config.notebooks if e.name == "village_profile"]
    assert profile.fan_out == "designated"
    assert profile.fan_out_parameter == "village"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("notebooks: [{name: a, colour: red}]\n", "notebooks.0.colour"),
        ("notebooks: [{name: a, fan_out: some}]\n", "notebooks.0.fan_out"),
        ("jobs: 0\nnotebooks: [{name: a}]\n", "jobs"),
        ("notebooks: []\n", "notebooks"),
        ("notebooks: [{name: a}, {name: a}]\n", "notebooks"),
        ("notebooks: [{name: ../a}]\n", "notebooks.0.name"),
        ("run_nam: x\nnotebooks: [{name: a}]\n", "run_nam"),
    ],
)
def test_config_errors_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError, match=rf"reports\.yml: {re.escape(key)}:"):
        report.load_config(_config(tmp_path, text))


def test_config_yaml_and_missing_file_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"line \d+: not valid YAML"):
        report.load_config(_config(tmp_path, "notebooks:\n  - name: [a\n"))
    with pytest.raises(ConfigError, match="not found"):
        report.load_config(tmp_path / "nope.yml")


def test_plan_filters_shared_parameters_and_fans_out(planning):
    config, nbdir = planning
    jobs = report.plan_jobs(config, notebook_dir=nbdir)
    a, *profiles, missing = jobs
    roster = str((nbdir.parent / "r.xlsx").resolve())
    assert a.parameters == {"roster": roster, "n": 5, "figure_prefix": "a"}
    assert len(profiles) == 11
    assert profiles[0].job_id == "prof-430527203203"
    assert profiles[0].parameters == {
        "village": "430527203203",
        "figure_prefix": "prof-430527203203",
    }
    assert missing.job_id == "missing" and not missing.notebook.exists()
    assert missing.parameters["seed"] == 7  # undeclared notebook: everything is passed


def test_fan_out_villages_come_from_the_reference_folder_of_the_job(tmp_path):
    from fupin_analysis.project import init_project

    reference = init_project("522634101", tmp_path / "xijiang") / "reference"
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "prof.ipynb", COMMON + 'village: str = ""  # code\n'
              'reference: str = ""  # folder', "")  # fmt: skip
    config = report.load_config(_config(
        tmp_path, f"notebook_dir: nbs\nparameters: {{reference: {reference}}}\n"
        "notebooks:\n  - name: prof\n    fan_out: all\n",
    ))  # fmt: skip
    jobs = report.plan_jobs(config, notebook_dir=nbdir)
    assert len(jobs) == 22 and jobs[0].job_id == "prof-522634101001"
    named = report.plan_jobs(config, notebook_dir=nbdir, villages="长乌村,522634101204")
    assert [j.parameters["village"] for j in named] == ["522634101204"]
    with pytest.raises(ConfigError, match=r"\['李家村'\]: not codes or known names of the 22 "):
        report.plan_jobs(config, notebook_dir=nbdir, villages="李家村")


def test_plan_village_overrides_test_mode_and_only(planning):
    config, nbdir = planning
    assert len(report.plan_jobs(config, notebook_dir=nbdir, villages="all")) == 32
    picked = report.plan_jobs(config, notebook_dir=nbdir, villages="430527203245,城内")
    assert [j.job_id for j in picked if j.name == "prof"] == [
        "prof-430527203245",
        "prof-430527203001",
    ]
    with pytest.raises(ConfigError, match="430527999999"):
        report.plan_jobs(config, notebook_dir=nbdir, villages="430527999999")
    test_jobs = report.plan_jobs(config, notebook_dir=nbdir, test=True)
    assert [j.job_id for j in test_jobs] == ["a", "prof-430527203203", "missing"]
    assert test_jobs[0].parameters["n"] == 1
    only = report.plan_jobs(config, notebook_dir=nbdir, only="a")
    assert [j.job_id for j in only] == ["a"]
    with pytest.raises(ConfigError, match="--only b"):
        report.plan_jobs(config, notebook_dir=nbdir, only="b")


def test_plan_overrides_are_typed_by_the_notebook(planning):
    config, nbdir = planning
    overrides = report.parse_overrides(["n=12", "village=430527203208"])
    jobs = report.plan_jobs(config, notebook_dir=nbdir, overrides=overrides)
    assert jobs[0].parameters["n"] == 12
    assert [j.job_id for j in jobs[1:-1]] == ["prof-430527203208"]
    with pytest.raises(ConfigError, match="-p n"):
        report.plan_jobs(config, notebook_dir=nbdir, overrides={"n": "many"})
    with pytest.raises(ConfigError, match="-p colour"):
        report.plan_jobs(config, notebook_dir=nbdir, overrides={"colour": "red"})
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        report.parse_overrides(["n"])


def test_paths_resolve_from_the_config_or_from_where_the_user_stands(planning, tmp_path):
    config, nbdir = planning
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    (elsewhere / "mine.xlsx").write_bytes(b"the user's roster")
    jobs = report.plan_jobs(
        config, notebook_dir=nbdir, overrides={"roster": "mine.xlsx"}, cwd=elsewhere
    )
    assert jobs[0].inputs == {"roster": (elsewhere / "mine.xlsx").resolve()}
    with pytest.raises(ConfigError, match=r"-p roster: nope\.xlsx: not found \(looked for .*work"):
        report.plan_jobs(
            config, notebook_dir=nbdir, overrides={"roster": "nope.xlsx"}, cwd=elsewhere
        )
    run_dir = tmp_path / "reports" / "x"
    assert jobs[0].parameters_in(run_dir)["roster"] == "../../work/mine.xlsx"


def test_villages_named_twice_run_once(planning):
    config, nbdir = planning
    jobs = report.plan_jobs(
        config, notebook_dir=nbdir, villages="李家,李家村,430527203203,寨市乡李家村"
    )
    assert [j.job_id for j in jobs if j.name == "prof"] == ["prof-430527203203"]


def test_a_config_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "reports.yml"
    path.write_bytes("notebooks: [{name: 概况}]\n".encode("gb18030"))
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte \d+\)"):
        report.load_config(path)


def test_plan_checks_config_values_against_declared_types(planning, tmp_path):
    _, nbdir = planning
    config = report.ReportConfig.model_validate(
        {"notebooks": [{"name": "a", "parameters": {"n": "five"}}]}
    )
    with pytest.raises(ConfigError, match=r"notebooks\.0 \(a\)\.n"):
        report.plan_jobs(config, notebook_dir=nbdir)
    config = report.ReportConfig.model_validate(
        {"notebooks": [{"name": "prof", "parameters": {"village": 430527203203}}]}
    )
    with pytest.raises(ConfigError, match="quote"):
        report.plan_jobs(config, notebook_dir=nbdir)


# --- running (slow: kernels) ---------------------------------------------------------------


def gb11643(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


OK_BODY = """
import matplotlib.pyplot as plt
import pandas as pd
from fupin_analysis import outputs, plots
marker_in_code = "code-cells-are-not-in-the-html"

fig, ax = plt.subplots()
ax.bar(["a", "b"], [n, n + 1])
plots.save_figure(fig, "bars", output_dir=output_dir, prefix=figure_prefix)
outputs.save_table(pd.DataFrame({"n": [n]}), "n", output_dir=output_dir, prefix=figure_prefix)
print("printed-output-is-in-the-html")
"""
BAD_BODY = """
x = 1

raise ValueError("planted failure")

print("never reached")
"""
LEAK_BODY = f"""
print("{gb11643("43052719800101123")}")
"""


@pytest.fixture
def run_config(tmp_path):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "ok.ipynb", COMMON + "n: int = 3  # bar height", OK_BODY)
    _notebook(nbdir / "bad.ipynb", COMMON, BAD_BODY)
    return _config(
        tmp_path,
        "run_name: t\nnotebook_dir: nbs\njobs: 2\ncell_timeout: 60\n"
        "notebooks:\n  - name: ok\n  - name: bad\n  - name: absent\n",
    )


@pytest.mark.slow
def test_a_failing_notebook_is_reported_and_the_others_finish(run_config, capsys):
    run = report.run_report(run_config, progress=False)
    run_dir = run_config.parent / "reports" / "t"
    assert run.run_dir == run_dir
    summary = run.summary.set_index("job")
    assert summary["status"].to_dict() == {"ok": "ok", "bad": "failed", "absent": "failed"}
    assert summary.loc["bad", "failed_cell"] == 4  # In [4]: defaults, injected, x = 1, raise
    assert summary.loc["bad", "error"] == "ValueError: planted failure"
    assert "not found" in summary.loc["absent", "error"]
    assert not run.ok
    for rel in (
        "figures/ok__bars.png",
        "tables/ok__n.csv",
        "tables/ok__n.xlsx",
        "notebooks/ok.ipynb",
        "notebooks/bad.ipynb",
        "html/ok.html",
        "html/bad.html",
        "index.html",
        "manifest.json",
    ):
        assert (run_dir / rel).is_file(), rel
    page = (run_dir / "html" / "ok.html").read_text(encoding="utf-8")
    assert "printed-output-is-in-the-html" in page
    assert "code-cells-are-not-in-the-html" not in page
    assert "figure_prefix" in page  # the parameters table on top
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    outputs = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    png = run_dir / "figures" / "ok__bars.png"
    assert outputs["figures/ok__bars.png"] == hashlib.sha256(png.read_bytes()).hexdigest()
    jobs = {j["job"]: j for j in manifest["jobs"]}
    assert jobs["ok"]["parameters"] == {"figure_prefix": "ok"}
    assert jobs["bad"]["failed_cell"] == 4 and jobs["ok"]["seconds"] > 0
    assert manifest["packages"]["matplotlib"] == mpl_version()
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="html/ok.html"' in index and "figures/ok__bars.png" in index

    code = cli.main(["report", "--config", str(run_config)])
    last = capsys.readouterr().err.splitlines()[-1]  # after the progress bar
    assert code == 2 and last.startswith("fupin report: 2 of 3 notebooks failed: ")
    assert "bad (cell 4: ValueError: planted failure)" in last and "absent (cell ?" in last


def mpl_version():
    import matplotlib

    return matplotlib.__version__


@pytest.mark.slow
def test_only_reruns_one_notebook_and_keeps_the_others(run_config):
    report.run_report(run_config, progress=False)
    run_dir = run_config.parent / "reports" / "t"
    bad_html = (run_dir / "html" / "bad.html").read_bytes()
    before = (run_dir / "figures" / "ok__bars.png").read_bytes()
    users = run_dir / "figures" / "ok__my_own_notes.png"
    users.write_bytes(b"a file the user put in the run folder")
    run = report.run_report(run_config, only="ok", overrides={"n": "7"}, progress=False)
    assert run.summary["job"].tolist() == ["ok"] and run.ok
    assert (run_dir / "figures" / "ok__bars.png").read_bytes() != before
    assert (run_dir / "html" / "bad.html").read_bytes() == bad_html
    assert users.exists()  # the runner removes only what it wrote
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(j["job"] for j in manifest["jobs"]) == ["absent", "bad", "ok"]
    assert next(j for j in manifest["jobs"] if j["job"] == "ok")["parameters"]["n"] == 7
    assert "figures/ok__my_own_notes.png" not in {o["path"] for o in manifest["outputs"]}

    # a full run of a config without "bad" removes what "bad" wrote, and nothing else
    smaller = run_config.read_text(encoding="utf-8").replace("  - name: bad\n", "")
    run_config.write_text(smaller, encoding="utf-8")
    report.run_report(run_config, progress=False)
    assert not (run_dir / "html" / "bad.html").exists()
    assert users.read_bytes() == b"a file the user put in the run folder"
    assert (run_dir / "figures" / "ok__bars.png").read_bytes() == before


@pytest.mark.slow
def test_the_privacy_check_fails_a_run_that_prints_an_id(tmp_path, capsys):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "leak.ipynb", COMMON, LEAK_BODY)
    config = _config(tmp_path, "notebook_dir: nbs\nnotebooks:\n  - name: leak\n")
    run = report.run_report(config, progress=False)
    assert run.failed.empty and not run.ok
    assert set(run.privacy["kind"]) == {"id_number"}
    assert "notebooks/leak.ipynb" in set(run.privacy["file"])
    assert cli.main(["report", "--config", str(config)]) == 2
    assert "privacy check" in capsys.readouterr().err


@pytest.mark.slow
def test_the_privacy_check_uses_the_roster_the_run_analysed(tmp_path, make_roster):
    """``-p roster=X``: names are looked up in X, not in the config's roster."""
    analysed = make_roster("mine.csv")  # holds the name 张大山 (tests/conftest.py)
    other = tmp_path / "config_roster.csv"
    other.write_text("姓名,证件号码\n王五六,\n", encoding="utf-8")
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(
        nbdir / "echo.ipynb",
        COMMON + 'roster: str = ""  # roster',
        'print("户主：张大山")',
    )
    config = _config(
        tmp_path,
        "notebook_dir: nbs\nparameters: {roster: ../config_roster.csv}\n"
        "notebooks:\n  - name: echo\n",
    )
    run = report.run_report(config, overrides={"roster": str(analysed)}, progress=False)
    assert run.failed.empty
    assert set(run.privacy["kind"]) == {"name"}, run.privacy


@pytest.mark.slow
def test_a_cell_over_the_timeout_fails_its_notebook(tmp_path):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "sleepy.ipynb", COMMON, "import time\ntime.sleep(60)")
    config = _config(tmp_path, "notebook_dir: nbs\ncell_timeout: 2\nnotebooks: [{name: sleepy}]\n")
    run = report.run_report(config, progress=False)
    (row,) = run.summary.itertuples()
    assert row.status == "failed" and "Timeout" in row.error


def test_parameters_are_read_without_papermills_private_helper():
    """The fallback for a papermill without ``_infer_parameters`` gives the same answer."""
    from fupin_analysis.report.config import _parameters_from_file

    for stem in ("00_overview", "village_profile"):
        nb = report.notebook_source(REPO / "notebooks" / f"{stem}.py")
        assert _parameters_from_file(nb) == report.notebook_parameters(nb), stem


PART_BODY = """
import warnings
from fupin_analysis import outputs
print("the-part-that-ran")

warnings.warn("a-warning-for-the-log")

outputs.not_available("maps", "no geography given", output_dir=output_dir, prefix=figure_prefix)
print("after-the-section")
"""
ENDS_BODY = """
from fupin_analysis import outputs
print("before-the-end")

outputs.not_available("relocation", "the roster has no 易地扶贫搬迁安置方式 column",
                      output_dir=output_dir, prefix=figure_prefix, rest=True)

print("never-shown")
"""


@pytest.mark.slow
def test_not_available_is_not_failed(tmp_path, capsys):
    """Issue 14 item 8: missing inputs give "not available" parts, exit 0; failures exit 2."""
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "part.ipynb", COMMON, PART_BODY)
    _notebook(nbdir / "ends.ipynb", COMMON, ENDS_BODY)
    config = _config(
        tmp_path, "notebook_dir: nbs\nnotebooks:\n  - name: part\n  - name: ends\n"
    )
    out = tmp_path / "西江镇-2016"
    run = report.run_report(config, out=out, progress=False)
    summary = run.summary.set_index("job")
    assert summary["status"].to_dict() == {"part": "ok", "ends": "not available"}
    assert summary["not_available"].to_dict() == {"part": 1, "ends": 1}
    assert run.ok and run.failed.empty
    assert summary.loc["ends", "error"] == "" and pd.isna(summary.loc["ends", "failed_cell"])

    part = (out / "html" / "part.html").read_text(encoding="utf-8")
    assert "the-part-that-ran" in part and "after-the-section" in part
    assert "not available</strong> · maps: no geography given." in part
    assert "<li>maps: no geography given</li>" in part  # the header lists it
    assert "a-warning-for-the-log" not in part  # stderr goes to the log
    assert "a-warning-for-the-log" in (out / "logs" / "part.log").read_text(encoding="utf-8")

    ends = (out / "html" / "ends.html").read_text(encoding="utf-8")
    assert "before-the-end" in ends and "never-shown" not in ends
    assert "The rest of this report needs it." in ends
    assert "Traceback" not in ends and "NotebookEnds" not in ends
    assert "An Exception was encountered" not in ends  # papermill's error markers
    stored = nbformat.read(out / "notebooks" / "ends.ipynb", as_version=4)
    assert not [o for c in stored.cells for o in c.get("outputs", []) if o.output_type == "error"]

    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>fupin_analysis report: 西江镇-2016</title>" in index  # named by --out
    assert "not available: relocation: the roster has no 易地扶贫搬迁安置方式 column" in index
    assert "not available: maps: no geography given" in index
    assert 'class="failed"' not in index and "SYNTHETIC" not in index
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    jobs = {j["job"]: j for j in manifest["jobs"]}
    assert jobs["ends"]["status"] == "not available"
    assert jobs["part"]["not_available"] == [
        {"topic": "maps", "reason": "no geography given", "rest": False}
    ]
    assert "status/part.json" in {o["path"] for o in manifest["outputs"]}

    assert cli.main(["report", "--config", str(config), "--out", str(out)]) == 0
    capsys.readouterr()
    # a run without the part removes its status file (the marker lists it)
    config.write_text("notebook_dir: nbs\nnotebooks:\n  - name: part\n", encoding="utf-8")
    (nbdir / "part.ipynb").unlink()
    _notebook(nbdir / "part.ipynb", COMMON, 'print("all there")')
    report.run_report(config, out=out, progress=False)
    assert not (out / "status" / "part.json").exists()
    assert not (out / "status" / "ends.json").exists()
