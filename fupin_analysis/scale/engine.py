"""Clean a roster too large for one process, partition by partition, on a Dask cluster.

:func:`clean_partitioned` gives the result of :func:`~fupin_analysis.clean.clean_roster`
on the whole roster (the same members, households, quarantine and quality), written as
partitioned Parquet datasets. The steps, each a set of Dask tasks:

1. **Stage**: each file is read on a worker (``read_roster`` of that file, under the label
   the whole read would give it) and its rows written to a private staging folder, one
   file per partition (:func:`~.partitions.partition_keys`), with their place in the
   global row order (``file rank × 2⁴⁰ + position in the file``) and the 64-bit number
   of the ``person_key`` their identity number would get (``clean.identity_hashes``).
2. **Persons across partitions**: ``(person, partition, order)`` of every row with a
   valid identity number, shuffled on the person (``dask.dataframe``), gives the persons
   with rows in several partitions and, for each of their partitions, the first place
   in the global order of their rows in the others.
3. **Clean** each partition once with ``clean_roster``'s ``exclude_persons`` mapping
   (person → that place, as a position in the partition): every rule but
   ``duplicate_person`` only looks at a row or its household, and households never
   cross partitions. A person's rows here go when a row of theirs elsewhere comes
   first — on the assumption that that row is kept until ``duplicate_person``.
4. **Settle**: each partition reports, for those persons, the first of their rows still
   kept when ``duplicate_person`` ran. Where the assumption was wrong (the earlier row
   elsewhere was refused for another reason first), the partition is cleaned again with
   the places of the rows that were kept; which rows are kept until ``duplicate_person``
   does not depend on it, so one more clean settles it.
5. **Check and sum**: a person kept in at most one partition, ``household_key`` and the
   row's place in the global order unique over the whole dataset; every input row in
   exactly one of members or quarantine; the quality tables summed
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
from ..clean import DEFAULT_REFERENCE_DATE
from ..errors import FupinError
from ..salt import default_salt, fingerprint
from .partitions import partition_column, partition_keys
from .quality import sum_quality

__all__ = [
    "MALLOC_MMAP_THRESHOLD",
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

#: ``MALLOC_MMAP_THRESHOLD_`` of the local cluster's workers. Setting the trim threshold
#: turns glibc's dynamic mmap threshold off, so that every array above 128 KiB is a fresh
#: mmap whose pages are faulted in and zeroed again (the cleaner ran 1.2 times slower on
#: a county); 32 MiB is where the dynamic threshold ends on 64-bit systems.
MALLOC_MMAP_THRESHOLD = 32 * 2**20

#: Variables the nanny sets in each worker it starts (see the two above).
_WORKER_ENVIRON = {"MALLOC_TRIM_THRESHOLD_": MALLOC_TRIM_THRESHOLD,
                   "MALLOC_MMAP_THRESHOLD_": MALLOC_MMAP_THRESHOLD}  # fmt: skip

_ORDER = "_order"  # place of a staged row in the global order
_PERSON = "_person"  # the number of the person_key its identity number would get
_POSITION_BITS = 40  # up to 2**40 rows per file
_SOURCE = ["source_file", "source_sheet", "source_row"]
#: What each partition leaves for the global checks, and what must not repeat in it.
_CHECKS = {"households": "household_key", "rows": "row (place in the global order)"}


@dataclass(frozen=True)
class PartitionedClean:
    """What :func:`clean_partitioned` wrote.

    Attributes
    ----------
    out : pathlib.Path
        The output folder: ``members/``, ``households/``, ``quarantine/`` (partitioned
        Parquet datasets), ``quality.csv``, ``sources.csv``, ``clean.json``.
    partitions : pandas.DataFrame
        One row per partition: ``partition``, ``rows``, ``members``, ``households``,
        ``quarantined``, ``excluded`` (persons found first in another partition),
        ``cleaned`` (times the partition was cleaned: 2 where step 4 cleaned it again).
    quality : pandas.DataFrame
        The quality table of the whole roster.
    seconds : dict of str to float
        Wall time of each step: ``stage``, ``persons``, ``clean``, ``settle``,
        ``check``, ``write``.
    """

    out: Path
    partitions: pd.DataFrame
    quality: pd.DataFrame
    seconds: Mapping[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Counts: ``rows_read``, ``members``, ``households``, ``quarantined``,
        ``partitions``."""
        p = self.partitions
        counts = {name: int(p[column].sum()) for name, column in (
            ("rows_read", "rows"), ("members", "members"), ("households", "households"),
            ("quarantined", "quarantined"))}  # fmt: skip
        return counts | {"partitions": len(p)}


