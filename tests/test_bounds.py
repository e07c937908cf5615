import math

import numpy as np
import pint
import pytest
import sympy as sp

from lim_analysis import bounds
from lim_analysis.constants import K_B_J_PER_K

KT300 = K_B_J_PER_K * 300.0


def test_landauer_at_300_K_is_2_871e_21_J():
    assert bounds.landauer_J_per_bit(300.0) == pytest.approx(2.871e-21, rel=1e-4)


def test_overwrite_is_n_times_landauer_and_linear_in_n():
    one = bounds.landauer_J_per_bit(300.0)
    assert bounds.overwrite_J(8, 300.0) == pytest.approx(8 * one)
    assert bounds.overwrite_J(16, 300.0) == pytest.approx(
        2 * bounds.overwrite_J(8, 300)
    )


def test_slow_updates_tend_to_the_landauer_term():
    slow = bounds.update_bound_J(8, 1e6, 1e-9, 300.0)
    assert slow == pytest.approx(bounds.overwrite_J(8, 300.0), rel=1e-12)
    limit = sp.limit(bounds.update_expr, bounds.tau, sp.oo)
    assert sp.simplify(limit - bounds.b * bounds.landauer_per_bit_expr) == 0


def test_halving_the_update_time_doubles_the_excess():
    landauer = bounds.overwrite_J(4, 300.0)
    excess = bounds.update_bound_J(4, 2e-9, 1e-9, 300.0) - landauer
    faster = bounds.update_bound_J(4, 1e-9, 1e-9, 300.0) - landauer
    assert faster == pytest.approx(2 * excess, rel=1e-9)
    assert bounds.excess_per_bit_J(1e-9, 1e-9, 300.0) == pytest.approx(KT300 / 2)


def test_training_bound_is_linear_in_parameters_and_bits():
    args = dict(
        updates_per_parameter=1e3,
        training_time_s=1.0,
        diffusion_time_s=1e-9,
        temperature_K=300.0,
    )
    base = (
        bounds.training_bound_J(
            1e6, bits_per_update=8, n_parameters=1e6, **{k: v for k, v in args.items()}
        )
        if False
        else None
    )
    base = bounds.training_bound_J(1e6, 1e3, 8, 1.0, 1e-9, 300.0)
    assert bounds.training_bound_J(2e6, 1e3, 8, 1.0, 1e-9, 300.0) == pytest.approx(
        2 * base
    )
    assert bounds.training_bound_J(1e6, 1e3, 16, 1.0, 1e-9, 300.0) == pytest.approx(
        2 * base
    )


def test_parallel_excess_grows_as_K_squared_and_serial_as_NK_squared():
    def excess(n_params, k_updates, schedule):
        total = bounds.training_bound_J(
            n_params, k_updates, 1, 1.0, 1e-6, 300.0, schedule=schedule
        )
        return total - bounds.training_landauer_J(n_params, k_updates, 1, 300.0)

    # Per parameter, the parallel excess scales as K^2.
    assert excess(10, 2e4, "parallel") == pytest.approx(4 * excess(10, 1e4, "parallel"))
    # The serial excess is N times the parallel one.
    assert excess(1e3, 1e4, "serial") == pytest.approx(
        1e3 * excess(1e3, 1e4, "parallel")
    )
    assert excess(2e3, 1e4, "serial") == pytest.approx(4 * excess(1e3, 1e4, "serial"))


def test_incremental_update_of_a_ternary_step_is_at_most_log2_3_bits():
    assert bounds.ternary_entropy_bits(2 / 3) == pytest.approx(math.log2(3))
    q = np.linspace(0.01, 1.0, 200)
    assert np.all(bounds.ternary_entropy_bits(q) <= math.log2(3) + 1e-12)
    assert bounds.ternary_entropy_bits(1.0) == pytest.approx(1.0)
    assert bounds.incremental_update_J(math.log2(3), 300.0) < bounds.overwrite_J(2, 300)


