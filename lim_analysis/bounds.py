"""Thermodynamic lower bounds on the energy of memory updates.

The SymPy expressions in this module are the single source of truth; the
numeric functions are generated from them with :func:`sympy.lambdify`,
accept numpy arrays and check their inputs.
"""

import sympy as sp

from lim_analysis._checks import require_positive, scalar_or_array
from lim_analysis.constants import K_B_J_PER_K

#: Symbols, with the assumptions that let SymPy simplify.
k_B, T = sp.symbols("k_B T", positive=True)
n = sp.symbols("n", positive=True)

#: Landauer's bound for erasing one bit, k_B T ln 2 [J].
landauer_per_bit_expr = k_B * T * sp.log(2)

#: Erasing n bits, as an overwrite of an n-bit cell does [J].
overwrite_expr = n * landauer_per_bit_expr

_landauer = sp.lambdify((T,), landauer_per_bit_expr.subs(k_B, K_B_J_PER_K), "numpy")
_overwrite = sp.lambdify((n, T), overwrite_expr.subs(k_B, K_B_J_PER_K), "numpy")


def landauer_J_per_bit(temperature_K):
    """Landauer's lower bound on the heat of erasing one bit.

    Parameters
    ----------
    temperature_K : float or array_like
        Absolute temperature of the bath [K].

    Returns
    -------
    float or numpy.ndarray
        The bound k_B T ln 2 [J].

    Raises
    ------
    ValueError
        If the temperature is not finite and positive.

    Notes
    -----
    Evaluates :data:`landauer_per_bit_expr`,

    .. math:: E_\\mathrm{L} = k_\\mathrm{B} T \\ln 2 ,

    with k_B = 1.380649e-23 J/K. At 300 K this is 2.871e-21 J.

    References
    ----------
    .. [1] R. Landauer, "Irreversibility and heat generation in the
       computing process", IBM J. Res. Dev. 5, 183 (1961).
    """
    temperature = require_positive("temperature_K", temperature_K)
    return scalar_or_array(_landauer(temperature))


def overwrite_J(precision_bits, temperature_K):
    """Lower bound on overwriting an n-bit cell, n k_B T ln 2.

    Parameters
    ----------
    precision_bits : float or array_like
        Bits held by the cell [bit].
    temperature_K : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or numpy.ndarray
        The bound [J].
    """
    bits = require_positive("precision_bits", precision_bits)
    temperature = require_positive("temperature_K", temperature_K)
    return scalar_or_array(_overwrite(bits, temperature))