# --- on the workers ----------------------------------------------------------------------


def _worker_salt_fingerprint() -> str:
    return fingerprint(default_salt())


@contextmanager
def _private_file(path: Path, mode: int) -> Iterator[Any]:
    """``path`` opened for writing with ``mode`` (whatever the umask), its folder made."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _private_parquet(table: pa.Table, path: Path, mode: int) -> None:
    with _private_file(path, mode) as handle:
        pq.write_table(table, handle)


def _stage_rows(table: pa.Table, path: Path) -> None:
    """Staged rows (read once, then removed) as an Arrow IPC file with LZ4: about half
    the time of Parquet to write and read back, for a larger file."""
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with _private_file(path, 0o600) as handle, pa.ipc.new_file(
        handle, table.schema, options=options
    ) as writer:
        writer.write_table(table)


def _stage_file(
    source: Any, rank: int, staging: str, partition_by: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Read one file; write its rows to ``staging/<partition>/<rank>.arrow`` and the
    persons of its rows to ``staging/_persons/<rank>.parquet`` (0600)."""
    from ..clean.state import READ_AS_CATEGORICAL, identity_hashes
    from ..ingest import combine, load_columns
    from ..ingest.parts import read_parts

    parts = read_parts(
        [source],
        sheet=options["sheet"],
        encoding=options["encoding"],
        columns=load_columns(options["columns"]),
        categorical=READ_AS_CATEGORICAL,  # as clean_roster reads files
    )
    read = [p for p in parts if p.frame is not None]
    entries = [p.entry() for p in parts]
    if not read:
        return {"columns": [], "rows": {}, "sources": entries}
    frame = combine(read)
    columns = list(frame.columns)
    frame[_ORDER] = (np.int64(rank) << _POSITION_BITS) + np.arange(len(frame), dtype=np.int64)
    ids = frame["id_number"] if "id_number" in frame else pd.Series(pd.NA, index=frame.index)
    frame[_PERSON] = identity_hashes(ids.astype("str"), options["reference_date"], default_salt())
    keys = partition_keys(frame["household_id"], partition_by)
    rows = {}
    for key, part in frame.groupby(keys, sort=True, observed=True):
        table = pa.Table.from_pandas(part, preserve_index=False)
        _stage_rows(table, Path(staging) / key / f"{rank:06d}.arrow")
        rows[key] = len(part)
    valid = frame[_PERSON].notna().to_numpy()
    persons = pa.table({
        "person": pa.array(frame[_PERSON].to_numpy(dtype=np.uint64, na_value=0)[valid]),
        "partition": pa.array(keys[valid]),
        "order": pa.array(frame[_ORDER].to_numpy()[valid])})  # fmt: skip
    _private_parquet(persons, Path(staging) / "_persons" / f"{rank:06d}.parquet", 0o600)
    return {"columns": columns, "rows": rows, "sources": entries}


def _first_elsewhere(firsts: pd.DataFrame, at: str) -> pd.DataFrame:
    """Per (person, partition) of persons in several partitions, the first place ``at``
    of the person in the other partitions (``elsewhere``).

    ``firsts`` has one row per (``person``, ``partition``) with that partition's first
    place ``at``; the rows of persons in one partition only are dropped.

    Examples
    --------
    >>> firsts = pd.DataFrame({"person": [7, 7, 7, 9], "partition": ["a", "b", "c", "a"],
    ...                        "order": [5, 2, 8, 1]})
    >>> _first_elsewhere(firsts, "order").values.tolist()
    [[7, 'b', 5], [7, 'a', 2], [7, 'c', 2]]
    """
    firsts = firsts[firsts["person"].duplicated(keep=False)]
    firsts = firsts.sort_values(["person", at], kind="stable").reset_index(drop=True)
    leads = ~firsts["person"].duplicated().to_numpy()  # each person's first partition
    lead_rows = np.flatnonzero(leads)
    person_of = np.cumsum(leads) - 1
    places = firsts[at].to_numpy(dtype=np.int64)  # integers: a place needs all 63 bits
    first, second = places[lead_rows][person_of], places[lead_rows + 1][person_of]
    elsewhere = np.where(leads, second, first)
    return pd.DataFrame({"person": firsts["person"].to_numpy(),
                         "partition": firsts["partition"].astype("str").to_numpy(),
                         "elsewhere": elsewhere})  # fmt: skip


