"""Errors raised by the text frontend."""


class FrontendError(ValueError):
    """Text the frontend cannot turn into speech; the message names the problem."""
