"""The KAN-TTS inventories (sizes and ids real voices were trained with) and the unit format."""

import pytest

from sambert_edge.frontend import symbols as S


def test_inventory_sizes_match_modelscope_voices():
    # zh-cn vocab sizes injected by KanTtsLinguisticUnit: sy 147, tone 10, flags 8, ws 8, emo 36.
    assert (len(S.SY), len(S.TONES), len(S.SYLLABLE_FLAGS), len(S.WORD_SEGMENTS),
            len(S.EMOTIONS)) == (147, 10, 8, 8, 36)


@pytest.mark.parametrize("symbol,index", [
    ("a_c", 0), ("zh_c", 59), ("w_c", 60), ("y_c", 61), ("ga", 62), ("go", 64), ("aa", 65),
    ("zh", 103), ("air_c", 104), ("vr_c", 138), ("pau", 139), ("#1", 140), ("#4", 143),
    ("_", 144), ("~", 145), ("@[MASK]", 146),
])
def test_phone_ids(symbol, index):
    assert S.SY.index(symbol) == index


def test_tone_and_emotion_order():
    assert S.TONES[:7] == ("tone1", "tone_none", "tone4", "tone2", "tone3", "tone5", "tone0")
    assert S.EMOTIONS[:3] == ("emotion_none", "emotion_neutral", "emotion_angry")
    assert S.EMOTIONS.index("emotion_happy") == 5 and S.EMOTIONS.index("emotion_sad") == 6
    assert "neutral" in S.EMOTION_NAMES and "none" not in S.EMOTION_NAMES


def test_unit_round_trip():
    text = ("{b_c$tone3$s_begin$word_begin$emotion_neutral$F7} "
            "{ei_c$tone3$s_end$word_end$emotion_neutral$F7} "
            "{#4$tone_none$s_none$word_none$emotion_none$F7}")
    units = S.parse_symbols(text)
    assert S.format_symbols(units) == text
    assert units[-1].is_boundary and not units[0].is_boundary


@pytest.mark.parametrize("bad,message", [
    ("", "empty"),
    ("b_c$tone3", "form"),
    ("{b_c$tone3$s_begin}", "3 fields"),
    ("{bx_c$tone3$s_begin$word_begin$emotion_neutral$F7}", "unknown phone"),
    ("{b_c$tone9$s_begin$word_begin$emotion_neutral$F7}", "unknown tone"),
    ("{b_c$tone3$s_begin$word_begin$emotion_bored$F7}", "unknown emotion"),
])
def test_bad_symbol_strings_name_the_problem(bad, message):
    with pytest.raises(ValueError, match=message):
        S.parse_symbols(bad)


def test_emotion_rewrite_leaves_boundaries_alone():
    units = S.parse_symbols("{b_c$tone3$s_begin$word_begin$emotion_neutral$F7} "
                            "{#1$tone_none$s_none$word_none$emotion_none$F7}")
    happy = S.with_emotion(units, "happy")
    assert [u.emotion for u in happy] == ["emotion_happy", "emotion_none"]
    with pytest.raises(ValueError, match="unknown emotion 'bored'"):
        S.with_emotion(units, "bored")
    assert {u.speaker for u in S.with_speaker(units, "M7")} == {"M7"}