def _persons_across(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`_first_elsewhere` of one part of the shuffle (every row of its persons)."""
    firsts = frame.groupby(["person", "partition"], observed=True, as_index=False)["order"].min()
    return _first_elsewhere(firsts, "order")


def _staged(key: str, staging: str, columns: Sequence[str]) -> pd.DataFrame:
    """The staged rows of a partition, in the global order, as ``read_roster`` gives them
    (the categoricals of several files made one)."""
    tables = []
    for path in sorted((Path(staging) / key).glob("*.arrow")):
        with pa.OSFile(str(path)) as source:
            tables.append(pa.ipc.open_file(source).read_all())
    frame = pa.concat_tables(tables, promote_options="permissive").to_pandas()
    absent = [name for name in columns if name not in frame.columns]  # in other files only
    frame = frame.reindex(columns=[*columns, _ORDER, _PERSON])
    frame[absent] = frame[absent].astype("str")
    frame.attrs = {"sources": []}  # read_roster's frame: taken as it is
    return frame


def _clean_partition(
    key: str,
    staging: str,
    out: str,
    partition_by: str,
    columns: Sequence[str],
    options: Mapping[str, Any],
    persons: np.ndarray,
    elsewhere: np.ndarray,
) -> dict[str, Any]:
    """Clean one partition, its ``persons`` found elsewhere first at the places
    ``elsewhere``; write its three tables and what the global checks need."""
    from ..clean import clean_rows
    from ..clean.keys import hex_keys
    from ..schema import REASONS, key_numbers

    frame = _staged(key, staging, columns)
    order = frame.pop(_ORDER).to_numpy()
    person = frame.pop(_PERSON).to_numpy(dtype=np.uint64, na_value=0)
    valid = person != 0
    if len(order) > 1 and not (np.diff(order) > 0).all():
        raise FupinError(f"partition {key}: staged rows out of the global order")
    before = np.searchsorted(order, elsewhere)  # in this partition's positions
    exclude = dict(zip(hex_keys(persons).tolist(), before.tolist(), strict=True))
    result, rows = clean_rows(frame, reference_date=options["reference_date"],
                              reference=options["reference"], exclude_persons=exclude)  # fmt: skip
    kept = rows.reason == 0
    if not np.array_equal(key_numbers(result.members["person_key"]), person[kept]):
        raise FupinError(f"partition {key}: person keys of staging and cleaning differ")
    # kept until duplicate_person: the rows a first occurrence may be
    candidate = (kept | (rows.reason == REASONS.index("duplicate_person") + 1)) & valid
    across = candidate & (pd.Index(persons).get_indexer(person) >= 0)
    first = pd.DataFrame({"person": person[across], "order": order[across],
                          "kept": kept[across]}).groupby("person", as_index=False).agg(
        order=("order", "min"), kept=("kept", "any"))  # fmt: skip
    first["partition"] = key
    found_before = dict(zip(persons.tolist(), elsewhere.tolist(), strict=True))
    excluded = int((first["order"] >= first["person"].map(found_before)).sum())
    folder = f"{partition_column(partition_by)}={key}"
    for table, mode in zip(TABLES, (0o644, 0o644, 0o600), strict=True):
        data = pa.Table.from_pandas(getattr(result, table), preserve_index=False)
        if options["synthetic"]:
            data = data.replace_schema_metadata({**data.schema.metadata, b"synthetic": b"true"})
        _private_parquet(data, Path(out) / table / folder / "part-0.parquet", mode)
    checks = {"households": key_numbers(result.households["household_key"]), "rows": order}
    for name, values in checks.items():
        _private_parquet(pa.table({"value": values}),
                         Path(staging) / "_checks" / name / f"{key}.parquet", 0o600)  # fmt: skip
    return {
        "partition": key,
        "rows": len(frame),
        "members": len(result.members),
        "quarantined": len(result.quarantine),
        "households": len(result.households),
        "excluded": excluded,
        "first": first,
        "quality": result.quality,
        "fingerprint": result.cleaning["salt_fingerprint"],
        "reference": result.cleaning["reference"],
        "fields": sorted(result.fields),
    }


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
    memory limit, glibc's trim and mmap thresholds set, no statistical profiler), closed
    at the end; its workers read the salt from ``salt_file`` when given (else
    ``FUPIN_SALT`` or the installation's)."""
    import dask
    from distributed import Client, LocalCluster

    env = {"FUPIN_SALT_FILE": str(salt_file)} if salt_file else {}
    # the shuffle's scheduler plugin logs each shuffle's start and end as warnings
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    settings = {f"distributed.nanny.pre-spawn-environ.{name}": value
                for name, value in _WORKER_ENVIRON.items()}  # fmt: skip
    # the statistical profiler samples the task's thread every 10 ms: ~10% of a clean
    settings["distributed.worker.profile.enabled"] = False
    # a variable of this process overrides those settings, and every nanny leaves its
    # own values (65,536 by default) in this process: ours must be there while they spawn
    before = {name: os.environ.get(name) for name in _WORKER_ENVIRON}
    os.environ.update({name: str(value) for name, value in _WORKER_ENVIRON.items()})
    try:
        with dask.config.set(settings):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0", env=env,
                                   memory_limit=0)  # fmt: skip
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
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


