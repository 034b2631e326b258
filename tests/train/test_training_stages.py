"""The voice recipe end to end on a toy corpus: align -> emotions -> train-am -> train-vocoder -> export,
and the exported folder speaks through the torch-free engine (a few steps each: plumbing, not quality)."""

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("librosa")
pytest.importorskip("pyworld")
pytest.importorskip("misaki.transcription")

import soundfile as sf  # noqa: E402

from sambert_edge.train.teacher import frontend_phonemes  # noqa: E402

SENTENCES = ["你好。", "我们走吧。", "今天天气很好。", "谢谢你。", "好不好？", "再见，朋友。",
             "三点半见。", "他来了。", "这是什么？", "慢慢说。", "开灯。", "下雨了。"]


def _tone(n: int, f0: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / 16000
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    return (0.2 * x + 0.002 * rng.standard_normal(n)).astype(np.float32)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, frontend):
    """A corpus folder as the corpus stage leaves it: manifest.jsonl + wavs/*.flac."""
    work = tmp_path_factory.mktemp("voice_work")
    (work / "wavs").mkdir()
    rng = np.random.default_rng(0)
    with open(work / "manifest.jsonl", "w", encoding="utf-8") as f:
        for i, text in enumerate(SENTENCES):
            phonemes = frontend_phonemes(frontend.analyze(text))
            frames = [6] + [int(rng.integers(1, 4)) for _ in phonemes] + [6]
            samples = sum(frames) * 400
            audio = _tone(samples, 150 + 10 * i, rng)
            audio[: 6 * 400] = 0.0  # the start pad is silence
            sf.write(str(work / "wavs" / f"utt{i:02d}.flac"), audio, 16000)
            f.write(json.dumps({"utt_id": f"utt{i:02d}", "text": text, "phonemes": phonemes,
                                "token_frames": frames, "token_frame_samples": 600,
                                "trim_start_16k": 0}, ensure_ascii=False) + "\n")
    return work


