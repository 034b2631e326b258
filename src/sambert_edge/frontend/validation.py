"""Reject text the frontend must not read, with a message naming the problem."""

from __future__ import annotations

import unicodedata

from .errors import FrontendError

DEFAULT_MAX_CHARS = 5000
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def check_text(text: object, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return ``text`` if it can be read; raise FrontendError otherwise.

    Rejects non-strings, empty or whitespace-only text, text over ``max_chars`` characters,
    lone surrogates (text decoded with ``surrogateescape`` or broken JSON escapes) and control
    characters other than tab and line breaks.
    """
    if not isinstance(text, str):
        raise FrontendError(f"text must be a string, not {type(text).__name__}")
    if not text.strip():
        raise FrontendError("text is empty")
    if len(text) > max_chars:
        raise FrontendError(f"text is {len(text)} characters long; the limit is {max_chars}")
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cs":
            raise FrontendError(f"text has an invalid surrogate U+{ord(ch):04X} at position {i}")
        if category == "Cc" and ch not in _ALLOWED_CONTROLS:
            raise FrontendError(f"text has a control character U+{ord(ch):04X} at position {i}")
    return text
