"""The ``fupin`` command: ``synth``, ``inspect``, ``clean``, ``report``, ``check``, ``init``,
``panel``.

Errors of the :class:`~fupin_analysis.errors.FupinError` family are printed as one line
on stderr and exit with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .errors import FupinError

__all__ = ["main", "build_parser"]


def _cmd_synth(args: argparse.Namespace) -> int:
    from . import synth

    seed = synth.DEFAULT_SEED if args.seed is None else args.seed
    province = (args.province, args.counties, args.duplicates, args.per_county)
    if province != (None, None, None, False):
        if args.households is None:
            raise FupinError("--province, --counties, --duplicates and --per-county are of "
                             "the scale mode: give --households too")  # fmt: skip
        files = synth.write_province(
            args.out, args.households, province=args.province or "43",
            counties=args.counties or 10, duplicates=200 if args.duplicates is None
            else args.duplicates, per_county=args.per_county, seed=seed)  # fmt: skip
    elif args.households is not None:
        files = synth.write_scale(args.out, args.households, seed=seed)
    else:
        files = synth.write_dataset(args.out, seed=seed)
    for path in files:
        print(path)
    return 0


def _sources_lines(sources: list[dict]) -> list[str]:
    """One line per file or sheet read or skipped."""
    lines = []
    for entry in sources:
        where = entry["file"] + (f", sheet {entry['sheet']}" if entry["sheet"] else "")
        if entry["status"] == "read":
            merged = entry.get("merged_columns") or []
            note = f"; merged columns {', '.join(merged)}" if merged else ""
            lines.append(f"read     {where}: {entry['rows']} rows{note}")
        else:
            lines.append(f"skipped  {where}: {entry['status'].removeprefix('skipped: ')}")
    return lines


def _clean_on_dask(args: argparse.Namespace) -> int:
    """``fupin clean --engine dask``: partitioned cleaning (docs/scale.md)."""
    try:
        from distributed import Client

        from .scale import clean_partitioned
    except ImportError:
        raise FupinError("--engine dask needs the scale extra: pip install "
                         "'fupin_analysis[scale]'") from None  # fmt: skip
    from .project import reference_folder

    reference = reference_folder(args.reference) if args.reference else None
    options = {"salt": args.salt, "reference": reference, "sheet": args.sheet,
               "encoding": args.encoding, "columns": args.columns,
               "partition_by": args.partition_by or "county"}  # fmt: skip
    if args.scheduler is None:
        result = clean_partitioned(args.input, args.out, **options)
    else:
        try:
            client = Client(args.scheduler, timeout=10)
        except (OSError, TimeoutError, ValueError) as exc:
            raise FupinError(f"--scheduler {args.scheduler}: cannot connect ({exc})") from None
        with client:
            result = clean_partitioned(args.input, args.out, client=client, **options)
    summary = result.summary()
    print(f"{summary['rows_read']} rows read, {summary['members']} members, "
          f"{summary['quarantined']} quarantined, in {summary['partitions']} partitions "
          f"by {options['partition_by']} → {result.out}")  # fmt: skip
    print(result.partitions.to_string(index=False))
    return 0


def _cmd_clean(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        return _clean_on_dask(args)
    if args.engine != "single":
        raise FupinError(f"--engine {args.engine}: give single (default) or dask")
    if args.scheduler is not None or args.partition_by is not None:
        raise FupinError("--scheduler and --partition-by are options of --engine dask")
    from .clean import clean_roster, format_summary, write_outputs
    from .clean.state import read_raw
    from .project import reference_folder

    reference = reference_folder(args.reference) if args.reference else None
    raw = read_raw(args.input, args.sheet, args.encoding, args.columns)
    kwargs = {} if args.salt is None else {"salt": args.salt}
    result = clean_roster(raw, reference=reference, **kwargs)
    written = write_outputs(result, args.out)
    print(format_summary(result, " ".join(str(i) for i in args.input), written))
    print("\n".join(_sources_lines(raw.attrs.get("sources", []))))
    unknown = result.quarantine["reason"].eq("unknown_village")
    if unknown.any():
        project = args.reference or "<project folder>"
        print(
            f"{int(unknown.sum())} rows of unknown villages: the closest names are in "
            "quality.csv (unknown_village) and in the quarantine's detail; record a decision "
            f"with `fupin init --add-name NAME=CODE --out {project}`, then clean again"
        )
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .ingest.inspect import inspect_roster

    found = inspect_roster(
        args.input, sheet=args.sheet, encoding=args.encoding, columns=args.columns
    )
    print(found.report())
    if not found.ready:
        raise FupinError(f"cannot be cleaned: {found.problems[0]}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    import pandas as pd

    from .report import parse_overrides, run_report

    run = run_report(
        args.config,
        out=args.out,
        jobs=args.jobs,
        only=args.only,
        overrides=parse_overrides(args.param),
        villages=args.villages,
    )
    print(run.summary.astype({"failed_cell": "string"}).fillna("").to_string(index=False))
    print(f"report: {run.run_dir / 'index.html'} ({run.seconds:.0f} s)")
    failed = [
        f"{r.job} (cell {'?' if pd.isna(r.failed_cell) else r.failed_cell}: {r.error[:80]})"
        for r in run.failed.itertuples()
    ]
    problems = []
    if failed:
        problems.append(
            f"{len(failed)} of {len(run.summary)} notebooks failed: {', '.join(failed)}; "
            f"executed notebooks in {run.run_dir / 'notebooks'}"
        )
    if not run.privacy.empty:
        first = run.privacy.iloc[0]
        problems.append(
            f"privacy check: {len(run.privacy)} hits, first {first.kind} in {first.file} "
            f"({first.location}); run `fupin check {run.run_dir}` for all"
        )
    if problems:
        raise FupinError("; ".join(problems))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .errors import PrivacyError
    from .privacy import roster_names, scan

    if not args.path.exists():
        raise FupinError(f"{args.path}: no such file or folder (looked for {args.path.absolute()})")
    names = roster_names(args.roster) if args.roster else None
    hits = scan(args.path, names=names)
    scanned, not_read = hits.attrs["files_scanned"], hits.attrs["not_read"]
    for file, reason in not_read:
        print(f"not read: {file}: {reason}")
    if hits.empty:
        skipped = f", {len(not_read)} not read (listed above)" if not_read else ""
        print(f"fupin check: no personal data found in {args.path} ({scanned} files{skipped})")
        return 0
    print(hits.to_string(index=False))
    unreadable = hits["kind"] == "unreadable"
    problems = []
    if not unreadable.all():
        found = hits[~unreadable]
        first = found.iloc[0]
        problems.append(
            f"{len(found)} personal-data hits in {found['file'].nunique()} of {scanned} files, "
            f"first {first.kind} in {first.file} ({first.location}); remove them from the outputs"
        )
    if unreadable.any():
        bad = hits[unreadable]
        first = bad.iloc[0]
        problems.append(
            f"{bad['file'].nunique()} files could not be read, so are not known to be clean, "
            f"first {first.file} ({first.location}: {first.value})"
        )
    raise PrivacyError(f"{args.path}: " + "; ".join(problems))


def _cmd_init(args: argparse.Namespace) -> int:
    from .divisions import find_division
    from .project import add_names, init_project, reference_folder

    if not args.township and not args.add_name:
        raise FupinError("name a township or county to write a project folder, or give --add-name")
    if args.township:
        query = " ".join(args.township)
        folder = init_project(query, args.out)
        print(f"{find_division(query).label}: project folder {folder}")
        print(f"next steps: {folder / 'README.md'}")
    if args.add_name:
        decided = add_names(args.out, args.add_name)
        crosswalk = reference_folder(args.out) / "crosswalk.csv"
        for row in decided.itertuples():
            what = "added" if row.added else "already there"
            print(f"{what}: {row.name} → {row.code} ({row.unit}) in {crosswalk}")
    return 0


def _cmd_panel(args: argparse.Namespace) -> int:
    from .panel import link_panel, parse_rosters
    from .panel.outputs import format_panel_summary, write_panel

    rosters = parse_rosters(args.rosters)
    panel = link_panel(rosters, salt=args.salt, reference=args.reference)
    written = write_panel(panel, args.out)
    print(format_panel_summary(panel, written))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fupin`` command."""
    parser = argparse.ArgumentParser(
        prog="fupin",
        description="Clean and analyse targeted poverty alleviation (精准扶贫) roster data.",
    )
    parser.add_argument("--version", action="version", version=f"fupin_analysis {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("synth", help="(re)generate the embedded synthetic township dataset")
    p.add_argument("--out", type=Path, default=Path("data/raw"), help="output folder")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the dataset's)")
    p.add_argument(
        "--households",
        type=int,
        default=None,
        help="scale mode: write about this many households over many townships (CSV, parquet)",
    )
    p.add_argument("--province", default=None,
                   help="scale mode over the counties of this province (2 digits; default 43)")
    p.add_argument("--counties", type=int, default=None,
                   help="scale mode: spread the households over this many counties (default 10)")
    p.add_argument("--duplicates", type=int, default=None,
                   help="scale mode: cross-county duplicate persons planted per county "
                   "(default 200)")
    p.add_argument("--per-county", action="store_true",
                   help="scale mode over counties: a CSV file per county")  # fmt: skip
    p.set_defaults(func=_cmd_synth)

    def roster_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "input",
            type=Path,
            nargs="+",
            help="roster files (.xlsx, .xls, .csv, .parquet) and folders of them, read together",
        )
        p.add_argument(
            "--sheet", default=None, help="read only this sheet (default: every roster sheet)"
        )
        p.add_argument("--encoding", default=None, help="CSV encoding (default: detected)")
        p.add_argument(
            "--columns",
            type=Path,
            default=None,
            metavar="MAPPING.yml",
            help="YAML file of 'header: column' lines for headers not understood",
        )

    p = sub.add_parser(
        "inspect",
        help="show how a roster's sheets and headers are understood and what is missing "
        "(writes nothing)",
    )
    roster_arguments(p)
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser("clean", help="clean roster exports into members/households tables")
    roster_arguments(p)
    p.add_argument(
        "--reference",
        type=Path,
        default=None,
        help="reference folder (or project folder) of `fupin init` (default: the embedded "
        "寨市乡 tables or FUPIN_DATA_DIR)",
    )
    p.add_argument("--salt", default=None, help="salt of the pseudonymous keys")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--engine", default="single",
                   help="single (default: one process) or dask (partitioned, docs/scale.md)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="--engine dask: the Dask scheduler (default: 2 local workers)")
    p.add_argument("--partition-by", default=None,
                   help="--engine dask: county (default) or township, of the 户编号")  # fmt: skip
    p.set_defaults(func=_cmd_clean)

    p = sub.add_parser("report", help="run the report notebooks listed in a config")
    p.add_argument("--config", type=Path, default=Path("reports.yml"))
    p.add_argument("--out", type=Path, default=None, help="report folder (default: reports/<run>)")
    p.add_argument("--jobs", type=int, default=None, help="notebooks run at once")
    p.add_argument("--only", default=None, help="run only this notebook (name in the config)")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter (repeatable)",
    )
    p.add_argument(
        "--villages",
        default=None,
        help="fan-out of the village profile: all, designated, or CODE,CODE,...",
    )
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "check",
        help="scan a folder for personal data (IDs, phones, names); exit 2 on a hit or an "
        "unreadable file",
    )
    p.add_argument("path", type=Path, help="folder or file to scan")
    p.add_argument("--roster", type=Path, default=None, help="roster whose names to look for")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("init", help="write a project folder for any township or county of China")
    p.add_argument(
        "township",
        nargs="*",
        help="code (9 or 12 digits; 6 for a county) or name, optionally with county, city or "
        "province words: 寨市乡, 西江镇 雷山县, 430527203",
    )
    p.add_argument(
        "--out", type=Path, required=True, help="project folder to write (or to add names to)"
    )
    p.add_argument(
        "--add-name",
        action="append",
        default=[],
        metavar="NAME=CODE",
        help="record that a village name of your roster means this unit (code or known name) "
        "in the folder's reference/crosswalk.csv (repeatable)",
    )
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser(
        "panel",
        help="link yearly rosters into person-year and household-year tables (and a private "
        "linkage report beside --out)",
    )
    p.add_argument(
        "rosters",
        nargs="+",
        metavar="YEAR=FILE",
        help="a roster per year, YEAR=FILE or YEAR:FILE (repeat a year for a roster in "
        "several files)",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--salt", default=None, help="salt of the pseudonymous keys (every year)")
    p.add_argument("--reference", type=Path, default=None, help="reference folder (fupin init)")
    p.set_defaults(func=_cmd_panel)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fupin`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except FupinError as exc:
        if args.debug:
            raise
        print(f"fupin {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, permission denied, … while writing outputs
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"fupin {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"fupin {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
