"""The errors a governance command reports by name instead of a traceback."""


class LineageError(Exception):
    """Something the question names does not exist; the message says what and where."""


class EndpointNotFoundError(LineageError):
    pass


class InferenceNotFoundError(LineageError):
    pass


class VersionNotFoundError(LineageError):
    pass
