"""The onnxruntime engine on the tiny fixture voice (tests/fixtures/tiny_voice; no torch needed)."""

import io
import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from sambert_edge import Audio, SynthesisOptions, Synthesizer, VoiceConfig
from sambert_edge.acoustic import regulate_lengths
from sambert_edge.voice import VoiceError

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"
TEXT = "你好，世界。今天天气很好！我们去公园吧。"
SYMBOLS = (
    "{n_c$tone3$s_begin$word_begin$emotion_neutral$F7} {i_c$tone3$s_end$word_end$emotion_neutral$F7} "
    "{#1$tone_none$s_none$word_none$emotion_none$F7} {h_c$tone3$s_begin$word_begin$emotion_neutral$F7} "
    "{ao_c$tone3$s_end$word_end$emotion_neutral$F7} {#4$tone_none$s_none$word_none$emotion_none$F7}"
)


@pytest.fixture(scope="module")
def synth(frontend):
    return Synthesizer.load(TINY_VOICE, threads=1, frontend=frontend)


def test_tiny_voice_is_small_and_round_trips_voice_json():
    size = sum(p.stat().st_size for p in TINY_VOICE.iterdir())
    assert size < 1_000_000
    data = json.loads((TINY_VOICE / "voice.json").read_text())
    assert VoiceConfig.from_dict(data).to_dict() == data


def test_voice_json_of_another_contract_version_is_refused():
    data = json.loads((TINY_VOICE / "voice.json").read_text())
    with pytest.raises(VoiceError, match="contract version"):
        VoiceConfig.from_dict({**data, "contract_version": 999})
    with pytest.raises(VoiceError, match="unknown emotions"):
        VoiceConfig.from_dict({**data, "emotions": ["neutral", "grumpy"]})


def test_synthesize_text_gives_float_audio_and_mel(synth):
    audio = synth.synthesize(TEXT)
    voice = synth.voice
    assert audio.sample_rate == voice.sample_rate
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.mel.shape[1] == voice.num_mels and len(audio.mel) > 0
    assert np.abs(audio.samples).max() <= 1.0
    assert audio.duration > 0


def test_stream_yields_one_audio_per_sentence_and_synthesize_joins_them(synth, frontend):
    parts = list(synth.stream(TEXT))
    assert len(parts) == len(frontend.analyze(TEXT).sentences) >= 2
    for part in parts:
        assert len(part.samples) == len(part.mel) * synth.voice.hop_length
    joined = synth.synthesize(TEXT)
    gap = int(round(synth.voice.sentence_silence_s * synth.voice.sample_rate))
    assert len(joined.samples) == sum(len(p.samples) for p in parts) + gap * (len(parts) - 1)
    np.testing.assert_array_equal(joined.samples[: len(parts[0].samples)], parts[0].samples)


def test_speed_changes_length_monotonically(synth):
    lengths = [len(synth.synthesize_symbols(SYMBOLS, speed=s).samples) for s in (0.5, 1.0, 2.0)]
    assert lengths[0] > lengths[1] > lengths[2] > 0


def test_pitch_energy_and_speaker_change_the_mel(synth):
    base = synth.synthesize_symbols(SYMBOLS).mel
    for kwargs in ({"pitch": 1.0}, {"energy": 2.0}, {"speaker": "M7"}):
        other = synth.synthesize_symbols(SYMBOLS, **kwargs).mel
        assert other.shape != base.shape or not np.allclose(other, base), kwargs


def test_intensity_zero_is_neutral_and_one_is_the_emotion(synth):
    neutral = synth.synthesize_symbols(SYMBOLS, emotion="neutral").mel
    happy = synth.synthesize_symbols(SYMBOLS, emotion="happy").mel
    happy_off = synth.synthesize_symbols(SYMBOLS, emotion="happy", intensity=0.0).mel
    assert happy.shape != neutral.shape or not np.allclose(happy, neutral)
    np.testing.assert_allclose(happy_off, neutral, atol=1e-5)