def test_stochastic_rounding_pmf_matches_sampling():
    sigma = 0.7
    steps, pmf = bounds.stochastic_rounding_pmf(sigma)
    assert pmf.sum() == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, sigma, 400_000)
    low = np.floor(x)
    written = low + (rng.random(x.size) < x - low)
    for k in (-2, -1, 0, 1, 2):
        sampled = np.mean(written == k)
        assert pmf[steps == k][0] == pytest.approx(sampled, abs=3e-3)
    # Stochastic rounding is unbiased and adds variance 1/6 on average.
    assert np.sum(steps * pmf) == pytest.approx(0.0, abs=1e-12)


def test_entropy_rejects_distributions_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        bounds.entropy_bits([0.5, 0.2])


def test_retention_barrier_for_ten_years_is_about_40_kT():
    barrier = bounds.retention_barrier_J(3.156e8, 1e9, 300.0)
    assert barrier / KT300 == pytest.approx(math.log(3.156e17), rel=1e-12)
    assert 40 < barrier / KT300 < 41


def test_retention_barrier_rejects_a_bit_that_needs_none():
    with pytest.raises(ValueError, match="exceed 1"):
        bounds.retention_barrier_J(1e-10, 1e9, 300.0)


def test_projection_pieces():
    assert bounds.training_flops(1e9, 2e10) == pytest.approx(1.2e20)
    assert bounds.accelerator_training_J(1e9, 2e10, 7e-13) == pytest.approx(8.4e7)
    assert bounds.fixed_barrier_training_J(10, 100, 8, 1e-19) == pytest.approx(8e-16)
    assert bounds.consolidation_J(1e6, 8, 3, 300.0) == pytest.approx(
        3 * bounds.overwrite_J(8e6, 300.0)
    )


def test_energy_budget_terms_add_up():
    walls = bounds.energy_budget(
        1e6, 1e3, 8, 2, 10.0, 1e-9, 300.0, 5, read_energy_J=1e-15
    )
    assert walls["memory_J"] == pytest.approx(1e6 * 1e3 * 1e-15)
    assert walls["total_J"] == pytest.approx(
        walls["memory_J"] + walls["update_J"] + walls["consolidation_J"]
    )


@pytest.mark.parametrize(
    ("expr", "function", "symbols"),
    [
        (bounds.landauer_per_bit_expr, bounds.landauer_J_per_bit, ["T"]),
        (bounds.update_expr, bounds.update_bound_J, ["b", "tau", "tau_D", "T"]),
        (
            bounds.training_parallel_expr,
            bounds.training_bound_J,
            ["N", "K", "b", "T_train", "tau_D", "T"],
        ),
        (
            bounds.retention_barrier_expr,
            lambda t, f, p, temp: bounds.retention_barrier_J(t, f, temp, p),
            ["t_ret", "f_0", "p", "T"],
        ),
        (
            bounds.accelerator_training_expr,
            bounds.accelerator_training_J,
            ["N", "D_tok", "e_FLOP"],
        ),
    ],
)
def test_generated_functions_equal_the_symbolic_expressions(expr, function, symbols):
    rng = np.random.default_rng(7)
    by_name = {s.name: s for s in expr.free_symbols}
    for _ in range(20):
        values = {
            name: float(rng.uniform(0.2, 0.9))
            if name == "p"
            else float(10 ** rng.uniform(-3, 3))
            for name in symbols
        }
        if "t_ret" in values:
            values["t_ret"] *= 1e6
            values["f_0"] *= 1e6
        exact = expr.subs({by_name["k_B"]: K_B_J_PER_K} if "k_B" in by_name else {})
        exact = float(exact.subs({by_name[k]: v for k, v in values.items()}).evalf(30))
        assert function(*[values[name] for name in symbols]) == pytest.approx(
            exact, rel=1e-12
        )


