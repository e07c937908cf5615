"""The ledger chapter, executed as a reader reruns it."""

import pytest
from helpers import execute_chapter

from lim_analysis import ledger

pytestmark = pytest.mark.slow

FIGURES = ["fig-ledger-stacked-bars", "fig-ledger-waterfall", "fig-translation-ratio"]
MAIN = "ledgers/resnet18-imagenet-sar-adc.yaml"
OTHER = "ledgers/resnet18-imagenet-adaptive-adc.yaml"


@pytest.fixture(scope="module")
def chapter(tmp_path_factory):
    output = tmp_path_factory.mktemp("ledger")
    return output, execute_chapter(
        "ledger", output, ledger_file=MAIN, other_ledger_file=OTHER, core_scale=0.5
    )


def test_results_hold_the_required_fields_and_the_parameters_used(chapter):
    _, results = chapter
    for key in ("total_J", "bound_J", "core_J", "peripheral_J", "shares", "gap"):
        assert key in results
    assert set(results["gap"]) >= {"core_J", "peripheral_J"}
    assert results["parameters"]["ledger_file"] == MAIN
    assert results["parameters"]["core_scale"] == 0.5


def test_results_are_the_package_values_for_that_ledger(chapter):
    _, results = chapter
    book = ledger.load(ledger.resolve(MAIN))
    assert results["total_J"] == pytest.approx(book.total_J, rel=1e-12)
    assert results["bound_J"] == pytest.approx(book.bound_J, rel=1e-12)
    assert results["shares"]["adc"] == pytest.approx(0.715, abs=5e-4)
    assert results["gap"]["core_J"] + results["gap"]["peripheral_J"] == pytest.approx(
        results["total_J"] - results["bound_J"]
    )
    assert results["sensitivity"]["translation_ratio"] == pytest.approx(
        book.sensitivity(0.5).translation_ratio
    )
    other = ledger.load(ledger.resolve(OTHER))
    assert results["other"]["total_J"] == pytest.approx(other.total_J, rel=1e-12)


def test_figures_are_saved(chapter):
    output, _ = chapter
    for name in FIGURES:
        assert (output / f"{name}.png").stat().st_size > 10_000, name


def test_neurosim_reading_moves_the_array_read_out_of_the_core(chapter):
    _, results = chapter
    book = ledger.load(ledger.resolve(MAIN))
    reads_J = book.by_kind()["array_read"]
    expected = ledger.sensitivity(
        book.core_J - reads_J, book.peripheral_J + reads_J, 0.5, book.bound_J
    ).translation_ratio
    sensitivity = results["sensitivity"]
    assert sensitivity["translation_ratio_neurosim_reading"] == pytest.approx(expected)
    assert 1 < expected < 1.001 < sensitivity["translation_ratio"]
