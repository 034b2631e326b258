"""NSF Sambert-HifiGan voices: a reduced random NSF ModelScope directory converts, speaks, and its
ONNX vocoder matches the torch ``Generator``; f0 de-normalization and uv binarization follow
ModelScope ``voice.py`` (``denorm_f0``, ``binarize``)."""

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sambert_edge import nsf
from sambert_edge.voice import VoiceConfig, VoiceError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY_VOICE = FIXTURES / "tiny_voice"
SYMBOLS = (
    "{n_c$tone3$s_begin$word_begin$emotion_neutral$F7} {i_c$tone3$s_end$word_end$emotion_neutral$F7} "
    "{#1$tone_none$s_none$word_none$emotion_none$F7} {h_c$tone3$s_begin$word_begin$emotion_happy$F7} "
    "{ao_c$tone3$s_end$word_end$emotion_happy$F7} {#4$tone_none$s_none$word_none$emotion_none$F7}"
)


# --- f0 / uv (numpy only) -----------------------------------------------------------------------
def test_mvn_denorm_matches_hand_computed_values():
    spec = nsf.mvn_f0_denorm(np.array([[220.0], [60.0]]))
    assert spec == {"kind": "mvn", "mean": 220.0, "std": 60.0, "floor": 30.0}
    # f0 * std + mean, then below 30 Hz -> 30: -4 * 60 + 220 = -20 -> 30
    got = nsf.denorm_f0(np.array([-1.0, 0.0, 0.5, -4.0, -3.0], np.float32), spec)
    np.testing.assert_allclose(got, [160.0, 220.0, 250.0, 30.0, 40.0], rtol=0, atol=1e-4)
    assert got.dtype == np.float32
    assert nsf.mvn_f0_denorm(np.array([100.0, 20.0]))["mean"] == 100.0  # shape [2] too


def test_minmax_denorm_matches_hand_computed_values():
    spec = nsf.minmax_f0_denorm()
    assert spec == {"kind": "minmax", "min": 30.0, "max": 730.0, "floor": 30.0}
    # f0 * (max - min) + min = f0 * 700 + 30, floored at 30
    got = nsf.denorm_f0(np.array([0.0, 0.5, 1.0, -0.1, 0.1], np.float32), spec)
    np.testing.assert_allclose(got, [30.0, 380.0, 730.0, 30.0, 100.0], rtol=0, atol=1e-4)
    custom = nsf.kantts_f0_denorm({"nsf_norm_type": "global", "nsf_f0_global_minimum": 50,
                                   "nsf_f0_global_maximum": 450})
    np.testing.assert_allclose(nsf.denorm_f0(np.array([0.25], np.float32), custom), [150.0], atol=1e-4)