def test_functions_broadcast_over_arrays():
    temperatures = np.array([4.0, 77.0, 300.0])
    energies = bounds.landauer_J_per_bit(temperatures)
    assert energies.shape == (3,)
    grid = bounds.update_bound_J(
        8, np.geomspace(1e-9, 1e-3, 5)[:, None], np.array([1e-10, 1e-9]), 300.0
    )
    assert grid.shape == (5, 2)
    assert np.all(np.diff(grid[:, 0]) < 0)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: bounds.landauer_J_per_bit(0.0), "temperature_K"),
        (lambda: bounds.landauer_J_per_bit(-5.0), "temperature_K"),
        (lambda: bounds.landauer_J_per_bit(float("nan")), "temperature_K"),
        (lambda: bounds.landauer_J_per_bit([300.0, math.inf]), "temperature_K"),
        (lambda: bounds.update_bound_J(8, 0.0, 1e-9, 300.0), "update_time_s"),
        (lambda: bounds.update_bound_J(0, 1e-6, 1e-9, 300.0), "bits_erased"),
        (lambda: bounds.overwrite_J(-1, 300.0), "precision_bits"),
        (
            lambda: bounds.training_bound_J(1e6, 1e3, 8, -1.0, 1e-9, 300.0),
            "training_time_s",
        ),
        (lambda: bounds.landauer_J_per_bit("warm"), "temperature_K"),
    ],
)
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_unknown_schedule_is_rejected():
    with pytest.raises(ValueError, match="schedule"):
        bounds.training_bound_J(1, 1, 1, 1, 1, 300, schedule="sometimes")


# --- Units -----------------------------------------------------------------

_UNITS = pint.UnitRegistry()
_SYMBOL_UNITS = {
    "k_B": _UNITS.joule / _UNITS.kelvin,
    "T": _UNITS.kelvin,
    "tau": _UNITS.second,
    "tau_D": _UNITS.second,
    "T_train": _UNITS.second,
    "t_ret": _UNITS.second,
    "f_0": _UNITS.hertz,
    "gamma": _UNITS.joule * _UNITS.second / _UNITS.meter**2,
    "L": _UNITS.meter,
    "E_b": _UNITS.joule,
    "e_FLOP": _UNITS.joule,
}
_ENERGY_EXPRESSIONS = [
    "landauer_per_bit_expr",
    "overwrite_expr",
    "incremental_expr",
    "excess_per_bit_expr",
    "finite_time_per_bit_expr",
    "update_expr",
    "training_parallel_expr",
    "training_serial_expr",
    "training_landauer_expr",
    "retention_barrier_expr",
    "fixed_barrier_training_expr",
    "consolidation_expr",
    "accelerator_training_expr",
    "transport_excess_expr",
]


def _with_units(expr, diffusion_constant=False):
    values = []
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    for symbol in symbols:
        unit = _SYMBOL_UNITS.get(symbol.name)
        if symbol.name == "D" and diffusion_constant:
            unit = _UNITS.meter**2 / _UNITS.second
        values.append(1.7 * unit if unit is not None else 0.3)
    function = sp.lambdify(symbols, expr, modules="numpy")
    return function(*values)


@pytest.mark.parametrize("name", _ENERGY_EXPRESSIONS)
def test_every_energy_expression_has_the_dimension_of_energy(name):
    value = _with_units(getattr(bounds, name))
    assert _UNITS.Quantity(value).check("[energy]"), (name, value)


def test_entropy_and_flops_are_dimensionless():
    for name in ("ternary_entropy_expr", "training_flops_expr"):
        value = _with_units(getattr(bounds, name))
        assert _UNITS.Quantity(value).dimensionless, name


def test_diffusion_time_is_a_time():
    tau_d = bounds.L**2 / bounds.D_diff
    assert _UNITS.Quantity(_with_units(tau_d, diffusion_constant=True)).check("[time]")
