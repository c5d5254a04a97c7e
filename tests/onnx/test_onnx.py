"""torch.onnx.export via jax2onnx, checked with onnxruntime against torch's outputs."""
import numpy as np
import pytest
import torch

import jtorch

# NOTE: the onnx extra is part of the test extra, so CI runs this; a bare install skips it.
jax2onnx = pytest.importorskip("jax2onnx", reason="the optional onnx extra is not installed")
ort = pytest.importorskip("onnxruntime", reason="the optional onnx extra is not installed")


def test_mlp_onnx_matches_torch_any_batch(tmp_path):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.GELU(), torch.nn.Linear(8, 3))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(5, 8), jtorch.nn.GELU(), jtorch.nn.Linear(8, 3))
    jm.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    path = tmp_path / "m.onnx"
    jtorch.onnx.export(jm.eval(), (jtorch.randn(2, 5),), str(path), input_names=["x"],
                       output_names=["y"], dynamic_axes={"x": {0: "batch"}})
    sess = ort.InferenceSession(str(path))
    assert [i.name for i in sess.get_inputs()] == ["x"]
    for n in (1, 7):
        x = np.random.default_rng(n).standard_normal((n, 5)).astype(np.float32)
        got = sess.run(["y"], {"x": x})[0]
        np.testing.assert_allclose(got, tm(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                                   atol=1e-5)


def test_onnx_argument_errors():
    m = jtorch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="input_names"):
        jtorch.onnx.export(m, (jtorch.randn(1, 2),), None, input_names=["a", "b"])
    with pytest.raises(ValueError, match="unknown"):
        jtorch.onnx.export(m, (jtorch.randn(1, 2),), None, input_names=["a"],
                           dynamic_axes={"z": {0: "b"}})
