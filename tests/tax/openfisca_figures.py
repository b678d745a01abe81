"""The household rules' figures of a tax year, read from OpenFisca-France's parameters.

The oracle tests compare the figures the migrations store with these (an outside
source, read at test time), so a figure typed wrong in a migration fails there.
``PATHS`` maps each field of ``taxapp.tax.HouseholdData`` to its OpenFisca parameter
(under ``impot_revenu``), read on 1 January of the income year; a tuple picks a
bracket's threshold, rate or amount. ``None``: a figure OpenFisca does not have (the
law's, cited in the migration).
"""

from __future__ import annotations

from taxapp.tax import HouseholdData

QF = "calcul_impot_revenu.plaf_qf.plafond_avantages_procures_par_demi_part"
CDHR = "contributions_exceptionnelles.contribution_differentielle_hauts_revenus"
CEHR = "contributions_exceptionnelles.contribution_exceptionnelle_hauts_revenus"
SPECIAL = "calcul_revenus_imposables.abat_rni.contribuable_age_invalide"
HOME = "credits_impots.emploi_salarie_domicile"

PATHS = {
    "pension_allowance_rate": "calcul_revenus_imposables.deductions.abatpen.taux",
    "pension_allowance_min": "calcul_revenus_imposables.deductions.abatpen.min",
    "pension_allowance_max": "calcul_revenus_imposables.deductions.abatpen.max",
    "special_allowance_full": (SPECIAL, "amounts", 0),
    "special_allowance_full_ceiling": (SPECIAL, "thresholds", 1),
    "special_allowance_half": (SPECIAL, "amounts", 1),
    "special_allowance_half_ceiling": (SPECIAL, "thresholds", 2),
    "alimony_adult_child_ceiling": "calcul_revenus_imposables.charges_deductibles.pensions_alimentaires.plafond",
    "box_l_qf_cap": f"{QF}.celib",
    "disability_qf_reduction": f"{QF}.reduc_postplafond",
    "widowed_qf_reduction": f"{QF}.reduc_postplafond_veuf",
    "aid_donations_rate": "calcul_reductions_impots.dons.dons_coluche.taux",
    "aid_donations_ceiling": "calcul_reductions_impots.dons.dons_coluche.plafond",
    "donations_rate": "calcul_reductions_impots.dons.taux_reduction",
    "donations_income_share": "calcul_reductions_impots.dons.plafond_dons",
    "home_employment_rate": f"{HOME}.taux",
    "home_employment_ceiling": f"{HOME}.plafond",
    "home_employment_increase": f"{HOME}.increment_plafond",
    "home_employment_max_ceiling": f"{HOME}.plafond_maximum",
    "home_employment_disabled_ceiling": f"{HOME}.plafond_invalides",
    "childcare_rate": "credits_impots.gardenf.taux",
    "childcare_ceiling": "credits_impots.gardenf.plafond",
    "tax_advantages_cap": "credits_impots.plaf_nich.plafond",
    "collection_threshold": "calcul_impot_revenu.recouvrement.min_avant_credits_impots",
    "collection_threshold_after_credits": "calcul_impot_revenu.recouvrement.min_apres_credits_impots",
    "refund_threshold": None,  # CGI 1965 L: OpenFisca pays every refund
    "cehr_rate_1": (f"{CEHR}.celibataire_ou_assimile", "rates", 1),
    "cehr_rate_2": (f"{CEHR}.celibataire_ou_assimile", "rates", 2),
    "cehr_single_threshold_1": (f"{CEHR}.celibataire_ou_assimile", "thresholds", 1),
    "cehr_single_threshold_2": (f"{CEHR}.celibataire_ou_assimile", "thresholds", 2),
    "cehr_couple_threshold_1": (f"{CEHR}.maries_ou_pacses", "thresholds", 1),
    "cehr_couple_threshold_2": (f"{CEHR}.maries_ou_pacses", "thresholds", 2),
    "cdhr_rate": f"{CDHR}.taux_cdhr",
    "cdhr_single_threshold": f"{CDHR}.seuil_celibataire",
    "cdhr_couple_threshold": f"{CDHR}.seuil_couple",
    "cdhr_discount_rate": f"{CDHR}.taux_decote",
    "cdhr_single_discount_ceiling": f"{CDHR}.plafond_revenus_decote_celibataire",
    "cdhr_couple_discount_ceiling": f"{CDHR}.plafond_revenus_decote_couple",
    "cdhr_dependent_increase": f"{CDHR}.majoration_impot_pac",
    "cdhr_couple_increase": f"{CDHR}.majoration_impot_couple",
}
# The cehr's couple rates are the single's (checked by the test below).


def _value(parameters, path):
    if isinstance(path, tuple):
        path, kind, index = path
        scale = _value(parameters, path)
        return float(getattr(scale, kind)[index])
    node = parameters
    for part in path.split("."):
        node = getattr(node, part, None)
        if node is None:
            return None
    return node


def openfisca_figures(system, tax_year: int) -> dict:
    """{HouseholdData field: OpenFisca's value} for a tax year (None where it has none)."""
    parameters = system.parameters(f"{tax_year - 1}-01-01").impot_revenu
    figures = {}
    for name, path in PATHS.items():
        value = None if path is None else _value(parameters, path)
        figures[name] = None if value is None else float(value)
    return figures


def couple_rates(system, tax_year: int) -> list[float]:
    parameters = system.parameters(f"{tax_year - 1}-01-01").impot_revenu
    return [float(r) for r in _value(parameters, f"{CEHR}.maries_ou_pacses").rates]


assert set(PATHS) == set(HouseholdData.__dataclass_fields__)
