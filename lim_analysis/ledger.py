"""An itemised energy ledger of one learning workload: core against periphery.

A ledger is a YAML file with two sections. ``workload`` fixes what is being
trained (parameters, updates per parameter, precision, update time,
temperature and the convergence criterion that makes two ledgers
comparable); ``items`` lists every energy the system spends on it, each as
an energy per event times a count of events. Every item belongs to one
*part*, the ``core`` (the memory array's own reads and updates, the part a
thermodynamic bound speaks about) or the ``peripheral`` system (converters,
calibration, write-verify, data movement, control), and to one *kind*.

From a ledger this module computes the totals by part and by kind, their
shares, the thermodynamic bound of the same workload and the gap between
the two,

.. math:: E_\\mathrm{total} - E_\\mathrm{bound}
   = (E_\\mathrm{core} - E_\\mathrm{bound}) + E_\\mathrm{peripheral},

and the sensitivity of the total to a better (or worse) core.

The file format, field by field, is written out by :func:`template_text`
(``lim-analysis ledger new FILE``).

Limitations
-----------
An item has one energy per event: energies that depend on the data
(sparse inputs, conversions that stop early) or drift with time must be
split into several items or averaged by hand. Idle and leakage power have
no field of their own: write them as the energy of one second of run time
(e.g. ``energy: 2 mJ``) with the run's duration in seconds as the count.
The bound counts every update as an overwrite of ``precision_bits`` bits.
"""

import ast
import functools
import json
import logging
import math
import operator
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pint
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lim_analysis import bounds
from lim_analysis.components import action_cost
from lim_analysis.paths import data_dir

log = logging.getLogger(__name__)

Part = Literal["core", "peripheral"]
Kind = Literal[
    "array_update",
    "array_read",
    "adc",
    "dac",
    "calibration",
    "write_verify",
    "data_movement",
    "control",
    "other",
]
#: How a number in a ledger was obtained (the labels of ``data/README.md``,
#: plus ``assumption`` for a value chosen by the ledger's author).
Provenance = Literal["paper", "library", "second-hand", "derived", "assumption"]

#: The two parts of a system's energy.
PARTS = get_args(Part)

#: The kinds an item can be, in the order reports list them.
KINDS = get_args(Kind)

PROVENANCES = get_args(Provenance)

#: Kinds that belong to the periphery by their nature: an item of one of
#: these kinds filed under ``part: core`` loads, with a warning.
PERIPHERAL_KINDS = tuple(
    kind for kind in KINDS if kind not in ("array_update", "array_read", "other")
)

#: Diffusion time across a memory cell's double well used when a workload
#: gives none [s]. A reconstructed device parameter, not a measured one.
DEFAULT_DIFFUSION_TIME_S = 1e-9

#: The energy keyword that stands for the bound of one parameter update.
BOUND_KEYWORD = "bound"

_UNITS = pint.UnitRegistry()


class LedgerError(ValueError):
    """A ledger file could not be read; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --------------------------------------------------------------------------
# Reading YAML: floats as YAML 1.2 writes them, no duplicate keys.


class _Loader(yaml.SafeLoader):
    """A safe loader that reads ``5.0e6`` and ``1e4`` as floats and rejects
    a key given twice in one mapping."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)[eE][-+]?\d+$"),
    list("-+0123456789."),
)


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"the key {key!r} appears twice (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


# --------------------------------------------------------------------------
# Quantities and count expressions.


def parse_quantity(value, dimension: str, what: str) -> float:
    """Convert ``"12.58 fJ"`` (any unit of ``dimension``) to SI magnitude.

    Parameters
    ----------
    value : str
        A number followed by a unit that pint knows.
    dimension : str
        ``"[energy]"`` or ``"[time]"``.
    what : str
        Name used in messages (``"an energy"``).

    Returns
    -------
    float
        The magnitude in joules or seconds; finite and not negative.

    Raises
    ------
    ValueError
        On a bare number, an unknown unit, a wrong dimension, or a negative
        or non-finite magnitude.
    """
    si = {"[energy]": "J", "[time]": "s"}[dimension]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{what} must be a number with a unit, e.g. '1.5 {si}'")
    if isinstance(value, (int, float)):
        raise ValueError(
            f"{what} needs a unit: write e.g. '{value} {si}', not a bare number"
        )
    try:
        quantity = _UNITS.Quantity(value.strip())
    except pint.UndefinedUnitError as error:
        unknown = ", ".join(repr(name) for name in error.unit_names)
        raise ValueError(f"unknown unit {unknown} in {value!r}") from None
    except Exception:  # pint's parser raises several unrelated types
        raise ValueError(f"cannot read {value!r} as {what}") from None
    if not isinstance(quantity, pint.Quantity) or quantity.dimensionless:
        raise ValueError(f"{what} needs a unit, e.g. '{value} {si}'")
    if not quantity.check(dimension):
        raise ValueError(
            f"{value!r} is not {what}: its unit {quantity.units:~} has dimension "
            f"{quantity.dimensionality}"
        )
    magnitude = float(quantity.to(si).magnitude)
    if not math.isfinite(magnitude):
        raise ValueError(f"{what} must be finite")
    if magnitude < 0:
        raise ValueError(f"{what} must not be negative")
    return magnitude