def test_uv_binarizes_at_0_6():
    got = nsf.binarize_uv(np.array([0.59, 0.6, 0.61, -1.0, 2.0, 0.0], np.float32))
    np.testing.assert_array_equal(got, [0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(nsf.binarize_uv(np.array([0.3, 0.5]), 0.4), [0.0, 1.0])


def test_split_acoustic_and_vocoder_input():
    frames = np.zeros((3, 82), np.float32)
    frames[:, :80] = np.arange(3)[:, None]
    frames[:, 80] = [-1.0, 0.0, 1.0]
    frames[:, 81] = [0.1, 0.7, 0.6]
    spec = {"kind": "mvn", "mean": 200.0, "std": 50.0, "floor": 30.0}
    mel, f0, uv = nsf.split_acoustic(frames, spec)
    assert mel.shape == (3, 80) and np.array_equal(mel, frames[:, :80])
    np.testing.assert_allclose(f0, [150.0, 200.0, 250.0])
    np.testing.assert_array_equal(uv, [0.0, 1.0, 1.0])  # f0 is not zeroed where unvoiced
    joined = nsf.vocoder_input(mel, f0, np.array([0.2, 0.9, 1.0]))
    assert joined.shape == (3, 82)
    np.testing.assert_array_equal(joined[:, 81], [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="frame counts differ"):
        nsf.vocoder_input(mel, f0[:2], uv)


def test_f0_statistics_are_checked():
    with pytest.raises(ValueError, match="shape"):
        nsf.mvn_f0_denorm(np.zeros((2, 82)))
    with pytest.raises(ValueError, match="std must be > 0"):
        nsf.mvn_f0_denorm(np.array([[200.0], [0.0]]))
    with pytest.raises(FileNotFoundError, match="mvn.npy"):
        nsf.kantts_f0_denorm({"NSF": True}, Path("/nonexistent/am/mvn.npy"))


# --- voice.json -----------------------------------------------------------------------------------
def _nsf_dict(**changes) -> dict:
    data = json.loads((TINY_VOICE / "voice.json").read_text())
    data.update(num_mels=82, nsf=True, f0_denorm={"kind": "minmax", "min": 30, "max": 730}, uv_threshold=0.6)
    data.update(changes)
    return data


def test_non_nsf_voice_json_without_the_new_keys_still_loads(tmp_path):
    data = json.loads((TINY_VOICE / "voice.json").read_text())
    assert "f0_denorm" not in data and "uv_threshold" not in data
    voice = VoiceConfig.from_dict(data)
    assert not voice.nsf and voice.f0_denorm is None and voice.mel_bins == voice.num_mels
    voice.save(tmp_path)  # and saving keeps the old key set
    assert set(json.loads((tmp_path / "voice.json").read_text())) == set(data)


def test_nsf_voice_json_is_validated():
    voice = VoiceConfig.from_dict(_nsf_dict())
    assert voice.f0_denorm == {"kind": "minmax", "min": 30.0, "max": 730.0, "floor": 30.0}
    assert voice.mel_bins == 80 and voice.uv_threshold == 0.6
    assert VoiceConfig.from_dict(voice.to_dict()) == voice
    bad = [
        (dict(f0_denorm=None), "needs f0_denorm"),
        (dict(f0_denorm={"kind": "log"}), "kind must be one of mvn, minmax"),
        (dict(f0_denorm={"kind": "mvn", "mean": 200.0}), "std must be a finite number"),
        (dict(f0_denorm={"kind": "mvn", "mean": 200.0, "std": -1.0}), "std must be > 0"),
        (dict(f0_denorm={"kind": "minmax", "min": 730, "max": 30}), "min < max"),
        (dict(f0_denorm={"kind": "minmax", "min": 30, "max": 730, "mean": 1}), "unknown keys"),
        (dict(uv_threshold=0.0), "uv_threshold"),
        (dict(uv_threshold="0.6"), "uv_threshold"),
        (dict(num_mels=2), "num_mels 2 is too small"),
        (dict(nsf=False), "f0_denorm is only for NSF voices"),
    ]
    for changes, message in bad:
        with pytest.raises(VoiceError, match=message):
            VoiceConfig.from_dict(_nsf_dict(**changes))


# --- conversion (torch) ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch_mod():
    torch = pytest.importorskip("torch")
    pytest.importorskip("yaml")
    pytest.importorskip("onnx")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def nsf_voice(torch_mod, tmp_path_factory):
    """(model_dir, voice_dir, ConvertResult) for a reduced random NSF voice (nsf_norm_type mean_std)."""
    from sambert_edge.train.convert import convert_modelscope
    from sambert_edge.train.random_modelscope import random_modelscope

    root = random_modelscope(tmp_path_factory.mktemp("nsf_model"), voice="zhitian_emo", reduced=True, nsf=True)
    out = tmp_path_factory.mktemp("nsf_converted") / "voice"
    return root, out, convert_modelscope(root, out)


def test_random_nsf_model_dir_has_the_nsf_layout(nsf_voice):
    import yaml

    root, _, _ = nsf_voice
    vdir = root / "voices" / "zhitian_emo"
    am = yaml.safe_load((vdir / "am" / "config.yaml").read_text())["Model"]["KanTtsSAMBERT"]["params"]
    voc = yaml.safe_load((vdir / "voc" / "config.yaml").read_text())["Model"]["Generator"]["params"]
    assert am["NSF"] is True and am["num_mels"] == 82 and am["nsf_norm_type"] == "mean_std"
    assert voc["nsf_params"]["nb_harmonics"] == 7 and voc["causal"] is False and voc["in_channels"] == 80
    assert np.load(vdir / "am" / "mvn.npy").tolist() == [[220.0], [60.0]]


def test_nsf_voice_converts_with_f0_statistics_from_mvn(nsf_voice):
    _, out, result = nsf_voice
    voice = VoiceConfig.load(out)
    assert voice == result.config
    assert voice.nsf and voice.num_mels == 82 and voice.mel_bins == 80 and voice.hop_length == 200
    assert voice.f0_denorm == {"kind": "mvn", "mean": 220.0, "std": 60.0, "floor": 30.0}
    assert voice.uv_threshold == 0.6 and voice.contract_version == 1


def test_nsf_voice_speaks_text(nsf_voice, frontend):
    from sambert_edge.engine import Synthesizer

    _, out, _ = nsf_voice
    synth = Synthesizer.load(out, frontend=frontend)
    parts = list(synth.stream("你好。今天天气很好。"))
    assert len(parts) == 2
    for part in parts:
        frames = len(part.mel)
        assert frames > 0 and part.mel.shape[1] == 80
        assert len(part.samples) == frames * synth.voice.hop_length
        assert np.isfinite(part.samples).all() and np.abs(part.samples).max() <= 1.0
        assert part.f0.shape == part.uv.shape == (frames,)
        assert part.f0.min() >= 30.0 and set(np.unique(part.uv)) <= {0.0, 1.0}
    audio = synth.synthesize("你好。今天天气很好。")
    assert len(audio.f0) == len(audio.mel) == sum(len(p.mel) for p in parts)
    again = synth.synthesize("你好。今天天气很好。")
    assert np.array_equal(audio.samples, again.samples)  # the source module's draws are seeded


def test_nsf_vocode_takes_acoustic_frames_or_mel_f0_uv(nsf_voice):
    from sambert_edge.engine import Synthesizer

    _, out, _ = nsf_voice
    synth = Synthesizer.load(out)
    ids = synth.encode_symbols(SYMBOLS)
    raw = synth.acoustic.mel(ids, speed=1.0, pitch=0.0, energy=1.0, intensity=1.0)
    assert raw.shape[1] == 82
    mel, f0, uv = nsf.split_acoustic(raw, synth.voice.f0_denorm, synth.voice.uv_threshold)
    from_raw = synth.vocode(raw)
    assert np.array_equal(from_raw, synth.vocode(mel, f0, uv))
    assert np.array_equal(from_raw, synth.synthesize_symbols(SYMBOLS).samples)
    with pytest.raises(ValueError, match="NSF voice"):
        synth.vocode(mel)


def test_onnx_nsf_vocoder_matches_torch_generator(nsf_voice, torch_mod):
    import onnxruntime as ort
    from torch.distributions.normal import Normal
    from torch.distributions.uniform import Uniform

    from sambert_edge import contract as C
    from sambert_edge.train.models import Generator, HifiGanConfig, load_hifigan_checkpoint

    torch = torch_mod
    root, out, _ = nsf_voice
    vdir = root / "voices" / "zhitian_emo" / "voc"
    import yaml

    generator = Generator(HifiGanConfig.from_kantts_yaml(yaml.safe_load((vdir / "config.yaml").read_text())))
    load_hifigan_checkpoint(generator, vdir / "ckpt" / "checkpoint_0.pth")
    generator.eval()
    frames, hop = 24, generator.config.hop_length
    rng = np.random.default_rng(5)
    x = np.zeros((1, 82, frames), np.float32)
    x[0, :80] = rng.standard_normal((80, frames))
    x[0, 80] = np.linspace(90.0, 320.0, frames)  # f0 in Hz
    x[0, 81] = (np.arange(frames) % 7 < 4).astype(np.float32)  # voiced / unvoiced runs
    params = generator.config.nsf_params
    waves = params.nb_harmonics + 1
    with torch.no_grad():
        torch.manual_seed(11)
        wav_torch = generator(torch.from_numpy(x)).numpy()  # KAN-TTS: draws from torch's RNG
        torch.manual_seed(11)  # the same draws, in the same order, handed to the graph
        phase = Uniform(low=-math.pi, high=math.pi).sample((1, waves, 1))
        noise = Normal(loc=0.0, scale=params.sigma).sample((1, waves, frames * hop)) / params.sigma
    session = ort.InferenceSession(str(out / "vocoder.onnx"), providers=["CPUExecutionProvider"])
    (wav_onnx,) = session.run(None, {C.VOC_MEL: x, C.VOC_NSF_PHASE: phase.numpy(), C.VOC_NSF_NOISE: noise.numpy()})
    assert wav_onnx.shape == wav_torch.shape == (1, 1, frames * hop)
    assert np.abs(wav_onnx - wav_torch).max() <= 1e-3
    assert np.abs(wav_torch).max() > 1e-3  # not trivially silent


def test_global_norm_nsf_voice_converts_with_min_max(torch_mod, tmp_path):
    from sambert_edge.train.convert import convert_modelscope
    from sambert_edge.train.random_modelscope import random_modelscope

    root = random_modelscope(tmp_path / "model", reduced=True, nsf=True, nsf_norm_type="global", seed=3)
    assert not (root / "voices" / "zhitian_emo" / "am" / "mvn.npy").exists()
    result = convert_modelscope(root, tmp_path / "voice")
    assert result.config.f0_denorm == {"kind": "minmax", "min": 30.0, "max": 730.0, "floor": 30.0}


def test_nsf_voice_without_mvn_or_with_int8_is_refused(nsf_voice, tmp_path):
    from sambert_edge.train.convert import ConvertError, convert_modelscope, find_voice

    root, _, _ = nsf_voice
    with pytest.raises(ConvertError, match="--precision int8 is not supported for NSF"):
        convert_modelscope(root, tmp_path / "int8", precision="int8")
    copy = tmp_path / "model"
    shutil.copytree(root, copy)
    (copy / "voices" / "zhitian_emo" / "am" / "mvn.npy").unlink()
    with pytest.raises(ConvertError, match=r"needs its f0 statistics: missing .*am/mvn.npy"):
        find_voice(copy)


def test_say_saves_mel_and_f0uv_for_nsf_voices(nsf_voice, tmp_path):
    from sambert_edge.cli import main

    _, out, _ = nsf_voice
    wav, mel = tmp_path / "out.wav", tmp_path / "mel.npy"
    assert main(["say", "--symbols", SYMBOLS, "--voice", str(out), "-o", str(wav), "--save-mel", str(mel)]) == 0
    saved = np.load(mel)
    f0uv = np.load(tmp_path / "mel.f0uv.npy")
    assert saved.shape[1] == 80 and f0uv.shape == (len(saved), 2)
    assert f0uv[:, 0].min() >= 30.0 and set(np.unique(f0uv[:, 1])) <= {0.0, 1.0}


def test_random_modelscope_stage_writes_nsf_directories(torch_mod, tmp_path):
    from sambert_edge.train.__main__ import main as train_main
    from sambert_edge.train.convert import find_voice

    root = tmp_path / "model"
    assert train_main(["random-modelscope", str(root), "--reduced", "--nsf", "--nsf-norm-type", "global"]) == 0
    assert find_voice(root).f0_denorm == {"kind": "minmax", "min": 30.0, "max": 730.0, "floor": 30.0}
