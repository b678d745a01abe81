"""The views: actions, the HTML pages, failures, and ``/``."""

from .. import forms
from ..contract import BATCH_MAX, LIST_PAGE_SIZE


def includeme(config):
    settings = config.get_settings()
    config.registry["batch_max"] = int(settings.get("taxapp.batch_max", BATCH_MAX))
    config.registry["list_page_size"] = int(settings.get("taxapp.list_page_size", LIST_PAGE_SIZE))
    config.registry["admindata"] = config.registry["tax_data"].as_dict()
    tax_years = config.registry["tax_years"]
    config.registry["admindata_by_year"] = {year: data.as_dict(official=True) for year, data in tax_years.items()}
    config.registry["year_options"] = forms.YearOptions(tax_years, config.registry["tax_data"].tax_year)
    config.scan(".")
