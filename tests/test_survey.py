"""The survey tables load, their look-ups work, and bad rows fail clearly."""

import csv
import math

import pytest

from lim_analysis import survey

HEADER = "quantity,value,unit,configuration,workload,source,locator,provenance,note"
GOOD = "adc_energy_share,79.8,%,SAR ADC baseline,VGG8/CIFAR-10,hong2025,Fig. 7,paper,"


def write_table(tmp_path, *lines, header=HEADER, name="survey_test.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_project_tables_load():
    data = survey.load_survey()
    assert len(data) > 50
    files = {row.file for row in data.rows}
    assert {"survey_hong2025.csv", "survey_systems.csv"} <= files
    assert {row.provenance for row in data.rows} <= set(survey.PROVENANCE_LABELS)


def test_every_source_key_is_in_the_bibliography(repo):
    keys = survey.bibliography_keys(repo / "book" / "references.bib")
    assert {"hong2025", "yao2020", "shafiee2016", "wan2022"} <= keys
    for row in survey.load_survey().rows:
        assert row.source in keys, row


def test_a_good_table_passes(tmp_path):
    rows = survey.load_table(write_table(tmp_path, GOOD), frozenset({"hong2025"}))
    assert len(rows) == 1
    assert rows[0].si_value == pytest.approx(0.798)
    assert rows[0].row == 1


def test_the_note_column_is_optional(tmp_path):
    header = HEADER.rsplit(",", 1)[0]
    path = write_table(tmp_path, GOOD.rsplit(",", 1)[0], header=header)
    assert survey.load_table(path, frozenset({"hong2025"}))[0].note == ""


@pytest.mark.parametrize(
    ("line", "column", "problem"),
    [
        (GOOD.replace("79.8", "about 80"), "value", "not a number"),
        (GOOD.replace("79.8", "nan"), "value", "finite"),
        (GOOD.replace(",%,", ",furlongs_per_fortnight,"), "unit", "not a unit"),
        (GOOD.replace("79.8", "112.0"), "value", "within [0, 1]"),
        (GOOD.replace(",%,", ",pJ,"), "unit", "a share must be"),
        (
            GOOD.replace("adc_energy_share,79.8,%", "best_fom,189.2,dB"),
            "unit",
            "logarithmic",
        ),
        (GOOD.replace(",paper,", ",hearsay,"), "provenance", "must be one of"),
        (GOOD.replace("hong2025", "nobody2099"), "source", "references.bib"),
        (GOOD.replace("Fig. 7", " "), "locator", "empty field"),
        (GOOD.replace("adc_energy_share", "ADC share"), "quantity", "lower-case"),
        (
            GOOD.replace("adc_energy_share,79.8", "adc_energy_share_drop,57.2"),
            "unit",
            "percentage_point",
        ),
        (
            GOOD.replace(
                "adc_energy_share,79.8,%", "adc_share_drop,120,percentage_point"
            ),
            "value",
            "[-100, 100]",
        ),
    ],
)
def test_a_bad_row_names_file_row_and_column(tmp_path, line, column, problem):
    path = write_table(tmp_path, GOOD, line)
    with pytest.raises(survey.SurveyDataError) as error:
        survey.load_table(path, frozenset({"hong2025"}))
    message = str(error.value)
    assert "survey_test.csv" in message
    assert "row 2" in message
    assert f"column '{column}'" in message
    assert problem in message


def test_an_unquoted_comma_is_reported_as_an_extra_field(tmp_path):
    path = write_table(tmp_path, GOOD.replace("79.8", "79,8"))
    with pytest.raises(survey.SurveyDataError) as error:
        survey.load_table(path, frozenset({"hong2025"}))
    assert "survey_test.csv, row 1" in str(error.value)
    assert "more fields than the header" in str(error.value)


def test_a_missing_column_is_named(tmp_path):
    header = HEADER.replace("provenance,", "")
    line = GOOD.replace(",paper,", ",")
    with pytest.raises(survey.SurveyDataError) as error:
        survey.load_table(write_table(tmp_path, line, header=header), frozenset())
    assert "survey_test.csv" in str(error.value)
    assert "provenance" in str(error.value)


def test_an_undocumented_column_is_refused(tmp_path):
    path = write_table(tmp_path, GOOD + ",x", header=HEADER + ",extra")
    with pytest.raises(survey.SurveyDataError, match="unknown column"):
        survey.load_table(path, frozenset({"hong2025"}))


def test_a_bad_project_file_fails_the_default_loader(tmp_path, repo):
    good = (repo / "data" / "survey_hong2025.csv").read_text(encoding="utf-8")
    lines = good.splitlines()
    lines[3] = lines[3].replace(",paper,", ",rumour,")
    bad = tmp_path / "survey_hong2025.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(survey.SurveyDataError, match=r"survey_hong2025.csv, row 3"):
        survey.load_survey([bad])


def test_value_returns_si_numbers():
    assert survey.value(
        "adc_energy_share", "SAR ADC baseline", "VGG8/CIFAR-10"
    ) == pytest.approx(0.798)
    assert survey.value("adc_conversion_energy", "adaptive memristor ADC") == (
        pytest.approx(12.58e-15)
    )
    assert survey.value("write_verify_tolerance", "Pt/TaOx/Ta memristor") == (
        pytest.approx(5e-6)
    )
    xnor = "XNOR-RRAM, 128x64 RRAM, 90 nm, flash ADCs"
    # 24 TOPS/W is 24e12 operations per joule.
    assert survey.value("energy_efficiency", xnor) == pytest.approx(24e12)


def test_a_drop_in_share_is_in_points_not_a_fraction():
    drop = survey.row("adc_energy_share_drop", workload="VGG8/CIFAR-10")
    assert drop.unit == "percentage_point"
    assert drop.si_unit == "percentage_point"
    assert drop.si_value == pytest.approx(57.2)
    # The paper's 57.2 against 57.3 from the rounded shares: rounding only.
    before = survey.value("adc_energy_share", "SAR ADC baseline", "VGG8/CIFAR-10")
    after = survey.value("adc_energy_share", "adaptive memristor ADC", "VGG8/CIFAR-10")
    assert 100 * (before - after) == pytest.approx(drop.si_value, abs=0.15)


def test_an_ambiguous_or_absent_lookup_lists_the_options():
    with pytest.raises(KeyError, match="2 rows") as error:
        survey.value("adc_energy_share", "SAR ADC baseline")
    assert "ResNet18/ImageNet" in str(error.value)
    with pytest.raises(KeyError, match="no row"):
        survey.value("adc_energy_share", "a converter nobody built")


def test_second_hand_rows_are_labelled():
    data = survey.load_survey()
    for quantity, configuration in [
        ("adc_power_share", "ISAAC"),
        ("data_movement_energy_share", "PRIME"),
        ("write_verify_max_iterations", "HERMES, 64-core PCM, 14 nm"),
    ]:
        assert data.row(quantity, configuration).provenance == "second-hand"


def test_derived_rows_agree_with_their_inputs():
    data = survey.load_survey()
    for configuration in ("RRAM cell, ideal", "RRAM cell, real"):
        volts = data.value("write_voltage", configuration)
        siemens = data.value("cell_conductance", configuration)
        seconds = data.value("write_pulse_width", configuration)
        derived = data.row("write_pulse_energy", configuration)
        assert derived.provenance == "derived"
        assert derived.si_value == pytest.approx(volts**2 * siemens * seconds)
    prior = "prior art (Yao et al. 2020)"
    assert data.value("adc_energy_share", prior) == pytest.approx(
        data.value("adc_energy", prior) / data.value("total_energy", prior), abs=5e-4
    )
    assert data.value("adc_area_share", prior) == pytest.approx(
        data.value("adc_area", prior) / data.value("total_area", prior), abs=5e-4
    )


def test_the_adc_parts_add_up_to_its_conversion_energy():
    config = "adaptive memristor ADC"
    parts = [
        survey.value(q, config)
        for q in (
            "adc_precharge_energy",
            "adc_source_driver_energy",
            "adc_other_energy",
            "adc_decoder_energy",
        )
    ]
    assert math.fsum(parts) == pytest.approx(
        survey.value("adc_conversion_energy", config)
    )


def test_library_rows_match_hwcomponents_library():
    from lim_analysis.components import action_cost

    isaac = action_cost("IsaacADC", {"tech_node": 32e-9, "resolution": 8}, "convert")
    assert survey.value("adc_conversion_energy", "ISAAC ADC") == pytest.approx(
        isaac.energy_J, rel=3e-3
    )
    neurram = action_cost(
        "NeurramVariablePrecisionADC", {"tech_node": 130e-9, "voltage": 1.8}, "convert"
    )
    assert survey.value("adc_conversion_energy", "NeuRRAM neuron ADC") == (
        pytest.approx(neurram.energy_J)
    )


def test_murmann_envelope_follows_its_two_terms():
    assert survey.murmann_envelope_J(0) == pytest.approx((0.267 + 1.45e-7) * 1e-12)
    low, high = survey.murmann_envelope_J([10, 11])
    thermal = high - survey.murmann_envelope_J(0)
    assert thermal / (low - survey.murmann_envelope_J(0)) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="enob"):
        survey.murmann_envelope_J(-1)


