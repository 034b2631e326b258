"""Growing a trained student into a larger one (``train.grow``) keeps its output and can be trained."""

import dataclasses

import pytest

torch = pytest.importorskip("torch")

from sambert_edge.train.grow import grow_state_dict  # noqa: E402
from sambert_edge.train.models.config import SambertConfig  # noqa: E402
from sambert_edge.train.models.sambert import KanTtsSAMBERT  # noqa: E402
from sambert_edge.train.student import STUDENT_SIZES, student_am_config  # noqa: E402

SMALL = SambertConfig.reduced()
GROWTHS = {
    "deeper decoder": {"decoder_num_layers": 4},
    "wider decoder FFN": {"decoder_ffn_inner_dim": 128},
    "deeper postnet": {"postnet_fsmn_num_layers": 4},
    "wider postnet FFN": {"postnet_ffn_inner_dim": 96},
    "all of them (like deep)": {"decoder_num_layers": 4, "decoder_ffn_inner_dim": 128,
                                "postnet_fsmn_num_layers": 3, "postnet_ffn_inner_dim": 64},
}


def _trained_small() -> KanTtsSAMBERT:
    torch.manual_seed(0)
    model = KanTtsSAMBERT(SMALL)
    with torch.no_grad():  # every parameter away from its init, so a zero left in by mistake shows
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def _inputs(length: int = 9):
    g = torch.Generator().manual_seed(1)
    ling = torch.stack([torch.randint(1, n, (1, length), generator=g) for n in (SMALL.sy, SMALL.tone,
                                                                               SMALL.syllable_flag,
                                                                               SMALL.word_segment)], -1)
    return ling, torch.ones(1, length, dtype=torch.long), torch.ones(1, length, dtype=torch.long)


def _durations(length: int) -> torch.Tensor:
    """[1, length] frames per phone, 2 each, summing to a multiple of outputs_per_step."""
    durations = torch.full((1, length), 2.0)
    durations[0, -1] += -int(durations.sum()) % SMALL.outputs_per_step
    return durations


def _autoregressive(model: KanTtsSAMBERT, inputs):
    """Inference path (AR decoder) with fixed durations: an untrained duration predictor may give 0 frames."""
    return model(*inputs, duration_targets=_durations(inputs[0].size(1)))


def _teacher_forced(model: KanTtsSAMBERT, inputs):
    ling = inputs[0]
    durations = _durations(ling.size(1))
    frames = int(durations.sum())
    mel = torch.randn(1, frames, SMALL.num_mels, generator=torch.Generator().manual_seed(2))
    return model(*inputs, output_lengths=torch.tensor([frames]), mel_targets=mel, duration_targets=durations,
                 pitch_targets=torch.zeros(1, ling.size(1)), energy_targets=torch.zeros(1, ling.size(1)))


@pytest.mark.parametrize("growth", GROWTHS.values(), ids=GROWTHS.keys())
def test_grown_model_computes_what_the_small_one_did(growth):
    small = _trained_small()
    big = KanTtsSAMBERT(dataclasses.replace(SMALL, **growth))
    big.load_state_dict(grow_state_dict(small.state_dict(), big))
    big.eval()
    inputs = _inputs()
    with torch.no_grad():
        for run in (lambda m: _autoregressive(m, inputs), lambda m: _teacher_forced(m, inputs)):
            a, b = run(small), run(big)
            assert torch.equal(a.lengths, b.lengths)
            torch.testing.assert_close(b.postnet_outputs, a.postnet_outputs, atol=1e-5, rtol=1e-5)


def test_new_units_receive_gradients_from_the_first_step():
    small = _trained_small()
    big = KanTtsSAMBERT(dataclasses.replace(SMALL, **GROWTHS["all of them (like deep)"]))
    big.load_state_dict(grow_state_dict(small.state_dict(), big))
    out = _teacher_forced(big.train(), _inputs())
    out.postnet_outputs.square().mean().backward()
    params = dict(big.named_parameters())
    new_block = "mel_decoder.mel_dec.pnca.3.pnca_attn.fc_x.weight"
    assert params[new_block].abs().sum() == 0 and params[new_block].grad.abs().sum() > 0
    wide = params["mel_decoder.mel_dec.pnca.0.pos_ffn.w_2.weight"]
    assert wide[:, SMALL.decoder_ffn_inner_dim:].abs().sum() == 0  # new units add nothing yet ...
    assert wide.grad[:, SMALL.decoder_ffn_inner_dim:].abs().sum() > 0  # ... but learn to


@pytest.mark.parametrize("change, message", [
    ({"decoder_num_units": 16}, "does not fit"),  # narrower than the checkpoint
    ({"encoder_num_layers": 3}, "not part of a new residual block"),  # growing the encoder is not supported
    ({"decoder_num_layers": 1}, "tensors the model lacks"),
])
def test_growing_refuses_what_it_cannot_do_exactly(change, message):
    target = KanTtsSAMBERT(dataclasses.replace(SMALL, **change))
    with pytest.raises(ValueError, match=message):
        grow_state_dict(_trained_small().state_dict(), target)


def test_student_sizes_differ_only_in_the_fields_they_name():
    base = dataclasses.asdict(student_am_config("base"))
    for size, fields in STUDENT_SIZES.items():
        changed = {k for k, v in dataclasses.asdict(student_am_config(size)).items() if base[k] != v}
        assert changed == set(fields), size
    with pytest.raises(ValueError, match="unknown student size 'huge'"):
        student_am_config("huge")
