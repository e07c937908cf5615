"""Where the project's folders are.

The package is installed in editable mode from a clone, so the repository
root is the parent of the package folder. Every function here returns an
absolute :class:`pathlib.Path`.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent


def repo_root() -> Path:
    """The repository root (holds ``book/``, ``notebooks/`` and ``data/``)."""
    return REPO_ROOT


def book_dir(root: Path | None = None) -> Path:
    """The folder with the book's ``_config.yml`` and ``_toc.yml``."""
    return (root or REPO_ROOT) / "book"


def notebooks_dir(root: Path | None = None) -> Path:
    """The folder with the executable chapters (MyST Markdown notebooks)."""
    return (root or REPO_ROOT) / "notebooks"


def data_dir(root: Path | None = None) -> Path:
    """The folder with the sourced data sets."""
    return (root or REPO_ROOT) / "data"
