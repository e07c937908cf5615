"""Rerunning a chapter with other parameters, once or over a grid.

A chapter is a MyST Markdown notebook whose cell tagged ``parameters`` holds
annotated literals (``temperature_K: float = 300.0  # meaning [K]``). This
module reads those parameters with papermill's inspection, checks the values
a reader asks for against their declared types before anything runs, and
executes the notebook with papermill into a folder of its own: the executed
notebook, its ``results.json`` and its figures.

The source is converted with jupytext in memory; no ``.ipynb`` is written
beside it. Every run gets ``output_dir = "."`` and runs with its own folder as
the working directory, so ``results.json`` records no run-specific path and
the same parameters give the same bytes wherever the run lands.

A sweep runs the Cartesian product of a grid (plus explicit cases) in
parallel worker processes, or on a Dask cluster, and collects every run's
parameters and scalar results into ``results.csv``. Runs are keyed by their
parameters: a folder holding a ``results.json`` written by the whole notebook
is a finished run and is not run again, so an interrupted sweep resumes where
it stopped.

Limitations
-----------
A run is keyed by its parameters only, not by the notebook's source: after a
chapter changes, finished runs in an existing sweep folder are reused. Use a
new ``--output-dir`` (or delete the folder) to rerun them against the new
source. With ``--scheduler`` the run folders must be on a file system that the
Dask workers share with the machine that starts the sweep.
"""

import ast
import contextlib
import csv
import hashlib
import io
import itertools
import json
import logging
import math
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from lim_analysis import paths
from lim_analysis.results import write_text_atomic

log = logging.getLogger(__name__)

#: The parameter through which a chapter learns its run folder.
OUTPUT_PARAMETER = "output_dir"
#: The file every chapter writes at its end.
RESULTS_FILE = "results.json"
#: The table a sweep collects its runs into.
TABLE_FILE = "results.csv"

_KEY_HASH_CHARS = 10
_KEY_READABLE_CHARS = 60


class RerunInputError(ValueError):
    """A notebook, parameter, value or file given to a rerun is not usable."""


class RunFailed(RuntimeError):
    """A notebook cell raised, or the kernel died, during a run.

    Attributes
    ----------
    notebook_path : pathlib.Path
        The executed notebook as far as it ran, with the error in its cell.
    cell : int or None
        Execution count of the failing cell (its ``In [N]``).
    error : str
        The error's name and value, e.g. ``ValueError: ...``.
    traceback : str
        The cell's traceback as plain text.
    """

    def __init__(self, notebook_path, cell, error, traceback=""):
        super().__init__(error)
        self.notebook_path = Path(notebook_path)
        self.cell = cell
        self.error = error
        self.traceback = traceback


# --------------------------------------------------------------------------
# Notebooks and their parameters


def resolve_notebook(spec) -> Path:
    """Find a chapter by its stem (``bounds``) or take ``spec`` as a path.

    Raises
    ------
    RerunInputError
        If ``spec`` is neither an existing file nor a chapter's stem; the
        message lists the chapters there are.
    """
    candidate = Path(spec).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    chapter = paths.notebooks_dir() / f"{spec}.md"
    if "/" not in str(spec) and chapter.is_file():
        return chapter
    stems = sorted(p.stem for p in paths.notebooks_dir().glob("*.md"))
    raise RerunInputError(
        f"no notebook {str(spec)!r}: not a file, and not one of the chapters "
        f"({', '.join(stems) or 'none found'})"
    )


def load_notebook(path) -> nbformat.NotebookNode:
    """Read a notebook into memory, converting MyST Markdown with jupytext.

    A ``.md`` file is read as MyST unless its jupytext header names another
    format; an ``.ipynb`` file is read as it is. The kernel's language is set
    to Python when the source does not say.
    """
    import jupytext

    path = Path(path)
    try:
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
        else:
            nb = jupytext.read(path)
            header = nb.metadata.get("jupytext", {}).get("text_representation", {})
            if path.suffix == ".md" and not header.get("format_name"):
                nb = jupytext.read(path, fmt="md:myst")
    except Exception as error:
        raise RerunInputError(
            f"{path}: cannot be read as a notebook: {error}"
        ) from None
    nb.metadata.pop("jupytext", None)
    kernelspec = nb.metadata.setdefault("kernelspec", {})
    kernelspec.setdefault("name", "python3")
    kernelspec.setdefault("language", "python")
    kernelspec.setdefault("display_name", "Python 3")
    return nb


