"""Start-up failures: one clear line, a chosen exit status, no traceback."""


class StartupError(Exception):
    """The application cannot start; ``exit_code`` is the process's exit status."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
