"""The waveform discriminators of ``train-vocoder --adversarial``: shapes, objectives and gradients."""

import math

import pytest

torch = pytest.importorskip("torch")

from sambert_edge.train.wave_adversary import (  # noqa: E402
    PERIODS, RESOLUTIONS, PeriodDiscriminator, ResolutionDiscriminator, WaveAdversary, WaveDiscriminators)


@pytest.mark.parametrize("period, samples", [(2, 6400), (3, 6400), (11, 6400), (7, 701)])
def test_period_discriminator_folds_any_length_into_rows_of_its_period(period, samples):
    d = PeriodDiscriminator(period, channels=4)
    score, features = d(torch.randn(2, samples))
    rows = math.ceil(samples / period)
    assert features[0].shape[:2] == (2, 4) and features[0].shape[-1] == period
    assert features[0].shape[2] == math.ceil(rows / 3)
    assert score.shape[0] == 2 and score.shape[1] % period == 0
    assert len(features) == 5


@pytest.mark.parametrize("n_fft, hop", RESOLUTIONS)
def test_resolution_discriminator_sees_every_frame_of_its_spectrogram(n_fft, hop):
    d = ResolutionDiscriminator(n_fft, hop, channels=4)
    score, features = d(torch.randn(2, 6400))
    frames = 6400 // hop + 1
    assert all(f.shape[2] == frames for f in features)
    assert score.shape == (2, frames * features[-1].shape[-1])


def test_every_period_and_resolution_is_a_member():
    out = WaveDiscriminators(channels=4)(torch.randn(1, 3200))
    assert len(out) == len(PERIODS) + len(RESOLUTIONS)


def _harmonic(n: int, f0: float) -> torch.Tensor:
    t = torch.arange(n) / 16000
    return sum(torch.sin(2 * math.pi * f0 * k * t) / k for k in range(1, 8)) * 0.2


def test_discriminators_learn_to_tell_buzzy_audio_from_clean_audio():
    torch.manual_seed(0)
    adversary = WaveAdversary(warmup=0, lr=1e-3, channels=4)
    real = torch.stack([_harmonic(1600, f0) for f0 in (110.0, 190.0)])
    fake = real + 0.05 * torch.randn_like(real)  # noise between the harmonics
    first = adversary.train_discriminator(real, fake)
    for _ in range(20):
        last = adversary.train_discriminator(real, fake)
    assert last < 0.5 * first
    assert adversary.step == 21


def test_generator_losses_reach_the_audio_but_leave_the_discriminators_alone():
    adversary = WaveAdversary(warmup=2, channels=4)
    real = torch.randn(2, 3200) * 0.1
    fake = (torch.randn(2, 3200) * 0.1).requires_grad_()
    for _ in range(3):  # the training loop updates the discriminators first: the third step is the first heard
        assert not adversary.active
        adversary.train_discriminator(real, fake)
    assert adversary.active
    adversary.optimizer.zero_grad(set_to_none=True)
    losses = adversary.generator_losses(real, fake)
    assert set(losses) == {"adv", "fm"} and float(losses["fm"].detach()) > 0
    (losses["adv"] + losses["fm"]).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
    for p in adversary.discriminators.parameters():
        assert p.grad is None and p.requires_grad  # frozen for the generator's pass, trainable after


def test_feature_matching_is_zero_for_the_real_audio_itself():
    adversary = WaveAdversary(channels=4)
    real = torch.randn(2, 3200) * 0.1
    assert float(adversary.generator_losses(real, real.clone())["fm"]) == 0.0


def test_adversary_state_round_trips_and_knows_its_width():
    a = WaveAdversary(channels=4)
    a.train_discriminator(torch.randn(2, 3200), torch.randn(2, 3200))
    b = WaveAdversary(channels=4)
    assert b.same_shape(a.state_dict()) and not WaveAdversary(channels=8).same_shape(a.state_dict())
    b.load_state_dict(a.state_dict())
    assert b.step == 1
    x = torch.randn(1, 3200)
    for (sa, _), (sb, _) in zip(a.discriminators(x), b.discriminators(x)):
        torch.testing.assert_close(sa, sb)
