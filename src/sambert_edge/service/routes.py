"""The native HTTP API: health, voices, synthesis (+ streaming), cached audio, the text reading, the page.

``POST /api/tts`` answers JSON with an ``audio_url`` into the cache rather than the audio itself,
so a page can hand the URL to an ``<audio>`` element, which then gets ranges, ETags and
revalidation from ``send_file``. When the cache cannot store the file (disk full, cache off) the
URL is a ``data:`` URL with the audio inline, so the answer still carries the audio.
"""

from __future__ import annotations

import base64
import io
import os
import re

from flask import Blueprint, Response, current_app, render_template, request, send_file

from ..frontend import FrontendError
from .cache import KEY_RE
from .encoding import FORMATS, STREAM_FORMATS
from .errors import ApiError, bad_request
from .options import RANGES, json_body, parse_tts, text_field
from .state import state
from .synthesis import open_stream, render

bp = Blueprint("tts", __name__)

AUDIO_NAME_RE = re.compile(r"^(?P<key>[0-9a-f]{64})\.(?P<fmt>[a-z0-9]{1,8})$")
"""The only names ``/api/audio/`` serves: a cache key and a known extension, so no path tricks."""
IMMUTABLE_MAX_AGE_S = 7 * 24 * 3600
"""A cache key names its bytes (text, voice, model version, options, format), so they never change."""


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _stream_response(req) -> Response:
    chunks, release = open_stream(state(), req)
    response = Response(chunks, mimetype=FORMATS[req.format].mimetype)
    response.call_on_close(release)
    rate = state().voices.get(req.voice).voice.sample_rate
    response.headers["X-Sample-Rate"] = str(rate)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/tts")
def tts():
    """Synthesize; JSON ``{audio_url, duration_s, sample_rate, cached, voice, emotion, ...}``.

    With ``?stream=1`` this is ``POST /api/tts/stream``.
    """
    if _truthy(request.args.get("stream")):
        return tts_stream()
    st = state()
    req = parse_tts(json_body(), st.voices, st.formats)
    rendered = render(st, req)
    if rendered.path is not None:
        url = f"{request.script_root}/api/audio/{rendered.key}.{req.format}"
    else:
        url = f"data:{FORMATS[req.format].mimetype};base64,{base64.b64encode(rendered.data).decode()}"
    return {
        "audio_url": url, "duration_s": rendered.duration_s, "sample_rate": rendered.sample_rate,
        "cached": rendered.cached, "voice": req.voice, "emotion": req.emotion, "speaker": req.speaker,
        "format": req.format, "bytes": len(rendered.data),
    }


@bp.post("/api/tts/stream")
def tts_stream():
    """Chunked WAV (header with unknown length, then PCM per sentence) or raw PCM."""
    st = state()
    formats = tuple(f for f in STREAM_FORMATS if f in st.formats)
    req = parse_tts(json_body(), st.voices, st.formats, allowed_formats=formats)
    return _stream_response(req)


@bp.get("/api/audio/<path:name>")
def audio(name: str):
    """A cached file by ``<key>.<fmt>``; 404 for any other name or when it has expired."""
    match = AUDIO_NAME_RE.match(name)
    st = state()
    if match is None or not KEY_RE.match(match["key"]) or match["fmt"] not in FORMATS or st.cache is None:
        raise ApiError(404, "no such audio; audio URLs come from POST /api/tts")
    path = st.cache.get(match["key"], match["fmt"])
    if path is None:
        raise ApiError(404, "this audio has expired from the cache; POST /api/tts again")
    try:
        # Read it now: another worker may evict the file while the answer is being sent.
        data = path.read_bytes()
    except OSError:
        raise ApiError(404, "this audio has expired from the cache; POST /api/tts again") from None
    response = send_file(io.BytesIO(data), mimetype=FORMATS[match["fmt"]].mimetype, download_name=name,
                         conditional=True, etag=match["key"], max_age=IMMUTABLE_MAX_AGE_S)
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.get("/api/voices")
def voices():
    """The loaded voices with their speakers, emotions and sample rate; which is the default."""
    st = state()
    return {"voices": st.voices.describe(), "default": st.voices.default, "formats": list(st.formats)}


@bp.get("/healthz")
def healthz():
    """Liveness and what this worker can do; open even when an API key is set."""
    st = state()
    return {"status": "ok", "synthesis": st.voices.default is not None, "voices": st.voices.names,
            "pid": os.getpid(), "queue_depth": st.admission.depth}


@bp.post("/api/g2p")
def g2p():
    """``{"text": str}`` -> the reading of the text (as ``sambert-edge g2p --json``)."""
    body = json_body()
    text = text_field(body)
    try:
        return state().frontend.analyze(text).to_json()
    except FrontendError as e:
        raise bad_request(str(e), "text") from None


@bp.get("/")
def index():
    """The page: plain HTML + static/app.js, which uses only the JSON API."""
    return render_template("index.html", max_chars=current_app.config["MAX_TEXT_CHARS"],
                           ranges={k: list(v) for k, v in RANGES.items()},
                           key_required=bool(current_app.config.get("API_KEY")))
