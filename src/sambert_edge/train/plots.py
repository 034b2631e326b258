"""Pictures for checking the data by eye: a mel with its unit boundaries and f0 (``plot-alignment``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..frontend.symbols import parse_symbols
from .features import aligned_span


def plot_alignment(features: Path, out: Path, max_seconds: float = 6.0) -> Path:
    """features/<utt>.npz -> PNG: mel spectrogram, unit boundaries labelled with phones, f0 on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with np.load(features) as z:
        units = parse_symbols(str(z["symbols"]))
        start, durations = aligned_span(z)
        mel = z["mel"].astype(np.float32)[start: start + durations.sum()]
        f0 = z["f0"][start: start + durations.sum()]
        emotion = str(z["emotion"])
    frames = min(len(mel), int(max_seconds * 80))
    edges = np.concatenate([[0], np.cumsum(durations)])
    fig, ax = plt.subplots(figsize=(max(8, frames / 40), 4.5), dpi=100)
    ax.imshow(mel[:frames].T, origin="lower", aspect="auto", cmap="magma", interpolation="nearest")
    for unit, a, b in zip(units, edges[:-1], edges[1:]):
        if a >= frames:
            break
        boundary = unit.is_boundary
        ax.axvline(a - 0.5, color="cyan" if boundary else "white", lw=0.6, alpha=0.8)
        label = unit.phone.removesuffix("_c")
        ax.text((a + min(b, frames)) / 2 - 0.5, 76 if boundary else 72, label, color="cyan" if boundary else "white",
                ha="center", va="top", fontsize=7, rotation=90 if b - a < 4 else 0)
    ax2 = ax.twinx()
    voiced = np.where(f0[:frames] > 0, f0[:frames], np.nan)
    ax2.plot(np.arange(frames), voiced, color="lime", lw=1.2)
    ax2.set_ylim(50, 500)
    ax2.set_ylabel("f0 (Hz)")
    ax.set_xlabel("mel frame (12.5 ms)")
    ax.set_ylabel("mel bin")
    ax.set_title(f"{features.stem} ({emotion}): units from teacher durations, pauses moved to #k")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
