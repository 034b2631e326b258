"""Chinese text normalization (TN): numbers, dates, units, symbols -> spoken characters."""

from .normalize import normalize

__all__ = ["normalize"]
