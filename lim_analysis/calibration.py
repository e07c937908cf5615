"""ADC offset calibration as a periodic energy cost.

An array's ADCs drift: their offsets move with temperature and time, so a
chip stops now and then, converts known reference inputs and stores
corrections. That procedure costs conversions that compute nothing. Its
energy follows from three numbers: how many ADCs are calibrated, how many
conversions each one makes per calibration, and how often calibration runs.

No published calibration energy was available to this workbench (Yin et
al.'s ADC offset-calibration figures for their XNOR-RRAM chip among them),
so this module models the procedure instead of quoting a figure: every
input is a parameter the caller chooses.
"""

import math

from lim_analysis._checks import require_nonnegative, require_positive


def energy_J_per_calibration(
    n_adcs: int, conversions_per_adc: int, energy_J_per_conversion: float
) -> float:
    """Energy of one calibration of every ADC.

    Parameters
    ----------
    n_adcs : int
        ADCs calibrated [-].
    conversions_per_adc : int
        Conversions one ADC makes per calibration: reference levels times
        the samples averaged per level [-].
    energy_J_per_conversion : float
        Energy of one conversion [J].

    Returns
    -------
    float
        :math:`E_\\mathrm{cal} = n_\\mathrm{ADC} \\, n_\\mathrm{conv} \\,
        E_\\mathrm{conv}` [J].
    """
    n = _require_count("n_adcs", n_adcs)
    conversions = _require_count("conversions_per_adc", conversions_per_adc)
    energy = float(
        require_nonnegative("energy_J_per_conversion", energy_J_per_conversion)
    )
    return n * conversions * energy


def calibrations_per_workload(workload_time_s: float, interval_s: float) -> int:
    """Calibrations run during a workload, one at the start of each interval.

    Parameters
    ----------
    workload_time_s : float
        Duration of the workload [s].
    interval_s : float
        Time between calibrations [s].

    Returns
    -------
    int
        :math:`\\lceil t_\\mathrm{workload} / t_\\mathrm{interval} \\rceil`,
        at least 1 [-].
    """
    duration = float(require_positive("workload_time_s", workload_time_s))
    interval = float(require_positive("interval_s", interval_s))
    # A calibration at t = 0, then one each time an interval has elapsed.
    return max(1, math.ceil(duration / interval - 1e-12))


def energy_J_per_workload(
    n_adcs: int,
    conversions_per_adc: int,
    energy_J_per_conversion: float,
    workload_time_s: float,
    interval_s: float,
) -> float:
    """Calibration energy spent over one workload.

    Parameters
    ----------
    n_adcs, conversions_per_adc, energy_J_per_conversion
        As in :func:`energy_J_per_calibration`.
    workload_time_s, interval_s
        As in :func:`calibrations_per_workload`.

    Returns
    -------
    float
        Energy per calibration times calibrations per workload [J].
    """
    return energy_J_per_calibration(
        n_adcs, conversions_per_adc, energy_J_per_conversion
    ) * calibrations_per_workload(workload_time_s, interval_s)


def power_W(
    n_adcs: int,
    conversions_per_adc: int,
    energy_J_per_conversion: float,
    interval_s: float,
) -> float:
    """Mean power of periodic calibration, energy per calibration over interval.

    Returns
    -------
    float
        :math:`E_\\mathrm{cal} / t_\\mathrm{interval}` [W].
    """
    interval = float(require_positive("interval_s", interval_s))
    return (
        energy_J_per_calibration(n_adcs, conversions_per_adc, energy_J_per_conversion)
        / interval
    )


def _require_count(name: str, value) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number of 1 or more, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if not math.isfinite(number) or number < 1 or number != int(number):
        raise ValueError(f"{name} must be a whole number of 1 or more, got {value!r}")
    return int(number)
