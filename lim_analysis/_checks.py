"""Input checks shared by the numeric functions."""

import numpy as np


def require_positive(name: str, value):
    """Return ``value`` as a float array after checking it is finite and > 0.

    Parameters
    ----------
    name : str
        The parameter's name, used in the error message.
    value : float or array_like
        The value to check.

    Raises
    ------
    ValueError
        If any element is not finite or not strictly positive. The message
        names the parameter and the first offending value.
    """
    arr = _as_float_array(name, value)
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        offending = arr[bad].flat[0]
        raise ValueError(
            f"{name} must be a finite number greater than zero, got {offending!r}"
        )
    return arr


def require_nonnegative(name: str, value):
    """Return ``value`` as a float array after checking it is finite and >= 0."""
    arr = _as_float_array(name, value)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        offending = arr[bad].flat[0]
        raise ValueError(
            f"{name} must be a finite number of zero or more, got {offending!r}"
        )
    return arr


def require_probability(name: str, value):
    """Return ``value`` as a float array after checking 0 < value <= 1."""
    arr = _as_float_array(name, value)
    bad = ~np.isfinite(arr) | (arr <= 0) | (arr > 1)
    if bad.any():
        offending = arr[bad].flat[0]
        raise ValueError(f"{name} must lie in (0, 1], got {offending!r}")
    return arr


def _as_float_array(name: str, value):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def scalar_or_array(result):
    """Return a Python float for 0-d results, the array otherwise."""
    result = np.asarray(result, dtype=float)
    return float(result) if result.ndim == 0 else result
