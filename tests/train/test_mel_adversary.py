"""The mel discriminator of ``train-am --adversarial``: windows, objectives and gradients."""

import random

import pytest

torch = pytest.importorskip("torch")

from sambert_edge.train.mel_adversary import MelAdversary, MelDiscriminator, random_windows  # noqa: E402


@pytest.mark.parametrize("lengths, window, width", [
    ([50, 30, 40], 16, 16),
    ([50, 10, 40], 16, 10),  # never wider than the shortest utterance
    ([5, 5], 64, 5),
])
def test_random_windows_take_the_same_frames_inside_each_utterance(lengths, window, width):
    t = max(lengths)
    real = torch.full((len(lengths), t, 8), float("nan"))  # padding is NaN: a window reaching it fails
    for i, n in enumerate(lengths):
        real[i, :n] = torch.arange(n, dtype=torch.float32).unsqueeze(1) + 1000 * i
    fake = real * 2
    r, f = random_windows(real, fake, torch.tensor(lengths), window, random.Random(0))
    assert r.shape == f.shape == (len(lengths), width, 8)
    assert not torch.isnan(r).any()
    torch.testing.assert_close(f, r * 2)
    for i in range(len(lengths)):
        assert torch.all(r[i, 1:, 0] - r[i, :-1, 0] == 1)  # consecutive frames


def test_discriminator_scores_patches_and_returns_every_hidden_layer():
    d = MelDiscriminator(channels=8)
    score, features = d(torch.randn(3, 20, 80))
    assert score.shape == (3, 20, 10)
    assert len(features) == 4 and features[-1].shape == (3, 8, 20, 10)


def test_discriminator_learns_to_tell_smoothed_mels_from_real_ones():
    torch.manual_seed(0)
    adversary = MelAdversary(window=16, warmup=0, lr=1e-3, channels=8)
    real = torch.randn(8, 16, 80)
    fake = torch.nn.functional.avg_pool1d(real.transpose(1, 2), 5, 1, 2).transpose(1, 2)  # over-smoothed
    first = adversary.train_discriminator(real, fake)
    for _ in range(60):
        last = adversary.train_discriminator(real, fake)
    assert last < 0.5 * first
    assert adversary.step == 61


def test_generator_losses_reach_the_prediction_but_leave_the_discriminator_alone():
    adversary = MelAdversary(window=16, warmup=2, channels=8)
    real = torch.randn(2, 16, 80)
    fake = torch.randn(2, 16, 80, requires_grad=True)
    assert not adversary.active
    adversary.train_discriminator(real, fake)
    adversary.train_discriminator(real, fake)
    adversary.train_discriminator(real, fake)
    assert adversary.active
    adversary.optimizer.zero_grad(set_to_none=True)
    losses = adversary.generator_losses(real, fake)
    (losses["adv"] + losses["fm"]).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
    for p in adversary.discriminator.parameters():
        assert p.grad is None and p.requires_grad  # frozen for the generator's pass, trainable after


def test_adversary_state_round_trips():
    a = MelAdversary(channels=8)
    a.train_discriminator(torch.randn(2, 16, 80), torch.randn(2, 16, 80))
    b = MelAdversary(channels=8)
    b.load_state_dict(a.state_dict())
    assert b.step == 1
    x = torch.randn(1, 16, 80)
    torch.testing.assert_close(a.discriminator(x)[0], b.discriminator(x)[0])


def test_saved_discriminator_shape_decides_whether_a_resume_can_load_it():
    adversary = MelAdversary(window=16, channels=8)
    state = adversary.state_dict()
    assert adversary.same_shape(state)
    assert not MelAdversary(window=16, channels=16).same_shape(state)
    assert not MelAdversary(window=32, channels=8).same_shape(state)
    legacy = {k: v for k, v in MelAdversary().state_dict().items() if k not in ("channels", "window")}
    assert MelAdversary().same_shape(legacy) and not adversary.same_shape(legacy)
