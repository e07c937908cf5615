"""Do the core-only bound and the full-system energy rank designs alike?

One benchmark problem (:mod:`lim_analysis.solver`), one convergence
definition, and a grid of design options. For every option the solver
measures the updates convergence takes; :mod:`lim_analysis.bounds` turns
them into the core-only bound, and a ledger of the same run
(:mod:`lim_analysis.ledger` items: array updates, ADC conversions,
write-verify reads, calibration) gives the full-system energy. The two
rankings are then compared with Kendall's tau, Spearman's rho, the top-k
overlap and the pairs that flip.

Every energy per event comes from a model or a data row:

=====================  ====================================================
item                   energy per event
=====================  ====================================================
array update (core)    write-verify pulses: mean iterations x pulse energy
                       (:mod:`lim_analysis.write_verify`)
write-verify reads     mean iterations x (verify read + conversion)
SAR ADC conversion     hwcomponents ADC model at the option's resolution
adaptive ADC           Hong et al. 2025, 12.58 fJ at 5 bits (data row),
                       scaled with resolution like the SAR model
                       (an assumption)
calibration            conversions per calibration x ADC conversion
conversions            one per gradient output read, times the read
                       passes per round
=====================  ====================================================

The bound charges each write the bits the verify tolerance resolves,
min(n, log2(span / 2 tol)), at the finite-time bound with the round as the
update time; at these round times the excess is far below 1 % of the
Landauer term, and the finite-time formula treats the cell's conductance
as one degree of freedom per bit, which a real cell is not.

Limitations
-----------
The adaptive ADC is characterised at 5 bits only; its energy at other
resolutions follows the SAR model's trend, which is an assumption. DACs,
data movement and control are not itemised: they add a design-independent
share here and would blur, not sharpen, the comparison. The verify reads
are costed with the write-verify model's own ADC, not the option's. The
solver assumes every write lands within tolerance; the write-verify model
lets a few per cent of devices hit the iteration cap at the tightest
tolerance.
"""

import itertools
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from lim_analysis import bounds, components, survey, write_verify
from lim_analysis.ledger import ItemEnergy, Ledger, Workload
from lim_analysis.solver import QuadraticProblem, solve

log = logging.getLogger(__name__)

#: The scenarios a ranking can be run in, and the ADC type of their options.
#: ``core_only``: the core at its bound, no periphery. ``adc_heavy``: SAR
#: ADCs, read passes set so that the reference design has the surveyed
#: SAR-baseline ADC share. ``reduced_share``: the same workload with the
#: adaptive ADC, whose share then follows (Hong et al. report 22.5 %).
SCENARIOS = {"core_only": "sar", "adc_heavy": "sar", "reduced_share": "adaptive"}

#: The survey rows the scenarios are set by and checked against.
HEAVY_SHARE_ROW = ("adc_energy_share", "SAR ADC baseline", "VGG8/CIFAR-10")
REDUCED_SHARE_ROW = ("adc_energy_share", "adaptive memristor ADC", "VGG8/CIFAR-10")

#: Kinds of energy the full-system view adds up, core first.
KINDS = ("array_update", "adc", "write_verify", "calibration")
CORE_KINDS = ("array_update",)

#: Conductance window of the memory cells that hold the weights [uS]: the
#: write-verify model's target range (Hong et al. 2025, Methods); the
#: weight range [-1, 1) maps onto it.
CONDUCTANCE_SPAN_uS = (
    write_verify.WriteVerifyParams().target_max_uS
    - write_verify.WriteVerifyParams().target_min_uS
)


