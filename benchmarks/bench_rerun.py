"""What ``lim-analysis run`` and ``sweep`` cost beyond papermill itself.

Measures, on this machine:

1. the per-run overhead of ``lim-analysis run`` over a bare ``papermill`` run
   of the same nearly empty notebook (one parameters cell), both as commands
   (process start included) and as Python calls (process start excluded);
2. the wall-clock time of a ``lim-analysis run bounds``, for scale;
3. the speed-up of a sweep of the bounds chapter from one worker to two.

Run it from the repository root::

    .venv/bin/python benchmarks/bench_rerun.py [--repeats 5] [--points 8]

Every timing is the median of ``--repeats`` runs (the sweeps run once per
worker count, into fresh folders). Results are printed and, with ``--json
FILE``, written to a file. The machine's other load counts: on shared cores
the speed-up comes out lower than on idle ones.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat

BIN = Path(sys.executable).parent

_PARAMETERS = "depth: int = 1  # an unused parameter [1]"


def _empty_notebooks(folder: Path) -> tuple[Path, Path]:
    """The same one-cell notebook as MyST Markdown and as ``.ipynb``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    nb.cells.append(
        nbformat.v4.new_code_cell(_PARAMETERS, metadata={"tags": ["parameters"]})
    )
    ipynb = folder / "empty.ipynb"
    nbformat.write(nb, ipynb)
    myst = folder / "empty.md"
    jupytext.write(nb, myst, fmt="md:myst")
    return myst, ipynb


def _timed(command, cwd) -> float:
    return _timed_with_cpu(command, cwd)[0]


def _timed_with_cpu(command, cwd) -> tuple[float, float]:
    """Wall-clock and CPU seconds of a command, its workers and kernels."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _median(function, repeats: int) -> float:
    return statistics.median(function(i) for i in range(repeats))


def bench_overhead(folder: Path, repeats: int) -> dict:
    """Median seconds of a bare papermill run and of ``lim-analysis run``."""
    import papermill

    from lim_analysis import rerun

    myst, ipynb = _empty_notebooks(folder)
    papermill_cli = _median(
        lambda i: _timed(
            [BIN / "papermill", "-p", "depth", "2", ipynb, folder / f"out{i}.ipynb"],
            folder,
        ),
        repeats,
    )
    rerun_cli = _median(
        lambda i: _timed(
            [BIN / "lim-analysis", "-q", "run", myst, "-p", "depth", "2"]
            + ["--output-dir", folder / f"run{i}"],
            folder,
        ),
        repeats,
    )

    def papermill_call(i):
        start = time.perf_counter()
        papermill.execute_notebook(
            str(ipynb),
            str(folder / f"call{i}.ipynb"),
            parameters={"depth": 2},
            progress_bar=False,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        return time.perf_counter() - start

    chapter = rerun.Chapter(myst)

    def rerun_call(i):
        start = time.perf_counter()
        parameters = chapter.resolve({"depth": "2"}, "-p", text=True)
        rerun.execute(
            chapter.nb,
            chapter.stem,
            parameters,
            folder / f"exec{i}",
            chapter.parameters,
        )
        return time.perf_counter() - start

    papermill_call(-1)  # the first call in a process pays for imports
    papermill_api = _median(papermill_call, repeats)
    rerun_api = _median(rerun_call, repeats)
    bounds = _median(
        lambda i: _timed(
            [BIN / "lim-analysis", "-q", "run", "bounds", "-p", "temperature_K"]
            + [str(300.0 + i), "--output-dir", folder / f"bounds{i}"],
            folder,
        ),
        repeats,
    )
    return {
        "papermill_command_s": papermill_cli,
        "lim_analysis_run_command_s": rerun_cli,
        "overhead_command_s": rerun_cli - papermill_cli,
        "papermill_call_s": papermill_api,
        "rerun_execute_call_s": rerun_api,
        "overhead_call_s": rerun_api - papermill_api,
        "bounds_run_command_s": bounds,
    }


def bench_sweep(folder: Path, points: int) -> dict:
    """Wall-clock seconds of one sweep of ``points`` bounds runs per worker count."""
    temperatures = [float(t) for t in range(100, 100 + 50 * points, 50)]
    grid = folder / "grid.yaml"
    grid.write_text(f"temperature_K: {temperatures}\n")
    seconds, cpu = {}, {}
    for workers in (1, 2):
        seconds[workers], cpu[workers] = _timed_with_cpu(
            [BIN / "lim-analysis", "-q", "sweep", "bounds", "--grid", grid]
            + ["--workers", str(workers), "--output-dir", folder / f"sweep{workers}"],
            folder,
        )
    return {
        "points": points,
        "one_worker_s": seconds[1],
        "two_workers_s": seconds[2],
        "speed_up": seconds[1] / seconds[2],
        "one_worker_cpu_s": cpu[1],
        "two_workers_cpu_s": cpu[2],
        # The part of two cores' time that the sweep's processes had: well
        # below 1 means they waited, for the cores (other load) or for I/O.
        "two_workers_cpu_share": cpu[2] / (2 * seconds[2]),
    }


def _row(label: str, value: float, note: str = "") -> str:
    return f"  {label:<36}{value:7.2f}  {note}".rstrip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing")
    parser.add_argument("--points", type=int, default=8, help="runs per sweep")
    parser.add_argument("--json", metavar="FILE", help="also write the figures here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        folder = Path(tmp)
        overhead = bench_overhead(folder, args.repeats)
        speed = bench_sweep(folder, args.points)
    report = {
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "overhead": overhead,
        "sweep": speed,
    }
    lines = [
        f"per run, median of {args.repeats} (seconds)",
        _row("papermill command, empty notebook", overhead["papermill_command_s"]),
        _row(
            "lim-analysis run, same notebook",
            overhead["lim_analysis_run_command_s"],
            f"(+{overhead['overhead_command_s']:.2f})",
        ),
        _row("papermill.execute_notebook call", overhead["papermill_call_s"]),
        _row(
            "rerun.execute call",
            overhead["rerun_execute_call_s"],
            f"(+{overhead['overhead_call_s']:.2f})",
        ),
        _row("lim-analysis run bounds", overhead["bounds_run_command_s"]),
        f"sweep of {speed['points']} bounds runs (seconds)",
        _row("1 worker", speed["one_worker_s"]),
        _row("2 workers", speed["two_workers_s"]),
        _row("speed-up", speed["speed_up"], "x"),
        _row("CPU seconds, 1 worker", speed["one_worker_cpu_s"]),
        _row("CPU seconds, 2 workers", speed["two_workers_cpu_s"]),
        _row(
            "share of 2 cores had, 2 workers",
            100 * speed["two_workers_cpu_share"],
            "%",
        ),
        f"{report['cpus']} CPUs, load average {report['load_average_1min']:.2f} "
        "at the end",
    ]
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
