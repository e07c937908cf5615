"""Writing a chapter's results so that reruns can be compared byte for byte.

Every chapter ends by writing ``results.json`` into its ``output_dir``. The
file is written atomically (a temporary file in the same folder, then a
rename), keys are sorted and floats keep their full ``repr``, so the same
parameters always give the same bytes.
"""

import json
import logging
import math
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def to_jsonable(value):
    """Convert numpy scalars and arrays, paths and tuples to JSON types.

    Non-finite floats become ``None`` so that the file stays valid JSON.
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json_atomic(path, payload) -> Path:
    """Write ``payload`` as sorted, indented JSON to ``path`` atomically."""
    text = (
        json.dumps(to_jsonable(payload), indent=2, sort_keys=True, allow_nan=False)
        + "\n"
    )
    return write_text_atomic(path, text)


def write_text_atomic(path, text: str) -> Path:
    """Write ``text`` to ``path`` so that readers see the old file or the new one.

    The text goes to a temporary file in the same folder, which is then
    renamed over ``path``; a crash midway leaves at most a hidden
    ``.NAME.*`` temporary file, never a truncated ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_results(output_dir, results: dict) -> Path:
    """Write a chapter's ``results.json`` into ``output_dir`` and log it.

    Parameters
    ----------
    output_dir : str or path
        Folder to write into; created when missing.
    results : dict
        The chapter's results. Must hold a ``parameters`` entry with the
        values the run used.

    Returns
    -------
    pathlib.Path
        The path of the file written.
    """
    if "parameters" not in results:
        raise ValueError("results must include the 'parameters' the run used")
    path = write_json_atomic(Path(output_dir) / "results.json", results)
    log.info("wrote %s", path)
    return path


def glue_number(name: str, value) -> None:
    """Make ``value`` available to the page's prose as ``{glue:text}`name```.

    numpy scalars are turned into Python numbers first, so that format specs
    such as ``:.3g`` work in the text.
    """
    from myst_nb import glue

    glue(name, to_jsonable(value), display=False)
