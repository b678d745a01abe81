"""A household's calculation explained: each step in order, with its amount and its article.

calculate-household's answer carries these ``steps`` (``{"step", "amount", "article"}``),
and the pages put each in words: one source, the engine's figures. Every figure of the
result can be checked from the steps before it:

- per declarant (``declarant_1_…``): salaries, their 10 % allowance or actual expenses,
  pensions, their allowance; then the pensions' household maximum;
- gross income, alimony, net income, the special allowance, taxable income, reference
  income, shares, income per share;
- the gross tax bracket by bracket (``bracket_2`` is the bracket of index 1 of the year's
  lists, 11 % in 2026: its part of the taxable income times its rate, for all the shares),
  then the gross tax; when the family-quotient cap applies, the declarants' own tax, the
  most the other shares may save, what the cap adds, the complementary reduction;
- the décote, the 20 % reduction (2019–2020), the tax; the tax reductions, the credits,
  the overall cap; the CEHR, the CDHR; what the thresholds do not collect; what is due;
  the marginal and the average rate.

A step that is zero and changes nothing is left out (no alimony, no décote…).
"""

from __future__ import annotations

from .data import TaxData
from .household import QUARTERS, SCALE, HouseholdResult, _figures_of, round_half_up

__all__ = ["ARTICLES", "Step", "explain"]

# The article of the tax code (CGI) each step applies.
ARTICLES = {
    "salaries": "CGI art. 79",
    "salary_deduction": "CGI art. 83 3°",
    "actual_expenses": "CGI art. 83 3°",
    "pensions": "CGI art. 79",
    "pension_allowance": "CGI art. 158 5 a",
    "pension_allowance_cap": "CGI art. 158 5 a",
    "gross_income": "CGI art. 156",
    "alimony": "CGI art. 156 II 2°",
    "net_income": "CGI art. 156",
    "special_allowance": "CGI art. 157 bis",
    "taxable_income": "CGI art. 158",
    "reference_income": "CGI art. 1417 IV",
    "shares": "CGI art. 194",
    "income_per_share": "CGI art. 193",
    "bracket": "CGI art. 197 I 1",
    "gross_tax": "CGI art. 197 I 1",
    "declarants_tax": "CGI art. 197 I 2",
    "family_quotient_limit": "CGI art. 197 I 2",
    "family_quotient_cap": "CGI art. 197 I 2",
    "complementary_reduction": "CGI art. 197 I 2",
    "discount": "CGI art. 197 I 4 a",
    "reduction": "CGI art. 197 I 4 b",
    "tax": "CGI art. 197",
    "tax_reductions": "CGI art. 200",
    "home_employment_credit": "CGI art. 199 sexdecies",
    "childcare_credit": "CGI art. 200 quater B",
    "tax_advantages_cap": "CGI art. 200-0 A",
    "high_income_contribution": "CGI art. 223 sexies",
    "differential_contribution": "CGI art. 224",
    "not_collected": "CGI art. 1657 1 bis",
    "refund_not_paid": "CGI art. 1965 L",
    "due": "CGI art. 1657",
    "marginal_rate": "CGI art. 197 I 1",
    "average_rate": "",  # a ratio, no rule of its own
}


# A step: {"step": what the amount is (a key the pages put in words), "amount": euros, or
# shares and rates, "article": the article it applies}. Plain dicts, as the answer carries
# them: a batch explains 10,000 households.
Step = dict


def _step(name: str, amount, kind: str | None = None) -> Step:
    return {"step": name, "amount": amount, "article": ARTICLES[kind or name]}


def _brackets(data: TaxData, taxable: int, quarters: int) -> list[Step]:
    """The gross tax of ``quarters`` shares, bracket by bracket: each bracket's part of the
    taxable income (for all the shares: shares × the part of one share's income) times its
    rate, rounded (their sum, not rounded, is the gross tax)."""
    f, _ = _figures_of(data)
    income = QUARTERS * taxable * SCALE  # in 1/(QUARTERS × SCALE) euro, as quarters × limits
    steps, low = [], 0
    for i, rate in enumerate(f.coeffr):
        high = quarters * f.limits[i] if i < len(f.limits) else income
        if income <= low:
            break
        part = min(income, high) - low
        if rate:
            steps.append(_step(f"bracket_{i + 1}", round_half_up(rate * part, QUARTERS * SCALE * SCALE), "bracket"))
        low = high
    return steps


def explain(data: TaxData, result: HouseholdResult) -> list[Step]:  # noqa: C901, PLR0912, PLR0915 (one line per step)
    """Every step of a household's calculation (its ``result``) in the year of ``data``, in order."""
    it = result.income_tax
    steps = []
    for number, income in enumerate(it.persons, start=1):
        who = f"declarant_{number}_"
        if income.salaries or income.salary_deduction:
            steps.append(_step(who + "salaries", income.salaries, "salaries"))
            kind = "actual_expenses" if income.actual_expenses else "salary_deduction"
            steps.append(_step(who + kind, -income.salary_deduction, kind))
        if income.pensions:
            steps.append(_step(who + "pensions", income.pensions, "pensions"))
            steps.append(_step(who + "pension_allowance", -income.pension_allowance, "pension_allowance"))
    if it.pension_allowance_cap:
        steps.append(_step("pension_allowance_cap", it.pension_allowance_cap))
    steps.append(_step("gross_income", it.gross_income))
    if it.alimony:
        steps += [_step("alimony", -it.alimony), _step("net_income", it.net_income)]
    if it.special_allowance:
        steps.append(_step("special_allowance", -it.special_allowance))
    steps.append(_step("taxable_income", it.taxable_income))
    steps.append(_step("reference_income", it.reference_income))
    steps.append(_step("shares", it.shares))
    steps.append(_step("income_per_share", round_half_up(QUARTERS * it.taxable_income, it.quarters)))
    steps += _brackets(data, it.taxable_income, it.quarters)
    steps.append(_step("gross_tax", it.gross_tax))
    if it.family_quotient_cap:
        steps += [
            _step("declarants_tax", it.declarants_tax),
            _step("family_quotient_limit", -it.family_quotient_limit),
            _step("family_quotient_cap", it.family_quotient_cap),
        ]
        if it.complementary_reduction:
            steps.append(_step("complementary_reduction", -it.complementary_reduction))
    if it.discount:
        steps.append(_step("discount", -it.discount))
    if it.reduction:
        steps.append(_step("reduction", -it.reduction))
    steps.append(_step("tax", it.tax))
    if result.tax_reductions:
        steps.append(_step("tax_reductions", -result.tax_reductions))
    if result.home_employment_credit:
        steps.append(_step("home_employment_credit", -result.home_employment_credit))
    if result.childcare_credit:
        steps.append(_step("childcare_credit", -result.childcare_credit))
    over_cap = result.home_employment_credit + result.childcare_credit - result.tax_credits
    if over_cap:
        steps.append(_step("tax_advantages_cap", over_cap))
    if result.high_income_contribution:
        steps.append(_step("high_income_contribution", result.high_income_contribution))
    if result.not_collected:
        kind = "not_collected" if result.not_collected > 0 else "refund_not_paid"
        steps.append(_step(kind, -result.not_collected))
    if result.differential_contribution:
        steps.append(_step("differential_contribution", result.differential_contribution))
    steps.append(_step("due", result.due))
    steps.append(_step("marginal_rate", it.rate))
    # due / taxable income, to 4 decimals (.5 up), without a float deciding the rounding
    average = round_half_up(10_000 * result.due, it.taxable_income) / 10_000 if it.taxable_income else 0.0
    steps.append(_step("average_rate", average))
    return steps