def test_symbols_keep_their_emotion_unless_one_is_given(synth):
    happy_symbols = SYMBOLS.replace("emotion_neutral", "emotion_happy")
    as_written = synth.synthesize_symbols(happy_symbols).mel
    rewritten = synth.synthesize_symbols(SYMBOLS, emotion="happy").mel
    np.testing.assert_array_equal(as_written, rewritten)


def test_unknown_emotion_and_speaker_name_the_valid_ones(synth):
    with pytest.raises(ValueError, match="neutral, happy, angry, sad"):
        synth.synthesize(TEXT, emotion="fear")
    with pytest.raises(ValueError, match="F7, M7"):
        synth.synthesize_symbols(SYMBOLS, speaker="X1")
    with pytest.raises(ValueError, match="speed"):
        synth.synthesize_symbols(SYMBOLS, speed=0.0)
    with pytest.raises(ValueError, match="unknown phone"):
        synth.synthesize_symbols("{zz$tone1$s_begin$word_begin$emotion_neutral$F7}")


def test_options_default_to_the_voice():
    assert SynthesisOptions().emotion is None and SynthesisOptions().speaker is None


def test_wav_bytes_are_16_bit_mono_pcm(synth):
    audio = synth.synthesize_symbols(SYMBOLS)
    with wave.open(io.BytesIO(audio.to_wav_bytes())) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, synth.voice.sample_rate)
        assert wav.getnframes() == len(audio.samples)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    np.testing.assert_array_equal(pcm, audio.to_pcm16())


def test_pcm_conversion_clips_instead_of_wrapping():
    audio = Audio(np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0], np.float32), 16000)
    assert audio.to_pcm16().tolist() == [-32767, -32767, 0, 16384, 32767, 32767]


def test_length_regulator_rounds_half_up_like_kantts():
    index = regulate_lengths(np.array([0.4, 0.5, 2.49, 2.5], np.float32), r=3)
    assert index.frames == 6  # repeats 0, 1, 2, 3
    assert index.phone.tolist() == [1, 2, 2, 3, 3, 3]
    assert index.position.tolist() == [1, 1, 2, 1, 2, 3]
    assert index.valid.tolist() == [1] * 6
    assert index.band_width == 1  # int(2.5 / 3 + 0.5)
    padded = regulate_lengths(np.array([1.0, 3.6], np.float32), r=3)
    assert padded.frames == 5 and padded.phone.tolist() == [0, 1, 1, 1, 1, 0]
    assert padded.valid.tolist() == [1, 1, 1, 1, 1, 0] and padded.position.tolist() == [1, 1, 2, 3, 4, 0]


NO_TORCH = f"""
import sys
from sambert_edge import Synthesizer
synth = Synthesizer.load({str(TINY_VOICE)!r})
audio = synth.synthesize("你好。")
assert audio.duration > 0
heavy = sorted(m for m in sys.modules if m.split(".")[0] == "torch" or m.startswith("sambert_edge.train"))
print("HEAVY:" + ",".join(heavy))
"""


def test_synthesis_runs_without_torch():
    result = subprocess.run([sys.executable, "-c", NO_TORCH], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    line = [x for x in result.stdout.splitlines() if x.startswith("HEAVY:")][0]
    assert line == "HEAVY:", f"synthesis pulled in: {line}"


def test_stream_checks_options_at_the_call_not_at_the_first_chunk(synth):
    with pytest.raises(ValueError, match="unknown emotion"):
        synth.stream(TEXT, emotion="fear")


def test_voice_folder_missing_a_graph_is_a_clear_error(tmp_path):
    for item in TINY_VOICE.iterdir():
        if item.name != "vocoder.onnx":
            (tmp_path / item.name).write_bytes(item.read_bytes())
    with pytest.raises(VoiceError, match="lacks vocoder.onnx"):
        Synthesizer.load(tmp_path)
