"""The `fupin` command's shared behaviour: version, help, one-line errors."""

import subprocess
import sys

import pytest

from fupin_analysis import __version__, cli
from fupin_analysis.errors import FupinError


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"fupin_analysis {__version__}"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("synth", "inspect", "clean", "report", "check", "init"):
        assert command in out


def test_fupin_error_is_one_line_and_exit_2(monkeypatch, capsys):
    def boom(args):
        raise FupinError("roster.xlsx, sheet 名单, row 4, column 证件号码: bad")

    monkeypatch.setattr(cli, "_cmd_check", boom)
    assert cli.main(["check", "somewhere"]) == 2
    err = capsys.readouterr().err
    assert err == "fupin check: roster.xlsx, sheet 名单, row 4, column 证件号码: bad\n"


def test_debug_shows_the_traceback(monkeypatch):
    def boom(args):
        raise FupinError("bad")

    monkeypatch.setattr(cli, "_cmd_check", boom)
    with pytest.raises(FupinError):
        cli.main(["--debug", "check", "somewhere"])


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "fupin_analysis.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert __version__ in result.stdout
