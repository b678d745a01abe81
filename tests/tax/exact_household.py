"""The whole household's rules written a second time, the plainest way: ``Fraction``
everywhere, straight from the household document (a dict, defaults filled in).

A reference for the tests, independent of ``taxapp.tax.household`` (scaled integers,
written for speed): the two must agree on every household. It also replays, on demand,
the points where OpenFisca-France departs from the law (``DEPARTURES``) and its
rounding of ties to even, so that the oracle test can say which one explains a
difference, instead of accepting it within a tolerance.
"""

from __future__ import annotations

from fractions import Fraction as F
from typing import NamedTuple

# Where OpenFisca-France 176.1.8 departs from the law (docs/households.md, "The oracle"):
DEPARTURES = {
    # CGI 157 bis: over 65 on 31 December of the income year; OpenFisca reads the age
    # on 1 January (`abat_spe`: age at period.first_month)
    "special_allowance_age": "the special allowance: the age on 1 January instead of 31 December",
    # CGI 157 bis: the allowance is doubled when both spouses qualify; OpenFisca adds the
    # two conditions as numpy booleans (a logical or): one allowance for the couple
    "special_allowance_couple": "the special allowance: one for a couple where both qualify",
    # CGI 157 bis: the full amount when the net income "n'excède pas" the first ceiling,
    # half of it when it is between the ceilings; OpenFisca's SingleAmountTaxScale gives
    # the next amount at exactly a ceiling (numpy.digitize, right=False)
    "special_allowance_bounds": "the special allowance: a net income exactly on a ceiling",
    # CGI 199 sexdecies 3: 1,500 € more per member over 65; OpenFisca omits it (ci_saldom)
    "home_employment_elderly": "the home-employment ceiling: no increase for members over 65",
    # CGI 199 sexdecies 3: 750 € more per child in shared custody; OpenFisca's nb_pac2 is
    # nbF + nbJ + nbR − nbH / 2 with nbF no longer counting them: 750 € less
    "home_employment_shared_custody": "the home-employment ceiling: a child in shared custody lowers it",
    # CGI 1657 1 bis: not collected when under 61 € before the credits or under 12 € after;
    # OpenFisca also forgives exactly 61 € and exactly 12 € (<= in correction_ir_seuils_recouvrement)
    "collection_thresholds": "the collection thresholds: 61 € and 12 € exactly are not collected",
    # CGI 200 quater B: each child under 6; OpenFisca has three boxes of each kind (7GA–7GC in
    # sole charge, 7GE–7GG in shared custody): a fourth child's childcare is lost
    "childcare_three_boxes": "childcare: the fourth young child of a kind of custody is not counted",
    # CGI 1965 L: a refund under 8 € is not paid; OpenFisca pays it
    "refund_threshold": "refunds under 8 € are paid",
}


def nearest(x: F) -> int:
    """To the nearest integer, .5 up (CGI art. 1657)."""
    return int((x + F(1, 2)).__floor__())


def nearest_even(x: F) -> int:
    """To the nearest integer, .5 to the even one (numpy's ``around``, which OpenFisca uses)."""
    return round(x)


class Exact(NamedTuple):
    figures: dict  # the answer's compared figures, as the law (or the replay) gives them
    rounding_inputs: tuple[F, ...]  # every value the rules round
    boundaries: tuple[tuple[F, F], ...]  # (value, bound) pairs a rule compares


def _q(value) -> F:
    return F(str(value))


def _bareme(p, x: F) -> tuple[F, F]:
    """(tax of one share's income x, its rate): the brackets as a marginal scale."""
    limits = [_q(v) for v in p["limites"][:-1]]
    rates = [_q(v) for v in p["coeffr"]]
    i = next((i for i, limit in enumerate(limits) if x <= limit), len(limits))
    tax = sum(rates[j] * (min(x, limits[j]) - (limits[j - 1] if j else 0)) for j in range(i))
    tax += rates[i] * (x - (limits[i - 1] if i else 0))
    return tax, rates[i]