@dataclass(frozen=True)
class Parameter:
    """One entry of a notebook's parameters cell.

    Attributes
    ----------
    name : str
        The variable's name.
    type_name : str
        The annotation as written (``float``, ``int``, ``list[float]``), or
        the type of the default when the line has no annotation.
    default : object
        The default's value (the literal as written).
    default_text : str
        The default exactly as written in the cell.
    help : str
        The comment after the assignment.
    """

    name: str
    type_name: str
    default: object
    default_text: str
    help: str

    def line(self) -> str:
        """The parameter as a line of the cell: ``name: type = default  # help``."""
        text = f"{self.name}: {self.type_name} = {self.default_text}"
        return f"{text}  # {self.help}" if self.help else text


def notebook_parameters(nb) -> dict[str, Parameter]:
    """The parameters of a notebook, in the order of its parameters cell.

    Read with :func:`papermill.inspect_notebook`; returns an empty dict for a
    notebook without a cell tagged ``parameters``.
    """
    import papermill

    _quiet_papermill()
    found = {}
    for name, entry in papermill.inspect_notebook(nb).items():
        text = entry["default"]
        try:
            default = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            default = text
        type_name = entry["inferred_type_name"]
        if type_name in (None, "None"):
            type_name = type(default).__name__ if default is not None else "object"
        try:
            # ``x: float = 300`` runs as 300.0 when set, so as a default too.
            default = _convert(type_name, default, False)
        except (TypeError, ValueError):
            pass
        found[name] = Parameter(name, type_name, default, text, entry["help"] or "")
    return found


# --------------------------------------------------------------------------
# Values


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def convert_value(parameter: Parameter, value, where: str, *, text: bool = False):
    """Convert ``value`` to the declared type of ``parameter``.

    Parameters
    ----------
    parameter : Parameter
        The parameter the value is for.
    value : object
        A string from the command line (``text=True``) or a value read from
        YAML.
    where : str
        Where the value came from, for the error message (``-p``,
        ``grid.yaml: temperature_K[2]``).
    text : bool
        Whether ``value`` is command-line text to be parsed.

    Raises
    ------
    RerunInputError
        If the value cannot take the type; the message names the parameter,
        the place and the value.
    """
    try:
        return _convert(parameter.type_name, value, text)
    except (TypeError, ValueError) as error:
        raise RerunInputError(
            f"{where}: parameter {parameter.name} takes {parameter.type_name}, "
            f"got {value!r} ({error})"
        ) from None


def _convert(type_name: str, value, text: bool):
    base, _, inner = type_name.partition("[")
    inner = inner.rstrip("]").strip()
    if base == "float":
        if isinstance(value, bool):
            raise TypeError("a boolean is not a number")
        number = float(value.strip() if text else _number(value))
        if not math.isfinite(number):
            raise ValueError("it must be finite")
        return number
    if base == "int":
        if isinstance(value, bool):
            raise TypeError("a boolean is not an integer")
        if text:
            return int(value.strip(), 10)
        value = _number(value)
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("it has a fractional part")
        return int(value)
    if base == "bool":
        if text and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, bool):
            return value
        raise ValueError("use true or false")
    if base == "str":
        if text or isinstance(value, str):
            return value
        raise TypeError("write it in quotes to make it text")
    if text:
        value = _parse_text(value)
    if base in ("list", "tuple", "List", "Tuple"):
        if not isinstance(value, list):
            raise TypeError("write a list such as [1, 2]")
        if inner and "," not in inner:
            return [_convert(inner, item, False) for item in value]
        return [_plain(item) for item in value]
    if base in ("dict", "Dict"):
        if not isinstance(value, dict):
            raise TypeError("write a mapping such as {a: 1}")
        return _plain(value)
    return _plain(value)


