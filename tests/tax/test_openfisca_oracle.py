"""OpenFisca-France as the oracle of the official rules, tax years 2019–2026.

For each tax year, a few thousand households (single, married, 0–6 children,
single parents; salaries from 0 to 1,000,000 with every bracket, allowance,
family-quotient cap, décote and reduction boundary, ±1 €) are computed by taxapp
and by OpenFisca-France in one vectorised simulation. Tax, marginal rate, décote
and reduction must be equal, except for a household differing by 1 € that the
test identifies as either

- a .50 tie: OpenFisca rounds ties to even (numpy's ``around``), the law up
  (CGI art. 1657); the test recomputes the household exactly with ties to even
  (tests/tax/exact.py) and requires that to be OpenFisca's answer; or
- OpenFisca's float32 noise: a value the rules round is, exactly, within
  float32's precision of a .5 (OpenFisca computes in float32); or, for the rate
  alone, the two sides of the family-quotient cap are exactly equal (the law
  keeps the rate of all the shares, float32 may tip to the other side).

The per-year counts are printed in the terminal summary (tests/tax/conftest.py).
The mapping (docs/tax-years.md): the salary goes to the main declarant as
``salaire_imposable``, month by month so that the yearly sum is exact; children
are minors; ``caseT`` for a single parent; tax = ``ip_net``, rate =
``ir_taux_marginal``, décote = ``decote_gain_fiscal``, reduction =
``reduction_ss_condition_revenus`` (OpenFisca leaves it unrounded, and negative
when the décote exceeds the tax, where its ``ip_net`` floors at 0: compared as
``max(0, r)`` rounded).
"""

from __future__ import annotations

import random
import warnings
from fractions import Fraction as F

import pytest

from taxapp.tax import official
from tests.conftest import unavailable
from tests.tax.conftest import DATA_BY_YEAR, ORACLE_REPORT, PARAMETERS, TAX_YEARS
from tests.tax.exact import exact_tax, nearest, nearest_even, rounded

MAX_SALARY = 1_000_000
RANDOM_HOUSEHOLDS = 2000
# (married, children, single parent)
SITUATIONS = [(m, c, False) for m in (False, True) for c in range(7)] + [(False, c, True) for c in range(1, 7)]
# float32 keeps 24 bits: an amount x is off by about 2^-24 × x, and OpenFisca's few
# float32 operations on it by a few times that; 2^-22 × x is 0.10 € at 420,000 €
FLOAT32_NOISE = F(1, 2**22)


@pytest.fixture(scope="module")
def openfisca():
    """OpenFisca-France's tax and benefit system, loaded once for the module (6–14 s)."""
    try:
        import numpy  # noqa: F401, ICN001 (only checks that it is there)
        from openfisca_france import FranceTaxBenefitSystem
    except ImportError as error:
        unavailable(f"OpenFisca-France is not installed ({error}): pip install -e '.[oracle]'")
    return FranceTaxBenefitSystem()