_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def expression_names(expression: str) -> set[str]:
    """The names an arithmetic expression uses; ValueError if it is not one."""
    tree = _parse_expression(expression)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def evaluate_count(expression, names: dict[str, float]) -> float:
    """Evaluate a count: a number, or arithmetic on workload names.

    Parameters
    ----------
    expression : float or str
        A number, or an expression using numbers, names from ``names``,
        ``+ - * / **`` and parentheses (e.g. ``"n_parameters * 2"``).
    names : dict
        The values the expression may use.

    Returns
    -------
    float
        The count; finite and not negative.

    Raises
    ------
    ValueError
        On any other syntax, an unknown name (named in the message),
        division by zero, or a negative or non-finite result.
    """
    if isinstance(expression, bool):
        raise ValueError("a count must be a number or an expression, not a boolean")
    if isinstance(expression, (int, float)):
        value = float(expression)
    else:
        tree = _parse_expression(expression)
        unknown = sorted(
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id not in names
        )
        if unknown:
            raise ValueError(
                f"unknown name {', '.join(repr(n) for n in unknown)} in "
                f"{expression!r}; known names: {', '.join(sorted(names))}"
            )
        try:
            value = float(_evaluate(tree.body, names))
        except ZeroDivisionError:
            raise ValueError(f"{expression!r} divides by zero") from None
        except OverflowError:
            raise ValueError(f"{expression!r} overflows") from None
    if not math.isfinite(value):
        raise ValueError("a count must be finite")
    if value < 0:
        raise ValueError("a count must not be negative")
    return value


def _parse_expression(expression) -> ast.Expression:
    if not isinstance(expression, str):
        raise ValueError("a count must be a number or a string expression")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(
            f"cannot read {expression!r} as an arithmetic expression"
        ) from None
    for node in ast.walk(tree):
        allowed = (
            isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name))
            or isinstance(node, ast.operator)
            and type(node) in _OPERATORS
            or isinstance(node, (ast.UAdd, ast.USub, ast.Load))
            or isinstance(node, ast.Constant)
            and type(node.value) in (int, float)
        )
        if not allowed:
            raise ValueError(
                f"{expression!r} may hold only numbers, workload names, "
                "+ - * / ** and parentheses"
            )
    return tree


def _evaluate(node, names):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, names)
        return -value if isinstance(node.op, ast.USub) else value
    left, right = _evaluate(node.left, names), _evaluate(node.right, names)
    return _OPERATORS[type(node.op)](float(left), float(right))


# --------------------------------------------------------------------------
# The schema.


class Workload(BaseModel):
    """What is trained, and the criterion that makes ledgers comparable."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    n_parameters: float = Field(gt=0, allow_inf_nan=False)
    updates_per_parameter: float = Field(gt=0, allow_inf_nan=False)
    precision_bits: float = Field(gt=0, allow_inf_nan=False)
    update_time_s: float = Field(gt=0, allow_inf_nan=False)
    temperature_K: float = Field(gt=0, allow_inf_nan=False)
    diffusion_time_s: float = Field(
        default=DEFAULT_DIFFUSION_TIME_S, gt=0, allow_inf_nan=False
    )
    convergence: str = Field(min_length=1)
    variables: dict[str, float] = Field(default_factory=dict)
    notes: str | None = None

    @field_validator("precision_bits")
    @classmethod
    def _check_whole_bits(cls, bits):
        if bits != int(bits):
            raise ValueError(f"precision_bits must be a whole number, got {bits!r}")
        return bits

    @field_validator("variables")
    @classmethod
    def _check_variables(cls, variables):
        for key, value in variables.items():
            if not key.isidentifier():
                raise ValueError(f"variable name {key!r} is not a plain name")
            if key in cls.model_fields:
                raise ValueError(f"variable {key!r} shadows a workload field")
            if not math.isfinite(value):
                raise ValueError(f"variable {key!r} must be finite, got {value!r}")
        return variables

    def names(self) -> dict[str, float]:
        """The numbers a count expression may use."""
        numbers = {
            key: float(value)
            for key, value in self.model_dump().items()
            if isinstance(value, (int, float))
        }
        return numbers | dict(self.variables)


class ComponentModel(BaseModel):
    """A hwcomponents model for an item's energy per event."""

    model_config = ConfigDict(extra="forbid")

    component: str = Field(min_length=1)
    attributes: dict[str, Any] = Field(default_factory=dict)
    action: str = "read"
    arguments: dict[str, Any] = Field(default_factory=dict)


