"""Export to a voice folder and run it in the onnxruntime engine: same mel as the torch model."""

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from sambert_edge.acoustic import EncodedSentence  # noqa: E402
from sambert_edge.engine import Synthesizer  # noqa: E402
from sambert_edge.train.export import check_parity, export_voice, torch_mel  # noqa: E402
from sambert_edge.train.models import (  # noqa: E402
    Generator,
    HifiGanConfig,
    KanTtsSAMBERT,
    SambertConfig,
    load_hifigan_checkpoint,
    load_sambert_checkpoint,
)
from sambert_edge.voice import VoiceConfig  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PARITY = FIXTURES / "kantts_parity"
TINY_VOICE = FIXTURES / "tiny_voice"
MEL_ATOL = 1e-3
SYMBOLS = (
    "{n_c$tone3$s_begin$word_begin$emotion_neutral$F7} {i_c$tone3$s_end$word_end$emotion_neutral$F7} "
    "{#1$tone_none$s_none$word_none$emotion_none$F7} {h_c$tone3$s_begin$word_begin$emotion_happy$F7} "
    "{ao_c$tone3$s_end$word_end$emotion_happy$F7} {#2$tone_none$s_none$word_none$emotion_none$F7} "
    "{sh_c$tone4$s_begin$word_begin$emotion_happy$F7} {ih_c$tone4$s_end$word_end$emotion_happy$F7} "
    "{#4$tone_none$s_none$word_none$emotion_none$F7}"
)


@pytest.fixture(autouse=True)
def _single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _params(name: str, section: str) -> dict:
    return json.loads((PARITY / f"{name}_config.json").read_text())["Model"][section]["params"]


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    """The KAN-TTS parity fixture models, exported once: (sambert, generator, voice_dir)."""
    torch.set_num_threads(1)
    model = KanTtsSAMBERT(SambertConfig.from_kantts(_params("sambert_reduced", "KanTtsSAMBERT")))
    load_sambert_checkpoint(model, PARITY / "sambert_reduced.pth")
    generator = Generator(HifiGanConfig.from_kantts(_params("hifigan16k_causal_reduced", "Generator")))
    load_hifigan_checkpoint(generator, PARITY / "hifigan16k_causal_reduced.pth")
    out = tmp_path_factory.mktemp("reduced_voice")
    export_voice(model.eval(), generator.eval(), out, name="reduced", speakers=("F7", "M7"),
                 emotions=("neutral", "happy", "sad"), sample_rate=16000)
    return model, generator, out


@pytest.mark.parametrize("knobs", [{}, {"speed": 0.5}, {"speed": 2.0, "pitch": 0.7, "energy": 1.3}])
def test_engine_mel_matches_torch_inference(reduced, knobs):
    model, _, voice_dir = reduced
    assert check_parity(model, voice_dir, SYMBOLS, atol=MEL_ATOL, **knobs) <= MEL_ATOL


def test_engine_reproduces_the_kantts_reference_mel(reduced):
    """The exported graphs + numpy loops give KAN-TTS's own output (sambert_reduced_infer.npz)."""
    _, _, voice_dir = reduced
    ref = np.load(PARITY / "sambert_reduced_infer.npz")
    emotion = ref["inputs_emotion"][0]
    ids = EncodedSentence(ref["inputs_ling"][0], emotion, emotion, ref["inputs_speaker"][0])
    mel = Synthesizer.load(voice_dir).acoustic.mel(ids, speed=1.0, pitch=0.0, energy=1.0, intensity=1.0)
    assert mel.shape == ref["postnet_mel"].shape
    assert float(np.abs(mel - ref["postnet_mel"]).max()) <= MEL_ATOL


def test_engine_speaker_and_emotion_ids_match_torch(reduced):
    model, _, voice_dir = reduced
    synth = Synthesizer.load(voice_dir)
    ids = synth.encode_symbols(SYMBOLS, emotion="sad", speaker="M7")
    assert set(ids.speaker.tolist()) == {1}
    mel = synth.acoustic.mel(ids, speed=1.0, pitch=0.0, energy=1.0, intensity=1.0)
    expected = torch_mel(model, ids.ling, ids.emotion, ids.speaker)
    assert mel.shape == expected.shape and float(np.abs(mel - expected).max()) <= MEL_ATOL


