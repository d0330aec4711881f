"""The error type of user mistakes: snaxc reports them as one line, without a traceback."""


class SnaxcError(Exception):
    """A problem with the user's input (file, configuration, unsupported program).

    The message is one line that names what is wrong and where; `snaxc` prints it as
    `snaxc: error: <message>` and exits with status 1.
    """
