"""Input checks shared by the numeric functions.

Each check returns the value as a float array, or raises ``ValueError``
naming the parameter and its first offending element. NaN and infinity are
always refused.
"""

import numpy as np


def require_positive(name: str, value):
    """``value`` as a float array, checked finite and greater than zero."""
    return _require(name, value, lambda a: a > 0, "a finite number greater than zero")


def require_nonnegative(name: str, value):
    """``value`` as a float array, checked finite and zero or more."""
    return _require(name, value, lambda a: a >= 0, "a finite number of zero or more")


def require_probability(name: str, value):
    """``value`` as a float array, checked to lie in (0, 1]."""
    return _require(name, value, lambda a: (a > 0) & (a <= 1), "in (0, 1]")


def _as_float_array(name: str, value):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def _require(name: str, value, allowed, description: str):
    arr = _as_float_array(name, value)
    finite = np.isfinite(arr)
    with np.errstate(invalid="ignore"):
        bad = ~finite | ~allowed(np.where(finite, arr, 0.0))
    if bad.any():
        raise ValueError(
            f"{name} must be {description}, got {float(arr[bad].flat[0])!r}"
        )
    return arr


def scalar_or_array(result):
    """Return a Python float for 0-d results, the array otherwise."""
    result = np.asarray(result, dtype=float)
    return float(result) if result.ndim == 0 else result
