"""Writing the clean tables and the one-screen summary ``fupin clean`` prints."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import RosterFormatError
from .result import CleanRoster

__all__ = ["format_summary", "write_outputs"]


def write_outputs(result: CleanRoster, out_dir: str | Path) -> dict[str, Path]:
    """Write the clean tables into ``out_dir`` (created if missing).

    ``members.parquet``, ``households.parquet``, ``quarantine.parquet`` (file mode 0600:
    it holds raw personal data) and ``quality.csv`` (UTF-8).

    Returns
    -------
    dict
        Table name → path written.

    Examples
    --------
    >>> import tempfile
    >>> from fupin_analysis.clean import clean_roster
    >>> from fupin_analysis.reference import data_dir
    >>> result = clean_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv")
    >>> paths = write_outputs(result, tempfile.mkdtemp())
    >>> sorted(paths), oct(paths["quarantine"].stat().st_mode & 0o777)
    (['households', 'members', 'quality', 'quarantine'], '0o600')
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RosterFormatError(
            f"{out}: cannot create the output folder ({exc.strerror})"
        ) from None
    paths = {
        "members": out / "members.parquet",
        "households": out / "households.parquet",
        "quarantine": out / "quarantine.parquet",
        "quality": out / "quality.csv",
    }
    result.members.to_parquet(paths["members"], index=False)
    result.households.to_parquet(paths["households"], index=False)
    target = paths["quarantine"]
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
    with os.fdopen(fd, "wb") as handle:
        result.quarantine.to_parquet(handle, index=False)
    result.quality.to_csv(paths["quality"], index=False, encoding="utf-8")
    return paths


def format_summary(result: CleanRoster, source: str | Path, written: dict[str, Path]) -> str:
    """One screen of text: counts, refused rows by reason, rules that touched rows.

    Examples
    --------
    >>> from fupin_analysis.clean import clean_roster
    >>> from fupin_analysis.reference import data_dir
    >>> result = clean_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv")
    >>> print(format_summary(result, "roster.csv", {}).splitlines()[0])
    roster.csv: 6102 rows read
    """
    s = dict(zip(result.summary()["item"], result.summary()["value"], strict=True))
    lines = [
        f"{source}: {s['rows_read']} rows read",
        f"  members     {s['members']:>9}  ({s['households']} households)",
        f"  quarantined {s['quarantined']:>9}  ({s['quarantined_persons']} of them real persons)",
    ]
    reasons = result.quarantine["reason"].value_counts()
    for reason, count in reasons.items():
        lines.append(f"    {reason:<22}{count:>7}")
    lines.append("rules that touched rows:")
    for rule in result.quality.itertuples():
        if rule.rows and not rule.action.startswith("quarantined"):
            lines.append(f"  {rule.rule:<26}{rule.rows:>7}  {rule.action}")
    for name, path in written.items():
        lines.append(f"wrote {name:<11} {path}")
    return "\n".join(lines)