#: Up to this many rows, a step's Dask computation uses the task-based shuffle and tree
#: reductions (faster on small data; 80 MB of values in the last task); beyond, the P2P
#: shuffle, whose memory stays flat.
_SMALL = 10_000_000


def _repeats(client: Any, paths: Sequence[Path], sizes: Sequence[int]) -> list[int]:
    """Per dataset of ``paths`` (of ``sizes`` values), the values of its ``value`` column
    that repeat another's (one Dask computation for all)."""
    import dask.dataframe as dd

    values = [dd.read_parquet(str(path))["value"] for path in paths]
    counted = client.compute([c for v, n in zip(values, sizes, strict=True) for c in (
        v.size, v.nunique(split_out=1 if n <= _SMALL else True))], sync=True)  # fmt: skip
    return [int(size - distinct) for size, distinct in zip(*[iter(counted)] * 2, strict=True)]


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
               "reference_date": reference_date or DEFAULT_REFERENCE_DATE,
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

    persons = dd.read_parquet(str(staging / "_persons"))
    method = "tasks" if rows_in.sum() <= _SMALL else "p2p"
    across = persons.shuffle("person", shuffle_method=method).map_partitions(
        _persons_across, meta={"person": "uint64", "partition": "str", "elsewhere": "int64"})
    across = client.compute(across, sync=True)
    step("persons")

    def clean(partitions: list[str], found: pd.DataFrame) -> dict[str, dict]:
        by_partition = dict(tuple(found.groupby("partition")))
        empty = found.iloc[:0]
        futures = [client.submit(
            _clean_partition, key, str(staging), str(out), partition_by, names, options,
            by_partition.get(key, empty)["person"].to_numpy(dtype=np.uint64),
            by_partition.get(key, empty)["elsewhere"].to_numpy(dtype=np.int64), pure=False)
            for key in partitions]  # fmt: skip
        return {r["partition"]: r for r in client.gather(futures)}

    done = clean(keys, across)
    cleaned = dict.fromkeys(keys, 1)
    step("clean")
    settled = _settled(across, pd.concat([r["first"] for r in done.values()]))
    again = sorted(set(settled.loc[settled["wrong"], "partition"]))
    if again:
        found = settled.loc[settled["partition"].isin(again)].dropna(subset=["elsewhere"])
        done |= clean(again, found)
        cleaned |= dict.fromkeys(again, 2)
    step("settle")
    results = [done[k] for k in keys]
    _check(client, staging, results, rows_in, salt_fingerprint)
    step("check")
    quality = sum_quality([r["quality"] for r in results])
    columns = ("partition", "rows", "members", "households", "quarantined", "excluded")
    partitions = pd.DataFrame([{k: r[k] for k in columns} for r in results])
    partitions["cleaned"] = partitions["partition"].map(cleaned)
    result = PartitionedClean(out, partitions, quality, seconds)
    fields = sorted({f for r in results for f in r["fields"]})
    [reference] = {r["reference"] for r in results}  # the folder the workers resolved
    _write_tables(result, staged, options, salt, salt_fingerprint, partition_by, fields,
                  reference)  # fmt: skip
    step("write")
    return result


