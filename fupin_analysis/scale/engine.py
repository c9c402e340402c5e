"""Clean a roster too large for one process, partition by partition, on a Dask cluster.

:func:`clean_partitioned` gives the result of :func:`~fupin_analysis.clean.clean_roster`
on the whole roster (the same members, households, quarantine and quality), written as
partitioned Parquet datasets. The steps, each a set of Dask tasks:

1. **Stage**: each file is read on a worker (``read_roster`` of that file, under the label
   the whole read would give it) and its rows written to a private staging folder, one
   file per partition (:func:`~.partitions.partition_keys`), with their place in the
   global row order (``file rank × 2⁴⁰ + position in the file``).
2. **Clean**: each partition is cleaned with ``clean_roster`` on a worker, its rows in the
   global order; every rule but ``duplicate_person`` only looks at a row or its
   household, and households never cross partitions.
3. **Global duplicate_person**: ``(person_key, partition, order)`` of every member, shuffled
   on ``person_key`` (``dask.dataframe``), finds each person kept in several partitions;
   the occurrence first in the global order wins.
4. **Re-clean** the partitions holding losers with ``clean_roster(...,
   exclude_persons=losers)``, so that their households, heads and counts are those of
   the whole roster.
5. **Check and sum**: ``person_key``, ``household_key`` and the row identity
   (``source_file``, ``source_sheet``, ``source_row``) unique over the whole dataset;
   every input row in exactly one of members or quarantine; the quality tables summed
   (:func:`~.quality.sum_quality`).

The salt reaches the workers as a secret, never in a task's arguments: a worker makes
keys with its own :func:`~fupin_analysis.salt.default_salt` (``FUPIN_SALT`` or the salt
file). A salt given here is written to a 0600 file that the local cluster's workers are
told about (``FUPIN_SALT_FILE``); the workers of a cluster given must already have it,
which is checked through its fingerprint.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._version import __version__
from ..errors import FupinError
from ..salt import default_salt, fingerprint
from .partitions import partition_column, partition_keys
from .quality import sum_quality

__all__ = [
    "MALLOC_TRIM_THRESHOLD",
    "PartitionedClean",
    "TABLES",
    "clean_partitioned",
    "local_client",
]

#: The output datasets (``<out>/<table>/<partition_by>_code=<key>/part-0.parquet``).
TABLES = ("members", "households", "quarantine")

#: ``MALLOC_TRIM_THRESHOLD_`` of the local cluster's workers. Dask's nanny sets 65,536,
#: which makes glibc give memory back after nearly every free: the cleaner, which makes
#: and frees large arrays, then runs 1.5-2 times slower. 64 MiB is the largest threshold
#: glibc's own dynamic setting reaches on 64-bit systems.
MALLOC_TRIM_THRESHOLD = 64 * 2**20

_ORDER = "_order"  # place of a staged row in the global order
_POSITION_BITS = 40  # up to 2**40 rows per file
_SOURCE = ["source_file", "source_sheet", "source_row"]


@dataclass(frozen=True)
class PartitionedClean:
    """What :func:`clean_partitioned` wrote.

    Attributes
    ----------
    out : pathlib.Path
        The output folder: ``members/``, ``households/``, ``quarantine/`` (partitioned
        Parquet datasets), ``quality.csv``, ``sources.csv``, ``clean.json``.
    partitions : pandas.DataFrame
        One row per partition: ``partition``, ``rows``, ``members``, ``quarantined``,
        ``excluded`` (persons found first in another partition).
    quality : pandas.DataFrame
        The quality table of the whole roster.
    seconds : dict of str to float
        Wall time of each step: ``stage``, ``clean``, ``global``, ``reclean``,
        ``check``, ``write``.
    """

    out: Path
    partitions: pd.DataFrame
    quality: pd.DataFrame
    seconds: Mapping[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Row counts: ``rows_read``, ``members``, ``quarantined``, ``partitions``."""
        p = self.partitions
        return {"rows_read": int(p["rows"].sum()), "members": int(p["members"].sum()),
                "quarantined": int(p["quarantined"].sum()), "partitions": len(p)}  # fmt: skip


# --- on the workers ----------------------------------------------------------------------


def _worker_salt_fingerprint() -> str:
    return fingerprint(default_salt())


