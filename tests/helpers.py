"""Running a chapter the way a reader reruns it, for the tests."""

import json
from pathlib import Path

from lim_analysis import rerun


def execute_chapter(stem: str, output_dir: Path, **parameters) -> dict:
    """Execute a chapter with checked parameters into ``output_dir``.

    Goes through :mod:`lim_analysis.rerun`, as ``lim-analysis run`` does, and
    returns the run's ``results.json``.
    """
    chapter = rerun.Chapter(stem)
    values = chapter.resolve(parameters, where="test")
    rerun.execute(chapter.nb, chapter.stem, values, output_dir, chapter.parameters)
    return json.loads((Path(output_dir) / "results.json").read_text())
