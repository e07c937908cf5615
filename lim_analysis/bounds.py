"""Thermodynamic lower bounds on the energy of memory updates and of training.

The SymPy expressions in this module are the single source of truth. The
numeric functions are generated from them with :func:`sympy.lambdify`,
accept numpy arrays (broadcast against each other) and check their inputs:
a non-finite value, or a non-positive temperature, time or precision, raises
``ValueError`` naming the parameter.

Notes
-----
Landauer's bound, the optimal-transport bound on dissipated work
(Aurell et al.) and the 6 N D compute estimate (Kaplan et al.) are quoted
from the literature. How they are put together is *reconstructed* for this
workbench, not taken from the learning-in-memory paper (whose equations
were not available):

=====================  ====================================================
result                 built from
=====================  ====================================================
incremental update     Landauer's bound applied to the entropy of the
                       update, H(Delta) bits, instead of the n bits held
finite-time excess     optimal-transport bound on dissipated work,
                       gamma W2^2 / tau, for moving half the probability
                       of a bit across a distance L (Aurell et al. 2011)
training scale         N K identical updates, parallel (tau = T_train / K)
                       or serial (tau = T_train / (N K))
retention barrier      Arrhenius escape, rate f0 exp(-E_b / k_B T)
fixed-barrier write    about E_b dissipated per switching event
consolidation          a copy of N n bits into long-term memory, the
                       short-term copy then erased
accelerator energy     6 N D FLOPs (Kaplan et al. 2020) at a set energy
                       per FLOP
=====================  ====================================================

Constants: k_B = 1.380649e-23 J/K (exact in SI).

References
----------
.. [1] R. Landauer, IBM J. Res. Dev. 5, 183 (1961).
.. [2] E. Aurell, C. Mejia-Monasterio, P. Muratore-Ginanneschi,
   Phys. Rev. Lett. 106, 250601 (2011).
.. [3] K. Proesmans, J. Ehrich, J. Bechhoefer, Phys. Rev. Lett. 125,
   100602 (2020).
.. [4] J. Kaplan et al., arXiv:2001.08361 (2020).
"""

import numpy as np
import sympy as sp
from scipy.stats import norm

from lim_analysis._checks import (
    require_nonnegative,
    require_positive,
    require_probability,
    scalar_or_array,
)
from lim_analysis.constants import K_B_J_PER_K

# --- Symbols ----------------------------------------------------------------
# Positive assumptions let SymPy simplify logs and limits.
k_B, T = sp.symbols("k_B T", positive=True)
n = sp.Symbol("n", positive=True)  # bits held by one weight
b = sp.Symbol("b", positive=True)  # bits erased by one update
H = sp.Symbol("H", nonnegative=True)  # entropy of one update [bit]
tau, tau_D = sp.symbols("tau tau_D", positive=True)  # update and diffusion times
gamma, L, D_diff = sp.symbols("gamma L D", positive=True)  # friction, width, D
N, K = sp.symbols("N K", positive=True)  # parameters, updates per parameter
T_train = sp.Symbol("T_train", positive=True)  # training time budget
E_b = sp.Symbol("E_b", positive=True)  # barrier height
f_0, t_ret = sp.symbols("f_0 t_ret", positive=True)  # attempt rate, retention
p_err = sp.Symbol("p", positive=True)  # tolerated probability of one escape
C = sp.Symbol("C", nonnegative=True)  # consolidation events
D_tok = sp.Symbol("D_tok", positive=True)  # training tokens
e_flop = sp.Symbol("e_FLOP", positive=True)  # energy per FLOP
q = sp.Symbol("q", positive=True)  # probability that a ternary update moves

# --- Landauer ---------------------------------------------------------------
#: Landauer's bound for erasing one bit, k_B T ln 2.
landauer_per_bit_expr = k_B * T * sp.log(2)

#: Overwriting an n-bit cell erases the n bits it held.
overwrite_expr = n * landauer_per_bit_expr

#: An incremental update in steady state (W' spread like W) erases the
#: entropy of its step, H(Delta) bits (reconstructed).
incremental_expr = H * landauer_per_bit_expr

#: Entropy of a ternary update: stay with probability 1 - q, step +-1 LSB
#: with probability q / 2 each [bit].
ternary_entropy_expr = -(1 - q) * sp.log(1 - q, 2) - q * sp.log(q / 2, 2)