@dataclass(frozen=True)
class Hardware:
    """Fixed properties of the hardware every design option shares.

    Attributes
    ----------
    temperature_K : float
        Absolute temperature [K].
    diffusion_time_s : float
        tau_D of the memory cells, for the finite-time bound [s].
    tech_node_m : float
        Technology node of the ADC model [m].
    adc_throughput_Hz : float
        Conversion rate of one ADC [1/s].
    n_adcs : int
        ADCs reading the gradient in parallel.
    conversions_per_calibration : int
        ADC conversions one offset calibration takes, for all ADCs.
    write_verify_devices : int
        Devices simulated to estimate write-verify statistics.
    seed : int
        Seed of the write-verify simulation.
    """

    temperature_K: float = 300.0
    diffusion_time_s: float = 1e-9
    tech_node_m: float = 14e-9
    adc_throughput_Hz: float = 1e9
    n_adcs: int = 4
    conversions_per_calibration: int = 256
    write_verify_devices: int = 4096
    seed: int = 0


@dataclass(frozen=True)
class DesignGrid:
    """The options compared: the Cartesian product of these values."""

    precision_bits: tuple = (6, 8, 10)
    block_size: tuple = (4, 8, 16)
    adc_bits: tuple = (6, 8)
    adc_type: tuple = ("sar", "adaptive")
    tolerance_uS: tuple = (1.0, 2.0, 5.0)
    calibration_interval: tuple = (10, 100)

    def table(self) -> pd.DataFrame:
        """One row per option, with a readable label."""
        names = [
            "precision_bits",
            "block_size",
            "adc_bits",
            "adc_type",
            "tolerance_uS",
            "calibration_interval",
        ]
        rows = list(itertools.product(*(getattr(self, name) for name in names)))
        options = pd.DataFrame(rows, columns=names)
        for name in ("adc_type",):
            bad = set(options[name]) - {"sar", "adaptive"}
            if bad:
                raise ValueError(f"adc_type must be 'sar' or 'adaptive', got {bad}")
        options["label"] = [
            f"{r.precision_bits}b p{r.block_size} {r.adc_type}{r.adc_bits} "
            f"+-{r.tolerance_uS:g}uS cal{r.calibration_interval}"
            for r in options.itertuples()
        ]
        return options


@dataclass
class Evaluation:
    """Every option of a grid, evaluated under both views.

    Attributes
    ----------
    options : pandas.DataFrame
        One row per option: its settings, whether it converged, rounds,
        writes, time to solution [s], the bound [J] and the energy of each
        kind [J] at nominal ADC energy.
    hardware : Hardware
        The shared hardware.
    """

    options: pd.DataFrame
    hardware: Hardware
    problem: QuadraticProblem = field(repr=False)

    @property
    def feasible(self) -> pd.DataFrame:
        """The options that converged."""
        return self.options[self.options["converged"]].reset_index(drop=True)

    def with_adc(self, adc_type: str) -> "Evaluation":
        """The same evaluation restricted to options with one ADC type."""
        if adc_type not in set(self.options["adc_type"]):
            raise ValueError(f"no options with adc_type {adc_type!r}")
        chosen = self.options[self.options["adc_type"] == adc_type]
        return Evaluation(chosen.reset_index(drop=True), self.hardware, self.problem)

    def system_energy(
        self,
        read_passes: float = 1.0,
        core_at_bound: bool = False,
        peripheral_scale: float = 1.0,
    ) -> np.ndarray:
        """Full-system energy of each feasible option [J].

        Parameters
        ----------
        read_passes : float
            Gradient read passes per round; multiplies the ADC conversions.
        core_at_bound : bool
            Replace the core by the bound (the ideal core).
        peripheral_scale : float
            Factor on the whole periphery.
        """
        table = self.feasible
        core = table["bound_J"] if core_at_bound else table["array_update_J"]
        periphery = (
            read_passes * table["adc_J"]
            + table["calibration_J"]
            + table["write_verify_J"]
        )
        return np.asarray(core + peripheral_scale * periphery, dtype=float)

    def ledger(self, index: int, read_passes: float = 1.0) -> Ledger:
        """The ledger of one feasible option, as the ledger module holds it."""
        row = self.feasible.iloc[index]
        workload = Workload(
            name=row["label"],
            n_parameters=self.problem.dimension,
            updates_per_parameter=row["writes"] / self.problem.dimension,
            precision_bits=row["precision_bits"],
            update_time_s=row["round_time_s"],
            temperature_K=self.hardware.temperature_K,
            diffusion_time_s=self.hardware.diffusion_time_s,
            convergence="relative suboptimality below epsilon",
        )
        scale = {"adc": read_passes}
        counts = {
            "array_update": row["writes"],
            "write_verify": row["writes"],
            "adc": row["conversions"] * read_passes,
            "calibration": row["calibrations"],
        }
        items = []
        for kind in KINDS:
            energy = row[f"{kind}_J"] * scale.get(kind, 1.0)
            count = counts[kind]
            items.append(
                ItemEnergy(
                    name=kind.replace("_", "-"),
                    part="core" if kind in CORE_KINDS else "peripheral",
                    kind=kind,
                    energy_per_event_J=energy / count if count else 0.0,
                    count=float(count),
                    energy_J=float(energy),
                    source="lim_analysis.ranking",
                )
            )
        return Ledger(
            path=f"<{row['label']}>",
            workload=workload,
            items=tuple(items),
            bound_J=float(row["bound_J"]),
        )


