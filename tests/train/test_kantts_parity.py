"""Our SAM-BERT / HiFi-GAN reproduce the KAN-TTS reference outputs (fixtures: tests/fixtures/kantts_parity)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sambert_edge.train.stages import SHARED  # noqa: E402
from sambert_edge.train.models import (  # noqa: E402
    CheckpointKeyError,
    Generator,
    HifiGanConfig,
    KanTtsSAMBERT,
    SambertConfig,
    load_hifigan_checkpoint,
    load_sambert_checkpoint,
)
from sambert_edge.train.models.checkpoint import load_strict  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kantts_parity"
ATOL = 1e-4


@pytest.fixture(autouse=True)
def _single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _params(name: str, section: str) -> dict:
    return json.loads((FIXTURES / f"{name}_config.json").read_text())["Model"][section]["params"]


def _max_diff(ours: "torch.Tensor", ref: np.ndarray) -> float:
    assert tuple(ours.shape) == ref.shape
    return float((ours.detach() - torch.from_numpy(ref)).abs().max())


@pytest.fixture(scope="module")
def sambert() -> KanTtsSAMBERT:
    model = KanTtsSAMBERT(SambertConfig.from_kantts(_params("sambert_reduced", "KanTtsSAMBERT")))
    load_sambert_checkpoint(model, FIXTURES / "sambert_reduced.pth")
    return model.eval()


def _tensors(npz, *names):
    return [torch.from_numpy(npz[n]) for n in names]


def test_sambert_inference_matches_kantts(sambert):
    ref = np.load(FIXTURES / "sambert_reduced_infer.npz")
    ling, emo, spk = _tensors(ref, "inputs_ling", "inputs_emotion", "inputs_speaker")
    with torch.no_grad():
        out = sambert(ling, emo, spk)
    assert out.x_band_width == int(ref["x_band_width"])
    assert out.lengths.tolist() == ref["LR_length_rounded"].tolist()
    assert _max_diff(out.log_duration_predictions, ref["log_duration_predictions"]) <= ATOL
    assert _max_diff(out.pitch_predictions, ref["pitch_predictions"]) <= ATOL
    assert _max_diff(out.energy_predictions, ref["energy_predictions"]) <= ATOL
    assert _max_diff(out.dec_outputs, ref["dec_outputs"]) <= ATOL
    assert _max_diff(out.postnet_outputs, ref["postnet_outputs"]) <= ATOL
    assert _max_diff(out.postnet_outputs[0, : int(out.lengths[0])], ref["postnet_mel"]) <= ATOL


def test_sambert_teacher_forced_matches_kantts(sambert):
    ref = np.load(FIXTURES / "sambert_reduced_train.npz")
    names = ("inputs_ling", "inputs_emotion", "inputs_speaker", "input_lengths", "output_lengths", "mel_targets")
    ling, emo, spk, in_len, out_len, mel = _tensors(ref, *names)
    dur, pitch, energy = _tensors(ref, "duration_targets", "pitch_targets", "energy_targets")
    with torch.no_grad():
        out = sambert(ling, emo, spk, in_len, out_len, mel, dur, pitch, energy)
    assert out.x_band_width == int(ref["x_band_width"])
    for name in ("log_duration_predictions", "pitch_predictions", "energy_predictions"):
        assert _max_diff(getattr(out, name), ref[name]) <= ATOL, name
    assert _max_diff(out.dec_outputs, ref["dec_outputs"]) <= ATOL
    assert _max_diff(out.postnet_outputs, ref["postnet_outputs"]) <= ATOL


def test_decoder_step_loop_equals_parallel_decoder(sambert):
    """The ring-buffer step reproduces the parallel (masked) decoder fed with its own outputs."""
    dec = sambert.mel_decoder
    torch.manual_seed(0)
    memory = torch.randn(1, 9, sambert.config.decoder_memory_dim)
    for band in (0, 1, 3, 20):
        with torch.no_grad():
            looped = dec(memory, band, band)
            frames = looped.view(1, -1, dec.d_mel)
            parallel = dec(memory, band, band, target=frames)
        assert float((looped - parallel).abs().max()) <= 1e-5, band


def test_decoder_fed_its_own_output_converges_to_free_running(sambert):
    """Scheduled sampling at share 1: each gradient-free pass makes one more step equal to the free-running
    decoder's, so enough passes reproduce it exactly; one pass is neither teacher forcing nor free running."""
    dec = sambert.mel_decoder
    torch.manual_seed(1)
    memory = torch.randn(1, 9, sambert.config.decoder_memory_dim)
    target = torch.randn(1, 27, dec.d_mel)
    with torch.no_grad():
        free = dec(memory, 3, 3)
        forced = dec(memory, 3, 3, target=target)
        assert torch.equal(dec(memory, 3, 3, target=target, feedback=0.0), forced)
        converged = dec(memory, 3, 3, target=target, feedback=1.0, feedback_passes=9)
        one_pass = dec(memory, 3, 3, target=target, feedback=1.0, feedback_passes=1)
    assert float((converged - free).abs().max()) <= 1e-5
    assert float((forced - free).abs().max()) > 0.1
    assert float((one_pass - free).abs().max()) > 1e-3 and float((one_pass - forced).abs().max()) > 1e-3
    # step 0 is always fed the go frame; a share in (0, 1) feeds some steps their target and some their own
    with torch.no_grad():
        half = dec(memory, 3, 3, target=target, feedback=0.5, feedback_passes=9)
    assert torch.allclose(half[:, 0], forced[:, 0], atol=1e-6)
    same_as_forced = [torch.allclose(half[:, s], forced[:, s], atol=1e-6) for s in range(1, 9)]
    same_as_free = [torch.allclose(half[:, s], free[:, s], atol=1e-5) for s in range(1, 9)]
    assert not all(same_as_forced) and not all(same_as_free)
    for share, passes in ((1.5, 1), (-0.1, 1), (0.5, 0)):
        with pytest.raises(ValueError, match="feedback"):
            dec(memory, 3, 3, target=target, feedback=share, feedback_passes=passes)


