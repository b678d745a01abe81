import pytest

from taxapp.tax import TaxData

# tax.md §1, written out here independently of the migration that stores it.
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