def adc_energy_J(n_bits, adc_type: str, hardware: Hardware) -> float:
    """Energy per conversion of the option's ADC [J].

    ``"sar"``: the hwcomponents ADC model. ``"adaptive"``: Hong et al.'s
    12.58 fJ at 5 bits, scaled by the SAR model's ratio between ``n_bits``
    and 5 bits (an assumption: the adaptive ADC was characterised at 5 bits
    only).
    """
    sar = components.adc_energy_J(
        n_bits, hardware.tech_node_m, hardware.adc_throughput_Hz
    )
    if adc_type == "sar":
        return sar
    if adc_type != "adaptive":
        raise ValueError(f"adc_type must be 'sar' or 'adaptive', got {adc_type!r}")
    measured = survey.value(
        "adc_conversion_energy", configuration="adaptive memristor ADC"
    )
    reference = components.adc_energy_J(
        5, hardware.tech_node_m, hardware.adc_throughput_Hz
    )
    return measured * sar / reference


def evaluate(
    grid: DesignGrid | None = None,
    hardware: Hardware | None = None,
    *,
    epsilon: float = 3e-3,
    dimension: int = 16,
    condition_number: float = 10.0,
    replicas: int = 8,
    max_rounds: int = 3000,
    seed: int = 0,
) -> Evaluation:
    """Solve the benchmark for every option and cost it under both views.

    Parameters
    ----------
    grid : DesignGrid, optional
        The options; the default grid has 216.
    hardware : Hardware, optional
        Shared hardware properties.
    epsilon : float
        Relative suboptimality that counts as converged.
    dimension, condition_number : int, float
        Size and conditioning of the quadratic program.
    replicas : int
        Seeded solver runs per option; counts are their means.
    max_rounds : int
        Rounds after which an option counts as not converging.
    seed : int
        Seed of the problem and the solver.
    """
    grid = grid or DesignGrid()
    hardware = hardware or Hardware()
    options = grid.table()
    problem = QuadraticProblem.random(dimension, condition_number, seed=seed)

    # The solver only sees what changes convergence; ADC type is cost only.
    physics = [
        "precision_bits",
        "block_size",
        "adc_bits",
        "tolerance_uS",
        "calibration_interval",
    ]
    distinct = options[physics].drop_duplicates().reset_index(drop=True)
    run = solve(
        problem,
        distinct["precision_bits"],
        distinct["block_size"],
        distinct["adc_bits"],
        distinct["tolerance_uS"] * 2.0 / CONDUCTANCE_SPAN_uS,
        distinct["calibration_interval"],
        epsilon=epsilon,
        replicas=replicas,
        max_rounds=max_rounds,
        seed=seed,
    )
    distinct = distinct.assign(
        converged=run.converged, rounds=run.rounds, writes=run.writes
    )
    options = options.merge(distinct, on=physics, how="left")
    log.info(
        "solved %d distinct designs, %d of %d options converge",
        len(distinct),
        int(options["converged"].sum()),
        len(options),
    )

    verify = {
        tol: write_verify.simulate(
            write_verify.WriteVerifyParams(
                tolerance_uS=float(tol), n_devices=hardware.write_verify_devices
            ),
            seed=hardware.seed,
        )
        for tol in sorted(set(options["tolerance_uS"]))
    }
    params = write_verify.WriteVerifyParams()
    iterations = options["tolerance_uS"].map(lambda t: verify[t].mean_iterations)
    write_J = options["tolerance_uS"].map(lambda t: verify[t].energy_J_per_write)
    write_s = options["tolerance_uS"].map(lambda t: verify[t].latency_s_per_write)
    conversion_J = np.array(
        [adc_energy_J(r.adc_bits, r.adc_type, hardware) for r in options.itertuples()]
    )
    conversion_s = 1.0 / hardware.adc_throughput_Hz

    rounds = options["rounds"]
    conversions = rounds * options["block_size"]  # one per output read
    calibrations = np.floor(rounds / options["calibration_interval"])
    round_time_s = (
        np.ceil(options["block_size"] / hardware.n_adcs) * conversion_s + write_s
    )
    pulses_J = options["writes"] * iterations * params.pulse_energy_J

    options = options.assign(
        conversions=conversions,
        calibrations=calibrations,
        round_time_s=round_time_s,
        time_to_solution_s=rounds * round_time_s,
        write_verify_iterations=iterations,
        array_update_J=pulses_J,
        write_verify_J=options["writes"] * write_J - pulses_J,
        adc_J=conversions * conversion_J,
        calibration_J=calibrations
        * hardware.conversions_per_calibration
        * conversion_J,
    )
    bound_J = np.full(len(options), np.nan)
    ok = options["converged"].to_numpy()
    options["bits_erased"] = bits_resolved(
        options["precision_bits"], options["tolerance_uS"]
    )
    bound_J[ok] = options.loc[ok, "writes"].to_numpy() * bounds.update_bound_J(
        options.loc[ok, "bits_erased"].to_numpy(float),
        options.loc[ok, "round_time_s"].to_numpy(float),
        hardware.diffusion_time_s,
        hardware.temperature_K,
    )
    options["bound_J"] = bound_J
    return Evaluation(options=options, hardware=hardware, problem=problem)


