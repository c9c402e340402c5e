"""The project's exception family.

Every error a user can cause derives from :class:`FupinError`. Its message is one line
that names the file, sheet, row and column where it can, and says what to do; the CLI
prints that line and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "FupinError",
    "RosterFormatError",
    "GeographyError",
    "ReferenceDataError",
    "ConfigError",
    "PrivacyError",
]


class FupinError(Exception):
    """Base class of every error this package raises on purpose."""


class RosterFormatError(FupinError):
    """A roster file cannot be read as a roster (format, sheet, headers, encoding)."""


class GeographyError(FupinError):
    """A geography file or layer cannot be used (datum, CRS, layer, columns)."""


class ReferenceDataError(FupinError):
    """A reference table under ``data/reference/`` is missing or fails validation."""


class ConfigError(FupinError, ValueError):
    """A report configuration (``reports.yml``) or parameter is invalid."""


class PrivacyError(FupinError):
    """Personal data (names, ID numbers, phone numbers) found where it must not be."""
