"""The views: actions, the HTML pages, failures, and ``/``."""

from .. import forms
from ..contract import BATCH_MAX, LIST_PAGE_SIZE
from ..household_documents import HouseholdOptions


def includeme(config):
    settings = config.get_settings()
    config.registry["batch_max"] = int(settings.get("taxapp.batch_max", BATCH_MAX))
    config.registry["list_page_size"] = int(settings.get("taxapp.list_page_size", LIST_PAGE_SIZE))
    config.registry["admindata"] = config.registry["tax_data"].as_dict()
    tax_years = config.registry["tax_years"]
    config.registry["admindata_by_year"] = {year: data.as_dict(official=True) for year, data in tax_years.items()}
    config.registry["year_options"] = forms.YearOptions(tax_years, config.registry["tax_data"].tax_year)
    # the years whose household figures the database has (all of them once migrated to head)
    household_years = [year for year, data in tax_years.items() if data.household is not None]
    config.registry["household_options"] = HouseholdOptions(household_years)
    if household_years:  # get-admindata?household=yes: the year's official figures and its household's
        config.registry["household_years"] = forms.YearOptions(household_years, max(household_years))
    config.registry["admindata_with_household"] = {
        year: {**config.registry["admindata_by_year"][year], "household": tax_years[year].household.as_dict()}
        for year in household_years
    }
    config.scan(".")