def simulate(system, income_year: int, households: list[tuple[bool, int, int, bool]]) -> dict:
    """OpenFisca's answers for every (married, children, salary, single parent), vectorised."""
    import numpy as np
    from openfisca_core.simulation_builder import SimulationBuilder

    persons, household_of, foyer_roles, famille_roles, menage_roles = [], [], [], [], []
    births, salaries, married_persons = [], [], []
    for h, (married, children, salary, _) in enumerate(households):
        for adult in range(2 if married else 1):
            persons.append(f"{h}.{adult}")
            household_of.append(h)
            foyer_roles.append(("declarant_principal", "conjoint")[adult])
            famille_roles.append(("demandeur", "conjoint")[adult])
            menage_roles.append(("personne_de_reference", "conjoint")[adult])
            births.append("1980-01-01")
            salaries.append(salary if adult == 0 else 0)
            married_persons.append(married)
        for child in range(children):
            persons.append(f"{h}.c{child}")
            household_of.append(h)
            foyer_roles.append("personne_a_charge")
            famille_roles.append("enfant")
            menage_roles.append("enfant")
            births.append(f"{income_year - 10}-01-01")  # a minor
            salaries.append(0)
            married_persons.append(False)
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("individu", persons)
    ids = [str(h) for h in range(len(households))]
    for entity, roles in (("foyer_fiscal", foyer_roles), ("famille", famille_roles), ("menage", menage_roles)):
        builder.join_with_persons(builder.declare_entity(entity, ids), [ids[h] for h in household_of], roles)
    simulation = builder.build(system)
    salaries = np.array(salaries, dtype=np.int64)
    monthly = salaries // 12  # whole euros each month, the rest in December: the sum is exact
    status = np.where(married_persons, "marie", "celibataire")
    for month in range(1, 13):
        period = f"{income_year}-{month:02d}"
        amount = monthly if month < 12 else salaries - 11 * monthly
        simulation.set_input("salaire_imposable", period, amount.astype(np.float32))
        simulation.set_input("statut_marital", period, status)
    simulation.set_input("date_naissance", "ETERNITY", np.array(births, dtype="datetime64[D]"))
    simulation.set_input("caseT", str(income_year), np.array([h[3] for h in households]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its divisions by zero shares of empty entities
        return {
            name: simulation.calculate(name, str(income_year))
            for name in ("ip_net", "ir_taux_marginal", "decote_gain_fiscal", "reduction_ss_condition_revenus")
        }


# --- the households ------------------------------------------------------------------------


def first_salary(predicate, high: int = MAX_SALARY) -> int | None:
    """The smallest salary in [0, high] where ``predicate`` (false, then true) becomes true."""
    if predicate(0) or not predicate(high):
        return None
    low = 0
    while high - low > 1:
        middle = (low + high) // 2
        if predicate(middle):
            high = middle
        else:
            low = middle
    return high


def boundaries(p: dict, married: bool, children: int, single_parent: bool) -> set[int]:
    """The salaries where a rule starts or stops applying, for one situation."""

    def exact(salary):
        return exact_tax(p, married, children, salary, single_parent)

    adults = 2 if married else 1
    shares = adults + (children if children <= 2 else 2 * children - 2) / 2 + (0.5 if single_parent else 0)
    rate = F(str(p["taux_abattement"]))
    edges = {
        int(F(p["abattement_dixpourcent_min"]) / rate),  # the allowance leaves its minimum
        int(F(p["abattement_dixpourcent_max"]) / rate),  # and reaches its maximum
    }
    taxable_targets = [F(limit) * parts for limit in p["limites"][:-1] for parts in {F(adults), F(str(shares))}]
    if p["taux_reduction"] is not None:
        kind = "couple" if married else "celibataire"
        extra = p["valeur_reduc_demi_part"] * (round(2 * shares) - 2 * adults)
        taxable_targets += [
            p[f"reduction_plein_taux_jusqua_{kind}"] + extra,
            p[f"plafond_revenus_{kind}_pour_reduction"] + extra,
        ]
    for target in taxable_targets:
        edges.add(first_salary(lambda s: exact(s).taxable > target))
    base = p["plafond_decote_couple" if married else "plafond_decote_celibataire"]
    edges.add(first_salary(lambda s: exact(s).gross * F(str(p["taux_decote"])) >= base))  # the décote ends
    edges.add(first_salary(lambda s: exact(s).capped))  # the family-quotient cap starts
    edges.discard(None)
    return {s + delta for s in edges for delta in (-1, 0, 1) if 0 <= s + delta <= MAX_SALARY} | {0, MAX_SALARY}


def households_of(tax_year: int) -> list[tuple[bool, int, int, bool]]:
    p = PARAMETERS[tax_year]
    households = [(m, c, s, sp) for m, c, sp in SITUATIONS for s in sorted(boundaries(p, m, c, sp))]
    rng = random.Random(tax_year)
    for _ in range(RANDOM_HOUSEHOLDS):
        married, children, single_parent = rng.choice(SITUATIONS)
        salary = int(10 ** rng.uniform(3, 6)) if rng.random() < 0.9 else rng.randint(0, 1000)
        households.append((married, children, salary, single_parent))
    return households


# --- the comparison ------------------------------------------------------------------------


def within_float32_noise_of_a_half(x: F) -> bool:
    distance = abs(x - x.__floor__() - F(1, 2))
    return distance <= FLOAT32_NOISE * max(abs(x), 1)


def compare(tax_year, household, answer) -> str:
    """ "equal", "tie" or "noise", or a description of a real difference."""
    import numpy as np

    married, children, salary, single_parent = household
    p = PARAMETERS[tax_year]
    ours = official.calculate_tax(DATA_BY_YEAR[tax_year], married, children, salary, single_parent)
    theirs = (
        int(answer["ip_net"]),
        int(answer["decote_gain_fiscal"]),
        nearest(max(F(0), F(float(answer["reduction_ss_condition_revenus"])))),
        answer["ir_taux_marginal"],
    )
    mine = (ours.tax, ours.discount, ours.reduction, np.float32(ours.rate))
    if mine == theirs:
        return "equal"
    if any(abs(a - b) > 1 for a, b in zip(mine[:3], theirs[:3], strict=False)):
        return f"{mine} != OpenFisca's {theirs}"
    exact = exact_tax(p, married, children, salary, single_parent)
    assert rounded(exact)[:4] == (ours.tax, ours.surcharge, ours.discount, ours.reduction)
    # a .50 tie: rounding ties to even instead, the same exact computation gives OpenFisca's answer
    even = rounded(exact_tax(p, married, children, salary, single_parent, nearest_even), nearest_even)
    if (even[0], even[2], even[3], np.float32(even[4])) == theirs:
        return "tie"
    # float32 noise: what differs is decided by a value within float32's precision of a .5,
    # or, for the rate, by the two sides of the family-quotient cap being exactly equal
    amounts_noise = mine[:3] == theirs[:3] or any(within_float32_noise_of_a_half(x) for x in exact.rounding_inputs)
    rate_noise = mine[3] == theirs[3] or (exact.other_rate is not None and np.float32(exact.other_rate) == theirs[3])
    if amounts_noise and rate_noise:
        return "noise"
    return f"{mine} != OpenFisca's {theirs} (neither a .50 tie nor float32 noise)"


@pytest.mark.parametrize("tax_year", TAX_YEARS)
def test_taxapp_equals_openfisca(openfisca, tax_year):
    households = households_of(tax_year)
    answers = simulate(openfisca, tax_year - 1, households)
    outcomes = {"equal": 0, "tie": 0, "noise": 0}
    differences = []
    for i, household in enumerate(households):
        outcome = compare(tax_year, household, {name: values[i] for name, values in answers.items()})
        if outcome in outcomes:
            outcomes[outcome] += 1
        else:
            differences.append(f"{household}: {outcome}")
    ORACLE_REPORT[tax_year] = {"households": len(households), **outcomes, "different": len(differences)}
    assert not differences, "\n".join(differences[:20])
    assert outcomes["equal"] >= 0.95 * len(households)
