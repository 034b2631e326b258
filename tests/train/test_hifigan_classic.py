"""The classic HiFi-GAN V1/V2/V3 generator configs at 16 kHz: shapes, sizes, ONNX export parity."""

from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from sambert_edge.train.models import Generator, HifiGanConfig  # noqa: E402


@pytest.mark.parametrize(("version", "channels", "stages", "block"), [
    ("v1", 512, 4, "ResidualBlock"),
    ("v2", 128, 4, "ResidualBlock"),
    ("v3", 256, 3, "ResidualBlock2"),
])
def test_classic_configs_make_16k_audio_at_hop_200(version, channels, stages, block):
    config = HifiGanConfig.classic(version)
    assert (config.channels, len(config.upsample_scales), config.hop_length) == (channels, stages, 200)
    gen = Generator(config).eval()
    assert type(gen.conv_blocks[0]).__name__ == block
    with torch.no_grad():
        wav = gen(torch.randn(1, 80, 12))
    assert wav.shape == (1, 1, 12 * 200) and torch.isfinite(wav).all()


def test_the_paper_sizes_order_holds():
    params = {v: sum(p.numel() for p in Generator(HifiGanConfig.classic(v)).parameters()) for v in ("v1", "v2", "v3")}
    assert params["v2"] < params["v3"] < params["v1"]  # V1 is the large model, V2 the small one


def test_unknown_version_and_resblock_type_are_refused():
    with pytest.raises(ValueError, match="v1, v2 or v3"):
        HifiGanConfig.classic("v4")
    with pytest.raises(ValueError, match="resblock_type"):
        Generator(replace(HifiGanConfig.reduced(), resblock_type="3"))


def test_kantts_yaml_keeps_no_resblock_type_key():
    assert "resblock_type" not in HifiGanConfig().to_kantts()
    assert HifiGanConfig.from_kantts(HifiGanConfig.classic("v3").to_kantts()).resblock_type == "2"


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_classic_vocoder_exports_to_onnx_with_parity(version, tmp_path):
    import onnxruntime as ort

    from sambert_edge.train.export import export_vocoder

    torch.manual_seed(0)
    gen = Generator(replace(HifiGanConfig.classic(version), channels=32)).eval()
    export_vocoder(gen, tmp_path / "vocoder.onnx")
    mel = torch.randn(1, 80, 20)
    with torch.no_grad():
        expected = gen(mel).numpy()
    session = ort.InferenceSession(str(tmp_path / "vocoder.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: mel.numpy()})
    np.testing.assert_allclose(got.reshape(expected.shape), expected, atol=1e-4)
