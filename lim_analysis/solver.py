"""A benchmark problem solved by local, parallel, low-precision updates.

The problem is a strongly convex quadratic program,

    minimise f(w) = 1/2 w^T A w - c^T w,   A symmetric positive definite,

solved by block gradient descent on hardware that stores ``w`` in n-bit
memory cells and reads the gradient ``A w - c`` through ADCs. Every
imperfection that changes how many updates convergence takes is modelled:

- the gradient is quantised by an ADC of ``adc_bits`` over a fixed full
  scale, after an offset that drifts as a random walk and is zeroed at each
  calibration;
- a step is written with stochastic rounding to the n-bit grid; a write
  happens only when the rounded value differs from the stored one;
- every write is programmed by write-verify, which leaves the stored value
  anywhere within the verify tolerance of its target.

Convergence is fixed once for every design: the relative suboptimality
(f(w) - f*) / (f(w0) - f*) falls to ``epsilon`` and stays there for a
window of rounds. The number of rounds and
of writes it takes is measured by running the solver, vectorised over
designs and seeded replicas.

Limitations
-----------
The write error is uniform within the tolerance and independent between
writes; real devices drift and relax after programming. The ADC offset is
the only calibrated error. Both would be refined by device data.
"""

from dataclasses import dataclass

import numpy as np

from lim_analysis._checks import require_positive


@dataclass(frozen=True)
class QuadraticProblem:
    """A strongly convex quadratic program with a known optimum.

    Attributes
    ----------
    A : numpy.ndarray
        Symmetric positive definite matrix, eigenvalues from 1/kappa to 1.
    c : numpy.ndarray
        Linear term, chosen so that the optimum lies inside [-0.5, 0.5]^d.
    w_star : numpy.ndarray
        The optimum A^-1 c.
    """

    A: np.ndarray
    c: np.ndarray
    w_star: np.ndarray

    @classmethod
    def random(
        cls, dimension: int = 16, condition_number: float = 10.0, seed: int = 0
    ) -> "QuadraticProblem":
        """A random instance of given size and condition number."""
        if int(dimension) < 2:
            raise ValueError(f"dimension must be at least 2, got {dimension!r}")
        kappa = float(require_positive("condition_number", condition_number))
        if kappa < 1:
            raise ValueError(f"condition_number must be >= 1, got {kappa!r}")
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.normal(size=(dimension, dimension)))
        eigenvalues = np.geomspace(1.0 / kappa, 1.0, dimension)
        a = (q * eigenvalues) @ q.T
        a = (a + a.T) / 2
        w_star = rng.uniform(-0.5, 0.5, dimension)
        return cls(A=a, c=a @ w_star, w_star=w_star)

    @property
    def dimension(self) -> int:
        return self.c.shape[0]

    def objective(self, w: np.ndarray) -> np.ndarray:
        """f(w) for a stack of points along the last axis."""
        return 0.5 * np.einsum("...i,ij,...j->...", w, self.A, w) - w @ self.c

    def suboptimality(self, w: np.ndarray) -> np.ndarray:
        """(f(w) - f*) / (f(0) - f*), with the start at w = 0."""
        f_star = self.objective(self.w_star)
        return (self.objective(w) - f_star) / (0.0 - f_star)


@dataclass(frozen=True)
class SolverRun:
    """Outcome of solving one problem under many designs.

    Every array has one entry per design (averaged over replicas).

    Attributes
    ----------
    converged : numpy.ndarray of bool
        Every replica reached epsilon within the round cap.
    rounds : numpy.ndarray
        Rounds to converge (NaN when not converged).
    writes : numpy.ndarray
        Cell writes performed up to convergence (NaN when not converged).
    attempts : numpy.ndarray
        Parameter updates attempted (block size times rounds).
    final_suboptimality : numpy.ndarray
        Relative suboptimality at the end of the run.
    """

    converged: np.ndarray
    rounds: np.ndarray
    writes: np.ndarray
    attempts: np.ndarray
    final_suboptimality: np.ndarray