class Item(BaseModel):
    """One line of the ledger: energy per event times a count of events."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    part: Part
    kind: Kind
    energy: str | float | None = None
    model: ComponentModel | None = None
    write_verify: dict[str, Any] | None = None
    count: float | str
    source: str = Field(min_length=1)
    provenance: Provenance | None = None
    latency: str | None = None
    assumption: str | None = None
    notes: str | None = None

    @field_validator("energy", "count", mode="before")
    @classmethod
    def _refuse_booleans(cls, value, info):
        if isinstance(value, bool):
            raise ValueError(f"{info.field_name} must not be true or false")
        return value

    @field_validator("energy")
    @classmethod
    def _check_energy(cls, energy):
        if energy is None or energy == BOUND_KEYWORD:
            return energy
        parse_quantity(energy, "[energy]", "an energy")
        return energy

    @field_validator("latency")
    @classmethod
    def _check_latency(cls, latency):
        if latency is not None:
            parse_quantity(latency, "[time]", "a latency")
        return latency

    @field_validator("count")
    @classmethod
    def _check_count(cls, count):
        if isinstance(count, str):
            expression_names(count)
        else:
            evaluate_count(count, {})
        return count


# --------------------------------------------------------------------------
# Evaluated ledgers.


@dataclass(frozen=True)
class ItemEnergy:
    """An item with its energy evaluated.

    Attributes
    ----------
    name, part, kind, source : str
        As in the file.
    energy_per_event_J : float
        Energy of one event [J].
    count : float
        Events per workload.
    energy_J : float
        ``energy_per_event_J * count`` [J].
    latency_s : float
        Latency of one event [s]; NaN when not given.
    """

    name: str
    part: str
    kind: str
    energy_per_event_J: float
    count: float
    energy_J: float
    source: str
    provenance: str | None = None
    latency_s: float = float("nan")


@dataclass(frozen=True)
class Gap:
    """The gap between a ledger's total and its workload's bound [J].

    ``total_J - bound_J == core_J + peripheral_J`` with ``core_J`` the core's
    excess over the bound and ``peripheral_J`` the whole periphery.
    """

    total_J: float
    bound_J: float
    core_J: float
    peripheral_J: float

    @property
    def gap_J(self) -> float:
        """Total minus bound [J]."""
        return self.total_J - self.bound_J


@dataclass(frozen=True)
class Sensitivity:
    """What scaling the core's energy by ``k`` does to the total.

    Attributes
    ----------
    core_scale : float
        The factor k applied to every core item (0.1: a 10x better core).
    total_J : float
        Total after scaling [J].
    change_J : float
        ``total_J`` minus the unscaled total [J].
    relative_change : float
        ``change_J`` over the unscaled total, equal to (k - 1) times the
        core share.
    translation_ratio : float
        Unscaled total over scaled total: how many times cheaper the whole
        system gets.
    ratio_cap : float
        The largest translation ratio any core improvement can give,
        1 / (1 - core share) (infinite for an all-core ledger).
    below_bound : bool
        True when the scaled core would cost less than the bound, which no
        physical core can.
    """

    core_scale: float
    total_J: float
    change_J: float
    relative_change: float
    translation_ratio: float
    ratio_cap: float
    below_bound: bool


@dataclass(frozen=True)
class Ledger:
    """A checked ledger with every item evaluated."""

    path: str
    workload: Workload
    items: tuple[ItemEnergy, ...]
    bound_J: float = field(default=0.0)
    #: Doubts about the file that do not stop it from being evaluated, each
    #: naming the file, the item and the field (see :data:`PERIPHERAL_KINDS`).
    warnings: tuple[str, ...] = field(default=())

    @property
    def total_J(self) -> float:
        """Energy of the whole system for the workload [J]."""
        return math.fsum(item.energy_J for item in self.items)

    def by_part(self) -> dict[str, float]:
        """Energy of the core and of the periphery [J]."""
        return {
            part: math.fsum(i.energy_J for i in self.items if i.part == part)
            for part in PARTS
        }

    def by_kind(self) -> dict[str, float]:
        """Energy by kind [J], every kind listed (zero when absent)."""
        return {
            kind: math.fsum(i.energy_J for i in self.items if i.kind == kind)
            for kind in KINDS
        }

    @property
    def core_J(self) -> float:
        return self.by_part()["core"]

    @property
    def peripheral_J(self) -> float:
        return self.by_part()["peripheral"]

    def shares_by_part(self) -> dict[str, float]:
        """Fraction of the total in the core and in the periphery."""
        return _shares(self.by_part(), self.total_J)

    def shares_by_kind(self) -> dict[str, float]:
        """Fraction of the total in each kind."""
        return _shares(self.by_kind(), self.total_J)

    def refiled(self, kind: str, part: str) -> "Ledger":
        """The same ledger with every item of ``kind`` filed under ``part``.

        The total is unchanged; only the split between core and periphery
        moves. Used to compare readings of a source that does not say where
        an energy belongs, e.g. NeuroSim's, which counts the cells' read
        energy inside its ADC figure.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}, got {part!r}")
        items = tuple(
            replace(item, part=part) if item.kind == kind else item
            for item in self.items
        )
        return replace(self, items=items)

    def count_of(self, kind: str) -> float:
        """Events of one kind over the workload, e.g. ADC conversions."""
        return math.fsum(item.count for item in self.items if item.kind == kind)

    def gap(self) -> Gap:
        """Split total minus bound into the core's excess and the periphery."""
        return Gap(
            total_J=self.total_J,
            bound_J=self.bound_J,
            core_J=self.core_J - self.bound_J,
            peripheral_J=self.peripheral_J,
        )

    def sensitivity(self, core_scale: float) -> Sensitivity:
        """The total when every core item is scaled by ``core_scale``.

        Parameters
        ----------
        core_scale : float
            Factor k >= 0 on the core's energy.

        Notes
        -----
        With core share c the total changes by (k - 1) c of itself, so the
        translation ratio is

        .. math:: R(k) = \\frac{1}{k c + 1 - c} \\le \\frac{1}{1 - c} .
        """
        k = float(core_scale)
        if not math.isfinite(k) or k < 0:
            raise ValueError(f"core_scale must be a finite number >= 0, got {k!r}")
        return sensitivity(self.core_J, self.peripheral_J, k, self.bound_J)

    def scaled(self, core_scale: float) -> "Ledger":
        """A copy with every core item's energy per event scaled by k."""
        items = tuple(
            _scaled_item(item, core_scale) if item.part == "core" else item
            for item in self.items
        )
        return Ledger(self.path, self.workload, items, self.bound_J)

    def waterfall(self) -> list[tuple[str, float]]:
        """Steps from the bound to the total [J].

        The bound; the core's updates above it (``"array_update (core) -
        bound"``, the only part of the core the bound prices); each other
        core kind with energy (e.g. ``"array_read (core)"``, which the bound
        does not price at all); then each peripheral kind with energy,
        largest first. The steps sum to the total.
        """

        def energy(part, kind):
            return math.fsum(
                i.energy_J for i in self.items if i.part == part and i.kind == kind
            )

        core = {kind: energy("core", kind) for kind in KINDS}
        peripheral = {kind: energy("peripheral", kind) for kind in KINDS}
        steps = [
            ("bound", self.bound_J),
            ("array_update (core) - bound", core.pop("array_update") - self.bound_J),
        ]
        steps += [(f"{kind} (core)", e) for kind, e in core.items() if e > 0]
        steps += sorted(
            ((kind, e) for kind, e in peripheral.items() if e > 0),
            key=lambda step: -step[1],
        )
        return steps

    def translation_ratio_at_adc_share(self, adc_share, core_scale: float):
        """Translation ratio if the ADC took ``adc_share`` of the total.

        The energy outside the ADC items keeps this ledger's composition:
        its core fraction f stays fixed, so the core share is
        (1 - adc_share) f and the ratio follows :func:`translation_ratio`.

        Parameters
        ----------
        adc_share : float or array_like
            ADC share of the total energy, in [0, 1).
        core_scale : float
            Factor k on the core's energy.
        """
        non_adc_J = math.fsum(i.energy_J for i in self.items if i.kind != "adc")
        core_non_adc_J = math.fsum(
            i.energy_J for i in self.items if i.kind != "adc" and i.part == "core"
        )
        fraction = core_non_adc_J / non_adc_J if non_adc_J > 0 else 0.0
        share = np.asarray(adc_share, dtype=float)
        return translation_ratio((1.0 - share) * fraction, core_scale)