# --- Finite time (reconstructed) --------------------------------------------
#: Squared L2-Wasserstein distance for erasing a symmetric bit: half the
#: probability moves from the well at +L/2 to the well at -L/2.
wasserstein2_sq_expr = sp.Rational(1, 2) * L**2

#: Least dissipated work of the transport in time tau, gamma W2^2 / tau.
transport_excess_expr = gamma * wasserstein2_sq_expr / tau

#: The same excess with gamma = k_B T / D and tau_D = L^2 / D.
excess_per_bit_expr = sp.simplify(
    transport_excess_expr.subs(gamma, k_B * T / D_diff).subs(L, sp.sqrt(tau_D * D_diff))
)

#: Per-bit bound for an erasure finished in time tau.
finite_time_per_bit_expr = landauer_per_bit_expr + excess_per_bit_expr

#: One parameter update erasing b bits in time tau.
update_expr = b * finite_time_per_bit_expr

# --- Training scale (reconstructed) -----------------------------------------
#: All N parameters update together: each of the K rounds takes T_train / K.
training_parallel_expr = N * K * update_expr.subs(tau, T_train / K)

#: One parameter at a time: each of the N K updates takes T_train / (N K).
training_serial_expr = N * K * update_expr.subs(tau, T_train / (N * K))

#: The Landauer part of a training run, the same for both schedules.
training_landauer_expr = N * K * b * landauer_per_bit_expr

# --- Barriers, retention, consolidation (reconstructed) --------------------
#: Barrier that keeps a bit for t_ret with escape probability p.
retention_barrier_expr = k_B * T * sp.log(f_0 * t_ret / p_err)

#: Every bit of every update switching through a fixed barrier dissipates
#: about E_b: an upper estimate, since about half the bits of a random
#: overwrite keep their value.
fixed_barrier_training_expr = N * K * b * E_b

#: Consolidating N n-bit weights C times: a copy, then the erasure of the
#: short-term copy.
consolidation_expr = C * N * n * landauer_per_bit_expr

# --- Accelerator projection --------------------------------------------------
#: Training compute of a dense model, about 6 FLOPs per parameter and token.
training_flops_expr = 6 * N * D_tok

#: Energy of that compute at a set energy per FLOP.
accelerator_training_expr = training_flops_expr * e_flop


def _numeric(expr, args):
    """Generate a numpy function of ``args`` from ``expr`` with k_B set."""
    return sp.lambdify(args, expr.subs(k_B, K_B_J_PER_K), modules="numpy")


_landauer = _numeric(landauer_per_bit_expr, (T,))
_overwrite = _numeric(overwrite_expr, (n, T))
_incremental = _numeric(incremental_expr, (H, T))
_ternary_entropy = _numeric(ternary_entropy_expr, (q,))
_excess_per_bit = _numeric(excess_per_bit_expr, (tau, tau_D, T))
_finite_time_per_bit = _numeric(finite_time_per_bit_expr, (tau, tau_D, T))
_update = _numeric(update_expr, (b, tau, tau_D, T))
_training = {
    "parallel": _numeric(training_parallel_expr, (N, K, b, T_train, tau_D, T)),
    "serial": _numeric(training_serial_expr, (N, K, b, T_train, tau_D, T)),
}
_training_landauer = _numeric(training_landauer_expr, (N, K, b, T))
_retention_barrier = _numeric(retention_barrier_expr, (t_ret, f_0, p_err, T))
_fixed_barrier_training = _numeric(fixed_barrier_training_expr, (N, K, b, E_b))
_consolidation = _numeric(consolidation_expr, (C, N, n, T))
_training_flops = _numeric(training_flops_expr, (N, D_tok))
_accelerator_training = _numeric(accelerator_training_expr, (N, D_tok, e_flop))

#: The update schedules :func:`training_bound_J` accepts.
SCHEDULES = tuple(_training)


def landauer_J_per_bit(temperature_K):
    """Landauer's lower bound on the heat of erasing one bit.

    Parameters
    ----------
    temperature_K : float or array_like
        Absolute temperature of the bath [K].

    Returns
    -------
    float or numpy.ndarray
        The bound k_B T ln 2 [J]; 2.871e-21 J at 300 K.

    Notes
    -----
    Evaluates :data:`landauer_per_bit_expr`,

    .. math:: E_\\mathrm{L} = k_\\mathrm{B} T \\ln 2 .

    References
    ----------
    .. [1] R. Landauer, IBM J. Res. Dev. 5, 183 (1961).
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
        The bound [J] (:data:`overwrite_expr`).
    """
    bits = require_positive("precision_bits", precision_bits)
    temperature = require_positive("temperature_K", temperature_K)
    return scalar_or_array(_overwrite(bits, temperature))


