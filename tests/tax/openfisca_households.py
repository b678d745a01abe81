"""Household documents as one vectorised OpenFisca-France simulation (the oracle's side).

The mapping (docs/households.md, "The oracle"): each declarant and dependent is an
``individu`` born on 1 July of their year of birth (a birthday after 1 January, as
taxapp reads a year of birth); salaries (``salaire_imposable``), unemployment
(``chomage_imposable``) and pensions (``retraite_imposable``) month by month so that the
yearly sums are exact; ``frais_reels``; ``statut_marital``; a disabled declarant ticks
box P (declarant 1) or F (declarant 2), a disabled dependent is ``handicap`` and
``invalidite``, and any disabled member ticks 7DG (the home-employment ceiling of
20,000 €); ``garde_alternee``; boxes T and L; 6EL/6EM, 6GU, 7UF, 7UD, 7DB; childcare in
7GA–7GC (sole charge) and 7GE–7GG (shared custody), in the order of the young children.
"""

from __future__ import annotations

import warnings

STATUS = {"single": "celibataire", "married": "marie", "divorced": "divorce", "widowed": "veuf"}
OUTPUTS = (
    "nbptr",
    "rni",
    "rfr",
    "ir_taux_marginal",
    "decote_gain_fiscal",
    "ip_net",
    "reductions",
    "credits_impot",
    "contribution_exceptionnelle_hauts_revenus",
    "contribution_differentielle_hauts_revenus",
    "impot_revenu_restant_a_payer",
)
MONTHS = 12


def simulate_households(system, income_year: int, documents: list[dict]) -> dict:  # noqa: C901 (one loop that maps every key)
    """{OpenFisca variable: array, one value per document}."""
    import numpy as np
    from openfisca_core.simulation_builder import SimulationBuilder

    persons, household_of, roles = [], [], {"foyer_fiscal": [], "famille": [], "menage": []}
    births, monthly = [], {"salaire_imposable": [], "chomage_imposable": [], "retraite_imposable": []}
    expenses, disabled, shared, marital = [], [], [], []
    foyer = {name: [] for name in ("caseP", "caseF", "caseT", "caseL", "f7dg")}
    foyer |= {name: [] for name in ("f6el", "f6em", "f6gu", "f7uf", "f7ud", "f7db")}
    foyer |= {name: [] for name in ("f7ga", "f7gb", "f7gc", "f7ge", "f7gf", "f7gg")}
    for h, doc in enumerate(documents):
        status = STATUS[doc["status"]]
        for rank, person in enumerate(doc["declarants"]):
            persons.append(f"{h}.{rank}")
            household_of.append(h)
            roles["foyer_fiscal"].append(("declarant_principal", "conjoint")[rank])
            roles["famille"].append(("demandeur", "conjoint")[rank])
            roles["menage"].append(("personne_de_reference", "conjoint")[rank])
            births.append(f"{person['born']}-07-01")
            monthly["salaire_imposable"].append(person["salary"])
            monthly["chomage_imposable"].append(person["unemployment"])
            monthly["retraite_imposable"].append(person["pension"])
            expenses.append(person.get("actual_expenses") or 0)
            disabled.append(False)  # declarants' disability is boxes P and F
            shared.append(False)
            marital.append(status)
        young = []
        for rank, dependent in enumerate(doc["dependents"]):
            persons.append(f"{h}.d{rank}")
            household_of.append(h)
            roles["foyer_fiscal"].append("personne_a_charge")
            roles["famille"].append("enfant")
            roles["menage"].append("enfant")
            births.append(f"{dependent['born']}-07-01")
            for values in monthly.values():
                values.append(0)
            expenses.append(0)
            disabled.append(dependent["disabled"])
            shared.append(dependent["shared_custody"])
            marital.append("celibataire")
            if income_year - 1 - dependent["born"] < 6:
                young.append(dependent["shared_custody"])
        declarants = doc["declarants"]
        foyer["caseP"].append(declarants[0]["disabled"])
        foyer["caseF"].append(len(declarants) > 1 and declarants[1]["disabled"])
        foyer["caseT"].append(doc["single_parent"])
        foyer["caseL"].append(doc["raised_children_alone"])
        members = declarants + doc["dependents"]
        foyer["f7dg"].append(any(m["disabled"] for m in members))
        alimony = [*doc["alimony_adult_children"], 0, 0]
        foyer["f6el"].append(alimony[0])
        foyer["f6em"].append(alimony[1])
        foyer["f6gu"].append(doc["alimony_other"])
        foyer["f7uf"].append(doc["donations"])
        foyer["f7ud"].append(doc["donations_to_aid"])
        foyer["f7db"].append(doc["home_employment"])
        sole = [a for a, s in zip(doc["childcare"], young, strict=False) if not s] + [0, 0, 0]
        in_shared = [a for a, s in zip(doc["childcare"], young, strict=False) if s] + [0, 0, 0]
        for name, amount in zip(
            ("f7ga", "f7gb", "f7gc", "f7ge", "f7gf", "f7gg"), sole[:3] + in_shared[:3], strict=True
        ):
            foyer[name].append(amount)

    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("individu", persons)
    ids = [str(h) for h in range(len(documents))]
    for entity, entity_roles in roles.items():
        builder.join_with_persons(builder.declare_entity(entity, ids), [ids[h] for h in household_of], entity_roles)
    simulation = builder.build(system)
    year = str(income_year)
    for name, values in monthly.items():
        yearly = np.array(values, dtype=np.int64)
        month = yearly // MONTHS  # whole euros each month, the rest in December: the sum is exact
        for m in range(1, MONTHS + 1):
            amount = month if m < MONTHS else yearly - (MONTHS - 1) * month
            simulation.set_input(name, f"{year}-{m:02d}", amount.astype(np.float32))
    for m in range(1, MONTHS + 1):
        period = f"{year}-{m:02d}"
        simulation.set_input("statut_marital", period, np.array(marital))
        simulation.set_input("handicap", period, np.array(disabled))
        simulation.set_input("invalidite", period, np.array(disabled))
        simulation.set_input("garde_alternee", period, np.array(shared))
    simulation.set_input("date_naissance", "ETERNITY", np.array(births, dtype="datetime64[D]"))
    simulation.set_input("frais_reels", year, np.array(expenses, dtype=np.float32))
    for name, values in foyer.items():
        simulation.set_input(name, year, np.array(values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its divisions by zero shares of empty entities
        return {name: simulation.calculate(name, year) for name in OUTPUTS}