def bits_resolved(precision_bits, tolerance_uS):
    """Bits a write erases: the levels the verify tolerance can tell apart.

    A write verified to +-tol over the conductance span can leave the cell in
    span / (2 tol) distinguishable states, so it erases at most
    log2(span / (2 tol)) bits, however many levels the weight's format has
    (reconstructed). Returns min(n, log2(span / (2 tol))).
    """
    tolerance = np.asarray(tolerance_uS, dtype=float)
    if np.any(tolerance <= 0):
        raise ValueError("tolerance_uS must be greater than zero")
    resolved = np.log2(CONDUCTANCE_SPAN_uS / (2.0 * tolerance))
    return np.minimum(np.asarray(precision_bits, dtype=float), resolved)


def reference_index(evaluation: Evaluation) -> int:
    """The feasible option closest to the surveyed design: most parallel,
    8-bit weights and ADC, the published +-5 uS tolerance (SAR first when
    both ADC types are present)."""
    table = evaluation.feasible
    score = (
        (table["adc_type"] != "sar") * 8
        + (table["block_size"] != table["block_size"].max()) * 4
        + (table["tolerance_uS"] - 5.0).abs()
        + (table["precision_bits"] - 8).abs() * 0.5
        + (table["adc_bits"] - 8).abs() * 0.1
        + (table["calibration_interval"] != table["calibration_interval"].max())
    )
    return int(np.argmin(score.to_numpy()))


