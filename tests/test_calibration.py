import pytest

from lim_analysis import calibration


def test_energy_per_calibration_is_the_product_of_its_inputs():
    assert calibration.energy_J_per_calibration(32, 128, 12.58e-15) == pytest.approx(
        32 * 128 * 12.58e-15
    )


@pytest.mark.parametrize(
    ("duration_s", "interval_s", "expected"),
    [(10.0, 1.0, 10), (10.5, 1.0, 11), (0.2, 1.0, 1), (3.0, 3.0, 1)],
)
def test_calibrations_per_workload_counts_started_intervals(
    duration_s, interval_s, expected
):
    assert calibration.calibrations_per_workload(duration_s, interval_s) == expected


def test_energy_per_workload_and_power_agree():
    per_cal = calibration.energy_J_per_calibration(8, 64, 1e-12)
    assert calibration.energy_J_per_workload(8, 64, 1e-12, 100.0, 10.0) == (
        pytest.approx(10 * per_cal)
    )
    assert calibration.power_W(8, 64, 1e-12, 10.0) == pytest.approx(per_cal / 10.0)


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ((0, 64, 1e-12), "n_adcs"),
        ((8, 2.5, 1e-12), "conversions_per_adc"),
        ((8, 64, -1e-12), "energy_J_per_conversion"),
        ((8, True, 1e-12), "conversions_per_adc"),
    ],
)
def test_bad_inputs_name_the_parameter(arguments, name):
    with pytest.raises(ValueError, match=name):
        calibration.energy_J_per_calibration(*arguments)
    with pytest.raises(ValueError, match="interval_s"):
        calibration.calibrations_per_workload(1.0, 0.0)
