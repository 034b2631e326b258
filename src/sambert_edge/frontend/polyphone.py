"""Polyphone disambiguation with the g2pM BiLSTM, re-implemented as a fast numpy forward pass.

The weights ship with the PyPI package ``g2pM`` (Park & Lee, Interspeech 2020, Apache-2.0): a character
embedding (64), one bidirectional LSTM layer (32 per direction) and a two-layer classifier over 876
toned readings. ``g2pM.G2pM`` runs the LSTM with many small numpy calls per step; here the input
projection is folded into one lookup table per vocabulary entry and both directions share one matmul
per step, which makes a 30-character sentence cost well under a millisecond.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping

import numpy as np

_PAD, _UNK, _BOS, _EOS = "<PAD>", "<UNK>", "시", "끝"  # special tokens of g2pM's vocabulary
_HIDDEN = 32  # LSTM units per direction in the shipped checkpoint
_FILES = ("np_ckpt.pkl", "char2idx.pkl", "class2idx.pkl", "digest_cedict.pkl")
_JQXY = frozenset("jqxy")


def normalize_reading(reading: str) -> str:
    """CC-CEDICT style reading (``"nu:3"``, ``"lu:e4"``) -> tone3 pinyin (``"nv3"``, ``"lve4"``).

    ü is written ``v`` after n/l only; after j/q/x/y standard pinyin writes ``u`` (``"qu4"``), which is
    also what pypinyin's TONE3 style gives, so model and dictionary readings compare equal.
    """
    r = reading.lower().replace("u:", "v")
    if r[:1] in _JQXY:
        r = r.replace("v", "u")
    return r


def _package_dir() -> str:
    import g2pM  # imported lazily: only its data directory is needed

    return os.path.dirname(os.path.abspath(g2pM.__file__))


def _load(path: str) -> object:
    # The pickles are plain dicts of str/list/ndarray shipped by the g2pM package itself.
    with open(path, "rb") as f:
        return pickle.load(f)


class PolyphoneModel:
    """g2pM BiLSTM scoring the readings of polyphonic characters in one sentence."""

    def __init__(self, package_dir: str | None = None) -> None:
        d = package_dir or _package_dir()
        state, char2idx, class2idx, cedict = (_load(os.path.join(d, f)) for f in _FILES)
        emb = np.asarray(state["embedding.weight"], dtype=np.float32)  # (V, 64)

        def gate_table(suffix: str) -> np.ndarray:
            # emb @ W_ih^T + b_ih + b_hh for every vocabulary entry: (V, 4H), gate order i, f, g, o
            w = np.asarray(state[f"lstm.weight_ih_l0{suffix}"], dtype=np.float32)
            b = np.asarray(state[f"lstm.bias_ih_l0{suffix}"] + state[f"lstm.bias_hh_l0{suffix}"], dtype=np.float32)
            table = emb @ w.T  # float32, like ``(emb @ w.T + b).astype(float32)`` with no temporaries
            table += b
            return table

        h = _HIDDEN
        # Both directions as one (2H) state: x_t = [fw gates of token t | bw gates of token T-1-t].
        self._table_fw = gate_table("")
        self._table_bw = gate_table("_reverse")
        w_hh = np.zeros((2 * h, 8 * h), dtype=np.float32)  # block diagonal, (2H, 8H)
        w_hh[:h, : 4 * h] = state["lstm.weight_hh_l0"].T
        w_hh[h:, 4 * h:] = state["lstm.weight_hh_l0_reverse"].T
        # Column permutation so that one step's (8H) pre-activations read as [i f o | g] for both
        # directions at once: sigmoid on the first 6H, tanh on the last 2H.
        idx = np.arange(8 * h).reshape(2, 4, h)  # (direction, gate i/f/g/o, unit)
        # order: i_fw i_bw f_fw f_bw o_fw o_bw g_fw g_bw, each H wide
        self._order = np.concatenate([idx[:, k].reshape(-1) for k in (0, 1, 3, 2)])
        self._w_hh = w_hh[:, self._order]
        self._w1 = state["logit_layer.0.weight"].T.astype(np.float32)  # (2H, 32)
        self._b1 = state["logit_layer.0.bias"].astype(np.float32)
        self._w2 = state["logit_layer.2.weight"].T.astype(np.float32)  # (32, C)
        self._b2 = state["logit_layer.2.bias"].astype(np.float32)

        self._char2idx: Mapping[str, int] = char2idx
        self._unk, self._bos, self._eos = char2idx[_UNK], char2idx[_BOS], char2idx[_EOS]
        classes = sorted(class2idx, key=class2idx.get)
        self.classes: tuple[str, ...] = tuple(normalize_reading(c) for c in classes)
        # Readings of every character the model treats as polyphonic (g2pM's CC-CEDICT digest).
        self.candidates: Mapping[str, tuple[str, ...]] = {
            ch: tuple(dict.fromkeys(normalize_reading(r) for r in rs))
            for ch, rs in cedict.items() if len(rs) > 1
        }
        self._class_idx: Mapping[str, int] = {c: i for i, c in enumerate(self.classes)}

    def is_polyphone(self, char: str) -> bool:
        return char in self.candidates

    def logits(self, sentence: str, positions: list[int]) -> np.ndarray:
        """Classifier logits, shape (len(positions), C), for the characters at ``positions``.

        The LSTM runs over the whole sentence with g2pM's BOS/EOS markers, exactly as trained.
        """
        c2i, unk = self._char2idx, self._unk
        ids = np.fromiter(
            (self._bos, *(c2i.get(ch, unk) for ch in sentence), self._eos), dtype=np.int64
        )
        t_len = len(ids)
        h = _HIDDEN
        # (T, 8H) pre-activations: forward for step t, backward for token T-1-t, permuted
        x = np.concatenate([self._table_fw[ids], self._table_bw[ids[::-1]]], axis=1)[:, self._order]
        w_hh = self._w_hh
        state = np.zeros(2 * h, dtype=np.float32)  # [h_fw | h_bw]
        cell = np.zeros(2 * h, dtype=np.float32)
        out = np.empty((t_len, 2 * h), dtype=np.float32)  # row t: h_fw(t) | h_bw(T-1-t)
        for t in range(t_len):
            z = x[t] + state @ w_hh
            s = 1.0 / (1.0 + np.exp(-z[: 6 * h]))
            cell = s[2 * h: 4 * h] * cell + s[: 2 * h] * np.tanh(z[6 * h:])
            state = s[4 * h:] * np.tanh(cell)
            out[t] = state
        pos = np.asarray(positions, dtype=np.int64) + 1  # +1 for BOS
        hidden = np.concatenate([out[pos, :h], out[t_len - 1 - pos, h:]], axis=1)  # (P, 2H)
        return np.maximum(hidden @ self._w1 + self._b1, 0.0) @ self._w2 + self._b2

    def best(
        self,
        logits_row: np.ndarray,
        allowed: tuple[str, ...],
        prefer: str | None = None,
        bonus: float = 0.0,
    ) -> str | None:
        """Highest-scoring reading among ``allowed`` (a character's candidates); None if none is a class.

        logits_row: shape (C,). ``prefer`` (a dictionary reading) gets ``bonus`` added to its logit.
        """
        scores = {r: float(logits_row[self._class_idx[r]]) for r in allowed if r in self._class_idx}
        if not scores:
            return None
        if prefer in scores:
            scores[prefer] += bonus
        return max(scores, key=scores.__getitem__)
