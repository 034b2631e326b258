"""Grow a trained student into a larger one without changing what it computes.

Training a wider or deeper acoustic model from scratch costs many CPU sessions; growing a trained
one keeps everything it has learnt and gives the optimiser room to improve on it (the idea of
Net2Net, Chen et al. 2016, done with zeros). Every block of the SAM-BERT decoder and of the FSMN
postnet is residual, ``x + branch(x)``, so:

* a block the small model lacks (a new decoder or FSMN layer) is added with the output
  projections of its branches zeroed (``fc_x``, ``fc_h``, ``pos_ffn.w_2``, ``ffn_lst.N.w_2``):
  the block starts as the identity;
* a wider hidden layer (a larger FFN inner size) keeps the trained units and adds new ones whose
  outgoing weights are zero: they compute something but contribute nothing until trained.

Both keep the fresh random initialisation on the input side of the new units, so gradients reach
them from the first step. The rule for a tensor that exists in both models: copy the small
tensor into the leading corner, leave fresh values where only the output dimension (dim 0) grew,
and zero every entry that reads a new input (dims >= 1 beyond the small size).
"""

from __future__ import annotations

import re

import torch
from torch import nn

RESIDUAL_OUTPUTS = re.compile(
    r"(\.fc_x\.|\.fc_h\.|\.pos_ffn\.w_2\.|\.ffn_lst\.\d+\.w_2\.)(weight|bias)$"
)
"""Parameters that project a residual branch back onto its block's input: zero in a new block."""


def grow_state_dict(small: dict[str, torch.Tensor], model: nn.Module) -> dict[str, torch.Tensor]:
    """The state dict for ``model`` (the larger student) that computes what ``small`` computes.

    ``model``'s own (freshly initialised) values fill everything ``small`` does not have. Raises
    ValueError if ``small`` holds a tensor ``model`` lacks or one larger than ``model``'s, or if a
    tensor ``small`` lacks is not part of a residual block.
    """
    fresh = model.state_dict()
    extra = sorted(set(small) - set(fresh))
    if extra:
        raise ValueError(f"the checkpoint has tensors the model lacks (not a smaller student?): {extra[:5]}")
    grown: dict[str, torch.Tensor] = {}
    for key, init in fresh.items():
        if key not in small:
            if not _in_new_block(key, small):
                raise ValueError(f"{key} is new but not part of a new residual block; cannot grow into it")
            grown[key] = torch.zeros_like(init) if RESIDUAL_OUTPUTS.search(key) else init.clone()
            continue
        old = small[key].to(init.dtype)
        if old.dim() != init.dim() or any(o > n for o, n in zip(old.shape, init.shape)):
            raise ValueError(f"{key}: checkpoint shape {tuple(old.shape)} does not fit {tuple(init.shape)}")
        grown[key] = _embed(old, init)
    return grown


def _embed(old: torch.Tensor, init: torch.Tensor) -> torch.Tensor:
    """``old`` in the leading corner of ``init``; entries reading new inputs (dims >= 1) zeroed."""
    if old.shape == init.shape:
        return old.clone()
    out = init.clone()
    for dim in range(1, init.dim()):
        if init.shape[dim] > old.shape[dim]:
            out.narrow(dim, old.shape[dim], init.shape[dim] - old.shape[dim]).zero_()
    out[tuple(slice(0, n) for n in old.shape)] = old
    return out


def _in_new_block(key: str, small: dict[str, torch.Tensor]) -> bool:
    """True if ``key`` lies in a numbered layer (``...pnca.5.``, ``...ffn_lst.3.``) that ``small`` lacks."""
    match = re.match(r"(.*\.(?:pnca|ffn_lst|memory_block_lst)\.\d+\.)", key)
    return bool(match) and not any(k.startswith(match.group(1)) for k in small)
