import subprocess
import sys

import pytest

import lim_analysis
from lim_analysis import cli


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "lim_analysis.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_version_matches_installed_metadata():
    from importlib.metadata import version

    assert lim_analysis.__version__ == version("lim-analysis")


def test_console_script_reports_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"lim-analysis {lim_analysis.__version__}"


def test_help_lists_build():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "build" in result.stdout


def test_missing_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])
    assert exit_info.value.code == 2


def test_build_of_a_folder_without_a_book_fails_clearly(tmp_path):
    result = run_cli("build", "--root", str(tmp_path))
    assert result.returncode == 1
    assert "_config.yml" in result.stderr
    assert not (tmp_path / "book").exists()
