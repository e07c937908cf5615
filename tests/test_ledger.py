"""The energy ledger: reading, checking, the gap identity, sensitivity, CLI."""

import contextlib
import csv
import io
import json
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from lim_analysis import bounds, cli, ledger, neurosim
from lim_analysis.paths import data_dir

DATA = Path(__file__).parent / "data"
BREAKDOWN = DATA / "NeuroSim_Breakdown_Epock_1.csv"

GOOD = """\
workload:
  name: small-run
  n_parameters: 1.0e3
  updates_per_parameter: 1.0e2
  precision_bits: 4
  update_time_s: 1.0e-6
  temperature_K: 300
  convergence: "loss below 0.1"
  variables:
    conversions_per_update: 4
items:
  - name: update
    part: core
    kind: array_update
    energy: 1 fJ
    count: "n_parameters * updates_per_parameter"
    source: test
  - name: adc
    part: peripheral
    kind: adc
    energy: 2 fJ
    count: "conversions_per_update * n_parameters * updates_per_parameter"
    source: test
  - name: buffer
    part: peripheral
    kind: data_movement
    energy: 0.5 fJ
    count: 1.0e5
    source: test
"""


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args):
    """Run the CLI in this process (fast); exit code and both streams."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["-q", *args])
        except SystemExit as exit_:
            code = exit_.code
    return Completed(code, out.getvalue(), err.getvalue())


def run_console_script(*args, cwd):
    """Run the installed console script in a subprocess."""
    script = Path(sys.executable).with_name("lim-analysis")
    return subprocess.run(
        [str(script), "-q", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def edited(change) -> str:
    """The good ledger with ``change(document)`` applied."""
    document = yaml.safe_load(GOOD)
    change(document)
    return yaml.safe_dump(document, sort_keys=False)


def set_item(index, key, value):
    def change(document):
        document["items"][index][key] = value

    return change


def drop_item_field(index, key):
    def change(document):
        del document["items"][index][key]

    return change


def set_kind(index, kind):
    """Move item ``index`` to the core under ``kind``."""

    def change(document):
        document["items"][index]["part"] = "core"
        document["items"][index]["kind"] = kind

    return change


def set_workload(key, value):
    def change(document):
        document["workload"][key] = value

    return change


# --------------------------------------------------------------------------
# Evaluation.


def test_items_totals_and_shares():
    book = ledger.loads(GOOD)
    # 1e5 updates at 1 fJ; 4e5 conversions at 2 fJ; 1e5 buffer events at 0.5 fJ.
    assert book.core_J == pytest.approx(1e-10)
    assert book.peripheral_J == pytest.approx(8e-10 + 5e-11)
    assert book.total_J == pytest.approx(9.5e-10)
    shares = book.shares_by_kind()
    assert shares["adc"] == pytest.approx(8 / 9.5)
    assert shares["array_update"] == pytest.approx(1 / 9.5)
    assert shares["calibration"] == 0.0
    assert sum(shares.values()) == pytest.approx(1.0)
    assert sum(book.shares_by_part().values()) == pytest.approx(1.0)


def test_energy_units_are_converted():
    text = edited(set_item(0, "energy", "6.241509074e3 eV"))
    update = ledger.loads(text).items[0]
    assert update.energy_per_event_J == pytest.approx(1e-15, rel=1e-9)


def test_bound_is_n_k_times_the_update_bound():
    book = ledger.loads(GOOD)
    per_update = bounds.update_bound_J(4, 1e-6, ledger.DEFAULT_DIFFUSION_TIME_S, 300)
    assert book.bound_J == pytest.approx(1e3 * 1e2 * per_update, rel=1e-12)
    assert ledger.workload_bound_J(book.workload) == book.bound_J


def test_diffusion_time_enters_the_bound():
    slow = ledger.loads(GOOD)
    fast = ledger.loads(edited(set_workload("diffusion_time_s", 1e-5)))
    # tau_D / (2 tau) = 5 on top of ln 2 per bit.
    ratio = (math.log(2) + 5) / (math.log(2) + 5e-4)
    assert fast.bound_J / slow.bound_J == pytest.approx(ratio, rel=1e-9)


def test_gap_identity_holds_exactly_enough():
    book = ledger.loads(GOOD)
    gap = book.gap()
    assert gap.gap_J == pytest.approx(gap.core_J + gap.peripheral_J, rel=1e-14)
    assert gap.core_J == pytest.approx(book.core_J - book.bound_J, rel=1e-14)
    assert gap.peripheral_J == book.peripheral_J


@pytest.mark.parametrize("k", [0.0, 0.1, 0.5, 1.0, 2.0])
def test_sensitivity_changes_the_total_by_the_core_share(k):
    book = ledger.loads(GOOD)
    share = book.core_J / book.total_J
    result = book.sensitivity(k)
    assert result.relative_change == pytest.approx((k - 1) * share)
    assert result.total_J == pytest.approx(book.scaled(k).total_J)
    assert result.translation_ratio == pytest.approx(1 / (k * share + 1 - share))
    assert result.translation_ratio <= result.ratio_cap + 1e-12
    assert result.ratio_cap == pytest.approx(1 / (1 - share))


def test_sensitivity_flags_a_core_below_the_bound():
    book = ledger.loads(GOOD)
    tiny = book.bound_J / book.core_J / 2
    assert book.sensitivity(tiny).below_bound
    assert not book.sensitivity(1.0).below_bound


def test_translation_ratio_function_matches_ledger():
    book = ledger.loads(GOOD)
    share = book.core_J / book.total_J
    expected = book.sensitivity(0.1).translation_ratio
    assert ledger.translation_ratio(share, 0.1) == pytest.approx(expected)
    with pytest.raises(ValueError):
        ledger.translation_ratio(1.5, 0.1)


def test_bound_keyword_puts_an_item_at_the_bound():
    text = edited(set_item(0, "energy", "bound"))
    book = ledger.loads(text)
    assert book.core_J == pytest.approx(book.bound_J, rel=1e-12)
    assert book.gap().core_J == pytest.approx(0.0, abs=1e-12 * book.bound_J)


def test_model_item_uses_the_component_model():
    from lim_analysis.components import adc_energy_J

    def change(document):
        del document["items"][1]["energy"]
        document["items"][1]["model"] = {
            "component": "ADC",
            "attributes": {
                "n_bits": 5,
                "tech_node": 14e-9,
                "throughput": 1e9,
                "n_adcs": 1,
            },
            "action": "read",
        }

    adc = ledger.loads(edited(change)).items[1]
    assert adc.energy_per_event_J == pytest.approx(adc_energy_J(5))
    assert adc.latency_s > 0


def test_write_verify_item_uses_the_monte_carlo():
    from lim_analysis import write_verify

    def change(document):
        document["items"].append(
            {
                "name": "verify",
                "part": "peripheral",
                "kind": "write_verify",
                "write_verify": {"n_devices": 2048, "tolerance_uS": 8.0, "seed": 3},
                "count": "n_parameters",
                "source": "test",
            }
        )

    item = ledger.loads(edited(change)).items[-1]
    expected = write_verify.simulate(
        write_verify.WriteVerifyParams(n_devices=2048, tolerance_uS=8.0), seed=3
    )
    assert item.energy_per_event_J == expected.energy_J_per_write
    assert item.latency_s == expected.latency_s_per_write
    assert item.energy_J == pytest.approx(1e3 * expected.energy_J_per_write)


@pytest.mark.parametrize(
    ("kind", "spec", "expected"),
    [
        (
            "write_verify",
            {"tolerance": 5.0},
            "unknown write-verify parameter 'tolerance'",
        ),
        ("write_verify", {"n_devices": 0}, "n_devices must be at least 1"),
        ("write_verify", {"seed": -1}, "seed"),
        ("adc", {"n_devices": 64}, "only items of kind write_verify or calibration"),
    ],
)
def test_bad_write_verify_items_are_named(kind, spec, expected):
    def change(document):
        document["items"].append(
            {
                "name": "verify",
                "part": "peripheral",
                "kind": kind,
                "write_verify": spec,
                "count": 1,
                "source": "test",
            }
        )

    with pytest.raises(ledger.LedgerError) as error:
        ledger.loads(edited(change), "wv.yaml")
    message = str(error.value)
    assert "wv.yaml: item 'verify' (items[3]), field 'write_verify'" in message
    assert expected in message


def test_count_expression_is_evaluated_safely():
    names = {"a": 2.0, "b": 3.0}
    assert ledger.evaluate_count("a * (b + 1) ** 2 / 4 - -1", names) == 9.0
    for hostile in ("__import__('os')", "a.real", "[a]", "a if b else 1", "'x'"):
        with pytest.raises(ValueError, match="may hold only"):
            ledger.evaluate_count(hostile, names)
    with pytest.raises(ValueError, match="divides by zero"):
        ledger.evaluate_count("a / (b - 3)", names)
    with pytest.raises(ValueError, match="negative"):
        ledger.evaluate_count("a - b", names)


def test_yaml_12_floats_are_read_as_numbers():
    book = ledger.loads(GOOD)
    assert book.workload.n_parameters == 1000.0
    assert isinstance(book.workload.n_parameters, float)


# --------------------------------------------------------------------------
# Bad input: each gives a message naming file, item, field and value, and
# the CLI exits 2 without writing anything.

BAD_INPUTS = {
    "negative energy": (edited(set_item(1, "energy", "-2 fJ")), ["'adc'", "energy"]),
    "NaN energy": (edited(set_item(1, "energy", "nan fJ")), ["'adc'", "finite"]),
    "unknown unit": (
        edited(set_item(1, "energy", "2 zorkjoule")),
        ["'adc'", "energy", "unknown unit", "zorkjoule"],
    ),
    "wrong dimension": (
        edited(set_item(1, "energy", "5 V")),
        ["'adc'", "energy", "'5 V' is not an energy"],
    ),
    "bare number energy": (
        edited(set_item(1, "energy", 2e-15)),
        ["'adc'", "energy", "needs a unit"],
    ),
    "unknown kind": (
        edited(set_item(2, "kind", "dram")),
        ["'buffer'", "kind", "'dram'"],
    ),
    "unknown part": (
        edited(set_item(2, "part", "periphery")),
        ["'buffer'", "part", "'periphery'"],
    ),
    "missing field": (
        edited(drop_item_field(0, "count")),
        ["'update'", "'count'", "missing"],
    ),
    "missing workload field": (
        edited(lambda d: d["workload"].pop("temperature_K")),
        ["workload", "'temperature_K'", "missing"],
    ),
    "unknown name in count": (
        edited(set_item(1, "count", "conversions_per_updat * n_parameters")),
        ["'adc'", "count", "'conversions_per_updat'"],
    ),
    "no items": (edited(lambda d: d.update(items=[])), ["no items"]),
    "boolean count": (edited(set_item(2, "count", True)), ["'buffer'", "count"]),
    "duplicate item names": (
        edited(set_item(2, "name", "adc")),
        ["'adc'", "name", "duplicate"],
    ),
    "malformed YAML": (
        GOOD.replace("  - name: adc\n", "  - name: adc\n   bad: [\n"),
        ["not valid YAML", "line"],
    ),
    "energy and model both given": (
        edited(set_item(1, "model", {"component": "ADC"})),
        ["'adc'", "exactly one"],
    ),
    "negative workload number": (
        edited(set_workload("n_parameters", -5)),
        ["workload", "n_parameters", "-5"],
    ),
    "fractional precision": (
        edited(set_workload("precision_bits", 4.5)),
        ["workload", "precision_bits", "whole number", "4.5"],
    ),
    "duplicate YAML key": (
        GOOD.replace("    kind: adc\n", "    kind: adc\n    kind: dac\n"),
        ["not valid YAML", "'kind' appears twice"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_exits_2(case, tmp_path):
    text, expected = BAD_INPUTS[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    before = sorted(tmp_path.iterdir())

    with pytest.raises(ledger.LedgerError) as error:
        ledger.load(path)
    message = str(error.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message, (fragment, message)

    for command in (["check"], ["report"], ["report", "--format", "json"]):
        result = run_cli("ledger", *command, str(path))
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert result.stdout == ""
        for fragment in expected:
            assert fragment in result.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_check_lists_every_problem_at_once(tmp_path):
    def change(document):
        document["items"][0]["energy"] = "-1 fJ"
        document["items"][1]["kind"] = "converter"
        document["items"][2]["count"] = "nowhere * 2"
        document["workload"]["temperature_K"] = "hot"

    path = tmp_path / "many.yaml"
    path.write_text(edited(change))
    result = run_cli("ledger", "check", str(path))
    assert result.returncode == 2
    problems = result.stderr.strip().splitlines()
    assert len(problems) == 4, problems
    for fragment in ("'update'", "'converter'", "'nowhere'", "'hot'"):
        assert any(fragment in line for line in problems), fragment


@pytest.mark.parametrize(
    "count",
    [
        "conversions_per_updat * n_parameters",
        "n_parameters / (2 - 2)",
        "1 - n_parameters",
    ],
)
def test_a_bad_count_expression_is_printed_once(count):
    with pytest.raises(ledger.LedgerError) as error:
        ledger.loads(edited(set_item(1, "count", count)), "f.yaml")
    (problem,) = error.value.problems
    assert problem.startswith("f.yaml: item 'adc' (items[1]), field 'count': ")
    assert problem.count(count) == 1, problem


@pytest.mark.parametrize("kind", ledger.PERIPHERAL_KINDS)
def test_a_peripheral_kind_in_the_core_warns_but_loads(kind, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(edited(set_kind(1, kind)))
    book = ledger.load(path)
    (warning,) = book.warnings
    assert "item 'adc' (items[1]), field 'part'" in warning
    assert repr(kind) in warning
    result = run_cli("ledger", "check", str(path))
    assert result.returncode == 0
    assert f"warning: {warning}" in result.stderr
    assert result.stdout.strip() == f"{path}: ok"


def test_core_kinds_in_the_core_give_no_warning():
    assert ledger.loads(GOOD).warnings == ()
    for name in sorted((data_dir() / "ledgers").glob("*.yaml")):
        assert ledger.load(name).warnings == (), name


def test_problems_name_item_index_when_name_is_missing():
    with pytest.raises(ledger.LedgerError) as error:
        ledger.loads(edited(drop_item_field(2, "name")), "f.yaml")
    assert "f.yaml: items[2], field 'name': missing" in str(error.value)


def test_a_bad_model_is_reported_with_the_item(tmp_path):
    def change(document):
        del document["items"][1]["energy"]
        document["items"][1]["model"] = {"component": "ADC", "attributes": {}}

    with pytest.raises(ledger.LedgerError) as error:
        ledger.loads(edited(change), "m.yaml")
    message = str(error.value)
    assert "m.yaml: item 'adc' (items[1]), field 'model'" in message
    assert "missing" in message


def test_missing_file_is_bad_input(tmp_path):
    result = run_cli("ledger", "check", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2
    assert "absent.yaml" in result.stderr


# --------------------------------------------------------------------------
# CLI round trips.


def test_new_check_report_round_trip(tmp_path):
    path = tmp_path / "mine.yaml"
    created = run_console_script("ledger", "new", "mine.yaml", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert path.is_file()
    text = path.read_text()
    assert "# part: core" in text and "array_update" in text

    checked = run_console_script("ledger", "check", "mine.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "ok" in checked.stdout

    book = ledger.load(path)
    as_json = json.loads(
        run_cli("ledger", "report", str(path), "--format", "json").stdout
    )
    assert as_json["total_J"] == pytest.approx(book.total_J, rel=1e-15)
    assert as_json["bound_J"] == pytest.approx(book.bound_J, rel=1e-15)
    assert as_json["gap"]["core_J"] == pytest.approx(book.core_J - book.bound_J)
    assert set(as_json["shares"]) == set(ledger.KINDS)
    assert [i["name"] for i in as_json["items"]] == [i.name for i in book.items]

    table = run_cli("ledger", "report", str(path)).stdout
    for item in book.items:
        assert item.name in table
    assert "gap:" in table and "bound:" in table

    rows = list(
        csv.DictReader(
            io.StringIO(
                run_cli("ledger", "report", str(path), "--format", "csv").stdout
            )
        )
    )
    item_rows = [r for r in rows if r["section"] == "item"]
    assert len(item_rows) == len(book.items)
    scaled = next(r for r in rows if r["section"] == "sensitivity")
    assert float(scaled["share"]) == pytest.approx(
        1 / book.sensitivity(0.1).translation_ratio
    )
    total = next(r for r in rows if r["section"] == "total")
    assert float(total["energy_J"]) == pytest.approx(book.total_J, rel=1e-15)
    assert math.fsum(float(r["energy_J"]) for r in item_rows) == pytest.approx(
        book.total_J
    )


def test_report_core_scale_option(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    data = json.loads(
        run_cli(
            "ledger", "report", str(path), "--format", "json", "--core-scale", "0.5"
        ).stdout
    )
    book = ledger.loads(GOOD)
    assert data["sensitivity"]["total_J"] == pytest.approx(
        book.total_J - 0.5 * book.core_J
    )


def test_new_refuses_to_overwrite(tmp_path):
    path = tmp_path / "keep.yaml"
    path.write_text("mine\n")
    result = run_cli("ledger", "new", str(path))
    assert result.returncode == 2
    assert "exists" in result.stderr
    assert path.read_text() == "mine\n"


# --------------------------------------------------------------------------
# NeuroSim import.


def test_breakdown_reads_every_layer():
    breakdown = neurosim.read_breakdown(BREAKDOWN)
    assert len(breakdown.layers) == 8
    assert breakdown.areas_m2["ADC Area(m^2)"] == pytest.approx(3.5467e-05)
    assert breakdown.layers[1]["ADC_energy(J)"] == pytest.approx(6.240000e-01, rel=1e-3)


def test_import_neurosim_writes_a_checked_ledger(tmp_path):
    output = tmp_path / "imported.yaml"
    result = run_cli(
        "ledger",
        "import-neurosim",
        str(BREAKDOWN),
        "-o",
        str(output),
        "--n-parameters",
        "12.97e6",
        "--updates-per-epoch",
        "250",
        "--epochs",
        "200",
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert "cell read energy inside its ADC figure" in text
    assert "INCLUDES the array read energy" in text
    assert run_cli("ledger", "check", str(output)).returncode == 0

    book = ledger.load(output)
    breakdown = neurosim.read_breakdown(BREAKDOWN)
    by_name = {item.name: item for item in book.items}
    for column, (name, kind, part, _) in neurosim.ENERGY_MAPPING.items():
        item = by_name[name]
        assert (item.kind, item.part) == (kind, part)
        assert item.energy_J == pytest.approx(200 * breakdown.energy_J(column))
    assert book.core_J == pytest.approx(
        200 * breakdown.energy_J("Weight_update_energy(J)")
    )
    # The CSV's columns account for every joule of the ledger.
    columns_J = sum(breakdown.energy_J(c) for c in neurosim.ENERGY_MAPPING)
    assert book.total_J == pytest.approx(200 * columns_J)
    assert book.workload.updates_per_parameter == 250 * 200


def import_small(source, *extra):
    """Import a breakdown for a small network of 1e6 weights."""
    return run_cli(
        "ledger",
        "import-neurosim",
        str(source),
        *extra,
        "--n-parameters",
        "1e6",
        "--updates-per-epoch",
        "10",
    )


def test_import_neurosim_refuses_to_overwrite(tmp_path):
    output = tmp_path / "there.yaml"
    output.write_text("keep\n")
    result = import_small(BREAKDOWN, "-o", str(output))
    assert result.returncode == 2
    assert output.read_text() == "keep\n"


def test_import_neurosim_rejects_a_damaged_file(tmp_path):
    lines = BREAKDOWN.read_text().splitlines()
    fields = lines[6].split(",")
    fields[-3] = " lots"
    lines[6] = ",".join(fields)
    damaged = tmp_path / "damaged.csv"
    damaged.write_text("\n".join(lines) + "\n")
    result = import_small(damaged)
    assert result.returncode == 2
    assert "damaged.csv, line 7, column 'Weight_update_energy(J)'" in result.stderr
    assert "'lots'" in result.stderr
    assert not damaged.with_suffix(".yaml").exists()


# --------------------------------------------------------------------------
# Shipped ledgers.

#: Each shipped scenario and its row of data/survey_hong2025.csv
#: (configuration, workload), whose ADC share it must reproduce.
PUBLISHED = {
    "vgg8-cifar10-sar-adc.yaml": ("SAR ADC baseline", "VGG8/CIFAR-10"),
    "vgg8-cifar10-adaptive-adc.yaml": ("adaptive memristor ADC", "VGG8/CIFAR-10"),
    "resnet18-imagenet-sar-adc.yaml": ("SAR ADC baseline", "ResNet18/ImageNet"),
    "resnet18-imagenet-adaptive-adc.yaml": (
        "adaptive memristor ADC",
        "ResNet18/ImageNet",
    ),
}

#: Tolerance: half the rounding step (0.1 point) of the published shares.
SHARE_TOLERANCE = 0.0005


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_shipped_ledgers_reproduce_the_published_adc_share(name):
    from lim_analysis import survey

    published = survey.value("adc_energy_share", *PUBLISHED[name])
    book = ledger.load(data_dir() / "ledgers" / name)
    share = book.shares_by_kind()["adc"]
    assert share == pytest.approx(published, abs=SHARE_TOLERANCE)


def test_every_shipped_ledger_checks():
    files = sorted((data_dir() / "ledgers").glob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        assert ledger.check(path) == [], path


def test_core_at_bound_variant_has_no_core_gap():
    folder = data_dir() / "ledgers"
    at_bound = ledger.load(folder / "vgg8-cifar10-adaptive-adc-core-at-bound.yaml")
    base = ledger.load(folder / "vgg8-cifar10-adaptive-adc.yaml")
    assert at_bound.core_J == pytest.approx(at_bound.bound_J, rel=1e-12)
    assert at_bound.peripheral_J == pytest.approx(base.peripheral_J, rel=1e-12)
    assert at_bound.bound_J == pytest.approx(base.bound_J, rel=1e-12)


@pytest.mark.parametrize(
    "option", ["--updates-per-epoch", "--epochs", "--n-parameters"]
)
@pytest.mark.parametrize("value", ["0", "-3", "nan"])
def test_import_neurosim_names_a_bad_count_option(option, value, tmp_path):
    output = tmp_path / "imported.yaml"
    options = {"--n-parameters": "1e6", "--updates-per-epoch": "10", "--epochs": "2"}
    options[option] = value
    result = run_cli(
        "ledger",
        "import-neurosim",
        str(BREAKDOWN),
        "-o",
        str(output),
        *[part for pair in options.items() for part in pair],
    )
    assert result.returncode == 2
    assert option in result.stderr
    assert "Traceback" not in result.stderr
    assert "updates_per_parameter" not in result.stderr
    assert not output.exists()


@pytest.mark.parametrize("what", ["updates_per_epoch", "epochs", "n_parameters"])
def test_ledger_text_refuses_a_zero_count(what):
    breakdown = neurosim.read_breakdown(BREAKDOWN)
    options = {"n_parameters": 1e6, "updates_per_epoch": 10.0, "epochs": 2.0}
    options[what] = 0.0
    with pytest.raises(ValueError, match=what):
        neurosim.ledger_text(breakdown, **options)


def test_breakdown_layers_sum_to_their_phases():
    breakdown = neurosim.read_breakdown(BREAKDOWN)
    for layer in breakdown.layers:
        phases = sum(layer[f"energy_{p}(J)"] for p in ("FW", "AG", "WG", "WU"))
        columns = sum(layer[c] for c in neurosim.ENERGY_MAPPING)
        assert columns == pytest.approx(phases, rel=neurosim.SUM_TOLERANCE)


def test_breakdown_that_misses_its_phase_total_names_the_layer(tmp_path):
    lines = BREAKDOWN.read_text().splitlines()
    fields = lines[7].split(",")
    fields[-9] = " 9.0e-01"  # ADC energy of layer 3, raised
    lines[7] = ",".join(fields)
    damaged = tmp_path / "unbalanced.csv"
    damaged.write_text("\n".join(lines) + "\n")
    with pytest.raises(ledger.LedgerError) as error:
        neurosim.read_breakdown(damaged)
    (problem,) = error.value.problems
    assert "unbalanced.csv, line 8, layer 3" in problem
    assert "energy_FW + energy_AG + energy_WG + energy_WU" in problem


def test_waterfall_splits_the_core_into_reads_and_updates_above_the_bound():
    book = ledger.load(data_dir() / "ledgers" / "vgg8-cifar10-sar-adc.yaml")
    steps = dict(book.waterfall())
    kinds = book.by_kind()
    assert steps["bound"] == book.bound_J
    assert steps["array_update (core) - bound"] == pytest.approx(
        kinds["array_update"] - book.bound_J
    )
    assert steps["array_read (core)"] == pytest.approx(kinds["array_read"])
    assert math.fsum(steps.values()) == pytest.approx(book.total_J, rel=1e-12)
    assert "dac" not in steps


def test_refiling_moves_energy_between_parts_and_keeps_the_total():
    book = ledger.load(ledger.resolve("ledgers") / "vgg8-cifar10-sar-adc.yaml")
    moved = book.refiled("array_read", "peripheral")
    reads = book.by_kind()["array_read"]
    assert reads > 0
    assert moved.total_J == pytest.approx(book.total_J)
    assert moved.core_J == pytest.approx(book.core_J - reads)
    assert moved.sensitivity(0.1).translation_ratio < book.sensitivity(
        0.1).translation_ratio
    with pytest.raises(ValueError, match="kind"):
        book.refiled("nonsense", "core")
