"""The secret salt of the pseudonymous person and household keys.

Keys are salted hashes of identity and household numbers (:func:`fupin_analysis.clean.keyed_hash`).
A household number is a village code and four digits, so with a salt anyone knows, ten
thousand guesses reverse a key. The default salt is therefore a secret of this
installation: 32 random bytes made on first use and kept, readable by the user only, in
the user's configuration folder. The same user gets the same keys in every run (so runs
can be linked); nobody else can recompute them.

Where the salt comes from, first match wins:

1. the ``salt`` argument of the function that makes keys;
2. the ``FUPIN_SALT`` environment variable (share it between machines that must give the
   same keys, as a secret);
3. the file named by ``FUPIN_SALT_FILE``, or ``salt`` in the user's configuration folder
   (``~/.config/fupin_analysis/salt`` on Linux; see :func:`salt_file`), created when
   missing.

Examples
--------
>>> import os, tempfile
>>> os.environ["FUPIN_SALT_FILE"] = os.path.join(tempfile.mkdtemp(), "salt")
>>> first = default_salt()
>>> len(first), first == default_salt()
(64, True)
>>> oct(os.stat(os.environ["FUPIN_SALT_FILE"]).st_mode & 0o777)
'0o600'
>>> del os.environ["FUPIN_SALT_FILE"]
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

import platformdirs

from .errors import FupinError

__all__ = ["default_salt", "fingerprint", "salt_file"]

_SALT_BYTES = 32


def salt_file() -> Path:
    """The file of this installation's salt: ``FUPIN_SALT_FILE`` or the user's config folder.

    Examples
    --------
    >>> salt_file().name
    'salt'
    """
    given = os.environ.get("FUPIN_SALT_FILE")
    if given:
        return Path(given).expanduser()
    return platformdirs.user_config_path("fupin_analysis") / "salt"


def default_salt() -> str:
    """The salt used when none is given: ``FUPIN_SALT``, else this installation's secret.

    The secret file is created atomically (mode 0600, its folder 0700), so two
    processes starting at once agree on one salt.

    Raises
    ------
    FupinError
        When the salt file cannot be read or written (one line naming it).
    """
    given = os.environ.get("FUPIN_SALT")
    if given:
        return given
    path = salt_file()
    try:
        if not path.exists():
            _create(path)
        return _read(path)
    except OSError as exc:
        raise FupinError(
            f"{path}: cannot keep the secret salt of the pseudonymous keys there "
            f"({exc.strerror}); set FUPIN_SALT_FILE to a writable file or FUPIN_SALT"
        ) from None


def fingerprint(salt: str) -> str:
    """A short mark of a salt that tells two salts apart without revealing either.

    The first 8 hex digits of SHA-256 of the salt followed by ``"fingerprint"``: keys
    made with salts of different fingerprints never match, and the mark is useless for
    recomputing a key (a secret salt has 256 bits; 32 of a hash of it say nothing of the
    rest). A clean output folder records it (``clean.json``) so that keys of another
    machine are noticed.

    Examples
    --------
    >>> fingerprint("doc"), fingerprint("doc") == fingerprint("doc "), len(fingerprint("x" * 64))
    ('3bd37f80', False, 8)
    """
    return hashlib.sha256((salt + "fingerprint").encode("utf-8")).hexdigest()[:8]


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(_SALT_BYTES) + "\n")
        try:
            os.link(tmp, path)  # fails if another process made it first: theirs wins
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> str:
    for _ in range(50):  # a file being linked in is complete; this is for slow disks
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
        time.sleep(0.01)
    raise FupinError(f"{path}: the salt file is empty; delete it to make a new secret")
