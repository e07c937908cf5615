"""Reading DNN+NeuroSim V2.1 training breakdowns into energy ledgers.

DNN+NeuroSim V2.1 estimates the energy of on-chip training layer by layer
and writes one breakdown file per epoch
(``NeuroSim_Results_Each_Epoch/NeuroSim_Breakdown_Epock_<epoch>.csv``):
an area header and its values, two empty lines, then a layer header and one
line per layer. Fields are comma-separated, every line ends with a comma,
and the layer lines carry two empty fields between the peak figures and the
breakdown. Values are in SI units (m^2, s, J). Per layer, the eight breakdown energies
sum to the four phase energies (forward, activation gradient, weight
gradient, weight update); the reader checks this.

The breakdown's eight energy columns become eight ledger items, each summed
over layers, with the energy of one epoch per event and ``epochs`` events:

=================================== ================== ============= ==========
NeuroSim column                     item               kind          part
=================================== ================== ============= ==========
``ADC_energy(J)``                   adc-and-cell-read  adc           peripheral
``Accumulation_energy(J)``          accumulation       other         peripheral
``Synaptic Array w/o ADC_energy``   array-drivers      other         peripheral
``Buffer_energy(J)``                buffer             data_movement peripheral
``IC_energy(J)``                    interconnect       data_movement peripheral
``Weight_gradient_energy(J)``       weight-gradient    other         peripheral
``Weight_update_energy(J)``         weight-update      array_update  core
``DRAM_energy(J)``                  dram               data_movement peripheral
=================================== ================== ============= ==========

NeuroSim counts the energy of reading the cells inside its ADC figure, and
its "Synaptic Array w/o ADC" column holds the array's wiring and drivers
only. The ADC item therefore includes the array read energy, and the
ledger's core holds the weight updates alone: the periphery is overstated
and the core understated by the cell read energy, which the file does not
separate. The imported ledger says so in its comments.

Limitations
-----------
The breakdown holds no network size, batch count or epoch count, so the
import asks for them. Each epoch is taken to cost what the file's epoch
cost; a run whose epochs differ (sparser updates as training converges)
needs one import per epoch, or a mean over the files. Per-layer values
are kept only as comments.
"""

import csv
import io
import logging
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

from lim_analysis.ledger import LedgerError, loads

log = logging.getLogger(__name__)

#: Area columns of the first header line, in file order.
AREA_COLUMNS = (
    "Total Area(m^2)",
    "Total CIM (FW+AG) Area (m^2)",
    "Routing Area(m^2)",
    "ADC Area(m^2)",
    "Accumulation Area(m^2)",
    "Other Logic&Storage Area(m^2)",
    "Weight Gradient Area(m^2)",
)

_PHASES = ("FW", "AG", "WG", "WU")

#: Layer columns in file order; ``""`` marks the two empty fields.
LAYER_COLUMNS = (
    ("layer_number",)
    + tuple(f"latency_{p}(s)" for p in _PHASES)
    + tuple(f"energy_{p}(J)" for p in _PHASES)
    + tuple(f"Peak_latency_{p}(s)" for p in _PHASES)
    + tuple(f"Peak_energy_{p}(J)" for p in _PHASES)
    + ("", "")
    + (
        "ADC_latency(s)",
        "Accumulation_latency(s)",
        "Synaptic Array w/o ADC_latency(s)",
        "Buffer_latency(s)",
        "IC_latency(s)",
        "Weight_gradient_latency(s)",
        "Weight_update(s)",
        "DRAM_latency(s)",
        "ADC_energy(J)",
        "Accumulation_energy(J)",
        "Synaptic Array w/o ADC_energy(J)",
        "Buffer_energy(J)",
        "IC_energy(J)",
        "Weight_gradient_energy(J)",
        "Weight_update_energy(J)",
        "DRAM_energy(J)",
    )
)

#: Breakdown energy column -> (item name, kind, part, what it holds).
ENERGY_MAPPING = {
    "ADC_energy(J)": (
        "adc-and-cell-read",
        "adc",
        "peripheral",
        "ADC conversions; NeuroSim counts the cell read energy inside this "
        "figure, so this item includes the array read energy",
    ),
    "Accumulation_energy(J)": (
        "accumulation",
        "other",
        "peripheral",
        "shift-add and accumulation of partial sums",
    ),
    "Synaptic Array w/o ADC_energy(J)": (
        "array-drivers",
        "other",
        "peripheral",
        "array wiring, row and column drivers, decoders and multiplexers "
        "(no cell read energy)",
    ),
    "Buffer_energy(J)": (
        "buffer",
        "data_movement",
        "peripheral",
        "on-chip buffers",
    ),
    "IC_energy(J)": (
        "interconnect",
        "data_movement",
        "peripheral",
        "on-chip interconnect",
    ),
    "Weight_gradient_energy(J)": (
        "weight-gradient",
        "other",
        "peripheral",
        "weight-gradient computation",
    ),
    "Weight_update_energy(J)": (
        "weight-update",
        "array_update",
        "core",
        "write pulses of the weight update (open loop, no verify)",
    ),
    "DRAM_energy(J)": (
        "dram",
        "data_movement",
        "peripheral",
        "off-chip DRAM traffic",
    ),
}