def _settled(assumed: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """Per (person, partition) of persons in several partitions, where they are first
    found elsewhere among the rows kept until ``duplicate_person`` (``elsewhere``), and
    whether the clean that assumed every row kept (``assumed``) decided otherwise
    (``wrong``): the person's first such row here (``first``) was on one side of the
    assumed place and is on the other side of the settled one (missing: no such row
    elsewhere, the person stays here).

    Examples
    --------
    >>> assumed = pd.DataFrame({"person": [7, 7], "partition": ["a", "b"],
    ...                         "elsewhere": [2, 5]})
    >>> first = pd.DataFrame({"person": [7], "partition": ["a"], "order": [5]})
    >>> _settled(assumed, first).values.tolist()  # b's row 2 was refused first: a keeps 7
    [[7, 'a', <NA>, True], [7, 'b', <NA>, False]]
    """
    settled = _first_elsewhere(first, "order")
    here = first.set_index(["person", "partition"])["order"]
    settled_here = settled.set_index(["person", "partition"])
    was = assumed.set_index(["person", "partition"])["elsewhere"]
    at = here.reindex(was.index)  # missing: no row of the person kept here until then
    now = settled_here["elsewhere"].reindex(was.index)
    excluded_then = at.ge(was)
    excluded_now = at.ge(now) & now.notna()
    wrong = at.notna() & (excluded_then != excluded_now)
    table = now.astype("Int64").rename("elsewhere").reset_index()
    table["wrong"] = wrong.to_numpy()
    return table


def _check(client, staging: Path, results: list[dict], rows_in: pd.Series, salt_fp: str) -> None:
    for r in results:
        if r["rows"] != rows_in[r["partition"]] or r["rows"] != r["members"] + r["quarantined"]:
            raise FupinError(f"partition {r['partition']}: rows lost between reading and "
                             "the clean tables")  # fmt: skip
        if r["fingerprint"] != salt_fp:
            raise FupinError("a worker changed its salt during the run; run again")
    first = pd.concat([r["first"] for r in results])
    kept_twice = first.loc[first["kept"], "person"].duplicated().sum()
    if kept_twice:
        raise FupinError(f"{kept_twice} persons kept in two partitions: person_key repeats")
    sizes = [sum(r["households"] for r in results), int(rows_in.sum())]
    repeats = _repeats(client, [staging / "_checks" / name for name in _CHECKS], sizes)
    for what, repeated in zip(_CHECKS.values(), repeats, strict=True):
        if repeated:
            raise FupinError(f"{repeated} values of {what} repeat another's over the partitions")


def _write_tables(
    result, staged, options, salt, salt_fingerprint, partition_by, fields, reference
) -> None:
    from ..clean.origin import sources_frame
    from ..clean.outputs import TOOL
    from ..excel import defuse_frame

    sources = sources_frame([e for s in staged for e in s["sources"]])  # as clean_roster's
    texts = {
        "quality.csv": defuse_frame(result.quality).to_csv(index=False),
        "sources.csv": defuse_frame(sources).to_csv(index=False),
        "clean.json": json.dumps({
            "tool": f"{TOOL} (dask)", "version": __version__, **result.summary(),
            "fields": fields, "partition_by": partition_by,
            "partition_keys": result.partitions["partition"].tolist(),
            "synthetic": options["synthetic"],
            "salt": "installation" if salt is None else "given",
            "salt_fingerprint": salt_fingerprint, "reference": reference,
            "reference_date": options["reference_date"],
            "tables": list(TABLES)}, ensure_ascii=False, indent=1) + "\n",
    }  # fmt: skip
    for name, text in texts.items():
        (result.out / name).write_text(text, encoding="utf-8")
