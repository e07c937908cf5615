"""Helpers behind the learning-in-memory energy workbench.

The package holds every piece of logic the book's notebooks use: the
thermodynamic bounds, the sourced data sets, the energy ledger and the tools
that build the book and rerun its chapters.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lim-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