def _number(value):
    if isinstance(value, (int, float)):
        return value
    raise TypeError(f"{type(value).__name__} is not a number")


def _parse_text(value: str):
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as error:
        raise ValueError(f"not a YAML value: {error}") from None


def _plain(value):
    """Check that a value is made of JSON types only, and return it."""
    json.dumps(value, allow_nan=False)
    return value


def resolve_parameters(declared, values, where: str, *, text: bool = False) -> dict:
    """Merge ``values`` over the defaults, checking names and types.

    Parameters
    ----------
    declared : dict of str to Parameter
        The notebook's parameters.
    values : mapping
        Names to values (command-line text with ``text=True``).
    where : str
        Where the values came from, for messages.

    Returns
    -------
    dict
        Every parameter but ``output_dir``, in notebook order, typed.

    Raises
    ------
    RerunInputError
        For an unknown name (the message lists the valid ones), for
        ``output_dir`` (set with ``--output-dir``) and for a value that
        cannot take its type.
    """
    resolved = {
        name: p.default for name, p in declared.items() if name != OUTPUT_PARAMETER
    }
    for name, value in values.items():
        if name == OUTPUT_PARAMETER:
            raise RerunInputError(
                f"{where}: {OUTPUT_PARAMETER} is not set as a parameter; "
                "use --output-dir"
            )
        if name not in declared:
            valid = "".join(f"\n  {n}" for n in declared if n != OUTPUT_PARAMETER)
            raise RerunInputError(
                f"{where}: unknown parameter {name!r}; "
                f"the notebook's parameters are:{valid or ' none'}"
            )
        resolved[name] = convert_value(declared[name], value, where, text=text)
    return resolved


def read_yaml_mapping(path, what: str) -> dict:
    """Read a YAML file that must hold a mapping with text keys.

    Raises
    ------
    RerunInputError
        If the file is missing, is not valid YAML, or holds something other
        than a mapping; the message names the file.
    """
    path = Path(path)
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RerunInputError(f"{path}: cannot read the {what}: {error}") from None
    except yaml.YAMLError as error:
        raise RerunInputError(
            f"{path}: the {what} is not valid YAML: {error}"
        ) from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise RerunInputError(
            f"{path}: the {what} must map parameter names to values, "
            f"got {type(loaded).__name__}"
        )
    return loaded


def run_key(parameters: dict, declared: dict[str, Parameter]) -> str:
    """A folder name for a run: the values that differ from the defaults and
    a hash of every value.

    The hash covers all parameters (canonical JSON, sorted keys), so two runs
    share a key exactly when they share every value; the readable part only
    helps a reader find a run (``temperature_K-600.0-3f09c1d2aa``).
    """
    canonical = json.dumps(parameters, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:_KEY_HASH_CHARS]
    changed = [
        f"{name}-{_readable(value)}"
        for name, value in parameters.items()
        if name in declared and value != declared[name].default
    ]
    readable = "_".join(changed) or "defaults"
    readable = re.sub(r"[^A-Za-z0-9.+-]+", "_", readable).strip("_.")
    readable = readable[:_KEY_READABLE_CHARS].rstrip("_.") or "run"
    return f"{readable}-{digest}"


def _readable(value) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


# --------------------------------------------------------------------------
# One run


def _register_atomic_writer():
    """Let papermill save executed notebooks atomically, without the source.

    Paths that start with :data:`_ATOMIC` are written through a temporary
    file and a rename, so a kill midway never leaves a truncated notebook.
    The copy of the in-memory source that papermill records as the input
    path is replaced by the source's file name.
    """
    from papermill.iorw import LocalHandler, papermill_io

    class AtomicHandler(LocalHandler):
        def read(self, path):
            return super().read(path[len(_ATOMIC) :])

        def write(self, buf, path):
            path = path[len(_ATOMIC) :]
            nb = json.loads(buf)
            meta = nb.get("metadata", {}).get("papermill", {})
            meta["input_path"] = nb["metadata"].get("lim_analysis", {}).get("source")
            meta["output_path"] = Path(path).name
            write_text_atomic(path, json.dumps(nb, indent=1, ensure_ascii=False))

        def pretty_path(self, path):
            return path[len(_ATOMIC) :]

    global _atomic_registered
    if not _atomic_registered:
        papermill_io.register(_ATOMIC, AtomicHandler())
        _atomic_registered = True


