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
  if ($("status").classList.contains("error")) setStatus("", "");  // e.g. the key was missing and is now given
}

function drawWaveform(samples) {
  // One column per device pixel: the min and max of the samples that fall in it, scaled to the peak
  // (quiet audio still shows its shape), mirrored around a centre line.
  const canvas = $("waveform");
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round((canvas.clientWidth || 720) * dpr));
  canvas.height = Math.max(1, Math.round((canvas.clientHeight || 96) * dpr));
  const { width, height } = canvas;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
  const gain = peak > 1e-4 ? 0.95 / peak : 1;
  ctx.fillStyle = "#c9d8ee";
  ctx.fillRect(0, Math.floor(height / 2), width, Math.max(1, Math.round(dpr)));
  ctx.fillStyle = "#0b63ce";
  for (let x = 0; x < width; x++) {
    const start = Math.floor((x * samples.length) / width);
    const end = Math.max(start + 1, Math.floor(((x + 1) * samples.length) / width));
    let lo = Infinity, hi = -Infinity;
    for (let i = start; i < Math.min(end, samples.length); i++) {
      if (samples[i] < lo) lo = samples[i];
      if (samples[i] > hi) hi = samples[i];
    }
    if (hi < lo) continue;
    const top = ((1 - hi * gain) / 2) * height;
    ctx.fillRect(x, top, 1, Math.max(1, ((hi - lo) * gain / 2) * height));
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
    const text = String(entry.text || "");
    item.textContent = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    const meta = document.createElement("span");
    meta.textContent = `${entry.emotion || ""}, ${Number(entry.duration_s || 0).toFixed(1)} s`;
    item.append(meta);
    item.title = "play again";
    item.tabIndex = 0;
    item.addEventListener("click", () => replay(entry));
    item.addEventListener("keydown", (e) => { if (e.key === "Enter") replay(entry); });
    return item;
  }));
}

function remember(entry) {
  const same = JSON.stringify(entry.request);
  const history = readHistory().filter((e) => JSON.stringify(e.request) !== same);
  history.unshift(entry);
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(0, HISTORY_MAX)));
  } catch (e) {
    console.warn("history not saved:", e);  // storage full or off: the synthesis itself still worked
  }
  renderHistory();
}

async function fetchAudio(url) {
  const response = await fetch(url, { headers: headers(false) });
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.blob();
}

function restoreForm(request) {
  $("text").value = request.text || "";
  updateCount();
  if (request.voice && voices.some((v) => v.name === request.voice)) {
    $("voice").value = request.voice;
    voiceChanged();
  }
  for (const name of ["speaker", "emotion"]) {
    if (request[name] && [...$(name).options].some((o) => o.value === request[name])) $(name).value = request[name];
  }
  for (const name of ["intensity", "speed", "pitch"]) {
    if (typeof request[name] === "number") {
      $(name).value = request[name];
      $(name).dispatchEvent(new Event("input"));
    }
  }
}

async function replay(entry) {
  // The entry's settings go back into the form; its audio comes from the server's cache, and when the
  // cache has dropped it (or it was never stored there) the same request is synthesized again.
  restoreForm(entry.request || { text: entry.text, emotion: entry.emotion, voice: entry.voice });
  if (!entry.audio_url) {
    await synthesize();
    return;
  }
  setStatus("loading…", "busy");
  try {
    await showAudio(await fetchAudio(entry.audio_url));
  } catch (e) {
    await synthesize();
    return;
  }
  setStatus(`replayed: ${Number(entry.duration_s).toFixed(2)} s of audio`, "done");
  $("player").play().catch(() => {});
}

let busy = false;

async function synthesize() {
  if (busy) return;
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
  busy = true;
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
    // A data: URL (the server could not cache the file) is too big to keep; replay synthesizes again.
    remember({ text: request.text, emotion: body.emotion, voice: body.voice, duration_s: body.duration_s,
               audio_url: body.audio_url.startsWith("data:") ? null : body.audio_url,
               request: { ...request, voice: body.voice, speaker: body.speaker, emotion: body.emotion } });
  } catch (e) {
    setStatus(e.message, "error");
  } finally {
    busy = false;
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
    + `<details><summary>KAN-TTS symbols (${body.symbols.length} sentence${body.symbols.length === 1 ? "" : "s"})</summary>`
    + body.symbols.map((s) => `<pre>${escapeHtml(s)}</pre>`).join("") + "</details>";
}

function updateCount() {
  // Code points, as the server counts them (Python's len); over the limit the counter turns red and
  // the server's answer says so, rather than the browser cutting pasted text short without a word.
  const n = [...$("text").value].length;
  $("count").textContent = n;
  $("count").parentElement.classList.toggle("full", n > MAX_CHARS);
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
