"""Surveyed compute-in-memory figures, loaded from ``data/survey_*.csv``.

Each row of those tables holds one published number with its unit, the
design and workload it belongs to, a key of ``book/references.bib``, a
locator (figure, table, section) and a provenance label (``paper``,
``library``, ``second-hand``, ``derived``); ``data/README.md`` describes the
columns. :func:`load_survey` checks every row and fails with a message that
names the file, the row and the column; :func:`value` returns a number in SI
units so that a chapter never types a surveyed figure itself.
"""

import csv
import functools
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pint

from lim_analysis import paths
from lim_analysis._checks import (
    _as_float_array,
    require_nonnegative,
    scalar_or_array,
)

log = logging.getLogger(__name__)

#: Columns every survey table must have, in any order.
REQUIRED_COLUMNS = (
    "quantity",
    "value",
    "unit",
    "configuration",
    "workload",
    "source",
    "locator",
    "provenance",
)
#: Columns a table may add.
OPTIONAL_COLUMNS = ("note",)
#: How a value was read: see ``data/README.md``.
PROVENANCE_LABELS = ("paper", "library", "second-hand", "derived")
#: Files the default loader reads, relative to ``data/``.
SURVEY_GLOB = "survey_*.csv"

_QUANTITY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _unit_registry() -> pint.UnitRegistry:
    registry = pint.UnitRegistry()
    # Operations per second, so that "TOPS/W" and "GOPS" parse.
    registry.define("OPS = 1 / second")
    # A source that gives numbers without units (kept as published).
    registry.define("unstated = [unstated]")
    # A difference of two shares in percentage points: its own dimension, so
    # that it is never read as a fraction of something.
    registry.define("percentage_point = [percentage_point]")
    return registry


UNITS = _unit_registry()


class SurveyDataError(ValueError):
    """A survey table is malformed; the message names file, row and column."""


@dataclass(frozen=True)
class SurveyRow:
    """One surveyed figure.

    Attributes
    ----------
    quantity, configuration, workload, source, locator, provenance, note : str
        The row's text columns, as in the file.
    value : float
        The number as published, in ``unit``.
    unit : str
        The published unit, as ``pint`` reads it.
    si_value : float
        The same number in SI base units (a ``%`` becomes a fraction).
    si_unit : str
        The SI base unit of ``si_value``.
    file : str
        The file the row came from.
    row : int
        Its data row, counting from 1 below the header.
    """

    quantity: str
    value: float
    unit: str
    configuration: str
    workload: str
    source: str
    locator: str
    provenance: str
    note: str
    si_value: float
    si_unit: str
    file: str
    row: int

    @property
    def citation(self) -> str:
        """A short pointer: source key and locator, with the provenance."""
        return f"{self.source}, {self.locator} ({self.provenance})"


