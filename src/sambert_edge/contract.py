"""The ONNX contract between the exporter (``sambert_edge.train.export``) and the engine.

A voice folder holds six graphs plus ``voice.json``. The engine drives them as KAN-TTS
``KanTtsSAMBERT`` inference does (batch 1, fp32), with two autoregressive loops in Python:

1. ``encoder.onnx``: embeddings + text encoder + emotion/speaker tables + pitch/energy predictors.
2. ``duration_step.onnx``: one step of the autoregressive duration LSTM (state in/out), looped over phones.
3. (numpy, ``sambert_edge.acoustic``) length regulator: phone -> frame index, within-phone positions.
4. ``decoder_memory.onnx``: gather per frame, duration position encoding, LFR grouping, per-layer
   memory K/V of the PNCA decoder.
5. ``decoder_step.onnx``: one PNCA decoder step with a fixed-size ring-buffer x-attention cache.
6. ``postnet.onnx``: FSMN + LSTM residual postnet on the valid frames.
7. ``vocoder.onnx``: HiFi-GAN (weight norm folded), mel -> waveform. For NSF voices
   (``voice.json`` ``nsf: true``) it reads the mel plus f0 (Hz) and voicing rows and two more
   inputs, the source module's random phases and noise (drawn by the engine).

Names below are the graph input/output names; shapes use T phones, F frames (F' padded to a
multiple of r), M = F'/r decoder steps, L decoder layers, H heads, D head width, W ring size.
This module imports nothing heavy: both sides (torch and onnxruntime) read it.
"""

from __future__ import annotations

CONTRACT_VERSION = 1
"""Bump when any name, shape or meaning below changes; ``voice.json`` records it."""

OPSET = 17
VOICE_FILE = "voice.json"

# --- file names -----------------------------------------------------------------------------
ENCODER_FILE = "encoder.onnx"
DURATION_STEP_FILE = "duration_step.onnx"
DECODER_MEMORY_FILE = "decoder_memory.onnx"
DECODER_STEP_FILE = "decoder_step.onnx"
POSTNET_FILE = "postnet.onnx"
VOCODER_FILE = "vocoder.onnx"

GRAPH_FILES: dict[str, str] = {
    "encoder": ENCODER_FILE,
    "duration_step": DURATION_STEP_FILE,
    "decoder_memory": DECODER_MEMORY_FILE,
    "decoder_step": DECODER_STEP_FILE,
    "postnet": POSTNET_FILE,
    "vocoder": VOCODER_FILE,
}
"""Graph role -> default file name (``voice.json`` ``files`` may rename them)."""

# --- encoder.onnx ---------------------------------------------------------------------------
ENC_LING = "ling"
"""int64 [1, T, 4]: sy, tone, syllable_flag, word_segment ids."""
ENC_EMOTION = "emotion"
"""int64 [1, T]: emotion id per phone (the requested emotion)."""
ENC_EMOTION_REF = "emotion_ref"
"""int64 [1, T]: the emotion the intensity mixes toward at weight 0 (neutral on phones)."""
ENC_SPEAKER = "speaker"
"""int64 [1, T]: speaker id per phone."""
ENC_EMOTION_WEIGHT = "emotion_weight"
"""float32 [1]: emb = w * E[emotion] + (1 - w) * E[emotion_ref]; 1 = the plain KAN-TTS embedding."""
ENC_PITCH_SCALE = "pitch_scale"
"""float32 [1]: pitch' = pitch * pitch_scale + pitch_shift (normalized units)."""
ENC_PITCH_SHIFT = "pitch_shift"
"""float32 [1]"""
ENC_ENERGY_SCALE = "energy_scale"
"""float32 [1]: energy' = energy * energy_scale."""
ENCODER_INPUTS = (
    ENC_LING, ENC_EMOTION, ENC_EMOTION_REF, ENC_SPEAKER,
    ENC_EMOTION_WEIGHT, ENC_PITCH_SCALE, ENC_PITCH_SHIFT, ENC_ENERGY_SCALE,
)
ENC_TEXT_AUG = "text_aug"
"""float32 [1, T, P]: encoder output + pitch and energy embeddings (P = projection units)."""
ENC_SPEAKER_EMB = "speaker_emb"
"""float32 [1, T, S]"""
ENC_EMOTION_EMB = "emotion_emb"
"""float32 [1, T, E]"""
ENC_DURATION_COND = "duration_cond"
"""float32 [1, T, P + S + E]: cat[text_aug, speaker_emb, emotion_emb], the duration condition."""
ENC_PITCH = "pitch"
"""float32 [1, T]: predicted normalized pitch (before the edits)."""
ENC_ENERGY = "energy"
"""float32 [1, T]: predicted normalized energy (before the edits)."""
ENCODER_OUTPUTS = (ENC_TEXT_AUG, ENC_SPEAKER_EMB, ENC_EMOTION_EMB, ENC_DURATION_COND, ENC_PITCH, ENC_ENERGY)