def test_vocoder_graph_matches_torch_generator(reduced):
    _, generator, voice_dir = reduced
    synth = Synthesizer.load(voice_dir)
    mel = np.random.default_rng(0).standard_normal((23, synth.voice.num_mels)).astype(np.float32)
    with torch.no_grad():
        expected = generator.eval()(torch.from_numpy(mel.T[None]))[0, 0].numpy()
    wav = synth.vocode(mel)
    assert wav.shape == (23 * synth.voice.hop_length,) == expected.shape
    assert float(np.abs(wav - expected).max()) <= 1e-4
    ref = np.load(PARITY / "hifigan16k_causal_reduced_io.npz")  # KAN-TTS's own output
    wav = synth.vocode(ref["mel"][0].T)
    assert float(np.abs(wav - ref["wav"].reshape(-1)).max()) <= 1e-4


def test_voice_json_describes_the_models(reduced):
    model, generator, voice_dir = reduced
    voice = VoiceConfig.load(voice_dir)
    assert voice.hop_length == generator.config.hop_length
    assert voice.num_mels == model.config.num_mels
    assert voice.outputs_per_step == model.config.outputs_per_step
    assert voice.max_phones == model.config.max_len
    assert len(voice.model_version) == 16


def test_tiny_fixture_voice_matches_its_generator_script():
    """tests/fixtures/tiny_voice holds the graphs of make_tiny_voice.tiny_models() (regenerate if this fails)."""
    sys.path.insert(0, str(FIXTURES))
    try:
        from make_tiny_voice import tiny_models
    finally:
        sys.path.remove(str(FIXTURES))
    model, _ = tiny_models()
    assert check_parity(model, TINY_VOICE, SYMBOLS, atol=MEL_ATOL) <= MEL_ATOL


def test_nsf_vocoder_exports_with_phase_and_noise_inputs(tmp_path):
    """Parity of the NSF vocoder graph with torch: tests/train/test_convert_nsf.py."""
    import onnxruntime as ort

    from sambert_edge import contract as C
    from sambert_edge.train.export import export_vocoder

    export_vocoder(Generator(replace(HifiGanConfig.noncausal_nsf_16k(), channels=16)), tmp_path / "v.onnx")
    inputs = {i.name: i.shape for i in ort.InferenceSession(str(tmp_path / "v.onnx")).get_inputs()}
    assert inputs == {C.VOC_MEL: [1, 82, "F"], C.VOC_NSF_PHASE: [1, 8, 1], C.VOC_NSF_NOISE: [1, 8, "S"]}


def test_kantts_checkpoints_convert_to_a_voice_that_reproduces_kantts(tmp_path):
    from sambert_edge.train.export import main

    out = tmp_path / "voice"
    rc = main([str(PARITY / "sambert_reduced_config.json"), str(PARITY / "sambert_reduced.pth"),
               str(PARITY / "hifigan16k_causal_reduced_config.json"), str(PARITY / "hifigan16k_causal_reduced.pth"),
               str(out), "--name", "converted", "--speakers", "F7", "--emotions", "neutral,happy"])
    assert rc == 0
    voice = VoiceConfig.load(out)
    assert voice.speakers == ("F7",) and voice.emotions == ("neutral", "happy")
    ref = np.load(PARITY / "sambert_reduced_infer.npz")
    emotion = ref["inputs_emotion"][0]
    ids = EncodedSentence(ref["inputs_ling"][0], emotion, emotion, ref["inputs_speaker"][0])
    mel = Synthesizer.load(out).acoustic.mel(ids, speed=1.0, pitch=0.0, energy=1.0, intensity=1.0)
    assert float(np.abs(mel - ref["postnet_mel"]).max()) <= MEL_ATOL


def test_conversion_without_a_speaker_list_says_what_to_pass(tmp_path, capsys):
    from sambert_edge.train.export import main

    rc = main([str(PARITY / "sambert_reduced_config.json"), str(PARITY / "sambert_reduced.pth"),
               str(PARITY / "hifigan16k_causal_reduced_config.json"), str(PARITY / "hifigan16k_causal_reduced.pth"),
               str(tmp_path / "voice"), "--name", "x"])
    assert rc == 1 and "speaker_list" in capsys.readouterr().err
