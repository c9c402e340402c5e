"""fupin_analysis: township-level analysis of targeted poverty alleviation (精准扶贫) data.

The package cleans registration (建档立卡) rosters and village geography, and provides
the analysis functions behind the project's notebooks. See ``docs/architecture.md``.
"""

from __future__ import annotations

from ._version import __version__
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
