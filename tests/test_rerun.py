"""Rerunning chapters: parameters, single runs, sweeps and the book's page."""

import csv
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from lim_analysis import rerun

BIN = Path(sys.executable).parent
HASH = re.compile(r"-[0-9a-f]{10}\b")


def cli(*args, cwd, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "lim_analysis.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def read_table(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


FAILING = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A notebook that fails

```{code-cell} ipython3
:tags: [parameters]

depth: int = 3  # how many calls deep [1]
output_dir: str = "outputs/fails"  # folder for results.json
```

```{code-cell} ipython3
from lim_analysis.results import write_results

write_results(output_dir, {"parameters": {"depth": depth}})
```

```{code-cell} ipython3
def descend(n):
    if n == 0:
        raise RuntimeError("reached the bottom")
    descend(n - 1)

if depth >= 2:
    descend(depth)
```
"""


# --------------------------------------------------------------------------
# Parameters and values, without running anything


def test_params_lists_name_type_default_and_meaning(tmp_path):
    result = cli("params", "bounds", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        "temperature_K: float = 300.0  # absolute temperature of the memory [K]"
        in lines
    )
    assert "precision_bits: int = 8  # bits held by one weight, n [bit]" in lines

    listing = json.loads(cli("params", "bounds", "--json", cwd=tmp_path).stdout)
    by_name = {entry["name"]: entry for entry in listing}
    assert by_name["temperature_K"]["type"] == "float"
    assert by_name["temperature_K"]["default"] == 300.0
    assert by_name["precision_bits"]["default"] == 8
    assert by_name["output_dir"]["type"] == "str"
    assert not (tmp_path / "outputs").exists()


def test_notebook_is_converted_in_memory_and_found_by_stem(repo):
    before = sorted((repo / "notebooks").iterdir())
    chapter = rerun.Chapter("bounds")
    assert chapter.path == repo / "notebooks" / "bounds.md"
    assert chapter.nb.metadata["kernelspec"]["language"] == "python"
    assert any("parameters" in c.metadata.get("tags", []) for c in chapter.nb.cells)
    assert sorted((repo / "notebooks").iterdir()) == before
    with pytest.raises(rerun.RerunInputError, match="bounds"):
        rerun.Chapter("no-such-chapter")


def test_values_take_the_declared_type():
    chapter = rerun.Chapter("bounds")
    got = chapter.resolve(
        {"temperature_K": "6e2", "precision_bits": "4"}, "-p", text=True
    )
    assert got["temperature_K"] == 600.0 and got["precision_bits"] == 4
    assert isinstance(got["temperature_K"], float)
    assert isinstance(got["precision_bits"], int)
    from_yaml = chapter.resolve({"temperature_K": 600, "precision_bits": 4.0}, "f.yaml")
    assert from_yaml == got

    flag = rerun.Parameter("fast", "bool", False, "False", "")
    assert rerun.convert_value(flag, "yes", "-p", text=True) is True
    widths = rerun.Parameter("widths", "list[float]", [1.0], "[1.0]", "")
    assert rerun.convert_value(widths, "[1, 2.5]", "-p", text=True) == [1.0, 2.5]
    for parameter, bad in [
        (flag, 1),
        (widths, "3"),
        (chapter.parameters["precision_bits"], 8.5),
        (chapter.parameters["precision_bits"], True),
        (chapter.parameters["temperature_K"], "nan"),
    ]:
        with pytest.raises(rerun.RerunInputError, match=parameter.name):
            rerun.convert_value(parameter, bad, "here", text=isinstance(bad, str))


def test_run_key_is_stable_and_tells_parameter_sets_apart():
    chapter = rerun.Chapter("bounds")
    hot = chapter.resolve({"temperature_K": "600"}, "-p", text=True)
    same = chapter.resolve({"temperature_K": 600.0, "precision_bits": 8}, "f")
    assert chapter.key(hot) == chapter.key(same)
    assert chapter.key(hot).startswith("temperature_K-600.0-")
    defaults = chapter.resolve({}, "-p")
    assert chapter.key(defaults).startswith("defaults-")
    assert len({chapter.key(hot), chapter.key(defaults)}) == 2


def test_unknown_parameter_exits_2_listing_the_valid_names(tmp_path):
    result = cli("run", "bounds", "-p", "temperature", "600", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown parameter 'temperature'" in result.stderr
    assert "temperature_K" in result.stderr and "precision_bits" in result.stderr
    assert not (tmp_path / "outputs").exists()

    output = cli("run", "bounds", "-p", "output_dir", "x", cwd=tmp_path)
    assert output.returncode == 2 and "--output-dir" in output.stderr


def test_value_of_the_wrong_type_exits_2_naming_it(tmp_path):
    result = cli("run", "bounds", "-p", "precision_bits", "8.5", cwd=tmp_path)
    assert result.returncode == 2
    assert "precision_bits" in result.stderr and "'8.5'" in result.stderr

    params = tmp_path / "params.yaml"
    params.write_text("temperature_K: warm\n")
    from_file = cli("run", "bounds", "-f", params, cwd=tmp_path)
    assert from_file.returncode == 2
    assert "params.yaml" in from_file.stderr and "temperature_K" in from_file.stderr
    assert "'warm'" in from_file.stderr
    assert not (tmp_path / "outputs").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("temperature_K: [300.0,\n", "not valid YAML"),
        ("- temperature_K\n", "must map parameter names"),
        (None, "cannot read"),
    ],
)
def test_bad_parameters_file_exits_2(tmp_path, text, message):
    params = tmp_path / "params.yaml"
    if text is not None:
        params.write_text(text)
    result = cli("run", "bounds", "-f", params, cwd=tmp_path)
    assert result.returncode == 2
    assert "params.yaml" in result.stderr and message in result.stderr
    assert not (tmp_path / "outputs").exists()


def test_grid_points_cover_the_product_and_the_cases_once():
    chapter = rerun.Chapter("bounds")
    grid = {
        "temperature_K": [4.0, 300.0],
        "precision_bits": [1, 8],
        "cases": [{"temperature_K": 77}, {"temperature_K": 300, "precision_bits": 8}],
    }
    points = rerun.grid_points(chapter, grid, "grid.yaml")
    values = [(p["temperature_K"], p["precision_bits"]) for _, p in points]
    assert values == [(4.0, 1), (4.0, 8), (300.0, 1), (300.0, 8), (77.0, 8)]
    assert len({key for key, _ in points}) == len(points)


@pytest.mark.parametrize(
    "grid, message",
    [
        ("temperature_K: 300.0\n", "non-empty list"),
        ("temperature_K: []\n", "non-empty list"),
        ("temperatures: [1.0]\n", "unknown parameter 'temperatures'"),
        ("temperature_K: [1.0, cold]\n", r"temperature_K\[1\]"),
        ("cases:\n  - {precision_bits: 4}\n  - {precision_bits: x}\n", r"cases\[1\]"),
        ("cases: [3]\n", r"cases\[0\]"),
        ("{}\n", "no parameters and no cases"),
        ("temperature_K: [1.0\n", "not valid YAML"),
    ],
)
def test_bad_grid_exits_2_before_any_run(tmp_path, grid, message):
    path = tmp_path / "grid.yaml"
    path.write_text(grid)
    result = cli("sweep", "bounds", "--grid", path, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert "grid.yaml" in result.stderr
    assert not (tmp_path / "outputs").exists()


# --------------------------------------------------------------------------
# Runs


@pytest.fixture(scope="module")
def bounds_runs(tmp_path_factory):
    """The bounds chapter run at its defaults and at twice the temperature."""
    work = tmp_path_factory.mktemp("runs")
    folders = {}
    for name, extra in [("default", []), ("hot", ["-p", "temperature_K", "600"])]:
        result = cli("run", "bounds", *extra, cwd=work)
        assert result.returncode == 0, result.stderr
        folders[name] = work / result.stdout.strip()
    return work, folders


@pytest.mark.slow
def test_run_writes_notebook_results_and_figure_into_its_folder(bounds_runs):
    work, folders = bounds_runs
    folder = folders["hot"]
    assert folder.parent == work / "outputs" / "bounds"
    assert folder.name.startswith("temperature_K-600.0-")
    assert (folder / "bounds.ipynb").is_file()
    assert (folder / "fig-update-energy-time.png").stat().st_size > 1000
    executed = json.loads((folder / "bounds.ipynb").read_text())
    assert executed["metadata"]["papermill"]["parameters"]["temperature_K"] == 600.0
    assert executed["metadata"]["papermill"]["input_path"] == "bounds.md"
    assert not list(work.rglob("*.ipynb.*")) and not list(work.rglob(".results*"))


@pytest.mark.slow
def test_doubling_the_temperature_doubles_the_landauer_energy(bounds_runs):
    _, folders = bounds_runs
    default = json.loads((folders["default"] / "results.json").read_text())
    hot = json.loads((folders["hot"] / "results.json").read_text())
    assert (
        hot["parameters"]["temperature_K"] == 2 * default["parameters"]["temperature_K"]
    )
    ratio = hot["landauer_J_per_bit"] / default["landauer_J_per_bit"]
    assert math.isclose(ratio, 2.0, rel_tol=1e-12)
    expected = 1.380649e-23 * 600.0 * math.log(2)
    assert math.isclose(hot["landauer_J_per_bit"], expected, rel_tol=1e-12)
    assert math.isclose(hot["overwrite_J"], 8 * expected, rel_tol=1e-12)


@pytest.mark.slow
def test_same_parameters_give_a_byte_identical_results_json(bounds_runs, tmp_path):
    _, folders = bounds_runs
    elsewhere = tmp_path / "deep" / "elsewhere"
    result = cli(
        "run",
        "bounds",
        "-p",
        "temperature_K",
        "6e2",
        "--output-dir",
        elsewhere,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    again = (elsewhere / "results.json").read_bytes()
    assert again == (folders["hot"] / "results.json").read_bytes()
    assert str(tmp_path).encode() not in again


@pytest.mark.slow
def test_failing_cell_exits_1_with_its_error_and_the_partial_notebook(tmp_path):
    source = tmp_path / "fails.md"
    source.write_text(FAILING)
    result = cli("run", source, "-p", "depth", "2", cwd=tmp_path)
    assert result.returncode == 1
    assert "RuntimeError" in result.stderr
    assert "reached the bottom" in result.stderr
    match = re.search(r"partial notebook: (\S+)", result.stderr)
    assert match, result.stderr
    partial = tmp_path / match.group(1)
    assert partial.is_file() and partial.parent.name.startswith("depth-2-")
    executed = json.loads(partial.read_text())
    errors = [
        output
        for cell in executed["cells"]
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors and errors[0]["evalue"] == "reached the bottom"
    # The results.json the run wrote before failing does not mark it finished.
    assert not (partial.parent / "results.json").exists()
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == []


# --------------------------------------------------------------------------
# Sweeps


def test_table_flattens_nested_results_and_keeps_parameters_apart(tmp_path):
    chapter = rerun.Chapter("bounds")
    parameters = chapter.resolve({}, "-p")
    results = {
        "parameters": {**parameters, "output_dir": "."},
        "energy": {"array_J": 1.5e-12, "adc": {"share": 0.798}},
        "temperature_K": "a result named like a parameter",
        "curve_J": [1.0, 2.0],
        "label": None,
    }
    table = rerun.write_table(
        tmp_path / "t.csv", chapter, [("k1", parameters, results)]
    )
    (row,) = read_table(table)
    assert row["run"] == "k1"
    assert row["temperature_K"] == "300.0"
    assert row["result.temperature_K"] == "a result named like a parameter"
    assert row["energy.array_J"] == "1.5e-12"
    assert row["energy.adc.share"] == "0.798"
    assert row["label"] == ""
    assert "curve_J" not in row and "output_dir" not in row


def write_grid(folder, text):
    path = folder / "grid.yaml"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_sweep_with_two_workers_collects_one_row_per_run(tmp_path):
    grid = write_grid(tmp_path, "temperature_K: [150.0, 300.0]\nprecision_bits: [4]\n")
    result = cli("sweep", "bounds", "--grid", grid, "--workers", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = tmp_path / result.stdout.strip()
    assert table == tmp_path / "outputs" / "bounds" / "sweep-grid" / "results.csv"
    rows = read_table(table)
    assert [float(r["temperature_K"]) for r in rows] == [150.0, 300.0]
    assert list(rows[0])[:3] == ["run", "temperature_K", "precision_bits"]
    for row in rows:
        results = json.loads((table.parent / row["run"] / "results.json").read_text())
        assert float(row["landauer_J_per_bit"]) == results["landauer_J_per_bit"]
        assert float(row["overwrite_J"]) == 4 * float(row["landauer_J_per_bit"])


def _wait_for_rows(table, count, process, timeout_s=180):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if table.is_file() and len(read_table(table)) >= count:
            return
        assert process.poll() is None, "the sweep ended before it was stopped"
        time.sleep(0.2)
    raise AssertionError(f"no {count} rows in {table} after {timeout_s} s")


def _descendants(pid):
    return psutil.Process(pid).children(recursive=True)


@pytest.mark.slow
def test_interrupted_and_killed_sweep_resumes_without_lost_or_repeated_rows(tmp_path):
    temperatures = [100.0, 200.0, 400.0, 800.0]
    grid = write_grid(tmp_path, f"temperature_K: {temperatures}\n")
    out = tmp_path / "sweep"
    command = [
        sys.executable, "-m", "lim_analysis.cli", "sweep", "bounds",
        "--grid", str(grid), "--workers", "1", "--output-dir", str(out),
    ]  # fmt: skip
    table = out / "results.csv"

    # Ctrl-C: the run in progress finishes and is recorded, no other starts.
    first = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    _wait_for_rows(table, 1, first)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    assert "run the same command again" in stderr
    after_interrupt = read_table(table)
    assert 1 <= len(after_interrupt) < len(temperatures)

    # SIGKILL: no cleanup at all; the workers and kernels must go with it.
    second = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.DEVNULL)
    _wait_for_rows(table, len(after_interrupt) + 1, second)
    helpers = _descendants(second.pid)
    second.kill()
    second.wait(timeout=30)
    _, alive = psutil.wait_procs(helpers, timeout=15)
    assert alive == [], f"left running: {[p.cmdline() for p in alive]}"
    after_kill = read_table(table)
    assert len(after_kill) > len(after_interrupt)
    finished = {row["run"]: (out / row["run"] / "results.json") for row in after_kill}
    stamps = {key: path.stat().st_mtime_ns for key, path in finished.items()}

    third = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert third.returncode == 0, third.stderr
    assert f"{len(after_kill)} of {len(temperatures)} runs already finished" in (
        third.stderr
    )
    rows = read_table(table)
    assert [float(r["temperature_K"]) for r in rows] == temperatures
    assert len({r["run"] for r in rows}) == len(temperatures)
    assert {k: p.stat().st_mtime_ns for k, p in finished.items()} == stamps
    leftovers = [p.name for p in out.rglob(".*") if p.is_file()]
    assert leftovers == []
    for row in rows:
        results = json.loads((out / row["run"] / "results.json").read_text())
        assert results["parameters"]["temperature_K"] == float(row["temperature_K"])


@pytest.mark.slow
def test_sweep_with_a_failing_point_keeps_the_others_and_exits_1(tmp_path):
    (tmp_path / "fails.md").write_text(FAILING)
    grid = write_grid(tmp_path, "depth: [1, 2]\n")
    out = tmp_path / "out"
    result = cli(
        "sweep", tmp_path / "fails.md", "--grid", grid, "--output-dir", out,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "reached the bottom" in result.stderr
    partial = re.search(r"partial notebook: (\S+)", result.stderr).group(1)
    assert (tmp_path / partial).is_file() and "depth-2-" in partial
    rows = read_table(out / "results.csv")
    assert [row["depth"] for row in rows] == ["1"]


@pytest.mark.slow
def test_sweep_on_a_local_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    grid = write_grid(tmp_path, "cases:\n  - {temperature_K: 4.0}\n  - {}\n")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = cli(
            "sweep", "bounds", "--grid", grid, "--output-dir", tmp_path / "dask",
            "--scheduler", cluster.scheduler_address,
            cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = read_table(tmp_path / "dask" / "results.csv")
    assert [float(r["temperature_K"]) for r in rows] == [4.0, 300.0]
    ratio = float(rows[1]["landauer_J_per_bit"]) / float(rows[0]["landauer_J_per_bit"])
    assert math.isclose(ratio, 75.0, rel_tol=1e-12)


def test_unusable_scheduler_is_bad_input_and_writes_nothing(tmp_path):
    pytest.importorskip("distributed")
    grid = write_grid(tmp_path, "temperature_K: [4.0]\n")
    result = cli(
        "sweep", "bounds", "--grid", grid, "--scheduler", "nonsense://nowhere",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "nonsense://nowhere" in result.stderr
    assert not (tmp_path / "outputs").exists()


# --------------------------------------------------------------------------
# The book's page: every console example runs and shows what it prints

_FILE_BLOCK = re.compile(
    r"^```\{code-block\} \w+\n:caption: (\S+)\n\n(.*?)^```", re.M | re.S
)
_CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)


def _examples(page: str):
    """The page's console examples as (command, expected output lines)."""
    examples = []
    for block in _CONSOLE_BLOCK.findall(page):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *shown = chunk.rstrip("\n").split("\n")
            examples.append((command, shown))
    return examples


def _comparable(lines):
    return [HASH.sub("-HASH", line.rstrip().rstrip(",")) for line in lines if line]


def _in_order(wanted, got):
    position = iter(got)
    return all(any(line == seen for seen in position) for line in wanted)


@pytest.mark.slow
def test_rerun_page_examples_run_and_print_what_the_page_shows(repo, tmp_path):
    page = (repo / "book" / "rerun.md").read_text(encoding="utf-8")
    for name, text in _FILE_BLOCK.findall(page):
        (tmp_path / name).write_text(text, encoding="utf-8")
    examples = _examples(page)
    commands = [
        command.split()[1] for command, _ in examples if command.startswith("lim")
    ]
    assert {"params", "run", "sweep"} <= set(commands)

    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    env["PYTHONUNBUFFERED"] = "1"
    for command, shown in examples:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"$ {command}\n{result.stdout}"
        got = _comparable(result.stdout.splitlines())
        assert _in_order(_comparable(shown), got), (
            f"$ {command}\nthe page shows:\n" + "\n".join(shown)
            + "\nthe command printed:\n" + result.stdout
        )  # fmt: skip