def read_passes_for_share(evaluation: Evaluation, adc_share: float) -> float:
    """Gradient read passes per round that give the reference option an ADC
    share of total energy.

    The benchmark reads its gradient once per round; a network reads each
    weight many times per update (a batch, forward and backward). Solving
    share = s A / (s A + R) for the number of passes s, with A the ADC energy
    of one pass and R the rest, gives s = share R / ((1 - share) A).
    """
    if not 0.0 < adc_share < 1.0:
        raise ValueError(
            f"adc_share must lie strictly between 0 and 1, got {adc_share!r}"
        )
    row = evaluation.feasible.iloc[reference_index(evaluation)]
    adc = row["adc_J"]
    rest = row["array_update_J"] + row["write_verify_J"] + row["calibration_J"]
    return float(adc_share * rest / ((1.0 - adc_share) * adc))


@dataclass(frozen=True)
class ScenarioView:
    """The options of one scenario under both views.

    Attributes
    ----------
    scenario : str
        Its name, a key of :data:`SCENARIOS`.
    evaluation : Evaluation
        The options with the scenario's ADC type.
    read_passes : float
        Gradient read passes per round (0 in ``core_only``).
    bound_J, system_J : numpy.ndarray
        Energy of each converging option under the two views [J].
    """

    scenario: str
    evaluation: Evaluation
    read_passes: float
    bound_J: np.ndarray
    system_J: np.ndarray

    @property
    def table(self) -> pd.DataFrame:
        return self.evaluation.feasible

    def reference_adc_share(self) -> float:
        """ADC share of the reference design's total energy."""
        index = reference_index(self.evaluation)
        ledger = self.evaluation.ledger(index, read_passes=self.read_passes)
        return ledger.shares_by_kind()["adc"]


def calibrated_read_passes(evaluation: Evaluation) -> float:
    """Read passes that give the SAR reference design the surveyed share.

    The share is Hong et al.'s SAR-baseline ADC share of total energy
    (VGG8/CIFAR-10), read from ``data/``.
    """
    share = survey.value(*HEAVY_SHARE_ROW)
    return read_passes_for_share(evaluation.with_adc("sar"), share)


def scenario_view(evaluation: Evaluation, scenario: str) -> ScenarioView:
    """The options of a scenario and their energies under both views."""
    if scenario not in SCENARIOS:
        raise ValueError(
            f"scenario must be one of {sorted(SCENARIOS)}, got {scenario!r}"
        )
    subset = evaluation.with_adc(SCENARIOS[scenario])
    bound_J = subset.feasible["bound_J"].to_numpy()
    if scenario == "core_only":
        passes = 0.0
        system_J = subset.system_energy(core_at_bound=True, peripheral_scale=0.0)
    else:
        passes = calibrated_read_passes(evaluation)
        system_J = subset.system_energy(read_passes=passes)
    return ScenarioView(scenario, subset, passes, bound_J, system_J)


def best_set(energies, rtol: float = 1e-9) -> np.ndarray:
    """Indices of the options tied for the lowest energy."""
    energies = np.asarray(energies, dtype=float)
    return np.flatnonzero(energies <= energies.min() * (1.0 + rtol))


def ranks(values) -> np.ndarray:
    """Ranks from 1 (lowest energy), ties sharing their mean rank."""
    return stats.rankdata(np.asarray(values, dtype=float))


