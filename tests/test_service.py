"""The HTTP service without a voice: health, the frontend's reading, the page, JSON errors."""

import pytest

from sambert_edge.service import create_app


@pytest.fixture()
def client(frontend, tmp_path):
    return create_app({"TESTING": True, "CACHE_DIR": str(tmp_path)}, frontend=frontend).test_client()


def test_healthz(client):
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_g2p_endpoint(client):
    r = client.post("/api/g2p", json={"text": "你好"})
    assert r.status_code == 200
    assert r.get_json()["spoken"] == [["你", "ni2"], ["好", "hao3"]]
    assert "你" in r.get_data(as_text=True)  # not \u-escaped


@pytest.mark.parametrize("kwargs,status,message", [
    ({"json": {"text": ""}}, 400, "text is empty"),
    ({"json": {"text": "😀"}}, 400, "nothing to speak"),
    ({"json": {"txt": "你好"}}, 400, '"text"'),
    ({"json": ["你好"]}, 400, '"text"'),
    ({"data": "{bad json", "content_type": "application/json"}, 400, '"text"'),
    ({"data": "text=你好", "content_type": "text/plain"}, 415, "application/json"),
    ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "UTF-8"),
])
def test_bad_requests_get_json_errors(client, kwargs, status, message):
    r = client.post("/api/g2p", **kwargs)
    assert r.status_code == status
    assert message in r.get_json()["message"]


def test_unknown_route_is_json_404(client):
    r = client.get("/nope")
    assert r.status_code == 404 and r.get_json()["error"] == "Not Found"


def test_oversized_body_is_413(client):
    r = client.post("/api/g2p", data=b"x" * 100_000, content_type="application/json")
    assert r.status_code == 413


def test_page_is_served_without_external_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert "<textarea" in html and "/static/app.js" in html and "/static/style.css" in html
    assert "http://" not in html and "https://" not in html
    for path, kind, needles in (("/static/app.js", "javascript", ("/api/tts", "/api/g2p", "/api/voices")),
                                ("/static/style.css", "text/css", ("canvas", "#status.error"))):
        with client.get(path) as asset:  # send_file responses hold the file open until closed
            body = asset.get_data(as_text=True)
            assert asset.status_code == 200 and kind in asset.content_type
        assert all(n in body for n in needles)
        assert "http://" not in body and "https://" not in body
