"""The installed version of fupin_analysis (what clean folders and reports record)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fupin_analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