def solve(
    problem: QuadraticProblem,
    precision_bits,
    block_size,
    adc_bits,
    write_tolerance,
    calibration_interval,
    *,
    epsilon: float = 1e-3,
    step_size: float = 1.0,
    gradient_full_scale: float = 1.0,
    adc_drift_lsb: float = 0.05,
    max_rounds: int = 3000,
    window: int = 10,
    replicas: int = 4,
    seed: int = 0,
) -> SolverRun:
    """Run block gradient descent for every design at once.

    Parameters
    ----------
    problem : QuadraticProblem
        The instance to solve.
    precision_bits : array_like of int
        Bits per stored variable; the range [-1, 1) is split in 2^n levels.
    block_size : array_like of int
        Variables updated in parallel per round (1 to the dimension); blocks
        cycle through the variables.
    adc_bits : array_like of int
        Resolution of the gradient read-out over +-``gradient_full_scale``.
    write_tolerance : array_like of float
        Half-width of the write-verify acceptance window, in weight units
        (the weight range is 2).
    calibration_interval : array_like of int
        Rounds between ADC offset calibrations.
    epsilon : float
        Relative suboptimality that counts as converged.
    step_size : float
        Gradient step; 1 is 1 / lambda_max for these problems.
    gradient_full_scale : float
        ADC full scale in gradient units.
    adc_drift_lsb : float
        Standard deviation of the ADC offset's random walk per round [ADC
        LSB].
    max_rounds : int
        Rounds after which a design that has not converged is given up.
    window : int
        Rounds the suboptimality must stay at or below ``epsilon`` for a run
        to count as converged; rounds and writes are counted up to the first
        round of that stretch, so a single lucky dip does not count.
    replicas : int
        Independent seeded runs per design.
    seed : int
        Seed of the random generator.

    Returns
    -------
    SolverRun
    """
    designs = np.broadcast_arrays(
        np.asarray(precision_bits, dtype=float),
        np.asarray(block_size, dtype=float),
        np.asarray(adc_bits, dtype=float),
        np.asarray(write_tolerance, dtype=float),
        np.asarray(calibration_interval, dtype=float),
    )
    bits, block, adc, tolerance, interval = (np.ravel(x) for x in designs)
    d = problem.dimension
    if np.any(bits < 1) or np.any(adc < 1):
        raise ValueError("precision_bits and adc_bits must be at least 1")
    if np.any(block < 1) or np.any(block > d):
        raise ValueError(f"block_size must lie in 1..{d}")
    if np.any(tolerance < 0):
        raise ValueError("write_tolerance must be zero or more")
    if np.any(interval < 1):
        raise ValueError("calibration_interval must be at least 1 round")
    require_positive("epsilon", epsilon)
    if int(window) < 1:
        raise ValueError(f"window must be at least 1 round, got {window!r}")

    rng = np.random.default_rng(seed)
    n_designs = bits.size
    rows = n_designs * replicas
    expand = np.repeat  # design values repeated for each replica
    lsb = expand(2.0 / 2.0**bits, replicas)[:, None]
    adc_lsb = expand(2.0 * gradient_full_scale / 2.0**adc, replicas)[:, None]
    tol = expand(tolerance, replicas)[:, None]
    blk = expand(block, replicas).astype(int)
    cal = expand(interval, replicas).astype(int)
    half_levels = expand(2.0 ** (bits - 1), replicas)[:, None]

    w = np.zeros((rows, d))  # the values the cells hold
    stored = np.zeros((rows, d))  # the levels they were programmed to
    offset = np.zeros((rows, d))
    writes = np.zeros(rows)
    done_round = np.full(rows, np.nan)
    writes_at_done = np.full(rows, np.nan)
    streak = np.zeros(rows, dtype=int)  # consecutive rounds below epsilon
    streak_round = np.zeros(rows)
    streak_writes = np.zeros(rows)
    half_codes = expand(2.0 ** (adc - 1), replicas)[:, None]
    position = np.zeros(rows, dtype=int)
    columns = np.arange(d)

    for round_index in range(1, max_rounds + 1):
        active = np.isnan(done_round)
        if not active.any():
            break
        offset += rng.normal(0.0, adc_drift_lsb, size=offset.shape) * adc_lsb
        recalibrate = (round_index % cal) == 0
        offset[recalibrate] = 0.0

        gradient = w @ problem.A - problem.c + offset
        codes = np.clip(np.round(gradient / adc_lsb), -half_codes, half_codes - 1)
        gradient = codes * adc_lsb

        # The block of variables each row updates this round.
        in_block = ((columns[None, :] - position[:, None]) % d) < blk[:, None]
        position = (position + blk) % d

        # The step is taken from the level the cell was programmed to: the
        # write error acts through the gradient, not through the next write.
        scaled = stored - step_size * gradient / lsb
        floor = np.floor(scaled)
        level = floor + (rng.random(scaled.shape) < scaled - floor)
        level = np.clip(level, -half_levels, half_levels - 1)
        write = in_block & (level != stored) & active[:, None]
        programmed = level * lsb + rng.uniform(-1.0, 1.0, size=w.shape) * tol
        w = np.where(write, programmed, w)
        stored = np.where(write, level, stored)
        writes += write.sum(axis=1)

        below = active & (problem.suboptimality(w) <= epsilon)
        entering = below & (streak == 0)
        streak_round[entering] = round_index
        streak_writes[entering] = writes[entering]
        streak = np.where(below, streak + 1, 0)
        newly = below & (streak >= window)
        done_round[newly] = streak_round[newly]
        writes_at_done[newly] = streak_writes[newly]

    final = problem.suboptimality(w)
    by_design = (n_designs, replicas)
    converged = ~np.isnan(done_round.reshape(by_design)).any(axis=1)
    rounds = np.where(
        converged,
        np.nanmean(
            np.where(np.isnan(done_round), 0, done_round).reshape(by_design), axis=1
        ),
        np.nan,
    )
    writes_mean = np.where(
        converged,
        np.nanmean(
            np.where(np.isnan(writes_at_done), 0, writes_at_done).reshape(by_design),
            axis=1,
        ),
        np.nan,
    )
    return SolverRun(
        converged=converged,
        rounds=rounds,
        writes=writes_mean,
        attempts=rounds * block,
        final_suboptimality=final.reshape(by_design).mean(axis=1),
    )
