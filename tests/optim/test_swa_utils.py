"""swa_utils: AveragedModel (SWA, EMA, avg_fn, use_buffers), SWALR, update_bn vs torch."""

import numpy as np
import pytest
import torch

import jtorch

from ._util import np_of

rng = np.random.default_rng(5)
WEIGHTS = [(rng.standard_normal((3, 4)).astype(np.float32),
            rng.standard_normal(3).astype(np.float32)) for _ in range(6)]


def _model(lib, i):
    m = lib.nn.Linear(4, 3)
    w, b = WEIGHTS[i]
    with lib.no_grad():
        m.weight.copy_(lib.tensor(w))
        m.bias.copy_(lib.tensor(b))
    return m


def _avg_kwargs(lib, kind):
    su = lib.optim.swa_utils
    return {"swa": {}, "ema": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.8)},
            "ema_avg_fn": {"avg_fn": su.get_ema_avg_fn(0.7)},
            "swa_avg_fn": {"avg_fn": su.get_swa_avg_fn()},
            "swa_multi": {"multi_avg_fn": su.get_swa_multi_avg_fn()},
            "ema_buffers": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9),
                            "use_buffers": True}}[kind]


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_avg_fn", "swa_avg_fn", "swa_multi",
                                  "ema_buffers"])
def test_averaged_model(kind):
    out = []
    for lib in (jtorch, torch):
        model = _model(lib, 0)
        avg = lib.optim.swa_utils.AveragedModel(model, **_avg_kwargs(lib, kind))
        for i in range(6):
            src = _model(lib, i)
            with lib.no_grad():
                for p, q in zip(model.parameters(), src.parameters()):
                    p.copy_(q)
            avg.update_parameters(model)
        x = lib.tensor(np.ones((2, 4), np.float32))
        out.append(([np_of(v) for v in avg.state_dict().values()], list(avg.state_dict()),
                    np_of(avg(x))))
    (jv, jk, jy), (tv, tk, ty) = out
    assert jk == tk
    for a, b in zip(jv, tv):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(jy, ty, rtol=1e-6, atol=1e-6)


def test_ema_decay_error():
    with pytest.raises(ValueError, match="Invalid decay value 1.5"):
        jtorch.optim.swa_utils.get_ema_multi_avg_fn(1.5)


@pytest.mark.parametrize("strategy,anneal_epochs", [("cos", 5), ("linear", 3), ("cos", 0)])
def test_swalr_sequence(strategy, anneal_epochs):
    seqs = []
    for lib in (jtorch, torch):
        ps = [lib.zeros(2, requires_grad=True) for _ in range(2)]
        opt = lib.optim.SGD([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.3}], lr=0.1)
        s = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                                      anneal_strategy=strategy)
        seq = [s.get_last_lr()]
        for _ in range(10):
            opt.step()
            s.step()
            seq.append(s.get_last_lr())
        seqs.append((seq, sorted(s.state_dict())))
    np.testing.assert_allclose(np.array(seqs[0][0]), np.array(seqs[1][0]), rtol=1e-12)
    assert seqs[0][1] == seqs[1][1]


@pytest.mark.skipif(not hasattr(jtorch.nn, "BatchNorm1d"),
                    reason="jtorch.nn.BatchNorm1d is not implemented yet (nn lands in parallel)")
def test_update_bn():
    data = [rng.standard_normal((8, 4)).astype(np.float32) for _ in range(3)]
    outs = []
    for lib in (jtorch, torch):
        model = lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.BatchNorm1d(4))
        with lib.no_grad():
            model[0].weight.copy_(lib.tensor(WEIGHTS[0][0][:, :4].repeat(2, 0)[:4]))
            model[0].bias.zero_()
        model.eval()
        loader = [(lib.tensor(d), lib.tensor(0)) for d in data]
        lib.optim.swa_utils.update_bn(loader, model)
        bn = model[1]
        outs.append((np_of(bn.running_mean), np_of(bn.running_var), model.training, bn.momentum))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-5, atol=1e-6)
    assert outs[0][2:] == outs[1][2:]