@dataclass(frozen=True)
class Breakdown:
    """One epoch's breakdown file.

    Attributes
    ----------
    path : str
        The file read.
    areas_m2 : dict
        Area column -> value [m^2].
    layers : list of dict
        Per layer, column -> value (SI units).
    """

    path: str
    areas_m2: dict
    layers: list

    def energy_J(self, column: str) -> float:
        """A breakdown energy column summed over layers [J]."""
        return math.fsum(layer[column] for layer in self.layers)


def read_breakdown(path) -> Breakdown:
    """Read a NeuroSim V2.1 breakdown CSV.

    Raises
    ------
    LedgerError
        With every problem found (file, line, column and offending value).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LedgerError([f"{path}: cannot read the file: {error.strerror}"]) from None
    rows = [
        (number, [field.strip() for field in row])
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
    ]
    rows = [(number, _drop_trailing(row)) for number, row in rows]
    rows = [(number, row) for number, row in rows if any(row)]
    problems: list[str] = []
    if len(rows) < 4:
        raise LedgerError(
            [
                f"{path}: a breakdown needs an area header, its values, a layer "
                f"header and at least one layer line; found {len(rows)} lines"
            ]
        )

    (area_line, area_header), (value_line, area_values) = rows[0], rows[1]
    if tuple(area_header) != AREA_COLUMNS:
        problems.append(
            f"{path}, line {area_line}: not a NeuroSim V2.1 area header "
            f"(expected {', '.join(AREA_COLUMNS)})"
        )
    areas = _numbers(path, value_line, AREA_COLUMNS, area_values, problems)

    layer_line, layer_header = rows[2]
    if tuple(layer_header) != LAYER_COLUMNS:
        problems.append(
            f"{path}, line {layer_line}: not a NeuroSim V2.1 layer header "
            f"(expected {len(LAYER_COLUMNS)} fields from 'layer_number' to "
            "'DRAM_energy(J)')"
        )
        raise LedgerError(problems)
    layers = []
    for number, row in rows[3:]:
        values = _numbers(path, number, LAYER_COLUMNS, row, problems)
        if values is not None:
            layers.append(values)
    if not problems:
        for number, values in zip((n for n, _ in rows[3:]), layers, strict=True):
            _check_layer_sum(path, number, values, problems)
    if problems:
        raise LedgerError(problems)
    return Breakdown(str(path), areas, layers)


#: Relative tolerance between a layer's phase energies and its breakdown; the
#: file prints seven significant digits.
SUM_TOLERANCE = 1e-4


def _check_layer_sum(path, line, values, problems):
    """Problem if a layer's eight breakdown energies miss its phase total."""
    phases_J = math.fsum(values[f"energy_{p}(J)"] for p in _PHASES)
    breakdown_J = math.fsum(values[column] for column in ENERGY_MAPPING)
    if not math.isclose(phases_J, breakdown_J, rel_tol=SUM_TOLERANCE, abs_tol=1e-30):
        problems.append(
            f"{path}, line {line}, layer {values['layer_number']:g}: the eight "
            f"breakdown energies sum to {breakdown_J:.6g} J, but energy_FW + "
            f"energy_AG + energy_WG + energy_WU = {phases_J:.6g} J"
        )


def _drop_trailing(row: list[str]) -> list[str]:
    return row[:-1] if row and row[-1] == "" else row


def _numbers(path, line, columns, row, problems):
    if len(row) != len(columns):
        problems.append(
            f"{path}, line {line}: {len(row)} fields, expected {len(columns)}"
        )
        return None
    values, bad = {}, False
    for column, field in zip(columns, row, strict=True):
        if column == "":
            if field:
                problems.append(
                    f"{path}, line {line}: the empty field before the breakdown "
                    f"holds {field!r}"
                )
                bad = True
            continue
        try:
            value = float(field)
        except ValueError:
            value = float("nan")
        if not math.isfinite(value) or value < 0:
            problems.append(
                f"{path}, line {line}, column {column!r}: expected a number of "
                f"zero or more, got {field!r}"
            )
            bad = True
            continue
        values[column] = value
    return None if bad else values