def incremental_update_J(entropy_bits, temperature_K):
    """Lower bound on an incremental update, H(Delta) k_B T ln 2.

    Parameters
    ----------
    entropy_bits : float or array_like
        Shannon entropy of the update Delta [bit].
    temperature_K : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or numpy.ndarray
        The bound [J] (:data:`incremental_expr`).

    Notes
    -----
    Reconstructed: the update maps (W, Delta) to W + Delta and discards
    Delta, which erases H(W) + H(Delta | W) - H(W') bits. When Delta does
    not depend on W, H(W') >= H(W), so the erased information is at most
    H(Delta); it equals H(Delta) in steady state, where W' is spread like W.
    This function evaluates that steady-state floor.
    """
    entropy = require_nonnegative("entropy_bits", entropy_bits)
    temperature = require_positive("temperature_K", temperature_K)
    return scalar_or_array(_incremental(entropy, temperature))


def entropy_bits(probabilities):
    """Shannon entropy of a discrete distribution [bit].

    Parameters
    ----------
    probabilities : array_like
        Probabilities along the last axis; each row must sum to 1.

    Returns
    -------
    float or numpy.ndarray
        -sum p log2 p over the last axis (0 log 0 taken as 0).
    """
    p = require_nonnegative("probabilities", probabilities)
    total = p.sum(axis=-1)
    if not np.allclose(total, 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"probabilities must sum to 1, got {np.ravel(total)[0]!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return scalar_or_array(terms.sum(axis=-1))


def ternary_entropy_bits(step_probability):
    """Entropy of a ternary update: 0 or +-1 LSB [bit].

    Parameters
    ----------
    step_probability : float or array_like
        Probability q that the weight moves at all; the step is +1 or -1 LSB
        with probability q / 2 each. 0 < q <= 1.

    Returns
    -------
    float or numpy.ndarray
        H(q) = -(1 - q) log2(1 - q) - q log2(q / 2); log2 3 = 1.585 bits at
        q = 2/3, the largest value.
    """
    probability = require_probability("step_probability", step_probability)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = _ternary_entropy(probability)
    # At q = 1 the first term is 0 log 0 = 0.
    return scalar_or_array(np.where(probability == 1.0, 1.0, value))


def stochastic_rounding_pmf(sigma_lsb, max_steps: int | None = None):
    """Distribution of update sizes under stochastic rounding of a Gaussian.

    A learning rule proposes a real-valued step x ~ Normal(0, sigma) in units
    of the weight's least significant bit; stochastic rounding writes the
    integer k = floor(x) + 1 with probability x - floor(x), else floor(x).

    Parameters
    ----------
    sigma_lsb : float
        Standard deviation of the proposed step [LSB].
    max_steps : int, optional
        Largest |k| kept; by default 8 sigma + 2.

    Returns
    -------
    steps : numpy.ndarray
        The integers k.
    pmf : numpy.ndarray
        P(k), summing to 1.

    Notes
    -----
    P(k) = E[max(0, 1 - |x - k|)], the Gaussian density smoothed by a
    triangle of half-width 1 LSB. In closed form, with Phi and phi the
    standard normal CDF and density and
    g(u) = u Phi(u / sigma) + sigma phi(u / sigma), the second integral of
    the density of x: P(k) = g(k + 1) - 2 g(k) + g(k - 1).
    """
    sigma = float(require_positive("sigma_lsb", sigma_lsb))
    if max_steps is None:
        max_steps = int(np.ceil(8 * sigma)) + 2
    steps = np.arange(-max_steps, max_steps + 1)

    def ramp_integral(u):
        return u * norm.cdf(u / sigma) + sigma * norm.pdf(u / sigma)

    pmf = (
        ramp_integral(steps + 1.0)
        - 2 * ramp_integral(steps)
        + ramp_integral(steps - 1.0)
    )
    pmf = np.clip(pmf, 0.0, None)
    return steps, pmf / pmf.sum()


def excess_per_bit_J(update_time_s, diffusion_time_s, temperature_K):
    """Finite-time excess of erasing one bit, k_B T tau_D / (2 tau).

    Parameters
    ----------
    update_time_s : float or array_like
        Time allowed for the erasure, tau [s].
    diffusion_time_s : float or array_like
        Diffusion time across the well separation, tau_D = L^2 / D [s].
    temperature_K : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or numpy.ndarray
        The excess over Landauer's bound [J] (:data:`excess_per_bit_expr`).

    Notes
    -----
    Reconstructed from the optimal-transport bound gamma W2^2 / tau with
    W2^2 = L^2 / 2 (half the probability moves L). It is a lower bound on the
    excess, not the exact optimum of a given protocol.
    """
    tau_s = require_positive("update_time_s", update_time_s)
    tau_d = require_positive("diffusion_time_s", diffusion_time_s)
    temperature = require_positive("temperature_K", temperature_K)
    return scalar_or_array(_excess_per_bit(tau_s, tau_d, temperature))


def update_bound_J(bits_erased, update_time_s, diffusion_time_s, temperature_K):
    """Least energy of one parameter update made in finite time.

    Parameters
    ----------
    bits_erased : float or array_like
        Bits the update erases [bit]: the precision n for an overwrite, the
        update entropy H(Delta) for an incremental update.
    update_time_s : float or array_like
        Duration of the update, tau [s].
    diffusion_time_s : float or array_like
        Diffusion time of the memory's state variable across its wells,
        tau_D [s].
    temperature_K : float or array_like
        Absolute temperature [K].

    Returns
    -------
    float or numpy.ndarray
        b k_B T (ln 2 + tau_D / (2 tau)) [J] (:data:`update_expr`).
        Tends to b k_B T ln 2 as tau grows; the excess doubles when tau
        halves.
    """
    bits = require_positive("bits_erased", bits_erased)
    tau_s = require_positive("update_time_s", update_time_s)
    tau_d = require_positive("diffusion_time_s", diffusion_time_s)
    temperature = require_positive("temperature_K", temperature_K)
    return scalar_or_array(_update(bits, tau_s, tau_d, temperature))


def training_bound_J(
    n_parameters,
    updates_per_parameter,
    bits_per_update,
    training_time_s,
    diffusion_time_s,
    temperature_K,
    schedule: str = "parallel",
):
    """Least energy of a training run of N K updates in a time budget.

    Parameters
    ----------
    n_parameters : float or array_like
        Number of parameters N.
    updates_per_parameter : float or array_like
        Updates each parameter receives, K.
    bits_per_update : float or array_like
        Bits erased per update, b [bit].
    training_time_s : float or array_like
        Time budget of the whole run, T_train [s].
    diffusion_time_s : float or array_like
        Diffusion time tau_D [s].
    temperature_K : float or array_like
        Absolute temperature [K].
    schedule : {"parallel", "serial"}
        ``"parallel"``: all parameters update at once, each update lasting
        T_train / K. ``"serial"``: one update at a time, each lasting
        T_train / (N K).

    Returns
    -------
    float or numpy.ndarray
        The bound [J]: N K b k_B T ln 2 plus an excess that grows as
        K^2 / T_train (parallel) or (N K)^2 / T_train (serial).
    """
    if schedule not in _training:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    args = (
        require_positive("n_parameters", n_parameters),
        require_positive("updates_per_parameter", updates_per_parameter),
        require_positive("bits_per_update", bits_per_update),
        require_positive("training_time_s", training_time_s),
        require_positive("diffusion_time_s", diffusion_time_s),
        require_positive("temperature_K", temperature_K),
    )
    return scalar_or_array(_training[schedule](*args))


def training_landauer_J(
    n_parameters, updates_per_parameter, bits_per_update, temperature_K
):
    """The quasi-static part of a training run, N K b k_B T ln 2 [J]."""
    return scalar_or_array(
        _training_landauer(
            require_positive("n_parameters", n_parameters),
            require_positive("updates_per_parameter", updates_per_parameter),
            require_positive("bits_per_update", bits_per_update),
            require_positive("temperature_K", temperature_K),
        )
    )


def retention_barrier_J(
    retention_time_s, attempt_frequency_Hz, temperature_K, error_probability=1.0
):
    """Barrier height that keeps a bit for a retention time.

    Parameters
    ----------
    retention_time_s : float or array_like
        Time the bit must survive, t_ret [s].
    attempt_frequency_Hz : float or array_like
        Attempt frequency of escape over the barrier, f0 [Hz].
    temperature_K : float or array_like
        Absolute temperature [K].
    error_probability : float or array_like
        Tolerated probability of one escape within t_ret, p (0 < p <= 1).

    Returns
    -------
    float or numpy.ndarray
        E_b = k_B T ln(f0 t_ret / p) [J]; about 40 k_B T for ten years at
        f0 = 1e9 Hz and p = 1.

    Notes
    -----
    Reconstructed from Arrhenius escape at rate f0 exp(-E_b / k_B T): the
    expected number of escapes in t_ret, f0 t_ret exp(-E_b / k_B T), must not
    exceed p.
    """
    args = (
        require_positive("retention_time_s", retention_time_s),
        require_positive("attempt_frequency_Hz", attempt_frequency_Hz),
        require_probability("error_probability", error_probability),
        require_positive("temperature_K", temperature_K),
    )
    barrier = _retention_barrier(*args)
    if np.any(barrier <= 0):
        raise ValueError(
            "f0 * t_ret / p must exceed 1: the bit would survive with no barrier"
        )
    return scalar_or_array(barrier)


def fixed_barrier_training_J(
    n_parameters, updates_per_parameter, bits_per_update, barrier_J
):
    """Training energy when every bit switch dissipates the barrier, N K b E_b."""
    return scalar_or_array(
        _fixed_barrier_training(
            require_positive("n_parameters", n_parameters),
            require_positive("updates_per_parameter", updates_per_parameter),
            require_positive("bits_per_update", bits_per_update),
            require_positive("barrier_J", barrier_J),
        )
    )


def consolidation_J(n_parameters, precision_bits, consolidations, temperature_K):
    """Least energy of C consolidations of N n-bit weights, C N n k_B T ln 2."""
    return scalar_or_array(
        _consolidation(
            require_nonnegative("consolidations", consolidations),
            require_positive("n_parameters", n_parameters),
            require_positive("precision_bits", precision_bits),
            require_positive("temperature_K", temperature_K),
        )
    )


def training_flops(n_parameters, tokens):
    """Training compute of a dense model, about 6 N D FLOPs (Kaplan et al.)."""
    return scalar_or_array(
        _training_flops(
            require_positive("n_parameters", n_parameters),
            require_positive("tokens", tokens),
        )
    )


def accelerator_training_J(n_parameters, tokens, energy_per_flop_J):
    """Energy of 6 N D FLOPs at ``energy_per_flop_J`` each [J]."""
    return scalar_or_array(
        _accelerator_training(
            require_positive("n_parameters", n_parameters),
            require_positive("tokens", tokens),
            require_positive("energy_per_flop_J", energy_per_flop_J),
        )
    )


def energy_budget(
    n_parameters,
    updates_per_parameter,
    precision_bits,
    bits_per_update,
    training_time_s,
    diffusion_time_s,
    temperature_K,
    consolidations,
    read_energy_J=0.0,
    reads_per_update=1.0,
):
    """The three walls of a learning-in-memory run, as separate terms [J].

    Parameters
    ----------
    n_parameters, updates_per_parameter : float
        N and K.
    precision_bits : float
        Bits per weight n, copied at each consolidation [bit].
    bits_per_update : float
        Bits erased per update b [bit].
    training_time_s, diffusion_time_s, temperature_K : float
        T_train [s], tau_D [s], T [K]; updates run in parallel.
    consolidations : float
        Consolidation events C over the run.
    read_energy_J : float
        Energy per weight read [J]. Zero at the bound: a read in place is
        logically reversible and has no lower bound (Bennett 1982), provided
        the copy it makes is later uncomputed; a read whose copy is simply
        discarded erases up to n bits. Give a hardware figure to see the
        memory wall of a real design.
    reads_per_update : float
        Reads of each weight per update.

    Returns
    -------
    dict
        ``memory_J`` (N K reads), ``update_J`` (the parallel training bound),
        ``consolidation_J``, and ``total_J``.
    """
    reads = require_nonnegative("read_energy_J", read_energy_J)
    per_update = require_nonnegative("reads_per_update", reads_per_update)
    memory = (
        require_positive("n_parameters", n_parameters)
        * require_positive("updates_per_parameter", updates_per_parameter)
        * per_update
        * reads
    )
    update = training_bound_J(
        n_parameters,
        updates_per_parameter,
        bits_per_update,
        training_time_s,
        diffusion_time_s,
        temperature_K,
    )
    consolidation = consolidation_J(
        n_parameters, precision_bits, consolidations, temperature_K
    )
    terms = {
        "memory_J": scalar_or_array(memory),
        "update_J": update,
        "consolidation_J": consolidation,
    }
    terms["total_J"] = scalar_or_array(sum(np.asarray(v) for v in terms.values()))
    return terms
