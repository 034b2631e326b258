"""``conv_time_last``: a Conv1d over time on [B, T, C], as MatMul when the kernel is one frame wide."""

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from sambert_edge.train.models.pointwise import conv_time_last  # noqa: E402

CONVS = {
    "pointwise": dict(kernel_size=1),
    "pointwise without bias": dict(kernel_size=1, bias=False),
    "kernel 3, same padding": dict(kernel_size=3, padding=1),
    "depthwise": dict(kernel_size=5, padding=2, groups=8),
}


@pytest.mark.parametrize("kwargs", CONVS.values(), ids=CONVS.keys())
def test_matches_the_conv_it_runs(kwargs):
    torch.manual_seed(0)
    conv = nn.Conv1d(8, 16 if kwargs.get("groups") is None else 8, **kwargs)
    x = torch.randn(2, 11, 8)
    expected = conv(x.transpose(1, 2)).transpose(1, 2)
    torch.testing.assert_close(conv_time_last(conv, x), expected, atol=1e-6, rtol=1e-5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter, as export.py uses it
def test_pointwise_ffns_export_as_matmul_so_int8_covers_them(tmp_path):
    pytest.importorskip("onnx")
    import onnx

    from sambert_edge.train.models.attention import PositionwiseConvFeedForward

    ffn = PositionwiseConvFeedForward(16, 32, (1, 1), 0.0, 0.0, 1e-5).eval()
    path = tmp_path / "ffn.onnx"
    torch.onnx.export(ffn, (torch.randn(1, 7, 16),), str(path), input_names=["x"], dynamo=False,
                      dynamic_axes={"x": {1: "T"}})
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert "MatMul" in ops and "Conv" not in ops
