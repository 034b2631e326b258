"""Public entry point of text normalization; the rules live in :mod:`sambert_edge.frontend.tn`."""

from .tn import normalize

__all__ = ["normalize"]