def test_total_energy_ratio_states_its_assumption():
    # Everything but the ADC unchanged: 79.8 % to 22.5 % leaves 26 % of the total.
    assert survey.total_energy_ratio(0.798, 0.225) == pytest.approx(0.202 / 0.775)
    assert survey.total_energy_ratio(0.5, 0.5) == pytest.approx(1.0)
    assert survey.total_energy_ratio(0.798, 0.225, 2.0) == pytest.approx(
        2 * 0.202 / 0.775
    )
    with pytest.raises(ValueError, match="share_after"):
        survey.total_energy_ratio(0.5, 1.0)
    with pytest.raises(ValueError, match="other_energy_ratio"):
        survey.total_energy_ratio(0.5, 0.2, -1.0)


def test_data_readme_documents_every_column(repo):
    readme = (repo / "data" / "README.md").read_text(encoding="utf-8")
    for column in survey.REQUIRED_COLUMNS + survey.OPTIONAL_COLUMNS:
        assert f"`{column}`" in readme, column
    for label in survey.PROVENANCE_LABELS:
        assert f"`{label}`" in readme, label
    for path in sorted((repo / "data").glob(survey.SURVEY_GLOB)):
        with path.open(newline="", encoding="utf-8") as handle:
            assert set(next(csv.reader(handle))) <= set(
                survey.REQUIRED_COLUMNS + survey.OPTIONAL_COLUMNS
            )


