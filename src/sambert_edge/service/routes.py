"""HTTP routes: health, the frontend's reading of a text, and the page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..frontend import FrontendError

bp = Blueprint("tts", __name__)


def _state() -> dict:
    return current_app.extensions["sambert_edge"]


@bp.get("/healthz")
def healthz():
    return {"status": "ok", "synthesis": _state()["synthesizer"] is not None}


@bp.post("/api/g2p")
def g2p():
    """``{"text": str}`` -> the reading of the text (as ``sambert-edge g2p --json``)."""
    if not request.is_json:
        raise UnsupportedMediaType("send JSON with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "text" not in body:
        raise BadRequest('expected a JSON object with a "text" field')
    try:
        return _state()["frontend"].analyze(body["text"]).to_json()
    except FrontendError as e:
        raise BadRequest(str(e)) from None


@bp.get("/")
def index():
    return render_template("index.html", max_chars=current_app.config["MAX_TEXT_CHARS"])