def agreement(bound_J, system_J, top_k: int = 5, labels=None) -> dict:
    """How alike two energy rankings of the same options are.

    Parameters
    ----------
    bound_J, system_J : array_like
        The energy of each option under the two views [J].
    top_k : int
        Size of the top sets compared.
    labels : sequence of str, optional
        Option names for the flipped pairs.

    Returns
    -------
    dict
        ``kendall_tau`` and ``spearman_rho`` (scipy.stats), ``top1_agrees``
        (the system's best is one of the options tied for the bound's best:
        options that differ only in their periphery have the same bound),
        ``topk_overlap`` (fraction of the system's top k that the bound also
        puts in its top k, ties at the k-th place included), ``regret`` (the
        system energy of the bound's best choice over the system's best;
        the worst of the bound's tied choices), ``n_flipped_pairs`` and
        ``flipped_pairs``: the pairs the two views order oppositely, the
        widest disagreements first (at most 20).
    """
    a = np.asarray(bound_J, dtype=float)
    s = np.asarray(system_J, dtype=float)
    if a.shape != s.shape or a.ndim != 1 or a.size < 2:
        raise ValueError("bound_J and system_J must be 1-D of equal length >= 2")
    if not (np.isfinite(a).all() and np.isfinite(s).all()):
        raise ValueError("energies must be finite")
    labels = list(labels) if labels is not None else [str(i) for i in range(a.size)]
    tau = stats.kendalltau(a, s).statistic
    rho = stats.spearmanr(a, s).statistic
    k = min(int(top_k), a.size)
    top_a = set(np.flatnonzero(a <= np.sort(a)[k - 1] * (1.0 + 1e-9)))
    top_s = set(np.argsort(s, kind="stable")[:k])

    i, j = np.triu_indices(a.size, 1)
    flipped = np.sign(a[i] - a[j]) * np.sign(s[i] - s[j]) < 0
    ra, rs = ranks(a), ranks(s)
    width = np.abs(ra[i] - ra[j]) + np.abs(rs[i] - rs[j])
    order = np.argsort(-width[flipped], kind="stable")[:20]
    pairs = [(labels[i[flipped][m]], labels[j[flipped][m]]) for m in order]
    return {
        "kendall_tau": float(tau),
        "spearman_rho": float(rho),
        "top1_agrees": bool(np.argmin(s) in best_set(a)),
        "topk_overlap": len(top_a & top_s) / k,
        "regret": float(s[best_set(a)].max() / s.min()),
        "n_flipped_pairs": int(flipped.sum()),
        "flipped_pairs": pairs,
    }


def tau_against_share(evaluation: Evaluation, shares, core_at_bound: bool = True):
    """Kendall's tau between the views as the periphery grows.

    The periphery is scaled so that the reference option's peripheral share
    takes each value in ``shares``; with ``core_at_bound`` the core is the
    bound itself, so a share of 0 must give tau = 1.

    Returns
    -------
    numpy.ndarray
        tau for each share.
    """
    table = evaluation.feasible
    ref = table.iloc[reference_index(evaluation)]
    core_ref = ref["bound_J"] if core_at_bound else ref["array_update_J"]
    periphery_ref = ref["adc_J"] + ref["calibration_J"] + ref["write_verify_J"]
    bound_J = table["bound_J"].to_numpy()
    taus = []
    for share in np.asarray(shares, dtype=float):
        if not 0.0 <= share < 1.0:
            raise ValueError(f"shares must lie in [0, 1), got {share!r}")
        scale = share * core_ref / ((1.0 - share) * periphery_ref)
        system = evaluation.system_energy(
            core_at_bound=core_at_bound, peripheral_scale=scale
        )
        taus.append(stats.kendalltau(bound_J, system).statistic)
    return np.array(taus)