def sensitivity(core_J, peripheral_J, core_scale, bound_J=0.0) -> Sensitivity:
    """Translation of a core scaled by ``core_scale`` into the total.

    Parameters
    ----------
    core_J, peripheral_J : float
        Energy of the core and of the periphery [J].
    core_scale : float
        Factor k on the core's energy.
    bound_J : float
        The workload's bound [J], to flag a scaled core below it.
    """
    total_J = core_J + peripheral_J
    scaled_J = core_scale * core_J + peripheral_J
    share = core_J / total_J if total_J > 0 else float("nan")
    cap = 1.0 / (1.0 - share) if share < 1 else float("inf")
    return Sensitivity(
        core_scale=core_scale,
        total_J=scaled_J,
        change_J=scaled_J - total_J,
        relative_change=(scaled_J - total_J) / total_J if total_J else float("nan"),
        translation_ratio=total_J / scaled_J if scaled_J > 0 else float("inf"),
        ratio_cap=cap,
        below_bound=core_scale * core_J < bound_J,
    )


def translation_ratio(core_share, core_scale):
    """Unscaled over scaled total for a core share c and a core factor k.

    Parameters
    ----------
    core_share : float or array_like
        Fraction c of the total spent in the core, in [0, 1].
    core_scale : float
        Factor k on the core's energy.

    Returns
    -------
    float or numpy.ndarray
        1 / (k c + 1 - c).
    """
    share = np.asarray(core_share, dtype=float)
    if np.any(~np.isfinite(share) | (share < 0) | (share > 1)):
        raise ValueError(f"core_share must lie in [0, 1], got {core_share!r}")
    return 1.0 / (core_scale * share + 1.0 - share)


