"""The default salt of the pseudonymous keys is a secret of the installation (issue 15)."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ProcessPoolExecutor

import pytest

from fupin_analysis import salt
from fupin_analysis.errors import FupinError


@pytest.fixture
def salt_path(tmp_path, monkeypatch):
    monkeypatch.delenv("FUPIN_SALT", raising=False)
    path = tmp_path / "cfg" / "salt"
    monkeypatch.setenv("FUPIN_SALT_FILE", str(path))
    return path


def test_first_use_makes_a_private_random_secret_and_keeps_it(salt_path):
    first = salt.default_salt()
    assert len(first) == 64 and int(first, 16) >= 0
    assert first not in ("fupin", "doc", "")
    assert stat.S_IMODE(salt_path.stat().st_mode) == 0o600
    assert salt.default_salt() == first


def test_two_installations_get_different_salts(tmp_path, monkeypatch):
    monkeypatch.delenv("FUPIN_SALT", raising=False)
    got = []
    for name in ("a", "b"):
        monkeypatch.setenv("FUPIN_SALT_FILE", str(tmp_path / name / "salt"))
        got.append(salt.default_salt())
    assert got[0] != got[1]


def test_the_environment_variable_wins(salt_path, monkeypatch):
    monkeypatch.setenv("FUPIN_SALT", "shared secret of the county office")
    assert salt.default_salt() == "shared secret of the county office"
    assert not salt_path.exists()


def _salt_in_process(path: str) -> str:
    os.environ.pop("FUPIN_SALT", None)
    os.environ["FUPIN_SALT_FILE"] = path
    return salt.default_salt()


def test_processes_starting_together_agree(tmp_path):
    path = str(tmp_path / "salt")
    with ProcessPoolExecutor(4) as pool:
        salts = set(pool.map(_salt_in_process, [path] * 8))
    assert len(salts) == 1


def test_an_unwritable_place_is_one_line(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.delenv("FUPIN_SALT", raising=False)
    monkeypatch.setenv("FUPIN_SALT_FILE", str(blocker / "salt"))
    with pytest.raises(FupinError, match="FUPIN_SALT_FILE"):
        salt.default_salt()
