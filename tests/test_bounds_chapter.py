"""The bounds chapter, executed as a reader reruns it."""

import pytest
from helpers import execute_chapter

from lim_analysis import bounds

pytestmark = pytest.mark.slow

FIGURES = [
    "fig-update-energy-time",
    "fig-training-time-budget",
    "fig-brain-scale-projection",
    "fig-precision-update-overwrite",
]


@pytest.fixture(scope="module")
def chapter(tmp_path_factory):
    output = tmp_path_factory.mktemp("bounds")
    return output, execute_chapter(
        "bounds", output, temperature_K=77.0, precision_bits=4
    )


def test_results_hold_the_required_fields_and_the_parameters_used(chapter):
    _, results = chapter
    for key in (
        "parameters",
        "landauer_J_per_bit",
        "update_bound_J",
        "training_bound_J",
        "fixed_barrier_training_J",
        "accelerator_training_J",
    ):
        assert key in results
    assert results["parameters"]["temperature_K"] == 77.0
    assert results["parameters"]["precision_bits"] == 4


def test_results_are_the_package_values_for_those_parameters(chapter):
    _, results = chapter
    p = results["parameters"]
    assert results["landauer_J_per_bit"] == pytest.approx(
        bounds.landauer_J_per_bit(77.0)
    )
    assert results["update_bound_J"] == pytest.approx(
        bounds.update_bound_J(4, p["update_time_s"], p["diffusion_time_s"], 77.0)
    )
    assert results["training_bound_J"] == pytest.approx(
        bounds.training_bound_J(
            p["n_parameters"],
            p["updates_per_parameter"],
            4,
            p["training_time_s"],
            p["diffusion_time_s"],
            77.0,
        )
    )
    assert results["accelerator_training_J"] == pytest.approx(
        6 * p["n_parameters"] * p["tokens"] * p["energy_per_flop_J"]
    )


def test_every_figure_is_saved(chapter):
    output, _ = chapter
    for name in FIGURES:
        path = output / f"{name}.png"
        assert path.is_file() and path.stat().st_size > 10_000, name