def tau_against_read_passes(evaluation: Evaluation, read_passes):
    """Kendall's tau between the views as the ADC reads grow, real core kept.

    This is the scenarios' own axis: the number of gradient read passes per
    round sets the ADC share, with the write-verify pulses as the core.

    Returns
    -------
    shares : numpy.ndarray
        Peripheral share of the reference option's energy at each value.
    taus : numpy.ndarray
        Kendall's tau at each value.
    """
    table = evaluation.feasible
    ref = table.iloc[reference_index(evaluation)]
    bound_J = table["bound_J"].to_numpy()
    shares, taus = [], []
    for passes in np.asarray(read_passes, dtype=float):
        if passes < 0:
            raise ValueError(f"read_passes must be zero or more, got {passes!r}")
        periphery = passes * ref["adc_J"] + ref["calibration_J"] + ref["write_verify_J"]
        shares.append(periphery / (periphery + ref["array_update_J"]))
        system = evaluation.system_energy(read_passes=passes)
        taus.append(stats.kendalltau(bound_J, system).statistic)
    return np.array(shares), np.array(taus)


def monte_carlo(
    view: ScenarioView, n_samples: int, ranges: dict, seed: int = 0
) -> dict:
    """Probability that both views pick the same best design.

    Each sample draws, log-uniformly within ``ranges``, a factor on the ADC
    conversion energy (``adc_energy``), on the write-verify iterations
    (``write_verify_iterations``) and the pulse energy (``pulse_energy``),
    and re-costs every option of the scenario at once. The bound does not
    depend on them; in ``core_only`` neither does the system, whose core is
    the bound.

    Returns
    -------
    dict
        ``p_same_best``, ``best_counts`` (how often each option is the
        system's best), quantiles (5, 50, 95 %) of Kendall's tau and of the
        regret: the system energy of the bound's choice over the system's
        best.
    """
    if int(n_samples) < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples!r}")
    expected = {"adc_energy", "write_verify_iterations", "pulse_energy"}
    if set(ranges) != expected:
        raise ValueError(f"ranges must give exactly {sorted(expected)}")
    rng = np.random.default_rng(seed)

    def draw(name):
        low, high = ranges[name]
        if not 0 < low <= high:
            raise ValueError(f"range of {name} must satisfy 0 < low <= high")
        return np.exp(rng.uniform(np.log(low), np.log(high), int(n_samples)))

    adc = draw("adc_energy")[:, None]
    iterations = draw("write_verify_iterations")[:, None]
    pulse = draw("pulse_energy")[:, None]
    table = view.table
    bound_J = view.bound_J
    if view.scenario == "core_only":
        system = np.broadcast_to(bound_J, (int(n_samples), bound_J.size))
    else:
        conversions_J = view.read_passes * table["adc_J"] + table["calibration_J"]
        system = (
            table["array_update_J"].to_numpy()[None, :] * iterations * pulse
            + table["write_verify_J"].to_numpy()[None, :] * iterations
            + conversions_J.to_numpy()[None, :] * adc
        )
    best_system = np.argmin(system, axis=1)
    bound_ranks = ranks(bound_J)
    system_ranks = np.apply_along_axis(stats.rankdata, 1, system)
    # Kendall's tau for every sample from the rank matrix, vectorised.
    taus = _kendall_rows(bound_ranks, system_ranks)
    labels = table["label"].to_numpy()
    counts = pd.Series(labels[best_system]).value_counts()
    chosen = best_set(bound_J)
    regret = system[:, chosen].max(axis=1) / system.min(axis=1)
    return {
        "p_same_best": float(np.mean(np.isin(best_system, chosen))),
        "best_counts": {str(k): int(v) for k, v in counts.items()},
        "kendall_tau_quantiles": np.quantile(taus, [0.05, 0.5, 0.95]).tolist(),
        "regret_quantiles": np.quantile(regret, [0.05, 0.5, 0.95]).tolist(),
    }


def _kendall_rows(reference, rows):
    """Kendall's tau-b of ``reference`` with each row of ``rows``."""
    i, j = np.triu_indices(reference.size, 1)
    da = np.sign(reference[i] - reference[j])
    ds = np.sign(rows[:, i] - rows[:, j])
    concordance = (ds * da).sum(axis=1)
    n_a = np.count_nonzero(da)
    n_s = np.count_nonzero(ds, axis=1)
    return concordance / np.sqrt(n_a * n_s)
