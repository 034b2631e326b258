"""Reading a synthesis request: JSON body -> checked ``TtsRequest``, or an ``ApiError`` saying why not.

The numeric ranges here are the single source for the checks and for ``openapi.py``, so the
published spec and the behaviour cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app, request

from .errors import ApiError, bad_request

RANGES: dict[str, tuple[float, float, float]] = {
    "speed": (0.25, 4.0, 1.0),
    "pitch": (-5.0, 5.0, 0.0),
    "energy": (0.0, 3.0, 1.0),
    "intensity": (0.0, 3.0, 1.0),
    "volume": (0.0, 4.0, 1.0),
}
"""Option -> (minimum, maximum, default). speed > 1 is faster (OpenAI's range); pitch is in units
of the training pitch std; energy scales predicted energy; intensity 0 = neutral, 1 = the
emotion, > 1 exaggerates; volume is a gain on the waveform (clipped, so > 1 may distort)."""

TTS_FIELDS = ("text", "voice", "emotion", "speaker", "format", *RANGES)
"""Every field ``POST /api/tts`` accepts; others are refused (a typo should not pass silently)."""


@dataclass(frozen=True)
class TtsRequest:
    """One checked synthesis request; ``voice``, ``emotion`` and ``speaker`` are resolved names."""

    text: str
    voice: str
    emotion: str
    speaker: str
    speed: float = 1.0
    pitch: float = 0.0
    energy: float = 1.0
    intensity: float = 1.0
    volume: float = 1.0
    format: str = "wav"

    def cache_fields(self, model_version: str) -> dict[str, Any]:
        """What ``cache.cache_key`` hashes: everything that changes the bytes."""
        return {**asdict(self), "model_version": model_version}


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 for another Content-Type, 400 for bad JSON or bad UTF-8."""
    if not request.is_json:
        raise ApiError(415, "send JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise bad_request(f"the body is not valid UTF-8 (byte {e.start})") from None
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("expected a JSON object, e.g. {\"text\": \"你好\"}")
    return body


def number(body: dict[str, Any], name: str, low: float | None = None, high: float | None = None) -> float:
    """``body[name]`` as a finite float within [low, high] (defaults from ``RANGES``)."""
    range_low, range_high, default = RANGES[name]
    low = range_low if low is None else low
    high = range_high if high is None else high
    value = body.get(name, default)
    if value is None:
        return default
    # bool is an int in Python, but `true` is no speed.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad_request(f"{name} must be a number within {low:g}..{high:g}", name, minimum=low, maximum=high)
    if not low <= value <= high:
        raise bad_request(f"{name} must be within {low:g}..{high:g}, got {value:g}", name, minimum=low, maximum=high)
    return float(value)


def text_field(body: dict[str, Any], name: str = "text") -> str:
    """The text to speak; 400 when missing or not a string, 413 over ``MAX_TEXT_CHARS``.

    Emptiness, control characters and unspeakable text are the frontend's call (400 from there).
    """
    if name not in body:
        raise bad_request(f'expected a JSON object with a "{name}" field', name)
    text = body[name]
    if not isinstance(text, str):
        raise bad_request(f"{name} must be a string", name)
    if not text.strip():
        raise bad_request("text is empty", name)
    limit = current_app.config["MAX_TEXT_CHARS"]
    if len(text) > limit:
        raise ApiError(413, f"text is {len(text)} characters long; the limit is {limit}", param=name, limit=limit)
    return text


def choice(value: Any, name: str, valid: list[str] | tuple[str, ...], default: str | None) -> str:
    """``value`` if it is one of ``valid`` (None -> ``default``); 400 listing ``valid`` otherwise."""
    if value is None:
        if default is None:
            raise bad_request(f"{name} is required; one of: {', '.join(valid)}", name, valid=list(valid))
        return default
    if not isinstance(value, str) or value not in valid:
        raise bad_request(f"unknown {name} {value!r}; valid: {', '.join(valid)}", name, valid=list(valid))
    return value


def parse_tts(body: dict[str, Any], voices: Any, formats: tuple[str, ...], default_format: str = "wav",
              allowed_formats: tuple[str, ...] | None = None) -> TtsRequest:
    """Check a ``POST /api/tts`` body against the loaded ``voices`` (a ``VoiceRegistry``)."""
    unknown = sorted(set(body) - set(TTS_FIELDS))
    if unknown:
        raise bad_request(f"unknown fields {', '.join(unknown)}; accepted: {', '.join(TTS_FIELDS)}",
                          unknown[0], valid=list(TTS_FIELDS))
    text = text_field(body)
    if voices.default is None:
        raise ApiError(503, "no voice is loaded: this server only reads text (POST /api/g2p); "
                            "start it with --voice DIR")
    voice_name = choice(body.get("voice"), "voice", voices.names, voices.default)
    voice = voices.get(voice_name).voice
    fmt_choices = allowed_formats or formats
    fmt = choice(body.get("format"), "format", fmt_choices, default_format)
    return TtsRequest(
        text=text, voice=voice_name,
        emotion=choice(body.get("emotion"), "emotion", voice.emotions, voice.default_emotion),
        speaker=choice(body.get("speaker"), "speaker", voice.speakers, voice.default_speaker),
        speed=number(body, "speed"), pitch=number(body, "pitch"), energy=number(body, "energy"),
        intensity=number(body, "intensity"), volume=number(body, "volume"), format=fmt,
    )
