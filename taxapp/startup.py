"""Start-up failures: one clear line, a chosen exit status, no traceback."""

import sys


class StartupError(Exception):
    """The application cannot start; ``exit_code`` is the process's exit status."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def exit_with(error: StartupError, program: str = "taxapp"):
    """End the process with the error's one line on stderr and its exit status."""
    print(f"{program}: {error}", file=sys.stderr)
    raise SystemExit(error.exit_code) from None
