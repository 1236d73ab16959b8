"""Errors a user can cause and fix; the CLI turns them into one line and exit status 2."""


class SganctlError(Exception):
    """A problem with the user's input, data, files or environment.

    The message names the problem and, where there is one, the fix. It is shown
    without a traceback.
    """


class PluginError(SganctlError):
    """An architecture plugin could not be used: it failed to import, has the
    wrong type or API version, or clashes with another plugin's name."""