_ATOMIC = "lim-analysis-atomic:"
_atomic_registered = False


def execute(nb, stem: str, parameters: dict, run_dir, declared=None) -> Path:
    """Execute a notebook with papermill into ``run_dir``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook, as read by :func:`load_notebook`.
    stem : str
        Name of the executed notebook (``run_dir/STEM.ipynb``).
    parameters : dict
        Checked values, as returned by :func:`resolve_parameters`.
    run_dir : path
        The run's folder; created when missing. The notebook runs with it as
        working directory and gets ``output_dir = "."`` when it declares one.
    declared : dict, optional
        The notebook's parameters (read from ``nb`` when not given).

    Returns
    -------
    pathlib.Path
        The executed notebook.

    Raises
    ------
    RerunInputError
        If the run's folder cannot be made.
    RunFailed
        If a cell raises or the kernel dies. Any ``results.json`` the run had
        written is removed, so the folder does not pass for a finished run.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    declared = notebook_parameters(nb) if declared is None else declared
    run_dir = _make_folder(run_dir)
    results_path = run_dir / RESULTS_FILE
    notebook_path = run_dir / f"{stem}.ipynb"
    results_path.unlink(missing_ok=True)
    for written in (results_path, notebook_path):
        # Temporary files of an atomic write that a killed run left behind.
        for stale in run_dir.glob(f".{written.name}.*"):
            stale.unlink(missing_ok=True)
    injected = dict(parameters)
    if OUTPUT_PARAMETER in declared:
        injected[OUTPUT_PARAMETER] = "."

    nb = nbformat.from_dict(nb)
    nb.metadata.setdefault("lim_analysis", {}).setdefault("source", stem)
    _register_atomic_writer()
    _quiet_papermill()
    try:
        papermill.execute_notebook(
            nb,
            _ATOMIC + str(notebook_path),
            parameters=injected,
            kernel_name=nb.metadata["kernelspec"]["name"],
            language="python",
            progress_bar=False,
            cwd=str(run_dir),
            # The kernel listens on the loopback interface only; its warning
            # about unencrypted TCP would be repeated for every run.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as error:
        results_path.unlink(missing_ok=True)
        raise RunFailed(
            notebook_path,
            error.exec_count,
            f"{error.ename}: {error.evalue}",
            _strip_ansi("\n".join(error.traceback)),
        ) from None
    except Exception as error:
        results_path.unlink(missing_ok=True)
        raise RunFailed(
            notebook_path, None, f"{type(error).__name__}: {error}"
        ) from None
    log.info("executed %s into %s", stem, shown_path(run_dir))
    return notebook_path


def _make_folder(path) -> Path:
    path = Path(path).resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RerunInputError(f"{path}: cannot make the folder: {error}") from None
    return path


def shown_path(path) -> str:
    """``path`` relative to the working directory when it lies under it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _quiet_papermill():
    """papermill logs every input and output path at INFO; keep its warnings."""
    logging.getLogger("papermill").setLevel(logging.WARNING)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def finished_results(run_dir, parameters: dict):
    """The results of a finished run in ``run_dir``, or ``None``.

    A run is finished when its folder holds a ``results.json`` (written
    atomically, and only kept when every cell ran) whose recorded parameters
    agree with ``parameters``. A chapter may record only some of its
    parameters; the folder's name, a hash of all of them, covers the rest.
    """
    path = Path(run_dir) / RESULTS_FILE
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(results, dict):
        return None
    recorded = dict(results.get("parameters") or {})
    recorded.pop(OUTPUT_PARAMETER, None)
    wanted = json.loads(json.dumps(parameters))
    if any(recorded[name] != wanted[name] for name in recorded.keys() & wanted):
        return None
    return results


