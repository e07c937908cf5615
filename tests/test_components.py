import math

import pytest

from lim_analysis import components


def test_adc_energy_matches_the_library_at_5_bits_14nm():
    # 5 bits, 14 nm, 1 GS/s: the survey-fitted model gives 0.158 pJ.
    assert components.adc_energy_J(5) == pytest.approx(1.583e-13, rel=1e-3)


def test_adc_energy_grows_with_resolution():
    energies = [components.adc_energy_J(bits) for bits in range(4, 13)]
    assert all(b >= a for a, b in zip(energies, energies[1:], strict=False))
    assert energies[-1] > 100 * energies[0]


def test_action_cost_reports_latency():
    cost = components.action_cost(
        "ADC", {"n_bits": 8, "tech_node": 14e-9, "throughput": 1e9, "n_adcs": 1}
    )
    assert cost.energy_J > 0
    assert math.isclose(cost.latency_s, 1e-9)


@pytest.mark.parametrize(
    ("component", "attributes", "expected"),
    [
        ("ADC", {"n_bit": 5}, "missing: n_bits"),
        (
            "ADC",
            {"n_bits": 2, "tech_node": 14e-9, "throughput": 1e9, "n_adcs": 1},
            ">= 4",
        ),
        ("NoSuchPart", {}, "not supported"),
    ],
)
def test_bad_queries_name_the_problem(component, attributes, expected):
    with pytest.raises(components.ComponentModelError) as error:
        components.action_cost(component, attributes)
    assert component in str(error.value)
    assert expected in str(error.value)