# --- duration_step.onnx ---------------------------------------------------------------------
DUR_PREV = "prev_log_duration"
"""float32 [1, 1, 1]: the previous step's output (0 at the first phone)."""
DUR_COND = "cond_step"
"""float32 [1, 1, P + S + E]: ``duration_cond`` of this phone."""
DUR_H = "h"
"""float32 [2, 1, U]: LSTM hidden state (zeros at the first phone)."""
DUR_C = "c"
"""float32 [2, 1, U]: LSTM cell state."""
DURATION_INPUTS = (DUR_PREV, DUR_COND, DUR_H, DUR_C)
DUR_LOG_DURATION = "log_duration"
"""float32 [1, 1]: relu(fc(lstm)) = log(d + 1) in frames."""
DUR_H_OUT = "h_out"
DUR_C_OUT = "c_out"
DURATION_OUTPUTS = (DUR_LOG_DURATION, DUR_H_OUT, DUR_C_OUT)

# --- decoder_memory.onnx --------------------------------------------------------------------
MEM_TEXT_AUG = "text_aug"
"""float32 [1, T, P]"""
MEM_SPEAKER_EMB = "speaker_emb"
"""float32 [1, T, S]"""
MEM_EMOTION_EMB = "emotion_emb"
"""float32 [1, T, E]"""
MEM_FRAME_PHONE = "frame_phone"
"""int64 [F']: phone index of each frame (any index on padding frames)."""
MEM_FRAME_VALID = "frame_valid"
"""float32 [F']: 1 on the F valid frames, 0 on the padding up to F'."""
MEM_FRAME_POS = "frame_position"
"""float32 [F']: 1-based frame index within its phone, 0 on padding."""
DECODER_MEMORY_INPUTS = (MEM_TEXT_AUG, MEM_SPEAKER_EMB, MEM_EMOTION_EMB, MEM_FRAME_PHONE, MEM_FRAME_VALID, MEM_FRAME_POS)
MEM_MEMORY = "memory"
"""float32 [1, M, r*P + S + E]: LFR memory."""
MEM_H_K = "h_k"
"""float32 [L, H, M, D]: per-layer h-attention keys."""
MEM_H_V = "h_v"
"""float32 [L, H, M, D]"""
DECODER_MEMORY_OUTPUTS = (MEM_MEMORY, MEM_H_K, MEM_H_V)

# --- decoder_step.onnx ----------------------------------------------------------------------
STEP_PREV_FRAME = "prev_frame"
"""float32 [1, 1, num_mels]: last frame of the previous step (zeros at step 0)."""
STEP_MEMORY = "memory_step"
"""float32 [1, 1, r*P + S + E]: ``memory[:, s]``."""
STEP_H_K = "h_k"
STEP_H_V = "h_v"
STEP_X_K = "x_k"
"""float32 [L, H, W, D]: ring buffer of past x-attention keys, W = band + 1; step s writes s % W."""
STEP_X_V = "x_v"
STEP_INDEX = "step"
"""int64 []: the step s."""
STEP_H_BAND = "h_band_width"
"""int64 []: look-ahead band of the memory attention."""
DECODER_STEP_INPUTS = (STEP_PREV_FRAME, STEP_MEMORY, STEP_H_K, STEP_H_V, STEP_X_K, STEP_X_V, STEP_INDEX, STEP_H_BAND)
STEP_FRAMES = "frames"
"""float32 [1, 1, r*num_mels]: r decoder frames."""
STEP_X_K_OUT = "x_k_out"
STEP_X_V_OUT = "x_v_out"
DECODER_STEP_OUTPUTS = (STEP_FRAMES, STEP_X_K_OUT, STEP_X_V_OUT)

# --- postnet.onnx ---------------------------------------------------------------------------
POST_DEC = "dec"
"""float32 [1, F, num_mels]: decoder mel, valid frames only."""
POST_MEL = "mel"
"""float32 [1, F, num_mels]: dec + postnet residual."""

# --- vocoder.onnx ---------------------------------------------------------------------------
VOC_MEL = "mel"
"""float32 [1, num_mels, F]. NSF voices: [1, mels + 2, F], the mel rows, then f0 in Hz
(de-normalized, see :mod:`sambert_edge.nsf`), then voicing 0/1."""
VOC_NSF_PHASE = "nsf_phase"
"""NSF voices only. float32 [1, K, 1], K = harmonics + 1: initial phase of each sine in
[-pi, pi); row 0 (the fundamental) is used as 0 whatever it holds."""
VOC_NSF_NOISE = "nsf_noise"
"""NSF voices only. float32 [1, K, F * hop]: standard normal noise (the graph scales it by the
source module's sigma)."""
VOC_WAV = "wav"
"""float32 [1, 1, F * hop] in [-1, 1]."""
