import json
import pathlib

import pytest
from hypothesis import settings

from taxapp.tax import HouseholdData, TaxData

# No timed tests: hypothesis's per-example deadline fails on a busy shared machine.
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")

PARAMETERS_FILE = pathlib.Path(__file__).resolve().parent.parent / "data" / "tax-parameters-by-income-year.json"
# tax year -> that year's parameters under their French names (the file is keyed by income year)
PARAMETERS = {p["tax_year"]: p for p in json.loads(PARAMETERS_FILE.read_text())["years"].values()}
TAX_YEARS = sorted(PARAMETERS)


def tax_data_from_parameters(p: dict) -> TaxData:
    """The file's French names to taxapp's, written out here independently of the migrations."""
    return TaxData(
        limits=tuple(p["limites"]),
        coeffr=tuple(p["coeffr"]),
        coeffn=tuple(p["coeffn"]),
        qf_half_share_cap=p["plafond_qf_demi_part"],
        single_income_ceiling_for_reduction=p["plafond_revenus_celibataire_pour_reduction"],
        couple_income_ceiling_for_reduction=p["plafond_revenus_couple_pour_reduction"],
        half_share_reduction_value=p["valeur_reduc_demi_part"],
        single_discount_ceiling=p["plafond_decote_celibataire"],
        couple_discount_ceiling=p["plafond_decote_couple"],
        single_tax_ceiling_for_discount=p["plafond_impot_celibataire_pour_decote"],
        couple_tax_ceiling_for_discount=p["plafond_impot_couple_pour_decote"],
        max_10_percent_allowance=p["abattement_dixpourcent_max"],
        min_10_percent_allowance=p["abattement_dixpourcent_min"],
        tax_year=p["tax_year"],
        discount_rate=p["taux_decote"],
        allowance_rate=p["taux_abattement"],
        reduction_rate=p["taux_reduction"],
        single_full_reduction_ceiling=p["reduction_plein_taux_jusqua_celibataire"],
        couple_full_reduction_ceiling=p["reduction_plein_taux_jusqua_couple"],
        single_parent_qf_cap=p["plafond_qf_parent_isole_case_T_2_premieres_demi_parts"],
    )


HOUSEHOLD_FIGURES_FILE = PARAMETERS_FILE.parent / "household-figures-by-tax-year.json"
# tax year -> the household rules' figures (read from OpenFisca-France's parameters once,
# checked against them again by test_household_oracle.py), independent of the migrations
HOUSEHOLD_FIGURES = {
    int(year): HouseholdData.from_dict(figures)
    for year, figures in json.loads(HOUSEHOLD_FIGURES_FILE.read_text())["years"].items()
}


# float() of every number, as the database loader gives them
def _floats(data: TaxData) -> TaxData:
    return TaxData.from_dict(data.as_dict(official=True))


DATA_BY_YEAR = {year: _floats(tax_data_from_parameters(p)) for year, p in PARAMETERS.items()}

# docs/tax-rules.md, the course's figures, written out here independently of the migration
# that stores them (the official rules' figures of each year are DATA_BY_YEAR's).
DATA_2019 = TaxData(
    limits=(9964, 27519, 73779, 156244, 0),
    coeffr=(0, 0.14, 0.3, 0.41, 0.45),
    coeffn=(0, 1394.96, 5798, 13913.69, 20163.45),
    qf_half_share_cap=1551,
    single_income_ceiling_for_reduction=21037,
    couple_income_ceiling_for_reduction=42074,
    half_share_reduction_value=3797,
    single_discount_ceiling=1196,
    couple_discount_ceiling=1970,
    single_tax_ceiling_for_discount=1595,
    couple_tax_ceiling_for_discount=2627,
    max_10_percent_allowance=12502,
    min_10_percent_allowance=437,
    tax_year=2019,
)


@pytest.fixture
def data():
    return DATA_2019


# tax year -> {"households", "equal", "tie", "noise", "different"}: filled by the
# OpenFisca oracle (test_openfisca_oracle.py), printed at the end of the run
ORACLE_REPORT: dict[int, dict] = {}
# the same for the whole household (test_household_oracle.py), with the departures by name
HOUSEHOLD_ORACLE_REPORT: dict[int, dict] = {}


def pytest_terminal_summary(terminalreporter):
    write = terminalreporter.write_line
    if HOUSEHOLD_ORACLE_REPORT:
        terminalreporter.section("OpenFisca-France oracle (the whole household)")
        write("| tax year | households | equal | .50 ties | float32 noise | law departures | different |")
        write("|---|---:|---:|---:|---:|---:|---:|")
        named: dict[str, int] = {}
        for year, r in sorted(HOUSEHOLD_ORACLE_REPORT.items()):
            write(
                f"| {year} | {r['households']} | {r['equal']} | {r['tie']} | {r['noise']} "
                f"| {r['departure']} | {r['different']} |"
            )
            for name, count in r["departures"].items():
                named[name] = named.get(name, 0) + count
        write("")
        write("| departure of OpenFisca from the law (docs/households.md) | households, every year |")
        write("|---|---:|")
        for name, count in sorted(named.items()):
            write(f"| {name} | {count} |")
    if not ORACLE_REPORT:
        return
    terminalreporter.section("OpenFisca-France oracle (official rules)")
    write("| tax year | households | equal | .50 ties | float32 noise | different |")
    write("|---|---:|---:|---:|---:|---:|")
    for year, r in sorted(ORACLE_REPORT.items()):
        write(f"| {year} | {r['households']} | {r['equal']} | {r['tie']} | {r['noise']} | {r['different']} |")
