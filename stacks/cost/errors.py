"""The one error of the estimate: input it cannot price, named."""


class CostError(ValueError):
    """A template or price table the estimate cannot price; the message names what."""
