import numpy as np
import pytest
from scipy import stats

from lim_analysis import ranking

SMALL_GRID = ranking.DesignGrid(
    precision_bits=(6, 8),
    block_size=(8, 16),
    adc_bits=(8,),
    adc_type=("sar", "adaptive"),
    tolerance_uS=(1.0, 5.0),
    calibration_interval=(10,),
)
RANGES = {
    "adc_energy": (0.5, 2.0),
    "write_verify_iterations": (0.8, 1.2),
    "pulse_energy": (0.0625, 1.0),
}


@pytest.fixture(scope="module")
def evaluation():
    hardware = ranking.Hardware(write_verify_devices=1024)
    return ranking.evaluate(SMALL_GRID, hardware, replicas=4, seed=0)


def test_agreement_matches_a_hand_checked_case():
    bound = [1.0, 2.0, 3.0, 4.0]
    system = [1.0, 3.0, 2.0, 4.0]  # options 1 and 2 swap
    result = ranking.agreement(bound, system, top_k=2, labels="abcd")
    # 5 concordant, 1 discordant pair of 6: tau = 4/6; rho = 1 - 6*2/(4*15).
    assert result["kendall_tau"] == pytest.approx(4 / 6)
    assert result["spearman_rho"] == pytest.approx(0.8)
    assert result["kendall_tau"] == pytest.approx(stats.kendalltau(bound, system)[0])
    assert result["spearman_rho"] == pytest.approx(stats.spearmanr(bound, system)[0])
    assert result["n_flipped_pairs"] == 1
    assert result["flipped_pairs"] == [("b", "c")]
    assert result["top1_agrees"] is True
    assert result["topk_overlap"] == pytest.approx(0.5)


def test_agreement_of_reversed_rankings():
    result = ranking.agreement([1, 2, 3], [3, 2, 1])
    assert result["kendall_tau"] == pytest.approx(-1.0)
    assert result["n_flipped_pairs"] == 3
    assert result["top1_agrees"] is False


def test_a_tie_for_the_bound_best_counts_as_agreement():
    result = ranking.agreement([1.0, 1.0, 2.0], [2.0, 1.0, 3.0], top_k=1)
    assert result["top1_agrees"]
    assert result["topk_overlap"] == 1.0
    assert result["regret"] == pytest.approx(2.0)  # the worst of the tied picks


def test_bits_resolved_by_the_verify_tolerance():
    # 300 uS span, +-5 uS: 30 distinguishable states, log2(30) bits.
    assert ranking.bits_resolved(10, 5.0) == pytest.approx(np.log2(30))
    assert ranking.bits_resolved(4, 5.0) == 4
    with pytest.raises(ValueError):
        ranking.bits_resolved(8, 0.0)


def test_agreement_rejects_bad_input():
    with pytest.raises(ValueError):
        ranking.agreement([1.0], [1.0])
    with pytest.raises(ValueError):
        ranking.agreement([1.0, np.nan], [1.0, 2.0])


def test_vectorised_kendall_matches_scipy():
    rng = np.random.default_rng(2)
    reference = rng.random(12)
    rows = rng.random((5, 12))
    ours = ranking._kendall_rows(
        ranking.ranks(reference), np.apply_along_axis(stats.rankdata, 1, rows)
    )
    theirs = [stats.kendalltau(reference, row).statistic for row in rows]
    assert np.allclose(ours, theirs)


def test_core_only_views_agree_exactly(evaluation):
    view = ranking.scenario_view(evaluation, "core_only")
    result = ranking.agreement(view.bound_J, view.system_J)
    assert view.read_passes == 0.0
    assert result["kendall_tau"] == pytest.approx(1.0)
    assert result["n_flipped_pairs"] == 0
    assert result["regret"] == pytest.approx(1.0)
    assert ranking.tau_against_share(evaluation, [0.0])[0] == pytest.approx(1.0)
    mc = ranking.monte_carlo(view, 50, RANGES)
    assert mc["p_same_best"] == 1.0


def test_adc_heavy_reproduces_the_surveyed_sar_share(evaluation):
    heavy = ranking.scenario_view(evaluation, "adc_heavy")
    assert set(heavy.table["adc_type"]) == {"sar"}
    assert heavy.reference_adc_share() == pytest.approx(0.798, rel=1e-9)


def test_reduced_share_swaps_in_the_adaptive_adc_at_the_same_workload(evaluation):
    heavy = ranking.scenario_view(evaluation, "adc_heavy")
    reduced = ranking.scenario_view(evaluation, "reduced_share")
    assert set(reduced.table["adc_type"]) == {"adaptive"}
    assert reduced.read_passes == heavy.read_passes
    # The ADC share falls, as in Hong et al.; its value is a model outcome.
    assert 0.0 < reduced.reference_adc_share() < heavy.reference_adc_share()


def test_the_ledger_of_an_option_adds_up(evaluation):
    table = evaluation.feasible
    system = evaluation.system_energy(read_passes=3.0)
    for index in range(len(table)):
        ledger = evaluation.ledger(index, read_passes=3.0)
        assert ledger.total_J == pytest.approx(system[index])
        gap = ledger.gap()
        assert gap.total_J - gap.bound_J == pytest.approx(gap.core_J + gap.peripheral_J)


def test_a_larger_periphery_lowers_agreement(evaluation):
    taus = ranking.tau_against_share(evaluation, [0.0, 0.9])
    assert taus[1] < taus[0]


def test_evaluation_is_deterministic_under_a_seed(evaluation):
    again = ranking.evaluate(SMALL_GRID, evaluation.hardware, replicas=4, seed=0)
    columns = ["writes", "rounds", "bound_J", "adc_J", "write_verify_J"]
    assert evaluation.options[columns].equals(again.options[columns])


def test_monte_carlo_is_seeded_and_validated(evaluation):
    view = ranking.scenario_view(evaluation, "adc_heavy")
    first = ranking.monte_carlo(view, 200, RANGES, seed=5)
    again = ranking.monte_carlo(view, 200, RANGES, seed=5)
    assert first == again
    assert 0.0 <= first["p_same_best"] <= 1.0
    assert first["regret_quantiles"][0] >= 1.0
    with pytest.raises(ValueError, match="ranges"):
        ranking.monte_carlo(view, 10, {"adc_energy": (1, 2)})
    with pytest.raises(ValueError, match="scenario"):
        ranking.scenario_view(evaluation, "typical")


def test_adaptive_adc_uses_the_surveyed_conversion_energy():
    hardware = ranking.Hardware()
    assert ranking.adc_energy_J(5, "adaptive", hardware) == pytest.approx(12.58e-15)
    assert ranking.adc_energy_J(8, "adaptive", hardware) < ranking.adc_energy_J(
        8, "sar", hardware
    )
    with pytest.raises(ValueError, match="adc_type"):
        ranking.adc_energy_J(8, "flash", hardware)
