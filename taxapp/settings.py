"""Reading the ini file's settings: environment references and typed values.

production.ini writes secrets and addresses as ``${NAME}`` (or ``${NAME:-default}``),
replaced here by the environment's value when the application (or alembic) reads
the settings: PasteDeploy itself has no such interpolation.
"""

import os
import re

from .errors import StartupError

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_environment(settings: dict, strict: bool = True) -> dict:
    """Replace every ``${NAME}`` in string values; a missing variable stops the start.

    ``strict=False`` reads a missing variable as empty instead: what is left to mail
    the administrator about the start-up failure that a missing variable is.
    """

    def replace(match):
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name, default)
        if value is None:
            if not strict:
                return ""
            raise StartupError(f"environment variable {name} is not set (needed by the ini file)")
        return value

    return {key: _REFERENCE.sub(replace, value) if isinstance(value, str) else value for key, value in settings.items()}
