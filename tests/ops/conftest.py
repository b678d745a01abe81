"""Operations: ``pserve`` and ``alembic`` run as real processes, as an administrator runs them."""

import configparser
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def environment(**variables):
    """This process's environment without any ``TAXAPP_*`` variable, plus ``variables``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TAXAPP_")}
    env.update(variables)
    return env


def development_ini(directory: Path, **app_settings) -> Path:
    """development.ini as shipped, with some ``[app:main]`` settings replaced, written in ``directory``."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini.read(ROOT / "development.ini")
    ini["app:main"].update(app_settings)
    path = directory / "development.ini"
    with open(path, "w") as out:
        ini.write(out)
    return path


def run(*command, env=None, cwd=None, timeout=60):
    """A console script of the virtualenv, to completion: its ``CompletedProcess`` (text)."""
    return subprocess.run(
        [BIN / command[0], *command[1:]],
        env=env or environment(),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
