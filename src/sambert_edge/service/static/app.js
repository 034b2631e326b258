// The sambert-edge page: only the JSON API (GET /api/voices, POST /api/tts, GET /api/audio/..., POST /api/g2p).
// Audio is fetched as a blob (so an API key header can be sent) and shown with a blob: URL.
"use strict";

const $ = (id) => document.getElementById(id);
const app = $("app");
const MAX_CHARS = Number(app.dataset.maxChars);
const RANGES = JSON.parse(app.dataset.ranges);
const HISTORY_KEY = "sambert-edge-history";
const HISTORY_MAX = 20;
let voices = [];

function headers(json) {
  const h = json ? { "Content-Type": "application/json" } : {};
  const key = $("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    return body.message || body.error || `HTTP ${response.status}`;
  } catch (e) {
    return `HTTP ${response.status}`;
  }
}

function setStatus(text, kind) {
  const status = $("status");
  status.textContent = text;
  status.className = kind || "";
}

function setupSlider(name) {
  const [min, max, value] = RANGES[name];
  const input = $(name);
  Object.assign(input, { min, max, value });
  const show = () => { $(`${name}-value`).textContent = Number(input.value).toFixed(2); };
  input.addEventListener("input", show);
  show();
}

function fill(select, items, chosen) {
  select.replaceChildren(...items.map((item) => new Option(item, item, false, item === chosen)));
}

function voiceChanged() {
  const voice = voices.find((v) => v.name === $("voice").value);
  if (!voice) return;
  fill($("speaker"), voice.speakers, voice.default_speaker);
  fill($("emotion"), voice.emotions, voice.default_emotion);
}

async function loadVoices() {
  const response = await fetch("/api/voices", { headers: headers(false) });
  if (!response.ok) {
    setStatus(await errorMessage(response), "error");
    return;
  }
  const body = await response.json();
  voices = body.voices;
  if (!voices.length) {
    setStatus("This server has no voice loaded: it can only show how text is read.", "error");
    $("synthesize").disabled = true;
    return;
  }
  fill($("voice"), voices.map((v) => v.name), body.default);
  voiceChanged();
}

function drawWaveform(samples) {
  const canvas = $("waveform");
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = "#0b63ce";
  const per = Math.max(1, Math.floor(samples.length / width));
  for (let x = 0; x < width; x++) {
    let lo = 1, hi = -1;
    const start = x * per;
    for (let i = start; i < Math.min(start + per, samples.length); i++) {
      if (samples[i] < lo) lo = samples[i];
      if (samples[i] > hi) hi = samples[i];
    }
    if (hi < lo) continue;
    const top = ((1 - hi) / 2) * height;
    ctx.fillRect(x, top, 1, Math.max(1, ((hi - lo) / 2) * height));
  }
}

async function showAudio(blob) {
  const url = URL.createObjectURL(blob);
  const player = $("player");
  if (player.dataset.url) URL.revokeObjectURL(player.dataset.url);
  player.dataset.url = url;
  player.src = url;
  $("download").href = url;
  $("result").hidden = false;
  try {
    const context = new (window.AudioContext || window.webkitAudioContext)();
    const decoded = await context.decodeAudioData(await blob.arrayBuffer());
    drawWaveform(decoded.getChannelData(0));
    context.close();
  } catch (e) {
    console.warn("waveform unavailable:", e);
  }
}

function readHistory() {
  try {
    return JSON.parse(localStorage.getItem(HISTORY_KEY)) || [];
  } catch (e) {
    return [];
  }
}

function renderHistory() {
  const list = $("history");
  list.replaceChildren(...readHistory().map((entry) => {
    const item = document.createElement("li");
    item.textContent = entry.text.length > 60 ? `${entry.text.slice(0, 60)}…` : entry.text;
    const meta = document.createElement("span");
    meta.textContent = `${entry.emotion}, ${entry.duration_s.toFixed(1)} s`;
    item.append(meta);
    item.title = "play again";
    item.addEventListener("click", () => replay(entry));
    return item;
  }));
}

function remember(entry) {
  const history = readHistory().filter((e) => e.audio_url !== entry.audio_url);
  history.unshift(entry);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(0, HISTORY_MAX)));
  renderHistory();
}

async function fetchAudio(url) {
  const response = await fetch(url, { headers: headers(false) });
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.blob();
}

async function replay(entry) {
  setStatus("loading…", "busy");
  try {
    await showAudio(await fetchAudio(entry.audio_url));
    $("text").value = entry.text;
    updateCount();
    setStatus(`replayed: ${entry.duration_s.toFixed(2)} s of audio`, "done");
    $("player").play().catch(() => {});
  } catch (e) {
    setStatus(`cannot replay (the cache may have dropped it): ${e.message}`, "error");
  }
}

async function synthesize() {
  const button = $("synthesize");
  const request = {
    text: $("text").value,
    voice: $("voice").value || null,
    speaker: $("speaker").value || null,
    emotion: $("emotion").value || null,
    intensity: Number($("intensity").value),
    speed: Number($("speed").value),
    pitch: Number($("pitch").value),
    format: "wav",
  };
  button.disabled = true;
  setStatus("synthesizing…", "busy");
  const started = performance.now();
  try {
    const response = await fetch("/api/tts", { method: "POST", headers: headers(true), body: JSON.stringify(request) });
    if (!response.ok) throw new Error(await errorMessage(response));
    const body = await response.json();
    await showAudio(await fetchAudio(body.audio_url));
    const seconds = (performance.now() - started) / 1000;
    setStatus(`done: ${body.duration_s.toFixed(2)} s of audio in ${seconds.toFixed(2)} s`
              + (body.cached ? " (from the cache)" : ""), "done");
    remember({ text: request.text, emotion: body.emotion, voice: body.voice, audio_url: body.audio_url,
               duration_s: body.duration_s });
  } catch (e) {
    setStatus(e.message, "error");
  } finally {
    button.disabled = false;
  }
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

async function showReading() {
  const reading = $("reading");
  reading.textContent = "reading…";
  const response = await fetch("/api/g2p", { method: "POST", headers: headers(true),
                                             body: JSON.stringify({ text: $("text").value }) });
  if (!response.ok) {
    reading.textContent = await errorMessage(response);
    return;
  }
  const body = await response.json();
  const row = (cells) => `<tr>${cells.map((c) => `<td>${escapeHtml(String(c ?? "·"))}</td>`).join("")}</tr>`;
  reading.innerHTML = `<p>${escapeHtml(body.normalized)}</p><table>`
    + row(body.pinyin.map((p) => p[0])) + row(body.pinyin.map((p) => p[1]))
    + row(body.spoken.map((p) => p[1])) + "</table>"
    + body.symbols.map((s) => `<pre>${escapeHtml(s)}</pre>`).join("");
}

function updateCount() {
  const n = $("text").value.length;
  $("count").textContent = n;
  $("count").parentElement.classList.toggle("full", n >= MAX_CHARS);
}

function init() {
  if (app.dataset.keyRequired === "true") $("key-row").hidden = false;
  ["intensity", "speed", "pitch"].forEach(setupSlider);
  $("text").addEventListener("input", updateCount);
  $("voice").addEventListener("change", voiceChanged);
  $("synthesize").addEventListener("click", synthesize);
  $("g2p").addEventListener("click", showReading);
  $("api-key").addEventListener("change", loadVoices);
  $("clear-history").addEventListener("click", () => { localStorage.removeItem(HISTORY_KEY); renderHistory(); });
  updateCount();
  renderHistory();
  loadVoices();
}

init();
