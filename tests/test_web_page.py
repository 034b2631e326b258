"""The web page: what the app serves for it (Flask test client), then the page itself in headless
Chromium (Debian ``chromium`` + Playwright) against a real server on the tiny voice: type, pick an
emotion, synthesize, and the player gets playable audio."""

import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

try:
    from playwright import sync_api as playwright_api
except ImportError:  # the dev extra is not installed: the page tests skip, the Flask ones still run
    playwright_api = None
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
STATIC = Path(__file__).resolve().parents[1] / "src" / "sambert_edge" / "service" / "static"


# --- what the app serves (no browser) ------------------------------------------------------------
@pytest.fixture()
def client(frontend, tmp_path):
    pytest.importorskip("flask")
    from sambert_edge.service import create_app

    return create_app({"TESTING": True, "CACHE_DIR": str(tmp_path), "MAX_TEXT_CHARS": 1234},
                      frontend=frontend).test_client()


def test_page_links_its_static_files_and_shows_the_limit(client):
    from sambert_edge.service.options import RANGES

    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'href="/static/style.css"' in text and 'src="/static/app.js"' in text
    assert "/1234</span>" in text and 'data-max-chars="1234"' in text  # the configured limit, not a constant
    ranges = json.loads(html.unescape(re.search(r"data-ranges='([^']*)'", text)[1]))
    assert ranges == {name: list(r) for name, r in RANGES.items()}
    assert 'data-key-required="false"' in text
    assert "http://" not in text and "https://" not in text  # nothing from a CDN: the device is offline
    # every element the script looks up is on the page
    ids = set(re.findall(r'\$\("([\w-]+)"\)', (STATIC / "app.js").read_text()))
    ids |= {f"{name}-value" for name in ("intensity", "speed", "pitch")}  # looked up as $(`${name}-value`)
    missing = [i for i in sorted(ids) if f'id="{i}"' not in text]
    assert ids and not missing


@pytest.mark.parametrize("path,mimetype", [("/static/style.css", "text/css"), ("/static/app.js", "javascript")])
def test_static_files_are_served_with_their_content_types(client, path, mimetype):
    with client.get(path) as asset:  # send_file responses hold the file open until closed
        assert asset.status_code == 200 and mimetype in asset.mimetype
        body = asset.get_data()
    assert body == (STATIC / path.rsplit("/", 1)[1]).read_bytes()
    assert b"http://" not in body and b"https://" not in body


# --- the page in Chromium ------------------------------------------------------------------------
API_KEY = "page-test-key"


