"""sambert-edge: offline Mandarin text-to-speech with emotions on onnxruntime.

The runtime (frontend -> engine -> service/cli) needs numpy, onnxruntime and the Chinese
text libraries only; training and export code lives in ``sambert_edge.train`` and is never
imported from here. ``Synthesizer``, ``SynthesisOptions``, ``Audio`` and ``VoiceConfig`` load on
first access, so ``import sambert_edge`` stays light.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "Synthesizer": ".engine", "SynthesisOptions": ".engine", "Audio": ".audio", "VoiceConfig": ".voice",
}

__all__ = ["Audio", "SynthesisOptions", "Synthesizer", "VoiceConfig", "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