def test_recipe_stages_make_a_voice_the_engine_can_load(workdir, frontend, tmp_path):
    from sambert_edge import Synthesizer, VoiceConfig
    from sambert_edge.train.export_student import export_student
    from sambert_edge.train.prepare import run_align, run_emotions
    from sambert_edge.train.train_am import AmTrainSettings, train_am
    from sambert_edge.train.train_vocoder import VocoderTrainSettings, train_vocoder

    counts = run_align(workdir, frontend, progress=False)
    assert counts["made"] == len(SENTENCES) and counts["failed"] == 0
    assert run_align(workdir, frontend, progress=False)["present"] == len(SENTENCES)  # resumable
    stats = json.loads((workdir / "features" / "stats.json").read_text())
    assert stats["utterances"] == len(SENTENCES) and len(stats["mel_mean"]) == 80
    (workdir / "features" / "utt00.npz").unlink()  # the corpus changes; the normalisation must not
    run_align(workdir, frontend, progress=False, limit=0)
    assert json.loads((workdir / "features" / "stats.json").read_text()) == stats
    run_align(workdir, frontend, progress=False, limit=0, recompute_stats=True)
    assert json.loads((workdir / "features" / "stats.json").read_text())["utterances"] == len(SENTENCES) - 1
    run_align(workdir, frontend, progress=False, recompute_stats=True)
    assert json.loads((workdir / "features" / "stats.json").read_text()) == stats

    first = run_emotions(workdir, ("sad",), limit=3, progress=False, shard=(0, 2))  # utterances 0 and 2
    assert first["made"] == 2 and not (workdir / "features" / "utt01__sad.npz").exists()
    made = run_emotions(workdir, ("sad",), limit=3, progress=False, shard=(1, 2))
    assert made["made"] == 1 and (workdir / "features" / "utt01__sad.npz").exists()
    assert run_emotions(workdir, ("sad",), limit=3, progress=False)["present"] == 3
    with np.load(workdir / "features" / "utt00__sad.npz") as z:
        assert str(z["emotion"]) == "sad" and int(z["durations"].sum()) == len(z["mel"])

    am, voc = workdir / "am", workdir / "vocoder"
    train_am(workdir, am, AmTrainSettings(steps=2, save_every=1, emotions=("neutral", "sad")))
    assert (am / "weights.pt").exists() and (am / "last.pt").exists()
    train_am(workdir, am, AmTrainSettings(steps=3, save_every=1, emotions=("neutral", "sad"),
                                          renderings_per_epoch=1, repeat={"sad": 2}))  # resumes
    with pytest.raises(ValueError, match="angry"):
        train_am(workdir, am, AmTrainSettings(steps=4, emotions=("neutral", "sad"), repeat={"angry": 2}))
    import torch
    assert torch.load(am / "last.pt")["step"] == 3
    am2 = workdir / "am_from_weights"  # the committed fp16 recipe checkpoint path: weights only
    train_am(workdir, am2, AmTrainSettings(steps=4, save_every=1, emotions=("neutral",)), init=am / "weights.pt",
             init_step=3)
    assert torch.load(am2 / "last.pt")["step"] == 4
    deep = workdir / "am_deep"  # grown from the base checkpoint
    train_am(workdir, deep, AmTrainSettings(steps=4, save_every=1, emotions=("neutral",), size="deep"),
             init=am / "weights.pt", init_step=3)
    assert json.loads((deep / "config.json").read_text())["am"]["decoder_num_layers"] == 8
    with pytest.raises(ValueError, match="another size"):
        train_am(workdir, deep, AmTrainSettings(steps=5, save_every=1, emotions=("neutral",)))
    train_vocoder(workdir, voc, VocoderTrainSettings(steps=2, batch=2, save_every=1))
    assert (voc / "weights.pt").exists()

    from sambert_edge.train.am_data import Normaliser
    from sambert_edge.train.gta import write_gta_mels

    counts = write_gta_mels(workdir, am, workdir / "gta", ("neutral", "sad"), progress=False)
    assert counts == {"made": len(SENTENCES) + 3, "present": 0, "skipped": 0}
    norm = Normaliser.load(workdir / "features" / "stats.json")
    with np.load(workdir / "features" / "utt01.npz") as z:
        analysis = (z["mel"].astype(np.float32) - norm.mel_mean) / norm.mel_std
        start, covered = int(z["start"]), int(z["durations"].sum())
    gta = np.load(workdir / "gta" / "utt01.npy").astype(np.float32)
    assert gta.shape == analysis.shape  # same frames as the audio, so clips line up sample for sample
    outside = np.r_[0:start, start + covered:len(analysis)]
    np.testing.assert_allclose(gta[outside], analysis[outside], atol=1e-2)  # float16 storage
    assert not np.allclose(gta[start:start + covered], analysis[start:start + covered], atol=1e-2)
    assert write_gta_mels(workdir, am, workdir / "gta", ("neutral", "sad"), progress=False)["present"] == 15
    # free-running: the decoder feeds on its own output, yet the frames still line up with the audio
    write_gta_mels(workdir, am, workdir / "gta_free", ("neutral",), progress=False, free_running=True)
    free = np.load(workdir / "gta_free" / "utt01.npy").astype(np.float32)
    assert free.shape == analysis.shape
    np.testing.assert_allclose(free[outside], analysis[outside], atol=1e-2)
    assert not np.allclose(free[start:start + covered], gta[start:start + covered], atol=1e-2)
    voc_gta = workdir / "vocoder_gta"
    train_vocoder(workdir, voc_gta, VocoderTrainSettings(steps=1, batch=2, save_every=1), mel_folder="gta",
                  init=voc / "last.pt", emotions=("neutral", "sad"))
    assert json.loads((voc_gta / "config.json").read_text())["emotions"] == ["neutral", "sad"]
    voc_adv = workdir / "vocoder_adv"  # with waveform discriminators: their state resumes with the vocoder
    adv = dict(batch=2, save_every=1, adversarial=0.5, adversarial_warmup=1, adversarial_channels=4)
    train_vocoder(workdir, voc_adv, VocoderTrainSettings(steps=2, **adv), mel_folder="gta", init=voc / "last.pt")
    assert torch.load(voc_adv / "last.pt")["adversary"]["step"] == 2
    train_vocoder(workdir, voc_adv, VocoderTrainSettings(steps=3, **adv), mel_folder="gta")
    assert torch.load(voc_adv / "last.pt")["adversary"]["step"] == 3
    train_vocoder(workdir, voc_adv, VocoderTrainSettings(steps=4, **{**adv, "adversarial_channels": 8}),
                  mel_folder="gta")  # discriminators of another width start afresh
    state = torch.load(voc_adv / "last.pt")
    assert state["step"] == 4 and state["adversary"]["step"] == 1 and state["adversary"]["channels"] == 8
    with pytest.raises(ValueError, match="adversarial"):
        train_vocoder(workdir, voc_adv, VocoderTrainSettings(steps=5, batch=2, adversarial=-1.0))

    out = tmp_path / "voice"
    voice = export_student(am, voc_gta, out, name="toy", speakers=("F7",), emotions=("neutral", "sad"),
                           emotion_pace={"sad": 1.18})
    assert voice.emotions == ("neutral", "sad")
    assert VoiceConfig.load(out) == voice and voice.emotion_pace == {"sad": 1.18}
    with pytest.raises(ValueError, match="does not offer"):  # refused before any graph is written
        export_student(am, voc_gta, tmp_path / "bad", name="toy", speakers=("F7",), emotions=("neutral",),
                       emotion_pace={"sad": 1.18})
    assert not (tmp_path / "bad").exists()
    synth = Synthesizer.load(out, threads=1, frontend=frontend)
    audio = synth.synthesize("你好。", emotion="sad")
    assert audio.sample_rate == 16000
    assert len(audio.samples) == len(audio.mel) * 200  # (an untrained model may predict no frames)
    assert np.isfinite(audio.samples).all()
    wav = synth.vocode(np.zeros((10, 80), np.float32))
    assert wav.shape == (2000,) and np.isfinite(wav).all()
    deep_voice = export_student(deep, voc_gta, tmp_path / "deep", name="toy-deep", speakers=("F7",),
                                emotions=("neutral",))
    deep_audio = Synthesizer.load(tmp_path / "deep", threads=1, frontend=frontend).synthesize("你好。")
    assert deep_voice.emotions == ("neutral",) and np.isfinite(deep_audio.samples).all()


