"""Pseudonymous keys: salted 64-bit hashes written as 16 hex digits.

``person_key`` and ``household_key`` are SipHash-2-4 (pandas' ``hash_array``) of the
normalised identity number and 户编号, keyed by a key derived from the salt and a domain
(``person`` / ``household``). Keys stay 64-bit integers until a table is written out.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import fixed_width_bytes
from .values import codes_uniques

__all__ = ["hash64", "hex_keys", "keyed_hash", "person_hashes"]


def keyed_hash(values: pd.Series, salt: str, domain: str) -> pd.Series:
    """Pseudonymous 16-hex-digit keys: SipHash-2-4 keyed by ``salt`` and ``domain``.

    Vectorised and stable: the same value, salt and domain give the same key; without
    the salt a key cannot be traced back to the value.

    Examples
    --------
    >>> keyed_hash(pd.Series(["430527199001011237"]), "s", "person").str.len().tolist()
    [16]
    """
    codes, uniques = codes_uniques(values)
    if len(uniques) > len(codes):  # a few rows of a large categorical: hash theirs only
        present = codes >= 0
        codes = codes.copy()
        codes[present], used = pd.factorize(codes[present])
        uniques = uniques.take(used)
    hashes = hash64(np.asarray(uniques, dtype=object), salt, domain)
    return hex_keys(np.append(hashes, np.uint64(0))[codes], missing=codes < 0).set_axis(
        values.index
    )


def person_hashes(canonical_ids: pa.Array, salt: str) -> np.ndarray:
    """The 64-bit numbers behind the ``person_key`` of canonical identity numbers (18
    ASCII characters each, as ``idcard.check_arrow`` gives valid ones): the one
    definition of a person's key, for the members table and for the partitioned engine.

    Examples
    --------
    >>> number = "430527199001011237"
    >>> hashes = person_hashes(pa.array([number]), "s")
    >>> hex_keys(hashes).tolist() == keyed_hash(pd.Series([number]), "s", "person").tolist()
    True
    """
    canonical = fixed_width_bytes(canonical_ids, 18)
    return hash64(canonical.view("S18").ravel(), salt, "person")


_HASH_SLICE = 1 << 16


def hash64(values: np.ndarray | pa.Array, salt: str, domain: str) -> np.ndarray:
    """The 64-bit hashes behind :func:`keyed_hash` of text values: a numpy array (object,
    or fixed-width bytes) or an arrow array.

    ``bytes`` holding the UTF-8 of a text give the same hash as the text, without
    encoding each value. The hash function needs Python objects: they are made a slice at
    a time, so their memory is reused.

    Examples
    --------
    >>> text = hash64(np.array(["户1"], dtype=object), "s", "household")
    >>> as_bytes = hash64(pa.array([b"\\xe6\\x88\\xb71"]), "s", "household")
    >>> bool(text[0] == as_bytes[0])
    True
    """
    key = hashlib.blake2b(f"{domain}:{salt}".encode(), digest_size=8).hexdigest()
    hashes = np.empty(len(values), dtype=np.uint64)
    for start in range(0, len(values), _HASH_SLICE):
        part = values[start : start + _HASH_SLICE]
        if isinstance(part, pa.Array):
            part = part.to_numpy(zero_copy_only=False)
        elif part.dtype != object:
            part = part.astype(object)
        hashes[start : start + len(part)] = pd.util.hash_array(
            part, hash_key=key, categorize=False
        )
    return hashes


_HEX_PAIRS = np.frombuffer(
    "".join(f"{b:02x}" for b in range(256)).encode("ascii"), dtype="S2"
).view(np.uint16)


def hex_keys(hashes: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """Keys of :func:`keyed_hash` from their 64-bit hashes: 16 lowercase hex digits
    (missing where ``missing`` is True).

    Examples
    --------
    >>> hex_keys(np.array([1, 2**64 - 1], dtype=np.uint64)).tolist()
    ['0000000000000001', 'ffffffffffffffff']
    """
    out = _HEX_PAIRS[hashes.astype(">u8").view(np.uint8)]  # two hex digits per byte
    offsets = np.arange(0, 16 * (len(hashes) + 1), 16, dtype=np.int64)
    keys = pa.LargeStringArray.from_buffers(  # ASCII hex digits: valid UTF-8 by construction
        len(hashes), pa.py_buffer(offsets), pa.py_buffer(out)
    )
    if missing is not None and missing.any():
        keys = pc.if_else(pa.array(missing), pa.scalar(None, keys.type), keys)
    return pd.Series(keys.to_pandas(), dtype="str")
