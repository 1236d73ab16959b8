"""Errors a user can cause and fix; the CLI turns them into one line and an exit status."""


class SganctlError(Exception):
    """A problem with the user's input, data, files or environment.

    The message names the problem and, where there is one, the fix. It is shown
    without a traceback, and the command exits with ``exit_code``.
    """

    exit_code = 2


class PluginError(SganctlError):
    """An architecture plugin could not be used: it failed to import, has the
    wrong type or API version, or clashes with another plugin's name."""


class TrainingDiverged(SganctlError):
    """Losses or weights stopped being finite; the last good checkpoint is kept."""

    exit_code = 1


class TrainingInterrupted(SganctlError):
    """SIGINT or SIGTERM: the current step finished and a checkpoint was written."""

    def __init__(self, message: str, signal_number: int):
        super().__init__(message)
        self.signal_number = signal_number
        self.exit_code = 128 + signal_number

    def __reduce__(self):
        # rebuilt with both arguments when it crosses processes (the accuracy harness's parallel runs)
        return type(self), (str(self), self.signal_number)