class Chapter:
    """A notebook ready to rerun: its source, stem, cells and parameters."""

    def __init__(self, spec):
        self.path = resolve_notebook(spec)
        self.stem = self.path.stem
        self.nb = load_notebook(self.path)
        self.nb.metadata["lim_analysis"] = {"source": self.path.name}
        self.parameters = notebook_parameters(self.nb)

    def default_dir(self) -> Path:
        """``outputs/STEM`` under the working directory."""
        return Path("outputs") / self.stem

    def resolve(self, values, where, *, text=False) -> dict:
        return resolve_parameters(self.parameters, values, where, text=text)

    def key(self, parameters: dict) -> str:
        return run_key(parameters, self.parameters)


# --------------------------------------------------------------------------
# Sweeps


def grid_points(chapter: Chapter, grid: dict, where: str) -> list[tuple[str, dict]]:
    """Every parameter set a grid asks for, checked, without repeats.

    ``grid`` maps parameter names to lists of values (their Cartesian product
    is run) and may hold ``cases``, a list of mappings each run on its own
    over the defaults. Returns ``(run key, parameters)`` pairs: the product
    first, then the cases, each set once.

    Raises
    ------
    RerunInputError
        For an entry that is not a list, an empty list, a case that is not a
        mapping, an unknown name or a value that cannot take its type.
    """
    axes = {name: values for name, values in grid.items() if name != "cases"}
    cases = grid.get("cases", [])
    if not isinstance(cases, list):
        raise RerunInputError(f"{where}: cases must be a list of parameter mappings")
    for name, values in axes.items():
        if not isinstance(values, list) or not values:
            raise RerunInputError(
                f"{where}: {name} must be a non-empty list of values, got "
                f"{values!r} (write [value] for a single value)"
            )
    if not axes and not cases:
        raise RerunInputError(f"{where}: the grid lists no parameters and no cases")

    points = []
    if axes:
        checked = {}
        for name, values in axes.items():
            checked[name] = [
                chapter.resolve({name: value}, f"{where}: {name}[{i}]")[name]
                for i, value in enumerate(values)
            ]
        for combination in itertools.product(*checked.values()):
            points.append(
                chapter.resolve(dict(zip(checked, combination, strict=True)), where)
            )
    for i, case in enumerate(cases):
        if not isinstance(case, dict):
            raise RerunInputError(
                f"{where}: cases[{i}] must map parameter names to values, got {case!r}"
            )
        points.append(chapter.resolve(case, f"{where}: cases[{i}]"))

    unique = {}
    for point in points:
        unique.setdefault(chapter.key(point), point)
    return list(unique.items())


def flatten_results(results: dict) -> dict:
    """The scalar fields of a ``results.json``, nested keys joined by dots.

    The ``parameters`` entry is left out (the table has its own columns for
    them), and so are lists, which stay in the run's ``results.json``.
    """
    flat = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key in value:
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif not isinstance(value, list):
            flat[prefix] = value

    walk("", {k: v for k, v in results.items() if k != "parameters"})
    return flat