def _scaled_item(item: ItemEnergy, k: float) -> ItemEnergy:
    return ItemEnergy(
        name=item.name,
        part=item.part,
        kind=item.kind,
        energy_per_event_J=item.energy_per_event_J * k,
        count=item.count,
        energy_J=item.energy_J * k,
        source=item.source,
        provenance=item.provenance,
        latency_s=item.latency_s,
    )


def _shares(energies: dict[str, float], total_J: float) -> dict[str, float]:
    if total_J <= 0:
        return {key: float("nan") for key in energies}
    return {key: value / total_J for key, value in energies.items()}


# --------------------------------------------------------------------------
# The bound of a workload.


def workload_bound_J(workload: Workload) -> float:
    """Least energy the workload's parameter updates must dissipate [J].

    Parameters
    ----------
    workload : Workload
        The workload of a ledger.

    Returns
    -------
    float
        ``n_parameters * updates_per_parameter`` times the bound of one
        update (:func:`lim_analysis.bounds.update_bound_J`) that erases
        ``precision_bits`` bits in ``update_time_s`` at ``temperature_K``,
        with the workload's ``diffusion_time_s``.

    Notes
    -----
    Each update is taken as an overwrite: it erases all ``precision_bits``
    bits, k_B T (ln 2 + tau_D / (2 tau)) per bit (reconstructed finite-time
    bound). An incremental update that erases fewer bits has a lower
    bound; a ledger of such a design should set ``precision_bits`` to the
    bits an update erases.
    """
    per_update_J = bounds.update_bound_J(
        workload.precision_bits,
        workload.update_time_s,
        workload.diffusion_time_s,
        workload.temperature_K,
    )
    return workload.n_parameters * workload.updates_per_parameter * per_update_J


def bound_per_update_J(workload: Workload) -> float:
    """The bound of one parameter update of the workload [J]."""
    return workload_bound_J(workload) / (
        workload.n_parameters * workload.updates_per_parameter
    )


# --------------------------------------------------------------------------
# Loading and checking.


def resolve(name) -> Path:
    """The path of a ledger file: ``name`` itself if it exists or is
    absolute, otherwise ``name`` inside the data folder (so that
    ``"ledgers/vgg8-cifar10-sar-adc.yaml"`` finds a shipped ledger from any
    working directory)."""
    path = Path(name)
    if path.is_absolute() or path.exists():
        return path
    return data_dir() / path