def _serve(tmp_path_factory, *extra):
    """A real server on the tiny voice and a free port; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = tmp_path_factory.mktemp("cache")
    log_path = tmp_path_factory.mktemp("log") / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "SAMBERT_API_KEY"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sambert_edge", "serve", "--voice", str(TINY_VOICE),
                                 "--bind", f"127.0.0.1:{port}", "--cache-dir", str(cache), "--threads", "4",
                                 *extra], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _need_browser():
    # Every browser test comes through here (its server fixture), so they skip together, before a
    # server is started for nothing.
    if playwright_api is None:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    if CHROMIUM is None:
        pytest.skip("no chromium binary (Debian package 'chromium'; Playwright's own browser download is not used)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _need_browser()
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory):
    _need_browser()
    yield from _serve(tmp_path_factory, "--api-key", API_KEY)


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


@pytest.fixture()
def page(server, browser):
    context = browser.new_context()  # a fresh localStorage per test
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_function("document.querySelectorAll('#emotion option').length > 0")
    yield page
    context.close()


def _screenshot(page, name, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    for folder in (ARTIFACTS, tmp_path):
        page.screenshot(path=str(folder / name), full_page=True)


def test_synthesize_with_an_emotion_gives_playable_audio(page, tmp_path):
    assert page.locator("#emotion option").all_inner_texts() == ["neutral", "happy", "angry", "sad"]
    assert page.is_hidden("#key-row")  # no API key configured
    page.fill("#text", "今天天气很好，我们去公园散步吧。")
    page.select_option("#emotion", "sad")
    page.click("#synthesize")
    page.wait_for_selector("#status.done", timeout=30_000)
    assert page.inner_text("#status").startswith("done:")
    duration = page.evaluate("""() => new Promise((resolve) => {
        const a = document.getElementById('player');
        if (a.readyState >= 1) resolve(a.duration); else a.addEventListener('loadedmetadata', () => resolve(a.duration));
    })""")
    assert duration > 0.3
    riff = page.evaluate("""async () => {
        const r = await fetch(document.getElementById('download').href);
        const b = new Uint8Array(await r.arrayBuffer());
        return String.fromCharCode(...b.slice(0, 4)) + String.fromCharCode(...b.slice(8, 12));
    }""")
    assert riff == "RIFFWAVE"
    # The waveform was drawn: columns with ink in the waveform's colour (#0b63ce; red 11), so the pale
    # centre line (#c9d8ee), drawn before any audio is looked at, does not count.
    inked, width = page.evaluate("""() => {
        const c = document.getElementById('waveform');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let x = 0; x < c.width; x++) {
            for (let y = 0; y < c.height; y++) {
                const i = 4 * (y * c.width + x);
                if (d[i + 3] > 128 && d[i] < 100) { n++; break; }
            }
        }
        return [n, c.width];
    }""")
    assert width > 100 and inked > 0.9 * width
    assert page.locator("#history li").count() == 1 and "sad" in page.inner_text("#history li")
    _screenshot(page, "web_page_result.png", tmp_path)


def test_history_survives_a_reload_and_replays(page):
    page.fill("#text", "你好，世界。")
    page.select_option("#emotion", "happy")
    page.click("#synthesize")
    page.wait_for_selector("#status.done", timeout=30_000)
    page.reload()
    page.wait_for_selector("#history li")
    assert "happy" in page.inner_text("#history li")
    page.fill("#text", "")
    page.select_option("#emotion", "neutral")
    page.click("#history li")
    page.wait_for_selector("#status.done", timeout=30_000)
    assert page.inner_text("#status").startswith("replayed:")
    # the entry's settings are back in the form
    assert page.input_value("#text") == "你好，世界。" and page.input_value("#emotion") == "happy"
    assert page.evaluate("document.getElementById('player').src").startswith("blob:")
    # audio the cache no longer has: the same request is synthesized again (a cache hit here)
    page.evaluate("""() => {
        const h = JSON.parse(localStorage.getItem('sambert-edge-history'));
        h[0].audio_url = '/api/audio/' + '0'.repeat(64) + '.wav';
        localStorage.setItem('sambert-edge-history', JSON.stringify(h));
    }""")
    page.reload()
    page.wait_for_selector("#history li")
    page.click("#history li")
    page.wait_for_selector("#status.done", timeout=30_000)
    assert page.inner_text("#status").startswith("done:") and "from the cache" in page.inner_text("#status")
    assert page.locator("#history li").count() == 1


def test_the_servers_message_is_shown_for_bad_text(page):
    page.fill("#text", "   ")
    page.click("#synthesize")
    page.wait_for_selector("#status.error", timeout=15_000)
    assert "empty" in page.inner_text("#status")
    assert page.is_hidden("#result")
    # over the server's limit: pasted text is kept whole, the counter turns red, the server says why
    page.fill("#text", "好" * 2001)
    assert page.inner_text("#count") == "2001" and "full" in page.get_attribute(".counter", "class")
    page.click("#synthesize")
    page.wait_for_function("document.getElementById('status').textContent.includes('limit is 2000')",
                           timeout=15_000)
    assert "error" in page.get_attribute("#status", "class")


def test_phone_width_has_no_horizontal_overflow(page, tmp_path):
    page.set_viewport_size({"width": 375, "height": 740})
    text = "这是一个很长的句子，" * 20 + "2024年3月5日，气温-3.5℃。"
    page.fill("#text", text)
    assert page.inner_text("#count") == str(len(text))
    page.click("#synthesize")
    page.wait_for_selector("#status.done", timeout=30_000)
    page.click("summary")
    page.click("#g2p")
    page.wait_for_selector("#reading table")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # the waveform is drawn at the canvas's on-screen size
    assert page.evaluate("document.getElementById('waveform').width") <= 375
    _screenshot(page, "web_page_phone.png", tmp_path)


def test_with_an_api_key_the_page_asks_for_it_and_sends_it(keyed_server, browser):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(keyed_server + "/")
        assert page.is_visible("#key-row")
        page.wait_for_selector("#status.error")  # GET /api/voices without the key: the server's 401 message
        assert "key" in page.inner_text("#status").lower()
        page.fill("#api-key", API_KEY)
        page.press("#api-key", "Tab")  # leaving the field fires "change": the voices load with the key
        page.wait_for_function("document.querySelectorAll('#emotion option').length > 0")
        assert page.inner_text("#status") == ""  # the missing-key message is gone
        with page.expect_request(lambda r: r.url.endswith("/api/tts")) as sent:
            page.click("#synthesize")
        assert sent.value.headers.get("x-api-key") == API_KEY
        page.wait_for_selector("#status.done", timeout=30_000)
        assert page.evaluate("document.getElementById('player').src").startswith("blob:")
    finally:
        context.close()
