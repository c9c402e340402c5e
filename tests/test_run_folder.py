"""A report run never deletes what it did not write, and stops cleanly when told to.

Issue 15: ``--out DIR`` used to empty the user's folders; Ctrl-C left an index claiming a
complete run; killing ``fupin`` left workers running. Fast tests exercise
:class:`fupin_analysis.report.RunFolder`; slow ones run ``fupin report`` in a subprocess
on small notebooks and interrupt or kill it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from fupin_analysis import cli
from fupin_analysis.errors import ConfigError, FupinError
from fupin_analysis.report.runner import MARKER, RunFolder

REPO = Path(__file__).resolve().parent.parent


def test_a_new_folder_is_claimed_and_marked(tmp_path):
    folder = RunFolder.claim(tmp_path / "a" / "b")
    assert folder.path == (tmp_path / "a" / "b").resolve()
    assert json.loads((folder.path / MARKER).read_text())["written"] == []


def test_a_folder_with_the_users_files_is_refused_and_left_alone(tmp_path):
    (tmp_path / "figures").mkdir()
    mine = tmp_path / "figures" / "holiday.png"
    mine.write_bytes(b"photo")
    with pytest.raises(ConfigError, match="did not write"):
        RunFolder.claim(tmp_path)
    assert mine.read_bytes() == b"photo" and not (tmp_path / MARKER).exists()


def test_the_project_folder_itself_is_refused(tmp_path, capsys):
    code = cli.main(["report", "--config", str(REPO / "reports.yml"), "--out", str(REPO)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "did not write" in err[0]
    assert (REPO / "notebooks" / "00_overview.ipynb").exists()


def test_only_recorded_files_are_removed(tmp_path):
    folder = RunFolder.claim(tmp_path / "run")
    (folder.path / "figures").mkdir()
    ours = folder.path / "figures" / "nb__map.png"
    ours.write_bytes(b"ours")
    theirs = folder.path / "figures" / "nb__notes.png"
    theirs.write_bytes(b"theirs")
    folder.written |= {"figures/nb__map.png", "../outside.txt", "/etc/hostname"}
    (tmp_path / "outside.txt").write_text("outside the run folder")
    folder.remove_job("nb")
    assert not ours.exists() and theirs.exists()
    folder.remove(set(folder.written))
    assert (tmp_path / "outside.txt").exists() and Path("/etc/hostname").exists()
    assert folder.written == set()


def test_a_listed_symlink_is_removed_not_its_target(tmp_path):
    target = tmp_path / "precious.csv"
    target.write_text("keep me")
    folder = RunFolder.claim(tmp_path / "run")
    (folder.path / "tables").mkdir()
    (folder.path / "tables" / "nb__t.csv").symlink_to(target)
    folder.written.add("tables/nb__t.csv")
    folder.remove_job("nb")
    assert target.read_text() == "keep me"
    assert not (folder.path / "tables" / "nb__t.csv").exists()


def test_record_job_takes_new_and_changed_files_only(tmp_path):
    folder = RunFolder.claim(tmp_path / "run")
    (folder.path / "figures").mkdir()
    users = folder.path / "figures" / "nb__users.png"
    users.write_bytes(b"theirs")
    before = folder.snapshot()
    (folder.path / "figures" / "nb__new.png").write_bytes(b"new")
    (folder.path / "figures" / "other__x.png").write_bytes(b"another job's")
    assert folder.record_job("nb", before) == ["figures/nb__new.png"]


def test_an_unwritable_out_is_one_line(capsys):
    code = cli.main(["report", "--config", str(REPO / "reports.yml"), "--out", "/dev/null/run"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "/dev/null" in err[0]


def test_jobs_below_one_are_refused(capsys):
    code = cli.main(["report", "--config", str(REPO / "reports.yml"), "--jobs", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "--jobs 0" in err


def test_disk_full_while_writing_is_one_line(tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "run" / MARKER))

    monkeypatch.setattr(RunFolder, "save", full)
    code = cli.main(
        ["report", "--config", str(REPO / "reports.yml"), "--out", str(tmp_path / "run")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "No space left on device" in err[0]


def test_claim_reports_a_folder_it_cannot_create(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FupinError, match="cannot write there"):
        RunFolder.claim(blocker / "run")


# --- interrupts (slow: real processes and kernels) --------------------------------------


def _sleepy_config(tmp_path: Path) -> Path:
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    for name in ("one", "two", "three"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}  # fmt: skip
        params = nbformat.v4.new_code_cell(
            'output_dir: str = ""  # run folder\nfigure_prefix: str = "nb"  # prefix'
        )
        params.metadata["tags"] = ["parameters"]
        nb.cells = [
            nbformat.v4.new_markdown_cell("# sleepy"),
            params,
            nbformat.v4.new_code_cell("import os, time\nprint(os.getpid())\ntime.sleep(120)"),
        ]
        nbformat.write(nb, nbdir / f"{name}.ipynb")
    config = tmp_path / "reports.yml"
    config.write_text(
        "notebook_dir: nbs\njobs: 2\ncell_timeout: 300\n"
        "notebooks: [{name: one}, {name: two}, {name: three}]\n",
        encoding="utf-8",
    )
    return config


def _descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:80].decode()
    except OSError:
        return "(gone)"


def _state(proc: subprocess.Popen, below: set[int]) -> str:
    """What still runs of a run that did not stop (fupin itself, and each process below
    it, with its command line), for the failure message; then the run is killed."""
    alive = [p for p in sorted(below) if _alive(p)]
    described = "; ".join(f"{p} {_command(p)}" for p in alive) or "none"
    main = "fupin still running" if proc.poll() is None else f"fupin exited {proc.returncode}"
    with contextlib.suppress(OSError):  # signals blocked, ignored, caught: SIGINT is bit 2
        status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        main += " (" + ", ".join(s for s in status if s.startswith(("SigBlk", "SigIgn"))) + ")"
    for pid in [proc.pid, *alive]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return f"{main}; alive below it: {described}"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(config: Path, out: Path) -> tuple[subprocess.Popen, set[int]]:
    """Start ``fupin report`` and wait until two notebooks are running in kernels."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "fupin_analysis.cli", "report", "--config", str(config),
         "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # as in a terminal: a suite started in the background (``make test &``, nohup)
        # passes SIGINT on ignored, and Python then never raises KeyboardInterrupt
        preexec_fn=_default_sigint,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    kernels: set[int] = set()
    while time.monotonic() < deadline and len(kernels) < 2:
        time.sleep(0.5)
        kernels = {
            p
            for p in _descendants(proc.pid)
            if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()
        } if proc.poll() is None else set()  # fmt: skip
        logs = list((out / "logs").glob("*.log")) if (out / "logs").exists() else []
        if len(kernels) >= 2 and len(logs) >= 2:
            time.sleep(3)  # let the cells start sleeping
            break
    assert len(kernels) >= 2, "two kernels never started"
    return proc, _descendants(proc.pid)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_workers_and_marks_the_run_interrupted(tmp_path):
    out = tmp_path / "run"
    proc, below = _start(_sleepy_config(tmp_path), out)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no exit 60 s after Ctrl-C: {_state(proc, below)}")
    assert proc.returncode == 130
    assert err.decode().strip().splitlines()[-1] == "fupin report: interrupted"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in below):
        time.sleep(0.5)
    assert not [p for p in below if _alive(p)], "processes of the run still alive"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Interrupted run" in index and "not run" in index
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is False
    assert {j["job"]: j["status"] for j in manifest["jobs"]}["three"] == "not run"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc")
def test_killing_fupin_leaves_no_worker_or_kernel_behind(tmp_path):
    proc, below = _start(_sleepy_config(tmp_path), tmp_path / "run")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(_alive(p) for p in below):
        time.sleep(0.5)
    assert not [p for p in below if _alive(p)], "orphans of the killed run still alive"
