"""Running a chapter the way a reader reruns it, for the tests."""

import json
from pathlib import Path

import jupytext
import papermill

from lim_analysis.paths import notebooks_dir


def execute_chapter(stem: str, output_dir: Path, **parameters) -> dict:
    """Execute ``notebooks/<stem>.md`` with papermill; return its results."""
    notebook = jupytext.read(notebooks_dir() / f"{stem}.md", fmt="md:myst")
    output_dir.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        notebook,
        str(output_dir / f"{stem}.ipynb"),
        parameters={**parameters, "output_dir": str(output_dir)},
        language="python",
        kernel_name="python3",
        cwd=str(output_dir),
        progress_bar=False,
    )
    return json.loads((output_dir / "results.json").read_text())