def exact_household(  # noqa: C901, PLR0912 (the law's steps in order)
    doc: dict, p: dict, hf: dict, rounding=nearest, departures: frozenset = frozenset()
) -> Exact:
    """``p``: the year of tests/data/tax-parameters-by-income-year.json (French names);
    ``hf``: the year's household figures (``HouseholdData``'s names)."""
    q = {k: (_q(v) if isinstance(v, (int, float)) else v) for k, v in p.items()}
    h = {k: (None if v is None else _q(v)) for k, v in hf.items()}
    y = p["tax_year"] - 1  # the income year
    married = doc["status"] == "married"
    adults = 2 if married else 1
    rounds: list[F] = []
    bounds: list[tuple[F, F]] = []

    def r(x: F) -> int:
        rounds.append(x)
        return rounding(x)

    # incomes
    categorial = F(0)
    pension_allowances = 0
    for person in doc["declarants"]:
        salaries = person["salary"] + person["unemployment"]
        allowance = min(
            max(r(q["taux_abattement"] * salaries), q["abattement_dixpourcent_min"]), q["abattement_dixpourcent_max"]
        )
        expenses = person.get("actual_expenses")
        deduction = expenses if expenses is not None and expenses > allowance else min(allowance, salaries)
        pension = person["pension"]
        pa = min(pension, r(max(h["pension_allowance_rate"] * pension, h["pension_allowance_min"]))) if pension else 0
        pension_allowances += pa
        categorial += salaries - deduction + pension - pa
    categorial += max(pension_allowances - h["pension_allowance_max"], 0)
    gross_income = max(categorial, F(0))
    alimony = doc["alimony_other"] + sum(
        min(a, h["alimony_adult_child_ceiling"]) for a in doc["alimony_adult_children"]
    )
    net_income = max(gross_income - alimony, F(0))

    # the special allowance
    def elderly(person, on_january_first=False):
        age = y - person["born"] - (1 if on_january_first else 0)
        return age >= 65

    eligible = sum(
        1
        for person in doc["declarants"]
        if person["disabled"] or elderly(person, "special_allowance_age" in departures)
    )
    if "special_allowance_couple" in departures:
        eligible = min(eligible, 1)
    full_ceiling, half_ceiling = h["special_allowance_full_ceiling"], h["special_allowance_half_ceiling"]
    bounds += [(net_income, full_ceiling), (net_income, half_ceiling)]
    if "special_allowance_bounds" in departures:
        amount = (
            h["special_allowance_full"]
            if net_income < full_ceiling
            else h["special_allowance_half"]
            if net_income < half_ceiling
            else 0
        )
    else:
        amount = (
            h["special_allowance_full"]
            if net_income <= full_ceiling
            else h["special_allowance_half"]
            if net_income <= half_ceiling
            else 0
        )
    special = min(net_income, eligible * amount)
    rni = net_income - special
    rfr = rni

    # shares
    kids = []  # (shared custody, disabled, adult, young)
    for d in doc["dependents"]:
        age = y - 1 - d["born"]
        kids.append((d["shared_custody"], d["disabled"], age >= 18 and not d["disabled"], age < 6))
    full = sum(1 for s, _, _, _ in kids if not s)
    shared = sum(1 for s, _, _, _ in kids if s)
    disabled_full = sum(1 for s, dis, _, _ in kids if dis and not s)
    disabled_shared = sum(1 for s, dis, _, _ in kids if dis and s)
    children = F(0)
    for rank in range(full):
        children += F(1, 2) if rank < 2 else 1
    for rank in range(full, full + shared):
        children += F(1, 4) if rank < 2 else F(1, 2)
    shares = adults + children + F(1, 2) * disabled_full + F(1, 4) * disabled_shared
    p1, p2 = (doc["declarants"] + [{"disabled": False}])[:2]
    has_dependents = bool(full or shared)
    if married:
        shares += F(1, 2) * (p1["disabled"] + p2["disabled"])
    else:
        if doc["status"] == "widowed" and has_dependents:
            shares += 1
        if not has_dependents:
            shares += F(1, 2) if p1["disabled"] or doc["raised_children_alone"] else 0
        else:
            shares += F(1, 2) if p1["disabled"] else 0
            if doc["single_parent"]:
                shares += F(1, 2) if full or shared >= 2 else F(1, 4)

    # the gross tax and the family-quotient cap
    def tax_of(parts):
        t, rate = _bareme(p, rni / parts)
        return parts * t, rate

    tax_all, rate_all = tax_of(shares)
    tax, rate = tax_all, rate_all
    cap_effect = given_back = F(0)
    beyond = shares - adults
    if beyond:
        tax_adults, rate_adults = tax_of(F(adults))
        if doc["status"] in ("single", "divorced") and doc["single_parent"]:
            first = min(beyond, F(1))  # the first two half-shares
            cap = q["plafond_qf_parent_isole_case_T_2_premieres_demi_parts"] * first + q["plafond_qf_demi_part"] * 2 * (
                beyond - first
            )
        elif not married and doc["raised_children_alone"] and not full:
            cap = h["box_l_qf_cap"]
        else:
            cap = q["plafond_qf_demi_part"] * 2 * beyond
        capped = max(tax_adults - cap, F(0))
        bounds.append((capped, tax_all))
        if capped > tax_all:
            cap_effect = capped - tax_all
            halves = 2 * (p1["disabled"] + p2["disabled"]) + 2 * disabled_full + disabled_shared
            complementary = h["disability_qf_reduction"] * F(halves, 2)
            if doc["status"] == "widowed" and full:
                complementary += h["widowed_qf_reduction"]
            given_back = min(complementary, cap_effect)
            tax = capped - given_back
            bounds.append((tax, tax_all))
            if tax > tax_all:
                rate = rate_adults
    gross_tax = tax_all
    after_qf = tax

    # décote, reduction
    base = q["plafond_decote_couple" if married else "plafond_decote_celibataire"]
    d = min(max(r(base - q["taux_decote"] * tax), 0), tax)
    tax -= d
    red = F(0)
    if p["taux_reduction"] is not None and tax:
        extra = q["valeur_reduc_demi_part"] * 2 * beyond
        kind = "couple" if married else "celibataire"
        low = q[f"reduction_plein_taux_jusqua_{kind}"] + extra
        high = q[f"plafond_revenus_{kind}_pour_reduction"] + extra
        bounds += [(rfr, low), (rfr, high)]
        if rfr < low:
            red = q["taux_reduction"] * tax
        elif rfr < high:
            red = q["taux_reduction"] * tax * (high - rfr) / (high - low)
    ip_net = max(r(tax - red), 0)

    # tax reductions: donations
    aid = min(doc["donations_to_aid"], h["aid_donations_ceiling"])
    others = doc["donations"] + doc["donations_to_aid"] - aid
    donation = h["aid_donations_rate"] * aid + h["donations_rate"] * min(others, h["donations_income_share"] * rni)
    reductions = min(r(donation), ip_net) if donation else 0

    # credits
    home = F(0)
    if doc["home_employment"]:
        members = doc["declarants"] + doc["dependents"]
        if any(m["disabled"] for m in members):
            ceiling = h["home_employment_disabled_ceiling"]
        else:
            increases = full + F(shared, 2)
            if "home_employment_shared_custody" in departures:
                increases = full - F(shared, 2)
            if "home_employment_elderly" not in departures:
                increases += sum(1 for person in doc["declarants"] if elderly(person))
            ceiling = min(
                h["home_employment_ceiling"] + h["home_employment_increase"] * increases,
                h["home_employment_max_ceiling"],
            )
        bounds.append((F(doc["home_employment"]), ceiling))
        home = h["home_employment_rate"] * min(doc["home_employment"], ceiling)
    childcare = F(0)
    young = [s for s, _, _, is_young in kids if is_young]
    counted = {False: 0, True: 0}
    for amount, in_shared_custody in zip(doc["childcare"], young, strict=False):
        counted[in_shared_custody] += 1
        if "childcare_three_boxes" in departures and counted[in_shared_custody] > 3:
            continue
        ceiling = h["childcare_ceiling"] / 2 if in_shared_custody else h["childcare_ceiling"]
        childcare += h["childcare_rate"] * min(amount, ceiling)
    all_credits = min(r(home) + r(childcare), h["tax_advantages_cap"]) if home or childcare else 0

    # the contributions
    if married:
        first, second = h["cehr_couple_threshold_1"], h["cehr_couple_threshold_2"]
    else:
        first, second = h["cehr_single_threshold_1"], h["cehr_single_threshold_2"]
    cehr_exact = h["cehr_rate_1"] * max(min(rfr, second) - first, 0) + h["cehr_rate_2"] * max(rfr - second, 0)
    cehr = r(cehr_exact) if cehr_exact else 0
    cdhr = 0
    if h.get("cdhr_rate") is not None:
        threshold = h["cdhr_couple_threshold" if married else "cdhr_single_threshold"]
        if rfr > threshold:
            target = h["cdhr_rate"] * rfr
            if rfr <= h["cdhr_couple_discount_ceiling" if married else "cdhr_single_discount_ceiling"]:
                target -= max(target - h["cdhr_discount_rate"] * (rfr - threshold), 0)
            increase = h["cdhr_dependent_increase"] * full + (h["cdhr_couple_increase"] if married else 0)
            cdhr = r(max(target - (ip_net + cehr + increase), F(0)))

    # collection
    before = ip_net - reductions + cehr
    after = before - all_credits
    bounds += [(F(before), h["collection_threshold"]), (F(after), h["collection_threshold_after_credits"])]
    if after > 0:
        if "collection_thresholds" in departures:
            forgiven = before <= h["collection_threshold"] or after <= h["collection_threshold_after_credits"]
        else:
            forgiven = before < h["collection_threshold"] or after < h["collection_threshold_after_credits"]
        if forgiven:
            after = 0
    elif after < 0 and "refund_threshold" not in departures and -after < h["refund_threshold"]:
        after = 0
    figures = {
        "shares": shares,
        "taxable_income": rni,
        "reference_income": rfr,
        "rate": rate,
        "discount": r(d),
        "tax": ip_net,
        "tax_reductions": reductions,
        "tax_credits": all_credits,
        "high_income_contribution": cehr,
        "differential_contribution": cdhr,
        "due": after + cdhr,
        # not compared with OpenFisca (no such variable): checked against taxapp only
        "gross_tax": rounding(gross_tax),
        "family_quotient_cap": rounding(cap_effect),
        "complementary_reduction": rounding(given_back),
        "tax_after_family_quotient": after_qf,
        "special_allowance": special,
        "gross_income": gross_income,
        "net_income": net_income,
        "capped": cap_effect > 0,
        "before_credits": before,
        "after_credits": before - all_credits,
        "reduction": rounding(red),
    }
    return Exact(figures, tuple(rounds), tuple(bounds))