def test_free_running_forward_ignores_the_target_mel_but_keeps_target_prosody(sambert):
    """``free_running``: the decoder runs autoregressively on the target durations (the exposure-bias check)."""
    ref = np.load(FIXTURES / "sambert_reduced_train.npz")
    names = ("inputs_ling", "inputs_emotion", "inputs_speaker", "input_lengths", "output_lengths", "mel_targets")
    names += ("duration_targets", "pitch_targets", "energy_targets")
    args = [t[:1] for t in _tensors(ref, *names)]
    length = int(args[4][0])
    with torch.no_grad():
        free = sambert(*args, free_running=True)
        args[5] = torch.randn_like(args[5])
        free_other_target = sambert(*args, free_running=True)
        forced = sambert(*args)
    assert torch.equal(free.dec_outputs, free_other_target.dec_outputs)
    assert float((free.dec_outputs - forced.dec_outputs)[:, :length].abs().max()) > 1e-3
    assert free.dec_outputs.shape == forced.dec_outputs.shape
    assert torch.equal(free.durations, forced.durations)
    with pytest.raises(ValueError, match="one utterance"):  # the fixture batch holds two
        sambert(*_tensors(ref, *names), free_running=True)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_decoder_step_exports_to_onnx_and_loops_in_onnxruntime(sambert, tmp_path):
    """One decoder step (fixed-size ring-buffer caches) as an ONNX graph, looped in onnxruntime."""
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    dec = sambert.mel_decoder.mel_dec
    d_mel, band = sambert.config.num_mels, 2

    class Step(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dec = dec

        def forward(self, *args):
            return self.dec.decoder_step(*args)

    torch.manual_seed(0)
    memory = torch.randn(1, 7, sambert.config.decoder_memory_dim)
    with torch.no_grad():
        h_k, h_v = dec.memory_kv(memory)
        x_k, x_v = dec.init_x_cache(1, band, memory)
        expected = dec.infer(memory, band, band, d_mel)
    names = ["prev", "memory_step", "h_k", "h_v", "x_k", "x_v", "step", "h_band_width"]
    args = (torch.zeros(1, 1, d_mel), memory[:, :1], h_k, h_v, x_k, x_v, torch.tensor(0), torch.tensor(band))
    path = tmp_path / "step.onnx"
    torch.onnx.export(
        Step().eval(), args, str(path), input_names=names, output_names=["frames", "x_k_out", "x_v_out"],
        dynamic_axes={"h_k": {2: "M"}, "h_v": {2: "M"}}, dynamo=False,
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"prev": np.zeros((1, 1, d_mel), np.float32), "h_k": h_k.numpy(), "h_v": h_v.numpy()}
    feeds.update(x_k=x_k.numpy(), x_v=x_v.numpy(), h_band_width=np.array(band))
    outputs = []
    for step in range(memory.size(1)):
        feeds.update(memory_step=memory[:, step : step + 1].numpy(), step=np.array(step))
        frames, feeds["x_k"], feeds["x_v"] = session.run(None, feeds)
        outputs.append(frames)
        feeds["prev"] = frames[:, :, -d_mel:]
    assert np.abs(np.concatenate(outputs, axis=1) - expected.numpy()).max() <= ATOL


def test_prosody_controls_default_to_noop_and_act(sambert):
    ref = np.load(FIXTURES / "sambert_reduced_infer.npz")
    ling, emo, spk = _tensors(ref, "inputs_ling", "inputs_emotion", "inputs_speaker")
    with torch.no_grad():
        base = sambert(ling, emo, spk, duration_scale=1.0, pitch_shift=0.0, pitch_scale=1.0, energy_scale=1.0)
        slow = sambert(ling, emo, spk, duration_scale=1.5)
        high = sambert(ling, emo, spk, pitch_shift=1.0)
    assert _max_diff(base.postnet_outputs, ref["postnet_outputs"]) <= ATOL
    assert int(slow.lengths[0]) > int(base.lengths[0])
    assert not torch.allclose(high.postnet_outputs, base.postnet_outputs)


def _hifigan(name: str) -> Generator:
    model = Generator(HifiGanConfig.from_kantts(_params(name, "Generator")))
    load_hifigan_checkpoint(model, FIXTURES / f"{name}.pth")
    return model.eval()


@pytest.mark.parametrize("name", ["hifigan16k_causal_reduced", "hifigan16k_noncausal_nsf_reduced"])
def test_hifigan_matches_kantts_with_and_without_weight_norm(name):
    ref = np.load(FIXTURES / f"{name}_io.npz")
    model = _hifigan(name)
    mel = torch.from_numpy(ref["mel"])
    seed = int(ref["rng_seed"])  # the NSF excitation draws phases and noise from torch's RNG
    with torch.no_grad():
        torch.manual_seed(seed)
        assert _max_diff(model(mel), ref["wav"]) <= ATOL
        model.remove_weight_norm()
        assert not any(k.endswith(("weight_g", "weight_v")) for k in model.state_dict())
        torch.manual_seed(seed)
        assert _max_diff(model(mel), ref["wav"]) <= ATOL


def _shape_table(path: Path) -> dict[str, list[int]]:
    table = {}
    for line in path.read_text().splitlines():
        if line.strip():
            key, shape = line.split("\t")
            table[key] = json.loads(shape)
    return table


@pytest.mark.parametrize(
    "build, table",
    [
        (lambda: KanTtsSAMBERT(SambertConfig()), "sambert_state_dict_shapes.txt"),
        (lambda: Generator(HifiGanConfig()), "hifigan16k_state_dict_shapes.txt"),
    ],
)
def test_full_size_state_dict_matches_kantts_layout(build, table):
    if not (SHARED / table).exists():
        pytest.skip(f"{SHARED / table} not available")
    expected = _shape_table(SHARED / table)
    ours = {k: list(v.shape) for k, v in build().state_dict().items()}
    assert ours == expected


def test_full_size_hifigan_hop_and_output_length():
    config = HifiGanConfig()
    assert config.hop_length == 200
    with torch.no_grad():
        wav = Generator(config).eval()(torch.zeros(1, config.in_channels, 3))
    assert wav.shape == (1, 1, 3 * config.hop_length)


def test_nsf_sambert_has_82_mel_outputs():
    model = KanTtsSAMBERT(SambertConfig.from_kantts({"num_mels": 82, "NSF": True}))
    assert model.mel_decoder.mel_dec.dec_out_proj.weight.shape == (82 * 3, 128)
    assert model.mel_postnet.fc.weight.shape == (82, 128)


def test_config_round_trips_kantts_params():
    params = _params("hifigan16k_causal_reduced", "Generator")
    assert HifiGanConfig.from_kantts(params).to_kantts() == params
    am = _params("sambert_reduced", "KanTtsSAMBERT")
    assert SambertConfig.from_kantts(am).to_kantts() == am


def test_loader_names_missing_and_unexpected_keys(sambert):
    state = dict(sambert.state_dict())
    state.pop("emo_tokenizer.weight")
    state["FP_predictor.fc.weight"] = torch.zeros(4, 16)
    state["bogus.weight"] = torch.zeros(1)
    state["spk_tokenizer.weight"] = torch.zeros(5, 8)
    model = KanTtsSAMBERT(sambert.config)
    with pytest.raises(CheckpointKeyError) as err:
        load_strict(model, state)
    message = str(err.value)
    assert "emo_tokenizer.weight" in message and "bogus.weight" in message
    assert "FP_predictor.fc.weight" in message and "spk_tokenizer.weight [5, 8] != [9, 8]" in message
    assert err.value.missing == ["emo_tokenizer.weight"]
    with pytest.raises(CheckpointKeyError) as err:
        load_strict(model, state, optional_prefixes=("FP_predictor.",))
    assert "FP_predictor" not in str(err.value)


def test_loader_accepts_legacy_hifigan_key_names(tmp_path):
    """Sep-2022 ModelScope names: ups.{i}.deconv, repeat_ups.{i}.2.conv1d, resblocks.{k}."""
    model = _hifigan("hifigan16k_causal_reduced")
    legacy = {}
    for key, value in model.state_dict().items():
        key = re.sub(r"^transpose_upsamples\.(\d+)\.1\.", r"ups.\1.", key)
        key = re.sub(r"^repeat_upsamples\.", "repeat_ups.", key)
        legacy[re.sub(r"^conv_blocks\.", "resblocks.", key)] = value
    assert "ups.0.deconv.weight_v" in legacy and "resblocks.11.convs2.3.conv1d.bias" in legacy
    torch.save({"generator": legacy}, tmp_path / "pytorch_model.bin")
    fresh = Generator(model.config)
    load_hifigan_checkpoint(fresh, tmp_path / "pytorch_model.bin")
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)


