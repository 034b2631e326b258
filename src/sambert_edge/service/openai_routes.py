"""OpenAI-compatible ``POST /v1/audio/speech``, so OpenAI client libraries and tools can use this server.

Body: ``{model, input, voice, response_format?, speed?, instructions?}``; the answer is the audio
itself. ``model`` is accepted and ignored (any string: ``tts-1``, ``gpt-4o-mini-tts``, ...).

``voice`` picks voice, speaker and emotion, checked in this order:

1. ``<voice>`` or ``<voice>-<emotion>`` for a loaded voice name (``tiny``, ``tiny-happy``);
   ``default`` / ``default-<emotion>`` mean the default voice.
2. An OpenAI voice name, mapped by ``OPENAI_VOICES`` to a speaker kind and an emotion (each only
   when the voice has it: a female/male speaker is one whose name starts with F/M, as in
   KAN-TTS speaker lists; otherwise the default speaker and emotion are used).

``instructions`` then overrides the emotion when it names one (``INSTRUCTION_WORDS``: "cheerful",
"开心", "angry", "伤心", ...), again only if the voice offers it. ``response_format`` is one of
mp3 (OpenAI's default), opus, flac, wav, pcm (raw s16le mono at the voice's sample rate, given
in ``X-Sample-Rate``; OpenAI's is always 24 kHz) — aac is not written by libsndfile and gets a 400.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from .encoding import FORMATS
from .errors import ApiError, bad_request
from .options import RANGES, TtsRequest, choice, json_body, number, text_field
from .state import state
from .synthesis import render

bp = Blueprint("openai_api", __name__)

OPENAI_VOICES: dict[str, tuple[str | None, str]] = {
    "alloy": (None, "neutral"), "ash": ("M", "angry"), "ballad": ("M", "sad"), "coral": ("F", "happy"),
    "echo": ("M", "neutral"), "fable": ("M", "happy"), "onyx": ("M", "neutral"), "nova": ("F", "happy"),
    "sage": ("F", "sad"), "shimmer": ("F", "neutral"), "verse": ("M", "neutral"),
    "marin": ("F", "neutral"), "cedar": ("M", "neutral"),
}
"""OpenAI voice name -> (speaker kind: "F", "M" or None for the default speaker, emotion)."""

INSTRUCTION_WORDS: dict[str, tuple[str, ...]] = {
    "happy": ("happy", "cheerful", "joyful", "excited", "upbeat", "开心", "高兴", "快乐", "愉快", "兴奋"),
    "angry": ("angry", "furious", "mad", "annoyed", "生气", "愤怒", "恼火"),
    "sad": ("sad", "sorrowful", "melancholy", "unhappy", "gloomy", "难过", "伤心", "悲伤", "沮丧"),
    "surprise": ("surprised", "amazed", "astonished", "惊讶", "吃惊"),
    "fear": ("afraid", "scared", "fearful", "害怕", "恐惧"),
    "calm": ("calm", "平静", "冷静"),
    "gentle": ("gentle", "soft", "温柔"),
    "neutral": ("neutral", "flat", "中性", "平淡"),
}
"""Emotion -> words in ``instructions`` that ask for it (matched case-insensitively as substrings)."""

SPEED_RANGE = (0.25, 4.0)
"""OpenAI's speed range; also within the engine's."""
OPENAI_FIELDS = ("model", "input", "voice", "response_format", "speed", "instructions", "stream_format")


def instruction_emotion(instructions: str, offered: tuple[str, ...]) -> str | None:
    """The first emotion of ``INSTRUCTION_WORDS`` named in ``instructions`` that the voice offers."""
    lowered = instructions.lower()
    for emotion, words in INSTRUCTION_WORDS.items():
        if emotion in offered and any(word in lowered for word in words):
            return emotion
    return None


def _speaker_of_kind(kind: str | None, speakers: tuple[str, ...], default: str) -> str:
    if kind is None:
        return default
    return next((s for s in speakers if s.upper().startswith(kind)), default)


def resolve_voice(name: str, voices: Any) -> tuple[str, str | None, str | None]:
    """``voice`` field -> (loaded voice name, speaker or None, emotion or None); 400 if unknown."""
    default = voices.default
    if name in OPENAI_VOICES:
        kind, emotion = OPENAI_VOICES[name]
        voice = voices.get(default).voice
        speaker = _speaker_of_kind(kind, voice.speakers, voice.default_speaker)
        return default, speaker, emotion if emotion in voice.emotions else None
    base, _, emotion = name.partition("-")
    for candidate, emo in ((name, None), (base, emotion or None)):
        voice_name = default if candidate == "default" else candidate
        if voice_name in voices.names:
            offered = voices.get(voice_name).voice.emotions
            if emo is not None and emo not in offered:
                raise bad_request(f"voice {voice_name!r} has no emotion {emo!r}; it offers: {', '.join(offered)}",
                                  "voice", valid=list(offered))
            return voice_name, None, emo
    valid = ["default", *voices.names, *OPENAI_VOICES]
    raise bad_request(f"unknown voice {name!r}; use one of {', '.join(valid)}, or <voice>-<emotion>",
                      "voice", valid=valid)


@bp.post("/v1/audio/speech")
def speech():
    """OpenAI's ``audio.speech.create``: the audio bytes in ``response_format``."""
    st = state()
    body = json_body()
    text = text_field(body, "input")
    if st.voices.default is None:
        raise ApiError(503, "no voice is loaded on this server")
    for name in ("model", "voice", "instructions", "response_format"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise bad_request(f"{name} must be a string", name)
    if not body.get("model"):
        raise bad_request("model is required (any name, e.g. tts-1; it is not used)", "model")
    voice_name, speaker, emotion = resolve_voice(body.get("voice") or "default", st.voices)
    voice = st.voices.get(voice_name).voice
    if body.get("instructions"):
        emotion = instruction_emotion(body["instructions"], voice.emotions) or emotion
    default_format = "mp3" if "mp3" in st.formats else "wav"
    fmt = choice(body.get("response_format"), "response_format", st.formats, default_format)
    speed = number(body, "speed", *SPEED_RANGE)
    req = TtsRequest(text=text, voice=voice_name, emotion=emotion or voice.default_emotion,
                     speaker=speaker or voice.default_speaker, speed=speed, format=fmt,
                     pitch=RANGES["pitch"][2], energy=RANGES["energy"][2],
                     intensity=RANGES["intensity"][2], volume=RANGES["volume"][2])
    rendered = render(st, req)
    response = Response(rendered.data, mimetype=FORMATS[fmt].mimetype)
    response.headers["X-Sample-Rate"] = str(rendered.sample_rate)
    response.headers["X-Voice"] = f"{voice_name}/{req.speaker}/{req.emotion}"
    return response
