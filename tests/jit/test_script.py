"""torch.jit.script/trace on jtorch: compiled calls, StableHLO save, load in a fresh process."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import jtorch
from _harness import assert_same, jt_to_torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pair_mlp():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    jm = jtorch.nn.Sequential(jtorch.nn.Linear(5, 8), jtorch.nn.Tanh(), jtorch.nn.Linear(8, 3))
    jm.load_state_dict({k: jtorch.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    return tm.eval(), jm.eval()


def test_trace_matches_torch_and_shares_state():
    tm, jm = _pair_mlp()
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    sm = jtorch.jit.trace(jm, jtorch.tensor(x))
    assert list(sm.state_dict()) == list(tm.state_dict())
    assert all(a is b for a, b in zip(sm.parameters(), jm.parameters()))
    for _ in range(3):
        assert_same(sm(jtorch.tensor(x)).detach(), tm(torch.tensor(x)).detach(), rtol=1e-5,
                    atol=1e-6)
    assert "stablehlo" in sm.code or "func.func" in sm.code


def test_scripted_module_trains_like_eager():
    _, jm = _pair_mlp()
    sm = jtorch.jit.script(jm)
    x = jtorch.randn(6, 5)
    for _ in range(3):
        jm.zero_grad()
        sm(x).pow(2).sum().backward()
        g = [p.grad.clone() for p in jm.parameters()]
        jm.zero_grad()
        jm(x).pow(2).sum().backward()
        for a, p in zip(g, jm.parameters()):
            assert_same(a, jt_to_torch(p.grad), rtol=1e-5, atol=1e-6)


def test_save_load_in_fresh_process_any_batch(tmp_path):
    tm, jm = _pair_mlp()
    path = tmp_path / "mlp.pt"
    jtorch.jit.trace(jm, jtorch.randn(2, 5)).save(str(path))
    xs = np.random.default_rng(1).standard_normal((7, 5)).astype(np.float32)
    np.save(tmp_path / "x.npy", xs)
    code = ("import numpy as np, jtorch\n"
            f"m = jtorch.jit.load({str(path)!r})\n"
            f"x = np.load({str(tmp_path / 'x.npy')!r})\n"
            "print(list(m(jtorch.tensor(x)).shape))\n"
            f"np.save({str(tmp_path / 'y.npy')!r}, m(jtorch.tensor(x[:3])).numpy())\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[7, 3]"
    want = tm(torch.tensor(xs[:3])).detach().numpy()
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), want, rtol=1e-5, atol=1e-6)


def test_loaded_program_checks_inputs_and_state_dict(tmp_path):
    _, jm = _pair_mlp()
    path = tmp_path / "m.pt"
    jtorch.jit.save(jtorch.jit.trace(jm, jtorch.randn(2, 5)), path)
    m = jtorch.jit.load(path)
    assert sorted(m.state_dict()) == sorted(jm.state_dict())
    with pytest.raises(RuntimeError, match=r"input 0: expected a tensor of shape \['batch', '5'\]"):
        m(jtorch.randn(2, 4))
    with pytest.raises(TypeError, match="expected 1 inputs"):
        m(jtorch.randn(2, 5), jtorch.randn(2, 5))


def test_load_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(RuntimeError, match="not a jtorch exported program"):
        jtorch.jit.load(bad)
    with pytest.raises(ValueError, match="does not exist"):
        jtorch.jit.load(tmp_path / "missing.pt")


def test_script_function_and_markers():
    f = jtorch.jit.script(lambda a, b: (a * b).sum(dim=1))
    a, b = jtorch.randn(3, 4), jtorch.randn(3, 4)
    for _ in range(3):
        assert_same(f(a, b), jt_to_torch((a * b).sum(dim=1)))
    assert jtorch.jit.ignore(len) is len and jtorch.jit.is_scripting() is False
    with pytest.raises(RuntimeError, match="has not been called yet"):
        jtorch.jit.script(jtorch.nn.Linear(2, 2)).code
