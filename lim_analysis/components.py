"""Energy and latency of hardware components, from the hwcomponents models.

The Accelergy project's ``hwcomponents`` package and its plug-ins
(``hwcomponents-adc``: ADCs fitted to the Murmann ADC survey;
``hwcomponents-neurosim``: NeuroSim's drivers, decoders and cells;
``hwcomponents-library``: published components) estimate the cost of one
action of one component. This module is the only place the workbench calls
them: it caches results, which are deterministic, and turns the library's
errors into ``ValueError`` messages that name the component.
"""

import contextlib
import functools
import json
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


class ComponentModelError(ValueError):
    """No hwcomponents model could estimate the requested action."""


@dataclass(frozen=True)
class ActionCost:
    """The cost of one action of one component.

    Attributes
    ----------
    energy_J : float
        Energy per action [J].
    latency_s : float
        Latency of one action [s]; NaN when the model gives none.
    """

    energy_J: float
    latency_s: float


def action_cost(
    component: str,
    attributes: dict,
    action: str = "read",
    arguments: dict | None = None,
) -> ActionCost:
    """Energy and latency of one action of a component.

    Parameters
    ----------
    component : str
        A component name known to hwcomponents, e.g. ``"ADC"``,
        ``"NeuroSimArrayRowDrivers"``. ``hwc --list`` shows them all.
    attributes : dict
        The component's attributes, e.g. ``{"n_bits": 5, "tech_node": 14e-9,
        "throughput": 1e9, "n_adcs": 1}`` for an ADC (SI units).
    action : str
        The action, usually ``"read"`` (a conversion, for an ADC) or
        ``"write"``.
    arguments : dict, optional
        Arguments of the action.

    Raises
    ------
    ComponentModelError
        If no model accepts the component, its attributes or the action.
        The message names them and keeps the library's reason.
    """
    key = (component, _freeze(attributes), action, _freeze(arguments or {}))
    return _cached_cost(key)


def adc_energy_J(
    n_bits, tech_node_m: float = 14e-9, throughput_Hz: float = 1e9
) -> float:
    """Energy per conversion of an ADC from the survey-fitted model.

    Parameters
    ----------
    n_bits : int
        Resolution [bit]; the model accepts 4 bits and more.
    tech_node_m : float
        Technology node [m] (14 nm by default, as in Hong et al. 2025).
    throughput_Hz : float
        Conversions per second of one ADC [1/s].

    Returns
    -------
    float
        Energy per conversion [J].
    """
    attributes = {
        "n_bits": int(n_bits),
        "tech_node": float(tech_node_m),
        "throughput": float(throughput_Hz),
        "n_adcs": 1,
    }
    return action_cost("ADC", attributes, "read").energy_J


def _freeze(mapping: dict) -> str:
    try:
        return json.dumps(mapping, sort_keys=True)
    except TypeError as error:
        raise ComponentModelError(f"attributes must be plain values: {error}") from None


@functools.lru_cache(maxsize=4096)
def _cached_cost(key) -> ActionCost:
    import hwcomponents

    component, attributes, action, arguments = key
    try:
        with _quiet_root_logger():
            cost = hwcomponents.get_action_cost(
                component, json.loads(attributes), action, json.loads(arguments)
            )
    except Exception as error:  # the library raises several unrelated types
        reason = _first_reason(str(error))
        raise ComponentModelError(
            f"no hwcomponents model estimates {component}.{action} with "
            f"attributes {attributes}: {reason}"
        ) from None
    latency = cost.latency if cost.latency is not None else float("nan")
    log.debug("%s.%s %s: %.4g J", component, action, attributes, cost.energy)
    return ActionCost(energy_J=float(cost.energy), latency_s=float(latency))


@contextlib.contextmanager
def _quiet_root_logger():
    """Hold back hwcomponents' step-by-step INFO lines, sent to the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        root.setLevel(level)


def _first_reason(message: str) -> str:
    """The most telling line of a long hwcomponents error report."""
    lines = [line.strip(" |") for line in message.splitlines()]
    for marker in ("AssertionError:", "is missing", "Error:", "not supported"):
        for line in lines:
            if marker in line:
                return line
    return lines[0] if lines else message
