"""Teacher token durations -> frames per KAN-TTS unit, and pauses moved into boundary units."""

import numpy as np
import pytest

pytest.importorskip("misaki.transcription")

from sambert_edge.frontend.symbols import LinguisticUnit, boundary_unit  # noqa: E402
from sambert_edge.train.align import (  # noqa: E402
    MIN_INSERTED_PAUSE,
    Alignment,
    AlignmentError,
    align_entry,
    initial_chars,
    longest_run,
    move_pauses,
    token_boundaries,
)
from sambert_edge.train.teacher import frontend_phonemes, pinyin_to_kokoro  # noqa: E402

HOP, RATE = 200, 16000
START_PAD = 3  # teacher frames; one teacher frame (600 samples at 24 kHz) = 2 mel frames


def entry_for(analysis, per_char=None, trim_start=0, end_pad=5):
    phonemes = frontend_phonemes(analysis)
    per_char = per_char or [2] * len(phonemes)
    return {
        "phonemes": phonemes,
        "token_frames": [START_PAD, *per_char, end_pad],
        "token_frame_samples": 600,
        "trim_start_16k": trim_start,
    }


def total_frames(entry, trim_start=0):
    return (sum(entry["token_frames"]) * 400 - trim_start) // HOP


@pytest.mark.parametrize("spoken, onset", [
    ("hang2", 1),   # x | a↗ŋ
    ("zhi1", 1),    # ꭧ | ɨ→
    ("chi1", 2),    # ꭧʰ (aspirated: two characters)
    ("lve4", 1),    # l | ɥe↘
    ("yan4", 1),    # j (glide) | ɛ↘n
    ("a1", 0),      # no onset: the zero initial gets a share
    ("wu3", 0),
    ("nar3", 1),    # erhua keeps the host's onset
])
def test_initial_chars_count_the_kokoro_onset(spoken, onset):
    assert initial_chars(spoken) == onset


def test_token_boundaries_convert_teacher_frames_to_mel_frames():
    entry = {"token_frames": [3, 2, 1], "token_frame_samples": 600, "trim_start_16k": 400}
    # cumulative teacher frames 0,3,5,6 -> 16 kHz samples 0,1200,2000,2400 minus 400 trimmed -> /200
    assert token_boundaries(entry, HOP, RATE).tolist() == [-2, 4, 8, 10]


def test_units_match_the_frontend_and_cover_the_audio(frontend):
    analysis = frontend.analyze("我们走吧，好不好？")
    entry = entry_for(analysis)
    frames = total_frames(entry)
    al = align_entry(analysis, entry, frames, HOP, RATE)
    expected = [u for s in analysis.sentences for u in s.units()]
    assert [str(u) for u in al.units] == [str(u) for u in expected]
    assert al.start_frame == START_PAD * 2
    assert al.frames == frames - al.start_frame
    phones = [d for u, d in zip(al.units, al.durations) if not u.is_boundary]
    assert min(phones) >= 1


def test_onset_characters_go_to_the_initial_and_the_rest_to_the_final(frontend):
    analysis = frontend.analyze("行")
    entry = entry_for(analysis)
    al = align_entry(analysis, entry, total_frames(entry), HOP, RATE)
    spoken = analysis.sentences[0].words[0].syllables[0].spoken
    symbols = pinyin_to_kokoro(spoken)
    onset = initial_chars(spoken)
    assert al.durations[0] == 4 * onset                     # 2 teacher frames per char = 4 mel frames
    assert al.durations[1] == 4 * (len(symbols) - onset)


def test_separators_and_the_end_pad_belong_to_the_boundary_units(frontend):
    analysis = frontend.analyze("你好，世界。")
    entry = entry_for(analysis)
    al = align_entry(analysis, entry, total_frames(entry), HOP, RATE)
    by_phone = [(u.phone, int(d)) for u, d in zip(al.units, al.durations)]
    boundaries = [(p, d) for p, d in by_phone if p.startswith("#")]
    assert boundaries[-1][0] == "#4"
    assert boundaries[-1][1] >= 4 * 1 + 2 * 5                # "." + the end pad
    assert any(p == "#3" and d >= 4 for p, d in boundaries)  # ", " -> at least the comma