def test_train_am_weight_average_follows_the_trained_weights_across_resumes(workdir, frontend):
    import torch

    from sambert_edge.train.prepare import run_align
    from sambert_edge.train.train_am import AmTrainSettings, train_am

    run_align(workdir, frontend, progress=False)  # resumable: a no-op after the recipe test

    def settings(steps: int, decay: float) -> AmTrainSettings:
        return AmTrainSettings(steps=steps, save_every=1, emotions=("neutral",), ema=decay)

    out = workdir / "am_ema"
    train_am(workdir, out, settings(1, 0.0))  # decay 0: the average is the trained weights
    state, weights = torch.load(out / "last.pt"), torch.load(out / "weights.pt")
    assert state["ema"].keys() == state["model"].keys() == weights.keys()
    for k, v in state["model"].items():
        assert torch.equal(weights[k], v.half() if v.is_floating_point() else v)
    for step in (2, 3):  # each resume continues the saved average: ema = 0.9 ema + 0.1 weights
        before = torch.load(out / "last.pt")["ema"]
        train_am(workdir, out, settings(step, 0.9))
        state, weights = torch.load(out / "last.pt"), torch.load(out / "weights.pt")
        assert state["step"] == step
        moved = False
        for k, v in state["model"].items():
            if v.is_floating_point():
                torch.testing.assert_close(state["ema"][k], 0.9 * before[k] + 0.1 * v)
                assert torch.equal(weights[k], state["ema"][k].half())
                moved |= not torch.equal(state["ema"][k], v)
        assert moved  # weights.pt is the average, not the last step
    with pytest.raises(ValueError, match="--ema"):
        train_am(workdir, out, settings(4, 1.0))