def write_table(path, chapter: Chapter, rows: list[tuple[str, dict, dict]]) -> Path:
    """Write the sweep's table atomically: one row per finished run.

    Columns: ``run`` (the run's folder name), the parameters in notebook
    order, then the scalar results in sorted order. A result whose name is
    also a parameter's gets a ``result.`` prefix.
    """
    names = [n for n in chapter.parameters if n != OUTPUT_PARAMETER]
    flat_rows = []
    result_columns = set()
    for key, parameters, results in rows:
        flat = {
            (f"result.{k}" if k in names or k == "run" else k): v
            for k, v in flatten_results(results).items()
        }
        result_columns |= set(flat)
        row = {"run": key}
        row.update({n: _cell(parameters[n]) for n in names})
        row.update({k: _cell(v) for k, v in flat.items()})
        flat_rows.append(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["run", *names, *sorted(result_columns)], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(flat_rows)
    return write_text_atomic(path, buffer.getvalue())


def _cell(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else value


def _sweep_task(nb_json: str, stem: str, parameters: dict, run_dir: str) -> dict:
    """Execute one sweep point in a worker; report failures as data."""
    nb = nbformat.reads(nb_json, as_version=4)
    try:
        execute(nb, stem, parameters, run_dir)
    except RunFailed as failure:
        return {
            "ok": False,
            "error": failure.error,
            "traceback": failure.traceback,
            "notebook": str(failure.notebook_path),
        }
    return {"ok": True}


def _worker_init(level: int, sweep_pid: int):
    """Set up a sweep worker: logging, and dying with the process that
    started it (a killed sweep leaves no runs behind)."""
    # The sweep logs each finished run; a worker only reports problems.
    logging.basicConfig(
        level=max(level, logging.WARNING), format="lim-analysis: %(message)s"
    )
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass
        if os.getppid() != sweep_pid:  # the sweep died before the line above
            os._exit(1)


@dataclass
class SweepSummary:
    """What a sweep did: its table, how many runs it found finished and ran,
    and the runs that failed with what each reported."""

    table: Path
    total: int
    skipped: int
    done: int
    failed: list
    interrupted: bool = False


def sweep(
    chapter: Chapter,
    points: list[tuple[str, dict]],
    sweep_dir,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> SweepSummary:
    """Run every point not finished yet, and keep ``results.csv`` current.

    Parameters
    ----------
    chapter : Chapter
        The notebook to run.
    points : list of (str, dict)
        Run keys and checked parameters, from :func:`grid_points`.
    sweep_dir : path
        Holds ``results.csv`` and one folder per run, named by its key.
    workers : int
        Worker processes (ignored with ``scheduler``).
    scheduler : str, optional
        Address of a Dask distributed scheduler to run the points on.
    progress : bool, optional
        Show a progress bar; by default only on a terminal.

    Returns
    -------
    SweepSummary
        The table's path and the counts. The table is rewritten atomically
        after every finished run, in the order of ``points``.
    """
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    client = _dask_client(scheduler) if scheduler else None
    sweep_dir = _make_folder(sweep_dir)
    table = sweep_dir / TABLE_FILE
    for stale in sweep_dir.glob(f".{TABLE_FILE}.*"):
        stale.unlink(missing_ok=True)

    finished = {}
    for key, parameters in points:
        results = finished_results(sweep_dir / key, parameters)
        if results is not None:
            finished[key] = results
    skipped = len(finished)

    def rewrite():
        rows = [(k, p, finished[k]) for k, p in points if k in finished]
        write_table(table, chapter, rows)

    rewrite()
    pending = [(k, p) for k, p in points if k not in finished]
    if skipped:
        log.info(
            "%d of %d runs already finished in %s",
            skipped,
            len(points),
            shown_path(sweep_dir),
        )
    summary = SweepSummary(table, len(points), skipped, 0, [])
    if not pending:
        if client is not None:
            client.close()
        return summary

    nb_json = nbformat.writes(chapter.nb)
    bar = tqdm(
        total=len(points),
        initial=skipped,
        unit="run",
        desc=chapter.stem,
        disable=not sys.stderr.isatty() if progress is None else not progress,
        file=sys.stderr,
    )

    def record(key, parameters, outcome):
        if outcome["ok"]:
            results = finished_results(sweep_dir / key, parameters)
            if results is None:
                outcome = {
                    "ok": False,
                    "error": f"the run wrote no {RESULTS_FILE}",
                    "traceback": "",
                    "notebook": str(sweep_dir / key / f"{chapter.stem}.ipynb"),
                }
            else:
                finished[key] = results
                summary.done += 1
                rewrite()
                log.info("run %s done (%d/%d)", key, len(finished), len(points))
        if not outcome["ok"]:
            summary.failed.append((key, outcome))
            log.error(
                "run %s failed: %s; partial notebook: %s",
                key,
                outcome["error"],
                shown_path(outcome["notebook"]),
            )
        bar.update(1)

    arguments = [
        (key, parameters, (nb_json, chapter.stem, parameters, str(sweep_dir / key)))
        for key, parameters in pending
    ]
    redirect = logging_redirect_tqdm() if not bar.disable else contextlib.nullcontext()
    with redirect:
        try:
            if client is not None:
                _run_on_dask(client, arguments, record)
            else:
                _run_in_processes(workers, arguments, record)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            bar.close()
    return summary


def _run_in_processes(workers, arguments, record):
    """Run the tasks in worker processes, no more at a time than there are
    workers, so that an interrupted sweep has only those to finish."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    workers = max(1, min(workers, len(arguments)))
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(logging.getLogger("lim_analysis").getEffectiveLevel(), os.getpid()),
    )
    waiting = iter(arguments)
    running = {}

    def start_next():
        for key, parameters, task in waiting:
            running[pool.submit(_sweep_task, *task)] = (key, parameters)
            return

    def finish(done):
        for future in done:
            record(*running.pop(future), future.result())

    try:
        for _ in range(workers):
            start_next()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            finish(done)
            for _ in done:
                start_next()
    except KeyboardInterrupt:
        # The workers ignore Ctrl-C: the runs they have started finish and
        # are recorded; the others are not started.
        log.warning("interrupted: finishing the runs in progress (%d)", len(running))
        finish(wait(running).done)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_client(address):
    """Connect to a Dask scheduler, as bad input when that is not possible."""
    try:
        from distributed import Client
    except ImportError:
        raise RerunInputError(
            "--scheduler needs Dask distributed: pip install 'lim-analysis[dask]'"
        ) from None
    try:
        return Client(address, timeout="10s")
    except (OSError, ValueError) as error:
        raise RerunInputError(f"--scheduler: cannot reach {address}: {error}") from None


def _run_on_dask(client, arguments, record):
    """Run the tasks on a Dask cluster, then close the connection to it."""
    from distributed import as_completed

    with client:
        futures = {}
        for key, parameters, task in arguments:
            future = client.submit(_sweep_task, *task, pure=False)
            futures[future] = (key, parameters)
        try:
            for future in as_completed(futures):
                record(*futures[future], future.result())
        except BaseException:
            client.cancel(list(futures))
            raise


# --------------------------------------------------------------------------
# Command line


def _fail(command: str, error: Exception) -> int:
    print(f"lim-analysis {command}: {error}", file=sys.stderr)
    return 2


def _cmd_params(args) -> int:
    try:
        chapter = Chapter(args.notebook)
    except RerunInputError as error:
        return _fail("params", error)
    declared = chapter.parameters
    if args.json:
        listing = [
            {
                "name": p.name,
                "type": p.type_name,
                "default": p.default,
                "help": p.help,
            }
            for p in declared.values()
        ]
        print(json.dumps(listing, indent=2))
        return 0
    if not declared:
        print(f"{chapter.stem} has no cell tagged 'parameters'")
        return 0
    for parameter in declared.values():
        print(parameter.line())
    if OUTPUT_PARAMETER in declared:
        print(f"\n{OUTPUT_PARAMETER} is the run's folder: set it with --output-dir.")
    return 0


def _cmd_run(args) -> int:
    try:
        chapter = Chapter(args.notebook)
        from_file = {}
        if args.params_file:
            from_file = read_yaml_mapping(args.params_file, "parameters file")
            checked = chapter.resolve(from_file, str(args.params_file))
            from_file = {name: checked[name] for name in from_file}
        overrides = dict(args.parameter or [])
        parameters = chapter.resolve(overrides, "-p", text=True)
        parameters.update({k: v for k, v in from_file.items() if k not in overrides})
    except RerunInputError as error:
        return _fail("run", error)

    key = chapter.key(parameters)
    run_dir = Path(args.output_dir) if args.output_dir else chapter.default_dir() / key
    try:
        execute(chapter.nb, chapter.stem, parameters, run_dir, chapter.parameters)
    except RerunInputError as error:
        return _fail("run", error)
    except RunFailed as failure:
        where = f"cell In [{failure.cell}]" if failure.cell else "the kernel"
        print(f"lim-analysis run: {chapter.stem} failed in {where}:", file=sys.stderr)
        print(failure.traceback or failure.error, file=sys.stderr)
        print(f"partial notebook: {shown_path(failure.notebook_path)}", file=sys.stderr)
        return 1
    print(shown_path(run_dir))
    return 0


def _cmd_sweep(args) -> int:
    try:
        chapter = Chapter(args.notebook)
        grid = read_yaml_mapping(args.grid, "grid")
        points = grid_points(chapter, grid, str(args.grid))
        if args.workers < 1:
            raise RerunInputError(f"--workers must be 1 or more, got {args.workers}")
    except RerunInputError as error:
        return _fail("sweep", error)

    sweep_dir = (
        Path(args.output_dir)
        if args.output_dir
        else chapter.default_dir() / f"sweep-{Path(args.grid).stem}"
    )
    try:
        summary = sweep(
            chapter,
            points,
            sweep_dir,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    except RerunInputError as error:
        return _fail("sweep", error)
    finished = summary.skipped + summary.done
    log.info(
        "%d runs: %d finished before, %d done now, %d failed",
        summary.total,
        summary.skipped,
        summary.done,
        len(summary.failed),
    )
    if summary.interrupted:
        print(
            f"lim-analysis sweep: interrupted with {finished} of {summary.total} "
            "runs finished; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    print(shown_path(summary.table))
    return 1 if summary.failed else 0


def add_commands(commands) -> None:
    """Add ``params``, ``run`` and ``sweep`` to the command line."""
    notebook_help = (
        "a chapter's name (e.g. bounds, for notebooks/bounds.md) or a notebook's path"
    )

    params = commands.add_parser(
        "params",
        help="list a notebook's parameters",
        description=(
            "List the parameters of a notebook's cell tagged 'parameters': name, "
            "type, default and meaning, one per line as written in the cell."
        ),
    )
    params.add_argument("notebook", metavar="NOTEBOOK", help=notebook_help)
    params.add_argument("--json", action="store_true", help="print JSON instead")
    params.set_defaults(handler=_cmd_params)

    run = commands.add_parser(
        "run",
        help="execute a notebook with other parameters",
        description=(
            "Execute a notebook with papermill into a folder of its own (by default "
            "outputs/NOTEBOOK/KEY, KEY naming the changed values and a hash of all "
            "of them): the executed notebook, results.json and figures. Names and "
            "values are checked before anything runs (exit 2); a failing cell "
            "exits 1 and points at the partial notebook. Prints the run's folder."
        ),
    )
    run.add_argument("notebook", metavar="NOTEBOOK", help=notebook_help)
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable); lists in YAML: -p NAME '[1, 2]'",
    )
    run.add_argument(
        "-f",
        "--params-file",
        metavar="FILE",
        help="YAML file mapping parameter names to values (-p wins over it)",
    )
    run.add_argument(
        "--output-dir", metavar="DIR", help="the run's folder (default: under outputs/)"
    )
    run.set_defaults(handler=_cmd_run)

    sweep_parser = commands.add_parser(
        "sweep",
        help="run a notebook over a grid of parameters",
        description=(
            "Run a notebook for every point of a grid: a YAML file mapping "
            "parameter names to lists of values (their Cartesian product), with "
            "an optional 'cases:' list of explicit parameter mappings. Every point "
            "is checked before any runs. Each run gets a folder in DIR named by "
            "its parameters; finished runs are skipped, so an interrupted sweep "
            "resumes. DIR/results.csv holds one row per finished run: its "
            "parameters and the scalars of its results.json. Prints its path."
        ),
    )
    sweep_parser.add_argument("notebook", metavar="NOTEBOOK", help=notebook_help)
    sweep_parser.add_argument(
        "--grid", required=True, metavar="FILE", help="the grid, a YAML file"
    )
    sweep_parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="parallel worker processes (default: the number of CPUs)",
    )
    sweep_parser.add_argument(
        "--output-dir",
        metavar="DIR",
        help="folder for the runs and results.csv "
        "(default: outputs/NOTEBOOK/sweep-GRID)",
    )
    sweep_parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this Dask distributed scheduler (needs the 'dask' extra)",
    )
    sweep_parser.set_defaults(handler=_cmd_sweep)