@pytest.mark.slow
def test_the_chapter_runs_with_papermill_and_writes_its_outputs(tmp_path, repo):
    import json

    import jupytext
    import papermill

    notebook = jupytext.read(repo / "notebooks" / "survey.md", fmt="md:myst")
    declared = papermill.inspect_notebook(notebook)
    assert {"seed", "n_devices", "tolerance_uS", "output_dir"} <= set(declared)
    assert declared["n_devices"]["inferred_type_name"] == "int"
    papermill.execute_notebook(
        notebook,
        str(tmp_path / "survey.ipynb"),
        parameters={"output_dir": str(tmp_path), "n_devices": 4096, "seed": 3},
        language="python",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["parameters"]["n_devices"] == 4096
    assert results["adc_share"]["SAR ADC baseline"]["VGG8/CIFAR-10"] == 0.798
    assert results["adc_share"]["adaptive memristor ADC"]["ResNet18/ImageNet"] == 0.146
    assert results["write_verify_mean_iterations"] == pytest.approx(5.57, abs=0.25)
    assert 0.88 < results["write_verify_within_10"] < 0.95
    assert results["write_verify_energy_J_per_write"] > 0
    # The capped maximum equals the cap by construction; the uncapped one is
    # the model's own tail, and the stop test reads through the ADC.
    assert results["write_verify_max_iterations_used"] <= 20
    assert results["write_verify_max_iterations_uncapped"] > 20
    assert 0.0 < results["write_verify_converged_outside_fraction"] < 0.15
    assert (
        0.0
        < results["overwrite_floor_J"]
        < results["write_verify_energy_J_per_write_adaptive_adc"]
        < results["write_verify_energy_J_per_write"]
    )
    for name in (
        "fig-adc-share",
        "fig-share-implication",
        "fig-adc-energy-resolution",
        "fig-write-verify-iterations",
        "fig-write-verify-spread",
        "fig-calibration-interval",
    ):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name