def test_teacher_forced_training_step_backpropagates(sambert):
    """Training mode (dropout on): every trainable parameter receives a gradient."""
    ref = np.load(FIXTURES / "sambert_reduced_train.npz")
    model = KanTtsSAMBERT(sambert.config)
    model.load_state_dict(sambert.state_dict())
    model.train()
    names = ("inputs_ling", "inputs_emotion", "inputs_speaker", "input_lengths", "output_lengths", "mel_targets")
    names += ("duration_targets", "pitch_targets", "energy_targets")
    out = model(*_tensors(ref, *names))
    mel = torch.from_numpy(ref["mel_targets"])
    loss = (out.postnet_outputs - mel).abs().mean() + (out.dec_outputs - mel).abs().mean()
    loss = loss + out.log_duration_predictions.sum() + out.pitch_predictions.sum() + out.energy_predictions.sum()
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert missing == []


def test_speaker_table_size_comes_from_speaker_list():
    yaml_dict = {
        "Model": {"KanTtsSAMBERT": {"params": {"num_mels": 80}}},
        "linguistic_unit": {"speaker_list": "F7,F74,FBYN,FRXL,M7,xiaoyu"},
    }
    assert SambertConfig.from_kantts_yaml(yaml_dict).speaker == 9
    yaml_dict["linguistic_unit"]["speaker_list"] = "F7"
    assert SambertConfig.from_kantts_yaml(yaml_dict).speaker == 4
    voc = {"Model": {"Generator": {"params": {"channels": 512, "upsample_scales": [8, 5, 3, 2]}}}}
    assert HifiGanConfig.from_kantts_yaml(voc).hop_length == 240
