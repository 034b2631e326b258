"""The web page in headless Chromium (Debian ``chromium`` + Playwright) against a real server on the
tiny voice: type, pick an emotion, synthesize, and the player gets playable audio."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (Debian package 'chromium')")

TINY_VOICE = Path(__file__).resolve().parent / "fixtures" / "tiny_voice"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = tmp_path_factory.mktemp("cache")
    log = open(tmp_path_factory.mktemp("log") / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "sambert_edge", "serve", "--voice", str(TINY_VOICE),
                             "--bind", f"127.0.0.1:{port}", "--cache-dir", str(cache), "--threads", "4"],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the server did not start")
    yield base
    proc.terminate()
    proc.wait(30)
    log.close()


@pytest.fixture()
def page(server):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page()
        page.goto(server + "/")
        page.wait_for_function("document.querySelectorAll('#emotion option').length > 0")
        yield page
        browser.close()


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
    inked = page.evaluate("""() => {
        const c = document.getElementById('waveform');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
    }""")
    assert inked > 500  # the waveform was drawn
    assert page.locator("#history li").count() == 1 and "sad" in page.inner_text("#history li")
    _screenshot(page, "web_page_result.png", tmp_path)


def test_the_servers_message_is_shown_for_bad_text(page):
    page.fill("#text", "   ")
    page.click("#synthesize")
    page.wait_for_selector("#status.error", timeout=15_000)
    assert "empty" in page.inner_text("#status")
    assert page.is_hidden("#result")


def test_phone_width_has_no_horizontal_overflow(page, tmp_path):
    page.set_viewport_size({"width": 375, "height": 740})
    page.fill("#text", "这是一个很长的句子，" * 20)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.inner_text("#count") == str(len("这是一个很长的句子，" * 20))
    _screenshot(page, "web_page_phone.png", tmp_path)