def bibliography_keys(bib_path: Path | None = None) -> frozenset[str]:
    """The entry keys of a BibTeX file (``book/references.bib`` by default)."""
    bib_path = Path(bib_path or paths.book_dir() / "references.bib")
    text = bib_path.read_text(encoding="utf-8")
    return frozenset(re.findall(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", text, flags=re.M))


def is_share(quantity: str, unit: str) -> bool:
    """Whether a row is a share or fraction that must lie in [0, 1]."""
    return (
        unit.strip() in ("%", "percent")
        or quantity.endswith(("_share", "_fraction"))
        or "_fraction_" in quantity
    )


def is_share_difference(quantity: str, unit: str) -> bool:
    """Whether a row is a change of share, in percentage points."""
    return unit.strip() == "percentage_point" or quantity.endswith("_share_drop")


def load_table(path, bib_keys: frozenset[str] | None = None) -> list[SurveyRow]:
    """Read and check one survey table.

    Parameters
    ----------
    path : str or path
        A CSV file with the :data:`REQUIRED_COLUMNS` (and optionally ``note``).
    bib_keys : frozenset of str, optional
        Allowed source keys; those of ``book/references.bib`` by default.

    Returns
    -------
    list of SurveyRow

    Raises
    ------
    SurveyDataError
        On a missing or unknown column, an empty field, a value that is not a
        finite number, a unit ``pint`` cannot read, a share outside [0, 1], a
        change of share not in ``percentage_point`` or outside [-100, 100],
        an unknown provenance label or a source key absent from the
        bibliography. The message names the file, the row and the column.
    """
    path = Path(path)
    keys = bibliography_keys() if bib_keys is None else bib_keys
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise SurveyDataError(
                f"{path.name}: header lacks column(s) {', '.join(missing)} "
                f"(found {', '.join(header) or 'nothing'})"
            )
        unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if unknown:
            raise SurveyDataError(
                f"{path.name}: unknown column(s) {', '.join(unknown)}; "
                "document a new column in data/README.md and in "
                "lim_analysis.survey.OPTIONAL_COLUMNS"
            )
        rows = [
            _check_row(path, number, record, keys)
            for number, record in enumerate(reader, start=1)
        ]
    if not rows:
        raise SurveyDataError(f"{path.name}: no data rows")
    return rows


def _check_row(path: Path, number: int, record: dict, keys) -> SurveyRow:
    def fail(column: str, problem: str):
        raise SurveyDataError(
            f"{path.name}, row {number}, column '{column}': {problem}, "
            f"got {record.get(column)!r}"
        )

    if None in record:
        raise SurveyDataError(
            f"{path.name}, row {number}, column '{list(record)[-2]}': more fields "
            f"than the header has columns (an unquoted comma?), extra "
            f"{record[None]!r}"
        )
    for column in REQUIRED_COLUMNS:
        if record.get(column) is None or not record[column].strip():
            fail(column, "empty field (write '-' where nothing applies)")
    quantity = record["quantity"].strip()
    if not _QUANTITY_NAME.match(quantity):
        fail("quantity", "must be a lower-case name like adc_energy_share")
    try:
        number_value = float(record["value"])
    except ValueError:
        fail("value", "not a number")
    if not math.isfinite(number_value):
        fail("value", "not a finite number")
    unit = record["unit"].strip()
    try:
        si = UNITS.Quantity(number_value, unit).to_base_units()
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
        AssertionError,
    ):
        fail("unit", "not a unit pint can read")
    doubled = UNITS.Quantity(2.0, unit).to_base_units().magnitude
    single = UNITS.Quantity(1.0, unit).to_base_units().magnitude
    if not math.isclose(doubled, 2.0 * single, rel_tol=1e-12):
        fail(
            "unit",
            "a logarithmic or offset unit (dB, degC) does not convert "
            "proportionally; store the number as 'dimensionless' with a note",
        )
    if is_share_difference(quantity, unit):
        if unit != "percentage_point":
            fail(
                "unit",
                "a change of share must be in 'percentage_point' "
                "(a difference of two shares, not a fraction)",
            )
        if not -100.0 <= number_value <= 100.0:
            fail("value", "a change of share must lie within [-100, 100] points")
    elif is_share(quantity, unit):
        if not si.dimensionless:
            fail("unit", "a share must be '%' or 'dimensionless'")
        if not 0.0 <= si.magnitude <= 1.0:
            fail("value", "a share must lie within [0, 1] (0 % to 100 %)")
    provenance = record["provenance"].strip()
    if provenance not in PROVENANCE_LABELS:
        fail("provenance", f"must be one of {', '.join(PROVENANCE_LABELS)}")
    source = record["source"].strip()
    if source not in keys:
        fail("source", "no entry with this key in book/references.bib")
    return SurveyRow(
        quantity=quantity,
        value=number_value,
        unit=unit,
        configuration=record["configuration"].strip(),
        workload=record["workload"].strip(),
        source=source,
        locator=record["locator"].strip(),
        provenance=provenance,
        note=(record.get("note") or "").strip(),
        si_value=float(f"{si.magnitude:.15g}"),
        si_unit=_si_unit_name(si),
        file=path.name,
        row=number,
    )


#: Names for SI results, tried in order; base units are the fallback.
_SI_NAMES = (
    "J",
    "s",
    "m**2",
    "m",
    "S",
    "V",
    "Hz",
    "1/J",
    "bit",
    "unstated",
    "percentage_point",
)


def _si_unit_name(quantity) -> str:
    if quantity.dimensionless:
        return "dimensionless"
    for name in _SI_NAMES:
        if quantity.dimensionality == UNITS.parse_units(name).dimensionality:
            return name.replace("**", "^")
    return f"{quantity.units:~}"


class Survey:
    """A checked set of survey rows with look-ups by quantity.

    Build one with :func:`load_survey`.
    """

    def __init__(self, rows):
        self.rows = tuple(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def select(self, quantity=None, configuration=None, workload=None, source=None):
        """Rows matching every given column exactly (``None`` matches all)."""
        wanted = {
            "quantity": quantity,
            "configuration": configuration,
            "workload": workload,
            "source": source,
        }
        return [
            row
            for row in self.rows
            if all(v is None or getattr(row, k) == v for k, v in wanted.items())
        ]

    def row(self, quantity, configuration=None, workload=None) -> SurveyRow:
        """The one row for a quantity, configuration and workload.

        Raises
        ------
        KeyError
            If no row or more than one row matches; the message lists the
            configurations and workloads that exist for the quantity.
        """
        found = self.select(quantity, configuration, workload)
        if len(found) == 1:
            return found[0]
        options = sorted({(r.configuration, r.workload) for r in self.select(quantity)})
        what = "no row" if not found else f"{len(found)} rows"
        raise KeyError(
            f"{what} for quantity {quantity!r}, configuration {configuration!r}, "
            f"workload {workload!r}; it exists for (configuration, workload) in "
            f"{options or 'no configuration'}"
        )

    def value(self, quantity, configuration=None, workload=None) -> float:
        """The surveyed number in SI base units (a share as a fraction)."""
        return self.row(quantity, configuration, workload).si_value

    def to_frame(self):
        """All rows as a :class:`pandas.DataFrame`, one column per field."""
        import pandas as pd

        return pd.DataFrame([row.__dict__ for row in self.rows])


def load_survey(files=None, bib_path=None) -> Survey:
    """Load and check survey tables.

    Parameters
    ----------
    files : iterable of path, optional
        Tables to read; by default every ``data/survey_*.csv``.
    bib_path : path, optional
        The bibliography whose keys the ``source`` column may use.

    Raises
    ------
    SurveyDataError
        If any table is malformed, or no table is found.
    """
    if files is None:
        files = sorted(paths.data_dir().glob(SURVEY_GLOB))
    files = [Path(f) for f in files]
    if not files:
        raise SurveyDataError(f"no survey tables ({SURVEY_GLOB}) in {paths.data_dir()}")
    keys = bibliography_keys(bib_path)
    rows = [row for path in files for row in load_table(path, keys)]
    log.debug("loaded %d survey rows from %d files", len(rows), len(files))
    return Survey(rows)


@functools.lru_cache(maxsize=1)
def default_survey() -> Survey:
    """The project's survey tables, loaded once per process."""
    return load_survey()


def value(quantity, configuration=None, workload=None) -> float:
    """A surveyed number in SI base units, from the project's tables.

    Parameters
    ----------
    quantity : str
        The ``quantity`` column, e.g. ``"adc_energy_share"``.
    configuration : str, optional
        The ``configuration`` column, e.g. ``"SAR ADC baseline"``.
    workload : str, optional
        The ``workload`` column, e.g. ``"VGG8/CIFAR-10"``.

    Returns
    -------
    float
        The value in SI base units: J, s, m^2, S; a share as a fraction; a
        change of share (unit ``percentage_point``) in percentage points.
    """
    return default_survey().value(quantity, configuration, workload)


def row(quantity, configuration=None, workload=None) -> SurveyRow:
    """The project's survey row for a quantity (see :func:`value`)."""
    return default_survey().row(quantity, configuration, workload)


def murmann_envelope_J(enob):
    """Energy per conversion on the Murmann survey's envelope.

    Parameters
    ----------
    enob : float or array_like
        Effective number of bits [bit].

    Returns
    -------
    float or numpy.ndarray
        Energy per conversion [J].

    Notes
    -----
    Evaluates

    .. math:: E = a + b \\, 4^{\\mathrm{ENOB}}

    with ``a`` (``envelope_floor_energy``, 0.267 pJ) and ``b``
    (``envelope_thermal_coefficient``, 1.45e-7 pJ) read from
    ``data/survey_murmann2025.csv``.
    """
    enob = require_nonnegative("enob", enob)
    floor_J = value("envelope_floor_energy", "survey envelope")
    thermal_J = value("envelope_thermal_coefficient", "survey envelope")
    return scalar_or_array(floor_J + thermal_J * np.power(4.0, enob))


def total_energy_ratio(share_before, share_after, other_energy_ratio=1.0):
    """Total energy after a change over total energy before, from ADC shares.

    A share alone does not fix the total. This function makes the missing
    assumption explicit: the energy of everything but the ADC changes by the
    factor ``other_energy_ratio`` (1 means it is unchanged).

    Parameters
    ----------
    share_before, share_after : float or array_like
        ADC share of total energy before and after, as fractions in [0, 1).
    other_energy_ratio : float or array_like
        Non-ADC energy after over non-ADC energy before [-].

    Returns
    -------
    float or numpy.ndarray
        E_total_after / E_total_before [-].

    Notes
    -----
    With non-ADC energy :math:`E_o` before and :math:`r E_o` after,

    .. math:: \\frac{E_\\mathrm{after}}{E_\\mathrm{before}}
              = r \\, \\frac{1 - s_\\mathrm{before}}{1 - s_\\mathrm{after}} .

    This is arithmetic under that assumption, not a measured saving.
    """
    before = _require_share_below_one(
        "share_before", _as_float_array("share_before", share_before)
    )
    after = _require_share_below_one(
        "share_after", _as_float_array("share_after", share_after)
    )
    ratio = require_nonnegative("other_energy_ratio", other_energy_ratio)
    return scalar_or_array(ratio * (1.0 - before) / (1.0 - after))


def _require_share_below_one(name, arr):
    bad = ~np.isfinite(arr) | (arr < 0) | (arr >= 1)
    if bad.any():
        raise ValueError(f"{name} must lie in [0, 1), got {arr[bad].flat[0]!r}")
    return arr
