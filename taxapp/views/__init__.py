"""The views: actions, failures, and ``/``."""


def includeme(config):
    settings = config.get_settings()
    config.registry["batch_max"] = int(settings.get("taxapp.batch_max", 10000))
    config.registry["admindata"] = config.registry["tax_data"].as_dict()
    config.scan(".")
