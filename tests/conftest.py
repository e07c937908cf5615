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


def pytest_terminal_summary(terminalreporter):
    """End the run with what a person must know: skipped browser tests, and
    the lines tests recorded as ``summary`` properties (where to look)."""
    stats = terminalreporter.stats
    skipped = sorted(
        {
            report.longrepr[2]
            for report in stats.get("skipped", [])
            if isinstance(report.longrepr, tuple)
            and "BROWSER TESTS NOT RUN" in report.longrepr[2]
        }
    )
    if skipped:
        terminalreporter.write_sep("!", "THE BROWSER TESTS DID NOT RUN", red=True)
        for reason in skipped:
            terminalreporter.write_line(reason, red=True)
    notes = sorted(
        {
            value
            for key in ("passed", "failed")
            for report in stats.get(key, [])
            for name, value in getattr(report, "user_properties", ())
            if name == "summary"
        }
    )
    if notes:
        terminalreporter.write_sep("-", "where to look")
        for note in notes:
            terminalreporter.write_line(note)
