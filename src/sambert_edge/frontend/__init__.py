"""Text frontend: Chinese text -> sentences of KAN-TTS linguistic symbols (torch-free).

``Frontend().analyze(text)`` is the only entry the engine uses; the submodules are public for
tools and tests (``normalize``, ``pinyin``, ``spoken``, ``syllables``, ``symbols``, ``prosody``).
The heavy parts (jieba, the polyphone model) load on first use of ``Frontend``, so importing
``sambert_edge.frontend.symbols`` alone stays cheap for the engine and training code.
"""

from importlib import import_module

from .errors import FrontendError

_LAZY = {
    "Analysis": ".analysis", "Sentence": ".analysis", "Syllable": ".analysis", "Word": ".analysis",
    "Frontend": ".pipeline", "FrontendConfig": ".pipeline",
}

__all__ = ["Analysis", "Frontend", "FrontendConfig", "FrontendError", "Sentence", "Syllable", "Word"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