def load(path) -> Ledger:
    """Read, check and evaluate a ledger file.

    Parameters
    ----------
    path : str or path
        The YAML file.

    Returns
    -------
    Ledger

    Raises
    ------
    LedgerError
        With every problem found, each naming the file, the item, the field
        and the offending value.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LedgerError([f"{path}: cannot read the file: {error.strerror}"]) from None
    return loads(text, str(path))


def check(path) -> list[str]:
    """Every problem of a ledger file; an empty list when it is sound."""
    try:
        load(path)
    except LedgerError as error:
        return error.problems
    return []


def loads(text: str, path: str = "<ledger>") -> Ledger:
    """Read, check and evaluate a ledger from its YAML text (see :func:`load`)."""
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        raise LedgerError([f"{path}: not valid YAML: {_yaml_reason(error)}"]) from None

    problems: list[str] = []
    if not isinstance(document, dict):
        raise LedgerError(
            [f"{path}: a ledger is a mapping with 'workload' and 'items' sections"]
        )
    for key in sorted(set(document) - {"workload", "items"}, key=str):
        problems.append(f"{path}: unknown top-level section {key!r}")

    workload = _validate_workload(document.get("workload"), path, problems)
    raw_items = document.get("items")
    items = _validate_items(raw_items, path, problems)

    names = workload.names() if workload is not None else None
    known = _known_names(document.get("workload"))
    evaluated = []
    for index, item in items:
        where = f"{path}: item {item.name!r} (items[{index}])"
        energy = _item_energy(item, workload, where, problems)
        count = _item_count(item, names, known, where, problems)
        if energy is None or count is None:
            continue
        per_event_J, latency_s = energy
        evaluated.append(
            ItemEnergy(
                name=item.name,
                part=item.part,
                kind=item.kind,
                energy_per_event_J=per_event_J,
                count=count,
                energy_J=per_event_J * count,
                source=item.source,
                provenance=item.provenance,
                latency_s=latency_s,
            )
        )
    if problems:
        raise LedgerError(problems)
    warnings = tuple(
        f"{path}: item {item.name!r} (items[{index}]), field 'part': kind "
        f"{item.kind!r} is peripheral by nature but filed under 'core'"
        for index, item in items
        if item.part == "core" and item.kind in PERIPHERAL_KINDS
    )
    ledger = Ledger(
        path, workload, tuple(evaluated), workload_bound_J(workload), warnings
    )
    if ledger.total_J <= 0:
        raise LedgerError([f"{path}: every item is zero; the total must be positive"])
    return ledger


_ENERGY_SOURCES = ("energy", "model", "write_verify")
_WRITE_VERIFY_KINDS = ("write_verify", "calibration")


def _validate_workload(raw, path, problems) -> Workload | None:
    if raw is None:
        problems.append(f"{path}: the 'workload' section is missing")
        return None
    if not isinstance(raw, dict):
        problems.append(f"{path}: 'workload' must be a mapping, got {raw!r}")
        return None
    try:
        return Workload.model_validate(raw)
    except ValidationError as error:
        problems += [_describe(e, f"{path}: workload", raw) for e in error.errors()]
        return None


def _validate_items(raw, path, problems) -> list[tuple[int, Item]]:
    if raw is None:
        problems.append(f"{path}: the 'items' section is missing")
        return []
    if not isinstance(raw, list):
        problems.append(f"{path}: 'items' must be a list of items, got {raw!r}")
        return []
    if not raw:
        problems.append(f"{path}: no items: a ledger needs at least one item")
        return []
    items, first_index = [], {}
    for index, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"item {name!r} (items[{index}])" if name else f"items[{index}]"
        where = f"{path}: {label}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: an item must be a mapping, got {entry!r}")
            continue
        if isinstance(name, str) and name:
            if name in first_index:
                problems.append(
                    f"{where}, field 'name': duplicate item name {name!r} "
                    f"(also items[{first_index[name]}])"
                )
            else:
                first_index[name] = index
        try:
            item = Item.model_validate(entry)
        except ValidationError as error:
            problems += [_describe(e, where, entry) for e in error.errors()]
            continue
        sources = [key for key in _ENERGY_SOURCES if entry.get(key) is not None]
        if len(sources) != 1:
            problems.append(
                f"{where}: give exactly one of 'energy', 'model' or "
                f"'write_verify', got {', '.join(sources) or 'none'}"
            )
            continue
        if item.write_verify is not None and item.kind not in _WRITE_VERIFY_KINDS:
            problems.append(
                f"{where}, field 'write_verify': only items of kind "
                f"{' or '.join(_WRITE_VERIFY_KINDS)} may use the write-verify "
                f"model (kind is {item.kind!r})"
            )
            continue
        items.append((index, item))
    return items


def _item_energy(item: Item, workload, where, problems):
    """Energy per event [J] and latency [s] of an item, or None on a problem."""
    latency_s = (
        parse_quantity(item.latency, "[time]", "a latency")
        if item.latency is not None
        else float("nan")
    )
    if item.model is not None or item.write_verify is not None:
        field_name = "model" if item.model is not None else "write_verify"
        try:
            energy_J, model_latency_s = _modelled_cost(item)
        except ValueError as error:  # a ComponentModelError is a ValueError
            problems.append(f"{where}, field {field_name!r}: {error}")
            return None
        if item.latency is None:
            latency_s = model_latency_s
        return energy_J, latency_s
    if item.energy == BOUND_KEYWORD:
        if workload is None:
            return None
        return bound_per_update_J(workload), latency_s
    return parse_quantity(item.energy, "[energy]", "an energy"), latency_s


def write_verify_result(spec: dict):
    """Run the write-verify model for an item's ``write_verify`` mapping.

    Parameters
    ----------
    spec : dict
        Fields of :class:`lim_analysis.write_verify.WriteVerifyParams` to
        change from their defaults, and optionally ``seed`` (default 0).

    Returns
    -------
    lim_analysis.write_verify.WriteVerifyResult
        Its ``energy_J_per_write`` is the item's energy per event.

    Raises
    ------
    ValueError
        On a key that is not a model parameter (named, with the valid ones)
        or a value the model refuses.
    """
    from lim_analysis import write_verify

    names = [f.name for f in fields(write_verify.WriteVerifyParams)]
    unknown = sorted(set(spec) - set(names) - {"seed"})
    if unknown:
        raise ValueError(
            f"unknown write-verify parameter {', '.join(map(repr, unknown))}; "
            f"known: seed, {', '.join(names)}"
        )
    options = {key: value for key, value in spec.items() if key != "seed"}
    seed = spec.get("seed", 0)
    try:
        return _simulate_write_verify(json.dumps(options, sort_keys=True), seed)
    except TypeError as error:
        raise ValueError(f"the write-verify model refuses {spec!r}: {error}") from None


@functools.lru_cache(maxsize=256)
def _simulate_write_verify(options_json: str, seed):
    from lim_analysis import write_verify

    params = write_verify.WriteVerifyParams(**json.loads(options_json))
    return write_verify.simulate(params, seed=seed)


def _known_names(raw_workload) -> set[str]:
    """Names a count may use, read from a workload that may be invalid."""
    known = set(Workload.model_fields) - {"name", "convergence", "notes"}
    if isinstance(raw_workload, dict):
        variables = raw_workload.get("variables")
        if isinstance(variables, dict):
            known |= {str(key) for key in variables}
    return known


def _modelled_cost(item: Item) -> tuple[float, float]:
    """Energy [J] and latency [s] of one event from the item's model."""
    if item.model is not None:
        spec = item.model
        cost = action_cost(spec.component, spec.attributes, spec.action, spec.arguments)
        return cost.energy_J, cost.latency_s
    result = write_verify_result(item.write_verify)
    return result.energy_J_per_write, result.latency_s_per_write