def ledger_text(
    breakdown: Breakdown,
    *,
    n_parameters: float,
    updates_per_epoch: float,
    epochs: float = 1.0,
    precision_bits: float = 8,
    temperature_K: float = 300.0,
    update_time_s: float | None = None,
    convergence: str = "not stated in the breakdown: set the run's criterion",
    name: str | None = None,
) -> str:
    """The YAML ledger of a NeuroSim breakdown, with its comments.

    Parameters
    ----------
    breakdown : Breakdown
        One epoch's breakdown.
    n_parameters : float
        Weights the network trains (NeuroSim's file does not give them).
    updates_per_epoch : float
        Updates each weight receives per epoch (batches per epoch).
    epochs : float
        Epochs of the run; each item counts one epoch's energy per epoch.
    precision_bits : float
        Bits per weight [bit].
    temperature_K : float
        Temperature [K].
    update_time_s : float, optional
        Time of one update [s]. By default the weight-update latency of the
        slowest layer divided by ``updates_per_epoch``, i.e. each update is
        taken to fill its share of that layer's update window.
    convergence : str
        The run's convergence criterion.
    name : str, optional
        Workload name; the file's stem by default.

    Raises
    ------
    ValueError
        If ``n_parameters``, ``updates_per_epoch`` or ``epochs`` is not a
        positive number.
    """
    for what, value in (
        ("n_parameters", n_parameters),
        ("updates_per_epoch", updates_per_epoch),
        ("epochs", epochs),
    ):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{what} must be a positive number, got {value!r}")
    source_name = Path(breakdown.path).name
    if update_time_s is None:
        slowest_s = max(layer["latency_WU(s)"] for layer in breakdown.layers)
        update_time_s = slowest_s / updates_per_epoch
        update_time_note = (
            f"slowest layer's weight-update latency ({slowest_s!r} s) over "
            f"{updates_per_epoch:g} updates per epoch (derived)"
        )
    else:
        update_time_note = "given on import"
    lines = [
        f"# Energy ledger imported from the DNN+NeuroSim V2.1 breakdown {source_name}",
        f"# ({len(breakdown.layers)} layers, one epoch), summed over layers.",
        "#",
        "# NeuroSim counts the cell read energy inside its ADC figure: the item",
        "# adc-and-cell-read INCLUDES the array read energy, and its",
        "# 'Synaptic Array w/o ADC' column (item array-drivers) holds wiring and",
        "# drivers only. The core below therefore holds the weight updates alone;",
        "# the periphery is overstated by the cell read energy, which the file",
        "# does not separate.",
        "#",
        "# Column mapping (NeuroSim column -> item, kind, part):",
    ]
    for column, (item, kind, part, _) in ENERGY_MAPPING.items():
        lines.append(f"#   {column} -> {item}, {kind}, {part}")
    lines += [
        "",
        "workload:",
        f"  name: {_quote(name or Path(breakdown.path).stem)}",
        f"  n_parameters: {float(n_parameters)!r}  # given on import",
        f"  updates_per_parameter: {float(updates_per_epoch * epochs)!r}"
        "  # updates per epoch x epochs",
        f"  precision_bits: {float(precision_bits)!r}",
        f"  update_time_s: {float(update_time_s)!r}  # {update_time_note}",
        f"  temperature_K: {float(temperature_K)!r}",
        f"  convergence: {_quote(convergence)}",
        "  variables:",
        f"    epochs: {float(epochs)!r}  # each item is one epoch's energy",
        "",
        "items:",
    ]
    for column, (item, kind, part, holds) in ENERGY_MAPPING.items():
        per_layer = ", ".join(f"{layer[column]:.4g}" for layer in breakdown.layers)
        lines += textwrap.wrap(
            f"{holds[0].upper()}{holds[1:]}.",
            76,
            initial_indent="  # ",
            subsequent_indent="  # ",
        )
        lines += textwrap.wrap(
            f"Per layer [J]: {per_layer}",
            76,
            initial_indent="  # ",
            subsequent_indent="  #   ",
        )
        lines += [
            f"  - name: {item}",
            f"    part: {part}",
            f"    kind: {kind}",
            f"    energy: {breakdown.energy_J(column)!r} J",
            "    count: epochs",
            f"    source: {_quote(f'DNN+NeuroSim V2.1 breakdown {source_name}')}",
            "    provenance: library",
            f"    notes: {_quote(f'column {column}, summed over layers')}",
        ]
    return "\n".join(lines) + "\n"


def import_breakdown(csv_path, **workload) -> str:
    """Read a breakdown and return its ledger text, checked.

    Keyword arguments go to :func:`ledger_text`.

    Raises
    ------
    LedgerError
        If the file or the resulting ledger has a problem.
    """
    breakdown = read_breakdown(csv_path)
    text = ledger_text(breakdown, **workload)
    loads(text, f"ledger imported from {csv_path}")
    return text


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
