"""The KAN-TTS / ModelScope linguistic symbol inventories and the symbol-string format.

One unit is ``{phone$tone$syllable_flag$word_segment$emotion$speaker}``; a sentence is units
joined by spaces. The inventories (order included) are those of KAN-TTS
``preprocess/languages/PinYin/PhoneSet.xml``, ``tonelist.txt``, ``utils/ling_unit/lang_symbols.py``
and ``emotion_types.py``, so real ModelScope Sambert voices and our own voice read the same ids.
Training code imports this module; it is the single source of truth for symbol ids.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Pinyin initials and finals (PhoneSet.xml ids 0-59, alphabetical), then y/w, pseudo-initials.
MANDARIN_PHONES: tuple[str, ...] = (
    "a_c", "ai_c", "an_c", "ang_c", "ao_c", "b_c", "c_c", "ch_c", "d_c", "e_c", "ei_c", "en_c",
    "eng_c", "er_c", "f_c", "g_c", "h_c", "i_c", "ia_c", "ian_c", "iang_c", "iao_c", "ie_c",
    "ih_c", "ii_c", "in_c", "ing_c", "io_c", "iong_c", "iou_c", "j_c", "k_c", "l_c", "m_c",
    "n_c", "o_c", "ong_c", "ou_c", "p_c", "q_c", "r_c", "s_c", "sh_c", "t_c", "u_c", "ua_c",
    "uai_c", "uan_c", "uang_c", "uei_c", "uen_c", "ueng_c", "uo_c", "v_c", "van_c", "ve_c",
    "vn_c", "xx_c", "z_c", "zh_c", "w_c", "y_c", "ga", "ge", "go",
)
ENGLISH_PHONES: tuple[str, ...] = (
    "aa", "ae", "ah", "ao", "aw", "ay", "b", "ch", "d", "dh", "eh", "er", "ey", "f", "g", "hh",
    "ih", "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p", "r", "s", "sh", "t", "th", "uh",
    "uw", "v", "w", "y", "z", "zh",
)
ERHUA_FINALS: tuple[str, ...] = (
    "air_c", "angr_c", "anr_c", "aor_c", "ar_c", "eir_c", "engr_c", "enr_c", "iangr_c",
    "ianr_c", "iaor_c", "iar_c", "ier_c", "ihr_c", "iir_c", "ingr_c", "inr_c", "iongr_c",
    "iour_c", "ir_c", "ongr_c", "or_c", "our_c", "uair_c", "uangr_c", "uanr_c", "uar_c",
    "ueir_c", "uenr_c", "uor_c", "ur_c", "vanr_c", "ver_c", "vnr_c", "vr_c",
)
PAUSE = "pau"
BOUNDARIES: tuple[str, ...] = ("#1", "#2", "#3", "#4")

PAD, EOS, MASK = "_", "~", "@[MASK]"
_SPECIALS = (PAD, EOS, MASK)

SY: tuple[str, ...] = (
    MANDARIN_PHONES + ENGLISH_PHONES + ERHUA_FINALS + (PAUSE,) + BOUNDARIES + _SPECIALS
)
TONES: tuple[str, ...] = (
    "tone1", "tone_none", "tone4", "tone2", "tone3", "tone5", "tone0"
) + _SPECIALS
SYLLABLE_FLAGS: tuple[str, ...] = ("s_begin", "s_end", "s_none", "s_both", "s_middle") + _SPECIALS
WORD_SEGMENTS: tuple[str, ...] = (
    "word_begin", "word_end", "word_middle", "word_both", "word_none"
) + _SPECIALS
EMOTIONS: tuple[str, ...] = (
    "emotion_none", "emotion_neutral", "emotion_angry", "emotion_disgust", "emotion_fear",
    "emotion_happy", "emotion_sad", "emotion_surprise", "emotion_calm", "emotion_gentle",
    "emotion_relax", "emotion_lyrical", "emotion_serious", "emotion_disgruntled",
    "emotion_satisfied", "emotion_disappointed", "emotion_excited", "emotion_anxiety",
    "emotion_jealousy", "emotion_hate", "emotion_pity", "emotion_pleasure", "emotion_arousal",
    "emotion_dominance",
) + tuple(f"emotion_placeholder{i}" for i in range(1, 10)) + _SPECIALS

# Emotion names users type (``neutral``), without the ``emotion_`` prefix.
EMOTION_NAMES: tuple[str, ...] = tuple(
    e.removeprefix("emotion_") for e in EMOTIONS if e.startswith("emotion_") and e != "emotion_none"
)
DEFAULT_SPEAKER = "F7"
"""The speaker token ttsfrd always writes; ModelScope voices expect it (KAN-TTS issue #52)."""

NONE_TONE, NONE_FLAG, NONE_SEGMENT, NONE_EMOTION = "tone_none", "s_none", "word_none", "emotion_none"


@dataclass(frozen=True)
class LinguisticUnit:
    """One ``{phone$tone$syllable_flag$word_segment$emotion$speaker}`` unit."""

    phone: str
    tone: str
    syllable_flag: str
    word_segment: str
    emotion: str
    speaker: str

    def __str__(self) -> str:
        fields = (self.phone, self.tone, self.syllable_flag, self.word_segment, self.emotion,
                  self.speaker)
        return "{" + "$".join(fields) + "}"

    @property
    def is_boundary(self) -> bool:
        return self.phone in BOUNDARIES or self.phone == PAUSE

    @classmethod
    def parse(cls, token: str) -> "LinguisticUnit":
        """Parse one ``{...}`` token; raises ValueError naming the bad token or field."""
        if not (token.startswith("{") and token.endswith("}")):
            raise ValueError(f"symbol {token!r} is not of the form {{phone$tone$...}}")
        fields = token[1:-1].split("$")
        if len(fields) != 6:
            raise ValueError(f"symbol {token!r} has {len(fields)} fields, expected 6")
        unit = cls(*fields)
        for value, inventory, name in (
            (unit.phone, SY, "phone"),
            (unit.tone, TONES, "tone"),
            (unit.syllable_flag, SYLLABLE_FLAGS, "syllable flag"),
            (unit.word_segment, WORD_SEGMENTS, "word segment"),
            (unit.emotion, EMOTIONS, "emotion"),
        ):
            if value not in inventory:
                raise ValueError(f"symbol {token!r}: unknown {name} {value!r}")
        return unit


def boundary_unit(level: int, speaker: str = DEFAULT_SPEAKER) -> LinguisticUnit:
    """The ``#level`` prosody boundary token (level 1..4)."""
    if not 1 <= level <= 4:
        raise ValueError(f"prosody boundary level must be 1..4, got {level}")
    return LinguisticUnit(f"#{level}", NONE_TONE, NONE_FLAG, NONE_SEGMENT, NONE_EMOTION, speaker)


def format_symbols(units: list[LinguisticUnit]) -> str:
    """The space-separated symbol string ttsfrd would print for one sentence."""
    return " ".join(str(u) for u in units)


def parse_symbols(text: str) -> list[LinguisticUnit]:
    """Parse a space-separated symbol string; raises ValueError on the first bad token."""
    tokens = text.split()
    if not tokens:
        raise ValueError("symbol string is empty")
    return [LinguisticUnit.parse(t) for t in tokens]


def with_emotion(units: list[LinguisticUnit], emotion: str) -> list[LinguisticUnit]:
    """Rewrite the emotion field of every phone unit (boundaries keep ``emotion_none``)."""
    token = emotion if emotion.startswith("emotion_") else f"emotion_{emotion}"
    if token not in EMOTIONS or token == NONE_EMOTION:
        raise ValueError(f"unknown emotion {emotion!r}; known: {', '.join(EMOTION_NAMES)}")
    return [u if u.is_boundary else replace(u, emotion=token) for u in units]


def with_speaker(units: list[LinguisticUnit], speaker: str) -> list[LinguisticUnit]:
    """Rewrite the speaker field of every unit."""
    return [replace(u, speaker=speaker) for u in units]
