"""sambert-edge: offline Mandarin text-to-speech with emotions on onnxruntime.

The runtime (frontend -> engine -> service/cli) needs numpy, onnxruntime and the Chinese
text libraries only; training and export code lives in ``sambert_edge.train`` and is never
imported from here.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