def _item_count(item: Item, names, known, where, problems):
    if names is None:
        # The workload is invalid: still report names no workload defines.
        if isinstance(item.count, str):
            unknown = sorted(expression_names(item.count) - known)
            if unknown:
                problems.append(
                    f"{where}, field 'count': unknown name "
                    f"{', '.join(repr(n) for n in unknown)} in {item.count!r}"
                )
            return None
        return float(item.count)
    try:
        return evaluate_count(item.count, names)
    except ValueError as error:
        message = str(error)
        if repr(item.count) not in message:
            message += f" (got {item.count!r})"
        problems.append(f"{where}, field 'count': {message}")
        return None


def _describe(error: dict, where: str, raw: dict) -> str:
    location = [str(part) for part in error["loc"]]
    field_name = ".".join(location) if location else "?"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"{where}, field {field_name!r}: missing (it is required)"
    if error["type"] == "extra_forbidden":
        return f"{where}, field {field_name!r}: unknown field"
    value = error.get("input")
    return f"{where}, field {field_name!r}: {message} (got {value!r})"


def _yaml_reason(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return problem


# --------------------------------------------------------------------------
# Reports.


def summary(ledger: Ledger, core_scale: float = 0.1) -> dict:
    """Everything a report shows, as plain numbers (energies in joules)."""
    gap = ledger.gap()
    scaled = ledger.sensitivity(core_scale)
    return {
        "file": ledger.path,
        "workload": ledger.workload.model_dump(),
        "items": [
            {
                "name": i.name,
                "part": i.part,
                "kind": i.kind,
                "energy_per_event_J": i.energy_per_event_J,
                "count": i.count,
                "energy_J": i.energy_J,
                "share": i.energy_J / ledger.total_J,
                "source": i.source,
                "provenance": i.provenance,
                "latency_s": i.latency_s,
            }
            for i in ledger.items
        ],
        "total_J": ledger.total_J,
        "core_J": ledger.core_J,
        "peripheral_J": ledger.peripheral_J,
        "by_part_J": ledger.by_part(),
        "by_kind_J": ledger.by_kind(),
        "shares_by_part": ledger.shares_by_part(),
        "shares": ledger.shares_by_kind(),
        "bound_J": ledger.bound_J,
        "gap": {
            "total_minus_bound_J": gap.gap_J,
            "core_J": gap.core_J,
            "peripheral_J": gap.peripheral_J,
        },
        "sensitivity": {
            "core_scale": scaled.core_scale,
            "total_J": scaled.total_J,
            "change_J": scaled.change_J,
            "relative_change": scaled.relative_change,
            "translation_ratio": scaled.translation_ratio,
            "ratio_cap": scaled.ratio_cap,
            "below_bound": scaled.below_bound,
        },
    }


# --------------------------------------------------------------------------
# The template.

_TEMPLATE = """\
# An energy ledger: every energy one training workload costs, item by item.
# Check it with `lim-analysis ledger check FILE`, report it with
# `lim-analysis ledger report FILE`.
#
# The numbers below show the form; replace them with your design's. Each
# item is an energy per event times a count of events per workload.

workload:
  name: example-training-run
  n_parameters: 5.0e6           # weights trained in memory
  updates_per_parameter: 1.0e4  # updates each weight receives in the run
  precision_bits: 8             # bits a weight holds [bit]
  update_time_s: 1.0e-6         # time one update takes [s]
  temperature_K: 300            # temperature of the memory [K]
  # Diffusion time across a cell's double well [s]: a reconstructed device
  # parameter of the bound's finite-time term; 1e-9 s when left out.
  diffusion_time_s: 1.0e-9
  # The accuracy the run must reach; ledgers are comparable only when it is
  # the same.
  convergence: "test accuracy within 1 % of the float baseline"
  # Numbers of your own that counts may use, by name.
  variables:
    conversions_per_update: 0.25  # ADC conversions per weight update
  notes: "illustrative values, not a measured design"

items:
  # part: core (the memory array's own reads and updates) or peripheral.
  # kind: array_update, array_read, adc, dac, calibration, write_verify,
  #       data_movement, control, other.
  # energy: per event, in any energy unit ("12.58 fJ", "0.2 pJ", "1 eV"),
  #   or "bound" for the thermodynamic bound of one parameter update.
  # model: instead of energy, a hwcomponents model (component, attributes,
  #   action, arguments), evaluated through lim_analysis.components.
  # write_verify: for write_verify and calibration items, instead of energy,
  #   parameters of the write-verify Monte Carlo (lim_analysis.write_verify:
  #   any WriteVerifyParams field, and seed); the energy per event is the
  #   simulated energy of one verified write.
  # count: events per workload, a number or an expression of workload
  #   fields and variables with + - * / ** and parentheses.
  # source: a key of book/references.bib, or free text.
  # Optional: provenance (paper, library, second-hand, derived,
  #   assumption), latency (per event, any time unit), assumption, notes.
  - name: array-update
    part: core
    kind: array_update
    energy: 0.2 pJ
    count: "n_parameters * updates_per_parameter"
    source: neurosim_mlp_v3
    provenance: derived
    assumption: "one 2 V, 10 ns write pulse into a 5 uS cell per update"
  - name: adaptive-adc
    part: peripheral
    kind: adc
    energy: 12.58 fJ
    count: "conversions_per_update * n_parameters * updates_per_parameter"
    source: hong2025
    provenance: paper
    latency: 0.165 ns
  - name: shift-add
    part: peripheral
    kind: other
    model:
      component: AladdinAdder
      attributes: {tech_node: 14.0e-9, width: 16}
      action: add
    count: "conversions_per_update * n_parameters * updates_per_parameter"
    source: hwcomponents-library (Aladdin adder model)
    provenance: library
  - name: initial-programming
    part: peripheral
    kind: write_verify
    write_verify: {n_devices: 4096, max_iterations: 20, seed: 1}
    count: n_parameters
    source: lim_analysis.write_verify (calibrated to hong2025)
    provenance: derived
    assumption: "every weight is programmed and verified once before training"
  - name: weight-buffer
    part: peripheral
    kind: data_movement
    energy: 50 fJ
    count: "n_parameters * updates_per_parameter"
    source: "placeholder: replace with your buffer's energy per weight"
    provenance: assumption
"""


def template_text() -> str:
    """The commented ledger that ``lim-analysis ledger new`` writes."""
    return _TEMPLATE
