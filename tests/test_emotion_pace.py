"""``voice.json`` ``emotion_pace``: an emotion read no faster than a factor of its neutral reading."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from sambert_edge import Synthesizer, VoiceConfig
from sambert_edge.acoustic import pace_floor
from sambert_edge.voice import VoiceError

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"
SYMBOLS = (
    "{n_c$tone3$s_begin$word_begin$emotion_neutral$F7} {i_c$tone3$s_end$word_end$emotion_neutral$F7} "
    "{#1$tone_none$s_none$word_none$emotion_none$F7} {h_c$tone3$s_begin$word_begin$emotion_neutral$F7} "
    "{ao_c$tone3$s_end$word_end$emotion_neutral$F7} {#4$tone_none$s_none$word_none$emotion_none$F7}"
)

F = np.float32
PHONES = np.array([True, True, False, True])


@pytest.mark.parametrize("durations, neutral, factors, expected", [
    # faster than 0.9 x neutral (sum 8 < 9): scaled up to exactly 9
    ([2, 2, 2, 2], [3, 3, 1, 3], [0.9] * 4, [2.25, 2.25, 2.25, 2.25]),
    # already slower than the floor: untouched, never shortened
    ([4, 4, 2, 4], [3, 3, 1, 3], [0.9] * 4, [4, 4, 2, 4]),
    # exactly at the floor: untouched
    ([3, 3, 0, 3], [3, 3, 1, 2], [0.9] * 4, [3, 3, 0, 3]),
    # a boundary unit's factor does not count (only phones, weighted by neutral length)
    ([1, 1, 1, 1], [1, 1, 1, 1], [1.0, 1.0, 9.0, 1.0], [1, 1, 1, 1]),
    # mixed emotions: phone factors weighted by neutral length, (3*1 + 1*2) / 4 = 1.25 -> floor 1.25 * 6
    ([1, 1, 1, 1], [3, 0, 2, 1], [1.0, 1.0, 1.0, 2.0], [1.875, 1.875, 1.875, 1.875]),
    # nothing spoken: untouched
    ([0, 0, 0, 0], [1, 1, 1, 1], [0.9] * 4, [0, 0, 0, 0]),
    ([1, 1, 1, 1], [0, 0, 5, 0], [2.0] * 4, [1, 1, 1, 1]),
])
def test_pace_floor_table(durations, neutral, factors, expected):
    out = pace_floor(np.array(durations, F), np.array(neutral, F), np.array(factors, F), PHONES)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def _voice_with_pace(tmp_path: Path, pace: dict) -> Path:
    folder = tmp_path / "voice"
    shutil.copytree(TINY_VOICE, folder)
    data = json.loads((folder / "voice.json").read_text())
    (folder / "voice.json").write_text(json.dumps({**data, "emotion_pace": pace}))
    return folder


def _frames(synth: Synthesizer, **kwargs) -> int:
    return len(synth.synthesize_symbols(SYMBOLS, **kwargs).mel)


@pytest.fixture(scope="module")
def plain(frontend):
    return Synthesizer.load(TINY_VOICE, threads=1, frontend=frontend)


def test_a_binding_pace_lengthens_that_emotion_only(plain, tmp_path, frontend):
    neutral, happy, angry = (_frames(plain, emotion=e) for e in ("neutral", "happy", "angry"))
    factor = round(2.0 * happy / neutral, 3)  # asks for twice happy's own length
    paced = Synthesizer.load(_voice_with_pace(tmp_path, {"happy": factor}), threads=1, frontend=frontend)
    units = 6  # each unit's rounding moves the total by at most half a frame
    assert abs(_frames(paced, emotion="happy") - factor * neutral) <= units / 2 + paced.voice.outputs_per_step
    assert _frames(paced, emotion="neutral") == neutral
    assert _frames(paced, emotion="angry") == angry
    np.testing.assert_array_equal(paced.synthesize_symbols(SYMBOLS, emotion="happy", intensity=0.0).mel,
                                  plain.synthesize_symbols(SYMBOLS, emotion="neutral").mel)
    # intensity scales the factor: 1 + w (f - 1)
    half = _frames(paced, emotion="happy", intensity=0.5)
    assert abs(half - max(_frames(plain, emotion="happy", intensity=0.5), (1 + 0.5 * (factor - 1)) * neutral)) \
        <= units / 2 + paced.voice.outputs_per_step


def test_a_pace_the_emotion_already_keeps_changes_nothing(plain, tmp_path, frontend):
    neutral, happy = (_frames(plain, emotion=e) for e in ("neutral", "happy"))
    factor = round(0.5 * happy / neutral, 3)
    paced = Synthesizer.load(_voice_with_pace(tmp_path, {"happy": factor}), threads=1, frontend=frontend)
    np.testing.assert_array_equal(paced.synthesize_symbols(SYMBOLS, emotion="happy").samples,
                                  plain.synthesize_symbols(SYMBOLS, emotion="happy").samples)


def test_speed_still_applies_after_the_pace(plain, tmp_path, frontend):
    neutral, happy = (_frames(plain, emotion=e) for e in ("neutral", "happy"))
    paced = Synthesizer.load(_voice_with_pace(tmp_path, {"happy": round(2.0 * happy / neutral, 3)}),
                             threads=1, frontend=frontend)
    assert _frames(paced, emotion="happy", speed=2.0) < _frames(paced, emotion="happy")


@pytest.mark.parametrize("pace, message", [
    ({"fear": 0.9}, "does not offer"),
    ({"angry": 0.0}, "0.1..10"),
    ({"angry": True}, "0.1..10"),
    ({"angry": "fast"}, "0.1..10"),
    (["angry", 0.9], "object"),
])
def test_bad_emotion_pace_is_a_clear_voice_error(pace, message):
    data = json.loads((TINY_VOICE / "voice.json").read_text())
    with pytest.raises(VoiceError, match=message):
        VoiceConfig.from_dict({**data, "emotion_pace": pace})


def test_emotion_pace_round_trips_and_changes_the_settings_fingerprint():
    data = json.loads((TINY_VOICE / "voice.json").read_text())
    plain = VoiceConfig.from_dict(data)
    assert "emotion_pace" not in plain.to_dict()  # voices without it keep their voice.json as it was
    paced = VoiceConfig.from_dict({**data, "emotion_pace": {"angry": 0.92}})
    assert paced.to_dict()["emotion_pace"] == {"angry": 0.92}
    assert VoiceConfig.from_dict(paced.to_dict()) == paced
    assert paced.model_version == plain.model_version  # the graphs are the same ...
    assert paced.settings_fingerprint != plain.settings_fingerprint  # ... the audio is not
    other = VoiceConfig.from_dict({**data, "emotion_pace": {"angry": 0.93}})
    assert other.settings_fingerprint != paced.settings_fingerprint


def test_a_voice_json_with_another_pace_misses_the_old_cache_entry(plain, tmp_path, frontend):
    """The graphs (and so ``model_version``) are the same, the audio is not: a cache keyed on the
    graphs alone would keep serving the unpaced angry audio after ``voice.json`` gained a pace."""
    from sambert_edge.service import create_app

    settings = {"TESTING": True, "CACHE_DIR": str(tmp_path / "cache")}
    request = {"text": "你好，世界。", "emotion": "angry"}
    before = create_app(settings, synthesizer=plain, frontend=frontend).test_client()
    assert before.post("/api/tts", json=request).get_json()["cached"] is False
    assert before.post("/api/tts", json=request).get_json()["cached"] is True
    paced = Synthesizer.load(_voice_with_pace(tmp_path, {"angry": 2.0}), threads=1, frontend=frontend)
    after = create_app(settings, synthesizer=paced, frontend=frontend).test_client()
    body = after.post("/api/tts", json=request).get_json()
    assert body["cached"] is False
    assert body["duration_s"] > before.post("/api/tts", json=request).get_json()["duration_s"]
