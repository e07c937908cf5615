"""Building the HTML book with Jupyter Book 1.

The repository root is the book's source tree; ``book/`` holds the
configuration, the table of contents and the prose pages, ``notebooks/`` the
executable chapters. The HTML lands in ``book/_build/html``.
"""

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from lim_analysis.paths import book_dir, repo_root

log = logging.getLogger(__name__)


class BookBuildError(RuntimeError):
    """The book did not build: a cell failed or Sphinx warned."""


def _jupyter_book_executable() -> str:
    beside = Path(sys.executable).with_name("jupyter-book")
    if beside.exists():
        return str(beside)
    found = shutil.which("jupyter-book")
    if found is None:
        raise BookBuildError(
            "jupyter-book is not installed in this environment; "
            "run 'make book' or 'pip install -e .'"
        )
    return found


def build_dir(root: Path | None = None) -> Path:
    """The folder the build writes to (``book/_build``)."""
    return book_dir(root) / "_build"


def _config_for_run(root: Path, execute: bool) -> Path:
    config = book_dir(root) / "_config.yml"
    if execute:
        return config
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings.setdefault("execute", {})["execute_notebooks"] = "off"
    target = build_dir(root) / "_config.no-execute.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return target


def build_book(
    root: Path | None = None,
    *,
    execute: bool = True,
    clean: bool = False,
    strict: bool = True,
    quiet: bool = False,
) -> Path:
    """Build the HTML book and return the path of its ``index.html``.

    Parameters
    ----------
    root : path, optional
        Repository root to build from; the installed clone by default.
    execute : bool
        Execute the notebooks (through the jupyter-cache, so unchanged
        notebooks are not run again). With ``False`` code cells keep no
        output.
    clean : bool
        Remove ``book/_build`` (HTML and execution cache) first.
    strict : bool
        Fail on any Sphinx warning or cell error (``-n -W --keep-going``).
    quiet : bool
        Pass ``--quiet`` to Sphinx.

    Raises
    ------
    BookBuildError
        If the build fails; the message points at the build log.
    """
    root = Path(root or repo_root()).resolve()
    if not (book_dir(root) / "_config.yml").is_file():
        raise BookBuildError(f"no book configuration at {book_dir(root)}/_config.yml")
    if clean and build_dir(root).exists():
        log.info("removing %s", build_dir(root))
        shutil.rmtree(build_dir(root))

    command = [
        _jupyter_book_executable(),
        "build",
        str(root),
        "--config",
        str(_config_for_run(root, execute)),
        "--toc",
        str(book_dir(root) / "_toc.yml"),
        "--path-output",
        str(book_dir(root)),
    ]
    if strict:
        command += ["-n", "-W", "--keep-going"]
    if quiet:
        command.append("--quiet")
    log.info("building the book from %s", root)
    completed = subprocess.run(command, cwd=root, check=False)
    index = build_dir(root) / "html" / "index.html"
    if completed.returncode != 0 or not index.is_file():
        raise BookBuildError(
            f"the book build failed (exit {completed.returncode}); "
            f"see the messages above and the reports in {build_dir(root)}/html/reports"
        )
    log.info("built %s", index)
    return index
