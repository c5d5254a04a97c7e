"""torch.export on jtorch: ExportedProgram, dynamic batch via Dim, save/load."""
import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same


def _pair():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(4, 6), jtorch.nn.ReLU(), jtorch.nn.Linear(6, 2))
    jm.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return tm, jm


def test_export_static_and_dynamic(tmp_path):
    tm, jm = _pair()
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    ep = jtorch.export.export(jm, (jtorch.tensor(x),))
    assert sorted(ep.state_dict) == sorted(tm.state_dict())
    assert_same(ep.module()(jtorch.tensor(x)), tm(torch.tensor(x)).detach(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="expected a tensor of shape"):
        ep.module()(jtorch.randn(5, 4))  # static by default, like torch.export
    with pytest.raises(RuntimeError, match="module\\(\\)"):
        ep(jtorch.tensor(x))
    batch = jtorch.export.Dim("batch")
    dep = jtorch.export.export(jm, (jtorch.tensor(x),), dynamic_shapes={"x": {0: batch}})
    x5 = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    assert_same(dep.module()(jtorch.tensor(x5)), tm(torch.tensor(x5)).detach(), rtol=1e-5,
                atol=1e-6)
    jtorch.export.save(dep, tmp_path / "m.pt2")
    back = jtorch.export.load(tmp_path / "m.pt2")
    assert_same(back.module()(jtorch.tensor(x5)), tm(torch.tensor(x5)).detach(), rtol=1e-5,
                atol=1e-6)
    assert "func.func" in back.graph
    with pytest.raises(NotImplementedError, match="dimension 0"):
        jtorch.export.export(jm, (jtorch.tensor(x),), dynamic_shapes={"x": {1: batch}})