def test_train_am_adversarial_term_changes_the_update_and_resumes_its_discriminator(workdir, frontend):
    import torch

    from sambert_edge.train.prepare import run_align
    from sambert_edge.train.train_am import AmTrainSettings, train_am

    run_align(workdir, frontend, progress=False)
    runs = {}
    for name, weight in (("l1", None), ("gan", 1.0)):
        out = workdir / f"am_{name}"
        train_am(workdir, out, AmTrainSettings(steps=1, save_every=1, emotions=("neutral",), adversarial=weight,
                                               adversarial_warmup=0))
        runs[name] = torch.load(out / "last.pt")
    assert "adversary" not in runs["l1"] and runs["gan"]["adversary"]["step"] == 1
    l1, gan = runs["l1"]["model"], runs["gan"]["model"]
    assert any(not torch.equal(l1[k], gan[k]) for k in l1)  # the discriminator's terms reached the model
    train_am(workdir, workdir / "am_gan", AmTrainSettings(steps=2, save_every=1, emotions=("neutral",),
                                                          adversarial=1.0, adversarial_warmup=0))
    assert torch.load(workdir / "am_gan" / "last.pt")["adversary"]["step"] == 2  # resumed, not restarted
    train_am(workdir, workdir / "am_gan", AmTrainSettings(steps=3, save_every=1, emotions=("neutral",),
                                                          adversarial=1.0, adversarial_warmup=0,
                                                          adversarial_channels=8))
    wider = torch.load(workdir / "am_gan" / "last.pt")
    assert (wider["step"], wider["adversary"]["step"], wider["adversary"]["channels"]) == (3, 1, 8)  # a fresh one
    with pytest.raises(ValueError, match="--adversarial"):
        train_am(workdir, workdir / "am_bad", AmTrainSettings(steps=1, emotions=("neutral",), adversarial=-1.0))


def test_train_am_decoder_feedback_changes_the_update_and_validation_reports_free_running(workdir, frontend):
    import torch

    from sambert_edge.train.am_data import Normaliser
    from sambert_edge.train.prepare import run_align
    from sambert_edge.train.train_am import AmTrainSettings, _validate, load_examples, train_am

    run_align(workdir, frontend, progress=False)
    runs = {}
    for name, share in (("forced", 0.0), ("fed", 1.0)):
        out = workdir / f"am_{name}"
        train_am(workdir, out, AmTrainSettings(steps=1, save_every=1, emotions=("neutral",), decoder_feedback=share,
                                               feedback_passes=2))
        runs[name] = torch.load(out / "last.pt")["model"]
    assert any(not torch.equal(runs["forced"][k], runs["fed"][k]) for k in runs["forced"])
    for share, passes in ((1.5, 1), (-0.5, 1), (0.5, 0)):
        with pytest.raises(ValueError, match="--decoder-feedback"):
            train_am(workdir, workdir / "am_bad_feedback",
                     AmTrainSettings(steps=1, emotions=("neutral",), decoder_feedback=share, feedback_passes=passes))

    from sambert_edge.train.models.sambert import KanTtsSAMBERT
    from sambert_edge.train.student import student_am_config

    model = KanTtsSAMBERT(student_am_config("base"))
    model.load_state_dict(runs["fed"])
    valid = load_examples(workdir / "features", Normaliser.load(workdir / "features" / "stats.json"), ("neutral",))[:2]
    words = _validate(model, valid, model.config.outputs_per_step).split()
    values = dict(zip(words[::2], map(float, words[1::2])))
    assert {"dec", "post", "free_dec", "free_post"} <= values.keys()
    assert values["free_dec"] != values["dec"] and all(v >= 0 for v in values.values())
    assert model.training  # _validate puts the model back in training mode


@pytest.mark.parametrize(("argument", "text", "expected"), [
    ("shard", "0/1", (0, 1)), ("shard", "1/2", (1, 2)), ("shard", "2/2", None), ("shard", "a/2", None),
    ("shard", "1", None), ("shard", "-1/2", None),
    ("repeat", "angry=2", ("angry", 2)), ("repeat", "sad=1", ("sad", 1)), ("repeat", "angry=0", None),
    ("repeat", "angry", None), ("repeat", "=2", None), ("repeat", "angry=x", None),
    ("pace", "", {}), ("pace", "none", {}), ("pace", "angry=0.92", {"angry": 0.92}),
    ("pace", "angry=0.92,happy=0.97", {"angry": 0.92, "happy": 0.97}), ("pace", "angry", None),
    ("pace", "=0.9", None), ("pace", "angry=fast", None),
])
def test_emotions_shard_train_am_repeat_and_export_pace_arguments(argument, text, expected):
    """``emotions --shard K/N``, ``train-am --repeat EMOTION=K`` and ``export --emotion-pace``:
    parsed, or refused by argparse."""
    import argparse

    from sambert_edge.train.__main__ import pace_arg, repeat_arg, shard_arg

    parse = {"shard": shard_arg, "repeat": repeat_arg, "pace": pace_arg}[argument]
    if expected is None:
        with pytest.raises(argparse.ArgumentTypeError):
            parse(text)
    else:
        assert parse(text) == expected
