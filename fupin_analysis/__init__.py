"""fupin_analysis: township-level analysis of targeted poverty alleviation (精准扶贫) data.

The package cleans registration (建档立卡) rosters and village geography, and provides
the analysis functions behind the project's notebooks. See ``docs/architecture.md``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .clean import CleanRoster, clean_roster
from .errors import (
    ConfigError,
    FupinError,
    GeographyError,
    PrivacyError,
    ReferenceDataError,
    RosterFormatError,
)
from .ingest import read_roster

try:
    __version__ = version("fupin_analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "CleanRoster",
    "clean_roster",
    "read_roster",
    "ConfigError",
    "FupinError",
    "GeographyError",
    "PrivacyError",
    "ReferenceDataError",
    "RosterFormatError",
]
