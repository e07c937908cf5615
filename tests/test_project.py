"""The project's own files agree with each other and pass the linter."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml


def _name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject(repo):
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    # The conda environment is the whole workbench: every extra is in it.
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        wanted |= {_name(r) for r in extra}

    env = yaml.safe_load((repo / "environment.yml").read_text())
    listed = set()
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            listed |= {_name(r) for r in entry["pip"] if not r.startswith("-e")}
        else:
            listed.add(_name(entry))
    listed -= {"python", "pip"}

    assert listed == wanted, (
        f"only in pyproject: {sorted(wanted - listed)}; "
        f"only in environment.yml: {sorted(listed - wanted)}"
    )


def test_environment_yml_pins_python_312_and_installs_the_package(repo):
    env = yaml.safe_load((repo / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    assert "python=3.12" in env["dependencies"]
    pip_section = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    assert "-e ." in pip_section


def test_no_notebook_copies_are_committed(repo):
    tracked = subprocess.run(
        ["git", "ls-files", "*.ipynb"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert tracked == []


def test_every_chapter_has_a_jupytext_myst_header(repo):
    for path in sorted((repo / "notebooks").glob("*.md")):
        header = yaml.safe_load(path.read_text().split("---")[1])
        representation = header["jupytext"]["text_representation"]
        assert representation["format_name"] == "myst", path.name
        assert representation["extension"] == ".md", path.name
        assert header["kernelspec"]["language"] == "python", path.name


def test_ruff_finds_nothing(repo):
    ruff = Path(sys.executable).with_name("ruff")
    ruff = str(ruff) if ruff.exists() else shutil.which("ruff")
    result = subprocess.run(
        [ruff, "check", "--no-cache", str(repo)],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo,
    )
    assert result.returncode == 0, result.stdout + result.stderr
