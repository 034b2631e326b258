"""``GET /openapi.json``: an OpenAPI 3.0 description of every route, built from the live app.

Ranges come from ``options.RANGES`` and enums from the loaded voices and the formats this install
can write, so the document matches what the server accepts (property-based fuzzers such as
schemathesis can take it as is). Errors share one schema (``Error``; ``OpenAIError`` under /v1).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from .encoding import FORMATS, STREAM_FORMATS
from .openai_routes import OPENAI_VOICES, SPEED_RANGE
from .options import RANGES
from .state import ServiceState, state

bp = Blueprint("openapi", __name__)

_OPTION_TEXT = {
    "speed": "Speaking rate factor; > 1 is faster.",
    "pitch": "Pitch shift in units of the voice's training pitch standard deviation.",
    "energy": "Factor on the predicted energy.",
    "intensity": "Emotion strength: 0 neutral, 1 the emotion, > 1 exaggerated.",
    "volume": "Gain applied to the waveform (clipped to full scale).",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(codes: tuple[int, ...], schema: str = "Error") -> dict[str, Any]:
    reasons = {400: "Bad input; the message says which field and why.", 401: "Missing or wrong API key.",
               404: "Not found.", 413: "Body or text too large.", 415: "Not JSON.",
               503: "Queue full or no voice loaded; see Retry-After.", 504: "Synthesis took too long."}
    return {str(c): {"description": reasons[c], "content": {"application/json": {"schema": _ref(schema)}}}
            for c in codes}


def _audio(formats: tuple[str, ...]) -> dict[str, Any]:
    types = sorted({FORMATS[f].mimetype for f in formats})
    return {t: {"schema": {"type": "string", "format": "binary"}} for t in types}


def _schemas(st: ServiceState, limit: int) -> dict[str, Any]:
    voices = st.voices
    emotions = sorted({e for s in voices.synthesizers.values() for e in s.voice.emotions})
    speakers = sorted({p for s in voices.synthesizers.values() for p in s.voice.speakers})
    text = {"type": "string", "minLength": 1, "maxLength": limit,
            "description": "Chinese text to speak (Latin letters are spelled out)."}
    # Optional fields may be null, which means their default (options.number / options.choice);
    # OpenAPI 3.0 wants null in an enum as well as nullable.
    options = {name: {"type": "number", "nullable": True, "minimum": low, "maximum": high, "default": default,
                      "description": _OPTION_TEXT[name]} for name, (low, high, default) in RANGES.items()}
    several = len(voices.names) > 1
    tts_props: dict[str, Any] = {
        "text": text,
        "voice": {"type": "string", "nullable": True, "enum": [*(voices.names or [""]), None],
                  "description": "A loaded voice (GET /api/voices); null: the default voice."},
        "emotion": {"type": "string", "nullable": True, "enum": [*(emotions or ["neutral"]), None],
                    "description": "One of the voice's emotions" + (" (the enum joins those of all voices; a "
                                                                   "voice's own are in GET /api/voices, another "
                                                                   "gets 400)" if several else "") + "."},
        "speaker": {"type": "string", "nullable": True, "enum": [*(speakers or [""]), None],
                    "description": "One of the voice's speakers" + (" (all voices' together, as for emotion)"
                                                                   if several else "") + "."},
        "format": {"type": "string", "nullable": True, "enum": [*st.formats, None], "default": "wav"},
        **options,
    }
    # <voice>-<emotion> only for emotions that voice offers ("default-" for the default voice's).
    offered = {name: synth.voice.emotions for name, synth in voices.synthesizers.items() if synth is not None}
    default_voice = voices.default
    openai_voices = ["default", *voices.names, *OPENAI_VOICES,
                     *(f"default-{e}" for e in offered.get(default_voice, ())),
                     *(f"{v}-{e}" for v in voices.names for e in offered.get(v, ()))]
    return {
        "TtsRequest": {"type": "object", "required": ["text"], "additionalProperties": False,
                       "properties": tts_props},
        "TtsStreamRequest": {"type": "object", "required": ["text"], "additionalProperties": False,
                             "properties": {**tts_props, "format": {
                                 "type": "string", "nullable": True, "default": "wav",
                                 "enum": [*(f for f in STREAM_FORMATS if f in st.formats), None],
                                 "description": "WAV (length unknown) or raw PCM."}}},
        "TtsResult": {"type": "object", "required": ["audio_url", "duration_s", "sample_rate", "cached",
                                                     "voice", "emotion"],
                      "properties": {
                          "audio_url": {"type": "string", "description": "/api/audio/<key>.<fmt>, or a data: URL "
                                                                          "when the cache could not store it."},
                          "duration_s": {"type": "number", "nullable": True}, "sample_rate": {"type": "integer"},
                          "cached": {"type": "boolean"}, "voice": {"type": "string"}, "emotion": {"type": "string"},
                          "speaker": {"type": "string"}, "format": {"type": "string"}, "bytes": {"type": "integer"}}},
        "SpeechRequest": {"type": "object", "required": ["model", "input"], "properties": {
            "model": {"type": "string", "minLength": 1, "description": "Accepted and ignored, e.g. tts-1."},
            "input": {**text, "description": "Text to speak."},
            "voice": {"type": "string", "nullable": True, "enum": [*openai_voices, None], "default": "default"},
            "response_format": {"type": "string", "nullable": True, "enum": [*st.formats, None]},
            "speed": {"type": "number", "nullable": True, "minimum": SPEED_RANGE[0], "maximum": SPEED_RANGE[1],
                      "default": 1.0},
            "instructions": {"type": "string", "nullable": True,
                             "description": "Words such as cheerful/开心, angry/生气, sad/伤心 "
                                            "choose the emotion."}}},
        "G2pRequest": {"type": "object", "required": ["text"], "properties": {"text": text}},
        "Voice": {"type": "object", "properties": {
            "name": {"type": "string"}, "default": {"type": "boolean"}, "sample_rate": {"type": "integer"},
            "speakers": {"type": "array", "items": {"type": "string"}}, "default_speaker": {"type": "string"},
            "emotions": {"type": "array", "items": {"type": "string"}}, "default_emotion": {"type": "string"},
            "model_version": {"type": "string"}, "precision": {"type": "string"}}},
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string", "description": "HTTP reason phrase."},
            "message": {"type": "string", "description": "What to change."},
            "param": {"type": "string"}, "valid": {"type": "array", "items": {"type": "string"}},
            "limit": {"type": "integer"}, "minimum": {"type": "number"}, "maximum": {"type": "number"},
            "retry_after_s": {"type": "integer"}}},
        "OpenAIError": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["message", "type"], "properties": {
                "message": {"type": "string"}, "type": {"type": "string"},
                "param": {"type": "string", "nullable": True}, "code": {"type": "string", "nullable": True}}}}},
    }


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def build_spec(st: ServiceState, limit: int, api_key: bool, server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.0.3 document for this app's voices, formats and settings."""
    stream_formats = tuple(f for f in STREAM_FORMATS if f in st.formats)
    ok_json = {"application/json": {"schema": {"type": "object"}}}
    paths: dict[str, Any] = {
        "/": {"get": {"summary": "The web page", "responses": {"200": {
            "description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}, **_errors((401,))}}},
        "/healthz": {"get": {"summary": "Liveness", "security": [],
                             "responses": {"200": {"description": "Up", "content": ok_json}}}},
        "/api/voices": {"get": {"summary": "Loaded voices", "responses": {"200": {
            "description": "Voices, the default one and the audio formats", "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "voices": {"type": "array", "items": _ref("Voice")},
                    "default": {"type": "string", "nullable": True},
                    "formats": {"type": "array", "items": {"type": "string"}}}}}}}, **_errors((401,))}}},
        "/api/tts": {"post": {
            "summary": "Synthesize into the cache; answers a URL to the audio",
            "parameters": [{"name": "stream", "in": "query", "required": False, "schema": {"type": "string"},
                            "description": "1, true, yes or on (any case): same as POST /api/tts/stream "
                                           "(then format must be one of TtsStreamRequest's, else 400); "
                                           "anything else: the JSON answer"}],
            "requestBody": _json_body("TtsRequest"),
            "responses": {"200": {"description": "Audio made or found", "content": {
                "application/json": {"schema": _ref("TtsResult")}, **_audio(stream_formats)}},
                **_errors((400, 401, 413, 415, 503, 504))}}},
        "/api/tts/stream": {"post": {
            "summary": "Chunked WAV (length unknown) or raw PCM, one piece per sentence as it is made",
            "requestBody": _json_body("TtsStreamRequest"),
            "responses": {"200": {"description": "Audio stream", "content": _audio(stream_formats)},
                          **_errors((400, 401, 413, 415, 503))}}},
        "/api/audio/{name}": {"get": {
            "summary": "A cached audio file (ranges, ETag)",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {
                "type": "string", "pattern": "^[0-9a-f]{64}\\.[a-z0-9]{1,8}$"}}],
            "responses": {"200": {"description": "Audio", "content": _audio(st.formats)},
                          "206": {"description": "Part of the audio", "content": _audio(st.formats)},
                          "304": {"description": "Not modified"}, "416": {"description": "Bad range"},
                          **_errors((401, 404))}}},
        "/api/g2p": {"post": {"summary": "How a text is read: normalized text, pinyin, symbols",
                              "requestBody": _json_body("G2pRequest"),
                              "responses": {"200": {"description": "Reading", "content": ok_json},
                                            **_errors((400, 401, 413, 415))}}},
        "/v1/audio/speech": {"post": {"summary": "OpenAI-compatible speech", "requestBody": _json_body("SpeechRequest"),
                                      "responses": {"200": {"description": "Audio", "content": _audio(st.formats)},
                                                    **_errors((400, 401, 413, 415, 503, 504), "OpenAIError")}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {
            "description": "Text format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}},
            **_errors((401,))}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {
            "description": "OpenAPI 3.0", "content": ok_json}, **_errors((401,))}}},
    }
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "sambert-edge", "version": current_app.config.get("API_VERSION", "1"),
                 "description": "Offline Mandarin text-to-speech with emotions."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": _schemas(st, limit)},
    }
    if api_key:
        spec["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        spec["security"] = [{"bearer": []}, {"apiKey": []}]
    return spec


@bp.get("/openapi.json")
def openapi_json():
    """The spec of this server."""
    config = current_app.config
    return build_spec(state(), config["MAX_TEXT_CHARS"], bool(config.get("API_KEY")),
                      request.host_url.rstrip("/"))
