import numpy as np
import pytest

from lim_analysis.solver import QuadraticProblem, solve


@pytest.fixture(scope="module")
def problem():
    return QuadraticProblem.random(16, 10.0, seed=0)


def float_gradient_descent_rounds(problem, epsilon):
    w = np.zeros(problem.dimension)
    for rounds in range(1, 10_000):
        w = w - (problem.A @ w - problem.c)
        if problem.suboptimality(w) <= epsilon:
            return rounds
    raise AssertionError("float gradient descent did not converge")


def ideal(problem, bits, **kwargs):
    """Full parallelism, an exact ADC, perfect writes, no drift."""
    return solve(
        problem,
        bits,
        problem.dimension,
        24,
        0.0,
        1,
        adc_drift_lsb=0.0,
        replicas=4,
        **kwargs,
    )


def test_problem_is_well_posed(problem):
    eigenvalues = np.linalg.eigvalsh(problem.A)
    assert eigenvalues.min() == pytest.approx(0.1)
    assert eigenvalues.max() == pytest.approx(1.0)
    assert np.allclose(problem.A @ problem.w_star, problem.c)
    assert problem.suboptimality(problem.w_star) == pytest.approx(0.0, abs=1e-12)
    assert problem.suboptimality(np.zeros(16)) == pytest.approx(1.0)


def test_fine_precision_reproduces_float_gradient_descent(problem):
    expected = float_gradient_descent_rounds(problem, 3e-3)
    run = ideal(problem, 20, epsilon=3e-3)
    assert run.converged[0]
    assert abs(run.rounds[0] - expected) <= 1


def test_coarse_weights_hit_a_noise_floor(problem):
    run = ideal(problem, np.array([5, 8]), epsilon=3e-3)
    assert not run.converged[0]
    assert run.final_suboptimality[0] > 3e-3
    assert run.converged[1]


def test_more_precision_takes_fewer_rounds_but_more_writes(problem):
    run = ideal(problem, np.array([6, 8, 12]), epsilon=3e-3)
    assert run.converged.all()
    assert run.rounds[0] > run.rounds[1] >= run.rounds[2] - 1
    # Past the noise-limited regime, finer grids need more level changes.
    assert run.writes[2] > run.writes[1]


def test_loose_write_verify_tolerance_costs_writes(problem):
    run = solve(
        problem, 8, 16, 8, np.array([0.0, 0.02, 0.05]), 10, replicas=8, epsilon=1e-2
    )
    assert run.converged.all()
    assert run.writes[0] < run.writes[1] < run.writes[2]


def test_slow_calibration_lets_offsets_stall_convergence(problem):
    run = solve(
        problem,
        8,
        16,
        8,
        0.0,
        np.array([1, 10, 100_000]),
        replicas=4,
        adc_drift_lsb=0.5,
        epsilon=3e-3,
        max_rounds=2000,
    )
    assert run.converged[:2].all() and not run.converged[2]
    assert run.final_suboptimality[2] > 10 * 3e-3


def test_blocks_take_more_rounds_than_full_parallelism(problem):
    run = ideal(problem, 12, epsilon=3e-3)
    blocked = solve(
        problem, 12, 4, 24, 0.0, 1, adc_drift_lsb=0.0, replicas=4, epsilon=3e-3
    )
    assert blocked.rounds[0] > 2 * run.rounds[0]
    assert blocked.attempts[0] == pytest.approx(4 * blocked.rounds[0])


def test_same_seed_same_run_other_seed_other_run(problem):
    args = (problem, np.array([6, 8]), 8, 8, 0.01, 10)
    first, again = solve(*args, seed=3), solve(*args, seed=3)
    other = solve(*args, seed=4)
    assert first.converged.all()
    assert np.array_equal(first.writes, again.writes)
    assert np.array_equal(first.final_suboptimality, again.final_suboptimality)
    assert not np.array_equal(first.final_suboptimality, other.final_suboptimality)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(precision_bits=0), "precision_bits"),
        (dict(block_size=17), "block_size"),
        (dict(write_tolerance=-0.1), "write_tolerance"),
        (dict(calibration_interval=0), "calibration_interval"),
    ],
)
def test_bad_designs_are_rejected(problem, kwargs, message):
    design = (
        dict(
            precision_bits=8,
            block_size=4,
            adc_bits=8,
            write_tolerance=0.0,
            calibration_interval=10,
        )
        | kwargs
    )
    with pytest.raises(ValueError, match=message):
        solve(problem, **design)


def test_a_single_dip_below_epsilon_is_not_convergence(problem):
    args = (problem, 8, 16, 8, 0.033, 10)
    lucky = solve(*args, epsilon=3e-3, window=1, replicas=8, seed=2)
    steady = solve(*args, epsilon=3e-3, window=50, replicas=8, seed=2)
    assert lucky.converged[0]
    assert not steady.converged[0] or steady.rounds[0] >= lucky.rounds[0]


def test_write_errors_do_not_trigger_writes_by_themselves(problem):
    # Tolerance of 17 LSB at 10 bits: the step is still taken from the stored
    # level, so the error does not feed a random walk of extra writes.
    exact = solve(problem, 10, 16, 10, 0.0, 10, replicas=8, epsilon=1e-2)
    loose = solve(problem, 10, 16, 10, 0.033, 10, replicas=8, epsilon=1e-2)
    assert loose.converged[0]
    assert loose.writes[0] < 2 * exact.writes[0]
