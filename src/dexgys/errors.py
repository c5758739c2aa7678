"""The one exception type that user mistakes raise; the CLI prints it as one line."""


class DexgysError(ValueError):
    """Bad input from a user: a missing file, a degenerate mesh, an unknown category, a NaN pose...

    The message names the problem in one line. The command-line interface prints
    ``error: <message>`` and exits with status 2 instead of showing a traceback.
    """