def _private_parquet(table: pa.Table, path: Path, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    os.fchmod(fd, mode)  # whatever the umask
    with os.fdopen(fd, "wb") as handle:
        pq.write_table(table, handle)


def _stage_file(
    source: Any, rank: int, staging: str, partition_by: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Read one file and write its rows to ``staging/<partition>/<rank>.parquet`` (0600)."""
    from ..ingest import combine, load_columns
    from ..ingest.parts import read_parts

    parts = read_parts(
        [source],
        sheet=options["sheet"],
        encoding=options["encoding"],
        columns=load_columns(options["columns"]),
        categorical=frozenset(),
    )
    read = [p for p in parts if p.frame is not None]
    entries = [p.entry() for p in parts]
    if not read:
        return {"columns": [], "rows": {}, "sources": entries}
    frame = combine(read)
    frame[_ORDER] = (np.int64(rank) << _POSITION_BITS) + np.arange(len(frame), dtype=np.int64)
    keys = pd.Series(partition_keys(frame["household_id"], partition_by), index=frame.index)
    rows = {}
    for key, part in frame.groupby(keys, sort=True, observed=True):
        table = pa.Table.from_pandas(part, preserve_index=False)
        _private_parquet(table, Path(staging) / key / f"{rank:06d}.parquet", 0o600)
        rows[key] = len(part)
    return {"columns": [c for c in frame.columns if c != _ORDER], "rows": rows,
            "sources": entries}  # fmt: skip


def _clean_partition(
    key: str,
    staging: str,
    out: str,
    partition_by: str,
    columns: Sequence[str],
    options: Mapping[str, Any],
    exclude: Sequence[str] = (),
) -> dict[str, Any]:
    """Clean one partition (its rows in the global order) and write its three tables."""
    from ..clean import clean_roster

    files = sorted((Path(staging) / key).glob("*.parquet"))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    order = frame.pop(_ORDER).to_numpy()
    frame = frame.reindex(columns=list(columns))
    for name in frame.columns:
        if name not in ("source_row",) and frame[name].dtype != "str":
            frame[name] = frame[name].astype("str")
    frame["source_file"] = frame["source_file"].astype("category")
    frame["source_sheet"] = frame["source_sheet"].astype("category")
    frame.attrs = {"sources": []}  # read_roster's frame: taken as it is
    result = clean_roster(
        frame,
        reference_date=options["reference_date"],
        reference=options["reference"],
        exclude_persons=list(exclude),
    )
    folder = f"{partition_column(partition_by)}={key}"
    for table, mode in zip(TABLES, (0o644, 0o644, 0o600), strict=True):
        data = pa.Table.from_pandas(getattr(result, table), preserve_index=False)
        if options["synthetic"]:
            data = data.replace_schema_metadata({**data.schema.metadata, b"synthetic": b"true"})
        _private_parquet(data, Path(out) / table / folder / "part-0.parquet", mode)
    place = pd.Series(order, index=pd.MultiIndex.from_frame(
        frame[_SOURCE].astype({"source_file": "str", "source_sheet": "str"})))  # fmt: skip
    members = result.members
    member_order = place.reindex(pd.MultiIndex.from_frame(
        members[_SOURCE].astype({"source_file": "str", "source_sheet": "str"}))).to_numpy()
    keys = pa.table({"person_key": pa.array(members["person_key"].to_numpy(dtype=object)),
                     "partition": pa.array([key] * len(members)),
                     "order": pa.array(member_order, type=pa.int64())})  # fmt: skip
    _private_parquet(keys, Path(staging) / "_keys" / f"{key}.parquet", 0o600)
    return {
        "partition": key,
        "rows": len(frame),
        "members": len(members),
        "quarantined": len(result.quarantine),
        "excluded": len(exclude),
        "quality": result.quality,
        "fingerprint": result.cleaning["salt_fingerprint"],
        "fields": sorted(result.fields),
    }


def _losers(frame: pd.DataFrame) -> pd.DataFrame:
    """The (person_key, partition) pairs of persons kept in several partitions, but for
    the first in the global order."""
    frame = frame.sort_values(["person_key", "order"], kind="stable")
    later = frame["person_key"].duplicated(keep="first")
    return frame.loc[later, ["person_key", "partition"]]


# --- on the client -----------------------------------------------------------------------


@contextmanager
def _cluster(client: Any, workers: int, salt_file: Path | None) -> Iterator[Any]:
    """The client given, or a local cluster of ``workers`` processes closed at the end."""
    if client is not None:
        yield client
        return
    with local_client(workers, salt_file) as local:
        yield local


@contextmanager
def local_client(workers: int = 2, salt_file: Path | None = None) -> Iterator[Any]:
    """A client of a ``LocalCluster`` of ``workers`` processes (one thread each, no
    memory limit, ``MALLOC_TRIM_THRESHOLD_`` set), closed at the end; its workers read
    the salt from ``salt_file`` when given (else ``FUPIN_SALT`` or the installation's)."""
    import dask
    from distributed import Client, LocalCluster

    env = {"FUPIN_SALT_FILE": str(salt_file)} if salt_file else {}
    # the shuffle's scheduler plugin logs each shuffle's start and end as warnings
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    trim = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": MALLOC_TRIM_THRESHOLD}
    # a variable of this process overrides that setting, and every nanny leaves its own
    # value (65,536 by default) in this process: ours must be there while they spawn
    before = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    os.environ["MALLOC_TRIM_THRESHOLD_"] = str(MALLOC_TRIM_THRESHOLD)
    try:
        with dask.config.set(trim):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0", env=env,
                                   memory_limit=0)  # fmt: skip
    finally:
        if before is None:
            os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        else:
            os.environ["MALLOC_TRIM_THRESHOLD_"] = before
    with cluster, Client(cluster) as local:
        yield local


def _check_salt(client: Any, salt: str | None) -> str:
    """The fingerprint of the workers' salt (all the same, and ``salt``'s when given)."""
    found = set(client.run(_worker_salt_fingerprint).values())
    wanted = fingerprint(salt) if salt is not None else None
    if len(found) != 1 or (wanted is not None and found != {wanted}):
        raise FupinError(
            "the workers do not all have the salt asked for: start them with the same "
            "FUPIN_SALT or FUPIN_SALT_FILE (the salt never travels in a task)"
        )
    return found.pop()


def _prepare_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FupinError(f"{out}: exists and is not an empty folder; give a new or empty folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FupinError(f"{out}: cannot create the output folder ({exc.strerror})") from None


def _duplicates(client: Any, path: Path, columns: list[str]) -> int:
    """Rows of the dataset ``path`` whose ``columns`` repeat another row's."""
    import dask.dataframe as dd

    frame = dd.read_parquet(str(path), columns=columns, dataset={"partitioning": None})
    sizes = frame.groupby(columns, observed=True).size()
    return int(client.compute((sizes - 1).sum()).result())


def clean_partitioned(
    paths: str | Path | Sequence[str | Path],
    out: str | Path,
    client: Any = None,
    partition_by: str = "county",
    *,
    salt: str | None = None,
    reference: str | Path | None = None,
    reference_date: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    columns: str | Path | Mapping | None = None,
    workers: int = 2,
) -> PartitionedClean:
    """Clean roster files partition by partition on a Dask cluster (see the module).

    Parameters
    ----------
    paths : str, Path or a list of them
        Roster files and folders, read as :func:`~fupin_analysis.ingest.read_roster`
        reads them (the global row order: files as given, sheets in workbook order, rows
        in sheet order).
    out : str or Path
        A new or empty folder for the outputs.
    client : distributed.Client, optional
        The cluster to use; default a ``LocalCluster`` of ``workers`` processes (one
        thread each), closed at the end.
    partition_by : {"county", "township"}
        The partition of a row: the first 6 or 9 digits of its 户编号.
    salt : str, optional
        As in ``clean_roster``; default each worker's installation salt.
    reference, reference_date, sheet, encoding, columns
        As in ``clean_roster`` (the reference folder must be readable by the workers).
    workers : int
        Workers of the local cluster.

    Returns
    -------
    PartitionedClean

    Raises
    ------
    FupinError
        One line: an input that cannot be read, an output folder that is not new or
        empty, workers with another salt, or a broken invariant of the result.
    """
    from ..ingest.sources import collect
    from ..provenance import is_synthetic

    partition_keys(pd.Series([], dtype="str"), partition_by)  # an unknown kind: one line
    out = Path(os.path.abspath(Path(out).expanduser()))
    sources = [s for s in collect(paths) if not s.skipped]
    _prepare_out(out)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))  # 0700: raw rows inside
    salt_path = None
    if salt is not None and client is None:
        salt_path = staging / f"salt-{secrets.token_hex(4)}"
        fd = os.open(salt_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(salt + "\n")
    options = {"sheet": sheet, "encoding": encoding, "columns": columns,
               "reference": None if reference is None else str(reference),
               "reference_date": reference_date,
               "synthetic": all(is_synthetic(s.path) for s in sources)}  # fmt: skip
    try:
        with _cluster(client, workers, salt_path) as dask_client:
            return _run(dask_client, sources, out, staging, partition_by, options, salt)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run(client, sources, out, staging, partition_by, options, salt) -> PartitionedClean:
    import dask.dataframe as dd

    salt_fingerprint = _check_salt(client, salt)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 3)
        clock = now

    staged = client.gather(client.map(
        _stage_file, sources, range(len(sources)), [str(staging)] * len(sources),
        partition_by=partition_by, options=options, pure=False))  # fmt: skip
    names = list(dict.fromkeys(c for s in staged for c in s["columns"]))
    names = [c for c in names if c not in _SOURCE] + _SOURCE
    rows_in = pd.Series([s["rows"] for s in staged]).apply(pd.Series).sum().astype("int64")
    keys = sorted(rows_in.index)
    step("stage")

    def clean(partitions: list[str], exclude: Mapping[str, list[str]]) -> dict[str, dict]:
        futures = [client.submit(_clean_partition, key, str(staging), str(out), partition_by,
                                 names, options, exclude.get(key, []), pure=False)
                   for key in partitions]  # fmt: skip
        return {r["partition"]: r for r in client.gather(futures)}

    done = clean(keys, {})
    step("clean")
    found = dd.read_parquet(str(staging / "_keys"))
    losers = found.shuffle("person_key").map_partitions(
        _losers, meta={"person_key": "str", "partition": "str"})
    losers = client.compute(losers).result()
    exclude = {k: g["person_key"].tolist() for k, g in losers.groupby("partition")}
    step("global")
    if exclude:
        for table in TABLES:
            for key in exclude:
                shutil.rmtree(out / table / f"{partition_column(partition_by)}={key}")
        done |= clean(sorted(exclude), exclude)
    step("reclean")
    results = [done[k] for k in keys]
    _check(client, out, results, rows_in, salt_fingerprint)
    step("check")
    quality = sum_quality([r["quality"] for r in results])
    partitions = pd.DataFrame([{k: r[k] for k in ("partition", "rows", "members", "quarantined",
                                                  "excluded")} for r in results])  # fmt: skip
    result = PartitionedClean(out, partitions, quality, seconds)
    fields = sorted({f for r in results for f in r["fields"]})
    _write_tables(result, staged, options, salt, salt_fingerprint, partition_by, fields)
    step("write")
    return result


def _check(client, out: Path, results: list[dict], rows_in: pd.Series, salt_fp: str) -> None:
    for r in results:
        if r["rows"] != rows_in[r["partition"]] or r["rows"] != r["members"] + r["quarantined"]:
            raise FupinError(f"partition {r['partition']}: rows lost between reading and "
                             "the clean tables")  # fmt: skip
        if r["fingerprint"] != salt_fp:
            raise FupinError("a worker changed its salt during the run; run again")
    checks = [("members", ["person_key"]), ("households", ["household_key"]),
              ("members", _SOURCE), ("quarantine", _SOURCE)]  # fmt: skip
    for table, columns in checks:
        repeated = _duplicates(client, out / table, columns)
        if repeated:
            raise FupinError(f"{out / table}: {repeated} rows repeat the {', '.join(columns)} "
                             "of another row over the partitions")  # fmt: skip


def _write_tables(result, staged, options, salt, salt_fingerprint, partition_by, fields) -> None:
    from ..clean.outputs import TOOL
    from ..clean.result import SOURCE_COLUMNS
    from ..excel import defuse_frame

    entries = pd.DataFrame([e for s in staged for e in s["sources"]])
    for name in ("unknown_columns", "mapped_columns"):
        entries[name] = entries[name].map(lambda v: json.dumps(v, ensure_ascii=False))
    texts = {
        "quality.csv": defuse_frame(result.quality).to_csv(index=False),
        "sources.csv": defuse_frame(entries.reindex(columns=SOURCE_COLUMNS)).to_csv(index=False),
        "clean.json": json.dumps({
            "tool": f"{TOOL} (dask)", "version": __version__, **result.summary(),
            "fields": fields, "partition_by": partition_by,
            "partition_keys": result.partitions["partition"].tolist(),
            "synthetic": options["synthetic"],
            "salt": "installation" if salt is None else "given",
            "salt_fingerprint": salt_fingerprint, "reference": options["reference"] or "",
            "reference_date": options["reference_date"] or "2016-12-31",
            "tables": list(TABLES)}, ensure_ascii=False, indent=1) + "\n",
    }  # fmt: skip
    for name, text in texts.items():
        (result.out / name).write_text(text, encoding="utf-8")
