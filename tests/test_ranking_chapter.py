"""The ranking chapter, executed as a reader reruns it."""

import pytest
from helpers import execute_chapter

pytestmark = pytest.mark.slow

REQUIRED = (
    "kendall_tau",
    "spearman_rho",
    "top1_agrees",
    "p_same_best",
    "flipped_pairs",
    "parameters",
)


def test_core_only_scenario_agrees_exactly(tmp_path):
    results = execute_chapter("ranking", tmp_path, scenario="core_only", n_samples=200)
    for key in REQUIRED:
        assert key in results
    assert results["kendall_tau"] == pytest.approx(1.0)
    assert results["spearman_rho"] == pytest.approx(1.0)
    assert results["top1_agrees"] is True
    assert results["p_same_best"] == 1.0
    assert results["flipped_pairs"] == []
    for name in (
        "fig-ranking-slope",
        "fig-tau-peripheral-share",
        "fig-option-energy-heatmap",
    ):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_adc_heavy_scenario_records_the_calibrated_share(tmp_path):
    results = execute_chapter("ranking", tmp_path, n_samples=200)
    assert results["parameters"]["scenario"] == "adc_heavy"
    assert results["reference_adc_share"] == pytest.approx(0.798, rel=1e-6)
    assert -1.0 <= results["kendall_tau"] < 1.0
    assert results["n_flipped_pairs"] > 0
