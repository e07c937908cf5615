"""Shared fixtures: the repository, and one from-scratch build of the book."""

import shutil
from pathlib import Path

import pytest

from lim_analysis.paths import repo_root

_NOT_SOURCE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "_build",
    "outputs",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
)


@pytest.fixture(scope="session")
def repo() -> Path:
    return repo_root()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, repo) -> Path:
    """Copy the source tree to a temporary folder and build the book there.

    Built once per test session, from nothing (no HTML, no execution cache),
    strict: any cell error or Sphinx warning fails it. Returns the folder
    holding the HTML.
    """
    from lim_analysis.book import build_book

    source = tmp_path_factory.mktemp("book-source") / "repo"
    shutil.copytree(repo, source, ignore=_NOT_SOURCE)
    index = build_book(source, execute=True, clean=True, quiet=True)
    return index.parent