def test_a_changed_reading_is_refused(frontend):
    analysis = frontend.analyze("你好。")
    entry = entry_for(analysis)
    entry["phonemes"] = entry["phonemes"].replace("↓", "↗", 1)
    with pytest.raises(AlignmentError):
        align_entry(analysis, entry, total_frames(entry), HOP, RATE)


def test_a_wrong_number_of_durations_is_refused(frontend):
    analysis = frontend.analyze("你好。")
    entry = entry_for(analysis)
    entry["token_frames"] = entry["token_frames"][:-1]
    with pytest.raises(AlignmentError, match="token durations"):
        align_entry(analysis, entry, total_frames(entry), HOP, RATE)


def test_a_phone_with_no_teacher_frame_borrows_one(frontend):
    analysis = frontend.analyze("好")
    phonemes = frontend_phonemes(analysis)
    per_char = [0] + [3] * (len(phonemes) - 1)  # the onset token got no frame
    entry = entry_for(analysis, per_char)
    al = align_entry(analysis, entry, total_frames(entry), HOP, RATE)
    assert al.durations[0] >= 1 and al.durations[1] >= 1
    assert al.frames == total_frames(entry) - al.start_frame


@pytest.mark.parametrize("mask, begin, end, run", [
    ("0011100110", 0, 10, (2, 5)),
    ("0011100110", 5, 10, (7, 9)),
    ("0000000000", 0, 10, (0, 0)),
    ("1111", 1, 3, (1, 3)),
])
def test_longest_run(mask, begin, end, run):
    assert longest_run(np.array([c == "1" for c in mask]), begin, end) == run


def _unit(phone, segment, flag):
    return LinguisticUnit(phone, "tone1", flag, segment, "emotion_neutral", "F7")


def _word(a, b):
    return [_unit(a, "word_begin", "s_begin"), _unit(b, "word_end", "s_end")]


def test_silence_at_the_end_of_a_final_moves_into_the_boundary():
    units = _word("h_c", "ao_c") + [boundary_unit(3)] + _word("d_c", "e_c")
    al = Alignment(units, np.array([4, 20, 2, 4, 6]), 0)
    silent = np.zeros(36, bool)
    silent[10:22] = True  # the pause sits inside ao_c (frames 4..23)
    out = move_pauses(al, silent)
    assert [u.phone for u in out.units] == ["h_c", "ao_c", "#3", "d_c", "e_c"]
    assert out.durations.tolist() == [4, 6, 12, 8, 6]  # the consonant onset after the pause goes to d_c
    assert out.frames == al.frames


def test_a_long_pause_without_boundary_gets_a_break_unit():
    units = _word("h_c", "ao_c") + _word("d_c", "e_c")
    al = Alignment(units, np.array([4, 30, 4, 6]), 0)
    silent = np.zeros(44, bool)
    silent[10:10 + MIN_INSERTED_PAUSE + 4] = True
    out = move_pauses(al, silent)
    assert [u.phone for u in out.units] == ["h_c", "ao_c", "#1", "d_c", "e_c"]
    assert out.durations[2] == MIN_INSERTED_PAUSE + 4
    assert out.frames == al.frames


def test_a_short_gap_without_boundary_stays_in_the_phone():
    units = _word("h_c", "ao_c") + _word("d_c", "e_c")
    al = Alignment(units, np.array([4, 30, 4, 6]), 0)
    silent = np.zeros(44, bool)
    silent[30:33] = True
    out = move_pauses(al, silent)
    assert [u.phone for u in out.units] == ["h_c", "ao_c", "d_c", "e_c"]
    assert out.durations.tolist() == [4, 30, 4, 6]


def test_pauses_are_not_taken_from_word_internal_syllables():
    units = [_unit("h_c", "word_begin", "s_begin"), _unit("ao_c", "word_middle", "s_end"),
             _unit("d_c", "word_middle", "s_begin"), _unit("e_c", "word_end", "s_end")]
    al = Alignment(units, np.array([4, 30, 4, 6]), 0)
    silent = np.zeros(44, bool)
    silent[10:30] = True
    assert move_pauses(al, silent).durations.tolist() == [4, 30, 4, 6]
