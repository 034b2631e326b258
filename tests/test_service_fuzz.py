"""Property-based fuzzing of the HTTP API from its own ``GET /openapi.json`` (schemathesis).

Every operation of the spec gets generated requests, valid and invalid (schemathesis's examples,
coverage and fuzzing phases), sent to the Flask app in process (WSGI), and every answer must be:
not a 5xx, a status code the spec lists for that operation, a documented content type, and a body
that matches the documented schema. Two voices with different emotions are loaded so the enums
in the spec (emotions, speakers, OpenAI ``<voice>-<emotion>`` names) are unions the fuzzer can
combine wrongly; the answer to such a combination must still be a documented 400.

Bounded and reproducible for CI: ``max_examples`` per operation, ``derandomize=True`` (the same
cases every run), no Hypothesis database, no deadline (synthesis time varies on a loaded machine).
The tiny voice and a 40-character text limit keep it at well under a minute.
"""

import dataclasses
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from sambert_edge import Synthesizer  # noqa: E402
from sambert_edge.service import create_app  # noqa: E402

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"

# Schema-invalid input must get a 4xx: 413 is this API's answer to a text over MAX_TEXT_CHARS
# (a string over maxLength), documented as such, so it counts as a rejection here.
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {
    "expected-statuses": [400, 401, 404, 405, 413, 415]}}})


def schema_valid_input_is_accepted(ctx, response, case):
    """Schemathesis's positive_data_acceptance, narrowed to what a JSON schema can say about this API.

    A request the spec allows may still get a 400 for its text: whitespace only, emoji only or
    control characters pass ``minLength`` but leave nothing to speak (the frontend decides; no
    pattern can). With several voices the ``emotion``/``speaker`` enums are the union of all
    voices', so a combination one voice lacks is refused too. Any other refusal of schema-valid
    input (another field, another 4xx) is a mismatch between spec and app. ``/api/audio`` answers
    404 for names not in the cache, as documented; ``/api/tts?stream=1`` takes only stream formats.
    """
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE or response.status_code < 400:
        return None
    if response.status_code == 404 and case.path == "/api/audio/{name}":
        return None
    assert response.status_code == 400, f"schema-valid request got {response.status_code}: {response.text[:300]}"
    body = response.json()
    param = body["error"].get("param") if isinstance(body.get("error"), dict) else body.get("param")
    allowed = {"text", "input"}
    if case.path in ("/api/tts", "/api/tts/stream"):
        allowed |= {"emotion", "speaker"}
    if case.path == "/api/tts" and str((case.query or {}).get("stream", "")).lower() in ("1", "true", "yes", "on"):
        allowed.add("format")  # ?stream=1 takes TtsStreamRequest's formats; a query cannot switch the body schema
    assert param in allowed, f"schema-valid request refused because of {param!r}: {response.text[:300]}"
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, schema_valid_input_is_accepted,
          unsupported_method, allow_header_conformance, missing_required_header]


class _Renamed:
    """The tiny voice under another name with fewer emotions: a second voice that differs."""

    def __init__(self, synth, name: str, emotions: tuple[str, ...]) -> None:
        self._synth = synth
        self.voice = dataclasses.replace(synth.voice, name=name, emotions=emotions, default_emotion=emotions[0])

    def __getattr__(self, name):
        return getattr(self._synth, name)


@pytest.fixture(scope="module")
def fuzz_app(frontend, tmp_path_factory):
    synth = Synthesizer.load(TINY_VOICE, threads=1, frontend=frontend)
    voices = {"tiny": synth, "solo": _Renamed(synth, "solo", ("neutral", "sad"))}
    config = {"TESTING": True, "CACHE_DIR": str(tmp_path_factory.mktemp("fuzz-cache")), "MAX_TEXT_CHARS": 40}
    return create_app(config, synthesizer=voices, frontend=frontend)


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_spec(case):
    case.call_and_validate(checks=CHECKS)
